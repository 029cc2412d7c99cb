//! [`Volume`]: voxels in an `ndarray::Array3` plus their [`Geometry`], and borrowed views.

use crate::{Error, Geometry, Ijk, Region, Result, Statistics, Voxel};
use ndarray::{Array3, ArrayView3, ArrayViewMut3, Axis, Slice};

/// A 3-D image: voxels of type `T` and the [`Geometry`] that places them in the patient.
///
/// Voxels are stored in an `ndarray::Array3<T>` with axes **(k, j, i)**, row-major, so `i`
/// (the DICOM column, the NIfTI x) is contiguous. Every medvol API speaks (i, j, k); only
/// [`Volume::as_array`] and its siblings show the reversed axes.
///
/// ```
/// use medvol_core::{Geometry, Ijk, Region, Volume};
///
/// let g = Geometry::default().with_spacing([0.5, 0.5, 2.0])?;
/// let v = Volume::<i16>::from_fn([4, 3, 2], g, |ijk| (ijk.i() + 10 * ijk.k()) as i16)?;
/// assert_eq!(v.dims(), [4, 3, 2]);
/// assert_eq!(v.get(Ijk::new(3, 0, 1)), Some(13));
///
/// // A crop keeps every voxel at its physical position.
/// let c = v.crop(Region::new(Ijk::new(2, 1, 1), [2, 2, 1]))?;
/// assert_eq!(c.get(Ijk::new(1, 0, 0)), Some(13));
/// assert_eq!(c.geometry().ijk_to_physical(Ijk::new(1, 0, 0)),
///            v.geometry().ijk_to_physical(Ijk::new(3, 1, 1)));
/// # Ok::<(), medvol_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Volume<T: Voxel> {
    data: Array3<T>,
    geometry: Geometry,
}

/// Number of voxels of `dims`, or [`Error::TooLarge`] when the product overflows.
pub fn voxel_count(dims: [usize; 3]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d))
        .ok_or(Error::TooLarge { dims })
}

/// Number of voxels of `dims`, once memory for them has been asked for fallibly, so that an
/// impossible size is an error rather than an abort. The probe is given back untouched (no
/// page faulted in) and the caller allocates for real, zeros from the allocator's fresh pages
/// staying lazy.
///
/// ```
/// use medvol_core::{Error, voxel_count_allocatable};
/// assert_eq!(voxel_count_allocatable::<i16>([4, 3, 2])?, 24);
/// assert!(matches!(
///     voxel_count_allocatable::<f64>([1 << 21; 3]),
///     Err(Error::OutOfMemory { .. })
/// ));
/// # Ok::<(), Error>(())
/// ```
///
/// # Errors
/// [`Error::TooLarge`] when the voxel count overflows, [`Error::OutOfMemory`] when the memory
/// cannot be had.
pub fn voxel_count_allocatable<T>(dims: [usize; 3]) -> Result<usize> {
    let n = voxel_count(dims)?;
    Vec::<T>::new()
        .try_reserve_exact(n)
        .map_err(|_| Error::OutOfMemory {
            dims,
            bytes: n as u128 * std::mem::size_of::<T>() as u128,
        })?;
    Ok(n)
}

fn shape_kji(dims: [usize; 3]) -> (usize, usize, usize) {
    (dims[2], dims[1], dims[0])
}

impl<T: Voxel> Volume<T> {
    /// A volume of `dims` (i, j, k) filled with `value`.
    ///
    /// # Errors
    /// [`Error::TooLarge`] when the voxel count overflows, [`Error::OutOfMemory`] when the
    /// memory cannot be had.
    pub fn filled(dims: [usize; 3], value: T, geometry: Geometry) -> Result<Self> {
        voxel_count_allocatable::<T>(dims)?;
        Ok(Self {
            data: Array3::from_elem(shape_kji(dims), value),
            geometry,
        })
    }

