//! Resampling onto another voxel grid (any spacing, size, origin and direction).

use crate::Result;
use crate::error::{invalid, scalar};
use crate::kernel::{self, Real};
use medvol_core::ndarray::{Array3, ArrayView3, Axis};
use medvol_core::par::for_each_slice;
use medvol_core::{Geometry, Isa, Point, Volume, Voxel, voxel_count};

/// How values between voxel centres are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Interpolation {
    /// The nearest voxel (halves round up, as ITK).
    Nearest,
    /// Trilinear, edges replicated within half a voxel of the grid.
    #[default]
    Linear,
    /// Cubic B-spline (the samples are prefiltered into spline coefficients, mirror boundary).
    CubicBSpline,
}

/// Resampling onto a target grid, with SimpleITK `Resample`'s convention: an output voxel takes
/// the input value at its physical centre; points farther than half a voxel outside the input
/// grid get [`Resample::default_value`] (0 unless set).
///
/// The output has the target geometry; values are rounded to the nearest (halves away from
/// zero, as scipy.ndimage) and saturated for integer types, where SimpleITK truncates toward
/// zero. Arithmetic is in `f32` for 8- and 16-bit integers and `f32` volumes, in `f64` for the
/// others; an axis-aligned target and a rotated one interpolate in a different order, so an
/// integer result exactly half-way between two values may round either way between them.
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_filter::{Interpolation, Resample};
///
/// let g = Geometry::default().with_spacing([2.0, 2.0, 2.0])?;
/// let v = Volume::<f32>::from_fn([4, 1, 1], g, |p| 10.0 * p.i() as f32)?;
/// let r = Resample::isotropic(v.geometry(), v.dims(), 1.0)?.with_interpolation(Interpolation::Linear);
/// let out = r.apply(&v)?;
/// assert_eq!(out.dims(), [8, 2, 2]);
/// // Output voxel 1 lies at 1 mm, half-way between input voxels 0 and 1.
/// assert_eq!(out[Ijk::new(1, 0, 0)], 5.0);
/// // Output voxel 7 (7 mm) is beyond the last input centre (6 mm) by more than half a voxel.
/// assert_eq!(out[Ijk::new(7, 0, 0)], 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Resample {
    geometry: Geometry,
    dims: [usize; 3],
    interpolation: Interpolation,
    default_value: f64,
    isa: Isa,
}

