//! PLY: binary little endian or ASCII, shared vertices, optional vertex normals.

use super::{frame_comment, frame_from_comment};
use crate::{Frame, Mesh};
use std::io::{self, Write};

/// Writes PLY (`binary` little endian or ASCII), with a comment recording the frame.
///
/// # Errors
/// The writer's errors.
pub fn write<W: Write>(mesh: &Mesh, w: &mut W, binary: bool) -> io::Result<()> {
    let format = if binary {
        "binary_little_endian"
    } else {
        "ascii"
    };
    writeln!(
        w,
        "ply\nformat {format} 1.0\ncomment {}",
        frame_comment(mesh)
    )?;
    writeln!(w, "element vertex {}", mesh.vertex_count())?;
    writeln!(w, "property float x\nproperty float y\nproperty float z")?;
    let normals = mesh.normals();
    if normals.is_some() {
        writeln!(w, "property float nx\nproperty float ny\nproperty float nz")?;
    }
    writeln!(
        w,
        "element face {}\nproperty list uchar uint vertex_indices\nend_header",
        mesh.triangle_count()
    )?;
    let vertex = |i: usize| -> Vec<f32> {
        let mut v = mesh.positions()[i].to_vec();
        if let Some(n) = normals {
            v.extend_from_slice(&n[i]);
        }
        v
    };
    if binary {
        let mut buf = Vec::with_capacity(1 << 16);
        for i in 0..mesh.vertex_count() {
            vertex(i)
                .iter()
                .for_each(|x| buf.extend_from_slice(&x.to_le_bytes()));
            if buf.len() > 60_000 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        for f in mesh.faces() {
            buf.push(3);
            f.iter()
                .for_each(|x| buf.extend_from_slice(&x.to_le_bytes()));
            if buf.len() > 60_000 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)
    } else {
        for i in 0..mesh.vertex_count() {
            let text: Vec<String> = vertex(i).iter().map(|x| format!("{x:e}")).collect();
            writeln!(w, "{}", text.join(" "))?;
        }
        for [a, b, c] in mesh.faces() {
            writeln!(w, "3 {a} {b} {c}")?;
        }
        Ok(())
    }
}

/// Parses the PLY files [`write`] produces and the common variants: `float`/`double`
/// coordinates, `uchar`/`int`/`uint` triangle lists; other vertex properties are skipped.
pub(crate) fn parse(bytes: &[u8]) -> Result<Mesh, String> {
    let end = bytes
        .windows(11)
        .position(|w| w == b"end_header\n")
        .ok_or("no end_header")?;
    let header = std::str::from_utf8(&bytes[..end]).map_err(|_| "header is not text")?;
    let body = &bytes[end + 11..];
    let mut lines = header.lines();
    if lines.next() != Some("ply") {
        return Err("not a PLY file".into());
    }
    let mut binary = None;
    let mut frame = Frame::Lps;
    let mut vertices = 0usize;
    let mut faces = 0usize;
    let mut props: Vec<(String, usize)> = Vec::new(); // vertex properties: name, size
    let mut list = None; // (count size, index size, signed)
    let mut element = "";
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["format", "ascii", _] => binary = Some(false),
            ["format", "binary_little_endian", _] => binary = Some(true),
            ["format", other, _] => return Err(format!("unsupported format {other}")),
            ["comment", ..] => frame = frame_from_comment(line),
            ["element", "vertex", n] => {
                element = "vertex";
                vertices = n.parse().map_err(|_| "bad vertex count")?;
            }
            ["element", "face", n] => {
                element = "face";
                faces = n.parse().map_err(|_| "bad face count")?;
            }
            ["element", other, _] => return Err(format!("unsupported element {other}")),
            ["property", "list", c, i, _] if element == "face" => list = Some((size(c)?, size(i)?)),
            ["property", t, name] if element == "vertex" => {
                props.push((name.to_string(), size(t)?))
            }
            _ => return Err(format!("unsupported header line `{line}`")),
        }
    }
    let binary = binary.ok_or("no format line")?;
    let (count_size, index_size) = list.ok_or("no face list")?;
    let find = |n: &str| props.iter().position(|p| p.0 == n);
    let xyz = [find("x"), find("y"), find("z")];
    let nxyz = [find("nx"), find("ny"), find("nz")];
    let xyz = xyz.map(|p| p.ok_or("vertex lacks x, y or z"));
    let xyz = [xyz[0]?, xyz[1]?, xyz[2]?];
    let has_normals = nxyz.iter().all(Option::is_some);
    // Refuse counts the body cannot hold before allocating.
    let min_vertex = if binary {
        props.iter().map(|p| p.1).sum()
    } else {
        2 * props.len()
    };
    if vertices
        .saturating_mul(min_vertex)
        .saturating_add(faces.saturating_mul(4))
        > body.len()
    {
        return Err(format!(
            "{vertices} vertices and {faces} faces do not fit in {} bytes",
            body.len()
        ));
    }
    let mut positions = Vec::with_capacity(vertices);
    let mut normals = Vec::new();
    let mut tris = Vec::with_capacity(faces);
    if binary {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], String> {
            let s = body.get(at..at + n).ok_or("file is truncated")?;
            at += n;
            Ok(s)
        };
        for _ in 0..vertices {
            let mut vals = Vec::with_capacity(props.len());
            for (_, sz) in &props {
                let b = take(*sz)?;
                vals.push(match sz {
                    8 => f64::from_le_bytes(b.try_into().expect("8 bytes")),
                    4 => f64::from(f32::from_le_bytes(b.try_into().expect("4 bytes"))),
                    _ => return Err("vertex properties must be float or double".into()),
                });
            }
            positions.push(xyz.map(|p| vals[p] as f32));
            if has_normals {
                normals.push(nxyz.map(|p| vals[p.expect("checked")] as f32));
            }
        }
        let uint = |b: &[u8]| -> u64 { b.iter().rev().fold(0, |m, &x| (m << 8) | u64::from(x)) };
        for _ in 0..faces {
            let n = uint(take(count_size)?);
            if n != 3 {
                return Err(format!(
                    "face with {n} vertices: only triangles are supported"
                ));
            }
            let mut f = [0u32; 3];
            for v in &mut f {
                *v = u32::try_from(uint(take(index_size)?)).map_err(|_| "index too large")?;
            }
            tris.push(f);
        }
    } else {
        let text = std::str::from_utf8(body).map_err(|_| "body is not text")?;
        let mut rows = text.lines().filter(|l| !l.trim().is_empty());
        for _ in 0..vertices {
            let row = rows.next().ok_or("file is truncated")?;
            let vals: Vec<f64> = row
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{e}"))?;
            if vals.len() != props.len() {
                return Err(format!("vertex row `{row}`"));
            }
            positions.push(xyz.map(|p| vals[p] as f32));
            if has_normals {
                normals.push(nxyz.map(|p| vals[p.expect("checked")] as f32));
            }
        }
        for _ in 0..faces {
            let row = rows.next().ok_or("file is truncated")?;
            let vals: Vec<u32> = row
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{e}"))?;
            match vals.as_slice() {
                [3, a, b, c] => tris.push([*a, *b, *c]),
                _ => return Err(format!("face row `{row}`: only triangles are supported")),
            }
        }
    }
    let mesh = Mesh::new(positions, tris, Frame::Lps).map_err(|e| e.to_string())?;
    let mesh = if has_normals {
        mesh.with_normals(normals).map_err(|e| e.to_string())?
    } else {
        mesh
    };
    let (p, f, n) = mesh.into_parts();
    Ok(Mesh::from_valid(p, f, n, frame))
}

fn size(t: &str) -> Result<usize, String> {
    match t {
        "char" | "uchar" | "int8" | "uint8" => Ok(1),
        "short" | "ushort" | "int16" | "uint16" => Ok(2),
        "int" | "uint" | "float" | "int32" | "uint32" | "float32" => Ok(4),
        "double" | "float64" => Ok(8),
        _ => Err(format!("unknown PLY type {t}")),
    }
}