    /// A volume of `dims` (i, j, k) filled with zeros (`T::default()`).
    ///
    /// # Errors
    /// As [`Volume::filled`].
    pub fn zeros(dims: [usize; 3], geometry: Geometry) -> Result<Self> {
        Self::filled(dims, T::default(), geometry)
    }

    /// A volume from voxels in memory order (i fastest, then j, then k).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `data.len()` is not the product of `dims`.
    pub fn from_vec(dims: [usize; 3], data: Vec<T>, geometry: Geometry) -> Result<Self> {
        let n = voxel_count(dims)?;
        if n != data.len() {
            return Err(Error::ShapeMismatch {
                dims,
                len: data.len(),
            });
        }
        let data = Array3::from_shape_vec(shape_kji(dims), data)
            .map_err(|_| Error::ShapeMismatch { dims, len: n })?;
        Ok(Self { data, geometry })
    }

    /// A volume whose voxel at `ijk` is `f(ijk)`.
    ///
    /// # Errors
    /// As [`Volume::filled`].
    pub fn from_fn(
        dims: [usize; 3],
        geometry: Geometry,
        mut f: impl FnMut(Ijk) -> T,
    ) -> Result<Self> {
        voxel_count_allocatable::<T>(dims)?;
        let data = Array3::from_shape_fn(shape_kji(dims), |(k, j, i)| f(Ijk::new(i, j, k)));
        Ok(Self { data, geometry })
    }

    /// A volume from an array with axes **(k, j, i)**. The array is made contiguous
    /// (row-major) if it is not already.
    pub fn from_array(data: Array3<T>, geometry: Geometry) -> Self {
        let data = if data.is_standard_layout() {
            data
        } else {
            let mut out = Array3::from_elem(data.dim(), T::default());
            out.assign(&data);
            out
        };
        Self { data, geometry }
    }

    /// Dimensions (i, j, k).
    pub fn dims(&self) -> [usize; 3] {
        let (k, j, i) = self.data.dim();
        [i, j, k]
    }
    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// `true` when a dimension is 0.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// The geometry.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
    /// The same voxels with another geometry.
    pub fn with_geometry(mut self, geometry: Geometry) -> Self {
        self.geometry = geometry;
        self
    }
    /// Replaces the geometry.
    pub fn set_geometry(&mut self, geometry: Geometry) {
        self.geometry = geometry;
    }

    /// The voxel at `ijk`, or `None` outside the volume.
    pub fn get(&self, ijk: Ijk) -> Option<T> {
        self.data.get([ijk.k(), ijk.j(), ijk.i()]).copied()
    }
    /// A mutable reference to the voxel at `ijk`, or `None` outside the volume.
    pub fn get_mut(&mut self, ijk: Ijk) -> Option<&mut T> {
        self.data.get_mut([ijk.k(), ijk.j(), ijk.i()])
    }
    /// Sets the voxel at `ijk`.
    ///
    /// # Errors
    /// [`Error::RegionOutOfBounds`] when `ijk` is outside the volume.
    pub fn set(&mut self, ijk: Ijk, value: T) -> Result<()> {
        let dims = self.dims();
        match self.get_mut(ijk) {
            Some(v) => {
                *v = value;
                Ok(())
            }
            None => Err(Error::RegionOutOfBounds {
                region: Region::new(ijk, [1, 1, 1]),
                dims,
            }),
        }
    }

