//! Volumes written as DICOM series read back with the same geometry and values: parsed here
//! directly with dicom-object (positions, orientation, spacing and pixels by hand) and with
//! medvol's own reader. Also: a file's pixels replaced in place of a copy, and the errors.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_object::{DefaultDicomObject, open_file};
use medvol_core::phantom::HeadPhantom;
use medvol_core::{Direction, DynVolume, Geometry, Ijk, Point, Volume, Voxel};
use medvol_io::Error;
use medvol_io::dicom::{
    Modality, ReadOptions, ScanOptions, SeriesOptions, save_with_pixels, scan, write_series,
};
use std::path::{Path, PathBuf};

/// A right-handed oblique direction: rotations about z, y and x by 30, -20 and 12 degrees.
fn oblique() -> Direction {
    let (a, b, c) = (
        30f64.to_radians(),
        (-20f64).to_radians(),
        12f64.to_radians(),
    );
    let rz = [
        [a.cos(), -a.sin(), 0.0],
        [a.sin(), a.cos(), 0.0],
        [0.0, 0.0, 1.0],
    ];
    let ry = [
        [b.cos(), 0.0, b.sin()],
        [0.0, 1.0, 0.0],
        [-b.sin(), 0.0, b.cos()],
    ];
    let rx = [
        [1.0, 0.0, 0.0],
        [0.0, c.cos(), -c.sin()],
        [0.0, c.sin(), c.cos()],
    ];
    let mul = |p: [[f64; 3]; 3], q: [[f64; 3]; 3]| {
        let mut r = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                r[i][j] = (0..3).map(|k| p[i][k] * q[k][j]).sum();
            }
        }
        r
    };
    Direction::from_rows(mul(mul(rz, ry), rx)).unwrap()
}

/// The oblique CT head phantom (i16, HU), 40 x 36 x 12 voxels, anisotropic spacing, moved origin.
fn phantom() -> Volume<i16> {
    let p = HeadPhantom::new([40, 36, 12], [0.7, 0.9, 2.5])
        .unwrap()
        .with_direction(oblique());
    let v = p.generate();
    let g = Geometry::new(
        [0.7, 0.9, 2.5],
        Point([-100.25, 50.125, 20.0625]),
        oblique(),
    )
    .unwrap();
    v.with_geometry(g)
}

/// One slice parsed by hand.
struct Slice {
    position: [f64; 3],
    orientation: [f64; 6],
    spacing: [f64; 2],
    thickness: f64,
    rows: usize,
    columns: usize,
    values: Vec<f64>,
    slope: f64,
}

fn numbers(obj: &DefaultDicomObject, tag: Tag) -> Vec<f64> {
    obj.get(tag)
        .unwrap_or_else(|| panic!("{tag} missing"))
        .to_str()
        .unwrap()
        .split('\\')
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

fn parse(path: &Path) -> Slice {
    let obj = open_file(path).unwrap();
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        "1.2.840.10008.1.2.1"
    );
    let int = |t| obj.get(t).unwrap().to_int::<u32>().unwrap() as usize;
    let (rows, columns) = (int(Tag(0x0028, 0x0010)), int(Tag(0x0028, 0x0011)));
    assert_eq!(int(Tag(0x0028, 0x0100)), 16);
    let signed = int(Tag(0x0028, 0x0103)) == 1;
    let slope = numbers(&obj, Tag(0x0028, 0x1053))[0];
    let intercept = numbers(&obj, Tag(0x0028, 0x1052))[0];
    let bytes = obj
        .get(Tag(0x7FE0, 0x0010))
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned();
    assert_eq!(bytes.len(), rows * columns * 2);
    let values = bytes
        .chunks_exact(2)
        .map(|b| {
            let w = u16::from_le_bytes([b[0], b[1]]);
            let stored = if signed {
                f64::from(w as i16)
            } else {
                f64::from(w)
            };
            stored * slope + intercept
        })
        .collect();
    let o = numbers(&obj, Tag(0x0020, 0x0037));
    let ps = numbers(&obj, Tag(0x0028, 0x0030));
    Slice {
        position: numbers(&obj, Tag(0x0020, 0x0032)).try_into().unwrap(),
        orientation: o.try_into().unwrap(),
        spacing: ps.try_into().unwrap(),
        thickness: numbers(&obj, Tag(0x0018, 0x0050))[0],
        rows,
        columns,
        values,
        slope,
    }
}

