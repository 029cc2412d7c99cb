//! Marching cubes: isosurfaces of volumes as watertight triangle meshes in patient coordinates.
//!
//! The design is edge based. The logical grid (the volume, its region, or the region padded
//! by one voxel when the border is closed) is cut into slabs of cell planes, and each slab is
//! meshed twice, streaming its planes through a ring of three bit planes:
//! 1. **count**: each row of voxels becomes a bit row (1 = inside, value ≥ level) with a SIMD
//!    kernel ([`Isa`] dispatch, scalar reference); the cut edges along i, j and k of a row are
//!    popcounts of XORs of bit rows, and the cells whose eight corners differ are found 64 at
//!    a time with word operations, so a slab's vertices and triangles are counted without
//!    touching the rows and cells the surface does not cross; each row is recorded as all
//!    outside, all inside or mixed. A prefix sum over the slabs sizes the output exactly.
//! 2. **emit**: the slab classifies the mixed rows of its planes again (the voxels are then
//!    still in cache for the interpolation) and writes its own part of the vertex and
//!    triangle arrays. Vertex ids follow a canonical order (plane k, row j, then i-edges,
//!    j-edges and k-edges each by increasing i): a cut edge's id is its word's first id plus a
//!    rank (popcount) in the row's edge mask, so neighbouring cells, planes and slabs share
//!    vertices without any lookup table or welding.
//!
//! Slabs run in parallel (rayon feature). Working memory is a ring of bit planes and the cut
//! edges of two planes per task (about 1.5 bytes per voxel of one plane: 96 KB for 256 × 256)
//! and one byte per row of the grid (64 KB for 256³), never a copy of the volume or its bits;
//! the output depends only on the input, never on the thread count or slab size.

mod avx2;
mod scalar;
pub(crate) mod tables;

use crate::{Error, Frame, Mesh, Result};
use medvol_core::{Affine, Geometry, Isa, Region, Volume, Voxel};
use multiversion::multiversion;
use std::ops::Range;
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
/// across a face or cube diagonal, the surface keeps them apart (as VTK does). The surface is
/// closed where it meets the edge of the grid by default, so it is closed and manifold
/// everywhere (printable); [`with_close_border(false)`](Self::with_close_border) leaves it open
/// there, as VTK's and scikit-image's marching cubes do.
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

/// The isosurface of `volume` at `level`, in LPS millimetres, closed where it meets the border.
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_mesh::isosurface;
///
/// let mut v = Volume::<u8>::zeros([3, 3, 3], Geometry::default())?;
/// v[Ijk::new(1, 1, 1)] = 1;
/// // One inside voxel at level 0.5: an octahedron with vertices half a voxel from its centre.
/// let mesh = isosurface(&v, 0.5)?;
/// assert_eq!((mesh.vertex_count(), mesh.triangle_count()), (6, 8));
/// assert!(mesh.edge_report().is_closed_manifold());
/// assert!((mesh.signed_volume_mm3() - 1.0 / 6.0).abs() < 1e-6);
/// // A level no voxel reaches is an error that gives the values' range.
/// let err = isosurface(&v, 2.0).unwrap_err().to_string();
/// assert!(err.contains("from 0 to 1"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`MarchingCubes::new`] and [`MarchingCubes::run`].
pub fn isosurface<T: Voxel>(volume: &Volume<T>, level: f64) -> Result<Mesh> {
    MarchingCubes::new(level)?.run(volume)
}

