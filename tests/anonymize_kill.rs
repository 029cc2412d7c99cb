//! `anonymize` killed or starved: a run killed with SIGKILL at random points (50 runs) and a
//! run into a full disk leave no file under a final name that is partial; the full disk ends
//! the run with a non-zero status and the operating system's reason (issue 15).
//!
//! The input is the Philips CT head series of `../shared/data` (skipped with a note when it is
//! absent). Every final file of a killed or failed run must equal, byte for byte, the file of
//! the same name from an undisturbed run with the same UID secret.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "kill test";

/// The built `anonymize` example: `<profile>/examples/anonymize`, beside `<profile>/deps`.
fn anonymize() -> Command {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile.join("examples").join("anonymize");
    assert!(bin.is_file(), "build the examples first: {}", bin.display());
    let mut cmd = Command::new(bin);
    cmd.env("MEDVOL_UID_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn input() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ct_philips_head/dicom");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} not found", dir.display());
        None
    }
}

/// The files of a folder by name, temporary files apart.
fn finals(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(medvol::core::atomic::TEMP_PREFIX)
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Each final file of `dir` is the complete file of the same name in `reference`.
fn assert_complete(dir: &Path, reference: &[(String, Vec<u8>)], what: &str) -> usize {
    let files = finals(dir);
    for (name, bytes) in &files {
        let whole = reference.iter().find(|(n, _)| n == name);
        let whole = whole.unwrap_or_else(|| panic!("{what}: unexpected file {name}"));
        assert!(
            whole.1 == *bytes,
            "{what}: {name} is partial or different ({} of {} bytes)",
            bytes.len(),
            whole.1.len()
        );
    }
    files.len()
}

fn reference(input: &Path, dir: &Path) -> (Vec<(String, Vec<u8>)>, Duration) {
    let out = dir.join("reference");
    let start = Instant::now();
    let status = anonymize().arg(input).arg(&out).status().unwrap();
    let took = start.elapsed();
    assert!(status.success());
    let files = finals(&out);
    assert!(files.len() > 10, "{} files", files.len());
    (files, took)
}

#[test]
fn killed_runs_leave_no_partial_file() {
    let Some(input) = input() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (whole, took) = reference(&input, tmp.path());
    // The quickest of three undisturbed runs (other tests share the cores); kill anywhere
    // from start-up to a little after it would end.
    let took = (0..2)
        .map(|i| {
            let start = Instant::now();
            let out = tmp.path().join(format!("timing{i}"));
            assert!(
                anonymize()
                    .arg(&input)
                    .arg(&out)
                    .status()
                    .unwrap()
                    .success()
            );
            start.elapsed()
        })
        .fold(took, Duration::min);
    let span = took.as_micros() as u64 * 6 / 5 + 1;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let (mut partial_runs, mut files_seen) = (0, 0);
    for run in 0..50 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_micros((seed >> 33) % span);
        let out = tmp.path().join(format!("run{run}"));
        let mut child = anonymize().arg(&input).arg(&out).spawn().unwrap();
        std::thread::sleep(delay);
        let killed = child.try_wait().unwrap().is_none();
        child.kill().ok(); // SIGKILL on unix
        child.wait().unwrap();
        let n = assert_complete(&out, &whole, &format!("run {run} (killed after {delay:?})"));
        files_seen += n;
        if killed && n < whole.len() {
            partial_runs += 1;
        }
    }
    eprintln!(
        "50 runs killed within {span} µs: {partial_runs} stopped mid-run, {files_seen} final \
         files checked, none partial"
    );
    assert!(
        partial_runs >= 10,
        "only {partial_runs} runs were killed mid-run"
    );
}

/// A small tmpfs when this process may mount one (root), else a file-size limit on the
/// writer (`ulimit -f`, the same failing write without privileges).
#[test]
fn a_full_disk_fails_the_run_with_the_reason_and_no_partial_file() {
    let Some(input) = input() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (whole, _) = reference(&input, tmp.path());
    let disk = tmp.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let size = whole[0].1.len() * 3 + whole[0].1.len() / 2;
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}")])
        .arg("tmpfs")
        .arg(&disk)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let out = disk.join("anon");
    let result = if mounted {
        anonymize().arg(&input).arg(&out).output().unwrap()
    } else {
        eprintln!("no tmpfs (not root): a file-size limit stands in for the full disk");
        let blocks = whole[0].1.len() / 512 + 1;
        let cmd = anonymize();
        let bin = cmd.get_program().to_owned();
        let script = format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$1\" \"$2\"");
        Command::new("sh")
            .args(["-c", &script])
            .arg(bin)
            .arg(&input)
            .arg(&out)
            .env("MEDVOL_UID_SECRET", SECRET)
            .output()
            .unwrap()
    };
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    let left = assert_complete(&out, &whole, "full disk");
    let temps = std::fs::read_dir(&out)
        .map(|d| d.count())
        .unwrap_or(0)
        .saturating_sub(left);
    if mounted {
        let _ = Command::new("umount").arg(&disk).status();
    }
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    let reason = if mounted {
        "No space left on device"
    } else {
        "File too large"
    };
    assert!(stderr.contains(reason), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(temps, 0, "temporary files left behind");
    assert!(left < whole.len(), "the disk was not full: {left} files");
    eprintln!("full disk: exit 1, {left} complete files kept: {stderr}");
}
