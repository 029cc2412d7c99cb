//! Mesh measures: area, enclosed volume, bounding box, edge topology, Euler characteristic and
//! connected components.
//!
//! Sums run in `f64` over `f32` positions, triangle by triangle in face order.

use crate::Mesh;

/// Edge topology of a mesh: each undirected edge is counted once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeReport {
    /// Distinct undirected edges.
    pub edges: usize,
    /// Edges of exactly one triangle (holes or the open border of the surface).
    pub boundary_edges: usize,
    /// Edges of three or more triangles.
    pub non_manifold_edges: usize,
    /// Edges of two triangles that run the same way along them (inconsistent orientation).
    pub misoriented_edges: usize,
}

impl EdgeReport {
    /// `true` when every edge belongs to exactly two consistently oriented triangles.
    pub fn is_closed_manifold(&self) -> bool {
        self.boundary_edges == 0 && self.non_manifold_edges == 0 && self.misoriented_edges == 0
    }
}

/// One connected component (triangles linked through shared vertices).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Component {
    /// Its number of triangles.
    pub triangles: usize,
    /// Its surface area, mm².
    pub area_mm2: f64,
    /// Its enclosed signed volume, mm³ (meaningful when the component is closed).
    pub volume_mm3: f64,
}

fn corners(mesh: &Mesh, f: &[u32; 3]) -> [[f64; 3]; 3] {
    f.map(|v| mesh.positions()[v as usize].map(f64::from))
}

fn triangle_area(p: [[f64; 3]; 3]) -> f64 {
    let u = [0, 1, 2].map(|a| p[1][a] - p[0][a]);
    let v = [0, 1, 2].map(|a| p[2][a] - p[0][a]);
    let c = crate::marching_cubes::tables::cross(u, v);
    (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt() / 2.0
}

/// Signed volume of the tetrahedron (origin, p0, p1, p2).
fn triangle_volume(p: [[f64; 3]; 3]) -> f64 {
    let c = crate::marching_cubes::tables::cross(p[1], p[2]);
    (p[0][0] * c[0] + p[0][1] * c[1] + p[0][2] * c[2]) / 6.0
}

impl Mesh {
    /// Area of triangle `face`, mm².
    ///
    /// # Panics
    /// When `face` is out of range.
    pub fn triangle_area_mm2(&self, face: usize) -> f64 {
        triangle_area(corners(self, &self.faces()[face]))
    }

    /// Total surface area, mm².
    pub fn area_mm2(&self) -> f64 {
        self.faces()
            .iter()
            .map(|f| triangle_area(corners(self, f)))
            .sum()
    }

    /// Enclosed volume, mm³, by the divergence theorem: positive when the normals point
    /// outwards, meaningful when the surface is closed.
    pub fn signed_volume_mm3(&self) -> f64 {
        // Relative to the first vertex, which keeps the sums small for meshes far from the origin.
        let Some(o) = self.positions().first().map(|p| p.map(f64::from)) else {
            return 0.0;
        };
        self.faces()
            .iter()
            .map(|f| triangle_volume(corners(self, f).map(|p| [0, 1, 2].map(|a| p[a] - o[a]))))
            .sum()
    }

    /// Axis-aligned bounding box `(min, max)` of the vertices used by faces, mm; `None` when empty.
    pub fn bounding_box(&self) -> Option<([f64; 3], [f64; 3])> {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for f in self.faces() {
            for p in corners(self, f) {
                for a in 0..3 {
                    lo[a] = lo[a].min(p[a]);
                    hi[a] = hi[a].max(p[a]);
                }
            }
        }
        (!self.is_empty()).then_some((lo, hi))
    }

    /// Counts edges, boundary edges, non-manifold and misoriented edges.
    pub fn edge_report(&self) -> EdgeReport {
        // Directed edges bucketed by their smaller vertex (a counting sort, linear time); each
        // bucket holds `(larger vertex << 1) | direction` and is a handful of entries long.
        let n = self.vertex_count();
        let mut start = vec![0u32; n + 1];
        for f in self.faces() {
            for s in 0..3 {
                start[f[s].min(f[(s + 1) % 3]) as usize + 1] += 1;
            }
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut entries = vec![0u64; start[n] as usize];
        for f in self.faces() {
            for s in 0..3 {
                let (a, b) = (f[s], f[(s + 1) % 3]);
                let (lo, hi, dir) = if a < b { (a, b, 0) } else { (b, a, 1) };
                let slot = &mut fill[lo as usize];
                entries[*slot as usize] = (u64::from(hi) << 1) | dir;
                *slot += 1;
            }
        }
        let mut report = EdgeReport::default();
        for v in 0..n {
            let bucket = &mut entries[start[v] as usize..start[v + 1] as usize];
            bucket.sort_unstable();
            let mut i = 0;
            while i < bucket.len() {
                let edge = bucket[i] >> 1;
                let mut j = i;
                let mut forward = 0;
                while j < bucket.len() && bucket[j] >> 1 == edge {
                    forward += usize::from(bucket[j] & 1 == 0);
                    j += 1;
                }
                report.edges += 1;
                match j - i {
                    1 => report.boundary_edges += 1,
                    2 if forward != 1 => report.misoriented_edges += 1,
                    2 => {}
                    _ => report.non_manifold_edges += 1,
                }
                i = j;
            }
        }
        report
    }

    /// Euler characteristic V - E + F over the vertices used by faces (2 for a sphere, 0 for a
    /// torus, 2 - 2g for a closed surface of genus g, summed over components).
    pub fn euler_characteristic(&self) -> i64 {
        let mut used = vec![false; self.vertex_count()];
        self.faces()
            .iter()
            .flatten()
            .for_each(|&v| used[v as usize] = true);
        let v = used.iter().filter(|&&u| u).count() as i64;
        v - self.edge_report().edges as i64 + self.triangle_count() as i64
    }

    /// Component label of every face (0.. in order of first face) and the number of components.
    pub fn component_labels(&self) -> (Vec<u32>, usize) {
        let mut parent: Vec<u32> = (0..self.vertex_count() as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let p = parent[parent[x as usize] as usize];
                parent[x as usize] = p;
                x = p;
            }
            x
        }
        for f in self.faces() {
            let a = find(&mut parent, f[0]);
            for &v in &f[1..] {
                let b = find(&mut parent, v);
                if a != b {
                    let (lo, hi) = (a.min(b), a.max(b));
                    parent[hi as usize] = lo;
                }
            }
        }
        let mut label_of_root = vec![u32::MAX; self.vertex_count()];
        let mut count = 0usize;
        let labels = self
            .faces()
            .iter()
            .map(|f| {
                let r = find(&mut parent, f[0]) as usize;
                if label_of_root[r] == u32::MAX {
                    label_of_root[r] = count as u32;
                    count += 1;
                }
                label_of_root[r]
            })
            .collect();
        (labels, count)
    }

    /// The connected components, in order of their first face.
    pub fn components(&self) -> Vec<Component> {
        let (labels, count) = self.component_labels();
        let mut out = vec![Component::default(); count];
        let o = self
            .positions()
            .first()
            .map(|p| p.map(f64::from))
            .unwrap_or_default();
        for (f, &l) in self.faces().iter().zip(&labels) {
            let p = corners(self, f);
            let c = &mut out[l as usize];
            c.triangles += 1;
            c.area_mm2 += triangle_area(p);
            c.volume_mm3 += triangle_volume(p.map(|q| [0, 1, 2].map(|a| q[a] - o[a])));
        }
        out
    }

    /// The component of largest area (empty mesh if there is none).
    pub fn largest_component(&self) -> Mesh {
        let (labels, _) = self.component_labels();
        let best = self
            .components()
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.area_mm2.total_cmp(&b.1.area_mm2).then(b.0.cmp(&a.0)))
            .map(|(i, _)| i as u32);
        match best {
            Some(b) => self.filter_faces(|f| labels[f] == b),
            None => self.clone(),
        }
    }

    /// The mesh without components of fewer than `min_triangles` triangles.
    pub fn remove_small_components(&self, min_triangles: usize) -> Mesh {
        let (labels, _) = self.component_labels();
        let keep: Vec<bool> = self
            .components()
            .iter()
            .map(|c| c.triangles >= min_triangles)
            .collect();
        self.filter_faces(|f| keep[labels[f] as usize])
    }
}

