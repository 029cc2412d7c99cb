//! Fuzz target: see `harness::mesh_read`.
#![no_main]

#[path = "harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::mesh_read(data));
