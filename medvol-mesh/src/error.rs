//! The error type of `medvol-mesh`.

use std::path::PathBuf;

/// What can go wrong when meshing, measuring, writing or reading meshes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name as it appears in the API.
        name: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The level leaves every voxel on one side: no surface (level above the largest value), or
    /// only the box of the grid (level at or below the smallest).
    #[error(
        "level {level} is outside the volume's values (from {min} to {max}): a surface needs a \
         level above the smallest value and at most the largest"
    )]
    LevelOutOfRange {
        /// The level asked for.
        level: f64,
        /// The smallest value of the meshed voxels (NaN when all are NaN).
        min: f64,
        /// The largest value of the meshed voxels (NaN when all are NaN).
        max: f64,
    },
    /// The volume holds colour ([`Rgb8`](medvol_core::Rgb8)) voxels: surfaces need scalars.
    #[error(
        "marching cubes needs a scalar volume, not a colour (RGB) one: mesh a channel \
         (Rgb8::channel) or the luminance (cast to f32)"
    )]
    Colour,
    /// A count exceeds what the mesh or file format can index.
    #[error("too many {what}: {count} (limit {limit})")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// How many there would be.
        count: u64,
        /// The largest count allowed.
        limit: u64,
    },
    /// A mesh's faces refer to vertices it does not have, or its normals do not match.
    #[error("invalid mesh: {reason}")]
    InvalidMesh {
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A mesh file is malformed or in an unsupported variant.
    #[error("{}: {reason}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        reason: String,
    },
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
