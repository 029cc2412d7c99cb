//! Finding DICOM images under a path and reading their headers (never their pixels).

use super::header::{FileHeader, not_an_image};
use super::series::{SeriesInfo, group};
use crate::dicom::file::{OpenError, Skipped, list_files, open};
use crate::{Error, Limits, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How [`scan`] looks for files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanOptions {
    /// Descend into sub-folders (default `true`).
    pub recursive: bool,
    /// Caps on the number of files (and, at read time, on voxels and bytes).
    pub limits: Limits,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            recursive: true,
            limits: Limits::default(),
        }
    }
}

impl ScanOptions {
    /// The same options, recursive or not.
    pub fn with_recursive(mut self, recursive: bool) -> Self {
        self.recursive = recursive;
        self
    }
    /// The same options with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// What a folder (or file) holds: the volumes found and the files skipped.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScanReport {
    /// The path that was scanned.
    pub root: PathBuf,
    /// The volumes, ordered by series number, series UID, then group, echo and time point.
    pub volumes: Vec<SeriesInfo>,
    /// Files that are not part of any volume, with the reason.
    pub skipped: Vec<Skipped>,
    /// The limits the scan ran with (also used by [`ScanReport::read`]).
    pub limits: Limits,
}

enum Parsed {
    Image(Box<FileHeader>),
    Skip(String),
}

fn parse(path: &Path, limits: &Limits) -> Parsed {
    // Only regular files are opened: a named pipe or a device would block or never end.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Parsed::Skip("not a regular file".into()),
        Err(e) => return Parsed::Skip(format!("cannot read: {e}")),
        Ok(_) => {}
    }
    let mut magic = [0u8; 132];
    let len = match std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        let len = f.metadata()?.len();
        f.read_exact(&mut magic).map(|_| len)
    }) {
        Ok(len) => len,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Parsed::Skip("not a DICOM file (shorter than the 132-byte preamble)".into());
        }
        Err(e) => return Parsed::Skip(format!("cannot read: {e}")),
    };
    if &magic[128..132] != b"DICM" {
        return Parsed::Skip("not a DICOM file (no DICM marker after the preamble)".into());
    }
    let obj = match open(
        path,
        Some(dicom_dictionary_std::tags::PIXEL_DATA),
        limits.max_bytes,
    ) {
        Ok(o) => o,
        Err(OpenError::Refused(reason)) => {
            return Parsed::Skip(format!("truncated or corrupt DICOM file: {reason}"));
        }
        Err(OpenError::Parse(e)) => {
            return Parsed::Skip(format!(
                "unreadable DICOM header (truncated or corrupt): {e}"
            ));
        }
    };
    if let Some(reason) = not_an_image(&obj) {
        return Parsed::Skip(reason);
    }
    let h = match FileHeader::from_object(path.to_path_buf(), &obj) {
        Ok(h) => h,
        Err(reason) => return Parsed::Skip(reason),
    };
    if crate::dicom::values::decode::is_native(&h.transfer_syntax)
        && !h.transfer_syntax.ends_with(".99")
        && len < h.native_bytes()
    {
        return Parsed::Skip(format!(
            "truncated: pixel data needs {} bytes but the file has {len}",
            h.native_bytes()
        ));
    }
    Parsed::Image(Box::new(h))
}

/// Finds the DICOM images under `path` (a folder, or one file) and groups them into volumes,
/// reading headers only. Files that are not images of a volume are listed in
/// [`ScanReport::skipped`] with the reason; they never fail the scan.
///
/// With the `rayon` feature the headers are parsed in parallel, in the caller's pool.
///
/// # Errors
/// [`Error::Io`] when `path` or a folder under it cannot be listed,
/// [`Error::LimitExceeded`] beyond [`Limits::max_files`], [`Error::NotFound`] when no image
/// was found at all.
///
/// # Examples
/// ```no_run
/// use medvol_io::dicom::{scan, ReadOptions, ScanOptions};
/// let report = scan("/data/ct_head", &ScanOptions::default())?;
/// for v in &report.volumes {
///     println!("{} {:?} {:?}", v.label, v.dims, v.warnings);
/// }
/// let first = report.read(0, &ReadOptions::default())?;
/// println!("{:?}", first.volume.geometry());
/// # Ok::<(), medvol_io::Error>(())
/// ```
pub fn scan(path: impl AsRef<Path>, options: &ScanOptions) -> Result<ScanReport> {
    let root = path.as_ref();
    let files = list_files(root, options.recursive, &options.limits)?;
    let parsed: Vec<Parsed> =
        medvol_core::par::map(files.iter().collect(), |p| parse(p, &options.limits));
    let mut skipped = Vec::new();
    let mut headers = Vec::new();
    for (path, p) in files.into_iter().zip(parsed) {
        match p {
            Parsed::Image(h) => headers.push(Arc::from(h)),
            Parsed::Skip(reason) => skipped.push(Skipped { path, reason }),
        }
    }
    let volumes = group(headers, &mut skipped, &options.limits);
    if volumes.is_empty() {
        let why = skipped
            .first()
            .map(|s| format!(" (e.g. {}: {})", s.path.display(), s.reason))
            .unwrap_or_default();
        return Err(Error::NotFound {
            path: root.to_path_buf(),
            reason: format!("no DICOM image found{why}"),
        });
    }
    Ok(ScanReport {
        root: root.to_path_buf(),
        volumes,
        skipped,
        limits: options.limits,
    })
}
