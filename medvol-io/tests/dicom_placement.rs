//! Where DICOM voxels are placed: the default read puts every voxel at its true place, the raw
//! stack is available by option and says how exact its matrix is ([`Placement`]). Reference
//! positions are pydicom's (`shared/data/*/expected.json`, `pydicom_summary`).

use medvol_core::{ContinuousIndex, Ijk, Point};
use medvol_io::dicom::{
    PLACEMENT_TOLERANCE_MM, Placement, ReadOptions, ScanOptions, Tilt, Uniform, read_first, scan,
};
use serde_json::Value;

#[allow(dead_code)] // `usizes` is for the other test files
mod common;
use common::data_dir;

const TILTED: &str = "ct_ge_tilt_varspacing";

/// pydicom's slices of the tilted CT, sorted along the normal: (IPP, position along normal).
fn pydicom_slices() -> Vec<(Point, f64)> {
    let text = std::fs::read_to_string(data_dir().join(TILTED).join("expected.json")).unwrap();
    let e: Value = serde_json::from_str(&text).unwrap();
    e["pydicom_summary"]["series"][0]["slices_sorted_by_position_along_normal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let ipp: Vec<f64> = s["ipp"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            (
                Point([ipp[0], ipp[1], ipp[2]]),
                s["pos_along_normal"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// `affine` applied to a continuous index.
fn apply(a: &[[f64; 4]; 4], ijk: [f64; 3]) -> Point {
    Point(std::array::from_fn(|r| {
        a[r][3] + a[r][0] * ijk[0] + a[r][1] * ijk[1] + a[r][2] * ijk[2]
    }))
}

fn no_misplacement_claim(warnings: &[medvol_core::Warning]) {
    for w in warnings.iter().map(ToString::to_string) {
        assert!(
            !w.contains("misplace") && !w.contains("from their place"),
            "a corrected grid still warns of misplaced voxels: {w}"
        );
    }
}

/// The default read reslices and resamples the tilted, unevenly spaced CT: the first and last
/// slices' voxel (0, 0) lie on the grid (k = 0 and k = last) within 1e-3 mm, every slice's
/// inside it, and the warnings name what was done and the option that undoes it.
#[test]
fn default_read_puts_tilted_uneven_slices_at_their_place() {
    let slices = pydicom_slices();
    let v = read_first(data_dir().join(TILTED).join("dicom")).unwrap();
    assert!(v.tilt_corrected && v.resampled);
    assert_eq!(v.placement, Placement::Exact);
    assert_eq!(v.affine, v.volume.geometry().affine());
    no_misplacement_claim(&v.warnings);
    for (needle, option) in [
        ("tilt corrected", "Tilt::Raw"),
        ("resampled", "Uniform::Warn"),
    ] {
        assert!(
            v.warnings
                .iter()
                .map(ToString::to_string)
                .any(|w| w.contains(needle) && w.contains(option)),
            "{needle}/{option}: {:?}",
            v.warnings
        );
    }
    let g = v.volume.geometry();
    let dims = v.volume.dims();
    let last_k = (dims[2] - 1) as f64;
    for (n, (ipp, _)) in slices.iter().enumerate() {
        let ContinuousIndex([i, j, k]) = g.physical_to_index(*ipp);
        // Within the grid, give or take pydicom's rounding of the positions (1e-4 mm).
        let inside = |x: f64, a: usize| {
            let tol = PLACEMENT_TOLERANCE_MM / g.spacing()[a];
            x > -tol && x < (dims[a] - 1) as f64 + tol
        };
        assert!(
            inside(i, 0) && inside(j, 1) && inside(k, 2),
            "slice {n} at ({i}, {j}, {k}) outside the {dims:?} grid"
        );
    }
    // First slice: on a voxel centre; last slice: on the last plane (its in-plane shift is not
    // a whole number of pixels, so only its plane is checked).
    let (first, _) = slices[0];
    let ContinuousIndex(c) = g.physical_to_index(first);
    let centre = Ijk(c.map(|x| x.round() as usize));
    assert!((g.ijk_to_physical(centre) - first).norm() < PLACEMENT_TOLERANCE_MM);
    assert_eq!(centre.0[2], 0);
    let (last, _) = slices[slices.len() - 1];
    let ContinuousIndex([_, _, k]) = g.physical_to_index(last);
    assert!(
        ((k - last_k) * g.spacing()[2]).abs() < PLACEMENT_TOLERANCE_MM,
        "last slice at k = {k}, last plane {last_k}"
    );
    // The pipeline uses the same default: its grid is this one.
    let as_stored = ReadOptions::default()
        .with_uniform(Uniform::Warn)
        .with_tilt(Tilt::Raw);
    let report = scan(
        data_dir().join(TILTED).join("dicom"),
        &ScanOptions::default(),
    )
    .unwrap();
    let again = report.read(0, &ReadOptions::default()).unwrap();
    assert!(again.volume.geometry().approx_eq(g, 0.0));
    assert_ne!(report.read(0, &as_stored).unwrap().volume.dims(), dims);
}

/// Kept as stored, the uneven tilted stack has no exact matrix: its affine places the first two
/// slices (its k column is their step) and says by how much it misses the others.
#[test]
fn raw_uneven_stack_is_approximate_and_says_by_how_much() {
    let slices = pydicom_slices();
    let report = scan(
        data_dir().join(TILTED).join("dicom"),
        &ScanOptions::default(),
    )
    .unwrap();
    let options = ReadOptions::default()
        .with_uniform(Uniform::Warn)
        .with_tilt(Tilt::Raw);
    let v = report.read(0, &options).unwrap();
    let Placement::Approximate { max_error_mm } = v.placement else {
        panic!("{:?}", v.placement)
    };
    let misses: Vec<f64> = slices
        .iter()
        .enumerate()
        .map(|(k, (ipp, _))| (apply(&v.affine.to_array(), [0.0, 0.0, k as f64]) - *ipp).norm())
        .collect();
    assert!(misses[0] < PLACEMENT_TOLERANCE_MM && misses[1] < PLACEMENT_TOLERANCE_MM);
    let worst = misses.iter().copied().fold(0.0, f64::max);
    assert!(worst > 10.0, "{worst}");
    // pydicom's IPP are rounded to 1e-4 mm; ours are the files' own.
    assert!(
        (worst - max_error_mm).abs() < 1e-2,
        "{worst} vs {max_error_mm}"
    );
    assert!(
        v.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("Uniform::Warn") && w.contains("Uniform::Resample")),
        "{:?}",
        v.warnings
    );
}

/// Resampled but not resliced, the tilted stack stays sheared: the affine (not the orthonormal
/// geometry) places every acquired slice's first voxel on the grid's k line within 1e-3 mm,
/// the first and last on planes 0 and last.
#[test]
fn resampled_raw_stack_is_sheared_and_its_affine_is_exact() {
    let slices = pydicom_slices();
    let report = scan(
        data_dir().join(TILTED).join("dicom"),
        &ScanOptions::default(),
    )
    .unwrap();
    let options = ReadOptions::default().with_tilt(Tilt::Raw);
    let v = report.read(0, &options).unwrap();
    assert!(v.resampled && !v.tilt_corrected);
    let Placement::Sheared { geometry_error_mm } = v.placement else {
        panic!("{:?}", v.placement)
    };
    assert!(geometry_error_mm > 40.0, "{geometry_error_mm}");
    assert!(v.placement.affine_is_exact() && !v.placement.geometry_is_exact());
    let a = v.affine.to_array();
    let sk: f64 = (0..3).map(|r| a[r][2] * a[r][2]).sum::<f64>().sqrt();
    let normal_step = v.volume.geometry().spacing()[2];
    let along0 = slices[0].1;
    let nk = v.volume.dims()[2];
    for (n, (ipp, along)) in slices.iter().enumerate() {
        // Plane index along the normal, then the point of the grid's k line there.
        let k = (along - along0) / normal_step;
        let on_line = apply(&a, [0.0, 0.0, k]);
        assert!(
            (on_line - *ipp).norm() < 2e-3,
            "slice {n}: {on_line:?} vs {ipp:?}"
        );
        if n == 0 || n == slices.len() - 1 {
            let plane = if n == 0 { 0.0 } else { (nk - 1) as f64 };
            assert!((k - plane).abs() * normal_step < 2e-3, "slice {n} at k {k}");
        }
    }
    assert!(
        sk > normal_step,
        "a sheared step is longer than its normal part"
    );
    assert!(
        v.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("Tilt::Raw") && w.contains("Tilt::Corrected")),
        "{:?}",
        v.warnings
    );
}

/// Files without ImagePositionPatient/Orientation give an invented grid, flagged as such.
#[test]
fn series_without_geometry_is_invented() {
    let folder = data_dir().join("dicom_multiframe_emri_small");
    let report = scan(&folder, &ScanOptions::default()).unwrap();
    for i in 0..report.volumes.len() {
        let v = report.read(i, &ReadOptions::default()).unwrap();
        assert!(!v.info.has_geometry);
        assert_eq!(v.placement, Placement::Invented);
        assert!(
            v.warnings
                .iter()
                .map(ToString::to_string)
                .any(|w| w.contains("invented") && w.contains("qform/sform code 0")),
            "{:?}",
            v.warnings
        );
    }
}

/// Copies of a real CT slice (pydicom's `CT_small.dcm`) at the given heights along z.
fn stack_at(dir: &std::path::Path, zs: &[f64]) {
    use dicom_core::{DataElement, VR, value::PrimitiveValue};
    use dicom_dictionary_std::tags;
    let source = data_dir().join("dicom_ts_pydicom_small/dicom/CT_small.dcm");
    for (k, z) in zs.iter().enumerate() {
        let mut obj = dicom_object::open_file(&source).unwrap();
        let sop = format!("1.2.826.0.1.3680043.2.1125.78.{k}");
        let text = |v: String, tag, vr| DataElement::new(tag, vr, PrimitiveValue::from(v));
        obj.put(text(sop.clone(), tags::SOP_INSTANCE_UID, VR::UI));
        obj.meta_mut().media_storage_sop_instance_uid = sop;
        obj.put(text(
            format!("-158.1\\-179.0\\{z}"),
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
        ));
        obj.put(text((k + 1).to_string(), tags::INSTANCE_NUMBER, VR::IS));
        obj.write_to_file(dir.join(format!("{k}.dcm"))).unwrap();
    }
}

/// Two nearly coincident slices do not make the default resampling explode: the step is at
/// least an eighth of the mean gap, and the planes still span the first slice to the last.
#[test]
fn nearly_coincident_slices_resample_at_a_bounded_step() {
    let dir = tempfile::tempdir().unwrap();
    stack_at(dir.path(), &[0.0, 5.0, 5.02, 10.0, 15.0]);
    let report = scan(dir.path(), &ScanOptions::default()).unwrap();
    let v = report.read(0, &ReadOptions::default()).unwrap();
    assert!(v.resampled);
    assert_eq!(v.placement, Placement::Exact);
    // Mean gap 3.75 mm: no step finer than 0.46875 mm, 32 steps over 15 mm.
    assert_eq!(v.volume.dims()[2], 33);
    assert!((v.volume.geometry().spacing()[2] - 15.0 / 32.0).abs() < 1e-9);
    // Asked for, a finer step is taken as given.
    let fine = report
        .read(0, &ReadOptions::default().with_resample_spacing_mm(0.1))
        .unwrap();
    assert_eq!(fine.volume.dims()[2], 151);
}
