//! Synthetic DICOM series written with dicom-object: orientations, file order, gaps,
//! duplicates, mixed folders, broken files and stored-bit layouts the real sets lack.

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use medvol_core::{ContinuousIndex, Direction, DynVolume, Geometry, Point, Vector};
use medvol_io::dicom::{ReadOptions, ScanOptions, Uniform, scan};
use std::path::Path;

const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// How one series is written.
#[derive(Clone)]
struct Series {
    uid: String,
    number: i32,
    dims: [usize; 3],
    geometry: Geometry,
    /// Stored value of voxel (i, j, k) (before rescale).
    stored: fn([usize; 3]) -> i32,
    bits_stored: u16,
    signed: bool,
    intercept: f64,
    /// Bits above HighBit set to junk in every sample.
    junk: bool,
}

impl Series {
    fn new(uid: &str, geometry: Geometry, dims: [usize; 3]) -> Self {
        Self {
            uid: uid.into(),
            number: 7,
            dims,
            geometry,
            stored: |[i, j, k]| (i + 10 * j + 100 * k) as i32,
            bits_stored: 12,
            signed: false,
            intercept: -1024.0,
            junk: false,
        }
    }

    /// Raw 16-bit word of a stored value.
    fn word(&self, v: i32) -> u16 {
        let mask = (1u32 << self.bits_stored) - 1;
        let mut w = (v as u32 & mask) as u16;
        if self.junk {
            w |= 0xA000 & !(mask as u16);
        }
        w
    }

