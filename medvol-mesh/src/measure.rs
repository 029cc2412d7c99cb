//! Mesh measures: area, enclosed volume, bounding box, edge topology, Euler characteristic and
//! connected components.
//!
//! Sums run in `f64` over `f32` positions, triangle by triangle in face order.

use crate::Mesh;
use medvol_core::{Isa, Point, Vector};

/// Edge topology of a mesh: each undirected edge is counted once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
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
#[non_exhaustive]
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

#[inline(always)]
fn triangle_area(p: [[f64; 3]; 3]) -> f64 {
    let [a, b, c] = p.map(Point);
    (b - a).cross(c - a).norm() / 2.0
}

/// Signed volume of the tetrahedron (origin, p0, p1, p2).
#[inline(always)]
fn triangle_volume(p: [[f64; 3]; 3]) -> f64 {
    let [a, b, c] = p.map(Vector);
    a.dot(b.cross(c)) / 6.0
}

/// Faces per chunk of the parallel sums: each chunk is summed in face order and the chunk sums
/// in chunk order, so the result has the same bits for any thread count.
const SUM_CHUNK: usize = 1 << 13;

/// The edge topology of the edges whose smaller vertex is in `vertices`: directed edges
/// bucketed by their smaller vertex (a counting sort sized exactly by a first pass over the
/// faces); each bucket holds `(larger vertex << 1) | direction` and is a handful of entries long.
/// Entries are `u32` (`K`) when every vertex id is below 2³¹, which halves the memory the
/// buckets fill; `u64` otherwise.
fn edge_report_of<K>(faces: &[[u32; 3]], vertices: std::ops::Range<usize>) -> EdgeReport
where
    K: Copy + Ord + Default + TryFrom<u64> + Into<u64>,
{
    let (v0, len) = (vertices.start, vertices.len());
    let mut start = vec![0u32; len + 1];
    let local = |a: u32, b: u32| (a.min(b) as usize).wrapping_sub(v0);
    for f in faces {
        for s in 0..3 {
            let x = local(f[s], f[(s + 1) % 3]);
            if x < len {
                start[x + 1] += 1;
            }
        }
    }
    for v in 0..len {
        start[v + 1] += start[v];
    }
    let mut fill = start.clone();
    let mut entries = vec![K::default(); start[len] as usize];
    for f in faces {
        for s in 0..3 {
            let (a, b) = (f[s], f[(s + 1) % 3]);
            let x = local(a, b);
            if x < len {
                let (hi, dir) = if a < b { (b, 0) } else { (a, 1) };
                let slot = &mut fill[x];
                let Ok(key) = K::try_from((u64::from(hi) << 1) | dir) else {
                    unreachable!("the caller chose a key type wide enough for every vertex id")
                };
                entries[*slot as usize] = key;
                *slot += 1;
            }
        }
    }
    let mut report = EdgeReport::default();
    for v in 0..len {
        let bucket = &mut entries[start[v] as usize..start[v + 1] as usize];
        sort_small(bucket);
        let mut i = 0;
        while i < bucket.len() {
            let edge = bucket[i].into() >> 1;
            let j = i + bucket[i..].partition_point(|&y| y.into() >> 1 == edge);
            let forward = bucket[i..j].iter().filter(|&&y| y.into() & 1 == 0).count();
            tally(&mut report, j - i, forward);
            i = j;
        }
    }
    report
}

/// Sorts a bucket: insertion sort for the usual handful of entries.
#[inline(always)]
fn sort_small<K: Copy + Ord>(bucket: &mut [K]) {
    if bucket.len() > 16 {
        bucket.sort_unstable();
        return;
    }
    for i in 1..bucket.len() {
        let x = bucket[i];
        let mut j = i;
        while j > 0 && bucket[j - 1] > x {
            bucket[j] = bucket[j - 1];
            j -= 1;
        }
        bucket[j] = x;
    }
}

/// Adds an edge of `count` triangles, `forward` of which run from its smaller vertex to its
/// larger one.
#[inline(always)]
fn tally(report: &mut EdgeReport, count: usize, forward: usize) {
    report.edges += 1;
    match count {
        1 => report.boundary_edges += 1,
        2 if forward != 1 => report.misoriented_edges += 1,
        2 => {}
        _ => report.non_manifold_edges += 1,
    }
}

/// Lanes of [`chunk_sums`]: triangles summed side by side, one partial sum per lane.
const LANES: usize = 8;

