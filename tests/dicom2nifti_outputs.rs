//! What `dicom2nifti` writes (issues 14 item 8 and 15): dcm2niix's 4-D layout and voxel
//! order on real data, names that never replace a file, a NIfTI and its sidecar that appear
//! together even when the program is killed, and a full disk that fails loudly and leaves
//! nothing partial.
//!
//! The program is the example binary built into the same profile folder as this test
//! (`cargo test --workspace` or `cargo build --examples` builds it); real data come from
//! `../shared/data` (tests skip with a note when it is absent).

use medvol::io::dicom::{SeriesOptions, write_series};
use medvol::io::nifti;
use medvol_core::atomic::TEMP_PREFIX;
use medvol_core::{Geometry, Point, Volume};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The built example `name`: `<profile>/examples/<name>`, next to `<profile>/deps/<this test>`.
fn program(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test binary");
    let profile = exe.parent().and_then(Path::parent).expect("<profile>/deps");
    let path = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} not found: run `cargo build --examples` first",
        path.display()
    );
    path
}

fn shared(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(name);
    path.exists().then_some(path).or_else(|| {
        eprintln!("skipped: {name} not found in ../shared/data");
        None
    })
}

fn dicom2nifti(args: &[&Path], flags: &[&str]) -> Output {
    Command::new(program("dicom2nifti"))
        .args(args)
        .args(flags)
        .output()
        .expect("dicom2nifti runs")
}

