//! A malformed-input corpus generated in code, fed to every reader through the facade.
//!
//! Valid files are written by medvol's own writers, then broken: truncated at every
//! structural boundary, headers claiming sizes that overflow or exceed the limits, negative,
//! zero and NaN spacing, zero-length or short pixel data, DICOM folders whose slices
//! disagree, a series with one corrupt slice, unreadable files and symlink loops.
//! Every case must end in a value or an error (or skip reason) that names the file, never a
//! panic, and never an allocation beyond the limits: a counting global allocator records the
//! largest single allocation of this test binary, whose own data is all tiny.

mod common;

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_object::open_file;
use medvol_core::{Geometry, Volume};
use medvol_io::dicom::{ReadOptions, ScanOptions, ScanReport, SeriesOptions, scan, write_series};
use medvol_io::{Error, Limits};
use medvol_mesh::Frame;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: common::Tracking = common::Tracking;

/// The limit the huge-claim cases run under; headers claim far more.
const SMALL: u64 = 1 << 20;

fn small_limits() -> Limits {
    Limits::default()
        .with_max_bytes(SMALL)
        .with_max_voxels(SMALL / 4)
        .with_max_files(1000)
}

/// No allocation of this binary so far exceeded the small limit plus the readers' fixed
/// buffers (the NIfTI reader streams through 1 MiB).
fn assert_no_big_allocation(case: &str) {
    let largest = common::largest_allocation();
    assert!(
        largest <= 8 << 20,
        "{case}: an allocation of {largest} bytes, above the limits"
    );
}

fn volume(dims: [usize; 3]) -> Volume<i16> {
    let g = Geometry::new([0.8, 0.8, 2.0], Default::default(), Default::default()).unwrap();
    Volume::from_fn(dims, g, |p| {
        (p.i() * 10 + p.j() * 3 + p.k() * 100) as i16 - 50
    })
    .unwrap()
}

/// Runs `f` on another thread and fails if it takes longer than `secs` (a hang is a finding).
fn within<R: Send + 'static>(secs: u64, case: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("{case}: no answer within {secs} s (hangs or panicked)"))
}

// ---------------------------------------------------------------------------------------------
// DICOM

/// A valid series of `nz` 8 x 8 slices written by medvol into `dir` (files `IM0000k.dcm`).
fn series(dir: &Path, nz: usize) -> Vec<PathBuf> {
    write_series(&volume([8, 8, nz]), dir, &SeriesOptions::default())
        .unwrap()
        .files
}

/// Rewrites a DICOM file with `edit` applied to its data set.
fn edit(path: &Path, edit: impl FnOnce(&mut dicom_object::DefaultDicomObject)) {
    let mut obj = open_file(path).unwrap();
    edit(&mut obj);
    obj.write_to_file(path).unwrap();
}

fn put_str(obj: &mut dicom_object::DefaultDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn put_us(obj: &mut dicom_object::DefaultDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

const ROWS: Tag = Tag(0x0028, 0x0010);
const COLUMNS: Tag = Tag(0x0028, 0x0011);
const BITS_ALLOCATED: Tag = Tag(0x0028, 0x0100);
const BITS_STORED: Tag = Tag(0x0028, 0x0101);
const HIGH_BIT: Tag = Tag(0x0028, 0x0102);
const PIXEL_REPRESENTATION: Tag = Tag(0x0028, 0x0103);
const SAMPLES_PER_PIXEL: Tag = Tag(0x0028, 0x0002);
const NUMBER_OF_FRAMES: Tag = Tag(0x0028, 0x0008);
const PIXEL_SPACING: Tag = Tag(0x0028, 0x0030);
const SLICE_THICKNESS: Tag = Tag(0x0018, 0x0050);
const IOP: Tag = Tag(0x0020, 0x0037);
const IPP: Tag = Tag(0x0020, 0x0032);
const RESCALE_SLOPE: Tag = Tag(0x0028, 0x1053);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// Scans `path` and reads every volume found; checks that every error and skip reason names
/// a file under `dir`. Returns the report (if the scan succeeded) and the read outcomes.
fn scan_and_read(
    path: &Path,
    dir: &Path,
    limits: Limits,
    case: &str,
) -> Option<(
    ScanReport,
    Vec<Result<medvol_io::dicom::DicomVolume, Error>>,
)> {
    let report = match scan(path, &ScanOptions::default().with_limits(limits)) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                e.path().starts_with(dir),
                "{case}: error does not name the input: {e}"
            );
            assert!(
                e.to_string().contains(&*dir.to_string_lossy()),
                "{case}: {e}"
            );
            return None;
        }
    };
    for s in &report.skipped {
        assert!(
            s.path.starts_with(dir) && !s.reason.is_empty(),
            "{case}: {s:?}"
        );
    }
    let reads: Vec<_> = (0..report.volumes.len())
        .map(|i| report.read(i, &ReadOptions::default().with_limits(limits)))
        .collect();
    for r in &reads {
        match r {
            Err(e) => assert!(
                e.path().starts_with(dir),
                "{case}: error does not name the input: {e}"
            ),
            Ok(v) => {
                let s = v.volume.geometry().spacing();
                assert!(
                    s.iter().all(|x| x.is_finite() && *x > 0.0),
                    "{case}: spacing {s:?} accepted"
                );
            }
        }
    }
    Some((report, reads))
}

