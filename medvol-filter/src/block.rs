//! [`Blocked`]: any [`Filter`] run block by block, with the same bits as a whole-volume run.

use crate::error::invalid;
use crate::filter::check_region;
use crate::{Filter, Result};
use medvol_core::ndarray::{ArrayViewMut3, Axis};
use medvol_core::par::for_each_init;
use medvol_core::{Geometry, Ijk, Region, VolumeView, VolumeViewMut, Voxel};

/// Runs a filter block by block: the output is tiled (z-slabs by default), each block's input
/// is the block grown by the filter's [`halo`](Filter::halo) and clipped at the edge of the
/// input, and blocks run in parallel in the caller's rayon pool (serially without the `rayon`
/// feature). `Blocked` is itself a [`Filter`], so it nests.
///
/// Edge rules are applied only at the input's edges, where a whole-volume run applies them too,
/// so the output is **bit-identical** to the whole-volume output for every local filter, any
/// block shape and any thread count (see [`GaussianMethod::Recursive`](crate::GaussianMethod)
/// for the one filter whose response is not finite). Extra memory is the filters' per-task
/// scratch: it grows with the block size and the thread count, not with the volume.
///
/// ```
/// use medvol_core::phantom::HeadPhantom;
/// use medvol_filter::{Blocked, Filter, Median};
///
/// let ct = HeadPhantom::new([32, 32, 20], [3.0, 3.0, 4.0])?.generate();
/// let m = Median::new([1, 1, 1])?;
/// let whole = m.apply(&ct)?;
/// let blocked = Blocked::new(m).with_block_size([7, 32, 3])?.apply(&ct)?;
/// assert_eq!(blocked, whole);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Blocked<F> {
    filter: F,
    block: Option<[usize; 3]>,
}

impl<F> Blocked<F> {
    /// Voxels per block when the block size is chosen automatically: z-slabs of at least this
    /// many voxels (one slice at least) and at least four times the filter's k halo.
    pub const AUTO_BLOCK_VOXELS: usize = 1 << 18;

    /// `filter` run in z-slabs of about [`Blocked::AUTO_BLOCK_VOXELS`] voxels.
    pub fn new(filter: F) -> Self {
        Self {
            filter,
            block: None,
        }
    }
    /// Blocks of `size` voxels along (i, j, k); the last block along an axis may be smaller.
    /// Use `usize::MAX` for a whole axis: `[usize::MAX, usize::MAX, n]` is z-slabs of `n` slices.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when a size is 0.
    pub fn with_block_size(mut self, size: [usize; 3]) -> Result<Self> {
        if size.contains(&0) {
            return Err(invalid(
                "size",
                format!("{size:?}: every size must be >= 1"),
            ));
        }
        self.block = Some(size);
        Ok(self)
    }
    /// Z-slabs of `slices` slices.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `slices` is 0.
    pub fn with_slices(self, slices: usize) -> Result<Self> {
        self.with_block_size([usize::MAX, usize::MAX, slices])
    }
    /// The wrapped filter.
    pub fn inner(&self) -> &F {
        &self.filter
    }
}

impl<T: Voxel, F: Filter<T>> Filter<T> for Blocked<F> {
    type Output = F::Output;

    fn halo(&self, geometry: &Geometry) -> [usize; 3] {
        self.filter.halo(geometry)
    }

    fn apply_region(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        mut dst: VolumeViewMut<'_, F::Output>,
    ) -> Result<()> {
        check_region(src.dims(), &region, dst.dims())?;
        let halo = self.filter.halo(src.geometry());
        let sz = region.size;
        let block = self.block.unwrap_or_else(|| {
            let slice = (sz[0] * sz[1]).max(1);
            // At least four halos thick, so the re-read context stays under half the slab.
            let slices = Self::AUTO_BLOCK_VOXELS.div_ceil(slice).max(4 * halo[2]);
            [usize::MAX, usize::MAX, slices]
        });
        let b = [0, 1, 2].map(|a| block[a].min(sz[a]));
        // Disjoint output tiles (axes k, j, i), each with its region in `src` coordinates.
        let geometry = *dst.geometry();
        let mut tiles = Vec::new();
        for (bk, slab) in split(dst.as_array_mut().view_mut(), 0, b[2])
            .into_iter()
            .enumerate()
        {
            for (bj, rows) in split(slab, 1, b[1]).into_iter().enumerate() {
                for (bi, tile) in split(rows, 2, b[0]).into_iter().enumerate() {
                    let (k, j, i) = tile.dim();
                    let start = Ijk([
                        region.start.0[0] + bi * b[0],
                        region.start.0[1] + bj * b[1],
                        region.start.0[2] + bk * b[2],
                    ]);
                    tiles.push((Region::new(start, [i, j, k]), tile));
                }
            }
        }
        let results = std::sync::Mutex::new(Vec::new());
        for_each_init(
            tiles,
            || (),
            |_, (tile_region, tile)| {
                let grown = tile_region.grow_clipped(halo, src.dims());
                // a tile lies inside `region` and inside its grown copy
                let within = |outer: &Region| {
                    tile_region
                        .relative_to(outer)
                        .ok_or(medvol_core::Error::RegionOutOfBounds {
                            region: tile_region,
                            dims: outer.size,
                        })
                };
                let r = src
                    .into_region(grown)
                    .and_then(|sub| Ok((sub, within(&region)?, within(&grown)?)))
                    .map_err(Into::into)
                    .and_then(|(sub, in_region, in_grown)| {
                        let out = VolumeViewMut::from_array(tile, geometry.region(&in_region));
                        self.filter.apply_region(sub, in_grown, out)
                    });
                if let Err(e) = r {
                    results.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                }
            },
        );
        match results
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .next()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// `v` cut along array axis `axis` into consecutive parts of `size` (the last may be smaller).
fn split<T>(mut v: ArrayViewMut3<'_, T>, axis: usize, size: usize) -> Vec<ArrayViewMut3<'_, T>> {
    let mut parts = Vec::new();
    while v.len_of(Axis(axis)) > size {
        let (head, tail) = v.split_at(Axis(axis), size);
        parts.push(head);
        v = tail;
    }
    parts.push(v);
    parts
}
