//! The error type of `medvol-io`.

use std::path::PathBuf;

/// What can go wrong reading or writing files. Every variant names the file.
///
/// Dependency errors ride as `#[source]` (boxed), so a major bump of dicom-rs or flate2 is not
/// a breaking change here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused a read or write.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid file of the format it claims (or was expected) to be.
    #[error("{}: invalid {format} file: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `"NIfTI"`, `"DICOM"`, ...
        format: &'static str,
        /// What is wrong, in the format's own terms.
        reason: String,
    },
    /// The file is valid but uses something medvol does not read or write.
    #[error("{}: unsupported: {what}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is unsupported, and what would help (a cargo feature, a conversion).
        what: String,
    },
    /// Reading the file would need more memory or files than the [`Limits`](crate::Limits) allow.
    #[error("{}: {what} needs {requested} but the limit is {limit} (raise it with Limits)", path.display())]
    LimitExceeded {
        /// The file.
        path: PathBuf,
        /// What was being counted (`"voxels"`, `"bytes"`, `"files"`).
        what: &'static str,
        /// How many the file asks for.
        requested: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The files of a series disagree (size, orientation, type) or cannot form a volume.
    #[error("{}: inconsistent series: {reason}", path.display())]
    InconsistentSeries {
        /// The file or folder.
        path: PathBuf,
        /// What disagrees.
        reason: String,
    },
    /// The file's geometry or shape is not a valid medvol geometry.
    #[error("{}: {source}", path.display())]
    Geometry {
        /// The file.
        path: PathBuf,
        /// The core error.
        #[source]
        source: medvol_core::Error,
    },
    /// A dependency (DICOM parser, decoder, compressor) failed on the file.
    #[error("{}: {context}: {source}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The dependency's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Nothing usable was found where something was expected.
    #[error("{}: {reason}", path.display())]
    NotFound {
        /// The file or folder.
        path: PathBuf,
        /// What was missing.
        reason: String,
    },
}

impl Error {
    /// The file or folder the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::Io { path, .. }
            | Error::Invalid { path, .. }
            | Error::Unsupported { path, .. }
            | Error::LimitExceeded { path, .. }
            | Error::InconsistentSeries { path, .. }
            | Error::Geometry { path, .. }
            | Error::Decode { path, .. }
            | Error::NotFound { path, .. } => path,
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
