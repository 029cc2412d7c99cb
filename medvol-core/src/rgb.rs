//! [`Rgb8`]: the voxel of colour volumes (colour FA maps, secondary captures).

use crate::voxel::{Voxel, VoxelKind, sealed};
use crate::{DynVolume, Volume};

/// A colour voxel: red, green and blue, 8 bits each (NIfTI's RGB24, DICOM's 8-bit RGB).
///
/// Colour volumes are `Volume<Rgb8>` and read as [`DynVolume::Rgb8`]. `Rgb8` is a [`Voxel`] so
/// that storage, views, crops, copies and the readers and writers work as for any type; its
/// scalar value ([`Voxel::to_f64`], so [`Volume::statistics`] and [`Volume::cast`]) is the
/// **luminance** `0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601, as `image`'s `to_luma`), and a
/// scalar converts back to the grey `(v, v, v)`. Filters and meshing refuse colour volumes
/// with an error rather than smooth or threshold a luminance the caller did not ask for; per
/// channel work goes through [`Rgb8::channel`].
///
/// ```
/// use medvol_core::{Geometry, Rgb8, Volume, Voxel};
///
/// let v = Volume::from_vec([2, 1, 1], vec![Rgb8([255, 0, 0]), Rgb8([10, 20, 30])], Geometry::default())?;
/// assert_eq!(v.as_slice()[1].0, [10, 20, 30]);
/// assert!((Rgb8([255, 0, 0]).to_f64() - 76.245).abs() < 1e-9);
/// let green = Rgb8::channel(&v, 1)?;
/// assert_eq!(green.as_slice(), &[0, 20]);
/// assert_eq!(Rgb8::from_f64_saturating(300.0), Rgb8([255, 255, 255]));
/// # Ok::<(), medvol_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Rgb8(pub [u8; 3]);

impl Rgb8 {
    /// Channel `c` (0 red, 1 green, 2 blue) of a colour volume, as a `u8` volume on the same grid.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `c > 2`.
    pub fn channel(volume: &Volume<Rgb8>, c: usize) -> crate::Result<Volume<u8>> {
        if c > 2 {
            return Err(crate::Error::InvalidParameter {
                name: "c",
                reason: format!("channel {c}: an RGB voxel has channels 0, 1 and 2"),
            });
        }
        let data = volume.as_slice().iter().map(|p| p.0[c]).collect();
        Volume::from_vec(volume.dims(), data, *volume.geometry())
    }

    /// The luminance `0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601).
    #[inline(always)]
    pub fn luminance(self) -> f32 {
        let [r, g, b] = self.0;
        0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b)
    }
}

/// Black and white: the range [`Voxel::from_f64_saturating`] clamps to.
impl num_traits::Bounded for Rgb8 {
    fn min_value() -> Self {
        Rgb8([0; 3])
    }
    fn max_value() -> Self {
        Rgb8([255; 3])
    }
}

/// Per-channel saturating addition (what [`num_traits::Zero`] asks for; black is zero).
impl std::ops::Add for Rgb8 {
    type Output = Rgb8;
    fn add(self, o: Rgb8) -> Rgb8 {
        Rgb8([0, 1, 2].map(|c| self.0[c].saturating_add(o.0[c])))
    }
}

impl num_traits::Zero for Rgb8 {
    fn zero() -> Self {
        Rgb8([0; 3])
    }
    fn is_zero(&self) -> bool {
        self.0 == [0; 3]
    }
}

/// The luminance, as [`Voxel::to_f64`].
impl num_traits::AsPrimitive<f64> for Rgb8 {
    #[inline(always)]
    fn as_(self) -> f64 {
        let [r, g, b] = self.0.map(f64::from);
        0.299 * r + 0.587 * g + 0.114 * b
    }
}

/// The luminance, as [`Voxel::to_f32`].
impl num_traits::AsPrimitive<f32> for Rgb8 {
    #[inline(always)]
    fn as_(self) -> f32 {
        self.luminance()
    }
}

impl sealed::Sealed for Rgb8 {}

impl Voxel for Rgb8 {
    type Accum = f32;
    const KIND: VoxelKind = VoxelKind::Rgb8;
    #[inline(always)]
    fn to_accum(self) -> f32 {
        self.luminance()
    }
    /// The grey `(v, v, v)`, `v` rounded and clamped to 0..=255 (NaN to 0).
    fn from_f64_saturating(v: f64) -> Self {
        let g = u8::from_f64_saturating(v);
        Rgb8([g; 3])
    }
    fn into_dyn(volume: Volume<Self>) -> DynVolume {
        DynVolume::Rgb8(volume)
    }
    fn try_from_dyn(volume: DynVolume) -> Result<Volume<Self>, DynVolume> {
        match volume {
            DynVolume::Rgb8(v) => Ok(v),
            other => Err(other),
        }
    }
}