    /// Writes slice `k` to `path`, with `instance` as InstanceNumber.
    fn write_slice(&self, path: &Path, k: usize, instance: i32) {
        let [nx, ny, _] = self.dims;
        let p = self
            .geometry
            .index_to_physical(ContinuousIndex([0.0, 0.0, k as f64]));
        let sop = format!("{}.{}", self.uid, k + 1);
        let mut words = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                words.push(self.word((self.stored)([i, j, k])));
            }
        }
        let obj = self.image(&sop, instance, p, [nx, ny], words);
        write_object(obj, &sop, EXPLICIT_LE, path);
    }

    /// One image of this series (`size` = columns, rows) whose first voxel is at `position`.
    fn image(
        &self,
        sop: &str,
        instance: i32,
        position: Point,
        size: [usize; 2],
        words: Vec<u16>,
    ) -> InMemDicomObject {
        let g = &self.geometry;
        let [nx, ny] = size;
        let d = g.direction();
        let (r, c) = (d.axis(0), d.axis(1));
        let p = position;
        let sp = g.spacing();
        let e = |tag, vr, v: PrimitiveValue| DataElement::new(tag, vr, v);
        InMemDicomObject::from_element_iter([
            e(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE.into()),
            e(tags::SOP_INSTANCE_UID, VR::UI, sop.into()),
            e(tags::MODALITY, VR::CS, "CT".into()),
            e(tags::SERIES_DESCRIPTION, VR::LO, "synthetic".into()),
            e(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4".into()),
            e(tags::SERIES_INSTANCE_UID, VR::UI, self.uid.as_str().into()),
            e(
                tags::SERIES_NUMBER,
                VR::IS,
                self.number.to_string().as_str().into(),
            ),
            e(
                tags::INSTANCE_NUMBER,
                VR::IS,
                instance.to_string().as_str().into(),
            ),
            e(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                ds(&p.0).as_str().into(),
            ),
            e(
                tags::IMAGE_ORIENTATION_PATIENT,
                VR::DS,
                ds(&[r.0[0], r.0[1], r.0[2], c.0[0], c.0[1], c.0[2]])
                    .as_str()
                    .into(),
            ),
            e(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
            e(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                "MONOCHROME2".into(),
            ),
            e(tags::ROWS, VR::US, PrimitiveValue::from(ny as u16)),
            e(tags::COLUMNS, VR::US, PrimitiveValue::from(nx as u16)),
            e(
                tags::PIXEL_SPACING,
                VR::DS,
                ds(&[sp[1], sp[0]]).as_str().into(),
            ),
            e(tags::SLICE_THICKNESS, VR::DS, "99".into()),
            e(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
            e(
                tags::BITS_STORED,
                VR::US,
                PrimitiveValue::from(self.bits_stored),
            ),
            e(
                tags::HIGH_BIT,
                VR::US,
                PrimitiveValue::from(self.bits_stored - 1),
            ),
            e(
                tags::PIXEL_REPRESENTATION,
                VR::US,
                PrimitiveValue::from(u16::from(self.signed)),
            ),
            e(
                tags::RESCALE_INTERCEPT,
                VR::DS,
                format!("{}", self.intercept).as_str().into(),
            ),
            e(tags::RESCALE_SLOPE, VR::DS, "1".into()),
            e(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(words.into())),
        ])
    }

    fn write_all(
        &self,
        dir: &Path,
        name: impl Fn(usize) -> String,
        instance: impl Fn(usize) -> i32,
    ) {
        for k in 0..self.dims[2] {
            self.write_slice(&dir.join(name(k)), k, instance(k));
        }
    }

    /// The rescaled value at a physical point, if it is (within 1e-3 voxel) a voxel centre.
    fn value_at(&self, p: Point) -> Option<f64> {
        let idx = self.geometry.physical_to_index(p).0;
        let ijk: Vec<usize> = idx.iter().map(|x| x.round() as usize).collect();
        for a in 0..3 {
            if (idx[a] - idx[a].round()).abs() > 1e-3 || idx[a] < -0.5 || ijk[a] >= self.dims[a] {
                return None;
            }
        }
        let mut v = (self.stored)([ijk[0], ijk[1], ijk[2]]);
        let bits = self.bits_stored;
        v &= (1 << bits) - 1;
        if self.signed && v >> (bits - 1) & 1 == 1 {
            v -= 1 << bits;
        }
        Some(f64::from(v) + self.intercept)
    }
}

/// Decimal strings joined by backslashes (a DS value).
fn ds(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.6}"))
        .collect::<Vec<_>>()
        .join("\\")
}

fn write_object(obj: InMemDicomObject, sop: &str, transfer_syntax: &str, path: &Path) {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(CT_IMAGE)
        .media_storage_sop_instance_uid(sop)
        .transfer_syntax(transfer_syntax);
    obj.with_meta(meta).unwrap().write_to_file(path).unwrap();
}

/// All 48 signed axis permutations.
fn signed_permutations() -> Vec<Direction> {
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut out = Vec::new();
    for p in perms {
        for signs in 0..8 {
            let mut cols = [Vector([0.0; 3]); 3];
            for (a, col) in cols.iter_mut().enumerate() {
                col.0[p[a]] = if signs >> a & 1 == 1 { -1.0 } else { 1.0 };
            }
            out.push(Direction::from_columns(cols[0], cols[1], cols[2]).unwrap());
        }
    }
    out
}

/// Every voxel of `vol` holds the value the writer put at its physical position.
fn assert_placed(vol: &DynVolume, truth: &Series, what: &str) {
    let v = vol.to_f64();
    let g = v.geometry();
    let [nx, ny, nz] = v.dims();
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let p = g.index_to_physical(ContinuousIndex([i as f64, j as f64, k as f64]));
                let want = truth
                    .value_at(p)
                    .unwrap_or_else(|| panic!("{what}: ({i},{j},{k}) at {p:?} is no voxel"));
                let got = v.as_slice()[(k * ny + j) * nx + i];
                assert_eq!(got, want, "{what}: value at ({i},{j},{k})");
            }
        }
    }
}

