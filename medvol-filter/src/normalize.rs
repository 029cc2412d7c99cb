//! Intensity normalisation: z-score, min-max rescaling, window/level and clamping.

use crate::error::{invalid, scalar};
use crate::filter::map_rows;
use crate::kernel;
use crate::{Filter, Result};
use medvol_core::par::for_each_slice;
use medvol_core::{Geometry, Isa, Region, Statistics, Volume, VolumeView, VolumeViewMut, Voxel};

/// A voxel-wise linear map `clamp(x·scale + offset, lo, hi)` computed in `f64`, output `f32`.
///
/// Build it from the intensity statistics of a volume ([`Normalize::zscore`],
/// [`Normalize::range`]) or from fixed values ([`Normalize::window`], [`Normalize::clamp`]). It
/// is a [`Filter`] with no halo, so it runs blocked and chains like the others.
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_filter::{Filter, Normalize};
///
/// let v = Volume::<i16>::from_vec([4, 1, 1], vec![-1000, 0, 40, 1000], Geometry::default())?;
/// // A soft-tissue window: level 40 HU, width 400 HU, mapped to [0, 1].
/// let w = Normalize::window(40.0, 400.0)?.apply(&v)?;
/// assert_eq!(w.as_slice(), &[0.0, 0.4, 0.5, 1.0]);
/// # Ok::<(), medvol_filter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalize {
    scale: f64,
    offset: f64,
    lo: f64,
    hi: f64,
    isa: Isa,
}

impl Normalize {
    fn new(scale: f64, offset: f64, lo: f64, hi: f64) -> Result<Self> {
        if ![scale, offset].iter().all(|v| v.is_finite()) || lo.is_nan() || hi.is_nan() || lo > hi {
            return Err(invalid(
                "normalize",
                format!("scale {scale}, offset {offset}, range [{lo}, {hi}] is not a valid map"),
            ));
        }
        Ok(Self {
            scale,
            offset,
            lo,
            hi,
            isa: Isa::best(),
        })
    }
    /// `(x - mean) / σ` with the sample standard deviation (n - 1), as ITK's `Normalize`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when σ is 0 or not finite.
    pub fn zscore(stats: &Statistics) -> Result<Self> {
        let sd = stats.std_sample();
        if !(sd.is_finite() && sd > 0.0) {
            return Err(invalid(
                "zscore",
                format!("standard deviation {sd}: the volume is constant"),
            ));
        }
        Self::new(1.0 / sd, -stats.mean / sd, f64::NEG_INFINITY, f64::INFINITY)
    }
    /// `lo + (x - min)·(hi - lo)/(max - min)`: the voxel range onto `[lo, hi]`, as ITK's
    /// `RescaleIntensity`. A constant volume maps to `lo`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `lo > hi` or a value is
    /// not finite.
    pub fn range(stats: &Statistics, lo: f64, hi: f64) -> Result<Self> {
        let span = stats.max - stats.min;
        if !(lo.is_finite() && hi.is_finite() && lo <= hi && span.is_finite()) {
            return Err(invalid(
                "range",
                format!("[{lo}, {hi}] for voxels in [{}, {}]", stats.min, stats.max),
            ));
        }
        let scale = if span > 0.0 { (hi - lo) / span } else { 0.0 };
        Self::new(scale, lo - stats.min * scale, lo, hi)
    }
    /// Window/level: `[center - width/2, center + width/2]` onto `[0, 1]`, clipped.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `width <= 0` or a value
    /// is not finite.
    pub fn window(center: f64, width: f64) -> Result<Self> {
        if !(center.is_finite() && width.is_finite() && width > 0.0) {
            return Err(invalid(
                "window",
                format!("center {center}, width {width}: width must be > 0"),
            ));
        }
        Self::new(1.0 / width, 0.5 - center / width, 0.0, 1.0)
    }
    /// Values clamped to `[lo, hi]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `lo > hi` or a bound is NaN.
    pub fn clamp(lo: f64, hi: f64) -> Result<Self> {
        Self::new(1.0, 0.0, lo, hi)
    }
    /// `x·scale + offset`, not clamped: the map [`scale_offset`](Self::scale_offset) returns.
    /// SimpleITK's `ShiftScale(shift, scale)`, `(x + shift)·scale`, is
    /// `linear(scale, shift * scale)`.
    ///
    /// ```
    /// use medvol_core::{Geometry, Volume};
    /// use medvol_filter::{Filter, Normalize};
    ///
    /// let ct = Volume::<i16>::from_vec([3, 1, 1], vec![-1000, 0, 1000], Geometry::default())?;
    /// // HU to attenuation relative to water: (x + 1000) / 1000.
    /// let mu = Normalize::linear(1e-3, 1000.0 * 1e-3)?.apply(&ct)?;
    /// assert_eq!(mu.as_slice(), &[0.0, 1.0, 2.0]);
    /// assert_eq!(Normalize::linear(2.0, 1.0)?.scale_offset(), (2.0, 1.0));
    /// assert!(Normalize::linear(f64::NAN, 0.0).is_err());
    /// # Ok::<(), medvol_filter::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `scale` or `offset` is
    /// not finite.
    pub fn linear(scale: f64, offset: f64) -> Result<Self> {
        Self::new(scale, offset, f64::NEG_INFINITY, f64::INFINITY)
    }
    /// The same map run with the kernels of `isa` (for tests and benches).
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }
    /// The map's `(scale, offset)`: `y = x·scale + offset` before clamping.
    pub fn scale_offset(&self) -> (f64, f64) {
        (self.scale, self.offset)
    }

    /// The map applied to an `f32` volume in place: the same bits as [`Filter::apply`], without
    /// a second volume (slices in parallel with the `rayon` feature).
    ///
    /// ```
    /// use medvol_core::{Geometry, Volume};
    /// use medvol_filter::{Filter, Normalize};
    ///
    /// let mut v = Volume::<f32>::from_vec([4, 1, 1], vec![-1.0, 0.0, 2.0, 9.0], Geometry::default())?;
    /// let clamp = Normalize::clamp(0.0, 5.0)?;
    /// let copy = clamp.apply(&v)?;
    /// clamp.apply_in_place(&mut v);
    /// assert_eq!(v.as_slice(), &[0.0, 0.0, 2.0, 5.0]);
    /// assert_eq!(v, copy);
    /// # Ok::<(), medvol_filter::Error>(())
    /// ```
    pub fn apply_in_place(&self, volume: &mut Volume<f32>) {
        let (scale, offset, lo, hi, isa) = (self.scale, self.offset, self.lo, self.hi, self.isa);
        for_each_slice(
            volume.as_array_mut(),
            0,
            || (),
            |_, _, mut slice| {
                let s = slice.as_slice_mut().expect("owned volumes are contiguous");
                kernel::linear_map_in_place(isa, s, scale, offset, lo, hi)
            },
        );
    }
}

