//! The whole reconstruction on a 256-slice DICOM series of the 256^3 phantom:
//! read -> Gaussian 1 mm -> bone surface (300 HU) -> binary STL.
//!
//! The series is written once into `$TMPDIR/medvol-bench/phantom256_dicom` (reused by
//! `benches/peers.py`, which runs SimpleITK + VTK and the Python stack on the same files).
//!
//! `cargo bench --bench pipeline`

use criterion::{Criterion, criterion_group, criterion_main};
use medvol::io::dicom::{Modality, SeriesOptions, write_series};
use medvol::phantom::HeadPhantom;
use medvol::pipeline::{Input, Level, Pipeline, Preset};
use std::path::PathBuf;
use std::time::Duration;

fn phantom_series() -> PathBuf {
    let dir = std::env::temp_dir()
        .join("medvol-bench")
        .join("phantom256_dicom");
    let complete = std::fs::read_dir(&dir)
        .map(|d| d.count() == 256)
        .unwrap_or(false);
    if !complete {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench folder");
        let ct = HeadPhantom::default().with_noise(1, 10.0).generate();
        let options = SeriesOptions::default()
            .with_modality(Modality::Ct)
            .with_series_description("medvol phantom 256");
        write_series(&ct, &dir, &options).expect("write the phantom series");
    }
    dir
}

fn pipeline(c: &mut Criterion) {
    let series = phantom_series();
    let out = std::env::temp_dir()
        .join("medvol-bench")
        .join("phantom_bone.stl");
    let input = Input::Dicom {
        path: series,
        volume: None,
    };
    let pipeline = Pipeline::new(Level::Preset(Preset::Bone))
        .with_gaussian(1.0)
        .expect("valid sigma")
        .with_output(&out);
    let mut group = c.benchmark_group("pipeline");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("dicom256_gauss1mm_bone_stl", |b| {
        b.iter(|| pipeline.run(&input).expect("pipeline"))
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