#[test]
fn all_48_orientations_sorted_and_placed() {
    let tmp = tempfile::tempdir().unwrap();
    for (n, dir) in signed_permutations().into_iter().enumerate() {
        let folder = tmp.path().join(format!("o{n}"));
        std::fs::create_dir(&folder).unwrap();
        let g = Geometry::new([0.7, 0.9, 2.5], Point([-10.0, 20.0, 30.0]), dir).unwrap();
        let s = Series::new(&format!("1.2.826.0.1.3680043.10.9.{n}"), g, [5, 4, 6]);
        // Reversed instance numbers and shuffled file names.
        s.write_all(
            &folder,
            |k| format!("f{:02}", (k * 7 + 3) % 6),
            |k| 6 - k as i32,
        );
        let report = scan(&folder, &ScanOptions::default()).unwrap();
        assert_eq!(report.volumes.len(), 1);
        let info = &report.volumes[0];
        assert!(info.warnings.is_empty(), "{n}: {:?}", info.warnings);
        assert!(info.spacing.uniform);
        let v = report.read(0, &ReadOptions::default()).unwrap();
        assert_eq!(v.volume.dims(), [5, 4, 6]);
        // k is the slice normal (row x column), ascending; spacing from positions, not thickness.
        let gd = v.volume.geometry();
        assert!((gd.direction().determinant() - 1.0).abs() < 1e-9, "{n}");
        assert!(
            (gd.spacing()[2] - 2.5).abs() < 1e-5,
            "{n}: {:?}",
            gd.spacing()
        );
        assert!(matches!(v.volume, DynVolume::I16(_)));
        assert_placed(&v.volume, &s, &format!("orientation {n}"));
        // The acquired corners are the writer's corners (as a set).
        let want = g.corners([5, 4, 6]);
        for c in want {
            assert!(
                v.corners_acquired.iter().any(|p| p.distance(c) < 1e-4),
                "{n}: corner {c:?}"
            );
        }
    }
}

fn axial(uid: &str, nz: usize) -> Series {
    let g = Geometry::new([0.5, 0.5, 3.0], Point([0.0, 0.0, 0.0]), Direction::IDENTITY).unwrap();
    Series::new(uid, g, [4, 3, nz])
}

#[test]
fn missing_slice_is_reported_and_resampled_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let s = axial("1.2.826.0.1.3680043.10.9.100", 8);
    s.write_all(tmp.path(), |k| format!("s{k}.dcm"), |k| k as i32 + 1);
    std::fs::remove_file(tmp.path().join("s4.dcm")).unwrap();
    let report = scan(tmp.path(), &ScanOptions::default()).unwrap();
    let info = &report.volumes[0];
    assert_eq!(info.dims[2], 7);
    assert!(!info.spacing.uniform);
    assert_eq!(info.spacing.missing_slices, 1);
    assert!(
        info.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("missing slice")),
        "{:?}",
        info.warnings
    );
    assert!(
        report
            .read(0, &ReadOptions::default().with_uniform(Uniform::Refuse))
            .is_err()
    );
    let warned = report.read(0, &ReadOptions::default()).unwrap();
    assert_eq!(warned.volume.geometry().spacing()[2], 3.0);
    let fixed = report
        .read(0, &ReadOptions::default().with_uniform(Uniform::Resample))
        .unwrap();
    assert!(fixed.resampled);
    assert_eq!(fixed.volume.dims(), [4, 3, 8]);
    // Acquired planes keep their values; the missing one is the mean of its neighbours.
    let v = fixed.volume.to_f64();
    let at = |i, j, k| v.get(medvol_core::Ijk([i, j, k])).unwrap();
    for k in [0, 3, 5, 7] {
        let want = s
            .value_at(v.geometry().ijk_to_physical(medvol_core::Ijk([1, 2, k])))
            .unwrap();
        assert_eq!(at(1, 2, k), want);
    }
    assert!((at(1, 2, 4) - (at(1, 2, 3) + at(1, 2, 5)) / 2.0).abs() < 1e-3);
}

