//! Atomic outputs: a writer process killed with SIGKILL in the middle of a large write leaves
//! the destination holding the old file (never a partial one), and a writer that fails leaves
//! no temporary file behind.
//!
//! The writer runs in a child process: this test binary re-invoked on the ignored test
//! `child_writer` with `MEDVOL_KILL_CHILD=<writer>:<destination>`. The parent watches the
//! destination folder for the writer's temporary file (`medvol_core::atomic::TEMP_PREFIX`) and
//! kills the child as soon as it is being filled (`Child::kill` is SIGKILL on unix).
//!
//! A killed process cannot clean up, so its temporary file stays (hidden, named with the
//! prefix and the dead process id) until the next write to the same destination sweeps it
//! (`medvol_core::atomic::sweep_stale_temps`); the tests check that nothing else is left, that
//! the sweep removes it, and that it never removes a running writer's file.

use medvol_core::atomic::TEMP_PREFIX;
use medvol_core::{Geometry, Volume};
use medvol_io::dicom::{ReadOptions, ScanOptions, SeriesOptions, scan, write_series};
use medvol_mesh::{Frame, Mesh};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "MEDVOL_KILL_CHILD";

/// A volume with values depending on `seed`, so old and new outputs differ.
fn volume(dims: [usize; 3], seed: i16) -> Volume<i16> {
    let g = Geometry::new([0.5, 0.5, 1.0], Default::default(), Default::default()).unwrap();
    Volume::from_fn(dims, g, |p| {
        ((p.i() + 3 * p.j() + 7 * p.k()) % 1000) as i16 * seed
    })
    .unwrap()
}

/// A mesh of `n` separate triangles, scaled by `seed`.
fn mesh(n: usize, seed: f32) -> Mesh {
    let positions = (0..3 * n)
        .map(|v| {
            let t = v as f32;
            [seed * (t % 97.0), seed * (t % 89.0), t / 3.0]
        })
        .collect();
    let faces = (0..n as u32)
        .map(|f| [3 * f, 3 * f + 1, 3 * f + 2])
        .collect();
    Mesh::new(positions, faces, Frame::Lps).unwrap()
}

/// What each writer writes: small (`big == false`, the "old" file) or large enough to be
/// killed in the middle (tens of MB).
fn write(writer: &str, dest: &Path, big: bool) {
    match writer {
        "nifti" => {
            let dims = if big { [256, 256, 384] } else { [8, 8, 4] };
            medvol_io::nifti::write(dest, &volume(dims, if big { 2 } else { 1 })).unwrap();
        }
        "dicom" => {
            // The same slice count old and new, so each file is replaced in turn.
            let dims = if big { [256, 256, 400] } else { [4, 4, 400] };
            write_series(
                &volume(dims, if big { 2 } else { 1 }),
                dest,
                &SeriesOptions::default(),
            )
            .unwrap();
        }
        "mesh" => {
            let n = if big { 1_500_000 } else { 10 };
            medvol_mesh::write::write(&mesh(n, if big { 2.0 } else { 1.0 }), dest).unwrap();
        }
        other => panic!("unknown writer {other}"),
    }
}

/// Entry point of the child process (does nothing unless `MEDVOL_KILL_CHILD` is set).
#[test]
#[ignore = "child process of the kill tests, run by them"]
fn child_writer() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        let (writer, dest) = spec.split_once(':').expect("writer:destination");
        write(writer, Path::new(dest), true);
    }
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(TEMP_PREFIX)
        })
        .collect();
    v.sort();
    v
}

/// Runs the large write of `writer` to `dest` in a child process and SIGKILLs it once
/// `ready` says the write is under way (given the temporary files in `dir`).
fn kill_mid_write(writer: &str, dest: &Path, dir: &Path, ready: impl Fn(&[PathBuf]) -> bool) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_writer",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{writer}:{}", dest.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("{writer}: the child finished ({status}) before it could be killed: {err}");
        }
        if ready(&temp_files(dir)) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "{writer}: no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "{writer}: the child was not killed");
}

