//! Atomic file output: write to a temporary file in the target folder, then rename into place.
//!
//! A reader of the destination sees either the old file (or none) or the complete new one,
//! never a partial file, even if the writing process is killed. Every medvol writer goes
//! through [`write_file`].
//!
//! A killed writer cannot remove its temporary file (`.medvol-tmp-<pid>-<n>-<name>`, hidden).
//! The next [`write_file`] to the same destination removes such leftovers once their writer
//! process is gone ([`sweep_stale_temps`]).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
    let rest = file_name.strip_prefix(TEMP_PREFIX)?;
    let (pid, rest) = rest.split_once('-')?;
    let (n, dest) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(pid) && digits(n) && dest == name) {
        return None;
    }
    pid.parse().ok()
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
    static COUNTER: AtomicU64 = AtomicU64::new(0);
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
