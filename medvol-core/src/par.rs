//! The one place where medvol decides between rayon and serial code.
//!
//! Every crate runs its parallel work through these helpers, in the caller's rayon pool with the
//! `rayon` feature and on the calling thread without it. Nothing else in the workspace names
//! `#[cfg(feature = "rayon")]`, so the serial build is the same code with a loop in place of a
//! pool.
//!
//! **Same bits for any thread count.** Work is cut into pieces whose boundaries depend only on
//! the input (a chunk length, an axis, a list of items), never on the number of threads; each
//! piece is computed by the same code on whatever thread takes it; results come back in piece
//! order and are combined in that order ([`reduce_chunks`]). Floating-point sums therefore add
//! the same numbers in the same order with one thread, many threads or none. The property is
//! tested here, once, for every helper.
//!
//! ```
//! use medvol_core::par;
//!
//! let data: Vec<f64> = (0..100_000).map(|i| (i as f64).sqrt()).collect();
//! // Each chunk summed in order, the partial sums added in chunk order.
//! let sum = par::reduce_chunks(&data, 4096, 0.0, |c| c.iter().sum::<f64>(), |a, b| a + b);
//! let again = par::with_threads(3, || {
//!     par::reduce_chunks(&data, 4096, 0.0, |c| c.iter().sum::<f64>(), |a, b| a + b)
//! });
//! assert_eq!(sum.to_bits(), again.to_bits());
//! ```

use ndarray::{ArrayView2, ArrayView3, ArrayViewMut2, ArrayViewMut3, Axis};
use std::ops::Range;

#[cfg(feature = "rayon")]
use rayon::prelude::*;

/// Whether work runs on a rayon pool (the `rayon` feature).
pub const ENABLED: bool = cfg!(feature = "rayon");

/// Threads of the current rayon pool; 1 without the `rayon` feature.
pub fn threads() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// Runs `f` in a new pool of `threads` threads (on this thread without the `rayon` feature).
/// For tests and programs that pin the thread count.
///
/// # Panics
/// If the operating system refuses to start the threads.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    #[cfg(feature = "rayon")]
    {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool")
            .install(f)
    }
    #[cfg(not(feature = "rayon"))]
    {
        let _ = threads;
        f()
    }
}

/// Calls `f(scratch, item)` for every item, with one `scratch` made by `init` per task and
/// reused across that task's items.
pub fn for_each_init<I: Send, S>(
    items: Vec<I>,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, I) + Sync + Send,
) {
    #[cfg(feature = "rayon")]
    items.into_par_iter().for_each_init(init, f);
    #[cfg(not(feature = "rayon"))]
    {
        let mut s = init();
        items.into_iter().for_each(|item| f(&mut s, item));
    }
}

/// `f(item)` for every item, results in item order.
pub fn map<I: Send, R: Send>(items: Vec<I>, f: impl Fn(I) -> R + Sync + Send) -> Vec<R> {
    map_init(items, || (), |_, item| f(item))
}

/// `f(scratch, item)` for every item, results in item order, with one `scratch` made by `init`
/// per task and reused across that task's items.
pub fn map_init<I: Send, S, R: Send>(
    items: Vec<I>,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, I) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "rayon")]
    {
        items.into_par_iter().map_init(init, f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut s = init();
        items.into_iter().map(|item| f(&mut s, item)).collect()
    }
}

/// `f(range)` for the consecutive ranges of `0..len`, `chunk` long each (the last one shorter),
/// results in range order.
///
/// # Panics
/// If `chunk` is 0.
pub fn map_ranges<R: Send>(
    len: usize,
    chunk: usize,
    f: impl Fn(Range<usize>) -> R + Sync + Send,
) -> Vec<R> {
    assert!(chunk > 0, "a chunk holds at least one item");
    let ranges = (0..len.div_ceil(chunk)).map(|c| c * chunk..((c + 1) * chunk).min(len));
    #[cfg(feature = "rayon")]
    {
        ranges.collect::<Vec<_>>().into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        ranges.map(f).collect()
    }
}

/// `f(chunk)` for the consecutive chunks of `data`, `chunk` items each (the last one shorter),
/// results in chunk order.
///
/// # Panics
/// If `chunk` is 0.
pub fn map_chunks<T: Sync, R: Send>(
    data: &[T],
    chunk: usize,
    f: impl Fn(&[T]) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "rayon")]
    {
        data.par_chunks(chunk).map(f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        data.chunks(chunk).map(f).collect()
    }
}

