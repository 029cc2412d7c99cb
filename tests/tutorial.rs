//! The tutorial's steps (`src/tutorial.rs`, chapters 1 to 8) on the real CT series
//! `../shared/data/ct_philips_head/dicom` (or `$MEDVOL_DATA/ct_philips_head/dicom`), against the
//! values SimpleITK, pydicom, scipy, numpy, VTK and trimesh give for the same steps, stored in
//! `tutorial_reference.json` beside this file by `tutorial_reference.py` (its header gives the
//! command).

use medvol::filter::{Blocked, Gaussian, Interpolation, Normalize, Sigma, resample_isotropic};
use medvol::io::dicom::{Anonymizer, ReadOptions, ScanOptions, read_first, save_with_pixels, scan};
use medvol::io::nifti;
use medvol::mesh::MarchingCubes;
use medvol::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

#[path = "common/data.rs"]
mod shared;

/// The series, or a failure in one line naming what is missing.
fn series_dir() -> PathBuf {
    shared::shared_data("ct_philips_head/dicom")
}

fn reference() -> Value {
    let text = include_str!("tutorial_reference.json");
    serde_json::from_str(text).expect("tutorial_reference.json is JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(num)
        .collect()
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: {got} vs {want} (tol {tol})"
    );
}

/// The probes `[[i, j, k], value]` of `reference` in `volume`, within `tol`.
fn check_probes(what: &str, volume: &Volume<f64>, reference: &Value, tol: f64) {
    for p in reference.as_array().expect("probes") {
        let ijk = nums(&p[0]).iter().map(|x| *x as usize).collect::<Vec<_>>();
        let got = volume[Ijk::new(ijk[0], ijk[1], ijk[2])];
        close(&format!("{what} at {ijk:?}"), got, num(&p[1]), tol);
    }
}

/// Statistics `min`, `max`, `mean`, `std_population` of `stats` against `reference`.
fn check_stats(what: &str, stats: &medvol::Statistics, reference: &Value, tol: f64) {
    close(
        &format!("{what} min"),
        stats.min,
        num(&reference["min"]),
        tol,
    );
    close(
        &format!("{what} max"),
        stats.max,
        num(&reference["max"]),
        tol,
    );
    close(
        &format!("{what} mean"),
        stats.mean,
        num(&reference["mean"]),
        tol,
    );
    let sd = stats.std_population();
    close(
        &format!("{what} std"),
        sd,
        num(&reference["std_population"]),
        tol,
    );
}

fn check_geometry(what: &str, g: &Geometry, dims: [usize; 3], reference: &Value) {
    let size: Vec<usize> = nums(&reference["size"])
        .iter()
        .map(|x| *x as usize)
        .collect();
    assert_eq!(dims.to_vec(), size, "{what} dims");
    for (got, want) in g.spacing().iter().zip(nums(&reference["spacing"])) {
        close(&format!("{what} spacing"), *got, want, 1e-6);
    }
    for (got, want) in g.origin().0.iter().zip(nums(&reference["origin"])) {
        close(&format!("{what} origin"), *got, want, 1e-4);
    }
    for (got, want) in g
        .direction()
        .to_row_major()
        .iter()
        .zip(nums(&reference["direction"]))
    {
        close(&format!("{what} direction"), *got, want, 1e-6);
    }
}

