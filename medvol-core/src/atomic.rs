//! Atomic file output: write to a temporary file in the target folder, then rename into place.
//!
//! A reader of the destination sees either the old file (or none) or the complete new one,
//! never a partial file, even if the writing process is killed. Every medvol writer goes
//! through [`write_file`] or, for files that belong together, [`FileSet`].
//!
//! A killed writer cannot remove its temporary file (`.medvol-tmp-<pid>-<n>-<name>`, hidden).
//! The next [`write_file`] to the same destination removes such leftovers once their writer
//! process is gone ([`sweep_stale_temps`]); [`sweep_folder`] does so for a whole folder.
//!
//! # Files published as a set
//!
//! A NIfTI file and its JSON sidecar (and `.bval`/`.bvec`) describe one volume: a reader must
//! never find a NIfTI beside another volume's sidecar, and no existing file may be replaced
//! unless asked. [`FileSet`] keeps both promises with this protocol:
//!
//! 1. Each file is written whole to a temporary file `.medvol-tmp-<pid>-<n>-<stem><ext>`,
//!    flushed and synced; all files of a set share `<pid>-<n>`.
//! 2. Publishing picks the first free stem among `stem`, `stem` + `a` ... `stem` + `z` (as
//!    dcm2niix names clashing outputs): free means no file of the set's extensions exists
//!    under it. The temporaries are renamed to that stem (still hidden).
//! 3. The **first** file (the primary, the NIfTI) claims the stem: it is hard-linked to its
//!    final name, which fails if that name exists (`link` never replaces a file, so two
//!    writers, in one process or in two, can never both claim a stem). A lost race moves on
//!    to the next stem.
//! 4. The other files are hard-linked to their final names; then the temporaries are removed.
//!    Only the writer holding the primary's name ever creates the other names of that stem,
//!    so they belong to the same set.
//!
//! A writer killed before step 3 leaves only hidden temporaries. One killed after step 3
//! leaves its primary under its final name, its temporary primary linked to the same inode,
//! and the remaining temporaries: [`sweep_folder`] (run by the next writer into the folder)
//! sees that the dead writer had claimed the stem (same inode) and finishes the set by
//! linking the missing files, then removes the temporaries. So a published name never holds
//! a partial file, a set's files are never mixed with another set's, and a killed set is
//! either invisible or completed by the next run. Replacing (`replace = true`) removes the
//! old files of the stem, secondaries first, before claiming it again.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers temporary files (and file sets) of this process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Prefix of the temporary files [`write_file`] creates beside the destination.
pub const TEMP_PREFIX: &str = ".medvol-tmp-";

