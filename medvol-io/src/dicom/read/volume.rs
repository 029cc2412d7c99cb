//! Decoding a scanned volume: [`ReadOptions`], [`DicomVolume`], [`ScanReport::read`].

use super::header::FileHeader;
use super::scan::{ScanOptions, ScanReport, scan};
use super::series::SeriesInfo;
use crate::dicom::place::geometry::{Stack, exact_count, reslice};
use crate::dicom::place::pepolar::{Pepolar, flip_rows, reversed_rows};
use crate::dicom::place::placement::Placement;
use crate::dicom::values::decode::{Stored, read_frames, value_range};
use crate::dicom::values::philips::PhilipsScaling;
use crate::{Error, Limits, Result};
use medvol_core::{Affine, DynVolume, Point, Volume, VoxelKind, Warning};
use std::path::Path;
use std::sync::Arc;

/// What to do when the slices are not equally spaced along the normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Uniform {
    /// Fail with [`Error::InconsistentSeries`].
    Refuse,
    /// Keep the slices as they are, with a warning; the grid's k spacing is the first gap
    /// (what other readers do). Voxels beyond the second slice are misplaced
    /// ([`Placement::Approximate`]).
    Warn,
    /// Resample linearly along the normal onto equally spaced planes (a reported step), so
    /// every voxel is at its place (the default).
    #[default]
    Resample,
}

/// What to do with a gantry-tilted (sheared) stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Tilt {
    /// The slices as stored; [`DicomVolume::affine`] is the true sheared matrix, the
    /// volume's orthonormal geometry an approximation ([`Placement::Sheared`]). Uneven slices
    /// resampled ([`Uniform::Resample`]) stay sheared: planes along the line of the slice
    /// origins.
    Raw,
    /// Resliced onto an orthogonal grid whose voxel centres lie where the acquired ones are
    /// (rows extended to hold the shift); values interpolated, so `f32` (the default).
    #[default]
    Corrected,
}

/// The voxel type of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Output {
    /// The smallest integer type holding every rescaled value when the rescale is integral
    /// (`i16` for CT in HU), `f32` otherwise.
    #[default]
    Auto,
    /// Always `f32`.
    F32,
    /// Always `f64` (exact for any rescale).
    F64,
}

/// How [`ScanReport::read`] turns a scanned volume into voxels.
///
/// The default puts every voxel at its place: uneven slices resampled
/// ([`Uniform::Resample`]), a gantry-tilted stack resliced ([`Tilt::Corrected`]); the raw
/// stack stays available with [`Uniform::Warn`] and [`Tilt::Raw`], and
/// [`DicomVolume::placement`] says how exact the result is.
///
/// ```
/// use medvol_io::dicom::{ReadOptions, Tilt, Uniform};
/// let o = ReadOptions::default();
/// assert_eq!((o.uniform, o.tilt), (Uniform::Resample, Tilt::Corrected));
/// let raw = o.with_uniform(Uniform::Warn).with_tilt(Tilt::Raw);
/// assert_eq!(raw.tilt, Tilt::Raw);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Non-uniform slice spacing policy (default [`Uniform::Resample`]).
    pub uniform: Uniform,
    /// Gantry tilt policy (default [`Tilt::Corrected`]).
    pub tilt: Tilt,
    /// Output voxel type (default [`Output::Auto`]).
    pub output: Output,
    /// Spacing along k when resampling (mm); default: the smallest gap between slices (at
    /// least an eighth of the mean gap), shrunk so that the planes span the first slice to
    /// the last.
    pub resample_spacing_mm: Option<f64>,
    /// Caps on voxels and bytes (default: those of the scan).
    pub limits: Option<Limits>,
    /// GE `epi_pepolar` volumes stored upside down (default [`Pepolar::Flip`]).
    pub pepolar: Pepolar,
    /// Philips display or floating-point values (default [`PhilipsScaling::Display`]).
    pub philips_scaling: PhilipsScaling,
}