/// Reads the folder by hand, sorting slices along the normal, and checks it against `vol`:
/// positions within 1e-4 mm, values within `tolerance(slope)`.
fn check_by_hand<T: Voxel>(vol: &Volume<T>, files: &[PathBuf], tolerance: impl Fn(f64) -> f64) {
    let g = vol.geometry();
    let [nx, ny, nz] = vol.dims();
    let mut slices: Vec<Slice> = files.iter().map(|f| parse(f)).collect();
    let o = slices[0].orientation;
    let normal = [
        o[1] * o[5] - o[2] * o[4],
        o[2] * o[3] - o[0] * o[5],
        o[0] * o[4] - o[1] * o[3],
    ];
    let along = |p: &[f64; 3]| p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
    slices.sort_by(|a, b| along(&a.position).total_cmp(&along(&b.position)));
    assert_eq!(slices.len(), nz);
    let d = g.direction();
    let close =
        |a: f64, b: f64, tol: f64, what: &str| assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
    for (k, s) in slices.iter().enumerate() {
        assert_eq!((s.columns, s.rows), (nx, ny));
        for a in 0..3 {
            close(s.orientation[a], d.axis(0).0[a], 1e-9, "row direction");
            close(
                s.orientation[3 + a],
                d.axis(1).0[a],
                1e-9,
                "column direction",
            );
        }
        // PixelSpacing is row spacing (between rows: j) then column spacing (i)
        close(s.spacing[0], g.spacing()[1], 1e-9, "row spacing");
        close(s.spacing[1], g.spacing()[0], 1e-9, "column spacing");
        close(s.thickness, g.spacing()[2], 1e-9, "thickness");
        // every voxel centre where the geometry puts it, to 1e-4 mm
        for (i, j) in [(0, 0), (nx - 1, 0), (0, ny - 1), (nx - 1, ny - 1)] {
            let expected = g.ijk_to_physical(Ijk([i, j, k])).0;
            for (a, want) in expected.into_iter().enumerate() {
                let got = s.position[a]
                    + s.orientation[a] * s.spacing[1] * i as f64
                    + s.orientation[3 + a] * s.spacing[0] * j as f64;
                close(got, want, 1e-4, "voxel position");
            }
        }
        let slice = &vol.as_slice()[k * nx * ny..(k + 1) * nx * ny];
        for (got, want) in s.values.iter().zip(slice) {
            close(*got, want.to_f64(), tolerance(s.slope), "value");
        }
    }
}

/// Reads the folder with medvol's reader and checks geometry (1e-4 mm) and values.
fn check_with_medvol<T: Voxel>(vol: &Volume<T>, folder: &Path, tolerance: f64) {
    let report = scan(folder, &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 1, "{:?}", report.skipped);
    let read = report.read(0, &ReadOptions::default()).unwrap();
    assert_eq!(read.volume.dims(), vol.dims());
    let (g, h) = (vol.geometry(), read.volume.geometry());
    for (p, q) in g.corners(vol.dims()).iter().zip(h.corners(vol.dims())) {
        assert!(p.distance(q) <= 1e-4, "corner {p:?} vs {q:?}");
    }
    assert!(g.approx_eq(h, 1e-4), "{g:?} vs {h:?}");
    let got = read.volume.to_f64();
    for (a, b) in got.as_slice().iter().zip(vol.as_slice()) {
        assert!((a - b.to_f64()).abs() <= tolerance, "{a} vs {}", b.to_f64());
    }
}

#[test]
fn i16_round_trip_is_exact() {
    let vol = phantom();
    let s = vol.statistics();
    assert!(
        s.min < 0.0 && s.max > 0.0,
        "the phantom should hold negative HU"
    );
    let tmp = tempfile::tempdir().unwrap();
    let w = write_series(
        &vol,
        tmp.path(),
        &SeriesOptions::default().with_modality(Modality::Ct),
    )
    .unwrap();
    assert_eq!((w.rescale_slope, w.rescale_intercept), (1.0, 0.0));
    check_by_hand(&vol, &w.files, |_| 0.0);
    check_with_medvol(&vol, tmp.path(), 0.0);
}

