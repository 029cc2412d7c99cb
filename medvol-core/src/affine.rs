//! [`Affine`]: 4x4 homogeneous maps in millimetres, and the patient [`Frame`] they map into.
//!
//! medvol works in LPS millimetres. [`Geometry::affine`](crate::Geometry::affine) gives the map
//! from voxel index `(i, j, k, 1)` to LPS; [`Affine::in_frame`] and [`Affine::to_lps`] move an
//! affine's output between LPS and RAS, the only other frame medvol meets (NIfTI files and
//! mesh consumers). RAS is LPS turned half a turn about z: x and y change sign.

use crate::{ContinuousIndex, Error, Point, Result, Vector};

/// A patient coordinate frame, millimetres.
///
/// ```
/// use medvol_core::{Frame, Point};
/// let to_ras = Frame::Lps.transform_to(Frame::Ras);
/// assert_eq!(to_ras.apply_point(Point::new(1.0, 2.0, 3.0)), Point::new(-1.0, -2.0, 3.0));
/// assert_eq!(Frame::Ras.name(), "RAS");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Frame {
    /// DICOM patient coordinates, medvol's own: x to the patient's left, y posterior,
    /// z superior.
    #[default]
    Lps,
    /// x to the right, y anterior, z superior (NIfTI, Slicer scenes, most STL consumers):
    /// LPS with x and y negated.
    Ras,
}

impl Frame {
    /// `"LPS"` or `"RAS"`.
    pub fn name(self) -> &'static str {
        match self {
            Frame::Lps => "LPS",
            Frame::Ras => "RAS",
        }
    }

    /// The factors that take coordinates (x, y, z) in this frame to coordinates in `to`:
    /// frames differ only by the signs of their axes (LPS <-> RAS: x and y change sign).
    ///
    /// ```
    /// use medvol_core::Frame;
    /// assert_eq!(Frame::Ras.axis_signs(Frame::Lps), [-1.0, -1.0, 1.0]);
    /// assert_eq!(Frame::Lps.axis_signs(Frame::Lps), [1.0; 3]);
    /// ```
    pub fn axis_signs(self, to: Frame) -> [f64; 3] {
        if self == to {
            [1.0; 3]
        } else {
            [-1.0, -1.0, 1.0]
        }
    }

    /// The map from coordinates in this frame to coordinates in `to`: a rotation (LPS <-> RAS
    /// is a half turn about z), so triangles keep their orientation; its own inverse.
    pub fn transform_to(self, to: Frame) -> Affine {
        let [x, y, z] = self.axis_signs(to);
        Affine::from_linear([[x, 0.0, 0.0], [0.0, y, 0.0], [0.0, 0.0, z]])
    }
}

/// A 4x4 homogeneous affine map in millimetres, row-major: `y = A · (x, 1)`.
///
/// The upper-left 3x3 block is the linear part (its columns are the images of the unit
/// axes), the last column the translation, the last row `[0, 0, 0, 1]`.
/// [`From<[[f64; 4]; 4]>`](#impl-From<[[f64;+4];+4]>-for-Affine) and [`Affine::to_array`]
/// convert to and from bare matrices; the conversion stores the matrix as given, and
/// [`Affine::check`] says whether it is a finite affine.
///
/// ```
/// use medvol_core::{Affine, Point, Vector};
///
/// // Scale by 2 mm, then move by (10, 0, 0).
/// let scale = Affine::from_linear([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]);
/// let shift = Affine::from_parts(Affine::IDENTITY.linear(), Vector::new(10.0, 0.0, 0.0));
/// let a = shift.compose(&scale);
/// assert_eq!(a.apply_point(Point::new(1.0, 1.0, 1.0)), Point::new(12.0, 2.0, 2.0));
/// assert_eq!(a.apply_vector(Vector::new(1.0, 0.0, 0.0)), Vector::new(2.0, 0.0, 0.0));
/// assert_eq!(a.det3(), 8.0);
/// let back = a.inverse()?.apply_point(Point::new(12.0, 2.0, 2.0));
/// assert_eq!(back, Point::new(1.0, 1.0, 1.0));
/// # Ok::<(), medvol_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    m: [[f64; 4]; 4],
}

