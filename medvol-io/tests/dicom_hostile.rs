//! Crafted DICOM series whose numbers once overflowed (debug panics) or silently produced a
//! wrong geometry: each must now give a clear error, or a warning and a correct result.
//! Run in the test profile (overflow checks on), so a regression panics here.

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use medvol_core::DynVolume;
use medvol_io::dicom::{ReadOptions, ScanOptions, ScanReport, Tilt, Uniform, scan};
use medvol_io::{Error, Limits};
use std::path::Path;

const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// A decimal string of several values.
fn ds(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:e}"))
        .collect::<Vec<_>>()
        .join("\\")
}

fn element(tag: Tag, vr: VR, value: impl Into<PrimitiveValue>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, value.into())
}

/// Writes `obj` as a Part-10 file of SOP instance `sop`.
fn save(obj: InMemDicomObject, sop: &str, path: &Path) {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(CT_IMAGE)
        .media_storage_sop_instance_uid(sop)
        .transfer_syntax(EXPLICIT_LE);
    obj.with_meta(meta)
        .expect("file meta")
        .write_to_file(path)
        .expect("write DICOM file");
}

/// One 2 x 2 unsigned 16-bit CT slice of series `1.2.3.77`.
struct Slice {
    position: [f64; 3],
    pixel_spacing: [f64; 2],
    rescale: (f64, f64),
    sample: u16,
}

impl Slice {
    fn at(position: [f64; 3]) -> Self {
        Self {
            position,
            pixel_spacing: [1.0, 1.0],
            rescale: (1.0, 0.0),
            sample: 7,
        }
    }

