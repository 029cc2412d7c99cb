//! Median filter over a box window with edges replicated.

use crate::error::invalid;
use crate::filter::check_region;
use crate::kernel::{self, NetKind, NetOp};
use crate::lines::{clamp, pad_line, row, with_contiguous_rows};
use crate::parallel::for_each_slice;
use crate::{Filter, Result};
use medvol_core::{Geometry, Isa, Region, Volume, VolumeView, VolumeViewMut, Voxel};

/// Median over a window of `(2r+1)` voxels per axis, edges replicated: the same values as
/// SimpleITK's `Median` and `scipy.ndimage.median_filter(mode='nearest')`.
///
/// Windows of up to [`Median::NETWORK_MAX_WINDOW`] voxels (3×3×3, 5×5×5, ...) run a min/max
/// selection network vectorised across neighbouring voxels; larger ones select per voxel.
/// Both are exact (no arithmetic on values).
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_filter::{Filter, Median};
///
/// // A lone bright voxel in a 3×3×3 block is removed; edges are replicated.
/// let mut v = Volume::<i16>::filled([3, 3, 3], 10, Geometry::default())?;
/// v.set(Ijk::new(1, 1, 1), 900)?;
/// let m = Median::new([1, 1, 1])?.apply(&v)?;
/// assert!(m.as_slice().iter().all(|&x| x == 10));
/// # Ok::<(), medvol_filter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Median {
    radius: [usize; 3],
    network: Vec<NetOp>,
    out_wire: usize,
    isa: Isa,
}

impl Median {
    /// The largest radius accepted along an axis, in voxels.
    pub const MAX_RADIUS: usize = 15;
    /// The largest window (voxels) computed with a selection network.
    pub const NETWORK_MAX_WINDOW: usize = 256;

    /// A median over `(2·radius+1)` voxels along (i, j, k); radius 1 is 3×3×3.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when a radius exceeds
    /// [`Median::MAX_RADIUS`].
    pub fn new(radius_vox: [usize; 3]) -> Result<Self> {
        if radius_vox.iter().any(|r| *r > Self::MAX_RADIUS) {
            return Err(invalid(
                "radius",
                format!(
                    "{radius_vox:?} voxels: at most {} per axis",
                    Self::MAX_RADIUS
                ),
            ));
        }
        let n = radius_vox.iter().map(|r| 2 * r + 1).product::<usize>();
        let (network, out_wire) = if n <= Self::NETWORK_MAX_WINDOW {
            median_network(n)
        } else {
            (Vec::new(), 0)
        };
        Ok(Self {
            radius: radius_vox,
            network,
            out_wire,
            isa: Isa::best(),
        })
    }
    /// The same filter run with the kernels of `isa` (for tests and benches).
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }
    /// The radius along (i, j, k), voxels.
    pub fn radius(&self) -> [usize; 3] {
        self.radius
    }
    fn window(&self) -> usize {
        self.radius.iter().map(|r| 2 * r + 1).product()
    }
}

