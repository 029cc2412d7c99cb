//! Write -> read round trips for every voxel type, oblique and left-handed geometry, `.nii`
//! and `.nii.gz`, NIfTI-1 and NIfTI-2; files written by medvol read by the `nifti` crate.

use medvol_core::{Direction, DynVolume, Frame, Geometry, Point, Volume, Voxel};
use medvol_io::Error;
use medvol_io::nifti::{self, Affine, Transform, WriteOptions};
use std::path::Path;

/// An oblique, left-handed direction (rotations about three axes, k flipped).
fn oblique() -> Direction {
    let (a, b, c) = (0.3f64, -0.45f64, 1.1f64);
    let rx = [
        [1.0, 0.0, 0.0],
        [0.0, a.cos(), -a.sin()],
        [0.0, a.sin(), a.cos()],
    ];
    let ry = [
        [b.cos(), 0.0, b.sin()],
        [0.0, 1.0, 0.0],
        [-b.sin(), 0.0, b.cos()],
    ];
    let rz = [
        [c.cos(), -c.sin(), 0.0],
        [c.sin(), c.cos(), 0.0],
        [0.0, 0.0, 1.0],
    ];
    let mul = |x: [[f64; 3]; 3], y: [[f64; 3]; 3]| {
        std::array::from_fn(|r| {
            std::array::from_fn(|col| (0..3).map(|t| x[r][t] * y[t][col]).sum())
        })
    };
    let mut m: [[f64; 3]; 3] = mul(mul(rz, ry), rx);
    for row in m.iter_mut() {
        row[2] = -row[2];
    }
    Direction::from_rows(m).unwrap()
}

/// Spacing and origin exactly representable in `f32` (NIfTI-1 stores `f32`).
fn geometry() -> Geometry {
    Geometry::new(
        [0.75, 1.25, 2.5],
        Point::new(-120.25, 37.5, -8.125),
        oblique(),
    )
    .unwrap()
}

/// A volume whose values include the type's extremes.
fn volume<T: Voxel>(g: Geometry) -> Volume<T> {
    let (lo, hi) = T::KIND.range();
    let (lo, hi) = if T::KIND.is_float() {
        (-1e30, 3.5e30)
    } else {
        (lo, hi)
    };
    Volume::from_fn([7, 5, 3], g, |ijk| {
        let n = ijk.0[0] + 7 * ijk.0[1] + 35 * ijk.0[2];
        match n % 5 {
            0 => T::from_f64_saturating(lo),
            1 => T::from_f64_saturating(hi),
            _ => T::from_f64_saturating(n as f64 * 1.5 - 20.0),
        }
    })
    .unwrap()
}

fn assert_bit_equal(a: &DynVolume, b: &DynVolume) {
    assert_eq!(a.kind(), b.kind());
    assert_eq!(a.dims(), b.dims());
    // f64 holds every voxel type exactly; compare bits so NaN-free floats must match exactly.
    let (x, y) = (a.to_f64(), b.to_f64());
    assert!(
        x.as_slice()
            .iter()
            .zip(y.as_slice())
            .all(|(p, q)| p.to_bits() == q.to_bits())
    );
}

fn check_type<T: Voxel>(dir: &Path) {
    for (ext, nifti2) in [
        ("nii", false),
        ("nii.gz", false),
        ("nii", true),
        ("nii.gz", true),
    ] {
        let v = DynVolume::from(volume::<T>(geometry()));
        let path = dir.join(format!("{}-{nifti2}.{ext}", T::KIND));
        nifti::write_with_options(&path, &v, &WriteOptions::default().with_nifti2(nifti2)).unwrap();
        let nii = nifti::read(&path).unwrap();
        assert_eq!(nii.header.version, if nifti2 { 2 } else { 1 });
        assert_eq!(nii.header.scl_slope, 1.0);
        assert_eq!((nii.header.qform_code, nii.header.sform_code), (1, 1));
        assert_eq!(nii.transform, Transform::Sform);
        assert!(nii.warnings.is_empty(), "{:?}", nii.warnings);
        assert_eq!(nii.volumes.len(), 1);
        assert_bit_equal(&nii.volumes[0], &v);
        let g = nii.volumes[0].geometry();
        assert!(
            g.approx_eq(v.geometry(), 1e-6),
            "{path:?}: {g:?} vs {:?}",
            v.geometry()
        );
        if nifti2 {
            continue; // the `nifti` crate reads NIfTI-1 only
        }
        // The qform alone, as the `nifti` crate computes it, gives the same geometry.
        let q = Affine::from(qform_of(&path)).to_lps(Frame::Ras).to_array();
        let a = v.geometry().affine().to_array();
        for r in 0..3 {
            for c in 0..4 {
                assert!(
                    (q[r][c] - a[r][c]).abs() < 1e-5,
                    "{path:?} qform {q:?} vs {a:?}"
                );
            }
        }
    }
}

