//! [`Limits`]: the most memory and files a reader may commit to on a file's word.

use crate::{Error, Result};
use std::path::Path;

/// Caps checked **before** every allocation whose size comes from file content.
///
/// The defaults admit any real scanner volume (a 1024 x 1024 x 2000 CT in f32 is 8 GiB: raise
/// the limits for that) and refuse headers that claim absurd sizes.
///
/// ```
/// use medvol_io::Limits;
/// let small = Limits::default().with_max_bytes(1 << 20);
/// assert_eq!(small.max_bytes, 1 << 20);
/// assert!(small.check_bytes("x.nii", 2 << 20).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most voxels of one volume (default 2^31, 2 Gi voxels).
    pub max_voxels: u64,
    /// Most bytes one read may allocate for voxel data (default 8 GiB).
    pub max_bytes: u64,
    /// Most files a folder scan considers (default 200 000).
    pub max_files: u64,
    /// Most volumes (time points, echoes, orientation or size groups) a scan makes of one
    /// series beyond one per file (default 10 000): a series of `f` files may make
    /// `max(f, max_series_volumes)`. More, and the series is skipped: a single multi-frame
    /// file cannot make tens of thousands of volume descriptions out of a few bytes.
    pub max_series_volumes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_voxels: 1 << 31,
            max_bytes: 8 << 30,
            max_files: 200_000,
            max_series_volumes: 10_000,
        }
    }
}

impl Limits {
    /// No limits at all: trust every header. For tools that have validated their input.
    pub fn unlimited() -> Self {
        Self {
            max_voxels: u64::MAX,
            max_bytes: u64::MAX,
            max_files: u64::MAX,
            max_series_volumes: u64::MAX,
        }
    }
    /// The same limits with another voxel cap.
    pub fn with_max_voxels(mut self, n: u64) -> Self {
        self.max_voxels = n;
        self
    }
    /// The same limits with another byte cap.
    pub fn with_max_bytes(mut self, n: u64) -> Self {
        self.max_bytes = n;
        self
    }
    /// The same limits with another file cap.
    pub fn with_max_files(mut self, n: u64) -> Self {
        self.max_files = n;
        self
    }
    /// The same limits with another cap on the volumes of one series.
    pub fn with_max_series_volumes(mut self, n: u64) -> Self {
        self.max_series_volumes = n;
        self
    }

    /// Checks a voxel count claimed by `path`.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] when `n > max_voxels`.
    pub fn check_voxels(&self, path: impl AsRef<Path>, n: u64) -> Result<()> {
        check(path.as_ref(), "voxels", n, self.max_voxels)
    }
    /// Checks a byte count about to be allocated for `path`.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] when `n > max_bytes`.
    pub fn check_bytes(&self, path: impl AsRef<Path>, n: u64) -> Result<()> {
        check(path.as_ref(), "bytes", n, self.max_bytes)
    }
    /// Checks a number of files found under `path`.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] when `n > max_files`.
    pub fn check_files(&self, path: impl AsRef<Path>, n: u64) -> Result<()> {
        check(path.as_ref(), "files", n, self.max_files)
    }
}

fn check(path: &Path, what: &'static str, requested: u64, limit: u64) -> Result<()> {
    if requested > limit {
        Err(Error::LimitExceeded {
            path: path.to_path_buf(),
            what,
            requested,
            limit,
        })
    } else {
        Ok(())
    }
}