/// Area and signed volume (relative to `o`) of `faces`: triangle `t` goes to lane `t % LANES`
/// (in order), and the lanes are added in order at the end. Plain `f64` arithmetic without
/// fused multiply-adds, so every ISA gives the same bits.
#[inline(always)]
fn chunk_sums(positions: &[[f32; 3]], faces: &[[u32; 3]], o: [f64; 3]) -> [f64; 2] {
    let mut area = [0.0f64; LANES];
    let mut volume = [0.0f64; LANES];
    let mut groups = faces.chunks_exact(LANES);
    for group in &mut groups {
        // Corner c, axis a, lane l, relative to `o`.
        let mut p = [[[0.0f64; LANES]; 3]; 3];
        for (l, f) in group.iter().enumerate() {
            for c in 0..3 {
                let q = positions[f[c] as usize];
                for a in 0..3 {
                    p[c][a][l] = f64::from(q[a]) - o[a];
                }
            }
        }
        for l in 0..LANES {
            let [a, v] = triangle_sums([0, 1, 2].map(|c| [0, 1, 2].map(|x| p[c][x][l])));
            area[l] += a;
            volume[l] += v;
        }
    }
    for (l, f) in groups.remainder().iter().enumerate() {
        let p = f.map(|v| {
            let q = positions[v as usize];
            [0, 1, 2].map(|a| f64::from(q[a]) - o[a])
        });
        let [a, v] = triangle_sums(p);
        area[l] += a;
        volume[l] += v;
    }
    [area.iter().sum(), volume.iter().sum()]
}

/// Area and signed volume of the tetrahedron (origin, p0, p1, p2) of one triangle.
#[inline(always)]
fn triangle_sums(p: [[f64; 3]; 3]) -> [f64; 2] {
    [triangle_area(p), triangle_volume(p)]
}

impl Mesh {
    /// Area of triangle `face`, mm².
    ///
    /// # Panics
    /// When `face` is out of range.
    pub fn triangle_area_mm2(&self, face: usize) -> f64 {
        triangle_area(corners(self, &self.faces()[face]))
    }

    /// Total surface area, mm² (see [`Self::area_and_volume`]).
    pub fn area_mm2(&self) -> f64 {
        self.sums()[0]
    }

    /// Enclosed volume, mm³, by the divergence theorem: positive when the normals point
    /// outwards, meaningful when the surface is closed (see [`Self::area_and_volume`]).
    pub fn signed_volume_mm3(&self) -> f64 {
        self.sums()[1]
    }

