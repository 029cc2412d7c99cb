//! End-to-end reconstruction against the same pipeline built from SimpleITK + VTK.
//!
//! Reference numbers were measured with `benches/peers.py --philips` (SimpleITK 2.5
//! ImageSeriesReader, SmoothingRecursiveGaussian sigma 1 mm, padded by one voxel of -3000 so
//! the surface closes at the border, vtkFlyingEdges3D at 300 HU, vtkPolyDataConnectivityFilter
//! largest region, vtkMassProperties).

use medvol::phantom::HeadPhantom;
use medvol::pipeline::{Input, Level, Pipeline, Preset};

#[path = "common/data.rs"]
mod shared;
use shared::shared_data as data;

/// SimpleITK + VTK on ct_philips_head: bone (300 HU), sigma 1 mm, largest component, closed.
const PHILIPS_BONE_AREA_MM2: f64 = 108_694.6;
const PHILIPS_BONE_VOLUME_MM3: f64 = 200_359.3;

#[test]
fn philips_head_bone_matches_simpleitk_vtk() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bone.stl");
    let input = Input::path(data("ct_philips_head/dicom"));
    let outcome = Pipeline::new(Level::Preset(Preset::Bone))
        .with_gaussian(1.0)
        .unwrap()
        .with_largest_component(true)
        .with_output(&out)
        .run(&input)
        .unwrap();
    let r = &outcome.report;
    assert_eq!(r.modality.as_deref(), Some("CT"));
    assert_eq!(r.dims, [512, 512, 28]);
    assert_eq!(r.level, 300.0);
    assert_eq!(r.boundary_edges, 0, "closed surface");
    assert_eq!(r.non_manifold_edges, 0);
    let area_err = (r.area_mm2 - PHILIPS_BONE_AREA_MM2).abs() / PHILIPS_BONE_AREA_MM2;
    let vol_err = (r.volume_mm3 - PHILIPS_BONE_VOLUME_MM3).abs() / PHILIPS_BONE_VOLUME_MM3;
    assert!(
        area_err < 0.01,
        "area {} vs {PHILIPS_BONE_AREA_MM2}",
        r.area_mm2
    );
    assert!(
        vol_err < 0.01,
        "volume {} vs {PHILIPS_BONE_VOLUME_MM3}",
        r.volume_mm3
    );
    // The file holds the same mesh.
    let back = medvol::mesh::write::read(&out).unwrap();
    assert_eq!(back.triangle_count(), r.triangles);
    let names: Vec<&str> = r.steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "read",
            "gaussian",
            "isosurface",
            "largest",
            "write",
            "measure"
        ]
    );
}

#[test]
fn presets_are_refused_on_mr() {
    let input = Input::path(data("mr_toshiba_ax30_b0/dicom"));
    let err = Pipeline::new(Level::Preset(Preset::Bone))
        .run(&input)
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("CT") && msg.contains("MR"), "{msg}");
    // A level works on the same data.
    let ok = Pipeline::new(Level::Value(1500.0)).run(&input).unwrap();
    assert!(ok.report.triangles > 1000);
    assert_eq!(ok.report.boundary_edges, 0);
}

#[test]
fn phantom_pipeline_is_closed_and_deterministic() {
    let input = Input::Phantom(
        HeadPhantom::new([72, 72, 60], [2.5, 2.5, 3.0])
            .unwrap()
            .with_noise(3, 15.0),
    );
    let pipeline = Pipeline::new(Level::Preset(Preset::Skin))
        .with_spacing_mm(2.0)
        .unwrap()
        .with_median(1)
        .unwrap()
        .with_window(-1000.0, 2000.0)
        .unwrap()
        .with_largest_component(true);
    let a = pipeline.run(&input).unwrap();
    let b = pipeline.run(&input).unwrap();
    assert_eq!(a.mesh.positions(), b.mesh.positions());
    assert_eq!(a.mesh.faces(), b.mesh.faces());
    assert_eq!(a.report.boundary_edges, 0);
    assert_eq!(
        a.mesh.euler_characteristic(),
        2,
        "the skin is one sphere-like surface"
    );
    // The skin encloses the head ellipsoid: semi-axes 0.80, 0.92, 0.95 of the field of view's
    // smallest half-extent (88.75 mm here), within the smoothing error.
    let scale = 88.75f64;
    let expected = 4.0 / 3.0 * std::f64::consts::PI * 0.80 * 0.92 * 0.95 * scale.powi(3);
    let err = (a.report.volume_mm3 - expected).abs() / expected;
    assert!(err < 0.03, "volume {} vs {expected}", a.report.volume_mm3);
}

