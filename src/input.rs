//! Opening whatever a user points medvol at: a NIfTI file, a DICOM file or folder, or the
//! built-in phantom, as one [`Loaded`] volume with what is known about it.

use crate::{Error, Result};
use medvol_core::phantom::HeadPhantom;
use medvol_core::{DynVolume, Warning};
use medvol_io::dicom::{self, Output, Placement, ReadOptions, ScanOptions};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Where a volume comes from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Input {
    /// A volume already in memory, with a description and its modality when known
    /// (`"CT"`, `"MR"`).
    Volume {
        /// The voxels.
        volume: DynVolume,
        /// A short description for reports.
        description: String,
        /// DICOM modality, when known.
        modality: Option<String>,
    },
    /// The built-in CT head phantom (modality CT, Hounsfield units).
    Phantom(HeadPhantom),
    /// A NIfTI file (`.nii`, `.nii.gz`, `.hdr`/`.img`): its first time point.
    Nifti(PathBuf),
    /// A DICOM file or folder, and which volume of it (an id from the scan report, or the
    /// first one found when `None`).
    Dicom {
        /// The file or folder.
        path: PathBuf,
        /// A volume id of [`medvol_io::dicom::ScanReport`], or `None` for the first volume.
        volume: Option<String>,
    },
}

impl Input {
    /// The input a path names: NIfTI by extension (`.nii`, `.nii.gz`, `.hdr`, `.img`), DICOM
    /// otherwise (a folder or a single file).
    ///
    /// ```
    /// use medvol::Input;
    /// assert!(matches!(Input::path("brain.nii.gz"), Input::Nifti(_)));
    /// assert!(matches!(Input::path("T1.HDR"), Input::Nifti(_)));
    /// assert!(matches!(Input::path("scans/ct"), Input::Dicom { volume: None, .. }));
    /// ```
    pub fn path(path: impl Into<PathBuf>) -> Input {
        let path = path.into();
        if is_nifti(&path) {
            Input::Nifti(path)
        } else {
            Input::Dicom { path, volume: None }
        }
    }

    /// The same DICOM input reading the volume `id` of its scan report
    /// ([`medvol_io::dicom::ScanReport`]) instead of the first one.
    ///
    /// ```
    /// use medvol::Input;
    /// let input = Input::path("scans/ct").with_volume("1.2.840.1234.5")?;
    /// assert!(matches!(input, Input::Dicom { volume: Some(id), .. } if id == "1.2.840.1234.5"));
    /// assert!(Input::path("brain.nii.gz").with_volume("1").is_err());
    /// # Ok::<(), medvol::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Core`] (invalid parameter `volume`) when the input is not DICOM: a NIfTI file
    /// gives its first time point, the phantom and a volume in memory are one volume.
    pub fn with_volume(self, id: impl Into<String>) -> Result<Input> {
        match self {
            Input::Dicom { path, .. } => Ok(Input::Dicom {
                path,
                volume: Some(id.into()),
            }),
            _ => Err(Error::Core(medvol_core::Error::InvalidParameter {
                name: "volume",
                reason: "picks a volume of a DICOM input; a NIfTI input gives its first time \
                         point"
                    .into(),
            })),
        }
    }

    /// Reads the voxels in the type they are stored in (DICOM: `i16` for CT in HU), every
    /// voxel at its true place ([`ReadOptions::default`]: uneven DICOM slices resampled, a
    /// gantry-tilted stack resliced, both then in `f32`).
    ///
    /// ```
    /// use medvol::{Geometry, Input, Volume, VoxelKind};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("t1.nii.gz");
    /// let g = Geometry::default().with_spacing([1.0, 1.0, 1.5])?;
    /// medvol::io::nifti::write(&path, &Volume::<u16>::filled([8, 8, 8], 300, g)?)?;
    /// let loaded = Input::path(&path).load()?;
    /// assert_eq!(loaded.volume.kind(), VoxelKind::U16);
    /// assert_eq!(loaded.volume.geometry().spacing(), [1.0, 1.0, 1.5]);
    /// assert_eq!(loaded.modality, None); // NIfTI does not record it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The reader's error ([`medvol_io::Error`]) naming the file and the problem.
    pub fn load(&self) -> Result<Loaded> {
        self.load_as(Output::Auto)
    }

    /// Reads the voxels; a DICOM series is decoded straight into the `output` type (saving a
    /// conversion pass when the caller works in `f32`). Other inputs (NIfTI, the phantom, a
    /// volume in memory) come in their own type whatever `output` says: convert with
    /// [`DynVolume::to_f32`](crate::DynVolume::to_f32) and friends.
    ///
    /// # Errors
    /// As [`Input::load`].
    pub fn load_as(&self, output: Output) -> Result<Loaded> {
        self.load_with(&ReadOptions::default().with_output(output))
    }

