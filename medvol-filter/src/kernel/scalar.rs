//! The reference kernels: plain loops over slices, no `unsafe`.
//!
//! They are written so that the compiler vectorises them (zipped slices, no early exits, no
//! fused multiply-add), and [`super::avx2`] compiles the very same bodies with AVX2 enabled.
//! Each output element is computed by the same sequence of operations whatever the slice
//! length or the instruction set, so SIMD and scalar results are the same bits.

use super::{LANES, Real};
use medvol_core::Voxel;

/// `out[x] = w[0]·centre[x] + Σₜ w[t]·(pairs[t-1].0[x] + pairs[t-1].1[x])`, summed in that order
/// (as `scipy.ndimage.correlate1d` does for symmetric kernels).
///
/// Blocks of [`CONV_BLOCK`] outputs are summed in registers over all taps; the remainder runs
/// the same sums tap by tap, so each output's value does not depend on where it falls.
#[inline(always)]
pub(crate) fn conv_sym<S: Voxel, R: Real>(
    out: &mut [R],
    centre: &[S],
    pairs: &[(&[S], &[S])],
    w: &[R],
) {
    let w0 = w[0];
    let full = out.len() / CONV_BLOCK * CONV_BLOCK;
    let (body, tail) = out.split_at_mut(full);
    for (x, o) in body.chunks_exact_mut(CONV_BLOCK).enumerate() {
        let x = x * CONV_BLOCK;
        let c = &centre[x..x + CONV_BLOCK];
        let mut acc = [R::default(); CONV_BLOCK];
        for (acc, c) in acc.iter_mut().zip(c) {
            *acc = R::of(*c) * w0;
        }
        for ((a, b), &wt) in pairs.iter().zip(&w[1..]) {
            let (a, b) = (&a[x..x + CONV_BLOCK], &b[x..x + CONV_BLOCK]);
            for l in 0..CONV_BLOCK {
                acc[l] = acc[l] + (R::of(a[l]) + R::of(b[l])) * wt;
            }
        }
        o.copy_from_slice(&acc);
    }
    for (o, c) in tail.iter_mut().zip(&centre[full..]) {
        *o = R::of(*c) * w0;
    }
    for ((a, b), &wt) in pairs.iter().zip(&w[1..]) {
        for ((o, a), b) in tail.iter_mut().zip(&a[full..]).zip(&b[full..]) {
            *o = *o + (R::of(*a) + R::of(*b)) * wt;
        }
    }
}

/// Outputs [`conv_sym`] sums in registers at a time.
const CONV_BLOCK: usize = 32;

/// One direction of a 4th-order recursive filter over `n` lines of `width` values (line `m` at
/// `x[m·width..]`), vectorised across each line:
/// `y[m] = Σ_q b[q]·x[m-s-q] - Σ_q d[q]·y[m-1-q]`, with `s = tap_start` and line indices counted
/// from the end when `reverse`. Outside the lines, `x` repeats the first line and `y` is the
/// steady state `ratio·x` of that constant input.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn iir_pass<R: Real>(
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
    let phys = |m: usize| if reverse { n - 1 - m } else { m };
    let xrow = |m: isize| {
        let p = phys(m.max(0) as usize);
        &x[p * width..(p + 1) * width]
    };
    for (s, e) in steady.iter_mut().zip(xrow(0)) {
        *s = *e * ratio;
    }
    for m in 0..n {
        let mi = m as isize;
        let s = tap_start as isize;
        let xs = [
            xrow(mi - s),
            xrow(mi - s - 1),
            xrow(mi - s - 2),
            xrow(mi - s - 3),
        ];
        let p = phys(m);
        // Rows m-1..m-4 of y (already written) or the steady state before the first line.
        let mut prev: [&[R]; 4] = [&steady[..]; 4];
        let (done, rest) = if reverse {
            let (lo, hi) = y.split_at_mut((p + 1) * width);
            (hi, &mut lo[p * width..])
        } else {
            let (lo, hi) = y.split_at_mut(p * width);
            (lo, &mut hi[..width])
        };
        for (q, slot) in prev.iter_mut().enumerate() {
            if m > q {
                let pq = if reverse { n - m + q } else { m - 1 - q };
                let off = if reverse {
                    (pq - p - 1) * width
                } else {
                    pq * width
                };
                *slot = &done[off..off + width];
            }
        }
        let w = rest.len();
        let (x0, x1, x2, x3) = (&xs[0][..w], &xs[1][..w], &xs[2][..w], &xs[3][..w]);
        let (y1, y2, y3, y4) = (&prev[0][..w], &prev[1][..w], &prev[2][..w], &prev[3][..w]);
        for i in 0..w {
            let acc = b[0] * x0[i] + b[1] * x1[i] + b[2] * x2[i] + b[3] * x3[i];
            let fb = d[0] * y1[i] + d[1] * y2[i] + d[2] * y3[i] + d[3] * y4[i];
            rest[i] = acc - fb;
        }
    }
}

/// `a[x] = a[x] + b[x]`.
#[inline(always)]
pub(crate) fn add_assign<R: Real>(a: &mut [R], b: &[R]) {
    for (a, b) in a.iter_mut().zip(b) {
        *a = *a + *b;
    }
}