    /// The voxels as an array with axes **(k, j, i)** (reversed: `i` is the last, contiguous axis).
    pub fn as_array(&self) -> &Array3<T> {
        &self.data
    }
    /// The voxels as a mutable view with axes **(k, j, i)**: values can change, the shape and
    /// memory layout cannot.
    pub fn as_array_mut(&mut self) -> ArrayViewMut3<'_, T> {
        self.data.view_mut()
    }
    /// The voxel array with axes **(k, j, i)** and the geometry, taken apart.
    pub fn into_parts(self) -> (Array3<T>, Geometry) {
        (self.data, self.geometry)
    }
    /// The voxel array with axes **(k, j, i)**, dropping the geometry.
    pub fn into_array(self) -> Array3<T> {
        self.data
    }
    /// All voxels in memory order (i fastest, then j, then k).
    pub fn as_slice(&self) -> &[T] {
        self.data
            .as_slice()
            .expect("a Volume's array is always in standard layout")
    }
    /// All voxels in memory order, mutable.
    pub fn as_slice_mut(&mut self) -> &mut [T] {
        self.data
            .as_slice_mut()
            .expect("a Volume's array is always in standard layout")
    }
    /// The voxels in memory order, as an owned vector.
    pub fn into_vec(self) -> Vec<T> {
        let (v, offset) = self.data.into_raw_vec_and_offset();
        debug_assert!(offset.unwrap_or(0) == 0);
        v
    }

    /// A borrowed view of the whole volume.
    pub fn view(&self) -> VolumeView<'_, T> {
        VolumeView {
            data: self.data.view(),
            geometry: self.geometry,
        }
    }
    /// A mutable view of the whole volume.
    pub fn view_mut(&mut self) -> VolumeViewMut<'_, T> {
        VolumeViewMut {
            data: self.data.view_mut(),
            geometry: self.geometry,
        }
    }
    /// A view of `region`, whose geometry places its voxels where they are in this volume.
    ///
    /// # Errors
    /// [`Error::RegionOutOfBounds`] when the region is empty or reaches outside.
    pub fn region(&self, region: Region) -> Result<VolumeView<'_, T>> {
        self.view().into_region(region)
    }
    /// A copy of `region` as a new volume, with its origin moved so every voxel keeps its
    /// physical position.
    ///
    /// # Errors
    /// [`Error::RegionOutOfBounds`] when the region is empty or reaches outside.
    pub fn crop(&self, region: Region) -> Result<Volume<T>> {
        Ok(self.region(region)?.to_owned())
    }

    /// The volume cut along k into slabs of `slices` slices (the last one thinner when
    /// `slices` does not divide the depth), each a cropped copy whose geometry keeps its voxels
    /// where they are: process a volume in blocks and [`paste`](Self::paste) the results back.
    ///
    /// ```
    /// use medvol_core::{Geometry, Point, Volume};
    ///
    /// let g = Geometry::default().with_spacing([1.0, 1.0, 2.5])?;
    /// let v = Volume::<i16>::from_fn([4, 3, 10], g, |ijk| ijk.k() as i16)?;
    /// let slabs: Vec<Volume<i16>> = v.slabs(4)?.collect();
    /// assert_eq!(slabs.iter().map(|s| s.dims()[2]).collect::<Vec<_>>(), [4, 4, 2]);
    /// // The third slab starts at slice 8: 20 mm along k, and holds slices 8 and 9.
    /// assert_eq!(slabs[2].geometry().origin(), Point::new(0.0, 0.0, 20.0));
    /// assert_eq!(slabs[2].statistics().min, 8.0);
    /// // Pasted back where they came from, the slabs make the volume again.
    /// let mut whole = Volume::<i16>::zeros([4, 3, 10], g)?;
    /// for slab in &slabs {
    ///     whole.paste(slab)?;
    /// }
    /// assert_eq!(whole, v);
    /// // A part that does not sit on the grid (half a voxel off) is refused.
    /// let off = slabs[0].clone().with_geometry(g.with_origin(Point::new(0.5, 0.0, 0.0))?);
    /// assert!(whole.paste(&off).is_err());
    /// # Ok::<(), medvol_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `slices` is 0.
    pub fn slabs(&self, slices: usize) -> Result<impl Iterator<Item = Volume<T>> + '_> {
        if slices == 0 {
            return Err(Error::InvalidParameter {
                name: "slices",
                reason: "a slab holds at least one slice".into(),
            });
        }
        let [ni, nj, nk] = self.dims();
        Ok((0..nk).step_by(slices).map(move |k0| {
            let region = Region::new(Ijk::new(0, 0, k0), [ni, nj, slices.min(nk - k0)]);
            self.crop(region)
                .expect("a slab of slices that exist lies inside the volume")
        }))
    }

    /// Copies `part` into this volume where its geometry places it: `part` must share this
    /// volume's spacing and direction, and its origin must be the centre of one of this
    /// volume's voxels (as for a [`crop`](Self::crop) or a [`slabs`](Self::slabs) item).
    ///
    /// # Errors
    /// [`Error::RegionOutOfBounds`] when `part` does not lie on this volume's grid or reaches
    /// outside it.
    pub fn paste(&mut self, part: &Volume<T>) -> Result<()> {
        let (g, p) = (self.geometry, *part.geometry());
        let start = g.physical_to_index(p.origin());
        let nearest = start.0.map(|x| x.round());
        let on_grid = g.spacing() == p.spacing()
            && g.direction() == p.direction()
            && (0..3).all(|a| (start.0[a] - nearest[a]).abs() < 1e-6 && nearest[a] >= 0.0);
        let region = Region::new(Ijk(nearest.map(|x| x as usize)), part.dims());
        if !on_grid || !region.fits(self.dims()) {
            return Err(Error::RegionOutOfBounds {
                region,
                dims: self.dims(),
            });
        }
        let mut target = self.data.view_mut();
        for a in 0..3 {
            let range = region.start.0[a]..region.end()[a];
            target.slice_axis_inplace(Axis(2 - a), Slice::from(range));
        }
        target.assign(&part.data);
        Ok(())
    }

    /// A new volume with `f` applied to every voxel; the geometry is kept.
    pub fn map<U: Voxel>(&self, f: impl Fn(T) -> U) -> Volume<U> {
        Volume {
            data: self.data.mapv(f),
            geometry: self.geometry,
        }
    }
    /// A copy converted to voxel type `U`: rounded to the nearest value and clamped to `U`'s
    /// range (NaN becomes 0 in an integer type and stays NaN in a float type).
    pub fn cast<U: Voxel>(&self) -> Volume<U> {
        self.map(|v| U::from_f64_saturating(v.to_f64()))
    }

    /// Count, min, max, sum, mean and standard deviations of all voxels.
    pub fn statistics(&self) -> Statistics {
        Statistics::of_slice(self.as_slice())
    }
}

