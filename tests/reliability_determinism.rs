//! Determinism: the pipeline (every stage: resample, Gaussian or median, window, isosurface,
//! largest component, file output) and the DICOM reader give bit-identical results on 1 and
//! 2 threads. Filters per block size and thread count are covered by
//! `medvol-filter/tests/blocked.rs`, the mesher alone by `medvol-mesh/tests/analytic.rs`.

use medvol::phantom::HeadPhantom;
use medvol::pipeline::{Input, Level, Pipeline, Preset};
use medvol_io::dicom::{ReadOptions, ScanOptions, scan};
use std::path::Path;

#[path = "common/data.rs"]
mod shared;

fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// The mesh file bytes, mesh and report measures of `pipeline` on `threads` threads.
fn run(
    pipeline: &Pipeline,
    input: &Input,
    threads: usize,
    out: &Path,
) -> (Vec<u8>, medvol::mesh::Mesh, [f64; 2], [usize; 4]) {
    let o = on_threads(threads, || {
        pipeline.clone().with_output(out).run(input).unwrap()
    });
    let r = &o.report;
    let bytes = std::fs::read(out).unwrap();
    (
        bytes,
        o.mesh,
        [r.area_mm2, r.volume_mm3],
        [
            r.vertices,
            r.triangles,
            r.boundary_edges,
            r.non_manifold_edges,
        ],
    )
}

#[test]
fn pipeline_is_bit_identical_on_1_and_2_threads() {
    let dir = tempfile::tempdir().unwrap();
    let input = Input::Phantom(HeadPhantom::new([72, 64, 40], [1.1, 1.2, 2.5]).unwrap());
    let pipelines = [
        Pipeline::new(Level::Preset(Preset::Bone))
            .with_gaussian(1.5)
            .unwrap()
            .with_largest_component(true),
        Pipeline::new(Level::Value(0.5))
            .with_spacing_mm(1.7)
            .unwrap()
            .with_median(1)
            .unwrap()
            .with_window(-100.0, 200.0)
            .unwrap()
            .with_close_border(true),
    ];
    for (n, p) in pipelines.iter().enumerate() {
        for ext in ["stl", "ply"] {
            let one = run(p, &input, 1, &dir.path().join(format!("one-{n}.{ext}")));
            let two = run(p, &input, 2, &dir.path().join(format!("two-{n}.{ext}")));
            assert!(
                one.3[1] > 100,
                "pipeline {n}: a real surface ({} triangles)",
                one.3[1]
            );
            assert!(
                one.0 == two.0,
                "pipeline {n}: .{ext} files differ between 1 and 2 threads"
            );
            assert!(one.1 == two.1, "pipeline {n}: meshes differ");
            assert_eq!(
                one.2.map(f64::to_bits),
                two.2.map(f64::to_bits),
                "pipeline {n}: measures differ"
            );
            assert_eq!(one.3, two.3, "pipeline {n}");
        }
    }
}

/// A real series (40 files, parallel header scan and parallel decoding) reads the same on 1
/// and 2 threads: same order of files, same voxels, same geometry.
#[test]
fn dicom_read_is_bit_identical_on_1_and_2_threads() {
    let data = shared::shared_data("mr_toshiba_ax30_b0/dicom");
    let read = |threads| {
        on_threads(threads, || {
            let report = scan(&data, &ScanOptions::default()).unwrap();
            let v = report.read(0, &ReadOptions::default()).unwrap();
            (
                report.volumes[0].files.clone(),
                v.volume.to_f64(),
                v.warnings,
            )
        })
    };
    let (files1, vol1, warn1) = read(1);
    let (files2, vol2, warn2) = read(2);
    assert_eq!(files1.len(), 40);
    assert_eq!(files1, files2);
    assert_eq!(vol1.dims(), [64, 64, 40]);
    assert!(
        vol1.as_slice()
            .iter()
            .zip(vol2.as_slice())
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "voxels differ"
    );
    assert_eq!(vol1.geometry(), vol2.geometry());
    assert_eq!(warn1, warn2);
}
