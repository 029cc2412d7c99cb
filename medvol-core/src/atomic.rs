//! Atomic file output: write to a temporary file in the target folder, then rename into place.
//!
//! A reader of the destination sees either the old file (or none) or the complete new one,
//! never a partial file, even if the writing process is killed. Every medvol writer goes
//! through [`write_file`].

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Prefix of the temporary files [`write_file`] creates beside the destination.
pub const TEMP_PREFIX: &str = ".medvol-tmp-";

/// Writes `path` atomically: `write` fills a buffered temporary file in the same folder, which is
/// flushed, synced and renamed over `path`. On any error the temporary file is removed and
/// `path` is untouched.
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
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<R>,
) -> io::Result<R> {
    let tmp = temp_path(path)?;
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
        assert!(write_file(&dir.join("missing-dir/x"), |w| w.write_all(b"x")).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
