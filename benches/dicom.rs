//! Reading a 256-slice 256x256 CT series (written in setup from the head phantom with
//! dicom-object, explicit VR little endian, int16 HU stored as uint16 + intercept -1024).
//!
//! The series is kept in `$MEDVOL_DICOM_BENCH_DIR` (default: a `medvol-bench-dicom-256`
//! folder in the system temp dir) so peers can read the same files, e.g. SimpleITK:
//! `benches/dicom_sitk.py <folder>`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use medvol_core::phantom::HeadPhantom;
use medvol_core::{ContinuousIndex, Volume};
use medvol_io::dicom::{ReadOptions, ScanOptions, scan};
use std::path::{Path, PathBuf};

const N: usize = 256;

fn write_series(dir: &Path, vol: &Volume<i16>) {
    let g = vol.geometry();
    let [nx, ny, nz] = vol.dims();
    let ds = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.6}"))
            .collect::<Vec<_>>()
            .join("\\")
    };
    let uid = "1.2.826.0.1.3680043.10.1234.256";
    for k in 0..nz {
        let p = g.index_to_physical(ContinuousIndex([0.0, 0.0, k as f64]));
        let sop = format!("{uid}.{}", k + 1);
        let plane = &vol.as_slice()[k * nx * ny..(k + 1) * nx * ny];
        let words: Vec<u16> = plane
            .iter()
            .map(|&v| (i32::from(v) + 1024).clamp(0, 4095) as u16)
            .collect();
        let e = |tag, vr, v: PrimitiveValue| DataElement::new(tag, vr, v);
        let obj = InMemDicomObject::from_element_iter([
            e(
                tags::SOP_CLASS_UID,
                VR::UI,
                "1.2.840.10008.5.1.4.1.1.2".into(),
            ),
            e(tags::SOP_INSTANCE_UID, VR::UI, sop.as_str().into()),
            e(tags::MODALITY, VR::CS, "CT".into()),
            e(tags::SERIES_INSTANCE_UID, VR::UI, uid.into()),
            e(
                tags::STUDY_INSTANCE_UID,
                VR::UI,
                "1.2.826.0.1.3680043.10.1234".into(),
            ),
            e(tags::SERIES_NUMBER, VR::IS, "1".into()),
            e(
                tags::INSTANCE_NUMBER,
                VR::IS,
                (k + 1).to_string().as_str().into(),
            ),
            e(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                ds(&p.0).as_str().into(),
            ),
            e(
                tags::IMAGE_ORIENTATION_PATIENT,
                VR::DS,
                "1\\0\\0\\0\\1\\0".into(),
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
                ds(&[g.spacing()[1], g.spacing()[0]]).as_str().into(),
            ),
            e(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
            e(tags::BITS_STORED, VR::US, PrimitiveValue::from(12u16)),
            e(tags::HIGH_BIT, VR::US, PrimitiveValue::from(11u16)),
            e(
                tags::PIXEL_REPRESENTATION,
                VR::US,
                PrimitiveValue::from(0u16),
            ),
            e(tags::RESCALE_INTERCEPT, VR::DS, "-1024".into()),
            e(tags::RESCALE_SLOPE, VR::DS, "1".into()),
            e(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(words.into())),
        ]);
        let meta = FileMetaTableBuilder::new()
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.2")
            .media_storage_sop_instance_uid(sop.as_str())
            .transfer_syntax("1.2.840.10008.1.2.1");
        obj.with_meta(meta)
            .expect("valid meta")
            .write_to_file(dir.join(format!("IM{:04}.dcm", k + 1)))
            .expect("bench series written");
    }
}

fn series_dir() -> PathBuf {
    let dir = std::env::var_os("MEDVOL_DICOM_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("medvol-bench-dicom-256"));
    let complete = std::fs::read_dir(&dir)
        .map(|d| d.count() == N)
        .unwrap_or(false);
    if !complete {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench folder");
        let vol = HeadPhantom::new([N, N, N], [0.9, 0.9, 1.0])
            .expect("phantom")
            .with_noise(7, 10.0)
            .generate();
        write_series(&dir, &vol);
    }
    dir
}

fn bench(c: &mut Criterion) {
    let dir = series_dir();
    eprintln!("DICOM bench series: {}", dir.display());
    let mut g = c.benchmark_group("dicom");
    g.sample_size(10);
    g.throughput(Throughput::Elements((N * N * N) as u64));
    g.bench_function("scan_256", |b| {
        b.iter(|| scan(&dir, &ScanOptions::default()).expect("scan"))
    });
    g.bench_function("read_series_256", |b| {
        b.iter(|| {
            let r = scan(&dir, &ScanOptions::default()).expect("scan");
            r.read(0, &ReadOptions::default()).expect("read")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
