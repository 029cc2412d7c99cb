//! A global allocator for the fuzz targets that aborts on any single allocation above
//! libFuzzer's `-malloc_limit_mb=512`. libFuzzer enforces that limit through sanitizer malloc
//! hooks, which a run without a sanitizer (`-s none`, twice as fast) does not have; with this
//! allocator such a run still turns a reader allocating on a header's word into a crash.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;

/// The largest single allocation allowed (as `-malloc_limit_mb=512`).
const LIMIT: usize = 512 << 20;

/// [`System`], with the limit.
pub(crate) struct Capped;

fn check(size: usize) {
    if size > LIMIT {
        // Formatted by hand: nothing may allocate here.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = size;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut err = std::io::stderr();
        let _ = err.write_all(b"==medvol-fuzz== single allocation of ");
        let _ = err.write_all(&digits[at..]);
        let _ = err.write_all(b" bytes, above -malloc_limit_mb=512\n");
        std::process::abort();
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, after a
// size check that either returns or aborts the process.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}