impl Default for Affine {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl From<[[f64; 4]; 4]> for Affine {
    /// The affine of a row-major 4x4 matrix, stored as given (see [`Affine::check`]).
    fn from(m: [[f64; 4]; 4]) -> Self {
        Self { m }
    }
}

impl From<Affine> for [[f64; 4]; 4] {
    fn from(a: Affine) -> Self {
        a.m
    }
}

impl Affine {
    /// The identity map.
    pub const IDENTITY: Affine = Affine {
        m: [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ],
    };

    /// The affine with linear part `linear` (row-major) and `translation` (mm).
    pub fn from_parts(linear: [[f64; 3]; 3], translation: Vector) -> Self {
        let mut m = Self::IDENTITY.m;
        for (r, row) in m.iter_mut().take(3).enumerate() {
            row[..3].copy_from_slice(&linear[r]);
            row[3] = translation.0[r];
        }
        Self { m }
    }

    /// The linear map `linear` (row-major), without translation.
    pub fn from_linear(linear: [[f64; 3]; 3]) -> Self {
        Self::from_parts(linear, Vector::default())
    }

    /// The row-major 4x4 matrix.
    pub fn to_array(&self) -> [[f64; 4]; 4] {
        self.m
    }

    /// The linear part, row-major.
    pub fn linear(&self) -> [[f64; 3]; 3] {
        [0, 1, 2].map(|r| [self.m[r][0], self.m[r][1], self.m[r][2]])
    }

    /// Column `c` of the linear part (0, 1 or 2): the image of the unit vector of axis `c`.
    ///
    /// # Panics
    /// When `c > 2`.
    pub fn column(&self, c: usize) -> Vector {
        assert!(c < 3, "column {c} of a 3-D linear part");
        Vector([self.m[0][c], self.m[1][c], self.m[2][c]])
    }

    /// The translation: where the map takes the origin, mm.
    pub fn translation(&self) -> Vector {
        Vector([self.m[0][3], self.m[1][3], self.m[2][3]])
    }

    /// `Ok` when every entry is finite and the last row is `[0, 0, 0, 1]`.
    ///
    /// # Errors
    /// [`Error::InvalidAffine`] naming what is wrong.
    pub fn check(&self) -> Result<()> {
        if self.m.iter().flatten().any(|v| !v.is_finite()) {
            return Err(self.invalid("an entry is not finite"));
        }
        if self.m[3] != [0.0, 0.0, 0.0, 1.0] {
            return Err(self.invalid("the last row is not [0, 0, 0, 1]"));
        }
        Ok(())
    }

    /// The determinant of the linear part: the volume scale, negative for a reflection.
    pub fn det3(&self) -> f64 {
        det3(&self.linear())
    }

    /// `self ∘ inner`: the map that applies `inner` first, then `self` (the matrix product
    /// `self · inner`).
    pub fn compose(&self, inner: &Affine) -> Affine {
        let (a, b) = (&self.m, &inner.m);
        Affine {
            m: std::array::from_fn(|r| {
                std::array::from_fn(|c| (0..4).map(|t| a[r][t] * b[t][c]).sum())
            }),
        }
    }

    /// The inverse map.
    ///
    /// # Errors
    /// [`Error::InvalidAffine`] when the affine is not [valid](Affine::check) or its linear
    /// part is singular.
    pub fn inverse(&self) -> Result<Affine> {
        self.check()?;
        let inv =
            invert3(&self.linear()).ok_or_else(|| self.invalid("the linear part is singular"))?;
        let t = self.translation().0;
        let back = [0, 1, 2].map(|r| -(inv[r][0] * t[0] + inv[r][1] * t[1] + inv[r][2] * t[2]));
        Ok(Self::from_parts(inv, Vector(back)))
    }

    /// The image of a point (the translation applies).
    #[inline]
    pub fn apply_point(&self, p: Point) -> Point {
        Point(self.map(p.0, 1.0))
    }

    /// The image of a displacement (the translation does not apply).
    #[inline]
    pub fn apply_vector(&self, v: Vector) -> Vector {
        Vector(self.map(v.0, 0.0))
    }

    /// The image of a continuous voxel index, for an index-to-millimetre affine such as
    /// [`Geometry::affine`](crate::Geometry::affine).
    #[inline]
    pub fn apply_index(&self, index: ContinuousIndex) -> Point {
        Point(self.map(index.0, 1.0))
    }