/// The qform affine (RAS) as the `nifti` crate computes it.
fn qform_of(path: &Path) -> [[f64; 4]; 4] {
    let h = ::nifti::NiftiHeader::from_file(path).unwrap();
    to_affine(h.qform_affine::<f64>())
}

fn to_affine(m: impl std::ops::Index<(usize, usize), Output = f64>) -> [[f64; 4]; 4] {
    std::array::from_fn(|r| std::array::from_fn(|c| m[(r, c)]))
}

#[test]
fn every_voxel_type_round_trips_bit_equal() {
    let dir = tempfile::tempdir().unwrap();
    check_type::<u8>(dir.path());
    check_type::<i8>(dir.path());
    check_type::<u16>(dir.path());
    check_type::<i16>(dir.path());
    check_type::<u32>(dir.path());
    check_type::<i32>(dir.path());
    check_type::<f32>(dir.path());
    check_type::<f64>(dir.path());
}

#[test]
fn nifti2_keeps_f64_geometry_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let g = Geometry::new(
        [0.488_281_25, 0.488_281_3, 0.625_000_1],
        Point::new(-123.456_789, 98.765_432_1, -0.000_123),
        oblique(),
    )
    .unwrap();
    let v = DynVolume::from(volume::<i16>(g));
    let path = dir.path().join("precise.nii.gz");
    nifti::write_with_options(&path, &v, &WriteOptions::default().with_nifti2(true)).unwrap();
    let back = nifti::read_volume(&path).unwrap();
    assert!(
        back.geometry().approx_eq(&g, 1e-9),
        "{:?} vs {g:?}",
        back.geometry()
    );
}

#[test]
fn nifti_crate_reads_the_same_affine() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["nii", "nii.gz"] {
        let v = volume::<f32>(geometry());
        let path = dir.path().join(format!("affine.{ext}"));
        nifti::write(&path, &v).unwrap();
        let h = ::nifti::NiftiHeader::from_file(&path).unwrap();
        assert_eq!(h.dim[..4], [3u16, 7, 5, 3]);
        assert_eq!(h.scl_slope, 1.0);
        assert_eq!(h.vox_offset, 352.0);
        let want = v.geometry().affine().in_frame(Frame::Ras).to_array();
        for got in [
            to_affine(h.affine::<f64>()),
            to_affine(h.qform_affine::<f64>()),
        ] {
            for r in 0..4 {
                for c in 0..4 {
                    assert!(
                        (got[r][c] - want[r][c]).abs() < 1e-5,
                        "{ext}: {got:?} vs {want:?}"
                    );
                }
            }
        }
        // And the `nifti` crate's voxels are ours.
        let obj = ::nifti::ReaderOptions::new().read_file(&path).unwrap();
        use ::nifti::NiftiObject;
        let raw = obj.volume().raw_data().to_vec();
        let ours: Vec<u8> = v.as_slice().iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(raw, ours);
    }
}

