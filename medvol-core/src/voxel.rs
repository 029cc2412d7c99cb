//! The voxel types a [`Volume`](crate::Volume) can hold.

use crate::{DynVolume, Volume};
use std::fmt;

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// The run-time tag of a [`Voxel`] type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VoxelKind {
    /// `u8`
    U8,
    /// `i8`
    I8,
    /// `u16`
    U16,
    /// `i16`
    I16,
    /// `u32`
    U32,
    /// `i32`
    I32,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// [`Rgb8`](crate::Rgb8): three `u8` channels (colour).
    Rgb8,
}

impl VoxelKind {
    /// The Rust name of the type (`"i16"`, `"f32"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            VoxelKind::U8 => "u8",
            VoxelKind::I8 => "i8",
            VoxelKind::U16 => "u16",
            VoxelKind::I16 => "i16",
            VoxelKind::U32 => "u32",
            VoxelKind::I32 => "i32",
            VoxelKind::F32 => "f32",
            VoxelKind::F64 => "f64",
            VoxelKind::Rgb8 => "rgb8",
        }
    }
    /// Size of one voxel in bytes.
    pub fn size_bytes(self) -> usize {
        match self {
            VoxelKind::U8 | VoxelKind::I8 => 1,
            VoxelKind::U16 | VoxelKind::I16 => 2,
            VoxelKind::U32 | VoxelKind::I32 | VoxelKind::F32 => 4,
            VoxelKind::F64 => 8,
            VoxelKind::Rgb8 => 3,
        }
    }
    /// `true` for `f32` and `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, VoxelKind::F32 | VoxelKind::F64)
    }
    /// `true` for [`Rgb8`](crate::Rgb8): voxels that filters and meshing refuse.
    pub fn is_colour(self) -> bool {
        self == VoxelKind::Rgb8
    }
    /// The smallest and largest value the type holds, as `f64`
    /// (±`f64::MAX` for floats; a luminance of 0 to 255 for [`Rgb8`](crate::Rgb8)).
    pub fn range(self) -> (f64, f64) {
        match self {
            VoxelKind::U8 | VoxelKind::Rgb8 => (0.0, u8::MAX as f64),
            VoxelKind::I8 => (i8::MIN as f64, i8::MAX as f64),
            VoxelKind::U16 => (0.0, u16::MAX as f64),
            VoxelKind::I16 => (i16::MIN as f64, i16::MAX as f64),
            VoxelKind::U32 => (0.0, u32::MAX as f64),
            VoxelKind::I32 => (i32::MIN as f64, i32::MAX as f64),
            VoxelKind::F32 => (f32::MIN as f64, f32::MAX as f64),
            VoxelKind::F64 => (f64::MIN, f64::MAX),
        }
    }
}

impl fmt::Display for VoxelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A voxel value type: `u8`, `i8`, `u16`, `i16`, `u32`, `i32`, `f32`, `f64`, or the colour
/// [`Rgb8`](crate::Rgb8) (whose scalar value is its luminance; filters and meshing refuse it).
///
/// The trait is sealed: medvol's kernels are written for exactly these types.
pub trait Voxel:
    Copy + Send + Sync + PartialOrd + Default + fmt::Debug + 'static + sealed::Sealed
{
    /// A type wide enough to sum many voxels: `f32` up to 16-bit types, `f64` above.
    type Accum: Copy + Default + Send + Sync + std::ops::Add<Output = Self::Accum> + Into<f64>;
    /// The run-time tag of this type.
    const KIND: VoxelKind;
    /// The value as `f64` (exact for every voxel type).
    fn to_f64(self) -> f64;
    /// The value as `f32` (rounded for 32-bit integers and `f64`).
    fn to_f32(self) -> f32;
    /// The value in the accumulator type.
    fn to_accum(self) -> Self::Accum;
    /// `v` rounded to the nearest value of this type, clamped to its range; NaN becomes 0.
    /// Float types only convert: NaN stays NaN and infinities stay infinite (as in SimpleITK
    /// and numpy), and finite values beyond `f32`'s range saturate to ±`f32::MAX`.
    fn from_f64_saturating(v: f64) -> Self;
    /// Wraps a typed volume in the matching [`DynVolume`] variant.
    fn into_dyn(volume: Volume<Self>) -> DynVolume;
    /// Unwraps a [`DynVolume`] of this type, or gives it back unchanged.
    // The error is the caller's volume handed back by value, not an error to propagate.
    #[allow(clippy::result_large_err)]
    fn try_from_dyn(volume: DynVolume) -> Result<Volume<Self>, DynVolume>;
}

