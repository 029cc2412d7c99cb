//! Isosurfaces of medvol volumes as watertight triangle meshes in patient coordinates, mesh
//! measures, and STL/PLY/OBJ files.
//!
//! - [`MarchingCubes`] (and the one-liner [`isosurface`]) turns any [`Volume<T>`](medvol_core::Volume)
//!   into a [`Mesh`] whose vertices are in LPS (or RAS) millimetres through the volume's full
//!   geometry, oblique directions included. The case table keeps inside voxels that touch only
//!   diagonally apart on every face, the same rule on both sides of a face, so the surface is
//!   closed and manifold away from the volume border (and everywhere with
//!   [`MarchingCubes::with_close_border`]); triangles face outwards (from values above the
//!   level to values below). See [`marching_cubes`] for the edge-based, parallel design.
//! - Measures on [`Mesh`]: area, enclosed volume, bounding box, [`EdgeReport`], Euler
//!   characteristic, [`Component`]s, `largest_component`, `remove_small_components`.
//! - [`write`](mod@write): STL (binary, ASCII), PLY (binary, ASCII), OBJ, atomic; STL/PLY readers.
//!
//! ```
//! use medvol_core::phantom::HeadPhantom;
//! use medvol_mesh::MarchingCubes;
//!
//! let ct = HeadPhantom::new([48, 48, 40], [4.0, 4.0, 5.0])?.generate();
//! let skin = MarchingCubes::new(-500.0)?.with_close_border(true).run(&ct)?;
//! assert!(skin.edge_report().is_closed_manifold());
//! println!("{} triangles, {:.0} cm³", skin.triangle_count(), skin.signed_volume_mm3() / 1e3);
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
pub use mesh::{Frame, Mesh, MeshParts};

mod error;
pub mod marching_cubes;
mod measure;
mod mesh;
pub mod write;
