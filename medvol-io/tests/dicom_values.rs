//! DICOM values read right or refused, on the files of pydicom's and pydicom-data's wheels,
//! compared with what pydicom reads from them (`tests/peers/pydicom_values.py`).
//!
//! The files are not copied here (most are over 100 KB): the peer Python names their path.
//! `MEDVOL_PEER_PYTHON=/work/venv/bin/python cargo test -p medvol-io --test dicom_values -- --ignored`

use medvol_io::dicom::{ReadOptions, ScanOptions, scan};
use std::path::PathBuf;
use std::process::Command;

/// What pydicom reads from its test file `name` (see the peer script's doc).
fn pydicom(name: &str) -> serde_json::Value {
    peer(name, &[])
}

/// [`pydicom`] with more arguments for the peer script.
fn peer(name: &str, args: &[&str]) -> serde_json::Value {
    let python = std::env::var("MEDVOL_PEER_PYTHON")
        .expect("set MEDVOL_PEER_PYTHON to a Python with pydicom, pydicom-data and numpy");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/pydicom_values.py");
    let out = Command::new(python)
        .arg(script)
        .arg(name)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pydicom_values.py {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn path(reference: &serde_json::Value) -> PathBuf {
    PathBuf::from(reference["path"].as_str().unwrap())
}

/// Every voxel of a volume as f64, in file order (i fastest).
fn medvol_values(volume: &medvol_core::DynVolume) -> Vec<f64> {
    let v = volume.to_f64();
    v.as_array().iter().copied().collect()
}

#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with pydicom and pydicom-data"]
fn un_encoded_standard_tags_read_as_pydicom_reads_them() {
    let want = pydicom("explicit_VR-UN.dcm");
    let report = scan(path(&want), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 1);
    let info = &report.volumes[0];
    assert_eq!(
        info.metadata.series_uid.as_deref(),
        want["series_uid"].as_str()
    );
    let vol = report.read(0, &ReadOptions::default()).unwrap();
    let g = vol.volume.geometry();
    let [row_spacing, col_spacing] = floats(&want["pixel_spacing"])[..] else {
        panic!("two spacings")
    };
    assert_eq!(g.spacing()[..2], [col_spacing, row_spacing]);
    assert_eq!(g.origin().0.to_vec(), floats(&want["position"]));
    let o = floats(&want["orientation"]);
    let d = g.direction();
    assert_eq!(
        [d.axis(0).0.to_vec(), d.axis(1).0.to_vec()],
        [o[..3].to_vec(), o[3..].to_vec()]
    );
    assert_eq!(medvol_values(&vol.volume), floats(&want["values"]));
}
