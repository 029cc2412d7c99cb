//! DICOM values read right or refused, on the files of pydicom's and pydicom-data's wheels,
//! compared with what pydicom reads from them (`tests/peers/pydicom_values.py`).
//!
//! The files are not copied here (most are over 100 KB): the peer Python names their path.
//! `MEDVOL_PEER_PYTHON=/work/venv/bin/python cargo test -p medvol-io --test dicom_values -- --ignored`

use medvol_io::dicom::{ReadOptions, ScanOptions, scan};
use std::path::PathBuf;
use std::process::Command;

#[allow(dead_code)] // `usizes` serves the other test files
mod common;

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

/// dcmtk's `mlut_18.dcm` (pydicom-data): 12-bit signed stored values through a 4096-entry
/// Modality LUT whose first mapped value is -2048; pydicom's `apply_modality_lut` values.
#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with pydicom and pydicom-data"]
fn modality_lut_sequence_is_applied_as_pydicom_applies_it() {
    let want = pydicom("mlut_18.dcm");
    let report = scan(path(&want), &ScanOptions::default()).unwrap();
    let vol = report.read(0, &ReadOptions::default()).unwrap();
    assert_eq!(vol.volume.kind().name(), "u16");
    let got = medvol_values(&vol.volume);
    let want = floats(&want["values"]);
    assert!(
        want.iter().any(|v| *v > 32767.0),
        "the table maps beyond the stored range"
    );
    assert_eq!(got, want);
}

/// The voxels of every volume of the file at `path`, volume after volume.
fn all_values(path: &std::path::Path) -> Vec<f64> {
    let report = scan(path, &ScanOptions::default()).unwrap();
    (0..report.volumes.len())
        .flat_map(|i| medvol_values(&report.read(i, &ReadOptions::default()).unwrap().volume))
        .collect()
}

/// pydicom's `rtdose_rle.dcm`: 15 frames of 32-bit samples (up to 1254000) in RLE Lossless,
/// which dicom-pixeldata refuses; medvol decodes them to the same voxels as the native copy
/// `rtdose.dcm` and in proportion to pydicom's stored values (times DoseGridScaling, in f32).
#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with pydicom and pydicom-data"]
fn rle_32_bit_samples_decode_as_pydicom_decodes_them() {
    let rle = pydicom("rtdose_rle.dcm");
    let native = pydicom("rtdose.dcm");
    let got = all_values(&path(&rle));
    assert_eq!(got, all_values(&path(&native)));
    let mut want = floats(&rle["values"]);
    let mut got_sorted = got.clone();
    want.sort_by(f64::total_cmp);
    got_sorted.sort_by(f64::total_cmp);
    let (w_max, g_max) = (want[want.len() - 1], got_sorted[got_sorted.len() - 1]);
    assert!(w_max > 65535.0, "32-bit values");
    // medvol applies DoseGridScaling into f32 (issue 14 item 3): equal to f32 precision.
    for (g, w) in got_sorted.iter().zip(&want) {
        assert!(
            (g * w_max - w * g_max).abs() <= 1e-6 * w_max * g_max,
            "{g} vs {w}"
        );
    }
}

/// pydicom's `JPGExtended.dcm`: JPEG process 4 (12-bit samples), which the pure-Rust JPEG
/// decoder cannot read: the error names the syntax and why.
#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with pydicom and pydicom-data"]
fn twelve_bit_jpeg_is_refused_naming_the_syntax() {
    let file = peer("JPGExtended.dcm", &["--header"]);
    let report = scan(path(&file), &ScanOptions::default()).unwrap();
    let err = report.read(0, &ReadOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, medvol_io::Error::Unsupported { .. })
            && msg.contains("1.2.840.10008.1.2.4.51")
            && msg.contains("12-bit"),
        "{msg}"
    );
}

/// The values of each volume medvol reads from `dicom`, or of each volume of a NIfTI, sorted:
/// the voxel orders differ (dcm2niix flips rows), the values may not.
fn sorted_volumes(volumes: impl IntoIterator<Item = medvol_core::DynVolume>) -> Vec<Vec<f64>> {
    volumes
        .into_iter()
        .map(|v| {
            let mut values = medvol_values(&v);
            values.sort_by(f64::total_cmp);
            values
        })
        .collect()
}

fn read_all(dicom: &std::path::Path, options: &ReadOptions) -> Vec<Vec<f64>> {
    let report = scan(dicom, &ScanOptions::default()).unwrap();
    sorted_volumes((0..report.volumes.len()).map(|i| report.read(i, options).unwrap().volume))
}