macro_rules! impl_voxel_int {
    ($t:ty, $kind:ident, $acc:ty) => {
        impl sealed::Sealed for $t {}
        impl Voxel for $t {
            type Accum = $acc;
            const KIND: VoxelKind = VoxelKind::$kind;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
            #[inline(always)]
            fn to_accum(self) -> $acc {
                self as $acc
            }
            #[inline(always)]
            fn from_f64_saturating(v: f64) -> Self {
                // `as` saturates at the type bounds and maps NaN to 0.
                v.round() as $t
            }
            fn into_dyn(volume: Volume<Self>) -> DynVolume {
                DynVolume::$kind(volume)
            }
            fn try_from_dyn(volume: DynVolume) -> Result<Volume<Self>, DynVolume> {
                match volume {
                    DynVolume::$kind(v) => Ok(v),
                    other => Err(other),
                }
            }
        }
    };
}

impl_voxel_int!(u8, U8, f32);
impl_voxel_int!(i8, I8, f32);
impl_voxel_int!(u16, U16, f32);
impl_voxel_int!(i16, I16, f32);
impl_voxel_int!(u32, U32, f64);
impl_voxel_int!(i32, I32, f64);

macro_rules! impl_voxel_float {
    ($t:ty, $kind:ident, $acc:ty) => {
        impl sealed::Sealed for $t {}
        impl Voxel for $t {
            type Accum = $acc;
            const KIND: VoxelKind = VoxelKind::$kind;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
            #[inline(always)]
            fn to_accum(self) -> $acc {
                self as $acc
            }
            #[inline(always)]
            fn from_f64_saturating(v: f64) -> Self {
                if v.is_finite() {
                    v.clamp(<$t>::MIN as f64, <$t>::MAX as f64) as $t
                } else {
                    v as $t
                }
            }
            fn into_dyn(volume: Volume<Self>) -> DynVolume {
                DynVolume::$kind(volume)
            }
            fn try_from_dyn(volume: DynVolume) -> Result<Volume<Self>, DynVolume> {
                match volume {
                    DynVolume::$kind(v) => Ok(v),
                    other => Err(other),
                }
            }
        }
    };
}

impl_voxel_float!(f32, F32, f64);
impl_voxel_float!(f64, F64, f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturating_conversions() {
        assert_eq!(u8::from_f64_saturating(300.0), 255);
        assert_eq!(u8::from_f64_saturating(-3.0), 0);
        assert_eq!(i16::from_f64_saturating(-1e9), i16::MIN);
        assert_eq!(i16::from_f64_saturating(2.5), 3);
        assert_eq!(i32::from_f64_saturating(f64::NAN), 0);
        assert_eq!(f32::from_f64_saturating(1e300), f32::MAX);
        assert!(f32::from_f64_saturating(f64::NAN).is_nan());
        assert!(f64::from_f64_saturating(f64::NAN).is_nan());
        assert_eq!(
            f32::from_f64_saturating(f64::NEG_INFINITY),
            f32::NEG_INFINITY
        );
        assert_eq!(f32::from_f64_saturating(-1e300), f32::MIN);
        assert_eq!(u16::from_f64_saturating(f64::INFINITY), u16::MAX);
        assert_eq!(i8::KIND.name(), "i8");
        assert_eq!(VoxelKind::F64.size_bytes(), 8);
    }
}
