//! United Imaging "VFRAME" (SaveBySlc) DTI mosaics from dcm2niix's validation corpus
//! (`shared/data/dcmqa/dcm_qa_uih`): split into their slices at the positions the files carry,
//! one volume per diffusion direction, checked voxel by voxel and corner by corner against
//! dcm2niix's reference NIfTIs (`Ref/`, read with medvol's NIfTI reader).

use medvol_core::{Ijk, Point};
use medvol_io::dicom::{Placement, ReadOptions, ScanOptions, scan};
use medvol_io::nifti;

#[allow(dead_code)] // `usizes` is for the other test files
mod common;
use common::data_dir;

/// (input folder under `In/DTI_134434`, reference NIfTI under `Ref`).
const SERIES: [(&str, &str); 3] = [
    (
        "dti_tra_dir16_AP_SaveBySlc__140028",
        "dti_tra_dir16_AP_9_134431.nii.gz",
    ),
    (
        "dti_tra_dir16_PA_SaveBySlc__135612",
        "dti_tra_dir16_PA_6_134431.nii.gz",
    ),
    (
        "dti_tra_dir16_PA_rot_SaveBySlc__140451",
        "dti_tra_dir16_PA_rot_12_134431.nii.gz",
    ),
];

/// Largest distance from a corner of either set to the nearest corner of the other (mm).
fn corner_distance(a: &[Point; 8], b: &[Point; 8]) -> f64 {
    let one_way = |a: &[Point; 8], b: &[Point; 8]| {
        a.iter()
            .map(|p| {
                b.iter()
                    .map(|q| (*p - *q).norm())
                    .fold(f64::INFINITY, f64::min)
            })
            .fold(0.0, f64::max)
    };
    one_way(a, b).max(one_way(b, a))
}

#[test]
fn uih_vframe_mosaics_match_dcm2niix() {
    let root = data_dir().join("dcmqa/dcm_qa_uih");
    for (folder, reference) in SERIES {
        let report = scan(
            root.join("In/DTI_134434").join(folder),
            &ScanOptions::default(),
        )
        .unwrap();
        let theirs = nifti::read(root.join("Ref").join(reference)).unwrap();
        assert_eq!(theirs.volumes.len(), 17, "{reference}");
        assert_eq!(report.volumes.len(), theirs.volumes.len(), "{folder}");
        for (t, (info, want)) in report.volumes.iter().zip(&theirs.volumes).enumerate() {
            assert_eq!(info.dims, [64, 64, 20], "{folder} t{t}");
            assert_eq!(info.time_point, Some((t, 17)));
            assert!(info.has_geometry);
            let v = report.read(t, &ReadOptions::default()).unwrap();
            assert_eq!(
                v.placement,
                Placement::Exact,
                "{folder} t{t}: {:?}",
                v.warnings
            );
            assert!(info.spacing.uniform, "{folder}");
            let (ours, g) = (v.volume.to_f64(), *v.volume.geometry());
            let dims = v.volume.dims();
            let d = corner_distance(&g.corners(dims), &want.geometry().corners(dims));
            assert!(d <= 1e-3, "{folder} t{t}: corners {d} mm apart");
            // Each of our voxels equals dcm2niix's voxel at the same place.
            let theirs = want.to_f64();
            let wg = want.geometry();
            for (n, value) in ours.as_slice().iter().enumerate() {
                let ijk = Ijk([n % 64, (n / 64) % 64, n / 4096]);
                let c = wg.physical_to_index(g.ijk_to_physical(ijk)).0;
                let at = Ijk(c.map(|x| x.round() as usize));
                assert!(c.iter().all(|x| (x - x.round()).abs() < 1e-3));
                assert_eq!(theirs.get(at), Some(*value), "{folder} t{t} {ijk:?}");
            }
        }
    }
}
