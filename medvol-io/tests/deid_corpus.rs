//! De-identification of the corpus that `tests/deid_corpus/make_corpus.py` builds with pydicom:
//! public test files of pydicom and pydicom-data, a DICOMDIR, and canary files that set every
//! row of PS3.15 Table E.1-1 to a recognisable value at the top level, in nested sequences, in
//! shared and per-frame functional groups, and as VR UN.
//!
//! Needs a Python with pydicom, numpy and pydicom-data:
//! `MEDVOL_PEER_PYTHON=/path/to/venv/bin/python cargo test -p medvol-io --test deid_corpus -- --ignored`.

use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_object::{DefaultDicomObject, open_file};
use medvol_io::dicom::deid_profile::{self, Action, ProfileOption};
use medvol_io::dicom::{AnonymizeReport, Anonymizer, Naming};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "common/dicom_tree.rs"]
mod dicom_tree;
use dicom_tree::{Element, flatten, raw, text};

const SECRET: &str = "deid corpus";
const CANARY_UID_ROOT: &str = "1.2.826.0.1.3680043.10.1471.";
/// Canary texts no de-identified file may hold (dates are checked separately).
const CANARY_TEXTS: &[&[u8]] = &[b"CANARY", b"Canary", b"canary.example", b"31337", b"31.337"];

