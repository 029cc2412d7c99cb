//! The names most programs need, in one import: `use medvol::prelude::*;`.
//!
//! | item | what it is |
//! |---|---|
//! | [`Volume`] | voxels of one type with their [`Geometry`] (LPS mm) |
//! | [`DynVolume`] | a volume whose voxel type is known at run time, as readers return it |
//! | [`map_dyn!`] | run generic code on whichever type a [`DynVolume`] holds |
//! | [`Ijk`], [`Region`] | a voxel index, a box of voxels |
//! | [`Geometry`], [`Point`] | spacing, origin and direction; a position in mm |
//! | [`Filter`] | the trait of every filter: `.apply(&volume)` |
//! | [`Input`], [`scan`], [`read_first`], [`read_volume`] | the readers: any input; a DICOM folder's volumes; one DICOM volume; a NIfTI volume |
//!
//! Each in use:
//!
//! [`Volume`], [`Geometry`], [`Point`] and [`Ijk`]: voxel (i, j, k) sits at
//! `origin + direction · (spacing ⊙ ijk)`.
//! ```
//! use medvol::prelude::*;
//!
//! let g = Geometry::default().with_spacing([0.5, 0.5, 2.0])?;
//! let mut v = Volume::<i16>::zeros([4, 4, 3], g)?;
//! v[Ijk::new(1, 2, 1)] = 100;
//! assert_eq!(g.ijk_to_physical(Ijk::new(1, 2, 1)), Point::new(0.5, 1.0, 2.0));
//! # Ok::<(), medvol::Error>(())
//! ```
//!
//! [`DynVolume`] and [`map_dyn!`]: the typed volume inside, without converting it.
//! ```
//! use medvol::prelude::*;
//!
//! let d: DynVolume = Volume::<u8>::filled([2, 2, 2], 3, Geometry::default())?.into();
//! assert_eq!(map_dyn!(&d, v => v.len()), 8);
//! assert_eq!(d.to_f32().statistics().max, 3.0);
//! # Ok::<(), medvol::Error>(())
//! ```
//!
//! [`Region`]: crops keep every voxel where it is in the patient.
//! ```
//! use medvol::prelude::*;
//!
//! let v = Volume::<f32>::zeros([10, 10, 10], Geometry::default())?;
//! let crop = v.crop(Region::new(Ijk::new(2, 3, 4), [5, 5, 5]))?;
//! assert_eq!(crop.geometry().origin(), Point::new(2.0, 3.0, 4.0));
//! # Ok::<(), medvol::Error>(())
//! ```
//!
//! [`Filter`]: `.apply` of any filter needs only the prelude.
//! ```
//! use medvol::filter::Median;
//! use medvol::prelude::*;
//!
//! let mut v = Volume::<i16>::zeros([3, 3, 3], Geometry::default())?;
//! v[Ijk::new(1, 1, 1)] = 1000; // one hot voxel: the median removes it
//! let clean = Median::new([1, 1, 1])?.apply(&v)?;
//! assert_eq!(clean.statistics().max, 0.0);
//! # Ok::<(), medvol::Error>(())
//! ```
//!
//! [`Input`]: a NIfTI file, a DICOM folder or file, or the phantom, by one call.
//! ```
//! use medvol::prelude::*;
//!
//! let loaded = Input::Phantom(medvol::phantom::HeadPhantom::new([16, 16, 8], [2.0; 3])?).load()?;
//! assert_eq!(loaded.volume.dims(), [16, 16, 8]);
//! assert_eq!(loaded.modality.as_deref(), Some("CT"));
//! # Ok::<(), medvol::Error>(())
//! ```
//!
//! [`scan`] and [`read_first`]: the volumes of a DICOM folder, then one read.
//! ```
//! use medvol::io::dicom::{SeriesOptions, write_series};
//! use medvol::prelude::*;
//!
//! let dir = tempfile::tempdir()?;
//! let ct = medvol::phantom::HeadPhantom::new([16, 16, 6], [2.0, 2.0, 3.0])?.generate();
//! write_series(&ct, dir.path(), &SeriesOptions::default())?;
//! let report = scan(dir.path(), &Default::default())?;
//! assert_eq!(report.volumes.len(), 1);
//! let read = read_first(dir.path())?;
//! assert_eq!(read.volume.dims(), [16, 16, 6]);
//! assert_eq!(read.volume.geometry().spacing(), [2.0, 2.0, 3.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`read_volume`]: a NIfTI file's first volume, in LPS.
//! ```
//! use medvol::prelude::*;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("ct.nii.gz");
//! let ct = medvol::phantom::HeadPhantom::new([16, 16, 8], [1.0; 3])?.generate();
//! medvol::io::nifti::write(&path, &ct)?;
//! let back = read_volume(&path)?;
//! assert_eq!((back.dims(), back.geometry().spacing()), ([16, 16, 8], [1.0; 3]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use crate::Input;
pub use medvol_core::{DynVolume, Geometry, Ijk, Point, Region, Volume, map_dyn};
pub use medvol_filter::Filter;
pub use medvol_io::dicom::{read_first, scan};
pub use medvol_io::nifti::read_volume;
