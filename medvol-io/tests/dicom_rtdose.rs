//! RT Dose multi-frame grids: frames are planes at GridFrameOffsetVector along the normal, and
//! values are stored x DoseGridScaling. `tests/data/rtdose.dcm` is pydicom's test file; the
//! reference values beside it come from pydicom (`tests/data/rtdose_reference.py`).

use medvol_core::{Ijk, Point};
use medvol_io::dicom::{Output, Placement, ReadOptions, ScanOptions, scan};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn point(v: &Value) -> Point {
    let c: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Point([c[0], c[1], c[2]])
}

#[test]
fn rtdose_frames_are_slices_scaled_to_dose() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(data("rtdose_reference.json")).unwrap())
            .unwrap();
    let report = scan(data("rtdose.dcm"), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 1, "one volume, not 15 time points");
    let info = &report.volumes[0];
    assert_eq!(info.dims, [10, 10, 15]);
    assert_eq!(info.time_point, None);
    // Each frame at IPP + offset x normal, as pydicom computes it.
    let frames = reference["frame_positions_lps"].as_array().unwrap();
    for (slice, want) in info.slices.iter().zip(frames) {
        let d = (slice.position.unwrap() - point(want)).norm();
        assert!(d < 1e-6, "frame {}: {d} mm", slice.frame);
    }
    let v = report
        .read(0, &ReadOptions::default().with_output(Output::F64))
        .unwrap();
    assert_eq!(v.placement, Placement::Exact);
    let corners = v.volume.geometry().corners(v.volume.dims());
    for want in reference["corners_lps"].as_array().unwrap() {
        let want = point(want);
        let d = corners
            .iter()
            .map(|c| (*c - want).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(d < 1e-6, "corner {want:?}: {d} mm");
    }
    // Dose = stored x DoseGridScaling, bit for bit.
    let dose = v.volume.to_f64();
    let mut h = Sha256::new();
    for x in dose.as_slice() {
        h.update(x.to_le_bytes());
    }
    let sha: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        sha,
        reference["sha256_dose_f64le_ifastest"].as_str().unwrap()
    );
    for probe in reference["probes"].as_array().unwrap() {
        let ijk: Vec<usize> = probe[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        let got = dose.get(Ijk([ijk[0], ijk[1], ijk[2]])).unwrap();
        // serde_json's float parsing may be one ulp off; the hash above is the exact check.
        let want = probe[1].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "{ijk:?}: {got} vs {want}"
        );
    }
    // The default output type holds the scaled dose (not the stored integers).
    let auto = report.read(0, &ReadOptions::default()).unwrap();
    let st = auto.volume.statistics();
    let max = reference["dose_max"].as_f64().unwrap();
    assert!((st.max - max).abs() < 1e-6 * max, "{} vs {max}", st.max);
}

/// A copy of `rtdose.dcm` in `dir` with GridFrameOffsetVector replaced by `offsets`.
fn with_offsets(dir: &Path, offsets: &[f64]) -> std::path::PathBuf {
    use dicom_core::{DataElement, VR, value::PrimitiveValue};
    let mut obj = dicom_object::open_file(data("rtdose.dcm")).unwrap();
    let text: Vec<String> = offsets.iter().map(|v| v.to_string()).collect();
    obj.put(DataElement::new(
        dicom_dictionary_std::tags::GRID_FRAME_OFFSET_VECTOR,
        VR::DS,
        PrimitiveValue::from(text.join("\\")),
    ));
    let path = dir.join("dose.dcm");
    obj.write_to_file(&path).unwrap();
    path
}

/// The absolute form (offsets as patient z, allowed on axial grids) places the frames at the
/// same planes; a vector in neither form is refused (the file skipped with the reason), never
/// read as co-located time points.
#[test]
fn rtdose_offset_forms() {
    let dir = tempfile::tempdir().unwrap();
    let z0 = -761.87;
    let absolute: Vec<f64> = (0..15).map(|f| z0 + 5.0 * f as f64).collect();
    let report = scan(with_offsets(dir.path(), &absolute), &ScanOptions::default()).unwrap();
    let zs: Vec<f64> = report.volumes[0]
        .slices
        .iter()
        .map(|s| s.position.unwrap().0[2])
        .collect();
    assert!(
        zs.iter().zip(&absolute).all(|(a, b)| (a - b).abs() < 1e-9),
        "{zs:?}"
    );

    let odd: Vec<f64> = (0..15).map(|f| 3.0 + 5.0 * f as f64).collect();
    let refused = scan(with_offsets(dir.path(), &odd), &ScanOptions::default()).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("GridFrameOffsetVector starts at 3"),
        "{refused}"
    );
    let short = scan(
        with_offsets(dir.path(), &[0.0, 5.0]),
        &ScanOptions::default(),
    );
    assert!(
        short
            .unwrap_err()
            .to_string()
            .contains("2 finite values for 15 frames")
    );
}
