//! Binary thresholds and Otsu's threshold value.

use crate::error::{invalid, scalar};
use crate::filter::map_rows;
use crate::kernel;
use crate::{Filter, Result};
use medvol_core::{Geometry, Isa, Region, Volume, VolumeView, VolumeViewMut, Voxel};

/// A binary mask: 1 where `lower <= x <= upper`, 0 elsewhere (and for NaN), as SimpleITK's
/// `BinaryThreshold` with its default inside/outside values.
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_filter::{Filter, Threshold};
///
/// let v = Volume::<i16>::from_vec([4, 1, 1], vec![-1000, 40, 300, 1200], Geometry::default())?;
/// assert_eq!(Threshold::above(300.0)?.apply(&v)?.as_slice(), &[0, 0, 1, 1]);
/// assert_eq!(Threshold::new(0.0, 500.0)?.apply(&v)?.as_slice(), &[0, 1, 1, 0]);
/// # Ok::<(), medvol_filter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    lower: f64,
    upper: f64,
    isa: Isa,
}

impl Threshold {
    /// Inside is `[lower, upper]` (both inclusive).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when a bound is NaN or
    /// `lower > upper`.
    pub fn new(lower: f64, upper: f64) -> Result<Self> {
        if lower.is_nan() || upper.is_nan() || lower > upper {
            return Err(invalid(
                "threshold",
                format!("[{lower}, {upper}] is not a range"),
            ));
        }
        Ok(Self {
            lower,
            upper,
            isa: Isa::best(),
        })
    }
    /// Inside is `x >= lower`.
    ///
    /// # Errors
    /// As [`Threshold::new`].
    pub fn above(lower: f64) -> Result<Self> {
        Self::new(lower, f64::INFINITY)
    }
    /// The same threshold run with the kernels of `isa` (for tests and benches).
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }
    /// The bounds `(lower, upper)`.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lower, self.upper)
    }
}

impl<T: Voxel> Filter<T> for Threshold {
    type Output = u8;

    fn halo(&self, _geometry: &Geometry) -> [usize; 3] {
        [0; 3]
    }

    fn apply_region(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        dst: VolumeViewMut<'_, u8>,
    ) -> Result<()> {
        scalar::<T>("threshold")?;
        map_rows(src, region, dst, |s, d| {
            kernel::threshold(self.isa, s, d, self.lower, self.upper)
        })
    }
}

/// A binary (u8) mask of the voxels in `[lower, upper]`.
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_filter::threshold;
///
/// let v = Volume::<f32>::from_fn([8, 1, 1], Geometry::default(), |p| 10.0 * p.i() as f32)?;
/// let mask = threshold(&v, 30.0, 50.0)?; // both bounds inclusive
/// assert_eq!(mask.as_slice(), &[0, 0, 0, 1, 1, 1, 0, 0]);
/// assert_eq!(mask.geometry(), v.geometry());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Threshold::new`].
pub fn threshold<T: Voxel>(volume: &Volume<T>, lower: f64, upper: f64) -> Result<Volume<u8>> {
    Threshold::new(lower, upper)?.apply(volume)
}

/// Otsu's threshold: of a 256-bin histogram over the voxel range, the centre of the bin that
/// maximises the between-class variance when the lower class holds it and all bins below
/// (the convention of `skimage.filters.threshold_otsu`).
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_filter::otsu_threshold;
///
/// let v = Volume::<u8>::from_fn([16, 4, 1], Geometry::default(), |p| if p.i() < 8 { 20 } else { 200 })?;
/// let t = otsu_threshold(&v)?;
/// assert!(t > 20.0 && t < 200.0);
/// # Ok::<(), medvol_filter::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when the volume is empty,
/// constant or not finite.
pub fn otsu_threshold<T: Voxel>(volume: &Volume<T>) -> Result<f64> {
    scalar::<T>("otsu_threshold")?;
    const BINS: usize = 256;
    let s = volume.statistics();
    if s.count == 0 || !(s.min.is_finite() && s.max.is_finite()) || s.max <= s.min {
        return Err(invalid(
            "otsu",
            format!("no threshold for voxels in [{}, {}]", s.min, s.max),
        ));
    }
    let h = volume.histogram(BINS, s.min, s.max)?;
    let width = (s.max - s.min) / BINS as f64;
    let centre = |b: usize| s.min + (b as f64 + 0.5) * width;
    let total: f64 = h.counts.iter().map(|&c| c as f64).sum();
    let total_mass: f64 = h
        .counts
        .iter()
        .enumerate()
        .map(|(b, &c)| c as f64 * centre(b))
        .sum();
    let (mut w0, mut m0) = (0.0, 0.0);
    let mut best = (f64::NEG_INFINITY, 0);
    for b in 0..BINS - 1 {
        w0 += h.counts[b] as f64;
        m0 += h.counts[b] as f64 * centre(b);
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let d = m0 / w0 - (total_mass - m0) / w1;
        let between = w0 * w1 * d * d;
        if between > best.0 {
            best = (between, b);
        }
    }
    Ok(centre(best.1))
}
