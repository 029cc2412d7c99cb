//! DICOM volumes written as NIfTI (as `examples/dicom2nifti.rs` does) hold the voxel centres
//! of dcm2niix's outputs (`shared/data/*/expected.json`), and the values read back unchanged.

use medvol_io::dicom::{ReadOptions, ScanOptions, scan};
use medvol_io::nifti::{WriteOptions, read, write_with_options};
use serde_json::Value;

mod common;
use common::{data_dir, usizes};

/// The 8 corner voxel centres (first three axes) of an affine, in LPS.
fn corners_lps(a: &[[f64; 4]], shape: &[usize], ras: bool) -> Vec<[f64; 3]> {
    (0..8)
        .map(|c| {
            let idx: Vec<f64> = (0..3)
                .map(|ax| {
                    if c >> ax & 1 == 1 {
                        (shape[ax] - 1) as f64
                    } else {
                        0.0
                    }
                })
                .collect();
            std::array::from_fn(|r| {
                let v = a[r][3] + (0..3).map(|ax| a[r][ax] * idx[ax]).sum::<f64>();
                if ras && r < 2 { -v } else { v }
            })
        })
        .collect()
}

fn same_set(a: &[[f64; 3]], b: &[[f64; 3]], tol: f64) -> bool {
    let near = |p: &[f64; 3], q: &[f64; 3]| p.iter().zip(q).all(|(x, y)| (x - y).abs() <= tol);
    a.iter().all(|p| b.iter().any(|q| near(p, q))) && b.iter().all(|q| a.iter().any(|p| near(p, q)))
}

#[test]
fn nifti_outputs_have_dcm2niix_geometry_and_the_same_values() {
    let tmp = tempfile::tempdir().unwrap();
    for set in [
        "ct_philips_head",
        "mr_siemens_t1_sag_hfs",
        "mr_toshiba_ax30_b0",
        "mr_philips_epi_oblique_4d",
        "mr_siemens_xa10_enhanced",
    ] {
        let e: Value = serde_json::from_str(
            &std::fs::read_to_string(data_dir().join(set).join("expected.json")).unwrap(),
        )
        .unwrap();
        let d2n = &e["dcm2niix"]["outputs"][0];
        let sform: Vec<[f64; 4]> = d2n["sform_ras"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| std::array::from_fn(|c| r[c].as_f64().unwrap()))
            .collect();
        let shape: Vec<usize> = usizes(&d2n["shape"]);
        let reference = corners_lps(&sform, &shape, true);

        let report = scan(data_dir().join(set).join("dicom"), &ScanOptions::default()).unwrap();
        for i in 0..report.volumes.len() {
            let v = report.read(i, &ReadOptions::default()).unwrap();
            let path = tmp.path().join(format!("{set}_{i}.nii.gz"));
            let options = WriteOptions::default().with_affine_lps(v.affine);
            write_with_options(&path, &v.volume, &options).unwrap();
            let back = read(&path).unwrap();
            let h = &back.header;
            let srow: Vec<[f64; 4]> = h.srow.to_vec();
            let ours = corners_lps(&srow, &v.volume.dims(), true);
            assert!(
                same_set(&ours, &reference, 1e-3),
                "{set} volume {i}: {ours:?} vs {reference:?}"
            );
            assert_eq!(h.sform_code, 1);
            let g = back.volumes[0].geometry();
            let from_geometry: Vec<[f64; 3]> =
                g.corners(v.volume.dims()).iter().map(|p| p.0).collect();
            assert!(
                same_set(&from_geometry, &reference, 1e-3),
                "{set} volume {i}: read-back geometry"
            );
            assert_eq!(
                back.volumes[0].to_f64().as_slice(),
                v.volume.to_f64().as_slice(),
                "{set}"
            );
        }
    }
}
