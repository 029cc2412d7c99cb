//! Marching cubes: isosurfaces of volumes as watertight triangle meshes in patient coordinates.
//!
//! The design is edge based, in four passes over the logical grid (the volume, its region, or
//! the region padded by one voxel when the border is closed):
//! 1. **classify**: each row of voxels becomes a bit row (1 = inside, value ≥ level), with a
//!    SIMD kernel ([`Isa`] dispatch, scalar reference);
//! 2. **count**: per row, the cut edges along i, j and k are popcounts of XORs of bit rows,
//!    and a prefix sum gives every row's first vertex id: vertex ids follow a canonical order
//!    (plane k, row j, then i-edges, j-edges and k-edges each by increasing i);
//! 3. **vertices**: each plane fills its own slice of the vertex array (interpolated positions
//!    through the full geometry, optional gradient normals);
//! 4. **triangles**: cells whose eight corners differ are found 64 at a time with word
//!    operations; a cut edge's vertex id is its row's base plus a rank (popcount) in the row's
//!    edge mask, so neighbouring cells and planes share vertices without any lookup table.
//!
//! Passes 1, 3 and 4 run in parallel over planes (rayon feature); the output depends only on
//! the input, never on the thread count.

mod avx2;
mod scalar;
pub(crate) mod tables;

use crate::{Error, Frame, Mesh, Result};
use medvol_core::{Geometry, Isa, Region, Volume, Voxel};
use tables::case_table;

/// Smallest distance of a vertex from a grid point, as a fraction of the edge.
///
/// A vertex at the exact position of a voxel (its value equals the level) would make
/// zero-area triangles; clamping the interpolation parameter to `[EDGE_CLAMP, 1 - EDGE_CLAMP]`
/// moves it at most 1/64 voxel along its edge. Three points strictly inside three distinct
/// edges of a cube are never collinear, so every triangle keeps a positive area.
pub const EDGE_CLAMP: f64 = 1.0 / 64.0;

/// Parameters of [`MarchingCubes::run`]: level, border closing, normals, frame, region, mask.
///
/// Voxels at or above the level are inside; NaN is outside. Where two inside voxels touch only
/// across a face or cube diagonal, the surface keeps them apart (as VTK does); the surface is
/// therefore closed and manifold wherever it does not reach the edge of the grid, and closed
/// everywhere with [`with_close_border`](Self::with_close_border).
///
/// ```
/// use medvol_core::phantom::{Shape, Sphere};
/// use medvol_core::{Geometry, Point};
/// use medvol_mesh::MarchingCubes;
///
/// let ball = Sphere { center: Point::ORIGIN, radius_mm: 10.0 };
/// let g = Geometry::new([1.0; 3], Point::new(-15.0, -15.0, -15.0), Default::default())?;
/// let vol = ball.distance_volume([31, 31, 31], g)?;
/// let mesh = MarchingCubes::new(0.0)?.with_normals(true).run(&vol)?;
/// assert_eq!(mesh.edge_report().boundary_edges, 0);
/// assert_eq!(mesh.euler_characteristic(), 2);
/// assert!((mesh.area_mm2() / ball.area_mm2() - 1.0).abs() < 0.02);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MarchingCubes<'a> {
    level: f64,
    close_border: bool,
    normals: bool,
    frame: Frame,
    region: Option<Region>,
    mask: Option<&'a Volume<u8>>,
    isa: Isa,
}

/// The isosurface of `volume` at `level`, in LPS millimetres, open where it meets the border.
///
/// # Errors
/// As [`MarchingCubes::new`] and [`MarchingCubes::run`].
pub fn isosurface<T: Voxel>(volume: &Volume<T>, level: f64) -> Result<Mesh> {
    MarchingCubes::new(level)?.run(volume)
}

impl<'a> MarchingCubes<'a> {
    /// Marching cubes at `level` (in the volume's units), LPS output, open at the border.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the level is not finite.
    pub fn new(level: f64) -> Result<Self> {
        if !level.is_finite() {
            return Err(Error::InvalidParameter {
                name: "level",
                reason: format!("{level} is not finite"),
            });
        }
        Ok(Self {
            level,
            close_border: false,
            normals: false,
            frame: Frame::Lps,
            region: None,
            mask: None,
            isa: Isa::best(),
        })
    }

