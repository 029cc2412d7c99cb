//! Index and coordinate newtypes: voxel indices and physical points never mix.
//!
//! [`Ijk`] and [`ContinuousIndex`] count voxels along the volume's (i, j, k) axes;
//! [`Point`] and [`Vector`] are LPS millimetres. They are distinct types, so a point
//! cannot be passed where an index is expected:
//!
//! ```compile_fail
//! use medvol_core::{Geometry, Point};
//! let g = Geometry::default();
//! // A physical point is not a voxel index: this does not compile.
//! let _ = g.index_to_physical(Point::new(1.0, 2.0, 3.0));
//! ```

use std::ops::{Add, Mul, Sub};

/// An integer voxel index `(i, j, k)`: `i` runs along rows (contiguous in memory), `k` across slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Ijk(pub [usize; 3]);

impl Ijk {
    /// The index `(i, j, k)`.
    pub const fn new(i: usize, j: usize, k: usize) -> Self {
        Self([i, j, k])
    }
    /// Index along the row direction.
    pub const fn i(self) -> usize {
        self.0[0]
    }
    /// Index along the column direction.
    pub const fn j(self) -> usize {
        self.0[1]
    }
    /// Index along the slice direction.
    pub const fn k(self) -> usize {
        self.0[2]
    }
    /// The same index as a continuous index (voxel centre).
    pub fn to_continuous(self) -> ContinuousIndex {
        ContinuousIndex(self.0.map(|v| v as f64))
    }
}

/// A continuous voxel index `(i, j, k)`: integer values are voxel centres.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ContinuousIndex(pub [f64; 3]);

impl ContinuousIndex {
    /// The continuous index `(i, j, k)`.
    pub const fn new(i: f64, j: f64, k: f64) -> Self {
        Self([i, j, k])
    }
    /// The nearest integer index, or `None` when a component is negative, NaN or
    /// rounds outside `dims`.
    pub fn round_to_ijk(self, dims: [usize; 3]) -> Option<Ijk> {
        let mut out = [0usize; 3];
        for a in 0..3 {
            let r = self.0[a].round();
            if !(r >= 0.0 && r < dims[a] as f64) {
                return None;
            }
            out[a] = r as usize;
        }
        Some(Ijk(out))
    }
}

/// A physical position in DICOM patient coordinates (LPS), in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point(pub [f64; 3]);

impl Point {
    /// The point `(x, y, z)` in LPS millimetres.
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Self([x, y, z])
    }
    /// The origin of patient coordinates.
    pub const ORIGIN: Point = Point([0.0; 3]);
    /// Euclidean distance to `other`, in millimetres.
    pub fn distance(self, other: Point) -> f64 {
        (self - other).norm()
    }
}

/// A physical displacement in LPS millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Vector(pub [f64; 3]);

impl Vector {
    /// The vector `(x, y, z)` in LPS millimetres.
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Self([x, y, z])
    }
    /// Dot product.
    #[inline]
    pub fn dot(self, o: Vector) -> f64 {
        self.0[0] * o.0[0] + self.0[1] * o.0[1] + self.0[2] * o.0[2]
    }
    /// Cross product `self × o`.
    #[inline]
    pub fn cross(self, o: Vector) -> Vector {
        let [a0, a1, a2] = self.0;
        let [b0, b1, b2] = o.0;
        Vector([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])
    }
    /// Euclidean length, in millimetres.
    #[inline]
    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }
}

impl Sub for Point {
    type Output = Vector;
    #[inline]
    fn sub(self, o: Point) -> Vector {
        Vector([self.0[0] - o.0[0], self.0[1] - o.0[1], self.0[2] - o.0[2]])
    }
}

impl Add<Vector> for Point {
    type Output = Point;
    #[inline]
    fn add(self, v: Vector) -> Point {
        Point([self.0[0] + v.0[0], self.0[1] + v.0[1], self.0[2] + v.0[2]])
    }
}

impl Add for Vector {
    type Output = Vector;
    #[inline]
    fn add(self, v: Vector) -> Vector {
        Vector([self.0[0] + v.0[0], self.0[1] + v.0[1], self.0[2] + v.0[2]])
    }
}

impl Sub for Vector {
    type Output = Vector;
    #[inline]
    fn sub(self, v: Vector) -> Vector {
        Vector([self.0[0] - v.0[0], self.0[1] - v.0[1], self.0[2] - v.0[2]])
    }
}