impl<T: Voxel> std::ops::Index<Ijk> for Volume<T> {
    type Output = T;
    /// # Panics
    /// When `ijk` is outside the volume.
    fn index(&self, ijk: Ijk) -> &T {
        &self.data[[ijk.k(), ijk.j(), ijk.i()]]
    }
}

impl<T: Voxel> std::ops::IndexMut<Ijk> for Volume<T> {
    fn index_mut(&mut self, ijk: Ijk) -> &mut T {
        &mut self.data[[ijk.k(), ijk.j(), ijk.i()]]
    }
}

fn check_region(region: &Region, dims: [usize; 3]) -> Result<()> {
    if region.fits(dims) {
        Ok(())
    } else {
        Err(Error::RegionOutOfBounds {
            region: *region,
            dims,
        })
    }
}

/// Narrows an array with axes (k, j, i) to `region` (given in i, j, k).
fn slice_region<S: ndarray::RawData>(
    data: &mut ndarray::ArrayBase<S, ndarray::Ix3>,
    region: &Region,
) {
    let st = region.start.0;
    let en = region.end();
    for a in 0..3 {
        data.slice_axis_inplace(Axis(2 - a), Slice::from(st[a]..en[a]));
    }
}

/// A borrowed, read-only part of a volume with its own [`Geometry`] (origin at its first voxel).
#[derive(Debug, Clone, Copy)]
pub struct VolumeView<'a, T: Voxel> {
    data: ArrayView3<'a, T>,
    geometry: Geometry,
}

