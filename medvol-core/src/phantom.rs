//! Deterministic synthetic volumes: a CT head phantom and analytic shapes of known area and volume.
//!
//! The head phantom is the built-in input of medvol's examples and benches; the shapes are the
//! ground truth of filter and meshing tests.

use crate::{Direction, Error, Geometry, Ijk, Point, Result, Volume};

/// A synthetic CT head in Hounsfield units (`i16`), centred on the patient origin.
///
/// Air (-1000 HU) around a soft-tissue ellipsoid (40 HU), a skull shell whose bone density
/// varies between 700 and 1200 HU, brain (30 HU) with two ventricles (5 HU) and a few contrast
/// vessels (200 HU, below the 300 HU bone level). Boundaries are anti-aliased over one voxel
/// (partial-volume effect), so isosurfaces are smooth. Optional Gaussian noise is seeded per
/// voxel, so the volume is the same bits for any thread count.
///
/// The anatomy scales with the field of view (`dims × spacing`).
///
/// ```
/// use medvol_core::phantom::HeadPhantom;
///
/// let ct = HeadPhantom::new([64, 64, 48], [3.0, 3.0, 4.0])?.generate();
/// let s = ct.statistics();
/// assert_eq!(s.min, -1000.0);
/// assert!(s.max >= 1000.0 && s.max <= 1200.0);
/// # Ok::<(), medvol_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HeadPhantom {
    dims: [usize; 3],
    geometry: Geometry,
    noise: Option<(u64, f64)>,
}

/// Hounsfield units of the phantom's tissues.
pub mod hu {
    /// Air around the head.
    pub const AIR: f64 = -1000.0;
    /// Scalp and soft tissue.
    pub const SOFT_TISSUE: f64 = 40.0;
    /// Least dense bone.
    pub const BONE_MIN: f64 = 700.0;
    /// Densest bone.
    pub const BONE_MAX: f64 = 1200.0;
    /// Brain.
    pub const BRAIN: f64 = 30.0;
    /// Cerebrospinal fluid in the ventricles.
    pub const CSF: f64 = 5.0;
    /// Contrast-filled vessels.
    pub const VESSEL: f64 = 200.0;
}

impl Default for HeadPhantom {
    /// 256 x 256 x 256 voxels of 0.7 x 0.7 x 1.25 mm, without noise: the volume of the benches.
    fn default() -> Self {
        Self::new([256, 256, 256], [0.7, 0.7, 1.25]).expect("valid default phantom")
    }
}

impl HeadPhantom {
    /// A phantom of `dims` voxels (i, j, k) with `spacing` mm, axial (identity direction),
    /// centred on the patient origin.
    ///
    /// # Errors
    /// [`Error::InvalidSpacing`] for a spacing that is not finite and positive,
    /// [`Error::InvalidParameter`] when a dimension is 0.
    pub fn new(dims: [usize; 3], spacing: [f64; 3]) -> Result<Self> {
        if dims.contains(&0) {
            return Err(Error::InvalidParameter {
                name: "dims",
                reason: format!("{dims:?} has a zero dimension"),
            });
        }
        crate::volume::voxel_count(dims)?;
        let origin = Point([0, 1, 2].map(|a| -((dims[a] - 1) as f64) * spacing[a] / 2.0));
        let geometry = Geometry::new(spacing, origin, Direction::IDENTITY)?;
        Ok(Self {
            dims,
            geometry,
            noise: None,
        })
    }

    /// Adds Gaussian noise of `sigma_hu` (HU) drawn from a generator seeded with `seed`.
    pub fn with_noise(mut self, seed: u64, sigma_hu: f64) -> Self {
        self.noise = Some((seed, sigma_hu));
        self
    }

    /// Places the same voxels with another direction (the grid rotates about the volume centre).
    pub fn with_direction(mut self, direction: Direction) -> Self {
        let centre = self.geometry.index_to_physical(crate::ContinuousIndex(
            self.dims.map(|d| (d - 1) as f64 / 2.0),
        ));
        let g = self.geometry.with_direction(direction);
        let c2 = g.index_to_physical(crate::ContinuousIndex(
            self.dims.map(|d| (d - 1) as f64 / 2.0),
        ));
        let origin = g.origin() + (centre - c2);
        self.geometry = Geometry::new(g.spacing(), origin, direction).expect("finite origin");
        self
    }

