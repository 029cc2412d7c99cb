//! Gaussian smoothing with sigma in millimetres: a sampled kernel (as scipy) or a recursive
//! IIR approximation (as ITK's `SmoothingRecursiveGaussian`).

use crate::error::{invalid, scalar};
use crate::filter::check_region;
use crate::kernel::{self, Real};
use crate::lines::{clamp, pad_line, row, store_row, with_contiguous_rows};
use crate::{Filter, Result};
use medvol_core::ndarray::{Array3, ArrayView3, ArrayViewMut2, ArrayViewMut3, Axis, s};
use medvol_core::par::for_each_slice;
use medvol_core::{Geometry, Isa, Region, Volume, VolumeView, VolumeViewMut, Voxel, VoxelKind};
use std::any::Any;

/// Standard deviation of a Gaussian along (i, j, k), in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sigma {
    mm: [f64; 3],
}

impl Sigma {
    /// A sigma per axis (i, j, k), millimetres.
    pub fn mm(mm: [f64; 3]) -> Self {
        Self { mm }
    }
    /// The same sigma along every axis, millimetres.
    pub fn iso_mm(mm: f64) -> Self {
        Self { mm: [mm; 3] }
    }
    /// The sigma per axis in millimetres.
    pub fn as_mm(&self) -> [f64; 3] {
        self.mm
    }
    /// The sigma per axis in voxels of `geometry` (millimetres divided by the spacing).
    pub fn voxels(&self, geometry: &Geometry) -> [f64; 3] {
        let sp = geometry.spacing();
        [0, 1, 2].map(|a| self.mm[a] / sp[a])
    }
}

/// How [`Gaussian`] computes the convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GaussianMethod {
    /// A sampled Gaussian kernel `exp(-x²/2σ²)`, normalised to sum 1, truncated at
    /// [`Gaussian::truncate`] sigmas, edges replicated: equal to
    /// `scipy.ndimage.gaussian_filter(mode='nearest', truncate=4.0)` with sigma in voxels.
    /// Local, so [`Blocked`](crate::Blocked) gives the same bits as a whole-volume run.
    #[default]
    Discrete,
    /// Deriche's 4th-order recursive (IIR) approximation with edge-replicating initial
    /// conditions, as ITK's `SmoothingRecursiveGaussian`; cost independent of sigma.
    ///
    /// The IIR response never ends, so [`Blocked`](crate::Blocked) gives each block a halo of
    /// [`Gaussian::RECURSIVE_HALO_SIGMAS`] sigmas (+4 voxels): blocked outputs then differ from
    /// the whole-volume output by at most `1e-6 × (max - min)` of the input.
    Recursive,
}

/// Gaussian smoothing with sigma in millimetres, separable (one axis at a time: k, j then i for
/// [`GaussianMethod::Discrete`], as scipy; i, j then k for [`GaussianMethod::Recursive`], as ITK).
///
/// Computes in `f64` for `f64` volumes and in `f32` otherwise; integer outputs are rounded and
/// saturated. The geometry is kept.
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_filter::{Filter, Gaussian, GaussianMethod, Sigma};
///
/// let g = Geometry::default().with_spacing([0.5, 0.5, 2.0])?;
/// let mut v = Volume::<f32>::zeros([21, 21, 9], g)?;
/// v.set(Ijk::new(10, 10, 4), 1000.0)?;
/// let smooth = Gaussian::new(Sigma::iso_mm(1.0))?.with_method(GaussianMethod::Discrete).apply(&v)?;
/// // Smoothing keeps the total intensity (no voxel mass reaches the edges here).
/// let total: f32 = smooth.as_slice().iter().sum();
/// assert!((total - 1000.0).abs() < 1e-2);
/// assert!(smooth[Ijk::new(10, 10, 4)] < 1000.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    sigma: Sigma,
    method: GaussianMethod,
    truncate: f64,
    isa: Isa,
}

impl Gaussian {
    /// Default truncation of the discrete kernel, in sigmas (scipy's default).
    pub const DEFAULT_TRUNCATE: f64 = 4.0;
    /// Halo of the recursive method under [`Blocked`](crate::Blocked), in sigmas (plus 4 voxels).
    pub const RECURSIVE_HALO_SIGMAS: f64 = 12.0;
    /// The largest sigma accepted, in voxels (the discrete kernel would span over 8000 voxels).
    pub const MAX_SIGMA_VOXELS: f64 = 1000.0;