    /// Closes the surface at the border of the grid: the volume is meshed as if padded by one
    /// voxel holding its minimum value (a vertex between a border voxel and the padding is
    /// interpolated towards that value; if no voxel is below the level, it sits mid-way).
    pub fn with_close_border(mut self, close: bool) -> Self {
        self.close_border = close;
        self
    }
    /// Computes per-vertex unit normals from the volume gradient (central differences),
    /// pointing from inside to outside.
    pub fn with_normals(mut self, normals: bool) -> Self {
        self.normals = normals;
        self
    }
    /// Outputs vertices in `frame` (LPS, the default, or RAS: x and y negated).
    pub fn with_frame(mut self, frame: Frame) -> Self {
        self.frame = frame;
        self
    }
    /// Meshes only the voxels of `region` (vertices keep their place in the whole volume).
    pub fn with_region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }
    /// Counts voxels where `mask` is 0 as outside. A vertex between an inside voxel and a
    /// masked-out voxel whose value is not below the level sits mid-way along the edge.
    pub fn with_mask(mut self, mask: &'a Volume<u8>) -> Self {
        self.mask = Some(mask);
        self
    }
    /// Forces the instruction set of the classification kernel (one of [`Isa::available`];
    /// any other falls back to the best available). The output is the same for every ISA.
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = if Isa::available().contains(&isa) {
            isa
        } else {
            Isa::best()
        };
        self
    }

    /// The isosurface of `volume`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the region does not fit the volume or the mask's
    /// dimensions differ from the volume's; [`Error::TooLarge`] when the mesh would have
    /// more than `u32::MAX` vertices or the grid more voxels than addressable.
    pub fn run<T: Voxel>(&self, volume: &Volume<T>) -> Result<Mesh> {
        let dims = volume.dims();
        let region = self.region.unwrap_or(Region::whole(dims));
        if !region.fits(dims) {
            return Err(Error::InvalidParameter {
                name: "region",
                reason: format!("{region:?} is empty or outside a volume of {dims:?} voxels"),
            });
        }
        if let Some(mask) = self.mask
            && mask.dims() != dims
        {
            return Err(Error::InvalidParameter {
                name: "mask",
                reason: format!("mask of {:?} voxels on a volume of {dims:?}", mask.dims()),
            });
        }
        let threshold = match Threshold::<T>::new(self.level) {
            Threshold::AtLeast(t) => t,
            Threshold::Nothing => return Ok(Mesh::empty(self.frame)),
        };
        let pad = usize::from(self.close_border);
        let n = region.size.map(|s| s + 2 * pad);
        if n.iter().any(|&s| s < 2) {
            return Ok(Mesh::empty(self.frame));
        }
        let outside = if self.close_border {
            let min = region_min(volume, region);
            if min < self.level { min } else { f64::NAN }
        } else {
            f64::NAN
        };
        let grid = Grid {
            data: volume.as_slice(),
            mask: self.mask.map(|m| m.as_slice()),
            dims,
            n,
            offset: [0, 1, 2].map(|a| region.start.0[a] as isize - pad as isize),
            pad,
            words: n[0].div_ceil(64),
            level: self.level,
            outside,
            threshold,
            isa: self.isa,
        };
        grid.mesh(volume.geometry(), self.normals, self.frame)
    }
}

/// The comparison that decides "inside" for a voxel type, from an `f64` level.
enum Threshold<T> {
    /// Inside when the value is at least this (exactly `value >= level` in f64).
    AtLeast(T),
    /// No value of the type reaches the level.
    Nothing,
}

