//! The error type of `medvol-core`.

use crate::{Region, VoxelKind};

/// What can go wrong when building geometries and volumes or running core operations.
///
/// Variants speak in the user's terms and carry the offending values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A spacing component is NaN or outside
    /// [`Geometry::SPACING_RANGE`](crate::Geometry::SPACING_RANGE) (zero, negative, infinite,
    /// below 1e-9 or above 1e9 mm).
    #[error("invalid spacing {spacing:?} mm: every component must be between 1e-9 and 1e9 mm")]
    InvalidSpacing {
        /// The spacing that was refused, (i, j, k) in millimetres.
        spacing: [f64; 3],
    },
    /// An origin component is not finite.
    #[error("invalid origin {origin:?}: every component must be finite")]
    InvalidOrigin {
        /// The origin that was refused, LPS millimetres.
        origin: [f64; 3],
    },
    /// The direction matrix is not orthonormal within [`Direction::TOLERANCE`](crate::Direction::TOLERANCE).
    #[error("direction matrix is not orthonormal: {reason}")]
    InvalidDirection {
        /// Which check failed, with the measured deviation.
        reason: String,
    },
    /// A 4x4 matrix is not a usable affine (non-finite entries, a last row other than
    /// `[0, 0, 0, 1]`, a singular linear part) or not a voxel grid (a zero-length or sheared
    /// column).
    #[error("invalid affine: {reason}")]
    InvalidAffine {
        /// What is wrong, with the matrix.
        reason: String,
    },
    /// Voxel data does not match the stated dimensions.
    #[error("voxel data of length {len} does not match dimensions {dims:?} (i, j, k)")]
    ShapeMismatch {
        /// Dimensions (i, j, k) that were asked for.
        dims: [usize; 3],
        /// Number of voxels actually given.
        len: usize,
    },
    /// A dimension product overflows `usize`.
    #[error("dimensions {dims:?} overflow the addressable number of voxels")]
    TooLarge {
        /// Dimensions (i, j, k) that were asked for.
        dims: [usize; 3],
    },
    /// The memory for a volume could not be had.
    #[error("a volume of dimensions {dims:?} needs {bytes} bytes, more than can be allocated")]
    OutOfMemory {
        /// Dimensions (i, j, k) that were asked for.
        dims: [usize; 3],
        /// Bytes they need.
        bytes: u128,
    },
    /// A region is empty or reaches outside the volume.
    #[error("region {region:?} is empty or outside a volume of dimensions {dims:?}")]
    RegionOutOfBounds {
        /// The region that was asked for.
        region: Region,
        /// The dimensions (i, j, k) of the volume.
        dims: [usize; 3],
    },
    /// A [`DynVolume`](crate::DynVolume) holds another voxel type than the one asked for.
    #[error("volume holds {found} voxels, not {expected}")]
    VoxelTypeMismatch {
        /// The voxel type asked for.
        expected: VoxelKind,
        /// The voxel type the volume holds.
        found: VoxelKind,
    },
    /// A parameter of an operation is out of its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name as it appears in the API.
        name: &'static str,
        /// Why it was refused.
        reason: String,
    },
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
