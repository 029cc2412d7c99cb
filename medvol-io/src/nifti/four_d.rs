//! 4-D NIfTI output: the time points of a series, produced one at a time, streamed into one
//! file.
//!
//! medvol keeps one [`DynVolume`] per time point; a 4-D file is assembled only here, as the
//! bytes are written. The first volume fixes the header (dims, type, geometry, the number of
//! time points); each later volume is checked against it before its voxels are encoded, so
//! a mismatch stops the write with a clear error and no file appears. Only one time point
//! needs to be in memory at a time.

use super::header;
use super::write::{Encoder, Voxels, WriteOptions, build_header, gzip_output};
use crate::{Error, Result};
use medvol_core::DynVolume;
use std::borrow::Borrow;
use std::io::{self, Write};
use std::path::Path;

/// Largest difference (mm, or direction cosine) for two time points to share a grid.
const SAME_GRID: f64 = 1e-6;

/// Writes `count` volumes of the same dims, type and geometry as one NIfTI file (`.nii` or
/// `.nii.gz`, 4-D when `count > 1`), atomically. `volume(t)` produces time point `t`
/// (0-based, in order), so a caller can decode each one just before it is written and drop
/// it after: `volume` may return owned volumes or references.
///
/// ```
/// use medvol_core::{DynVolume, Geometry, Volume};
/// use medvol_io::nifti::{self, VoxelOrder, WriteOptions};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("fmri.nii.gz");
/// let options = WriteOptions::default().with_voxel_order(VoxelOrder::RowsReversed);
/// let frames = (0..3)
///     .map(|t| {
///         Volume::<i16>::from_fn([4, 3, 2], Geometry::default(), |p| {
///             (100 * t + 10 * p.j() + p.i()) as i16
///         })
///     })
///     .collect::<Result<Vec<_>, _>>()?;
/// // Each time point is converted when it is written (a reader would decode it here).
/// nifti::write_4d(&path, 3, &options, |t| Ok(DynVolume::from(frames[t].clone())))?;
/// let nii = nifti::read(&path)?;
/// assert_eq!(nii.header.dim[..5], [4, 4, 3, 2, 3]);
/// // Rows stored bottom-up; reading follows the affine, so voxel values keep their place.
/// let back = nii.volumes[2].clone().into_typed::<i16>()?;
/// assert_eq!(back.as_slice()[..4], [220, 221, 222, 223]);
/// assert_eq!(back.geometry().direction().rows()[1], [0.0, -1.0, 0.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::NotFound`] when `count` is 0; [`Error::InconsistentSeries`] naming the first
/// time point whose dims, type or geometry differ from the first one's; the error
/// `volume` returns; otherwise as [`write_with_options`](super::write_with_options). No file
/// is left at `path` on error.
pub fn write_4d<V: Borrow<DynVolume>>(
    path: impl AsRef<Path>,
    count: usize,
    options: &WriteOptions,
    volume: impl FnMut(usize) -> Result<V>,
) -> Result<()> {
    let path = path.as_ref();
    // `write_file` carries I/O errors only: keep medvol's own error here.
    let mut failure = None;
    let written = medvol_core::atomic::write_file(path, |w| {
        write_4d_to(w, path, count, options, volume).map_err(|e| {
            let io = io::Error::other(e.to_string());
            failure = Some(e);
            io
        })
    });
    match (written, failure) {
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(Error::io(path, e)),
        (Ok(()), None) => Ok(()),
    }
}

/// As [`write_4d`], writing the file's bytes to `w` instead, e.g. a temporary file of a
/// [`FileSet`](medvol_core::atomic::FileSet). `name` is the file the bytes are for: its
/// extension chooses gzip, and errors name it.
///
/// # Errors
/// As [`write_4d`]; [`Error::Io`] when `w` fails.
pub fn write_4d_to<V: Borrow<DynVolume>>(
    w: impl Write,
    name: &Path,
    count: usize,
    options: &WriteOptions,
    mut volume: impl FnMut(usize) -> Result<V>,
) -> Result<()> {
    let gz = gzip_output(name, options)?;
    if count == 0 {
        return Err(Error::NotFound {
            path: name.to_path_buf(),
            reason: "no volumes to write".into(),
        });
    }
    let first = volume(0)?;
    let first = first.borrow();
    let v0 = Voxels::of_dyn(first);
    let header = build_header(
        name,
        v0.dims(),
        v0.datatype(),
        count,
        first.geometry(),
        options,
    )?;
    let io = |e| Error::io(name, e);
    let mut out = Encoder::new(w, gz, options.gzip_level).map_err(io)?;
    out.write_all(&header::encode(&header)).map_err(io)?;
    v0.write_to(&mut out, options.voxel_order).map_err(io)?;
    for t in 1..count {
        let v = volume(t)?;
        let v = v.borrow();
        same_grid(name, t, first, v)?;
        Voxels::of_dyn(v)
            .write_to(&mut out, options.voxel_order)
            .map_err(io)?;
    }
    out.finish().map_err(io)
}

