//! The example programs' command lines and `--json` outputs are contracts other tools check
//! medvol through (issues 3 to 8, the README's table, each example's `//!` header). These tests
//! run the built example binaries on real data from `../shared/data` (a test fails in one
//! line naming the missing path when it is absent) and on the built-in phantom, and check the
//! JSON against the reference values recorded there by SimpleITK, VTK and dcm2niix.
//!
//! The binaries are the ones `cargo test --workspace` (or `cargo build --examples`) builds into
//! the same profile folder as this test; nothing here invokes cargo.

use dicom_dictionary_std::tags;
use medvol::Geometry;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../medvol-io/tests/common/sitk.rs"]
mod sitk;
use sitk::voxel_type_of_sitk;

/// Millimetres for spacing, origin and corners of volumes read from files (issue 3).
const MM: f64 = 1e-4;
/// Relative tolerance of statistics (issue 3).
const REL: f64 = 1e-6;
/// The reference JSON rounds directions to 6 decimals.
const DIRECTION: f64 = 1e-5;
/// The reference JSON rounds corner coordinates to 3 decimals.
const CORNER: f64 = 1e-3;

/// The built example `name`: `<profile>/examples/<name>`, next to `<profile>/deps/<this test>`.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test binary");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <profile>/deps");
    let path = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "example binary {} not found: run `cargo test --workspace` (it builds the examples) \
         or `cargo build --examples` first",
        path.display()
    );
    path
}

#[path = "common/data.rs"]
mod shared;
use shared::shared_data as data;

/// Runs example `name` with `args` in the folder `cwd` (the test's own when `None`).
fn run(name: &str, args: &[&dyn AsRef<OsStr>], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(example(name));
    cmd.args(args.iter().map(|a| a.as_ref()));
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run example {name}: {e}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The one JSON object a successful `--json` run prints on stdout.
fn json_object(name: &str, out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{name} failed ({}): {}",
        out.status,
        stderr(out)
    );
    let text = stdout(out);
    let values: Vec<Value> = serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{name}: stdout is not JSON ({e}): {text}"));
    assert_eq!(
        values.len(),
        1,
        "{name}: stdout must hold exactly one JSON value: {text}"
    );
    let v = values.into_iter().next().unwrap();
    assert!(v.is_object(), "{name}: stdout is not a JSON object: {v}");
    v
}

/// Asserts that `obj` has every key of `keys`.
fn assert_keys(what: &str, obj: &Value, keys: &[&str]) {
    for k in keys {
        assert!(obj.get(k).is_some(), "{what}: key {k:?} missing in {obj}");
    }
}

/// A failed run: exit status 1, exactly one line on stderr, nothing on stdout.
fn assert_one_line_failure(what: &str, out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: exit status {}",
        out.status
    );
    let err = stderr(out);
    assert!(
        err.ends_with('\n') && err.lines().count() == 1 && !err.trim().is_empty(),
        "{what}: stderr must be exactly one line: {err:?}"
    );
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout not empty: {}",
        stdout(out)
    );
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or_else(|| panic!("not a number: {x}")))
        .collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn count(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not a non-negative integer: {v}"))
}

fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert!(
        got.len() == want.len() && got.iter().zip(want).all(|(g, w)| (g - w).abs() <= tol),
        "{what}: got {got:?}, want {want:?} (tolerance {tol})"
    );
}

fn assert_rel(what: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1.0),
        "{what}: got {got}, want {want} (relative tolerance {rel})"
    );
}

/// The 8 corner points of a JSON list, sorted so that two sets compare regardless of order.
fn corner_set(v: &Value) -> Vec<Vec<f64>> {
    let mut pts: Vec<Vec<f64>> = v
        .as_array()
        .unwrap_or_else(|| panic!("corners not an array: {v}"))
        .iter()
        .map(nums)
        .collect();
    assert_eq!(pts.len(), 8, "8 corners: {v}");
    pts.sort_by(|a, b| a.partial_cmp(b).expect("finite corners"));
    pts
}

fn assert_corner_sets(what: &str, got: &[Vec<f64>], want: &[Vec<f64>], tol: f64) {
    for (g, w) in got.iter().zip(want) {
        assert_close(what, g, w, tol);
    }
}

