//! Every file of `../shared/data/nifti` read by medvol against what SimpleITK 2.5.7 and nibabel
//! 5.4.2 recorded in its `expected.json` (one check per file; all failures are listed).

use medvol_core::{DynVolume, Statistics};
use medvol_io::nifti::{self, Transform};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "common/sitk.rs"]
mod sitk;
use sitk::voxel_type_of_sitk;

/// Millimetres for spacing and origin (the tolerance).
const MM: f64 = 1e-4;
/// Relative tolerance of statistics (the tolerance).
const REL: f64 = 1e-6;
/// expected.json rounds directions to 6 decimals and corners to 3.
const DIRECTION: f64 = 1e-5;
const CORNER: f64 = 1e-3;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/nifti")
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn rel_close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL * a.abs().max(b.abs()).max(1.0)
}

fn all_close(what: &str, got: &[f64], want: &[f64], tol: f64, errs: &mut Vec<String>) {
    if got.len() != want.len() || got.iter().zip(want).any(|(g, w)| !close(*g, *w, tol)) {
        errs.push(format!("{what}: got {got:?}, want {want:?} (tol {tol})"));
    }
}

/// Statistics over all time points, as SimpleITK computes them over its 4-D image.
fn combined(volumes: &[DynVolume]) -> (f64, f64, f64, f64) {
    let stats: Vec<Statistics> = volumes.iter().map(|v| v.statistics()).collect();
    let count: usize = stats.iter().map(|s| s.count).sum();
    let sum: f64 = stats.iter().map(|s| s.sum).sum();
    let min = stats.iter().map(|s| s.min).fold(f64::INFINITY, f64::min);
    let max = stats
        .iter()
        .map(|s| s.max)
        .fold(f64::NEG_INFINITY, f64::max);
    (min, max, sum / count as f64, sum)
}

fn sorted(mut pts: Vec<[f64; 3]>) -> Vec<[f64; 3]> {
    pts.sort_by(|a, b| a.partial_cmp(b).expect("finite corners"));
    pts
}

fn check_file(entry: &Value, errs: &mut Vec<String>) {
    let name = entry["file"].as_str().unwrap();
    let nii = match nifti::read(data_dir().join(name)) {
        Ok(n) => n,
        Err(e) => return errs.push(format!("read failed: {e}")),
    };
    let h = &nii.header;
    let shape: Vec<usize> = nums(&entry["shape"]).iter().map(|&d| d as usize).collect();
    let volumes_expected: usize = shape.iter().skip(3).product();
    if nii.volumes.len() != volumes_expected {
        errs.push(format!(
            "{} volumes, want {volumes_expected}",
            nii.volumes.len()
        ));
    }
    let expected_version = if entry["header_class"]
        .as_str()
        .unwrap()
        .starts_with("Nifti2")
    {
        2
    } else {
        1
    };
    if h.version != expected_version {
        errs.push(format!("version {} want {expected_version}", h.version));
    }
    if h.qform_code != entry["qform_code"].as_i64().unwrap() as i32
        || h.sform_code != entry["sform_code"].as_i64().unwrap() as i32
    {
        errs.push(format!("codes q{} s{}", h.qform_code, h.sform_code));
    }
    let v0 = &nii.volumes[0];
    let g = v0.geometry();
    let dims = v0.dims();
    if dims.as_slice() != &shape[..3.min(shape.len())] {
        errs.push(format!("dims {dims:?} want {shape:?}"));
    }
    for v in &nii.volumes {
        if v.geometry() != g || v.dims() != dims {
            errs.push("time points differ in geometry".into());
        }
    }
    let corners: Vec<[f64; 3]> = g.corners(dims).iter().map(|p| p.0).collect();
    let (min, max, mean, sum) = combined(&nii.volumes);

    let sitk = &entry["sitk"];
    if sitk.get("error").is_some() {
        // SimpleITK cannot read it (NIfTI-2): the header's sform (code > 0) is the reference.
        assert_eq!(
            h.version, 2,
            "{name}: only the NIfTI-2 file is refused by SimpleITK"
        );
        let zooms = nums(&entry["zooms"]);
        all_close("spacing", &g.spacing(), &zooms[..3], MM, errs);
        let s: Vec<Vec<f64>> = entry["sform_ras"]
            .as_array()
            .unwrap()
            .iter()
            .map(nums)
            .collect();
        let lps_sign = [-1.0, -1.0, 1.0];
        let origin: Vec<f64> = (0..3).map(|r| lps_sign[r] * s[r][3]).collect();
        all_close("origin", &g.origin().0, &origin, MM, errs);
        let direction: Vec<f64> = (0..3)
            .flat_map(|r| (0..3).map(move |c| (r, c)))
            .map(|(r, c)| lps_sign[r] * s[r][c] / zooms[c])
            .collect();
        all_close(
            "direction",
            &g.direction().to_row_major(),
            &direction,
            DIRECTION,
            errs,
        );
        if nii.transform != Transform::Sform {
            errs.push(format!(
                "transform {:?}, want the sform (code 1)",
                nii.transform
            ));
        }
        let st = &entry["scaled_stats"];
        for (what, got, want) in [
            ("min", min, st["min"].as_f64().unwrap()),
            ("max", max, st["max"].as_f64().unwrap()),
            ("sum", sum, st["sum"].as_f64().unwrap()),
        ] {
            if !rel_close(got, want) {
                errs.push(format!("{what} {got} want {want}"));
            }
        }
        return;
    }

    let size = nums(&sitk["size"]);
    let rank = size.len();
    all_close(
        "spacing",
        &g.spacing(),
        &nums(&sitk["spacing"])[..3],
        MM,
        errs,
    );
    all_close(
        "origin",
        &g.origin().0,
        &nums(&sitk["origin"])[..3],
        MM,
        errs,
    );
    let d = nums(&sitk["direction"]);
    let direction: Vec<f64> = (0..3)
        .flat_map(|r| (0..3).map(move |c| (r, c)))
        .map(|(r, c)| d[r * rank + c])
        .collect();
    all_close(
        "direction",
        &g.direction().to_row_major(),
        &direction,
        DIRECTION,
        errs,
    );
    let want_corners: Vec<[f64; 3]> = sitk["voxel_center_corners_lps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = nums(p);
            [p[0], p[1], p[2]]
        })
        .collect();
    let (got_c, want_c) = (sorted(corners), sorted(want_corners));
    all_close("corners", &got_c.concat(), &want_c.concat(), CORNER, errs);
    let want_type = voxel_type_of_sitk(sitk["pixel_type"].as_str().unwrap());
    if v0.kind().name() != want_type {
        errs.push(format!("voxel type {} want {want_type}", v0.kind()));
    }
    for (what, got, want) in [
        ("min", min, sitk["min"].as_f64().unwrap()),
        ("max", max, sitk["max"].as_f64().unwrap()),
        ("mean", mean, sitk["mean"].as_f64().unwrap()),
        ("sum", sum, sitk["sum"].as_f64().unwrap()),
    ] {
        if !rel_close(got, want) {
            errs.push(format!("{what} {got} want {want}"));
        }
    }
}

