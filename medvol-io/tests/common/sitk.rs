//! SimpleITK's names for pixel types, as the reference JSON files record them, shared by the
//! medvol-io tests and the root package's example tests (included by `#[path]`).

/// The `voxel_type` name medvol reads a SimpleITK pixel type as: the same type, except 64-bit
/// integers, which medvol reads as `f64` (it has no 64-bit integer voxel type).
pub(crate) fn voxel_type_of_sitk(name: &str) -> &'static str {
    match name {
        "8-bit unsigned integer" => "u8",
        "8-bit signed integer" => "i8",
        "16-bit unsigned integer" => "u16",
        "16-bit signed integer" => "i16",
        "32-bit unsigned integer" => "u32",
        "32-bit signed integer" => "i32",
        "32-bit float" => "f32",
        "64-bit float" | "64-bit signed integer" | "64-bit unsigned integer" => "f64",
        other => panic!("unexpected SimpleITK pixel type {other}"),
    }
}