impl<'a, T: Voxel> VolumeView<'a, T> {
    /// A view of an array with axes **(k, j, i)**.
    pub fn from_array(data: ArrayView3<'a, T>, geometry: Geometry) -> Self {
        Self { data, geometry }
    }
    /// Dimensions (i, j, k).
    pub fn dims(&self) -> [usize; 3] {
        let (k, j, i) = self.data.dim();
        [i, j, k]
    }
    /// The geometry of the viewed voxels.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
    /// The voxel at `ijk` (relative to the view), or `None` outside it.
    pub fn get(&self, ijk: Ijk) -> Option<T> {
        self.data.get([ijk.k(), ijk.j(), ijk.i()]).copied()
    }
    /// The voxels with axes **(k, j, i)**.
    pub fn as_array(&self) -> &ArrayView3<'a, T> {
        &self.data
    }
    /// A view of `region` (relative to this view).
    ///
    /// # Errors
    /// [`Error::RegionOutOfBounds`] when the region is empty or reaches outside.
    pub fn into_region(self, region: Region) -> Result<VolumeView<'a, T>> {
        check_region(&region, self.dims())?;
        let mut data = self.data;
        slice_region(&mut data, &region);
        Ok(VolumeView {
            data,
            geometry: self.geometry.region(&region),
        })
    }
    /// A copy of the viewed voxels as a new volume.
    pub fn to_owned(&self) -> Volume<T> {
        Volume::from_array(self.data.to_owned(), self.geometry)
    }
}

/// A borrowed, writable part of a volume with its own [`Geometry`].
#[derive(Debug)]
pub struct VolumeViewMut<'a, T: Voxel> {
    data: ArrayViewMut3<'a, T>,
    geometry: Geometry,
}

