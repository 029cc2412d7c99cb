//! The facade's error type: one enum wrapping each member crate's error.

/// Any error of medvol's crates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// From `medvol-core`: geometry, volume shapes, parameters.
    #[error(transparent)]
    Core(#[from] medvol_core::Error),
    /// From `medvol-io`: reading or writing DICOM and NIfTI files.
    #[error(transparent)]
    Io(#[from] medvol_io::Error),
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
