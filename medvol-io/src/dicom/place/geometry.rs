//! Stack geometry from slice positions: spacing along the normal, gaps, gantry tilt, the
//! acquired (possibly sheared) affine, and reslicing onto an orthogonal uniform grid.

use medvol_core::{Affine, Direction, Geometry, Point, Vector};

/// Two positions closer than this along the normal are the same slice position (mm).
pub(crate) const SAME_POSITION_MM: f64 = 0.01;

/// A gap larger than this many median gaps is not counted as missing slices: the positions
/// are corrupt (no scanner skips a thousand slices and keeps the rest of the series).
pub(crate) const MAX_MISSING_RATIO: f64 = 1000.0;

/// `x` as a count when it is a whole number that a `usize` holds exactly (at most 2^53, far
/// beyond any allocation), else `None` (negative, fractional, huge or not finite).
pub(crate) fn exact_count(x: f64) -> Option<usize> {
    const MAX: f64 = (1u64 << 53) as f64;
    if x.is_finite() && (0.0..=MAX).contains(&x) && x.fract() == 0.0 {
        usize::try_from(x as u64).ok()
    } else {
        None
    }
}

/// How the distances between neighbouring slices along the slice normal behave.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SliceSpacing {
    /// Distances between neighbouring slices along the normal (mm), `n - 1` of them.
    pub gaps_mm: Vec<f64>,
    /// Mean distance, (last - first) / (n - 1), mm; `None` for a single slice.
    pub mean_mm: Option<f64>,
    /// Whether every gap is within tolerance (0.01 mm + 0.1 %) of the mean.
    pub uniform: bool,
    /// Largest |gap - mean| (mm).
    pub max_deviation_mm: f64,
    /// Estimated number of missing slices (gaps of about 2, 3, ... times the median gap, up
    /// to 1000 times).
    pub missing_slices: usize,
    /// Gaps of more than 1000 times the median gap (or not finite): corrupt positions,
    /// not counted in [`missing_slices`](Self::missing_slices).
    pub implausible_gaps: usize,
}

impl SliceSpacing {
    pub(crate) fn from_positions(d: &[f64]) -> Self {
        let gaps_mm: Vec<f64> = d.windows(2).map(|w| w[1] - w[0]).collect();
        if gaps_mm.is_empty() {
            return Self {
                gaps_mm,
                mean_mm: None,
                uniform: true,
                max_deviation_mm: 0.0,
                missing_slices: 0,
                implausible_gaps: 0,
            };
        }
        let mean = (d[d.len() - 1] - d[0]) / gaps_mm.len() as f64;
        let max_deviation_mm = gaps_mm.iter().map(|g| (g - mean).abs()).fold(0.0, f64::max);
        let uniform = mean.is_finite() && max_deviation_mm <= SAME_POSITION_MM + 1e-3 * mean.abs();
        let mut sorted = gaps_mm.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let (mut missing_slices, mut implausible_gaps) = (0usize, 0usize);
        if !uniform && median > 0.0 {
            for g in &gaps_mm {
                let r = g / median;
                if r.is_nan() || r > MAX_MISSING_RATIO {
                    implausible_gaps += 1;
                } else if r > 1.5 && (r - r.round()).abs() < 0.1 {
                    // 2 <= r.round() <= MAX_MISSING_RATIO: exact, and at most 999 per gap.
                    let missing = exact_count(r.round() - 1.0).unwrap_or(0);
                    missing_slices = missing_slices.saturating_add(missing);
                }
            }
        }
        Self {
            gaps_mm,
            mean_mm: Some(mean),
            uniform,
            max_deviation_mm,
            missing_slices,
            implausible_gaps,
        }
    }
}

/// The geometry of a sorted stack of parallel slices.
#[derive(Debug, Clone)]
pub(crate) struct Stack {
    /// Row direction (i), column direction (j), normal (k = i x j).
    pub(crate) axes: [Vector; 3],
    /// Pixel spacing along i and j (mm).
    pub(crate) pixel: [f64; 2],
    /// Position of each slice's first voxel, sorted along the normal.
    pub(crate) positions: Vec<Point>,
    /// Projections of `positions` on the normal.
    pub(crate) along: Vec<f64>,
}

