//! Row access and edge replication shared by the filters.
//!
//! Filters read a volume row by row (i contiguous) and replicate edge voxels ("zero-flux
//! Neumann" in ITK, `mode='nearest'` in scipy): an index outside `0..n` reads the nearest edge.

use crate::kernel::Real;
use medvol_core::ndarray::{ArrayView3, ArrayViewMut1, s};
use medvol_core::{Volume, VolumeView, Voxel};
use std::ops::Range;

/// `v` clamped to `0..n` (`n > 0`).
#[inline]
pub(crate) fn clamp(v: isize, n: usize) -> usize {
    v.clamp(0, n as isize - 1) as usize
}

/// Runs `f` on `src` if its rows are contiguous, else on a contiguous copy.
pub(crate) fn with_contiguous_rows<T: Voxel, R>(
    src: VolumeView<'_, T>,
    f: impl FnOnce(VolumeView<'_, T>) -> R,
) -> R {
    let a = src.as_array();
    if a.dim().2 <= 1 || a.strides()[2] == 1 {
        f(src)
    } else {
        let owned: Volume<T> = src.to_owned();
        f(owned.view())
    }
}

/// The voxels `range` of row `(j, k)` of an array with axes (k, j, i) and contiguous rows.
///
/// # Panics
/// When the row is not contiguous (callers go through [`with_contiguous_rows`]).
#[inline]
pub(crate) fn row<'a, T>(
    a: &ArrayView3<'a, T>,
    k: usize,
    j: usize,
    range: Range<usize>,
) -> &'a [T] {
    (*a).slice_move(s![k, j, range])
        .to_slice()
        .expect("rows are contiguous")
}

/// Fills `out` with `line[clamp(start + x)]` for `x` in `0..out.len()`.
pub(crate) fn pad_line<T: Copy>(line: &[T], start: isize, out: &mut [T]) {
    let n = line.len() as isize;
    let len = out.len() as isize;
    // Output positions whose source index is inside the line.
    let lo = (-start).clamp(0, len);
    let hi = (n - start).clamp(lo, len);
    out[..lo as usize].fill(line[0]);
    if hi > lo {
        out[lo as usize..hi as usize]
            .copy_from_slice(&line[(start + lo) as usize..(start + hi) as usize]);
    }
    out[hi as usize..].fill(line[(n - 1) as usize]);
}

/// Writes `vals` converted to `T` (rounded and saturated for integer types) into `dst`.
#[inline]
pub(crate) fn store_row<T: Voxel, R: Real>(mut dst: ArrayViewMut1<'_, T>, vals: &[R]) {
    match dst.as_slice_mut() {
        Some(d) => {
            for (d, v) in d.iter_mut().zip(vals) {
                *d = T::from_f64_saturating(v.to_f64());
            }
        }
        None => {
            for (d, v) in dst.iter_mut().zip(vals) {
                *d = T::from_f64_saturating(v.to_f64());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_line_replicates_edges() {
        let line = [1, 2, 3];
        let mut out = [0; 7];
        pad_line(&line, -2, &mut out);
        assert_eq!(out, [1, 1, 1, 2, 3, 3, 3]);
        pad_line(&line, 1, &mut out[..2]);
        assert_eq!(&out[..2], &[2, 3]);
        let mut far = [0; 2];
        pad_line(&line, 5, &mut far);
        assert_eq!(far, [3, 3]);
        pad_line(&line, -9, &mut far);
        assert_eq!(far, [1, 1]);
    }
}