    /// A Gaussian of `sigma` (millimetres), discrete method, truncated at 4 sigmas.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when a sigma is not finite
    /// and positive.
    pub fn new(sigma: Sigma) -> Result<Self> {
        if sigma.mm.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(invalid(
                "sigma",
                format!("{:?} mm: every sigma must be finite and > 0", sigma.mm),
            ));
        }
        Ok(Self {
            sigma,
            method: GaussianMethod::default(),
            truncate: Self::DEFAULT_TRUNCATE,
            isa: Isa::best(),
        })
    }
    /// The same filter computed with `method`.
    pub fn with_method(mut self, method: GaussianMethod) -> Self {
        self.method = method;
        self
    }
    /// Truncates the discrete kernel at `sigmas` standard deviations (radius
    /// `floor(sigmas·σ + 0.5)` voxels, as scipy).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `sigmas` is not finite
    /// and positive.
    pub fn with_truncate(mut self, sigmas: f64) -> Result<Self> {
        if !(sigmas.is_finite() && sigmas > 0.0) {
            return Err(invalid(
                "sigmas",
                format!("{sigmas}: must be finite and > 0"),
            ));
        }
        self.truncate = sigmas;
        Ok(self)
    }
    /// The same filter run with the kernels of `isa` (for tests and benches; the default is the
    /// best detected). An instruction set this CPU lacks runs the scalar kernels.
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }
    /// The sigma.
    pub fn sigma(&self) -> Sigma {
        self.sigma
    }
    /// The method.
    pub fn method(&self) -> GaussianMethod {
        self.method
    }
    /// The truncation of the discrete kernel, in sigmas.
    pub fn truncate(&self) -> f64 {
        self.truncate
    }

    /// Sigma in voxels of `geometry`, checked against [`Gaussian::MAX_SIGMA_VOXELS`].
    fn sigma_voxels(&self, geometry: &Geometry) -> Result<[f64; 3]> {
        let sv = self.sigma.voxels(geometry);
        if sv.iter().any(|s| *s > Self::MAX_SIGMA_VOXELS) {
            return Err(invalid(
                "sigma",
                format!("{sv:?} voxels exceeds {} voxels", Self::MAX_SIGMA_VOXELS),
            ));
        }
        Ok(sv)
    }
}

/// The half kernel `w[0..=r]` of a sampled Gaussian of `sigma` voxels truncated at `truncate`
/// sigmas, normalised so the full kernel sums to 1 (scipy's `_gaussian_kernel1d`).
pub(crate) fn discrete_kernel(sigma: f64, truncate: f64) -> Vec<f64> {
    let r = (truncate * sigma + 0.5) as usize;
    let c = -0.5 / (sigma * sigma);
    let full: Vec<f64> = (-(r as isize)..=r as isize)
        .map(|x| (c * (x * x) as f64).exp())
        .collect();
    let sum: f64 = full.iter().sum();
    full[r..].iter().map(|v| v / sum).collect()
}

/// Coefficients of Deriche's 4th-order recursive Gaussian for one axis.
#[derive(Debug, Clone, Copy)]
struct Iir {
    /// Causal taps on x[m], x[m-1], x[m-2], x[m-3].
    n: [f64; 4],
    /// Anti-causal taps on x[m+1] .. x[m+4].
    m: [f64; 4],
    /// Feedback on y[m∓1] .. y[m∓4].
    d: [f64; 4],
    /// Steady-state gain of the causal and anti-causal parts for a constant input.
    causal_gain: f64,
    anticausal_gain: f64,
}

