//! NIfTI read and write of the 256³ `i16` head phantom (`HeadPhantom::default()`), `.nii` and
//! `.nii.gz` (default gzip level), in one run with a plain memory copy of the same bytes as the
//! yardstick (`nifti/memcpy`).
//!
//! The files are left in `$MEDVOL_IO_BENCH_DIR` (default: `medvol-bench-io` in the system temp
//! dir) so peers time the same files in the same sitting: `benches/io_peers.py <dir>`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medvol_core::phantom::HeadPhantom;
use medvol_io::nifti;
use std::path::PathBuf;
use std::time::Duration;

fn bench_dir() -> PathBuf {
    std::env::var_os("MEDVOL_IO_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("medvol-bench-io"))
}

fn io(c: &mut Criterion) {
    let v = HeadPhantom::default().generate();
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).expect("bench folder");
    let nii = dir.join("phantom.nii");
    let gz = dir.join("phantom.nii.gz");
    nifti::write(&nii, &v).expect("phantom.nii written");
    nifti::write(&gz, &v).expect("phantom.nii.gz written");
    let bytes = std::mem::size_of_val(v.as_slice()) as u64;
    let gz_len = std::fs::metadata(&gz).expect("phantom.nii.gz").len();
    eprintln!(
        "phantom {:?} i16: {bytes} bytes of voxels, .nii.gz {gz_len} bytes (ratio {:.2}) in {}",
        v.dims(),
        (bytes + 352) as f64 / gz_len as f64,
        dir.display()
    );

    let mut g = c.benchmark_group("nifti");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(4));
    g.bench_function("memcpy", |b| b.iter(|| v.as_slice().to_vec()));
    g.bench_function("read/nii", |b| {
        b.iter(|| nifti::read_volume(&nii).expect("read .nii"))
    });
    g.bench_function("read/nii.gz", |b| {
        b.iter(|| nifti::read_volume(&gz).expect("read .nii.gz"))
    });
    let out_nii = dir.join("out.nii");
    let out_gz = dir.join("out.nii.gz");
    g.bench_function("write/nii", |b| {
        b.iter(|| nifti::write(&out_nii, &v).expect("write .nii"))
    });
    g.bench_function("write/nii.gz", |b| {
        b.iter(|| nifti::write(&out_gz, &v).expect("write .nii.gz"))
    });
    g.finish();
}

criterion_group!(benches, io);
criterion_main!(benches);