/// The header cases: each applied to every slice of a 3-slice series, which is then scanned
/// and read as a folder and as a single file, under small limits.
#[test]
fn dicom_header_cases_never_panic_and_name_the_file() {
    type Edit = fn(&mut dicom_object::DefaultDicomObject);
    let cases: Vec<(&str, Edit)> = vec![
        ("zero-length pixel data", |o| {
            o.put(DataElement::new(PIXEL_DATA, VR::OW, PrimitiveValue::Empty));
        }),
        ("no pixel data", |o| {
            o.remove_element(PIXEL_DATA);
        }),
        ("bits allocated 8 for 16-bit data", |o| {
            put_us(o, BITS_ALLOCATED, 8)
        }),
        ("bits allocated 32 with 16-bit data", |o| {
            put_us(o, BITS_ALLOCATED, 32)
        }),
        ("bits allocated 0", |o| put_us(o, BITS_ALLOCATED, 0)),
        ("bits allocated 1", |o| put_us(o, BITS_ALLOCATED, 1)),
        ("bits allocated 12", |o| put_us(o, BITS_ALLOCATED, 12)),
        ("bits allocated 64", |o| put_us(o, BITS_ALLOCATED, 64)),
        ("bits stored above allocated", |o| {
            put_us(o, BITS_STORED, 40);
            put_us(o, HIGH_BIT, 39);
        }),
        ("bits stored 0", |o| put_us(o, BITS_STORED, 0)),
        ("pixel representation 7", |o| {
            put_us(o, PIXEL_REPRESENTATION, 7)
        }),
        ("samples per pixel 0", |o| put_us(o, SAMPLES_PER_PIXEL, 0)),
        ("samples per pixel 3 in a grey image", |o| {
            put_us(o, SAMPLES_PER_PIXEL, 3)
        }),
        ("rows 0", |o| put_us(o, ROWS, 0)),
        ("columns 0", |o| put_us(o, COLUMNS, 0)),
        ("rows and columns 65535", |o| {
            put_us(o, ROWS, 65535);
            put_us(o, COLUMNS, 65535);
        }),
        ("frames overflow", |o| {
            put_us(o, ROWS, 65535);
            put_us(o, COLUMNS, 65535);
            put_str(o, NUMBER_OF_FRAMES, VR::IS, "2147483647");
        }),
        ("negative frames", |o| {
            put_str(o, NUMBER_OF_FRAMES, VR::IS, "-3")
        }),
        ("zero frames", |o| put_str(o, NUMBER_OF_FRAMES, VR::IS, "0")),
        ("garbage frames", |o| {
            put_str(o, NUMBER_OF_FRAMES, VR::IS, "many")
        }),
        ("negative pixel spacing", |o| {
            put_str(o, PIXEL_SPACING, VR::DS, "-0.8\\-0.8")
        }),
        ("zero pixel spacing", |o| {
            put_str(o, PIXEL_SPACING, VR::DS, "0\\0")
        }),
        ("NaN pixel spacing", |o| {
            put_str(o, PIXEL_SPACING, VR::DS, "NaN\\NaN")
        }),
        ("infinite pixel spacing", |o| {
            put_str(o, PIXEL_SPACING, VR::DS, "inf\\1e999")
        }),
        ("one pixel spacing value", |o| {
            put_str(o, PIXEL_SPACING, VR::DS, "0.8")
        }),
        ("negative slice thickness", |o| {
            put_str(o, SLICE_THICKNESS, VR::DS, "-2")
        }),
        ("NaN slice thickness", |o| {
            put_str(o, SLICE_THICKNESS, VR::DS, "NaN")
        }),
        ("zero orientation", |o| {
            put_str(o, IOP, VR::DS, "0\\0\\0\\0\\0\\0")
        }),
        ("parallel orientation vectors", |o| {
            put_str(o, IOP, VR::DS, "1\\0\\0\\1\\0\\0")
        }),
        ("NaN orientation", |o| {
            put_str(o, IOP, VR::DS, "NaN\\0\\0\\0\\1\\0")
        }),
        ("short orientation", |o| put_str(o, IOP, VR::DS, "1\\0\\0")),
        ("NaN position", |o| put_str(o, IPP, VR::DS, "NaN\\NaN\\NaN")),
        ("infinite position", |o| {
            put_str(o, IPP, VR::DS, "1e999\\0\\0")
        }),
        ("NaN rescale slope", |o| {
            put_str(o, RESCALE_SLOPE, VR::DS, "NaN")
        }),
        ("zero rescale slope", |o| {
            put_str(o, RESCALE_SLOPE, VR::DS, "0")
        }),
    ];
    for (case, apply) in cases {
        let dir = tempfile::tempdir().unwrap();
        let files = series(dir.path(), 3);
        for f in &files {
            edit(f, apply);
        }
        scan_and_read(dir.path(), dir.path(), small_limits(), case);
        scan_and_read(&files[0], dir.path(), small_limits(), case);
        scan_and_read(dir.path(), dir.path(), Limits::default(), case);
        assert_no_big_allocation(case);
    }
}

