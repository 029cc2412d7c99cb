//! Physical geometry of a voxel grid: spacing, origin and direction, in LPS millimetres.

use crate::affine::{det3, invert3};
use crate::{Affine, ContinuousIndex, Error, Ijk, Point, Region, Result, Vector};

/// A 3x3 rotation-like matrix whose **columns** are the unit vectors of the i, j and k axes
/// in patient coordinates (LPS).
///
/// It is checked to be orthonormal within [`Direction::TOLERANCE`]; reflections (determinant -1)
/// are allowed, as scanners produce left-handed stacks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Direction {
    /// Row-major: `m[r][c]`, column `c` is the unit vector of axis `c`.
    m: [[f64; 3]; 3],
}

impl Direction {
    /// The largest deviation of `DᵀD` from the identity that [`Direction::from_rows`] accepts.
    ///
    /// DICOM stores orientation cosines as decimal strings of up to 16 characters, and some
    /// scanners write only five or six digits; `1e-3` accepts those and refuses anything skewed.
    pub const TOLERANCE: f64 = 1e-3;

    /// The identity: i along L (x), j along P (y), k along S (z).
    pub const IDENTITY: Direction = Direction {
        m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    };

    /// A direction from its rows (`rows[r][c]`, column `c` = axis `c`).
    ///
    /// # Errors
    /// [`Error::InvalidDirection`] when an entry is not finite or the matrix is not orthonormal
    /// within [`Direction::TOLERANCE`].
    pub fn from_rows(rows: [[f64; 3]; 3]) -> Result<Self> {
        if rows.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::InvalidDirection {
                reason: format!("non-finite entry in {rows:?}"),
            });
        }
        let dev = orthonormal_deviation(&rows);
        if dev > Self::TOLERANCE {
            return Err(Error::InvalidDirection {
                reason: format!(
                    "|DᵀD - I| = {dev:.3e} exceeds {:.0e} in {rows:?}",
                    Self::TOLERANCE
                ),
            });
        }
        Ok(Self { m: rows })
    }

    /// A direction from nine numbers in row-major order, as SimpleITK's `GetDirection()`.
    ///
    /// # Errors
    /// As [`Direction::from_rows`].
    pub fn from_row_major(d: [f64; 9]) -> Result<Self> {
        Self::from_rows([[d[0], d[1], d[2]], [d[3], d[4], d[5]], [d[6], d[7], d[8]]])
    }

    /// A direction from the unit vectors of the i, j and k axes.
    ///
    /// # Errors
    /// As [`Direction::from_rows`].
    pub fn from_columns(i: Vector, j: Vector, k: Vector) -> Result<Self> {
        let c = [i.0, j.0, k.0];
        Self::from_rows([0, 1, 2].map(|r| [c[0][r], c[1][r], c[2][r]]))
    }

    /// The orthonormal matrix closest to `rows` (polar decomposition), with the largest
    /// absolute change of an entry, so callers can warn about sheared input.
    ///
    /// # Errors
    /// [`Error::InvalidDirection`] when `rows` is singular or not finite. Singular means
    /// axes (columns) that are nearly coplanar, whatever their lengths: a sform of 1 µm
    /// voxels is as good as one of 1 mm voxels.
    pub fn nearest_orthonormal(rows: [[f64; 3]; 3]) -> Result<(Self, f64)> {
        // columns scaled to unit length: the singularity test, the starting point of the
        // iteration (which then converges in a few steps) and the reference for the change
        let mut normalized = rows;
        for c in 0..3 {
            let n = (0..3).map(|r| rows[r][c] * rows[r][c]).sum::<f64>().sqrt();
            for row in normalized.iter_mut() {
                row[c] /= n;
            }
        }
        let det = det3(&normalized);
        if !det.is_finite() || det.abs() < 1e-12 {
            return Err(Error::InvalidDirection {
                reason: format!("singular matrix {rows:?}"),
            });
        }
        // Newton iteration for the orthogonal polar factor: Q <- (Q + Q^-T) / 2.
        let mut q = normalized;
        for _ in 0..100 {
            let inv = invert3(&q).ok_or_else(|| Error::InvalidDirection {
                reason: format!("singular matrix {rows:?}"),
            })?;
            let mut next = q;
            let mut change: f64 = 0.0;
            for r in 0..3 {
                for c in 0..3 {
                    next[r][c] = 0.5 * (q[r][c] + inv[c][r]);
                    change = change.max((next[r][c] - q[r][c]).abs());
                }
            }
            q = next;
            if change < 1e-15 {
                break;
            }
        }
        let diff = (0..3)
            .flat_map(|r| (0..3).map(move |c| (r, c)))
            .map(|(r, c)| (q[r][c] - normalized[r][c]).abs())
            .fold(0.0, f64::max);
        Ok((Self { m: q }, diff))
    }

    /// The rows of the matrix (`rows()[r][c]`, column `c` = axis `c`).
    pub fn rows(&self) -> [[f64; 3]; 3] {
        self.m
    }

    /// The nine entries in row-major order, as SimpleITK's `GetDirection()`.
    pub fn to_row_major(&self) -> [f64; 9] {
        let m = &self.m;
        [
            m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2],
        ]
    }

    /// The unit vector of axis `a` (0 = i, 1 = j, 2 = k).
    ///
    /// # Panics
    /// When `a > 2`.
    pub fn axis(&self, a: usize) -> Vector {
        Vector([self.m[0][a], self.m[1][a], self.m[2][a]])
    }

    /// The determinant: +1 for right-handed axes, -1 for left-handed ones.
    pub fn determinant(&self) -> f64 {
        det3(&self.m)
    }
}

