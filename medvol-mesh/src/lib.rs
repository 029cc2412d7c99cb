//! Isosurfaces of medvol volumes as watertight triangle meshes in patient coordinates, mesh
//! measures, and STL/PLY/OBJ files.
//!
//! - [`MarchingCubes`] (and the one-liner [`isosurface`]) turns any [`Volume<T>`](medvol_core::Volume)
//!   into a [`Mesh`] whose vertices are in LPS (or RAS) millimetres through the volume's full
//!   geometry, oblique directions included. The case table keeps inside voxels that touch only
//!   diagonally apart on every face, the same rule on both sides of a face, and the surface is
//!   closed where it meets the volume border by default, so it is closed and manifold
//!   everywhere, ready to print ([`MarchingCubes::with_close_border`]`(false)` leaves it open
//!   there, as VTK does); triangles face outwards (from values above the level to values
//!   below). A level outside the volume's values is an error that gives their range. See
//!   [`marching_cubes`] for the edge-based, parallel design.
//! - Measures on [`Mesh`]: area, enclosed volume (`None` for an open surface), bounding box,
//!   [`EdgeReport`], Euler
//!   characteristic, [`Component`]s, `largest_component`, `remove_small_components`.
//! - [`write`](mod@write): STL (binary, ASCII), PLY (binary, ASCII), OBJ, atomic; STL/PLY readers.
//!
//! ```
//! use medvol_core::phantom::HeadPhantom;
//! use medvol_mesh::MarchingCubes;
//!
//! let ct = HeadPhantom::new([48, 48, 40], [4.0, 4.0, 5.0])?.generate();
//! let skin = MarchingCubes::new(-500.0)?.run(&ct)?;
//! let cm3 = skin.enclosed_volume_mm3().expect("closed by default") / 1e3;
//! println!("{} triangles, {cm3:.0} cm³", skin.triangle_count());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | feature | default | effect |
//! |---|---|---|
//! | `rayon` | yes | parallel meshing over planes and parallel edge sorting, in the caller's pool; the output is the same for any thread count |

#![deny(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub use error::{Error, Result};
pub use marching_cubes::{EDGE_CLAMP, MarchingCubes, isosurface};
pub use measure::{Component, EdgeReport};
pub use medvol_core::Frame;
pub use mesh::{Mesh, MeshParts};

mod error;
pub mod marching_cubes;
mod measure;
mod mesh;
pub mod write;

/// The README's example, compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
