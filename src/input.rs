//! Opening whatever a user points medvol at: a NIfTI file, a DICOM file or folder, or the
//! built-in phantom, as one [`Loaded`] volume with what is known about it.

use crate::{Error, Result};
use medvol_core::phantom::HeadPhantom;
use medvol_core::{DynVolume, Warning};
use medvol_io::dicom::{self, Output, Placement, ReadOptions, ScanOptions};
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
        match self {
            Input::Volume {
                volume,
                description,
                modality,
            } => Ok(Loaded {
                volume: volume.clone(),
                description: description.clone(),
                modality: modality.clone(),
                warnings: Vec::new(),
                placement: None,
            }),
            Input::Phantom(p) => {
                let [ni, nj, nk] = p.dims();
                Ok(Loaded {
                    volume: p.generate().into(),
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
                    volume: nii.volumes.swap_remove(0),
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
                    volume: read.volume,
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
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Loaded {
    /// The voxels and their geometry.
    pub volume: DynVolume,
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

fn is_nifti(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".nii", ".nii.gz", ".hdr", ".img", ".hdr.gz", ".img.gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}
