//! De-identification of every DICOM set in `../shared/data` (PS3.15 Annex E basic profile),
//! checked element by element against the originals, sequences and file meta included.

use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_object::{DefaultDicomObject, InMemDicomObject, open_file};
use medvol_io::Error;
use medvol_io::dicom::deid_profile::{self, Action, SafePrivate};
use medvol_io::dicom::{Anonymizer, Naming, ReadOptions, ScanOptions, scan};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[path = "common/dicom_tree.rs"]
mod dicom_tree;
use dicom_tree::{flatten, raw, text};

const SECRET: &str = "medvol anonymize test";

fn data_sets() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    let mut sets: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("dicom").is_dir())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                p.join("dicom"),
            )
        })
        .collect();
    sets.sort();
    assert!(sets.len() >= 9, "expected the 9 DICOM sets, found {sets:?}");
    sets
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Patient Identity Removed, De-identification Method (and codes), Longitudinal Temporal
/// Information Modified: written by the de-identification.
const DEID_TAGS: &[Tag] = &[
    Tag(0x0012, 0x0062),
    Tag(0x0012, 0x0063),
    Tag(0x0012, 0x0064),
    Tag(0x0028, 0x0303),
];

/// Class and definition UIDs, which identify no instance and are kept.
const CLASS_UID_TAGS: &[Tag] = &[
    Tag(0x0004, 0x1510),
    Tag(0x0004, 0x1512),
    Tag(0x0008, 0x0016),
    Tag(0x0008, 0x001A),
    Tag(0x0008, 0x001B),
    Tag(0x0008, 0x010C),
    Tag(0x0008, 0x010D),
    Tag(0x0008, 0x0118),
    Tag(0x0008, 0x0300),
    Tag(0x0008, 0x1150),
];

/// Whether a sequence or item on the way to `path` is missing from `after`.
fn ancestor_dropped(
    path: &str,
    after: &BTreeMap<String, &dicom_core::DataElement<InMemDicomObject>>,
) -> bool {
    path.match_indices('[').any(|(pos, _)| {
        let index: usize = path[pos + 1..path[pos..].find(']').unwrap() + pos]
            .parse()
            .unwrap();
        after
            .get(&path[..pos])
            .and_then(|e| e.items())
            .is_none_or(|items| items.len() <= index)
    })
}

/// Strings and UIDs of `obj` (data set and meta), everywhere.
fn all_strings(obj: &DefaultDicomObject) -> BTreeSet<String> {
    let mut flat = BTreeMap::new();
    flatten(obj, "", &mut flat);
    let mut out: BTreeSet<String> = flat
        .values()
        .filter(|e| e.vr() != VR::OB && e.vr() != VR::OW && e.vr() != VR::UN)
        .flat_map(|e| text(e))
        .collect();
    out.insert(
        obj.meta()
            .media_storage_sop_instance_uid()
            .trim_end_matches('\0')
            .to_string(),
    );
    out
}

fn str_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).and_then(|e| text(e).into_iter().next())
}

