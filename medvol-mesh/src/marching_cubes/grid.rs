//! Grid classification: the logical grid being meshed, its rows of voxels turned into bit rows
//! (1 = inside), the ring of bit planes, and the cells the surface crosses, found 64 at a time.

use super::*;

/// Sets bit `b` of word `w` of `out` when voxel `64 w + b` of `values` is inside.
pub(super) fn classify<T: Voxel>(isa: Isa, values: &[T], threshold: T, out: &mut [u64]) {
    match isa.avx2() {
        Some(t) => avx2::classify(t, values, threshold, out),
        None => scalar::classify(values, threshold, out),
    }
}

/// The logical grid being meshed and how it maps to the volume.
pub(super) struct Grid<'v, T> {
    pub(super) data: &'v [T],
    pub(super) mask: Option<&'v [u8]>,
    /// Volume dimensions (i, j, k).
    pub(super) dims: [usize; 3],
    /// Logical grid dimensions (region, plus padding).
    pub(super) n: [usize; 3],
    /// Volume index = logical index + offset.
    pub(super) offset: [isize; 3],
    /// 1 when the region is padded by one voxel (closed border), else 0.
    pub(super) pad: usize,
    /// u64 words per bit row.
    pub(super) words: usize,
    /// Per word of a bit row: bit `b` set when an i-edge may start at `64 w + b` (< n0 - 1).
    pub(super) limit: Vec<u64>,
    /// Per word of a bit row: bit `b` set for every voxel of the row (< n0).
    pub(super) full: Vec<u64>,
    pub(super) level: f64,
    /// Value of padding voxels for interpolation (NaN: place vertices mid-way).
    pub(super) outside: f64,
    pub(super) threshold: T,
    pub(super) isa: Isa,
    /// Volume index to output millimetres.
    pub(super) affine: [[f64; 4]; 3],
    /// Index-space gradient to output-frame gradient, when normals are wanted.
    pub(super) normal_map: Option<[[f64; 3]; 3]>,
    /// Reverse the triangles (the direction matrix is a reflection).
    pub(super) flip: bool,
}

/// The voxels of one logical row, as vertex placement reads them.
#[derive(Clone, Copy)]
pub(super) struct RowValues<'v, T> {
    /// Values of logical `i = pad ..`; empty for a row of padding.
    pub(super) data: &'v [T],
    pub(super) mask: Option<&'v [u8]>,
}

/// The cut edges of the rows of one logical plane: the mask and the vertex id of the first cut
/// edge of word `w` of row `j` along axis `a` sit at `(3 j + a) * words + w`.
#[derive(Default)]
pub(super) struct PlaneEdges {
    pub(super) masks: Vec<u64>,
    pub(super) first_ids: Vec<u32>,
}

impl PlaneEdges {
    /// Vertex id of the cut edge at `i` of row `j` along `axis`.
    #[inline(always)]
    pub(super) fn id(&self, words: usize, j: usize, axis: usize, i: usize) -> u32 {
        let x = (3 * j + axis) * words + i / 64;
        let below = self.masks[x] & ((1u64 << (i % 64)) - 1);
        self.first_ids[x] + below.count_ones()
    }
}

/// Row state recorded by pass 1 (one byte per row of the grid, so that pass 2 reads only the
/// voxels of rows the level crosses): every voxel of the row is outside.
pub(super) const OUTSIDE: u8 = 0;
/// Every voxel of the row is inside.
pub(super) const INSIDE: u8 = 1;
/// The row has voxels on both sides of the level.
pub(super) const MIXED: u8 = 2;

/// Bit planes kept while meshing: a plane, the next one and the one after.
pub(super) const RING: usize = 3;

/// Working memory of a task, reused across its slabs: a ring of [`RING`] classified planes and
/// the cut edges of two planes (about 1.5 bytes per voxel of one plane: it grows with a plane,
/// never with the volume).
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) bits: Vec<u64>,
    pub(super) row: Vec<u64>,
    pub(super) edges: [PlaneEdges; 2],
}

/// The cells of one cell row whose eight corners are not all alike, as `(i, case)` by
/// increasing i; found 64 at a time with word operations on the four bit rows of its corners.
pub(super) struct Cells<'b> {
    /// Bit rows (j, k), (j + 1, k), (j, k + 1), (j + 1, k + 1).
    pub(super) rows: [&'b [u64]; 4],
    pub(super) limit: &'b [u64],
    pub(super) next_word: usize,
    /// The current word of each row, and the same shifted to the next voxel.
    pub(super) low: [u64; 4],
    pub(super) high: [u64; 4],
    /// Cells of the current word still to visit.
    pub(super) active: u64,
}