#[cfg(test)]
mod tests {
    use crate::{Frame, Mesh};

    fn cube_with_hole() -> Mesh {
        // Unit cube, 12 triangles, outward.
        let p: Vec<[f32; 3]> = (0..8)
            .map(|c| [(c & 1) as f32, ((c >> 1) & 1) as f32, ((c >> 2) & 1) as f32])
            .collect();
        let f = vec![
            [0, 2, 1],
            [1, 2, 3],
            [4, 5, 6],
            [5, 7, 6],
            [0, 1, 4],
            [1, 5, 4],
            [2, 6, 3],
            [3, 6, 7],
            [0, 4, 2],
            [2, 4, 6],
            [1, 3, 5],
            [3, 7, 5],
        ];
        Mesh::new(p, f, Frame::Lps).unwrap()
    }

    #[test]
    fn cube_measures() {
        let m = cube_with_hole();
        assert!((m.area_mm2() - 6.0).abs() < 1e-12);
        assert!((m.signed_volume_mm3() - 1.0).abs() < 1e-12);
        assert!(m.edge_report().is_closed_manifold());
        assert_eq!(m.edge_report().edges, 18);
        assert_eq!(m.euler_characteristic(), 2);
        assert_eq!(m.bounding_box(), Some(([0.0; 3], [1.0; 3])));
        // Remove one triangle: three boundary edges; flip one: three misoriented edges.
        let open = m.filter_faces(|f| f != 0);
        assert_eq!(open.edge_report().boundary_edges, 3);
        let (p, mut f, _) = m.clone().into_parts();
        f[0] = [0, 1, 2];
        let flipped = Mesh::new(p, f, Frame::Lps).unwrap();
        assert_eq!(flipped.edge_report().misoriented_edges, 3);
    }

    #[test]
    fn components_and_filters() {
        let (p, f, _) = cube_with_hole().into_parts();
        // A second, smaller cube far away.
        let mut pos = p.clone();
        pos.extend(p.iter().map(|q| q.map(|x| x * 0.5 + 10.0)));
        let mut faces = f.clone();
        faces.extend(f.iter().map(|t| t.map(|v| v + 8)));
        let two = Mesh::new(pos, faces, Frame::Lps).unwrap();
        let comps = two.components();
        assert_eq!(comps.len(), 2);
        assert!((comps[1].volume_mm3 - 0.125).abs() < 1e-9);
        assert!((comps[1].area_mm2 - 1.5).abs() < 1e-9);
        let largest = two.largest_component();
        assert_eq!(largest.triangle_count(), 12);
        assert!((largest.signed_volume_mm3() - 1.0).abs() < 1e-9);
        assert_eq!(largest.vertex_count(), 8);
        assert_eq!(two.remove_small_components(13).triangle_count(), 0);
        assert_eq!(two.remove_small_components(12).triangle_count(), 24);
        assert_eq!(two.euler_characteristic(), 4);
    }
}