impl ReadOptions {
    /// The same options with another spacing policy.
    pub fn with_uniform(mut self, uniform: Uniform) -> Self {
        self.uniform = uniform;
        self
    }
    /// The same options with another tilt policy.
    pub fn with_tilt(mut self, tilt: Tilt) -> Self {
        self.tilt = tilt;
        self
    }
    /// The same options with another output type.
    pub fn with_output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }
    /// The same options with a resampling spacing (mm); reading refuses one outside
    /// [`Geometry::SPACING_RANGE`](medvol_core::Geometry::SPACING_RANGE) or NaN.
    pub fn with_resample_spacing_mm(mut self, mm: f64) -> Self {
        self.resample_spacing_mm = Some(mm);
        self
    }
    /// The same options with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }
    /// The same options with another policy for GE `epi_pepolar` reversed volumes.
    pub fn with_pepolar(mut self, pepolar: Pepolar) -> Self {
        self.pepolar = pepolar;
        self
    }
    /// The same options with another Philips scaling.
    pub fn with_philips_scaling(mut self, scaling: PhilipsScaling) -> Self {
        self.philips_scaling = scaling;
        self
    }
}

/// A decoded DICOM volume with what is known about it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DicomVolume {
    /// The voxels (rescaled) and their grid geometry.
    pub volume: DynVolume,
    /// The scan's description of the volume (ids, metadata, slices, spacing analysis).
    pub info: SeriesInfo,
    /// The scan's warnings plus those of this read (resampling, tilt correction).
    pub warnings: Vec<Warning>,
    /// Index (i, j, k, 1) to LPS mm of these voxels: sheared for a raw tilted stack, the
    /// geometry's own matrix otherwise; exact unless [`placement`](Self::placement) says
    /// [`Placement::Approximate`] or [`Placement::Invented`].
    pub affine: Affine,
    /// How exactly the geometry and [`affine`](Self::affine) place the voxels (what a writer
    /// may claim).
    pub placement: Placement,
    /// Centres of the 8 corner voxels as acquired (LPS mm), as [`SeriesInfo::corners_acquired`].
    pub corners_acquired: [Point; 8],
    /// Whether the slices were resampled along k.
    pub resampled: bool,
    /// Whether a tilted stack was resliced onto an orthogonal grid.
    pub tilt_corrected: bool,
}

impl DicomVolume {
    /// The result of reading `info` as `volume`, placed by `affine` as `placement` says (whose
    /// warning, if any, ends `warnings`), `(resampled, tilt_corrected)`.
    fn new(
        info: &SeriesInfo,
        volume: DynVolume,
        mut warnings: Vec<Warning>,
        (affine, placement): (Affine, Placement),
        (resampled, tilt_corrected): (bool, bool),
    ) -> Self {
        warnings.extend(placement.warning());
        Self {
            volume,
            info: info.clone(),
            warnings,
            affine,
            placement,
            corners_acquired: info.corners_acquired,
            resampled,
            tilt_corrected,
        }
    }
}

/// Which volume of a report to read: its index or its id.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// Position in [`ScanReport::volumes`].
    Index(usize),
    /// [`SeriesInfo::id`].
    Id(&'a str),
}

impl From<usize> for Which<'_> {
    fn from(i: usize) -> Self {
        Which::Index(i)
    }
}

impl<'a> From<&'a str> for Which<'a> {
    fn from(id: &'a str) -> Self {
        Which::Id(id)
    }
}

impl ScanReport {
    /// Decodes one volume (by index or id): rescaled values on the grid the options ask for.
    ///
    /// ```
    /// use medvol_core::{Geometry, Point, Volume};
    /// use medvol_io::dicom::{Output, ReadOptions, ScanOptions, SeriesOptions, scan, write_series};
    /// let dir = tempfile::tempdir()?;
    /// let g = Geometry::default()
    ///     .with_spacing([0.7, 0.7, 2.5])?
    ///     .with_origin(Point::new(-50.0, -60.0, 100.0))?;
    /// let ct = Volume::<i16>::from_fn([8, 8, 6], g, |p| 100 * p.k() as i16 - 1000)?;
    /// write_series(&ct, dir.path(), &SeriesOptions::default())?;
    /// let report = scan(dir.path(), &ScanOptions::default())?;
    /// assert_eq!(report.volumes.len(), 1);
    /// let v = report.read(0, &ReadOptions::default().with_output(Output::F64))?;
    /// assert_eq!(v.volume.dims(), [8, 8, 6]);
    /// // k spacing measured from ImagePositionPatient, origin at the first slice.
    /// assert!(v.volume.geometry().approx_eq(ct.geometry(), 1e-4));
    /// assert_eq!(v.volume.statistics().min, -1000.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown index or id; [`Error::InconsistentSeries`] for
    /// non-uniform spacing under [`Uniform::Refuse`]; [`Error::LimitExceeded`];
    /// [`Error::Unsupported`] for a transfer syntax this build cannot decode (naming it and the
    /// feature that would); [`Error::Decode`]/[`Error::Invalid`] naming the file that fails.
    pub fn read<'a>(
        &self,
        which: impl Into<Which<'a>>,
        options: &ReadOptions,
    ) -> Result<DicomVolume> {
        let which = which.into();
        let info = match which {
            Which::Index(i) => self.volumes.get(i),
            Which::Id(id) => self.volumes.iter().find(|v| v.id == id),
        }
        .ok_or_else(|| Error::NotFound {
            path: self.root.clone(),
            reason: format!("no volume {which:?} in the scan"),
        })?;
        let info = crate::dicom::values::philips::scaled(info, options.philips_scaling);
        read_volume(&info, options, options.limits.unwrap_or(self.limits))
    }
}