#[test]
fn duplicated_slice_is_dropped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let s = axial("1.2.826.0.1.3680043.10.9.200", 5);
    s.write_all(tmp.path(), |k| format!("s{k}.dcm"), |k| k as i32 + 1);
    // Another SOP instance at slice 2's position.
    let mut dup = s.clone();
    dup.uid = s.uid.clone();
    let other = tmp.path().join("z_dup.dcm");
    dup.write_slice(&other, 2, 99);
    let mut obj = dicom_object::open_file(&other).unwrap();
    obj.put(DataElement::new(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from("1.2.826.0.1.3680043.10.9.200.99"),
    ));
    obj.update_meta(|m| {
        m.media_storage_sop_instance_uid = "1.2.826.0.1.3680043.10.9.200.99".into()
    });
    obj.write_to_file(&other).unwrap();
    let report = scan(tmp.path(), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 1);
    let info = &report.volumes[0];
    assert_eq!(info.dims[2], 5);
    assert!(
        info.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("duplicate") && w.contains("z_dup.dcm")),
        "{:?}",
        info.warnings
    );
    let v = report.read(0, &ReadOptions::default()).unwrap();
    assert_placed(&v.volume, &s, "duplicate");
}

#[test]
fn mixed_folder_interleaved_series_and_broken_files() {
    let tmp = tempfile::tempdir().unwrap();
    let a = axial("1.2.826.0.1.3680043.10.9.300", 4);
    let mut b = axial("1.2.826.0.1.3680043.10.9.301", 6);
    b.number = 8;
    a.write_all(
        tmp.path(),
        |k| format!("{:02}.dcm", 2 * k),
        |k| k as i32 + 1,
    );
    b.write_all(
        tmp.path(),
        |k| format!("{:02}.dcm", 2 * k + 1),
        |k| k as i32 + 1,
    );
    std::fs::write(tmp.path().join("notes.txt"), "not an image").unwrap();
    // A truncated copy of a third series' file.
    let c = axial("1.2.826.0.1.3680043.10.9.302", 1);
    let full = tmp.path().join("c.dcm");
    c.write_slice(&full, 0, 1);
    let bytes = std::fs::read(&full).unwrap();
    std::fs::write(&full, &bytes[..bytes.len() / 2]).unwrap();
    // A DICOM object without pixel data (a structured report).
    let sr = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.88.11"),
        ),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.99"),
        ),
    ]);
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.88.11")
        .media_storage_sop_instance_uid("1.2.3.99")
        .transfer_syntax(EXPLICIT_LE);
    sr.with_meta(meta)
        .unwrap()
        .write_to_file(tmp.path().join("report.dcm"))
        .unwrap();

    let report = scan(tmp.path(), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 2);
    assert_eq!(report.volumes[0].dims, [4, 3, 4]);
    assert_eq!(report.volumes[1].dims, [4, 3, 6]);
    let reason = |name: &str| {
        report
            .skipped
            .iter()
            .find(|s| s.path.ends_with(name))
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| panic!("{name} not skipped: {:?}", report.skipped))
    };
    assert!(reason("notes.txt").contains("not a DICOM"));
    assert!(reason("c.dcm").contains("truncated"));
    assert!(reason("report.dcm").contains("structured report"));
    for (i, truth) in [&a, &b].into_iter().enumerate() {
        let v = report.read(i, &ReadOptions::default()).unwrap();
        assert_placed(&v.volume, truth, "interleaved");
    }
    assert!(
        report
            .read("1.2.826.0.1.3680043.10.9.301", &ReadOptions::default())
            .is_ok()
    );
}

#[test]
fn junk_high_bits_masked_and_signed_samples_extended() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = axial("1.2.826.0.1.3680043.10.9.400", 3);
    s.junk = true;
    s.write_all(tmp.path(), |k| format!("u{k}.dcm"), |k| k as i32 + 1);
    let v = medvol_io::dicom::read_first(tmp.path()).unwrap();
    assert_placed(&v.volume, &s, "junk bits");

    let tmp = tempfile::tempdir().unwrap();
    let mut s = axial("1.2.826.0.1.3680043.10.9.401", 3);
    s.signed = true;
    s.intercept = 0.0;
    s.stored = |[i, j, k]| i as i32 * 300 - 1500 + (j + k) as i32;
    s.write_all(tmp.path(), |k| format!("s{k}.dcm"), |k| k as i32 + 1);
    let v = medvol_io::dicom::read_first(tmp.path()).unwrap();
    assert_eq!(v.volume.statistics().min, -1500.0);
    assert_placed(&v.volume, &s, "signed 12-bit");
}

