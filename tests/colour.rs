//! Colour (RGB) volumes are refused, with each crate's error, by every filter, by marching
//! cubes and by the reconstruction pipeline: smoothing or meshing a luminance nobody asked for
//! would be a silently wrong result. The luminance and the channels stay one call away.

use medvol::filter::{self, Filter, Gaussian, Median, Normalize, Resample, Sigma, Threshold};
use medvol::mesh::{self, MarchingCubes};
use medvol::pipeline::{Input, Level, Pipeline};
use medvol::{Error, Geometry, Rgb8, Volume, VoxelKind};

fn colour() -> Volume<Rgb8> {
    Volume::from_fn([6, 5, 4], Geometry::default(), |p| {
        Rgb8([(40 * p.i()) as u8, (50 * p.j()) as u8, (60 * p.k()) as u8])
    })
    .unwrap()
}

fn is_colour_refusal(e: filter::Error) -> bool {
    matches!(e, filter::Error::Colour { .. }) && e.to_string().contains("colour (RGB)")
}

#[test]
fn filters_refuse_colour_volumes() {
    let v = colour();
    let g = Gaussian::new(Sigma::iso_mm(1.0)).unwrap();
    assert!(is_colour_refusal(filter::gaussian(&v, 1.0).unwrap_err()));
    assert!(is_colour_refusal(g.apply(&v).unwrap_err()));
    assert!(is_colour_refusal(g.apply_to_f32(&v).unwrap_err()));
    assert!(is_colour_refusal(filter::median(&v, 1).unwrap_err()));
    assert!(is_colour_refusal(
        Median::new([1, 1, 0]).unwrap().apply(&v).unwrap_err()
    ));
    assert!(is_colour_refusal(filter::zscore(&v).unwrap_err()));
    assert!(is_colour_refusal(
        Normalize::window(40.0, 400.0)
            .unwrap()
            .apply(&v)
            .unwrap_err()
    ));
    assert!(is_colour_refusal(
        filter::threshold(&v, 10.0, 100.0).unwrap_err()
    ));
    assert!(is_colour_refusal(
        Threshold::above(1.0).unwrap().apply(&v).unwrap_err()
    ));
    assert!(is_colour_refusal(filter::otsu_threshold(&v).unwrap_err()));
    let r = Resample::new(*v.geometry(), [3, 3, 3]).unwrap();
    assert!(is_colour_refusal(r.apply(&v).unwrap_err()));
    assert!(is_colour_refusal(
        filter::resample_isotropic(&v, 2.0, filter::Interpolation::Linear).unwrap_err()
    ));
    // The way out the message names works: a channel or the luminance filters fine.
    let red = Rgb8::channel(&v, 0).unwrap();
    assert_eq!(filter::gaussian(&red, 1.0).unwrap().dims(), v.dims());
    assert_eq!(
        filter::gaussian(&v.cast::<f32>(), 1.0).unwrap().dims(),
        v.dims()
    );
}

#[test]
fn marching_cubes_refuses_colour_volumes() {
    let v = colour();
    let e = mesh::isosurface(&v, 50.0).unwrap_err();
    assert!(matches!(e, mesh::Error::Colour), "{e}");
    let e = MarchingCubes::new(50.0).unwrap().run(&v).unwrap_err();
    assert!(e.to_string().contains("not a colour (RGB) one"), "{e}");
    assert!(mesh::isosurface(&v.cast::<f32>(), 50.0).is_ok());
}

#[test]
fn the_pipeline_refuses_a_colour_nifti() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colour.nii.gz");
    medvol::io::nifti::write(&path, &colour()).unwrap();
    let input = Input::path(&path);
    let loaded = input.load().unwrap();
    assert_eq!(loaded.volume.kind(), VoxelKind::Rgb8);
    let err = Pipeline::new(Level::Value(50.0)).run(&input).unwrap_err();
    assert!(matches!(err, Error::Mesh(mesh::Error::Colour)), "{err}");
}