impl Iterator for Cells<'_> {
    type Item = (usize, usize);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, usize)> {
        while self.active == 0 {
            let w = self.next_word;
            if w >= self.limit.len() {
                return None;
            }
            self.next_word += 1;
            for (s, row) in self.rows.iter().enumerate() {
                self.low[s] = row[w];
                self.high[s] = (row[w] >> 1) | (row.get(w + 1).copied().unwrap_or(0) << 63);
            }
            let (l, h) = (self.low, self.high);
            let all = l[0] & l[1] & l[2] & l[3] & h[0] & h[1] & h[2] & h[3];
            let any = l[0] | l[1] | l[2] | l[3] | h[0] | h[1] | h[2] | h[3];
            self.active = any & !all & self.limit[w];
        }
        let b = self.active.trailing_zeros();
        self.active &= self.active - 1;
        let mut case = 0u64;
        for s in 0..4 {
            case |= ((self.low[s] >> b) & 1) << (2 * s);
            case |= ((self.high[s] >> b) & 1) << (2 * s + 1);
        }
        Some(((self.next_word - 1) * 64 + b as usize, case as usize))
    }
}

impl<T: Voxel> Grid<'_, T> {
    /// Volume index of logical voxel `l`, or `None` in the padding around the region.
    pub(super) fn volume_index(&self, l: [usize; 3]) -> Option<usize> {
        let mut v = [0usize; 3];
        for a in 0..3 {
            if l[a] < self.pad || l[a] >= self.n[a] - self.pad {
                return None;
            }
            v[a] = (l[a] as isize + self.offset[a]) as usize;
        }
        Some((v[2] * self.dims[1] + v[1]) * self.dims[0] + v[0])
    }

    /// The voxels of logical row `(j, k)`.
    pub(super) fn row_values(&self, j: usize, k: usize) -> RowValues<'_, T> {
        let rx = self.n[0] - 2 * self.pad;
        match self.volume_index([self.pad, j, k]) {
            None => RowValues {
                data: &[],
                mask: None,
            },
            Some(start) => RowValues {
                data: &self.data[start..start + rx],
                mask: self.mask.map(|m| &m[start..start + rx]),
            },
        }
    }

    /// The value used to place vertices at logical `i` of `row`: the voxel value, the padding
    /// value, or NaN for a masked-out voxel at or above the level.
    #[inline(always)]
    pub(super) fn value(&self, row: RowValues<'_, T>, i: usize) -> f64 {
        let Some((x, v)) = i
            .checked_sub(self.pad)
            .and_then(|x| row.data.get(x).map(|v| (x, v.to_f64())))
        else {
            return self.outside;
        };
        match row.mask {
            Some(m) if m[x] == 0 && (v >= self.level || v.is_nan()) => f64::NAN,
            _ => v,
        }
    }

    /// Fills `out` (`words` words) with bit row `(j, k)` of the logical grid.
    #[inline(always)]
    pub(super) fn classify_row(&self, j: usize, k: usize, out: &mut [u64], scratch: &mut Vec<u64>) {
        let rx = self.n[0] - 2 * self.pad;
        let Some(start) = self.volume_index([self.pad, j, k]) else {
            out.fill(0);
            return;
        };
        if self.pad == 0 && self.mask.is_none() {
            // The logical row is a volume row: classify straight into place.
            classify(self.isa, &self.data[start..start + rx], self.threshold, out);
            return;
        }
        let row_words = rx.div_ceil(64);
        scratch.resize(2 * row_words, 0);
        let (bits, mask_bits) = scratch.split_at_mut(row_words);
        classify(
            self.isa,
            &self.data[start..start + rx],
            self.threshold,
            bits,
        );
        if let Some(mask) = self.mask {
            classify(self.isa, &mask[start..start + rx], 1u8, mask_bits);
            bits.iter_mut()
                .zip(mask_bits.iter())
                .for_each(|(b, m)| *b &= m);
        }
        if self.pad == 0 {
            out.copy_from_slice(bits);
        } else {
            // Shift by one voxel: logical i = volume i + 1.
            let mut carry = 0u64;
            for (w, o) in out.iter_mut().enumerate() {
                let b = bits.get(w).copied().unwrap_or(0);
                *o = (b << 1) | carry;
                carry = b >> 63;
            }
        }
    }

    /// What pass 1 records of bit row `row`: all outside, all inside, or mixed.
    #[inline(always)]
    pub(super) fn row_state(&self, row: &[u64]) -> u8 {
        if row.iter().all(|&w| w == 0) {
            OUTSIDE
        } else if row == self.full {
            INSIDE
        } else {
            MIXED
        }
    }

    /// Word `w` of the cut-edge masks of row `j` of `plane` along i, j and k, given the next
    /// plane `up` (absent at the end of the grid).
    #[inline(always)]
    pub(super) fn edge_masks(
        &self,
        plane: &[u64],
        up: Option<&[u64]>,
        j: usize,
        w: usize,
    ) -> [u64; 3] {
        let words = self.words;
        let r = &plane[j * words..(j + 1) * words];
        let next = r.get(w + 1).copied().unwrap_or(0);
        let along_i = (r[w] ^ ((r[w] >> 1) | (next << 63))) & self.limit[w];
        let along_j = if j + 1 < self.n[1] {
            r[w] ^ plane[(j + 1) * words + w]
        } else {
            0
        };
        let along_k = up.map_or(0, |u| r[w] ^ u[j * words + w]);
        [along_i, along_j, along_k]
    }

    /// Number of vertices (cut edges) of a plane.
    #[inline(always)]
    pub(super) fn plane_vertex_count(&self, plane: &[u64], up: Option<&[u64]>) -> u64 {
        let mut n = 0u64;
        for j in 0..self.n[1] {
            for w in 0..self.words {
                let [a, b, c] = self.edge_masks(plane, up, j, w);
                n += u64::from(a.count_ones() + b.count_ones() + c.count_ones());
            }
        }
        n
    }

    /// Fills `out` with the cut edges of `plane`, whose first vertex is `base`; returns the id
    /// after its last vertex. Vertex ids follow the canonical order: row j, then the cut edges
    /// along i, j and k, each by increasing i.
    #[inline(always)]
    pub(super) fn plane_edges(
        &self,
        plane: &[u64],
        up: Option<&[u64]>,
        base: u32,
        out: &mut PlaneEdges,
    ) -> u32 {
        let words = self.words;
        let len = 3 * self.n[1] * words;
        out.masks.resize(len, 0);
        out.first_ids.resize(len, 0);
        let mut id = base;
        for j in 0..self.n[1] {
            let row = 3 * j * words;
            for w in 0..words {
                let m = self.edge_masks(plane, up, j, w);
                for (axis, &mask) in m.iter().enumerate() {
                    out.masks[row + axis * words + w] = mask;
                }
            }
            for x in row..row + 3 * words {
                out.first_ids[x] = id;
                id += out.masks[x].count_ones();
            }
        }
        id
    }

    /// The cells of row `j` between planes `lo` and `hi` whose corners are not all alike.
    #[inline(always)]
    pub(super) fn cells<'b>(&'b self, lo: &'b [u64], hi: &'b [u64], j: usize) -> Cells<'b> {
        let words = self.words;
        let rows = [
            &lo[j * words..(j + 1) * words],
            &lo[(j + 1) * words..(j + 2) * words],
            &hi[j * words..(j + 1) * words],
            &hi[(j + 1) * words..(j + 2) * words],
        ];
        // Skip cell rows whose eight corners are all outside or all inside.
        let (mut any, mut all) = (0u64, true);
        for (w, &full) in self.full.iter().enumerate() {
            let [a, b, c, d] = [rows[0][w], rows[1][w], rows[2][w], rows[3][w]];
            any |= a | b | c | d;
            all &= a & b & c & d == full;
        }
        let uniform = any == 0 || all;
        Cells {
            rows,
            limit: &self.limit,
            next_word: if uniform { words } else { 0 },
            low: [0; 4],
            high: [0; 4],
            active: 0,
        }
    }

    /// The cell planes handled by one task: enough slabs for the pool to balance the load,
    /// few enough that reclassifying their boundary planes stays cheap. The mesh does not
    /// depend on this choice.
    pub(super) fn slab_cells(&self) -> usize {
        let tasks = if par::ENABLED { 8 * par::threads() } else { 1 };
        (self.n[2] - 1).div_ceil(tasks).clamp(8, 64)
    }

    /// Classifies logical plane `k` into its place in the ring of `scratch`. With the row
    /// states of pass 1 (`known`, indexed by `k * n[1] + j`), rows found all outside or all
    /// inside are filled without reading a voxel.
    #[inline(always)]
    pub(super) fn classify_into(&self, k: usize, scratch: &mut Scratch, known: Option<&[u8]>) {
        let plane_words = self.n[1] * self.words;
        scratch.bits.resize(RING * plane_words, 0);
        let at = (k % RING) * plane_words;
        let plane = &mut scratch.bits[at..at + plane_words];
        for (j, out) in plane.chunks_exact_mut(self.words).enumerate() {
            match known.map(|states| states[k * self.n[1] + j]) {
                Some(OUTSIDE) => out.fill(0),
                Some(INSIDE) => out.copy_from_slice(&self.full),
                _ => self.classify_row(j, k, out, &mut scratch.row),
            }
        }
    }

    /// The bit rows of logical plane `k`, classified into the ring `bits`.
    #[inline(always)]
    pub(super) fn plane<'b>(&self, bits: &'b [u64], k: usize) -> &'b [u64] {
        let plane_words = self.n[1] * self.words;
        &bits[(k % RING) * plane_words..][..plane_words]
    }
}

/// Per word of a bit row of `n0` voxels: bit `b` set when an i-edge starts at `64 w + b`
/// (`< n0 - 1`).
pub(super) fn edge_limit(n0: usize) -> Vec<u64> {
    low_bits(n0 - 1, n0.div_ceil(64))
}

/// Per word of a bit row of `n0` voxels: bit `b` set for every voxel (`64 w + b < n0`).
pub(super) fn full_row(n0: usize) -> Vec<u64> {
    low_bits(n0, n0.div_ceil(64))
}

/// `words` words whose first `n` bits are set.
pub(super) fn low_bits(n: usize, words: usize) -> Vec<u64> {
    (0..words)
        .map(|w| match n.saturating_sub(64 * w) {
            v if v >= 64 => u64::MAX,
            v => (1u64 << v) - 1,
        })
        .collect()
}