    fn write(&self, dir: &Path, k: usize) {
        let sop = format!("1.2.3.77.{k}");
        let obj = InMemDicomObject::from_element_iter([
            element(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE),
            element(tags::SOP_INSTANCE_UID, VR::UI, sop.as_str()),
            element(tags::MODALITY, VR::CS, "CT"),
            element(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.77"),
            element(tags::SERIES_NUMBER, VR::IS, "1"),
            element(tags::INSTANCE_NUMBER, VR::IS, (k + 1).to_string().as_str()),
            element(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                ds(&self.position).as_str(),
            ),
            element(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0"),
            element(tags::SAMPLES_PER_PIXEL, VR::US, 1u16),
            element(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
            element(tags::ROWS, VR::US, 2u16),
            element(tags::COLUMNS, VR::US, 2u16),
            element(
                tags::PIXEL_SPACING,
                VR::DS,
                ds(&self.pixel_spacing).as_str(),
            ),
            element(tags::BITS_ALLOCATED, VR::US, 16u16),
            element(tags::BITS_STORED, VR::US, 16u16),
            element(tags::HIGH_BIT, VR::US, 15u16),
            element(tags::PIXEL_REPRESENTATION, VR::US, 0u16),
            element(tags::RESCALE_SLOPE, VR::DS, ds(&[self.rescale.0]).as_str()),
            element(
                tags::RESCALE_INTERCEPT,
                VR::DS,
                ds(&[self.rescale.1]).as_str(),
            ),
            element(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16(vec![self.sample; 4].into()),
            ),
        ]);
        save(obj, &sop, &dir.join(format!("s{k}.dcm")));
    }
}

/// Writes the slices into a fresh folder and scans it.
fn scan_slices(slices: &[Slice]) -> (tempfile::TempDir, ScanReport) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (k, s) in slices.iter().enumerate() {
        s.write(dir.path(), k);
    }
    let report = scan(dir.path(), &ScanOptions::default()).expect("scan");
    (dir, report)
}

/// Slices along z at the given positions.
fn along_z(z: &[f64]) -> Vec<Slice> {
    z.iter().map(|&z| Slice::at([0.0, 0.0, z])).collect()
}

fn has_warning(warnings: &[medvol_core::Warning], parts: &[&str]) -> bool {
    warnings
        .iter()
        .map(ToString::to_string)
        .any(|w| parts.iter().all(|p| w.contains(p)))
}

#[test]
fn absurd_gap_is_not_counted_as_missing_slices() {
    // The reviewer's series: positions far beyond any scanner are corrupt, not a geometry.
    let (_dir, report) = scan_slices(&along_z(&[0.0, 1.0, 2.0, 3.0, 1e20, 2e20]));
    let v = &report.volumes[0];
    assert!(!v.has_geometry);
    assert_eq!(v.dims, [2, 2, 6]);
    assert_eq!(v.spacing.missing_slices, 0);
    assert!(
        has_warning(
            &v.warnings,
            &["1e20", "s4.dcm", "beyond", "geometry ignored"]
        ),
        "{:?}",
        v.warnings
    );
    // Within the plausible range a gap of a million usual spacings is still corrupt.
    let (_dir, report) = scan_slices(&along_z(&[0.0, 0.1, 0.2, 0.3, 1e5, 2e5]));
    let v = &report.volumes[0];
    assert!(v.has_geometry);
    assert_eq!(v.spacing.missing_slices, 0);
    assert_eq!(v.spacing.implausible_gaps, 2);
    assert!(
        !has_warning(&v.warnings, &["missing slice(s)"]),
        "{:?}",
        v.warnings
    );
    assert!(
        has_warning(&v.warnings, &["2 gap(s)", "look corrupt", "1.0000e5 mm"]),
        "{:?}",
        v.warnings
    );
    // A real gap is still counted: 2 slices missing between z = 2 and z = 5.
    let (_dir, report) = scan_slices(&along_z(&[0.0, 1.0, 2.0, 5.0, 6.0]));
    let v = &report.volumes[0];
    assert_eq!(v.spacing.missing_slices, 2);
    assert_eq!(v.spacing.implausible_gaps, 0);
    assert!(has_warning(&v.warnings, &["about 2 missing slice(s)"]));
}

#[test]
fn rescale_beyond_i32_reads_exactly() {
    // 65535 * 32768 + 32768 = 2^31: one more than i32 holds.
    let mut slice = Slice::at([0.0; 3]);
    slice.rescale = (32768.0, 32768.0);
    slice.sample = 0xFFFF;
    let (_dir, report) = scan_slices(&[slice]);
    let v = report.read(0, &ReadOptions::default()).expect("read");
    let DynVolume::U32(u) = &v.volume else {
        panic!("expected u32, got {:?}", v.volume.kind());
    };
    assert_eq!(u.as_slice(), &[2_147_483_648u32; 4]);

    // The largest rescale the integer path takes still reads exactly.
    let mut slice = Slice::at([0.0; 3]);
    slice.rescale = (32767.0, 32767.0);
    slice.sample = 0xFFFF;
    let (_dir, report) = scan_slices(&[slice]);
    let v = report.read(0, &ReadOptions::default()).expect("read");
    let DynVolume::I32(i) = &v.volume else {
        panic!("expected i32, got {:?}", v.volume.kind());
    };
    assert_eq!(i.as_slice(), &[65535 * 32767 + 32767; 4]);
}

#[test]
fn tilt_correction_of_an_absurd_shift_is_refused() {
    // The reviewer's stack: an in-plane shift of 1e25 mm is a corrupt position.
    let (_dir, report) = scan_slices(&[Slice::at([0.0, 0.0, 0.0]), Slice::at([1e25, 0.0, 1.0])]);
    let v = &report.volumes[0];
    assert!(!v.has_geometry);
    assert_eq!(v.tilt_deg, 0.0);
    assert!(
        has_warning(&v.warnings, &["1e25", "s1.dcm", "beyond"]),
        "{:?}",
        v.warnings
    );
    let read = report
        .read(0, &ReadOptions::default().with_tilt(Tilt::Corrected))
        .expect("read");
    assert_eq!(read.volume.dims(), [2, 2, 2]);
    assert!(!read.tilt_corrected);

    // A shift of 1e15 tiny pixels: the grid is refused before anything is allocated.
    let mut slices = vec![Slice::at([0.0, 0.0, 0.0]), Slice::at([1e6, 0.0, 1.0])];
    for s in &mut slices {
        s.pixel_spacing = [1e-9, 1e-9];
    }
    let (_dir, report) = scan_slices(&slices);
    assert!(report.volumes[0].has_geometry);
    assert!(report.volumes[0].tilt_deg > 89.0);
    let err = report
        .read(0, &ReadOptions::default().with_tilt(Tilt::Corrected))
        .expect_err("a 4e15-voxel grid");
    match err {
        Error::LimitExceeded {
            what, requested, ..
        } => {
            assert_eq!(what, "voxels");
            assert!(requested > 1 << 40, "{requested}");
        }
        other => panic!("expected LimitExceeded, got {other}"),
    }
}

#[test]
fn resampling_to_absurd_slice_counts_is_refused() {
    // The reviewer's stack: z = 1e20 is a corrupt position, nothing to resample.
    let (_dir, report) = scan_slices(&along_z(&[0.0, 1.0, 1e20]));
    assert!(!report.volumes[0].has_geometry);
    let read = report
        .read(0, &ReadOptions::default().with_uniform(Uniform::Resample))
        .expect("read");
    assert_eq!(read.volume.dims(), [2, 2, 3]);
    assert!(!read.resampled);

    // A non-uniform stack resampled every 1e-320 mm (an infinite slice count), every 1e-300 mm
    // (3e300 slices), at a NaN or a negative spacing: refused before counting.
    let (_dir, report) = scan_slices(&along_z(&[0.0, 1.0, 3.0]));
    let resample = |mm: f64| {
        ReadOptions::default()
            .with_uniform(Uniform::Resample)
            .with_resample_spacing_mm(mm)
    };
    for mm in [1e-320, 1e-300, f64::NAN, -1.0, 0.0] {
        let err = report.read(0, &resample(mm)).expect_err("absurd spacing");
        assert!(
            matches!(&err, Error::Unsupported { what, .. } if what.contains("between slices")),
            "{mm}: {err}"
        );
    }
    let limit_exceeded = |options: &ReadOptions| match report.read(0, options) {
        Err(Error::LimitExceeded {
            what,
            requested,
            limit,
            ..
        }) => {
            assert_eq!(what, "voxels");
            (requested, limit)
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    };
    // Every 2^-20 mm: 3 * 2^20 + 1 slices of 4 voxels, over a 1 Mi-voxel limit.
    let small =
        resample(1.0 / f64::from(1 << 20)).with_limits(Limits::default().with_max_voxels(1 << 20));
    assert_eq!(limit_exceeded(&small), (4 * (3 << 20) + 4, 1 << 20));
    // A sensible request still works: 0.5 mm planes over 3 mm.
    let options = ReadOptions::default()
        .with_uniform(Uniform::Resample)
        .with_resample_spacing_mm(0.5);
    let read = report.read(0, &options).expect("resample");
    assert!(read.resampled);
    assert_eq!(read.volume.dims(), [2, 2, 7]);
}

#[test]
fn infinite_step_between_positions_is_not_a_silent_default() {
    let (_dir, report) = scan_slices(&along_z(&[-1.7e308, 1.7e308]));
    let v = &report.volumes[0];
    assert!(!v.has_geometry);
    assert!(
        has_warning(
            &v.warnings,
            &[
                "ImagePositionPatient",
                "-1.7e308",
                "s0.dcm",
                "geometry ignored"
            ]
        ),
        "{:?}",
        v.warnings
    );
    let read = report.read(0, &ReadOptions::default()).expect("read");
    assert_eq!(read.volume.geometry().spacing(), [1.0, 1.0, 1.0]);
    assert!(has_warning(&read.warnings, &["geometry ignored"]));
}

#[test]
fn pixel_spacing_outside_the_geometry_range_warns() {
    let mut slices = along_z(&[0.0, 1.0]);
    for s in &mut slices {
        s.pixel_spacing = [1e200, 1e200];
    }
    let (_dir, report) = scan_slices(&slices);
    let v = &report.volumes[0];
    assert!(v.has_geometry);
    assert_eq!(v.geometry.spacing(), [1.0, 1.0, 1.0]);
    assert!(
        has_warning(
            &v.warnings,
            &["PixelSpacing 1e200 \\ 1e200 mm", "1 mm assumed"]
        ),
        "{:?}",
        v.warnings
    );
}

/// One native file of `frames` 1 x 1 8-bit frames, all at the same position.
fn write_multiframe(dir: &Path, frames: usize) {
    let sop = "1.2.3.78.1";
    let obj = InMemDicomObject::from_element_iter([
        element(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE),
        element(tags::SOP_INSTANCE_UID, VR::UI, sop),
        element(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.78"),
        element(tags::NUMBER_OF_FRAMES, VR::IS, frames.to_string().as_str()),
        element(tags::ROWS, VR::US, 1u16),
        element(tags::COLUMNS, VR::US, 1u16),
        element(tags::BITS_ALLOCATED, VR::US, 8u16),
        element(tags::IMAGE_POSITION_PATIENT, VR::DS, "0\\0\\0"),
        element(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0"),
        element(
            tags::PIXEL_DATA,
            VR::OB,
            PrimitiveValue::U8(vec![0u8; frames].into()),
        ),
    ]);
    save(obj, sop, &dir.join("multi.dcm"));
}

#[test]
fn one_file_cannot_make_tens_of_thousands_of_volumes() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_multiframe(dir.path(), 65536);
    let err = scan(dir.path(), &ScanOptions::default()).expect_err("nothing to stack");
    let Error::NotFound { reason, .. } = &err else {
        panic!("expected NotFound, got {err}");
    };
    assert!(
        reason.contains("multi.dcm")
            && reason.contains("would make at least 65536 volumes")
            && reason.contains("Limits::max_series_volumes (10000)"),
        "{reason}"
    );

    // A smaller cap refuses a file of 5 frames, and admits it at 5.
    let dir = tempfile::tempdir().expect("temp dir");
    write_multiframe(dir.path(), 5);
    let options = ScanOptions::default().with_limits(Limits::default().with_max_series_volumes(4));
    let err = scan(dir.path(), &options).expect_err("5 volumes > 4");
    assert!(err.to_string().contains("at least 5 volumes"), "{err}");
    let options = ScanOptions::default().with_limits(Limits::default().with_max_series_volumes(5));
    let report = scan(dir.path(), &options).expect("scan");
    assert_eq!(report.volumes.len(), 5);
    assert_eq!(report.volumes[4].time_point, Some((4, 5)));
}