/// The first volume found in a folder or file, read with default options.
///
/// # Errors
/// As [`scan`] and [`ScanReport::read`].
///
/// # Examples
/// A phantom written as a CT series comes back with its voxels and geometry:
/// ```
/// use medvol_core::{phantom::HeadPhantom, DynVolume};
/// use medvol_io::dicom::{read_first, write_series, Modality, SeriesOptions};
/// let dir = tempfile::tempdir()?;
/// let ct = HeadPhantom::new([32, 24, 12], [0.8, 0.8, 2.0])?.generate();
/// write_series(&ct, dir.path(), &SeriesOptions::default().with_modality(Modality::Ct))?;
/// let v = read_first(dir.path())?;
/// assert!(v.warnings.is_empty());
/// assert!(v.volume.geometry().approx_eq(ct.geometry(), 1e-4));
/// let DynVolume::I16(hu) = v.volume else { panic!("CT in HU reads as i16") };
/// assert_eq!(hu.as_slice(), ct.as_slice());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_first(path: impl AsRef<Path>) -> Result<DicomVolume> {
    scan(path, &ScanOptions::default())?.read(0, &ReadOptions::default())
}

fn output_kind(info: &SeriesInfo, output: Output) -> VoxelKind {
    match output {
        Output::F32 => return VoxelKind::F32,
        Output::F64 => return VoxelKind::F64,
        Output::Auto => {}
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut all_integral = true;
    let mut bits8 = true;
    for src in &info.sources {
        let h = &src.header;
        let ((a, b), integral) = value_range(h, src.frame);
        all_integral &= integral;
        bits8 &= h.bits_allocated == 8 && h.modality_lut.is_none();
        lo = lo.min(a);
        hi = hi.max(b);
    }
    if !all_integral {
        return VoxelKind::F32;
    }
    let fits = |min: f64, max: f64| lo >= min && hi <= max;
    if bits8 && fits(0.0, 255.0) {
        VoxelKind::U8
    } else if bits8 && fits(-128.0, 127.0) {
        VoxelKind::I8
    } else if fits(-32768.0, 32767.0) {
        VoxelKind::I16
    } else if fits(0.0, 65535.0) {
        VoxelKind::U16
    } else if fits(-2147483648.0, 2147483647.0) {
        VoxelKind::I32
    } else if fits(0.0, 4294967295.0) {
        VoxelKind::U32
    } else {
        VoxelKind::F64
    }
}

/// Where one decoded slice goes: its frame, its mosaic tile (if any) and its plane.
type Target<'a, T> = (u32, Option<u32>, &'a mut [T]);

/// One file to decode and where each of its slices goes.
type FileJob<'a, T> = (Arc<FileHeader>, Vec<Target<'a, T>>);

