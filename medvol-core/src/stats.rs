//! Voxel statistics and histograms, parallel and deterministic.
//!
//! Work is split into fixed chunks of [`CHUNK`] voxels whose partial results are combined in
//! chunk order, so the result has the same bits for any number of threads (or none).

use crate::{Error, Result, Volume, Voxel};

/// Voxels per unit of work. Fixed, so results do not depend on the thread count.
pub(crate) const CHUNK: usize = 1 << 16;

/// Summary statistics of a set of voxels, computed in `f64`.
///
/// NaN voxels are counted and propagate to `sum`, `mean` and the deviations; `min` and `max`
/// skip them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Statistics {
    /// Number of voxels.
    pub count: usize,
    /// Smallest value (`+inf` when empty).
    pub min: f64,
    /// Largest value (`-inf` when empty).
    pub max: f64,
    /// Sum of all values.
    pub sum: f64,
    /// Mean (NaN when empty).
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    sum_sq_dev: f64,
}

impl Statistics {
    /// Statistics of a slice of voxels.
    pub fn of_slice<T: Voxel>(data: &[T]) -> Statistics {
        let firsts: Vec<(f64, f64, f64)> = map_chunks(data, |c| {
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            let mut sum = 0.0;
            for v in c {
                let x = v.to_f64();
                lo = lo.min(x);
                hi = hi.max(x);
                sum += x;
            }
            (lo, hi, sum)
        });
        let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for (lo, hi, s) in firsts {
            min = min.min(lo);
            max = max.max(hi);
            sum += s;
        }
        let count = data.len();
        let mean = sum / count as f64;
        let sum_sq_dev = map_chunks(data, |c| {
            c.iter()
                .map(|v| {
                    let d = v.to_f64() - mean;
                    d * d
                })
                .sum::<f64>()
        })
        .into_iter()
        .sum();
        Statistics {
            count,
            min,
            max,
            sum,
            mean,
            sum_sq_dev,
        }
    }

    /// Population variance (divides by n).
    pub fn variance_population(&self) -> f64 {
        self.sum_sq_dev / self.count as f64
    }
    /// Sample variance (divides by n - 1, as ITK's `StatisticsImageFilter`).
    pub fn variance_sample(&self) -> f64 {
        self.sum_sq_dev / (self.count as f64 - 1.0)
    }
    /// Population standard deviation (n).
    pub fn std_population(&self) -> f64 {
        self.variance_population().sqrt()
    }
    /// Sample standard deviation (n - 1), as ITK reports `Sigma`.
    pub fn std_sample(&self) -> f64 {
        self.variance_sample().sqrt()
    }
}

/// Counts of voxels in equal-width bins over `[lo, hi]` (the last bin includes `hi`; values
/// outside the range and NaN are not counted), as `numpy.histogram`.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Lower edge of the first bin.
    pub lo: f64,
    /// Upper edge of the last bin.
    pub hi: f64,
    /// Voxel count per bin.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// The histogram of `data` with `bins` bins over `[lo, hi]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `bins` is 0 or the range is empty or not finite.
    pub fn of_slice<T: Voxel>(data: &[T], bins: usize, lo: f64, hi: f64) -> Result<Histogram> {
        if bins == 0 {
            return Err(Error::InvalidParameter {
                name: "bins",
                reason: "must be at least 1".into(),
            });
        }
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(Error::InvalidParameter {
                name: "range",
                reason: format!("[{lo}, {hi}] must be finite with hi > lo"),
            });
        }
        let scale = bins as f64 / (hi - lo);
        let parts = map_chunks(data, |c| {
            let mut counts = vec![0u64; bins];
            for v in c {
                let x = v.to_f64();
                if x >= lo && x <= hi {
                    let b = (((x - lo) * scale) as usize).min(bins - 1);
                    counts[b] += 1;
                }
            }
            counts
        });
        let mut counts = vec![0u64; bins];
        for p in parts {
            for (a, b) in counts.iter_mut().zip(p) {
                *a += b;
            }
        }
        Ok(Histogram { lo, hi, counts })
    }

    /// Width of one bin.
    pub fn bin_width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }
}

impl<T: Voxel> Volume<T> {
    /// The histogram of the voxels with `bins` bins over `[lo, hi]`; see [`Histogram::of_slice`].
    ///
    /// # Errors
    /// As [`Histogram::of_slice`].
    pub fn histogram(&self, bins: usize, lo: f64, hi: f64) -> Result<Histogram> {
        Histogram::of_slice(self.as_slice(), bins, lo, hi)
    }
}

#[cfg(feature = "rayon")]
fn map_chunks<T: Voxel, R: Send>(data: &[T], f: impl Fn(&[T]) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    data.par_chunks(CHUNK).map(f).collect()
}

#[cfg(not(feature = "rayon"))]
fn map_chunks<T: Voxel, R: Send>(data: &[T], f: impl Fn(&[T]) -> R + Sync + Send) -> Vec<R> {
    data.chunks(CHUNK).map(f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(data: &[f64]) -> (f64, f64, f64, f64, f64) {
        let n = data.len() as f64;
        let sum: f64 = data.iter().sum();
        let mean = sum / n;
        let ss: f64 = data.iter().map(|x| (x - mean) * (x - mean)).sum();
        let min = data.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = data.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        (min, max, mean, (ss / n).sqrt(), (ss / (n - 1.0)).sqrt())
    }

    proptest! {
        #[test]
        fn matches_naive_reference(data in proptest::collection::vec(-2000i16..3000, 2..200_000)) {
            let s = Statistics::of_slice(&data);
            let f: Vec<f64> = data.iter().map(|v| *v as f64).collect();
            let (min, max, mean, sp, ss) = naive(&f);
            prop_assert_eq!(s.min, min);
            prop_assert_eq!(s.max, max);
            prop_assert_eq!(s.count, data.len());
            prop_assert!((s.mean - mean).abs() <= 1e-9 * mean.abs().max(1.0));
            prop_assert!((s.std_population() - sp).abs() <= 1e-9 * sp.max(1.0));
            prop_assert!((s.std_sample() - ss).abs() <= 1e-9 * ss.max(1.0));
        }
    }

    #[test]
    fn histogram_like_numpy() {
        let data = [0.0f32, 0.5, 1.0, 1.5, 2.0, 2.0, -1.0, f32::NAN];
        let h = Histogram::of_slice(&data, 4, 0.0, 2.0).unwrap();
        assert_eq!(h.counts, vec![1, 1, 1, 3]);
        assert!(Histogram::of_slice(&data, 0, 0.0, 1.0).is_err());
        assert!(Histogram::of_slice(&data, 3, 1.0, 1.0).is_err());
    }

    #[cfg(feature = "rayon")]
    #[test]
    fn same_bits_for_any_thread_count() {
        let data: Vec<f32> = (0..500_000u64)
            .map(|i| ((i * 7919) % 10007) as f32 * 0.37 - 900.0)
            .collect();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| Statistics::of_slice(&data))
        };
        let one = run(1);
        let three = run(3);
        assert_eq!(one.sum.to_bits(), three.sum.to_bits());
        assert_eq!(one.std_sample().to_bits(), three.std_sample().to_bits());
    }
}