impl Default for Direction {
    fn default() -> Self {
        Self::IDENTITY
    }
}

/// Where a voxel grid lies in the patient: spacing (mm), origin (LPS mm, centre of voxel
/// (0, 0, 0)) and [`Direction`].
///
/// `physical = origin + direction · (spacing ⊙ index)`.
///
/// ```
/// use medvol_core::{ContinuousIndex, Direction, Geometry, Point};
///
/// let g = Geometry::new([0.5, 0.5, 2.0], Point::new(-10.0, 20.0, 5.0), Direction::IDENTITY)?;
/// let p = g.index_to_physical(ContinuousIndex::new(2.0, 4.0, 1.0));
/// assert_eq!(p, Point::new(-9.0, 22.0, 7.0));
/// let back = g.physical_to_index(p);
/// assert!((back.0[2] - 1.0).abs() < 1e-12);
/// # Ok::<(), medvol_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    spacing: [f64; 3],
    origin: Point,
    direction: Direction,
    /// Inverse of `direction · diag(spacing)`, row-major.
    inverse: [[f64; 3]; 3],
}

impl Default for Geometry {
    /// Unit spacing, origin at 0, identity direction.
    fn default() -> Self {
        Self::from_valid([1.0; 3], Point::ORIGIN, Direction::IDENTITY)
    }
}

impl Geometry {
    /// The spacings (mm) a geometry accepts: from a picometre to a thousand kilometres, so that
    /// the index-to-physical map and its inverse are exact to `f64` rounding.
    pub const SPACING_RANGE: std::ops::RangeInclusive<f64> = 1e-9..=1e9;

