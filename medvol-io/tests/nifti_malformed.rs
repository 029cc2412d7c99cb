//! A corpus of malformed NIfTI files made here: each must give an error that names the file,
//! never a panic, and never an allocation sized by a lying header.

use flate2::Compression;
use flate2::write::GzEncoder;
use medvol_core::{Geometry, Volume};
use medvol_io::nifti::{self, ReadOptions};
use medvol_io::{Error, Limits};
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A valid little-endian NIfTI-1 file of 6x5x4 i16 voxels, as bytes.
fn valid_n1() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.nii");
    let v = Volume::<i16>::from_fn([6, 5, 4], Geometry::default(), |ijk| {
        (ijk.0[0] * 7 + ijk.0[2]) as i16
    })
    .unwrap();
    nifti::write(&path, &v).unwrap();
    std::fs::read(path).unwrap()
}

/// The same volume as NIfTI-2.
fn valid_n2() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.nii");
    let v = Volume::<i16>::from_fn([6, 5, 4], Geometry::default(), |ijk| ijk.0[1] as i16).unwrap();
    nifti::write_with_options(
        &path,
        &v.into(),
        &nifti::WriteOptions::default().with_nifti2(true),
    )
    .unwrap();
    std::fs::read(path).unwrap()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn put(bytes: &mut [u8], off: usize, v: &[u8]) {
    bytes[off..off + v.len()].copy_from_slice(v);
}

/// Writes `bytes` as `name` in `dir` and reads it with `limits`; the error must name the file.
fn read_err(dir: &Path, name: &str, bytes: &[u8], limits: Limits) -> Error {
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let err = match nifti::read_with_options(&path, &ReadOptions::default().with_limits(limits)) {
        Ok(n) => panic!("{name}: read a malformed file as {:?}", n.header),
        Err(e) => e,
    };
    assert_eq!(err.path(), path, "{name}: {err}");
    assert!(
        err.to_string().contains(name),
        "{name}: message does not name the file: {err}"
    );
    err
}

fn reason(err: &Error) -> String {
    err.to_string()
}

#[test]
fn truncated_at_many_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let ok = valid_n1();
    let ok2 = valid_n2();
    for (label, bytes) in [("n1", &ok), ("n2", &ok2)] {
        for cut in [
            0,
            1,
            3,
            4,
            100,
            339,
            347,
            348,
            351,
            352,
            353,
            500,
            541,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            if cut >= bytes.len() {
                continue;
            }
            let name = format!("cut-{label}-{cut}.nii");
            let e = read_err(dir.path(), &name, &bytes[..cut], Limits::default());
            assert!(matches!(e, Error::Invalid { .. }), "{name}: {e}");
            let name = format!("cut-{label}-{cut}.nii.gz");
            let e = read_err(dir.path(), &name, &gz(&bytes[..cut]), Limits::default());
            assert!(matches!(e, Error::Invalid { .. }), "{name}: {e}");
        }
        // A truncated gzip stream (the compressed file itself cut short).
        let z = gz(bytes);
        for cut in [2, 10, z.len() / 2, z.len() - 4] {
            let name = format!("zcut-{label}-{cut}.nii.gz");
            let e = read_err(dir.path(), &name, &z[..cut], Limits::default());
            assert!(
                matches!(e, Error::Invalid { .. } | Error::Decode { .. }),
                "{name}: {e}"
            );
        }
    }
}

#[test]
fn bad_header_fields_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let ok = valid_n1();
    let cases: Vec<(&str, usize, Vec<u8>, &str)> = vec![
        ("sizeof", 0, 349i32.to_le_bytes().to_vec(), "sizeof_hdr"),
        ("magic", 344, b"n+9\0".to_vec(), "magic"),
        ("dim0-zero", 40, 0i16.to_le_bytes().to_vec(), "dim[0]"),
        ("dim0-eight", 40, 8i16.to_le_bytes().to_vec(), "dim[0]"),
        (
            "dim0-negative",
            40,
            (-3i16).to_le_bytes().to_vec(),
            "dim[0]",
        ),
        ("dim1-zero", 42, 0i16.to_le_bytes().to_vec(), "dim[1]"),
        (
            "dim2-negative",
            44,
            (-5i16).to_le_bytes().to_vec(),
            "dim[2]",
        ),
        (
            "datatype-unknown",
            70,
            999i16.to_le_bytes().to_vec(),
            "datatype",
        ),
        (
            "datatype-complex",
            70,
            32i16.to_le_bytes().to_vec(),
            "complex64",
        ),
        (
            "datatype-rgba",
            70,
            2304i16.to_le_bytes().to_vec(),
            "RGBA32",
        ),
        (
            "pixdim-nan",
            80,
            f32::NAN.to_le_bytes().to_vec(),
            "pixdim[1]",
        ),
        (
            "pixdim-negative",
            84,
            (-2.0f32).to_le_bytes().to_vec(),
            "pixdim[2]",
        ),
        (
            "pixdim-inf",
            88,
            f32::INFINITY.to_le_bytes().to_vec(),
            "pixdim[3]",
        ),
        (
            "voxoffset-inside",
            108,
            100.0f32.to_le_bytes().to_vec(),
            "vox_offset",
        ),
        (
            "voxoffset-nan",
            108,
            f32::NAN.to_le_bytes().to_vec(),
            "vox_offset",
        ),
        (
            "voxoffset-fraction",
            108,
            352.5f32.to_le_bytes().to_vec(),
            "vox_offset",
        ),
    ];
    for (label, off, value, needle) in cases {
        let mut b = ok.clone();
        put(&mut b, off, &value);
        for (name, bytes) in [
            (format!("{label}.nii"), b.clone()),
            (format!("{label}.nii.gz"), gz(&b)),
        ] {
            let e = read_err(dir.path(), &name, &bytes, Limits::default());
            assert!(reason(&e).contains(needle), "{name}: {e}");
            let want_unsupported = label == "datatype-complex" || label == "datatype-rgba";
            assert_eq!(
                matches!(e, Error::Unsupported { .. }),
                want_unsupported,
                "{name}: {e}"
            );
        }
    }
}

