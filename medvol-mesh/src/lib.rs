//! Isosurfaces of medvol volumes as watertight meshes in patient coordinates, mesh measures and
//! STL/PLY/OBJ writers.
//!
//! This crate is being built: marching cubes lands with the mesh issue.

#![warn(missing_docs)]