#[test]
fn u16_round_trip_is_exact() {
    let vol = phantom().map(|v| ((i32::from(v) + 1024) * 30).clamp(0, 65_535) as u16);
    assert!(
        vol.statistics().max > 40_000.0,
        "values above i16::MAX exercise unsigned storage"
    );
    let tmp = tempfile::tempdir().unwrap();
    let w = write_series(
        &vol,
        tmp.path(),
        &SeriesOptions::default().with_modality(Modality::Mr),
    )
    .unwrap();
    assert_eq!((w.rescale_slope, w.rescale_intercept), (1.0, 0.0));
    check_by_hand(&vol, &w.files, |_| 0.0);
    check_with_medvol(&vol, tmp.path(), 0.0);
}

#[test]
fn f32_round_trip_is_within_the_rescale_step() {
    let vol = phantom().map(|v| f32::from(v) * 0.37 + 0.123);
    let tmp = tempfile::tempdir().unwrap();
    let w = write_series(&vol, tmp.path(), &SeriesOptions::default()).unwrap();
    let range = vol.statistics().max - vol.statistics().min;
    assert!(
        w.rescale_slope > 0.0 && w.rescale_slope < range / 60_000.0,
        "{}",
        w.rescale_slope
    );
    // half a step of rounding, plus f32 rounding of the original values
    check_by_hand(&vol, &w.files, |slope| 0.5 * slope + 1e-4);
    check_with_medvol(&vol, tmp.path(), 0.5 * w.rescale_slope + 1e-4);
    // floats that are integers are stored as they are
    let ints = phantom().map(f32::from);
    let w = write_series(&ints, tmp.path().join("ints"), &SeriesOptions::default()).unwrap();
    assert_eq!(w.rescale_slope, 1.0);
    check_by_hand(&ints, &w.files, |_| 0.0);
}

#[test]
fn template_puts_the_series_in_the_original_study() {
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/ct_philips_head/dicom/I10");
    let template = open_file(&src).unwrap();
    let text = |o: &dicom_object::InMemDicomObject, t| {
        o.get(t)
            .map(|e| e.to_str().unwrap().trim_end_matches('\0').to_string())
    };
    let tmp = tempfile::tempdir().unwrap();
    let vol = phantom();
    let options = SeriesOptions::default()
        .with_template(template.clone().into_inner())
        .with_series_description("derived")
        .with_series_number(7);
    let w = write_series(&vol, tmp.path(), &options).unwrap();
    let first = open_file(&w.files[0]).unwrap();
    for tag in [
        Tag(0x0010, 0x0010),
        Tag(0x0010, 0x0020),
        Tag(0x0020, 0x000D),
        Tag(0x0020, 0x0052),
        Tag(0x0008, 0x0050),
    ] {
        assert_eq!(text(&first, tag), text(&template, tag), "{tag}");
    }
    assert_eq!(
        w.study_instance_uid,
        text(&template, Tag(0x0020, 0x000D)).unwrap()
    );
    assert_ne!(
        text(&first, Tag(0x0020, 0x000E)),
        text(&template, Tag(0x0020, 0x000E))
    );
    assert_eq!(text(&first, Tag(0x0008, 0x0060)).as_deref(), Some("CT"));
    assert_eq!(
        text(&first, Tag(0x0008, 0x0016)).as_deref(),
        Some("1.2.840.10008.5.1.4.1.1.2")
    );
    assert_eq!(text(&first, Tag(0x0020, 0x0011)).as_deref(), Some("7"));
    let sops: std::collections::BTreeSet<_> = w
        .files
        .iter()
        .map(|f| text(&open_file(f).unwrap(), Tag(0x0008, 0x0018)).unwrap())
        .collect();
    assert_eq!(sops.len(), w.files.len());
}

#[test]
fn volumes_that_cannot_be_stored_and_unwritable_folders_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Geometry::default();
    let nan = Volume::from_vec([2, 1, 1], vec![1.0f32, f32::NAN], g).unwrap();
    assert!(matches!(
        write_series(&nan, tmp.path(), &SeriesOptions::default()),
        Err(Error::Unsupported { .. })
    ));
    let wide = Volume::from_vec([2, 1, 1], vec![-1i32, 70_000], g).unwrap();
    let e = medvol_io::dicom::write_series_dyn(
        &DynVolume::from(wide),
        tmp.path(),
        &SeriesOptions::default(),
    );
    assert!(matches!(e, Err(Error::Unsupported { .. })), "{e:?}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written on error"
    );
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let e = write_series(
        &phantom(),
        blocker.join("series"),
        &SeriesOptions::default(),
    );
    assert!(matches!(e, Err(Error::Io { .. })), "{e:?}");
}