#[test]
fn sheared_affine_override_goes_to_the_sform_and_its_rigid_part_to_the_qform() {
    // A gantry-tilted stack: k steps 2.5 mm along z and 0.8 mm along y (LPS), not orthogonal.
    let sheared = [
        [0.5, 0.0, 0.0, -100.0],
        [0.0, 0.5, 0.8, -80.0],
        [0.0, 0.0, 2.5, 40.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tilt.nii.gz");
    let v = DynVolume::from(volume::<i16>(Geometry::default()));
    nifti::write_with_options(&path, &v, &WriteOptions::default().with_affine_lps(sheared))
        .unwrap();

    let h = ::nifti::NiftiHeader::from_file(&path).unwrap();
    let s = to_affine(h.sform_affine::<f64>());
    let want = Affine::from(sheared).in_frame(Frame::Ras).to_array();
    for r in 0..4 {
        for c in 0..4 {
            assert!((s[r][c] - want[r][c]).abs() < 1e-5, "{s:?} vs {want:?}");
        }
    }
    let nii = nifti::read(&path).unwrap();
    // As ITK: a sheared sform is not used when a qform exists; the file says so.
    assert_eq!(nii.transform, Transform::Qform);
    assert!(
        nii.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("shear")),
        "{:?}",
        nii.warnings
    );
    let g = nii.volumes[0].geometry();
    let k_len = (0.8f64 * 0.8 + 2.5 * 2.5).sqrt();
    assert!((g.spacing()[2] - k_len).abs() < 1e-5, "{:?}", g.spacing());
    assert!((g.origin().0[1] + 80.0).abs() < 1e-4);
    // The qform's direction is orthonormal and close to the sheared axes.
    let d = g.direction().rows();
    assert!(
        (d[2][2] - 2.5 / k_len).abs() < 0.1 && d[0][0] > 0.99,
        "{d:?}"
    );
    assert_bit_equal(&nii.volumes[0], &v);
}

#[test]
fn four_d_and_nifti2_by_size() {
    let dir = tempfile::tempdir().unwrap();
    let vols: Vec<DynVolume> = (0..3)
        .map(|t| {
            DynVolume::from(
                Volume::<u16>::from_fn([4, 3, 2], geometry(), |ijk| (ijk.0[0] * 100 + t) as u16)
                    .unwrap(),
            )
        })
        .collect();
    let path = dir.path().join("fmri.nii.gz");
    nifti::write_volumes(&path, &vols, &WriteOptions::default()).unwrap();
    let nii = nifti::read(&path).unwrap();
    assert_eq!(nii.header.dim[..5], [4, 4, 3, 2, 3]);
    assert_eq!(nii.header.xyzt_units, 10);
    assert_eq!(nii.volumes, {
        let mut want = vols.clone();
        for (w, got) in want.iter_mut().zip(&nii.volumes) {
            w.set_geometry(*got.geometry());
        }
        want
    });
    let mixed = [vols[0].clone(), DynVolume::from(vols[1].cast::<i16>())];
    assert!(matches!(
        nifti::write_volumes(
            dir.path().join("mixed.nii"),
            &mixed,
            &WriteOptions::default()
        ),
        Err(Error::InconsistentSeries { .. })
    ));

    // A dimension over 32767 needs NIfTI-2.
    let long = Volume::<u8>::from_fn([40_000, 1, 2], Geometry::default(), |ijk| {
        (ijk.0[0] % 251) as u8
    })
    .unwrap();
    let path = dir.path().join("long.nii");
    nifti::write(&path, &long).unwrap();
    let nii = nifti::read(&path).unwrap();
    assert_eq!(nii.header.version, 2);
    assert_eq!(
        nii.volumes[0]
            .clone()
            .into_typed::<u8>()
            .unwrap()
            .as_slice(),
        long.as_slice()
    );
}

#[test]
fn failed_writes_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let v = volume::<u8>(Geometry::default());
    let err = nifti::write(dir.path().join("out.img"), &v).unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    let err = nifti::write(dir.path().join("missing/out.nii"), &v).unwrap_err();
    assert!(err.to_string().contains("out.nii"), "{err}");
    let bad = WriteOptions::default().with_gzip_level(12);
    let err = nifti::write_with_options(
        dir.path().join("x.nii.gz"),
        &DynVolume::from(v.clone()),
        &bad,
    )
    .unwrap_err();
    assert!(err.to_string().contains("gzip level 12"), "{err}");
    let singular = WriteOptions::default().with_affine_lps([
        [0.0; 4],
        [0.0; 4],
        [0.0; 4],
        [0.0, 0.0, 0.0, 1.0],
    ]);
    assert!(
        nifti::write_with_options(dir.path().join("s.nii"), &DynVolume::from(v), &singular)
            .is_err()
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
