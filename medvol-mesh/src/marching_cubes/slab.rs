//! Slab emission: the two passes over a slab of cell planes (count, then emit vertices and
//! triangles into the slab's own part of the output), and the whole-grid driver.

use super::*;

/// Vertices and triangles of one slab.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SlabCounts {
    pub(super) vertices: u64,
    pub(super) triangles: u64,
}

/// Where one slab writes its vertices, normals and triangles.
pub(super) struct SlabOut<'o> {
    pub(super) positions: &'o mut [[f32; 3]],
    pub(super) normals: Option<&'o mut [[f32; 3]]>,
    pub(super) faces: &'o mut [[u32; 3]],
}

/// Cell edge `e` as (plane: 0 lower, 1 upper; row: 0 = j, 1 = j + 1; axis; i offset).
pub(super) const EDGE_REFS: [(usize, usize, usize, usize); 12] = [
    (0, 0, 0, 0),
    (0, 1, 0, 0),
    (1, 0, 0, 0),
    (1, 1, 0, 0),
    (0, 0, 1, 0),
    (0, 0, 1, 1),
    (1, 0, 1, 0),
    (1, 0, 1, 1),
    (0, 0, 2, 0),
    (0, 0, 2, 1),
    (0, 1, 2, 0),
    (0, 1, 2, 1),
];

/// Pass 1 of [`Grid::mesh`] on the cell planes `cells`, for the grid's ISA.
pub(super) fn count_slab<T: Voxel>(
    grid: &Grid<'_, T>,
    cells: Range<usize>,
    last: bool,
    states: &mut [u8],
    scratch: &mut Scratch,
) -> SlabCounts {
    match grid.isa.avx2() {
        Some(t) => avx2::count_slab(t, grid, cells, last, states, scratch),
        None => grid.count_slab(cells, last, states, scratch),
    }
}

/// Pass 2 of [`Grid::mesh`] on the cell planes `cells`, for the grid's ISA.
pub(super) fn emit_slab<T: Voxel>(
    grid: &Grid<'_, T>,
    cells: Range<usize>,
    last: bool,
    base: u32,
    states: &[u8],
    out: SlabOut<'_>,
    scratch: &mut Scratch,
) {
    match grid.isa.avx2() {
        Some(t) => avx2::emit_slab(t, grid, cells, last, base, states, out, scratch),
        None => grid.emit_slab(cells, last, base, states, out, scratch),
    }
}

