//! NIfTI-1 and NIfTI-2: `.nii`, `.nii.gz` and `.hdr`/`.img` pairs, read into [`DynVolume`]s
//! with LPS geometry, and written back.
//!
//! - [`read()`] / [`read_with_options`] return a [`Nifti`]: the [`Header`], one volume per time
//!   point and the warnings; [`read_volume`] returns the first volume only.
//! - The geometry comes from the sform or the qform exactly as ITK (SimpleITK, 3D Slicer)
//!   chooses it ([`Transform`]); RAS becomes LPS in this module and nowhere else.
//! - [`write()`], [`write_dyn`], [`write_with_options`] and [`write_volumes`] write NIfTI-1 (or
//!   NIfTI-2 for dimensions over 32767 or when asked) with qform and sform both set, atomically;
//!   [`write_4d`] and [`write_4d_to`] stream time points produced one at a time into one file.
//!   [`VoxelOrder`] chooses medvol's or dcm2niix's voxel order ([`WriteOptions::voxel_order`]).
//!
//! ```
//! use medvol_core::phantom::HeadPhantom;
//! use medvol_io::nifti;
//!
//! let ct = HeadPhantom::new([32, 32, 16], [2.0, 2.0, 4.0])?.generate();
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("head.nii.gz");
//! nifti::write(&path, &ct)?;
//! let nii = nifti::read(&path)?;
//! assert_eq!(nii.header.version, 1);
//! let back = nii.volumes[0].clone().into_typed::<i16>()?;
//! assert_eq!(back.as_slice(), ct.as_slice());
//! assert!(back.geometry().approx_eq(ct.geometry(), 1e-6));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use four_d::{write_4d, write_4d_to};
pub use fsl::FslGradients;
pub use header::{ByteOrder, Datatype, Header};
pub use orient::{Affine, Transform, VoxelOrder};
pub use read::{Nifti, ReadOptions, read, read_volume, read_with_options};
pub use write::{WriteOptions, write, write_dyn, write_volumes, write_with_options};

#[cfg(doc)]
use medvol_core::DynVolume;

mod four_d;
mod fsl;
mod gzip;
mod header;
mod orient;
mod read;
mod sample;
mod write;
