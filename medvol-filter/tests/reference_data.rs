//! medvol-filter against SimpleITK and scipy on real scanner volumes
//! (`../shared/data/*/ref_filters/filters.json`, and the full SimpleITK outputs of
//! `mr_toshiba_ax30_b0/ref_filters/*.nii.gz`).
//!
//! The input is the DICOM series read by medvol-io as `f64`, as the references were computed
//! on SimpleITK's series volume cast to float64.

use medvol_core::{Ijk, Volume};
use medvol_filter::{
    Filter, Gaussian, GaussianMethod, Interpolation, Median, Normalize, Resample, Sigma,
};
use serde_json::Value;

#[path = "../../tests/common/data.rs"]
mod shared;
use shared::shared_data as data_dir;

struct Case {
    json: Value,
    input: Volume<f64>,
}

fn load(name: &str) -> Case {
    let dir = data_dir(name);
    let text = std::fs::read_to_string(dir.join("ref_filters/filters.json")).expect("filters.json");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    let dv = medvol_io::dicom::read_first(dir.join("dicom")).expect("DICOM series");
    let input = dv.volume.to_f64();
    // The input itself must be the references' input.
    let st = &json["input_stats"];
    assert_eq!(input.dims().to_vec(), dims_of(st));
    let s = input.statistics();
    assert_eq!(s.sum, st["sum"].as_f64().unwrap());
    for (ijk, v) in probes(st) {
        assert_eq!(input[ijk], v, "input probe {ijk:?}");
    }
    Case { json, input }
}

fn dims_of(f: &Value) -> Vec<usize> {
    f["shape_xyz"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

fn probes(f: &Value) -> Vec<(Ijk, f64)> {
    f["probes_ijk_value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let ijk: Vec<usize> = p[0]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            (Ijk::new(ijk[0], ijk[1], ijk[2]), p[1].as_f64().unwrap())
        })
        .collect()
}

fn reference<'a>(case: &'a Case, name: &str) -> &'a Value {
    case.json["filters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no reference {name}"))
}

/// Checks dims, geometry, min/max/mean/std/sum and the 12 probes of `out` against reference
/// `name`, within `tol` absolute on voxel values (sums scaled by the voxel count).
fn check<T: medvol_core::Voxel>(case: &Case, name: &str, out: &Volume<T>, tol: f64) {
    let r = reference(case, name);
    assert_eq!(out.dims().to_vec(), dims_of(r), "{name} dims");
    let sp: Vec<f64> = r["spacing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let or: Vec<f64> = r["origin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let g = out.geometry();
    for a in 0..3 {
        assert!((g.spacing()[a] - sp[a]).abs() < 1e-5, "{name} spacing");
        assert!((g.origin().0[a] - or[a]).abs() < 1e-4, "{name} origin");
    }
    for (ijk, want) in probes(r) {
        let got = out[ijk].to_f64();
        assert!(
            (got - want).abs() <= tol,
            "{name} probe {ijk:?}: {got} vs {want} (tol {tol})"
        );
    }
    let s = out.statistics();
    let n = s.count as f64;
    for (key, got, t) in [
        ("min", s.min, tol),
        ("max", s.max, tol),
        ("mean", s.mean, tol),
        ("std_population", s.std_population(), tol),
        ("sum", s.sum, tol * n),
    ] {
        let want = r[key].as_f64().unwrap();
        // Statistics are sums over the volume: allow their rounding (relative 1e-9).
        let t = t + 1e-9 * want.abs();
        assert!(
            (got - want).abs() <= t,
            "{name} {key}: {got} vs {want} (tol {t})"
        );
    }
}

/// `out` against a full SimpleITK output volume (float32 NIfTI), voxel by voxel: at most
/// `tol` plus the float32 rounding of the reference.
fn check_volume<T: medvol_core::Voxel>(file: &str, out: &Volume<T>, tol: f64) -> f64 {
    let path = data_dir("mr_toshiba_ax30_b0/ref_filters").join(file);
    let r = medvol_io::nifti::read_volume(&path)
        .expect("reference NIfTI")
        .to_f64();
    assert_eq!(r.dims(), out.dims(), "{file} dims");
    assert!(
        r.geometry().approx_eq(out.geometry(), 1e-4),
        "{file} geometry {:?} vs {:?}",
        r.geometry(),
        out.geometry()
    );
    let mut worst: f64 = 0.0;
    for (a, b) in out.as_slice().iter().zip(r.as_slice()) {
        let d = (a.to_f64() - b).abs();
        let allowed = tol + b.abs() * f32::EPSILON as f64;
        assert!(d <= allowed, "{file}: {} vs {b}", a.to_f64());
        worst = worst.max(d);
    }
    worst
}

fn gaussian(method: GaussianMethod) -> Gaussian {
    Gaussian::new(Sigma::iso_mm(2.0))
        .unwrap()
        .with_method(method)
}

fn run_all(name: &str) {
    let case = load(name);
    let v = &case.input;

    // scipy.ndimage.gaussian_filter(mode='nearest', truncate=4): same kernel, same order.
    let discrete = gaussian(GaussianMethod::Discrete).apply(v).unwrap();
    check(&case, "gaussian_scipy_sigma2mm", &discrete, 1e-8);

    // ITK's recursive (Deriche) Gaussian: the same recursion and initial conditions.
    let recursive = gaussian(GaussianMethod::Recursive).apply(v).unwrap();
    check(&case, "gaussian_sitk_recursive_sigma2mm", &recursive, 1e-3);

    // Median 3x3x3: exact.
    let median = Median::new([1, 1, 1]).unwrap().apply(v).unwrap();
    check(&case, "median_sitk_r1", &median, 0.0);
    check(&case, "median_scipy_size3", &median, 0.0);

    for (interp, reference_name) in [
        (Interpolation::Linear, "resample_linear_2mm"),
        (Interpolation::Nearest, "resample_nearest_2mm"),
    ] {
        let r = Resample::isotropic(v.geometry(), v.dims(), 2.0)
            .unwrap()
            .with_interpolation(interp)
            .apply(v)
            .unwrap();
        check(&case, reference_name, &r, 1e-4);
    }

    let s = v.statistics();
    let z = Normalize::zscore(&s).unwrap().apply(v).unwrap();
    check(&case, "normalize_zscore_sitk", &z, 1e-5);
    let m = Normalize::range(&s, 0.0, 1.0).unwrap().apply(v).unwrap();
    check(&case, "normalize_minmax_0_1_sitk", &m, 1e-6);

    if name == "mr_toshiba_ax30_b0" {
        let worst = [
            check_volume("gaussian_scipy_sigma2mm.nii.gz", &discrete, 1e-8),
            check_volume("gaussian_sitk_recursive_sigma2mm.nii.gz", &recursive, 1e-4),
            check_volume("median_sitk_r1.nii.gz", &median, 0.0),
            check_volume(
                "resample_linear_2mm.nii.gz",
                &Resample::isotropic(v.geometry(), v.dims(), 2.0)
                    .unwrap()
                    .apply(v)
                    .unwrap(),
                1e-4,
            ),
        ];
        eprintln!("largest differences from the full reference volumes: {worst:?}");
    }
}

#[test]
fn mr_toshiba_ax30_b0() {
    run_all("mr_toshiba_ax30_b0");
}

#[test]
fn ct_philips_head() {
    run_all("ct_philips_head");
}
