//! Files and folders: which inputs are read, what the outputs are named, where they may go,
//! and the report.

use super::Anonymizer;
use crate::Limits;
use crate::dicom::file::{Skipped, list_files, open_to_edit};
use crate::{Error, Result};
use dicom_core::Tag;
use dicom_object::DefaultDicomObject;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The Media Storage SOP Class of a DICOMDIR.
const MEDIA_STORAGE_DIRECTORY: &str = "1.2.840.10008.1.3.10";
/// Why DICOMDIR files are not copied.
const DICOMDIR_REASON: &str = "DICOMDIR left out: its records hold the patient's identity and \
     point at the input's file names, which the de-identified copy does not keep (build a new \
     one with a media tool if needed)";

/// How [`Anonymizer::folder`] names the files it writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Naming {
    /// `IM00001.dcm`, `IM00002.dcm`, ... in one folder, in the input files' name order (the
    /// default). Input file and folder names often hold the patient's name or the original
    /// SOP Instance UID; numbered names carry nothing over.
    #[default]
    Numbered,
    /// The input's relative paths, folders included. Only for inputs whose names are known to
    /// identify no one.
    Keep,
}

/// What [`Anonymizer::folder`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnonymizeReport {
    /// The files written, relative to the output folder, in the input files' name order.
    pub written: Vec<PathBuf>,
    /// The input files not de-identified (not DICOM, unreadable, DICOMDIR), with the reason.
    pub skipped: Vec<Skipped>,
    /// Attributes removed because they are neither in Table E.1-1 nor on
    /// [`KEPT_ATTRIBUTES`](super::profile::KEPT_ATTRIBUTES), with the number of files that held
    /// them.
    pub dropped: BTreeMap<Tag, usize>,
}

/// What became of one input file.
enum Outcome {
    Written(PathBuf, BTreeSet<Tag>),
    Skipped(String),
}

impl Anonymizer {
    /// Reads `input`, de-identifies it and writes it atomically to `output` in the same
    /// transfer syntax (encapsulated pixel data are copied as they are). Returns the
    /// attributes dropped as [`apply_dataset`](Self::apply_dataset) says.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `input` is not a DICOM file or `output` is `input`;
    /// [`Error::Io`] or [`Error::Decode`] if it cannot be read, [`Error::Io`] with the
    /// operating system's reason if the output cannot be written (no partial file is left).
    ///
    /// # Examples
    ///
    /// ```
    /// use medvol_core::{Geometry, Volume};
    /// use medvol_io::dicom::{Anonymizer, SeriesOptions, read_first, write_series};
    /// let dir = tempfile::tempdir()?;
    /// let ct = Volume::<i16>::filled([8, 8, 2], 40, Geometry::default())?;
    /// let written = write_series(&ct, &dir.path().join("series"), &SeriesOptions::default())?;
    /// let out = dir.path().join("anon.dcm");
    /// Anonymizer::new().file(&written.files[0], &out)?;
    /// let before = read_first(&written.files[0])?;
    /// let after = read_first(&out)?;
    /// assert!(before.info.metadata.study_date.is_some());
    /// assert_eq!(after.info.metadata.study_date, None); // dates emptied
    /// assert_ne!(after.info.series_uid, written.series_instance_uid); // UIDs replaced
    /// assert_eq!(after.volume.statistics().mean, 40.0); // pixels untouched
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn file(&self, input: impl AsRef<Path>, output: impl AsRef<Path>) -> Result<BTreeSet<Tag>> {
        let (input, output) = (input.as_ref(), output.as_ref());
        if same_file(input, output) {
            return Err(Error::Invalid {
                path: output.to_path_buf(),
                format: "DICOM",
                reason: "refusing to de-identify a file in place".into(),
            });
        }
        let mut obj = open_to_edit(input)?;
        let dropped = self.apply(&mut obj);
        write(&obj, output)?;
        Ok(dropped)
    }

