//! Marching cubes on the 256³ head phantom (`i16` HU, 0.7 × 0.7 × 1.25 mm, no noise), in one
//! run: bone (300 HU) and skin (-500 HU) surfaces with the scalar and the SIMD classification
//! on 1 thread, and SIMD on 2 threads (rayon pools); the bone surface of the phantom as the
//! `reconstruct` pipeline meshes it (`f32`, Gaussian σ = 1 mm); the measures of the bone
//! surface (edge report; area and enclosed volume in one pass), 1 and 2 threads; then the
//! binary STL of the bone surface serialised to memory and written to a file (atomic, synced),
//! formatted in parallel on the global pool (2 threads here) while the previous block is
//! written.
//!
//! The phantom is also written as raw little-endian `i16` (i fastest) to
//! `$MEDVOL_MESH_BENCH_RAW` (default: `medvol-bench-phantom-256-i16.raw` in the system temp
//! dir) so that peers time the same voxels: `benches/mesh_peers.py <raw>` (vtkFlyingEdges3D,
//! vtkSTLWriter).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medvol_core::phantom::HeadPhantom;
use medvol_core::{Isa, Volume};
use medvol_filter::{Gaussian, Sigma};
use medvol_mesh::MarchingCubes;
use medvol_mesh::write::{self, Format};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

fn phantom() -> Volume<i16> {
    let v = HeadPhantom::default().generate();
    let path = std::env::var_os("MEDVOL_MESH_BENCH_RAW")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("medvol-bench-phantom-256-i16.raw"));
    medvol_core::atomic::write_file(&path, |w| {
        for x in v.as_slice() {
            w.write_all(&x.to_le_bytes())?;
        }
        Ok(())
    })
    .expect("phantom raw file written");
    v
}

fn isosurfaces(c: &mut Criterion) {
    let v = phantom();
    let pools: Vec<_> = [1, 2]
        .map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("thread pool")
        })
        .into();
    for (name, level) in [("bone_300", 300.0), ("skin_minus500", -500.0)] {
        let mut g = c.benchmark_group(format!("isosurface_{name}"));
        g.throughput(Throughput::Elements(v.len() as u64));
        g.sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        let mc = MarchingCubes::new(level).expect("finite level");
        g.bench_function("scalar_1t", |b| {
            b.iter(|| pools[0].install(|| mc.with_isa(Isa::Scalar).run(&v).expect("mesh")))
        });
        g.bench_function("simd_1t", |b| {
            b.iter(|| pools[0].install(|| mc.run(&v).expect("mesh")))
        });
        g.bench_function("simd_2t", |b| {
            b.iter(|| pools[1].install(|| mc.run(&v).expect("mesh")))
        });
        g.finish();
    }
    let mut smooth = v.cast::<f32>();
    Gaussian::new(Sigma::iso_mm(1.0))
        .expect("sigma")
        .apply_in_place(&mut smooth)
        .expect("smoothed");
    let mut g = c.benchmark_group("isosurface_bone_300_f32_smoothed");
    g.throughput(Throughput::Elements(smooth.len() as u64));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let mc = MarchingCubes::new(300.0).expect("finite level");
    for (name, isa, pool) in [
        ("scalar_1t", Isa::Scalar, &pools[0]),
        ("simd_1t", Isa::best(), &pools[0]),
        ("simd_2t", Isa::best(), &pools[1]),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| pool.install(|| mc.with_isa(isa).run(&smooth).expect("mesh")))
        });
    }
    g.finish();
    drop(smooth);
    let bone = MarchingCubes::new(300.0)
        .expect("finite level")
        .run(&v)
        .expect("mesh");
    let mut g = c.benchmark_group("measure_bone");
    g.throughput(Throughput::Elements(bone.triangle_count() as u64));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (name, pool) in [("1t", &pools[0]), ("2t", &pools[1])] {
        g.bench_function(format!("edge_report_{name}"), |b| {
            b.iter(|| pool.install(|| bone.edge_report()))
        });
        g.bench_function(format!("area_volume_{name}"), |b| {
            b.iter(|| pool.install(|| bone.area_and_volume()))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("stl_binary_bone");
    g.throughput(Throughput::Elements(bone.triangle_count() as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let mut buf = Vec::with_capacity(84 + 50 * bone.triangle_count());
    g.bench_function("memory", |b| {
        b.iter(|| {
            buf.clear();
            Format::StlBinary
                .write_to(&bone, &mut buf)
                .expect("in memory");
        })
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bone.stl");
    g.bench_function("file", |b| {
        b.iter(|| write::write(&bone, &path).expect("written"))
    });
    g.finish();
}

criterion_group!(benches, isosurfaces);
criterion_main!(benches);
