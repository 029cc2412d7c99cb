//! The reference kernels of [`super::scalar`] compiled with AVX2 and FMA enabled.
//!
//! Each function is a `#[target_feature]` twin whose body is the scalar kernel, inlined, so the
//! compiler vectorises it with 256-bit registers. Rust never contracts `a * b + c` into a fused
//! multiply-add on its own, so results are the same bits as the scalar path.
//!
//! # Safety
//! Every function here requires a CPU with AVX2 and FMA; [`super`] calls them only for
//! [`Isa::Avx2`](medvol_core::Isa::Avx2) values confirmed by run-time detection.

#![allow(unsafe_code)]

use super::{LANES, Real, scalar};
use medvol_core::Voxel;

/// AVX2 build of [`scalar::conv_sym`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn conv_sym<S: Voxel, R: Real>(
    out: &mut [R],
    centre: &[S],
    pairs: &[(&[S], &[S])],
    w: &[R],
) {
    scalar::conv_sym(out, centre, pairs, w)
}

/// AVX2 build of [`scalar::linear_map`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn linear_map<T: Voxel>(
    src: &[T],
    dst: &mut [f32],
    scale: f64,
    offset: f64,
    lo: f64,
    hi: f64,
) {
    scalar::linear_map(src, dst, scale, offset, lo, hi)
}

/// AVX2 build of [`scalar::linear_map_in_place`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn linear_map_in_place(
    data: &mut [f32],
    scale: f64,
    offset: f64,
    lo: f64,
    hi: f64,
) {
    scalar::linear_map_in_place(data, scale, offset, lo, hi)
}

/// AVX2 build of [`scalar::threshold`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn threshold<T: Voxel>(src: &[T], dst: &mut [u8], lo: f64, hi: f64) {
    scalar::threshold(src, dst, lo, hi)
}

/// [`scalar::net_row`] for `f32`, with the compare-exchanges written as AVX minima and maxima
/// (`vminps(x, y)` is `if x < y { x } else { y }`, `vmaxps(x, y)` is `if x > y { x } else { y }`,
/// as in the scalar kernel: the same bits).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn net_row_f32(
    src: &[f32],
    offsets: &[usize],
    ops: &[(u16, u16)],
    outputs: &[usize],
    wires: &mut [[f32; LANES]],
    dst: &mut [f32],
    stride: usize,
    len: usize,
) {
    use std::arch::x86_64::{_mm256_loadu_ps, _mm256_max_ps, _mm256_min_ps, _mm256_storeu_ps};
    let n = wires.len();
    assert!(
        ops.iter()
            .all(|&(a, b)| (a as usize) < n && (b as usize) < n),
        "network wires out of range"
    );
    let p = wires.as_mut_ptr().cast::<f32>();
    for x in (0..len).step_by(LANES) {
        let count = LANES.min(len - x);
        scalar::load_wires(src, offsets, wires, x, count);
        for &(a, b) in ops {
            // SAFETY: `a` and `b` are below `wires.len()` (checked above) and each wire is
            // `LANES` contiguous `f32` (a multiple of 8), so every 8-lane unaligned access stays
            // in `wires`.
            unsafe {
                let (pa, pb) = (p.add(a as usize * LANES), p.add(b as usize * LANES));
                for v in 0..LANES / 8 {
                    let (x, y) = (
                        _mm256_loadu_ps(pa.add(8 * v)),
                        _mm256_loadu_ps(pb.add(8 * v)),
                    );
                    _mm256_storeu_ps(pa.add(8 * v), _mm256_min_ps(x, y));
                    _mm256_storeu_ps(pb.add(8 * v), _mm256_max_ps(x, y));
                }
            }
        }
        for (r, &o) in outputs.iter().enumerate() {
            dst[r * stride + x..r * stride + x + count].copy_from_slice(&wires[o][..count]);
        }
    }
}