/// Loads wire `w` with `src[offsets[w] + x + l]` for lanes `l < n`; lanes from `n` on repeat
/// lane `n - 1` (a partial last group).
#[inline(always)]
pub(crate) fn load_wires<T: Voxel>(
    src: &[T],
    offsets: &[usize],
    wires: &mut [[T; LANES]],
    x: usize,
    n: usize,
) {
    for (wire, &o) in wires.iter_mut().zip(offsets) {
        if n == LANES {
            wire.copy_from_slice(&src[o + x..o + x + LANES]);
        } else {
            for (l, v) in wire.iter_mut().enumerate() {
                *v = src[o + x + l.min(n - 1)];
            }
        }
    }
}

/// `if x < y { x } else { y }` per lane (every compare-exchange of [`net_row`] is full: a half
/// that is never read again does no harm).
#[inline(always)]
fn lane_min<T: Voxel>(x: [T; LANES], y: [T; LANES]) -> [T; LANES] {
    let mut m = x;
    for (m, (x, y)) in m.iter_mut().zip(x.iter().zip(&y)) {
        *m = if x < y { *x } else { *y };
    }
    m
}

/// `if x > y { x } else { y }` per lane.
#[inline(always)]
fn lane_max<T: Voxel>(x: [T; LANES], y: [T; LANES]) -> [T; LANES] {
    let mut m = x;
    for (m, (x, y)) in m.iter_mut().zip(x.iter().zip(&y)) {
        *m = if x > y { *x } else { *y };
    }
    m
}

/// Runs the min/max network `ops` (`(a, b)`: `a` receives the minimum, `b` the maximum) at
/// `len` positions `x`, one per lane, with wire `w` loaded from `src[offsets[w] + x]` (as
/// [`load_wires`]), and stores output wire `outputs[r]` at `dst[r·stride + x]`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn net_row<T: Voxel>(
    src: &[T],
    offsets: &[usize],
    ops: &[(u16, u16)],
    outputs: &[usize],
    wires: &mut [[T; LANES]],
    dst: &mut [T],
    stride: usize,
    len: usize,
) {
    for x in (0..len).step_by(LANES) {
        let n = LANES.min(len - x);
        load_wires(src, offsets, wires, x, n);
        for &(a, b) in ops {
            let (p, q) = (wires[a as usize], wires[b as usize]);
            wires[a as usize] = lane_min(p, q);
            wires[b as usize] = lane_max(p, q);
        }
        for (r, &o) in outputs.iter().enumerate() {
            dst[r * stride + x..r * stride + x + n].copy_from_slice(&wires[o][..n]);
        }
    }
}

/// `dst[x] = clamp(src[x]·scale + offset, lo, hi)` computed in `f64`, stored as `f32`.
#[inline(always)]
pub(crate) fn linear_map<T: Voxel>(
    src: &[T],
    dst: &mut [f32],
    scale: f64,
    offset: f64,
    lo: f64,
    hi: f64,
) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = map_one(s.to_f64(), scale, offset, lo, hi);
    }
}

/// [`linear_map`] of `data` onto itself: each value the same bits as [`linear_map`] gives.
#[inline(always)]
pub(crate) fn linear_map_in_place(data: &mut [f32], scale: f64, offset: f64, lo: f64, hi: f64) {
    for d in data.iter_mut() {
        *d = map_one(f64::from(*d), scale, offset, lo, hi);
    }
}

/// `clamp(x·scale + offset, lo, hi)` rounded to `f32` (NaN stays NaN).
#[inline(always)]
fn map_one(x: f64, scale: f64, offset: f64, lo: f64, hi: f64) -> f32 {
    let v = x * scale + offset;
    let v = if v < lo { lo } else { v };
    let v = if v > hi { hi } else { v };
    v as f32
}

/// `dst[x] = 1` when `lo <= src[x] <= hi`, else `0`.
#[inline(always)]
pub(crate) fn threshold<T: Voxel>(src: &[T], dst: &mut [u8], lo: f64, hi: f64) {
    for (d, s) in dst.iter_mut().zip(src) {
        let v = s.to_f64();
        *d = u8::from(v >= lo && v <= hi);
    }
}

/// `out[x] = a[x] + (b[x] - a[x])·t`.
#[inline(always)]
pub(crate) fn lerp_rows<S: Voxel, R: Real>(out: &mut [R], a: &[S], b: &[S], t: R) {
    for ((o, a), b) in out.iter_mut().zip(a).zip(b) {
        let (a, b) = (R::of(*a), R::of(*b));
        *o = a + (b - a) * t;
    }
}

/// `out[x] = line[i0[x]] + (line[i1[x]] - line[i0[x]])·t[x]`.
#[inline(always)]
pub(crate) fn lerp_gather<R: Real>(out: &mut [R], line: &[R], i0: &[u32], i1: &[u32], t: &[R]) {
    for (((o, &a), &b), &t) in out.iter_mut().zip(i0).zip(i1).zip(t) {
        let (a, b) = (line[a as usize], line[b as usize]);
        *o = a + (b - a) * t;
    }
}
