//! [`Mesh`]: indexed triangles in patient millimetres.

use crate::{Error, Result};
use medvol_core::Frame;

/// The parts of a [`Mesh`]: positions, faces and optional normals.
pub type MeshParts = (Vec<[f32; 3]>, Vec<[u32; 3]>, Option<Vec<[f32; 3]>>);

/// Indexed triangles: positions (mm, in [`Frame`]), faces (three vertex indices,
/// counter-clockwise seen from outside, so normals point out), optional unit vertex normals.
///
/// Vertices are shared between adjacent triangles: marching cubes makes one vertex per cut
/// edge of the grid, so no welding is needed.
///
/// ```
/// use medvol_mesh::{Frame, Mesh};
///
/// // A tetrahedron, faces oriented outwards.
/// let p = vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
/// let f = vec![[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]];
/// let mesh = Mesh::new(p, f, Frame::Lps)?;
/// assert!((mesh.signed_volume_mm3() - 1.0 / 6.0).abs() < 1e-9);
/// assert_eq!(mesh.euler_characteristic(), 2);
/// # Ok::<(), medvol_mesh::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mesh {
    positions: Vec<[f32; 3]>,
    faces: Vec<[u32; 3]>,
    normals: Option<Vec<[f32; 3]>>,
    frame: Frame,
}

impl Mesh {
    /// A mesh from positions (mm) and faces.
    ///
    /// # Errors
    /// [`Error::InvalidMesh`] when a face refers to a missing vertex or repeats a vertex,
    /// [`Error::TooLarge`] with more than `u32::MAX` vertices.
    pub fn new(positions: Vec<[f32; 3]>, faces: Vec<[u32; 3]>, frame: Frame) -> Result<Self> {
        if positions.len() > u32::MAX as usize {
            return Err(Error::TooLarge {
                what: "mesh vertices",
                count: positions.len() as u64,
                limit: u64::from(u32::MAX),
            });
        }
        let n = positions.len() as u32;
        if let Some((i, f)) = faces.iter().enumerate().find(|(_, f)| {
            f.iter().any(|&v| v >= n) || f[0] == f[1] || f[1] == f[2] || f[0] == f[2]
        }) {
            return Err(Error::InvalidMesh {
                reason: format!("face {i} {f:?} on {n} vertices"),
            });
        }
        Ok(Self::from_valid(positions, faces, None, frame))
    }

    /// Adds per-vertex normals (one per position).
    ///
    /// # Errors
    /// [`Error::InvalidMesh`] when the counts differ.
    pub fn with_normals(mut self, normals: Vec<[f32; 3]>) -> Result<Self> {
        if normals.len() != self.positions.len() {
            return Err(Error::InvalidMesh {
                reason: format!(
                    "{} normals for {} vertices",
                    normals.len(),
                    self.positions.len()
                ),
            });
        }
        self.normals = Some(normals);
        Ok(self)
    }

    pub(crate) fn from_valid(
        positions: Vec<[f32; 3]>,
        faces: Vec<[u32; 3]>,
        normals: Option<Vec<[f32; 3]>>,
        frame: Frame,
    ) -> Self {
        Self {
            positions,
            faces,
            normals,
            frame,
        }
    }

    pub(crate) fn empty(frame: Frame) -> Self {
        Self {
            frame,
            ..Self::default()
        }
    }

    /// Vertex positions, millimetres in [`Mesh::frame`].
    pub fn positions(&self) -> &[[f32; 3]] {
        &self.positions
    }
    /// Triangles as vertex indices, counter-clockwise seen from outside.
    pub fn faces(&self) -> &[[u32; 3]] {
        &self.faces
    }
    /// Unit vertex normals, pointing outside, if computed.
    pub fn normals(&self) -> Option<&[[f32; 3]]> {
        self.normals.as_deref()
    }
    /// The frame of the positions.
    pub fn frame(&self) -> Frame {
        self.frame
    }
    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }
    /// Number of triangles.
    pub fn triangle_count(&self) -> usize {
        self.faces.len()
    }
    /// `true` without triangles.
    pub fn is_empty(&self) -> bool {
        self.faces.is_empty()
    }
    /// Positions, faces and normals.
    pub fn into_parts(self) -> MeshParts {
        (self.positions, self.faces, self.normals)
    }

    /// The same mesh in `frame` ([`Frame::transform_to`]: LPS and RAS differ by the sign of
    /// x and y, a rotation, so faces keep their orientation). Exact: only signs change.
    ///
    /// ```
    /// use medvol_mesh::{Frame, Mesh};
    /// let p = vec![[1.0, 2.0, 3.0], [2.0, 2.0, 3.0], [1.0, 3.0, 3.0]];
    /// let mesh = Mesh::new(p, vec![[0, 1, 2]], Frame::Lps)?.into_frame(Frame::Ras);
    /// assert_eq!(mesh.positions()[0], [-1.0, -2.0, 3.0]);
    /// assert_eq!(mesh.frame(), Frame::Ras);
    /// # Ok::<(), medvol_mesh::Error>(())
    /// ```
    pub fn into_frame(mut self, frame: Frame) -> Self {
        if frame != self.frame {
            let signs = self.frame.axis_signs(frame).map(|s| s as f32);
            let apply = |v: &mut [f32; 3]| (0..3).for_each(|a| v[a] *= signs[a]);
            self.positions.iter_mut().for_each(apply);
            if let Some(n) = &mut self.normals {
                n.iter_mut().for_each(apply);
            }
            self.frame = frame;
        }
        self
    }

    /// The triangles `keep` selects, with the vertices they use (renumbered in order).
    pub fn filter_faces(&self, mut keep: impl FnMut(usize) -> bool) -> Mesh {
        let mut map = vec![u32::MAX; self.positions.len()];
        let mut positions = Vec::new();
        let mut normals = self.normals.as_ref().map(|_| Vec::new());
        let mut faces = Vec::new();
        for (i, f) in self.faces.iter().enumerate() {
            if !keep(i) {
                continue;
            }
            faces.push(f.map(|v| {
                let slot = &mut map[v as usize];
                if *slot == u32::MAX {
                    *slot = positions.len() as u32;
                    positions.push(self.positions[v as usize]);
                    if let (Some(out), Some(src)) = (&mut normals, &self.normals) {
                        out.push(src[v as usize]);
                    }
                }
                *slot
            }));
        }
        Mesh::from_valid(positions, faces, normals, self.frame)
    }
}
