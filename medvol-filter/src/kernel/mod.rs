//! Hot loops, dispatched on an [`Isa`].
//!
//! The pattern of [`medvol_core::simd`]: [`scalar`] holds the reference kernels; a dispatcher
//! here takes the [`Isa`] and, when [`Isa::avx2`] gives a token, runs the reference compiled
//! for AVX2 and FMA (`Avx2::run`) or an intrinsic kernel of `avx2` (x86-64 only), else the
//! scalar kernel. `Isa::Scalar` gives no token, so forcing it runs scalar code everywhere.
//! Kernels never fuse multiply and add, so every path gives the same bits as the scalar one.
//!
//! Only kernels whose AVX2 build measured faster than the autovectorised (SSE2) scalar build
//! have a twin: the symmetric convolution (2.3× on the Gaussian), the linear map and the
//! threshold. The recursive filter and the interpolation loops measured 1.3-4× *slower* when
//! compiled for AVX2 on the development machine (LLVM turns their selects and gathers into
//! slower code), so they run the scalar build on every instruction set. The median's
//! selection networks have an intrinsic AVX2 kernel for `f32` (`avx2::net_row_f32`):
//! compiled for AVX2, the portable loop becomes masked stores, several times slower than SSE2,
//! while with the intrinsic kernel the whole median runs 1.2-1.3× faster than with the SSE2
//! build (benches `median_r1`, `median_r2`).

#[cfg(target_arch = "x86_64")]
mod avx2;
mod scalar;

/// Voxels a selection network processes together, one per lane (a multiple of 8).
pub(crate) const LANES: usize = 32;

use medvol_core::{Isa, Voxel, VoxelKind};
use std::ops::{Add, Mul, Sub};

/// Whether filters compute voxels of `kind` in `f64`: for `f64` and the 32-bit integers, whose
/// values `f32` cannot all hold exactly (16 777 217 would come back as 16 777 216).
pub(crate) fn needs_f64(kind: VoxelKind) -> bool {
    matches!(kind, VoxelKind::F64 | VoxelKind::I32 | VoxelKind::U32)
}

/// The floating-point type filters compute in: `f64` where [`needs_f64`], `f32` otherwise.
pub(crate) trait Real:
    Voxel + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
{
    /// A voxel value converted to this type.
    fn of<T: Voxel>(v: T) -> Self;
    /// An `f64` rounded to this type.
    fn from_f64(v: f64) -> Self;
}