impl Resample {
    /// Resampling onto a grid of `dims` voxels (i, j, k) placed by `geometry`, linear.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when a dimension is 0 or the
    /// voxel count overflows.
    pub fn new(geometry: Geometry, dims: [usize; 3]) -> Result<Self> {
        if dims.contains(&0) {
            return Err(invalid(
                "dims",
                format!("{dims:?}: the target grid is empty"),
            ));
        }
        voxel_count(dims)?;
        Ok(Self {
            geometry,
            dims,
            interpolation: Interpolation::default(),
            default_value: 0.0,
            isa: Isa::best(),
        })
    }
    /// Resampling of a volume of `geometry` and `dims` to an isotropic `spacing_mm`, keeping
    /// origin and direction, with `round(dims·spacing/spacing_mm)` voxels per axis (at least 1).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `spacing_mm` is not
    /// finite and positive or the grid would be empty or too large.
    pub fn isotropic(geometry: &Geometry, dims: [usize; 3], spacing_mm: f64) -> Result<Self> {
        if !(spacing_mm.is_finite() && spacing_mm > 0.0) {
            return Err(invalid(
                "spacing_mm",
                format!("{spacing_mm} mm: must be finite and > 0"),
            ));
        }
        let sp = geometry.spacing();
        let new = [0, 1, 2].map(|a| {
            let n = (dims[a] as f64 * sp[a] / spacing_mm).round();
            if dims[a] == 0 { 0.0 } else { n.max(1.0) }
        });
        if new.iter().any(|n| *n > u32::MAX as f64) {
            return Err(invalid(
                "spacing_mm",
                format!("{spacing_mm} mm gives a grid of {new:?} voxels"),
            ));
        }
        let g = geometry.with_spacing([spacing_mm; 3])?;
        Self::new(g, new.map(|n| n as usize))
    }
    /// The same resampling with another interpolation.
    pub fn with_interpolation(mut self, interpolation: Interpolation) -> Self {
        self.interpolation = interpolation;
        self
    }
    /// The value of output voxels outside the input grid.
    pub fn with_default(mut self, value: f64) -> Self {
        self.default_value = value;
        self
    }
    /// The same resampling run with the kernels of `isa` (for tests and benches).
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }
    /// The target geometry.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
    /// The target dimensions (i, j, k).
    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }
    /// The value given to output voxels outside the input grid.
    pub fn default_value(&self) -> f64 {
        self.default_value
    }

    /// `src` resampled onto the target grid.
    ///
    /// # Errors
    /// [`Error::Core`](crate::Error::Core) when the output cannot be allocated.
    pub fn apply<T: Voxel>(&self, src: &Volume<T>) -> Result<Volume<T>> {
        self.apply_as(src, |v| v)
    }

    /// `src` of any voxel type resampled into a new `f32` volume, reading the input rows as
    /// they are (no converted copy of the input). For 8- and 16-bit integers and `f32` these are
    /// the same bits as `self.apply(&src.cast::<f32>())`; 32-bit integers and `f64` interpolate
    /// in `f64` and round once to `f32` (the cast would round every input voxel first).
    ///
    /// ```
    /// use medvol_core::phantom::HeadPhantom;
    /// use medvol_filter::{Interpolation, Resample};
    ///
    /// let ct = HeadPhantom::new([40, 40, 24], [0.7, 0.7, 1.25])?.generate(); // i16
    /// for interp in [Interpolation::Linear, Interpolation::Nearest, Interpolation::CubicBSpline] {
    ///     let r = Resample::isotropic(ct.geometry(), ct.dims(), 1.0)?.with_interpolation(interp);
    ///     assert_eq!(r.apply_to_f32(&ct)?, r.apply(&ct.cast::<f32>())?);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Resample::apply`].
    pub fn apply_to_f32<T: Voxel>(&self, src: &Volume<T>) -> Result<Volume<f32>> {
        self.apply_as(src, |v: T| f32::from_f64_saturating(v.to_f64()))
    }

    /// `src` resampled into a volume of `U`; `near` converts the voxels nearest interpolation
    /// copies (the interpolating methods round their result with `U::from_f64_saturating`).
    fn apply_as<T: Voxel, U: Voxel>(
        &self,
        src: &Volume<T>,
        near: impl Fn(T) -> U + Sync,
    ) -> Result<Volume<U>> {
        scalar::<T>("resample")?;
        let mut out = crate::output::filled(
            self.dims,
            U::from_f64_saturating(self.default_value),
            self.geometry,
        )?;
        if src.is_empty() {
            return Ok(out);
        }
        // f64 arithmetic where f32 cannot hold every value exactly
        match kernel::needs_f64(T::KIND) {
            true => self.run::<T, U, f64>(src, &mut out, &near),
            false => self.run::<T, U, f32>(src, &mut out, &near),
        }
        Ok(out)
    }

    /// Input continuous index of output voxel (0,0,0), and its change per output step along
    /// i, j and k.
    fn mapping(&self, src: &Geometry) -> ([f64; 3], [[f64; 3]; 3]) {
        let o = self.geometry.origin();
        let base = src.physical_to_index(o).0;
        let step = [0, 1, 2].map(|a| {
            let p: Point = o + self.geometry.axis_step(a);
            let c = src.physical_to_index(p).0;
            [0, 1, 2].map(|r| c[r] - base[r])
        });
        (base, step)
    }

    fn run<T: Voxel, U: Voxel, R: Real>(
        &self,
        src: &Volume<T>,
        out: &mut Volume<U>,
        near: &(impl Fn(T) -> U + Sync),
    ) {
        let (base, step) = self.mapping(src.geometry());
        let separable = (0..3).all(|a| (0..3).all(|r| r == a || step[a][r].abs() < 1e-9));
        let dims = src.dims();
        let default = U::from_f64_saturating(self.default_value);
        if separable && self.interpolation != Interpolation::CubicBSpline {
            let tables: [Vec<Axis1>; 3] = [0, 1, 2].map(|a| {
                (0..self.dims[a])
                    .map(|o| Axis1::new(base[a] + step[a][a] * o as f64, dims[a]))
                    .collect()
            });
            let isa = self.isa;
            let linear = self.interpolation == Interpolation::Linear;
            // The output voxels of a row inside the input grid are one run (the index map
            // is affine), so the row kernels below work on that run without per-voxel tests.
            let first = tables[0].iter().position(|t| t.inside).unwrap_or(0);
            let inside = tables[0][first..].iter().take_while(|t| t.inside).count();
            let along_i = &tables[0][first..first + inside];
            let run_i = first..first + inside;
            let (i0, i1): (Vec<u32>, Vec<u32>) =
                along_i.iter().map(|t| (t.i0 as u32, t.i1 as u32)).unzip();
            let ti: Vec<R> = along_i.iter().map(|t| R::from_f64(t.t)).collect();
            let ni = dims[0];
            let nj_out = self.dims[1];
            let data = src.as_slice();
            let nj = dims[1];
            let src_row = |kk: usize, jj: usize| &data[(kk * nj + jj) * ni..][..ni];
            // Input plane `kk` interpolated along j for every output row: output slices with
            // the same input planes (k is usually upsampled) reuse it. Pure function of `kk`,
            // so a reuse gives the same bits as a recomputation.
            let j_plane = |kk: usize, plane: &mut [R]| {
                for (jo, tj) in tables[1].iter().enumerate() {
                    if tj.inside {
                        let p = &mut plane[jo * ni..][..ni];
                        let t = R::from_f64(tj.t);
                        kernel::lerp_rows(isa, p, src_row(kk, tj.i0), src_row(kk, tj.i1), t);
                    }
                }
            };
            let init = || JPlanes {
                planes: [(); 2].map(|_| vec![R::default(); if linear { nj_out * ni } else { 0 }]),
                keys: [usize::MAX; 2],
                line: vec![R::default(); ni],
                out: vec![R::default(); inside],
            };
            for_each_slice(out.as_array_mut(), 0, init, |sc, k, mut slice| {
                let tk = &tables[2][k];
                if !tk.inside {
                    return;
                }
                let (p0, p1) = if linear {
                    sc.fetch(tk.i0, tk.i1, &j_plane)
                } else {
                    (0, 0)
                };
                for (j, mut drow) in slice.axis_iter_mut(Axis(0)).enumerate() {
                    let tj = &tables[1][j];
                    if !(tk.inside && tj.inside) {
                        continue;
                    }
                    let drow = &mut drow.as_slice_mut().expect("owned standard-layout output")
                        [run_i.clone()];
                    if linear {
                        let ra = &sc.planes[p0][j * ni..][..ni];
                        let rb = &sc.planes[p1][j * ni..][..ni];
                        kernel::lerp_rows(isa, &mut sc.line, ra, rb, R::from_f64(tk.t));
                        kernel::lerp_gather(isa, &mut sc.out, &sc.line, &i0, &i1, &ti);
                        for (d, v) in drow.iter_mut().zip(&sc.out) {
                            *d = U::from_f64_saturating(v.to_f64());
                        }
                    } else {
                        let nearest = src_row(tk.nearest, tj.nearest);
                        for (d, t) in drow.iter_mut().zip(along_i) {
                            *d = near(nearest[t.nearest]);
                        }
                    }
                }
            });
            return;
        }
        let coefficients = (self.interpolation == Interpolation::CubicBSpline)
            .then(|| bspline_coefficients(src.as_array().view()));
        let a = src.as_array().view();
        let interp = self.interpolation;
        for_each_slice(
            out.as_array_mut(),
            0,
            || (),
            |_, k, mut slice| {
                for ((j, i), d) in slice.indexed_iter_mut() {
                    let c = [0, 1, 2].map(|r| {
                        base[r]
                            + step[0][r] * i as f64
                            + step[1][r] * j as f64
                            + step[2][r] * k as f64
                    });
                    if !(0..3).all(|r| c[r] >= -0.5 && c[r] < dims[r] as f64 - 0.5) {
                        *d = default;
                        continue;
                    }
                    *d = match (interp, &coefficients) {
                        (Interpolation::Nearest, _) => {
                            let n =
                                [0, 1, 2].map(|r| ((c[r] + 0.5).floor() as usize).min(dims[r] - 1));
                            near(a[[n[2], n[1], n[0]]])
                        }
                        (Interpolation::CubicBSpline, Some(coef)) => {
                            U::from_f64_saturating(bspline_at(coef.view(), c))
                        }
                        _ => U::from_f64_saturating(trilinear(a, c)),
                    };
                }
            },
        );
    }
}