    /// A geometry from spacing (mm, along i, j, k), origin (LPS mm) and direction.
    ///
    /// # Errors
    /// [`Error::InvalidSpacing`] when a spacing is outside [`Geometry::SPACING_RANGE`] (or NaN),
    /// [`Error::InvalidOrigin`] when the origin is not finite.
    pub fn new(spacing: [f64; 3], origin: Point, direction: Direction) -> Result<Self> {
        check_spacing(spacing)?;
        if origin.0.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidOrigin { origin: origin.0 });
        }
        Ok(Self::from_valid(spacing, origin, direction))
    }

    fn from_valid(spacing: [f64; 3], origin: Point, direction: Direction) -> Self {
        let mut a = direction.m;
        for row in a.iter_mut() {
            for c in 0..3 {
                row[c] *= spacing[c];
            }
        }
        // A validated direction is within 1e-3 of orthonormal and spacing is in
        // SPACING_RANGE, so the matrix is invertible (|det| >= 1e-27 or so).
        let inverse = invert3(&a).unwrap_or([[0.0; 3]; 3]);
        Self {
            spacing,
            origin,
            direction,
            inverse,
        }
    }

    /// Voxel spacing along (i, j, k), millimetres.
    pub fn spacing(&self) -> [f64; 3] {
        self.spacing
    }
    /// Centre of voxel (0, 0, 0), LPS millimetres.
    pub fn origin(&self) -> Point {
        self.origin
    }
    /// Axis directions.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The same geometry with another spacing (origin and direction kept).
    ///
    /// # Errors
    /// [`Error::InvalidSpacing`] as in [`Geometry::new`].
    pub fn with_spacing(&self, spacing: [f64; 3]) -> Result<Self> {
        Self::new(spacing, self.origin, self.direction)
    }
    /// The same geometry with another origin.
    ///
    /// # Errors
    /// [`Error::InvalidOrigin`] when the origin is not finite.
    pub fn with_origin(&self, origin: Point) -> Result<Self> {
        Self::new(self.spacing, origin, self.direction)
    }
    /// The same geometry with another direction.
    pub fn with_direction(&self, direction: Direction) -> Self {
        Self::from_valid(self.spacing, self.origin, direction)
    }

    /// Volume of one voxel, mm³.
    pub fn voxel_volume(&self) -> f64 {
        self.spacing.iter().product()
    }

    /// The physical step (LPS mm) of one voxel along axis `a` (0 = i, 1 = j, 2 = k).
    ///
    /// # Panics
    /// When `a > 2`.
    pub fn axis_step(&self, a: usize) -> Vector {
        self.direction.axis(a) * self.spacing[a]
    }

    /// Physical position (LPS mm) of a continuous index.
    pub fn index_to_physical(&self, index: ContinuousIndex) -> Point {
        let m = &self.direction.m;
        let s = [0, 1, 2].map(|a| index.0[a] * self.spacing[a]);
        Point(
            [0, 1, 2].map(|r| self.origin.0[r] + m[r][0] * s[0] + m[r][1] * s[1] + m[r][2] * s[2]),
        )
    }

    /// Physical position (LPS mm) of the centre of voxel `ijk`.
    pub fn ijk_to_physical(&self, ijk: Ijk) -> Point {
        self.index_to_physical(ijk.to_continuous())
    }

    /// The continuous index of a physical position (LPS mm); the inverse of
    /// [`Geometry::index_to_physical`].
    pub fn physical_to_index(&self, p: Point) -> ContinuousIndex {
        let d = p - self.origin;
        let inv = &self.inverse;
        ContinuousIndex(
            [0, 1, 2].map(|r| inv[r][0] * d.0[0] + inv[r][1] * d.0[1] + inv[r][2] * d.0[2]),
        )
    }

    /// Centres of the 8 corner voxels of a grid of `dims` (i, j, k), LPS mm, with `i` varying
    /// fastest: (0,0,0), (n_i-1,0,0), (0,n_j-1,0), (n_i-1,n_j-1,0), then the same at k = n_k-1.
    pub fn corners(&self, dims: [usize; 3]) -> [Point; 8] {
        let last = dims.map(|d| d.saturating_sub(1) as f64);
        std::array::from_fn(|c| {
            let idx = [0, 1, 2].map(|a| if c >> a & 1 == 1 { last[a] } else { 0.0 });
            self.index_to_physical(ContinuousIndex(idx))
        })
    }

    /// Axis-aligned (LPS) bounding box `(min, max)` of the voxel centres of a grid of `dims`.
    pub fn bounding_box(&self, dims: [usize; 3]) -> (Point, Point) {
        let corners = self.corners(dims);
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for c in corners {
            for a in 0..3 {
                lo[a] = lo[a].min(c.0[a]);
                hi[a] = hi[a].max(c.0[a]);
            }
        }
        (Point(lo), Point(hi))
    }

    /// The geometry of a sub-grid starting at voxel `region.start`: same spacing and direction,
    /// origin moved so every voxel keeps its physical position.
    pub fn region(&self, region: &Region) -> Geometry {
        let origin = self.ijk_to_physical(region.start);
        Self::from_valid(self.spacing, origin, self.direction)
    }

    /// The affine mapping voxel index (i, j, k) to LPS millimetres: linear part
    /// `direction · diag(spacing)`, translation `origin`.
    ///
    /// ```
    /// use medvol_core::{ContinuousIndex, Direction, Frame, Geometry, Point};
    ///
    /// let g = Geometry::new([0.5, 0.5, 2.0], Point::new(-10.0, 20.0, 5.0), Direction::IDENTITY)?;
    /// let a = g.affine();
    /// let idx = ContinuousIndex::new(2.0, 4.0, 1.0);
    /// assert_eq!(a.apply_index(idx), g.index_to_physical(idx));
    /// // NIfTI's sform is the same map into RAS: x and y rows negated.
    /// assert_eq!(a.in_frame(Frame::Ras).to_array()[0], [-0.5, 0.0, 0.0, 10.0]);
    /// assert!(Geometry::from_affine(&a)?.approx_eq(&g, 1e-12));
    /// # Ok::<(), medvol_core::Error>(())
    /// ```
    pub fn affine(&self) -> Affine {
        let m = &self.direction.m;
        let linear = [0, 1, 2].map(|r| [0, 1, 2].map(|c| m[r][c] * self.spacing[c]));
        Affine::from_parts(linear, self.origin - Point::ORIGIN)
    }

    /// The geometry whose [`affine`](Geometry::affine) is `a`: spacing = the lengths of its
    /// columns, direction = the columns scaled to unit length, origin = its translation.
    ///
    /// # Errors
    /// [`Error::InvalidAffine`] when `a` is not a finite affine, a column has zero length,
    /// or the columns are not orthogonal within [`Direction::TOLERANCE`] (a sheared grid:
    /// [`Geometry::closest_to_affine`] gives the nearest voxel grid and says how far it is);
    /// [`Error::InvalidSpacing`] when a column length is outside
    /// [`Geometry::SPACING_RANGE`].
    pub fn from_affine(a: &Affine) -> Result<Self> {
        a.check()?;
        let spacing = [0, 1, 2].map(|c| a.column(c).norm());
        if let Some(c) = spacing.iter().position(|s| *s == 0.0) {
            return Err(Error::InvalidAffine {
                reason: format!("column {c} has zero length in {:?}", a.to_array()),
            });
        }
        check_spacing(spacing)?;
        let [i, j, k] = [0, 1, 2].map(|c| a.column(c) * (1.0 / spacing[c]));
        let direction = Direction::from_columns(i, j, k).map_err(|e| Error::InvalidAffine {
            reason: format!(
                "the columns are not orthogonal (a sheared grid, largest |cos| between axes {:.3e}): {e}",
                [(i, j), (i, k), (j, k)].iter().map(|(u, v)| u.dot(*v).abs()).fold(0.0, f64::max)
            ),
        })?;
        Self::new(spacing, Point(a.translation().0), direction)
    }

    /// The voxel grid closest to a possibly sheared affine: spacing = column lengths,
    /// direction = the orthonormal matrix closest to the normalised columns (polar
    /// decomposition), origin = translation; with the largest change of a direction entry
    /// (0 for a rigid affine), so callers can warn about shear.
    ///
    /// # Errors
    /// [`Error::InvalidAffine`] when `a` is not a finite affine, [`Error::InvalidDirection`]
    /// when its columns are (nearly) coplanar, [`Error::InvalidSpacing`] when a column length
    /// is outside [`Geometry::SPACING_RANGE`].
    pub fn closest_to_affine(a: &Affine) -> Result<(Self, f64)> {
        a.check()?;
        let spacing = [0, 1, 2].map(|c| a.column(c).norm());
        let (direction, change) = Direction::nearest_orthonormal(a.linear())?;
        let g = Self::new(spacing, Point(a.translation().0), direction)?;
        Ok((g, change))
    }

    /// `true` when spacing, origin (mm) and direction entries all differ by at most `tol`.
    pub fn approx_eq(&self, other: &Geometry, tol: f64) -> bool {
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol);
        close(&self.spacing, &other.spacing)
            && close(&self.origin.0, &other.origin.0)
            && close(
                &self.direction.to_row_major(),
                &other.direction.to_row_major(),
            )
    }
}

