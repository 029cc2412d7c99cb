//! STL: binary (80-byte header, triangle count, 50 bytes per triangle) and ASCII.

use super::{face_normal, frame_comment, frame_from_comment};
use crate::{Frame, Mesh};
use medvol_core::par;
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
        par::overlap(
            || format_block(mesh, block, next),
            || w.write_all(&ready[..len]),
        )?;
        std::mem::swap(&mut ready, &mut spare);
        len = block.len() * RECORD;
    }
    w.write_all(&ready[..len])
}

/// Fills `out` with the binary records of `faces`, in parallel tasks with the rayon feature.
fn format_block(mesh: &Mesh, faces: &[[u32; 3]], out: &mut [u8]) {
    par::for_each_chunk_mut(out, TASK * RECORD, |c, out| {
        format_records(mesh, &faces[c * TASK..], out)
    });
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

/// Parses binary or ASCII STL; vertices with bit-identical coordinates are merged, and
/// triangles two of whose corners merge (degenerate) are dropped.
///
/// A file whose triangle count (bytes 80..84) matches its length is binary, whatever its header
/// says; otherwise it must be ASCII STL: text starting with `solid`, facets of
/// `facet normal nx ny nz`, `outer loop`, three `vertex x y z`, `endloop`, `endfacet`, and
/// `endsolid`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Mesh, String> {
    let count = bytes
        .get(80..84)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")));
    let needed = |n: u32| 84 + RECORD as u64 * u64::from(n);
    let (frame, corners) = match count {
        Some(n) if needed(n) == bytes.len() as u64 => binary_corners(bytes),
        _ => {
            let text = std::str::from_utf8(bytes).ok().filter(|t| {
                let start = t.trim_start().get(..5);
                !t.contains('\0') && start.is_some_and(|w| w.eq_ignore_ascii_case("solid"))
            });
            match (text, count) {
                (Some(text), _) => ascii_corners(text)?,
                (None, Some(n)) => {
                    return Err(format!(
                        "binary STL: header says {n} triangles, the file holds {} bytes \
                         (needs 84 + 50 * {n} = {})",
                        bytes.len(),
                        needed(n)
                    ));
                }
                (None, None) => {
                    return Err(format!(
                        "neither ASCII STL (starting with `solid`) nor binary STL \
                         ({} bytes, fewer than the 84 of a binary header)",
                        bytes.len()
                    ));
                }
            }
        }
    };
    let mut index = HashMap::new();
    let mut positions = Vec::new();
    let mut faces = Vec::with_capacity(corners.len() / 3);
    for t in corners.chunks_exact(3) {
        let keys = [0, 1, 2].map(|c| t[c].map(f32::to_bits));
        if keys[0] == keys[1] || keys[1] == keys[2] || keys[0] == keys[2] {
            continue;
        }
        let mut face = [0u32; 3];
        for (id, (key, p)) in face.iter_mut().zip(keys.iter().zip(t)) {
            *id = *index.entry(*key).or_insert_with(|| {
                positions.push(*p);
                (positions.len() - 1) as u32
            });
        }
        faces.push(face);
    }
    let mesh = Mesh::new(positions, faces, Frame::Lps).map_err(|e| e.to_string())?;
    Ok(if frame == Frame::Ras {
        relabel(mesh)
    } else {
        mesh
    })
}

/// The frame named in the header and the corners of every record of a binary STL whose
/// length matches its triangle count.
fn binary_corners(bytes: &[u8]) -> (Frame, Vec<[f32; 3]>) {
    let frame = frame_from_comment(&String::from_utf8_lossy(&bytes[..80]));
    let mut corners = Vec::with_capacity((bytes.len() - 84) / RECORD * 3);
    for rec in bytes[84..].chunks_exact(RECORD) {
        for v in 0..3 {
            corners.push(std::array::from_fn(|a| {
                let o = 12 + 12 * v + 4 * a;
                f32::from_le_bytes(rec[o..o + 4].try_into().expect("4 bytes"))
            }));
        }
    }
    (frame, corners)
}