/// Per-task scratch of the separable resampling: the last two input planes interpolated
/// along j (keyed by input k), one interpolated row and one output run.
struct JPlanes<R> {
    planes: [Vec<R>; 2],
    keys: [usize; 2],
    line: Vec<R>,
    out: Vec<R>,
}

impl<R> JPlanes<R> {
    /// The slots holding input planes `k0` and `k1`, computing the missing ones with `make`
    /// (into a slot the other plane does not need).
    fn fetch(&mut self, k0: usize, k1: usize, make: &impl Fn(usize, &mut [R])) -> (usize, usize) {
        let held = self.keys.iter().position(|&x| x == k1);
        let mut slot = |k: usize, keep: Option<usize>| {
            if let Some(s) = self.keys.iter().position(|&x| x == k) {
                return s;
            }
            let s = if keep == Some(0) { 1 } else { 0 };
            make(k, &mut self.planes[s]);
            self.keys[s] = k;
            s
        };
        let s0 = slot(k0, held);
        let s1 = slot(k1, Some(s0));
        (s0, s1)
    }
}

/// Where one output index falls along one input axis.
#[derive(Debug, Clone, Copy)]
struct Axis1 {
    inside: bool,
    nearest: usize,
    i0: usize,
    i1: usize,
    t: f64,
}