/// Checks one de-identified file against its original; returns the number of elements the
/// profile acted on.
fn check_pair(
    original: &DefaultDicomObject,
    anon: &DefaultDicomObject,
    a: &Anonymizer,
    what: &str,
) -> usize {
    let (mut before, mut after) = (BTreeMap::new(), BTreeMap::new());
    flatten(original, "", &mut before);
    flatten(anon, "", &mut after);
    let mut acted = 0;
    for (path, orig) in &before {
        let tag = orig.tag();
        let out = after.get(path);
        let ctx = || format!("{what}: {path} ({tag})");
        if DEID_TAGS.contains(&tag) {
            continue; // set by the de-identification itself
        }
        if ancestor_dropped(path, &after) {
            continue; // gone with the sequence (or item) that held it
        }
        if deid_profile::is_private(tag) {
            assert!(out.is_none(), "{}: private element kept", ctx());
            acted += 1;
            continue;
        }
        let orig_raw = raw(orig);
        let is_empty = orig_raw
            .as_ref()
            .is_some_and(|r| r.iter().all(|&b| b == 0 || b == b' '));
        let action = deid_profile::lookup(tag).map(|row| row.action);
        let listed = deid_profile::KEPT_ATTRIBUTES.iter().any(|(t, _)| *t == tag);
        let kept = match action {
            Some(Action::K | Action::XZUStar) => true,
            None => listed || CLASS_UID_TAGS.contains(&tag),
            Some(_) => false,
        };
        if action.is_none() && !kept && orig.vr() != VR::UI {
            // outside the table and not on the kept list: dropped
            assert!(out.is_none(), "{}: unlisted attribute kept", ctx());
            acted += 1;
        } else if action == Some(Action::X) {
            assert!(out.is_none(), "{}: X but present", ctx());
            acted += 1;
        } else if kept {
            // sequences: their items are checked element by element through their paths
            if orig_raw.is_some() {
                let out = out.unwrap_or_else(|| panic!("{}: kept element missing", ctx()));
                assert_eq!(raw(out), orig_raw, "{}: kept element changed", ctx());
            }
        } else {
            // U, any other instance UID, Z, D and the composites: the original value is gone
            acted += 1;
            let Some(out) = out else { continue };
            if is_empty || orig_raw.is_none() {
                continue;
            }
            if orig.vr() == VR::UI {
                let orig_uids = text(orig);
                let expected: Vec<String> = orig_uids.iter().map(|u| a.map_uid(u)).collect();
                assert_eq!(
                    text(out),
                    expected,
                    "{}: UID not mapped consistently",
                    ctx()
                );
                if orig_uids
                    .iter()
                    .all(|u| !deid_profile::is_well_known_uid(u))
                {
                    assert_ne!(raw(out), orig_raw, "{}: UID kept", ctx());
                }
            } else {
                assert_ne!(raw(out), orig_raw, "{}: identifying value kept", ctx());
            }
        }
    }
    // No original instance UID, name or identifier survives anywhere (meta included).
    let strings = all_strings(anon);
    for (path, orig) in &before {
        let tag = orig.tag();
        let instance_uid =
            orig.vr() == VR::UI && deid_profile::lookup(tag).is_some_and(|r| r.action == Action::U);
        let identity = [
            Tag(0x0010, 0x0010),
            Tag(0x0010, 0x0020),
            Tag(0x0008, 0x0080),
        ]
        .contains(&tag);
        if instance_uid || identity {
            // values that de-identification writes itself may already be there
            let ours = ["REMOVED", "MODIFIED", "ANONYMIZED"];
            for v in text(orig)
                .into_iter()
                .filter(|v| v.len() >= 4 && !ours.contains(&v.as_str()))
            {
                assert!(
                    !strings.contains(&v),
                    "{what}: {path} value {v:?} found in the output"
                );
            }
        }
    }
    let meta_uid = original
        .meta()
        .media_storage_sop_instance_uid()
        .trim_end_matches('\0');
    assert!(
        !strings.contains(meta_uid),
        "{what}: meta SOP instance UID kept"
    );
    assert_eq!(
        anon.meta().transfer_syntax(),
        original.meta().transfer_syntax(),
        "{what}"
    );
    assert_eq!(
        str_of(anon, Tag(0x0012, 0x0062)).as_deref(),
        Some("YES"),
        "{what}"
    );
    // appended to an earlier record (emri_small has one)
    let methods = anon.get(Tag(0x0012, 0x0063)).map(text).unwrap_or_default();
    assert!(methods.iter().any(|m| m.contains("PS3.15")), "{what}");
    let codes = anon
        .get(Tag(0x0012, 0x0064))
        .and_then(|e| e.items())
        .expect("method codes");
    assert!(
        codes
            .iter()
            .any(|c| str_of(c, Tag(0x0008, 0x0100)).as_deref() == Some("113100")),
        "{what}"
    );
    acted
}

