//! The reference classification: the plainest loop, which every SIMD path must match exactly.

use medvol_core::Voxel;

/// Sets bit `b` of word `w` in `out` when `values[64 w + b] >= threshold` (NaN is never
/// inside); bits past the end of `values` are cleared. `out` holds `values.len().div_ceil(64)`
/// words.
pub(crate) fn classify<T: Voxel>(values: &[T], threshold: T, out: &mut [u64]) {
    for (word, chunk) in out.iter_mut().zip(values.chunks(64)) {
        let mut bits = 0u64;
        for (b, v) in chunk.iter().enumerate() {
            if *v >= threshold {
                bits |= 1 << b;
            }
        }
        *word = bits;
    }
}