#[test]
fn huge_claims_fail_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let ok = valid_n1();
    // 2^40 voxels (32768 x 32768 x 1024 does not fit i16 dims: use 16384 x 16384 x 4096).
    let mut b = ok.clone();
    for (i, d) in [16_384i16, 16_384, 4_096].iter().enumerate() {
        put(&mut b, 42 + 2 * i, &d.to_le_bytes());
    }
    // Default limits refuse the voxel count itself.
    let e = read_err(dir.path(), "tera.nii", &b, Limits::default());
    assert!(
        matches!(e, Error::LimitExceeded { what: "voxels", .. }),
        "{e}"
    );
    // Without limits, the file size refuses it (an allocation would have failed or swapped).
    let e = read_err(dir.path(), "tera-unlimited.nii", &b, Limits::unlimited());
    assert!(
        reason(&e).contains("truncated") && reason(&e).contains("bytes"),
        "{e}"
    );
    let e = read_err(
        dir.path(),
        "tera-unlimited.nii.gz",
        &gz(&b),
        Limits::unlimited(),
    );
    assert!(reason(&e).contains("gzip file can hold"), "{e}");
    // A byte limit below the volume's size.
    let e = read_err(
        dir.path(),
        "small-limit.nii",
        &ok,
        Limits::default().with_max_bytes(100),
    );
    assert!(
        matches!(e, Error::LimitExceeded { what: "bytes", .. }),
        "{e}"
    );

    // NIfTI-2: dimensions whose product overflows 64 bits.
    let mut b = valid_n2();
    for i in 0..3 {
        put(&mut b, 24 + 8 * i, &(1i64 << 40).to_le_bytes());
    }
    let e = read_err(dir.path(), "overflow.nii", &b, Limits::unlimited());
    assert!(reason(&e).contains("overflow"), "{e}");
    // And 4-D: many time points of a small volume (the total, not one volume, is checked).
    let mut b = valid_n1();
    put(&mut b, 40, &4i16.to_le_bytes());
    put(&mut b, 48, &i16::MAX.to_le_bytes());
    let e = read_err(dir.path(), "many-t.nii.gz", &gz(&b), Limits::unlimited());
    assert!(reason(&e).contains("gzip file can hold"), "{e}");
    // A million one-voxel volumes in 1 MiB of u8: each volume's bookkeeping counts against
    // the byte limit, not just its voxel.
    let mut b = valid_n1()[..352].to_vec();
    put(&mut b, 40, &5i16.to_le_bytes());
    for (i, d) in [1i16, 1, 1, 1024, 1024].iter().enumerate() {
        put(&mut b, 42 + 2 * i, &d.to_le_bytes());
    }
    put(&mut b, 70, &2i16.to_le_bytes()); // datatype u8
    put(&mut b, 72, &8i16.to_le_bytes());
    b.resize(352 + (1 << 20), 0);
    let e = read_err(
        dir.path(),
        "million-t.nii",
        &b,
        Limits::default().with_max_bytes(1 << 24),
    );
    assert!(
        matches!(e, Error::LimitExceeded { what: "bytes", .. }),
        "{e}"
    );
}

#[test]
fn corrupt_gzip_and_missing_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = gz(&valid_n1());
    let mid = z.len() / 2;
    for b in &mut z[20..mid] {
        *b ^= 0x5a;
    }
    let e = read_err(dir.path(), "corrupt.nii.gz", &z, Limits::default());
    assert!(
        matches!(e, Error::Decode { .. } | Error::Invalid { .. }),
        "{e}"
    );

    let mut hdr = valid_n1()[..348].to_vec();
    put(&mut hdr, 344, b"ni1\0");
    put(&mut hdr, 108, &0.0f32.to_le_bytes());
    let path = dir.path().join("lonely.hdr");
    std::fs::write(&path, &hdr).unwrap();
    let e = nifti::read(&path).unwrap_err();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("lonely.img"),
        "{e}"
    );
    // With its image, the pair reads.
    std::fs::write(dir.path().join("lonely.img"), &valid_n1()[352..]).unwrap();
    let nii = nifti::read(&path).unwrap();
    assert_eq!(nii.volumes[0].dims(), [6, 5, 4]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Random header bytes never panic, and whatever reads is within the limits.
    #[test]
    fn random_header_corruption_never_panics(
        edits in proptest::collection::vec((0usize..352, any::<u8>()), 1..8),
        n2 in any::<bool>(),
        zipped in any::<bool>(),
    ) {
        let mut b = if n2 { valid_n2() } else { valid_n1() };
        for (off, v) in edits {
            b[off] = v;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if zipped { "fuzz.nii.gz" } else { "fuzz.nii" });
        std::fs::write(&path, if zipped { gz(&b) } else { b }).unwrap();
        let limits = Limits::default().with_max_bytes(1 << 24);
        match nifti::read_with_options(&path, &ReadOptions::default().with_limits(limits)) {
            Ok(n) => prop_assert!(n.volumes.iter().all(|v| v.dims().iter().product::<usize>() < 1 << 24)),
            Err(e) => prop_assert!(e.to_string().contains("fuzz.nii")),
        }
    }
}