impl<U: Voxel> Threshold<U> {
    fn new(level: f64) -> Self {
        let (lo, hi) = U::KIND.range();
        if U::KIND.is_float() {
            if level > hi {
                return Threshold::Nothing;
            }
            let t = U::from_f64_saturating(level);
            if t.to_f64() >= level {
                return Threshold::AtLeast(t);
            }
            // Rounded down to f32: the next f32 up is the least value >= level.
            let f = level as f32;
            let up = f32::from_bits(if f >= 0.0 {
                f.to_bits() + 1
            } else {
                f.to_bits() - 1
            });
            Threshold::AtLeast(U::from_f64_saturating(f64::from(up)))
        } else {
            let c = level.ceil();
            if c > hi {
                Threshold::Nothing
            } else {
                Threshold::AtLeast(U::from_f64_saturating(c.max(lo)))
            }
        }
    }
}

fn region_min<T: Voxel>(volume: &Volume<T>, region: Region) -> f64 {
    let data = volume.as_slice();
    let [nx, ny, _] = volume.dims();
    let [x0, y0, z0] = region.start.0;
    let mut min = f64::INFINITY;
    for k in z0..z0 + region.size[2] {
        for j in y0..y0 + region.size[1] {
            let row = (k * ny + j) * nx + x0;
            for v in &data[row..row + region.size[0]] {
                let v = v.to_f64();
                if v < min {
                    min = v;
                }
            }
        }
    }
    min
}

/// Sets bit `b` of word `w` of `out` when voxel `64 w + b` of `values` is inside.
fn classify<T: Voxel>(isa: Isa, values: &[T], threshold: T, out: &mut [u64]) {
    match isa {
        Isa::Scalar => scalar::classify(values, threshold, out),
        _ => avx2::classify(values, threshold, out),
    }
}

/// The logical grid being meshed and how it maps to the volume.
struct Grid<'v, T> {
    data: &'v [T],
    mask: Option<&'v [u8]>,
    /// Volume dimensions (i, j, k).
    dims: [usize; 3],
    /// Logical grid dimensions (region, plus padding).
    n: [usize; 3],
    /// Volume index = logical index + offset.
    offset: [isize; 3],
    /// 1 when the region is padded by one voxel (closed border), else 0.
    pad: usize,
    /// u64 words per bit row.
    words: usize,
    level: f64,
    /// Value of padding voxels for interpolation (NaN: place vertices mid-way).
    outside: f64,
    threshold: T,
    isa: Isa,
}

/// Cut-edge counts of one row: along i, j and k.
type RowCounts = [u32; 3];

