//! Marching cubes on analytic shapes (known area, volume and genus), random fields, oblique and
//! left-handed geometries, degenerate levels, regions, masks, ISAs and thread counts.

use medvol_core::phantom::{Cuboid, HeadPhantom, Shape, Sphere, Torus};
use medvol_core::{ContinuousIndex, Direction, Geometry, Ijk, Isa, Point, Region, Volume, par};
use medvol_mesh::{Error, Frame, MarchingCubes, Mesh};

/// An oblique geometry centred on `centre`: rotations about two axes.
fn oblique(spacing: [f64; 3], dims: [usize; 3], centre: Point, left_handed: bool) -> Geometry {
    let (s, c) = 0.5f64.sin_cos();
    let (s2, c2) = 0.3f64.sin_cos();
    let ry = [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]];
    let rz = [[c2, -s2, 0.0], [s2, c2, 0.0], [0.0, 0.0, 1.0]];
    let mut m = [[0.0; 3]; 3];
    for r in 0..3 {
        for col in 0..3 {
            m[r][col] = (0..3).map(|x| rz[r][x] * ry[x][col]).sum();
        }
    }
    if left_handed {
        (0..3).for_each(|r| m[r][2] = -m[r][2]);
    }
    let g = Geometry::new(spacing, Point::ORIGIN, Direction::from_rows(m).unwrap()).unwrap();
    let mid = g.index_to_physical(ContinuousIndex(dims.map(|n| (n - 1) as f64 / 2.0)));
    g.with_origin(Point([0, 1, 2].map(|a| centre.0[a] - mid.0[a])))
        .unwrap()
}

/// Closed, manifold, consistently oriented, no zero-area triangle.
fn assert_watertight(mesh: &Mesh) {
    let e = mesh.edge_report();
    assert!(e.is_closed_manifold(), "{e:?}");
    for f in 0..mesh.triangle_count() {
        assert!(
            mesh.triangle_area_mm2(f) > 0.0,
            "triangle {f} has zero area"
        );
    }
}

/// Checks area and volume against the shape within relative tolerances, the topology against
/// its genus, and that normals point outwards (positive volume).
fn check_shape(
    shape: &impl Shape,
    dims: [usize; 3],
    g: Geometry,
    area_tol: f64,
    volume_tol: f64,
) -> Mesh {
    let vol = shape.distance_volume(dims, g).unwrap();
    let mesh = MarchingCubes::new(0.0).unwrap().run(&vol).unwrap();
    assert_watertight(&mesh);
    assert_eq!(
        mesh.euler_characteristic(),
        2 - 2 * i64::from(shape.genus())
    );
    assert_eq!(mesh.components().len(), 1);
    let area_err = mesh.area_mm2() / shape.area_mm2() - 1.0;
    let vol_err = mesh.signed_volume_mm3() / shape.volume_mm3() - 1.0;
    assert!(area_err.abs() < area_tol, "area error {area_err}");
    assert!(vol_err.abs() < volume_tol, "volume error {vol_err}");
    mesh
}

#[test]
fn sphere_axial_and_oblique() {
    let ball = Sphere {
        center: Point::new(1.0, -2.0, 0.5),
        radius_mm: 12.0,
    };
    // Marching cubes on a sampled distance field: the secant surface lies inside the sphere,
    // so area and volume are slightly low; the error shrinks as (spacing / radius)^2.
    let axial = Geometry::new(
        [1.0, 1.1, 1.2],
        Point::new(-16.0, -20.0, -17.0),
        Direction::IDENTITY,
    )
    .unwrap();
    let m = check_shape(&ball, [36, 36, 30], axial, 0.01, 0.01);
    assert!(m.signed_volume_mm3() < ball.volume_mm3());
    for left_handed in [false, true] {
        let g = oblique([0.9, 1.0, 1.3], [40, 40, 34], ball.center, left_handed);
        let m = check_shape(&ball, [40, 40, 34], g, 0.01, 0.01);
        // Bounding box in LPS within one voxel of the sphere's.
        let (lo, hi) = m.bounding_box().unwrap();
        for a in 0..3 {
            assert!((lo[a] - (ball.center.0[a] - 12.0)).abs() < 0.7, "{lo:?}");
            assert!((hi[a] - (ball.center.0[a] + 12.0)).abs() < 0.7, "{hi:?}");
        }
    }
}

