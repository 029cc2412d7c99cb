//! Kernels written with AVX2 intrinsics, where the reference compiled for AVX2 is slower.
//!
//! Each public function takes the [`Avx2`] token (so it runs only where detection found
//! AVX2 and FMA) and is bit-identical to its [`super::scalar`] reference.

#![allow(unsafe_code)]

use super::{LANES, scalar};
use medvol_core::{Avx2, Voxel, VoxelKind};

/// [`scalar::net_row`] with the AVX2 kernel when `T` is `f32`; returns `false` (and does
/// nothing) for other types, which run the scalar build.
#[allow(clippy::too_many_arguments)]
pub(super) fn net_row<T: Voxel>(
    _: Avx2,
    src: &[T],
    offsets: &[usize],
    ops: &[(u16, u16)],
    outputs: &[usize],
    wires: &mut [[T; LANES]],
    dst: &mut [T],
    stride: usize,
    len: usize,
) -> bool {
    if T::KIND != VoxelKind::F32 {
        return false;
    }
    // SAFETY: `Voxel` is sealed and `VoxelKind::F32` is the kind of `f32` alone, so `T` is
    // `f32`: the casts keep lengths, alignment and validity. The `Avx2` token proves run-time
    // detection found AVX2 and FMA.
    unsafe {
        net_row_f32(
            std::slice::from_raw_parts(src.as_ptr().cast(), src.len()),
            offsets,
            ops,
            outputs,
            std::slice::from_raw_parts_mut(wires.as_mut_ptr().cast(), wires.len()),
            std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast(), dst.len()),
            stride,
            len,
        )
    };
    true
}

/// [`scalar::net_row`] for `f32`, with the compare-exchanges written as AVX minima and maxima
/// (`vminps(x, y)` is `if x < y { x } else { y }`, `vmaxps(x, y)` is `if x > y { x } else { y }`,
/// as in the scalar kernel: the same bits).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2,fma")]
unsafe fn net_row_f32(
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