impl Axis1 {
    fn new(c: f64, n: usize) -> Self {
        let inside = c >= -0.5 && c < n as f64 - 0.5;
        let last = n as isize - 1;
        let f = c.floor();
        let i = f as isize;
        Self {
            inside,
            nearest: ((c + 0.5).floor() as isize).clamp(0, last) as usize,
            i0: i.clamp(0, last) as usize,
            i1: (i + 1).clamp(0, last) as usize,
            t: c - f,
        }
    }
}

/// Trilinear interpolation at continuous index `c` (inside the half-voxel border), edges
/// replicated.
fn trilinear<T: Voxel>(a: ArrayView3<'_, T>, c: [f64; 3]) -> f64 {
    let (nk, nj, ni) = a.dim();
    let ax = [
        Axis1::new(c[0], ni),
        Axis1::new(c[1], nj),
        Axis1::new(c[2], nk),
    ];
    let v = |i: usize, j: usize, k: usize| a[[k, j, i]].to_f64();
    let lerp = |p: f64, q: f64, t: f64| p + (q - p) * t;
    let [x, y, z] = ax;
    let plane = |k: usize| {
        let r0 = lerp(v(x.i0, y.i0, k), v(x.i1, y.i0, k), x.t);
        let r1 = lerp(v(x.i0, y.i1, k), v(x.i1, y.i1, k), x.t);
        lerp(r0, r1, y.t)
    };
    lerp(plane(z.i0), plane(z.i1), z.t)
}

