//! Where the tests find the shared scanner data: `../shared/data` beside the workspace, or
//! `$MEDVOL_DATA`. A test that needs it fails with one line naming the missing path.

use std::path::PathBuf;

/// `name` (a set, folder or file) of the shared data; fails the test in one line when absent.
pub(crate) fn shared_data(name: &str) -> PathBuf {
    let root = std::env::var_os("MEDVOL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let path = root.join(name);
    assert!(
        path.exists(),
        "shared test data missing: {} not found (put the data set at ../shared/data beside the \
         workspace or set MEDVOL_DATA; see the README's Tests section)",
        path.display()
    );
    path
}