/// Decodes every slice of `info` into one buffer, k-th slice at `k * plane`, in parallel over
/// files (each file opened once, however many of its frames or tiles are used).
fn decode_stack<T: Stored>(info: &SeriesInfo) -> Result<Vec<T>> {
    let plane = info.dims[0] * info.dims[1];
    let mut out = vec![T::default(); plane * info.dims[2]];
    let mut jobs: Vec<FileJob<'_, T>> = Vec::new();
    for (src, dst) in info.sources.iter().zip(out.chunks_mut(plane)) {
        let target = (src.frame, src.tile, dst);
        match jobs.iter_mut().find(|(jh, _)| Arc::ptr_eq(jh, &src.header)) {
            Some((_, t)) => t.push(target),
            None => jobs.push((src.header.clone(), vec![target])),
        }
    }
    medvol_core::par::map(jobs, |(h, targets)| decode_file(&h, targets))
        .into_iter()
        .collect::<Result<()>>()?;
    Ok(out)
}

/// Decodes the slices of one file: frames straight into their planes; mosaic tiles cut from
/// the decoded image of their frame (whose size [`check_limits`] has admitted).
fn decode_file<T: Stored>(h: &FileHeader, targets: Vec<Target<'_, T>>) -> Result<()> {
    let Some(mosaic) = h.mosaic().filter(|_| targets.iter().any(|t| t.1.is_some())) else {
        return read_frames(h, targets.into_iter().map(|(f, _, d)| (f, d)).collect());
    };
    let columns = h.columns as usize;
    let mut frames: Vec<(u32, Vec<T>)> = Vec::new();
    for (f, _, _) in &targets {
        if !frames.iter().any(|(g, _)| g == f) {
            frames.push((*f, vec![T::default(); columns * h.rows as usize]));
        }
    }
    read_frames(
        h,
        frames
            .iter_mut()
            .map(|(f, image)| (*f, image.as_mut_slice()))
            .collect(),
    )?;
    for (f, tile, dst) in targets {
        let image = frames.iter().find(|(g, _)| *g == f).map(|(_, i)| i);
        if let (Some(image), Some(t)) = (image, tile) {
            mosaic.copy_tile(image, columns, t, dst);
        }
    }
    Ok(())
}

fn typed<T: Stored>(info: &SeriesInfo, flip: bool) -> Result<DynVolume>
where
    DynVolume: From<Volume<T>>,
{
    let mut data = decode_stack::<T>(info)?;
    if flip {
        flip_rows(&mut data, info.dims);
    }
    Volume::from_vec(info.dims, data, info.geometry)
        .map(DynVolume::from)
        .map_err(|source| Error::Geometry {
            path: info.sources[0].header.path.clone(),
            source,
        })
}

fn check_limits(
    info: &SeriesInfo,
    dims: [usize; 3],
    bytes_per: u64,
    limits: &Limits,
) -> Result<()> {
    let path = &info.sources[0].header.path;
    let voxels = dims
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
        .unwrap_or(u64::MAX);
    limits.check_voxels(path, voxels)?;
    limits.check_bytes(path, voxels.saturating_mul(bytes_per))?;
    // A mosaic is decoded whole before its tiles are cut: one image per file at a time.
    if let Some(src) = info.sources.iter().find(|s| s.tile.is_some()) {
        let image = u64::from(src.header.rows) * u64::from(src.header.columns);
        limits.check_voxels(path, image)?;
        limits.check_bytes(path, image.saturating_mul(bytes_per))?;
    }
    Ok(())
}

/// The number of planes `s` mm apart that cover `extent` mm, checked (with the planes' voxels)
/// against `limits` before anything is allocated.
///
/// # Errors
/// [`Error::InconsistentSeries`] when the count is not finite (a zero, NaN or infinite
/// spacing or extent), [`Error::LimitExceeded`] when the planes hold more voxels than allowed.
fn resampled_slices(info: &SeriesInfo, extent: f64, s: f64, limits: &Limits) -> Result<usize> {
    let path = &info.sources[0].header.path;
    let count = (extent / s + 1e-6).floor() + 1.0;
    if !count.is_finite() || count < 1.0 {
        return Err(Error::InconsistentSeries {
            path: path.clone(),
            reason: format!(
                "resampling {extent:.4} mm of slices every {s:e} mm gives no usable slice count"
            ),
        });
    }
    let voxels = count * (info.dims[0] * info.dims[1]) as f64;
    // `as` saturates: a count beyond u64 is reported as u64::MAX.
    limits.check_voxels(path, voxels as u64)?;
    exact_count(count).ok_or_else(|| Error::LimitExceeded {
        path: path.clone(),
        what: "voxels",
        requested: voxels as u64,
        limit: limits.max_voxels,
    })
}