impl Mul<f64> for Vector {
    type Output = Vector;
    #[inline]
    fn mul(self, s: f64) -> Vector {
        Vector(self.0.map(|v| v * s))
    }
}

/// A box of voxels: `start` (inclusive) and `size`, both in (i, j, k).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// First voxel of the box.
    pub start: Ijk,
    /// Number of voxels along i, j and k.
    pub size: [usize; 3],
}

impl Region {
    /// The region starting at `start` with `size` voxels along (i, j, k).
    pub const fn new(start: Ijk, size: [usize; 3]) -> Self {
        Self { start, size }
    }
    /// The whole of a volume of dimensions `dims`.
    pub const fn whole(dims: [usize; 3]) -> Self {
        Self {
            start: Ijk([0; 3]),
            size: dims,
        }
    }
    /// One past the last voxel along each axis (saturating at `usize::MAX`).
    pub fn end(&self) -> [usize; 3] {
        [0, 1, 2].map(|a| self.start.0[a].saturating_add(self.size[a]))
    }
    /// Number of voxels in the region (saturating at `usize::MAX`).
    pub fn len(&self) -> usize {
        self.size
            .iter()
            .try_fold(1usize, |n, s| n.checked_mul(*s))
            .unwrap_or(usize::MAX)
    }
    /// `true` when the region holds no voxel.
    pub fn is_empty(&self) -> bool {
        self.size.contains(&0)
    }
    /// `true` when the region is non-empty and lies inside a volume of dimensions `dims`.
    pub fn fits(&self, dims: [usize; 3]) -> bool {
        !self.is_empty()
            && (0..3).all(|a| {
                self.start.0[a]
                    .checked_add(self.size[a])
                    .is_some_and(|e| e <= dims[a])
            })
    }
    /// `true` when `ijk` lies inside the region.
    pub fn contains(&self, ijk: Ijk) -> bool {
        (0..3).all(|a| {
            ijk.0[a]
                .checked_sub(self.start.0[a])
                .is_some_and(|d| d < self.size[a])
        })
    }
    /// The region grown by `halo` voxels on each side, clipped to a volume of dimensions `dims`.
    pub fn grow_clipped(&self, halo: [usize; 3], dims: [usize; 3]) -> Region {
        let mut start = [0; 3];
        let mut size = [0; 3];
        for a in 0..3 {
            let lo = self.start.0[a].saturating_sub(halo[a]);
            let hi = self.start.0[a]
                .saturating_add(self.size[a])
                .saturating_add(halo[a])
                .min(dims[a]);
            start[a] = lo;
            size[a] = hi.saturating_sub(lo);
        }
        Region {
            start: Ijk(start),
            size,
        }
    }
    /// This region expressed relative to `outer`'s start, or `None` when it starts before
    /// `outer` along some axis.
    ///
    /// ```
    /// use medvol_core::{Ijk, Region};
    /// let outer = Region::new(Ijk::new(2, 2, 2), [10, 10, 10]);
    /// let inner = Region::new(Ijk::new(5, 2, 3), [2, 2, 2]);
    /// assert_eq!(inner.relative_to(&outer), Some(Region::new(Ijk::new(3, 0, 1), [2, 2, 2])));
    /// assert_eq!(outer.relative_to(&inner), None);
    /// ```
    pub fn relative_to(&self, outer: &Region) -> Option<Region> {
        let mut start = [0; 3];
        for (a, s) in start.iter_mut().enumerate() {
            *s = self.start.0[a].checked_sub(outer.start.0[a])?;
        }
        Some(Region {
            start: Ijk(start),
            size: self.size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_arithmetic_saturates_instead_of_overflowing() {
        let far = Region::new(Ijk::new(usize::MAX, 0, 0), [2, 1, 1]);
        assert_eq!(far.end(), [usize::MAX, 1, 1]);
        assert!(!far.fits([usize::MAX, 1, 1]));
        assert!(far.contains(Ijk::new(usize::MAX, 0, 0)));
        assert!(!far.contains(Ijk::new(0, 0, 0)));
        assert_eq!(Region::whole([usize::MAX, 2, 1]).len(), usize::MAX);
        let g = far.grow_clipped([3, 3, 3], [usize::MAX, 4, 4]);
        assert_eq!(g.start, Ijk::new(usize::MAX - 3, 0, 0));
        assert_eq!(g.size, [3, 4, 4]);
    }
}