/// A temporary file with at least one buffer (1 MiB) written into it.
fn filling(temps: &[PathBuf]) -> bool {
    temps
        .iter()
        .any(|t| std::fs::metadata(t).is_ok_and(|m| m.len() > 0))
}

/// Everything in `dir` apart from the killed writer's temporary files.
fn others(dir: &Path) -> Vec<PathBuf> {
    let temps = temp_files(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !temps.contains(p))
        .collect();
    v.sort();
    v
}

fn assert_single_file_writer_is_atomic(writer: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(name);
    write(writer, &dest, false);
    let old = std::fs::read(&dest).unwrap();
    kill_mid_write(writer, &dest, dir.path(), filling);
    assert_eq!(
        others(dir.path()),
        std::slice::from_ref(&dest),
        "{writer}: only the destination besides temporaries"
    );
    assert!(
        std::fs::read(&dest).unwrap() == old,
        "{writer}: the destination is not the old file"
    );
    // The killed process's temporary file is the only leftover, hidden by its prefix.
    assert_eq!(temp_files(dir.path()).len(), 1, "{writer}");
    // The next write to the destination sweeps it: its writer is gone.
    write(writer, &dest, false);
    assert_eq!(std::fs::read(&dest).unwrap(), old, "{writer}");
    assert_eq!(
        temp_files(dir.path()),
        [] as [PathBuf; 0],
        "{writer}: not swept"
    );

    // No destination yet: after the kill there is still none.
    let fresh = dir.path().join(format!("new-{name}"));
    kill_mid_write(writer, &fresh, dir.path(), filling);
    assert!(
        !fresh.exists(),
        "{writer}: a partial file was left at the destination"
    );
    assert_eq!(others(dir.path()), std::slice::from_ref(&dest), "{writer}");
    // A write to another destination leaves that temporary file alone; one to its own
    // destination sweeps it.
    write(writer, &dest, false);
    assert_eq!(
        temp_files(dir.path()).len(),
        1,
        "{writer}: swept by another destination"
    );
    write(writer, &fresh, false);
    assert_eq!(
        temp_files(dir.path()),
        [] as [PathBuf; 0],
        "{writer}: not swept"
    );
}

#[test]
fn nifti_writer_killed_mid_write_keeps_the_old_file() {
    assert_single_file_writer_is_atomic("nifti", "volume.nii");
}

#[test]
fn mesh_writer_killed_mid_write_keeps_the_old_file() {
    assert_single_file_writer_is_atomic("mesh", "surface.stl");
}

#[test]
fn dicom_series_writer_killed_mid_write_leaves_only_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    let series = dir.path().join("series");
    write("dicom", &series, false);
    let old: Vec<(PathBuf, Vec<u8>)> = others(&series)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    assert_eq!(old.len(), 400);
    // Kill once the writer has started its hundredth file (temporary names count up:
    // `<prefix><pid>-<n>-IM00042.dcm`; files may be written in parallel, in any order).
    let past_100 = |temps: &[PathBuf]| {
        temps.iter().any(|t| {
            let name = t.file_name().unwrap().to_string_lossy().into_owned();
            let n = name[TEMP_PREFIX.len()..]
                .split('-')
                .nth(1)
                .and_then(|n| n.parse::<usize>().ok());
            n >= Some(100)
        })
    };
    kill_mid_write("dicom", &series, &series, past_100);
    let names: Vec<PathBuf> = old.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        others(&series),
        names,
        "the same files, nothing partial added"
    );
    let (mut kept, mut replaced) = (0, 0);
    for (path, bytes) in &old {
        if std::fs::read(path).unwrap() == *bytes {
            kept += 1;
            continue;
        }
        // Not the old file: then a whole new one, every pixel present.
        let report = scan(path, &ScanOptions::default()).unwrap();
        assert!(
            report.skipped.is_empty(),
            "{}: {:?}",
            path.display(),
            report.skipped
        );
        let v = report.read(0, &ReadOptions::default()).unwrap();
        assert_eq!(v.volume.dims(), [256, 256, 1], "{}", path.display());
        replaced += 1;
    }
    assert!(
        replaced >= 90 && kept > 0,
        "killed mid-series: {replaced} replaced, {kept} kept"
    );
    // One temporary file per writer thread at most.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        temp_files(&series).len() <= threads,
        "{:?}",
        temp_files(&series)
    );
    // Writing the series again sweeps them, each with its file.
    write("dicom", &series, false);
    assert_eq!(temp_files(&series), [] as [PathBuf; 0], "not swept");
    assert_eq!(others(&series).len(), 400);
}