impl Iir {
    /// Deriche (1993), "Recursively implementing the Gaussian and its derivatives": the
    /// zero-order fit `g(x) ≈ Σ (a cos(ωx/σ) + b sin(ωx/σ)) e^(λx/σ)`, normalised to unit DC gain.
    fn new(sigma: f64) -> Self {
        let (a1, b1, w1, l1) = (1.3530, 1.8151, 0.6681, -1.3932);
        let (a2, b2, w2, l2) = (-0.3531, 0.0902, 2.0787, -1.3732);
        let (s1, c1, e1) = ((w1 / sigma).sin(), (w1 / sigma).cos(), (l1 / sigma).exp());
        let (s2, c2, e2) = ((w2 / sigma).sin(), (w2 / sigma).cos(), (l2 / sigma).exp());
        let n0 = a1 + a2;
        let n1 = e2 * (b2 * s2 - (a2 + 2.0 * a1) * c2) + e1 * (b1 * s1 - (a1 + 2.0 * a2) * c1);
        let n2 = 2.0 * e1 * e2 * ((a1 + a2) * c2 * c1 - b1 * c2 * s1 - b2 * c1 * s2)
            + a2 * e1 * e1
            + a1 * e2 * e2;
        let n3 = e2 * e1 * e1 * (b2 * s2 - a2 * c2) + e1 * e2 * e2 * (b1 * s1 - a1 * c1);
        let d4 = e1 * e1 * e2 * e2;
        let d3 = -2.0 * c1 * e1 * e2 * e2 - 2.0 * c2 * e2 * e1 * e1;
        let d2 = 4.0 * c2 * c1 * e1 * e2 + e1 * e1 + e2 * e2;
        let d1 = -2.0 * (e2 * c2 + e1 * c1);
        let sd = 1.0 + d1 + d2 + d3 + d4;
        let sn = n0 + n1 + n2 + n3;
        // Symmetric kernel: the anti-causal part repeats the causal one without the centre tap.
        // Total gain = 2·sn/sd - n0; scale the taps so it is 1.
        let scale = 1.0 / (2.0 * sn / sd - n0);
        let n = [n0, n1, n2, n3].map(|v| v * scale);
        let d = [d1, d2, d3, d4];
        let m = [
            n[1] - d1 * n[0],
            n[2] - d2 * n[0],
            n[3] - d3 * n[0],
            -d4 * n[0],
        ];
        Self {
            n,
            m,
            d,
            causal_gain: n.iter().sum::<f64>() / sd,
            anticausal_gain: m.iter().sum::<f64>() / sd,
        }
    }

    /// Filters `n` lines of `width` values in place (line `m` at `data[m·width..]`).
    fn run<R: Real>(
        &self,
        isa: Isa,
        data: &mut [R],
        n: usize,
        width: usize,
        scratch: &mut IirScratch<R>,
    ) {
        let len = n * width;
        scratch.causal.resize(len, R::default());
        scratch.anti.resize(len, R::default());
        scratch.steady.resize(width, R::default());
        let r = |v: [f64; 4]| v.map(R::from_f64);
        kernel::iir_pass(
            isa,
            data,
            n,
            width,
            r(self.n),
            0,
            r(self.d),
            R::from_f64(self.causal_gain),
            false,
            &mut scratch.causal[..len],
            &mut scratch.steady,
        );
        kernel::iir_pass(
            isa,
            data,
            n,
            width,
            r(self.m),
            1,
            r(self.d),
            R::from_f64(self.anticausal_gain),
            true,
            &mut scratch.anti[..len],
            &mut scratch.steady,
        );
        data.copy_from_slice(&scratch.causal[..len]);
        kernel::add_assign(isa, data, &scratch.anti[..len]);
    }
}

/// Reusable buffers of the recursive filter.
#[derive(Default)]
struct IirScratch<R> {
    causal: Vec<R>,
    anti: Vec<R>,
    steady: Vec<R>,
    lines: Vec<R>,
}

impl<T: Voxel> Filter<T> for Gaussian {
    type Output = T;

    fn halo(&self, geometry: &Geometry) -> [usize; 3] {
        let sv = self
            .sigma
            .voxels(geometry)
            .map(|s| s.min(Self::MAX_SIGMA_VOXELS));
        match self.method {
            GaussianMethod::Discrete => sv.map(|s| (self.truncate * s + 0.5) as usize),
            GaussianMethod::Recursive => {
                sv.map(|s| (Self::RECURSIVE_HALO_SIGMAS * s).ceil() as usize + 4)
            }
        }
    }

    /// Real volumes (`f32`, `f64`) run whole-volume passes (see [`Gaussian::apply_in_place`]),
    /// other types [`Filter::apply_region`] on the whole volume: the same bits either way.
    fn apply(&self, src: &Volume<T>) -> Result<Volume<T>> {
        let mut out = crate::output::zeros(src.dims(), *src.geometry())?;
        if src.is_empty() {
            return Ok(out);
        }
        let (any_src, any_out): (&dyn Any, &mut dyn Any) = (src, &mut out);
        if let (Some(s), Some(o)) = (
            any_src.downcast_ref::<Volume<f32>>(),
            any_out.downcast_mut::<Volume<f32>>(),
        ) {
            self.whole(s, o)?;
        } else if let (Some(s), Some(o)) = (
            any_src.downcast_ref::<Volume<f64>>(),
            any_out.downcast_mut::<Volume<f64>>(),
        ) {
            self.whole(s, o)?;
        } else {
            self.apply_region(src.view(), Region::whole(src.dims()), out.view_mut())?;
        }
        Ok(out)
    }

