//! Shared by the reliability tests: a global allocator that records the largest single
//! allocation, to check that no reader allocates on a header's word beyond the limits.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Records the largest single allocation ever requested.
pub(crate) struct Tracking;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// The largest single allocation (bytes) of this test binary so far.
pub(crate) fn largest_allocation() -> usize {
    LARGEST.load(Ordering::Relaxed)
}

/// Forgets the largest allocation seen so far.
#[allow(dead_code, reason = "not every test binary resets")]
pub(crate) fn reset_largest_allocation() {
    LARGEST.store(0, Ordering::Relaxed);
}
