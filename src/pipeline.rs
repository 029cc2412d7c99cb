//! The reconstruction pipeline: a scan in, a surface mesh out, in one call.
//!
//! read → f32 → (resample to isotropic spacing) → (Gaussian or median denoise) →
//! (intensity window) → isosurface → (largest component) → mesh file.
//!
//! The first stage that makes a new volume (resampling, else the Gaussian) reads the input in
//! its own voxel type and writes `f32`, so an integer volume is not converted in a pass of its
//! own, and a volume in memory ([`Input::Volume`]) is read where it is, never copied. Every
//! type but `f64` gives the bits of a conversion to `f32` first; `f64` is resampled in `f64`
//! and rounded once.
//!
//! ```
//! use medvol::pipeline::{Input, Level, Pipeline, Preset};
//! use medvol::phantom::HeadPhantom;
//!
//! let input = Input::Phantom(HeadPhantom::new([64, 64, 48], [3.0, 3.0, 4.0])?);
//! let out = Pipeline::new(Level::Preset(Preset::Bone))
//!     .with_gaussian(1.5)?
//!     .with_largest_component(true)
//!     .with_close_border(true)
//!     .run(&input)?;
//! assert_eq!(out.report.boundary_edges, 0);
//! assert!(out.report.volume_mm3 > 0.0);
//! println!("{} triangles in {:?}", out.report.triangles, out.report.steps);
//! # Ok::<(), medvol::Error>(())
//! ```

pub use crate::input::{Input, Loaded};
use crate::{Error, Result};
use medvol_core::{DynVolume, Geometry, Volume, VoxelKind, map_dyn};
use medvol_filter::{Filter, Gaussian, Median, Normalize, Resample, Sigma};
use medvol_io::dicom::{Output, ReadOptions};
use medvol_mesh::{Frame, MarchingCubes, Mesh};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The isosurface level: a value in the volume's units, or a CT preset in Hounsfield units.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Level {
    /// A value in the volume's units (after rescale).
    Value(f64),
    /// A tissue preset for CT (refused on MR and on values that are not Hounsfield units).
    Preset(Preset),
}

/// CT tissue presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Preset {
    /// Bone: 300 HU.
    Bone,
    /// Skin (the air/soft-tissue boundary): -500 HU.
    Skin,
}

impl Preset {
    /// The level in Hounsfield units.
    pub fn hu(self) -> f64 {
        match self {
            Preset::Bone => 300.0,
            Preset::Skin => -500.0,
        }
    }
    /// `"bone"` or `"skin"`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Bone => "bone",
            Preset::Skin => "skin",
        }
    }
}

/// Times each stage and tells the observer.
struct Stages<'o> {
    steps: Vec<(String, f64)>,
    observer: &'o mut dyn FnMut(Event<'_>),
}

impl Stages<'_> {
    fn run<R>(&mut self, name: &'static str, f: impl FnOnce() -> Result<R>) -> Result<R> {
        (self.observer)(Event::Started(name));
        let t = Instant::now();
        let r = f()?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        (self.observer)(Event::Finished(name, ms));
        self.steps.push((name.to_string(), ms));
        Ok(r)
    }
}

/// The denoising step, validated.
#[derive(Debug, Clone, PartialEq)]
enum Denoise {
    Gaussian(Gaussian),
    Median(Median),
}

/// What the pipeline does, validated when built; [`Pipeline::run`] applies it to an [`Input`].
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    level: Level,
    spacing_mm: Option<f64>,
    denoise: Option<Denoise>,
    window: Option<Normalize>,
    largest: bool,
    close_border: bool,
    frame: Frame,
    dicom: ReadOptions,
    output: Option<PathBuf>,
}

/// A stage boundary, for progress displays ([`Pipeline::run_with`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A stage starts.
    Started(&'a str),
    /// A stage finished after `ms` milliseconds.
    Finished(&'a str, f64),
}

/// The mesh and the report of a run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Outcome {
    /// The surface, in LPS mm (or RAS when asked).
    pub mesh: Mesh,
    /// What was done and measured.
    pub report: Report,
}

/// What a run did and measured.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Report {
    /// Description of the input.
    pub input: String,
    /// DICOM modality when known.
    pub modality: Option<String>,
    /// Voxel type as read.
    pub voxel_type: VoxelKind,
    /// Dimensions (i, j, k) as read.
    pub dims: [usize; 3],
    /// Spacing (mm) as read.
    pub spacing: [f64; 3],
    /// The isosurface level used (volume units).
    pub level: f64,
    /// Each stage in order with its wall time (ms).
    pub steps: Vec<(String, f64)>,
    /// Mesh vertices.
    pub vertices: usize,
    /// Mesh triangles.
    pub triangles: usize,
    /// Surface area, mm².
    pub area_mm2: f64,
    /// Enclosed (signed) volume, mm³.
    pub volume_mm3: f64,
    /// Edges of one triangle only (0 for a closed surface).
    pub boundary_edges: usize,
    /// Edges of three or more triangles.
    pub non_manifold_edges: usize,
    /// The mesh file written, if any.
    pub output: Option<PathBuf>,
    /// What the reader and the steps noticed.
    pub warnings: Vec<medvol_core::Warning>,
}