impl<'a, T: Voxel> VolumeViewMut<'a, T> {
    /// A mutable view of an array with axes **(k, j, i)**.
    pub fn from_array(data: ArrayViewMut3<'a, T>, geometry: Geometry) -> Self {
        Self { data, geometry }
    }
    /// Dimensions (i, j, k).
    pub fn dims(&self) -> [usize; 3] {
        let (k, j, i) = self.data.dim();
        [i, j, k]
    }
    /// The geometry of the viewed voxels.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
    /// The voxels with axes **(k, j, i)**.
    pub fn as_array(&self) -> ArrayView3<'_, T> {
        self.data.view()
    }
    /// The voxels with axes **(k, j, i)**, mutable.
    pub fn as_array_mut(&mut self) -> &mut ArrayViewMut3<'a, T> {
        &mut self.data
    }
    /// A mutable view of `region` (relative to this view).
    ///
    /// # Errors
    /// [`Error::RegionOutOfBounds`] when the region is empty or reaches outside.
    pub fn into_region(self, region: Region) -> Result<VolumeViewMut<'a, T>> {
        check_region(&region, self.dims())?;
        let mut data = self.data;
        slice_region(&mut data, &region);
        Ok(VolumeViewMut {
            data,
            geometry: self.geometry.region(&region),
        })
    }
    /// A read-only reborrow.
    pub fn view(&self) -> VolumeView<'_, T> {
        VolumeView {
            data: self.data.view(),
            geometry: self.geometry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_too_large_for_memory_are_errors() {
        let g = Geometry::default();
        let e = Volume::<i16>::zeros([1 << 21; 3], g).unwrap_err();
        assert!(
            matches!(e, Error::OutOfMemory { bytes, .. } if bytes == 2 << 63),
            "{e}"
        );
        assert!(matches!(
            Volume::<f64>::from_fn([1 << 20, 1 << 20, 1 << 20], g, |_| 0.0),
            Err(Error::OutOfMemory { .. })
        ));
        assert!(matches!(
            Volume::<u8>::filled([usize::MAX, 2, 1], 1, g),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn the_mutable_array_keeps_its_layout() {
        let mut v =
            Volume::<i16>::from_fn([3, 2, 2], Geometry::default(), |p| p.i() as i16).unwrap();
        let mut a = v.as_array_mut();
        a.invert_axis(ndarray::Axis(2)); // only the view is flipped
        a[[0, 0, 0]] = 7;
        assert_eq!(v.as_slice()[..3], [0, 1, 7]);
    }
    use crate::{Direction, Point};
    use ndarray::ShapeBuilder;
    use proptest::prelude::*;

    fn oblique() -> Geometry {
        let c = 0.6f64;
        let s = 0.8f64;
        let d = Direction::from_rows([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, -1.0]]).unwrap();
        Geometry::new([0.9, 1.1, 2.5], Point::new(-30.0, 12.0, 40.0), d).unwrap()
    }

    #[test]
    fn shape_checks() {
        let g = Geometry::default();
        assert!(matches!(
            Volume::<u8>::from_vec([2, 2, 2], vec![0; 7], g),
            Err(Error::ShapeMismatch { len: 7, .. })
        ));
        assert!(matches!(
            Volume::<u8>::zeros([usize::MAX, 2, 2], g),
            Err(Error::TooLarge { .. })
        ));
        let v = Volume::<u8>::from_vec([2, 3, 4], (0..24).collect(), g).unwrap();
        assert_eq!(v.dims(), [2, 3, 4]);
        assert_eq!(v.as_array().dim(), (4, 3, 2));
        assert_eq!(v.get(Ijk::new(1, 2, 3)), Some(23));
        assert_eq!(v.get(Ijk::new(2, 0, 0)), None);
        assert!(v.crop(Region::new(Ijk::new(1, 0, 0), [2, 1, 1])).is_err());
        assert!(v.crop(Region::new(Ijk::new(0, 0, 0), [0, 1, 1])).is_err());
    }

    #[test]
    fn from_array_makes_standard_layout() {
        let a = Array3::from_shape_fn((2, 3, 4), |(k, j, i)| (i + 4 * j + 12 * k) as u16);
        let t = Array3::from_shape_fn((2, 3, 4).f(), |(k, j, i)| (i + 4 * j + 12 * k) as u16);
        assert!(!t.is_standard_layout());
        let v = Volume::from_array(t, Geometry::default());
        assert_eq!(v.as_slice(), a.as_slice().unwrap());
    }

    #[test]
    fn cast_saturates_and_keeps_geometry() {
        let v = Volume::<f32>::from_vec([3, 1, 1], vec![-5.0, 2.6, 300.0], oblique()).unwrap();
        let u: Volume<u8> = v.cast();
        assert_eq!(u.as_slice(), &[0, 3, 255]);
        assert_eq!(u.geometry(), v.geometry());
    }

    proptest! {
        #[test]
        fn crop_keeps_physical_positions(
            dims in proptest::array::uniform3(1usize..7),
            start in proptest::array::uniform3(0usize..7),
            size in proptest::array::uniform3(1usize..7),
        ) {
            let v = Volume::<i32>::from_fn(dims, oblique(), |p| (p.i() + 10 * p.j() + 100 * p.k()) as i32).unwrap();
            let region = Region::new(Ijk(start), size);
            match v.crop(region) {
                Ok(c) => {
                    prop_assert!(region.fits(dims));
                    for k in 0..size[2] { for j in 0..size[1] { for i in 0..size[0] {
                        let local = Ijk::new(i, j, k);
                        let global = Ijk::new(i + start[0], j + start[1], k + start[2]);
                        prop_assert_eq!(c.get(local), v.get(global));
                        let d = c.geometry().ijk_to_physical(local).distance(v.geometry().ijk_to_physical(global));
                        prop_assert!(d < 1e-9);
                    }}}
                }
                Err(_) => prop_assert!(!region.fits(dims)),
            }
        }
    }
}