/// [`Error::InconsistentSeries`] for uneven slices under [`Uniform::Refuse`].
fn refuse_uneven(info: &SeriesInfo, options: &ReadOptions) -> Result<()> {
    if info.spacing.uniform || options.uniform != Uniform::Refuse {
        return Ok(());
    }
    let gaps = &info.spacing.gaps_mm;
    Err(Error::InconsistentSeries {
        path: info.sources[0].header.path.clone(),
        reason: format!(
            "slice spacing is not uniform: gaps {:.4}..{:.4} mm, largest deviation from the \
             mean {:.4} mm (Uniform::Resample or Uniform::Warn to read it)",
            gaps.iter().copied().fold(f64::INFINITY, f64::min),
            gaps.iter().copied().fold(0.0, f64::max),
            info.spacing.max_deviation_mm
        ),
    })
}

fn read_volume(info: &SeriesInfo, options: &ReadOptions, limits: Limits) -> Result<DicomVolume> {
    refuse_uneven(info, options)?;
    let mut warnings = info.warnings.clone();
    let (flip, note) = reversed_rows(info, options.pepolar)?;
    warnings.extend(note.map(|note| Warning::Pepolar { note }));
    let uniform = info.spacing.uniform;
    let correct_tilt = info.tilt_deg > 0.0 && options.tilt == Tilt::Corrected;
    let resample = !uniform && (options.uniform == Uniform::Resample || correct_tilt);
    if !uniform && correct_tilt && options.uniform == Uniform::Warn {
        warnings.push(Warning::ResampledForTilt);
    }
    if resample || correct_tilt {
        read_resliced(info, options, &limits, warnings, (resample, flip))
    } else {
        read_stored(info, options, &limits, warnings, flip)
    }
}

/// The slices as stored, on the scan's grid.
fn read_stored(
    info: &SeriesInfo,
    options: &ReadOptions,
    limits: &Limits,
    warnings: Vec<Warning>,
    flip: bool,
) -> Result<DicomVolume> {
    let kind = match crate::dicom::values::colour::is_colour(info)? {
        true => VoxelKind::Rgb8,
        false => output_kind(info, options.output),
    };
    check_limits(info, info.dims, kind.size_bytes() as u64, limits)?;
    let volume = match kind {
        VoxelKind::Rgb8 => crate::dicom::values::colour::read(info, flip)?,
        VoxelKind::U8 => typed::<u8>(info, flip)?,
        VoxelKind::I8 => typed::<i8>(info, flip)?,
        VoxelKind::U16 => typed::<u16>(info, flip)?,
        VoxelKind::I16 => typed::<i16>(info, flip)?,
        VoxelKind::U32 => typed::<u32>(info, flip)?,
        VoxelKind::I32 => typed::<i32>(info, flip)?,
        VoxelKind::F64 => typed::<f64>(info, flip)?,
        _ => typed::<f32>(info, flip)?,
    };
    let grid = info.geometry.affine();
    let affine = if info.tilt_deg > 0.0 || !info.spacing.uniform {
        info.affine_acquired
    } else {
        grid
    };
    let placement = Placement::of_stored(info, &affine, &grid);
    Ok(DicomVolume::new(
        info,
        volume,
        warnings,
        (affine, placement),
        (false, false),
    ))
}

/// The default resampling step is never finer than the mean gap divided by this.
const FINEST_FRACTION_OF_MEAN_GAP: f64 = 8.0;

/// The k spacing of resampled planes: the option's, else the smallest gap (at least an
/// eighth of the mean gap) shrunk so that a whole number of steps spans `extent` (first and
/// last slice then lie on planes).
fn resample_spacing(info: &SeriesInfo, options: &ReadOptions, extent: f64) -> Result<f64> {
    let range = medvol_core::Geometry::SPACING_RANGE;
    match options.resample_spacing_mm {
        Some(s) if !range.contains(&s) => Err(Error::Unsupported {
            path: info.sources[0].header.path.clone(),
            what: format!(
                "resampling to {s} mm between slices (use {:e} to {:e} mm)",
                range.start(),
                range.end()
            ),
        }),
        Some(s) => Ok(s),
        None => {
            // Two nearly coincident slices must not make thousands of planes.
            let finest = info.spacing.mean_mm.unwrap_or(0.0) / FINEST_FRACTION_OF_MEAN_GAP;
            let gap = info
                .spacing
                .gaps_mm
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min)
                .max(finest);
            let steps = (extent / gap - 1e-6).ceil();
            // Not finite or below one step: left to `resampled_slices` to refuse.
            Ok(if steps.is_finite() && steps >= 1.0 {
                extent / steps
            } else {
                gap
            })
        }
    }
}