#[test]
fn every_shared_data_set_is_de_identified_element_by_element() {
    let tmp = tempfile::tempdir().unwrap();
    // outputs are paired with inputs by name
    let anonymizer = Anonymizer::new()
        .with_uid_secret(SECRET)
        .with_naming(Naming::Keep);
    let mut total_acted = 0;
    for (name, input) in data_sets() {
        let out = tmp.path().join(&name);
        let report = anonymizer.folder(&input, &out).unwrap();
        let inputs = files(&input);
        assert!(report.skipped.is_empty(), "{name}: {:?}", report.skipped);
        assert_eq!(report.written.len(), inputs.len(), "{name}");

        // UID mapping keeps the grouping: (study, series, frame of reference) partitions agree.
        let mut groups_before: HashMap<[String; 3], BTreeSet<PathBuf>> = HashMap::new();
        let mut groups_after: HashMap<[String; 3], BTreeSet<PathBuf>> = HashMap::new();
        let mut sop_uids = BTreeSet::new();
        for file in &inputs {
            let rel = file.strip_prefix(&input).unwrap().to_path_buf();
            let original = open_file(file).unwrap();
            let anon = open_file(out.join(&rel)).unwrap();
            total_acted += check_pair(
                &original,
                &anon,
                &anonymizer,
                &format!("{name}/{}", rel.display()),
            );
            // pixels and geometry untouched
            for tag in [
                Tag(0x7FE0, 0x0010),
                Tag(0x0020, 0x0032),
                Tag(0x0020, 0x0037),
                Tag(0x0028, 0x0030),
                Tag(0x0028, 0x1052),
                Tag(0x0028, 0x1053),
            ] {
                assert_eq!(
                    original.get(tag).and_then(raw),
                    anon.get(tag).and_then(raw),
                    "{name}/{}: {tag} changed",
                    rel.display()
                );
            }
            let key = |o: &InMemDicomObject| {
                [
                    Tag(0x0020, 0x000D),
                    Tag(0x0020, 0x000E),
                    Tag(0x0020, 0x0052),
                ]
                .map(|t| str_of(o, t).unwrap_or_default())
            };
            let k = key(&original);
            let mapped = k.clone().map(|u| anonymizer.map_uid(&u));
            assert_eq!(key(&anon), mapped, "{name}: grouping UIDs");
            groups_before.entry(k).or_default().insert(rel.clone());
            groups_after.entry(key(&anon)).or_default().insert(rel);
            sop_uids.insert((
                str_of(&original, Tag(0x0008, 0x0018)),
                str_of(&anon, Tag(0x0008, 0x0018)),
            ));
        }
        // one new SOP Instance UID per original one (a set may repeat an instance in
        // several transfer syntaxes)
        let originals: BTreeSet<_> = sop_uids.iter().map(|p| &p.0).collect();
        let news: BTreeSet<_> = sop_uids.iter().map(|p| &p.1).collect();
        assert_eq!(
            (originals.len(), news.len()),
            (sop_uids.len(), sop_uids.len()),
            "{name}"
        );
        let mut a: Vec<_> = groups_before.into_values().collect();
        let mut b: Vec<_> = groups_after.into_values().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{name}: series grouping changed");
    }
    assert!(
        total_acted > 1000,
        "profile acted on only {total_acted} elements"
    );
}