    /// Dimensions (i, j, k).
    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }
    /// The geometry of the generated volume.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// The phantom voxels.
    pub fn generate(&self) -> Volume<i16> {
        let dims = self.dims;
        let sp = self.geometry.spacing();
        let half = [0, 1, 2].map(|a| (dims[a] - 1) as f64 * sp[a] / 2.0);
        let scale = half[0].min(half[1]).min(half[2] * 1.3);
        // Width of the anti-aliasing ramp: one voxel of the coarsest axis.
        let ramp = sp[0].max(sp[1]).max(sp[2]);
        let noise = self.noise;
        let mut vol = Volume::<i16>::zeros(dims, self.geometry).expect("checked dims");
        let fill_slice = |k: usize, plane: &mut [i16]| {
            for j in 0..dims[1] {
                for i in 0..dims[0] {
                    // Position relative to the volume centre, in index space times spacing, so
                    // the anatomy follows the grid whatever its direction.
                    let x = i as f64 * sp[0] - half[0];
                    let y = j as f64 * sp[1] - half[1];
                    let z = k as f64 * sp[2] - half[2];
                    let mut v = head_value([x / scale, y / scale, z / scale], ramp / scale);
                    if let Some((seed, sigma)) = noise {
                        let idx = ((k * dims[1] + j) * dims[0] + i) as u64;
                        v += sigma * gaussian(seed, idx);
                    }
                    plane[j * dims[0] + i] = v.round().clamp(-32768.0, 32767.0) as i16;
                }
            }
        };
        let plane_len = dims[0] * dims[1];
        let data = vol.as_slice_mut();
        crate::par::for_each_chunk_mut(data, plane_len, |k, plane| fill_slice(k, plane));
        vol
    }
}

/// Coverage in [0, 1] of a boundary at signed distance `d` (negative inside) over a ramp `w`.
fn coverage(d: f64, w: f64) -> f64 {
    (0.5 - d / w).clamp(0.0, 1.0)
}

/// Approximate signed distance to an axis-aligned ellipsoid (negative inside), in units of `u`.
fn ellipsoid(u: [f64; 3], c: [f64; 3], r: [f64; 3]) -> f64 {
    let q = [0, 1, 2].map(|a| (u[a] - c[a]) / r[a]);
    let n = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt();
    (n - 1.0) * r[0].min(r[1]).min(r[2])
}

fn head_value(u: [f64; 3], w: f64) -> f64 {
    // Each tissue lies inside the previous one, so a voxel outside a layer's ramp skips the rest.
    let mut v = hu::AIR;
    let paint = |v: &mut f64, d: f64, value: f64| {
        let c = coverage(d, w);
        *v = *v * (1.0 - c) + value * c;
        c > 0.0
    };
    if !paint(
        &mut v,
        ellipsoid(u, [0.0; 3], [0.80, 0.92, 0.95]),
        hu::SOFT_TISSUE,
    ) {
        return v;
    }
    // Skull: bone between two ellipsoids, its density varying around the head.
    let outer = ellipsoid(u, [0.0, 0.0, 0.05], [0.74, 0.86, 0.86]);
    let angle = u[1].atan2(u[0]);
    let t = 0.5 + 0.5 * (3.0 * angle).sin() * (2.5 * u[2]).cos();
    if !paint(
        &mut v,
        outer,
        hu::BONE_MIN + (hu::BONE_MAX - hu::BONE_MIN) * t,
    ) {
        return v;
    }
    let inner = ellipsoid(u, [0.0, 0.0, 0.05], [0.67, 0.79, 0.79]);
    if !paint(&mut v, inner, hu::BRAIN) {
        return v;
    }
    paint(
        &mut v,
        ellipsoid(u, [-0.12, 0.05, 0.1], [0.07, 0.22, 0.12]),
        hu::CSF,
    );
    paint(
        &mut v,
        ellipsoid(u, [0.12, 0.05, 0.1], [0.07, 0.22, 0.12]),
        hu::CSF,
    );
    // Vessels: cylinders along S through the brain, and one along P.
    for (cx, cy) in [(-0.3, -0.3), (0.3, -0.3), (0.0, 0.45)] {
        let r = ((u[0] - cx).powi(2) + (u[1] - cy).powi(2)).sqrt();
        paint(&mut v, (r - 0.03).max(inner), hu::VESSEL);
    }
    let r = (u[0].powi(2) + (u[2] + 0.3).powi(2)).sqrt();
    paint(&mut v, (r - 0.025).max(inner), hu::VESSEL);
    v
}

