//! The AVX2 kernels of marching cubes: the row classification, and the two slab passes
//! compiled for AVX2 (popcount and bit instructions). Each takes the [`Avx2`] token, so it
//! runs only where detection found the instructions.
//!
//! `i16` (CT) and `f32` (filtered volumes) rows use explicit AVX2 kernels: one vector compare
//! per 16 or 8 voxels, and `movemask` turns the comparison lanes into bits. Other voxel types use
//! a loop written so that LLVM vectorises it: the comparisons of 64 voxels fill a byte array, and
//! each 8 bytes are gathered into 8 bits by one multiplication. Every path is bit-identical to
//! [`super::scalar::classify`].

#![allow(unsafe_code)]

use super::{Grid, Scratch, SlabCounts, SlabOut};
use medvol_core::{Avx2, Voxel};
#[cfg(target_arch = "x86_64")]
use std::any::TypeId;
use std::ops::Range;

/// Same contract as [`super::scalar::classify`].
pub(super) fn classify<T: Voxel>(avx2: Avx2, values: &[T], threshold: T, out: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if let (Some(v), Some(&[t])) = (same::<T, i16>(values), same::<T, i16>(&[threshold]))
            && t > i16::MIN
        {
            // SAFETY: the `Avx2` token proves run-time detection found AVX2.
            unsafe { x86::classify_i16(v, t, out) };
            return;
        }
        if let (Some(v), Some(&[t])) = (same::<T, f32>(values), same::<T, f32>(&[threshold])) {
            // SAFETY: the `Avx2` token proves run-time detection found AVX2.
            unsafe { x86::classify_f32(v, t, out) };
            return;
        }
    }
    avx2.run(|| classify_autovec(values, threshold, out))
}

/// [`Grid::count_slab`] compiled for AVX2 (popcount, bit scans).
pub(super) fn count_slab<T: Voxel>(
    avx2: Avx2,
    grid: &Grid<'_, T>,
    cells: Range<usize>,
    last: bool,
    states: &mut [u8],
    scratch: &mut Scratch,
) -> SlabCounts {
    avx2.run(|| grid.count_slab(cells, last, states, scratch))
}

/// [`Grid::emit_slab`] compiled for AVX2 (popcount, bit scans).
#[allow(clippy::too_many_arguments)]
pub(super) fn emit_slab<T: Voxel>(
    avx2: Avx2,
    grid: &Grid<'_, T>,
    cells: Range<usize>,
    last: bool,
    base: u32,
    states: &[u8],
    out: SlabOut<'_>,
    scratch: &mut Scratch,
) {
    avx2.run(|| grid.emit_slab(cells, last, base, states, out, scratch))
}

/// `values` as a slice of `U` when `T` is `U`.
#[cfg(target_arch = "x86_64")]
fn same<T: 'static, U: 'static>(values: &[T]) -> Option<&[U]> {
    (TypeId::of::<T>() == TypeId::of::<U>()).then(|| {
        // SAFETY: T and U are the same type, so the pointer, length and lifetime carry over.
        unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<U>(), values.len()) }
    })
}

/// Gathers the low bits of 8 bytes (each 0 or 1) into one byte, byte `b` to bit `b`.
#[inline(always)]
fn gather8(bytes: [u8; 8]) -> u64 {
    // Byte b of x (0 or 1) times the constant lands on bit 56 + b; no partial sums overlap,
    // so no carry disturbs the top byte.
    (u64::from_le_bytes(bytes).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The last, partial word of a row: the plain loop of the reference.
#[inline(always)]
fn tail<T: Voxel>(rest: &[T], threshold: T) -> u64 {
    let mut bits = 0u64;
    for (b, v) in rest.iter().enumerate() {
        bits |= u64::from(*v >= threshold) << b;
    }
    bits
}

/// Same contract as [`super::scalar::classify`], written for the compiler to vectorise.
#[inline(always)]
pub(super) fn classify_autovec<T: Voxel>(values: &[T], threshold: T, out: &mut [u64]) {
    let mut chunks = values.chunks_exact(64);
    let mut words = out.iter_mut();
    for (chunk, word) in (&mut chunks).zip(&mut words) {
        let mut flags = [0u8; 64];
        for (f, v) in flags.iter_mut().zip(chunk) {
            *f = u8::from(*v >= threshold);
        }
        let mut bits = 0u64;
        for (g, group) in flags.chunks_exact(8).enumerate() {
            let bytes: [u8; 8] = group.try_into().expect("8 bytes");
            bits |= gather8(bytes) << (8 * g);
        }
        *word = bits;
    }
    if let Some(word) = words.next() {
        *word = tail(chunks.remainder(), threshold);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::tail;
    use std::arch::x86_64::*;

    /// [`super::super::scalar::classify`] for `i16` rows.
    ///
    /// # Safety
    /// The CPU must support AVX2. `threshold > i16::MIN` (`v >= t` is computed as `v > t - 1`).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn classify_i16(values: &[i16], threshold: i16, out: &mut [u64]) {
        let below = _mm256_set1_epi16(threshold - 1);
        let mut chunks = values.chunks_exact(64);
        let mut words = out.iter_mut();
        for (chunk, word) in (&mut chunks).zip(&mut words) {
            let p = chunk.as_ptr().cast::<__m256i>();
            // SAFETY: `chunk` holds 64 i16, four unaligned 32-byte loads.
            let v = unsafe { [0, 1, 2, 3].map(|x| _mm256_loadu_si256(p.add(x))) };
            let m = v.map(|v| _mm256_cmpgt_epi16(v, below));
            // Packing to bytes interleaves the 128-bit lanes; the permutation restores order.
            let lo = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi16(m[0], m[1]));
            let hi = _mm256_permute4x64_epi64::<0xD8>(_mm256_packs_epi16(m[2], m[3]));
            *word = u64::from(_mm256_movemask_epi8(lo) as u32)
                | (u64::from(_mm256_movemask_epi8(hi) as u32) << 32);
        }
        if let Some(word) = words.next() {
            *word = tail(chunks.remainder(), threshold);
        }
    }

    /// [`super::super::scalar::classify`] for `f32` rows (NaN is outside).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn classify_f32(values: &[f32], threshold: f32, out: &mut [u64]) {
        let t = _mm256_set1_ps(threshold);
        let mut chunks = values.chunks_exact(64);
        let mut words = out.iter_mut();
        for (chunk, word) in (&mut chunks).zip(&mut words) {
            let mut bits = 0u64;
            for g in 0..8 {
                // SAFETY: `chunk` holds 64 f32, eight unaligned 32-byte loads.
                let v = unsafe { _mm256_loadu_ps(chunk.as_ptr().add(8 * g)) };
                // Ordered comparison: false for NaN, as `>=` is.
                let m = _mm256_cmp_ps::<_CMP_GE_OQ>(v, t);
                bits |= u64::from(_mm256_movemask_ps(m) as u8) << (8 * g);
            }
            *word = bits;
        }
        if let Some(word) = words.next() {
            *word = tail(chunks.remainder(), threshold);
        }
    }
}
