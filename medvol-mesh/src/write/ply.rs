//! PLY: written binary little endian or ASCII, read also big endian; shared vertices, optional
//! vertex normals.

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

/// Parses the PLY files [`write`] produces and the common variants: ASCII, binary little or
/// big endian, LF or CRLF lines; `x y z` (and `nx ny nz`) of any numeric type, other vertex
/// properties skipped; triangles as a list of any integer types. Faces that repeat a vertex
/// index (degenerate) are dropped. Only a `comment medvol mesh, ...` line sets the frame.
pub(crate) fn parse(bytes: &[u8]) -> Result<Mesh, String> {
    let (header, body) = split_header(bytes)?;
    let header = std::str::from_utf8(header).map_err(|_| "header is not text")?;
    let mut lines = header.lines();
    if lines.next().map(str::trim_end) != Some("ply") {
        return Err("not a PLY file".into());
    }
    let mut encoding = None; // None: ASCII, Some(big endian): binary
    let mut frame = Frame::Lps;
    let mut vertices = None;
    let mut faces = None;
    let mut props: Vec<(String, Scalar)> = Vec::new(); // vertex properties
    let mut list = None; // face list: (count type, index type)
    let mut element = "";
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["comment", "medvol", "mesh,", ..] => frame = frame_from_comment(line),
            [] | ["comment" | "obj_info", ..] => {}
            ["format", "ascii", _] => encoding = Some(None),
            ["format", "binary_little_endian", _] => encoding = Some(Some(false)),
            ["format", "binary_big_endian", _] => encoding = Some(Some(true)),
            ["format", other, ..] => return Err(format!("unsupported format {other}")),
            ["element", "vertex", n] if vertices.is_none() && faces.is_none() => {
                element = "vertex";
                vertices = Some(n.parse::<usize>().map_err(|_| "bad vertex count")?);
            }
            ["element", "face", n] if faces.is_none() => {
                element = "face";
                faces = Some(n.parse::<usize>().map_err(|_| "bad face count")?);
            }
            ["element", "vertex" | "face", _] => {
                return Err("one vertex element, then one face element, are supported".into());
            }
            ["element", other, _] => return Err(format!("unsupported element {other}")),
            ["property", "list", c, i, name] if element == "face" && list.is_none() => {
                let (c, i) = (Scalar::parse(c)?, Scalar::parse(i)?);
                if !c.is_integer() || !i.is_integer() {
                    return Err(format!(
                        "face list `{name}`: counts and vertex indices must be integers"
                    ));
                }
                list = Some((c, i));
            }
            ["property", "list", ..] if element == "vertex" => {
                return Err(format!("list property in the vertex element: `{line}`"));
            }
            ["property", t, name] if element == "vertex" => {
                props.push((name.to_string(), Scalar::parse(t)?))
            }
            _ => return Err(format!("unsupported header line `{line}`")),
        }
    }
    let encoding = encoding.ok_or("no format line")?;
    let (count_type, index_type) = list.ok_or("no face list")?;
    let (vertices, faces) = (vertices.unwrap_or(0), faces.unwrap_or(0));
    let find = |n: &str| props.iter().position(|p| p.0 == n);
    let xyz = [find("x"), find("y"), find("z")];
    let nxyz = [find("nx"), find("ny"), find("nz")];
    let xyz = xyz.map(|p| p.ok_or("vertex lacks x, y or z"));
    let xyz = [xyz[0]?, xyz[1]?, xyz[2]?];
    let has_normals = nxyz.iter().all(Option::is_some);
    // Refuse counts the body cannot hold before allocating.
    let (min_vertex, min_face) = match encoding {
        Some(_) => (
            props.iter().map(|p| p.1.size()).sum(),
            count_type.size() + 3 * index_type.size(),
        ),
        None => (2 * props.len(), 4),
    };
    if vertices
        .saturating_mul(min_vertex)
        .saturating_add(faces.saturating_mul(min_face))
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
    let mut vals = Vec::with_capacity(props.len());
    if let Some(big) = encoding {
        let mut at = 0usize;
        let mut take = |t: Scalar| -> Result<f64, String> {
            let s = body.get(at..at + t.size()).ok_or("file is truncated")?;
            at += t.size();
            Ok(t.decode(s, big))
        };
        for _ in 0..vertices {
            vals.clear();
            for (_, t) in &props {
                vals.push(take(*t)?);
            }
            positions.push(xyz.map(|p| vals[p] as f32));
            if has_normals {
                normals.push(nxyz.map(|p| vals[p.expect("checked")] as f32));
            }
        }
        for _ in 0..faces {
            let n = take(count_type)?;
            if n != 3.0 {
                return Err(format!(
                    "face with {n} vertices: only triangles are supported"
                ));
            }
            let mut f = [0u32; 3];
            for v in &mut f {
                let i = take(index_type)?;
                *v = u32::try_from(i as i64).map_err(|_| format!("vertex index {i}"))?;
            }
            tris.push(f);
        }
    } else {
        let text = std::str::from_utf8(body).map_err(|_| "body is not text")?;
        let mut rows = text.lines().filter(|l| !l.trim().is_empty());
        for _ in 0..vertices {
            let row = rows.next().ok_or("file is truncated")?;
            vals.clear();
            for word in row.split_whitespace() {
                vals.push(
                    word.parse()
                        .map_err(|e| format!("vertex row `{row}`: {e}"))?,
                );
            }
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
                .map_err(|e| format!("face row `{row}`: {e}"))?;
            match vals.as_slice() {
                [3, a, b, c] => tris.push([*a, *b, *c]),
                _ => return Err(format!("face row `{row}`: only triangles are supported")),
            }
        }
    }
    if let Some(f) = tris
        .iter()
        .find(|f| f.iter().any(|&v| v as usize >= vertices))
    {
        return Err(format!("face {f:?} on {vertices} vertices"));
    }
    tris.retain(|f| f[0] != f[1] && f[1] != f[2] && f[0] != f[2]);
    let mesh = Mesh::new(positions, tris, Frame::Lps).map_err(|e| e.to_string())?;
    let mesh = if has_normals {
        mesh.with_normals(normals).map_err(|e| e.to_string())?
    } else {
        mesh
    };
    let (p, f, n) = mesh.into_parts();
    Ok(Mesh::from_valid(p, f, n, frame))
}

