//! Mesh files: STL (binary, ASCII), PLY (binary little endian, ASCII) and OBJ, written
//! atomically through [`medvol_core::atomic::write_file`], and minimal STL/PLY readers.
//!
//! Each file records its frame (LPS or RAS, millimetres) where the format has room: the STL
//! header or solid name, a PLY comment, an OBJ comment.

pub mod obj;
pub mod ply;
pub mod stl;

use crate::{Error, Mesh, Result};
use medvol_core::Vector;
use std::io::{self, Write};
use std::path::Path;

/// A mesh file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Binary STL (50 bytes per triangle, no shared vertices).
    StlBinary,
    /// ASCII STL.
    StlAscii,
    /// Binary little-endian PLY with shared vertices (and normals if the mesh has them).
    PlyBinary,
    /// ASCII PLY.
    PlyAscii,
    /// Wavefront OBJ.
    Obj,
}

impl Format {
    /// The binary format named by the file extension (`.stl`, `.ply`, `.obj`, any case).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for another extension.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Format> {
        let path = path.as_ref();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("stl") => Ok(Format::StlBinary),
            Some("ply") => Ok(Format::PlyBinary),
            Some("obj") => Ok(Format::Obj),
            _ => Err(Error::InvalidParameter {
                name: "path",
                reason: format!("{}: extension is not .stl, .ply or .obj", path.display()),
            }),
        }
    }

    /// Writes `mesh` to `w` in this format.
    ///
    /// # Errors
    /// The writer's errors; [`io::ErrorKind::InvalidInput`] for a binary STL of more than
    /// `u32::MAX` triangles.
    pub fn write_to<W: Write>(self, mesh: &Mesh, w: &mut W) -> io::Result<()> {
        match self {
            Format::StlBinary => stl::write_binary(mesh, w),
            Format::StlAscii => stl::write_ascii(mesh, w),
            Format::PlyBinary => ply::write(mesh, w, true),
            Format::PlyAscii => ply::write(mesh, w, false),
            Format::Obj => obj::write(mesh, w),
        }
    }
}

/// Writes `mesh` to `path` in the format its extension names (binary for STL and PLY).
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_mesh::{isosurface, write};
///
/// let mut v = Volume::<u8>::zeros([3, 3, 3], Geometry::default())?;
/// v[Ijk::new(1, 1, 1)] = 1;
/// let mesh = isosurface(&v, 0.5)?;
/// let path = std::env::temp_dir().join(format!("medvol-doc-write-{}.stl", std::process::id()));
/// write::write(&mesh, &path)?;
/// // Binary STL: 80-byte header, a u32 count, 50 bytes per triangle.
/// assert_eq!(std::fs::metadata(&path)?.len(), 84 + 50 * 8);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Format::from_path`] and [`write_as`].
pub fn write(mesh: &Mesh, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    write_as(mesh, path, Format::from_path(path)?)
}