#[test]
fn every_reference_file_matches_simpleitk_or_its_header() {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).expect("expected.json");
    let expected: Value = serde_json::from_str(&text).unwrap();
    let files = expected["files"].as_array().unwrap();
    assert!(files.len() >= 18, "only {} files listed", files.len());
    let mut failures = Vec::new();
    for entry in files {
        let mut errs = Vec::new();
        check_file(entry, &mut errs);
        for e in errs {
            failures.push(format!("{}: {e}", entry["file"].as_str().unwrap()));
        }
    }
    // Every file of the folder is listed (the .img is the other half of minimal.hdr).
    for f in std::fs::read_dir(data_dir()).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().into_owned();
        let listed = files.iter().any(|e| e["file"] == name.as_str());
        assert!(
            listed || name == "expected.json" || name.ends_with(".img"),
            "{name} has no reference"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pair_read_through_the_img_name_equals_the_single_file() {
    let single = nifti::read(data_dir().join("nitrc_minimal.nii")).unwrap();
    let via_img = nifti::read(data_dir().join("nitrc_minimal.img")).unwrap();
    assert!(via_img.header.pair);
    assert_eq!(via_img.volumes, single.volumes);
    assert_eq!(via_img.transform, Transform::Pixdim);
    assert!(
        via_img
            .warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("no qform or sform")),
        "{:?}",
        via_img.warnings
    );
}

#[test]
fn scaled_int16_becomes_f32_with_slope_and_intercept() {
    let nii = nifti::read(data_dir().join("nibabel_functional.nii")).unwrap();
    let (slope, inter) = nii.header.scaling().unwrap();
    assert!(close(slope, 0.075_406_968_593_597_41, 1e-12) && close(inter, 3_100.761_718_75, 1e-9));
    assert_eq!(nii.volumes.len(), 20);
    let v = nii.volumes[0].clone().into_typed::<f32>().unwrap();
    // The first stored value of the raw file, scaled in f64 then rounded once to f32.
    let raw = std::fs::read(data_dir().join("nibabel_functional.nii")).unwrap();
    let first = i16::from_le_bytes([raw[352], raw[353]]) as f64;
    assert_eq!(v.as_slice()[0], (first * slope + inter) as f32);
}

#[test]
fn scaling_beyond_f32_is_read_as_f64() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-slope.nii");
    let v = medvol_core::Volume::<i16>::from_vec(
        [2, 2, 1],
        vec![-32768, -1, 2, 32767],
        medvol_core::Geometry::default(),
    )
    .unwrap();
    nifti::write(&path, &v).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[112..116].copy_from_slice(&1e38f32.to_le_bytes()); // scl_slope
    bytes[116..120].copy_from_slice(&5f32.to_le_bytes()); // scl_inter
    std::fs::write(&path, &bytes).unwrap();
    let read = nifti::read_volume(&path).unwrap();
    let slope = f64::from(1e38f32);
    let want: Vec<f64> = [-32768.0, -1.0, 2.0, 32767.0]
        .iter()
        .map(|s| s * slope + 5.0)
        .collect();
    let got = read.into_typed::<f64>().expect("f64, not f32 infinities");
    assert_eq!(got.as_slice(), &want[..]);
}