    fn apply_region(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        dst: VolumeViewMut<'_, T>,
    ) -> Result<()> {
        scalar::<T>("gaussian")?;
        check_region(src.dims(), &region, dst.dims())?;
        let sv = self.sigma_voxels(src.geometry())?;
        with_contiguous_rows(src, |src| {
            // f64 arithmetic where f32 cannot hold every value exactly
            match (self.method, kernel::needs_f64(T::KIND)) {
                (GaussianMethod::Discrete, true) => self.discrete::<T, f64>(src, region, dst, sv),
                (GaussianMethod::Discrete, false) => self.discrete::<T, f32>(src, region, dst, sv),
                (GaussianMethod::Recursive, true) => self.recursive::<T, f64>(src, region, dst, sv),
                (GaussianMethod::Recursive, false) => {
                    self.recursive::<T, f32>(src, region, dst, sv)
                }
            }
            Ok(())
        })
    }
}

/// Per-task buffers of the discrete filter.
struct DiscreteScratch<R> {
    /// Rows after the k pass, one per needed j.
    k: Vec<R>,
    /// Rows after the j pass, one per output j.
    j: Vec<R>,
    /// One padded row for the i pass.
    line: Vec<R>,
    /// One output row.
    out: Vec<R>,
}

impl Gaussian {
    fn discrete<T: Voxel, R: Real>(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        mut dst: VolumeViewMut<'_, T>,
        sv: [f64; 3],
    ) {
        let w: [Vec<R>; 3] = self.discrete_kernels(sv);
        let r = [0, 1, 2].map(|a| w[a].len() - 1);
        let dims = src.dims();
        let a = *src.as_array();
        let (st, sz) = (region.start.0, region.size);
        // The i and j ranges of the source the k pass must cover (halo clipped to the source).
        let ia = st[0].saturating_sub(r[0]);
        let ib = (st[0] + sz[0] + r[0]).min(dims[0]);
        let ja = st[1].saturating_sub(r[1]);
        let jb = (st[1] + sz[1] + r[1]).min(dims[1]);
        let (wi, nj) = (ib - ia, jb - ja);
        let isa = self.isa;
        let init = || DiscreteScratch {
            k: vec![R::default(); nj * wi],
            j: vec![R::default(); sz[1] * wi],
            line: vec![R::default(); sz[0] + 2 * r[0]],
            out: vec![R::default(); sz[0]],
        };
        for_each_slice(
            dst.as_array_mut().view_mut(),
            0,
            init,
            |sc, kk, mut dslice| {
                let k = st[2] + kk;
                let krow = |q: isize, j: usize| row(&a, clamp(q, dims[2]), j, ia..ib);
                for j in ja..jb {
                    let pairs: Vec<(&[T], &[T])> = (1..=r[2] as isize)
                        .map(|t| (krow(k as isize - t, j), krow(k as isize + t, j)))
                        .collect();
                    let out = &mut sc.k[(j - ja) * wi..(j - ja + 1) * wi];
                    kernel::conv_sym(isa, out, krow(k as isize, j), &pairs, &w[2]);
                }
                let kbuf = &sc.k;
                let jrow = |q: isize| {
                    let j = clamp(q, dims[1]) - ja;
                    &kbuf[j * wi..(j + 1) * wi]
                };
                for jj in 0..sz[1] {
                    let j = (st[1] + jj) as isize;
                    let pairs: Vec<(&[R], &[R])> = (1..=r[1] as isize)
                        .map(|t| (jrow(j - t), jrow(j + t)))
                        .collect();
                    kernel::conv_sym(
                        isa,
                        &mut sc.j[jj * wi..(jj + 1) * wi],
                        jrow(j),
                        &pairs,
                        &w[1],
                    );
                }
                let ri = r[0];
                for jj in 0..sz[1] {
                    // The row holds source voxels ia..ib; pad it to st[0]-ri .. st[0]+sz[0]+ri.
                    let jr = &sc.j[jj * wi..(jj + 1) * wi];
                    pad_line(jr, st[0] as isize - ri as isize - ia as isize, &mut sc.line);
                    let l = &sc.line;
                    let pairs: Vec<(&[R], &[R])> =
                        (1..=ri).map(|t| (&l[ri - t..], &l[ri + t..])).collect();
                    kernel::conv_sym(isa, &mut sc.out, &l[ri..ri + sz[0]], &pairs, &w[0]);
                    store_row(dslice.row_mut(jj), &sc.out);
                }
            },
        );
    }