#[test]
fn torus_has_genus_one() {
    let t = Torus {
        center: Point::new(0.3, 0.2, -0.1),
        major_radius_mm: 14.0,
        minor_radius_mm: 5.0,
    };
    let g = oblique([0.8, 0.8, 0.9], [52, 52, 52], t.center, false);
    let m = check_shape(&t, [52, 52, 52], g, 0.01, 0.015);
    assert_eq!(m.euler_characteristic(), 0);
}

#[test]
fn cuboid_on_an_oblique_grid() {
    let b = Cuboid {
        center: Point::new(0.5, -0.5, 1.0),
        half_extent_mm: [10.0, 7.0, 5.0],
    };
    // Sharp edges are chamfered by the sampling: each loses at most a strip of (2 - √2) times
    // its length times the largest spacing; corners and faces are close to exact.
    let g = oblique([0.7, 0.7, 0.8], [50, 50, 50], b.center, true);
    let edges_mm = 8.0 * b.half_extent_mm.iter().sum::<f64>();
    let chamfer = edges_mm * 0.8 * (2.0 - 2f64.sqrt()) / b.area_mm2();
    let m = check_shape(&b, [50, 50, 50], g, chamfer, 0.02);
    assert!(m.area_mm2() < b.area_mm2());
}

#[test]
fn vertices_follow_the_geometry() {
    // A sphere meshed on two grids: an axial one, and the same voxels with another direction
    // and origin. Every vertex maps through the geometry: the two meshes differ by the rigid
    // motion between the grids, face for face.
    let ball = Sphere {
        center: Point::ORIGIN,
        radius_mm: 6.0,
    };
    let axial = Geometry::new(
        [0.8, 0.9, 1.0],
        Point::new(-8.0, -9.0, -10.0),
        Direction::IDENTITY,
    )
    .unwrap();
    let vol = ball.distance_volume([21, 21, 21], axial).unwrap();
    let a = MarchingCubes::new(0.0).unwrap().run(&vol).unwrap();
    let rotated = oblique(
        [0.8, 0.9, 1.0],
        [21, 21, 21],
        Point::new(5.0, 6.0, 7.0),
        false,
    );
    let b = MarchingCubes::new(0.0)
        .unwrap()
        .run(&vol.clone().with_geometry(rotated))
        .unwrap();
    assert_eq!(a.faces(), b.faces());
    for (pa, pb) in a.positions().iter().zip(b.positions()) {
        let idx = axial.physical_to_index(Point(pa.map(f64::from)));
        let expect = rotated.index_to_physical(idx);
        for (e, q) in expect.0.iter().zip(pb) {
            assert!((e - f64::from(*q)).abs() < 1e-4);
        }
    }
    // RAS negates x and y, nothing else.
    let r = MarchingCubes::new(0.0)
        .unwrap()
        .with_frame(Frame::Ras)
        .run(&vol)
        .unwrap();
    assert_eq!(r.frame(), Frame::Ras);
    assert_eq!(r.clone().into_frame(Frame::Lps), a);
    assert!((r.signed_volume_mm3() - a.signed_volume_mm3()).abs() < 1e-6 * a.signed_volume_mm3());
}