fn summary(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "dicom2nifti failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

/// File names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Issue 14 item 8: on real series (4-D enhanced multi-frame, sagittal, oblique axial) the
/// output is dcm2niix's reference file: same dims (one 4-D file), the same sform and qform
/// within 1e-3 mm, and the same voxels in the same order.
#[test]
fn output_is_dcm2niix_layout_voxel_for_voxel() {
    let cases = [
        ("mr_siemens_xa10_enhanced", "REST1_w_SMS_PF7-8_6.nii.gz"),
        ("mr_siemens_t1_sag_hfs", "t1_fl2d_sag_3.nii.gz"),
        ("mr_toshiba_ax30_b0", "DTI_AX_30d_8006.nii.gz"),
    ];
    for (set, reference) in cases {
        let Some(dir) = shared(set) else { continue };
        let tmp = tempfile::tempdir().unwrap();
        let out = dicom2nifti(&[&dir.join("dicom"), tmp.path()], &["--json"]);
        let s = summary(&out);
        let outputs = s["outputs"].as_array().unwrap();
        assert_eq!(outputs.len(), 1, "{set}: {s}");
        let mine = nifti::read(outputs[0]["file"].as_str().unwrap()).unwrap();
        let theirs = nifti::read(dir.join("ref_dcm2niix").join(reference)).unwrap();
        let (a, b) = (&mine.header, &theirs.header);
        assert_eq!(a.dim[..5], b.dim[..5], "{set}: dims");
        assert_eq!(outputs[0]["volumes"], b.dim[4].max(1), "{set}");
        for r in 0..3 {
            for c in 0..4 {
                let d = (a.srow[r][c] - b.srow[r][c]).abs();
                assert!(d < 1e-3, "{set}: sform[{r}][{c}] {a:?} vs {b:?}");
            }
        }
        let (qa, qb) = (a.quatern, b.quatern);
        assert!(
            (0..3).all(|i| (qa[i] - qb[i]).abs() < 1e-4) && a.qfac() == b.qfac(),
            "{set}: qform {qa:?} {} vs {qb:?} {}",
            a.qfac(),
            b.qfac()
        );
        assert_eq!(mine.volumes.len(), theirs.volumes.len(), "{set}");
        for (t, (x, y)) in mine.volumes.iter().zip(&theirs.volumes).enumerate() {
            assert!(
                x.to_f64().as_slice() == y.to_f64().as_slice(),
                "{set}: voxels of time point {t} differ"
            );
        }
        // The report describes the stored file.
        let o = &outputs[0];
        let origin: Vec<f64> = o["origin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        // LPS in the report, RAS in the file.
        let ras = [-origin[0], -origin[1], origin[2]];
        for (i, v) in ras.iter().enumerate() {
            assert!((v - b.srow[i][3]).abs() < 1e-3, "{set}: origin {origin:?}");
        }
        // --voxel-order native keeps medvol's rows (top-down): the same voxels, rows reversed.
        let native = tmp.path().join("native");
        let out = dicom2nifti(
            &[&dir.join("dicom"), &native],
            &["--json", "--voxel-order", "native"],
        );
        let s = summary(&out);
        let file = s["outputs"][0]["file"].as_str().unwrap().to_string();
        let n = nifti::read(file).unwrap();
        let [ni, nj, nk] = n.volumes[0].dims();
        let (x, y) = (n.volumes[0].to_f64(), mine.volumes[0].to_f64());
        for k in [0, nk - 1] {
            for j in [0, nj / 2, nj - 1] {
                let row =
                    |v: &Volume<f64>, j: usize| v.as_slice()[(k * nj + j) * ni..][..ni].to_vec();
                assert_eq!(row(&x, j), row(&y, nj - 1 - j), "{set}: k {k} j {j}");
            }
        }
    }
}

/// A DICOM input folder with two series of the same number and description (different
/// SeriesInstanceUIDs); series `s` has every voxel at `1000 * (s + 1)` plus a ramp.
fn twin_series(root: &Path, dims: [usize; 3]) -> Vec<(String, i16)> {
    let g = Geometry::new(
        [0.9, 0.9, 2.0],
        Point::new(-30.0, -30.0, 10.0),
        Default::default(),
    )
    .unwrap();
    (0..2)
        .map(|s| {
            let base = 1000 * (s as i16 + 1);
            let v = Volume::<i16>::from_fn(dims, g, |p| {
                base + ((p.i() * 7 + p.j() * 3 + p.k()) % 500) as i16
            })
            .unwrap();
            let w =
                write_series(&v, root.join(format!("s{s}")), &SeriesOptions::default()).unwrap();
            (w.series_instance_uid, base)
        })
        .collect()
}

/// Checks a folder of outputs: no partial file under a final name (every NIfTI reads whole,
/// every sidecar parses) and no NIfTI beside another series' sidecar (the sidecar's UID is
/// the series whose values the NIfTI holds). With `complete`, also: every NIfTI has its
/// sidecar and the other way round, and no temporary file is left. Returns the stems.
fn check_outputs(dir: &Path, series: &[(String, i16)], complete: bool) -> Vec<String> {
    let mut stems = Vec::new();
    for name in names(dir) {
        if name.starts_with(TEMP_PREFIX) {
            assert!(!complete, "{name} left after a complete run");
            continue;
        }
        let path = dir.join(&name);
        if let Some(stem) = name.strip_suffix(".json") {
            let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name} is not whole JSON: {e}"));
            assert!(v["SeriesInstanceUID"].is_string(), "{name}");
            let nii = dir.join(format!("{stem}.nii.gz"));
            assert!(!complete || nii.exists(), "{name} without its NIfTI");
            continue;
        }
        let stem = name
            .strip_suffix(".nii.gz")
            .unwrap_or_else(|| panic!("unexpected {name}"));
        let nii = nifti::read(&path).unwrap_or_else(|e| panic!("{name} is not whole: {e}"));
        let min = nii.volumes[0].statistics().min as i16;
        let side = dir.join(format!("{stem}.json"));
        if side.exists() {
            let v: Value = serde_json::from_slice(&std::fs::read(&side).unwrap()).unwrap();
            let (uid, base) = series
                .iter()
                .find(|(u, _)| v["SeriesInstanceUID"] == *u.as_str())
                .expect("a sidecar of one of the input series");
            assert_eq!(min, *base, "{name} sits beside the sidecar of series {uid}");
        } else {
            assert!(!complete, "{name} without its sidecar");
        }
        stems.push(stem.to_string());
    }
    stems
}

/// Issue 15: two series with the same number and description get distinct names (`1000_medvol`
/// and `1000_medvola`, as dcm2niix names them); a second run into the same folder replaces
/// nothing (its names take the next letters); `--force` replaces files of earlier runs, but
/// never the run's own.
#[test]
#[cfg(unix)]
fn names_never_replace_a_file_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let series = twin_series(&input, [8, 8, 4]);
    let out = tmp.path().join("out");
    summary(&dicom2nifti(&[&input, &out], &["--json"]));
    let first = names(&out);
    assert_eq!(
        first,
        [
            "1000_medvol.json",
            "1000_medvol.nii.gz",
            "1000_medvola.json",
            "1000_medvola.nii.gz"
        ]
    );
    // The same input gives the same bytes: a replaced file shows as a new inode.
    let inodes: Vec<u64> = first.iter().map(|n| inode(&out.join(n))).collect();
    let s = summary(&dicom2nifti(&[&input, &out], &["--json"]));
    let files: Vec<&str> = s["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap())
        .collect();
    assert!(
        files[0].ends_with("1000_medvolb.nii.gz") && files[1].ends_with("1000_medvolc.nii.gz"),
        "{files:?}"
    );
    for (n, i) in first.iter().zip(&inodes) {
        assert_eq!(inode(&out.join(n)), *i, "{n} was replaced");
    }
    assert_eq!(check_outputs(&out, &series, true).len(), 4);
    // --force: this run's first series replaces 1000_medvol; its twin does not replace that
    // again but takes the first free name (1000_medvolc, removed here).
    std::fs::remove_file(out.join("1000_medvolc.json")).unwrap();
    std::fs::remove_file(out.join("1000_medvolc.nii.gz")).unwrap();
    summary(&dicom2nifti(&[&input, &out], &["--json", "--force"]));
    assert_eq!(check_outputs(&out, &series, true).len(), 4);
    for (n, i) in first.iter().zip(&inodes) {
        let replaced = inode(&out.join(n)) != *i;
        assert_eq!(replaced, n.starts_with("1000_medvol."), "{n}");
    }
    // Two runs at once into one folder: every pair whole and of one series.
    let both = tmp.path().join("both");
    let runs: Vec<_> = (0..2)
        .map(|_| {
            Command::new(program("dicom2nifti"))
                .args([&input, &both])
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut r in runs {
        assert!(r.wait().unwrap().success());
    }
    assert_eq!(check_outputs(&both, &series, true).len(), 4);
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

/// A tiny deterministic generator for the kill times.
fn next(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

/// Issue 15: SIGKILL at random points of 50 runs. After each killed run, nothing under a
/// final name is partial and no NIfTI is paired with another series' sidecar; the next run
/// into the folder completes what the killed one had published, removes its temporary files
/// and adds its own whole pairs.
#[test]
#[cfg(unix)]
fn killed_runs_leave_no_partial_or_mixed_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let series = twin_series(&input, [64, 64, 24]);
    // How long a whole run takes here (the quickest of three: other tests share the cores),
    // to spread the kills over its first nine tenths.
    let run_us = (0..3)
        .map(|i| {
            let start = Instant::now();
            summary(&dicom2nifti(
                &[&input, &tmp.path().join(format!("timing{i}"))],
                &["--json"],
            ));
            start.elapsed().as_micros() as u64
        })
        .min()
        .unwrap_or(0)
        * 9
        / 10;
    let mut state = 42;
    let mut interrupted = 0;
    for run in 0..50 {
        let out = tmp.path().join(format!("out{run}"));
        let mut child = Command::new(program("dicom2nifti"))
            .args([&input, &out])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(next(&mut state) % (run_us + 1)));
        child.kill().unwrap();
        if !child.wait().unwrap().success() {
            interrupted += 1;
        }
        check_outputs(&out, &series, false);
        summary(&dicom2nifti(&[&input, &out], &["--json"]));
        let stems = check_outputs(&out, &series, true);
        assert!((2..=4).contains(&stems.len()), "run {run}: {stems:?}");
    }
    assert!(
        interrupted >= 25,
        "only {interrupted} of 50 runs were killed before they ended"
    );
}

/// Unmounts the tmpfs when the test ends, also on failure.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Issue 15: a full disk (a 16 KiB tmpfs) makes the run exit 1 with the system's reason in
/// one line and leaves no partial file, no sidecar without its NIfTI and no temporary file.
/// Needs `mount -t tmpfs` (root, as on the project's machines); skipped with a note otherwise.
#[test]
#[cfg(target_os = "linux")]
fn full_disk_exits_1_with_the_reason_and_leaves_nothing_partial() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let series = twin_series(&input, [128, 128, 24]);
    let disk = tmp.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&disk)
        .stderr(Stdio::null())
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let _mount = Mount(disk.clone());
    let out = dicom2nifti(&[&input, &disk], &["--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    check_outputs(&disk, &series, true);
}

/// Issue 14 item 0: a file claims only the placement medvol can vouch for. The tilted,
/// unevenly spaced GE CT is written by default as the raw stack resampled along its slice
/// line: the sform (code 1) puts the first and the last acquired slice's first voxel at
/// their ImagePositionPatient (pydicom's values), the qform (which cannot shear) has code 0.
/// Kept as stored (`--uniform warn`) no affine places every slice: both codes 0, and the
/// warning says why and which option places them. No geometry at all: both codes 0.
#[test]
fn files_claim_only_the_placement_medvol_can_vouch_for() {
    let (Some(ct), Some(bare)) = (
        shared("ct_ge_tilt_varspacing"),
        shared("dicom_multiframe_emri_small"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("default");
    let s = summary(&dicom2nifti(&[&ct.join("dicom"), &out], &["--json"]));
    let file = s["outputs"][0]["file"].as_str().unwrap();
    let n = nifti::read(file).unwrap();
    assert_eq!((n.header.qform_code, n.header.sform_code), (0, 1));
    let expected: Value =
        serde_json::from_slice(&std::fs::read(ct.join("expected.json")).unwrap()).unwrap();
    let slices = expected["pydicom_summary"]["series"][0]["slices_sorted_by_position_along_normal"]
        .as_array()
        .unwrap();
    let ipp = |s: &Value| -> [f64; 3] {
        let v: Vec<f64> = s["ipp"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        [v[0], v[1], v[2]]
    };
    let dim = n.header.dim;
    let (nj, nk) = (dim[2] as f64, dim[3] as f64);
    // dcm2niix's voxel order: stored rows bottom-up, so DICOM row 0 is stored row nj - 1.
    for (k, slice) in [(0.0, &slices[0]), (nk - 1.0, slices.last().unwrap())] {
        let srow = n.header.srow;
        let ras: Vec<f64> = (0..3)
            .map(|r| srow[r][1] * (nj - 1.0) + srow[r][2] * k + srow[r][3])
            .collect();
        let lps = [-ras[0], -ras[1], ras[2]];
        let want = ipp(slice);
        let d = (0..3)
            .map(|c| (lps[c] - want[c]).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(d < 2e-3, "slice at k={k}: {lps:?} vs IPP {want:?} ({d} mm)");
    }

    let out = tmp.path().join("warn");
    let s = summary(&dicom2nifti(
        &[&ct.join("dicom"), &out],
        &["--json", "--uniform", "warn"],
    ));
    let n = nifti::read(s["outputs"][0]["file"].as_str().unwrap()).unwrap();
    assert_eq!((n.header.qform_code, n.header.sform_code), (0, 0));
    let warnings = s["outputs"][0]["warnings"].to_string();
    assert!(
        warnings.contains("codes are 0") && warnings.contains("--uniform resample"),
        "{warnings}"
    );

    let out = tmp.path().join("bare");
    let s = summary(&dicom2nifti(&[&bare.join("dicom"), &out], &["--json"]));
    for o in s["outputs"].as_array().unwrap() {
        let n = nifti::read(o["file"].as_str().unwrap()).unwrap();
        assert_eq!((n.header.qform_code, n.header.sform_code), (0, 0));
        assert!(o["warnings"].to_string().contains("invented"), "{o}");
    }
}

/// Numbers of a `.bval`/`.bvec` text, line by line.
fn table(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
        .collect()
}

/// Issue 14 items 5 and 8: a diffusion series gets dcm2niix's `.bval`/`.bvec` beside its 4-D
/// file (listed in the report, equal to dcm2niix's within its printed precision), none with
/// `--split-4d` (a warning says so); a colour FA map is written as RGB24 with no tables.
#[test]
fn diffusion_tables_and_colour_maps_as_dcm2niix_writes_them() {
    let Some(uih) = shared("dcmqa/dcm_qa_uih/In/DTI_134434/dti_tra_dir16_AP_SaveBySlc__140028")
    else {
        return;
    };
    let refs = Path::new(env!("CARGO_MANIFEST_DIR")).join("medvol-io/tests/data/fsl_uih");
    let dir = tempfile::tempdir().unwrap();
    let s = summary(&dicom2nifti(&[&uih, dir.path()], &["--json"]));
    let o = &s["outputs"][0];
    assert_eq!(o["volumes"], 17);
    for (ext, tolerance) in [("bval", 0.5), ("bvec", 1e-4)] {
        let ours = table(&std::fs::read_to_string(o[ext].as_str().unwrap()).unwrap());
        let name = format!("dti_tra_dir16_AP_9_134431.{ext}");
        let theirs = table(&std::fs::read_to_string(refs.join(name)).unwrap());
        assert_eq!(ours.len(), theirs.len(), "{ext}");
        for (a, b) in ours.iter().flatten().zip(theirs.iter().flatten()) {
            assert!((a - b).abs() <= tolerance, "{ext}: {a} vs {b}");
        }
    }
    let stem = o["file"].as_str().unwrap().trim_end_matches(".nii.gz");
    assert_eq!(o["bval"].as_str().unwrap(), format!("{stem}.bval"));

    let split = tempfile::tempdir().unwrap();
    let s = summary(&dicom2nifti(
        &[&uih, split.path()],
        &["--json", "--split-4d"],
    ));
    assert_eq!(s["outputs"].as_array().unwrap().len(), 17);
    assert!(s["outputs"][1]["bval"].is_null());
    assert!(
        s["outputs"][1]["warnings"]
            .to_string()
            .contains("--split-4d")
    );
    assert!(!names(split.path()).iter().any(|n| n.ends_with(".bval")));

    let Some(colour) = shared("dcmqa/dcm_qa_xa30/In/14_DWI_dir80_PA") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let s = summary(&dicom2nifti(&[&colour, out.path()], &["--json"]));
    let o = &s["outputs"][0];
    assert_eq!(o["voxel_type"], "rgb8");
    assert!(o["bval"].is_null());
    let nii = nifti::read(o["file"].as_str().unwrap()).unwrap();
    assert_eq!(nii.header.datatype.code(), 128);
}