#[test]
fn truncated_pixel_data_error_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let s = axial("1.2.826.0.1.3680043.10.9.500", 3);
    s.write_all(tmp.path(), |k| format!("t{k}.dcm"), |k| k as i32 + 1);
    let report = scan(tmp.path(), &ScanOptions::default()).unwrap();
    // Damaged after the scan: the read fails and says which file.
    let victim = tmp.path().join("t1.dcm");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() - 7]).unwrap();
    let err = report.read(0, &ReadOptions::default()).unwrap_err();
    assert!(err.path().ends_with("t1.dcm"), "{err}");
}

#[test]
fn pixel_data_not_last_goes_through_the_full_parser() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = axial("1.2.826.0.1.3680043.10.9.600", 3);
    s.junk = true;
    s.write_all(tmp.path(), |k| format!("p{k}.dcm"), |k| k as i32 + 1);
    for k in 0..3 {
        let path = tmp.path().join(format!("p{k}.dcm"));
        let mut obj = dicom_object::open_file(&path).unwrap();
        obj.put(DataElement::new(
            dicom_core::Tag(0xFFFC, 0xFFFC),
            VR::OB,
            PrimitiveValue::from(vec![0u8; 6]),
        ));
        obj.write_to_file(&path).unwrap();
    }
    let v = medvol_io::dicom::read_first(tmp.path()).unwrap();
    assert_placed(&v.volume, &s, "trailing padding");
}

/// A Siemens CSA header (SV10 layout) holding `elements` as (name, item values).
fn csa_sv10(elements: &[(&str, Vec<String>)]) -> Vec<u8> {
    let word = |b: &mut Vec<u8>, x: usize| b.extend((x as u32).to_le_bytes());
    let mut b = b"SV10\x04\x03\x02\x01".to_vec();
    word(&mut b, elements.len());
    word(&mut b, 77);
    for (name, items) in elements {
        let mut n = [0u8; 64];
        n[..name.len()].copy_from_slice(name.as_bytes());
        b.extend(n);
        word(&mut b, items.len().max(1)); // VM
        b.extend(*b"FD\0\0");
        word(&mut b, 4); // SyngoDT
        word(&mut b, items.len());
        word(&mut b, 77);
        for it in items {
            let v = format!("{it}\0");
            for x in [v.len(), v.len(), 77, v.len()] {
                word(&mut b, x);
            }
            b.extend(v.as_bytes());
            b.extend(std::iter::repeat_n(0u8, (4 - v.len() % 4) % 4));
        }
    }
    b
}

/// How a synthetic Siemens mosaic of a [`Series`] is written.
#[derive(Clone)]
struct MosaicFile {
    /// Tile 0 holds the last slice and the CSA normal points against row x column.
    descending: bool,
    /// CSA image header bytes; `None`: a correct one.
    csa: Option<Vec<u8>>,
    /// (0019,100A) NumberOfImagesInMosaic.
    private_count: Option<u16>,
    /// SpacingBetweenSlices written (else only SliceThickness 99).
    spacing_between_slices: bool,
    /// Blank columns added to the right of the mosaic.
    extra_columns: usize,
    transfer_syntax: &'static str,
}

impl Default for MosaicFile {
    fn default() -> Self {
        Self {
            descending: false,
            csa: None,
            private_count: None,
            spacing_between_slices: true,
            extra_columns: 0,
            transfer_syntax: EXPLICIT_LE,
        }
    }
}