impl<T: Voxel> Filter<T> for Normalize {
    type Output = f32;

    fn halo(&self, _geometry: &Geometry) -> [usize; 3] {
        [0; 3]
    }

    fn apply_region(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        dst: VolumeViewMut<'_, f32>,
    ) -> Result<()> {
        scalar::<T>("normalize")?;
        map_rows(src, region, dst, |s, d| {
            kernel::linear_map(self.isa, s, d, self.scale, self.offset, self.lo, self.hi)
        })
    }
}

/// `(x - mean) / σ` (sample σ, as ITK), as `f32`.
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_filter::zscore;
///
/// let v = Volume::<u8>::from_vec([5, 1, 1], vec![1, 2, 3, 4, 5], Geometry::default())?;
/// let z = zscore(&v)?;
/// // Mean 3, sample σ = √2.5.
/// assert!((z.as_slice()[4] - 2.0 / 2.5_f32.sqrt()).abs() < 1e-6);
/// assert!(z.statistics().mean.abs() < 1e-6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Normalize::zscore`].
pub fn zscore<T: Voxel>(volume: &Volume<T>) -> Result<Volume<f32>> {
    Normalize::zscore(&volume.statistics())?.apply(volume)
}

/// The voxel range mapped linearly onto `[lo, hi]`, as `f32`.
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_filter::rescale;
///
/// let v = Volume::<i16>::from_vec([5, 1, 1], vec![-100, 0, 100, 200, 300], Geometry::default())?;
/// let r = rescale(&v, 0.0, 1.0)?;
/// assert_eq!(r.as_slice(), &[0.0, 0.25, 0.5, 0.75, 1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Normalize::range`].
pub fn rescale<T: Voxel>(volume: &Volume<T>, lo: f64, hi: f64) -> Result<Volume<f32>> {
    Normalize::range(&volume.statistics(), lo, hi)?.apply(volume)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_equals_apply_for_every_map_and_isa() {
        let v = Volume::<f32>::from_fn([37, 5, 3], Geometry::default(), |p| {
            match (p.i() * 7 + p.j() * 3 + p.k()) % 11 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                r => r as f32 * 123.4 - 600.0,
            }
        })
        .unwrap();
        let finite = v.map(|x| if x.is_finite() { x } else { 0.0 });
        let s = finite.statistics();
        let maps = [
            Normalize::zscore(&s).unwrap(),
            Normalize::range(&s, -1.0, 1.0).unwrap(),
            Normalize::window(40.0, 400.0).unwrap(),
            Normalize::clamp(-100.0, 100.0).unwrap(),
        ];
        for m in maps {
            for &isa in Isa::available() {
                let m = m.with_isa(isa);
                let want = m.apply(&v).unwrap();
                let mut got = v.clone();
                m.apply_in_place(&mut got);
                let bits =
                    |x: &Volume<f32>| x.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{m:?}");
            }
        }
        // z-score of the finite volume: mean 0, sample σ 1.
        let z = zscore(&finite).unwrap().statistics();
        assert!(
            z.mean.abs() < 1e-6 && (z.std_sample() - 1.0).abs() < 1e-6,
            "{z:?}"
        );
    }
}