    fn recursive<T: Voxel, R: Real>(
        &self,
        src: VolumeView<'_, T>,
        region: Region,
        mut dst: VolumeViewMut<'_, T>,
        sv: [f64; 3],
    ) {
        let mut buf: Array3<R> = src.as_array().mapv(R::of);
        self.recursive_passes(buf.view_mut(), sv);
        let (st, en) = (region.start.0, region.end());
        let part = buf.slice(s![st[2]..en[2], st[1]..en[1], st[0]..en[0]]);
        for (d, v) in dst
            .as_array_mut()
            .lanes_mut(Axis(2))
            .into_iter()
            .zip(part.lanes(Axis(2)))
        {
            let vals: Vec<R> = v.to_vec();
            store_row(d, &vals);
        }
    }

    /// The three recursive passes (i, j, then k) over `buf` (standard layout), in place, values
    /// finally stored as [`store_row`] stores them.
    fn recursive_passes<R: Real>(&self, mut buf: ArrayViewMut3<'_, R>, sv: [f64; 3]) {
        let (nk, nj, ni) = buf.dim();
        let iir = sv.map(Iir::new);
        let isa = self.isa;
        // i pass: transpose each slice so the recursion runs across rows of j.
        for_each_slice(
            buf.view_mut(),
            0,
            IirScratch::default,
            |sc, _, mut slice| {
                sc.lines.clear();
                sc.lines.extend(slice.t().iter().copied());
                let mut lines = std::mem::take(&mut sc.lines);
                iir[0].run(isa, &mut lines, ni, nj, sc);
                for (d, v) in slice.view_mut().reversed_axes().iter_mut().zip(&lines) {
                    *d = *v;
                }
                sc.lines = lines;
            },
        );
        // j pass: rows are contiguous lines of width ni.
        for_each_slice(
            buf.view_mut(),
            0,
            IirScratch::default,
            |sc, _, mut slice| {
                let data = slice.as_slice_mut().expect("standard-layout buffer");
                iir[1].run(isa, data, nj, ni, sc);
            },
        );
        // k pass: for each j, the (k, i) plane as nk lines of width ni.
        for_each_slice(buf, 1, IirScratch::default, |sc, _, mut plane| {
            sc.lines.clear();
            sc.lines.extend(plane.iter().copied());
            let mut lines = std::mem::take(&mut sc.lines);
            iir[2].run(isa, &mut lines, nk, ni, sc);
            // Stored as `store_row` stores (saturated), so in-place runs agree.
            for (d, v) in plane.iter_mut().zip(&lines) {
                *d = R::from_f64_saturating(v.to_f64());
            }
            sc.lines = lines;
        });
    }

    /// The discrete kernels (half kernels `w[0..=r]`) along i, j and k.
    fn discrete_kernels<R: Real>(&self, sv: [f64; 3]) -> [Vec<R>; 3] {
        sv.map(|s| {
            discrete_kernel(s, self.truncate)
                .into_iter()
                .map(R::from_f64)
                .collect()
        })
    }

    /// Smooths an `f32` volume in place: the same bits as [`Filter::apply`], without a second
    /// volume.
    ///
    /// [`GaussianMethod::Discrete`] runs the k pass one (k, i) plane at a time, then the j and
    /// i passes one slice at a time, each task copying the plane or slice it reads into its own
    /// scratch: extra memory is one plane and one slice per thread, not a volume.
    /// [`GaussianMethod::Recursive`] runs its passes on the volume itself, with scratch of two
    /// slices per thread.
    ///
    /// ```
    /// use medvol_core::phantom::HeadPhantom;
    /// use medvol_filter::{Filter, Gaussian, Sigma};
    ///
    /// let mut ct = HeadPhantom::new([40, 40, 24], [1.0, 1.0, 2.0])?.generate().cast::<f32>();
    /// let g = Gaussian::new(Sigma::iso_mm(1.5))?;
    /// let copy = g.apply(&ct)?;
    /// g.apply_in_place(&mut ct)?;
    /// assert_eq!(ct, copy);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when a sigma exceeds
    /// [`Gaussian::MAX_SIGMA_VOXELS`] voxels of the volume's spacing.
    pub fn apply_in_place(&self, volume: &mut Volume<f32>) -> Result<()> {
        self.in_place(volume)
    }