impl Report {
    /// Total time of all stages, ms.
    pub fn total_ms(&self) -> f64 {
        self.steps.iter().map(|(_, ms)| ms).sum()
    }
}

fn invalid(name: &'static str, reason: impl Into<String>) -> Error {
    Error::Core(medvol_core::Error::InvalidParameter {
        name,
        reason: reason.into(),
    })
}

impl Pipeline {
    /// A pipeline that only extracts the surface at `level`, closed at the volume border.
    pub fn new(level: Level) -> Self {
        Self {
            level,
            spacing_mm: None,
            denoise: None,
            window: None,
            largest: false,
            close_border: true,
            frame: Frame::Lps,
            dicom: ReadOptions::default(),
            output: None,
        }
    }

    /// Writes the mesh to `path` (format by extension: `.stl`, `.ply`, `.obj`) at the end of
    /// [`run`](Self::run); without it the mesh is only returned.
    pub fn with_output(mut self, path: impl AsRef<Path>) -> Self {
        self.output = Some(path.as_ref().to_path_buf());
        self
    }

    /// How DICOM input is read. By default as every reader of the library
    /// ([`ReadOptions::default`]): a surface is made on a true grid, unevenly spaced slices
    /// resampled along k and a gantry-tilted stack resliced
    /// ([`Uniform::Resample`](medvol_io::dicom::Uniform::Resample),
    /// [`Tilt::Corrected`](medvol_io::dicom::Tilt::Corrected)); the reader's warnings say so.
    /// The output type is always `f32`.
    pub fn with_dicom_options(mut self, options: ReadOptions) -> Self {
        self.dicom = options;
        self
    }

    /// Resamples (linearly) to isotropic `mm` spacing first, keeping origin and direction.
    ///
    /// # Errors
    /// [`Error::Filter`] (invalid parameter) when `mm` is not finite and positive.
    pub fn with_spacing_mm(mut self, mm: f64) -> Result<Self> {
        // The grid is the input's, known when run: check `mm` by resampling's own rule.
        Resample::isotropic(&Geometry::default(), [1; 3], mm)?;
        self.spacing_mm = Some(mm);
        Ok(self)
    }
    /// Smooths with a Gaussian of `sigma_mm` (replaces a median).
    ///
    /// # Errors
    /// When `sigma_mm` is not finite and positive.
    pub fn with_gaussian(mut self, sigma_mm: f64) -> Result<Self> {
        self.denoise = Some(Denoise::Gaussian(Gaussian::new(Sigma::iso_mm(sigma_mm))?));
        Ok(self)
    }
    /// Denoises with a median of radius `radius_vox` voxels (replaces a Gaussian; radius 0
    /// leaves the volume as it is).
    ///
    /// # Errors
    /// When the radius exceeds [`Median::MAX_RADIUS`].
    pub fn with_median(mut self, radius_vox: usize) -> Result<Self> {
        self.denoise = Some(Denoise::Median(Median::new([radius_vox; 3])?));
        Ok(self)
    }
    /// Clamps values to `[lo, hi]` after denoising (e.g. to tame metal artefacts).
    ///
    /// # Errors
    /// When the window is empty or not finite.
    pub fn with_window(mut self, lo: f64, hi: f64) -> Result<Self> {
        self.window = Some(Normalize::clamp(lo, hi)?);
        Ok(self)
    }
    /// Keeps only the largest connected component of the surface.
    pub fn with_largest_component(mut self, largest: bool) -> Self {
        self.largest = largest;
        self
    }
    /// Closes the surface where it meets the volume border (default `true`: a closed surface is
    /// what printing and volume measures need); `false` leaves it open there.
    pub fn with_close_border(mut self, close: bool) -> Self {
        self.close_border = close;
        self
    }
    /// Writes vertices in RAS instead of LPS (what most STL consumers expect).
    pub fn with_frame(mut self, frame: Frame) -> Self {
        self.frame = frame;
        self
    }

    /// Runs the pipeline; writes the mesh to the [`with_output`](Self::with_output) file when
    /// one was given.
    ///
    /// ```
    /// use medvol::Input;
    /// use medvol::phantom::HeadPhantom;
    /// use medvol::pipeline::{Level, Pipeline, Preset};
    /// let dir = tempfile::tempdir()?;
    /// let stl = dir.path().join("skin.stl");
    /// let input = Input::Phantom(HeadPhantom::new([32, 32, 24], [6.0, 6.0, 8.0])?);
    /// let out = Pipeline::new(Level::Preset(Preset::Skin))
    ///     .with_gaussian(6.0)?
    ///     .with_output(&stl)
    ///     .run(&input)?;
    /// assert_eq!(out.report.level, -500.0);
    /// assert_eq!(out.report.boundary_edges, 0); // closed at the border by default
    /// assert_eq!(medvol::mesh::write::read(&stl)?.triangle_count(), out.report.triangles);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The first failing stage's error; a preset on a volume that is not CT in HU.
    pub fn run(&self, input: &Input) -> Result<Outcome> {
        self.run_with(input, &mut |_| {})
    }

