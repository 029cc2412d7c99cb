//! GE `epi_pepolar` volumes with reversed phase encoding are stored upside down; medvol reverses
//! their rows as dcm2niix does (facts from dcm2niix's `dcm_qa_polar`, see
//! `medvol-io/src/dicom/pepolar.rs`). No real epi_pepolar series is in the test data: these
//! series are built from a real GE file (pydicom's `CT_small.dcm`, in `shared/data`, whose
//! private block GEMS_ACQU_01 is kept) with PulseSequenceName and UserData12 set, two slices
//! per time point. A real series (the held-back set) must confirm the scheme and volume count.

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use medvol_core::Ijk;
use medvol_io::Error;
use medvol_io::dicom::{Pepolar, ReadOptions, ScanOptions, scan};
use std::path::Path;

#[allow(dead_code)] // `usizes` is for the other test files
mod common;
use common::data_dir;

const TIME_POINTS: usize = 4;

/// Writes `TIME_POINTS` x 2 copies of the GE CT file in `dir`, as one series whose private
/// PulseSequenceName is `sequence` and UserData12 `scheme` (absent when `None`).
fn series(dir: &Path, sequence: &str, scheme: Option<&str>) {
    let source = data_dir().join("dicom_ts_pydicom_small/dicom/CT_small.dcm");
    let text = |tag: Tag, vr: VR, v: String| DataElement::new(tag, vr, PrimitiveValue::from(v));
    for t in 0..TIME_POINTS {
        for k in 0..2 {
            let mut obj = dicom_object::open_file(&source).unwrap();
            let sop = format!("1.2.826.0.1.3680043.2.1125.77.{t}.{k}");
            obj.put(text(tags::SOP_INSTANCE_UID, VR::UI, sop.clone()));
            obj.meta_mut().media_storage_sop_instance_uid = sop;
            let z = -75.7 + 5.0 * k as f64;
            obj.put(text(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                format!("-158.135803\\-179.035797\\{z}"),
            ));
            obj.put(text(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                "1.2.826.0.1.3680043.2.1125.77".into(),
            ));
            obj.put(text(
                tags::TEMPORAL_POSITION_IDENTIFIER,
                VR::IS,
                (t + 1).to_string(),
            ));
            obj.put(text(
                tags::INSTANCE_NUMBER,
                VR::IS,
                (2 * t + k + 1).to_string(),
            ));
            obj.put(text(Tag(0x0019, 0x109C), VR::LO, sequence.into()));
            if let Some(s) = scheme {
                obj.put(text(Tag(0x0019, 0x10B3), VR::DS, s.into()));
            }
            obj.write_to_file(dir.join(format!("t{t}k{k}.dcm")))
                .unwrap();
        }
    }
}

/// Scheme 2 (reversed, then forward): time points 1 and 3 (counted from 1) come out with their
/// rows reversed relative to the stored ones, 2 and 4 as stored; the warnings say which.
#[test]
fn reverse_forward_scheme_flips_odd_volumes() {
    let dir = tempfile::tempdir().unwrap();
    series(dir.path(), "research/ABCD/epi_pepolar", Some("2"));
    let report = scan(dir.path(), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), TIME_POINTS);
    let stored = ReadOptions::default().with_pepolar(Pepolar::AsStored);
    for t in 0..TIME_POINTS {
        let flipped = report.read(t, &ReadOptions::default()).unwrap();
        let raw = report.read(t, &stored).unwrap();
        assert_eq!(report.volumes[t].time_point, Some((t, TIME_POINTS)));
        let (a, b) = (flipped.volume.to_f64(), raw.volume.to_f64());
        assert_eq!(flipped.volume.geometry(), raw.volume.geometry());
        let reversed = t % 2 == 0;
        for (i, j, k) in [(0, 0, 0), (5, 17, 1), (127, 127, 0), (64, 3, 1)] {
            let mirror = if reversed { 127 - j } else { j };
            assert_eq!(
                a.get(Ijk([i, j, k])),
                b.get(Ijk([i, mirror, k])),
                "t{t} ({i}, {j}, {k})"
            );
        }
        let said = |v: &medvol_io::dicom::DicomVolume, what: &str| {
            v.warnings
                .iter()
                .map(ToString::to_string)
                .any(|w| w.contains("epi_pepolar") && w.contains(what))
        };
        assert_eq!(said(&flipped, "rows reversed"), reversed, "t{t}");
        assert_eq!(said(&raw, "Pepolar::AsStored"), reversed, "t{t}");
        let refused = report.read(t, &ReadOptions::default().with_pepolar(Pepolar::Refuse));
        assert_eq!(
            matches!(refused, Err(Error::Unsupported { .. })),
            reversed,
            "t{t}"
        );
    }
    assert_ne!(
        report
            .read(0, &ReadOptions::default())
            .unwrap()
            .volume
            .to_f64()
            .as_slice(),
        report.read(0, &stored).unwrap().volume.to_f64().as_slice()
    );
}

/// Scheme 3 (forward, then reversed) flips the even volumes; 0 none; 1 all.
#[test]
fn other_schemes_and_other_sequences() {
    for (scheme, reversed) in [
        ("3", [false, true]),
        ("0", [false, false]),
        ("1", [true, true]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        series(dir.path(), "research/ABCD/epi_pepolar", Some(scheme));
        let report = scan(dir.path(), &ScanOptions::default()).unwrap();
        for (t, want) in reversed.iter().enumerate() {
            let v = report.read(t, &ReadOptions::default()).unwrap();
            let flipped = v
                .warnings
                .iter()
                .map(ToString::to_string)
                .any(|w| w.contains("rows reversed"));
            assert_eq!(flipped, *want, "scheme {scheme} t{t}");
        }
    }
    // Another GE sequence with the same private elements is read as stored, silently.
    let dir = tempfile::tempdir().unwrap();
    series(dir.path(), "research/ABCD/muxepi", Some("2"));
    let report = scan(dir.path(), &ScanOptions::default()).unwrap();
    let v = report.read(0, &ReadOptions::default()).unwrap();
    assert!(
        v.warnings
            .iter()
            .map(ToString::to_string)
            .all(|w| !w.contains("epi_pepolar"))
    );
}

/// An epi_pepolar series whose scheme is unknown is refused, unless read as stored.
#[test]
fn unknown_scheme_is_refused() {
    for scheme in [None, Some("7")] {
        let dir = tempfile::tempdir().unwrap();
        series(dir.path(), "research/ABCD/epi_pepolar", scheme);
        let report = scan(dir.path(), &ScanOptions::default()).unwrap();
        let err = report.read(1, &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(err, Error::Unsupported { .. }) && err.to_string().contains("AsStored"),
            "{err}"
        );
        let stored = ReadOptions::default().with_pepolar(Pepolar::AsStored);
        let v = report.read(1, &stored).unwrap();
        assert!(
            v.warnings
                .iter()
                .map(ToString::to_string)
                .any(|w| w.contains("unknown")),
            "{:?}",
            v.warnings
        );
    }
}
