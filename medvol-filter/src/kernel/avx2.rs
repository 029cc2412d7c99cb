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

use super::{Real, scalar};
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

/// AVX2 build of [`scalar::threshold`].
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn threshold<T: Voxel>(src: &[T], dst: &mut [u8], lo: f64, hi: f64) {
    scalar::threshold(src, dst, lo, hi)
}