pub(crate) fn normalize(v: Vector) -> Option<Vector> {
    let n = v.norm();
    (n.is_finite() && n > 1e-6).then(|| v * (1.0 / n))
}

/// Row and column unit vectors and the normal from ImageOrientationPatient.
pub(crate) fn axes_from_iop(iop: [f64; 6]) -> Option<[Vector; 3]> {
    let r = normalize(Vector([iop[0], iop[1], iop[2]]))?;
    let c = normalize(Vector([iop[3], iop[4], iop[5]]))?;
    if r.dot(c).abs() > 0.05 {
        return None;
    }
    let n = normalize(r.cross(c))?;
    Some([r, c, n])
}

impl Stack {
    pub(crate) fn len(&self) -> usize {
        self.positions.len()
    }

    pub(crate) fn spacing(&self) -> SliceSpacing {
        SliceSpacing::from_positions(&self.along)
    }

    /// Offset of the last slice's origin from the first one's, in the slice plane (mm).
    fn in_plane_shift(&self) -> Vector {
        let n = self.len();
        if n < 2 {
            return Vector([0.0; 3]);
        }
        let step = self.positions[n - 1] - self.positions[0];
        step - self.axes[2] * step.dot(self.axes[2])
    }

    /// Gantry tilt estimated from the positions: the angle between the line through the slice
    /// origins and the slice normal (degrees, 0 when not tilted).
    pub(crate) fn tilt_deg(&self) -> f64 {
        let n = self.len();
        if n < 2 {
            return 0.0;
        }
        let shift = self.in_plane_shift().norm();
        let along = (self.along[n - 1] - self.along[0]).abs();
        if shift < 1e-3 * along.max(1.0) {
            0.0
        } else {
            shift.atan2(along).to_degrees()
        }
    }

    /// Step between consecutive slice origins: the mean when uniform, else the first step.
    pub(crate) fn step(&self, uniform: bool, single_slice_mm: f64) -> Vector {
        let n = self.len();
        if n < 2 {
            return self.axes[2] * single_slice_mm;
        }
        if uniform {
            (self.positions[n - 1] - self.positions[0]) * (1.0 / (n - 1) as f64)
        } else {
            self.positions[1] - self.positions[0]
        }
    }

    /// The step between planes `spacing_k` mm apart along the normal that follows the slice
    /// origins from the first slice to the last (sheared for a tilted gantry).
    pub(crate) fn sheared_step(&self, spacing_k: f64) -> Vector {
        let n = self.len();
        let along = if n < 2 {
            0.0
        } else {
            self.along[n - 1] - self.along[0]
        };
        if along > 0.0 {
            (self.positions[n - 1] - self.positions[0]) * (spacing_k / along)
        } else {
            self.axes[2] * spacing_k
        }
    }

    /// The index-to-LPS matrix of the stack as stored (sheared when the gantry is tilted).
    pub(crate) fn affine(&self, step: Vector) -> Affine {
        let cols = [
            self.axes[0] * self.pixel[0],
            self.axes[1] * self.pixel[1],
            step,
        ];
        let linear = [0, 1, 2].map(|r| cols.map(|c| c.0[r]));
        Affine::from_parts(linear, self.positions[0] - Point::ORIGIN)
    }

    /// The orthonormal direction (row, column, normal), nearest orthonormal if the IOP
    /// vectors are slightly skewed, with the size of that correction.
    pub(crate) fn direction(&self) -> (Direction, f64) {
        let [r, c, n] = self.axes;
        match Direction::from_columns(r, c, n) {
            Ok(d) => (d, 0.0),
            Err(_) => {
                let rows = [0, 1, 2].map(|i| [r.0[i], c.0[i], n.0[i]]);
                Direction::nearest_orthonormal(rows).unwrap_or((Direction::IDENTITY, 1.0))
            }
        }
    }

    /// Centres of the 8 corner voxels where they were acquired (i fastest, then j, then k),
    /// taken from the first and last slices' own positions.
    pub(crate) fn corners(&self, dims: [usize; 3], single_slice: Vector) -> [Point; 8] {
        let last = [dims[0].saturating_sub(1), dims[1].saturating_sub(1)];
        std::array::from_fn(|c| {
            let i = if c & 1 == 1 { last[0] } else { 0 } as f64;
            let j = if c & 2 == 2 { last[1] } else { 0 } as f64;
            let p = if c & 4 == 4 {
                if self.len() > 1 {
                    self.positions[self.len() - 1]
                } else {
                    self.positions[0] + single_slice
                }
            } else {
                self.positions[0]
            };
            p + self.axes[0] * (i * self.pixel[0]) + self.axes[1] * (j * self.pixel[1])
        })
    }

