//! Where the tests find the shared scanner data: `../shared/data` beside the workspace, or
//! `$MEDVOL_DATA`. A test that needs it fails with one line naming the missing path. Included
//! by the root tests and by the member crates' reference tests (`#[path]`), so the workspace
//! root is found from the including crate's folder.

use std::path::{Path, PathBuf};

/// `name` (a set, folder or file) of the shared data; fails the test in one line when absent.
pub(crate) fn shared_data(name: &str) -> PathBuf {
    let root = std::env::var_os("MEDVOL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
            let workspace = crate_dir
                .ancestors()
                .find(|d| d.join("ARCHITECTURE.md").is_file())
                .unwrap_or(crate_dir);
            workspace.join("../shared/data")
        });
    let path = root.join(name);
    assert!(
        path.exists(),
        "shared test data missing: {} not found (put the data set at ../shared/data beside the \
         workspace or set MEDVOL_DATA; see the README's Tests section)",
        path.display()
    );
    path
}