impl MosaicFile {
    /// A correct CSA header for series `s`.
    fn csa_for(&self, s: &Series) -> Vec<u8> {
        let n = s.geometry.direction().axis(2) * if self.descending { -1.0 } else { 1.0 };
        csa_sv10(&[
            ("EchoLinePosition", vec!["32".into()]),
            (
                "NumberOfImagesInMosaic",
                vec![s.dims[2].to_string(), String::new()],
            ),
            (
                "SliceNormalVector",
                n.0.iter().map(|x| format!("{x:.8}")).collect(),
            ),
        ])
    }

    /// Writes all slices of `s` as one mosaic image (time point `t`) to `path`.
    fn write(&self, s: &Series, path: &Path, t: i32) {
        let [nx, ny, nz] = s.dims;
        let per_row = (1..).find(|p| p * p >= nz).unwrap();
        let (cols, rows) = (per_row * nx + self.extra_columns, per_row * ny);
        let slice_of = |tile: usize| if self.descending { nz - 1 - tile } else { tile };
        let mut words = vec![0u16; cols * rows];
        for y in 0..rows {
            for x in 0..per_row * nx {
                let tile = (y / ny) * per_row + x / nx;
                if tile < nz {
                    let v = (s.stored)([x % nx, y % ny, slice_of(tile)]);
                    words[y * cols + x] = s.word(v);
                }
            }
        }
        // ImagePositionPatient: tile 0's first voxel moved back to the mosaic's corner.
        let g = &s.geometry;
        let d = g.direction();
        let sp = g.spacing();
        let tile0 = g.index_to_physical(ContinuousIndex([0.0, 0.0, slice_of(0) as f64]));
        let ipp = tile0
            + d.axis(0) * (-sp[0] * (cols - nx) as f64 / 2.0)
            + d.axis(1) * (-sp[1] * (rows - ny) as f64 / 2.0);
        let sop = format!("{}.{t}", s.uid);
        let mut obj = s.image(&sop, t, ipp, [cols, rows], words);
        let e = |tag, vr, v: PrimitiveValue| DataElement::new(tag, vr, v);
        let csa = self.csa.clone().unwrap_or_else(|| self.csa_for(s));
        obj.put(e(
            tags::IMAGE_TYPE,
            VR::CS,
            "ORIGINAL\\PRIMARY\\M\\ND\\MOSAIC".into(),
        ));
        obj.put(e(
            tags::ACQUISITION_NUMBER,
            VR::IS,
            t.to_string().as_str().into(),
        ));
        obj.put(e(Tag(0x0029, 0x0010), VR::LO, "SIEMENS CSA HEADER".into()));
        obj.put(e(
            Tag(0x0029, 0x1010),
            VR::OB,
            PrimitiveValue::U8(csa.into()),
        ));
        if let Some(n) = self.private_count {
            obj.put(e(Tag(0x0019, 0x0010), VR::LO, "SIEMENS MR HEADER".into()));
            obj.put(e(Tag(0x0019, 0x100A), VR::US, PrimitiveValue::from(n)));
        }
        if self.spacing_between_slices {
            obj.put(e(
                tags::SPACING_BETWEEN_SLICES,
                VR::DS,
                format!("{:.6}", sp[2]).as_str().into(),
            ));
        }
        write_object(obj, &sop, self.transfer_syntax, path);
    }
}

/// An oblique 5x4x7 series to tile into a 3x3 mosaic.
fn oblique_mosaic(uid: &str) -> Series {
    let (a, b) = (0.3f64, -0.2f64);
    let r = Vector([a.cos(), a.sin(), 0.0]);
    let c = Vector([-a.sin() * b.cos(), a.cos() * b.cos(), b.sin()]);
    let dir = Direction::from_columns(r, c, r.cross(c)).unwrap();
    let g = Geometry::new([0.8, 0.6, 2.5], Point([-20.0, 15.0, 40.0]), dir).unwrap();
    let mut s = Series::new(uid, g, [5, 4, 7]);
    s.intercept = 0.0;
    s
}