/// A temporary file whose writer still runs is never swept (here a running `sleep` stands
/// for a writer in another process); once that process is gone, the next write to the same
/// destination removes it, and only it.
#[test]
#[cfg(target_os = "linux")]
fn stale_temporaries_are_swept_only_once_their_writer_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("surface.stl");
    let mut live = Command::new("sleep").arg("60").spawn().unwrap();
    let theirs = dir
        .path()
        .join(format!("{TEMP_PREFIX}{}-0-surface.stl", live.id()));
    std::fs::write(&theirs, b"half a mesh").unwrap();
    // A dead writer's file for another destination, and a file that only looks alike.
    let elsewhere = dir
        .path()
        .join(format!("{TEMP_PREFIX}{}-0-other.stl", u32::MAX));
    let lookalike = dir.path().join(format!("{TEMP_PREFIX}notes-surface.stl"));
    for f in [&elsewhere, &lookalike] {
        std::fs::write(f, b"keep").unwrap();
    }
    write("mesh", &dest, false);
    assert!(
        theirs.exists(),
        "a running writer's temporary file was removed"
    );
    live.kill().unwrap();
    live.wait().unwrap();
    write("mesh", &dest, false);
    assert!(!theirs.exists(), "a dead writer's temporary file was kept");
    assert!(elsewhere.exists() && lookalike.exists());
    assert_eq!(
        medvol_core::atomic::sweep_stale_temps(dir.path().join("other.stl")).unwrap(),
        1
    );
    assert!(!elsewhere.exists() && lookalike.exists());
}

/// A write whose final rename fails (the destination is a non-empty folder) removes its
/// temporary file and leaves everything else as it was.
#[test]
fn failed_writes_leave_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = |name: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.join("keep")).unwrap();
        p
    };
    let nii = blocker("v.nii");
    let err = medvol_io::nifti::write(&nii, &volume([4, 4, 4], 1)).unwrap_err();
    assert!(err.to_string().contains("v.nii"), "{err}");
    let nii_gz = blocker("v.nii.gz");
    assert!(medvol_io::nifti::write(&nii_gz, &volume([4, 4, 4], 1)).is_err());
    let stl = blocker("m.stl");
    let err = medvol_mesh::write::write(&mesh(4, 1.0), &stl).unwrap_err();
    assert!(err.to_string().contains("m.stl"), "{err}");
    let ply = blocker("m.ply");
    assert!(medvol_mesh::write::write(&mesh(4, 1.0), &ply).is_err());
    let series = dir.path().join("series");
    std::fs::create_dir_all(series.join("IM00002.dcm").join("keep")).unwrap();
    let err = write_series(&volume([4, 4, 3], 1), &series, &SeriesOptions::default()).unwrap_err();
    assert!(err.to_string().contains("IM00002.dcm"), "{err}");

    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
    assert!(temp_files(&series).is_empty(), "{:?}", temp_files(&series));
    for p in [&nii, &nii_gz, &stl, &ply] {
        assert!(p.join("keep").is_dir(), "{} was touched", p.display());
    }
}