/// Maps each chunk of `data` (as [`map_chunks`]) and folds the results **in chunk order**
/// starting from `identity`: the same bits for any thread count, since the chunks depend only
/// on `chunk` and the fold never reassociates.
///
/// # Panics
/// If `chunk` is 0.
pub fn reduce_chunks<T: Sync, R: Send>(
    data: &[T],
    chunk: usize,
    identity: R,
    map: impl Fn(&[T]) -> R + Sync + Send,
    combine: impl FnMut(R, R) -> R,
) -> R {
    map_chunks(data, chunk, map)
        .into_iter()
        .fold(identity, combine)
}

/// Calls `f(c, chunk)` for the consecutive mutable chunks of `data`, `chunk` items each (the
/// last one shorter), where `c` is the chunk's number.
///
/// # Panics
/// If `chunk` is 0.
pub fn for_each_chunk_mut<T: Send>(
    data: &mut [T],
    chunk: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    #[cfg(feature = "rayon")]
    data.par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(c, part)| f(c, part));
    #[cfg(not(feature = "rayon"))]
    data.chunks_mut(chunk)
        .enumerate()
        .for_each(|(c, part)| f(c, part));
}

/// Calls `f(scratch, index, slice)` for every index along `axis` of `view`, with one `scratch`
/// made by `init` per task.
///
/// # Panics
/// If `axis` is not 0, 1 or 2.
pub fn for_each_slice<T: Send + Sync, S>(
    mut view: ArrayViewMut3<'_, T>,
    axis: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, usize, ArrayViewMut2<'_, T>) + Sync + Send,
) {
    let slices = view.axis_iter_mut(Axis(axis));
    #[cfg(feature = "rayon")]
    slices
        .into_par_iter()
        .enumerate()
        .for_each_init(init, |s, (index, slice)| f(s, index, slice));
    #[cfg(not(feature = "rayon"))]
    {
        let mut s = init();
        for (index, slice) in slices.enumerate() {
            f(&mut s, index, slice);
        }
    }
}

/// `f(index, slice)` for every index along `axis` of `view`, results in index order.
///
/// # Panics
/// If `axis` is not 0, 1 or 2.
pub fn map_slices<T: Sync, R: Send>(
    view: ArrayView3<'_, T>,
    axis: usize,
    f: impl Fn(usize, ArrayView2<'_, T>) -> R + Sync + Send,
) -> Vec<R> {
    let slices = view.axis_iter(Axis(axis));
    #[cfg(feature = "rayon")]
    {
        slices
            .into_par_iter()
            .enumerate()
            .map(|(index, slice)| f(index, slice))
            .collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        slices
            .enumerate()
            .map(|(index, slice)| f(index, slice))
            .collect()
    }
}

/// Runs `background` on the pool while this thread runs `foreground`, and returns the latter's
/// result once both are done (serially, `background` first, without the `rayon` feature).
pub fn overlap<R>(background: impl FnOnce() + Send, foreground: impl FnOnce() -> R) -> R {
    #[cfg(feature = "rayon")]
    {
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| background());
            foreground()
        })
    }
    #[cfg(not(feature = "rayon"))]
    {
        background();
        foreground()
    }
}

/// A pipeline of `count` jobs whose results are consumed in order on this thread.
///
/// `prepare(state, index)` makes job `index` on this thread, `run(job)` runs it on the pool
/// (at most two per thread plus one in flight, so memory stays bounded), and `finish(state,
/// index, result)` consumes the results in index order on this thread while later jobs run.
/// The first error from `finish` stops new jobs; jobs already running are waited for and their
/// results dropped. Without the `rayon` feature each job is prepared, run and finished in turn.
///
/// # Errors
/// The first error `finish` returns.
///
/// # Panics
/// A panic in `run` resumes on this thread.
pub fn ordered<St, J: Send, R: Send, E>(
    state: &mut St,
    count: usize,
    mut prepare: impl FnMut(&mut St, usize) -> J,
    run: impl Fn(J) -> R + Sync,
    mut finish: impl FnMut(&mut St, usize, R) -> Result<(), E>,
) -> Result<(), E> {
    #[cfg(feature = "rayon")]
    {
        use std::collections::BTreeMap;
        use std::sync::mpsc;
        let in_flight = 2 * threads() + 1;
        let (tx, rx) = mpsc::channel::<(usize, std::thread::Result<R>)>();
        let run = &run;
        rayon::in_place_scope(|scope| {
            let (mut started, mut received, mut next) = (0, 0, 0);
            let mut done = BTreeMap::new();
            let mut result = Ok(());
            while received < started || (result.is_ok() && started < count) {
                while result.is_ok() && started < count && started - next < in_flight {
                    let job = prepare(state, started);
                    let (tx, index) = (tx.clone(), started);
                    scope.spawn(move |_| {
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(job)));
                        // the receiver is gone only when this thread is unwinding already
                        let _ = tx.send((index, r));
                    });
                    started += 1;
                }
                let (index, r) = receive(&rx);
                let r = r.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                received += 1;
                done.insert(index, r);
                while let Some(r) = done.remove(&next) {
                    if result.is_ok() {
                        result = finish(state, next, r);
                    }
                    next += 1;
                }
            }
            result
        })
    }
    #[cfg(not(feature = "rayon"))]
    {
        for index in 0..count {
            let job = prepare(state, index);
            finish(state, index, run(job))?;
        }
        Ok(())
    }
}