/// Ascending and descending mosaics split into the slices the writer tiled, at the writer's
/// positions, in every layout the reader falls back to; the 9th tile (blank) is not a slice.
#[test]
fn synthetic_mosaics_split_into_placed_slices() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("ascending", MosaicFile::default()),
        (
            "descending",
            MosaicFile {
                descending: true,
                ..MosaicFile::default()
            },
        ),
        (
            "implicit VR, count only in (0019,100A)",
            MosaicFile {
                csa: Some(csa_sv10(&[("EchoLinePosition", vec!["32".into()])])),
                private_count: Some(7),
                transfer_syntax: "1.2.840.10008.1.2",
                ..MosaicFile::default()
            },
        ),
    ];
    for (n, (what, m)) in cases.iter().enumerate() {
        let s = oblique_mosaic(&format!("1.2.826.0.1.3680043.10.11.{n}"));
        let path = tmp.path().join(format!("m{n}.dcm"));
        m.write(&s, &path, 1);
        let report = scan(&path, &ScanOptions::default()).unwrap();
        assert_eq!(report.volumes.len(), 1, "{what}");
        let info = &report.volumes[0];
        assert_eq!(info.dims, [5, 4, 7], "{what}");
        let first_tile = if m.descending { 6 } else { 0 };
        assert_eq!(info.slices[0].tile, Some(first_tile), "{what}");
        assert!(
            info.warnings
                .iter()
                .map(ToString::to_string)
                .any(|w| w.contains("7 slices of 5x4 cut from the 15x12 image")),
            "{what}: {:?}",
            info.warnings
        );
        if m.private_count.is_some() {
            assert!(
                info.warnings
                    .iter()
                    .map(ToString::to_string)
                    .any(|w| w.contains("(0019,xx0A)"))
                    && info
                        .warnings
                        .iter()
                        .map(ToString::to_string)
                        .any(|w| w.contains("no SliceNormalVector")),
                "{what}: {:?}",
                info.warnings
            );
        }
        let v = report.read(0, &ReadOptions::default()).unwrap();
        assert!(
            v.volume.geometry().approx_eq(&s.geometry, 1e-4),
            "{what}: {:?} vs {:?}",
            v.volume.geometry(),
            s.geometry
        );
        assert_placed(&v.volume, &s, what);
        for c in s.geometry.corners([5, 4, 7]) {
            assert!(
                v.corners_acquired.iter().any(|p| p.distance(c) < 1e-4),
                "{what}: corner {c:?}"
            );
        }
    }
}

/// Without SpacingBetweenSlices the slice thickness is the spacing, and the warning says so.
#[test]
fn mosaic_spacing_falls_back_to_slice_thickness() {
    let tmp = tempfile::tempdir().unwrap();
    let s = oblique_mosaic("1.2.826.0.1.3680043.10.12.1");
    let path = tmp.path().join("m.dcm");
    let m = MosaicFile {
        spacing_between_slices: false,
        ..MosaicFile::default()
    };
    m.write(&s, &path, 1);
    let report = scan(&path, &ScanOptions::default()).unwrap();
    let info = &report.volumes[0];
    assert!((info.geometry.spacing()[2] - 99.0).abs() < 1e-9);
    assert!(
        info.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("k spacing 99 mm from SliceThickness")),
        "{:?}",
        info.warnings
    );
}

/// fMRI: mosaics of one series at one position are the time points of a 4-D series.
#[test]
fn mosaic_files_of_one_series_are_time_points() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = oblique_mosaic("1.2.826.0.1.3680043.10.13.1");
    for t in [2, 4, 1, 3] {
        s.stored = match t {
            1 => |[i, j, k]| (i + 10 * j + 100 * k) as i32,
            2 => |[i, j, k]| (i + 10 * j + 100 * k + 1000) as i32,
            3 => |[i, j, k]| (i + 10 * j + 100 * k + 2000) as i32,
            _ => |[i, j, k]| (i + 10 * j + 100 * k + 3000) as i32,
        };
        MosaicFile::default().write(&s, &tmp.path().join(format!("t{t}.dcm")), t);
    }
    let report = scan(tmp.path(), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 4);
    for (t, info) in report.volumes.iter().enumerate() {
        assert_eq!(info.time_point, Some((t, 4)));
        let v = report.read(t, &ReadOptions::default()).unwrap();
        assert_eq!(v.volume.dims(), [5, 4, 7]);
        let vals = v.volume.to_f64();
        let want = (2 + 10 * 3 + 100 * 6 + 1000 * t) as f64;
        assert_eq!(vals.get(medvol_core::Ijk([2, 3, 6])), Some(want), "t{t}");
    }
}