/// A standard normal sample from a counter-based generator (SplitMix64 + Box-Muller).
fn gaussian(seed: u64, index: u64) -> f64 {
    let a = splitmix(seed ^ splitmix(index.wrapping_mul(2)));
    let b = splitmix(seed ^ splitmix(index.wrapping_mul(2) + 1));
    let u1 = ((a >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = (b >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A solid with a known surface area, enclosed volume and genus, for tests of filters and meshes.
pub trait Shape: Sync {
    /// Signed distance (mm) from `p` to the surface: negative inside, positive outside.
    fn signed_distance(&self, p: Point) -> f64;
    /// Exact surface area, mm².
    fn area_mm2(&self) -> f64;
    /// Exact enclosed volume, mm³.
    fn volume_mm3(&self) -> f64;
    /// Number of handles (0 for a sphere or box, 1 for a torus): Euler characteristic = 2 - 2g.
    fn genus(&self) -> u32;

    /// A volume of `dims` on `geometry` holding the negated signed distance (mm, positive inside):
    /// its isosurface at level 0 is the shape's surface.
    fn distance_volume(&self, dims: [usize; 3], geometry: Geometry) -> Result<Volume<f32>>
    where
        Self: Sized,
    {
        Volume::from_fn(dims, geometry, |ijk: Ijk| {
            -self.signed_distance(geometry.ijk_to_physical(ijk)) as f32
        })
    }

    /// A mask of `dims` on `geometry`: 1 where the voxel centre is inside the shape, else 0.
    fn mask(&self, dims: [usize; 3], geometry: Geometry) -> Result<Volume<u8>>
    where
        Self: Sized,
    {
        Volume::from_fn(dims, geometry, |ijk: Ijk| {
            u8::from(self.signed_distance(geometry.ijk_to_physical(ijk)) < 0.0)
        })
    }
}

/// A ball of `radius_mm` around `center`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sphere {
    /// Centre, LPS mm.
    pub center: Point,
    /// Radius, mm.
    pub radius_mm: f64,
}

impl Shape for Sphere {
    fn signed_distance(&self, p: Point) -> f64 {
        p.distance(self.center) - self.radius_mm
    }
    fn area_mm2(&self) -> f64 {
        4.0 * std::f64::consts::PI * self.radius_mm.powi(2)
    }
    fn volume_mm3(&self) -> f64 {
        4.0 / 3.0 * std::f64::consts::PI * self.radius_mm.powi(3)
    }
    fn genus(&self) -> u32 {
        0
    }
}

/// A box aligned with the LPS axes, `half_extent_mm` on each side of `center`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cuboid {
    /// Centre, LPS mm.
    pub center: Point,
    /// Half the edge lengths along x, y, z, mm.
    pub half_extent_mm: [f64; 3],
}

impl Shape for Cuboid {
    fn signed_distance(&self, p: Point) -> f64 {
        let q = [0, 1, 2].map(|a| (p.0[a] - self.center.0[a]).abs() - self.half_extent_mm[a]);
        let outside = q.map(|v| v.max(0.0));
        let out = (outside[0].powi(2) + outside[1].powi(2) + outside[2].powi(2)).sqrt();
        out + q[0].max(q[1]).max(q[2]).min(0.0)
    }
    fn area_mm2(&self) -> f64 {
        let [a, b, c] = self.half_extent_mm;
        8.0 * (a * b + b * c + c * a)
    }
    fn volume_mm3(&self) -> f64 {
        8.0 * self.half_extent_mm.iter().product::<f64>()
    }
    fn genus(&self) -> u32 {
        0
    }
}

/// A ring torus around `center` whose axis is the z (S) axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Torus {
    /// Centre, LPS mm.
    pub center: Point,
    /// Distance from the centre to the tube's centre line, mm.
    pub major_radius_mm: f64,
    /// Radius of the tube, mm (less than the major radius).
    pub minor_radius_mm: f64,
}

impl Shape for Torus {
    fn signed_distance(&self, p: Point) -> f64 {
        let d = p - self.center;
        let ring = (d.0[0].powi(2) + d.0[1].powi(2)).sqrt() - self.major_radius_mm;
        (ring.powi(2) + d.0[2].powi(2)).sqrt() - self.minor_radius_mm
    }
    fn area_mm2(&self) -> f64 {
        4.0 * std::f64::consts::PI.powi(2) * self.major_radius_mm * self.minor_radius_mm
    }
    fn volume_mm3(&self) -> f64 {
        2.0 * std::f64::consts::PI.powi(2) * self.major_radius_mm * self.minor_radius_mm.powi(2)
    }
    fn genus(&self) -> u32 {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oblique(spacing: [f64; 3], dims: [usize; 3]) -> Geometry {
        let (s, c) = 0.5f64.sin_cos();
        let d = Direction::from_rows([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]).unwrap();
        let g = Geometry::new(spacing, Point::ORIGIN, d).unwrap();
        // Centre the grid on the origin.
        let mid = g.index_to_physical(crate::ContinuousIndex(dims.map(|n| (n - 1) as f64 / 2.0)));
        g.with_origin(Point([0, 1, 2].map(|a| -mid.0[a]))).unwrap()
    }

    /// The voxel-count volume of a shape is within `area × (max spacing) / 4` of the truth:
    /// a discretisation error bounded by half a voxel across the boundary, halved on average.
    fn check_voxel_count(shape: &impl Shape, spacing: [f64; 3], dims: [usize; 3]) {
        let g = oblique(spacing, dims);
        let mask = shape.mask(dims, g).unwrap();
        let count: u64 = mask.as_slice().iter().map(|v| *v as u64).sum();
        let measured = count as f64 * g.voxel_volume();
        let tol = shape.area_mm2() * spacing.iter().cloned().fold(0.0, f64::max) / 4.0;
        let err = (measured - shape.volume_mm3()).abs();
        assert!(
            err < tol,
            "volume {measured} vs {} (error {err}, tolerance {tol})",
            shape.volume_mm3()
        );
        // and much better than that in practice: within 1 %.
        assert!(
            err / shape.volume_mm3() < 0.01,
            "relative error {}",
            err / shape.volume_mm3()
        );
    }

    #[test]
    fn analytic_shapes_match_voxel_counts() {
        let sphere = Sphere {
            center: Point::new(1.0, -2.0, 0.5),
            radius_mm: 20.0,
        };
        check_voxel_count(&sphere, [0.8, 0.9, 1.0], [64, 64, 64]);
        let cuboid = Cuboid {
            center: Point::new(0.3, 0.1, -0.2),
            half_extent_mm: [15.0, 10.0, 12.0],
        };
        assert!((cuboid.volume_mm3() - 14400.0).abs() < 1e-9);
        check_voxel_count(&cuboid, [0.5, 0.5, 0.6], [96, 96, 96]);
        let torus = Torus {
            center: Point::ORIGIN,
            major_radius_mm: 20.0,
            minor_radius_mm: 8.0,
        };
        check_voxel_count(&torus, [0.7, 0.7, 0.7], [96, 96, 48]);
        assert_eq!(torus.genus(), 1);
    }

    #[test]
    fn head_phantom_tissues_and_determinism() {
        let p = HeadPhantom::new([96, 96, 64], [2.0, 2.0, 3.0]).unwrap();
        let v = p.generate();
        assert_eq!(v.dims(), [96, 96, 64]);
        // Corner voxel is air; the centre is brain or CSF.
        assert_eq!(v.get(Ijk::new(0, 0, 0)), Some(-1000));
        let centre = v.get(Ijk::new(48, 48, 32)).unwrap();
        assert!((0..=40).contains(&centre), "centre {centre}");
        let s = v.statistics();
        assert!(s.max >= 1000.0 && s.max <= hu::BONE_MAX);
        // The geometry is centred on the patient origin.
        let mid = v
            .geometry()
            .index_to_physical(crate::ContinuousIndex::new(47.5, 47.5, 31.5));
        assert!(mid.distance(Point::ORIGIN) < 1e-9);
        let noisy = p.clone().with_noise(7, 20.0).generate();
        assert_eq!(noisy, p.clone().with_noise(7, 20.0).generate());
        assert_ne!(noisy, v);
        let ns = noisy.statistics();
        assert!((ns.mean - s.mean).abs() < 1.0);
        assert!(HeadPhantom::new([0, 4, 4], [1.0; 3]).is_err());
        assert!(HeadPhantom::new([4, 4, 4], [1.0, -1.0, 1.0]).is_err());
    }
}