impl<T: Voxel> Grid<'_, T> {
    fn row_index(&self, j: usize, k: usize) -> usize {
        k * self.n[1] + j
    }

    /// Volume index of logical voxel `l`, or `None` in the padding around the region.
    fn volume_index(&self, l: [usize; 3]) -> Option<usize> {
        let mut v = [0usize; 3];
        for a in 0..3 {
            if l[a] < self.pad || l[a] >= self.n[a] - self.pad {
                return None;
            }
            v[a] = (l[a] as isize + self.offset[a]) as usize;
        }
        Some((v[2] * self.dims[1] + v[1]) * self.dims[0] + v[0])
    }

    /// The value used to place vertices: the voxel value, the padding value, or NaN for a
    /// masked-out voxel at or above the level.
    fn value(&self, l: [usize; 3]) -> f64 {
        match self.volume_index(l) {
            None => self.outside,
            Some(idx) => {
                let v = self.data[idx].to_f64();
                match self.mask {
                    Some(m) if m[idx] == 0 && (v >= self.level || v.is_nan()) => f64::NAN,
                    _ => v,
                }
            }
        }
    }

    /// Fills the bit rows of logical plane `k` (`n[1]` rows of `words` words).
    fn classify_plane(&self, k: usize, plane: &mut [u64], scratch: &mut Vec<u64>) {
        plane.fill(0);
        let rx = self.n[0] - 2 * self.pad;
        let row_words = rx.div_ceil(64);
        scratch.resize(2 * row_words, 0);
        let (bits, mask_bits) = scratch.split_at_mut(row_words);
        for j in 0..self.n[1] {
            let Some(start) = self.volume_index([self.pad, j, k]) else {
                continue;
            };
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
            let out = &mut plane[j * self.words..(j + 1) * self.words];
            if self.pad == 0 {
                out[..row_words].copy_from_slice(bits);
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
    }

    /// Bit row `(j, k)` of the classified grid.
    fn row<'b>(&self, bits: &'b [u64], j: usize, k: usize) -> &'b [u64] {
        let r = self.row_index(j, k) * self.words;
        &bits[r..r + self.words]
    }

    /// Words whose bit `i` is set for every valid cut position along i (i < n0 - 1).
    fn edge_limit(&self) -> Vec<u64> {
        (0..self.words)
            .map(|w| {
                let lo = w * 64;
                let valid = (self.n[0] - 1).saturating_sub(lo).min(64);
                if valid == 64 {
                    u64::MAX
                } else {
                    (1u64 << valid) - 1
                }
            })
            .collect()
    }

    /// The three cut-edge masks of row `(j, k)`: along i, j and k.
    fn edge_masks(&self, bits: &[u64], limit: &[u64], j: usize, k: usize, out: &mut [Vec<u64>; 3]) {
        let r = self.row(bits, j, k);
        for w in 0..self.words {
            let next = r.get(w + 1).copied().unwrap_or(0);
            out[0][w] = (r[w] ^ ((r[w] >> 1) | (next << 63))) & limit[w];
        }
        if j + 1 < self.n[1] {
            let up = self.row(bits, j + 1, k);
            (0..self.words).for_each(|w| out[1][w] = r[w] ^ up[w]);
        } else {
            out[1].fill(0);
        }
        if k + 1 < self.n[2] {
            let up = self.row(bits, j, k + 1);
            (0..self.words).for_each(|w| out[2][w] = r[w] ^ up[w]);
        } else {
            out[2].fill(0);
        }
    }

    fn mesh(&self, geometry: &Geometry, normals: bool, frame: Frame) -> Result<Mesh> {
        let [_, ny, nz] = self.n;
        let plane_words = ny * self.words;
        let total_words = nz.checked_mul(plane_words).ok_or(Error::TooLarge {
            what: "classified grid",
            count: u64::MAX,
            limit: usize::MAX as u64,
        })?;
        // 1. classify
        let mut bits = vec![0u64; total_words];
        for_each_chunk(&mut bits, plane_words, |k, plane| {
            self.classify_plane(k, plane, &mut Vec::new())
        });
        // 2. count cut edges per row, then prefix sums
        let limit = self.edge_limit();
        let counts: Vec<Vec<RowCounts>> = map_range(nz, |k| {
            (0..ny)
                .map(|j| {
                    let up_j = (j + 1 < ny).then(|| self.row(&bits, j + 1, k));
                    let up_k = (k + 1 < nz).then(|| self.row(&bits, j, k + 1));
                    avx2::count_cuts(self.row(&bits, j, k), up_j, up_k, &limit)
                })
                .collect()
        });
        let mut bases = Vec::with_capacity(nz * ny + 1);
        let mut total = 0u64;
        for c in counts.iter().flatten() {
            bases.push(total as u32);
            total += u64::from(c[0] + c[1] + c[2]);
            if total > u64::from(u32::MAX) {
                return Err(Error::TooLarge {
                    what: "mesh vertices",
                    count: total,
                    limit: u64::from(u32::MAX),
                });
            }
        }
        bases.push(total as u32);
        let counts: Vec<RowCounts> = counts.into_iter().flatten().collect();
        let total = total as usize;
        if total == 0 {
            return Ok(Mesh::empty(frame));
        }
        // 3. vertices, one slice per plane
        let affine = output_affine(geometry, frame);
        let mut positions = vec![[0f32; 3]; total];
        let plane_starts: Vec<usize> = (0..=nz).map(|k| bases[k * ny] as usize).collect();
        for_each_split(&mut positions, &plane_starts, |k, out| {
            self.plane_vertices(&bits, &limit, k, &affine, |slot, p, _| out[slot] = p)
        });
        let normals = normals.then(|| {
            let mut nrm = vec![[0f32; 3]; total];
            let gradient_map = normal_matrix(geometry, frame);
            for_each_split(&mut nrm, &plane_starts, |k, out| {
                self.plane_vertices(&bits, &limit, k, &affine, |slot, _, (l, axis, t)| {
                    out[slot] = self.normal(l, axis, t, &gradient_map)
                })
            });
            nrm
        });
        // 4. triangles
        let flip = geometry.direction().determinant() < 0.0;
        let full = self.full_row();
        let tri_counts = map_range(nz - 1, |k| {
            self.plane_triangle_count(&bits, &limit, &full, k)
        });
        let mut tri_starts = vec![0usize];
        tri_starts.extend(tri_counts.iter().scan(0, |acc, n| {
            *acc += n;
            Some(*acc)
        }));
        let mut faces = vec![[0u32; 3]; *tri_starts.last().expect("one start")];
        for_each_split(&mut faces, &tri_starts, |k, out| {
            self.plane_triangles(&bits, &limit, &full, &counts, &bases, k, flip, out)
        });
        Ok(Mesh::from_valid(positions, faces, normals, frame))
    }

    /// Computes the vertices of logical plane `k` in canonical order and hands each to `put`
    /// with its slot in the plane, its position and (grid point, axis, t) for normals.
    fn plane_vertices(
        &self,
        bits: &[u64],
        limit: &[u64],
        k: usize,
        affine: &[[f64; 4]; 3],
        mut put: impl FnMut(usize, [f32; 3], ([usize; 3], usize, f64)),
    ) {
        let mut m = [0, 1, 2].map(|_| vec![0u64; self.words]);
        let mut slot = 0;
        for j in 0..self.n[1] {
            self.edge_masks(bits, limit, j, k, &mut m);
            let row = self.row(bits, j, k);
            for (axis, mask) in m.iter().enumerate() {
                for (w, &word) in mask.iter().enumerate() {
                    let mut word = word;
                    while word != 0 {
                        let i = w * 64 + word.trailing_zeros() as usize;
                        word &= word - 1;
                        let l0 = [i, j, k];
                        let mut l1 = l0;
                        l1[axis] += 1;
                        let first_inside = (row[i / 64] >> (i % 64)) & 1 == 1;
                        let t = self.crossing(l0, l1, first_inside);
                        let mut idx = [0.0; 3];
                        for a in 0..3 {
                            idx[a] = (l0[a] as isize + self.offset[a]) as f64;
                        }
                        idx[axis] += t;
                        let p = [0, 1, 2].map(|r| {
                            (affine[r][0] * idx[0]
                                + affine[r][1] * idx[1]
                                + affine[r][2] * idx[2]
                                + affine[r][3]) as f32
                        });
                        put(slot, p, (l0, axis, t));
                        slot += 1;
                    }
                }
            }
        }
    }

    /// Where the surface crosses the edge from `l0` to `l1`, as a fraction from `l0`, clamped
    /// to `[EDGE_CLAMP, 1 - EDGE_CLAMP]`.
    fn crossing(&self, l0: [usize; 3], l1: [usize; 3], first_inside: bool) -> f64 {
        let (a, b) = if self.pad == 0 && self.mask.is_none() {
            // Inside the region without mask: plain voxel values.
            let at = |l: [usize; 3]| {
                let v = [0, 1, 2].map(|a| (l[a] as isize + self.offset[a]) as usize);
                self.data[(v[2] * self.dims[1] + v[1]) * self.dims[0] + v[0]].to_f64()
            };
            (at(l0), at(l1))
        } else {
            (self.value(l0), self.value(l1))
        };
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

    /// Volume value at logical `l` clamped into the volume, for gradients.
    fn clamped(&self, l: [isize; 3]) -> f64 {
        let v =
            [0, 1, 2].map(|a| (l[a] + self.offset[a]).clamp(0, self.dims[a] as isize - 1) as usize);
        self.data[(v[2] * self.dims[1] + v[1]) * self.dims[0] + v[0]].to_f64()
    }

    /// Unit normal at the vertex `t` along `axis` from grid point `l`, outward (down the gradient).
    fn normal(&self, l: [usize; 3], axis: usize, t: f64, gradient_map: &[[f64; 3]; 3]) -> [f32; 3] {
        let grad = |p: [usize; 3]| {
            let p = p.map(|x| x as isize);
            [0, 1, 2].map(|a| {
                let (mut lo, mut hi) = (p, p);
                lo[a] -= 1;
                hi[a] += 1;
                (self.clamped(hi) - self.clamped(lo)) / 2.0
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
        if len > 0.0 {
            n.map(|x| (x / len) as f32)
        } else {
            [0.0; 3]
        }
    }

    /// Calls `f(i, case)` for every cell of row (j, k) whose corners are not all alike.
    fn for_each_cell(
        &self,
        bits: &[u64],
        limit: &[u64],
        full: &[u64],
        j: usize,
        k: usize,
        mut f: impl FnMut(usize, usize),
    ) {
        let r = [(j, k), (j + 1, k), (j, k + 1), (j + 1, k + 1)].map(|(j, k)| self.row(bits, j, k));
        // Skip cell rows whose eight corners are all outside or all inside.
        if r[1..].iter().all(|row| *row == r[0]) && (r[0].iter().all(|&w| w == 0) || r[0] == full) {
            return;
        }
        let words = self.words;
        for w in 0..words {
            let mut lo = [0u64; 4];
            let mut hi = [0u64; 4];
            for s in 0..4 {
                lo[s] = r[s][w];
                let next = if w + 1 < words { r[s][w + 1] } else { 0 };
                hi[s] = (lo[s] >> 1) | (next << 63);
            }
            let all = lo[0] & lo[1] & lo[2] & lo[3] & hi[0] & hi[1] & hi[2] & hi[3];
            let any = lo[0] | lo[1] | lo[2] | lo[3] | hi[0] | hi[1] | hi[2] | hi[3];
            let mut active = any & !all & limit[w];
            while active != 0 {
                let b = active.trailing_zeros();
                active &= active - 1;
                let mut case = 0u64;
                for s in 0..4 {
                    case |= ((lo[s] >> b) & 1) << (2 * s);
                    case |= ((hi[s] >> b) & 1) << (2 * s + 1);
                }
                f(w * 64 + b as usize, case as usize);
            }
        }
    }

    /// Words with bit i set for every voxel of a row (i < n0).
    fn full_row(&self) -> Vec<u64> {
        (0..self.words)
            .map(|w| {
                let valid = (self.n[0] - w * 64).min(64);
                if valid == 64 {
                    u64::MAX
                } else {
                    (1u64 << valid) - 1
                }
            })
            .collect()
    }

    /// Number of triangles of the cells between planes `k` and `k + 1`.
    fn plane_triangle_count(&self, bits: &[u64], limit: &[u64], full: &[u64], k: usize) -> usize {
        let counts = &case_table().counts;
        let mut n = 0;
        for j in 0..self.n[1] - 1 {
            self.for_each_cell(bits, limit, full, j, k, |_, case| {
                n += usize::from(counts[case])
            });
        }
        n
    }

    /// Writes the triangles of the cells between planes `k` and `k + 1`, in cell order.
    #[allow(clippy::too_many_arguments)]
    fn plane_triangles(
        &self,
        bits: &[u64],
        limit: &[u64],
        full: &[u64],
        counts: &[RowCounts],
        bases: &[u32],
        k: usize,
        flip: bool,
        out: &mut [[u32; 3]],
    ) {
        let table = case_table();
        let words = self.words;
        // Edge sets of a cell row: i-edges of rows a, b, c, d; j-edges of a, c; k-edges of a, b,
        // where a = (j, k), b = (j + 1, k), c = (j, k + 1), d = (j + 1, k + 1).
        let n0 = self.n[0];
        // ids[set * n0 + i]: vertex id of the edge of `set` at i (filled where the edge is cut).
        let mut ids_row = vec![0u32; 8 * n0];
        let mut m = [0, 1, 2].map(|_| vec![0u64; words]);
        let mut cursor = 0;
        for j in 0..self.n[1] - 1 {
            let mut ready = false;
            self.for_each_cell(bits, limit, full, j, k, |i, case| {
                if !ready {
                    ready = true;
                    for (s, (rj, rk)) in [(j, k), (j + 1, k), (j, k + 1), (j + 1, k + 1)]
                        .into_iter()
                        .enumerate()
                    {
                        let ri = self.row_index(rj, rk);
                        self.edge_masks(bits, limit, rj, rk, &mut m);
                        let c = counts[ri];
                        let mut id = bases[ri];
                        let sets = [
                            Some(s),
                            [Some(4), None, Some(5), None][s],
                            [Some(6), Some(7), None, None][s],
                        ];
                        for axis in 0..3 {
                            let Some(set) = sets[axis] else {
                                id += c[axis];
                                continue;
                            };
                            let dst = &mut ids_row[set * n0..(set + 1) * n0];
                            for (w, &word) in m[axis].iter().enumerate() {
                                let mut word = word;
                                while word != 0 {
                                    dst[w * 64 + word.trailing_zeros() as usize] = id;
                                    id += 1;
                                    word &= word - 1;
                                }
                            }
                        }
                    }
                }
                let mut ids = [0u32; 12];
                let mut cut = table.cut_edges[case];
                while cut != 0 {
                    let e = cut.trailing_zeros() as usize;
                    cut &= cut - 1;
                    let (set, dx) = EDGE_SETS[e];
                    ids[e] = ids_row[set * n0 + i + dx];
                }
                for t in &table.triangles[case][..usize::from(table.counts[case])] {
                    let [a, b, c] = t.map(|e| ids[usize::from(e)]);
                    out[cursor] = if flip { [a, c, b] } else { [a, b, c] };
                    cursor += 1;
                }
            });
        }
        debug_assert_eq!(cursor, out.len());
    }
}

/// The edge set (see [`Grid::plane_triangles`]) and i offset of each cell edge.
const EDGE_SETS: [(usize, usize); 12] = [
    (0, 0),
    (1, 0),
    (2, 0),
    (3, 0),
    (4, 0),
    (4, 1),
    (5, 0),
    (5, 1),
    (6, 0),
    (6, 1),
    (7, 0),
    (7, 1),
];

/// The 3x4 matrix from volume index to output millimetres (LPS, or RAS with x, y negated).
fn output_affine(geometry: &Geometry, frame: Frame) -> [[f64; 4]; 3] {
    let a = geometry.affine();
    let mut m = [a[0], a[1], a[2]];
    if frame == Frame::Ras {
        for row in m.iter_mut().take(2) {
            row.iter_mut().for_each(|x| *x = -*x);
        }
    }
    m
}

/// The matrix taking an index-space gradient to an output-frame gradient: the inverse
/// transpose of the linear part of the affine, i.e. direction · diag(1 / spacing).
fn normal_matrix(geometry: &Geometry, frame: Frame) -> [[f64; 3]; 3] {
    let d = geometry.direction().rows();
    let s = geometry.spacing();
    let sign = |r: usize| {
        if frame == Frame::Ras && r < 2 {
            -1.0
        } else {
            1.0
        }
    };
    [0, 1, 2].map(|r| [0, 1, 2].map(|c| sign(r) * d[r][c] / s[c]))
}

/// `f(k)` for k in 0..n, in parallel with the rayon feature, results in order.
fn map_range<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        (0..n).map(f).collect()
    }
}

/// `f(index, chunk)` over consecutive chunks of `len` items.
fn for_each_chunk<T: Send>(data: &mut [T], len: usize, f: impl Fn(usize, &mut [T]) + Sync + Send) {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        data.par_chunks_mut(len)
            .enumerate()
            .for_each(|(k, c)| f(k, c));
    }
    #[cfg(not(feature = "rayon"))]
    data.chunks_mut(len).enumerate().for_each(|(k, c)| f(k, c));
}

