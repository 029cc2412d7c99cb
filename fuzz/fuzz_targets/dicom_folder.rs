//! Fuzz target: see `harness::dicom_folder`.
#![no_main]

#[path = "harness/alloc_limit.rs"]
mod alloc_limit;
#[path = "harness/mod.rs"]
mod harness;

#[global_allocator]
static ALLOCATOR: alloc_limit::Capped = alloc_limit::Capped;

libfuzzer_sys::fuzz_target!(
    // libfuzzer-sys aborts on every panic, even one the library catches and turns into an
    // error (dicom-pixeldata's codecs can panic); panics that escape still abort.
    init: drop(std::panic::take_hook()),
    |data: &[u8]| harness::dicom_folder(data)
);
