//! `Geometry::affine` against SimpleITK's index-to-physical convention
//! (`physical = origin + D · diag(spacing) · index`, `D` row-major from `GetDirection()`),
//! on an oblique, anisotropic, left-handed grid. The reference points come from SimpleITK
//! itself: `data/affine_sitk.json`, written by `data/affine_sitk.py` (its header gives the
//! command).

use medvol_core::{ContinuousIndex, Direction, Frame, Geometry, Point};
use serde_json::Value;

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[test]
fn geometry_affine_maps_indices_as_simpleitk_does() {
    let text = include_str!("data/affine_sitk.json");
    let reference: Value = serde_json::from_str(text).unwrap();
    let spacing: [f64; 3] = numbers(&reference["spacing"]).try_into().unwrap();
    let origin: [f64; 3] = numbers(&reference["origin"]).try_into().unwrap();
    let direction: [f64; 9] = numbers(&reference["direction"]).try_into().unwrap();
    let g = Geometry::new(
        spacing,
        Point(origin),
        Direction::from_row_major(direction).unwrap(),
    )
    .unwrap();
    assert!(g.direction().determinant() < 0.0, "the case is left-handed");
    let a = g.affine();
    let indices = reference["indices"].as_array().unwrap();
    let points = reference["points"].as_array().unwrap();
    assert_eq!(indices.len(), 6);
    for (idx, want) in indices.iter().zip(points) {
        let idx = ContinuousIndex(numbers(idx).try_into().unwrap());
        let want = Point(numbers(want).try_into().unwrap());
        let got = a.apply_index(idx);
        assert!(
            got.distance(want) < 1e-9,
            "{idx:?}: {got:?} vs SimpleITK {want:?}"
        );
        assert!(g.index_to_physical(idx).distance(got) < 1e-12);
        // RAS is the same point with x and y negated.
        let ras = a.in_frame(Frame::Ras).apply_index(idx);
        assert_eq!(ras, Point::new(-got.0[0], -got.0[1], got.0[2]));
    }
    // Column c of the affine is SimpleITK's direction column c times spacing c.
    let m = a.to_array();
    for r in 0..3 {
        for c in 0..3 {
            assert!((m[r][c] - direction[3 * r + c] * spacing[c]).abs() < 1e-15);
        }
        assert_eq!(m[r][3], origin[r]);
    }
    assert_eq!(m[3], [0.0, 0.0, 0.0, 1.0]);
    // And back: the grid SimpleITK describes.
    let back = Geometry::from_affine(&a).unwrap();
    assert!(back.approx_eq(&g, 1e-12), "{back:?}");
}