    /// The same map with its output, assumed LPS, expressed in `frame`:
    /// `Frame::Lps.transform_to(frame).compose(self)`, computed exactly (rows change sign).
    ///
    /// ```
    /// use medvol_core::{Affine, Frame, Point, Vector};
    /// let lps = Affine::from_parts(Affine::IDENTITY.linear(), Vector::new(1.0, 2.0, 3.0));
    /// let ras = lps.in_frame(Frame::Ras);
    /// assert_eq!(ras.apply_point(Point::ORIGIN), Point::new(-1.0, -2.0, 3.0));
    /// assert_eq!(ras.to_lps(Frame::Ras), lps);
    /// assert_eq!(lps.in_frame(Frame::Lps), lps);
    /// ```
    pub fn in_frame(&self, frame: Frame) -> Affine {
        self.reframed(Frame::Lps.axis_signs(frame))
    }

    /// The same map with its output, assumed in `frame`, expressed in LPS: the inverse of
    /// [`Affine::in_frame`] (as when reading a NIfTI sform, which is RAS).
    pub fn to_lps(&self, frame: Frame) -> Affine {
        self.reframed(frame.axis_signs(Frame::Lps))
    }

    /// Output rows multiplied by `signs` (±1: exact, signed zeros included).
    fn reframed(&self, signs: [f64; 3]) -> Affine {
        let mut m = self.m;
        for (row, s) in m.iter_mut().zip(signs) {
            row.iter_mut().for_each(|v| *v *= s);
        }
        Affine { m }
    }

    #[inline(always)]
    fn map(&self, x: [f64; 3], w: f64) -> [f64; 3] {
        let m = &self.m;
        [0, 1, 2].map(|r| m[r][0] * x[0] + m[r][1] * x[1] + m[r][2] * x[2] + m[r][3] * w)
    }

