//! Wavefront OBJ: `v` positions, `vn` normals if present, `f` triangles (1-based).

use super::frame_comment;
use crate::Mesh;
use std::io::{self, Write};

/// Writes OBJ with a comment recording the frame.
///
/// # Errors
/// The writer's errors.
pub fn write<W: Write>(mesh: &Mesh, w: &mut W) -> io::Result<()> {
    writeln!(w, "# {}", frame_comment(mesh))?;
    for [x, y, z] in mesh.positions() {
        writeln!(w, "v {x} {y} {z}")?;
    }
    if let Some(normals) = mesh.normals() {
        for [x, y, z] in normals {
            writeln!(w, "vn {x} {y} {z}")?;
        }
        for f in mesh.faces() {
            let [a, b, c] = f.map(|v| v + 1);
            writeln!(w, "f {a}//{a} {b}//{b} {c}//{c}")?;
        }
    } else {
        for f in mesh.faces() {
            let [a, b, c] = f.map(|v| v + 1);
            writeln!(w, "f {a} {b} {c}")?;
        }
    }
    Ok(())
}
