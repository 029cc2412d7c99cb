//! Replays every saved fuzz input under `tests/fuzz_regressions/<target>/` through the same
//! harness the fuzz targets run (`fuzz/fuzz_targets/harness/mod.rs`), with plain `cargo test`:
//! a crash found once stays fixed without nightly or cargo-fuzz.
//!
//! To add a crash: minimise it (`cargo fuzz tmin <target> <artifact>`), copy the result into
//! the target's folder here with a name saying what it caught.

mod common;
#[path = "../fuzz/fuzz_targets/harness/mod.rs"]
mod harness;

#[global_allocator]
static ALLOCATOR: common::Tracking = common::Tracking;

/// The fuzz runs use `-malloc_limit_mb=512`; the harness limits are 32 MiB of voxels, so any
/// single allocation above this is a reader trusting a length word.
const MAX_ALLOCATION: usize = 64 << 20;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    // One input at a time, so the largest allocation is this input's.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        common::reset_largest_allocation();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: {} panics again", path.display());
        let largest = common::largest_allocation();
        assert!(
            largest <= MAX_ALLOCATION,
            "{target}: {} allocates {largest} bytes",
            path.display()
        );
    }
}

#[test]
fn nifti_read_regressions() {
    replay("nifti_read", harness::nifti_read);
}

#[test]
fn dicom_file_regressions() {
    replay("dicom_file", harness::dicom_file);
}

#[test]
fn dicom_folder_regressions() {
    replay("dicom_folder", harness::dicom_folder);
}

#[test]
fn mesh_read_regressions() {
    replay("mesh_read", harness::mesh_read);
}
