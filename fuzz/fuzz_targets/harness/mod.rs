//! What each fuzz target does with one input. The fuzz targets call these functions, and the
//! root test `tests/reliability_fuzz_regressions.rs` includes this file to replay saved
//! crash inputs with plain `cargo test`, so both run exactly the same code.
//!
//! The readers take paths, so an input is first written to files in a scratch folder owned
//! by the calling thread. A reader may return any error that names a file of the input; a
//! panic (or an allocation beyond libFuzzer's `-malloc_limit_mb`) is a finding.

// Each fuzz target calls one of these functions.
#![allow(dead_code)]

use medvol_io::Limits;
use medvol_io::dicom::{ReadOptions, ScanOptions, scan};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Marks the start of the next file in a `dicom_folder` input (`seed.sh` uses the same bytes).
pub(crate) const SEPARATOR: &[u8] = b"--medvol-next-file--";

/// Limits small enough that a header claiming a huge volume is refused long before the
/// fuzzer's malloc limit (see README.md).
pub(crate) fn limits() -> Limits {
    Limits::default()
        .with_max_voxels(4 << 20)
        .with_max_bytes(32 << 20)
        .with_max_files(64)
}

/// An empty folder owned by this thread (emptied at every call).
fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "medvol-fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

fn assert_names_input(e: &medvol_io::Error, dir: &Path) {
    assert!(
        e.path().starts_with(dir),
        "error does not name the input: {e}"
    );
}

/// NIfTI: the first byte picks the container: `.nii`, `.nii.gz` (compressed here, so the
/// fuzzer mutates the uncompressed file) or a `.hdr`/`.img` pair split after the header
/// (540 bytes when `sizeof_hdr` says NIfTI-2, else 348).
pub(crate) fn nifti_read(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let dir = fresh_dir();
    let path = match mode % 3 {
        0 => put(&dir, "f.nii", body),
        1 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(body).expect("in memory");
            put(&dir, "f.nii.gz", &gz.finish().expect("in memory"))
        }
        _ => {
            let split = if body.get(..4) == Some(&540i32.to_le_bytes()[..]) {
                540
            } else {
                348
            };
            let split = split.min(body.len());
            put(&dir, "f.img", &body[split..]);
            put(&dir, "f.hdr", &body[..split])
        }
    };
    let options = medvol_io::nifti::ReadOptions::default().with_limits(limits());
    if let Err(e) = medvol_io::nifti::read_with_options(&path, &options) {
        assert_names_input(&e, &dir);
    }
}

/// One DICOM file: scanned, then each volume it holds (at most two) decoded.
pub(crate) fn dicom_file(data: &[u8]) {
    let dir = fresh_dir();
    let path = put(&dir, "x.dcm", data);
    scan_and_read(&path, &dir, 2);
}

/// A folder of up to four DICOM files (the input split at each [`SEPARATOR`]): scanned,
/// then its first volume decoded.
pub(crate) fn dicom_folder(data: &[u8]) {
    let dir = fresh_dir();
    let mut rest = data;
    for i in 0..4 {
        let at = if i == 3 {
            None
        } else {
            rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR)
        };
        let (part, next) = match at {
            Some(at) => (&rest[..at], &rest[at + SEPARATOR.len()..]),
            None => (rest, &[][..]),
        };
        put(&dir, &format!("{i}.dcm"), part);
        rest = next;
        if at.is_none() {
            break;
        }
    }
    scan_and_read(&dir, &dir, 1);
}

fn scan_and_read(path: &Path, dir: &Path, volumes: usize) {
    let limits = limits();
    let report = match scan(path, &ScanOptions::default().with_limits(limits)) {
        Ok(r) => r,
        Err(e) => return assert_names_input(&e, dir),
    };
    for s in &report.skipped {
        assert!(s.path.starts_with(dir) && !s.reason.is_empty(), "{s:?}");
    }
    for i in 0..report.volumes.len().min(volumes) {
        if let Err(e) = report.read(i, &ReadOptions::default().with_limits(limits)) {
            assert_names_input(&e, dir);
        }
    }
}

/// STL or PLY (binary or ASCII): the first byte picks the extension.
pub(crate) fn mesh_read(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let name = if mode % 2 == 0 { "m.stl" } else { "m.ply" };
    let path = put(&fresh_dir(), name, body);
    match medvol_mesh::write::read(&path) {
        Ok(mesh) => {
            let n = mesh.positions().len();
            assert!(
                mesh.faces().iter().flatten().all(|&v| (v as usize) < n),
                "face index out of range"
            );
        }
        Err(e) => assert!(
            e.to_string().contains(&*path.to_string_lossy()),
            "error does not name the input: {e}"
        ),
    }
}