/// Whether some volume of `got` holds the values of `want` within dcm2niix's comparison
/// tolerance (1e-5 of the largest magnitude, at least 1e-5).
fn holds(got: &[Vec<f64>], want: &[f64]) -> bool {
    let tol = 1e-5 * want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    got.iter()
        .any(|g| g.len() == want.len() && g.iter().zip(want).all(|(g, w)| (g - w).abs() <= tol))
}

/// dcm2niix's `dcm_qa_philips_enh`: an ASL source series (RescaleSlope 1.3387, MR_ScaleSlope
/// 3.4e-5) and a field map whose phase frames have RescaleIntercept -3142 and MR_ScaleSlope
/// 651.74 (radians), per frame. `PhilipsScaling::FloatingPoint` gives dcm2niix's values (its
/// `Ref` NIfTIs, int16 with scl_slope/scl_inter); the default stays the display values.
#[test]
fn philips_floating_point_scaling_reproduces_dcm2niix() {
    use medvol_io::dicom::PhilipsScaling;
    let set = common::data_dir().join("dcmqa/dcm_qa_philips_enh");
    let refs = |names: &[&str]| -> Vec<PathBuf> {
        names
            .iter()
            .map(|n| set.join(format!("Ref/{n}.nii.gz")))
            .collect()
    };
    let fp = ReadOptions::default().with_philips_scaling(PhilipsScaling::FloatingPoint);
    for (dicom, names) in [
        (
            "1903_WIP_SOURCE_-_3DpCASL.dcm",
            refs(&["1903_WIP_SOURCE_-_3DpCASL_enh"]),
        ),
        (
            "2001_WIP_fcMRI_Field_Mapping_e2_phMag.dcm",
            refs(&[
                "2001_WIP_fcMRI_Field_Mapping_enh_e1",
                "2001_WIP_fcMRI_Field_Mapping_enh_e1_ph",
                "2001_WIP_fcMRI_Field_Mapping_enh_e2",
                "2001_WIP_fcMRI_Field_Mapping_enh_e2_ph",
            ]),
        ),
    ] {
        let path = set.join("In/enh").join(dicom);
        let got = read_all(&path, &fp);
        let display = read_all(&path, &ReadOptions::default());
        for name in &names {
            let nii = medvol_io::nifti::read(name).unwrap();
            for want in sorted_volumes(nii.volumes) {
                assert!(
                    holds(&got, &want),
                    "{name:?}: no medvol volume holds its values"
                );
                assert!(!holds(&display, &want), "{name:?}: display values differ");
            }
        }
    }
    // The scales ride in the metadata for the sidecar.
    let report = scan(
        set.join("In/enh/1903_WIP_SOURCE_-_3DpCASL.dcm"),
        &ScanOptions::default(),
    )
    .unwrap();
    let m = &report.volumes[0].metadata;
    assert_eq!(m.rescale_slope, Some(1.33870573870573));
    assert_eq!(m.rescale_intercept, Some(0.0));
    let ss = m.philips_scale_slope.unwrap();
    assert!((ss - 3.432509765843861e-05).abs() < 1e-12, "{ss}");
}

/// The field map's magnitude and phase frames (per-frame ComplexImageComponent) are separate
/// volumes, as dcm2niix's `_e1` and `_e1_ph`, not two time points of one: four 3-D volumes,
/// the phase ones marked `/ph`, each holding exactly its Ref's voxels.
#[test]
fn magnitude_and_phase_frames_are_separate_volumes() {
    use medvol_io::dicom::PhilipsScaling;
    let set = common::data_dir().join("dcmqa/dcm_qa_philips_enh");
    let report = scan(
        set.join("In/enh/2001_WIP_fcMRI_Field_Mapping_e2_phMag.dcm"),
        &ScanOptions::default(),
    )
    .unwrap();
    let ids: Vec<&str> = report.volumes.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert_eq!(
        ids.iter().filter(|id| id.contains("/ph")).count(),
        2,
        "{ids:?}"
    );
    assert!(
        report.volumes.iter().all(|v| v.time_point.is_none()),
        "{ids:?}"
    );
    let fp = ReadOptions::default().with_philips_scaling(PhilipsScaling::FloatingPoint);
    for (i, info) in report.volumes.iter().enumerate() {
        let e = if info.id.contains("/e1") { "e1" } else { "e2" };
        let ph = if info.id.contains("/ph") { "_ph" } else { "" };
        let name = set.join(format!(
            "Ref/2001_WIP_fcMRI_Field_Mapping_enh_{e}{ph}.nii.gz"
        ));
        let want = sorted_volumes(medvol_io::nifti::read(&name).unwrap().volumes);
        let got = sorted_volumes([report.read(i, &fp).unwrap().volume]);
        assert!(holds(&got, &want[0]), "{} is not {name:?}", info.id);
    }
}
