//! FSL's diffusion tables, `.bval` and `.bvec`, as dcm2niix writes them beside a 4-D NIfTI.
//!
//! `.bval` is one line of b-values (s/mm²), one per volume; `.bvec` three lines (x, y, z) of
//! unit gradient directions, one column per volume, **in the voxel frame of the file**: the
//! LPS direction projected on the stored i, j and k axes, with x negated when the voxel-to-
//! world matrix has a positive determinant (FSL's radiological convention, as in dcm2niix).
//! Volumes without a direction (b = 0) get `0 0 0`. Numbers are printed as C's `%g` does
//! (6 significant digits), as dcm2niix prints them.

use super::orient::Affine;
use crate::dicom::Gradient;

/// The b-values and voxel-frame directions of the volumes of one NIfTI file.
///
/// ```
/// use medvol_io::dicom::Gradient;
/// use medvol_io::nifti::{Affine, FslGradients, VoxelOrder};
///
/// // An axial 2 x 3 x 1 grid, identity direction in LPS, stored in dcm2niix's order (rows
/// // reversed): the stored j axis points anterior, so a posterior gradient has y = -1.
/// let stored = VoxelOrder::RowsReversed.affine(Affine::IDENTITY, [2, 3, 1]);
/// let g = [Gradient::new(0.0, None), Gradient::new(1000.0, Some([0.0, 1.0, 0.0]))];
/// let fsl = FslGradients::new(&g, &stored);
/// assert_eq!(fsl.bval(), "0 1000\n");
/// assert_eq!(fsl.bvec(), "0 0\n0 -1\n0 0\n");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FslGradients {
    /// b-values, s/mm², one per volume.
    pub b_values: Vec<f64>,
    /// Unit directions in the file's voxel frame (x negated for a positive determinant).
    pub vectors: Vec<[f64; 3]>,
}

impl FslGradients {
    /// The tables of `gradients` (one per volume, LPS directions) for a file whose stored
    /// voxels map to LPS millimetres by `stored_lps` (as [`VoxelOrder::affine`] gives it).
    ///
    /// [`VoxelOrder::affine`]: super::VoxelOrder::affine
    pub fn new(gradients: &[Gradient], stored_lps: &Affine) -> Self {
        let axis = |c: usize| {
            let v = stored_lps.column(c).0;
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.map(|x| x / n)
        };
        let [a, b, c] = [axis(0), axis(1), axis(2)];
        let det = stored_lps.det3();
        let dot = |u: [f64; 3], v: [f64; 3]| u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
        let vectors = gradients
            .iter()
            .map(|g| match g.direction {
                Some(d) => {
                    let x = dot(a, d);
                    [if det > 0.0 { -x } else { x }, dot(b, d), dot(c, d)]
                }
                None => [0.0; 3],
            })
            .collect();
        FslGradients {
            b_values: gradients.iter().map(|g| g.b_value).collect(),
            vectors,
        }
    }

    /// The `.bval` text: one line.
    pub fn bval(&self) -> String {
        line(self.b_values.iter().copied())
    }

    /// The `.bvec` text: three lines, x, y and z.
    pub fn bvec(&self) -> String {
        (0..3)
            .map(|r| line(self.vectors.iter().map(|v| v[r])))
            .collect()
    }
}

fn line(values: impl Iterator<Item = f64>) -> String {
    let mut s: String = values.map(g6).collect::<Vec<_>>().join(" ");
    s.push('\n');
    s
}

/// `x` as C's `printf("%g")`: 6 significant digits, trailing zeros removed, exponent form
/// below 1e-4 and from 1e6.
fn g6(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_finite() {
            "0".into()
        } else {
            x.to_string()
        };
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa.to_string()), exp.abs())
    } else {
        trim(format!("{x:.*}", (5 - exp) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::g6;

    #[test]
    fn g6_prints_as_printf() {
        for (x, s) in [
            (0.0, "0"),
            (1.2519398052526836, "1.25194"),
            (928.2885599370205, "928.289"),
            (-0.0595068, "-0.0595068"),
            (1000.0, "1000"),
            (0.00001234567, "1.23457e-05"),
            (1234567.0, "1.23457e+06"),
            (-0.816751, "-0.816751"),
            (99999.95, "99999.9"),
        ] {
            assert_eq!(g6(x), s, "{x}");
        }
    }
}