/// `f(k, part)` over the parts `data[starts[k]..starts[k + 1]]`.
fn for_each_split<T: Send>(
    data: &mut [T],
    starts: &[usize],
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    let mut parts = Vec::with_capacity(starts.len());
    let mut rest = data;
    for w in starts.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        parts.push(head);
        rest = tail;
    }
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        parts.into_par_iter().enumerate().for_each(|(k, p)| f(k, p));
    }
    #[cfg(not(feature = "rayon"))]
    parts.into_iter().enumerate().for_each(|(k, p)| f(k, p));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_kernels<T: Voxel>(values: &[T], threshold: T) {
        for offset in 0..3.min(values.len() + 1) {
            for len in 0..=values.len() - offset {
                let v = &values[offset..offset + len];
                let mut reference = vec![u64::MAX; len.div_ceil(64)];
                scalar::classify(v, threshold, &mut reference);
                for &isa in Isa::available() {
                    let mut out = vec![u64::MAX; len.div_ceil(64)];
                    classify(isa, v, threshold, &mut out);
                    assert_eq!(
                        out,
                        reference,
                        "{isa:?} {:?} offset {offset} len {len}",
                        T::KIND
                    );
                }
                for (i, x) in v.iter().enumerate() {
                    assert_eq!((reference[i / 64] >> (i % 64)) & 1 == 1, *x >= threshold);
                }
                if len % 64 != 0 {
                    assert_eq!(
                        reference.last().unwrap() >> (len % 64),
                        0,
                        "bits past the end"
                    );
                }
            }
        }
    }

    #[test]
    fn every_isa_classifies_like_the_scalar_reference() {
        let pattern = |i: usize| ((i * 37 + 11) % 19) as f64 - 9.0;
        let n = 67 + 2;
        check_kernels(&(0..n).map(|i| pattern(i) as i16).collect::<Vec<_>>(), 0i16);
        check_kernels(
            &(0..n).map(|i| (pattern(i) + 9.0) as u8).collect::<Vec<_>>(),
            9u8,
        );
        check_kernels(
            &(0..n)
                .map(|i| (pattern(i) + 9.0) as u16)
                .collect::<Vec<_>>(),
            3u16,
        );
        check_kernels(&(0..n).map(|i| pattern(i) as i8).collect::<Vec<_>>(), -2i8);
        check_kernels(&(0..n).map(|i| pattern(i) as i32).collect::<Vec<_>>(), 1i32);
        check_kernels(
            &(0..n)
                .map(|i| (pattern(i) + 9.0) as u32)
                .collect::<Vec<_>>(),
            5u32,
        );
        let mut f: Vec<f32> = (0..n).map(|i| pattern(i) as f32 * 0.5).collect();
        f[5] = f32::NAN;
        f[70 - 3] = f32::INFINITY;
        check_kernels(&f, 0.5f32);
        check_kernels(
            &f.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
            -0.5f64,
        );
        // A long row exercises the vector body many times.
        let long: Vec<i16> = (0..1000).map(|i| (pattern(i) * 100.0) as i16).collect();
        let mut a = vec![0; 16];
        let mut b = vec![0; 16];
        scalar::classify(&long, 100, &mut a);
        classify(Isa::best(), &long, 100, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn thresholds_decide_value_at_or_above_level() {
        let t = |level: f64| match Threshold::<i16>::new(level) {
            Threshold::AtLeast(t) => Some(t),
            Threshold::Nothing => None,
        };
        assert_eq!(t(300.0), Some(300));
        assert_eq!(t(299.5), Some(300));
        assert_eq!(t(-299.5), Some(-299));
        assert_eq!(t(-1e9), Some(i16::MIN));
        assert_eq!(t(40000.0), None);
        let f = |level: f64| match Threshold::<f32>::new(level) {
            Threshold::AtLeast(t) => Some(t),
            Threshold::Nothing => None,
        };
        // 0.1 is not an f32: the threshold is the least f32 at or above it.
        let th = f(0.1).unwrap();
        assert!(f64::from(th) >= 0.1);
        assert!(f64::from(f32::from_bits(th.to_bits() - 1)) < 0.1);
        let th = f(-0.1).unwrap();
        assert!(f64::from(th) >= -0.1);
        assert!(f64::from(f32::from_bits(th.to_bits() + 1)) < -0.1);
        assert_eq!(f(1e39), None);
    }
}