/// Pole of the cubic B-spline prefilter.
const BSPLINE_POLE: f64 = -0.267_949_192_431_122_7; // √3 - 2

/// Cubic B-spline coefficients of `a` (mirror-symmetric boundary), axis by axis.
fn bspline_coefficients<T: Voxel>(a: ArrayView3<'_, T>) -> Array3<f64> {
    let mut c = a.mapv(|v| v.to_f64());
    let mut line = Vec::new();
    for axis in 0..3 {
        for mut lane in c.lanes_mut(Axis(axis)) {
            line.clear();
            line.extend(lane.iter().copied());
            bspline_prefilter(&mut line);
            for (d, v) in lane.iter_mut().zip(&line) {
                *d = *v;
            }
        }
    }
    c
}

/// In-place cubic B-spline prefilter of one line (Unser's causal/anti-causal recursion).
fn bspline_prefilter(s: &mut [f64]) {
    let n = s.len();
    if n < 2 {
        return;
    }
    let z = BSPLINE_POLE;
    for v in s.iter_mut() {
        *v *= (1.0 - z) * (1.0 - 1.0 / z);
    }
    // Causal initial value for the mirror-extended signal s[0..n], s[n-2..1].
    let horizon = 30usize;
    let c0 = if n > horizon {
        let mut zk = 1.0;
        let mut sum = 0.0;
        for v in &s[..horizon] {
            sum += zk * v;
            zk *= z;
        }
        sum
    } else {
        let period = 2 * n - 2;
        let mut zk = 1.0;
        let mut sum = 0.0;
        for k in 0..period {
            let idx = if k < n { k } else { period - k };
            sum += zk * s[idx];
            zk *= z;
        }
        sum / (1.0 - zk)
    };
    s[0] = c0;
    for k in 1..n {
        s[k] += z * s[k - 1];
    }
    s[n - 1] = (z / (z * z - 1.0)) * (s[n - 1] + z * s[n - 2]);
    for k in (0..n - 1).rev() {
        s[k] = z * (s[k + 1] - s[k]);
    }
}

/// Index `i` reflected into `0..n` (whole-sample mirror).
fn mirror(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize) - 2;
    let m = i.rem_euclid(period);
    (if m >= n as isize { period - m } else { m }) as usize
}

/// The cubic B-spline with coefficients `c` (axes k, j, i) at continuous index `p` (i, j, k).
fn bspline_at(c: ArrayView3<'_, f64>, p: [f64; 3]) -> f64 {
    let (nk, nj, ni) = c.dim();
    let n = [ni, nj, nk];
    let mut idx = [[0usize; 4]; 3];
    let mut w = [[0f64; 4]; 3];
    for a in 0..3 {
        let f = p[a].floor();
        let t = p[a] - f;
        let first = f as isize - 1;
        for (q, slot) in idx[a].iter_mut().enumerate() {
            *slot = mirror(first + q as isize, n[a]);
        }
        let u = 1.0 - t;
        w[a] = [
            u * u * u / 6.0,
            (4.0 - 6.0 * t * t + 3.0 * t * t * t) / 6.0,
            (1.0 + 3.0 * t + 3.0 * t * t - 3.0 * t * t * t) / 6.0,
            t * t * t / 6.0,
        ];
    }
    let mut sum = 0.0;
    for (qk, &k) in idx[2].iter().enumerate() {
        for (qj, &j) in idx[1].iter().enumerate() {
            let wkj = w[2][qk] * w[1][qj];
            for (qi, &i) in idx[0].iter().enumerate() {
                sum += wkj * w[0][qi] * c[[k, j, i]];
            }
        }
    }
    sum
}