/// The header (up to the `end_header` line, LF or CRLF) and the body after it.
fn split_header(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let mut start = 0;
    while let Some(len) = bytes[start..].iter().position(|&b| b == b'\n') {
        let line = &bytes[start..start + len];
        if line.trim_ascii() == b"end_header" {
            return Ok((&bytes[..start], &bytes[start + len + 1..]));
        }
        start += len + 1;
    }
    Err("no end_header".into())
}

/// A PLY scalar property type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    F32,
    F64,
}

impl Scalar {
    /// The type a header names, by its PLY 1.0 name or its sized alias.
    fn parse(t: &str) -> Result<Scalar, String> {
        Ok(match t {
            "char" | "int8" => Scalar::I8,
            "uchar" | "uint8" => Scalar::U8,
            "short" | "int16" => Scalar::I16,
            "ushort" | "uint16" => Scalar::U16,
            "int" | "int32" => Scalar::I32,
            "uint" | "uint32" => Scalar::U32,
            "float" | "float32" => Scalar::F32,
            "double" | "float64" => Scalar::F64,
            _ => return Err(format!("unknown PLY type {t}")),
        })
    }

    /// Bytes per value in a binary file.
    fn size(self) -> usize {
        match self {
            Scalar::I8 | Scalar::U8 => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::F64 => 8,
        }
    }

    fn is_integer(self) -> bool {
        !matches!(self, Scalar::F32 | Scalar::F64)
    }