/// A deterministic pseudo-random value in [0, 1).
fn hash01(seed: u64, i: usize) -> f64 {
    let mut z = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn random_fields_are_watertight_with_a_closed_border() {
    // White noise makes every ambiguous configuration, many times.
    for seed in 0..6 {
        let dims = [13 + seed as usize, 11, 9 + (seed as usize % 3)];
        let mut i = 0;
        let vol = Volume::from_fn(dims, Geometry::default(), |_| {
            i += 1;
            (hash01(seed, i) * 100.0) as i16
        })
        .unwrap();
        for level in [20.0, 50.0, 80.0] {
            let mesh = MarchingCubes::new(level)
                .unwrap()
                .with_close_border(true)
                .run(&vol)
                .unwrap();
            assert_watertight(&mesh);
            assert!(mesh.signed_volume_mm3() > 0.0);
            // Open border: boundary edges only on the border faces of the grid.
            let open = MarchingCubes::new(level)
                .unwrap()
                .with_close_border(false)
                .run(&vol)
                .unwrap();
            let e = open.edge_report();
            assert_eq!((e.non_manifold_edges, e.misoriented_edges), (0, 0));
            let on_border =
                |p: [f32; 3]| (0..3).any(|a| p[a] == 0.0 || p[a] == (dims[a] - 1) as f32);
            let mut directed = std::collections::HashMap::new();
            for f in open.faces() {
                for s in 0..3 {
                    let key = (f[s].min(f[(s + 1) % 3]), f[s].max(f[(s + 1) % 3]));
                    *directed.entry(key).or_insert(0) += 1;
                }
            }
            for ((a, b), n) in directed {
                if n == 1 {
                    let (pa, pb) = (open.positions()[a as usize], open.positions()[b as usize]);
                    // Both ends of a boundary edge lie on one border plane.
                    assert!(on_border(pa) && on_border(pb), "{pa:?} {pb:?}");
                }
            }
        }
    }
}

#[test]
fn levels_equal_to_voxel_values_make_no_flat_triangles() {
    // Integer data at an integer level: many voxels sit exactly on the level. Their vertices
    // are kept 1/64 voxel off the grid point (EDGE_CLAMP), so no triangle collapses.
    let mut i = 0;
    let vol = Volume::from_fn([12, 12, 12], Geometry::default(), |ijk: Ijk| {
        i += 1;
        if ijk.0.iter().any(|&x| x == 0 || x == 11) {
            0u8
        } else {
            (hash01(99, i) * 4.0) as u8
        }
    })
    .unwrap();
    let exact = vol.as_slice().iter().filter(|&&v| v == 2).count();
    assert!(exact > 200);
    let mesh = MarchingCubes::new(2.0).unwrap().run(&vol).unwrap();
    assert_watertight(&mesh);
    // A vertex of a voxel equal to the level sits EDGE_CLAMP from it, never on it.
    let on_grid = mesh
        .positions()
        .iter()
        .filter(|p| p.iter().all(|x| x.fract() == 0.0))
        .count();
    assert_eq!(on_grid, 0);
    let near_grid = mesh
        .positions()
        .iter()
        .filter(|p| {
            p.iter()
                .any(|x| (x - x.round()).abs() == medvol_mesh::EDGE_CLAMP as f32)
        })
        .count();
    assert!(near_grid > 100, "{near_grid}");
}

#[test]
fn output_is_the_same_for_every_isa_and_thread_count() {
    let ct = HeadPhantom::new([70, 66, 40], [3.0, 3.0, 4.0])
        .unwrap()
        .with_noise(3, 40.0)
        .generate();
    let reference = MarchingCubes::new(300.0)
        .unwrap()
        .with_isa(Isa::Scalar)
        .with_normals(true)
        .run(&ct)
        .unwrap();
    assert!(reference.triangle_count() > 5000);
    for &isa in Isa::available() {
        let m = MarchingCubes::new(300.0)
            .unwrap()
            .with_isa(isa)
            .with_normals(true)
            .run(&ct)
            .unwrap();
        assert_eq!(m, reference, "{isa:?}");
    }
    for threads in [1, 2, 3] {
        let m = par::with_threads(threads, || {
            MarchingCubes::new(300.0)
                .unwrap()
                .with_normals(true)
                .run(&ct)
                .unwrap()
        });
        assert_eq!(m, reference, "{threads} threads");
    }
    // Other voxel types give the same surface as i16 at a level between integers.
    let f = MarchingCubes::new(300.0)
        .unwrap()
        .run(&ct.cast::<f32>())
        .unwrap();
    let i = MarchingCubes::new(300.0)
        .unwrap()
        .run(&ct.cast::<i32>())
        .unwrap();
    let reference = MarchingCubes::new(300.0).unwrap().run(&ct).unwrap();
    assert_eq!(f, reference);
    assert_eq!(i, reference);
    let half = MarchingCubes::new(299.5).unwrap().run(&ct).unwrap();
    assert_eq!(half.faces(), reference.faces());
}

#[test]
fn f32_fields_are_the_same_for_every_isa_and_thread_count() {
    // A real-valued field as filters produce it: the noisy phantom scaled and averaged with its
    // neighbour along i (no value on an integer grid), NaN voxels included (outside).
    let ct = HeadPhantom::new([70, 66, 40], [3.0, 3.0, 4.0])
        .unwrap()
        .with_noise(5, 60.0)
        .generate();
    let f = ct.cast::<f32>();
    let [nx, _, _] = f.dims();
    let mut smooth = f.clone();
    for (x, v) in smooth.as_slice_mut().iter_mut().enumerate() {
        let next = f.as_slice()[if (x + 1) % nx == 0 { x } else { x + 1 }];
        *v = (*v * 0.37 + next * 0.63) * 1.013 + 0.25;
        if x % 997 == 0 {
            *v = f32::NAN;
        }
    }
    let mc = MarchingCubes::new(301.7).unwrap().with_normals(true);
    let reference = mc.with_isa(Isa::Scalar).run(&smooth).unwrap();
    assert!(reference.triangle_count() > 5000);
    for &isa in Isa::available() {
        assert_eq!(mc.with_isa(isa).run(&smooth).unwrap(), reference, "{isa:?}");
    }
    for threads in [1, 2, 3] {
        let m = par::with_threads(threads, || mc.run(&smooth).unwrap());
        assert_eq!(m, reference, "{threads} threads");
    }
}

#[test]
fn normals_point_outwards() {
    let ball = Sphere {
        center: Point::new(0.2, 0.1, -0.3),
        radius_mm: 7.0,
    };
    let g = oblique([0.7, 0.8, 0.9], [26, 26, 26], ball.center, true);
    let vol = ball.distance_volume([26, 26, 26], g).unwrap();
    let m = MarchingCubes::new(0.0)
        .unwrap()
        .with_normals(true)
        .run(&vol)
        .unwrap();
    for (p, n) in m.positions().iter().zip(m.normals().unwrap()) {
        let radial = [0, 1, 2].map(|a| f64::from(p[a]) - ball.center.0[a]);
        let r = (radial.iter().map(|x| x * x).sum::<f64>()).sqrt();
        let cos: f64 = (0..3).map(|a| radial[a] / r * f64::from(n[a])).sum();
        assert!(cos > 0.98, "normal {n:?} at {p:?}");
    }
    // Face normals too: each triangle faces away from the centre.
    for f in m.faces() {
        let p = f.map(|v| m.positions()[v as usize].map(f64::from));
        let u = [0, 1, 2].map(|a| p[1][a] - p[0][a]);
        let v = [0, 1, 2].map(|a| p[2][a] - p[0][a]);
        let n = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        let c: f64 = (0..3).map(|a| n[a] * (p[0][a] - ball.center.0[a])).sum();
        assert!(c > 0.0);
    }
}

#[test]
fn region_mask_and_closed_border() {
    let ball = Sphere {
        center: Point::ORIGIN,
        radius_mm: 8.0,
    };
    let g = Geometry::new(
        [1.0; 3],
        Point::new(-12.0, -12.0, -12.0),
        Direction::IDENTITY,
    )
    .unwrap();
    let vol = ball.distance_volume([25, 25, 25], g).unwrap();
    let whole = MarchingCubes::new(0.0).unwrap().run(&vol).unwrap();
    // A region holding the sphere gives the same triangles.
    let region = Region::new(Ijk::new(2, 3, 2), [21, 20, 22]);
    let part = MarchingCubes::new(0.0)
        .unwrap()
        .with_region(region)
        .run(&vol)
        .unwrap();
    assert!((part.area_mm2() - whole.area_mm2()).abs() < 1e-6 * whole.area_mm2());
    assert_eq!(part.triangle_count(), whole.triangle_count());
    // Half the sphere, closed at the cut: a closed surface of half the volume.
    let half = Region::new(Ijk::new(0, 0, 0), [25, 25, 13]);
    let open = MarchingCubes::new(0.0)
        .unwrap()
        .with_region(half)
        .with_close_border(false)
        .run(&vol)
        .unwrap();
    assert!(open.edge_report().boundary_edges > 0);
    assert_eq!(open.enclosed_volume_mm3(), None);
    let closed = MarchingCubes::new(0.0)
        .unwrap()
        .with_region(half)
        .with_close_border(true)
        .run(&vol)
        .unwrap();
    assert_watertight(&closed);
    let ratio = closed.signed_volume_mm3() / whole.signed_volume_mm3();
    assert!((ratio - 0.5).abs() < 0.03, "{ratio}");
    // A mask keeping the upper half (k >= 12) does the same from the other side.
    let mask = Volume::from_fn([25, 25, 25], g, |ijk: Ijk| u8::from(ijk.k() >= 12)).unwrap();
    let masked = MarchingCubes::new(0.0)
        .unwrap()
        .with_mask(&mask)
        .run(&vol)
        .unwrap();
    assert_watertight(&masked);
    let ratio = masked.signed_volume_mm3() / whole.signed_volume_mm3();
    assert!((ratio - 0.5).abs() < 0.05, "{ratio}");
    // Bad parameters.
    assert!(MarchingCubes::new(f64::NAN).is_err());
    assert!(
        MarchingCubes::new(0.0)
            .unwrap()
            .with_region(Region::new(Ijk::new(20, 0, 0), [6, 2, 2]))
            .run(&vol)
            .is_err()
    );
    let small = Volume::<u8>::zeros([3, 3, 3], g).unwrap();
    assert!(
        MarchingCubes::new(0.0)
            .unwrap()
            .with_mask(&small)
            .run(&vol)
            .is_err()
    );
    // Levels outside the values (above the type's range too) and flat volumes: an error that
    // gives the range, never an empty mesh or the grid's box (issue 23).
    for (level, mc) in [
        (300.0, MarchingCubes::new(300.0).unwrap()),
        (-1.0, MarchingCubes::new(-1.0).unwrap()),
        (
            0.0,
            MarchingCubes::new(0.0).unwrap().with_close_border(false),
        ),
    ] {
        match mc.run(&small) {
            Err(Error::LevelOutOfRange { level: l, min, max }) => {
                assert_eq!((l, min, max), (level, 0.0, 0.0));
            }
            other => panic!("level {level}: {other:?}"),
        }
    }
    let message = MarchingCubes::new(5000.0)
        .unwrap()
        .run(&vol)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("5000") && message.contains(" to "),
        "{message}"
    );
    let nan = Volume::<f32>::filled([3, 3, 3], f32::NAN, g).unwrap();
    assert!(matches!(
        MarchingCubes::new(0.0).unwrap().run(&nan),
        Err(Error::LevelOutOfRange { .. })
    ));
    // A single slice: closed by default, nothing within the grid when left open.
    let mut slice = Volume::<u8>::zeros([4, 4, 1], g).unwrap();
    slice[Ijk::new(1, 2, 0)] = 9;
    assert_watertight(&MarchingCubes::new(5.0).unwrap().run(&slice).unwrap());
    assert!(
        MarchingCubes::new(5.0)
            .unwrap()
            .with_close_border(false)
            .run(&slice)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn head_phantom_surfaces_are_closed() {
    let ct = HeadPhantom::new([64, 64, 48], [3.5, 3.5, 4.5])
        .unwrap()
        .generate();
    for level in [300.0, -500.0] {
        let m = MarchingCubes::new(level)
            .unwrap()
            .with_close_border(true)
            .run(&ct)
            .unwrap();
        assert_watertight(&m);
        assert!(m.signed_volume_mm3() > 0.0);
        let largest = m.largest_component();
        assert!(largest.triangle_count() * 2 > m.triangle_count());
        assert_watertight(&largest);
    }
}

/// Asserts that the mesh has a normal per vertex, each of unit length and on the outer side of
/// the vertex's triangles (a positive dot product with the area-weighted normal of the faces
/// around it, as wound); returns those area-weighted face normals.
fn assert_normals_follow_faces(mesh: &Mesh) -> Vec<[f64; 3]> {
    let p = mesh.positions();
    let normals = mesh.normals().expect("normals");
    assert_eq!(normals.len(), p.len());
    assert!(!p.is_empty());
    let mut around = vec![[0f64; 3]; p.len()];
    for f in mesh.faces() {
        let q = f.map(|v| p[v as usize].map(f64::from));
        let u = [0, 1, 2].map(|a| q[1][a] - q[0][a]);
        let w = [0, 1, 2].map(|a| q[2][a] - q[0][a]);
        let c = [
            u[1] * w[2] - u[2] * w[1],
            u[2] * w[0] - u[0] * w[2],
            u[0] * w[1] - u[1] * w[0],
        ];
        for &v in f {
            (0..3).for_each(|a| around[v as usize][a] += c[a]);
        }
    }
    for (v, (n, a)) in normals.iter().zip(&around).enumerate() {
        let n = n.map(f64::from);
        let len = n.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(
            (len - 1.0).abs() < 1e-5,
            "vertex {v} at {:?}: normal {n:?}",
            p[v]
        );
        let dot: f64 = (0..3).map(|x| n[x] * a[x]).sum();
        assert!(
            dot > 0.0,
            "vertex {v} at {:?}: normal {n:?} against its faces {a:?}",
            p[v]
        );
    }
    around
}

#[test]
fn normals_on_closed_borders_point_out_of_the_caps() {
    let mc = MarchingCubes::new(2.5)
        .unwrap()
        .with_close_border(true)
        .with_normals(true);
    // A ramp along i: the surface is the plane i = 2.5 plus the caps closing the inside.
    let ramp = Volume::<f32>::from_fn([6, 6, 6], Geometry::default(), |p| p.i() as f32).unwrap();
    let m = mc.run(&ramp).unwrap();
    assert_watertight(&m);
    assert_normals_follow_faces(&m);
    let mut caps = 0;
    for (p, n) in m.positions().iter().zip(m.normals().unwrap()) {
        // Vertices between the border voxels and the padding: the normal leaves the volume.
        for a in 0..3 {
            for (edge, out) in [(0.0, -1.0), (5.0, 1.0)] {
                if (p[a] - edge) * out > 0.0 && p[0] > 2.5 {
                    caps += 1;
                    assert!(n[a] * out > 0.5, "normal {n:?} at {p:?}");
                }
            }
        }
        if p[0] < 2.6 && (1.0..=4.0).contains(&p[1]) && (1.0..=4.0).contains(&p[2]) {
            assert!(n[0] < -0.99, "normal {n:?} on the plane at {p:?}");
        }
    }
    assert!(caps > 50, "{caps}");

    // Every voxel at the level: the surface would be only the grid's box, refused.
    let level = Volume::<f32>::filled([4, 4, 4], 3.0, Geometry::default()).unwrap();
    assert!(matches!(
        MarchingCubes::new(3.0).unwrap().run(&level),
        Err(Error::LevelOutOfRange {
            min: 3.0,
            max: 3.0,
            ..
        })
    ));
}

#[test]
fn normals_on_a_closed_slab_one_voxel_thick() {
    let g = Geometry::new(
        [0.7, 1.3, 2.1],
        Point::new(1.0, 2.0, 3.0),
        Direction::default(),
    )
    .unwrap();
    let mc = MarchingCubes::new(14.5)
        .unwrap()
        .with_close_border(true)
        .with_normals(true);
    // A smooth bump in the (i, k) plane: a disc-shaped island, closed above and below.
    let bump = Volume::<f32>::from_fn([17, 1, 9], g, |p| {
        20.0 - ((p.i() as f32 - 8.0).powi(2) + (p.k() as f32 - 4.0).powi(2)).sqrt()
    })
    .unwrap();
    let m = mc.run(&bump).unwrap();
    assert_watertight(&m);
    assert_normals_follow_faces(&m);
    // A field without smoothness: central differences in the plane of the slab may disagree
    // with the triangles there, but the caps (off the plane y = 2) must face out of it.
    let noise =
        Volume::<f32>::from_fn([17, 1, 9], g, |p| ((p.i() * 7 + p.k() * 29) % 11) as f32).unwrap();
    let m = MarchingCubes::new(2.5)
        .unwrap()
        .with_close_border(true)
        .with_normals(true)
        .run(&noise)
        .unwrap();
    assert_watertight(&m);
    let mut caps = 0;
    for (p, n) in m.positions().iter().zip(m.normals().unwrap()) {
        let len: f32 = n.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((len - 1.0).abs() < 1e-5, "normal {n:?} at {p:?}");
        if (p[1] - 2.0).abs() > 1e-3 {
            caps += 1;
            assert!(n[1] * (p[1] - 2.0) > 0.0, "normal {n:?} at {p:?}");
        }
    }
    assert!(caps > 100, "{caps}");
}

#[test]
fn normals_of_a_sphere_cut_by_the_border_on_an_oblique_left_handed_grid() {
    let dims = [24, 24, 24];
    let g = oblique([0.7, 0.8, 0.9], dims, Point::new(3.0, -2.0, 1.0), true);
    assert!(g.direction().determinant() < 0.0);
    // The ball pokes out of the grid past i = 23 and below k = 0.
    let ball = Sphere {
        center: g.index_to_physical(ContinuousIndex::new(17.0, 11.5, 4.0)),
        radius_mm: 8.0,
    };
    let vol = ball.distance_volume(dims, g).unwrap();
    let mc = MarchingCubes::new(0.0)
        .unwrap()
        .with_close_border(true)
        .with_normals(true);
    let m = mc.run(&vol).unwrap();
    assert_watertight(&m);
    assert_eq!(m.euler_characteristic(), 2);
    assert!(m.signed_volume_mm3() > 0.0);
    assert_normals_follow_faces(&m);
    let axis = |a: usize| g.direction().axis(a).0;
    let (mut caps, mut sphere) = ([0, 0], 0);
    for (p, n) in m.positions().iter().zip(m.normals().unwrap()) {
        let n = n.map(f64::from);
        let x = g.physical_to_index(Point(p.map(f64::from))).0;
        // Cap vertices lie between the border voxels and the padding; away from the rim and
        // from the other cap their normal is the outward axis of the cut.
        for (cap, a, out) in [(0, 0, 1.0), (1, 2, -1.0)] {
            let beyond = if out > 0.0 { x[a] > 23.0 } else { x[a] < 0.0 };
            if beyond {
                caps[cap] += 1;
                let cos: f64 = (0..3).map(|r| n[r] * out * axis(a)[r]).sum();
                let r = ball.center.distance(Point(p.map(f64::from)));
                assert!(cos > 0.0, "normal {n:?} at {x:?}");
                let inner = (0..3).all(|b| b == a || (1.0..=22.0).contains(&x[b]));
                if inner && r < ball.radius_mm - 2.0 {
                    assert!(cos > 0.9, "normal {n:?} at {x:?}, {r} mm from the centre");
                }
            }
        }
        // Far from the border the normal is the sphere's, as without closing.
        if x.iter().all(|&c| (2.0..=21.0).contains(&c)) {
            sphere += 1;
            let radial = [0, 1, 2].map(|a| f64::from(p[a]) - ball.center.0[a]);
            let r = radial.iter().map(|v| v * v).sum::<f64>().sqrt();
            let cos: f64 = (0..3).map(|a| radial[a] / r * n[a]).sum();
            assert!(cos > 0.98, "normal {n:?} at {x:?}");
        }
    }
    assert!(
        caps.iter().all(|&c| c > 30) && sphere > 300,
        "{caps:?} {sphere}"
    );
    // Scalar, SIMD and every thread count agree bit for bit, in either frame.
    for mc in [mc, mc.with_frame(Frame::Ras)] {
        let reference = mc.with_isa(Isa::Scalar).run(&vol).unwrap();
        assert_normals_follow_faces(&reference);
        for &isa in Isa::available() {
            assert_eq!(mc.with_isa(isa).run(&vol).unwrap(), reference, "{isa:?}");
        }
        for threads in [1, 2, 3] {
            let m = par::with_threads(threads, || mc.run(&vol).unwrap());
            assert_eq!(m, reference, "{threads} threads");
        }
    }
}

#[test]
fn normals_next_to_nan_voxels_follow_the_faces() {
    // NaN voxels are outside and have no gradient: their neighbours' vertices take the normal
    // of their triangles. Also in a region, open and closed.
    let ball = Sphere {
        center: Point::new(0.5, -0.5, 0.25),
        radius_mm: 6.0,
    };
    let g = oblique([0.9, 1.0, 1.1], [18, 18, 18], ball.center, false);
    let mut vol = ball.distance_volume([18, 18, 18], g).unwrap();
    for (x, v) in vol.as_slice_mut().iter_mut().enumerate() {
        if x % 37 == 0 {
            *v = f32::NAN;
        }
    }
    let region = Region::new(Ijk::new(3, 1, 2), [12, 15, 9]);
    for mc in [
        MarchingCubes::new(0.0).unwrap().with_close_border(false),
        MarchingCubes::new(0.0).unwrap(),
        MarchingCubes::new(0.0)
            .unwrap()
            .with_region(region)
            .with_close_border(false),
        MarchingCubes::new(0.0).unwrap().with_region(region),
    ] {
        let m = mc.with_normals(true).run(&vol).unwrap();
        assert_normals_follow_faces(&m);
        assert_eq!(m.positions(), mc.run(&vol).unwrap().positions());
    }
}
