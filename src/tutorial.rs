//! A tutorial: the reconstruction workflow step by step, as a hospital 3-D printing lab runs it.
//!
//! This module holds documentation only. Each chapter is a program you can copy: it runs as a
//! doctest on the built-in CT head phantom (written as DICOM first when a chapter needs
//! files), and `tests/tutorial.rs` runs the same steps on a real CT series of `../shared/data`
//! against the values SimpleITK, VTK and pydicom give for it.
//!
//! 1. [Read a series and resample it isotropically](#1-read-a-series-and-resample-it-isotropically)
//! 2. [Read one file's metadata, change its pixels and save it](#2-read-one-files-metadata-change-its-pixels-and-save-it)
//! 3. [Convert to NIfTI](#3-convert-to-nifti)
//! 4. [Smooth and normalise](#4-smooth-and-normalise)
//! 5. [Extract and write a surface](#5-extract-and-write-a-surface)
//! 6. [Process in blocks](#6-process-in-blocks)
//! 7. [Process slices in parallel](#7-process-slices-in-parallel)
//! 8. [De-identify](#8-de-identify)
//!
//! Rendering with a transfer function will be chapter 9 once `medvol-render` exists.
//!
//! Everything below is in LPS millimetres: `physical = origin + direction · (spacing ⊙ ijk)`,
//! with `i` along a row (contiguous in memory), `j` down the columns and `k` across slices.
//!
//! # 1. Read a series and resample it isotropically
//!
//! [`scan`](crate::io::dicom::scan) finds the volumes of a folder (by series, orientation,
//! echo and time point) without decoding pixels; [`ScanReport::read`](crate::io::dicom::ScanReport::read)
//! decodes one. The k spacing comes from the slice positions, never from SliceThickness.
//! [`resample_isotropic`](crate::filter::resample_isotropic) keeps origin and direction.
//!
//! ```
//! use medvol::filter::{Interpolation, resample_isotropic};
//! use medvol::io::dicom::{ReadOptions, ScanOptions, SeriesOptions, scan, write_series};
//! use medvol::phantom::HeadPhantom;
//!
//! // A CT series to read: the phantom written as 40 DICOM slices of 3 mm.
//! let dir = tempfile::tempdir()?;
//! let ct = HeadPhantom::new([64, 64, 40], [1.5, 1.5, 3.0])?.generate();
//! write_series(&ct, dir.path().join("series"), &SeriesOptions::default())?;
//!
//! let report = scan(dir.path(), &ScanOptions::default())?;
//! let series = report.read(0, &ReadOptions::default())?;
//! assert_eq!(series.volume.dims(), [64, 64, 40]);
//! assert_eq!(series.volume.geometry().spacing(), [1.5, 1.5, 3.0]);
//!
//! // Isotropic 1.5 mm voxels: k gets twice as many slices over the same extent.
//! let iso = resample_isotropic(&series.volume.into_f32(), 1.5, Interpolation::Linear)?;
//! assert_eq!(iso.dims(), [64, 64, 80]);
//! assert_eq!(iso.geometry().origin(), ct.geometry().origin());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # 2. Read one file's metadata, change its pixels and save it
//!
//! [`read_first`](crate::io::dicom::read_first) reads a file (or a folder's first volume);
//! its [`Metadata`](crate::io::dicom::Metadata) names attributes as DICOM does (`rows`,
//! `columns`, `modality`, ...). [`save_with_pixels`](crate::io::dicom::save_with_pixels)
//! replaces the pixels and keeps every other attribute, with a new SOP Instance UID.
//!
//! ```
//! use medvol::io::dicom::{Modality, SeriesOptions, read_first, save_with_pixels, write_series};
//! use medvol::phantom::HeadPhantom;
//!
//! let dir = tempfile::tempdir()?;
//! let ct = HeadPhantom::new([64, 48, 4], [1.0, 1.0, 2.0])?.generate();
//! let options = SeriesOptions::default().with_modality(Modality::Ct);
//! let written = write_series(&ct, dir.path().join("series"), &options)?;
//!
//! let slice = read_first(&written.files[0])?;
//! let meta = &slice.info.metadata;
//! assert_eq!((meta.columns, meta.rows), (Some(64), Some(48)));
//! assert_eq!(meta.modality.as_deref(), Some("CT"));
//!
//! // Clip the slice to soft tissue (-100 to 200 HU) and save it beside the original.
//! let clipped = slice.volume.into_f32().map(|hu| hu.clamp(-100.0, 200.0));
//! let out = dir.path().join("clipped.dcm");
//! save_with_pixels(&written.files[0], &out, &clipped)?;
//! let back = read_first(&out)?.volume.statistics();
//! assert!(back.min >= -100.0 && back.max <= 200.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # 3. Convert to NIfTI
//!
//! NIfTI stores RAS; medvol converts at the file boundary, so a volume read back sits where
//! it was. (The `dicom2nifti` example converts whole folders, named as dcm2niix names them.)
//!
//! ```
//! use medvol::io::nifti;
//! use medvol::phantom::HeadPhantom;
//!
//! let dir = tempfile::tempdir()?;
//! let ct = HeadPhantom::new([48, 48, 32], [1.0, 1.0, 2.5])?.generate();
//! let path = dir.path().join("ct.nii.gz");
//! nifti::write(&path, &ct)?;
//! let back = nifti::read_volume(&path)?;
//! assert_eq!(back.dims(), ct.dims());
//! let (a, b) = (back.geometry().origin(), ct.geometry().origin());
//! assert!((0..3).all(|x| (a.0[x] - b.0[x]).abs() < 1e-4));
//! assert_eq!(back.into_typed::<i16>()?.as_slice(), ct.as_slice());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # 4. Smooth and normalise
//!
//! Filters take their parameters in physical units: a Gaussian's sigma in millimetres, even
//! on anisotropic voxels. [`Normalize`](crate::filter::Normalize) maps values linearly:
//! `linear(scale, offset)` is SimpleITK's ShiftScale, `window(center, width)` a display window.
//!
//! ```
//! use medvol::filter::{Normalize, gaussian};
//! use medvol::phantom::HeadPhantom;
//! use medvol::prelude::*;
//!
//! let ct = HeadPhantom::new([48, 48, 32], [1.0, 1.0, 2.5])?.generate().cast::<f32>();
//! let smooth = gaussian(&ct, 1.0)?; // sigma 1 mm along every axis
//! assert!(smooth.statistics().std_population() < ct.statistics().std_population());
//! // HU to "water = 1": (x + 1000) / 1000, as ShiftScale(shift 1000, scale 0.001).
//! let relative = Normalize::linear(1e-3, 1000.0 * 1e-3)?.apply(&smooth)?;
//! assert!((relative.statistics().min - 0.0).abs() < 1e-3); // air
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # 5. Extract and write a surface
//!
//! [`MarchingCubes`](crate::mesh::MarchingCubes) closes the surface where it meets the border
//! of the volume, so it is watertight and printable; its triangles face outwards. A level
//! outside the values is an error that gives their range.
//!
//! ```
//! use medvol::mesh::{MarchingCubes, write};
//! use medvol::phantom::HeadPhantom;
//!
//! let dir = tempfile::tempdir()?;
//! let ct = HeadPhantom::new([64, 64, 48], [3.0, 3.0, 4.0])?.generate();
//! let bone = MarchingCubes::new(300.0)?.run(&ct)?;
//! assert!(bone.edge_report().is_closed_manifold());
//! let cm3 = bone.enclosed_volume_mm3().expect("a closed surface") / 1e3;
//! assert!(cm3 > 10.0);
//! write::write(&bone, dir.path().join("bone.stl"))?;
//! assert!(MarchingCubes::new(5000.0)?.run(&ct).is_err()); // no bone that dense
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # 6. Process in blocks
//!
//! [`Volume::slabs`](crate::Volume::slabs) cuts a volume into slabs of slices, each a
//! cropped volume with its own geometry; [`Volume::paste`](crate::Volume::paste) puts results
//! back where they came from. For filters that look at neighbours, wrap them in
//! [`Blocked`](crate::filter::Blocked): it adds the halo each block needs, so blocked equals
//! whole.
//!
//! ```
//! use medvol::filter::{Blocked, Gaussian, Normalize, Sigma};
//! use medvol::phantom::HeadPhantom;
//! use medvol::prelude::*;
//!
//! let ct = HeadPhantom::new([48, 48, 30], [1.0, 1.0, 2.0])?.generate().cast::<f32>();
//! // A voxel-wise step, slab by slab (8 slices at a time, the last slab 6).
//! let window = Normalize::window(40.0, 400.0)?;
//! let mut out = Volume::<f32>::zeros(ct.dims(), *ct.geometry())?;
//! for slab in ct.slabs(8)? {
//!     out.paste(&window.apply(&slab)?)?;
//! }
//! assert_eq!(out, window.apply(&ct)?);
//! // A filter with a halo, in blocks of 8 slices: the same as the whole-volume run.
//! let g = Gaussian::new(Sigma::iso_mm(1.5))?;
//! assert_eq!(Blocked::new(g.clone()).with_slices(8)?.apply(&ct)?, g.apply(&ct)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # 7. Process slices in parallel
//!
//! The voxels are an `ndarray` array with axes **(k, j, i)**. `medvol::core::par` hands its
//! slices (or chunks, or any list of items) to the caller's rayon pool, so slices go to threads
//! without adding rayon to your own manifest; without the default `rayon` feature the same call
//! runs them one after the other. Each slice is computed by the same code either way, so the
//! result does not depend on the thread count.
//!
//! ```
//! use medvol::core::ndarray::Axis;
//! use medvol::core::par;
//! use medvol::phantom::HeadPhantom;
//!
//! let mut ct = HeadPhantom::new([48, 48, 24], [1.0, 1.0, 2.0])?.generate().cast::<f32>();
//! // Each axial slice (one k, axis 0 of the array) shifted by its own mean, in parallel.
//! par::for_each_slice(ct.as_array_mut(), 0, || (), |_, _k, mut slice| {
//!     let mean = slice.mean().unwrap_or(0.0);
//!     slice.mapv_inplace(|x| x - mean);
//! });
//! let first: f32 = ct.as_array().index_axis(Axis(0), 0).mean().unwrap_or(1.0);
//! assert!(first.abs() < 1e-2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # 8. De-identify
//!
//! [`Anonymizer`](crate::io::dicom::Anonymizer) applies the DICOM PS3.15 basic profile to a
//! folder into a new folder: names and IDs removed or replaced, UIDs replaced consistently,
//! private attributes removed; the geometry and the pixels are kept. Text burned into the
//! pixels is not removed.
//!
//! ```
//! use medvol::io::dicom::{Anonymizer, SeriesOptions, read_first, write_series};
//! use medvol::phantom::HeadPhantom;
//!
//! let dir = tempfile::tempdir()?;
//! let ct = HeadPhantom::new([32, 32, 6], [2.0, 2.0, 3.0])?.generate();
//! write_series(&ct, dir.path().join("in"), &SeriesOptions::default())?;
//!
//! let report = Anonymizer::new().folder(dir.path().join("in"), dir.path().join("out"))?;
//! assert_eq!((report.written.len(), report.skipped.len()), (6, 0));
//! let anonymous = read_first(dir.path().join("out"))?;
//! assert_eq!(anonymous.volume.geometry().spacing(), [2.0, 2.0, 3.0]);
//! assert!(anonymous.info.metadata.patient_name.unwrap_or_default().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