#[test]
fn medvol_reads_the_same_volumes_back() {
    let tmp = tempfile::tempdir().unwrap();
    // outputs are paired with inputs by name
    let anonymizer = Anonymizer::new()
        .with_uid_secret(SECRET)
        .with_naming(Naming::Keep);
    let mut compared = 0;
    for (name, input) in data_sets() {
        let out = tmp.path().join(&name);
        // A Siemens mosaic splits into slices by its private NumberOfImagesInMosaic
        // (0019,xx0A), which only the Retain Safe Private option keeps.
        anonymizer
            .clone()
            .with_keep_private(name.contains("mosaic"))
            .folder(&input, &out)
            .unwrap();
        let before = scan(&input, &ScanOptions::default()).unwrap();
        let after = scan(&out, &ScanOptions::default()).unwrap();
        assert_eq!(before.volumes.len(), after.volumes.len(), "{name}");
        assert_eq!(before.skipped.len(), after.skipped.len(), "{name}");
        for (i, v) in before.volumes.iter().enumerate() {
            let id =
                v.id.replacen(&v.series_uid, &anonymizer.map_uid(&v.series_uid), 1);
            let j = after
                .volumes
                .iter()
                .position(|w| w.id == id)
                .unwrap_or_else(|| panic!("{name}: volume {id} missing after de-identification"));
            let (x, y) = match (
                before.read(i, &ReadOptions::default()),
                after.read(j, &ReadOptions::default()),
            ) {
                (Ok(x), Ok(y)) => (x, y),
                // a codec this build lacks fails the same way before and after
                (Err(Error::Unsupported { .. }), Err(Error::Unsupported { .. })) => continue,
                (x, y) => panic!("{name}: {id}: {:?} / {:?}", x.err(), y.err()),
            };
            assert_eq!(x.volume.dims(), y.volume.dims(), "{name}");
            assert!(
                x.volume.geometry().approx_eq(y.volume.geometry(), 1e-9),
                "{name}"
            );
            assert_eq!(x.affine, y.affine, "{name}");
            assert_eq!(x.volume.kind(), y.volume.kind(), "{name}");
            assert_eq!(
                x.volume.to_f64().as_slice(),
                y.volume.to_f64().as_slice(),
                "{name}: voxels"
            );
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} volumes compared");
}

#[test]
fn uids_are_stable_across_runs_with_a_secret_only() {
    let (_, input) = data_sets()
        .into_iter()
        .find(|(n, _)| n == "mr_toshiba_ax30_b0")
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let series = |a: Anonymizer, dir: &str| {
        let out = tmp.path().join(dir);
        a.with_naming(Naming::Keep).folder(&input, &out).unwrap();
        let o = open_file(out.join("0001.dcm")).unwrap();
        (
            str_of(&o, Tag(0x0020, 0x000E)).unwrap(),
            str_of(&o, Tag(0x0008, 0x0018)).unwrap(),
        )
    };
    let first = series(Anonymizer::new().with_uid_secret("k1"), "a");
    assert_eq!(first, series(Anonymizer::new().with_uid_secret("k1"), "b"));
    assert_ne!(
        first.0,
        series(Anonymizer::new().with_uid_secret("k2"), "c").0
    );
    assert_ne!(first.0, series(Anonymizer::new(), "d").0);
}

#[test]
fn date_shift_and_keep_private_options() {
    let (_, input) = data_sets()
        .into_iter()
        .find(|(n, _)| n == "ct_philips_head")
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shifted");
    Anonymizer::new()
        .with_date_shift_days(-40)
        .with_keep_private(true)
        .with_naming(Naming::Keep)
        .folder(&input, &out)
        .unwrap();
    let original = open_file(input.join("I10")).unwrap();
    let anon = open_file(out.join("I10")).unwrap();
    let study_date = str_of(&original, Tag(0x0008, 0x0020)).unwrap();
    let shifted = str_of(&anon, Tag(0x0008, 0x0020)).unwrap();
    assert_ne!(study_date, shifted);
    // independent check of the calendar arithmetic with the standard library's help
    let days = |d: &str| {
        let (y, m, dd): (i64, i64, i64) = (
            d[..4].parse().unwrap(),
            d[4..6].parse().unwrap(),
            d[6..8].parse().unwrap(),
        );
        // days since 0000-03-01 (Zeller style), enough to compare two dates
        let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
        365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + dd
    };
    assert_eq!(
        days(&study_date) - days(&shifted),
        40,
        "{study_date} -> {shifted}"
    );
    assert_eq!(
        str_of(&anon, Tag(0x0028, 0x0303)).as_deref(),
        Some("MODIFIED")
    );
    assert_eq!(str_of(&anon, Tag(0x0010, 0x0030)).unwrap_or_default(), "");
    let codes = anon
        .get(Tag(0x0012, 0x0064))
        .and_then(|e| e.items())
        .unwrap();
    assert_eq!(
        str_of(&codes[1], Tag(0x0008, 0x0100)).as_deref(),
        Some("113107")
    );
    // the method text is a valid LO (64 characters at most) and does not give the shift away
    let method = str_of(&anon, Tag(0x0012, 0x0063)).unwrap();
    assert!(method.len() <= 64, "{method:?}");
    assert!(!method.contains("40"), "{method:?}");
}

/// The private creator reserving the block of private element `tag` in `obj`, if any.
fn creator_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let block = Tag(tag.group(), tag.element() >> 8);
    str_of(obj, block).map(|c| c.trim_end_matches([' ', '\0']).to_string())
}

