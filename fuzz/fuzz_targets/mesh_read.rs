//! Fuzz target: see `harness::mesh_read`.
#![no_main]

#[path = "harness/alloc_limit.rs"]
mod alloc_limit;
#[path = "harness/mod.rs"]
mod harness;

#[global_allocator]
static ALLOCATOR: alloc_limit::Capped = alloc_limit::Capped;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::mesh_read(data));