/// Writes `mesh` to `path` in `format`, atomically (temporary file renamed into place).
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_mesh::write::{self, Format};
/// use medvol_mesh::{Frame, isosurface};
///
/// let mut v = Volume::<u8>::zeros([3, 3, 3], Geometry::default())?;
/// v[Ijk::new(1, 1, 1)] = 1;
/// let mesh = isosurface(&v, 0.5)?.into_frame(Frame::Ras);
/// let path = std::env::temp_dir().join(format!("medvol-doc-write-as-{}.ply", std::process::id()));
/// write::write_as(&mesh, &path, Format::PlyAscii)?;
/// let text = std::fs::read_to_string(&path)?;
/// assert!(text.starts_with("ply\nformat ascii 1.0"));
/// assert!(text.contains("RAS mm")); // the frame rides in a comment
/// assert_eq!(write::read(&path)?.frame(), Frame::Ras);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`] naming the path.
pub fn write_as(mesh: &Mesh, path: impl AsRef<Path>, format: Format) -> Result<()> {
    let path = path.as_ref();
    medvol_core::atomic::write_file(path, |w| format.write_to(mesh, w)).map_err(|source| {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Reads an STL (binary or ASCII) or PLY (binary little or big endian, or ASCII) file, by
/// extension. STL vertices with identical coordinates are merged. Degenerate triangles that
/// repeat a vertex (a PLY face such as `3 0 0 1`, or an STL facet two of whose corners are
/// bit-identical) are dropped without notice, as VTK does; zero-area triangles with distinct
/// vertices are kept.
///
/// ```
/// use medvol_core::{Geometry, Ijk, Volume};
/// use medvol_mesh::{isosurface, write};
///
/// let mut v = Volume::<u8>::zeros([3, 3, 3], Geometry::default())?;
/// v[Ijk::new(1, 1, 1)] = 1;
/// let mesh = isosurface(&v, 0.5)?;
/// let path = std::env::temp_dir().join(format!("medvol-doc-read-{}.stl", std::process::id()));
/// write::write(&mesh, &path)?;
/// let back = write::read(&path)?;
/// // STL repeats corners per triangle; reading merges them back into the 6 shared vertices.
/// assert_eq!((back.vertex_count(), back.triangle_count()), (6, 8));
/// assert_eq!(back.bounding_box(), mesh.bounding_box());
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`], or [`Error::Parse`] for a malformed or unsupported file.
pub fn read(path: impl AsRef<Path>) -> Result<Mesh> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parse = |reason: String| Error::Parse {
        path: path.to_path_buf(),
        reason,
    };
    match Format::from_path(path)? {
        Format::StlBinary | Format::StlAscii => stl::parse(&bytes).map_err(parse),
        Format::PlyBinary | Format::PlyAscii => ply::parse(&bytes).map_err(parse),
        Format::Obj => Err(parse("reading OBJ is not supported".into())),
    }
}

/// The comment naming a mesh's frame and units, as files record it.
fn frame_comment(mesh: &Mesh) -> String {
    format!("medvol mesh, {} mm", mesh.frame().name())
}

/// The frame a comment written by [`frame_comment`] names (LPS when absent).
fn frame_from_comment(text: &str) -> crate::Frame {
    if text.contains("RAS mm") {
        crate::Frame::Ras
    } else {
        crate::Frame::Lps
    }
}

/// Unit normal of the triangle with corners `p` (zero for a degenerate triangle), computed
/// in f64. Written without array maps, which the optimiser does not always flatten in this
/// hot loop of the STL writer.
#[inline]
fn face_normal(p: [[f32; 3]; 3]) -> [f32; 3] {
    let [[x0, y0, z0], [x1, y1, z1], [x2, y2, z2]] = p;
    let (x0, y0, z0) = (f64::from(x0), f64::from(y0), f64::from(z0));
    let u = Vector([f64::from(x1) - x0, f64::from(y1) - y0, f64::from(z1) - z0]);
    let v = Vector([f64::from(x2) - x0, f64::from(y2) - y0, f64::from(z2) - z0]);
    let Vector(n) = u.cross(v);
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    if len > 0.0 {
        [
            (n[0] / len) as f32,
            (n[1] / len) as f32,
            (n[2] / len) as f32,
        ]
    } else {
        [0.0; 3]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Frame, MarchingCubes};
    use medvol_core::phantom::{Shape, Torus};
    use medvol_core::{Geometry, Point};

    fn torus_mesh(normals: bool) -> Mesh {
        let t = Torus {
            center: Point::new(0.5, -0.25, 0.1),
            major_radius_mm: 8.0,
            minor_radius_mm: 3.0,
        };
        let g = Geometry::new(
            [0.9, 1.0, 1.1],
            Point::new(-14.0, -14.0, -7.0),
            Default::default(),
        )
        .unwrap();
        let vol = t.distance_volume([32, 30, 14], g).unwrap();
        MarchingCubes::new(0.0)
            .unwrap()
            .with_normals(normals)
            .with_frame(Frame::Ras)
            .run(&vol)
            .unwrap()
    }

    /// Same triangles (as coordinate triples) in the same order.
    fn same_triangles(a: &Mesh, b: &Mesh, tol: f32) {
        assert_eq!(a.triangle_count(), b.triangle_count());
        for (fa, fb) in a.faces().iter().zip(b.faces()) {
            for s in 0..3 {
                let (p, q) = (a.positions()[fa[s] as usize], b.positions()[fb[s] as usize]);
                for x in 0..3 {
                    assert!(
                        (p[x] - q[x]).abs() <= tol * p[x].abs().max(1.0),
                        "{p:?} vs {q:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_format_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        for normals in [false, true] {
            let mesh = torus_mesh(normals);
            assert!(mesh.triangle_count() > 500);
            for (name, format) in [
                ("a.stl", Format::StlBinary),
                ("b.stl", Format::StlAscii),
                ("c.ply", Format::PlyBinary),
                ("d.ply", Format::PlyAscii),
            ] {
                let path = dir.path().join(name);
                write_as(&mesh, &path, format).unwrap();
                let back = read(&path).unwrap();
                assert_eq!(back.frame(), Frame::Ras, "{name}");
                // STL loses sharing only for bit-identical duplicates: the counts come back.
                assert_eq!(back.vertex_count(), mesh.vertex_count(), "{name}");
                let tol = if matches!(format, Format::StlBinary | Format::PlyBinary) {
                    0.0
                } else {
                    1e-6
                };
                same_triangles(&mesh, &back, tol);
                if matches!(format, Format::PlyBinary | Format::PlyAscii) {
                    assert_eq!(back.normals().is_some(), normals);
                    assert_eq!(back.faces(), mesh.faces());
                }
                assert!(back.edge_report().is_closed_manifold());
            }
            let obj = dir.path().join("e.obj");
            write(&mesh, &obj).unwrap();
            let text = std::fs::read_to_string(&obj).unwrap();
            assert_eq!(
                text.lines().filter(|l| l.starts_with("v ")).count(),
                mesh.vertex_count()
            );
            assert_eq!(
                text.lines().filter(|l| l.starts_with("f ")).count(),
                mesh.triangle_count()
            );
            assert_eq!(
                text.lines().filter(|l| l.starts_with("vn ")).count(),
                if normals { mesh.vertex_count() } else { 0 }
            );
            assert!(text.contains("RAS mm"));
        }
        assert!(read(dir.path().join("missing.stl")).is_err());
        std::fs::write(
            dir.path().join("bad.ply"),
            b"ply\nformat binary_big_endian 1.0\n",
        )
        .unwrap();
        assert!(matches!(
            read(dir.path().join("bad.ply")),
            Err(Error::Parse { .. })
        ));
        std::fs::write(dir.path().join("short.stl"), [0u8; 90]).unwrap();
        assert!(matches!(
            read(dir.path().join("short.stl")),
            Err(Error::Parse { .. })
        ));
        assert!(write(&torus_mesh(false), dir.path().join("x.vtk")).is_err());
    }
}