/// Every voxel type takes one path to `f32`: an `i16` volume (converted inside the first
/// stage), the same volume as `f32` and `f64` in memory (read where they are), and the phantom
/// input give the same mesh, with and without resampling first (where `f64` is interpolated
/// in `f64` and rounded once, so it is compared without resampling only).
#[test]
fn every_voxel_type_gives_the_same_mesh() {
    let phantom = HeadPhantom::new([48, 44, 30], [3.0, 3.0, 4.0]).unwrap();
    let ct = phantom.generate();
    let volume = |v: medvol::DynVolume| Input::Volume {
        volume: v,
        description: "in memory".into(),
        modality: Some("CT".into()),
    };
    let inputs = [
        Input::Phantom(phantom),
        volume(ct.clone().into()),
        volume(ct.cast::<f32>().into()),
        volume(ct.cast::<f64>().into()),
    ];
    let gaussian = Pipeline::new(Level::Preset(Preset::Bone))
        .with_gaussian(3.5)
        .unwrap();
    let pipelines = [
        gaussian.clone(),
        gaussian.with_spacing_mm(2.5).unwrap(),
        Pipeline::new(Level::Preset(Preset::Skin))
            .with_median(1)
            .unwrap()
            .with_window(-1000.0, 1000.0)
            .unwrap(),
    ];
    for (p, pipeline) in pipelines.iter().enumerate() {
        let want = pipeline.run(&inputs[0]).unwrap();
        assert!(want.report.triangles > 1000);
        for (i, input) in inputs.iter().enumerate().skip(1) {
            if p == 1 && i == 3 {
                continue;
            }
            let got = pipeline.run(input).unwrap();
            let same = got.mesh.positions() == want.mesh.positions()
                && got.mesh.faces() == want.mesh.faces();
            assert!(same, "pipeline {p}, input {i}");
        }
    }
}

#[test]
fn invalid_parameters_are_errors() {
    assert!(Pipeline::new(Level::Value(0.0)).with_gaussian(0.0).is_err());
    assert!(
        Pipeline::new(Level::Value(0.0))
            .with_spacing_mm(-1.0)
            .is_err()
    );
    assert!(
        Pipeline::new(Level::Value(0.0))
            .with_window(5.0, 1.0)
            .is_err()
    );
    let input = Input::path("/nonexistent/medvol/series");
    assert!(Pipeline::new(Level::Value(0.0)).run(&input).is_err());
}

/// A gantry-tilted CT with uneven gaps is meshed on a true grid: resliced and resampled so
/// that the stack spans what pydicom's slice positions span along the normal.
#[test]
fn tilted_uneven_ct_is_meshed_on_a_true_grid() {
    let set = data("ct_ge_tilt_varspacing");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(set.join("expected.json")).unwrap()).unwrap();
    let slices = expected["pydicom_summary"]["series"][0]["slices_sorted_by_position_along_normal"]
        .as_array()
        .unwrap();
    let along = |s: &serde_json::Value| s["pos_along_normal"].as_f64().unwrap();
    let extent = along(&slices[slices.len() - 1]) - along(&slices[0]);
    let outcome = Pipeline::new(Level::Value(2000.0))
        .run(&Input::path(set.join("dicom")))
        .unwrap();
    let r = &outcome.report;
    let (nk, sk) = (r.dims[2] as f64, r.spacing[2]);
    assert!(
        (nk - 1.0) * sk <= extent + 1e-3 && extent < nk * sk,
        "{nk} slices {sk} mm apart for a {extent} mm stack"
    );
    assert!(
        r.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.to_string().contains("tilt corrected")),
        "{:?}",
        r.warnings
    );
    // The programs that read with the library default (filter, isosurface) see this grid too.
    let loaded = Input::path(set.join("dicom")).load().unwrap();
    assert_eq!(loaded.volume.dims(), r.dims);
    assert_eq!(loaded.volume.geometry().spacing(), r.spacing);
    assert_eq!(loaded.placement, Some(medvol::io::dicom::Placement::Exact));
    // read as stored, the stack is 28 slices at the first gap: a quarter too short
    let raw = Pipeline::new(Level::Value(2000.0))
        .with_dicom_options(
            medvol::io::dicom::ReadOptions::default()
                .with_uniform(medvol::io::dicom::Uniform::Warn)
                .with_tilt(medvol::io::dicom::Tilt::Raw),
        )
        .run(&Input::path(set.join("dicom")))
        .unwrap();
    assert_eq!(raw.report.dims[2], 28);
}