    /// [`Gaussian::apply_in_place`] for either real type.
    fn in_place<R: Real>(&self, volume: &mut Volume<R>) -> Result<()> {
        if volume.is_empty() {
            return Ok(());
        }
        let sv = self.sigma_voxels(volume.geometry())?;
        let mut buf = volume.as_array_mut();
        match self.method {
            GaussianMethod::Discrete => {
                let [wi, wj, wk] = self.discrete_kernels::<R>(sv);
                discrete_k_planes(self.isa, &wk, KSource::<R>::InPlace, buf.view_mut());
                discrete_ji_slices(self.isa, &wj, &wi, buf);
            }
            GaussianMethod::Recursive => self.recursive_passes(buf, sv),
        }
        Ok(())
    }

    /// `src` smoothed into `out` (same dimensions) by whole-volume passes: the k pass from
    /// `src` into `out`, then the j and i passes in place, or a copy then the recursive passes.
    fn whole<R: Real>(&self, src: &Volume<R>, out: &mut Volume<R>) -> Result<()> {
        match self.method {
            GaussianMethod::Discrete => {
                let sv = self.sigma_voxels(src.geometry())?;
                let [wi, wj, wk] = self.discrete_kernels::<R>(sv);
                let mut buf = out.as_array_mut();
                let src = KSource::Rows(src.as_array().view());
                discrete_k_planes(self.isa, &wk, src, buf.view_mut());
                discrete_ji_slices(self.isa, &wj, &wi, buf);
                Ok(())
            }
            GaussianMethod::Recursive => {
                out.as_slice_mut().copy_from_slice(src.as_slice());
                self.in_place(out)
            }
        }
    }

    /// Smooths any volume into a new `f32` volume: the same bits as
    /// `self.apply(&volume.cast::<f32>())`, without the intermediate copy (the discrete method
    /// converts inside its first pass).
    ///
    /// ```
    /// use medvol_core::phantom::HeadPhantom;
    /// use medvol_filter::{Filter, Gaussian, Sigma};
    ///
    /// let ct = HeadPhantom::new([40, 40, 24], [1.0, 1.0, 2.0])?.generate(); // i16
    /// let g = Gaussian::new(Sigma::iso_mm(1.5))?;
    /// assert_eq!(g.apply_to_f32(&ct)?, g.apply(&ct.cast::<f32>())?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Gaussian::apply_in_place`]; [`Error::Core`](crate::Error::Core) when the output
    /// cannot be allocated.
    pub fn apply_to_f32<T: Voxel>(&self, volume: &Volume<T>) -> Result<Volume<f32>> {
        scalar::<T>("gaussian")?;
        if volume.is_empty() || self.method != GaussianMethod::Discrete {
            let mut out = volume.cast::<f32>();
            self.apply_in_place(&mut out)?;
            return Ok(out);
        }
        let sv = self.sigma_voxels(volume.geometry())?;
        let mut out = crate::output::zeros::<f32>(volume.dims(), *volume.geometry())?;
        let mut buf = out.as_array_mut();
        let [wi, wj, wk] = self.discrete_kernels::<f32>(sv);
        let a = volume.as_array().view();
        // Integers and `f32` convert exactly (or, for 32-bit integers, with the same rounding)
        // either way; `f64` needs the cast's NaN and saturation rules.
        let src = match T::KIND {
            VoxelKind::F64 => KSource::Cast(a),
            _ => KSource::Rows(a),
        };
        discrete_k_planes(self.isa, &wk, src, buf.view_mut());
        discrete_ji_slices(self.isa, &wj, &wi, buf);
        Ok(out)
    }
}

/// `out` = the symmetric half kernel `w` applied across `lines` at line `m`: `w[0]·lines[m] +
/// Σₜ w[t]·(lines[m-t] + lines[m+t])`, line indices clamped (edges replicated).
fn conv_across<S: Voxel, R: Real>(isa: Isa, w: &[R], lines: &[&[S]], m: usize, out: &mut [R]) {
    let (n, m) = (lines.len(), m as isize);
    let pairs: Vec<(&[S], &[S])> = (1..w.len() as isize)
        .map(|t| (lines[clamp(m - t, n)], lines[clamp(m + t, n)]))
        .collect();
    kernel::conv_sym(isa, out, lines[m as usize], &pairs, w);
}

