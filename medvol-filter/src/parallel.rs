//! Per-slice work in the caller's rayon pool, or serially without the `rayon` feature.
//!
//! Every slice is computed by the same code whatever the thread count, so results are the same
//! bits with one thread, many threads or none.

use medvol_core::ndarray::{ArrayViewMut2, ArrayViewMut3, Axis};

/// Calls `f(scratch, k, slice)` for every index `k` along `axis` of `dst` (axis 0 = the
/// volume's k, 1 = j), with one `scratch` made by `init` per task.
pub(crate) fn for_each_slice<T, S>(
    mut dst: ArrayViewMut3<'_, T>,
    axis: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, usize, ArrayViewMut2<'_, T>) + Sync + Send,
) where
    T: Send + Sync,
{
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        dst.axis_iter_mut(Axis(axis))
            .into_par_iter()
            .enumerate()
            .for_each_init(init, |s, (k, slice)| f(s, k, slice));
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut s = init();
        for (k, slice) in dst.axis_iter_mut(Axis(axis)).enumerate() {
            f(&mut s, k, slice);
        }
    }
}

/// Calls `f(scratch, item)` for every item, in parallel with the `rayon` feature.
pub(crate) fn for_each_item<I, S>(
    items: Vec<I>,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, I) + Sync + Send,
) where
    I: Send,
{
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        items.into_par_iter().for_each_init(init, f);
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut s = init();
        for item in items {
            f(&mut s, item);
        }
    }
}
