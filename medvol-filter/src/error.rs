//! The error type of `medvol-filter`.

/// What can go wrong when building or running a filter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A filter parameter is out of its valid range; raised when the options are built.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name as it appears in the API.
        name: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The output view does not have the size of the region asked for.
    #[error("output of dimensions {dst:?} does not match the region size {region:?}")]
    OutputMismatch {
        /// Size (i, j, k) of the region to compute.
        region: [usize; 3],
        /// Dimensions (i, j, k) of the output view.
        dst: [usize; 3],
    },
    /// The volume holds colour ([`Rgb8`](medvol_core::Rgb8)) voxels: filters work on scalars.
    #[error(
        "{operation} works on scalar volumes, not colour (RGB) ones: filter a channel \
         (Rgb8::channel) or the luminance (cast to f32)"
    )]
    Colour {
        /// The filter that refused.
        operation: &'static str,
    },
    /// An error from `medvol-core` (geometry, region or volume construction).
    #[error(transparent)]
    Core(#[from] medvol_core::Error),
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// [`Error::Colour`] when `T` is a colour voxel: the one check every filter entry point makes.
pub(crate) fn scalar<T: medvol_core::Voxel>(operation: &'static str) -> Result<()> {
    match T::KIND.is_colour() {
        true => Err(Error::Colour { operation }),
        false => Ok(()),
    }
}

/// An [`Error::InvalidParameter`].
pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