/// Byte offsets where a DICOM element starts (explicit VR little endian after the meta
/// group, which medvol writes), and the ends of the preamble and magic.
fn element_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0, 64, 128, 132];
    let mut at = 132;
    while at + 8 <= bytes.len() {
        starts.push(at);
        let vr = &bytes[at + 4..at + 6];
        let long = matches!(
            vr,
            b"OB"
                | b"OW"
                | b"OF"
                | b"OD"
                | b"OL"
                | b"OV"
                | b"SQ"
                | b"UT"
                | b"UN"
                | b"UC"
                | b"UR"
                | b"SV"
                | b"UV"
        );
        let (header, len) = if long {
            (
                12,
                u32::from_le_bytes(
                    bytes[at + 8..(at + 12).min(bytes.len())]
                        .try_into()
                        .unwrap_or([0; 4]),
                ),
            )
        } else {
            (
                8,
                u32::from(u16::from_le_bytes([bytes[at + 6], bytes[at + 7]])),
            )
        };
        if len == u32::MAX {
            break;
        }
        at += header + len as usize;
    }
    starts.push(bytes.len() - 1);
    starts
}

#[test]
fn dicom_truncated_at_every_element_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let src = series(&dir.path().join("src"), 1).remove(0);
    let bytes = std::fs::read(&src).unwrap();
    let starts = element_starts(&bytes);
    assert!(
        starts.len() > 30,
        "the walker found the elements: {starts:?}"
    );
    let cut_dir = dir.path().join("cut");
    std::fs::create_dir(&cut_dir).unwrap();
    for &s in &starts {
        for cut in [s, s + 1, s + 5, s + 9] {
            if cut >= bytes.len() {
                continue;
            }
            let path = cut_dir.join(format!("cut{cut}.dcm"));
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let case = format!("truncated at {cut} of {}", bytes.len());
            if let Some((report, reads)) = scan_and_read(&path, &cut_dir, small_limits(), &case) {
                // A file cut inside its pixel data is never read as a whole image.
                assert!(
                    reads.iter().all(|r| r.is_err())
                        || !report.skipped.is_empty()
                        || cut >= bytes.len() - 8 * 8 * 2,
                    "{case}: read as an image"
                );
            }
            std::fs::remove_file(&path).unwrap();
        }
    }
    // An unknown transfer syntax (same length, so the meta group stays consistent).
    let ts = b"1.2.840.10008.1.2.1\0";
    let at = bytes
        .windows(ts.len())
        .position(|w| w == ts)
        .expect("explicit VR little endian");
    let mut unknown = bytes.clone();
    unknown[at..at + ts.len()].copy_from_slice(b"1.2.840.99999.1.2.1\0");
    let path = cut_dir.join("unknown-ts.dcm");
    std::fs::write(&path, &unknown).unwrap();
    if let Some((_, reads)) =
        scan_and_read(&path, &cut_dir, small_limits(), "unknown transfer syntax")
    {
        assert!(
            reads.iter().all(|r| r.is_err()),
            "unknown transfer syntax read"
        );
    }
    assert_no_big_allocation("truncated DICOM");
}