fn check_spacing(spacing: [f64; 3]) -> Result<()> {
    if spacing.iter().all(|s| Geometry::SPACING_RANGE.contains(s)) {
        Ok(())
    } else {
        Err(Error::InvalidSpacing { spacing })
    }
}

fn orthonormal_deviation(m: &[[f64; 3]; 3]) -> f64 {
    let mut dev: f64 = 0.0;
    for a in 0..3 {
        for b in 0..3 {
            let dot: f64 = (0..3).map(|r| m[r][a] * m[r][b]).sum();
            let want = if a == b { 1.0 } else { 0.0 };
            dev = dev.max((dot - want).abs());
        }
    }
    dev
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rotation(ax: f64, ay: f64, az: f64, flip: [bool; 3]) -> Direction {
        let (sx, cx) = ax.sin_cos();
        let (sy, cy) = ay.sin_cos();
        let (sz, cz) = az.sin_cos();
        let rx = [[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]];
        let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let rz = [[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]];
        let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
            let mut o = [[0.0; 3]; 3];
            for r in 0..3 {
                for c in 0..3 {
                    o[r][c] = (0..3).map(|t| a[r][t] * b[t][c]).sum();
                }
            }
            o
        };
        let mut m = mul(mul(rz, ry), rx);
        for (c, f) in flip.iter().enumerate() {
            if *f {
                for row in m.iter_mut() {
                    row[c] = -row[c];
                }
            }
        }
        Direction::from_rows(m).unwrap()
    }

    proptest! {
        #[test]
        fn index_physical_round_trip(
            ax in -3.2f64..3.2, ay in -3.2f64..3.2, az in -3.2f64..3.2,
            flip in proptest::array::uniform3(any::<bool>()),
            sp in proptest::array::uniform3(0.05f64..8.0),
            o in proptest::array::uniform3(-500f64..500.0),
            idx in proptest::array::uniform3(-50f64..600.0),
        ) {
            let g = Geometry::new(sp, Point(o), rotation(ax, ay, az, flip)).unwrap();
            let p = g.index_to_physical(ContinuousIndex(idx));
            let back = g.physical_to_index(p);
            for a in 0..3 {
                prop_assert!((back.0[a] - idx[a]).abs() < 1e-9, "{:?} vs {:?}", back, idx);
            }
            // The distance between neighbours along an axis is that axis' spacing.
            for a in 0..3 {
                let mut n = idx;
                n[a] += 1.0;
                let d = g.index_to_physical(ContinuousIndex(n)).distance(p);
                prop_assert!((d - sp[a]).abs() < 1e-9);
            }
        }

        #[test]
        fn affine_round_trips_through_geometry(
            ax in -3.2f64..3.2, ay in -3.2f64..3.2, az in -3.2f64..3.2,
            flip in proptest::array::uniform3(any::<bool>()),
            sp in proptest::array::uniform3(0.05f64..8.0),
            o in proptest::array::uniform3(-500f64..500.0),
            idx in proptest::array::uniform3(-50f64..600.0),
        ) {
            let g = Geometry::new(sp, Point(o), rotation(ax, ay, az, flip)).unwrap();
            let a = g.affine();
            let p = g.index_to_physical(ContinuousIndex(idx));
            prop_assert!(a.apply_index(ContinuousIndex(idx)).distance(p) < 1e-9);
            prop_assert!((a.det3() - g.direction().determinant() * g.voxel_volume()).abs() < 1e-9 * g.voxel_volume());
            let back = Geometry::from_affine(&a).unwrap();
            prop_assert!(back.approx_eq(&g, 1e-12), "{:?} vs {:?}", back, g);
            let (closest, change) = Geometry::closest_to_affine(&a).unwrap();
            prop_assert!(closest.approx_eq(&g, 1e-9) && change < 1e-9);
            // The inverse affine is physical_to_index.
            let i = a.inverse().unwrap().apply_point(p);
            let j = g.physical_to_index(p);
            for k in 0..3 {
                prop_assert!((i.0[k] - j.0[k]).abs() < 1e-9);
            }
        }

        #[test]
        fn nearest_orthonormal_recovers_rotation(
            ax in -3.2f64..3.2, ay in -3.2f64..3.2, az in -3.2f64..3.2,
            shear in -0.2f64..0.2,
        ) {
            let d = rotation(ax, ay, az, [false, true, false]);
            let mut m = d.rows();
            // Scale columns and shear slightly: the closest orthonormal matrix is near d.
            for row in m.iter_mut() { row[0] *= 3.0; row[2] += shear * row[1]; }
            let (q, _) = Direction::nearest_orthonormal(m).unwrap();
            prop_assert!(orthonormal_deviation(&q.rows()) < 1e-12);
            if shear == 0.0 {
                for (a, b) in q.to_row_major().iter().zip(d.to_row_major()) {
                    prop_assert!((a - b).abs() < 1e-9);
                }
            }
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            Geometry::new([1.0, 0.0, 1.0], Point::ORIGIN, Direction::IDENTITY),
            Err(Error::InvalidSpacing { .. })
        ));
        assert!(Geometry::new([1.0, f64::NAN, 1.0], Point::ORIGIN, Direction::IDENTITY).is_err());
        // spacings whose inverse map would underflow or overflow
        for s in [1e-200, 1e-10, 2e9, 1e200] {
            assert!(matches!(
                Geometry::new([1.0, s, 1.0], Point::ORIGIN, Direction::IDENTITY),
                Err(Error::InvalidSpacing { .. })
            ));
        }
        for s in [1e-9, 1e9] {
            let d = Direction::from_rows([[0.0, 0.6, 0.8], [0.0, 0.8, -0.6], [-1.0, 0.0, 0.0]])
                .unwrap();
            let g = Geometry::new([s; 3], Point::new(1.0, 2.0, 3.0), d).unwrap();
            let c = ContinuousIndex::new(1.0, 2.0, 3.0);
            let back = g.physical_to_index(g.index_to_physical(c));
            assert!(
                (0..3).all(|a| (back.0[a] - c.0[a]).abs() < 1e-6),
                "{s}: {back:?}"
            );
        }
        assert!(
            Geometry::new(
                [1.0; 3],
                Point::new(f64::INFINITY, 0.0, 0.0),
                Direction::IDENTITY
            )
            .is_err()
        );
        assert!(Direction::from_rows([[1.0, 0.1, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]).is_err());
        assert!(Direction::from_rows([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]).is_err());
        assert!(Direction::nearest_orthonormal([[0.0; 3]; 3]).is_err());
        // coplanar axes are singular at any scale; tiny orthogonal ones are not
        assert!(
            Direction::nearest_orthonormal([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
                .is_err()
        );
        let micro = [[0.0, 0.0, 1e-4], [-1e-4, 0.0, 0.0], [0.0, 2e-4, 0.0]];
        let (d, change) = Direction::nearest_orthonormal(micro).unwrap();
        assert_eq!(
            d.rows(),
            [[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        );
        assert!(change < 1e-15);
    }

    #[test]
    fn from_affine_refuses_shear_and_zero_columns_with_the_reason() {
        let g = Geometry::new(
            [0.5, 0.5, 2.0],
            Point::new(1.0, 2.0, 3.0),
            Direction::IDENTITY,
        )
        .unwrap();
        let mut m = g.affine().to_array();
        m[0][2] = 0.5; // k leans along x: a gantry tilt of about 14 degrees
        let sheared = Affine::from(m);
        let e = Geometry::from_affine(&sheared).unwrap_err();
        assert!(matches!(e, Error::InvalidAffine { .. }), "{e}");
        assert!(e.to_string().contains("sheared"), "{e}");
        let (closest, change) = Geometry::closest_to_affine(&sheared).unwrap();
        assert!(change > 0.1 && closest.direction().determinant() > 0.99);
        let mut m = g.affine().to_array();
        (0..3).for_each(|r| m[r][1] = 0.0);
        let e = Geometry::from_affine(&Affine::from(m)).unwrap_err();
        assert!(e.to_string().contains("column 1 has zero length"), "{e}");
        assert!(matches!(
            Geometry::closest_to_affine(&Affine::from(m)),
            Err(Error::InvalidDirection { .. })
        ));
        let mut m = g.affine().to_array();
        m[3][3] = 2.0;
        let e = Geometry::from_affine(&Affine::from(m)).unwrap_err();
        assert!(e.to_string().contains("last row"), "{e}");
        // A 1e-10 mm column is a spacing out of range, not a zero column.
        let tiny = Affine::from_linear([[1e-10, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
        assert!(matches!(
            Geometry::from_affine(&tiny),
            Err(Error::InvalidSpacing { .. })
        ));
    }

    #[test]
    fn corners_and_region() {
        let d = rotation(0.3, -0.2, 1.1, [false, false, true]);
        let g = Geometry::new([0.7, 0.8, 2.5], Point::new(10.0, -4.0, 3.0), d).unwrap();
        let c = g.corners([4, 5, 6]);
        assert_eq!(c[0], g.origin());
        assert_eq!(c[7], g.ijk_to_physical(Ijk::new(3, 4, 5)));
        assert_eq!(c[2], g.ijk_to_physical(Ijk::new(0, 4, 0)));
        let r = Region::new(Ijk::new(1, 2, 3), [2, 2, 2]);
        let sub = g.region(&r);
        let p = sub.ijk_to_physical(Ijk::new(1, 0, 1));
        let q = g.ijk_to_physical(Ijk::new(2, 2, 4));
        assert!(p.distance(q) < 1e-12);
        let (lo, hi) = g.bounding_box([4, 5, 6]);
        for corner in c {
            for a in 0..3 {
                assert!(corner.0[a] >= lo.0[a] && corner.0[a] <= hi.0[a]);
            }
        }
        let aff = g.affine().to_array();
        let p = g.ijk_to_physical(Ijk::new(1, 2, 3));
        for (row, want) in aff.iter().zip(p.0) {
            let v = row[0] + 2.0 * row[1] + 3.0 * row[2] + row[3];
            assert!((v - want).abs() < 1e-12);
        }
    }
}
