//! [`DynVolume`]: a volume whose voxel type is known only at run time.

use crate::{Error, Geometry, Result, Statistics, Volume, Voxel, VoxelKind};

/// A [`Volume`] of any [`Voxel`] type, as readers return it before the caller picks a type.
///
/// Three ways to reach the voxels: convert ([`to_f32`](Self::to_f32),
/// [`into_f32`](Self::into_f32)), ask for the type you expect
/// ([`into_typed`](Self::into_typed)), or run generic code on whichever type it holds with the
/// [`map_dyn!`](crate::map_dyn) macro, which keeps the voxel type (no conversion):
///
/// ```
/// use medvol_core::{DynVolume, Geometry, Volume, map_dyn};
///
/// let d = DynVolume::from(Volume::<u16>::filled([4, 4, 2], 7, Geometry::default())?);
/// // `v` is the `&Volume<u16>` inside; the closure body is compiled for every voxel type.
/// let max = map_dyn!(&d, v => v.statistics().max);
/// assert_eq!(max, 7.0);
/// # Ok::<(), medvol_core::Error>(())
/// ```
///
/// ```
/// use medvol_core::{DynVolume, Geometry, Volume};
///
/// let v = Volume::<i16>::from_vec([2, 1, 1], vec![-1000, 40], Geometry::default())?;
/// let d = DynVolume::from(v);
/// assert_eq!(d.kind().name(), "i16");
/// let f = d.to_f32();
/// assert_eq!(f.as_slice(), &[-1000.0, 40.0]);
/// let typed: Volume<i16> = d.into_typed()?;
/// assert_eq!(typed.dims(), [2, 1, 1]);
/// # Ok::<(), medvol_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DynVolume {
    /// `u8` voxels.
    U8(Volume<u8>),
    /// `i8` voxels.
    I8(Volume<i8>),
    /// `u16` voxels.
    U16(Volume<u16>),
    /// `i16` voxels.
    I16(Volume<i16>),
    /// `u32` voxels.
    U32(Volume<u32>),
    /// `i32` voxels.
    I32(Volume<i32>),
    /// `f32` voxels.
    F32(Volume<f32>),
    /// `f64` voxels.
    F64(Volume<f64>),
    /// Colour voxels ([`Rgb8`](crate::Rgb8)): scalar conversions ([`to_f32`](Self::to_f32),
    /// [`statistics`](Self::statistics)) see their luminance.
    Rgb8(Volume<crate::Rgb8>),
}

/// Runs an expression on the typed volume inside a [`DynVolume`].
///
/// `map_dyn!(dyn_volume, v => expr)` binds `v` to the inner `Volume<T>` (by value, reference or
/// mutable reference, as `dyn_volume` is given) and evaluates `expr` for whichever `T` it holds.
///
/// ```
/// use medvol_core::{map_dyn, DynVolume, Geometry, Volume};
/// let d = DynVolume::from(Volume::<u8>::zeros([3, 2, 1], Geometry::default())?);
/// let n = map_dyn!(&d, v => v.len());
/// assert_eq!(n, 6);
/// # Ok::<(), medvol_core::Error>(())
/// ```
#[macro_export]
macro_rules! map_dyn {
    ($dyn:expr, $v:ident => $body:expr) => {
        match $dyn {
            $crate::DynVolume::U8($v) => $body,
            $crate::DynVolume::I8($v) => $body,
            $crate::DynVolume::U16($v) => $body,
            $crate::DynVolume::I16($v) => $body,
            $crate::DynVolume::U32($v) => $body,
            $crate::DynVolume::I32($v) => $body,
            $crate::DynVolume::F32($v) => $body,
            $crate::DynVolume::F64($v) => $body,
            $crate::DynVolume::Rgb8($v) => $body,
            // `DynVolume` is non-exhaustive for other crates; this macro grows with it.
            #[allow(unreachable_patterns)]
            _ => unreachable!("map_dyn! covers every DynVolume variant"),
        }
    };
}

impl DynVolume {
    /// The voxel type held.
    pub fn kind(&self) -> VoxelKind {
        fn kind_of<T: Voxel>(_: &Volume<T>) -> VoxelKind {
            T::KIND
        }
        map_dyn!(self, v => kind_of(v))
    }
    /// Dimensions (i, j, k).
    pub fn dims(&self) -> [usize; 3] {
        map_dyn!(self, v => v.dims())
    }
    /// The geometry.
    pub fn geometry(&self) -> &Geometry {
        map_dyn!(self, v => v.geometry())
    }
    /// Replaces the geometry.
    pub fn set_geometry(&mut self, geometry: Geometry) {
        map_dyn!(self, v => v.set_geometry(geometry))
    }
    /// Statistics of all voxels.
    pub fn statistics(&self) -> Statistics {
        map_dyn!(self, v => v.statistics())
    }
    /// The typed volume, when it holds `T` voxels.
    ///
    /// # Errors
    /// [`Error::VoxelTypeMismatch`] when it holds another type (use [`DynVolume::cast`] to convert).
    pub fn into_typed<T: Voxel>(self) -> Result<Volume<T>> {
        T::try_from_dyn(self).map_err(|other| Error::VoxelTypeMismatch {
            expected: T::KIND,
            found: other.kind(),
        })
    }
    /// A copy converted to `T` (rounded and clamped to `T`'s range, as [`Volume::cast`]).
    pub fn cast<T: Voxel>(&self) -> Volume<T> {
        map_dyn!(self, v => v.cast::<T>())
    }
    /// A copy as `f32`: the fast type of medvol's filters and mesher.
    pub fn to_f32(&self) -> Volume<f32> {
        self.cast()
    }
    /// The volume as `f32`, without copying when it already is.
    pub fn into_f32(self) -> Volume<f32> {
        match self {
            DynVolume::F32(v) => v,
            other => other.to_f32(),
        }
    }
    /// A copy as `f64` (exact for every voxel type).
    pub fn to_f64(&self) -> Volume<f64> {
        self.cast()
    }
}

impl<T: Voxel> From<Volume<T>> for DynVolume {
    fn from(v: Volume<T>) -> Self {
        T::into_dyn(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_round_trip_and_mismatch() {
        let v = Volume::<f64>::from_vec([1, 1, 2], vec![1.5, -2.5], Geometry::default()).unwrap();
        let d = DynVolume::from(v.clone());
        assert_eq!(d.kind(), VoxelKind::F64);
        assert_eq!(d.cast::<i16>().as_slice(), &[2, -3]);
        assert!(matches!(
            d.clone().into_typed::<u8>(),
            Err(Error::VoxelTypeMismatch {
                expected: VoxelKind::U8,
                found: VoxelKind::F64
            })
        ));
        assert_eq!(d.into_typed::<f64>().unwrap(), v);
    }
}
