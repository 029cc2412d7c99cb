//! Isosurfaces of real scanner series (read with medvol-io's DICOM reader) against the
//! references in `../shared/data/*/ref_filters/filters.json`: vtkFlyingEdges3D counts, area and
//! enclosed volume (vtkMassProperties), LPS bounding boxes, and the scikit-image (Lewiner) STL
//! of `mr_toshiba_ax30_b0`. A test fails in one line naming the data folder when it is absent.

use medvol_core::{ContinuousIndex, Geometry, Ijk, Volume, map_dyn};
use medvol_mesh::{MarchingCubes, Mesh};
use serde_json::Value;

#[path = "../../tests/common/data.rs"]
mod shared;
use shared::shared_data as data;

/// The volume padded by one voxel of `value` on every side, origin moved by -1 voxel along
/// each axis (as the references were padded).
fn pad(v: &Volume<f64>, value: f64) -> Volume<f64> {
    let [nx, ny, nz] = v.dims();
    let g = v.geometry();
    let origin = g.index_to_physical(ContinuousIndex::new(-1.0, -1.0, -1.0));
    let pg = Geometry::new(g.spacing(), origin, g.direction()).unwrap();
    Volume::from_fn([nx + 2, ny + 2, nz + 2], pg, |ijk: Ijk| {
        let [i, j, k] = ijk.0;
        if i == 0 || j == 0 || k == 0 || i > nx || j > ny || k > nz {
            value
        } else {
            v[Ijk::new(i - 1, j - 1, k - 1)]
        }
    })
    .unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

fn check_against(mesh: &Mesh, refs: &Value, half_voxel: f64, closed: bool, what: &str) {
    let fe = &refs["vtkFlyingEdges3D"];
    let ntri = fe["n_triangles"].as_f64().unwrap();
    let area = fe["surface_area_mm2"].as_f64().unwrap();
    println!(
        "{what}: {} triangles (VTK {ntri}), {} vertices (VTK {}), area {:.3} (VTK {area}), volume {:.3} \
         (VTK {}), euler {} (skimage {})",
        mesh.triangle_count(),
        mesh.vertex_count(),
        fe["n_points"],
        mesh.area_mm2(),
        mesh.signed_volume_mm3(),
        fe["volume_mm3"],
        mesh.euler_characteristic(),
        refs["skimage_lewiner"]["euler_characteristic"],
    );
    // Same topology rule as VTK: triangle counts agree to 0.1 %.
    assert!(
        rel(mesh.triangle_count() as f64, ntri) < 1e-3,
        "{what}: triangles"
    );
    assert!(
        rel(mesh.area_mm2(), area) < 2e-3,
        "{what}: area {}",
        mesh.area_mm2()
    );
    if closed {
        // vtkMassProperties' volume is only meaningful on closed surfaces.
        let vol = fe["volume_mm3"].as_f64().unwrap();
        assert!(
            rel(mesh.signed_volume_mm3(), vol) < 2e-3,
            "{what}: volume {}",
            mesh.signed_volume_mm3()
        );
        let e = mesh.edge_report();
        assert!(e.is_closed_manifold(), "{what}: {e:?}");
    } else {
        assert_eq!(mesh.edge_report().non_manifold_edges, 0);
    }
    let (lo, hi) = mesh.bounding_box().unwrap();
    for a in 0..3 {
        let rlo = fe["bbox_lps_min"][a].as_f64().unwrap();
        let rhi = fe["bbox_lps_max"][a].as_f64().unwrap();
        assert!((lo[a] - rlo).abs() <= half_voxel, "{what}: bbox min {lo:?}");
        assert!((hi[a] - rhi).abs() <= half_voxel, "{what}: bbox max {hi:?}");
    }
}

fn check_dataset(name: &str) -> (Mesh, Value) {
    let dir = data(name);
    let refs: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("ref_filters/filters.json")).unwrap(),
    )
    .unwrap();
    let iso = &refs["isosurface"];
    let level = iso["level"].as_f64().unwrap();
    let dicom = medvol_io::dicom::read_first(dir.join("dicom")).unwrap();
    let volume = dicom.volume.to_f64();
    let half_voxel = volume
        .geometry()
        .spacing()
        .iter()
        .cloned()
        .fold(0.0, f64::max)
        / 2.0;
    let mc = MarchingCubes::new(level).unwrap().with_close_border(false);
    // Typed like the reader returns it, unpadded and open (as VTK's reference).
    let open = map_dyn!(&dicom.volume, v => mc.run(v)).unwrap();
    assert_eq!(
        open,
        mc.run(&volume).unwrap(),
        "{name}: voxel type changes the mesh"
    );
    check_against(
        &open,
        &iso["unpadded"],
        half_voxel,
        false,
        &format!("{name} unpadded"),
    );
    // Padded as the reference, and closed by the option: the same surface.
    let pad_value = iso["padded"]["pad_value"].as_f64().unwrap();
    let padded = mc.run(&pad(&volume, pad_value)).unwrap();
    check_against(
        &padded,
        &iso["padded"],
        half_voxel,
        true,
        &format!("{name} padded"),
    );
    let closed = mc.with_close_border(true).run(&volume).unwrap();
    assert_eq!(closed.faces(), padded.faces());
    assert!(rel(closed.area_mm2(), padded.area_mm2()) < 1e-9);
    assert!(rel(closed.signed_volume_mm3(), padded.signed_volume_mm3()) < 1e-9);
    (padded, iso["padded"].clone())
}

#[test]
fn ct_philips_head_bone_matches_vtk() {
    check_dataset("ct_philips_head");
}

#[test]
fn mr_toshiba_oblique_matches_vtk_and_the_skimage_stl() {
    let (mesh, refs) = check_dataset("mr_toshiba_ax30_b0");
    // The scikit-image (Lewiner) surface, binary STL in LPS mm: read with our reader.
    let path =
        data("mr_toshiba_ax30_b0").join("ref_filters/isosurface_skimage_level1500_padded_lps.stl");
    let sk = medvol_mesh::write::read(&path).unwrap();
    let sk_ref = &refs["skimage_lewiner"];
    assert_eq!(
        sk.triangle_count() as u64,
        sk_ref["n_faces"].as_u64().unwrap()
    );
    assert!(rel(sk.area_mm2(), sk_ref["surface_area_mm2"].as_f64().unwrap()) < 1e-5);
    // Lewiner resolves ambiguous cells with the asymptotic decider, VTK and medvol with a face
    // rule: the surfaces differ in a few cells only.
    assert!(
        rel(mesh.area_mm2(), sk.area_mm2()) < 3e-3,
        "area vs skimage {}",
        sk.area_mm2()
    );
    assert!(
        rel(mesh.signed_volume_mm3(), sk.signed_volume_mm3()) < 2e-3,
        "volume vs skimage {}",
        sk.signed_volume_mm3()
    );
    let (lo, hi) = mesh.bounding_box().unwrap();
    let (slo, shi) = sk.bounding_box().unwrap();
    for a in 0..3 {
        assert!(
            (lo[a] - slo[a]).abs() <= 1.5 && (hi[a] - shi[a]).abs() <= 1.5,
            "{lo:?} {hi:?} vs {slo:?} {shi:?}"
        );
    }
    // Every skimage vertex lies on our surface's grid: within a voxel of one of our vertices.
    let g = 3.0f32;
    let near = |p: [f32; 3]| {
        mesh.positions()
            .iter()
            .any(|q| (0..3).all(|a| (p[a] - q[a]).abs() <= g))
    };
    assert!(sk.positions().iter().step_by(97).all(|&p| near(p)));
}
