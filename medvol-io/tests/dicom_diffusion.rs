//! Diffusion tables (`.bval`/`.bvec`, FSL convention) of the shared UIH DTI series against
//! dcm2niix's own (`tests/data/fsl_uih`, from neurolabusc/dcm_qa_uih's Ref folder): b-values
//! within 0.5 s/mm² (dcm2niix prints 6 significant digits), vectors within 1e-4, for an axial
//! series and for one with rotated slices (where the image frame differs from the scanner's).

use medvol_io::dicom::{ReadOptions, ScanOptions, diffusion, scan};
use medvol_io::nifti::{FslGradients, VoxelOrder};
use std::path::Path;

#[allow(dead_code)] // `usizes` is for the other test files
mod common;
use common::data_dir;

fn table(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
        .collect()
}

fn reference(name: &str) -> Vec<Vec<f64>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fsl_uih")
        .join(name);
    table(&std::fs::read_to_string(path).unwrap())
}

/// medvol's tables for a series folder, in dcm2niix's voxel order.
fn ours(folder: &str) -> FslGradients {
    let dir = data_dir()
        .join("dcmqa/dcm_qa_uih/In/DTI_134434")
        .join(folder);
    let report = scan(dir, &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 17, "{folder}");
    let first = report.read(0, &ReadOptions::default()).unwrap();
    let stored = VoxelOrder::RowsReversed.affine(first.affine, first.volume.dims());
    let gradients: Vec<_> = report
        .volumes
        .iter()
        .map(|v| diffusion(v).unwrap().expect("a DTI volume has a b-value"))
        .collect();
    FslGradients::new(&gradients, &stored)
}

fn assert_close(ours: &[Vec<f64>], theirs: &[Vec<f64>], tolerance: f64, what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lines");
    for (r, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(a.len(), b.len(), "{what} line {r}");
        for (t, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= tolerance,
                "{what} line {r} volume {t}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn uih_axial_bval_and_bvec_match_dcm2niix() {
    let fsl = ours("dti_tra_dir16_AP_SaveBySlc__140028");
    let bval = table(&fsl.bval());
    assert_close(
        &bval,
        &reference("dti_tra_dir16_AP_9_134431.bval"),
        0.5,
        "bval",
    );
    assert!(bval[0][0] < 2.0 && bval[0][1] > 900.0);
    let bvec = table(&fsl.bvec());
    assert_close(
        &bvec,
        &reference("dti_tra_dir16_AP_9_134431.bvec"),
        1e-4,
        "bvec",
    );
}

#[test]
fn uih_rotated_bvec_matches_dcm2niix() {
    let fsl = ours("dti_tra_dir16_PA_rot_SaveBySlc__140451");
    let bvec = table(&fsl.bvec());
    assert_close(
        &bvec,
        &reference("dti_tra_dir16_PA_rot_12_134431.bvec"),
        1e-4,
        "bvec",
    );
}
