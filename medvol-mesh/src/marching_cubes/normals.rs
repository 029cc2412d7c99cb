//! Vertex normals: central-difference gradients mapped to millimetres, and the fallback for
//! vertices without a usable gradient.

use super::*;

impl<T: Voxel> Grid<'_, T> {
    /// Value at logical `l` as the gradient reads it: with a closed border, the padding value
    /// ([`Grid::outside`], as vertex placement uses it) at and beyond the padding around the
    /// region; otherwise the volume value clamped into the volume.
    #[inline(always)]
    pub(super) fn gradient_value(&self, l: [isize; 3]) -> f64 {
        let pad = self.pad as isize;
        if pad != 0 && (0..3).any(|a| l[a] < pad || l[a] >= self.n[a] as isize - pad) {
            return self.outside;
        }
        let v =
            [0, 1, 2].map(|a| (l[a] + self.offset[a]).clamp(0, self.dims[a] as isize - 1) as usize);
        self.data[(v[2] * self.dims[1] + v[1]) * self.dims[0] + v[0]].to_f64()
    }

    /// Unit normal at the vertex `t` along `axis` from grid point `l`, outward (down the
    /// gradient); `[0, 0, 0]` where the gradient vanishes or is not finite (NaN voxels, or
    /// padding without a value below the level), for [`fill_degenerate_normals`] to replace.
    pub(super) fn normal(
        &self,
        l: [usize; 3],
        axis: usize,
        t: f64,
        gradient_map: &[[f64; 3]; 3],
    ) -> [f32; 3] {
        let grad = |p: [usize; 3]| {
            let p = p.map(|x| x as isize);
            [0, 1, 2].map(|a| {
                let (mut lo, mut hi) = (p, p);
                lo[a] -= 1;
                hi[a] += 1;
                (self.gradient_value(hi) - self.gradient_value(lo)) / 2.0
            })
        };
        let mut l1 = l;
        l1[axis] += 1;
        let (g0, g1) = (grad(l), grad(l1));
        let g = [0, 1, 2].map(|a| g0[a] * (1.0 - t) + g1[a] * t);
        let n = [0, 1, 2].map(|r| {
            -(gradient_map[r][0] * g[0] + gradient_map[r][1] * g[1] + gradient_map[r][2] * g[2])
        });
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        if len > 0.0 && len.is_finite() {
            n.map(|x| (x / len) as f32)
        } else {
            [0.0; 3]
        }
    }
}

/// Replaces each normal left `[0, 0, 0]` by [`Grid::normal`] (no usable gradient) with the
/// area-weighted normal of the vertex's triangles (as wound: outward), or, should those cancel,
/// the normal of its largest triangle. Serial and in face order, so the result depends only on
/// the mesh.
pub(super) fn fill_degenerate_normals(
    positions: &[[f32; 3]],
    faces: &[[u32; 3]],
    normals: &mut [[f32; 3]],
) {
    let degenerate: Vec<u32> = (0..normals.len() as u32)
        .filter(|&v| normals[v as usize] == [0.0; 3])
        .collect();
    if degenerate.is_empty() {
        return;
    }
    // Per degenerate vertex: sum of twice the face areas times their unit normals, and the
    // largest face's (twice area, unnormalised normal).
    let mut sums = vec![[0f64; 3]; degenerate.len()];
    let mut largest = vec![(0f64, [0f64; 3]); degenerate.len()];
    for face in faces {
        let [a, b, c] = face.map(|v| positions[v as usize].map(f64::from));
        let u = [0, 1, 2].map(|x| b[x] - a[x]);
        let w = [0, 1, 2].map(|x| c[x] - a[x]);
        let cross = [
            u[1] * w[2] - u[2] * w[1],
            u[2] * w[0] - u[0] * w[2],
            u[0] * w[1] - u[1] * w[0],
        ];
        let area = length(cross);
        for v in face {
            if let Ok(x) = degenerate.binary_search(v) {
                (0..3).for_each(|r| sums[x][r] += cross[r]);
                if area > largest[x].0 {
                    largest[x] = (area, cross);
                }
            }
        }
    }
    for ((&v, sum), (_, big)) in degenerate.iter().zip(&sums).zip(&largest) {
        let n = if length(*sum) > 0.0 { sum } else { big };
        let len = length(*n);
        if len > 0.0 {
            normals[v as usize] = n.map(|x| (x / len) as f32);
        }
    }
}

/// Euclidean length of `v`.
pub(super) fn length(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// The matrix taking an index-space gradient to an output-frame gradient: the inverse
/// transpose of the linear part of the affine, i.e. direction · diag(1 / spacing).
pub(super) fn normal_matrix(geometry: &Geometry, frame: Frame) -> [[f64; 3]; 3] {
    let d = geometry.direction().rows();
    let s = geometry.spacing();
    let m = d.map(|row| [0, 1, 2].map(|c| row[c] / s[c]));
    Affine::from_linear(m).in_frame(frame).linear()
}