    /// An orthogonal grid (row, column, normal) holding every acquired voxel centre: slices at
    /// `along_mm` (uniform, starting at the first slice), rows extended to cover the in-plane
    /// shift of a tilted stack. Returns the grid's geometry and dims, or why there is none
    /// (a shift of more voxels than a count can hold, an invalid spacing or origin). The
    /// dims are not checked against any limit here: the caller does that before allocating.
    pub(crate) fn orthogonal_grid(
        &self,
        dims2: [usize; 2],
        spacing_k: f64,
        nk: usize,
    ) -> Result<(Geometry, [usize; 3]), String> {
        let (dir, _) = self.direction();
        let p0 = self.positions[0];
        let mut lo = [0.0f64; 2];
        let mut hi = [0.0f64; 2];
        for p in &self.positions {
            let d = *p - p0;
            for a in 0..2 {
                let t = d.dot(self.axes[a]) / self.pixel[a];
                lo[a] = lo[a].min(t);
                hi[a] = hi[a].max(t);
            }
        }
        let start = lo.map(|v| (v + 1e-3).floor());
        let mut dims = [0, 0, nk];
        for a in 0..2 {
            // >= 0: the first slice's own offset (0) is inside [lo, hi].
            let shift = (hi[a] - 1e-3).ceil() - start[a];
            dims[a] = exact_count(shift)
                .and_then(|extra| dims2[a].checked_add(extra))
                .ok_or_else(|| {
                    format!(
                        "the slices are shifted by {:.4e} voxels along {} (in-plane shift of \
                         the slice positions): no grid can hold them",
                        shift,
                        ["i", "j"][a]
                    )
                })?;
        }
        let origin = p0
            + self.axes[0] * (start[0] * self.pixel[0])
            + self.axes[1] * (start[1] * self.pixel[1]);
        let g = Geometry::new([self.pixel[0], self.pixel[1], spacing_k], origin, dir)
            .map_err(|e| format!("no orthogonal grid: {e}"))?;
        Ok((g, dims))
    }
}

/// Samples the acquired slices at the voxel centres of a grid (`dims`) whose index-to-LPS
/// matrix is `grid`: its i and j columns lie along the slices' rows and columns (an orthogonal
/// grid, or the sheared stack itself), its k column steps from plane to plane. Linear between
/// the two slices bracketing each output plane along the normal and bilinear within each slice
/// at its own (possibly shifted) position. Voxels outside the acquired slices get `fill`.
pub(crate) fn reslice(
    stack: &Stack,
    slices: &[Vec<f32>],
    slice_dims: [usize; 2],
    grid: &Affine,
    dims: [usize; 3],
    fill: f32,
) -> Vec<f32> {
    let [nx, ny, nz] = dims;
    let mut out = vec![fill; nx * ny * nz];
    let plane = nx * ny;
    let column = |c: usize| grid.column(c);
    let [sx, sy] = [column(0).norm(), column(1).norm()];
    let origin = Point::ORIGIN + grid.translation();
    let work = |k: usize, dst: &mut [f32]| {
        let centre = origin + column(2) * k as f64;
        let d = (centre - Point::ORIGIN).dot(stack.axes[2]);
        let Some((a, b, w)) = bracket(&stack.along, d) else {
            return;
        };
        // Continuous in-slice index of output voxel (0, 0, k) in slice s, and its steps.
        let start = |s: usize| {
            let rel = centre - stack.positions[s];
            (
                rel.dot(stack.axes[0]) / stack.pixel[0],
                rel.dot(stack.axes[1]) / stack.pixel[1],
            )
        };
        let (ua, va) = start(a);
        let (ub, vb) = start(b);
        let (du, dv) = (sx / stack.pixel[0], sy / stack.pixel[1]);
        let w = w as f32;
        for j in 0..ny {
            for i in 0..nx {
                let (fi, fj) = (i as f64 * du, j as f64 * dv);
                let sa = bilinear(&slices[a], slice_dims, ua + fi, va + fj);
                let value = if a == b {
                    sa
                } else {
                    let sb = bilinear(&slices[b], slice_dims, ub + fi, vb + fj);
                    sa.zip(sb).map(|(x, y)| x + (y - x) * w)
                };
                if let Some(v) = value {
                    dst[j * nx + i] = v;
                }
            }
        }
    };
    medvol_core::par::for_each_chunk_mut(&mut out, plane, work);
    out
}