    /// The enclosed volume, mm³, when the surface is closed (every edge shared by two
    /// consistently oriented triangles); `None` when it is open or not manifold, where a volume
    /// means nothing: report [`EdgeReport::boundary_edges`] instead.
    ///
    /// ```
    /// use medvol_core::{Geometry, Ijk, Volume};
    /// use medvol_mesh::MarchingCubes;
    ///
    /// // One inside voxel in the corner of the grid: the surface meets the border there.
    /// let mut v = Volume::<u8>::zeros([3, 3, 3], Geometry::default())?;
    /// v[Ijk::new(0, 0, 0)] = 1;
    /// let closed = MarchingCubes::new(0.5)?.run(&v)?;
    /// assert_eq!(closed.enclosed_volume_mm3(), Some(closed.signed_volume_mm3()));
    /// let open = MarchingCubes::new(0.5)?.with_close_border(false).run(&v)?;
    /// assert_eq!(open.edge_report().boundary_edges, 3);
    /// assert_eq!(open.enclosed_volume_mm3(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn enclosed_volume_mm3(&self) -> Option<f64> {
        self.edge_report()
            .is_closed_manifold()
            .then(|| self.signed_volume_mm3())
    }

    /// [`Self::area_mm2`] and [`Self::signed_volume_mm3`] in one pass over the faces.
    ///
    /// The sums run in parallel with the rayon feature, over fixed chunks of faces added in
    /// order: the results have the same bits for any thread count.
    ///
    /// ```
    /// use medvol_core::phantom::HeadPhantom;
    /// use medvol_mesh::isosurface;
    ///
    /// let ct = HeadPhantom::new([40, 40, 32], [5.0, 5.0, 6.0])?.generate();
    /// let skin = isosurface(&ct, -500.0)?;
    /// assert_eq!(skin.area_and_volume(), (skin.area_mm2(), skin.signed_volume_mm3()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn area_and_volume(&self) -> (f64, f64) {
        let [area, volume] = self.sums();
        (area, volume)
    }

    /// `[area, volume]` summed over chunks of [`SUM_CHUNK`] faces, with the best ISA.
    fn sums(&self) -> [f64; 2] {
        self.sums_with(Isa::best())
    }

    /// [`Self::sums`] with the kernel of `isa`.
    fn sums_with(&self, isa: Isa) -> [f64; 2] {
        // Relative to the first vertex, which keeps the sums small for meshes far from the
        // origin.
        let Some(o) = self.positions().first().map(|p| p.map(f64::from)) else {
            return [0.0; 2];
        };
        let faces = self.faces();
        medvol_core::par::map_ranges(faces.len(), SUM_CHUNK, |range| {
            let (positions, faces) = (self.positions(), &faces[range]);
            match isa.avx2() {
                Some(t) => t.run(|| chunk_sums(positions, faces, o)),
                None => chunk_sums(positions, faces, o),
            }
        })
        .into_iter()
        .fold([0.0; 2], |acc, s| [acc[0] + s[0], acc[1] + s[1]])
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
    ///
    /// With the rayon feature, each task takes a range of vertices and counts the edges whose
    /// smaller vertex is in it; the counts do not depend on the thread count.
    pub fn edge_report(&self) -> EdgeReport {
        let tasks = medvol_core::par::threads()
            .min(self.vertex_count().div_ceil(1 << 14))
            .max(1);
        self.edge_report_in(tasks)
    }

    /// [`Self::edge_report`] split into `tasks` vertex ranges.
    fn edge_report_in(&self, tasks: usize) -> EdgeReport {
        let n = self.vertex_count();
        medvol_core::par::map_ranges(n, n.div_ceil(tasks.max(1)).max(1), |vertices| {
            if n <= 1 << 31 {
                edge_report_of::<u32>(self.faces(), vertices)
            } else {
                edge_report_of::<u64>(self.faces(), vertices)
            }
        })
        .into_iter()
        .fold(EdgeReport::default(), |a, b| EdgeReport {
            edges: a.edges + b.edges,
            boundary_edges: a.boundary_edges + b.boundary_edges,
            non_manifold_edges: a.non_manifold_edges + b.non_manifold_edges,
            misoriented_edges: a.misoriented_edges + b.misoriented_edges,
        })
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
        /// Joins the sets of `x` and `y`, both roots found afresh (the smaller root stays).
        fn union(parent: &mut [u32], x: u32, y: u32) {
            let (a, b) = (find(parent, x), find(parent, y));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        for f in self.faces() {
            union(&mut parent, f[0], f[1]);
            union(&mut parent, f[0], f[2]);
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
        self.components_of(&labels, count)
    }

    /// The components given the face labels of [`Mesh::component_labels`].
    fn components_of(&self, labels: &[u32], count: usize) -> Vec<Component> {
        let mut out = vec![Component::default(); count];
        let o = self
            .positions()
            .first()
            .map(|p| p.map(f64::from))
            .unwrap_or_default();
        for (f, &l) in self.faces().iter().zip(labels) {
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
        let (labels, count) = self.component_labels();
        let best = self
            .components_of(&labels, count)
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
        let (labels, count) = self.component_labels();
        let keep: Vec<bool> = self
            .components_of(&labels, count)
            .iter()
            .map(|c| c.triangles >= min_triangles)
            .collect();
        self.filter_faces(|f| keep[labels[f] as usize])
    }
}

#[cfg(test)]
mod tests {
    use crate::{EdgeReport, Frame, Mesh};

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

    /// The plain definitions: a map of undirected edges, sequential sums in face order.
    fn naive(m: &Mesh) -> (EdgeReport, f64, f64) {
        let mut edges = std::collections::BTreeMap::<(u32, u32), (usize, usize)>::new();
        for f in m.faces() {
            for s in 0..3 {
                let (a, b) = (f[s], f[(s + 1) % 3]);
                let e = edges.entry((a.min(b), a.max(b))).or_default();
                e.0 += 1;
                e.1 += usize::from(a < b);
            }
        }
        let mut r = EdgeReport {
            edges: edges.len(),
            ..EdgeReport::default()
        };
        for &(count, forward) in edges.values() {
            match count {
                1 => r.boundary_edges += 1,
                2 if forward != 1 => r.misoriented_edges += 1,
                2 => {}
                _ => r.non_manifold_edges += 1,
            }
        }
        let o = m.positions()[0].map(f64::from);
        let (mut area, mut volume) = (0.0, 0.0);
        for f in m.faces() {
            let p = f.map(|v| m.positions()[v as usize].map(f64::from));
            area += super::triangle_area(p);
            volume += super::triangle_volume(p.map(|q| [0, 1, 2].map(|a| q[a] - o[a])));
        }
        (r, area, volume)
    }

    #[test]
    fn measures_match_the_naive_definitions() {
        use medvol_core::phantom::HeadPhantom;
        let ct = HeadPhantom::new([41, 37, 30], [5.0, 5.5, 6.0])
            .unwrap()
            .with_noise(9, 80.0)
            .generate();
        // Open at the border (boundary edges), then with extra triangles on existing edges
        // (non-manifold) and flipped ones (misoriented).
        let open = crate::MarchingCubes::new(200.0)
            .unwrap()
            .with_close_border(false)
            .run(&ct)
            .unwrap();
        let (p, mut f, _) = open.clone().into_parts();
        assert!(f.len() > 5000);
        let extra: Vec<[u32; 3]> = f.iter().step_by(97).map(|t| [t[1], t[0], t[2]]).collect();
        f.extend(extra);
        f[10] = [f[10][0], f[10][2], f[10][1]];
        let odd = Mesh::new(p, f, Frame::Lps).unwrap();
        let r = naive(&odd).0;
        assert!(r.boundary_edges > 0 && r.non_manifold_edges > 0 && r.misoriented_edges > 0);
        // A fan around vertex 0, some triangles repeated or flipped: its bucket is long.
        let fan_p: Vec<[f32; 3]> = (0..30)
            .map(|i| {
                let a = i as f32 * 0.2;
                [a.cos() * i as f32, a.sin() * i as f32, (i % 3) as f32]
            })
            .collect();
        let mut fan_f: Vec<[u32; 3]> = (1..29).map(|i| [0, i, i + 1]).collect();
        fan_f.extend((1..29).step_by(4).map(|i| [0, i + 1, i]));
        fan_f.extend((2..29).step_by(5).map(|i| [0, i, i + 1]));
        let fan = Mesh::new(fan_p, fan_f, Frame::Lps).unwrap();
        for m in [open, odd, cube_with_hole(), fan] {
            let (report, area, volume) = naive(&m);
            for tasks in [1, 2, 3, 5, 64] {
                assert_eq!(m.edge_report_in(tasks), report, "{tasks} tasks");
            }
            assert_eq!(m.edge_report(), report);
            // The wide entries of meshes with 2³¹ vertices or more.
            let all = 0..m.vertex_count();
            assert_eq!(super::edge_report_of::<u64>(m.faces(), all), report);
            let (a, v) = m.area_and_volume();
            assert!((a - area).abs() <= 1e-12 * area, "{a} {area}");
            assert!((v - volume).abs() <= 1e-9 * area.max(1.0), "{v} {volume}");
            assert_eq!((m.area_mm2(), m.signed_volume_mm3()), (a, v));
        }
    }

    #[test]
    fn every_isa_sums_like_the_scalar_reference() {
        use medvol_core::phantom::HeadPhantom;
        let ct = HeadPhantom::new([60, 56, 40], [3.0, 3.0, 4.5])
            .unwrap()
            .generate();
        let m = crate::isosurface(&ct, -500.0).unwrap();
        // Several chunks, and a partial group of lanes at the end of the last one.
        assert!(m.triangle_count() > 2 * super::SUM_CHUNK);
        assert_ne!(m.triangle_count() % super::LANES, 0);
        use medvol_core::Isa;
        let reference = m.sums_with(Isa::Scalar);
        for &isa in Isa::available() {
            let sums = m.sums_with(isa);
            assert_eq!(
                sums.map(f64::to_bits),
                reference.map(f64::to_bits),
                "{isa:?}"
            );
        }
    }

    #[test]
    fn measures_do_not_depend_on_the_thread_count() {
        use medvol_core::phantom::HeadPhantom;
        let ct = HeadPhantom::new([150, 140, 64], [1.6, 1.6, 3.2])
            .unwrap()
            .generate();
        let m = crate::isosurface(&ct, -500.0).unwrap();
        // Several chunks of the sums and several vertex ranges of the edge report.
        assert!(m.triangle_count() > 3 * super::SUM_CHUNK);
        assert!(m.vertex_count() > 2 << 14);
        let runs: Vec<_> = [1, 2, 3]
            .map(|threads| {
                medvol_core::par::with_threads(threads, || (m.area_and_volume(), m.edge_report()))
            })
            .into();
        for r in &runs[1..] {
            assert_eq!(r.0.0.to_bits(), runs[0].0.0.to_bits());
            assert_eq!(r.0.1.to_bits(), runs[0].0.1.to_bits());
            assert_eq!(r.1, runs[0].1);
        }
        assert_eq!(runs[0].1, naive(&m).0);
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

    #[test]
    fn faces_sharing_one_vertex_are_one_component() {
        // Review repro: the second face joins through vertex 0, the smallest root of the first.
        let p = vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [1.0; 3],
        ];
        let m = Mesh::new(p, vec![[2, 0, 1], [0, 3, 4]], Frame::Lps).unwrap();
        assert_eq!(m.component_labels(), (vec![0, 0], 1));
        assert_eq!(m.components().len(), 1);
        assert_eq!(m.largest_component().triangle_count(), 2);
        assert_eq!(m.remove_small_components(2).triangle_count(), 2);
    }

    /// Face labels by breadth-first search over faces sharing a vertex, numbered in order of
    /// first face: the reference for the union-find.
    fn bfs_labels(m: &Mesh) -> (Vec<u32>, usize) {
        let mut faces_of = vec![Vec::new(); m.vertex_count()];
        for (i, f) in m.faces().iter().enumerate() {
            f.iter().for_each(|&v| faces_of[v as usize].push(i));
        }
        let mut labels = vec![u32::MAX; m.triangle_count()];
        let mut count = 0;
        for start in 0..labels.len() {
            if labels[start] != u32::MAX {
                continue;
            }
            labels[start] = count;
            let mut queue = std::collections::VecDeque::from([start]);
            while let Some(f) = queue.pop_front() {
                for &v in &m.faces()[f] {
                    for &g in &faces_of[v as usize] {
                        if labels[g] == u32::MAX {
                            labels[g] = count;
                            queue.push_back(g);
                        }
                    }
                }
            }
            count += 1;
        }
        (labels, count as usize)
    }

    #[test]
    fn components_match_a_breadth_first_search_in_any_order() {
        // Parts touching at single vertices or edges, and apart: fans around a hub, a bowtie,
        // two cubes sharing a corner, a chain of triangles, a loop of three triangles.
        let (cube_p, cube_f, _) = cube_with_hole().into_parts();
        let mut p: Vec<[f32; 3]> = (0..40)
            .map(|i| [i as f32, (i * i % 7) as f32, 0.5])
            .collect();
        let mut f: Vec<[u32; 3]> = vec![
            [0, 1, 2],
            [0, 3, 4],
            [0, 5, 6],
            [7, 8, 9],
            [9, 10, 11],
            [12, 13, 14],
            [13, 14, 15],
            [15, 16, 17],
            [17, 18, 19],
            [20, 21, 22],
            [23, 24, 25],
            [25, 26, 20],
        ];
        let n = p.len() as u32;
        p.extend(&cube_p);
        f.extend(cube_f.iter().map(|t| t.map(|v| v + n)));
        // A second cube sharing the first cube's vertex 7.
        let m = p.len() as u32;
        p.extend(cube_p.iter().map(|q| q.map(|x| x + 1.0)));
        f.extend(
            cube_f
                .iter()
                .map(|t| t.map(|v| if v == 0 { n + 7 } else { v + m })),
        );
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        let mut counts = Vec::new();
        for _ in 0..300 {
            // Random vertex numbering, face order and corner rotation.
            let mut relabel: Vec<u32> = (0..p.len() as u32).collect();
            for i in (1..relabel.len()).rev() {
                relabel.swap(i, next(i + 1));
            }
            let mut faces: Vec<[u32; 3]> = f
                .iter()
                .map(|t| {
                    let r = next(3);
                    [t[r], t[(r + 1) % 3], t[(r + 2) % 3]].map(|v| relabel[v as usize])
                })
                .collect();
            for i in (1..faces.len()).rev() {
                faces.swap(i, next(i + 1));
            }
            let mesh = Mesh::new(p.clone(), faces, Frame::Lps).unwrap();
            let expected = bfs_labels(&mesh);
            assert_eq!(mesh.component_labels(), expected);
            let comps = mesh.components();
            assert_eq!(comps.len(), expected.1);
            let kept = mesh.remove_small_components(3);
            let small: usize = comps
                .iter()
                .filter(|c| c.triangles < 3)
                .map(|c| c.triangles)
                .sum();
            assert_eq!(kept.triangle_count(), mesh.triangle_count() - small);
            assert_eq!(mesh.largest_component().triangle_count(), 24);
            counts.push(expected.1);
        }
        // Fan, bowtie, chain, loop of triangles, the two cubes sharing a corner.
        assert!(counts.iter().all(|&c| c == 5), "{counts:?}");
    }
}
