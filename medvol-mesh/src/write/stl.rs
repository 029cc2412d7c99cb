//! STL: binary (80-byte header, triangle count, 50 bytes per triangle) and ASCII.

use super::{face_normal, frame_comment, frame_from_comment};
use crate::{Frame, Mesh};
use std::collections::HashMap;
use std::io::{self, Write};

/// Triangles per block: a block is formatted in memory (in parallel with the rayon feature)
/// while the previous one is being written, so two blocks of 1.6 MB are all the scratch.
const BLOCK: usize = 1 << 15;

/// Triangles per parallel task within a block.
const TASK: usize = 4096;

/// Bytes per binary STL triangle record.
const RECORD: usize = 50;

/// Writes binary STL; the header records the frame. Facet normals are the unit triangle normals.
///
/// With the rayon feature, each block of triangles is formatted by the pool while the calling
/// thread writes the block before it; the bytes are the same as those of a serial run.
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
    let mut blocks = mesh.faces().chunks(BLOCK);
    let Some(first) = blocks.next() else {
        return Ok(());
    };
    let size = first.len() * RECORD;
    let (mut ready, mut spare) = (vec![0u8; size], vec![0u8; size]);
    format_block(mesh, first, &mut ready);
    let mut len = size;
    for block in blocks {
        let next = &mut spare[..block.len() * RECORD];
        overlap(
            || format_block(mesh, block, next),
            || w.write_all(&ready[..len]),
        )?;
        std::mem::swap(&mut ready, &mut spare);
        len = block.len() * RECORD;
    }
    w.write_all(&ready[..len])
}

/// Runs `background` (on the rayon pool, with the rayon feature) while the calling thread
/// runs `foreground`, and returns the latter's result once both are done.
fn overlap<R>(background: impl FnOnce() + Send, foreground: impl FnOnce() -> R) -> R {
    #[cfg(feature = "rayon")]
    {
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| background());
            foreground()
        })
    }
    #[cfg(not(feature = "rayon"))]
    {
        background();
        foreground()
    }
}

/// Fills `out` with the binary records of `faces`, in parallel tasks with the rayon feature.
fn format_block(mesh: &Mesh, faces: &[[u32; 3]], out: &mut [u8]) {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(TASK * RECORD)
            .zip(faces.par_chunks(TASK))
            .for_each(|(out, faces)| format_records(mesh, faces, out));
    }
    #[cfg(not(feature = "rayon"))]
    out.chunks_mut(TASK * RECORD)
        .zip(faces.chunks(TASK))
        .for_each(|(out, faces)| format_records(mesh, faces, out));
}

/// Fills `out` with the 50-byte records of `faces`: unit normal, three corners (f32 little
/// endian), zero attribute.
fn format_records(mesh: &Mesh, faces: &[[u32; 3]], out: &mut [u8]) {
    let positions = mesh.positions();
    for (&[a, b, c], rec) in faces.iter().zip(out.chunks_exact_mut(RECORD)) {
        let p = [
            positions[a as usize],
            positions[b as usize],
            positions[c as usize],
        ];
        let n = face_normal(p);
        let mut bytes = [0u8; RECORD];
        for (x, v) in [n, p[0], p[1], p[2]].iter().enumerate() {
            for (y, f) in v.iter().enumerate() {
                let at = 12 * x + 4 * y;
                bytes[at..at + 4].copy_from_slice(&f.to_le_bytes());
            }
        }
        rec.copy_from_slice(&bytes);
    }
}

/// Writes ASCII STL; the solid's name records the frame. Coordinates in shortest round-trip form.
///
/// # Errors
/// The writer's errors.
pub fn write_ascii<W: Write>(mesh: &Mesh, w: &mut W) -> io::Result<()> {
    let name = frame_comment(mesh).replace([' ', ','], "_");
    writeln!(w, "solid {name}")?;
    for f in mesh.faces() {
        let [a, b, c] = face_normal(f.map(|v| mesh.positions()[v as usize]));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The plainest serialisation, one triangle after the other: the reference for the
    /// blocked, parallel writer.
    fn reference(mesh: &Mesh) -> Vec<u8> {
        let mut out = Vec::new();
        let text = frame_comment(mesh);
        out.extend_from_slice(text.as_bytes());
        out.resize(80, b' ');
        out.extend_from_slice(&(mesh.triangle_count() as u32).to_le_bytes());
        for f in mesh.faces() {
            let p = f.map(|v| mesh.positions()[v as usize]);
            for v in [face_normal(p), p[0], p[1], p[2]] {
                for x in v {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
            out.extend_from_slice(&[0, 0]);
        }
        out
    }

    /// A strip of `n` triangles winding around a helix, with one degenerate (collinear) one.
    fn strip(n: usize) -> Mesh {
        let mut positions: Vec<[f32; 3]> = (0..n + 2)
            .map(|i| {
                let a = i as f32 * 0.37;
                [a.cos() * 10.0, a.sin() * 10.0, i as f32 * 0.01]
            })
            .collect();
        if n > 5 {
            positions[5] = [0.0; 3];
            positions[6] = [1.0; 3];
            positions[7] = [2.0; 3];
        }
        let faces = (0..n as u32).map(|i| [i, i + 1, i + 2]).collect();
        Mesh::new(positions, faces, Frame::Ras).unwrap()
    }

    #[test]
    fn blocked_parallel_binary_is_the_serial_bytes() {
        for n in [0, 1, 7, BLOCK, 2 * BLOCK + TASK + 3] {
            let mesh = strip(n);
            let expected = reference(&mesh);
            assert_eq!(expected.len(), 84 + RECORD * n);
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let mut bytes = Vec::new();
                pool.install(|| write_binary(&mesh, &mut bytes)).unwrap();
                assert!(bytes == expected, "{n} triangles, {threads} threads");
            }
        }
        let back = parse(&reference(&strip(100))).unwrap();
        assert_eq!(back.triangle_count(), 100);
    }
}
