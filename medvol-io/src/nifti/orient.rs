//! NIfTI's RAS world and medvol's LPS patient coordinates: the only place they meet.
//!
//! NIfTI maps voxel indices to RAS+ millimetres (+x towards the patient's right, +y anterior,
//! +z superior); medvol and DICOM use LPS+ (+x left, +y posterior, +z superior). The two differ
//! by the sign of the first two world axes: [`Affine::in_frame`]`(Frame::Ras)` and
//! [`Affine::to_lps`]`(Frame::Ras)` convert an affine either way.

use super::header::Header;
use crate::{Error, Result};
pub use medvol_core::Affine;
use medvol_core::{Direction, Frame, Geometry, Point, Warning};
use std::path::Path;

/// Largest cosine between two axes of an sform (and largest relative difference between the
/// qform and the sform) for them to count as rigid (and as the same transform).
const RIGID_TOLERANCE: f64 = 1e-4;

/// Which part of the header gave a volume its geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The sform (`srow_*`), when `sform_code > 0` and ITK would choose it.
    Sform,
    /// The qform (quaternion, `qoffset_*`, `pixdim` and qfac).
    Qform,
    /// Neither is set: `pixdim` spacing, identity direction and origin 0 (as ITK reads
    /// Analyze-style files).
    Pixdim,
}

impl Transform {
    /// `"sform"`, `"qform"` or `"pixdim"`.
    pub fn name(self) -> &'static str {
        match self {
            Transform::Sform => "sform",
            Transform::Qform => "qform",
            Transform::Pixdim => "pixdim",
        }
    }
}

/// The order in which a NIfTI writer stores the voxels of a volume (i fastest, then j, then k),
/// and so the affine it writes: each voxel keeps its place in the patient either way.
///
/// dcm2niix stores DICOM images **bottom-up**: its i axis and slice order are medvol's (i
/// along the DICOM row direction, k ascending along the slice normal, row x column), but
/// the rows (j) are reversed, so that voxel (i, 0, k) is the last DICOM row. The affine's j
/// column is therefore negated and its origin moved to that row:
/// `A' = A * F` with `F` mapping j to `nj - 1 - j`. This was established on dcm2niix
/// v1.0.20260724's outputs for the shared data and dcm_qa sets: for axial, sagittal,
/// coronal, oblique, 4-D and enhanced multi-frame series, medvol's volume with its rows
/// reversed is dcm2niix's volume voxel for voxel, with the same affine within 1e-3 mm.
/// Tools that use voxel indices without the affine (FSL, many deep-learning loaders) expect
/// this layout.
///
/// ```
/// use medvol_io::nifti::{Affine, VoxelOrder};
/// let a = Affine::from([
///     [1.0, 0.0, 0.0, 10.0],
///     [0.0, 2.0, 0.0, 20.0],
///     [0.0, 0.0, 3.0, 30.0],
///     [0.0, 0.0, 0.0, 1.0],
/// ]);
/// let b = VoxelOrder::RowsReversed.affine(a, [4, 5, 6]);
/// // Stored row 0 is row 4: 20 + 4 * 2 mm along y; j now runs the other way.
/// assert_eq!(b.to_array()[1], [0.0, -2.0, 0.0, 28.0]);
/// assert_eq!(VoxelOrder::Native.affine(a, [4, 5, 6]), a);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum VoxelOrder {
    /// medvol's (and DICOM's) order: rows top-down as in the image, i fastest.
    #[default]
    Native,
    /// dcm2niix's order: the rows of every slice reversed (bottom-up), i and k as medvol's.
    RowsReversed,
}

impl VoxelOrder {
    /// The index-to-world affine of voxels stored in this order, given the affine `a` of
    /// the volume in medvol's order and its dims (i, j, k). Works in LPS or RAS alike.
    pub fn affine(self, a: Affine, dims: [usize; 3]) -> Affine {
        match self {
            VoxelOrder::Native => a,
            VoxelOrder::RowsReversed => {
                let last = dims[1].saturating_sub(1) as f64;
                let mut b = a.to_array();
                for row in b.iter_mut().take(3) {
                    row[3] += last * row[1];
                    row[1] = -row[1];
                }
                Affine::from(b)
            }
        }
    }
}

/// The rotation of a NIfTI quaternion (b, c, d; a >= 0 implied), with the k column multiplied
/// by `qfac`, as the NIfTI-1 standard defines the qform (method 2).
pub(crate) fn quatern_to_matrix(bcd: [f64; 3], qfac: f64) -> [[f64; 3]; 3] {
    let [mut b, mut c, mut d] = bcd;
    let n2 = b * b + c * c + d * d;
    let a = if 1.0 - n2 < 1e-7 {
        // |bcd| is 1 (up to rounding): a 180-degree rotation; renormalise.
        let n = n2.sqrt();
        if n > 0.0 {
            b /= n;
            c /= n;
            d /= n;
        }
        0.0
    } else {
        (1.0 - n2).sqrt()
    };
    let mut r = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - c * c - b * b,
        ],
    ];
    for row in r.iter_mut() {
        row[2] *= qfac;
    }
    r
}

