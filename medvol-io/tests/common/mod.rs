//! Helpers shared by the integration tests that read `shared/data`.

use std::path::{Path, PathBuf};

/// The reference data folder (`../shared/data` beside the workspace, or `$MEDVOL_DATA`).
pub(crate) fn data_dir() -> PathBuf {
    let dir = std::env::var_os("MEDVOL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    assert!(
        dir.join("README.md").exists(),
        "reference data not found at {} (set MEDVOL_DATA)",
        dir.display()
    );
    dir
}

/// A JSON array of sizes (`"shape"`, `"size"`) from a reference record.
pub(crate) fn usizes(v: &serde_json::Value) -> Vec<usize> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_u64().unwrap_or_else(|| panic!("not a size: {x}")) as usize)
        .collect()
}