/// One slice of five is corrupt: the other four still read, and the report names the bad file.
#[test]
fn dicom_series_with_one_corrupt_slice() {
    for (what, corrupt) in [
        (
            "truncated header",
            (|p: &Path| {
                let b = std::fs::read(p).unwrap();
                std::fs::write(p, &b[..300]).unwrap();
            }) as fn(&Path),
        ),
        ("truncated pixel data", |p: &Path| {
            let b = std::fs::read(p).unwrap();
            std::fs::write(p, &b[..b.len() - 20]).unwrap();
        }),
        ("garbage after the preamble", |p: &Path| {
            let mut b = std::fs::read(p).unwrap();
            for (i, x) in b[140..400].iter_mut().enumerate() {
                *x = (i * 37) as u8;
            }
            std::fs::write(p, &b).unwrap();
        }),
        ("empty file", |p: &Path| std::fs::write(p, b"").unwrap()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let files = series(dir.path(), 5);
        corrupt(&files[2]);
        let report = scan(dir.path(), &ScanOptions::default()).unwrap();
        let named = report.skipped.iter().any(|s| s.path == files[2]);
        assert!(
            named,
            "{what}: the bad file is not named: {:?}",
            report.skipped
        );
        assert_eq!(report.volumes.len(), 1, "{what}");
        // As stored, the other four slices; by default resampled across the hole, so that
        // the slices after it stay at their place (5 planes over the same extent).
        let as_stored = ReadOptions::default().with_uniform(medvol::io::dicom::Uniform::Warn);
        let stored = report.read(0, &as_stored).unwrap();
        assert_eq!(stored.volume.dims()[2], 4, "{what}: the other slices read");
        let v = report.read(0, &ReadOptions::default()).unwrap();
        assert!(v.resampled, "{what}");
        assert_eq!(
            v.volume.dims()[2],
            5,
            "{what}: planes over the slices' extent"
        );
        let warned = v
            .warnings
            .iter()
            .chain(&report.volumes[0].warnings)
            .map(ToString::to_string)
            .any(|w| w.contains("gap") || w.contains("spacing") || w.contains("missing"));
        assert!(
            warned,
            "{what}: no warning about the hole: {:?} {:?}",
            v.warnings, report.volumes[0].warnings
        );
    }
}

/// Slices of one series (same SeriesInstanceUID) that disagree in size, orientation or type:
/// never one volume mixing them; each volume found reads.
#[test]
fn dicom_series_whose_slices_disagree() {
    type Edit = fn(&mut dicom_object::DefaultDicomObject);
    let cases: [(&str, Edit); 3] = [
        ("rows", |o| {
            put_us(o, ROWS, 4);
            o.put(DataElement::new(
                PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16(vec![7u16; 32].into()),
            ));
        }),
        ("orientation", |o| {
            put_str(o, IOP, VR::DS, "0\\1\\0\\0\\0\\-1")
        }),
        ("type", |o| {
            put_us(o, BITS_ALLOCATED, 8);
            put_us(o, BITS_STORED, 8);
            put_us(o, HIGH_BIT, 7);
            o.put(DataElement::new(
                PIXEL_DATA,
                VR::OB,
                PrimitiveValue::U8(vec![9u8; 64].into()),
            ));
        }),
    ];
    for (what, apply) in cases {
        let dir = tempfile::tempdir().unwrap();
        let files = series(dir.path(), 4);
        edit(&files[1], apply);
        let (report, reads) =
            scan_and_read(dir.path(), dir.path(), Limits::default(), what).unwrap();
        let odd_one_apart =
            report.volumes.len() >= 2 || report.skipped.iter().any(|s| s.path == files[1]);
        assert!(
            odd_one_apart,
            "{what}: mixed into one volume: {:?}",
            report.volumes.iter().map(|v| v.dims).collect::<Vec<_>>()
        );
        for v in report
            .volumes
            .iter()
            .filter(|v| v.files.contains(&files[0]))
        {
            assert!(
                !v.files.contains(&files[1]),
                "{what}: the disagreeing slice joined the others"
            );
        }
        assert!(reads.iter().any(|r| r.is_ok()), "{what}: nothing readable");
    }
}

/// One slice of a series with the other signedness: decoded with its own PixelRepresentation
/// (each file's values are what its header says), so it may join the others.
#[test]
fn dicom_slice_with_other_signedness_reads_its_own_values() {
    let dir = tempfile::tempdir().unwrap();
    let files = series(dir.path(), 3);
    let mut signed = false;
    edit(&files[1], |o| {
        let pr = o
            .element(PIXEL_REPRESENTATION)
            .unwrap()
            .to_int::<u16>()
            .unwrap();
        signed = pr == 1;
        put_us(o, PIXEL_REPRESENTATION, 1 - pr);
    });
    let (_, reads) =
        scan_and_read(dir.path(), dir.path(), Limits::default(), "signedness").unwrap();
    assert!(
        reads.iter().all(|r| r.is_ok()),
        "signedness: {reads:?}",
        reads = reads.iter().map(|r| r.as_ref().err()).collect::<Vec<_>>()
    );
    let _ = signed;
}

/// A file the scan cannot open: permissions when not root; as root (who reads everything)
/// a dangling symlink and a file name that is a folder of garbage stand in for it.
#[test]
fn dicom_unreadable_files_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let files = series(dir.path(), 3);
    let locked = dir.path().join("locked.dcm");
    std::fs::copy(&files[0], &locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::read(&locked).is_ok();
    if privileged {
        eprintln!(
            "running as root: permission bits do not stop reads, testing a dangling symlink instead"
        );
        std::fs::remove_file(&locked).unwrap();
    }
    let dangling = dir.path().join("dangling.dcm");
    std::os::unix::fs::symlink(dir.path().join("gone.dcm"), &dangling).unwrap();
    let root = dir.path().to_path_buf();
    let (report, reads) = within(30, "unreadable", move || {
        scan_and_read(&root, &root, Limits::default(), "unreadable").unwrap()
    });
    let bad = if privileged { dangling } else { locked };
    assert!(
        report.skipped.iter().any(|s| s.path == bad),
        "{} not named: {:?}",
        bad.display(),
        report.skipped
    );
    assert_eq!(report.volumes.len(), 1);
    assert_eq!(reads[0].as_ref().unwrap().volume.dims(), [8, 8, 3]);
}

/// A named pipe in a scanned folder: opening it would wait for a writer forever.
#[test]
fn dicom_scan_does_not_hang_on_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    series(dir.path(), 3);
    let fifo = dir.path().join("pipe.dcm");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available: skipping the FIFO case");
        return;
    }
    let root = dir.path().to_path_buf();
    let report = within(30, "fifo", move || {
        scan(&root, &ScanOptions::default()).unwrap()
    });
    assert_eq!(report.volumes[0].dims, [8, 8, 3]);
}