/// The frame named by the first solid and the corners of every facet of an ASCII STL; an
/// error names the first line out of the `facet` structure. Keywords are matched in any case.
fn ascii_corners(text: &str) -> Result<(Frame, Vec<[f32; 3]>), String> {
    /// What each line of a facet holds: keywords and the number of values after them.
    const FACET: [(&[&str], usize, &str); 7] = [
        (
            &["facet", "normal"],
            3,
            "`facet normal nx ny nz` or `endsolid`",
        ),
        (&["outer", "loop"], 0, "`outer loop`"),
        (&["vertex"], 3, "`vertex x y z`"),
        (&["vertex"], 3, "`vertex x y z` (3 per facet)"),
        (&["vertex"], 3, "`vertex x y z` (3 per facet)"),
        (&["endloop"], 0, "`endloop` (3 vertices per facet)"),
        (&["endfacet"], 0, "`endfacet`"),
    ];
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let first = lines.next().map_or("", |(_, l)| l);
    let frame = frame_from_comment(&first.replace('_', " "));
    let is = |word: &str, key: &str| word.eq_ignore_ascii_case(key);
    let mut corners = Vec::new();
    let mut step = 0;
    let mut in_solid = true;
    let mut last = 1;
    for (n, line) in lines {
        last = n;
        let words: Vec<&str> = line.split_whitespace().collect();
        let expected = |what: &str| format!("ASCII STL line {n}: expected {what}, found `{line}`");
        if !in_solid {
            if !is(words[0], "solid") {
                return Err(expected("`solid` or the end of the file after `endsolid`"));
            }
            in_solid = true;
            continue;
        }
        if step == 0 && is(words[0], "endsolid") {
            in_solid = false;
            continue;
        }
        let (keys, values, what) = FACET[step];
        if words.len() != keys.len() + values || !words.iter().zip(keys).all(|(w, k)| is(w, k)) {
            return Err(expected(what));
        }
        if keys == ["vertex"] {
            let p: Vec<f32> = words[1..]
                .iter()
                .map(|w| w.parse())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("ASCII STL line {n}: {e} in `{line}`"))?;
            corners.push([p[0], p[1], p[2]]);
        }
        step = (step + 1) % FACET.len();
    }
    if in_solid {
        return Err(format!(
            "ASCII STL ends at line {last} without `endsolid` (truncated?)"
        ));
    }
    Ok((frame, corners))
}

/// Marks a mesh read from a RAS file as RAS without moving its coordinates.
fn relabel(mesh: Mesh) -> Mesh {
    let (p, f, n) = mesh.into_parts();
    Mesh::from_valid(p, f, n, Frame::Ras)
}