    /// De-identifies `input` (a DICOM file, or every file under a folder, recursively, in
    /// name order) into the folder `output`, named as [`with_naming`](Self::with_naming)
    /// says. A file that cannot be read as DICOM, and any DICOMDIR, is listed in
    /// [`AnonymizeReport::skipped`] with the reason and the others go on; a file that
    /// cannot be **written** stops the run with the error. Files are processed in parallel
    /// with the `rayon` feature (in the caller's thread pool); the report is in name order
    /// either way. `output` is created when the first file is written, and not left behind
    /// empty.
    ///
    /// # Errors
    /// [`Error::NotFound`] if `input` does not exist; [`Error::Invalid`] if `output`, with
    /// symbolic links and `..` resolved, is `input` or inside it, or holds it (never in
    /// place); [`Error::Io`] with the operating system's reason if listing `input` fails or a
    /// file cannot be written (a full disk, no permission); [`Error::LimitExceeded`] for more
    /// files than [`Limits::max_files`](crate::Limits).
    ///
    /// # Examples
    ///
    /// ```
    /// use medvol_core::{Geometry, Volume};
    /// use medvol_io::dicom::{Anonymizer, SeriesOptions, read_first, write_series};
    /// let dir = tempfile::tempdir()?;
    /// let (src, anon) = (dir.path().join("src"), dir.path().join("anon"));
    /// let ct = Volume::<i16>::from_fn([8, 8, 4], Geometry::default(), |p| p.k() as i16)?;
    /// let written = write_series(&ct, &src, &SeriesOptions::default())?;
    /// std::fs::write(src.join("notes.txt"), "not DICOM")?;
    /// let a = Anonymizer::new().with_uid_secret("project secret");
    /// let report = a.folder(&src, &anon)?;
    /// assert_eq!(report.written.len(), 4);
    /// assert_eq!(report.written[0], std::path::Path::new("IM00001.dcm"));
    /// assert_eq!(report.skipped[0].path, std::path::Path::new("notes.txt"));
    /// let v = read_first(&anon)?;
    /// // One series still (UIDs map consistently), under the keyed replacement UID.
    /// assert_eq!(v.info.series_uid, a.map_uid(&written.series_instance_uid));
    /// assert_eq!(v.volume.dims(), [8, 8, 4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn folder(
        &self,
        input: impl AsRef<Path>,
        output: impl AsRef<Path>,
    ) -> Result<AnonymizeReport> {
        self.folder_with_progress(input, output, &|_, _| {})
    }

    /// [`folder`](Self::folder), calling `progress(done, total)` after each file (from the
    /// worker threads, in completion order), for a progress bar.
    ///
    /// ```
    /// use medvol_core::{Geometry, Volume};
    /// use medvol_io::dicom::{Anonymizer, SeriesOptions, write_series};
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let dir = tempfile::tempdir()?;
    /// let (src, anon) = (dir.path().join("src"), dir.path().join("anon"));
    /// let ct = Volume::<i16>::from_fn([8, 8, 3], Geometry::default(), |p| p.k() as i16)?;
    /// write_series(&ct, &src, &SeriesOptions::default())?;
    /// let seen = AtomicUsize::new(0);
    /// let report = Anonymizer::new().folder_with_progress(&src, &anon, &|done, total| {
    ///     assert!(done <= total && total == 3);
    ///     seen.fetch_add(1, Ordering::Relaxed);
    /// })?;
    /// assert_eq!((report.written.len(), seen.into_inner()), (3, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`folder`](Self::folder).
    pub fn folder_with_progress(
        &self,
        input: impl AsRef<Path>,
        output: impl AsRef<Path>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<AnonymizeReport> {
        let (input, output) = (input.as_ref(), output.as_ref());
        let (root, files) = list_input(input)?;
        check_outside(input, &root, output)?;
        crate::Limits::default().check_files(input, files.len() as u64)?;
        let mut report = AnonymizeReport::default();
        let mut todo = Vec::new();
        for file in files {
            let rel = file.strip_prefix(&root).unwrap_or(&file).to_path_buf();
            match precheck(&file) {
                Ok(()) => todo.push((file, rel)),
                Err(reason) => report.skipped.push(Skipped { path: rel, reason }),
            }
        }
        let existed = output.exists();
        let result = self.write_each(&todo, output, &mut report, progress);
        if !existed {
            // only succeeds if empty: nothing written, nothing left behind
            let _ = fs::remove_dir(output);
        }
        report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        result.map(|()| report)
    }

    fn write_each(
        &self,
        todo: &[(PathBuf, PathBuf)],
        output: &Path,
        report: &mut AnonymizeReport,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<()> {
        let done = std::sync::atomic::AtomicUsize::new(0);
        let one = |(i, (file, rel)): (usize, &(PathBuf, PathBuf))| {
            let name = match self.naming {
                Naming::Numbered => PathBuf::from(format!("IM{:05}.dcm", i + 1)),
                Naming::Keep => rel.clone(),
            };
            let outcome = self.one(file, output, name);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(n, todo.len());
            outcome
        };
        let outcomes: Vec<Outcome> = medvol_core::par::map(todo.iter().enumerate().collect(), one)
            .into_iter()
            .collect::<Result<_>>()?;
        for ((_, rel), outcome) in todo.iter().zip(outcomes) {
            match outcome {
                Outcome::Written(name, dropped) => {
                    report.written.push(name);
                    for tag in dropped {
                        *report.dropped.entry(tag).or_default() += 1;
                    }
                }
                Outcome::Skipped(reason) => report.skipped.push(Skipped {
                    path: rel.clone(),
                    reason,
                }),
            }
        }
        Ok(())
    }

    /// Reads and de-identifies `file` (failures are a skip), then writes it as
    /// `output/name` (failures are an error).
    fn one(&self, file: &Path, output: &Path, name: PathBuf) -> Result<Outcome> {
        let mut obj = match open_to_edit(file) {
            Ok(obj) => obj,
            Err(e) => return Ok(Outcome::Skipped(e.to_string())),
        };
        if obj
            .meta()
            .media_storage_sop_class_uid()
            .trim_end_matches('\0')
            == MEDIA_STORAGE_DIRECTORY
        {
            return Ok(Outcome::Skipped(format!(
                "{}: {DICOMDIR_REASON}",
                file.display()
            )));
        }
        let dropped = self.apply(&mut obj);
        let target = output.join(&name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        match write(&obj, &target) {
            Ok(()) => Ok(Outcome::Written(name, dropped)),
            Err(Error::Invalid { reason, .. }) => Ok(Outcome::Skipped(reason)),
            Err(e) => Err(e),
        }
    }
}

/// De-identifies `input` into `output` with the basic profile and a fresh UID secret.
/// See [`Anonymizer::folder`].
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_io::dicom::{SeriesOptions, anonymize_folder, write_series};
/// let dir = tempfile::tempdir()?;
/// let (src, anon) = (dir.path().join("src"), dir.path().join("anon"));
/// let ct = Volume::<i16>::zeros([8, 8, 3], Geometry::default())?;
/// write_series(&ct, &src, &SeriesOptions::default())?;
/// let report = anonymize_folder(&src, &anon)?;
/// // New names (IM00001.dcm, ...), in the input's name order.
/// assert_eq!(report.written.len(), 3);
/// assert_eq!(report.written[0], std::path::Path::new("IM00001.dcm"));
/// assert!(anon.join("IM00003.dcm").is_file());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Anonymizer::folder`].
pub fn anonymize_folder(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
) -> Result<AnonymizeReport> {
    Anonymizer::new().folder(input, output)
}

/// Encodes `obj` in memory (an encoding failure is [`Error::Invalid`]), then writes it
/// atomically (a failure is [`Error::Io`] with the operating system's reason).
fn write(obj: &DefaultDicomObject, output: &Path) -> Result<()> {
    let mut bytes = Vec::new();
    obj.write_all(&mut bytes).map_err(|e| Error::Invalid {
        path: output.to_path_buf(),
        format: "DICOM",
        reason: format!("cannot encode the de-identified data set: {e}"),
    })?;
    medvol_core::atomic::write_file(output, |w| std::io::Write::write_all(w, &bytes))
        .map_err(|e| Error::io(output, e))
}

/// The folder relative paths are taken from, and the files to read in name order.
fn list_input(input: &Path) -> Result<(PathBuf, Vec<PathBuf>)> {
    let meta = fs::metadata(input).map_err(|e| Error::NotFound {
        path: input.to_path_buf(),
        reason: e.to_string(),
    })?;
    if meta.is_file() {
        let root = input.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok((root, vec![input.to_path_buf()]));
    }
    // A named pipe or a device would block or never end: left out. A file that cannot be
    // inspected stays, to be reported as skipped.
    let mut files = list_files(input, true, &Limits::unlimited())?;
    files.retain(|f| fs::metadata(f).map_or(true, |m| m.is_file()));
    Ok((input.to_path_buf(), files))
}

/// Refuses an `output` folder that is the input folder, inside it or around it, once both
/// are resolved (symbolic links, `.` and `..`). For a single input file, `root` is its
/// folder and only writing into that same folder is refused.
fn check_outside(input: &Path, root: &Path, output: &Path) -> Result<()> {
    let single = input.is_file();
    let folder = if single { root } else { input };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let in_abs = fs::canonicalize(folder).map_err(|e| Error::io(folder, e))?;
    let out_abs = resolve(output)?;
    let clash = if single {
        out_abs == in_abs
    } else {
        out_abs.starts_with(&in_abs) || in_abs.starts_with(&out_abs)
    };
    if clash {
        return Err(Error::Invalid {
            path: output.to_path_buf(),
            format: "DICOM",
            reason: format!(
                "output folder {} must be outside the input folder {} (never in place)",
                out_abs.display(),
                in_abs.display()
            ),
        });
    }
    Ok(())
}

/// Why `file` is skipped before it is read: a DICOMDIR, or no `DICM` marker.
fn precheck(file: &Path) -> std::result::Result<(), String> {
    let is_dicomdir = file
        .file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("DICOMDIR"));
    if is_dicomdir {
        return Err(format!("{}: {DICOMDIR_REASON}", file.display()));
    }
    let mut head = [0u8; 132];
    let n = fs::File::open(file)
        .and_then(|f| f.take(132).read(&mut head))
        .map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
    let marked = (n >= 132 && &head[128..132] == b"DICM") || (n >= 4 && &head[..4] == b"DICM");
    if marked {
        Ok(())
    } else {
        Err(format!(
            "{}: not a DICOM file (no DICM marker)",
            file.display()
        ))
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `path` made absolute: its deepest existing ancestor canonicalized (symbolic links
/// resolved), the rest with `.` dropped and `..` applied, as creating the folders would.
fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    let base = loop {
        if let Ok(c) = fs::canonicalize(existing) {
            break c;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => break PathBuf::from("/"),
        }
    };
    let mut out = base;
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                out.pop();
                // a symbolic link reached by `..` is resolved again
                if let Ok(c) = fs::canonicalize(&out) {
                    out = c;
                }
            }
            Component::CurDir => {}
            other => {
                out.push(other);
                if let Ok(c) = fs::canonicalize(&out) {
                    out = c;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_applies_dot_dot_through_missing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir(root.join("in")).unwrap();
        let tricky = root.join("nonexist").join("..").join("in").join("out3");
        assert_eq!(resolve(&tricky).unwrap(), root.join("in").join("out3"));
        assert!(check_outside(&root.join("in"), &root, &tricky).is_err());
        assert!(check_outside(&root.join("in"), &root, &root.join("out")).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn resolve_follows_symbolic_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir(root.join("in")).unwrap();
        std::os::unix::fs::symlink(root.join("in"), root.join("link")).unwrap();
        let out = root.join("link").join("anon");
        assert_eq!(resolve(&out).unwrap(), root.join("in").join("anon"));
        assert!(check_outside(&root.join("in"), &root, &out).is_err());
    }
}