/// `volume` resampled onto a grid of `dims` voxels placed by `geometry`.
///
/// ```
/// use medvol_core::{Geometry, Ijk, Point, Volume};
/// use medvol_filter::{Interpolation, resample};
///
/// let v = Volume::<f32>::from_fn([8, 8, 8], Geometry::default(), |p| p.i() as f32)?;
/// // 2 mm voxels along i, shifted by half a millimetre: voxel i sits at x = 0.5 + 2·i.
/// let g = Geometry::default()
///     .with_spacing([2.0, 1.0, 1.0])?
///     .with_origin(Point::new(0.5, 0.0, 0.0))?;
/// let out = resample(&v, g, [4, 8, 8], Interpolation::Linear)?;
/// assert_eq!(out.dims(), [4, 8, 8]);
/// assert_eq!(out.geometry().spacing(), [2.0, 1.0, 1.0]);
/// assert_eq!(out[Ijk::new(1, 3, 5)], 2.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Resample::new`].
pub fn resample<T: Voxel>(
    volume: &Volume<T>,
    geometry: Geometry,
    dims: [usize; 3],
    interpolation: Interpolation,
) -> Result<Volume<T>> {
    Resample::new(geometry, dims)?
        .with_interpolation(interpolation)
        .apply(volume)
}