#[cfg(test)]
mod tests {
    use super::super::{Format, ply};
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
                let mut bytes = Vec::new();
                par::with_threads(threads, || write_binary(&mesh, &mut bytes)).unwrap();
                assert!(bytes == expected, "{n} triangles, {threads} threads");
            }
        }
        let back = parse(&reference(&strip(100))).unwrap();
        assert_eq!(back.triangle_count(), 100);
    }

    fn two_triangles() -> Mesh {
        let p = vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ];
        Mesh::new(p, vec![[0, 2, 1], [0, 1, 3]], Frame::Lps).unwrap()
    }

    #[test]
    fn binary_headers_starting_with_solid() {
        let mut bytes = Vec::new();
        write_binary(&two_triangles(), &mut bytes).unwrap();
        bytes[..10].copy_from_slice(b"solid part");
        let mesh = parse(&bytes).unwrap();
        assert_eq!((mesh.vertex_count(), mesh.triangle_count()), (4, 2));
        // The count disagrees with the length: an error, never an empty mesh.
        for n in [3u32, 1, 0, u32::MAX] {
            bytes[80..84].copy_from_slice(&n.to_le_bytes());
            let err = parse(&bytes).unwrap_err();
            let expected =
                format!("binary STL: header says {n} triangles, the file holds 184 bytes");
            assert!(err.starts_with(&expected), "{err}");
            assert!(err.contains(&format!("84 + 50 * {n}")), "{err}");
        }
        // Text with a NUL byte is not ASCII STL.
        let err = parse(b"solid x\nendsolid x\n\0").unwrap_err();
        assert!(err.starts_with("neither ASCII STL"), "{err}");
    }

    #[test]
    fn ascii_stl_must_hold_whole_facets() {
        let mut bytes = Vec::new();
        write_ascii(&two_triangles(), &mut bytes).unwrap();
        let good = String::from_utf8(bytes).unwrap();
        assert_eq!(parse(good.as_bytes()).unwrap().triangle_count(), 2);
        // Other case, indentation, CRLF, two solids.
        let loose = format!(
            "  SOLID a\r\n  FACET NORMAL 0 0 1\r\n    Outer Loop\r\n      VERTEX 0 0 0\r\n\
             \n      vertex 1 0 0\r\n      vertex 0 1 0\r\n    ENDLOOP\r\n  endfacet\r\n\
             ENDSOLID a\r\n{good}"
        );
        assert_eq!(parse(loose.as_bytes()).unwrap().triangle_count(), 3);
        let facet = "facet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\n";
        for (case, text, line) in [
            ("no facets", "solid\nfoo\n".to_string(), 2),
            (
                "four vertices",
                format!("solid\n{facet}vertex 1 1 0\nendloop\nendfacet\nendsolid\n"),
                7,
            ),
            (
                "two vertices",
                "solid\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\n"
                    .to_string(),
                6,
            ),
            (
                "no outer loop",
                "solid\nfacet normal 0 0 1\nvertex 0 0 0\n".to_string(),
                3,
            ),
            (
                "no endfacet",
                format!("solid\n{facet}endloop\nendsolid\n"),
                8,
            ),
            (
                "two coordinates",
                "solid\nfacet normal 0 0 1\nouter loop\nvertex 0 0\n".to_string(),
                4,
            ),
            (
                "text after endsolid",
                format!("solid\n{facet}endloop\nendfacet\nendsolid\nfacet\n"),
                10,
            ),
        ] {
            let err = parse(text.as_bytes()).unwrap_err();
            assert!(
                err.starts_with(&format!("ASCII STL line {line}: expected")),
                "{case}: {err}"
            );
        }
        let err = parse(b"solid\nfacet normal 0 0 1\nouter loop\nvertex 0 zero 0\n").unwrap_err();
        assert!(err.starts_with("ASCII STL line 4: invalid float"), "{err}");
        for truncated in [
            "solid x\n".to_string(),
            format!("solid\n{facet}endloop\nendfacet\n"),
        ] {
            let err = parse(truncated.as_bytes()).unwrap_err();
            assert!(err.contains("without `endsolid`"), "{err}");
        }
        assert!(parse(b"solid x\nendsolid x\n").unwrap().is_empty());
    }

    #[test]
    fn degenerate_triangles_are_dropped_on_reading() {
        // Corners 1 and 3 coincide: medvol writes the triangle, merging makes it repeat a
        // vertex. The collinear triangle has distinct corners and stays.
        let p = vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [2.0, 0.0, 0.0],
        ];
        let mesh = Mesh::new(p, vec![[0, 1, 2], [0, 1, 3], [0, 4, 1]], Frame::Lps).unwrap();
        for format in [Format::StlBinary, Format::StlAscii] {
            let mut bytes = Vec::new();
            format.write_to(&mesh, &mut bytes).unwrap();
            let back = parse(&bytes).unwrap();
            assert_eq!(back.faces(), [[0, 1, 2], [0, 3, 1]], "{format:?}");
            let expected = [
                [0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0],
                [0.0, 1.0, 0.0],
                [2.0, 0.0, 0.0],
            ];
            assert_eq!(back.positions(), expected, "{format:?}");
        }
        let mut bytes = Vec::new();
        Format::PlyBinary.write_to(&mesh, &mut bytes).unwrap();
        assert_eq!(ply::parse(&bytes).unwrap(), mesh);
        bytes.clear();
        Format::PlyAscii.write_to(&mesh, &mut bytes).unwrap();
        assert_eq!(ply::parse(&bytes).unwrap(), mesh);
    }
}