#[test]
fn pixels_of_a_file_are_replaced_and_everything_else_kept() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/dicom_ts_pydicom_small/dicom");
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "MR_small.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_bigendian.dcm",
    ] {
        let src = data.join(name);
        let original = open_file(&src).unwrap();
        let new = Volume::<i16>::from_fn([64, 64, 1], Geometry::default(), |Ijk([i, j, _])| {
            (i * 7) as i16 - (j * 3) as i16
        })
        .unwrap();
        let out = tmp.path().join(name);
        save_with_pixels(&src, &out, &new).unwrap();
        let saved = open_file(&out).unwrap();
        let parsed = parse(&out);
        assert_eq!(
            parsed.values,
            new.as_slice()
                .iter()
                .map(|&v| f64::from(v))
                .collect::<Vec<_>>(),
            "{name}"
        );
        let changed = [
            Tag(0x0008, 0x0018),
            Tag(0x0028, 0x0100),
            Tag(0x0028, 0x0101),
            Tag(0x0028, 0x0102),
            Tag(0x0028, 0x0103),
            Tag(0x0028, 0x0106),
            Tag(0x0028, 0x0107),
            Tag(0x0028, 0x1052),
            Tag(0x0028, 0x1053),
            Tag(0x7FE0, 0x0010),
        ];
        for e in original.iter() {
            use dicom_core::header::Header;
            if !changed.contains(&e.tag()) {
                let kept = saved
                    .get(e.tag())
                    .unwrap_or_else(|| panic!("{name}: {} lost", e.tag()));
                assert_eq!(
                    kept.value().to_str().ok(),
                    e.value().to_str().ok(),
                    "{name}: {}",
                    e.tag()
                );
            }
        }
        assert_ne!(
            saved.get(Tag(0x0008, 0x0018)).unwrap().to_str().unwrap(),
            original.get(Tag(0x0008, 0x0018)).unwrap().to_str().unwrap()
        );
    }
    // float pixels are rescaled; a wrong shape and in-place writes are refused
    let src = data.join("MR_small.dcm");
    let f = Volume::<f32>::from_fn([64, 64, 1], Geometry::default(), |Ijk([i, j, _])| {
        i as f32 * 0.25 - j as f32 * 1.5
    })
    .unwrap();
    let out = tmp.path().join("float.dcm");
    save_with_pixels(&src, &out, &f).unwrap();
    let parsed = parse(&out);
    for (a, b) in parsed.values.iter().zip(f.as_slice()) {
        assert!((a - f64::from(*b)).abs() <= 0.5 * parsed.slope + 1e-9);
    }
    let wrong = Volume::<i16>::zeros([32, 64, 1], Geometry::default()).unwrap();
    assert!(matches!(
        save_with_pixels(&src, &out, &wrong),
        Err(Error::InconsistentSeries { .. })
    ));
    assert!(matches!(
        save_with_pixels(&out, &out, &f),
        Err(Error::Invalid { .. })
    ));
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, b"not DICOM").unwrap();
    assert!(matches!(
        save_with_pixels(&text, tmp.path().join("x.dcm"), &f),
        Err(Error::Invalid { .. })
    ));
}