/// The next message; a pool thread runs other tasks while it waits.
#[cfg(feature = "rayon")]
fn receive<T>(rx: &std::sync::mpsc::Receiver<T>) -> T {
    loop {
        if let Ok(t) = rx.try_recv() {
            return t;
        }
        match rayon::yield_now() {
            // not a pool thread: sleep until a task sends (the caller holds a sender)
            None => {
                if let Ok(t) = rx.recv() {
                    return t;
                }
            }
            Some(rayon::Yield::Executed) => {}
            Some(rayon::Yield::Idle) => std::thread::yield_now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// Values whose sum depends on the order of addition.
    fn noisy(n: u64) -> Vec<f64> {
        (0..n)
            .map(|i| ((i * 7919) % 10007) as f64 * 0.37e-3 + (i % 13) as f64 * 1e9)
            .collect()
    }

    /// Every helper, run in pools of 1 and 3 threads (once, serially, without the `rayon`
    /// feature), gives the same bits and the order of a plain loop.
    #[test]
    fn same_bits_and_order_for_any_thread_count() {
        let data = noisy(300_001);
        let all = |threads| {
            with_threads(threads, || {
                let sum = reduce_chunks(&data, 4096, 0.0, |c| c.iter().sum::<f64>(), |a, b| a + b);
                let ranges = map_ranges(data.len(), 1000, |r| data[r].iter().sum::<f64>());
                let items = map_init((0..500).collect(), Vec::new, |buf: &mut Vec<u64>, i| {
                    buf.push(i);
                    i * 2
                });
                let mut filled = vec![0u64; 10_007];
                for_each_chunk_mut(&mut filled, 100, |c, part| {
                    part.iter_mut()
                        .enumerate()
                        .for_each(|(n, v)| *v = (c * 100 + n) as u64)
                });
                let mut vol = Array3::<f64>::zeros((5, 6, 7));
                for_each_slice(vol.view_mut(), 1, || (), |_, j, mut s| s.fill(j as f64));
                let means = map_slices(vol.view(), 1, |j, s| (j, s.sum()));
                (sum.to_bits(), ranges, items, filled, means)
            })
        };
        let one = all(1);
        assert_eq!(one, all(3));
        let serial: f64 = data.chunks(4096).map(|c| c.iter().sum::<f64>()).sum();
        assert_eq!(one.0, serial.to_bits());
        assert_eq!(one.2, (0..500).map(|i| i * 2).collect::<Vec<_>>());
        assert!(one.3.iter().enumerate().all(|(n, &v)| v == n as u64));
        assert_eq!(one.4[5], (5, 5.0 * 35.0));
    }

    #[test]
    fn ordered_finishes_in_order_and_stops_at_the_first_error() {
        for threads in [1, 3] {
            let (mut log, mut made) = (Vec::new(), 0);
            let r = with_threads(threads, || {
                ordered(
                    &mut log,
                    40,
                    |_, i| {
                        made += 1;
                        i
                    },
                    |i| i * i,
                    |log: &mut Vec<usize>, i, sq| {
                        assert_eq!(sq, i * i);
                        log.push(i);
                        if i == 30 { Err(i) } else { Ok(()) }
                    },
                )
            });
            assert_eq!(r, Err(30));
            assert_eq!(log, (0..=30).collect::<Vec<_>>());
            assert!(made <= 31 + 2 * threads + 1, "{made} jobs made");
        }
        let mut none = ();
        assert_eq!(
            ordered(&mut none, 0, |_, i| i, |i| i, |_, _, _| Err(())),
            Ok(())
        );
    }

    #[test]
    fn overlap_runs_both() {
        let mut side = 0;
        let r = overlap(|| side = 7, || 3);
        assert_eq!((side, r), (7, 3));
    }
}