/// `volume` resampled to an isotropic `spacing_mm`, keeping origin and direction (see
/// [`Resample::isotropic`]).
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_filter::{Interpolation, resample_isotropic};
///
/// // 1 × 1 × 2 mm voxels, 10 per millimetre along k.
/// let g = Geometry::default().with_spacing([1.0, 1.0, 2.0])?;
/// let v = Volume::<f32>::from_fn([4, 4, 4], g, |p| 20.0 * p.k() as f32)?;
/// let out = resample_isotropic(&v, 1.0, Interpolation::Linear)?;
/// assert_eq!(out.dims(), [4, 4, 8]);
/// assert_eq!(out.geometry().spacing(), [1.0; 3]);
/// assert_eq!(out.geometry().origin(), v.geometry().origin());
/// assert_eq!(out[Ijk::new(0, 0, 3)], 30.0); // 3 mm: half-way between input slices 1 and 2
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Resample::isotropic`].
pub fn resample_isotropic<T: Voxel>(
    volume: &Volume<T>,
    spacing_mm: f64,
    interpolation: Interpolation,
) -> Result<Volume<T>> {
    Resample::isotropic(volume.geometry(), volume.dims(), spacing_mm)?
        .with_interpolation(interpolation)
        .apply(volume)
}

#[cfg(test)]
mod tests {
    use super::*;
    use medvol_core::{ContinuousIndex, Direction, Ijk};

    #[test]
    fn bspline_interpolates_samples_and_reproduces_cubics() {
        let g = Geometry::default();
        let f = |p: Ijk| {
            let x = p.i() as f64;
            (0.5 * x * x - 0.02 * x * x * x + 3.0 * p.j() as f64 - p.k() as f64) as f32
        };
        let v = Volume::<f64>::from_fn([40, 6, 5], g, |p| f(p) as f64).unwrap();
        let c = bspline_coefficients(v.as_array().view());
        for ijk in [Ijk::new(0, 0, 0), Ijk::new(17, 3, 2), Ijk::new(39, 5, 4)] {
            let got = bspline_at(c.view(), ijk.to_continuous().0);
            assert!((got - v[ijk]).abs() < 1e-9, "{ijk:?}: {got} vs {}", v[ijk]);
        }
        // Away from the mirrored edges a cubic is reproduced between samples.
        let x: f64 = 20.37;
        let got = bspline_at(c.view(), [x, 2.5, 2.0]);
        let want = 0.5 * x * x - 0.02 * x * x * x + 7.5 - 2.0;
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }

    #[test]
    fn general_path_equals_separable_path() {
        // A 90° rotation about k is not separable as written; compare against an equivalent
        // axis-aligned resampling computed by hand.
        let g = Geometry::default().with_spacing([1.0, 1.5, 2.0]).unwrap();
        let v = Volume::<f32>::from_fn([9, 7, 5], g, |p| {
            (p.i() * 3 + p.j() * 5 + p.k() * 11) as f32
        })
        .unwrap();
        for interp in [Interpolation::Nearest, Interpolation::Linear] {
            let tg = g.with_spacing([0.8, 0.9, 1.1]).unwrap();
            let sep = resample(&v, tg, [12, 11, 9], interp).unwrap();
            let rot =
                Direction::from_rows([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]).unwrap();
            // Same grid points, axes i and j swapped: rotated geometry with swapped spacing.
            let origin = tg.index_to_physical(ContinuousIndex::new(11.0, 0.0, 0.0));
            let tg2 = Geometry::new([0.9, 0.8, 1.1], origin, rot).unwrap();
            let general = resample(&v, tg2, [11, 12, 9], interp).unwrap();
            for k in 0..9 {
                for j in 0..11 {
                    for i in 0..12 {
                        let p = tg.ijk_to_physical(Ijk::new(i, j, k));
                        let q = tg2.physical_to_index(p).round_to_ijk([11, 12, 9]).unwrap();
                        let (a, b) = (sep[Ijk::new(i, j, k)], general[q]);
                        assert!((a - b).abs() < 1e-3, "{interp:?} {i} {j} {k}: {a} vs {b}");
                    }
                }
            }
        }
    }

    /// Integer values reaching every corner of `T`'s range (saturated where it is narrower).
    fn ramp<T: Voxel>(dims: [usize; 3], g: Geometry) -> Volume<T> {
        Volume::from_fn(dims, g, |p| {
            let x = (p.i() * 977 + p.j() * 131 + p.k() * 29) % 601;
            T::from_f64_saturating(x as f64 * 113.0 - 33_000.0)
        })
        .unwrap()
    }

    /// `apply_to_f32` equals `apply` on the cast volume, bit for bit, for every interpolation,
    /// an axis-aligned and a rotated target and every instruction set.
    fn to_f32_equals_cast_first<T: Voxel>() {
        let g = Geometry::default().with_spacing([0.7, 0.8, 1.25]).unwrap();
        let v = ramp::<T>([23, 19, 11], g);
        let rot = Direction::from_rows([[0.6, -0.8, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]]);
        let tilted = g
            .with_direction(rot.unwrap())
            .with_spacing([0.9; 3])
            .unwrap();
        let targets = [
            Resample::isotropic(&g, v.dims(), 0.55).unwrap(),
            Resample::new(tilted, [17, 21, 13]).unwrap(),
        ];
        let cast = v.cast::<f32>();
        let bits = |x: &Volume<f32>| x.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for target in targets {
            for interp in [
                Interpolation::Nearest,
                Interpolation::Linear,
                Interpolation::CubicBSpline,
            ] {
                for &isa in Isa::available() {
                    let r = target.clone().with_interpolation(interp).with_isa(isa);
                    let want = r.apply(&cast).unwrap();
                    let got = r.apply_to_f32(&v).unwrap();
                    assert_eq!(got.geometry(), want.geometry());
                    assert_eq!(bits(&got), bits(&want), "{:?} {interp:?} {isa:?}", T::KIND);
                }
            }
        }
    }

    #[test]
    fn integer_inputs_resample_to_f32_as_cast_first() {
        to_f32_equals_cast_first::<i16>();
        to_f32_equals_cast_first::<u8>();
        to_f32_equals_cast_first::<u16>();
        to_f32_equals_cast_first::<i8>();
        to_f32_equals_cast_first::<f32>();
    }

    #[test]
    fn rejects_empty_target() {
        assert!(Resample::new(Geometry::default(), [0, 3, 3]).is_err());
        assert!(Resample::isotropic(&Geometry::default(), [3, 3, 3], 0.0).is_err());
    }
}