/// The corners of a geometry as JSON-like point lists.
fn geometry_corners(g: &Geometry, dims: [usize; 3]) -> Vec<Vec<f64>> {
    let mut pts: Vec<Vec<f64>> = g.corners(dims).iter().map(|p| p.0.to_vec()).collect();
    pts.sort_by(|a, b| a.partial_cmp(b).expect("finite corners"));
    pts
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir` (recursively) with its bytes, by path relative to `dir`.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("readable folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root").to_path_buf();
                out.push((rel, std::fs::read(&path).expect("readable file")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// One volume record of `inspect --json` against a SimpleITK record of the reference JSON
/// (`size`, `spacing`, `origin`, `direction`, `min`/`max`/`mean`, `voxel_center_corners_lps`),
/// and its `pixel_type` when `same_type` (DICOM series may be read into another integer type
/// that holds the values after rescale, e.g. 12-bit u16 as i16).
fn check_volume_against_sitk(what: &str, vol: &Value, sitk: &Value, same_type: bool) {
    assert_keys(
        what,
        vol,
        &[
            "name",
            "dims",
            "spacing",
            "origin",
            "direction",
            "voxel_type",
            "min",
            "max",
            "mean",
            "corners",
        ],
    );
    assert_eq!(nums(&vol["dims"]), nums(&sitk["size"]), "{what}: dims");
    assert_close(
        &format!("{what}: spacing"),
        &nums(&vol["spacing"]),
        &nums(&sitk["spacing"]),
        MM,
    );
    let origin = nums(&vol["origin"]);
    assert_close(
        &format!("{what}: origin"),
        &origin,
        &nums(&sitk["origin"]),
        MM,
    );
    assert_close(
        &format!("{what}: direction"),
        &nums(&vol["direction"]),
        &nums(&sitk["direction"]),
        DIRECTION,
    );
    let voxel_type = vol["voxel_type"].as_str().expect("voxel_type");
    if same_type {
        assert_eq!(
            voxel_type,
            voxel_type_of_sitk(sitk["pixel_type"].as_str().unwrap()),
            "{what}: voxel_type"
        );
    } else {
        assert!(
            ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "f64"].contains(&voxel_type),
            "{what}: voxel_type {voxel_type}"
        );
    }
    for key in ["min", "max", "mean"] {
        assert_rel(
            &format!("{what}: {key}"),
            num(&vol[key]),
            num(&sitk[key]),
            REL,
        );
    }
    let corners = &vol["corners"];
    assert_eq!(corners.as_array().map(Vec::len), Some(8), "{what}: corners");
    assert_close(
        &format!("{what}: first corner is the origin"),
        &nums(&corners[0]),
        &origin,
        1e-9,
    );
    assert_corner_sets(
        &format!("{what}: corners"),
        &corner_set(corners),
        &corner_set(&sitk["voxel_center_corners_lps"]),
        CORNER,
    );
}

/// Issue 3: `inspect <nifti> --json` gives SimpleITK's geometry and statistics.
#[test]
fn inspect_nifti_json_matches_simpleitk() {
    let dir = data("nifti");
    let expected = read_json(&dir.join("expected.json"));
    // Big-endian i16 with qfac -1 (qform = sform code 2); gzipped u8 with a sform only.
    for file in ["nibabel_anatomical.nii", "nitrc_avg152T1_LR_nifti.nii.gz"] {
        let entry = expected["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"] == file)
            .unwrap_or_else(|| panic!("{file} not in expected.json"));
        let path = dir.join(file);
        let out = run("inspect", &[&path, &"--json"], None);
        let report = json_object("inspect", &out);
        assert_keys(file, &report, &["path", "volumes", "warnings"]);
        assert_eq!(report["path"].as_str(), Some(path.to_str().unwrap()));
        assert!(report["warnings"].is_array(), "{file}: warnings");
        let volumes = report["volumes"].as_array().expect("volumes array");
        assert_eq!(volumes.len(), 1, "{file}: one 3-D volume");
        assert_eq!(volumes[0]["name"].as_str(), Some(file));
        check_volume_against_sitk(file, &volumes[0], &entry["sitk"], true);
    }
}

/// Issue 14, item 9: nibabel's `resampled_anat_moved.nii` (big-endian f32, 153 NaN voxels,
/// copied into medvol-io/tests/data): `inspect --json` prints the statistics of the finite
/// voxels, never `null`, counts the others and warns. Reference: the `.stats.json` beside it,
/// from nibabel and numpy (`a[np.isfinite(a)]`'s min, max and mean; `(~np.isfinite(a)).sum()`).
#[test]
fn inspect_statistics_are_finite_with_a_count_of_nan_voxels() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("medvol-io/tests/data");
    let want = read_json(&dir.join("resampled_anat_moved.stats.json"));
    let out = run(
        "inspect",
        &[&dir.join("resampled_anat_moved.nii"), &"--json"],
        None,
    );
    let report = json_object("inspect", &out);
    let v = &report["volumes"][0];
    assert_eq!(v["nonfinite"], want["nonfinite"]);
    for key in ["min", "max", "mean"] {
        let (got, want) = (v[key].as_f64(), want[key].as_f64().unwrap());
        let got = got.unwrap_or_else(|| panic!("{key} is {}", v[key]));
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "{key}: {got} vs {want}"
        );
    }
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("153 voxel(s) are NaN or infinite")),
        "{warnings:?}"
    );
}

/// Issue 4: `inspect <dicom folder> --json` gives the series' dims, spacing and geometry as
/// SimpleITK read it, with the DICOM fields of the contract.
#[test]
fn inspect_dicom_folder_matches_expected() {
    let set = data("mr_siemens_t1_sag_hfs");
    let expected = read_json(&set.join("expected.json"));
    let sitk = &expected["sitk_series_reader"][0];
    let series = &expected["pydicom_summary"]["series"][0];
    let out = run("inspect", &[&set.join("dicom"), &"--json"], None);
    let report = json_object("inspect", &out);
    assert_keys(
        "dicom",
        &report,
        &["path", "volumes", "warnings", "skipped"],
    );
    assert_eq!(report["skipped"].as_array().map(Vec::len), Some(0));
    let volumes = report["volumes"].as_array().expect("volumes array");
    assert_eq!(volumes.len(), 1, "one series: {report}");
    let vol = &volumes[0];
    check_volume_against_sitk("mr_siemens_t1_sag_hfs", vol, sitk, false);
    assert_keys(
        "dicom volume",
        vol,
        &["series_uid", "label", "files", "warnings"],
    );
    assert_eq!(vol["series_uid"], series["series_instance_uid"]);
    assert_eq!(count(&vol["files"]), count(&sitk["n_files"]));
    assert!(vol["label"].as_str().is_some_and(|l| !l.is_empty()));
    assert!(vol["warnings"].is_array());
}

/// Issue 3: errors are one line on stderr and exit status 1, with nothing on stdout.
#[test]
fn inspect_errors_are_one_line_and_status_1() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("does-not-exist.nii");
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "not an image\nsecond line\n").unwrap();
    let fake_nifti = tmp.path().join("fake.nii");
    std::fs::write(&fake_nifti, b"this is not a NIfTI header").unwrap();
    for (what, path) in [
        ("missing path", &missing),
        ("text file", &notes),
        ("fake .nii", &fake_nifti),
    ] {
        for json in [true, false] {
            let out = if json {
                run("inspect", &[path, &"--json"], None)
            } else {
                run("inspect", &[path], None)
            };
            assert_one_line_failure(&format!("inspect {what} (json {json})"), &out);
        }
    }
}

/// Issue 8: `reconstruct --out FILE --json` on the built-in phantom (no INPUT): one JSON object
/// with the report's keys, a closed bone surface whose file holds the same mesh.
#[test]
fn reconstruct_phantom_json_and_mesh_file() {
    let tmp = tempfile::tempdir().unwrap();
    let stl = tmp.path().join("bone.stl");
    let out = run(
        "reconstruct",
        &[&"--out", &stl, &"--json"],
        Some(tmp.path()),
    );
    let r = json_object("reconstruct", &out);
    assert_keys(
        "reconstruct",
        &r,
        &[
            "timings_ms",
            "vertices",
            "triangles",
            "area_mm2",
            "volume_mm3",
            "boundary_edges",
            "output",
        ],
    );
    let timings = r["timings_ms"].as_object().expect("timings_ms object");
    assert!(!timings.is_empty(), "timings_ms per stage");
    assert!(timings.values().all(|t| num(t) >= 0.0), "{timings:?}");
    assert_eq!(r["output"].as_str(), Some(stl.to_str().unwrap()));
    assert_eq!(r["level"].as_f64(), Some(300.0), "bone preset by default");
    // The default phantom: 256^3 voxels of 0.7 x 0.7 x 1.25 mm.
    assert_eq!(nums(&r["dims"]), [256.0, 256.0, 256.0]);
    assert_close("spacing", &nums(&r["spacing"]), &[0.7, 0.7, 1.25], 1e-12);

    let (vertices, triangles) = (count(&r["vertices"]), count(&r["triangles"]));
    let (area, volume) = (num(&r["area_mm2"]), num(&r["volume_mm3"]));
    assert!(vertices > 0 && triangles > 0, "{r}");
    // Closed by default: no boundary edges; a closed triangle mesh has an even face count.
    assert_eq!(count(&r["boundary_edges"]), 0);
    assert_eq!(triangles % 2, 0, "closed surface, 3F = 2E");
    let box_mm3 = (256.0 * 0.7) * (256.0 * 0.7) * (256.0 * 1.25);
    assert!(area > 0.0 && volume > 0.0 && volume < box_mm3, "{r}");

    let mesh = medvol::mesh::write::read(&stl).expect("the STL reads back");
    assert_eq!(mesh.triangle_count() as u64, triangles);
    assert_rel("STL area", mesh.area_mm2(), area, 1e-4);
    assert_rel("STL volume", mesh.signed_volume_mm3(), volume, 1e-4);
    // Nothing else written in the working folder (the default name is not used with --out).
    assert!(!tmp.path().join("phantom_bone.stl").exists());
}

/// Issue 8: with no INPUT and no `--out`, the phantom's surface goes to `phantom_bone.stl` in
/// the current folder (the README's first command).
#[test]
fn reconstruct_without_arguments_writes_phantom_bone_stl_here() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run("reconstruct", &[&"--json"], Some(tmp.path()));
    let r = json_object("reconstruct", &out);
    assert_eq!(r["output"].as_str(), Some("phantom_bone.stl"));
    let stl = tmp.path().join("phantom_bone.stl");
    let mesh = medvol::mesh::write::read(&stl).expect("phantom_bone.stl written here");
    assert_eq!(mesh.triangle_count() as u64, count(&r["triangles"]));
}

/// Issue 8: invalid option values are refused before any work, with a message on stderr.
#[test]
fn reconstruct_refuses_invalid_options() {
    let tmp = tempfile::tempdir().unwrap();
    let stl = tmp.path().join("x.stl");
    let cases: [&[&dyn AsRef<OsStr>]; 3] = [
        &[&"--preset", &"cartilage", &"--out", &stl],
        &[&"--sigma", &"0", &"--out", &stl, &"--json"],
        &[&"--median", &"many", &"--out", &stl],
    ];
    for args in cases {
        let out = run("reconstruct", args, Some(tmp.path()));
        assert!(!out.status.success(), "accepted an invalid option");
        assert!(!stderr(&out).trim().is_empty(), "no message on stderr");
        assert!(out.stdout.is_empty(), "stdout: {}", stdout(&out));
        assert!(!stl.exists(), "an output was written");
    }
}

/// Issue 4: `dicom2nifti <folder> <out> --json`: one `.nii.gz` named
/// `<SeriesNumber>_<SeriesDescription>` with its JSON sidecar, the series' dims and geometry,
/// placed where dcm2niix places it.
#[test]
fn dicom2nifti_writes_the_series() {
    let set = data("mr_siemens_t1_sag_hfs");
    let expected = read_json(&set.join("expected.json"));
    let sitk = &expected["sitk_series_reader"][0];
    let series = &expected["pydicom_summary"]["series"][0];
    let input = set.join("dicom");
    let before = snapshot(&input);
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("nifti");
    let out = run("dicom2nifti", &[&input, &out_dir, &"--json"], None);
    let summary = json_object("dicom2nifti", &out);
    assert_keys("dicom2nifti", &summary, &["outputs"]);
    let outputs = summary["outputs"].as_array().expect("outputs array");
    assert_eq!(outputs.len(), 1, "{summary}");
    let o = &outputs[0];
    assert_eq!(o["series_uid"], series["series_instance_uid"]);
    assert_eq!(nums(&o["dims"]), nums(&sitk["size"]));
    let file = PathBuf::from(o["file"].as_str().expect("file"));
    let name = format!(
        "{}_{}",
        series["series_number"],
        series["series_description"].as_str().unwrap()
    );
    assert_eq!(file, out_dir.join(format!("{name}.nii.gz")));
    let sidecar = read_json(&out_dir.join(format!("{name}.json")));
    assert_eq!(sidecar["SeriesInstanceUID"], series["series_instance_uid"]);

    let v = medvol::io::nifti::read_volume(&file).expect("the written NIfTI reads back");
    assert_eq!(v.dims().map(|d| d as f64).to_vec(), nums(&sitk["size"]));
    let g = v.geometry();
    assert_close("spacing", &g.spacing(), &nums(&sitk["spacing"]), MM);
    let s = v.statistics();
    for (key, got) in [("min", s.min), ("max", s.max), ("mean", s.mean)] {
        assert_rel(key, got, num(&sitk[key]), REL);
    }
    // The voxel centres where dcm2niix's own output puts them.
    let reference = set.join("ref_dcm2niix/t1_fl2d_sag_3.nii.gz");
    let r = medvol::io::nifti::read_volume(&reference).expect("dcm2niix's NIfTI");
    assert_corner_sets(
        "corners vs dcm2niix",
        &geometry_corners(g, v.dims()),
        &geometry_corners(r.geometry(), r.dims()),
        CORNER,
    );
    assert_eq!(snapshot(&input), before, "the input folder was modified");
}

/// Issue 4: nothing to convert is exit status 1 with a one-line reason on stderr.
#[test]
fn dicom2nifti_without_images_fails_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("notes.txt"), "no images here\n").unwrap();
    let out_dir = tmp.path().join("out");
    let out = run("dicom2nifti", &[&input, &out_dir, &"--json"], None);
    assert_one_line_failure("dicom2nifti on a folder without images", &out);
    let written = std::fs::read_dir(&out_dir).map_or(0, |d| d.count());
    assert_eq!(written, 0, "files written although nothing was converted");
}

/// Issue 6: `filter <dicom folder> <out.nii.gz> median --radius 1 --json` equals SimpleITK's
/// median voxel statistics exactly, keeps the grid, and `--block-slices` writes the same volume.
#[test]
fn filter_median_matches_simpleitk() {
    let set = data("mr_toshiba_ax30_b0");
    let refs = read_json(&set.join("ref_filters/filters.json"));
    let median = refs["filters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "median_sitk_r1")
        .expect("median_sitk_r1 reference");
    let input = set.join("dicom");
    let tmp = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for blocked in [false, true] {
        let nii = tmp.path().join(format!("median_{blocked}.nii.gz"));
        let out = if blocked {
            run(
                "filter",
                &[
                    &input,
                    &nii,
                    &"median",
                    &"--radius",
                    &"1",
                    &"--block-slices",
                    &"7",
                    &"--json",
                ],
                None,
            )
        } else {
            run(
                "filter",
                &[&input, &nii, &"median", &"--radius", &"1", &"--json"],
                None,
            )
        };
        let r = json_object("filter", &out);
        assert_keys("filter", &r, &["op", "dims", "spacing", "timings_ms"]);
        assert_eq!(r["op"].as_str(), Some("median"));
        assert_eq!(nums(&r["dims"]), nums(&median["shape_xyz"]));
        assert_close(
            "spacing",
            &nums(&r["spacing"]),
            &nums(&median["spacing"]),
            MM,
        );
        assert_keys("timings_ms", &r["timings_ms"], &["read", "filter", "write"]);

        let v = medvol::io::nifti::read_volume(&nii).expect("the filtered NIfTI reads back");
        let g = v.geometry();
        assert_eq!(
            v.dims().map(|d| d as f64).to_vec(),
            nums(&median["shape_xyz"])
        );
        assert_close("origin", &g.origin().0, &nums(&median["origin"]), MM);
        assert_close(
            "direction",
            &g.direction().to_row_major(),
            &nums(&median["direction"]),
            DIRECTION,
        );
        let s = v.statistics();
        for (key, got) in [
            ("min", s.min),
            ("max", s.max),
            ("mean", s.mean),
            ("sum", s.sum),
        ] {
            assert_rel(&format!("median {key}"), got, num(&median[key]), REL);
        }
        written.push(v.to_f64());
    }
    assert_eq!(
        written[0].as_slice(),
        written[1].as_slice(),
        "--block-slices changed the result"
    );
}

/// Issue 7: `isosurface <dicom folder> <out.stl> --level V --close-border --json` agrees with
/// vtkFlyingEdges3D on the padded volume (area and volume within 0.2%), closed and manifold,
/// and the STL holds the reported mesh.
#[test]
fn isosurface_matches_vtk() {
    let set = data("mr_toshiba_ax30_b0");
    let refs = read_json(&set.join("ref_filters/filters.json"));
    let padded = &refs["isosurface"]["padded"];
    let vtk = &padded["vtkFlyingEdges3D"];
    let level = num(&padded["level"]).to_string();
    let tmp = tempfile::tempdir().unwrap();
    let stl = tmp.path().join("surface.stl");
    let out = run(
        "isosurface",
        &[
            &set.join("dicom"),
            &stl,
            &"--level",
            &level,
            &"--close-border",
            &"--json",
        ],
        None,
    );
    let r = json_object("isosurface", &out);
    assert_keys(
        "isosurface",
        &r,
        &[
            "vertices",
            "triangles",
            "area_mm2",
            "volume_mm3",
            "boundary_edges",
            "non_manifold_edges",
            "components",
            "timings_ms",
        ],
    );
    assert!(r["timings_ms"].is_object());
    assert_eq!(count(&r["boundary_edges"]), 0);
    assert_eq!(count(&r["non_manifold_edges"]), 0);
    assert!(count(&r["components"]) >= 1 && count(&r["vertices"]) > 0);
    // Counts are those of an edge-based marching cubes like VTK's (within 0.5%).
    for (key, vtk_key) in [("vertices", "n_points"), ("triangles", "n_triangles")] {
        assert_rel(
            &format!("{key} vs vtkFlyingEdges3D"),
            count(&r[key]) as f64,
            num(&vtk[vtk_key]),
            5e-3,
        );
    }
    assert_rel(
        "area vs vtkFlyingEdges3D",
        num(&r["area_mm2"]),
        num(&vtk["surface_area_mm2"]),
        2e-3,
    );
    assert_rel(
        "volume vs vtkFlyingEdges3D",
        num(&r["volume_mm3"]),
        num(&vtk["volume_mm3"]),
        2e-3,
    );
    let mesh = medvol::mesh::write::read(&stl).expect("the STL reads back");
    assert_eq!(mesh.triangle_count() as u64, count(&r["triangles"]));
    assert_rel("STL area", mesh.area_mm2(), num(&r["area_mm2"]), 1e-4);
}

/// Issue 5: `anonymize <in> <out> --json` writes every file under the same relative path,
/// with the patient's name and id gone and Patient Identity Removed = YES; inputs untouched.
#[test]
fn anonymize_copies_every_file_without_the_patient() {
    let set = data("dicom_ts_pydicom_small");
    let input = set.join("dicom");
    let before = snapshot(&input);
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("anon");
    // --keep-names: the default names are IM00001.dcm, ... (issue 15)
    let out = run(
        "anonymize",
        &[&input, &out_dir, &"--json", &"--keep-names"],
        None,
    );
    let r = json_object("anonymize", &out);
    assert_keys(
        "anonymize",
        &r,
        &["written", "skipped", "dropped", "options"],
    );
    assert_eq!(count(&r["written"]), before.len() as u64, "{r}");
    assert_eq!(r["skipped"].as_array().map(Vec::len), Some(0), "{r}");
    let after: Vec<PathBuf> = snapshot(&out_dir).into_iter().map(|(p, _)| p).collect();
    let names: Vec<PathBuf> = before.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(after, names, "same relative layout");
    for rel in &names {
        let original = dicom_object::open_file(input.join(rel)).unwrap();
        let anon = dicom_object::open_file(out_dir.join(rel)).unwrap();
        let text = |obj: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag| {
            obj.get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
                .filter(|s| !s.is_empty())
        };
        for tag in [tags::PATIENT_NAME, tags::PATIENT_ID] {
            let was = text(&original, tag);
            let now = text(&anon, tag);
            assert!(
                now.is_none() || now != was,
                "{}: {tag:?} still {now:?}",
                rel.display()
            );
        }
        assert_eq!(
            text(&anon, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
            Some("YES"),
            "{}",
            rel.display()
        );
    }
    assert_eq!(snapshot(&input), before, "the input folder was modified");
}

/// Issue 5: exit status 1 when nothing could be written (a folder without DICOM files).
#[test]
fn anonymize_without_dicom_files_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("notes.txt"), "no DICOM here\n").unwrap();
    let out_dir = tmp.path().join("out");
    let out = run("anonymize", &[&input, &out_dir, &"--json"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    // The summary still says what happened: nothing written, the text file skipped with a reason.
    let r: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(count(&r["written"]), 0);
    let skipped = r["skipped"].as_array().expect("skipped array");
    assert_eq!(skipped.len(), 1, "{r}");
    assert_eq!(skipped[0]["path"].as_str(), Some("notes.txt"));
    assert!(skipped[0]["reason"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        snapshot_if_exists(&out_dir).is_empty(),
        "files written although nothing was de-identified"
    );
}

/// [`snapshot`] of a folder that may not exist (empty then).
fn snapshot_if_exists(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    if dir.is_dir() {
        snapshot(dir)
    } else {
        Vec::new()
    }
}

/// A run that fails as a whole (the output folder inside the input): exit 1, one line on
/// stderr, and with `--json` the error as one JSON object on stdout.
#[test]
fn anonymize_refusing_the_folders_reports_on_stderr() {
    let input = data("dicom_ts_pydicom_small");
    let before = snapshot(&input);
    let inside = input.join("medvol-anonymized");
    let out = run("anonymize", &[&input, &inside], None);
    assert_one_line_failure("anonymize", &out);
    let out = run("anonymize", &[&input, &inside, &"--json"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let r: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert!(r["error"].as_str().is_some_and(|e| !e.is_empty()), "{r}");
    assert!(!inside.exists());
    assert!(snapshot(&input) == before, "the input changed");
}

/// What a reader notes about the input (here: which time point of a 4-D file) reaches the
/// user: `warnings` in `isosurface --json`, and `--volume` on a NIfTI input is refused, not
/// ignored. Negative values are values: `--sigma -1` is refused by medvol in one line.
#[test]
fn input_notes_reach_the_user_and_bad_values_fail_in_one_line() {
    let nii = data("nifti/nibabel_example4d.nii.gz");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t0.stl");
    let r = run(
        "isosurface",
        &[&nii, &out, &"--level", &"100", &"--json"],
        None,
    );
    let r = json_object("isosurface", &r);
    let warnings = r["warnings"].as_array().expect("warnings array");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("time point 0 of 2"))),
        "{r}"
    );
    let filtered = tmp.path().join("f.nii.gz");
    let failed = run(
        "filter",
        &[
            &nii,
            &filtered,
            &"--volume",
            &"1",
            &"gaussian",
            &"--sigma",
            &"2",
        ],
        None,
    );
    assert_one_line_failure("filter --volume", &failed);
    assert!(!filtered.exists());
    let failed = run(
        "reconstruct",
        &[&nii, &"--volume", &"1", &"--out", &out],
        None,
    );
    assert_one_line_failure("reconstruct --volume", &failed);
    let failed = run("reconstruct", &[&"--sigma", &"-1", &"--out", &out], None);
    assert_one_line_failure("reconstruct --sigma -1", &failed);
    assert!(stderr(&failed).contains("sigma"), "{}", stderr(&failed));
}

/// Issue 23: the surface is closed at the volume border by default (printable: trimesh calls
/// the STL of the CT head at 300 HU watertight), with the counts, area and volume of
/// vtkFlyingEdges3D on the padded volume; `--open` gives VTK's open surface and reports its
/// boundary edges instead of an enclosed volume; a level outside the values is an error that
/// gives their range, and nothing is written.
#[test]
fn isosurface_is_closed_by_default_and_open_only_when_asked() {
    let set = data("ct_philips_head");
    let refs = read_json(&set.join("ref_filters/filters.json"));
    let tmp = tempfile::tempdir().unwrap();
    let dicom = set.join("dicom");
    for (flag, reference) in [(None, "padded"), (Some("--open"), "unpadded")] {
        let stl = tmp.path().join(format!("{reference}.stl"));
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&dicom, &stl, &"--level", &"300", &"--json"];
        let open_flag = flag.unwrap_or_default();
        if flag.is_some() {
            args.push(&open_flag);
        }
        let r = json_object("isosurface", &run("isosurface", &args, None));
        let vtk = &refs["isosurface"][reference]["vtkFlyingEdges3D"];
        assert_eq!(
            count(&r["vertices"]),
            count(&vtk["n_points"]),
            "{reference}"
        );
        assert_eq!(
            count(&r["triangles"]),
            count(&vtk["n_triangles"]),
            "{reference}"
        );
        let area = num(&vtk["surface_area_mm2"]);
        assert_rel(reference, num(&r["area_mm2"]), area, 2e-3);
        if flag.is_none() {
            assert_eq!(
                (count(&r["boundary_edges"]), r["closed"].as_bool()),
                (0, Some(true))
            );
            assert_rel(
                reference,
                num(&r["volume_mm3"]),
                num(&vtk["volume_mm3"]),
                2e-3,
            );
        } else {
            // The count: 5,564 edges where the skull meets the border of the scan.
            assert_eq!(count(&r["boundary_edges"]), 5564);
            assert_eq!(
                (r["volume_mm3"].is_null(), r["closed"].as_bool()),
                (true, Some(false))
            );
        }
    }
    // The summary of an open surface gives its boundary edges, not a volume.
    let stl = tmp.path().join("open_text.stl");
    let args: [&dyn AsRef<OsStr>; 5] = [&dicom, &stl, &"--level", &"300", &"--open"];
    let text = stdout(&run("isosurface", &args, None));
    assert!(
        text.contains("open surface (5564 boundary edges)"),
        "{text}"
    );
    assert!(!text.contains("mm³"), "{text}");
    // A level above every value: one line with the range, no file.
    let none = tmp.path().join("none.stl");
    let args: [&dyn AsRef<OsStr>; 4] = [&dicom, &none, &"--level", &"99999"];
    let out = run("isosurface", &args, None);
    assert_one_line_failure("isosurface --level 99999", &out);
    let err = stderr(&out);
    assert!(
        err.contains("--level") && err.contains("from -") && err.contains(" to "),
        "{err}"
    );
    assert!(!none.exists());
}

/// The six example programs.
const PROGRAMS: [&str; 6] = [
    "anonymize",
    "dicom2nifti",
    "filter",
    "inspect",
    "isosurface",
    "reconstruct",
];

/// Issue 23: every program's `-h` starts with its own purpose (not the crate's description),
/// and every option has a help text.
#[test]
fn every_program_explains_itself_and_each_option() {
    let crate_about = env!("CARGO_PKG_DESCRIPTION");
    let mut abouts = Vec::new();
    for name in PROGRAMS {
        let out = run(name, &[&"-h"], None);
        assert!(out.status.success(), "{name} -h: {}", out.status);
        let text = stdout(&out);
        let about = text.lines().next().unwrap_or_default().to_string();
        assert!(
            !about.is_empty() && about != crate_about,
            "{name}: about {about:?}"
        );
        abouts.push(about);
        let mut in_options = false;
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if line.ends_with(':') && !line.starts_with(' ') {
                in_options = line == "Options:" || line == "Arguments:";
                continue;
            }
            let l = line.trim_start();
            let is_item = l.starts_with('-') || l.starts_with('<') || l.starts_with('[');
            if in_options && is_item {
                // "  --flag <V>  what it does", or the help on the next lines when long.
                let help = l
                    .split_once("  ")
                    .map(|(_, h)| h.trim())
                    .unwrap_or_default();
                let below = lines.peek().map(|n| n.trim()).unwrap_or_default();
                let below_is_help = !below.is_empty() && !below.starts_with(['-', '<', '[']);
                assert!(
                    !help.is_empty() || below_is_help,
                    "{name}: no help for {l:?}"
                );
            }
        }
    }
    abouts.sort();
    abouts.dedup();
    assert_eq!(
        abouts.len(),
        PROGRAMS.len(),
        "each program has its own about"
    );
    // filter's operations explain their options too.
    for op in ["gaussian", "median", "resample", "normalize", "threshold"] {
        let text = stdout(&run("filter", &[&op, &"-h"], None));
        for line in text
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with("--"))
        {
            let help = line
                .split_once("  ")
                .map(|(_, h)| h.trim())
                .unwrap_or_default();
            assert!(!help.is_empty(), "filter {op}: no help for {line:?}");
        }
    }
}

/// Issue 23: a usage mistake (an unknown flag, a missing argument, a value that is not a
/// number) exits with status 1 and one line on stderr naming the flag, never clap's status 2
/// and several lines, and is never called an invalid DICOM file.
#[test]
fn usage_mistakes_fail_in_one_line_with_status_1() {
    for name in PROGRAMS {
        // reconstruct without arguments is a job (the phantom), not a mistake.
        let nothing: &[&dyn AsRef<OsStr>] = if name == "reconstruct" {
            &[&"--preset"]
        } else {
            &[]
        };
        for args in [&[&"--no-such-flag" as &dyn AsRef<OsStr>][..], nothing] {
            let out = run(name, args, None);
            assert_one_line_failure(&format!("{name} {}", args.len()), &out);
            let err = stderr(&out);
            assert!(err.starts_with(&format!("{name}: ")), "{err}");
            assert!(!err.to_lowercase().contains("dicom file"), "{err}");
        }
    }
    let out = run(
        "isosurface",
        &[&"--phantom", &"x.stl", &"--level", &"bone"],
        None,
    );
    assert_one_line_failure("isosurface --level bone", &out);
    assert!(stderr(&out).contains("--level"), "{}", stderr(&out));
    // The output given first: a mesh is not a scan.
    let out = run(
        "isosurface",
        &[&"skull.stl", &"ct_folder", &"--level", &"300"],
        None,
    );
    assert_one_line_failure("isosurface skull.stl ct_folder", &out);
    assert!(
        stderr(&out).contains("mesh file, not a scan"),
        "{}",
        stderr(&out)
    );
    // Errors name the flags the user typed, not the API's parameters.
    let tmp = tempfile::tempdir().unwrap();
    let nii = phantom_nifti(tmp.path());
    let out_nii = tmp.path().join("out.nii.gz");
    let out = run(
        "filter",
        &[&nii, &out_nii, &"resample", &"--spacing", &"-2"],
        None,
    );
    assert_one_line_failure("filter resample --spacing -2", &out);
    let err = stderr(&out);
    assert!(
        err.contains("--spacing") && !err.contains("spacing_mm"),
        "{err}"
    );
    let out = run(
        "reconstruct",
        &[&"--spacing", &"0", &"--out", &tmp.path().join("r.stl")],
        None,
    );
    assert_one_line_failure("reconstruct --spacing 0", &out);
    let err = stderr(&out);
    assert!(
        err.contains("--spacing") && !err.contains("spacing_mm"),
        "{err}"
    );
}

/// A small CT phantom as a NIfTI file in `dir`.
fn phantom_nifti(dir: &Path) -> PathBuf {
    let ct = medvol::phantom::HeadPhantom::new([48, 48, 40], [4.0, 4.0, 5.0])
        .expect("phantom")
        .generate();
    let path = dir.join("phantom.nii.gz");
    medvol::io::nifti::write(&path, &ct).expect("phantom NIfTI written");
    path
}

/// Issue 23: filter, isosurface and reconstruct refuse to replace an existing output (one
/// line, status 1, the file untouched) and replace it with `--force`.
#[test]
fn outputs_are_not_overwritten_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let nii = phantom_nifti(tmp.path());
    let existing = |name: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, b"keep me").unwrap();
        path
    };
    let nii_out = existing("smooth.nii.gz");
    let stl_iso = existing("iso.stl");
    let stl_rec = existing("rec.stl");
    let jobs: [(&str, Vec<&dyn AsRef<OsStr>>, &Path); 3] = [
        (
            "filter",
            vec![&nii, &nii_out, &"gaussian", &"--sigma", &"2"],
            &nii_out,
        ),
        (
            "isosurface",
            vec![&nii, &stl_iso, &"--level", &"300"],
            &stl_iso,
        ),
        ("reconstruct", vec![&nii, &"--out", &stl_rec], &stl_rec),
    ];
    for (name, mut args, path) in jobs {
        let out = run(name, &args, None);
        assert_one_line_failure(&format!("{name} over an existing file"), &out);
        assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
        assert_eq!(
            std::fs::read(path).unwrap(),
            b"keep me",
            "{name} touched it"
        );
        args.push(&"--force");
        let out = run(name, &args, None);
        assert!(out.status.success(), "{name} --force: {}", stderr(&out));
        assert_ne!(std::fs::read(path).unwrap(), b"keep me", "{name} --force");
    }
    // anonymize writes numbered names into a folder: one that holds files is refused, so two
    // de-identified copies never mix; --force writes into it.
    let dicom = data("dicom_ts_pydicom_small/dicom");
    let anon = tmp.path().join("anon");
    std::fs::create_dir(&anon).unwrap();
    let kept = anon.join("IM00001.dcm");
    std::fs::write(&kept, b"keep me").unwrap();
    let out = run("anonymize", &[&dicom, &anon], None);
    assert_one_line_failure("anonymize into a used folder", &out);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        b"keep me",
        "anonymize touched it"
    );
    let out = run("anonymize", &[&dicom, &anon, &"--force"], None);
    assert!(out.status.success(), "anonymize --force: {}", stderr(&out));
    assert_ne!(
        std::fs::read(&kept).unwrap(),
        b"keep me",
        "anonymize --force"
    );
}

/// Issue 23: with `--progress`, a job reports its progress on stderr (as lines when stderr is
/// not a terminal) with the stage it runs; without it, a pipe gets none.
#[test]
fn progress_shows_with_the_progress_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let nii = phantom_nifti(tmp.path());
    let f = tmp.path().join("f.nii.gz");
    let iso = tmp.path().join("iso.stl");
    let rec = tmp.path().join("rec.stl");
    let jobs: [(&str, Vec<&dyn AsRef<OsStr>>, &str); 3] = [
        (
            "filter",
            vec![&nii, &f, &"median", &"--radius", &"1"],
            "median",
        ),
        ("isosurface", vec![&nii, &iso, &"--level", &"300"], "mesh"),
        ("reconstruct", vec![&nii, &"--out", &rec], "isosurface"),
    ];
    for (name, mut args, stage) in jobs {
        args.push(&"--force");
        let quiet = run(name, &args, None);
        assert!(quiet.status.success(), "{name}: {}", stderr(&quiet));
        assert!(
            !stderr(&quiet).contains("stages"),
            "{name}: {}",
            stderr(&quiet)
        );
        args.push(&"--progress");
        let out = run(name, &args, None);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.lines()
                .any(|l| l.starts_with(name) && l.contains("stages")),
            "{name}: {err}"
        );
        assert!(err.contains(stage), "{name}: no {stage} stage in {err}");
    }
    let set = data("dicom_ts_pydicom_small/dicom");
    let out = run(
        "dicom2nifti",
        &[&set, &tmp.path().join("nii"), &"--progress"],
        None,
    );
    assert!(stderr(&out).contains("files"), "{}", stderr(&out));
    let out = run(
        "anonymize",
        &[&set, &tmp.path().join("anon"), &"--progress"],
        None,
    );
    assert!(
        stderr(&out).contains("files de-identified"),
        "{}",
        stderr(&out)
    );
}

/// Issue 23: `inspect --json` gives each volume's modality, gantry tilt and time point
/// (null where the format has none).
#[test]
fn inspect_json_gives_modality_tilt_and_time_point() {
    let (ct, nii4d) = (
        data("ct_philips_head/dicom"),
        data("nifti/nibabel_example4d.nii.gz"),
    );
    let r = json_object("inspect", &run("inspect", &[&ct, &"--json"], None));
    let v = &r["volumes"][0];
    assert_eq!(v["modality"].as_str(), Some("CT"), "{v}");
    assert_eq!(v["tilt_deg"].as_f64(), Some(0.0), "{v}");
    assert!(v["time_point"].is_null(), "{v}");
    let r = json_object("inspect", &run("inspect", &[&nii4d, &"--json"], None));
    for (t, v) in r["volumes"].as_array().expect("volumes").iter().enumerate() {
        assert!(v["modality"].is_null() && v["tilt_deg"].is_null(), "{v}");
        assert_eq!(count(&v["time_point"]["index"]), t as u64);
        assert_eq!(count(&v["time_point"]["count"]), 2);
    }
}

/// Issue 23: reconstruct names its mesh from the series description (not the folder, which
/// every series of a `dicom` folder shares), prints the grid once and the level with its unit
/// and preset, and calls the phantom's stage "generate", not "read".
#[test]
fn reconstruct_names_the_mesh_from_the_series_and_summarises_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run("reconstruct", &[], Some(tmp.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("256 x 256 x 256").count(), 1, "{text}");
    assert!(text.contains("level     300 HU, bone preset"), "{text}");
    assert!(
        text.contains("generate") && !text.contains(" read "),
        "{text}"
    );
    assert!(text.contains("closed, encloses"), "{text}");
    let ct = data("ct_philips_head/dicom");
    let out = run("reconstruct", &[&ct, &"--json"], Some(tmp.path()));
    let r = json_object("reconstruct", &out);
    // SeriesDescription "STD BRAIN 5MM" (SeriesNumber 201).
    assert_eq!(r["output"].as_str(), Some("STD_BRAIN_5MM_bone.stl"), "{r}");
    assert!(tmp.path().join("STD_BRAIN_5MM_bone.stl").is_file());
    assert_eq!(r["closed"].as_bool(), Some(true));
}

/// Issue 15: a killed writer's temporary file (`.medvol-tmp-*`) in a DICOM folder is not an
/// image of the series: `inspect` of the folder reads the slices without it.
#[test]
fn inspect_ignores_temporary_files_of_killed_writers() {
    use medvol::io::dicom::{SeriesOptions, write_series};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("series");
    let v =
        medvol::Volume::<i16>::from_fn([8, 6, 5], Geometry::default(), |p| p.k() as i16).unwrap();
    let written = write_series(&v, &dir, &SeriesOptions::default()).unwrap();
    let stray = dir.join(format!(
        "{}999999-0-IM9.dcm",
        medvol_core::atomic::TEMP_PREFIX
    ));
    std::fs::copy(&written.files[0], &stray).unwrap();
    let r = json_object("inspect", &run("inspect", &[&dir, &"--json"], None));
    let volumes = r["volumes"].as_array().unwrap();
    assert_eq!(volumes.len(), 1, "{r}");
    assert_eq!(volumes[0]["dims"], serde_json::json!([8, 6, 5]), "{r}");
    assert!(!r.to_string().contains(".medvol-tmp"), "{r}");
}