/// Refuses time point `t` when it does not share the first one's dims, type and geometry.
fn same_grid(name: &Path, t: usize, first: &DynVolume, v: &DynVolume) -> Result<()> {
    if v.dims() == first.dims()
        && v.kind() == first.kind()
        && v.geometry().approx_eq(first.geometry(), SAME_GRID)
    {
        return Ok(());
    }
    Err(Error::InconsistentSeries {
        path: name.to_path_buf(),
        reason: format!(
            "time point {t} is {:?} {} at origin {:?} and differs from time point 0 ({:?} {} at \
             origin {:?}) in size, type or geometry: one 4-D file needs one grid",
            v.dims(),
            v.kind(),
            v.geometry().origin(),
            first.dims(),
            first.kind(),
            first.geometry().origin(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nifti::{VoxelOrder, read};
    use medvol_core::{Geometry, Point, Volume};

    fn frame(dims: [usize; 3], g: Geometry, t: i16) -> DynVolume {
        Volume::<i16>::from_fn(dims, g, |p| {
            t * 1000 + (p.k() * 100 + p.j() * 10 + p.i()) as i16
        })
        .unwrap()
        .into()
    }

    #[test]
    fn mismatched_time_points_are_refused_and_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.nii.gz");
        let g = Geometry::default();
        let moved = g.with_origin(Point::new(0.0, 0.0, 5.0)).unwrap();
        for (bad, what) in [
            (frame([4, 4, 3], moved, 1), "origin"),
            (frame([4, 4, 2], g, 1), "dims"),
            (
                DynVolume::from(Volume::<f32>::filled([4, 4, 3], 0.0, g).unwrap()),
                "type",
            ),
        ] {
            let frames = [frame([4, 4, 3], g, 0), bad];
            let err = write_4d(&path, 2, &WriteOptions::default(), |t| Ok(&frames[t])).unwrap_err();
            assert!(
                matches!(err, Error::InconsistentSeries { .. })
                    && err.to_string().contains("time point 1"),
                "{what}: {err}"
            );
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{what}");
        }
    }

    #[test]
    fn reversed_rows_read_back_to_the_same_volume_in_both_formats() {
        let dir = tempfile::tempdir().unwrap();
        let g = Geometry::default()
            .with_spacing([0.5, 0.75, 2.0])
            .unwrap()
            .with_origin(Point::new(-10.0, 20.0, 5.0))
            .unwrap();
        // Rows of 300 voxels: the scratch buffer fills and is flushed mid-volume.
        let frames: Vec<DynVolume> = (0..3).map(|t| frame([300, 70, 9], g, t)).collect();
        for name in ["a.nii", "a.nii.gz"] {
            let path = dir.path().join(name);
            let options = WriteOptions::default().with_voxel_order(VoxelOrder::RowsReversed);
            write_4d(&path, 3, &options, |t| Ok(&frames[t])).unwrap();
            let nii = read(&path).unwrap();
            for (t, v) in nii.volumes.iter().enumerate() {
                let v = v.clone().into_typed::<i16>().unwrap();
                // Stored row 0 is the volume's last row.
                let want = frames[t].clone().into_typed::<i16>().unwrap();
                let (ni, nj) = (300, 70);
                for k in [0, 8] {
                    for j in [0, 1, 69] {
                        let got = &v.as_slice()[(k * nj + j) * ni..][..ni];
                        let orig = &want.as_slice()[(k * nj + nj - 1 - j) * ni..][..ni];
                        assert_eq!(got, orig, "{name} t{t} k{k} j{j}");
                    }
                }
                // The affine follows: stored voxel (0, 0, 0) is where the last row starts.
                let o = v.geometry().origin();
                assert!(
                    (o.0[1] - (20.0 + 69.0 * 0.75)).abs() < 1e-4,
                    "{name}: {o:?}"
                );
            }
        }
    }
}
