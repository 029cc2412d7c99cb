//! Fuzz target: see `harness::dicom_folder`.
#![no_main]

#[path = "harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::dicom_folder(data));
