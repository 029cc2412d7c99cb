//! The [`Filter`] trait: a neighbourhood operation that can run on any box of a volume.

use crate::{Error, Result};
use medvol_core::ndarray::Axis;
use medvol_core::{Geometry, Region, Volume, VolumeView, VolumeViewMut, Voxel};

/// A filter whose output voxel depends on input voxels within a fixed box around it (its
/// *halo*), with edge rules applied at the edges of the input it is given.
///
/// [`Blocked`](crate::Blocked) wraps any filter and runs it block by block: because the edge rule
/// is applied only at the edges of `src`, and a block's input reaches the true volume edge or
/// extends `halo` voxels past the block, blocked and whole-volume outputs are the same bits.
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_filter::{Filter, Median};
///
/// let v = Volume::<u8>::from_vec([3, 1, 1], vec![9, 1, 5], Geometry::default())?;
/// let m = Median::new([1, 0, 0])?;
/// assert_eq!(Filter::<u8>::halo(&m, v.geometry()), [1, 0, 0]);
/// // Edges are replicated: medians of (9,9,1), (9,1,5), (1,5,5).
/// assert_eq!(m.apply(&v)?.as_slice(), &[9, 5, 5]);
/// # Ok::<(), medvol_filter::Error>(())
/// ```
pub trait Filter<T: Voxel>: Sync {
    /// The voxel type of the output.
    type Output: Voxel;

    /// Voxels of context needed on each side of an output voxel, per axis (i, j, k), for a
    /// volume of this geometry (filters in millimetres convert with its spacing).
    fn halo(&self, geometry: &Geometry) -> [usize; 3];

    /// Writes the output for `region` (a box inside `src`, relative to it) into `dst`, whose
    /// dimensions are `region.size`. Edge rules apply at `src`'s edges.
    ///
    /// # Errors
    /// [`Error::Core`] when the region does not fit in `src`, [`Error::OutputMismatch`] when
    /// `dst` has another size.
    fn apply_region(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        dst: VolumeViewMut<'_, Self::Output>,
    ) -> Result<()>;

    /// The filter applied to a whole volume; the output has the input's geometry.
    ///
    /// # Errors
    /// As [`Filter::apply_region`].
    fn apply(&self, src: &Volume<T>) -> Result<Volume<Self::Output>> {
        let mut out = crate::output::zeros(src.dims(), *src.geometry())?;
        if !src.is_empty() {
            self.apply_region(src.view(), Region::whole(src.dims()), out.view_mut())?;
        }
        Ok(out)
    }
}

/// Checks that `region` fits in `src` and that `dst` has its size.
pub(crate) fn check_region(src: [usize; 3], region: &Region, dst: [usize; 3]) -> Result<()> {
    if !region.fits(src) {
        return Err(medvol_core::Error::RegionOutOfBounds {
            region: *region,
            dims: src,
        }
        .into());
    }
    if dst != region.size {
        return Err(Error::OutputMismatch {
            region: region.size,
            dst,
        });
    }
    Ok(())
}

/// Runs a voxel-wise `row` function over `region` of `src` into `dst`, one i-row at a time
/// (through scratch rows where a view's rows are not contiguous), slices in parallel.
pub(crate) fn map_rows<T: Voxel, U: Voxel>(
    src: VolumeView<'_, T>,
    region: Region,
    mut dst: VolumeViewMut<'_, U>,
    row: impl Fn(&[T], &mut [U]) + Sync + Send,
) -> Result<()> {
    check_region(src.dims(), &region, dst.dims())?;
    let part = src.into_region(region)?;
    let a = part.as_array();
    medvol_core::par::for_each_slice(
        dst.as_array_mut().view_mut(),
        0,
        <(Vec<T>, Vec<U>)>::default,
        |(buf, out), k, mut slice| {
            for (j, mut d) in slice.axis_iter_mut(Axis(0)).enumerate() {
                let s = a.index_axis(Axis(0), k);
                let s = s.index_axis(Axis(0), j);
                let s = match s.as_slice() {
                    Some(s) => s,
                    None => {
                        buf.clear();
                        buf.extend(s.iter().copied());
                        &buf[..]
                    }
                };
                match d.as_slice_mut() {
                    Some(d) => row(s, d),
                    None => {
                        out.clear();
                        out.resize(s.len(), U::default());
                        row(s, out);
                        d.iter_mut().zip(out.iter()).for_each(|(d, v)| *d = *v);
                    }
                }
            }
        },
    );
    Ok(())
}