/// Where the discrete k pass reads its input.
enum KSource<'a, S> {
    /// `dst` itself: each plane is copied to scratch first.
    InPlace,
    /// Another volume's rows, read directly (values converted by [`Real::of`], as in
    /// [`Filter::apply_region`]).
    Rows(ArrayView3<'a, S>),
    /// Another volume, each plane copied to scratch converted by [`Voxel::from_f64_saturating`]
    /// (as [`Volume::cast`]).
    Cast(ArrayView3<'a, S>),
}

/// The discrete k pass over whole (k, i) planes of `dst` (standard layout), one plane per task
/// (measured faster than slice by slice, which first-touches the output in order).
fn discrete_k_planes<S: Voxel, R: Real>(
    isa: Isa,
    w: &[R],
    src: KSource<'_, S>,
    dst: ArrayViewMut3<'_, R>,
) {
    let ni = dst.dim().2;
    for_each_slice(dst, 1, Vec::new, |plane_buf: &mut Vec<R>, j, plane| {
        plane_buf.clear();
        match &src {
            KSource::Rows(a) => {
                let lines: Vec<&[S]> = (0..a.dim().0).map(|k| row(a, k, j, 0..ni)).collect();
                return conv_plane(isa, w, &lines, plane);
            }
            KSource::Cast(a) => plane_buf.extend(
                a.index_axis(Axis(1), j)
                    .iter()
                    .map(|v| R::from_f64_saturating(v.to_f64())),
            ),
            KSource::InPlace => {
                for r in plane.rows() {
                    plane_buf.extend_from_slice(r.as_slice().expect("contiguous rows"));
                }
            }
        }
        let lines: Vec<&[R]> = plane_buf.chunks_exact(ni).collect();
        conv_plane(isa, w, &lines, plane);
    });
}

/// Row `k` of `plane` = the kernel `w` across `lines` at line `k` (see [`conv_across`]).
fn conv_plane<S: Voxel, R: Real>(
    isa: Isa,
    w: &[R],
    lines: &[&[S]],
    mut plane: ArrayViewMut2<'_, R>,
) {
    for (k, mut out) in plane.axis_iter_mut(Axis(0)).enumerate() {
        let out = out.as_slice_mut().expect("contiguous rows");
        conv_across(isa, w, lines, k, out);
    }
}

/// The discrete j then i passes over whole slices of `dst` (standard layout), in place, one
/// slice per task (copied to scratch first); values stored as [`store_row`] does.
fn discrete_ji_slices<R: Real>(isa: Isa, wj: &[R], wi: &[R], dst: ArrayViewMut3<'_, R>) {
    let ni = dst.dim().2;
    let ri = wi.len() - 1;
    let init = || {
        (
            Vec::new(),
            vec![R::default(); ni + 2 * ri],
            vec![R::default(); ni],
        )
    };
    for_each_slice(dst, 0, init, |(slice_buf, line, out), _, mut slice| {
        slice_buf.clear();
        slice_buf.extend_from_slice(slice.as_slice().expect("standard-layout slice"));
        let rows: Vec<&[R]> = slice_buf.chunks_exact(ni).collect();
        for (j, drow) in slice.axis_iter_mut(Axis(0)).enumerate() {
            conv_across(isa, wj, &rows, j, &mut line[ri..ri + ni]);
            let (first, last) = (line[ri], line[ri + ni - 1]);
            line[..ri].fill(first);
            line[ri + ni..].fill(last);
            let l = &line[..];
            let pairs: Vec<(&[R], &[R])> = (1..=ri).map(|t| (&l[ri - t..], &l[ri + t..])).collect();
            kernel::conv_sym(isa, out, &l[ri..ri + ni], &pairs, wi);
            store_row(drow, out);
        }
    });
}

/// Gaussian smoothing with the same sigma along every axis (`sigma_mm`, millimetres), discrete
/// kernel truncated at 4 sigmas, edges replicated.
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_filter::gaussian;
///
/// let mut v = Volume::<f32>::zeros([9, 9, 9], Geometry::default())?;
/// v[Ijk::new(4, 4, 4)] = 1000.0;
/// let s = gaussian(&v, 1.0)?;
/// // σ = 1 mm = 1 voxel: the peak falls to 1000·0.3989³ ≈ 63.5 and the total is kept.
/// assert!((s[Ijk::new(4, 4, 4)] - 63.5).abs() < 0.1);
/// assert!((s.statistics().sum - 1000.0).abs() < 0.1);
/// assert_eq!(s.geometry(), v.geometry());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) when `sigma_mm` is not finite
/// and positive.
pub fn gaussian<T: Voxel>(volume: &Volume<T>, sigma_mm: f64) -> Result<Volume<T>> {
    Gaussian::new(Sigma::iso_mm(sigma_mm))?.apply(volume)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_matches_scipy() {
        // scipy.ndimage._filters._gaussian_kernel1d(1.0, 0, 4)
        let w = discrete_kernel(1.0, 4.0);
        assert_eq!(w.len(), 5);
        let want = [
            0.398943469356,
            0.241971445657,
            0.053991127421,
            0.004431861620,
            0.000133830625,
        ];
        for (a, b) in w.iter().zip(want) {
            assert!((a - b).abs() < 1e-11, "{w:?}");
        }
        assert_eq!(discrete_kernel(0.1, 4.0).len(), 1);
    }

    #[test]
    fn iir_has_unit_gain_and_gaussian_width() {
        for sigma in [0.7, 1.5, 4.0] {
            let iir = Iir::new(sigma);
            assert!((iir.causal_gain + iir.anticausal_gain - 1.0).abs() < 1e-12);
            // Impulse response: variance close to sigma².
            let n = 201;
            let mut x = vec![0.0f64; n];
            x[100] = 1.0;
            iir.run(Isa::Scalar, &mut x, n, 1, &mut IirScratch::default());
            let sum: f64 = x.iter().sum();
            let var: f64 = x
                .iter()
                .enumerate()
                .map(|(i, v)| v * (i as f64 - 100.0).powi(2))
                .sum();
            assert!((sum - 1.0).abs() < 1e-9);
            assert!(
                (var.sqrt() / sigma - 1.0).abs() < 0.05,
                "sigma {sigma}: {}",
                var.sqrt()
            );
        }
    }

    #[test]
    fn to_f32_rounds_large_integers_as_cast() {
        // 32-bit integers are not all f32 values: the fused conversion must round as `cast`.
        let g = Geometry::default().with_spacing([0.8, 1.0, 1.3]).unwrap();
        let vi = Volume::<i32>::from_fn([9, 7, 6], g, |p| {
            i32::MAX - (p.i() * 977 + p.j() * 31 + p.k() * 7) as i32 * 3
        })
        .unwrap();
        let vu = vi.map(|x| x as u32 + 7);
        let gauss = Gaussian::new(Sigma::iso_mm(1.2)).unwrap();
        assert_eq!(
            gauss.apply_to_f32(&vi).unwrap(),
            gauss.apply(&vi.cast::<f32>()).unwrap()
        );
        assert_eq!(
            gauss.apply_to_f32(&vu).unwrap(),
            gauss.apply(&vu.cast::<f32>()).unwrap()
        );
    }

    /// `apply_to_f32` equals `apply` on the cast volume, bit for bit, for every instruction set
    /// and both methods (anisotropic spacing, so the three kernels differ).
    fn to_f32_equals_cast_first<T: Voxel>() {
        let g = Geometry::default().with_spacing([0.7, 0.8, 1.25]).unwrap();
        let v = Volume::<T>::from_fn([29, 17, 13], g, |p| {
            let x = (p.i() * 977 + p.j() * 131 + p.k() * 29) % 601;
            T::from_f64_saturating(x as f64 * 113.0 - 33_000.0)
        })
        .unwrap();
        let cast = v.cast::<f32>();
        let bits = |x: &Volume<f32>| x.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for method in [GaussianMethod::Discrete, GaussianMethod::Recursive] {
            for &isa in Isa::available() {
                let gauss = Gaussian::new(Sigma::iso_mm(1.1))
                    .unwrap()
                    .with_method(method)
                    .with_isa(isa);
                let want = gauss.apply(&cast).unwrap();
                let got = gauss.apply_to_f32(&v).unwrap();
                assert_eq!(bits(&got), bits(&want), "{:?} {method:?} {isa:?}", T::KIND);
            }
        }
    }

    #[test]
    fn integer_inputs_smooth_to_f32_as_cast_first() {
        to_f32_equals_cast_first::<i16>();
        to_f32_equals_cast_first::<u8>();
        to_f32_equals_cast_first::<u16>();
        to_f32_equals_cast_first::<i8>();
        to_f32_equals_cast_first::<f32>();
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(Gaussian::new(Sigma::iso_mm(0.0)).is_err());
        assert!(Gaussian::new(Sigma::mm([1.0, f64::NAN, 1.0])).is_err());
        assert!(
            Gaussian::new(Sigma::iso_mm(1.0))
                .unwrap()
                .with_truncate(-1.0)
                .is_err()
        );
        let v = Volume::<f32>::zeros([3, 3, 3], Geometry::default()).unwrap();
        assert!(gaussian(&v, 2000.0).is_err());
    }
}
