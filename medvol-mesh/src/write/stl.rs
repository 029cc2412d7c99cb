//! STL: binary (80-byte header, triangle count, 50 bytes per triangle) and ASCII.

use super::{face_normal, frame_comment, frame_from_comment};
use crate::{Frame, Mesh};
use std::collections::HashMap;
use std::io::{self, Write};

/// Triangles serialised per block: the block is built in memory and written in one call.
const BLOCK: usize = 4096;

/// Writes binary STL; the header records the frame. Facet normals are the unit triangle normals.
///
/// # Errors
/// The writer's errors; [`io::ErrorKind::InvalidInput`] above `u32::MAX` triangles.
pub fn write_binary<W: Write>(mesh: &Mesh, w: &mut W) -> io::Result<()> {
    let count = u32::try_from(mesh.triangle_count())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "more than u32::MAX triangles"))?;
    let mut header = [b' '; 80];
    let text = frame_comment(mesh);
    header[..text.len()].copy_from_slice(text.as_bytes());
    w.write_all(&header)?;
    w.write_all(&count.to_le_bytes())?;
    let mut buf = vec![0u8; BLOCK * 50];
    for block in mesh.faces().chunks(BLOCK) {
        for (f, rec) in block.iter().zip(buf.chunks_exact_mut(50)) {
            let p = f.map(|v| mesh.positions()[v as usize]);
            let values = [face_normal(mesh, f), p[0], p[1], p[2]];
            for (x, out) in values.iter().flatten().zip(rec.chunks_exact_mut(4)) {
                out.copy_from_slice(&x.to_le_bytes());
            }
            rec[48..].fill(0);
        }
        w.write_all(&buf[..block.len() * 50])?;
    }
    Ok(())
}

/// Writes ASCII STL; the solid's name records the frame. Coordinates in shortest round-trip form.
///
/// # Errors
/// The writer's errors.
pub fn write_ascii<W: Write>(mesh: &Mesh, w: &mut W) -> io::Result<()> {
    let name = frame_comment(mesh).replace([' ', ','], "_");
    writeln!(w, "solid {name}")?;
    for f in mesh.faces() {
        let [a, b, c] = face_normal(mesh, f);
        writeln!(w, "facet normal {a:e} {b:e} {c:e}\nouter loop")?;
        for &v in f {
            let [x, y, z] = mesh.positions()[v as usize];
            writeln!(w, "vertex {x:e} {y:e} {z:e}")?;
        }
        writeln!(w, "endloop\nendfacet")?;
    }
    writeln!(w, "endsolid {name}")
}

/// Parses binary or ASCII STL; vertices with bit-identical coordinates are merged.
pub(crate) fn parse(bytes: &[u8]) -> Result<Mesh, String> {
    let binary_size = |n: u32| 84 + 50 * n as usize;
    let is_binary = bytes.len() >= 84
        && binary_size(u32::from_le_bytes(
            bytes[80..84].try_into().expect("4 bytes"),
        )) == bytes.len();
    let mut corners = Vec::new();
    let frame;
    if is_binary {
        frame = frame_from_comment(&String::from_utf8_lossy(&bytes[..80]));
        for rec in bytes[84..].chunks_exact(50) {
            for v in 0..3 {
                let p: [f32; 3] = std::array::from_fn(|a| {
                    let o = 12 + 12 * v + 4 * a;
                    f32::from_le_bytes(rec[o..o + 4].try_into().expect("4 bytes"))
                });
                corners.push(p);
            }
        }
    } else {
        let text =
            std::str::from_utf8(bytes).map_err(|_| "neither binary STL nor ASCII".to_string())?;
        let first = text.lines().next().unwrap_or("");
        if !first.trim_start().starts_with("solid") {
            return Err("neither binary STL (size mismatch) nor ASCII STL".into());
        }
        frame = frame_from_comment(&first.replace('_', " "));
        for (n, line) in text.lines().enumerate() {
            let mut it = line.split_whitespace();
            if it.next() == Some("vertex") {
                let p: Vec<f32> = it
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("line {}: {e}", n + 1))?;
                let p: [f32; 3] = p
                    .try_into()
                    .map_err(|_| format!("line {}: not 3 coordinates", n + 1))?;
                corners.push(p);
            }
        }
        if corners.len() % 3 != 0 {
            return Err(format!(
                "{} vertices is not a whole number of triangles",
                corners.len()
            ));
        }
    }
    let mut index = HashMap::new();
    let mut positions = Vec::new();
    let ids: Vec<u32> = corners
        .iter()
        .map(|p| {
            *index.entry(p.map(f32::to_bits)).or_insert_with(|| {
                positions.push(*p);
                (positions.len() - 1) as u32
            })
        })
        .collect();
    let faces = ids.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    let mesh = Mesh::new(positions, faces, Frame::Lps).map_err(|e| e.to_string())?;
    Ok(if frame == Frame::Ras {
        relabel(mesh)
    } else {
        mesh
    })
}

/// Marks a mesh read from a RAS file as RAS without moving its coordinates.
fn relabel(mesh: Mesh) -> Mesh {
    let (p, f, n) = mesh.into_parts();
    Mesh::from_valid(p, f, n, Frame::Ras)
}
