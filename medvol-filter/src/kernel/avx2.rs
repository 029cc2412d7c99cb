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

use super::{NetOp, Real, scalar};
use medvol_core::Voxel;

/// AVX2 build of [`scalar::conv_sym`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn conv_sym<S: Voxel, R: Real>(out: &mut [R], centre: &[S], pairs: &[(&[S], &[S])], w: &[R]) {
    scalar::conv_sym(out, centre, pairs, w)
}

/// AVX2 build of [`scalar::iir_pass`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn iir_pass<R: Real>(
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

/// AVX2 build of [`scalar::add_assign`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn add_assign<R: Real>(a: &mut [R], b: &[R]) {
    scalar::add_assign(a, b)
}

/// AVX2 build of [`scalar::network`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn network<T: Voxel>(ops: &[NetOp], wires: &mut [T], len: usize) {
    scalar::network(ops, wires, len)
}

/// AVX2 build of [`scalar::linear_map`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn linear_map<T: Voxel>(src: &[T], dst: &mut [f32], scale: f64, offset: f64, lo: f64, hi: f64) {
    scalar::linear_map(src, dst, scale, offset, lo, hi)
}

/// AVX2 build of [`scalar::threshold`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn threshold<T: Voxel>(src: &[T], dst: &mut [u8], lo: f64, hi: f64) {
    scalar::threshold(src, dst, lo, hi)
}

/// AVX2 build of [`scalar::lerp_rows`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn lerp_rows<S: Voxel, R: Real>(out: &mut [R], a: &[S], b: &[S], t: R) {
    scalar::lerp_rows(out, a, b, t)
}

/// AVX2 build of [`scalar::lerp_gather`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn lerp_gather<R: Real>(out: &mut [R], line: &[R], i0: &[u32], i1: &[u32], t: &[R]) {
    scalar::lerp_gather(out, line, i0, i1, t)
}
