//! The file layer under every other room: the one guarded open (lengths checked before
//! dicom-rs allocates, VR UN elements re-typed) with its one error mapping, the one folder
//! lister (symbolic-link loops end, the file limit is checked while listing), [`Skipped`], and
//! the UIDs medvol makes.

pub(crate) mod guard;
pub(crate) mod retype;
pub(crate) mod uid;

use crate::{Error, Limits, Result};
use dicom_core::Tag;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use medvol_core::atomic::TEMP_PREFIX;
use std::path::{Path, PathBuf};

/// One file that was not read (or not de-identified), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file (for de-identification: relative to the input folder).
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// Why [`open`] failed.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The length guard refused the file (a length beyond the file's end), with the reason.
    Refused(String),
    /// dicom-rs could not parse it.
    Parse(dicom_object::ReadError),
}

impl OpenError {
    /// Why, in words: the guard's reason, or the parser's error and each of its sources.
    pub(crate) fn reason(&self) -> String {
        match self {
            OpenError::Refused(reason) => reason.clone(),
            OpenError::Parse(e) => {
                let mut reason = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    reason.push_str(": ");
                    reason.push_str(&s.to_string());
                    source = s.source();
                }
                reason
            }
        }
    }

    /// The crate's error: [`Error::Invalid`] when the guard refused the file,
    /// [`Error::Decode`] (`context` saying what was being read) when dicom-rs could not parse it.
    pub(crate) fn into_error(self, path: &Path, context: &str) -> Error {
        match self {
            OpenError::Refused(reason) => Error::Invalid {
                path: path.to_path_buf(),
                format: "DICOM",
                reason,
            },
            OpenError::Parse(source) => Error::Decode {
                path: path.to_path_buf(),
                context: context.to_string(),
                source: Box::new(source),
            },
        }
    }
}

/// Opens the DICOM file at `path` (up to `read_until`, when given) behind the length guard,
/// re-typing its UN elements ([`retype::retype_file`]). A file the guard refuses because it
/// holds UN elements of undefined length is read again with those elements given their
/// length (see [`retype`]), when that makes every length of the file fit.
pub(crate) fn open(
    path: &Path,
    read_until: Option<Tag>,
    max_bytes: u64,
) -> std::result::Result<DefaultDicomObject, OpenError> {
    let options = || match read_until {
        Some(tag) => OpenFileOptions::new().read_until(tag),
        None => OpenFileOptions::new(),
    };
    let mut obj = match guard::check_lengths_within(path, max_bytes) {
        Ok(()) => options().open_file(path).map_err(OpenError::Parse)?,
        Err(reason) => {
            let Some(bytes) = retype::walk::with_un_lengths(path, max_bytes) else {
                return Err(OpenError::Refused(reason));
            };
            options()
                .from_reader(&bytes[..])
                .map_err(OpenError::Parse)?
        }
    };
    retype::retype_file(&mut obj);
    Ok(obj)
}

/// [`open`] with the default limits and the crate's errors ([`OpenError::into_error`]), for
/// the read path (files whose header was already parsed once by the scan).
pub(crate) fn open_checked(
    path: &Path,
    read_until: Option<Tag>,
    context: &str,
) -> Result<DefaultDicomObject> {
    open(path, read_until, Limits::default().max_bytes).map_err(|e| e.into_error(path, context))
}

/// A whole file (pixel data included) to be rewritten (de-identified, pixels replaced): with
/// default limits; a file that cannot be parsed is the caller's input that is not DICOM,
/// [`Error::Invalid`] with the reasons of the whole error chain.
pub(crate) fn open_to_edit(path: &Path) -> Result<DefaultDicomObject> {
    open(path, None, Limits::default().max_bytes).map_err(|e| Error::Invalid {
        path: path.to_path_buf(),
        format: "DICOM",
        reason: e.reason(),
    })
}

/// Lists the files under `root` (or `root` itself when it is a file), sorted so results do
/// not depend on the file system. Folders are entered once each by canonical path, so
/// symbolic-link loops and links to a parent end; `recursive` says whether sub-folders are
/// entered. A writer's temporary file ([`TEMP_PREFIX`]) is no input and is left out.
///
/// # Errors
/// [`Error::Io`] when a folder cannot be listed, [`Error::LimitExceeded`] beyond
/// [`Limits::max_files`] (checked while listing).
pub(crate) fn list_files(root: &Path, recursive: bool, limits: &Limits) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if meta.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    // Folders already listed, by canonical path: symlink loops and links to a parent end here.
    let mut listed = std::collections::HashSet::new();
    while let Some(dir) = stack.pop() {
        let canonical = std::fs::canonicalize(&dir).map_err(|e| Error::io(&dir, e))?;
        if !listed.insert(canonical) {
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for e in entries {
            let e = e.map_err(|e| Error::io(&dir, e))?;
            let p = e.path();
            let ft = e.file_type().map_err(|err| Error::io(&p, err))?;
            if ft.is_dir() || (ft.is_symlink() && p.is_dir()) {
                if recursive {
                    stack.push(p);
                }
            } else if !e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                out.push(p);
                limits.check_files(root, out.len() as u64)?;
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn listing_ends_symbolic_link_loops_and_skips_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("a")).unwrap();
        std::fs::write(root.join("a/one.dcm"), b"x").unwrap();
        std::fs::write(root.join(format!("{TEMP_PREFIX}half")), b"x").unwrap();
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        let files = list_files(root, true, &Limits::default()).unwrap();
        assert_eq!(files, vec![root.join("a/one.dcm")]);
        let flat = list_files(root, false, &Limits::default()).unwrap();
        assert!(flat.is_empty());
        let capped = Limits::default().with_max_files(0);
        assert!(matches!(
            list_files(root, true, &capped),
            Err(Error::LimitExceeded { .. })
        ));
    }
}
