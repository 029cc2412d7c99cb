#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

#[doc(inline)]
pub use medvol_core as core;
#[doc(inline)]
pub use medvol_filter as filter;
#[doc(inline)]
pub use medvol_io as io;
#[doc(inline)]
pub use medvol_mesh as mesh;

pub use medvol_core::{
    ContinuousIndex, Direction, DynVolume, Geometry, Ijk, Point, Region, Rgb8, Statistics, Vector,
    Volume, VolumeView, VolumeViewMut, Voxel, VoxelKind, Warning, phantom,
};

pub use error::{Error, Result};
pub use input::{Input, Loaded};

mod error;
mod input;
pub mod pipeline;
pub mod prelude;
pub mod tutorial;
