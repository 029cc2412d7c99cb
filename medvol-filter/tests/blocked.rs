//! Property tests: blocked == whole (bit-identical) for every filter over random shapes, block
//! sizes and thread counts; every instruction set == scalar; parallel == serial; the in-place
//! and f32-converting Gaussians == `apply`.

use medvol_core::{Direction, Geometry, Isa, Point, Volume, Voxel};
use medvol_filter::{
    Blocked, Filter, Gaussian, GaussianMethod, Interpolation, Median, Normalize, Resample, Sigma,
    Threshold,
};
use proptest::prelude::*;

fn geometry(spacing: [f64; 3]) -> Geometry {
    let d = Direction::from_rows([[0.6, -0.8, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]]).unwrap();
    Geometry::new(spacing, Point::new(-20.0, 7.5, 31.0), d).unwrap()
}

/// A volume of pseudo-random values with some structure, deterministic in `seed`.
fn volume<T: Voxel>(dims: [usize; 3], spacing: [f64; 3], seed: u64) -> Volume<T> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Volume::from_fn(dims, geometry(spacing), |p| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let noise = (s % 200) as f64;
        let blob = if p.i() * 2 > dims[0] && p.k() * 3 < 2 * dims[2] {
            600.0
        } else {
            0.0
        };
        T::from_f64_saturating(noise + blob - 50.0)
    })
    .unwrap()
}

/// The voxels' bit patterns (NaN compares equal to itself).
fn bits(v: &Volume<f32>) -> Vec<u32> {
    v.as_slice().iter().map(|x| x.to_bits()).collect()
}

fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Blocked with `block` on `threads` threads equals the whole-volume run on one thread.
fn assert_blocked_equal<T: Voxel, F: Filter<T> + Clone + Send>(
    f: &F,
    v: &Volume<T>,
    block: [usize; 3],
    threads: usize,
) -> Result<(), TestCaseError>
where
    F::Output: PartialEq,
{
    let whole = in_pool(1, || f.apply(v)).unwrap();
    let blocked = in_pool(threads, || {
        Blocked::new(f.clone())
            .with_block_size(block)
            .unwrap()
            .apply(v)
    })
    .unwrap();
    prop_assert!(
        whole.as_slice() == blocked.as_slice(),
        "block {:?}, {} threads",
        block,
        threads
    );
    prop_assert_eq!(whole.geometry(), blocked.geometry());
    let parallel = in_pool(threads, || f.apply(v)).unwrap();
    prop_assert!(
        whole.as_slice() == parallel.as_slice(),
        "parallel != serial"
    );
    Ok(())
}

fn dims() -> impl Strategy<Value = [usize; 3]> {
    (1usize..14, 1usize..11, 1usize..9).prop_map(|(a, b, c)| [a, b, c])
}

fn block() -> impl Strategy<Value = [usize; 3]> {
    prop_oneof![
        (1usize..6).prop_map(|k| [usize::MAX, usize::MAX, k]),
        (1usize..6, 1usize..6, 1usize..6).prop_map(|(a, b, c)| [a, b, c]),
    ]
}