#[test]
fn retain_safe_private_keeps_exactly_the_safe_list() {
    let extra = SafePrivate::new(0x2005, "Philips MR Imaging DD 001", 0x30);
    let anonymizer = Anonymizer::new()
        .with_keep_private(true)
        .with_naming(Naming::Keep)
        .with_safe_private([extra.clone()]);
    let mut safe: BTreeSet<(u16, String, u16)> = deid_profile::SAFE_PRIVATE
        .iter()
        .map(|e| (e.group, e.creator.to_string(), u16::from(e.element)))
        .collect();
    safe.insert((extra.group, extra.creator.clone(), u16::from(extra.element)));
    let tmp = tempfile::tempdir().unwrap();
    for (name, must_keep) in [
        ("dicom_ts_siemens_mosaic", Tag(0x0019, 0x100A)), // Number of Images in Mosaic
        ("mr_siemens_t1_sag_hfs", Tag(0x0019, 0x100B)),   // Slice Measurement Duration
        ("mr_philips_epi_oblique_4d", Tag(0x2001, 0x1003)), // Diffusion B Factor
    ] {
        let (_, input) = data_sets().into_iter().find(|(n, _)| n == name).unwrap();
        let out = tmp.path().join(name);
        let report = anonymizer.folder(&input, &out).unwrap();
        assert!(report.skipped.is_empty(), "{name}: {:?}", report.skipped);
        let first = files(&input).into_iter().next().unwrap();
        let original = open_file(&first).unwrap();
        let anon = open_file(out.join(first.file_name().unwrap())).unwrap();
        let (mut kept, mut removed, mut creators) = (0, 0, BTreeSet::new());
        for elem in original.iter() {
            let tag = elem.tag();
            if !deid_profile::is_private(tag) || tag.element() < 0x1000 {
                continue;
            }
            let creator = creator_of(&original, tag).unwrap_or_default();
            let key = (tag.group(), creator, tag.element() & 0xFF);
            match anon.get(tag) {
                Some(out) if safe.contains(&key) => {
                    assert_eq!(raw(out), raw(elem), "{name}: {tag} changed");
                    assert_eq!(creator_of(&anon, tag).as_deref(), Some(key.1.as_str()));
                    creators.insert(Tag(tag.group(), tag.element() >> 8));
                    kept += 1;
                }
                None if !safe.contains(&key) => removed += 1,
                Some(_) => panic!("{name}: {tag} {key:?} kept but not on the safe list"),
                None => panic!("{name}: {tag} {key:?} on the safe list but removed"),
            }
        }
        assert!(anon.get(must_keep).is_some(), "{name}: {must_keep} missing");
        assert!(
            kept > 0 && removed > kept,
            "{name}: kept {kept}, removed {removed}"
        );
        // private creators survive only for blocks that still hold a kept element
        for elem in anon.iter() {
            let tag = elem.tag();
            if deid_profile::is_private(tag) && tag.element() < 0x1000 {
                assert!(creators.contains(&tag), "{name}: creator {tag} kept alone");
            }
        }
        let codes = anon
            .get(Tag(0x0012, 0x0064))
            .and_then(|e| e.items())
            .unwrap();
        assert!(
            codes
                .iter()
                .any(|c| str_of(c, Tag(0x0008, 0x0100)).as_deref() == Some("113111")),
            "{name}: no Retain Safe Private Option code"
        );
    }
}

