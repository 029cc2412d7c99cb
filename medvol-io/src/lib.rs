//! Reading and writing medical volumes with their patient geometry: DICOM series and
//! NIfTI-1/2 files.
//!
//! Entry points:
//! - DICOM ([`dicom`]): [`dicom::scan`] finds the images under a folder and groups them into
//!   volumes (headers only), [`dicom::ScanReport::read`] decodes one ([`dicom::DicomVolume`]:
//!   voxels, LPS geometry, [`dicom::Placement`], warnings); [`dicom::read_first`] does both for
//!   the first volume. [`dicom::write_series`] writes a volume as a series,
//!   [`dicom::Anonymizer`] de-identifies files and folders (PS3.15 basic profile).
//! - NIfTI ([`nifti`]): [`nifti::read`] (every volume of a 3-D or 4-D file, with its header and
//!   warnings), [`nifti::read_volume`] (the first), [`nifti::write`] and
//!   [`nifti::write_with_options`] (`.nii` or `.nii.gz`, qform and sform codes, voxel order).
//!
//! Every reader checks sizes against [`Limits`] before allocating, every error names its file,
//! and every writer goes through [`medvol_core::atomic`] (temporary file renamed into place).
//! NIfTI stores RAS coordinates; the conversion to medvol's LPS happens in the `nifti` module
//! and nowhere else. What a reader noticed but could still read (a gantry tilt, uneven slices,
//! a header oddity) comes back as [`medvol_core::Warning`] values, never printed.
//!
//! A volume written as a DICOM series and as NIfTI reads back with its voxels and geometry:
//!
//! ```
//! use medvol_core::{Geometry, Point, Volume};
//! use medvol_io::dicom::{Placement, SeriesOptions, read_first, write_series};
//!
//! let dir = tempfile::tempdir()?;
//! let g = Geometry::default()
//!     .with_spacing([0.5, 0.5, 2.0])?
//!     .with_origin(Point::new(-10.0, 20.0, 30.0))?;
//! let ct = Volume::<i16>::from_fn([16, 12, 5], g, |p| (p.i() + 10 * p.k()) as i16)?;
//!
//! write_series(&ct, dir.path().join("series"), &SeriesOptions::default())?;
//! let back = read_first(dir.path().join("series"))?;
//! assert_eq!(back.placement, Placement::Exact);
//! assert!(back.volume.geometry().approx_eq(ct.geometry(), 1e-6));
//! assert_eq!(back.volume.to_f64().as_slice(), ct.cast::<f64>().as_slice());
//!
//! let path = dir.path().join("ct.nii.gz");
//! medvol_io::nifti::write(&path, &ct)?;
//! let nii = medvol_io::nifti::read_volume(&path)?;
//! assert!(nii.geometry().approx_eq(ct.geometry(), 1e-6));
//! assert!(medvol_io::nifti::read(&path)?.warnings.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | feature | default | effect |
//! |---|---|---|
//! | `rayon` | yes | DICOM headers parsed, slices decoded and series written in parallel, in the caller's rayon pool; gzip compressed in parallel blocks (same bytes for any thread count) |
//! | `charls` | no | JPEG-LS transfer syntaxes through the CharLS C++ library (needs cmake and a C++ compiler) |
//!
//! The DICOM module is a wing of rooms over two shared layers (files, attributes); see the
//! crate's `ARCHITECTURE.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub use error::{Error, Result};
pub use limits::Limits;

pub mod dicom;
mod error;
mod limits;
pub mod nifti;

/// The README's example, compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