/// The slices resampled onto a uniform grid: orthogonal when the tilt is corrected (or there
/// is none), along the sheared line of the slice origins otherwise ([`Tilt::Raw`]).
fn read_resliced(
    info: &SeriesInfo,
    options: &ReadOptions,
    limits: &Limits,
    mut warnings: Vec<Warning>,
    (resample, flip): (bool, bool),
) -> Result<DicomVolume> {
    crate::dicom::values::colour::refuse_resampling(info)?;
    let first = &info.sources[0].header.path;
    let tilted = info.tilt_deg > 0.0;
    let correct_tilt = tilted && options.tilt == Tilt::Corrected;
    let stack = Stack {
        axes: [0, 1, 2].map(|a| info.geometry.direction().axis(a)),
        pixel: [info.geometry.spacing()[0], info.geometry.spacing()[1]],
        positions: info
            .slices
            .iter()
            .map(|s| s.position.unwrap_or(Point::ORIGIN))
            .collect(),
        along: info.positions_along_normal_mm.clone(),
    };
    let (spacing_k, nk) = if resample {
        let extent = stack.along.last().copied().unwrap_or(0.0) - stack.along[0];
        let s = resample_spacing(info, options, extent)?;
        let nk = resampled_slices(info, extent, s, limits)?;
        warnings.push(Warning::Resampled {
            slices: nk,
            spacing_mm: s,
        });
        (s, nk)
    } else {
        (info.geometry.spacing()[2], info.dims[2])
    };
    let (grid, dims) = if correct_tilt {
        stack.orthogonal_grid([info.dims[0], info.dims[1]], spacing_k, nk)
    } else {
        info.geometry
            .with_spacing([stack.pixel[0], stack.pixel[1], spacing_k])
            .map(|g| (g, [info.dims[0], info.dims[1], nk]))
            .map_err(|e| format!("no grid with k spacing {spacing_k} mm: {e}"))
    }
    .map_err(|reason| Error::InconsistentSeries {
        path: first.clone(),
        reason,
    })?;
    let mut affine = grid.affine();
    let placement = if tilted && !correct_tilt {
        let step = stack.sheared_step(spacing_k);
        let mut linear = affine.linear();
        for (r, row) in linear.iter_mut().enumerate() {
            row[2] = step.0[r];
        }
        affine = Affine::from_parts(linear, affine.translation());
        let geometry_error_mm = (step - stack.axes[2] * spacing_k).norm() * (nk - 1) as f64;
        Placement::Sheared { geometry_error_mm }
    } else {
        Placement::Exact
    };
    check_limits(
        info,
        dims,
        4 + 4 * info.dims[2] as u64 / dims[2].max(1) as u64,
        limits,
    )?;
    let mut raw = decode_stack::<f32>(info)?;
    if flip {
        flip_rows(&mut raw, info.dims);
    }
    let fill = raw.iter().copied().fold(f32::INFINITY, f32::min);
    let plane = info.dims[0] * info.dims[1];
    let slices: Vec<Vec<f32>> = raw.chunks(plane).map(<[f32]>::to_vec).collect();
    drop(raw);
    let dims2 = [info.dims[0], info.dims[1]];
    let data = reslice(&stack, &slices, dims2, &affine, dims, fill);
    if correct_tilt {
        warnings.push(Warning::TiltCorrected { dims, fill });
    }
    let vol = Volume::from_vec(dims, data, grid).map_err(|source| Error::Geometry {
        path: first.clone(),
        source,
    })?;
    let volume = match options.output {
        Output::F64 => DynVolume::from(vol.cast::<f64>()),
        _ => DynVolume::from(vol),
    };
    Ok(DicomVolume::new(
        info,
        volume,
        warnings,
        (affine, placement),
        (resample, correct_tilt),
    ))
}