    /// The value held by `b` (`self.size()` bytes, big or little endian), exact in f64.
    fn decode(self, b: &[u8], big: bool) -> f64 {
        let mut le = [0u8; 8];
        le[..b.len()].copy_from_slice(b);
        if big {
            le[..b.len()].reverse();
        }
        let [b0, b1, b2, b3, ..] = le;
        match self {
            Scalar::I8 => f64::from(b0 as i8),
            Scalar::U8 => f64::from(b0),
            Scalar::I16 => f64::from(i16::from_le_bytes([b0, b1])),
            Scalar::U16 => f64::from(u16::from_le_bytes([b0, b1])),
            Scalar::I32 => f64::from(i32::from_le_bytes([b0, b1, b2, b3])),
            Scalar::U32 => f64::from(u32::from_le_bytes([b0, b1, b2, b3])),
            Scalar::F32 => f64::from(f32::from_le_bytes([b0, b1, b2, b3])),
            Scalar::F64 => f64::from_le_bytes(le),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRIANGLE: &str = "element face 1\nproperty list uchar int vertex_indices\nend_header\n";

    /// A PLY of one triangle: `header` after the format line, then the vertex element's body
    /// and the face `3 0 1 2` in the file's encoding.
    fn file(format: &str, header: &str, vertices: &[u8]) -> Vec<u8> {
        let mut out = format!("ply\nformat {format} 1.0\n{header}{TRIANGLE}").into_bytes();
        out.extend_from_slice(vertices);
        match format {
            "ascii" => out.extend_from_slice(b"3 0 1 2\n"),
            "binary_big_endian" => {
                out.push(3);
                [0i32, 1, 2]
                    .iter()
                    .for_each(|v| out.extend(v.to_be_bytes()));
            }
            _ => {
                out.push(3);
                [0i32, 1, 2]
                    .iter()
                    .for_each(|v| out.extend(v.to_le_bytes()));
            }
        }
        out
    }

    /// The bytes of `v` as PLY type `t`, through the standard library's conversions.
    fn encode(t: &str, v: i16, big: bool) -> Vec<u8> {
        macro_rules! bytes {
            ($x:expr) => {
                if big {
                    $x.to_be_bytes().to_vec()
                } else {
                    $x.to_le_bytes().to_vec()
                }
            };
        }
        match t {
            "char" | "int8" => bytes!(v as i8),
            "uchar" | "uint8" => bytes!(v as u8),
            "short" | "int16" => bytes!(v),
            "ushort" | "uint16" => bytes!(v as u16),
            "int" | "int32" => bytes!(i32::from(v)),
            "uint" | "uint32" => bytes!(v as u32),
            "float" | "float32" => bytes!(f32::from(v)),
            _ => bytes!(f64::from(v)),
        }
    }

    const TYPES: [&str; 16] = [
        "char", "uchar", "short", "ushort", "int", "uint", "float", "double", "int8", "uint8",
        "int16", "uint16", "int32", "uint32", "float32", "float64",
    ];

    #[test]
    fn coordinates_and_normals_of_every_numeric_type() {
        for t in TYPES {
            let signed = !t.starts_with('u');
            let value = |i: i16| if signed { i - 3 } else { i + 1 };
            let expected: Vec<[f32; 3]> = (0..3)
                .map(|v| [0, 1, 2].map(|a| f32::from(value(3 * v + a))))
                .collect();
            let header = format!(
                "element vertex 3\nproperty {t} x\nproperty {t} y\nproperty {t} z\n\
                 property {t} nx\nproperty {t} ny\nproperty {t} nz\n"
            );
            for format in ["binary_little_endian", "binary_big_endian", "ascii"] {
                let mut body = Vec::new();
                for v in 0..3 {
                    for a in (0..3).chain(0..3) {
                        let x = value(3 * v + a);
                        if format == "ascii" {
                            body.extend_from_slice(format!("{x} ").as_bytes());
                        } else {
                            body.extend(encode(t, x, format == "binary_big_endian"));
                        }
                    }
                    if format == "ascii" {
                        body.push(b'\n');
                    }
                }
                let mesh = parse(&file(format, &header, &body)).unwrap();
                assert_eq!(mesh.positions(), expected, "{t} {format}");
                assert_eq!(mesh.normals().unwrap(), expected, "{t} {format}");
                assert_eq!(mesh.faces(), [[0, 1, 2]], "{t} {format}");
            }
        }
    }

    #[test]
    fn other_vertex_properties_are_skipped_by_their_size() {
        let header = "element vertex 3\nproperty uchar red\nproperty float x\nproperty float y\n\
                      property float z\nproperty uchar green\nproperty double quality\n\
                      property short blue\n";
        let corners = [[0.5f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, -1.0, 2.0]];
        for big in [false, true] {
            let mut body = Vec::new();
            for p in corners {
                body.push(200);
                for x in p {
                    body.extend(if big {
                        x.to_be_bytes()
                    } else {
                        x.to_le_bytes()
                    });
                }
                body.push(7);
                body.extend(encode("double", -9, big));
                body.extend(encode("short", 300, big));
            }
            let format = ["binary_little_endian", "binary_big_endian"][usize::from(big)];
            let mesh = parse(&file(format, header, &body)).unwrap();
            assert_eq!(mesh.positions(), corners);
            assert!(mesh.normals().is_none());
        }
        let ascii = b"200 0.5 0 0 7 -9 300\n255 1 0 0 0 1.5 2\n0 0 -1 2 1 0 -4\n";
        let mesh = parse(&file("ascii", header, ascii)).unwrap();
        assert_eq!(mesh.positions(), corners);
    }

    #[test]
    fn lists_in_vertices_and_non_integer_indices_are_refused() {
        let xyz = "property float x\nproperty float y\nproperty float z\n";
        let list = format!("element vertex 3\n{xyz}property list uchar float texcoord\n");
        let err = parse(&file("ascii", &list, b"")).unwrap_err();
        assert!(err.contains("list property in the vertex element"), "{err}");
        let float_index = format!(
            "ply\nformat binary_little_endian 1.0\nelement vertex 3\n{xyz}element face 1\n\
             property list uchar float vertex_indices\nend_header\n"
        );
        let err = parse(float_index.as_bytes()).unwrap_err();
        assert!(err.contains("must be integers"), "{err}");
        let face_first = format!(
            "ply\nformat ascii 1.0\nelement face 1\nproperty list uchar int vertex_indices\n\
             element vertex 3\n{xyz}end_header\n3 0 1 2\n0 0 0\n1 0 0\n0 1 0\n"
        );
        assert!(parse(face_first.as_bytes()).is_err());
    }

    #[test]
    fn crlf_obj_info_and_comments() {
        let xyz = "element vertex 3\nproperty float x\nproperty float y\nproperty float z\n";
        let header = format!(
            "comment medvol mesh, RAS mm\nobj_info made by a scanner\n{xyz}comment edited later\n"
        );
        let text = String::from_utf8(file("ascii", &header, b"0 0 0\n1 0 0\n0 1 0\n")).unwrap();
        for text in [text.clone(), text.replace('\n', "\r\n")] {
            let mesh = parse(text.as_bytes()).unwrap();
            assert_eq!(mesh.frame(), Frame::Ras);
            assert_eq!(mesh.positions()[1], [1.0, 0.0, 0.0]);
            assert_eq!(mesh.faces(), [[0, 1, 2]]);
        }
        // A CRLF header before a binary body.
        let mut body = Vec::new();
        for x in [0.0f32, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0] {
            body.extend(x.to_le_bytes());
        }
        let bytes = file("binary_little_endian", &header, &body);
        let end = bytes
            .windows(11)
            .position(|w| w == b"end_header\n")
            .unwrap()
            + 11;
        let mut crlf = String::from_utf8(bytes[..end].to_vec())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes();
        crlf.extend_from_slice(&bytes[end..]);
        let mesh = parse(&crlf).unwrap();
        assert_eq!(mesh.frame(), Frame::Ras);
        assert_eq!(mesh.positions()[2], [0.0, 1.0, 0.0]);
        // An LPS comment after a RAS one wins; comments naming no frame change nothing.
        let lps = text.replace("comment edited later", "comment medvol mesh, LPS mm");
        assert_eq!(parse(lps.as_bytes()).unwrap().frame(), Frame::Lps);
    }

    #[test]
    fn faces_repeating_a_vertex_are_dropped() {
        let text = "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n\
                    property float z\nelement face 3\nproperty list uchar uint vertex_indices\n\
                    end_header\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 0 1\n3 0 1 2\n3 2 3 2\n";
        let mesh = parse(text.as_bytes()).unwrap();
        assert_eq!(mesh.faces(), [[0, 1, 2]]);
        assert_eq!(mesh.vertex_count(), 4);
        // Out-of-range indices stay an error, degenerate or not.
        let bad = text.replace("3 2 3 2", "3 9 9 2");
        assert!(parse(bad.as_bytes()).unwrap_err().contains("on 4 vertices"));
    }
}
