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
#[non_exhaustive]
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
    /// Statistics of a slice of voxels, in one pass over memory.
    ///
    /// Each run of 4096 voxels is read twice while it sits in cache (sum, then squared
    /// deviations from its own mean) in eight independent accumulators, and runs are merged
    /// in order with Chan's pairwise update, so the result does not depend on the thread count.
    pub fn of_slice<T: Voxel>(data: &[T]) -> Statistics {
        let all = crate::par::reduce_chunks(
            data,
            CHUNK,
            Part::EMPTY,
            |c| {
                c.chunks(SUB)
                    .fold(Part::EMPTY, |acc, s| acc.merge(Part::of_run(s)))
            },
            Part::merge,
        );
        let count = data.len();
        Statistics {
            count,
            min: all.min,
            max: all.max,
            sum: all.sum,
            mean: all.sum / count as f64,
            sum_sq_dev: all.m2,
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

/// Voxels per run read twice while in cache (16 KB of `f32`).
const SUB: usize = 4096;
/// Independent accumulators per run, so the loops vectorise and do not wait on one addition.
const LANES: usize = 8;

/// Count, extremes, sum and sum of squared deviations from the mean of a run of voxels.
#[derive(Debug, Clone, Copy)]
struct Part {
    count: usize,
    min: f64,
    max: f64,
    sum: f64,
    m2: f64,
}

impl Part {
    const EMPTY: Part = Part {
        count: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        sum: 0.0,
        m2: 0.0,
    };

    /// The moments of one run (two passes over it, lane by lane, lanes combined in order).
    fn of_run<T: Voxel>(s: &[T]) -> Part {
        let mut lo = [f64::INFINITY; LANES];
        let mut hi = [f64::NEG_INFINITY; LANES];
        let mut sum = [0.0f64; LANES];
        let mut body = s.chunks_exact(LANES);
        for c in &mut body {
            for l in 0..LANES {
                let x = c[l].to_f64();
                // `x < lo` is false for NaN, so extremes skip NaN while the sum keeps it.
                lo[l] = if x < lo[l] { x } else { lo[l] };
                hi[l] = if x > hi[l] { x } else { hi[l] };
                sum[l] += x;
            }
        }
        for (l, v) in body.remainder().iter().enumerate() {
            let x = v.to_f64();
            lo[l] = if x < lo[l] { x } else { lo[l] };
            hi[l] = if x > hi[l] { x } else { hi[l] };
            sum[l] += x;
        }
        let sum = sum.iter().sum::<f64>();
        let mean = sum / s.len() as f64;
        let mut sq = [0.0f64; LANES];
        let mut body = s.chunks_exact(LANES);
        for c in &mut body {
            for l in 0..LANES {
                let d = c[l].to_f64() - mean;
                sq[l] += d * d;
            }
        }
        for (l, v) in body.remainder().iter().enumerate() {
            let d = v.to_f64() - mean;
            sq[l] += d * d;
        }
        Part {
            count: s.len(),
            min: lo.iter().copied().fold(f64::INFINITY, f64::min),
            max: hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            sum,
            m2: sq.iter().sum(),
        }
    }

    /// The moments of `self` followed by `other` (Chan, Golub and LeVeque's pairwise update).
    fn merge(self, other: Part) -> Part {
        if self.count == 0 {
            return other;
        }
        if other.count == 0 {
            return self;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let delta = other.sum / nb - self.sum / na;
        Part {
            count: self.count + other.count,
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            sum: self.sum + other.sum,
            m2: self.m2 + other.m2 + delta * delta * (na * nb / (na + nb)),
        }
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
    /// Most bins a histogram may have (one per value of a 24-bit range).
    pub const MAX_BINS: usize = 1 << 24;

    /// The histogram of `data` with `bins` bins over `[lo, hi]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `bins` is 0 or above [`Histogram::MAX_BINS`], or the
    /// range is empty or not finite.
    pub fn of_slice<T: Voxel>(data: &[T], bins: usize, lo: f64, hi: f64) -> Result<Histogram> {
        if !(1..=Self::MAX_BINS).contains(&bins) {
            return Err(Error::InvalidParameter {
                name: "bins",
                reason: format!("{bins}: must be 1 to {}", Self::MAX_BINS),
            });
        }
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(Error::InvalidParameter {
                name: "range",
                reason: format!("[{lo}, {hi}] must be finite with hi > lo"),
            });
        }
        let scale = bins as f64 / (hi - lo);
        let parts = crate::par::map_chunks(data, CHUNK, |c| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_are_bounded() {
        let data = [1.0f32, 2.0];
        assert!(Histogram::of_slice(&data, usize::MAX, 0.0, 1.0).is_err());
        assert!(Histogram::of_slice(&data, 0, 0.0, 1.0).is_err());
        assert_eq!(
            Histogram::of_slice(&data, 4, 0.0, 2.0).unwrap().counts,
            [0, 0, 1, 1]
        );
    }
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
    fn nan_propagates_to_sums_but_not_extremes_and_offsets_cancel() {
        let mut data: Vec<f32> = (0..10_000).map(|i| (i % 17) as f32).collect();
        let s = Statistics::of_slice(&data);
        assert_eq!((s.min, s.max, s.count), (0.0, 16.0, 10_000));
        data[5000] = f32::NAN;
        let s = Statistics::of_slice(&data);
        assert_eq!((s.min, s.max), (0.0, 16.0));
        assert!(s.sum.is_nan() && s.mean.is_nan() && s.std_sample().is_nan());
        let e = Statistics::of_slice::<f32>(&[]);
        assert_eq!((e.count, e.sum), (0, 0.0));
        assert!(e.mean.is_nan());
        // A large common offset: the deviations are taken from each run's own mean.
        let big: Vec<f64> = (0..300_001).map(|i| 1e9 + (i % 3) as f64).collect();
        let s = Statistics::of_slice(&big);
        let small: Vec<f64> = big.iter().map(|x| x - 1e9).collect();
        let want = naive(&small).4;
        assert!((s.std_sample() - want).abs() < 1e-9, "{}", s.std_sample());
    }

    #[test]
    fn histogram_like_numpy() {
        let data = [0.0f32, 0.5, 1.0, 1.5, 2.0, 2.0, -1.0, f32::NAN];
        let h = Histogram::of_slice(&data, 4, 0.0, 2.0).unwrap();
        assert_eq!(h.counts, vec![1, 1, 1, 3]);
        assert!(Histogram::of_slice(&data, 0, 0.0, 1.0).is_err());
        assert!(Histogram::of_slice(&data, 3, 1.0, 1.0).is_err());
    }
}
