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
    /// From `medvol-filter`: filter parameters and runs.
    #[error(transparent)]
    Filter(#[from] medvol_filter::Error),
    /// From `medvol-mesh`: isosurface parameters, mesh files.
    #[error(transparent)]
    Mesh(#[from] medvol_mesh::Error),
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