/// A min/max network whose wire `out` ends with the median (element `(n-1)/2` in sorted order)
/// of its `n` inputs on wires `0..n`.
///
/// Built from Batcher's odd-even merge sort over the next power of two, with the missing inputs
/// taken as +∞ (compare-exchanges with them vanish or become relabellings), then pruned
/// backwards to the operations the median depends on.
pub(crate) fn median_network(n: usize) -> (Vec<NetOp>, usize) {
    let size = n.next_power_of_two();
    let mut pairs = Vec::new();
    let mut p = 1;
    while p < size {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < size {
                for i in 0..k.min(size - j - k) {
                    if (i + j) / (2 * p) == (i + j + k) / (2 * p) {
                        pairs.push((i + j, i + j + k));
                    }
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    // Forward: logical wire -> physical buffer, and which logical wires hold +∞.
    let mut label: Vec<usize> = (0..size).collect();
    let mut top: Vec<bool> = (0..size).map(|w| w >= n).collect();
    let mut ops = Vec::new();
    for (a, b) in pairs {
        match (top[a], top[b]) {
            (_, true) => {}
            (true, false) => {
                label.swap(a, b);
                top.swap(a, b);
            }
            (false, false) => ops.push((label[a], label[b])),
        }
    }
    let out = label[(n - 1) / 2];
    // Backward: keep what the output depends on, and only the half of an exchange that is read.
    let mut needed = vec![false; size];
    needed[out] = true;
    let mut kept = Vec::new();
    for &(a, b) in ops.iter().rev() {
        let kind = match (needed[a], needed[b]) {
            (false, false) => continue,
            (true, true) => NetKind::MinMax,
            (true, false) => NetKind::Min,
            (false, true) => NetKind::Max,
        };
        needed[a] = true;
        needed[b] = true;
        kept.push(NetOp {
            kind,
            a: a as u16,
            b: b as u16,
        });
    }
    kept.reverse();
    (kept, out)
}

/// Per-task buffers.
struct MedianScratch<T> {
    /// Padded source rows of the window, one per (dk, dj).
    rows: Vec<T>,
    /// Network wires (window × chunk) or one window of values.
    wires: Vec<T>,
}

impl<T: Voxel> Filter<T> for Median {
    type Output = T;

    fn halo(&self, _geometry: &Geometry) -> [usize; 3] {
        self.radius
    }

    fn apply_region(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        mut dst: VolumeViewMut<'_, T>,
    ) -> Result<()> {
        check_region(src.dims(), &region, dst.dims())?;
        with_contiguous_rows(src, |src| {
            let dims = src.dims();
            let a = *src.as_array();
            let [ri, rj, rk] = self.radius;
            let (st, sz) = (region.start.0, region.size);
            let plen = sz[0] + 2 * ri;
            let nrows = (2 * rj + 1) * (2 * rk + 1);
            let n = self.window();
            let use_net = n <= Self::NETWORK_MAX_WINDOW;
            // Chunk of positions per network run: wires of about 32 KiB.
            let chunk = if use_net {
                (32768 / (n * size_of::<T>())).clamp(8, 256) / 8 * 8
            } else {
                1
            };
            let init = || MedianScratch {
                rows: vec![T::default(); nrows * plen],
                wires: vec![T::default(); n * chunk],
            };
            for_each_slice(
                dst.as_array_mut().view_mut(),
                0,
                init,
                |sc, kk, mut dslice| {
                    let k = (st[2] + kk) as isize;
                    for jj in 0..sz[1] {
                        let j = (st[1] + jj) as isize;
                        let mut q = 0;
                        for dk in -(rk as isize)..=rk as isize {
                            for dj in -(rj as isize)..=rj as isize {
                                let line = row(
                                    &a,
                                    clamp(k + dk, dims[2]),
                                    clamp(j + dj, dims[1]),
                                    0..dims[0],
                                );
                                pad_line(
                                    line,
                                    st[0] as isize - ri as isize,
                                    &mut sc.rows[q * plen..(q + 1) * plen],
                                );
                                q += 1;
                            }
                        }
                        let mut drow = dslice.row_mut(jj);
                        let mut x0 = 0;
                        while x0 < sz[0] {
                            let len = chunk.min(sz[0] - x0);
                            if use_net {
                                let mut w = 0;
                                for q in 0..nrows {
                                    let prow = &sc.rows[q * plen..(q + 1) * plen];
                                    for di in 0..=2 * ri {
                                        sc.wires[w * len..(w + 1) * len]
                                            .copy_from_slice(&prow[x0 + di..x0 + di + len]);
                                        w += 1;
                                    }
                                }
                                kernel::network(
                                    self.isa,
                                    &self.network,
                                    &mut sc.wires[..n * len],
                                    len,
                                );
                                let res = &sc.wires[self.out_wire * len..(self.out_wire + 1) * len];
                                for (d, v) in drow
                                    .slice_mut(medvol_core::ndarray::s![x0..x0 + len])
                                    .iter_mut()
                                    .zip(res)
                                {
                                    *d = *v;
                                }
                            } else {
                                let win = &mut sc.wires;
                                win.clear();
                                for q in 0..nrows {
                                    win.extend_from_slice(
                                        &sc.rows[q * plen + x0..q * plen + x0 + 2 * ri + 1],
                                    );
                                }
                                let mid = (n - 1) / 2;
                                let (_, m, _) = win.select_nth_unstable_by(mid, |x, y| {
                                    x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal)
                                });
                                drow[x0] = *m;
                            }
                            x0 += len;
                        }
                    }
                },
            );
            Ok(())
        })
    }
}

/// Median over `(2·radius_vox+1)³` voxels (radius 1 is 3×3×3), edges replicated.
///
/// # Errors
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `radius_vox` exceeds
/// [`Median::MAX_RADIUS`].
pub fn median<T: Voxel>(volume: &Volume<T>, radius_vox: usize) -> Result<Volume<T>> {
    Median::new([radius_vox; 3])?.apply(volume)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run_network(n: usize, vals: &[i32]) -> i32 {
        let (ops, out) = median_network(n);
        let mut wires = vals.to_vec();
        wires.resize(n.next_power_of_two(), 0);
        kernel::network(Isa::Scalar, &ops, &mut wires, 1);
        wires[out]
    }

    proptest! {
        #[test]
        fn network_selects_the_median(n in 1usize..=150, seed in 0u64..1000) {
            let mut s = seed * 2654435761 + 1;
            let vals: Vec<i32> = (0..n).map(|_| { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((s >> 33) % 50) as i32 }).collect();
            let mut sorted = vals.clone();
            sorted.sort();
            prop_assert_eq!(run_network(n, &vals), sorted[(n - 1) / 2]);
        }
    }

    #[test]
    fn network_sizes() {
        // 3×3×3 and 5×5×5 windows stay small enough to be fast.
        assert!(median_network(27).0.len() < 200);
        assert!(median_network(125).0.len() < 1500);
    }

    #[test]
    fn rejects_large_radius() {
        assert!(Median::new([16, 1, 1]).is_err());
    }
}
