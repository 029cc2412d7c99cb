//! Fresh output volumes, backed by transparent huge pages where the kernel offers them.
//!
//! A new 64 MB output first touched in 4 KB pages costs about 16 000 page faults (some 30 ms of
//! CPU on the development VM, more than a voxel-wise filter's arithmetic); with 2 MB pages it
//! costs 32. The memory is asked for untouched (zeros come from the allocator's fresh pages),
//! advised as huge-page backed (Linux `madvise(MADV_HUGEPAGE)`, a hint that never changes
//! contents), and then first written by the threads that compute it.

use crate::Result;
use medvol_core::{Geometry, Volume, Voxel, voxel_count_allocatable};

/// Below this many bytes an output is left to ordinary pages.
const MIN_HUGE_BYTES: usize = 8 << 20;

/// A volume of `dims` filled with `value`, with `geometry`.
///
/// # Errors
/// [`Error::Core`](crate::Error::Core) when the voxel count overflows or the memory cannot be
/// had (see [`voxel_count_allocatable`]).
pub(crate) fn filled<U: Voxel>(
    dims: [usize; 3],
    value: U,
    geometry: Geometry,
) -> Result<Volume<U>> {
    let n = voxel_count_allocatable::<U>(dims)?;
    let data = if value.to_f64().to_bits() == 0 {
        // `+0` is all zero bits for every voxel type, so the allocator hands out fresh,
        // untouched zeroed pages.
        let v = vec![U::default(); n];
        advise_huge(v.as_ptr().cast(), n.saturating_mul(size_of::<U>()));
        v
    } else {
        let mut v = Vec::<U>::with_capacity(n);
        advise_huge(v.as_ptr().cast(), n.saturating_mul(size_of::<U>()));
        v.resize(n, value);
        v
    };
    Ok(Volume::from_vec(dims, data, geometry)?)
}

/// A zero-filled volume of `dims` with `geometry`; see [`filled`].
///
/// # Errors
/// As [`filled`].
pub(crate) fn zeros<U: Voxel>(dims: [usize; 3], geometry: Geometry) -> Result<Volume<U>> {
    filled(dims, U::default(), geometry)
}

/// Asks Linux to back the whole 2 MB pages inside `bytes` bytes at `start` with huge pages.
#[cfg(target_os = "linux")]
fn advise_huge(start: *const u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    if bytes < MIN_HUGE_BYTES {
        return;
    }
    let first = (start as usize).next_multiple_of(HUGE);
    let end = (start as usize + bytes) / HUGE * HUGE;
    if end > first {
        #[allow(unsafe_code)]
        // SAFETY: `[first, end)` lies inside one live allocation of the caller (its capacity),
        // which nothing else references yet. MADV_HUGEPAGE only changes how the kernel backs the
        // range, never its contents or mapping; a failure (e.g. THP disabled) is harmless, so
        // the return value is ignored.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

/// Huge pages are only advised on Linux.
#[cfg(not(target_os = "linux"))]
fn advise_huge(_start: *const u8, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_hold_their_value() {
        for dims in [[3, 2, 1], [256, 128, 80]] {
            let z = zeros::<f32>(dims, Geometry::default()).unwrap();
            assert!(z.as_slice().iter().all(|v| v.to_bits() == 0));
            let f = filled::<i16>(dims, -7, Geometry::default()).unwrap();
            assert!(f.as_slice().iter().all(|&v| v == -7));
            let m = filled::<f64>(dims, -0.0, Geometry::default()).unwrap();
            assert!(
                m.as_slice()
                    .iter()
                    .all(|v| v.to_bits() == (-0.0f64).to_bits())
            );
            assert_eq!(f.dims(), dims);
        }
        assert!(zeros::<u8>([usize::MAX, 2, 2], Geometry::default()).is_err());
    }
}