/// Writes `path` atomically: `write` fills a buffered temporary file in the same folder, which is
/// flushed, synced and renamed over `path`. On any error the temporary file is removed and
/// `path` is untouched. Temporary files of `path` left by killed writers are removed first
/// ([`sweep_stale_temps`]; a failure there does not fail the write).
///
/// ```
/// use std::io::Write;
/// let dir = std::env::temp_dir().join(format!("medvol-doc-atomic-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let out = dir.join("hello.txt");
/// medvol_core::atomic::write_file(&out, |w| w.write_all(b"hello"))?;
/// assert_eq!(std::fs::read(&out)?, b"hello");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// Any I/O error of creating, writing, syncing or renaming, or the error `write` returns.
pub fn write_file<R>(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<R>,
) -> io::Result<R> {
    let path = path.as_ref();
    let tmp = temp_path(path)?;
    let _ = sweep_stale_temps(path);
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let r = write(&mut w)?;
        w.flush()?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        Ok(r)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes the temporary files [`write_file`] left beside `path` in processes that are gone
/// (killed mid-write): files named `.medvol-tmp-<pid>-<n>-<name of path>` whose process `<pid>`
/// no longer runs. Returns how many were removed.
///
/// A writer's liveness is read from `/proc/<pid>` on Linux; elsewhere nothing is removed.
/// Temporary files of this process, of a running process, of other destinations, and any other
/// file are never touched. Processes are those of this machine and PID namespace: do not
/// share an output folder between containers or hosts that write the same file names.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("medvol-doc-sweep-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let out = dir.join("mesh.stl");
/// // What a writer killed mid-write leaves (a process id that no longer runs).
/// let stale = dir.join(format!("{}{}-0-mesh.stl", medvol_core::atomic::TEMP_PREFIX, u32::MAX));
/// std::fs::write(&stale, b"partial")?;
/// let removed = medvol_core::atomic::sweep_stale_temps(&out)?;
/// assert_eq!(removed == 1, cfg!(target_os = "linux"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// An I/O error listing the folder of `path` or removing a stale file.
pub fn sweep_stale_temps(path: impl AsRef<Path>) -> io::Result<usize> {
    let path = path.as_ref();
    let Some(name) = path.file_name() else {
        return Ok(0);
    };
    let name = name.to_string_lossy();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let own = std::process::id();
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(pid) = temp_writer(&file_name.to_string_lossy(), &name) else {
            continue;
        };
        if pid != own && process_gone(pid) && entry.file_type()?.is_file() {
            match fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                // Swept by another writer meanwhile.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// The writer's process id when `file_name` is a temporary file of destination `name`.
fn temp_writer(file_name: &str, name: &str) -> Option<u32> {
    temp_parts(file_name).and_then(|(pid, _, dest)| (dest == name).then_some(pid))
}

/// The writer's process id, the file (set) number and the destination name of a temporary
/// file name (`.medvol-tmp-<pid>-<n>-<name>`).
fn temp_parts(file_name: &str) -> Option<(u32, u64, &str)> {
    let rest = file_name.strip_prefix(TEMP_PREFIX)?;
    let (pid, rest) = rest.split_once('-')?;
    let (n, dest) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(pid) && digits(n)) || dest.is_empty() {
        return None;
    }
    Some((pid.parse().ok()?, n.parse().ok()?, dest))
}

/// Removes every temporary file in `dir` whose writer process is gone, whatever its
/// destination, and first completes the [`FileSet`]s such a writer had claimed (see the
/// module documentation): a file of a dead set whose final name is missing is linked to it
/// when the set's primary already sits under its final name. Returns how many temporary
/// files were removed. Running writers' files and any other file are never touched (liveness
/// as in [`sweep_stale_temps`]).
///
/// ```
/// let dir = std::env::temp_dir().join(format!("medvol-doc-sweep-folder-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let prefix = medvol_core::atomic::TEMP_PREFIX;
/// // A set claimed by a writer that died before linking its sidecar...
/// let nii = dir.join(format!("{prefix}{}-7-scan.nii", u32::MAX));
/// std::fs::write(&nii, b"voxels")?;
/// std::fs::hard_link(&nii, dir.join("scan.nii"))?;
/// std::fs::write(dir.join(format!("{prefix}{}-7-scan.json", u32::MAX)), b"{}")?;
/// // ...and an unrelated dead writer's half-written file.
/// std::fs::write(dir.join(format!("{prefix}{}-8-mesh.stl", u32::MAX)), b"half")?;
/// let removed = medvol_core::atomic::sweep_folder(&dir)?;
/// if cfg!(target_os = "linux") {
///     assert_eq!(removed, 3);
///     assert_eq!(std::fs::read(dir.join("scan.json"))?, b"{}");
///     assert!(!dir.join("mesh.stl").exists());
/// }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// An I/O error listing `dir`, linking or removing a file.
pub fn sweep_folder(dir: &Path) -> io::Result<usize> {
    let own = std::process::id();
    let mut sets: BTreeMap<(u32, u64), Vec<(PathBuf, PathBuf)>> = BTreeMap::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some((pid, n, dest)) = temp_parts(&name) else {
            continue;
        };
        if pid != own && process_gone(pid) && entry.file_type()?.is_file() {
            let files = sets.entry((pid, n)).or_default();
            files.push((entry.path(), dir.join(dest)));
        }
    }
    let mut removed = 0;
    for files in sets.values() {
        let claimed = files.iter().any(|(tmp, dest)| same_file(tmp, dest));
        for (tmp, dest) in files {
            if claimed && !dest.exists() {
                ignore_existing(fs::hard_link(tmp, dest))?;
            }
            match fs::remove_file(tmp) {
                Ok(()) => removed += 1,
                // Swept by another writer meanwhile.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// `Ok` also when the link's name exists already (another sweeper was first).
fn ignore_existing(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Whether two paths name the same file (same device and inode).
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Whether two paths name the same file: unknown without unix metadata, so never.
#[cfg(not(unix))]
fn same_file(_a: &Path, _b: &Path) -> bool {
    false
}

/// Files that are published together under one name stem, or not at all: a NIfTI and its
/// sidecar. The protocol is in the [module documentation](self).
///
/// ```
/// use std::io::Write;
/// use medvol_core::atomic::FileSet;
/// let dir = std::env::temp_dir().join(format!("medvol-doc-set-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// for _ in 0..2 {
///     let mut set = FileSet::new(&dir, "3_t1");
///     set.write(".nii", |w| w.write_all(b"voxels"))?;
///     set.write(".json", |w| w.write_all(b"{}"))?;
///     set.publish(false)?;
/// }
/// // The second set did not replace the first: it took the next name, as dcm2niix does.
/// assert!(dir.join("3_t1.nii").exists() && dir.join("3_t1a.json").exists());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct FileSet {
    dir: PathBuf,
    stem: String,
    number: u64,
    /// Extensions written so far, the primary first; their temporaries are named for `stem`.
    extensions: Vec<String>,
}

impl FileSet {
    /// Suffixes tried after the stem itself, as dcm2niix appends them.
    const SUFFIXES: std::ops::RangeInclusive<char> = 'a'..='z';

    /// A new empty set to be published in `dir` as `stem` (or `stem` + a letter).
    pub fn new(dir: &Path, stem: &str) -> Self {
        Self {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
            number: COUNTER.fetch_add(1, Ordering::Relaxed),
            extensions: Vec::new(),
        }
    }

    fn temp(&self, stem: &str, extension: &str) -> PathBuf {
        let pid = std::process::id();
        let n = self.number;
        self.dir
            .join(format!("{TEMP_PREFIX}{pid}-{n}-{stem}{extension}"))
    }

    /// Writes the set's file with `extension` (e.g. `".nii.gz"`; the first one written is
    /// the primary) to a temporary file: `write` fills it, then it is flushed and synced. On
    /// error the temporary file is removed.
    ///
    /// # Errors
    /// The error `write` returns, or an I/O error creating, flushing or syncing the file
    /// (also when the set has a file with that extension already).
    pub fn write<R, E: From<io::Error>>(
        &mut self,
        extension: &str,
        write: impl FnOnce(&mut BufWriter<File>) -> Result<R, E>,
    ) -> Result<R, E> {
        let tmp = self.temp(&self.stem, extension);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let result = (|| {
            let mut w = BufWriter::with_capacity(1 << 20, file);
            let r = write(&mut w)?;
            w.flush()?;
            let file = w.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            Ok(r)
        })();
        match result {
            Ok(r) => {
                self.extensions.push(extension.to_string());
                Ok(r)
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Publishes the files under the first free stem (`stem`, then `stem` + `a` ... `z`)
    /// and returns it. With `replace`, the files of `stem` itself are removed first (the
    /// secondaries before the primary), so `stem` is reused unless another writer claims
    /// it meanwhile.
    ///
    /// # Errors
    /// [`io::ErrorKind::AlreadyExists`] when all 27 stems are taken, or an I/O error
    /// renaming, linking or removing; the temporary files are removed either way.
    pub fn publish(mut self, replace: bool) -> io::Result<String> {
        let result = self.claim(replace);
        self.remove_temps();
        result
    }

    fn final_path(&self, stem: &str, extension: &str) -> PathBuf {
        self.dir.join(format!("{stem}{extension}"))
    }

    fn claim(&mut self, replace: bool) -> io::Result<String> {
        let base = self.stem.clone();
        if self.extensions.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("nothing was written for {base}"),
            ));
        }
        if replace {
            for extension in self.extensions.iter().rev() {
                match fs::remove_file(self.final_path(&base, extension)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        }
        let candidates =
            std::iter::once(base.clone()).chain(Self::SUFFIXES.map(|c| format!("{base}{c}")));
        for stem in candidates {
            let taken = self
                .extensions
                .iter()
                .any(|e| self.final_path(&stem, e).exists());
            if !taken && self.link_as(&stem)? {
                sync_dir(&self.dir);
                return Ok(stem);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{}: {base} and {base}a ... {base}z are all taken",
                self.dir.display()
            ),
        ))
    }

    /// Renames the temporaries to `stem` and links them to their final names, the primary
    /// first; `false` (nothing left under `stem`) when another writer holds one of them.
    fn link_as(&mut self, stem: &str) -> io::Result<bool> {
        for extension in &self.extensions {
            fs::rename(self.temp(&self.stem, extension), self.temp(stem, extension))?;
        }
        self.stem = stem.to_string();
        for (i, extension) in self.extensions.iter().enumerate() {
            let linked =
                fs::hard_link(self.temp(stem, extension), self.final_path(stem, extension));
            match linked {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    // Only a writer outside the protocol can have made a secondary name:
                    // take back what this set linked and try the next stem.
                    for linked in self.extensions[..i].iter().rev() {
                        fs::remove_file(self.final_path(stem, linked))?;
                    }
                    return Ok(false);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    fn remove_temps(&mut self) {
        for extension in std::mem::take(&mut self.extensions) {
            let _ = fs::remove_file(self.temp(&self.stem, &extension));
        }
    }
}

impl Drop for FileSet {
    /// An unpublished set leaves nothing behind.
    fn drop(&mut self) {
        self.remove_temps();
    }
}

/// Makes the folder's new names durable (best effort: not every platform syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Whether process `pid` is known not to run (Linux: no `/proc/<pid>` while `/proc` is there).
#[cfg(target_os = "linux")]
fn process_gone(pid: u32) -> bool {
    let proc = Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}

/// Whether process `pid` is known not to run: without `/proc`, never known.
#[cfg(not(target_os = "linux"))]
fn process_gone(_pid: u32) -> bool {
    false
}

fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names no file", path.display()),
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp_name = format!(
        "{TEMP_PREFIX}{}-{n}-{}",
        std::process::id(),
        name.to_string_lossy()
    );
    Ok(path.with_file_name(tmp_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_keeps_old_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("medvol-atomic-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let out = dir.join("a.bin");
        write_file(&out, |w| w.write_all(b"old")).unwrap();
        let err = write_file(&out, |w| {
            w.write_all(b"partial")?;
            Err::<(), _>(io::Error::other("disk on fire"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&out).unwrap(), b"old");
        let left: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
        assert!(write_file(dir.join("missing-dir/x"), |w| w.write_all(b"x")).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A new empty folder for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("medvol-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn set(dir: &Path, stem: &str, nii: &[u8], json: &[u8]) -> FileSet {
        let mut set = FileSet::new(dir, stem);
        set.write(".nii", |w| w.write_all(nii)).unwrap();
        set.write(".json", |w| w.write_all(json)).unwrap();
        set
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn sets_take_free_stems_and_never_split_a_pair() {
        let dir = scratch("sets");
        let d = dir.as_path();
        // A foreign sidecar makes its stem taken, although its NIfTI name is free.
        fs::write(d.join("s.json"), b"theirs").unwrap();
        assert_eq!(set(d, "s", b"1", b"one").publish(false).unwrap(), "sa");
        assert_eq!(set(d, "s", b"2", b"two").publish(false).unwrap(), "sb");
        assert_eq!(fs::read(d.join("sa.json")).unwrap(), b"one");
        assert_eq!(fs::read(d.join("sb.nii")).unwrap(), b"2");
        // Replacing: the old pair of the stem goes, the new one takes its place.
        assert_eq!(set(d, "sa", b"3", b"three").publish(true).unwrap(), "sa");
        assert_eq!(fs::read(d.join("sa.nii")).unwrap(), b"3");
        // All 27 names taken: an error, and nothing of the set is left.
        for c in std::iter::once(String::new()).chain(('a'..='z').map(String::from)) {
            fs::write(d.join(format!("full{c}.nii")), b"x").unwrap();
        }
        let err = set(d, "full", b"4", b"four").publish(false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        assert!(listing(d).iter().all(|n| !n.starts_with(TEMP_PREFIX)));
        // An unpublished set leaves nothing behind.
        drop(set(d, "gone", b"5", b"five"));
        assert!(!listing(d).iter().any(|n| n.contains("gone")));
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn sweep_completes_claimed_sets_and_removes_the_rest_of_dead_writers() {
        let dir = scratch("sweep");
        let d = dir.as_path();
        let dead = u32::MAX;
        let tmp = |n: u32, name: &str| d.join(format!("{TEMP_PREFIX}{dead}-{n}-{name}"));
        // Set 1: claimed (primary linked), killed before its sidecar was linked.
        fs::write(tmp(1, "a.nii"), b"a").unwrap();
        fs::hard_link(tmp(1, "a.nii"), d.join("a.nii")).unwrap();
        fs::write(tmp(1, "a.json"), b"{a}").unwrap();
        // Set 2: killed before claiming; its NIfTI name now holds another set's file.
        fs::write(tmp(2, "b.nii"), b"b").unwrap();
        fs::write(tmp(2, "b.json"), b"{b}").unwrap();
        fs::write(d.join("b.nii"), b"other").unwrap();
        // A running writer's temporary file stays.
        let live = d.join(format!("{TEMP_PREFIX}{}-3-c.nii", std::process::id()));
        fs::write(&live, b"c").unwrap();
        let removed = sweep_folder(d).unwrap();
        if cfg!(target_os = "linux") {
            assert_eq!(removed, 4);
            assert_eq!(fs::read(d.join("a.json")).unwrap(), b"{a}");
            assert!(!d.join("b.json").exists());
            assert_eq!(fs::read(d.join("b.nii")).unwrap(), b"other");
            assert!(live.exists());
            let mut left = listing(d);
            left.retain(|n| !n.starts_with(TEMP_PREFIX));
            assert_eq!(left, ["a.json", "a.nii", "b.nii"]);
        }
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn temporary_names_parse_back_to_their_writer_and_destination() {
        let tmp = temp_path(Path::new("/out/a-b.nii.gz")).unwrap();
        let tmp = tmp.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(temp_writer(&tmp, "a-b.nii.gz"), Some(std::process::id()));
        assert_eq!(temp_writer(&tmp, "b.nii.gz"), None);
        assert_eq!(temp_writer(".medvol-tmp-12-3-x", "x"), Some(12));
        for other in [
            ".medvol-tmp-12-x",
            ".medvol-tmp--3-x",
            ".medvol-tmp-1a-3-x",
            "x",
        ] {
            assert_eq!(temp_writer(other, "x"), None, "{other}");
        }
    }
}