/// The quaternion (b, c, d) and qfac of an orthonormal matrix (columns = axes): the inverse
/// of [`quatern_to_matrix`]. A left-handed matrix gets qfac -1 and its k column negated first.
pub(crate) fn matrix_to_quatern(m: [[f64; 3]; 3]) -> ([f64; 3], f64) {
    let mut r = m;
    let qfac = if Affine::from_linear(r).det3() < 0.0 {
        for row in r.iter_mut() {
            row[2] = -row[2];
        }
        -1.0
    } else {
        1.0
    };
    let trace = r[0][0] + r[1][1] + r[2][2] + 1.0;
    let xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
    let yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
    let zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
    // Divide by the largest component to stay accurate near half turns.
    let [a, b, c, d] = if trace > 0.5 {
        let a = 0.5 * trace.sqrt();
        [
            a,
            0.25 * (r[2][1] - r[1][2]) / a,
            0.25 * (r[0][2] - r[2][0]) / a,
            0.25 * (r[1][0] - r[0][1]) / a,
        ]
    } else if xd > 1.0 {
        let b = 0.5 * xd.sqrt();
        [
            0.25 * (r[2][1] - r[1][2]) / b,
            b,
            0.25 * (r[0][1] + r[1][0]) / b,
            0.25 * (r[0][2] + r[2][0]) / b,
        ]
    } else if yd > 1.0 {
        let c = 0.5 * yd.sqrt();
        [
            0.25 * (r[0][2] - r[2][0]) / c,
            0.25 * (r[0][1] + r[1][0]) / c,
            c,
            0.25 * (r[1][2] + r[2][1]) / c,
        ]
    } else {
        let d = 0.5 * zd.sqrt();
        [
            0.25 * (r[1][0] - r[0][1]) / d,
            0.25 * (r[0][2] + r[2][0]) / d,
            0.25 * (r[1][2] + r[2][1]) / d,
            d,
        ]
    };
    // The quaternion and its negation are the same rotation; NIfTI keeps a >= 0.
    let s = if a < 0.0 { -1.0 } else { 1.0 };
    ([b * s, c * s, d * s], qfac)
}

/// The qform of a header as an RAS affine.
pub(crate) fn qform_ras(h: &Header) -> Affine {
    let r = quatern_to_matrix(h.quatern, h.qfac());
    let linear = r.map(|row| [0, 1, 2].map(|c| row[c] * h.pixdim[c + 1]));
    Affine::from_parts(linear, medvol_core::Vector(h.qoffset))
}

/// The sform of a header as an RAS affine.
pub(crate) fn sform_ras(h: &Header) -> Affine {
    Affine::from([h.srow[0], h.srow[1], h.srow[2], [0.0, 0.0, 0.0, 1.0]])
}

/// The voxel grid closest to a (possibly sheared) LPS affine
/// ([`Geometry::closest_to_affine`]), with the largest change of a direction entry (0 for a
/// rigid affine).
pub(crate) fn geometry_of_affine(path: &Path, lps: &Affine) -> Result<(Geometry, f64)> {
    Geometry::closest_to_affine(lps).map_err(|source| Error::Geometry {
        path: path.to_path_buf(),
        source,
    })
}

/// The largest |cosine| between two columns of the 3x3 part (0 for orthogonal axes).
fn max_axis_cosine(a: &Affine) -> f64 {
    let mut worst: f64 = 0.0;
    for (p, q) in [(0, 1), (0, 2), (1, 2)] {
        let (x, y) = (a.column(p), a.column(q));
        let n = (x.dot(x) * y.dot(y)).sqrt();
        worst = worst.max(if n > 0.0 { x.dot(y).abs() / n } else { 1.0 });
    }
    worst
}

fn same_transform(a: &Affine, b: &Affine) -> bool {
    let (a, b) = (a.to_array(), b.to_array());
    let scale = a
        .iter()
        .take(3)
        .flat_map(|r| r.iter())
        .fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).take(3).all(|(x, y)| {
        x.iter()
            .zip(y)
            .all(|(u, v)| (u - v).abs() <= RIGID_TOLERANCE * scale)
    })
}

