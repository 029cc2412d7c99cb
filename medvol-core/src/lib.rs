//! The core of medvol: [`Volume<T>`], a 3-D image that knows where it is in the patient.
//!
//! - [`Volume`] holds voxels of a [`Voxel`] type in an `ndarray::Array3` with axes (k, j, i)
//!   (i contiguous) together with its [`Geometry`]: spacing, origin and [`Direction`] in DICOM
//!   patient coordinates (LPS, millimetres). Crops and views keep every voxel's position.
//! - [`Ijk`]/[`ContinuousIndex`] (voxels) and [`Point`]/[`Vector`] (millimetres) are distinct types.
//! - [`Affine`] maps in millimetres ([`Geometry::affine`]: index to LPS) and the patient
//!   [`Frame`]s (LPS, RAS) they map into; RAS appears only where a file format or a caller asks.
//! - [`DynVolume`] is a volume whose voxel type is known at run time, as readers return it.
//! - [`Statistics`] and [`Histogram`] are parallel and deterministic.
//! - [`par`] runs work in the caller's rayon pool (or serially) with the same bits for any
//!   thread count; [`simd`] picks a kernel for the CPU's instruction set.
//! - [`phantom`] generates a CT head and analytic shapes of known area and volume.
//!
//! ```
//! use medvol_core::{phantom::HeadPhantom, Ijk, Point};
//!
//! let ct = HeadPhantom::new([64, 64, 40], [3.0, 3.0, 5.0])?.generate();
//! let g = ct.geometry();
//! // Voxel (0, 0, 0) sits at the origin; the grid is centred on the patient origin.
//! assert_eq!(g.ijk_to_physical(Ijk::new(0, 0, 0)), g.origin());
//! let centre = g.physical_to_index(Point::ORIGIN);
//! assert!((centre.0[0] - 31.5).abs() < 1e-9);
//! println!("mean {:.1} HU", ct.statistics().mean);
//! # Ok::<(), medvol_core::Error>(())
//! ```
//!
//! | feature | default | effect |
//! |---|---|---|
//! | `rayon` | yes | parallel statistics and phantom generation (same bits for any thread count) |

// One `unsafe` block, in `simd::Avx2::run`, behind run-time detection.
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub use ndarray;
pub use num_traits;

pub use affine::{Affine, Frame};
pub use dyn_volume::DynVolume;
pub use error::{Error, Result};
pub use geometry::{Direction, Geometry};
pub use index::{ContinuousIndex, Ijk, Point, Region, Vector};
pub use rgb::Rgb8;
pub use simd::{Avx2, Isa};
pub use stats::{Histogram, Statistics};
pub use volume::{Volume, VolumeView, VolumeViewMut, voxel_count, voxel_count_allocatable};
pub use voxel::{Voxel, VoxelKind};
pub use warning::Warning;

mod affine;
pub mod atomic;
mod dyn_volume;
mod error;
mod geometry;
mod index;
pub mod par;
pub mod phantom;
mod rgb;
pub mod simd;
mod stats;
mod volume;
mod voxel;
mod warning;

/// The README's example, compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