/// Symlink loops (to the folder itself and to its parent): the scan ends, counts each slice
/// once and reads the series.
#[test]
fn dicom_scan_survives_symlink_loops() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("series");
    series(&dir, 3);
    std::os::unix::fs::symlink(&dir, dir.join("self")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("up")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("dot")).unwrap();
    let root = dir.clone();
    let (report, reads) = within(60, "symlink loops", move || {
        scan_and_read(&root, &root, Limits::default(), "symlink loops").unwrap()
    });
    assert_eq!(
        report.volumes.len(),
        1,
        "{:?}",
        report.volumes.iter().map(|v| &v.label).collect::<Vec<_>>()
    );
    assert_eq!(report.volumes[0].dims, [8, 8, 3], "each slice once");
    assert!(reads[0].is_ok());
}

/// More files than `max_files`: refused with the folder named, before reading any of them.
#[test]
fn dicom_file_limit() {
    let dir = tempfile::tempdir().unwrap();
    series(dir.path(), 6);
    let err = scan(
        dir.path(),
        &ScanOptions::default().with_limits(Limits::default().with_max_files(4)),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::LimitExceeded { what: "files", .. }),
        "{err}"
    );
    assert_eq!(err.path(), dir.path());
}

/// Voxel and byte limits refuse a valid series that is larger than them, naming it.
#[test]
fn dicom_voxel_and_byte_limits() {
    let dir = tempfile::tempdir().unwrap();
    series(dir.path(), 4);
    let report = scan(dir.path(), &ScanOptions::default()).unwrap();
    for limits in [
        Limits::default().with_max_voxels(255),
        Limits::default().with_max_bytes(255),
    ] {
        let err = report
            .read(0, &ReadOptions::default().with_limits(limits))
            .unwrap_err();
        assert!(matches!(err, Error::LimitExceeded { .. }), "{err}");
        assert!(err.path().starts_with(dir.path()), "{err}");
    }
    assert!(
        report
            .read(
                0,
                &ReadOptions::default().with_limits(Limits::default().with_max_voxels(256))
            )
            .is_ok()
    );
}