/// The slices `(a, b)` around `d` in sorted `along`, and the weight of `b`.
fn bracket(along: &[f64], d: f64) -> Option<(usize, usize, f64)> {
    let tol = 1e-6 * (1.0 + d.abs());
    let n = along.len();
    if n == 0 || d < along[0] - tol || d > along[n - 1] + tol {
        return None;
    }
    let b = along.partition_point(|&x| x < d - tol).min(n - 1);
    if (along[b] - d).abs() <= tol || b == 0 {
        return Some((b, b, 0.0));
    }
    let a = b - 1;
    Some((a, b, (d - along[a]) / (along[b] - along[a])))
}

/// Bilinear sample of a `dims` (i fastest) slice at continuous index (u, v); `None` outside.
fn bilinear(s: &[f32], dims: [usize; 2], u: f64, v: f64) -> Option<f32> {
    const EPS: f64 = 1e-6;
    let [nx, ny] = dims;
    if u < -EPS || v < -EPS || u > (nx - 1) as f64 + EPS || v > (ny - 1) as f64 + EPS {
        return None;
    }
    let u = u.clamp(0.0, (nx - 1) as f64);
    let v = v.clamp(0.0, (ny - 1) as f64);
    let (i0, j0) = (u.floor() as usize, v.floor() as usize);
    let (i1, j1) = ((i0 + 1).min(nx - 1), (j0 + 1).min(ny - 1));
    let (fu, fv) = ((u - i0 as f64) as f32, (v - j0 as f64) as f32);
    let at = |i: usize, j: usize| s[j * nx + i];
    let top = at(i0, j0) + (at(i1, j0) - at(i0, j0)) * fu;
    let bottom = at(i0, j1) + (at(i1, j1) - at(i0, j1)) * fu;
    Some(top + (bottom - top) * fv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_gaps_are_implausible_not_missing() {
        // Reviewer's positions: ratios of 1e20 once saturated `as usize` and overflowed the sum.
        let s = SliceSpacing::from_positions(&[0.0, 1.0, 2.0, 3.0, 1e20, 2e20]);
        assert!(!s.uniform);
        assert_eq!((s.missing_slices, s.implausible_gaps), (0, 2));
        // Non-finite gaps are implausible too; a gap of 1000 median gaps is 999 missing.
        let s = SliceSpacing::from_positions(&[0.0, 1.0, 2.0, 3.0, 1003.0, f64::INFINITY]);
        assert!(!s.uniform);
        assert_eq!((s.missing_slices, s.implausible_gaps), (999, 1));
    }

    #[test]
    fn exact_count_refuses_what_a_count_cannot_hold() {
        assert_eq!(exact_count(3.0), Some(3));
        assert_eq!(exact_count((1u64 << 53) as f64), Some(1 << 53));
        for x in [-1.0, 0.5, 1e25, f64::INFINITY, f64::NAN] {
            assert_eq!(exact_count(x), None, "{x}");
        }
    }

    #[test]
    fn orthogonal_grid_of_an_absurd_shift_is_an_error() {
        let axes = [
            Vector([1.0, 0.0, 0.0]),
            Vector([0.0, 1.0, 0.0]),
            Vector([0.0, 0.0, 1.0]),
        ];
        let stack = |shift: f64| Stack {
            axes,
            pixel: [1.0, 1.0],
            positions: vec![Point([0.0; 3]), Point([shift, 0.0, 1.0])],
            along: vec![0.0, 1.0],
        };
        let why = stack(1e25).orthogonal_grid([2, 2], 1.0, 2).unwrap_err();
        assert!(why.contains("1.0000e25 voxels along i"), "{why}");
        let (g, dims) = stack(3.0).orthogonal_grid([2, 2], 1.0, 2).unwrap();
        assert_eq!(dims, [5, 2, 2]);
        assert_eq!(g.origin(), Point([0.0; 3]));
    }
}
