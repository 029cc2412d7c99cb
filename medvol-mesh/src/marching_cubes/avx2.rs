//! The classification compiled for AVX2 (and NEON on aarch64) with run-time dispatch.
//!
//! The loop is written so that LLVM vectorises it: the comparisons of 64 voxels fill a byte
//! array (one vector compare per lane group), and each 8 bytes are gathered into 8 bits by one
//! multiplication. The result is bit-identical to [`super::scalar::classify`].

use medvol_core::Voxel;
use multiversion::multiversion;

/// Gathers the low bits of 8 bytes (each 0 or 1) into one byte, byte `b` to bit `b`.
#[inline(always)]
fn gather8(bytes: [u8; 8]) -> u64 {
    // Byte b of x (0 or 1) times the constant lands on bit 56 + b; no partial sums overlap,
    // so no carry disturbs the top byte.
    (u64::from_le_bytes(bytes).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Same contract as [`super::scalar::classify`].
#[allow(unused_braces)]
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub(crate) fn classify<T: Voxel>(values: &[T], threshold: T, out: &mut [u64]) {
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
    let rest = chunks.remainder();
    if let Some(word) = words.next() {
        let mut bits = 0u64;
        for (b, v) in rest.iter().enumerate() {
            bits |= u64::from(*v >= threshold) << b;
        }
        *word = bits;
    }
}

/// Numbers of cut edges along i, j and k of a bit row `row`, given the rows above it along j
/// and k (absent at the end of the grid) and the valid i-edge positions `limit`.
#[allow(unused_braces)]
#[multiversion(targets("x86_64+avx2+fma+popcnt", "aarch64+neon"))]
pub(crate) fn count_cuts(
    row: &[u64],
    up_j: Option<&[u64]>,
    up_k: Option<&[u64]>,
    limit: &[u64],
) -> [u32; 3] {
    let mut n = [0u32; 3];
    for w in 0..row.len() {
        let next = row.get(w + 1).copied().unwrap_or(0);
        n[0] += ((row[w] ^ ((row[w] >> 1) | (next << 63))) & limit[w]).count_ones();
        if let Some(up) = up_j {
            n[1] += (row[w] ^ up[w]).count_ones();
        }
        if let Some(up) = up_k {
            n[2] += (row[w] ^ up[w]).count_ones();
        }
    }
    n
}