// ---------------------------------------------------------------------------------------------
// NIfTI

fn nifti_bytes(nifti2: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.nii");
    let o = medvol_io::nifti::WriteOptions::default().with_nifti2(nifti2);
    medvol_io::nifti::write_with_options(&p, &medvol_core::DynVolume::from(volume([6, 5, 4])), &o)
        .unwrap();
    std::fs::read(p).unwrap()
}

fn read_nifti(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    limits: Limits,
    case: &str,
) -> Option<medvol_io::nifti::Nifti> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let options = medvol_io::nifti::ReadOptions::default().with_limits(limits);
    match medvol_io::nifti::read_with_options(&path, &options) {
        Ok(n) => {
            for v in &n.volumes {
                let s = v.geometry().spacing();
                assert!(
                    s.iter().all(|x| x.is_finite() && *x > 0.0),
                    "{case}: spacing {s:?} accepted"
                );
            }
            Some(n)
        }
        Err(e) => {
            assert_eq!(e.path(), path, "{case}: {e}");
            None
        }
    }
}

#[test]
fn nifti_truncated_at_every_field_boundary() {
    let dir = tempfile::tempdir().unwrap();
    for (nifti2, fields) in [
        (
            false,
            &[
                0usize, 4, 40, 56, 70, 72, 76, 108, 112, 252, 256, 280, 344, 348, 352,
            ][..],
        ),
        (
            true,
            &[0usize, 4, 12, 16, 80, 104, 168, 176, 344, 500, 540, 544][..],
        ),
    ] {
        let bytes = nifti_bytes(nifti2);
        let mut cuts: Vec<usize> = fields.iter().flat_map(|&f| [f, f + 1, f + 3]).collect();
        cuts.extend([bytes.len() - 1, bytes.len() - 2, bytes.len() - 61]);
        for cut in cuts {
            let case = format!("NIfTI-{} cut at {cut}", if nifti2 { 2 } else { 1 });
            let got = read_nifti(dir.path(), "cut.nii", &bytes[..cut], small_limits(), &case);
            assert!(got.is_none(), "{case}: a truncated file was read");
        }
    }
    assert_no_big_allocation("truncated NIfTI");
}