impl Real for f32 {
    #[inline(always)]
    fn of<T: Voxel>(v: T) -> Self {
        v.to_f32()
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl Real for f64 {
    #[inline(always)]
    fn of<T: Voxel>(v: T) -> Self {
        v.to_f64()
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}

/// Runs the scalar kernel `$name`, compiled for AVX2 when `$isa` gives the token.
macro_rules! dispatch {
    ($isa:expr, $name:ident($($arg:expr),*)) => {{
        match $isa.avx2() {
            Some(avx2) => avx2.run(|| scalar::$name($($arg),*)),
            None => scalar::$name($($arg),*),
        }
    }};
}

/// See [`scalar::conv_sym`].
pub(crate) fn conv_sym<S: Voxel, R: Real>(
    isa: Isa,
    out: &mut [R],
    centre: &[S],
    pairs: &[(&[S], &[S])],
    w: &[R],
) {
    dispatch!(isa, conv_sym(out, centre, pairs, w))
}

/// See [`scalar::iir_pass`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn iir_pass<R: Real>(
    _isa: Isa,
    x: &[R],
    n: usize,
    width: usize,
    b: [R; 4],
    tap_start: usize,
    d: [R; 4],
    ratio: R,
    reverse: bool,
    y: &mut [R],
    steady: &mut [R],
) {
    scalar::iir_pass(x, n, width, b, tap_start, d, ratio, reverse, y, steady)
}

/// See [`scalar::add_assign`].
pub(crate) fn add_assign<R: Real>(_isa: Isa, a: &mut [R], b: &[R]) {
    scalar::add_assign(a, b)
}

/// See [`scalar::net_row`]. The AVX2 kernel is written for `f32` (the autovectorised AVX2 build
/// turns compare-exchanges into masked stores, several times slower); other types run the
/// scalar build.
#[allow(clippy::too_many_arguments)]
pub(crate) fn net_row<T: Voxel>(
    isa: Isa,
    src: &[T],
    offsets: &[usize],
    ops: &[(u16, u16)],
    outputs: &[usize],
    wires: &mut [[T; LANES]],
    dst: &mut [T],
    stride: usize,
    len: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = isa.avx2()
        && avx2::net_row(avx2, src, offsets, ops, outputs, wires, dst, stride, len)
    {
        return;
    }
    scalar::net_row(src, offsets, ops, outputs, wires, dst, stride, len)
}

/// See [`scalar::linear_map`].
pub(crate) fn linear_map<T: Voxel>(
    isa: Isa,
    src: &[T],
    dst: &mut [f32],
    scale: f64,
    offset: f64,
    lo: f64,
    hi: f64,
) {
    dispatch!(isa, linear_map(src, dst, scale, offset, lo, hi))
}

/// See [`scalar::linear_map_in_place`].
pub(crate) fn linear_map_in_place(
    isa: Isa,
    data: &mut [f32],
    scale: f64,
    offset: f64,
    lo: f64,
    hi: f64,
) {
    dispatch!(isa, linear_map_in_place(data, scale, offset, lo, hi))
}

/// See [`scalar::threshold`].
pub(crate) fn threshold<T: Voxel>(isa: Isa, src: &[T], dst: &mut [u8], lo: f64, hi: f64) {
    dispatch!(isa, threshold(src, dst, lo, hi))
}

/// See [`scalar::lerp_rows`].
pub(crate) fn lerp_rows<S: Voxel, R: Real>(_isa: Isa, out: &mut [R], a: &[S], b: &[S], t: R) {
    scalar::lerp_rows(out, a, b, t)
}

/// See [`scalar::lerp_gather`].
pub(crate) fn lerp_gather<R: Real>(
    _isa: Isa,
    out: &mut [R],
    line: &[R],
    i0: &[u32],
    i1: &[u32],
    t: &[R],
) {
    scalar::lerp_gather(out, line, i0, i1, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random values in [-1000, 1000).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % 2_000_000) as f32 / 1000.0 - 1000.0
            })
            .collect()
    }

    // Every ISA against scalar, over lengths 0..=67 and misaligned starts, so the
    // remainder loops are exercised: results must be the same bits.
    #[test]
    fn simd_equals_scalar_on_every_length_and_offset() {
        let w = [0.4f32, 0.2, 0.08, 0.02];
        let src = values(4 * 80, 1);
        let rows: Vec<&[f32]> = src.chunks(80).collect();
        for &isa in Isa::available() {
            for len in 0..=67 {
                for off in 0..3 {
                    let r = |q: usize| &rows[q][off..off + len];
                    let pairs = [(r(1), r(2)), (r(3), r(0)), (r(2), r(3))];
                    let mut a = vec![0f32; len];
                    let mut b = vec![0f32; len];
                    conv_sym(isa, &mut a, r(0), &pairs, &w);
                    conv_sym(Isa::Scalar, &mut b, r(0), &pairs, &w);
                    assert_eq!(a, b, "conv_sym {isa:?} len {len} off {off}");

                    let mut ma = vec![0f32; len];
                    let mut mb = vec![0f32; len];
                    linear_map(isa, r(1), &mut ma, 0.37, -2.0, -100.0, 300.0);
                    linear_map(Isa::Scalar, r(1), &mut mb, 0.37, -2.0, -100.0, 300.0);
                    assert_eq!(ma, mb);
                    let mut ia = r(1).to_vec();
                    linear_map_in_place(isa, &mut ia, 0.37, -2.0, -100.0, 300.0);
                    assert_eq!(ia, mb);

                    let mut ta = vec![0u8; len];
                    let mut tb = vec![0u8; len];
                    threshold(isa, r(2), &mut ta, -10.0, 500.0);
                    threshold(Isa::Scalar, r(2), &mut tb, -10.0, 500.0);
                    assert_eq!(ta, tb);

                    lerp_rows(isa, &mut a, r(0), r(1), 0.3);
                    lerp_rows(Isa::Scalar, &mut b, r(0), r(1), 0.3);
                    assert_eq!(a, b);

                    let i0: Vec<u32> = (0..len as u32).map(|x| x / 2).collect();
                    let i1: Vec<u32> = (0..len as u32).map(|x| x / 2 + 1).collect();
                    let t: Vec<f32> = (0..len).map(|x| x as f32 / 70.0).collect();
                    lerp_gather(isa, &mut a, &src, &i0, &i1, &t);
                    lerp_gather(Isa::Scalar, &mut b, &src, &i0, &i1, &t);
                    assert_eq!(a, b);

                    // Two outputs with a stride: lanes from all positions of the row, and
                    // partial lane groups.
                    let ops = [(0, 3), (2, 1), (1, 3), (0, 2)];
                    let offsets = [0, 80, 160, 240];
                    let mut na = vec![0f32; 2 * 70];
                    let mut nb = na.clone();
                    let mut wires = vec![[0f32; LANES]; 4];
                    net_row(
                        isa,
                        &src[off..],
                        &offsets,
                        &ops,
                        &[3, 0],
                        &mut wires,
                        &mut na,
                        70,
                        len,
                    );
                    net_row(
                        Isa::Scalar,
                        &src[off..],
                        &offsets,
                        &ops,
                        &[3, 0],
                        &mut wires,
                        &mut nb,
                        70,
                        len,
                    );
                    assert_eq!(na, nb);
                    let net_i16 = |isa| {
                        let s16: Vec<i16> = src.iter().map(|&v| v as i16).collect();
                        let mut o = vec![0i16; 2 * 70];
                        let mut w = vec![[0i16; LANES]; 4];
                        net_row(
                            isa,
                            &s16[off..],
                            &offsets,
                            &ops,
                            &[3, 0],
                            &mut w,
                            &mut o,
                            70,
                            len,
                        );
                        o
                    };
                    assert_eq!(net_i16(isa), net_i16(Isa::Scalar));
                    // Output 3 is the maximum of the four inputs, output 0 the minimum.
                    for x in 0..len {
                        let v = offsets.map(|o| src[off + o + x]);
                        assert_eq!(na[70 + x], v.iter().copied().fold(f32::INFINITY, f32::min));
                        assert_eq!(na[x], v.iter().copied().fold(f32::NEG_INFINITY, f32::max));
                    }
                }
            }
            for (n, width) in [(1, 5), (3, 17), (9, 33), (40, 67)] {
                let x = values(n * width, 7);
                for reverse in [false, true] {
                    let mut ya = vec![0f64; n * width];
                    let mut yb = vec![0f64; n * width];
                    let mut s = vec![0f64; width];
                    let xd: Vec<f64> = x.iter().map(|&v| v as f64).collect();
                    let b = [0.5, 0.2, -0.1, 0.05];
                    let d = [-1.2, 0.5, -0.1, 0.01];
                    iir_pass(isa, &xd, n, width, b, 1, d, 0.7, reverse, &mut ya, &mut s);
                    iir_pass(
                        Isa::Scalar,
                        &xd,
                        n,
                        width,
                        b,
                        1,
                        d,
                        0.7,
                        reverse,
                        &mut yb,
                        &mut s,
                    );
                    assert_eq!(ya, yb);
                    let mut aa = ya.clone();
                    add_assign(isa, &mut aa, &yb);
                    add_assign(Isa::Scalar, &mut ya, &yb);
                    assert_eq!(aa, ya);
                }
            }
        }
    }

    #[test]
    fn iir_pass_matches_direct_recursion() {
        // One line (width 1): compare with a direct evaluation of the recursion.
        let x = [3.0f64, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0];
        let n = x.len();
        let b = [0.3, 0.2, 0.1, 0.05];
        let d = [-0.5, 0.1, 0.02, -0.01];
        let ratio = 0.4;
        let mut y = vec![0.0; n];
        let mut s = vec![0.0; 1];
        iir_pass(Isa::Scalar, &x, n, 1, b, 0, d, ratio, false, &mut y, &mut s);
        let xe = |m: isize| x[m.max(0) as usize];
        let mut want = vec![0.0; n];
        for m in 0..n as isize {
            let ye = |q: isize| {
                if q < 0 {
                    x[0] * ratio
                } else {
                    want[q as usize]
                }
            };
            let v = (0..4).map(|q| b[q as usize] * xe(m - q)).sum::<f64>()
                - (0..4).map(|q| d[q as usize] * ye(m - 1 - q)).sum::<f64>();
            want[m as usize] = v;
        }
        for (a, w) in y.iter().zip(&want) {
            assert!((a - w).abs() < 1e-12, "{y:?} vs {want:?}");
        }
        // Reverse with taps starting at 1 is the same recursion on the reversed line.
        let xr: Vec<f64> = x.iter().rev().copied().collect();
        let mut yr = vec![0.0; n];
        iir_pass(Isa::Scalar, &x, n, 1, b, 1, d, ratio, true, &mut yr, &mut s);
        let mut yf = vec![0.0; n];
        let mut xs = vec![xr[0]];
        xs.extend_from_slice(&xr[..n - 1]);
        // Shifted input: x'[m] = xr[m-1] with xr[-1] = xr[0].
        iir_pass(
            Isa::Scalar,
            &xs,
            n,
            1,
            b,
            0,
            d,
            ratio,
            false,
            &mut yf,
            &mut s,
        );
        let yr_rev: Vec<f64> = yr.iter().rev().copied().collect();
        for (a, w) in yr_rev.iter().zip(&yf) {
            assert!((a - w).abs() < 1e-12);
        }
    }
}