impl<'a> MarchingCubes<'a> {
    /// Marching cubes at `level` (in the volume's units), LPS output, closed at the border.
    ///
    /// ```
    /// use medvol_core::{Geometry, Ijk, Volume};
    /// use medvol_mesh::MarchingCubes;
    ///
    /// assert!(MarchingCubes::new(f64::NAN).is_err());
    /// let mut v = Volume::<u8>::zeros([2, 2, 2], Geometry::default())?;
    /// v[Ijk::new(1, 1, 1)] = 1;
    /// // The inside voxel touches the border: closed by default, the surface caps it there.
    /// let closed = MarchingCubes::new(0.5)?.run(&v)?;
    /// assert!(closed.edge_report().is_closed_manifold());
    /// // Left open, the surface stops at the edge of the grid.
    /// let open = MarchingCubes::new(0.5)?.with_close_border(false).run(&v)?;
    /// assert_eq!(open.edge_report().boundary_edges, 3);
    /// assert_eq!(open.enclosed_volume_mm3(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
            close_border: true,
            normals: false,
            frame: Frame::Lps,
            region: None,
            mask: None,
            isa: Isa::best(),
        })
    }

    /// Closes the surface at the border of the grid (the default; `false` leaves it open there,
    /// with boundary edges, as VTK and scikit-image do): the volume is meshed as if padded by one
    /// voxel holding its minimum value (a vertex between a border voxel and the padding is
    /// interpolated towards that value). Normals see the same padding, so those of the closing
    /// caps point out of the grid.
    pub fn with_close_border(mut self, close: bool) -> Self {
        self.close_border = close;
        self
    }
    /// Computes per-vertex unit normals from the volume gradient (central differences),
    /// pointing from inside to outside. Where the gradient vanishes or is not finite (NaN
    /// voxels, or caps of a closed border when no voxel is below the level), a vertex takes the
    /// area-weighted normal of its triangles.
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
    /// ```
    /// use medvol_core::{Geometry, Ijk, Point, Volume};
    /// use medvol_mesh::MarchingCubes;
    ///
    /// // 2 mm voxels, origin at x = 10 mm: the centre voxel sits at (12, 2, 2) mm.
    /// let g = Geometry::default()
    ///     .with_spacing([2.0; 3])?
    ///     .with_origin(Point::new(10.0, 0.0, 0.0))?;
    /// let mut v = Volume::<f32>::zeros([3, 3, 3], g)?;
    /// v[Ijk::new(1, 1, 1)] = 100.0;
    /// let mesh = MarchingCubes::new(50.0)?.run(&v)?;
    /// let (lo, hi) = mesh.bounding_box().expect("a surface");
    /// assert_eq!((lo, hi), ([11.0, 1.0, 1.0], [13.0, 3.0, 3.0]));
    /// // An octahedron of half-diagonal 1 mm encloses 4/3 mm³; triangles face outwards.
    /// assert!((mesh.signed_volume_mm3() - 4.0 / 3.0).abs() < 1e-5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::LevelOutOfRange`] when the level is not above the smallest value of the region
    /// and at most its largest (no surface, or only the grid's box: never what was meant);
    /// [`Error::InvalidParameter`] when the region does not fit the volume or the mask's
    /// dimensions differ from the volume's; [`Error::TooLarge`] when the mesh would have
    /// more than `u32::MAX` vertices or the grid more voxels than addressable.
    pub fn run<T: Voxel>(&self, volume: &Volume<T>) -> Result<Mesh> {
        self.run_in_slabs(volume, None)
    }

    /// [`Self::run`] with `per_slab` cell planes per task (default: [`Grid::slab_cells`]).
    fn run_in_slabs<T: Voxel>(&self, volume: &Volume<T>, per_slab: Option<usize>) -> Result<Mesh> {
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
        let (min, max) = region_range(volume, region);
        if !(min < self.level && self.level <= max) {
            return Err(Error::LevelOutOfRange {
                level: self.level,
                min,
                max,
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
        let outside = if self.close_border { min } else { f64::NAN };
        let grid = Grid {
            data: volume.as_slice(),
            mask: self.mask.map(|m| m.as_slice()),
            dims,
            n,
            offset: [0, 1, 2].map(|a| region.start.0[a] as isize - pad as isize),
            pad,
            words: n[0].div_ceil(64),
            limit: edge_limit(n[0]),
            full: full_row(n[0]),
            level: self.level,
            outside,
            threshold,
            isa: self.isa,
            affine: output_affine(volume.geometry(), self.frame),
            normal_map: self
                .normals
                .then(|| normal_matrix(volume.geometry(), self.frame)),
            flip: volume.geometry().direction().determinant() < 0.0,
        };
        grid.mesh(self.frame, per_slab.unwrap_or_else(|| grid.slab_cells()))
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

/// The smallest and largest values of `region` (NaN left out; `(NaN, NaN)` when every value is
/// NaN).
fn region_range<T: Voxel>(volume: &Volume<T>, region: Region) -> (f64, f64) {
    let data = volume.as_slice();
    let [nx, ny, _] = volume.dims();
    let [x0, y0, z0] = region.start.0;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for k in z0..z0 + region.size[2] {
        for j in y0..y0 + region.size[1] {
            let row = (k * ny + j) * nx + x0;
            for v in &data[row..row + region.size[0]] {
                let v = v.to_f64();
                min = if v < min { v } else { min };
                max = if v > max { v } else { max };
            }
        }
    }
    if min > max {
        (f64::NAN, f64::NAN)
    } else {
        (min, max)
    }
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
    /// Per word of a bit row: bit `b` set when an i-edge may start at `64 w + b` (< n0 - 1).
    limit: Vec<u64>,
    /// Per word of a bit row: bit `b` set for every voxel of the row (< n0).
    full: Vec<u64>,
    level: f64,
    /// Value of padding voxels for interpolation (NaN: place vertices mid-way).
    outside: f64,
    threshold: T,
    isa: Isa,
    /// Volume index to output millimetres.
    affine: [[f64; 4]; 3],
    /// Index-space gradient to output-frame gradient, when normals are wanted.
    normal_map: Option<[[f64; 3]; 3]>,
    /// Reverse the triangles (the direction matrix is a reflection).
    flip: bool,
}

/// The voxels of one logical row, as vertex placement reads them.
#[derive(Clone, Copy)]
struct RowValues<'v, T> {
    /// Values of logical `i = pad ..`; empty for a row of padding.
    data: &'v [T],
    mask: Option<&'v [u8]>,
}

/// The cut edges of the rows of one logical plane: the mask and the vertex id of the first cut
/// edge of word `w` of row `j` along axis `a` sit at `(3 j + a) * words + w`.
#[derive(Default)]
struct PlaneEdges {
    masks: Vec<u64>,
    first_ids: Vec<u32>,
}

impl PlaneEdges {
    /// Vertex id of the cut edge at `i` of row `j` along `axis`.
    #[inline(always)]
    fn id(&self, words: usize, j: usize, axis: usize, i: usize) -> u32 {
        let x = (3 * j + axis) * words + i / 64;
        let below = self.masks[x] & ((1u64 << (i % 64)) - 1);
        self.first_ids[x] + below.count_ones()
    }
}

/// Row state recorded by pass 1 (one byte per row of the grid, so that pass 2 reads only the
/// voxels of rows the level crosses): every voxel of the row is outside.
const OUTSIDE: u8 = 0;
/// Every voxel of the row is inside.
const INSIDE: u8 = 1;
/// The row has voxels on both sides of the level.
const MIXED: u8 = 2;

/// Bit planes kept while meshing: a plane, the next one and the one after.
const RING: usize = 3;

/// Working memory of a task, reused across its slabs: a ring of [`RING`] classified planes and
/// the cut edges of two planes (about 1.5 bytes per voxel of one plane: it grows with a plane,
/// never with the volume).
#[derive(Default)]
struct Scratch {
    bits: Vec<u64>,
    row: Vec<u64>,
    edges: [PlaneEdges; 2],
}

/// The cells of one cell row whose eight corners are not all alike, as `(i, case)` by
/// increasing i; found 64 at a time with word operations on the four bit rows of its corners.
struct Cells<'b> {
    /// Bit rows (j, k), (j + 1, k), (j, k + 1), (j + 1, k + 1).
    rows: [&'b [u64]; 4],
    limit: &'b [u64],
    next_word: usize,
    /// The current word of each row, and the same shifted to the next voxel.
    low: [u64; 4],
    high: [u64; 4],
    /// Cells of the current word still to visit.
    active: u64,
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

/// Vertices and triangles of one slab.
#[derive(Debug, Clone, Copy, Default)]
struct SlabCounts {
    vertices: u64,
    triangles: u64,
}

/// Where one slab writes its vertices, normals and triangles.
struct SlabOut<'o> {
    positions: &'o mut [[f32; 3]],
    normals: Option<&'o mut [[f32; 3]]>,
    faces: &'o mut [[u32; 3]],
}

/// Cell edge `e` as (plane: 0 lower, 1 upper; row: 0 = j, 1 = j + 1; axis; i offset).
const EDGE_REFS: [(usize, usize, usize, usize); 12] = [
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

/// Pass 1 of [`Grid::mesh`] on the cell planes `cells`, compiled for the best ISA (popcount).
#[allow(unused_braces)]
#[multiversion(targets("x86_64+avx2+fma+popcnt+bmi1+bmi2+lzcnt", "aarch64+neon"))]
fn count_slab<T: Voxel>(
    grid: &Grid<'_, T>,
    cells: Range<usize>,
    last: bool,
    states: &mut [u8],
    scratch: &mut Scratch,
) -> SlabCounts {
    grid.count_slab(cells, last, states, scratch)
}

/// Pass 2 of [`Grid::mesh`] on the cell planes `cells`, compiled for the best ISA (popcount).
#[allow(unused_braces)]
#[multiversion(targets("x86_64+avx2+fma+popcnt+bmi1+bmi2+lzcnt", "aarch64+neon"))]
fn emit_slab<T: Voxel>(
    grid: &Grid<'_, T>,
    cells: Range<usize>,
    last: bool,
    base: u32,
    states: &[u8],
    out: SlabOut<'_>,
    scratch: &mut Scratch,
) {
    grid.emit_slab(cells, last, base, states, out, scratch)
}

impl<T: Voxel> Grid<'_, T> {
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

    /// The voxels of logical row `(j, k)`.
    fn row_values(&self, j: usize, k: usize) -> RowValues<'_, T> {
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
    fn value(&self, row: RowValues<'_, T>, i: usize) -> f64 {
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
    fn classify_row(&self, j: usize, k: usize, out: &mut [u64], scratch: &mut Vec<u64>) {
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
    fn row_state(&self, row: &[u64]) -> u8 {
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
    fn edge_masks(&self, plane: &[u64], up: Option<&[u64]>, j: usize, w: usize) -> [u64; 3] {
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
    fn plane_vertex_count(&self, plane: &[u64], up: Option<&[u64]>) -> u64 {
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
    fn plane_edges(
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
    fn cells<'b>(&'b self, lo: &'b [u64], hi: &'b [u64], j: usize) -> Cells<'b> {
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
    fn slab_cells(&self) -> usize {
        #[cfg(feature = "rayon")]
        let tasks = 8 * rayon::current_num_threads();
        #[cfg(not(feature = "rayon"))]
        let tasks = 1;
        (self.n[2] - 1).div_ceil(tasks).clamp(8, 64)
    }

    /// Classifies logical plane `k` into its place in the ring of `scratch`. With the row
    /// states of pass 1 (`known`, indexed by `k * n[1] + j`), rows found all outside or all
    /// inside are filled without reading a voxel.
    #[inline(always)]
    fn classify_into(&self, k: usize, scratch: &mut Scratch, known: Option<&[u8]>) {
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
    fn plane<'b>(&self, bits: &'b [u64], k: usize) -> &'b [u64] {
        let plane_words = self.n[1] * self.words;
        &bits[(k % RING) * plane_words..][..plane_words]
    }

    /// Pass 1: vertices of the planes of `cells` (and of the last plane for the last slab)
    /// and triangles of its cells; records the state of each row of those planes in `states`.
    #[inline(always)]
    fn count_slab(
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
    fn emit_slab(
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
    fn plane_vertices(
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
    fn cell_plane_triangles(
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
    fn mesh(&self, frame: Frame, per_slab: usize) -> Result<Mesh> {
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
        let counts = map_with_scratch(
            parts.into_iter().enumerate().collect(),
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
        map_with_scratch(jobs, |scratch, (s, out)| {
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
    fn crossing(&self, a: f64, b: f64, first_inside: bool) -> f64 {
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

    /// Value at logical `l` as the gradient reads it: with a closed border, the padding value
    /// ([`Grid::outside`], as vertex placement uses it) at and beyond the padding around the
    /// region; otherwise the volume value clamped into the volume.
    #[inline(always)]
    fn gradient_value(&self, l: [isize; 3]) -> f64 {
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
    fn normal(&self, l: [usize; 3], axis: usize, t: f64, gradient_map: &[[f64; 3]; 3]) -> [f32; 3] {
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
fn fill_degenerate_normals(positions: &[[f32; 3]], faces: &[[u32; 3]], normals: &mut [[f32; 3]]) {
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
fn length(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// Per word of a bit row of `n0` voxels: bit `b` set when an i-edge starts at `64 w + b`
/// (`< n0 - 1`).
fn edge_limit(n0: usize) -> Vec<u64> {
    low_bits(n0 - 1, n0.div_ceil(64))
}

/// Per word of a bit row of `n0` voxels: bit `b` set for every voxel (`64 w + b < n0`).
fn full_row(n0: usize) -> Vec<u64> {
    low_bits(n0, n0.div_ceil(64))
}

/// `words` words whose first `n` bits are set.
fn low_bits(n: usize, words: usize) -> Vec<u64> {
    (0..words)
        .map(|w| match n.saturating_sub(64 * w) {
            v if v >= 64 => u64::MAX,
            v => (1u64 << v) - 1,
        })
        .collect()
}

/// The 3x4 matrix from volume index to output millimetres in `frame`.
fn output_affine(geometry: &Geometry, frame: Frame) -> [[f64; 4]; 3] {
    let a = geometry.affine().in_frame(frame).to_array();
    [a[0], a[1], a[2]]
}

/// The matrix taking an index-space gradient to an output-frame gradient: the inverse
/// transpose of the linear part of the affine, i.e. direction · diag(1 / spacing).
fn normal_matrix(geometry: &Geometry, frame: Frame) -> [[f64; 3]; 3] {
    let d = geometry.direction().rows();
    let s = geometry.spacing();
    let m = d.map(|row| [0, 1, 2].map(|c| row[c] / s[c]));
    Affine::from_linear(m).in_frame(frame).linear()
}

/// `f(scratch, item)` for each item, in parallel with the rayon feature (one scratch per task,
/// reused across its items), results in order.
fn map_with_scratch<S: Default, I: Send, R: Send>(
    items: Vec<I>,
    f: impl Fn(&mut S, I) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        items.into_par_iter().map_init(S::default, f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut scratch = S::default();
        items
            .into_iter()
            .map(|item| f(&mut scratch, item))
            .collect()
    }
}

/// The parts `data[starts[s]..starts[s + 1]]`.
fn split_at_starts<'d, T>(data: &'d mut [T], starts: &[usize]) -> Vec<&'d mut [T]> {
    let mut parts = Vec::with_capacity(starts.len().saturating_sub(1));
    let mut rest = data;
    for w in starts.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        parts.push(head);
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use medvol_core::Ijk;
    use medvol_core::phantom::HeadPhantom;

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
                // The compiler-vectorised loop, which `i16` and `f32` rows skip on AVX2.
                let mut out = vec![u64::MAX; len.div_ceil(64)];
                avx2::classify_autovec(v, threshold, &mut out);
                assert_eq!(out, reference, "autovec {:?} len {len}", T::KIND);
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
        // Thresholds at the ends of the type: i16::MIN takes the fallback of the AVX2 kernel.
        let extremes: Vec<i16> = (0..n)
            .map(|i| [i16::MIN, i16::MAX, -1, 0, i16::MIN + 1][i % 5])
            .collect();
        for t in [i16::MIN, i16::MIN + 1, -1, 0, i16::MAX] {
            check_kernels(&extremes, t);
        }
        let mut g: Vec<f32> = (0..n)
            .map(|i| [0.0, -0.0, f32::NEG_INFINITY, f32::MIN_POSITIVE, 1e30][i % 5])
            .collect();
        g[33] = f32::NAN;
        for t in [-0.0, 0.0, f32::NEG_INFINITY, f32::INFINITY, 1e30] {
            check_kernels(&g, t);
        }
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

    #[test]
    fn output_does_not_depend_on_the_slabs() {
        let ct = HeadPhantom::new([45, 38, 29], [4.5, 5.0, 6.0])
            .unwrap()
            .with_noise(5, 60.0)
            .generate();
        let g = ct.geometry();
        let mask = Volume::from_fn(ct.dims(), *g, |ijk| {
            u8::from((ijk.0[0] * 7 + ijk.0[2] * 3) % 11 != 0)
        })
        .unwrap();
        let region = Region::new(Ijk::new(2, 3, 1), [40, 30, 27]);
        let options = [
            MarchingCubes::new(300.0).unwrap().with_close_border(false),
            MarchingCubes::new(-500.0)
                .unwrap()
                .with_normals(true)
                .with_close_border(false),
            MarchingCubes::new(-500.0).unwrap().with_frame(Frame::Ras),
            MarchingCubes::new(40.0)
                .unwrap()
                .with_region(region)
                .with_mask(&mask)
                .with_normals(true),
        ];
        for mc in options {
            let whole = mc.run_in_slabs(&ct, Some(usize::MAX)).unwrap();
            assert!(whole.triangle_count() > 1000);
            assert!(whole.edge_report().is_closed_manifold() || !mc.close_border);
            for per_slab in [1, 2, 3, 7, 64] {
                assert_eq!(
                    mc.run_in_slabs(&ct, Some(per_slab)).unwrap(),
                    whole,
                    "{per_slab}"
                );
            }
        }
    }
}