    /// As [`Pipeline::run`], calling `observer` at each stage boundary.
    ///
    /// # Errors
    /// As [`Pipeline::run`].
    pub fn run_with(&self, input: &Input, observer: &mut dyn FnMut(Event<'_>)) -> Result<Outcome> {
        let mut stages = Stages {
            steps: Vec::new(),
            observer,
        };
        let loaded = stages.run("read", || {
            input.load_borrowed(&self.dicom.with_output(Output::F32))
        })?;
        if loaded.volume.kind().is_colour() {
            // meshing the luminance of a colour map is never what was asked for
            return Err(medvol_mesh::Error::Colour.into());
        }
        let mut warnings = loaded.warnings.clone();
        let level = self.level_for(loaded.modality.as_deref(), &loaded.volume)?;
        let dims = loaded.volume.dims();
        let spacing = loaded.volume.geometry().spacing();
        let voxel_type = loaded.volume.kind();
        let volume = self.filtered(loaded.volume, &mut stages)?;
        let mut mesh = stages.run("isosurface", || {
            Ok(MarchingCubes::new(level)?
                .with_close_border(self.close_border)
                .with_frame(self.frame)
                .run(&volume)?)
        })?;
        drop(volume);
        if self.largest {
            mesh = stages.run("largest", || Ok(mesh.largest_component()))?;
        }
        if mesh.is_empty() {
            warnings.push(medvol_core::Warning::EmptySurface { level });
        }
        if let Some(path) = &self.output {
            stages.run("write", || Ok(medvol_mesh::write::write(&mesh, path)?))?;
        }
        let (edges, (area_mm2, volume_mm3)) = stages.run("measure", || {
            Ok((mesh.edge_report(), mesh.area_and_volume()))
        })?;
        let steps = stages.steps;
        let report = Report {
            input: loaded.description,
            modality: loaded.modality,
            voxel_type,
            dims,
            spacing,
            level,
            steps,
            vertices: mesh.vertex_count(),
            triangles: mesh.triangle_count(),
            area_mm2,
            volume_mm3,
            boundary_edges: edges.boundary_edges,
            non_manifold_edges: edges.non_manifold_edges,
            output: self.output.clone(),
            warnings,
        };
        Ok(Outcome { mesh, report })
    }

    /// `source` resampled, denoised and windowed as asked, in `f32`. The first stage that
    /// makes a new volume reads `source` in its own type; otherwise a source that is not an
    /// `f32` volume of its own is converted first (stage `convert`).
    fn filtered(&self, source: Cow<'_, DynVolume>, stages: &mut Stages<'_>) -> Result<Volume<f32>> {
        let mut gaussian = match &self.denoise {
            Some(Denoise::Gaussian(g)) => Some(g),
            _ => None,
        };
        let mut volume = match (self.spacing_mm, gaussian, source) {
            (Some(mm), _, src) => stages.run("resample", || {
                let r = Resample::isotropic(src.geometry(), src.dims(), mm)?;
                Ok(map_dyn!(src.as_ref(), v => r.apply_to_f32(v)?))
            })?,
            (None, _, Cow::Owned(DynVolume::F32(v))) => v,
            (None, Some(g), src) => {
                gaussian = None;
                stages.run("gaussian", || {
                    Ok(map_dyn!(src.as_ref(), v => g.apply_to_f32(v)?))
                })?
            }
            (None, None, src) => stages.run("convert", || Ok(src.as_ref().to_f32()))?,
        };
        if let Some(g) = gaussian {
            stages.run("gaussian", || Ok(g.apply_in_place(&mut volume)?))?;
        }
        if let Some(Denoise::Median(m)) = &self.denoise {
            volume = stages.run("median", || Ok(m.apply(&volume)?))?;
        }
        if let Some(window) = &self.window {
            stages.run("window", || {
                window.apply_in_place(&mut volume);
                Ok(())
            })?;
        }
        Ok(volume)
    }

    /// The level in the volume's units; presets only on CT data in Hounsfield units.
    fn level_for(&self, modality: Option<&str>, volume: &DynVolume) -> Result<f64> {
        let preset = match self.level {
            Level::Value(v) if v.is_finite() => return Ok(v),
            Level::Value(v) => return Err(invalid("level", format!("{v} is not finite"))),
            Level::Preset(p) => p,
        };
        match modality {
            Some("CT") => Ok(preset.hu()),
            Some(other) => Err(invalid(
                "preset",
                format!(
                    "the {} preset is for CT in Hounsfield units, but this is {other} data: give a level instead",
                    preset.name()
                ),
            )),
            None => {
                // No modality (NIfTI, in-memory): CT in HU has air near -1000.
                let min = volume.statistics().min;
                if min <= -500.0 {
                    Ok(preset.hu())
                } else {
                    Err(invalid(
                        "preset",
                        format!(
                            "the {} preset is for CT in Hounsfield units, but the smallest value is {min} (no air at -1000): give a level instead",
                            preset.name()
                        ),
                    ))
                }
            }
        }
    }
}