impl<T: Voxel> Grid<'_, T> {
    /// Pass 1: vertices of the planes of `cells` (and of the last plane for the last slab)
    /// and triangles of its cells; records the state of each row of those planes in `states`.
    #[inline(always)]
    pub(super) fn count_slab(
        &self,
        cells: Range<usize>,
        last: bool,
        states: &mut [u8],
        scratch: &mut Scratch,
    ) -> SlabCounts {
        let counts = &case_table().counts;
        let mut c = SlabCounts::default();
        let end = if last { cells.end + 1 } else { cells.end };
        let n1 = self.n[1];
        let mut record = |k: usize, bits: &[u64]| {
            if k < end {
                let plane = self.plane(bits, k);
                let at = (k - cells.start) * n1;
                for (state, row) in states[at..at + n1]
                    .iter_mut()
                    .zip(plane.chunks_exact(self.words))
                {
                    *state = self.row_state(row);
                }
            }
        };
        self.classify_into(cells.start, scratch, None);
        record(cells.start, &scratch.bits);
        for k in cells.clone() {
            self.classify_into(k + 1, scratch, None);
            record(k + 1, &scratch.bits);
            let (lo, hi) = (
                self.plane(&scratch.bits, k),
                self.plane(&scratch.bits, k + 1),
            );
            c.vertices += self.plane_vertex_count(lo, Some(hi));
            for j in 0..n1 - 1 {
                for (_, case) in self.cells(lo, hi, j) {
                    c.triangles += u64::from(counts[case]);
                }
            }
        }
        if last {
            c.vertices += self.plane_vertex_count(self.plane(&scratch.bits, cells.end), None);
        }
        c
    }

    /// Pass 2: writes the vertices and triangles counted by [`Self::count_slab`]; the slab's
    /// first vertex has id `base`. Planes are classified just before they are needed, so the
    /// voxels that place the vertices are still in cache; rows that pass 1 found uniform
    /// (`states`) are not read again.
    #[inline(always)]
    pub(super) fn emit_slab(
        &self,
        cells: Range<usize>,
        last: bool,
        base: u32,
        states: &[u8],
        mut out: SlabOut<'_>,
        scratch: &mut Scratch,
    ) {
        let n2 = self.n[2];
        self.classify_into(cells.start, scratch, Some(states));
        self.classify_into(cells.start + 1, scratch, Some(states));
        let [mut lower, mut upper] = std::mem::take(&mut scratch.edges);
        let mut id = {
            let bits = &scratch.bits;
            let (p0, p1) = (
                self.plane(bits, cells.start),
                self.plane(bits, cells.start + 1),
            );
            self.plane_edges(p0, Some(p1), base, &mut lower)
        };
        let (mut vertices, mut faces) = (0, 0);
        for k in cells.clone() {
            if k + 2 < n2 {
                self.classify_into(k + 2, scratch, Some(states));
            }
            let bits = &scratch.bits;
            let (lo, hi) = (self.plane(bits, k), self.plane(bits, k + 1));
            let above = (k + 2 < n2).then(|| self.plane(bits, k + 2));
            id = self.plane_edges(hi, above, id, &mut upper);
            vertices += self.plane_vertices(k, lo, hi, &lower, &mut out, vertices);
            faces += self.cell_plane_triangles(lo, hi, [&lower, &upper], &mut out.faces[faces..]);
            std::mem::swap(&mut lower, &mut upper);
        }
        if last {
            let plane = self.plane(&scratch.bits, cells.end);
            vertices += self.plane_vertices(cells.end, plane, &[], &lower, &mut out, vertices);
        }
        scratch.edges = [lower, upper];
        debug_assert_eq!(vertices, out.positions.len());
        debug_assert_eq!(faces, out.faces.len());
    }

    /// Writes the vertices of plane `k` (bits `plane`, next plane `up`, empty at the end of
    /// the grid) in canonical order from slot `start` of `out`; returns how many.
    #[inline(always)]
    pub(super) fn plane_vertices(
        &self,
        k: usize,
        plane: &[u64],
        up: &[u64],
        edges: &PlaneEdges,
        out: &mut SlabOut<'_>,
        start: usize,
    ) -> usize {
        let words = self.words;
        let a = &self.affine;
        let mut slot = start;
        for j in 0..self.n[1] {
            let masks = &edges.masks[3 * j * words..3 * (j + 1) * words];
            if masks.iter().all(|&m| m == 0) {
                continue;
            }
            let row = &plane[j * words..(j + 1) * words];
            let here = self.row_values(j, k);
            let neighbours = [
                here,
                if j + 1 < self.n[1] {
                    self.row_values(j + 1, k)
                } else {
                    here
                },
                if up.is_empty() {
                    here
                } else {
                    self.row_values(j, k + 1)
                },
            ];
            // Index of logical (0, j, k) in the volume, as the affine takes it.
            let origin = [
                self.offset[0] as f64,
                (j as isize + self.offset[1]) as f64,
                (k as isize + self.offset[2]) as f64,
            ];
            for (axis, nb) in neighbours.into_iter().enumerate() {
                for w in 0..words {
                    let mut word = masks[axis * words + w];
                    while word != 0 {
                        let i = w * 64 + word.trailing_zeros() as usize;
                        word &= word - 1;
                        let first_inside = (row[i / 64] >> (i % 64)) & 1 == 1;
                        let v0 = self.value(here, i);
                        let v1 = self.value(nb, i + usize::from(axis == 0));
                        let t = self.crossing(v0, v1, first_inside);
                        let [x, y, z] = origin;
                        let x = x + (i as isize) as f64;
                        // Selects rather than a store to an index array, which would stall
                        // the loads of the product below.
                        let (x, y, z) = match axis {
                            0 => (x + t, y, z),
                            1 => (x, y + t, z),
                            _ => (x, y, z + t),
                        };
                        let p =
                            |r: usize| (a[r][0] * x + a[r][1] * y + a[r][2] * z + a[r][3]) as f32;
                        out.positions[slot] = [p(0), p(1), p(2)];
                        if let (Some(normals), Some(map)) =
                            (out.normals.as_deref_mut(), &self.normal_map)
                        {
                            normals[slot] = self.normal([i, j, k], axis, t, map);
                        }
                        slot += 1;
                    }
                }
            }
        }
        slot - start
    }

    /// Writes the triangles of the cells between planes `k` (bits `lo`, cut edges
    /// `edges[0]`) and `k + 1` (`hi`, `edges[1]`) in cell order; returns how many.
    #[inline(always)]
    pub(super) fn cell_plane_triangles(
        &self,
        lo: &[u64],
        hi: &[u64],
        edges: [&PlaneEdges; 2],
        out: &mut [[u32; 3]],
    ) -> usize {
        let table = case_table();
        let words = self.words;
        let mut n = 0;
        for j in 0..self.n[1] - 1 {
            for (i, case) in self.cells(lo, hi, j) {
                let mut ids = [0u32; 12];
                let mut cut = table.cut_edges[case];
                while cut != 0 {
                    let e = cut.trailing_zeros() as usize;
                    cut &= cut - 1;
                    let (p, dj, axis, di) = EDGE_REFS[e];
                    ids[e] = edges[p].id(words, j + dj, axis, i + di);
                }
                for t in &table.triangles[case][..usize::from(table.counts[case])] {
                    let [a, b, c] = [
                        ids[usize::from(t[0])],
                        ids[usize::from(t[1])],
                        ids[usize::from(t[2])],
                    ];
                    out[n] = if self.flip { [a, c, b] } else { [a, b, c] };
                    n += 1;
                }
            }
        }
        n
    }

    /// Meshes the grid in two passes over slabs of cell planes: count, then write each slab's
    /// vertices and triangles into its own part of the exactly sized output.
    pub(super) fn mesh(&self, frame: Frame, per_slab: usize) -> Result<Mesh> {
        let cells = self.n[2] - 1;
        let slabs: Vec<Range<usize>> = (0..cells)
            .step_by(per_slab)
            .map(|k| k..k + per_slab.min(cells - k))
            .collect();
        let last = slabs.len() - 1;
        // 1. count, and record which rows are uniform (one byte per row of the grid)
        let n1 = self.n[1];
        let mut states = vec![MIXED; n1 * self.n[2]];
        let state_starts: Vec<usize> = slabs
            .iter()
            .map(|c| c.start * n1)
            .chain([states.len()])
            .collect();
        let parts = split_at_starts(&mut states, &state_starts);
        let counts = par::map_init(
            parts.into_iter().enumerate().collect(),
            Scratch::default,
            |scratch, (s, part)| count_slab(self, slabs[s].clone(), s == last, part, scratch),
        );
        let (mut vertex_starts, mut face_starts) = (vec![0u64], vec![0u64]);
        for c in &counts {
            vertex_starts.push(vertex_starts[vertex_starts.len() - 1] + c.vertices);
            face_starts.push(face_starts[face_starts.len() - 1] + c.triangles);
        }
        let vertices = vertex_starts[slabs.len()];
        if vertices > u64::from(u32::MAX) {
            return Err(Error::TooLarge {
                what: "mesh vertices",
                count: vertices,
                limit: u64::from(u32::MAX),
            });
        }
        if vertices == 0 {
            return Ok(Mesh::empty(frame));
        }
        let vertex_starts: Vec<usize> = vertex_starts.into_iter().map(|v| v as usize).collect();
        let face_starts: Vec<usize> = face_starts.into_iter().map(|v| v as usize).collect();
        // 2. vertices and triangles, each slab into its own part
        let mut positions = vec![[0f32; 3]; vertex_starts[slabs.len()]];
        let mut normals = self
            .normal_map
            .map(|_| vec![[0f32; 3]; vertex_starts[slabs.len()]]);
        let mut faces = vec![[0u32; 3]; face_starts[slabs.len()]];
        let normal_parts: Vec<Option<&mut [[f32; 3]]>> = match normals.as_mut() {
            Some(n) => split_at_starts(n, &vertex_starts)
                .into_iter()
                .map(Some)
                .collect(),
            None => slabs.iter().map(|_| None).collect(),
        };
        let jobs: Vec<(usize, SlabOut<'_>)> = split_at_starts(&mut positions, &vertex_starts)
            .into_iter()
            .zip(normal_parts)
            .zip(split_at_starts(&mut faces, &face_starts))
            .enumerate()
            .map(|(s, ((positions, normals), faces))| {
                (
                    s,
                    SlabOut {
                        positions,
                        normals,
                        faces,
                    },
                )
            })
            .collect();
        par::map_init(jobs, Scratch::default, |scratch, (s, out)| {
            emit_slab(
                self,
                slabs[s].clone(),
                s == last,
                vertex_starts[s] as u32,
                &states,
                out,
                scratch,
            )
        });
        if let Some(normals) = normals.as_mut() {
            fill_degenerate_normals(&positions, &faces, normals);
        }
        Ok(Mesh::from_valid(positions, faces, normals, frame))
    }

    /// Where the surface crosses an edge from a voxel of value `a` to one of value `b`, as a
    /// fraction from the first, clamped to `[EDGE_CLAMP, 1 - EDGE_CLAMP]`.
    #[inline(always)]
    pub(super) fn crossing(&self, a: f64, b: f64, first_inside: bool) -> f64 {
        let outside = if first_inside { b } else { a };
        let t = if outside < self.level {
            (self.level - a) / (b - a)
        } else {
            0.5
        };
        if t.is_nan() {
            0.5
        } else {
            t.clamp(EDGE_CLAMP, 1.0 - EDGE_CLAMP)
        }
    }
}