#[test]
fn tutorial_steps_agree_with_the_peers_on_a_real_ct() {
    let dir = series_dir();
    let refs = reference();
    let tmp = tempfile::tempdir().unwrap();

    // 1. Read the series; resample it to 1 mm isotropic voxels (SimpleITK).
    let report = scan(&dir, &ScanOptions::default()).unwrap();
    let read = report.read(0, &ReadOptions::default()).unwrap();
    let ct = read.volume.to_f64();
    check_geometry("series", ct.geometry(), ct.dims(), &refs["series"]);
    check_stats("series", &ct.statistics(), &refs["series"], 1e-6);
    check_probes("series", &ct, &refs["series"]["probes_ijk_value"], 0.0);
    let iso = resample_isotropic(&ct, 1.0, Interpolation::Linear).unwrap();
    let r = &refs["resample_iso"];
    check_geometry("resampled", iso.geometry(), iso.dims(), r);
    check_probes("resampled", &iso, &r["probes_ijk_value"], 1e-6);

    // 2. One file's metadata as DICOM names it (pydicom), new pixels saved beside it.
    let one = &refs["one_file"];
    let file = dir.join(one["file"].as_str().unwrap());
    let slice = read_first(&file).unwrap();
    let meta = &slice.info.metadata;
    assert_eq!(meta.rows, one["rows"].as_i64());
    assert_eq!(meta.columns, one["columns"].as_i64());
    assert_eq!(meta.modality.as_deref(), one["modality"].as_str());
    assert_eq!(
        meta.series_description.as_deref(),
        one["series_description"].as_str()
    );
    assert_eq!(meta.patient_name.as_deref(), one["patient_name"].as_str());
    check_stats("one file", &slice.volume.statistics(), one, 1e-6);
    let clipped = slice.volume.to_f64().map(|hu| hu.clamp(-100.0, 200.0));
    let saved = tmp.path().join("clipped.dcm");
    save_with_pixels(&file, &saved, &clipped).unwrap();
    let back = read_first(&saved).unwrap().volume.statistics();
    assert_eq!((back.min, back.max), (-100.0, 200.0));

    // 3. To NIfTI and back: the geometry SimpleITK reads from the series, the same voxels.
    let nii = tmp.path().join("ct.nii.gz");
    nifti::write_dyn(&nii, &read.volume).unwrap();
    let from_nii = nifti::read_volume(&nii).unwrap().to_f64();
    check_geometry(
        "NIfTI",
        from_nii.geometry(),
        from_nii.dims(),
        &refs["series"],
    );
    assert_eq!(from_nii.as_slice(), ct.as_slice());

    // 4. Smooth (sigma 1 mm) and normalise ((x + 1000) * 0.001) as scipy and numpy do.
    let gauss = Gaussian::new(Sigma::iso_mm(1.0)).unwrap();
    let shift_scale = Normalize::linear(1e-3, 1000.0 * 1e-3).unwrap();
    let smooth = gauss.apply(&ct).unwrap();
    let normalised = shift_scale.apply(&smooth).unwrap().cast::<f64>();
    let sn = &refs["smooth_normalise"];
    check_stats("smoothed", &normalised.statistics(), sn, 1e-6);
    check_probes("smoothed", &normalised, &sn["probes_ijk_value"], 1e-6);

    // 5. The bone surface, closed by default: VTK's on the padded volume, watertight.
    let s = &refs["surface"];
    let bone = MarchingCubes::new(num(&s["level"]))
        .unwrap()
        .run(&ct)
        .unwrap();
    assert_eq!(bone.vertex_count() as f64, num(&s["n_points"]));
    assert_eq!(bone.triangle_count() as f64, num(&s["n_triangles"]));
    assert_eq!(
        s["watertight"].as_bool(),
        Some(true),
        "trimesh on VTK's surface"
    );
    assert!(bone.edge_report().is_closed_manifold());
    let volume = bone.enclosed_volume_mm3().expect("closed");
    assert!((bone.area_mm2() / num(&s["area_mm2"]) - 1.0).abs() < 2e-3);
    assert!((volume / num(&s["volume_mm3"]) - 1.0).abs() < 2e-3);

    // 6. In blocks: slabs pasted back, and a blocked Gaussian, equal the whole-volume runs.
    let mut pasted = Volume::<f64>::zeros(ct.dims(), *ct.geometry()).unwrap();
    for slab in ct.slabs(5).unwrap() {
        pasted
            .paste(&shift_scale.apply(&slab).unwrap().cast())
            .unwrap();
    }
    assert_eq!(pasted, shift_scale.apply(&ct).unwrap().cast());
    let blocked = Blocked::new(gauss)
        .with_slices(4)
        .unwrap()
        .apply(&ct)
        .unwrap();
    assert_eq!(blocked, smooth);

    // 7. Slices in parallel: each slice's mean, as numpy computes them.
    let means = medvol::core::par::map_slices(ct.as_array().view(), 0, |_, slice| {
        slice.mean().unwrap_or(f64::NAN)
    });
    let want = nums(&refs["slice_means"]["means"]);
    assert_eq!(means.len(), want.len());
    for (k, (got, want)) in means.iter().zip(&want).enumerate() {
        close(&format!("slice {k} mean"), *got, *want, 1e-9 * want.abs());
    }

    // 8. De-identified: the patient's name (pydicom: "HEAD") gone, geometry and voxels kept.
    let anonymous = tmp.path().join("anonymous");
    let done = Anonymizer::new().folder(&dir, &anonymous).unwrap();
    assert_eq!((done.written.len(), done.skipped.len()), (ct.dims()[2], 0));
    let read = read_first(&anonymous).unwrap();
    assert!(one["patient_name"].as_str().is_some_and(|n| !n.is_empty()));
    let name = read.info.metadata.patient_name.unwrap_or_default();
    assert!(name.is_empty(), "patient name kept: {name}");
    check_geometry(
        "anonymous",
        read.volume.geometry(),
        read.volume.dims(),
        &refs["series"],
    );
    assert_eq!(read.volume.to_f64().as_slice(), ct.as_slice());
}