/// Runs `tests/peers/sitk_read_series.py` on a written series: SimpleITK's
/// `ImageSeriesReader` must see the geometry within 1e-4 mm and the values within `tolerance`.
fn check_with_simpleitk<T: Voxel>(python: &str, vol: &Volume<T>, folder: &Path, tolerance: f64) {
    let g = vol.geometry();
    let expected = serde_json::json!({
        "dims": vol.dims(),
        "spacing": g.spacing(),
        "origin": g.origin().0,
        "direction": g.direction().to_row_major(),
        "tolerance": tolerance,
    });
    let json = folder.with_extension("json");
    let values = folder.with_extension("f64");
    std::fs::write(&json, expected.to_string()).unwrap();
    let bytes: Vec<u8> = vol
        .as_slice()
        .iter()
        .flat_map(|v| v.to_f64().to_le_bytes())
        .collect();
    std::fs::write(&values, bytes).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/sitk_read_series.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .args([folder, &json, &values])
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    assert!(
        out.status.success(),
        "SimpleITK disagrees: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The i16, u16 and f32 oblique round trips, read back by SimpleITK. Needs a Python with
/// SimpleITK and numpy (never a dependency of medvol):
/// `MEDVOL_PEER_PYTHON=/path/to/venv/bin/python cargo test -p medvol-io --test dicom_write -- --ignored`.
#[test]
#[ignore = "needs MEDVOL_PEER_PYTHON pointing at a Python with SimpleITK"]
fn written_series_read_back_in_simpleitk() {
    let python = std::env::var("MEDVOL_PEER_PYTHON")
        .expect("set MEDVOL_PEER_PYTHON to a Python with SimpleITK and numpy");
    let tmp = tempfile::tempdir().unwrap();
    let i16s = phantom();
    let u16s = phantom().map(|v| ((i32::from(v) + 1024) * 30).clamp(0, 65_535) as u16);
    let f32s = phantom().map(|v| f32::from(v) * 0.37 + 0.123);
    let dir = |name: &str| tmp.path().join(name);
    write_series(
        &i16s,
        dir("i16"),
        &SeriesOptions::default().with_modality(Modality::Ct),
    )
    .unwrap();
    check_with_simpleitk(&python, &i16s, &dir("i16"), 0.0);
    write_series(
        &u16s,
        dir("u16"),
        &SeriesOptions::default().with_modality(Modality::Mr),
    )
    .unwrap();
    check_with_simpleitk(&python, &u16s, &dir("u16"), 0.0);
    let w = write_series(&f32s, dir("f32"), &SeriesOptions::default()).unwrap();
    check_with_simpleitk(&python, &f32s, &dir("f32"), 0.5 * w.rescale_slope + 1e-4);
}

#[test]
fn written_attributes_follow_the_iods() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(100);
    for modality in [Modality::Ct, Modality::Mr] {
        let dir = tmp.path().join(format!("{modality:?}"));
        let options = SeriesOptions::default()
            .with_modality(modality)
            .with_series_description(long.as_str());
        let w = write_series(&phantom(), &dir, &options).unwrap();
        let obj = open_file(&w.files[0]).unwrap();
        // Patient Position is type 2C for CT and MR: present, empty when unknown
        let position = obj.get(Tag(0x0018, 0x5100)).expect("Patient Position");
        assert!(position.value().to_str().unwrap().trim().is_empty());
        // a LO holds 64 characters
        let description = obj.get(Tag(0x0008, 0x103E)).unwrap().to_str().unwrap();
        assert_eq!(description.trim_end(), &long[..64]);
    }
}

#[test]
fn new_pixels_drop_the_lookup_tables_made_for_the_old_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/dicom_ts_pydicom_small/dicom/MR_small.dcm");
    let tmp = tempfile::tempdir().unwrap();
    // the same file with a Modality LUT and a VOI LUT
    let mut obj = open_file(&src).unwrap();
    let lut = || {
        dicom_object::InMemDicomObject::from_element_iter([
            DataElement::new(
                Tag(0x0028, 0x3002),
                VR::US,
                PrimitiveValue::U16([4u16, 0, 16].into_iter().collect()),
            ),
            DataElement::new(
                Tag(0x0028, 0x3006),
                VR::US,
                PrimitiveValue::U16([0u16, 10, 20, 30].into_iter().collect()),
            ),
        ])
    };
    for tag in [Tag(0x0028, 0x3000), Tag(0x0028, 0x3010)] {
        obj.put(DataElement::new(
            tag,
            VR::SQ,
            dicom_core::value::DataSetSequence::from(vec![lut()]),
        ));
    }
    let with_luts = tmp.path().join("luts.dcm");
    obj.write_to_file(&with_luts).unwrap();
    let f = Volume::<f32>::from_vec(
        [64, 64, 1],
        (0..64 * 64).map(|v| v as f32 * 0.25 - 7.5).collect(),
        Geometry::default(),
    )
    .unwrap();
    let out = tmp.path().join("new.dcm");
    save_with_pixels(&with_luts, &out, &f).unwrap();
    let saved = open_file(&out).unwrap();
    assert!(saved.get(Tag(0x0028, 0x3000)).is_none());
    assert!(saved.get(Tag(0x0028, 0x3010)).is_none());
    let parsed = parse(&out);
    for (a, b) in parsed.values.iter().zip(f.as_slice()) {
        assert!((a - f64::from(*b)).abs() <= 0.5 * parsed.slope + 1e-9);
    }
}