fn spacing() -> impl Strategy<Value = [f64; 3]> {
    proptest::array::uniform3(0.4f64..2.5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn discrete_gaussian_blocked_is_exact(d in dims(), sp in spacing(), sigma in 0.3f64..2.5, b in block(), t in 1usize..4, seed in 0u64..100) {
        let g = Gaussian::new(Sigma::mm([sigma, sigma * 0.7, sigma * 1.3])).unwrap();
        assert_blocked_equal(&g, &volume::<f32>(d, sp, seed), b, t)?;
        assert_blocked_equal(&g, &volume::<i16>(d, sp, seed), b, t)?;
        assert_blocked_equal(&g, &volume::<f64>(d, sp, seed), b, t)?;
    }

    #[test]
    fn median_blocked_is_exact(d in dims(), r in proptest::array::uniform3(0usize..3), b in block(), t in 1usize..4, seed in 0u64..100) {
        let m = Median::new(r).unwrap();
        assert_blocked_equal(&m, &volume::<f32>(d, [1.0; 3], seed), b, t)?;
        assert_blocked_equal(&m, &volume::<u8>(d, [1.0; 3], seed), b, t)?;
    }

    #[test]
    fn large_median_window_blocked_is_exact(d in dims(), b in block(), seed in 0u64..100) {
        // 7x7x7 = 343 voxels: selection instead of a network.
        let m = Median::new([3, 3, 3]).unwrap();
        assert_blocked_equal(&m, &volume::<i16>(d, [1.0; 3], seed), b, 2)?;
    }

    #[test]
    fn pointwise_blocked_is_exact(d in dims(), b in block(), t in 1usize..4, seed in 0u64..100) {
        let v = volume::<i16>(d, [1.0; 3], seed);
        assert_blocked_equal(&Normalize::window(40.0, 300.0).unwrap(), &v, b, t)?;
        assert_blocked_equal(&Threshold::new(0.0, 120.0).unwrap(), &v, b, t)?;
    }

    #[test]
    fn recursive_gaussian_blocked_within_stated_bound(d in dims(), sp in spacing(), sigma in 0.3f64..2.5, b in block(), t in 1usize..4, seed in 0u64..100) {
        let g = Gaussian::new(Sigma::iso_mm(sigma)).unwrap().with_method(GaussianMethod::Recursive);
        let v = volume::<f64>(d, sp, seed);
        let whole = g.apply(&v).unwrap();
        let blocked = in_pool(t, || Blocked::new(g.clone()).with_block_size(b).unwrap().apply(&v)).unwrap();
        let s = v.statistics();
        let bound = 1e-6 * (s.max - s.min);
        for (a, c) in whole.as_slice().iter().zip(blocked.as_slice()) {
            prop_assert!((a - c).abs() <= bound, "{} vs {} (bound {})", a, c, bound);
        }
        let parallel = in_pool(t, || g.apply(&v)).unwrap();
        prop_assert!(whole == parallel);
    }

    #[test]
    fn every_isa_equals_scalar(d in dims(), sp in spacing(), seed in 0u64..100) {
        let v = volume::<f32>(d, sp, seed);
        let g = Gaussian::new(Sigma::iso_mm(1.1)).unwrap();
        let m = Median::new([1, 1, 1]).unwrap();
        let gr = g.clone().with_method(GaussianMethod::Recursive);
        let r = Resample::isotropic(v.geometry(), v.dims(), 0.7).unwrap();
        let n = Normalize::window(10.0, 200.0).unwrap();
        for &isa in Isa::available() {
            prop_assert!(g.clone().with_isa(isa).apply(&v).unwrap() == g.clone().with_isa(Isa::Scalar).apply(&v).unwrap());
            prop_assert!(gr.clone().with_isa(isa).apply(&v).unwrap() == gr.clone().with_isa(Isa::Scalar).apply(&v).unwrap());
            prop_assert!(m.clone().with_isa(isa).apply(&v).unwrap() == m.clone().with_isa(Isa::Scalar).apply(&v).unwrap());
            prop_assert!(n.with_isa(isa).apply(&v).unwrap() == n.with_isa(Isa::Scalar).apply(&v).unwrap());
            for interp in [Interpolation::Nearest, Interpolation::Linear] {
                let r = r.clone().with_interpolation(interp);
                prop_assert!(r.clone().with_isa(isa).apply(&v).unwrap() == r.clone().with_isa(Isa::Scalar).apply(&v).unwrap());
            }
        }
    }

    #[test]
    fn gaussian_in_place_equals_apply(d in dims(), sp in spacing(), sigma in proptest::array::uniform3(0.2f64..3.0), t in 1usize..4, seed in 0u64..100, special in 0usize..4) {
        let mut v = volume::<f32>(d, sp, seed);
        // Non-finite and huge inputs: both paths must store them the same way.
        let n = v.len();
        v.as_slice_mut()[seed as usize % n] = [0.0, f32::NAN, f32::INFINITY, -f32::MAX][special];
        let i16v = volume::<i16>(d, sp, seed);
        let mut f64v = volume::<f64>(d, sp, seed);
        f64v.as_slice_mut()[seed as usize % n] = [0.0, f64::NAN, 1e300, -f64::INFINITY][special];
        for method in [GaussianMethod::Discrete, GaussianMethod::Recursive] {
            let g = Gaussian::new(Sigma::mm(sigma)).unwrap().with_method(method);
            let want = in_pool(1, || g.apply(&v)).unwrap();
            let mut got = v.clone();
            in_pool(t, || g.apply_in_place(&mut got)).unwrap();
            prop_assert!(bits(&got) == bits(&want), "{:?} in place, {} threads", method, t);
            prop_assert_eq!(got.geometry(), v.geometry());
            let fused = in_pool(t, || g.apply_to_f32(&i16v)).unwrap();
            prop_assert!(bits(&fused) == bits(&g.apply(&i16v.cast::<f32>()).unwrap()), "{:?} i16 -> f32", method);
            let fused = in_pool(t, || g.apply_to_f32(&f64v)).unwrap();
            prop_assert!(bits(&fused) == bits(&g.apply(&f64v.cast::<f32>()).unwrap()), "{:?} f64 -> f32", method);
        }
    }

    #[test]
    fn resample_parallel_equals_serial(d in dims(), sp in spacing(), new in 0.3f64..2.0, t in 2usize..4, seed in 0u64..100) {
        let v = volume::<f32>(d, sp, seed);
        for interp in [Interpolation::Nearest, Interpolation::Linear, Interpolation::CubicBSpline] {
            let r = Resample::isotropic(v.geometry(), v.dims(), new).unwrap().with_interpolation(interp);
            let serial = in_pool(1, || r.apply(&v)).unwrap();
            let parallel = in_pool(t, || r.apply(&v)).unwrap();
            prop_assert!(serial == parallel);
        }
    }
}

#[test]
fn blocked_rejects_empty_blocks() {
    let g = Gaussian::new(Sigma::iso_mm(1.0)).unwrap();
    assert!(Blocked::new(g.clone()).with_block_size([0, 1, 1]).is_err());
    assert!(Blocked::new(g).with_slices(0).is_err());
}

#[test]
fn nested_blocked_is_exact() {
    let v = volume::<f32>([17, 13, 11], [0.9, 0.9, 1.4], 7);
    let m = Median::new([1, 2, 1]).unwrap();
    let whole = m.apply(&v).unwrap();
    let nested = Blocked::new(Blocked::new(m).with_block_size([5, 4, 3]).unwrap())
        .with_slices(4)
        .unwrap();
    assert_eq!(nested.apply(&v).unwrap(), whole);
}

#[test]
fn recursive_gaussian_blocked_bound_on_long_axes() {
    // Axes much longer than the halo (12 sigma + 4), so blocks really cut the IIR response.
    let v = volume::<f64>([90, 6, 70], [1.0, 1.0, 1.0], 3);
    let s = v.statistics();
    let bound = 1e-6 * (s.max - s.min);
    for sigma in [0.7, 1.5, 3.0] {
        let g = Gaussian::new(Sigma::iso_mm(sigma))
            .unwrap()
            .with_method(GaussianMethod::Recursive);
        let halo = Filter::<f64>::halo(&g, v.geometry());
        assert_eq!(halo[0], (12.0 * sigma).ceil() as usize + 4);
        let whole = g.apply(&v).unwrap();
        for block in [[usize::MAX, usize::MAX, 3], [7, 6, 11]] {
            let blocked = Blocked::new(g.clone())
                .with_block_size(block)
                .unwrap()
                .apply(&v)
                .unwrap();
            let worst = whole
                .as_slice()
                .iter()
                .zip(blocked.as_slice())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                worst <= bound,
                "sigma {sigma} block {block:?}: {worst} > {bound}"
            );
        }
    }
}