    /// Reads the voxels, a DICOM series with `options` (output type, non-uniform spacing and
    /// gantry tilt policies: [`Uniform::Warn`](medvol_io::dicom::Uniform::Warn) and
    /// [`Tilt::Raw`](medvol_io::dicom::Tilt::Raw) keep the slices as stored); other inputs as
    /// [`Input::load`].
    ///
    /// ```
    /// use medvol::Input;
    /// use medvol::io::dicom::{Output, ReadOptions, Tilt, Uniform};
    /// let options = ReadOptions::default()
    ///     .with_uniform(Uniform::Warn)
    ///     .with_tilt(Tilt::Raw)
    ///     .with_output(Output::F32);
    /// let loaded = Input::Phantom(medvol::phantom::HeadPhantom::new([16, 16, 8], [1.0; 3])?)
    ///     .load_with(&options)?;
    /// assert_eq!(loaded.volume.dims(), [16, 16, 8]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Input::load`].
    pub fn load_with(&self, options: &ReadOptions) -> Result<Loaded> {
        self.load_borrowed(options).map(Loaded::into_owned)
    }

    /// As [`Input::load_with`], but a volume in memory ([`Input::Volume`]) is borrowed, not
    /// copied.
    pub(crate) fn load_borrowed(
        &self,
        options: &ReadOptions,
    ) -> Result<Loaded<Cow<'_, DynVolume>>> {
        match self {
            Input::Volume {
                volume,
                description,
                modality,
            } => Ok(Loaded {
                volume: Cow::Borrowed(volume),
                description: description.clone(),
                modality: modality.clone(),
                warnings: Vec::new(),
                placement: None,
            }),
            Input::Phantom(p) => {
                let [ni, nj, nk] = p.dims();
                Ok(Loaded {
                    volume: Cow::Owned(p.generate().into()),
                    description: format!("CT head phantom {ni}x{nj}x{nk}"),
                    modality: Some("CT".into()),
                    warnings: Vec::new(),
                    placement: None,
                })
            }
            Input::Nifti(path) => {
                let mut nii = medvol_io::nifti::read(path)?;
                let mut warnings = nii.warnings;
                let count = nii.volumes.len();
                if count > 1 {
                    warnings.push(Warning::FirstTimePoint { count });
                }
                if nii.volumes.is_empty() {
                    return Err(Error::Io(medvol_io::Error::NotFound {
                        path: path.clone(),
                        reason: "the file holds no volume".into(),
                    }));
                }
                Ok(Loaded {
                    volume: Cow::Owned(nii.volumes.swap_remove(0)),
                    description: format!("NIfTI {}", path.display()),
                    modality: None,
                    warnings,
                    placement: None,
                })
            }
            Input::Dicom { path, volume } => {
                let report = dicom::scan(path, &ScanOptions::default())?;
                let read = match volume {
                    Some(id) => report.read(id.as_str(), options)?,
                    None => report.read(0, options)?,
                };
                let mut warnings = read.warnings;
                if report.volumes.len() > 1 && volume.is_none() {
                    warnings.push(Warning::FirstVolume {
                        count: report.volumes.len(),
                        id: read.info.id.clone(),
                    });
                }
                Ok(Loaded {
                    volume: Cow::Owned(read.volume),
                    description: format!("DICOM {} ({})", path.display(), read.info.label),
                    modality: read.info.metadata.modality.clone(),
                    warnings,
                    placement: Some(read.placement),
                })
            }
        }
    }
}

/// A volume as loaded, with its description, modality and the reader's warnings.
///
/// `V` is how the voxels are held: a [`DynVolume`] for callers; the pipeline borrows a volume
/// already in memory instead of copying it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Loaded<V = DynVolume> {
    /// The voxels and their geometry.
    pub volume: V,
    /// A short description for reports.
    pub description: String,
    /// DICOM modality when known (`"CT"`, `"MR"`, ...).
    pub modality: Option<String>,
    /// What the reader noticed (spacing, tilt, fallbacks).
    pub warnings: Vec<Warning>,
    /// For DICOM input, how exactly the grid places the voxels (a writer must not claim
    /// scanner coordinates for [`Placement::Invented`]); `None` for other inputs.
    pub placement: Option<Placement>,
}

impl Loaded<Cow<'_, DynVolume>> {
    /// The same, the voxels owned (copied only when they were borrowed).
    fn into_owned(self) -> Loaded {
        Loaded {
            volume: self.volume.into_owned(),
            description: self.description,
            modality: self.modality,
            warnings: self.warnings,
            placement: self.placement,
        }
    }
}

fn is_nifti(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".nii", ".nii.gz", ".hdr", ".img", ".hdr.gz", ".img.gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}
