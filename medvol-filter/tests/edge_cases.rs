//! Inputs at the edges: NaN voxels, outputs too large to allocate, output views whose rows are
//! not contiguous.

use medvol_core::ndarray::{Array3, s};
use medvol_core::{Direction, Geometry, Ijk, Point, Region, Volume, VolumeViewMut};
use medvol_filter::{
    Error, Filter, Interpolation, Median, Normalize, Resample, Threshold, gaussian,
};

fn geometry() -> Geometry {
    Geometry::new(
        [0.8, 1.0, 1.5],
        Point::new(-3.0, 4.0, 10.0),
        Direction::IDENTITY,
    )
    .unwrap()
}

/// A smooth f32 volume with one NaN voxel at (10, 10, 10).
fn with_nan() -> Volume<f32> {
    let mut v = Volume::<f32>::from_fn([20, 20, 20], geometry(), |p| {
        (p.0[0] + 2 * p.0[1] + 3 * p.0[2]) as f32
    })
    .unwrap();
    v.set(Ijk::new(10, 10, 10), f32::NAN).unwrap();
    v
}

#[test]
fn nan_propagates_through_gaussian_as_in_scipy() {
    let v = with_nan();
    let g = gaussian(&v, 1.0).unwrap();
    // scipy.ndimage.gaussian_filter: every voxel whose kernel reaches the NaN is NaN
    assert!(g.get(Ijk::new(10, 10, 10)).unwrap().is_nan());
    assert!(g.get(Ijk::new(11, 10, 10)).unwrap().is_nan());
    let far = g.get(Ijk::new(0, 0, 0)).unwrap();
    assert!(far.is_finite(), "{far}");
    let nans = g.as_slice().iter().filter(|x| x.is_nan()).count();
    assert!(nans > 1, "{nans}");
    assert!(!g.as_slice().contains(&0.0), "NaN must not become 0");
}

#[test]
fn nan_stays_nan_in_resampling_and_as_default_value() {
    let v = with_nan();
    let g = *v.geometry();
    for interpolation in [Interpolation::Linear, Interpolation::Nearest] {
        let r = Resample::new(g, v.dims())
            .unwrap()
            .with_interpolation(interpolation)
            .apply(&v)
            .unwrap();
        assert!(
            r.get(Ijk::new(10, 10, 10)).unwrap().is_nan(),
            "{interpolation:?}"
        );
        assert_eq!(r.get(Ijk::new(3, 2, 1)).unwrap(), 3.0 + 4.0 + 3.0);
    }
    // a grid shifted half outside: the outside voxels get the NaN default
    let outside = g
        .with_origin(Point::new(-3.0 - 0.8 * 10.0, 4.0, 10.0))
        .unwrap();
    let r = Resample::new(outside, v.dims())
        .unwrap()
        .with_default(f64::NAN)
        .apply(&v)
        .unwrap();
    assert!(r.get(Ijk::new(0, 5, 5)).unwrap().is_nan());
    assert_eq!(r.get(Ijk::new(12, 0, 0)).unwrap(), 2.0);
    // infinities are kept, not clamped or zeroed
    let mut inf = v.clone();
    inf.set(Ijk::new(1, 1, 1), f32::INFINITY).unwrap();
    let r = Resample::new(g, v.dims())
        .unwrap()
        .with_interpolation(Interpolation::Nearest)
        .apply(&inf)
        .unwrap();
    assert_eq!(r.get(Ijk::new(1, 1, 1)).unwrap(), f32::INFINITY);
}

#[test]
fn an_output_too_large_to_allocate_is_an_error() {
    let v = Volume::<i16>::zeros([64, 64, 30], geometry()).unwrap();
    let r = Resample::isotropic(v.geometry(), v.dims(), 0.0001)
        .unwrap()
        .apply(&v);
    assert!(
        matches!(
            r,
            Err(Error::Core(medvol_core::Error::OutOfMemory { bytes, .. })) if bytes > 1 << 40
        ),
        "{r:?}"
    );
}

/// Runs `filter` over a region into a view that takes every other voxel along i of a larger
/// array, and compares with the filter's own output.
fn strided_output_matches<F: Filter<f32, Output = U>, U: medvol_core::Voxel>(filter: F) {
    let v = Volume::<f32>::from_fn([9, 6, 5], geometry(), |p| {
        ((p.0[0] * 7 + p.0[1] * 3 + p.0[2] * 5) % 11) as f32
    })
    .unwrap();
    let whole = filter.apply(&v).unwrap();
    let mut big = Array3::<U>::default((5, 6, 18));
    let dst = VolumeViewMut::from_array(big.slice_mut(s![.., .., ..;2]), geometry());
    filter
        .apply_region(v.view(), Region::whole(v.dims()), dst)
        .unwrap();
    let strided: Vec<U> = big.slice(s![.., .., ..;2]).iter().copied().collect();
    assert!(strided == whole.as_slice(), "strided output differs");
    assert!(
        big.slice(s![.., .., 1..;2])
            .iter()
            .all(|x| *x == U::default())
    );
}

#[test]
fn outputs_with_strided_rows_get_the_same_values() {
    strided_output_matches(Median::new([1, 1, 1]).unwrap());
    strided_output_matches(Median::new([7, 1, 0]).unwrap());
    strided_output_matches(Threshold::new(2.0, 6.0).unwrap());
    strided_output_matches(Normalize::window(5.0, 6.0).unwrap());
}

#[test]
fn thirty_two_bit_integers_keep_every_value() {
    // 2^24 + 1 is the first integer f32 cannot hold
    let big = 16_777_217;
    let v = Volume::<u32>::filled([6, 5, 4], big, geometry()).unwrap();
    assert!(
        gaussian(&v, 1.0)
            .unwrap()
            .as_slice()
            .iter()
            .all(|&x| x == big)
    );
    let r = Resample::new(*v.geometry(), v.dims())
        .unwrap()
        .apply(&v)
        .unwrap();
    assert!(r.as_slice().iter().all(|&x| x == big));
    let w =
        Volume::<i32>::from_fn([6, 5, 4], geometry(), |p| -(big as i32) - p.0[0] as i32).unwrap();
    let r = Resample::new(*w.geometry(), w.dims())
        .unwrap()
        .apply(&w)
        .unwrap();
    assert!(r.as_slice() == w.as_slice());
}
