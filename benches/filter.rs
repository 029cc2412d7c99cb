//! Filters on the 256³ head phantom as `f32` (0.7 × 0.7 × 1.25 mm), in one run per op:
//! `<op>/scalar` (portable kernels), `<op>/simd` (best detected instruction set) and
//! `<op>/blocked` (best kernels in z-slabs via `Blocked`), all in the default rayon pool; and
//! `gaussian_in_place_1mm/<method>` (`Gaussian::apply_in_place`, no output allocation) and
//! `zscore/in_place` (`Normalize::apply_in_place`).
//!
//! The phantom is also written as raw little-endian `f32` (i fastest) to
//! `$MEDVOL_FILTER_BENCH_RAW` (default: `medvol-bench-phantom-256-f32.raw` in the system temp
//! dir) so peers time the same voxels: `benches/filter_peers.py <raw>`.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use medvol_core::phantom::HeadPhantom;
use medvol_core::{Isa, Volume};
use medvol_filter::{
    Blocked, Filter, Gaussian, GaussianMethod, Interpolation, Median, Normalize, Resample, Sigma,
    Threshold,
};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

fn phantom() -> Volume<f32> {
    let v = HeadPhantom::default()
        .with_noise(7, 20.0)
        .generate()
        .cast::<f32>();
    let path = std::env::var_os("MEDVOL_FILTER_BENCH_RAW")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("medvol-bench-phantom-256-f32.raw"));
    medvol_core::atomic::write_file(&path, |w| {
        for x in v.as_slice() {
            w.write_all(&x.to_le_bytes())?;
        }
        Ok(())
    })
    .expect("phantom raw file written");
    v
}

/// Benches `make(isa)` as `<name>/scalar`, `<name>/simd` and `<name>/blocked`.
fn three_ways<F, O>(c: &mut Criterion, v: &Volume<f32>, name: &str, make: impl Fn(Isa) -> F)
where
    F: Filter<f32, Output = O>,
    O: medvol_core::Voxel,
{
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(v.len() as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("scalar", |b| b.iter(|| make(Isa::Scalar).apply(v).unwrap()));
    g.bench_function("simd", |b| b.iter(|| make(Isa::best()).apply(v).unwrap()));
    g.bench_function("blocked", |b| {
        b.iter(|| Blocked::new(make(Isa::best())).apply(v).unwrap())
    });
    g.finish();
}

fn filters(c: &mut Criterion) {
    let v = phantom();
    let stats = v.statistics();
    let sigma = Sigma::iso_mm(1.0);
    three_ways(c, &v, "gaussian_discrete_1mm", |isa| {
        Gaussian::new(sigma).unwrap().with_isa(isa)
    });
    three_ways(c, &v, "gaussian_recursive_1mm", |isa| {
        Gaussian::new(sigma)
            .unwrap()
            .with_method(GaussianMethod::Recursive)
            .with_isa(isa)
    });
    // In place: the input copy is made outside the timing.
    let mut g = c.benchmark_group("gaussian_in_place_1mm");
    g.throughput(Throughput::Elements(v.len() as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for method in [GaussianMethod::Discrete, GaussianMethod::Recursive] {
        let f = Gaussian::new(sigma).unwrap().with_method(method);
        let id = format!("{method:?}").to_lowercase();
        g.bench_function(id, |b| {
            b.iter_batched_ref(
                || v.clone(),
                |w| f.apply_in_place(w).unwrap(),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
    three_ways(c, &v, "median_r1", |isa| {
        Median::new([1; 3]).unwrap().with_isa(isa)
    });
    three_ways(c, &v, "median_r2", |isa| {
        Median::new([2; 3]).unwrap().with_isa(isa)
    });
    three_ways(c, &v, "rescale", |isa| {
        Normalize::range(&stats, 0.0, 1.0).unwrap().with_isa(isa)
    });
    three_ways(c, &v, "threshold", |isa| {
        Threshold::above(300.0).unwrap().with_isa(isa)
    });

    // z-score includes computing the statistics, as numpy's (v - v.mean()) / v.std(ddof=1).
    let mut g = c.benchmark_group("zscore");
    g.throughput(Throughput::Elements(v.len() as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for isa in [Isa::Scalar, Isa::best()] {
        g.bench_with_input(
            BenchmarkId::new(isa.name(), "with_stats"),
            &isa,
            |b, &isa| {
                b.iter(|| {
                    Normalize::zscore(&v.statistics())
                        .unwrap()
                        .with_isa(isa)
                        .apply(&v)
                        .unwrap()
                })
            },
        );
    }
    // In place (`Normalize::apply_in_place`); the input copy is made outside the timing.
    g.bench_function("in_place/with_stats", |b| {
        b.iter_batched_ref(
            || v.clone(),
            |w| {
                Normalize::zscore(&w.statistics())
                    .unwrap()
                    .apply_in_place(w)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // Resampling is not a `Filter` (it changes the grid): scalar and SIMD kernels.
    let mut g = c.benchmark_group("resample_1mm");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    let r = Resample::isotropic(v.geometry(), v.dims(), 1.0).unwrap();
    g.throughput(Throughput::Elements(
        r.dims().iter().product::<usize>() as u64
    ));
    for interp in [Interpolation::Linear, Interpolation::Nearest] {
        for isa in [Isa::Scalar, Isa::best()] {
            let r = r.clone().with_interpolation(interp).with_isa(isa);
            let id = BenchmarkId::new(format!("{interp:?}").to_lowercase(), isa.name());
            g.bench_function(id, |b| b.iter(|| r.apply(&v).unwrap()));
        }
    }
    g.finish();
}

criterion_group!(benches, filters);
criterion_main!(benches);