/// Builds the corpus into a temporary folder.
fn corpus() -> tempfile::TempDir {
    let python = std::env::var("MEDVOL_PEER_PYTHON")
        .expect("set MEDVOL_PEER_PYTHON to a Python with pydicom, numpy and pydicom-data");
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/deid_corpus/make_corpus.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn run(anonymizer: Anonymizer, input: &Path, out: &Path) -> AnonymizeReport {
    anonymizer
        .with_uid_secret(SECRET)
        .with_naming(Naming::Keep)
        .folder(input, out)
        .unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether a sequence or item on the way to `path` is missing from `after`.
fn gone_with_parent(path: &str, after: &BTreeMap<String, &Element>) -> bool {
    let mut end = 0;
    while let Some(i) = path[end..].find('[') {
        let parent = &path[..end + i];
        let close = end + i + path[end + i..].find(']').unwrap();
        let index: usize = path[end + i + 1..close].parse().unwrap();
        let items = after
            .get(parent)
            .and_then(|e| e.items())
            .map_or(0, |i| i.len());
        if index >= items {
            return true;
        }
        end = close + 1;
    }
    false
}

/// The text values of an original element; a VR UN value (kept as bytes by dicom-rs) read as
/// the text its dictionary VR would hold.
fn original_text(elem: &Element) -> Vec<String> {
    if elem.vr() != VR::UN {
        return text(elem);
    }
    let bytes = raw(elem).unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .split('\\')
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .collect()
}

fn is_empty(elem: &Element) -> bool {
    match raw(elem) {
        Some(bytes) => bytes.iter().all(|&b| b == 0 || b == b' '),
        None => elem.items().is_none_or(|items| items.is_empty()),
    }
}

/// Checks every table row of `original` in `anon` against the basic profile's action; returns
/// how many elements were checked per action code.
fn check_rows(
    original: &DefaultDicomObject,
    anon: &DefaultDicomObject,
    a: &Anonymizer,
    what: &str,
) -> BTreeMap<&'static str, usize> {
    let (mut before, mut after) = (BTreeMap::new(), BTreeMap::new());
    flatten(original, "", &mut before);
    flatten(anon, "", &mut after);
    let mut checked = BTreeMap::new();
    for (path, orig) in &before {
        let Some(row) = deid_profile::lookup(orig.tag()) else {
            continue;
        };
        if gone_with_parent(path, &after) {
            continue;
        }
        let out = after.get(path);
        let ctx = format!("{what}: {path} {} ({})", row.keyword, row.action.code());
        match row.action {
            Action::X => assert!(out.is_none(), "{ctx}: present"),
            Action::Z | Action::XZ => {
                assert!(out.is_none_or(|o| is_empty(o)), "{ctx}: not empty")
            }
            Action::D | Action::ZD | Action::XD | Action::XZD => {
                if let Some(o) = out {
                    let kept = raw(o).is_some() && raw(o) == raw(orig);
                    assert!(!kept, "{ctx}: value kept");
                    assert!(o.items().is_none_or(|i| i.is_empty()), "{ctx}: items kept");
                }
            }
            Action::U => {
                let o = out.unwrap_or_else(|| panic!("{ctx}: missing"));
                let expected: Vec<String> =
                    original_text(orig).iter().map(|u| a.map_uid(u)).collect();
                assert_eq!(text(o), expected, "{ctx}: not the mapped UID");
            }
            Action::XZUStar => {} // its items' UIDs are rows of their own
            other => panic!("{ctx}: unexpected basic code {other:?}"),
        }
        *checked.entry(row.action.code()).or_default() += 1;
    }
    checked
}

#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with pydicom and pydicom-data"]
fn canaries_leave_no_value_of_any_x_z_d_u_row() {
    let dir = corpus();
    let out = dir.path().join("anon");
    let a = Anonymizer::new().with_uid_secret(SECRET);
    let report = run(a.clone(), &dir.path().join("canary"), &out);
    assert_eq!(report.written.len(), 3, "{report:?}");
    let mut total = 0;
    for name in ["top.dcm", "nested.dcm", "un.dcm"] {
        let original = open_file(dir.path().join("canary").join(name)).unwrap();
        let anon = open_file(out.join(name)).unwrap();
        let checked = check_rows(&original, &anon, &a, name);
        let n: usize = checked.values().sum();
        eprintln!("{name}: {n} table elements checked {checked:?}");
        total += n;
        // every canary row, at each place it was put
        let places = match name {
            "nested.dcm" => 5, // top level, shared group, nested in it, two frames
            _ => 1,
        };
        // 648 rows were written; sequences have no UN copy, and a removed sequence takes
        // the rows inside its item along
        assert!(n >= places * 550, "{name}: only {n} rows checked");
        let bytes = std::fs::read(out.join(name)).unwrap();
        for canary in CANARY_TEXTS.iter().chain([&b"19710203"[..]].iter()) {
            assert!(
                !contains(&bytes, canary),
                "{name}: {:?} survives",
                String::from_utf8_lossy(canary)
            );
        }
        assert!(
            !contains(&bytes, CANARY_UID_ROOT.as_bytes()),
            "{name}: a UID survives"
        );
    }
    eprintln!("{total} table elements checked in the canaries");
}

/// The date rows the modified-dates option cleans: DA and DT values move by exactly N days,
/// TM values stay (a whole-day shift keeps the time of day).
#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with pydicom and pydicom-data"]
fn dates_shift_by_exactly_n_days() {
    let dir = corpus();
    let out = dir.path().join("shifted");
    let a = Anonymizer::new().with_date_shift_days(-40);
    run(a, &dir.path().join("canary"), &out);
    let mut seen = BTreeMap::<VR, usize>::new();
    for name in ["top.dcm", "nested.dcm", "un.dcm"] {
        let anon = open_file(out.join(name)).unwrap();
        let mut after = BTreeMap::new();
        flatten(&anon, "", &mut after);
        for (path, elem) in &after {
            let Some(row) = deid_profile::lookup(elem.tag()) else {
                continue;
            };
            let dated = row.action_with(&[ProfileOption::RetainLongitudinalModifiedDates]);
            if dated != Action::C || row.tag().is_none() {
                continue;
            }
            let value = text(elem).join("\\");
            let expected = match elem.vr() {
                VR::DA => "19701225",
                VR::DT => "19701225040506",
                VR::TM => "040506",
                _ => continue, // not a date: the basic action applied, checked elsewhere
            };
            assert_eq!(value, expected, "{name}: {path} {}", row.keyword);
            *seen.entry(elem.vr()).or_default() += 1;
        }
        let bytes = std::fs::read(out.join(name)).unwrap();
        assert!(!contains(&bytes, b"19710203"), "{name}: an unshifted date");
    }
    eprintln!("shifted: {seen:?}");
    assert!(seen.values().sum::<usize>() > 300, "{seen:?}");
}

/// Every public file and canary: pixel data and geometry bit-equal, UIDs consistent across
/// files, DICOMDIR left out with its reason, attributes outside the table reported.
#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with pydicom and pydicom-data"]
fn pixels_geometry_and_uids_survive_as_they_should() {
    const GEOMETRY: &[Tag] = &[
        Tag(0x7FE0, 0x0010), // Pixel Data
        Tag(0x0028, 0x0010), // Rows
        Tag(0x0028, 0x0011), // Columns
        Tag(0x0028, 0x0100), // Bits Allocated
        Tag(0x0028, 0x0101), // Bits Stored
        Tag(0x0028, 0x0103), // Pixel Representation
        Tag(0x0028, 0x0004), // Photometric Interpretation
        Tag(0x0028, 0x0008), // Number of Frames
        Tag(0x0028, 0x0030), // Pixel Spacing
        Tag(0x0018, 0x0050), // Slice Thickness
        Tag(0x0020, 0x0032), // Image Position (Patient)
        Tag(0x0020, 0x0037), // Image Orientation (Patient)
        Tag(0x0028, 0x1052), // Rescale Intercept
        Tag(0x0028, 0x1053), // Rescale Slope
    ];
    let dir = corpus();
    let a = Anonymizer::new().with_uid_secret(SECRET);
    let mut compared = 0;
    let mut studies = BTreeMap::<String, String>::new();
    for set in ["public", "canary"] {
        let input = dir.path().join(set);
        let out = dir.path().join(format!("{set}-anon"));
        let report = run(a.clone(), &input, &out);
        if set == "public" {
            let dicomdir = PathBuf::from("media/DICOMDIR");
            let skipped = report.skipped.iter().find(|s| s.path == dicomdir);
            assert!(
                skipped.is_some_and(|s| s.reason.contains("DICOMDIR left out")),
                "{report:?}"
            );
            assert!(!out.join("media").exists());
            assert!(!report.dropped.is_empty(), "nothing reported as dropped");
        }
        for rel in &report.written {
            // UN sequences of undefined length need medvol's reader (UN_sequence.dcm)
            let Ok(original) = open_file(input.join(rel)) else {
                eprintln!(
                    "{}: not readable by dicom-rs alone, not compared",
                    rel.display()
                );
                continue;
            };
            let anon = open_file(out.join(rel)).unwrap();
            let (mut before, mut after) = (BTreeMap::new(), BTreeMap::new());
            flatten(&original, "", &mut before);
            flatten(&anon, "", &mut after);
            for (path, orig) in &before {
                if !GEOMETRY.contains(&orig.tag()) || gone_with_parent(path, &after) {
                    continue;
                }
                let o = after
                    .get(path)
                    .unwrap_or_else(|| panic!("{}: {path} missing", rel.display()));
                assert_eq!(raw(o), raw(orig), "{}: {path} changed", rel.display());
                compared += 1;
            }
            // the same original study gives the same replacement in every file
            let study = |o: &DefaultDicomObject| {
                o.get(Tag(0x0020, 0x000D))
                    .map(|e| original_text(e).join(""))
            };
            if let (Some(s), Some(t)) = (study(&original), study(&anon)) {
                let mapped = studies.entry(s.clone()).or_insert_with(|| t.clone());
                assert_eq!(
                    *mapped,
                    t,
                    "{}: study UID mapped differently",
                    rel.display()
                );
                assert_eq!(t, a.map_uid(&s));
            }
        }
    }
    eprintln!(
        "{compared} pixel and geometry elements bit-equal; {} studies",
        studies.len()
    );
    assert!(compared > 100, "{compared}");
}