#[test]
fn never_in_place_and_errors_are_reported() {
    let (_, input) = data_sets()
        .into_iter()
        .find(|(n, _)| n == "dicom_ts_pydicom_small")
        .unwrap();
    let a = Anonymizer::new();
    // in place, or output inside input: refused before anything is written
    assert!(matches!(
        a.folder(&input, &input),
        Err(Error::Invalid { .. })
    ));
    let inside = input.join("anon");
    assert!(matches!(
        a.folder(&input, &inside),
        Err(Error::Invalid { .. })
    ));
    assert!(!inside.exists());
    let tmp = tempfile::tempdir().unwrap();
    // input inside output is refused too (outputs could land on inputs)
    let nested_in = tmp.path().join("out/in");
    std::fs::create_dir_all(&nested_in).unwrap();
    assert!(matches!(
        a.folder(&nested_in, tmp.path().join("out")),
        Err(Error::Invalid { .. })
    ));
    // unwritable output folder: a path below a regular file
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    assert!(matches!(
        a.folder(&input, blocker.join("out")),
        Err(Error::Io { .. })
    ));
    assert!(matches!(
        a.folder(tmp.path().join("missing"), tmp.path().join("o")),
        Err(Error::NotFound { .. })
    ));
    // a non-DICOM file is reported and the rest goes on, sub-folders kept
    let mixed = tmp.path().join("mixed");
    std::fs::create_dir_all(mixed.join("sub")).unwrap();
    std::fs::copy(input.join("CT_small.dcm"), mixed.join("sub/ct.dcm")).unwrap();
    std::fs::write(mixed.join("notes.txt"), b"not a DICOM file").unwrap();
    let report = a.folder(&mixed, tmp.path().join("mixed-anon")).unwrap();
    // new names by default: sub-folders and file names may identify
    assert_eq!(report.written, vec![PathBuf::from("IM00001.dcm")]);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].path, PathBuf::from("notes.txt"));
    assert!(
        report.skipped[0].reason.contains("notes.txt"),
        "{}",
        report.skipped[0].reason
    );
    assert!(tmp.path().join("mixed-anon/IM00001.dcm").is_file());
    assert!(!tmp.path().join("mixed-anon/notes.txt").exists());
}

/// Issue 15: a single input file is de-identified into the output folder under a new name;
/// a run with nothing to write leaves no output folder; the output is checked outside the
/// input after `..` and symbolic links are resolved.
#[test]
fn single_files_empty_runs_and_tricky_output_paths() {
    let (_, input) = data_sets()
        .into_iter()
        .find(|(n, _)| n == "dicom_ts_pydicom_small")
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let a = Anonymizer::new();
    let out = tmp.path().join("one");
    let report = a.folder(input.join("CT_small.dcm"), &out).unwrap();
    assert_eq!(report.written, vec![PathBuf::from("IM00001.dcm")]);
    assert!(open_file(out.join("IM00001.dcm")).is_ok());
    // nothing to write: no folder left behind
    let empty_in = tmp.path().join("text-only");
    std::fs::create_dir(&empty_in).unwrap();
    std::fs::write(empty_in.join("notes.txt"), b"no DICOM").unwrap();
    let nothing = tmp.path().join("nothing");
    let report = a.folder(&empty_in, &nothing).unwrap();
    assert!(report.written.is_empty() && report.skipped.len() == 1);
    assert!(!nothing.exists(), "an empty output folder was left");
    // `missing/../in/out` and a link to the input both land inside the input: refused
    let copy = tmp.path().join("in");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(input.join("CT_small.dcm"), copy.join("ct.dcm")).unwrap();
    let tricky = tmp.path().join("nonexist/../in/out3");
    assert!(matches!(
        a.folder(&copy, &tricky),
        Err(Error::Invalid { .. })
    ));
    assert!(!copy.join("out3").exists());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&copy, tmp.path().join("link")).unwrap();
        let via_link = tmp.path().join("link/anon");
        assert!(matches!(
            a.folder(&copy, &via_link),
            Err(Error::Invalid { .. })
        ));
        assert!(!copy.join("anon").exists());
    }
}
