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
//!
//! Rooms: this file holds the API ([`MarchingCubes`], [`isosurface`], thresholds, the output
//! transform); `grid.rs` the classification (bit rows, the ring of planes, crossed cells);
//! `slab.rs` the two passes and the driver; `normals.rs` the gradients; `scalar.rs` and
//! `avx2.rs` the kernels of each instruction set (see `medvol_core::simd`); `tables.rs` the
//! case table.

mod avx2;
mod grid;
mod normals;
mod scalar;
mod slab;
pub(crate) mod tables;

use crate::{Error, Frame, Mesh, Result};
use grid::*;
use medvol_core::{Affine, Geometry, Isa, Region, Volume, Voxel, par};
use normals::*;
use slab::*;
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
    /// Forces the instruction set of every kernel of the run: the row classification and both
    /// slab passes (one of [`Isa::available`]; any other falls back to the best available).
    /// `Isa::Scalar` runs the scalar reference everywhere. The output is the same for every ISA.
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
    /// more than `u32::MAX` vertices or the grid more voxels than addressable; [`Error::Colour`]
    /// for a colour ([`Rgb8`](medvol_core::Rgb8)) volume.
    pub fn run<T: Voxel>(&self, volume: &Volume<T>) -> Result<Mesh> {
        self.run_in_slabs(volume, None)
    }

    /// [`Self::run`] with `per_slab` cell planes per task (default: [`Grid::slab_cells`]).
    fn run_in_slabs<T: Voxel>(&self, volume: &Volume<T>, per_slab: Option<usize>) -> Result<Mesh> {
        if T::KIND.is_colour() {
            return Err(Error::Colour);
        }
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

/// The 3x4 matrix from volume index to output millimetres in `frame`.
fn output_affine(geometry: &Geometry, frame: Frame) -> [[f64; 4]; 3] {
    let a = geometry.affine().in_frame(frame).to_array();
    [a[0], a[1], a[2]]
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