    fn invalid(&self, reason: &str) -> Error {
        Error::InvalidAffine {
            reason: format!("{reason} in {:?}", self.m),
        }
    }
}

/// The determinant of a row-major 3x3 matrix.
pub(crate) fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// The inverse of a row-major 3x3 matrix, `None` when it is singular or not finite.
pub(crate) fn invert3(m: &[[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let det = det3(m);
    if det == 0.0 || !det.is_finite() {
        return None;
    }
    let inv_det = 1.0 / det;
    // The adjugate over the determinant, each 2x2 minor with its sign written out (negating
    // a minor rather than swapping its products keeps the sign of zero entries: a
    // direction's zeros stay the same zeros through `Direction::nearest_orthonormal`).
    let c =
        |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    Some([
        [
            c(1, 2, 1, 2) * inv_det,
            -c(0, 2, 1, 2) * inv_det,
            c(0, 1, 1, 2) * inv_det,
        ],
        [
            -c(1, 2, 0, 2) * inv_det,
            c(0, 2, 0, 2) * inv_det,
            -c(0, 1, 0, 2) * inv_det,
        ],
        [
            c(1, 2, 0, 1) * inv_det,
            -c(0, 2, 0, 1) * inv_det,
            c(0, 1, 0, 1) * inv_det,
        ],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: &Affine, b: &Affine, tol: f64) -> bool {
        a.m.iter()
            .flatten()
            .zip(b.m.iter().flatten())
            .all(|(x, y)| (x - y).abs() <= tol)
    }

    fn arb_affine() -> impl Strategy<Value = Affine> {
        (
            prop::array::uniform3(prop::array::uniform3(-5.0f64..5.0)),
            prop::array::uniform3(-500.0f64..500.0),
        )
            .prop_filter("invertible", |(l, _)| det3(l).abs() > 1e-2)
            .prop_map(|(l, t)| Affine::from_parts(l, Vector(t)))
    }

    proptest! {
        #[test]
        fn inverse_round_trips(a in arb_affine(), p in prop::array::uniform3(-100.0f64..100.0)) {
            let inv = a.inverse().unwrap();
            let scale = a.m.iter().flatten().chain(inv.m.iter().flatten()).fold(1.0f64, |s, v| s.max(v.abs()));
            prop_assert!(close(&a.compose(&inv), &Affine::IDENTITY, 1e-9 * scale * scale));
            prop_assert!(close(&inv.compose(&a), &Affine::IDENTITY, 1e-9 * scale * scale));
            let back = inv.apply_point(a.apply_point(Point(p)));
            prop_assert!(back.distance(Point(p)) < 1e-8 * scale * scale * 100.0);
        }

        #[test]
        fn frames_round_trip_and_flip_x_and_y(a in arb_affine(), p in prop::array::uniform3(-100.0f64..100.0)) {
            prop_assert_eq!(a.in_frame(Frame::Ras).to_lps(Frame::Ras), a);
            prop_assert_eq!(a.in_frame(Frame::Lps), a);
            let lps = a.apply_point(Point(p));
            let ras = a.in_frame(Frame::Ras).apply_point(Point(p));
            prop_assert_eq!(ras, Point::new(-lps.0[0], -lps.0[1], lps.0[2]));
            // a rotation: handedness kept
            prop_assert_eq!(a.in_frame(Frame::Ras).det3(), a.det3());
            prop_assert_eq!(a.in_frame(Frame::Ras), Frame::Lps.transform_to(Frame::Ras).compose(&a));
        }

        #[test]
        fn compose_applies_inner_first(a in arb_affine(), b in arb_affine(), p in prop::array::uniform3(-10.0f64..10.0)) {
            let once = a.compose(&b).apply_point(Point(p));
            let twice = a.apply_point(b.apply_point(Point(p)));
            prop_assert!(once.distance(twice) < 1e-9 * (1.0 + twice.distance(Point::ORIGIN)));
        }
    }

    #[test]
    fn points_translate_and_vectors_do_not() {
        let a = Affine::from_parts(
            [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]],
            Vector::new(5.0, 6.0, 7.0),
        );
        assert_eq!(
            a.apply_point(Point::new(1.0, 2.0, 3.0)),
            Point::new(3.0, 7.0, 13.0)
        );
        assert_eq!(
            a.apply_vector(Vector::new(1.0, 2.0, 3.0)),
            Vector::new(-2.0, 1.0, 6.0)
        );
        assert_eq!(
            a.apply_index(ContinuousIndex::new(1.0, 2.0, 3.0)),
            Point::new(3.0, 7.0, 13.0)
        );
        assert_eq!(a.det3(), 2.0);
        assert_eq!(a.column(1), Vector::new(-1.0, 0.0, 0.0));
        assert_eq!(a.translation(), Vector::new(5.0, 6.0, 7.0));
        assert_eq!(Affine::from(a.to_array()), a);
        assert_eq!(<[[f64; 4]; 4]>::from(a), a.to_array());
    }

    #[test]
    fn invalid_affines_are_refused_with_the_reason() {
        let singular = Affine::from_linear([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]]);
        let e = singular.inverse().unwrap_err().to_string();
        assert!(e.contains("singular"), "{e}");
        let mut m = Affine::IDENTITY.to_array();
        m[3] = [0.0, 0.0, 1.0, 1.0];
        let e = Affine::from(m).check().unwrap_err().to_string();
        assert!(e.contains("last row"), "{e}");
        m[3] = [0.0, 0.0, 0.0, 1.0];
        m[0][3] = f64::NAN;
        let e = Affine::from(m).inverse().unwrap_err().to_string();
        assert!(e.contains("not finite"), "{e}");
        assert!(Affine::IDENTITY.check().is_ok());
    }

    #[test]
    fn inverse_of_a_known_matrix() {
        let m = [[2.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.0, 3.0, 1.0]];
        let inv = invert3(&m).unwrap();
        // det = 2 * (1 - 0) - 0 + 1 * (3 - 0) = 5; adjugate / 5
        let want =
            [[1.0, 3.0, -1.0], [-1.0, 2.0, 1.0], [3.0, -6.0, 2.0]].map(|r| r.map(|v| v / 5.0));
        for r in 0..3 {
            for c in 0..3 {
                assert!((inv[r][c] - want[r][c]).abs() < 1e-15, "{inv:?}");
            }
        }
        assert_eq!(det3(&m), 5.0);
        assert!(invert3(&[[1.0, 1.0, 1.0]; 3]).is_none());
    }
}
