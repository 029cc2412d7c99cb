//! The voxel types a [`Volume`](crate::Volume) can hold.

use crate::{DynVolume, Volume};
use num_traits::{AsPrimitive, Bounded, Zero};
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
    pub const fn is_float(self) -> bool {
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
/// The trait is sealed: medvol's kernels are written for exactly these types. It builds on
/// [`num_traits`]: every voxel type is [`Bounded`] (its range), [`Zero`] and converts with
/// [`AsPrimitive`] (Rust's `as`), so one generic definition of each conversion serves all
/// eight types. `NumCast`/`ToPrimitive` are not supertraits: their `to_f64` returns an
/// `Option` and would make `v.to_f64()` ambiguous in generic code; medvol's conversions never
/// fail, they saturate.
///
/// ```
/// use medvol_core::Voxel;
///
/// assert_eq!(u8::from_f64_saturating(300.0), 255);
/// assert_eq!(i16::from_f64_saturating(-2.5), -3); // half away from zero
/// assert_eq!(i32::from_f64_saturating(f64::NAN), 0);
/// assert!(f32::from_f64_saturating(f64::NAN).is_nan());
/// assert_eq!(f32::from_f64_saturating(1e300), f32::MAX);
/// // Generic code has the range and zero of every voxel type from num-traits.
/// fn span<T: Voxel>() -> f64 {
///     T::max_value().to_f64() - T::min_value().to_f64() + T::zero().to_f64()
/// }
/// assert_eq!(span::<u16>(), 65535.0);
/// assert_eq!(span::<i8>(), 255.0);
/// ```
pub trait Voxel:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Default
    + fmt::Debug
    + 'static
    + sealed::Sealed
    + Bounded
    + Zero
    + AsPrimitive<f64>
    + AsPrimitive<f32>
{
    /// A type wide enough to sum many voxels: `f32` up to 16-bit types, `f64` above.
    type Accum: Copy + Default + Send + Sync + std::ops::Add<Output = Self::Accum> + Into<f64>;
    /// The run-time tag of this type.
    const KIND: VoxelKind;
    /// The value as `f64` (exact for every voxel type).
    #[inline(always)]
    fn to_f64(self) -> f64 {
        AsPrimitive::<f64>::as_(self)
    }
    /// The value as `f32` (rounded to nearest for 32-bit integers and `f64`).
    #[inline(always)]
    fn to_f32(self) -> f32 {
        AsPrimitive::<f32>::as_(self)
    }
    /// The value in the accumulator type.
    fn to_accum(self) -> Self::Accum;
    /// `v` rounded to the nearest value of this type (halves away from zero), clamped to its
    /// range; NaN becomes 0. Float types only convert: NaN stays NaN and infinities stay
    /// infinite (as in SimpleITK and numpy), and finite values beyond `f32`'s range saturate
    /// to ±`f32::MAX`.
    fn from_f64_saturating(v: f64) -> Self;
    /// Wraps a typed volume in the matching [`DynVolume`] variant.
    fn into_dyn(volume: Volume<Self>) -> DynVolume;
    /// Unwraps a [`DynVolume`] of this type, or gives it back unchanged.
    // The error is the caller's volume handed back by value, not an error to propagate.
    #[allow(clippy::result_large_err)]
    fn try_from_dyn(volume: DynVolume) -> Result<Volume<Self>, DynVolume>;
}

/// [`Voxel::from_f64_saturating`] for every type: integers round and rely on `as`, which
/// saturates at the type's bounds and maps NaN to 0; floats clamp finite values to
/// [`Bounded`]'s range and pass NaN and infinities through.
#[inline(always)]
fn saturate<T: Voxel>(v: f64) -> T
where
    f64: AsPrimitive<T>,
{
    if T::KIND.is_float() {
        if v.is_finite() {
            v.clamp(T::min_value().to_f64(), T::max_value().to_f64())
                .as_()
        } else {
            v.as_()
        }
    } else {
        v.round().as_()
    }
}

macro_rules! impl_voxel {
    ($($t:ty: $kind:ident, $acc:ty;)*) => {$(
        impl sealed::Sealed for $t {}
        impl Voxel for $t {
            type Accum = $acc;
            const KIND: VoxelKind = VoxelKind::$kind;
            #[inline(always)]
            fn to_accum(self) -> $acc {
                AsPrimitive::<$acc>::as_(self)
            }
            #[inline(always)]
            fn from_f64_saturating(v: f64) -> Self {
                saturate(v)
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
    )*};
}

impl_voxel! {
    u8: U8, f32;
    i8: I8, f32;
    u16: U16, f32;
    i16: I16, f32;
    u32: U32, f64;
    i32: I32, f64;
    f32: F32, f64;
    f64: F64, f64;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Conversions of an integer type whose range is `[lo, hi]` (written out, not taken from
    /// the type).
    fn integer<T: Voxel + PartialEq>(lo: f64, hi: f64) {
        let f = |v: f64| T::from_f64_saturating(v).to_f64();
        assert_eq!(T::KIND.range(), (lo, hi), "{}", T::KIND);
        assert_eq!((T::min_value().to_f64(), T::max_value().to_f64()), (lo, hi));
        assert_eq!(T::zero().to_f64(), 0.0);
        // saturation, at and beyond the bounds
        assert_eq!(f(hi), hi);
        assert_eq!(f(hi + 0.4), hi);
        assert_eq!(f(hi + 1.0), hi);
        assert_eq!(f(1e300), hi);
        assert_eq!(f(f64::INFINITY), hi);
        assert_eq!(f(lo), lo);
        assert_eq!(f(lo - 0.4), lo);
        assert_eq!(f(lo - 1.0), lo);
        assert_eq!(f(-1e300), lo);
        assert_eq!(f(f64::NEG_INFINITY), lo);
        // NaN is 0
        assert_eq!(f(f64::NAN), 0.0);
        assert_eq!(f(-f64::NAN), 0.0);
        // rounding to nearest, halves away from zero
        assert_eq!(f(2.5), 3.0);
        assert_eq!(f(2.4999999), 2.0);
        assert_eq!(f(0.5), 1.0);
        assert_eq!(f(0.49), 0.0);
        assert_eq!(f(-0.49), 0.0);
        assert_eq!(f(-2.5), if lo < 0.0 { -3.0 } else { 0.0 });
        assert_eq!(f(-2.4), if lo < 0.0 { -2.0 } else { 0.0 });
        // exact to f64, and through the accumulator
        for v in [lo, hi, 0.0, 1.0] {
            let x = T::from_f64_saturating(v);
            assert_eq!(x.to_f64(), v);
            // every value of a 16-bit type is exact in f32, of a 32-bit type in f64
            assert_eq!(x.to_accum().into(), v, "{}", T::KIND);
            assert_eq!(x.to_f32(), v as f32);
        }
    }

    #[test]
    fn every_integer_type_rounds_saturates_and_zeroes_nan() {
        integer::<u8>(0.0, 255.0);
        integer::<i8>(-128.0, 127.0);
        integer::<u16>(0.0, 65535.0);
        integer::<i16>(-32768.0, 32767.0);
        integer::<u32>(0.0, 4294967295.0);
        integer::<i32>(-2147483648.0, 2147483647.0);
        // 32-bit integers accumulate in f64: exact
        assert_eq!(u32::MAX.to_accum(), 4294967295.0);
        assert_eq!(i32::MIN.to_accum(), -2147483648.0);
    }

    #[test]
    fn float_types_convert_without_rounding_to_integers() {
        // f32: rounds to the nearest f32, saturates finite values at ±f32::MAX
        assert_eq!(f32::from_f64_saturating(2.5), 2.5);
        assert_eq!(f32::from_f64_saturating(0.1), 0.1f32);
        assert_eq!(f32::from_f64_saturating(1e300), f32::MAX);
        assert_eq!(f32::from_f64_saturating(-1e300), f32::MIN);
        assert_eq!(f32::from_f64_saturating(f64::from(f32::MAX)), f32::MAX);
        assert_eq!(f32::from_f64_saturating(f64::INFINITY), f32::INFINITY);
        assert_eq!(
            f32::from_f64_saturating(f64::NEG_INFINITY),
            f32::NEG_INFINITY
        );
        assert!(f32::from_f64_saturating(f64::NAN).is_nan());
        assert_eq!(
            f32::KIND.range(),
            (f64::from(f32::MIN), f64::from(f32::MAX))
        );
        assert_eq!(0.1f32.to_accum(), f64::from(0.1f32));
        // f64: the identity, NaN and infinities included
        for v in [2.5, -0.1, 1e300, f64::MAX, f64::MIN, f64::INFINITY] {
            assert_eq!(f64::from_f64_saturating(v), v);
            assert_eq!(v.to_f64(), v);
        }
        assert!(f64::from_f64_saturating(f64::NAN).is_nan());
        assert_eq!(1e300.to_f32(), f32::INFINITY);
        assert_eq!(f64::KIND.range(), (f64::MIN, f64::MAX));
    }

    #[test]
    fn kinds_name_and_size_their_types() {
        assert_eq!(i8::KIND.name(), "i8");
        assert_eq!(VoxelKind::F64.size_bytes(), 8);
        assert_eq!(u32::KIND.size_bytes(), std::mem::size_of::<u32>());
        assert!(f32::KIND.is_float() && !i32::KIND.is_float());
    }
}