fn set(bytes: &mut [u8], at: usize, v: &[u8]) {
    bytes[at..at + v.len()].copy_from_slice(v);
}

#[test]
fn nifti_header_cases() {
    let dir = tempfile::tempdir().unwrap();
    type Patch = fn(&mut Vec<u8>);
    let n1: Vec<(&str, Patch)> = vec![
        ("dims overflow", |b| {
            for a in 0..3 {
                set(b, 42 + 2 * a, &32767i16.to_le_bytes());
            }
            set(b, 40, &7i16.to_le_bytes());
            for a in 3..7 {
                set(b, 42 + 2 * a, &32767i16.to_le_bytes());
            }
        }),
        ("above the limit", |b| {
            for a in 0..3 {
                set(b, 42 + 2 * a, &1000i16.to_le_bytes());
            }
        }),
        ("negative dim", |b| set(b, 42, &(-6i16).to_le_bytes())),
        ("zero dim", |b| set(b, 44, &0i16.to_le_bytes())),
        ("rank 9", |b| set(b, 40, &9i16.to_le_bytes())),
        ("negative pixdim", |b| set(b, 80, &(-0.8f32).to_le_bytes())),
        ("NaN pixdim", |b| {
            for a in 1..4 {
                set(b, 76 + 4 * a, &f32::NAN.to_le_bytes());
            }
        }),
        ("zero pixdim no transforms", |b| {
            set(b, 80, &0f32.to_le_bytes());
            set(b, 252, &[0; 4]);
        }),
        ("NaN sform", |b| set(b, 280, &f32::NAN.to_le_bytes())),
        ("singular sform", |b| set(b, 280, &[0; 48])),
        ("NaN quaternion, no sform", |b| {
            set(b, 254, &[0, 0]);
            set(b, 256, &f32::NAN.to_le_bytes());
        }),
        ("vox_offset past the end", |b| {
            set(b, 108, &1e9f32.to_le_bytes())
        }),
        ("negative vox_offset", |b| {
            set(b, 108, &(-352f32).to_le_bytes())
        }),
        ("NaN vox_offset", |b| set(b, 108, &f32::NAN.to_le_bytes())),
        ("bitpix disagrees", |b| set(b, 72, &64i16.to_le_bytes())),
        ("unknown datatype", |b| set(b, 70, &999i16.to_le_bytes())),
        ("NaN scl_slope", |b| set(b, 112, &f32::NAN.to_le_bytes())),
        ("bad magic", |b| set(b, 344, b"xx1\0")),
        ("sizeof_hdr wrong", |b| set(b, 0, &123i32.to_le_bytes())),
    ];
    let base = nifti_bytes(false);
    for (case, patch) in &n1 {
        let mut b = base.clone();
        patch(&mut b);
        read_nifti(dir.path(), "case.nii", &b, small_limits(), case);
        let gz = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&b).unwrap();
            e.finish().unwrap()
        };
        read_nifti(dir.path(), "case.nii.gz", &gz, small_limits(), case);
        assert_no_big_allocation(case);
    }
    let base2 = nifti_bytes(true);
    let n2: Vec<(&str, Patch)> = vec![
        ("NIfTI-2 dims overflow u64", |b| {
            for a in 0..3 {
                set(b, 24 + 8 * a, &(1i64 << 40).to_le_bytes());
            }
        }),
        ("NIfTI-2 negative dim", |b| {
            set(b, 24, &(-1i64).to_le_bytes())
        }),
        ("NIfTI-2 huge vox_offset", |b| {
            set(b, 168, &i64::MAX.to_le_bytes())
        }),
        ("NIfTI-2 NaN pixdim", |b| {
            set(b, 112, &f64::NAN.to_le_bytes())
        }),
    ];
    for (case, patch) in &n2 {
        let mut b = base2.clone();
        patch(&mut b);
        let got = read_nifti(dir.path(), "case2.nii", &b, small_limits(), case);
        assert!(case.contains("NaN") || got.is_none(), "{case}: read");
        assert_no_big_allocation(case);
    }
    // The limits refuse a valid file larger than them.
    for limits in [
        Limits::default().with_max_voxels(119),
        Limits::default().with_max_bytes(239),
    ] {
        let path = dir.path().join("valid.nii");
        std::fs::write(&path, &base).unwrap();
        let err = medvol_io::nifti::read_with_options(
            &path,
            &medvol_io::nifti::ReadOptions::default().with_limits(limits),
        )
        .unwrap_err();
        assert!(matches!(err, Error::LimitExceeded { .. }), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Meshes

fn read_mesh(dir: &Path, name: &str, bytes: &[u8], case: &str) -> Option<medvol_mesh::Mesh> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    match medvol_mesh::write::read(&path) {
        Ok(m) => {
            let n = m.positions().len();
            assert!(
                m.faces().iter().flatten().all(|&v| (v as usize) < n),
                "{case}: bad index accepted"
            );
            Some(m)
        }
        Err(e) => {
            assert!(
                e.to_string().contains(&*path.to_string_lossy()),
                "{case}: {e}"
            );
            None
        }
    }
}

#[test]
fn mesh_files_truncated_and_lying() {
    let dir = tempfile::tempdir().unwrap();
    let tetra = medvol_mesh::Mesh::new(
        vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ],
        vec![[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]],
        Frame::Lps,
    )
    .unwrap();
    use medvol_mesh::write::Format;
    for (format, name) in [
        (Format::StlBinary, "m.stl"),
        (Format::StlAscii, "m.stl"),
        (Format::PlyBinary, "m.ply"),
        (Format::PlyAscii, "m.ply"),
    ] {
        let mut bytes = Vec::new();
        format.write_to(&tetra, &mut bytes).unwrap();
        let whole = read_mesh(dir.path(), name, &bytes, &format!("{format:?}")).unwrap();
        assert_eq!(whole.triangle_count(), 4);
        for cut in 0..bytes.len() {
            let case = format!("{format:?} cut at {cut} of {}", bytes.len());
            if let Some(m) = read_mesh(dir.path(), name, &bytes[..cut], &case) {
                // ASCII files may lose trailing keywords and still hold every triangle.
                assert!(
                    matches!(format, Format::StlAscii | Format::PlyAscii),
                    "{case}: read"
                );
                assert!(m.triangle_count() <= 4, "{case}");
            }
        }
    }
    let mut stl = vec![0u8; 84];
    stl[80..84].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(read_mesh(dir.path(), "huge.stl", &stl, "STL claiming 4e9 triangles").is_none());
    for (case, text) in [
        (
            "huge vertex count",
            "ply\nformat ascii 1.0\nelement vertex 4294967295\nproperty float x\nproperty float y\nproperty float z\nelement face 0\nproperty list uchar int vertex_indices\nend_header\n",
        ),
        (
            "huge binary counts",
            "ply\nformat binary_little_endian 1.0\nelement vertex 18446744073709551615\nproperty float x\nproperty float y\nproperty float z\nelement face 18446744073709551615\nproperty list uchar int vertex_indices\nend_header\n",
        ),
        (
            "negative count",
            "ply\nformat ascii 1.0\nelement vertex -3\nproperty float x\nproperty float y\nproperty float z\nend_header\n",
        ),
        (
            "index out of range",
            "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n",
        ),
        (
            "negative index",
            "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 -1\n",
        ),
        (
            "no face element",
            "ply\nformat binary_big_endian 1.0\nelement vertex 0\nend_header\n",
        ),
        (
            "list of 255",
            "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n255 0 1 2\n",
        ),
        (
            "unknown property type",
            "ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float128 x\nend_header\n",
        ),
        ("no header end", "ply\nformat ascii 1.0\nelement vertex 1\n"),
    ] {
        assert!(
            read_mesh(dir.path(), "case.ply", text.as_bytes(), case).is_none(),
            "{case}: read"
        );
    }
    for (case, text) in [
        (
            "facet with two vertices",
            "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\nendsolid x\n",
        ),
        (
            "non-number",
            "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 zero\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid x\n",
        ),
    ] {
        assert!(
            read_mesh(dir.path(), "case.stl", text.as_bytes(), case).is_none(),
            "{case}: read"
        );
    }
    assert_no_big_allocation("meshes");
}