/// The geometry of a header's volumes (LPS), chosen as ITK's NIfTI reader chooses it:
///
/// 1. the sform when `sform_code > 0`, it is rigid, and either `sform_code` is 1 (scanner),
///    there is no qform, or the qform is the same transform;
/// 2. else the qform when `qform_code > 0`;
/// 3. else a sheared sform (no qform to fall back on): the closest orthonormal direction,
///    with a warning;
/// 4. else `pixdim` spacing, identity direction, origin 0.
///
/// # Errors
/// [`Error::Geometry`] when the chosen transform is singular or not finite.
pub(crate) fn geometry(
    path: &Path,
    h: &Header,
    warnings: &mut Vec<Warning>,
) -> Result<(Geometry, Transform)> {
    let sform = sform_ras(h);
    let qform = qform_ras(h);
    let has_s = h.sform_code > 0;
    let has_q = h.qform_code > 0;
    let rigid = max_axis_cosine(&sform) <= RIGID_TOLERANCE;
    let use_sform = has_s
        && (if rigid {
            h.sform_code == 1 || !has_q || same_transform(&sform, &qform)
        } else {
            !has_q
        });
    if use_sform {
        let (g, change) = geometry_of_affine(path, &sform.to_lps(Frame::Ras))?;
        // The sform's column lengths carry f32 rounding; pixdim holds the voxel size itself
        // (ITK reports it): keep it when the two agree.
        let spacing = std::array::from_fn(|a| {
            let (norm, p) = (g.spacing()[a], h.pixdim[a + 1]);
            if (norm - p).abs() <= RIGID_TOLERANCE * p {
                p
            } else {
                norm
            }
        });
        let g = g.with_spacing(spacing).map_err(|source| Error::Geometry {
            path: path.to_path_buf(),
            source,
        })?;
        if !rigid {
            warnings.push(Warning::ShearedSform {
                max_axis_cosine: max_axis_cosine(&sform),
                change: Some(change),
            });
        }
        return Ok((g, Transform::Sform));
    }
    if has_q {
        if has_s && !rigid {
            warnings.push(Warning::ShearedSform {
                max_axis_cosine: max_axis_cosine(&sform),
                change: None,
            });
        } else if has_s {
            warnings.push(Warning::FormsDisagree {
                sform_code: h.sform_code,
                qform_code: h.qform_code,
            });
        }
        let (g, _) = geometry_of_affine(path, &qform.to_lps(Frame::Ras))?;
        return Ok((g, Transform::Qform));
    }
    warnings.push(Warning::NoTransform);
    let spacing = [h.pixdim[1], h.pixdim[2], h.pixdim[3]];
    let g = Geometry::new(spacing, Point::ORIGIN, Direction::IDENTITY).map_err(|source| {
        Error::Geometry {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok((g, Transform::Pixdim))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rot(ax: f64, ay: f64, az: f64) -> [[f64; 3]; 3] {
        let (sx, cx) = ax.sin_cos();
        let (sy, cy) = ay.sin_cos();
        let (sz, cz) = az.sin_cos();
        let x = [[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]];
        let y = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let z = [[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]];
        let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
            let mut o = [[0.0; 3]; 3];
            for r in 0..3 {
                for c in 0..3 {
                    o[r][c] = (0..3).map(|t| a[r][t] * b[t][c]).sum();
                }
            }
            o
        };
        mul(mul(z, y), x)
    }

    proptest! {
        #[test]
        fn quaternion_round_trip(ax in -3.2f64..3.2, ay in -3.2f64..3.2, az in -3.2f64..3.2, flip: bool) {
            let mut m = rot(ax, ay, az);
            if flip {
                for row in m.iter_mut() { row[2] = -row[2]; }
            }
            let (bcd, qfac) = matrix_to_quatern(m);
            prop_assert_eq!(qfac, if flip { -1.0 } else { 1.0 });
            prop_assert!(bcd.iter().map(|v| v * v).sum::<f64>() <= 1.0 + 1e-12);
            let back = quatern_to_matrix(bcd, qfac);
            // Within 1e-7 of a half turn (a^2 < 1e-7) the standard takes a = 0: entries then
            // move by up to 2|a| < 7e-4, as in every reader built on the NIfTI library.
            let a2 = 1.0 - bcd.iter().map(|v| v * v).sum::<f64>();
            let tol = if a2 < 1e-7 { 7e-4 } else { 1e-9 };
            for r in 0..3 {
                for c in 0..3 {
                    prop_assert!((back[r][c] - m[r][c]).abs() < tol, "{:?} vs {:?}", back, m);
                }
            }
        }
    }

    #[test]
    fn half_turns_about_each_axis() {
        // a = 0: the renormalising branch of the standard.
        let m = quatern_to_matrix([0.0, 1.0, 0.0], -1.0);
        assert_eq!(m, [[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
        for m in [
            [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]],
            [[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]],
            [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]],
        ] {
            let (bcd, qfac) = matrix_to_quatern(m);
            assert_eq!(qfac, 1.0);
            assert_eq!(quatern_to_matrix(bcd, qfac), m);
        }
    }

    #[test]
    fn ras_and_lps_differ_by_the_sign_of_the_first_two_rows() {
        let a = Affine::from([
            [1.0, 2.0, 3.0, 4.0],
            [5.0, 6.0, 7.0, 8.0],
            [9.0, 10.0, 11.0, 12.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        let b = a.to_lps(Frame::Ras).to_array();
        assert_eq!(b[0], [-1.0, -2.0, -3.0, -4.0]);
        assert_eq!(b[1], [-5.0, -6.0, -7.0, -8.0]);
        assert_eq!(b[2], a.to_array()[2]);
        assert_eq!(Affine::from(b).in_frame(Frame::Ras), a);
    }
}