/// Broken CSA headers (every truncation, absurd counts and lengths, another layout) and
/// mosaics that do not divide: never a panic; the slices still split when (0019,100A) gives
/// the count, otherwise the image is read whole with the reason in the warnings.
#[test]
fn malformed_mosaic_headers_warn_and_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let s0 = oblique_mosaic("1.2.826.0.1.3680043.10.14");
    let good = MosaicFile::default().csa_for(&s0);
    // Even lengths: DICOM pads an odd one with a byte that may complete the header.
    let mut broken: Vec<(Vec<u8>, &str)> = (0..good.len())
        .step_by(2)
        .map(|n| (good[..n].to_vec(), "truncated"))
        .collect();
    let mut many = good.clone();
    many[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    broken.push((many, "elements"));
    let mut items = good.clone();
    items[8 + 8 + 64 + 12..8 + 8 + 64 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    broken.push((items, "items"));
    let mut long = good.clone();
    long[8 + 8 + 84 + 4..8 + 8 + 84 + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    broken.push((long, "truncated"));
    broken.push((b"CSA1 is an older layout".to_vec(), "SV10"));
    let n_broken = broken.len();
    let mut written = Vec::new();
    for (n, (csa, why)) in broken.into_iter().enumerate() {
        for with_count in [false, true] {
            let uid = format!("1.2.826.0.1.3680043.10.14.{n}.{}", u8::from(with_count));
            let m = MosaicFile {
                csa: Some(csa.clone()),
                private_count: with_count.then_some(7),
                ..MosaicFile::default()
            };
            m.write(
                &oblique_mosaic(&uid),
                &tmp.path().join(format!("b{n}_{with_count}.dcm")),
                1,
            );
            written.push((uid, why, with_count));
        }
    }
    // Counts that do not tile the image.
    let odd = MosaicFile {
        extra_columns: 1,
        ..MosaicFile::default()
    };
    odd.write(
        &oblique_mosaic("1.2.826.0.1.3680043.10.15"),
        &tmp.path().join("odd.dcm"),
        1,
    );
    let report = scan(tmp.path(), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 2 * n_broken + 1);
    for (uid, why, with_count) in written {
        let info = report.volumes.iter().find(|v| v.series_uid == uid).unwrap();
        let said = |w: &str| {
            info.warnings
                .iter()
                .map(ToString::to_string)
                .any(|x| x.contains(w))
        };
        if with_count {
            assert_eq!(info.dims, [5, 4, 7], "{uid}: {:?}", info.warnings);
            assert!(said("(0019,xx0A)"), "{uid}: {:?}", info.warnings);
            assert!(said(why), "{uid}: {:?}", info.warnings);
        } else {
            assert_eq!(info.dims, [15, 12, 1], "{uid}");
            assert!(said("not split") && said(why), "{uid}: {:?}", info.warnings);
        }
        let v = report
            .read(info.id.as_str(), &ReadOptions::default())
            .unwrap();
        assert_eq!(v.volume.dims(), info.dims);
    }
    let info = report
        .volumes
        .iter()
        .find(|v| v.series_uid == "1.2.826.0.1.3680043.10.15")
        .unwrap();
    assert_eq!(info.dims, [16, 12, 1]);
    assert!(
        info.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("does not divide into 3x3 tiles")),
        "{:?}",
        info.warnings
    );
}
