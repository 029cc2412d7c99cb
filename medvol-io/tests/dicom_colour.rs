//! Colour images: the Siemens XA30 colour FA map of dcm2niix's validation corpus
//! (`shared/data/dcmqa/dcm_qa_xa30/In/14_DWI_dir80_PA`, enhanced MR, 8-bit RGB) read as an
//! [`Rgb8`] volume, checked corner by corner and voxel by voxel against dcm2niix's RGB24
//! reference (`Ref/14_DWI_dir80_PA.nii.gz`, read with medvol's NIfTI reader), and RGB24 NIfTI
//! written and read back.

use medvol_core::{DynVolume, Geometry, Ijk, Point, Rgb8, Volume, VoxelKind};
use medvol_io::dicom::{ReadOptions, ScanOptions, scan};
use medvol_io::nifti;

#[allow(dead_code)] // `usizes` is for the other test files
mod common;
use common::data_dir;

fn colour_fa() -> medvol_io::dicom::DicomVolume {
    let dir = data_dir().join("dcmqa/dcm_qa_xa30/In/14_DWI_dir80_PA");
    let report = scan(dir, &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 1, "{:?}", report.skipped);
    report.read(0, &ReadOptions::default()).unwrap()
}

#[test]
fn colour_fa_map_matches_dcm2niix_rgb24() {
    let ours = colour_fa();
    assert_eq!(ours.volume.kind(), VoxelKind::Rgb8);
    let DynVolume::Rgb8(ours) = ours.volume else {
        panic!("colour reads as Rgb8")
    };
    let reference = data_dir().join("dcmqa/dcm_qa_xa30/Ref/14_DWI_dir80_PA.nii.gz");
    let theirs = nifti::read(reference).unwrap();
    assert_eq!(theirs.header.datatype.code(), 128);
    assert_eq!(theirs.volumes.len(), 1);
    let DynVolume::Rgb8(theirs) = &theirs.volumes[0] else {
        panic!("RGB24 NIfTI reads as Rgb8")
    };
    let dims = ours.dims();
    assert_eq!(dims, [72, 72, 39]);
    assert_eq!(theirs.dims(), dims);
    let (g, wg) = (ours.geometry(), theirs.geometry());
    let corners = |g: &Geometry| g.corners(dims);
    let d = corners(g)
        .iter()
        .map(|p| {
            corners(wg)
                .iter()
                .map(|q| (*p - *q).norm())
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max);
    assert!(d <= 1e-3, "corners {d} mm apart");
    // Every voxel equals dcm2niix's voxel at the same world point, and the map is not empty.
    let mut coloured = 0;
    for (n, value) in ours.as_slice().iter().enumerate() {
        let ijk = Ijk([
            n % dims[0],
            (n / dims[0]) % dims[1],
            n / (dims[0] * dims[1]),
        ]);
        let c = wg.physical_to_index(g.ijk_to_physical(ijk)).0;
        assert!(c.iter().all(|x| (x - x.round()).abs() < 1e-3), "{ijk:?}");
        let at = Ijk(c.map(|x| x.round() as usize));
        assert_eq!(theirs.get(at), Some(*value), "{ijk:?}");
        coloured += usize::from(value.0[0] != value.0[1] || value.0[1] != value.0[2]);
    }
    assert!(coloured > 1000, "only {coloured} coloured voxels");
}

#[test]
fn rgb24_nifti_round_trip_keeps_every_channel() {
    let dir = tempfile::tempdir().unwrap();
    let g = Geometry::new(
        [0.5, 0.75, 2.0],
        Point::new(-10.0, 20.0, 5.0),
        Default::default(),
    )
    .unwrap();
    let voxels: Vec<Rgb8> = (0..4 * 3 * 2)
        .map(|n| Rgb8([n as u8, 255 - n as u8, (7 * n) as u8]))
        .collect();
    let v = Volume::from_vec([4, 3, 2], voxels, g).unwrap();
    for name in ["c.nii", "c.nii.gz"] {
        let path = dir.path().join(name);
        nifti::write(&path, &v).unwrap();
        let back = nifti::read(&path).unwrap();
        assert_eq!(back.header.datatype.code(), 128, "{name}");
        assert_eq!(back.header.bitpix, 24, "{name}");
        assert!(back.warnings.is_empty(), "{name}: {:?}", back.warnings);
        let DynVolume::Rgb8(b) = &back.volumes[0] else {
            panic!("{name}: read as {}", back.volumes[0].kind())
        };
        assert_eq!(b.as_slice(), v.as_slice(), "{name}");
        assert!(b.geometry().approx_eq(&g, 1e-6), "{name}");
    }
    // interleaved on disk: R, G, B of voxel 0, then of voxel 1 (as dcm2niix writes RGB24)
    let raw = std::fs::read(dir.path().join("c.nii")).unwrap();
    assert_eq!(&raw[352..358], &[0, 255, 0, 1, 254, 7]);
}
