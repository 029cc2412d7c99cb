//! Writing `.nii` and `.nii.gz` files (NIfTI-1, or NIfTI-2 when needed or asked).
//!
//! Voxels are encoded through a 1 MiB scratch buffer into the (gzip) stream of an atomic
//! temporary file, so no second copy of the volume is built, and the destination appears only
//! when complete. gzip compresses blocks of the stream on all threads (see `gzip.rs`).

use super::gzip::ParallelGzEncoder;
use super::header::{self, ByteOrder, Datatype, Header};
use super::orient::{self, Affine, VoxelOrder};
use super::sample::Sample;
use crate::{Error, Result};
use flate2::Compression;
use medvol_core::{DynVolume, Frame, Geometry, Rgb8, Volume, Voxel, map_dyn};
use std::any::Any;
use std::io::{self, Write};
use std::path::Path;

/// Bytes encoded per step.
const SCRATCH: usize = 1 << 20;
/// Largest dimension a NIfTI-1 header holds (`dim` is `i16`).
const N1_MAX_DIM: usize = i16::MAX as usize;

/// Options of [`write_with_options`].
///
/// ```
/// use medvol_io::nifti::WriteOptions;
/// let o = WriteOptions::default().with_nifti2(true).with_gzip_level(6);
/// assert!(o.nifti2);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Write a NIfTI-2 header even when NIfTI-1 would do (default `false`; NIfTI-2 is always
    /// used when a dimension exceeds 32767).
    pub nifti2: bool,
    /// gzip level 1..=9 for `.nii.gz` (default [`WriteOptions::DEFAULT_GZIP_LEVEL`]).
    pub gzip_level: u32,
    /// An index-to-LPS affine (row-major 4x4, millimetres) to store instead of the volume's
    /// geometry, e.g. the sheared grid of a gantry-tilted CT. The sform gets it exactly (in
    /// RAS); the qform and `pixdim` get its closest rigid part (column lengths as voxel size).
    pub affine_lps: Option<Affine>,
    /// The order voxels are stored in (default [`VoxelOrder::Native`]); the affine always
    /// follows it, so every voxel keeps its place.
    pub voxel_order: VoxelOrder,
    /// `qform_code` and `sform_code` (default 1 and 1, scanner coordinates). A writer that
    /// cannot vouch for a transform sets its code to 0 (unknown): a sheared affine has no
    /// qform, and invented or approximate geometry has neither.
    pub xform_codes: [i16; 2],
}

impl WriteOptions {
    /// The default gzip level: 2. With the zlib-rs backend, level 1 switches to a quick
    /// strategy whose files are markedly larger; level 2 compresses like nibabel's default
    /// (zlib level 1) and is still fast.
    pub const DEFAULT_GZIP_LEVEL: u32 = 2;

    /// The same options, forcing NIfTI-2 or not.
    pub fn with_nifti2(mut self, nifti2: bool) -> Self {
        self.nifti2 = nifti2;
        self
    }

    /// The same options with another gzip level (1..=9; checked when writing).
    pub fn with_gzip_level(mut self, level: u32) -> Self {
        self.gzip_level = level;
        self
    }

    /// The same options storing `affine` (index to LPS mm, 4x4 row-major) as the file's
    /// transform instead of the volume's geometry.
    pub fn with_affine_lps(mut self, affine: impl Into<Affine>) -> Self {
        self.affine_lps = Some(affine.into());
        self
    }

    /// The same options storing voxels in `order`.
    pub fn with_voxel_order(mut self, order: VoxelOrder) -> Self {
        self.voxel_order = order;
        self
    }

    /// The same options with other `qform_code` and `sform_code` (each 0..=5, checked when
    /// writing; 0 says the transform is not to be trusted).
    ///
    /// ```
    /// use medvol_core::{DynVolume, Geometry, Volume};
    /// use medvol_io::nifti::{WriteOptions, read, write_with_options};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("unknown.nii");
    /// let v = DynVolume::from(Volume::<u8>::zeros([2, 2, 2], Geometry::default())?);
    /// write_with_options(&path, &v, &WriteOptions::default().with_xform_codes(0, 0))?;
    /// let h = read(&path)?.header;
    /// assert_eq!((h.qform_code, h.sform_code), (0, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_xform_codes(mut self, qform_code: i16, sform_code: i16) -> Self {
        self.xform_codes = [qform_code, sform_code];
        self
    }
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            nifti2: false,
            gzip_level: Self::DEFAULT_GZIP_LEVEL,
            affine_lps: None,
            voxel_order: VoxelOrder::Native,
            xform_codes: [1, 1],
        }
    }
}

/// Writes a volume to `path` (`.nii`, or gzipped `.nii.gz`), NIfTI-1 unless a dimension needs
/// NIfTI-2. qform and sform both hold the geometry (code 1, scanner), units are mm,
/// `scl_slope` 1 and `scl_inter` 0.
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("ramp.nii.gz");
/// let v = Volume::<i16>::from_fn([4, 3, 2], Geometry::default(), |ijk| ijk.0[0] as i16)?;
/// medvol_io::nifti::write(&path, &v)?;
/// let back = medvol_io::nifti::read_volume(&path)?.into_typed::<i16>()?;
/// assert_eq!(back.as_slice(), v.as_slice());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Unsupported`] for another extension, [`Error::Io`] when the file cannot be
/// written (no partial file remains).
pub fn write<T: Voxel>(path: impl AsRef<Path>, volume: &Volume<T>) -> Result<()> {
    write_voxels(
        path.as_ref(),
        &[Voxels::of(volume)],
        volume.geometry(),
        &WriteOptions::default(),
    )
}

/// Writes a [`DynVolume`]; see [`write()`].
///
/// ```
/// use medvol_core::{DynVolume, Geometry, Volume};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("ramp.nii");
/// let v = Volume::<f32>::from_fn([8, 8, 8], Geometry::default(), |p| p.i() as f32 * 0.5)?;
/// medvol_io::nifti::write_dyn(&path, &DynVolume::from(v.clone()))?;
/// // Uncompressed NIfTI-1: a 352-byte header, then 4 bytes per voxel.
/// assert_eq!(std::fs::metadata(&path)?.len(), 352 + 4 * 512);
/// let back = medvol_io::nifti::read_volume(&path)?.into_typed::<f32>()?;
/// assert_eq!(back.as_slice(), v.as_slice());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`write()`].
pub fn write_dyn(path: impl AsRef<Path>, volume: &DynVolume) -> Result<()> {
    write_with_options(path, volume, &WriteOptions::default())
}

/// Writes a [`DynVolume`] with explicit options (NIfTI-2, gzip level, an affine override).
///
/// ```
/// use medvol_core::{DynVolume, Geometry, Volume};
/// use medvol_io::nifti::{self, WriteOptions};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("mask.nii.gz");
/// let v = DynVolume::from(Volume::<u8>::filled([8, 8, 8], 1, Geometry::default())?);
/// let options = WriteOptions::default().with_nifti2(true).with_gzip_level(9);
/// nifti::write_with_options(&path, &v, &options)?;
/// let nii = nifti::read(&path)?;
/// assert_eq!(nii.header.version, 2);
/// assert_eq!(nii.volumes[0].statistics().sum, 512.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`write()`]; [`Error::Geometry`] when the affine override is singular or not finite.
pub fn write_with_options(
    path: impl AsRef<Path>,
    volume: &DynVolume,
    options: &WriteOptions,
) -> Result<()> {
    write_voxels(
        path.as_ref(),
        &[Voxels::of_dyn(volume)],
        volume.geometry(),
        options,
    )
}

/// Writes several volumes of the same size, type and geometry as one 4-D file (time points).
///
/// ```
/// use medvol_core::{DynVolume, Geometry, Volume};
/// use medvol_io::nifti::{self, WriteOptions};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("fmri.nii.gz");
/// let frames: Vec<DynVolume> = (0..3)
///     .map(|t| Volume::<i16>::filled([8, 8, 8], 100 * t, Geometry::default()).map(Into::into))
///     .collect::<Result<_, _>>()?;
/// nifti::write_volumes(&path, &frames, &WriteOptions::default())?;
/// let nii = nifti::read(&path)?;
/// assert_eq!(nii.header.dim[..5], [4, 8, 8, 8, 3]);
/// assert_eq!(nii.volumes.len(), 3);
/// assert_eq!(nii.volumes[2].statistics().max, 200.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`write_with_options`]; [`Error::InconsistentSeries`] when the volumes differ in size,
/// type or geometry, [`Error::NotFound`] when `volumes` is empty.
pub fn write_volumes(
    path: impl AsRef<Path>,
    volumes: &[DynVolume],
    options: &WriteOptions,
) -> Result<()> {
    super::four_d::write_4d(path, volumes.len(), options, |t| Ok(&volumes[t]))
}

/// The voxels of one volume, typed.
#[derive(Clone, Copy)]
pub(super) enum Voxels<'a> {
    U8(&'a [u8], [usize; 3]),
    I8(&'a [i8], [usize; 3]),
    U16(&'a [u16], [usize; 3]),
    I16(&'a [i16], [usize; 3]),
    U32(&'a [u32], [usize; 3]),
    I32(&'a [i32], [usize; 3]),
    F32(&'a [f32], [usize; 3]),
    F64(&'a [f64], [usize; 3]),
    Rgb8(&'a [Rgb8], [usize; 3]),
}

macro_rules! over_voxels {
    ($v:expr, $s:ident => $body:expr) => {
        match $v {
            Voxels::U8($s, _) => $body,
            Voxels::I8($s, _) => $body,
            Voxels::U16($s, _) => $body,
            Voxels::I16($s, _) => $body,
            Voxels::U32($s, _) => $body,
            Voxels::I32($s, _) => $body,
            Voxels::F32($s, _) => $body,
            Voxels::F64($s, _) => $body,
            Voxels::Rgb8($s, _) => $body,
        }
    };
}

impl<'a> Voxels<'a> {
    fn of<T: Voxel>(volume: &'a Volume<T>) -> Self {
        let any: &dyn Any = volume;
        macro_rules! find {
            ($($k:ident $t:ty),*) => {
                $(if let Some(v) = any.downcast_ref::<Volume<$t>>() {
                    return Voxels::$k(v.as_slice(), v.dims());
                })*
            };
        }
        find!(U8 u8, I8 i8, U16 u16, I16 i16, U32 u32, I32 i32, F32 f32, F64 f64, Rgb8 Rgb8);
        unreachable!("Voxel is sealed to the nine types above")
    }

    pub(super) fn of_dyn(volume: &'a DynVolume) -> Self {
        map_dyn!(volume, v => Self::of(v))
    }

    pub(super) fn dims(&self) -> [usize; 3] {
        match *self {
            Voxels::U8(_, d)
            | Voxels::I8(_, d)
            | Voxels::U16(_, d)
            | Voxels::I16(_, d)
            | Voxels::U32(_, d)
            | Voxels::I32(_, d)
            | Voxels::F32(_, d)
            | Voxels::F64(_, d)
            | Voxels::Rgb8(_, d) => d,
        }
    }

    pub(super) fn datatype(&self) -> Datatype {
        fn of<S: Sample>(_: &[S]) -> Datatype {
            S::DATATYPE
        }
        over_voxels!(*self, s => of(s))
    }

    /// Writes the voxels little-endian in `order` into `out`.
    pub(super) fn write_to<W: Write>(
        &self,
        out: &mut Encoder<W>,
        order: VoxelOrder,
    ) -> io::Result<()> {
        fn native<S: Sample + Sync, W: Write>(out: &mut Encoder<W>, s: &[S]) -> io::Result<()> {
            match out {
                Encoder::Plain(w) => write_samples(w, s),
                // The parallel gzip encoder encodes on its threads.
                Encoder::Gzip(z) => z.write_encoded(s, S::SIZE, S::encode_le),
            }
        }
        match order {
            VoxelOrder::Native => over_voxels!(*self, s => native(out, s)),
            VoxelOrder::RowsReversed => {
                let dims = self.dims();
                over_voxels!(*self, s => write_rows_reversed(out, s, dims))
            }
        }
    }
}

/// Where a file's bytes go: the file itself or a gzip stream into it.
pub(super) enum Encoder<W: Write> {
    Plain(W),
    Gzip(ParallelGzEncoder<W>),
}

impl<W: Write> Encoder<W> {
    /// A gzip stream at `level` into `w` when `gzip`, `w` itself otherwise.
    pub(super) fn new(w: W, gzip: bool, level: u32) -> io::Result<Self> {
        Ok(if gzip {
            Encoder::Gzip(ParallelGzEncoder::new(w, Compression::new(level))?)
        } else {
            Encoder::Plain(w)
        })
    }

    /// Ends the gzip stream, if any.
    pub(super) fn finish(self) -> io::Result<()> {
        match self {
            Encoder::Plain(_) => Ok(()),
            Encoder::Gzip(z) => z.finish().map(drop),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(z) => z.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(z) => z.flush(),
        }
    }
}

/// Writes the slices of `src` (dims `[ni, nj, nk]`) with their rows in reverse order,
/// gathered through a scratch buffer of a few gzip blocks (so compression stays parallel).
fn write_rows_reversed<S: Sample, W: Write>(
    out: &mut Encoder<W>,
    src: &[S],
    [ni, nj, _]: [usize; 3],
) -> io::Result<()> {
    let row_bytes = ni * S::SIZE;
    let rows_per_flush = (4 * super::gzip::BLOCK / row_bytes.max(1)).max(1);
    let mut scratch = vec![0u8; rows_per_flush.min(src.len() / ni.max(1)) * row_bytes];
    let mut filled = 0;
    for slice in src.chunks(ni * nj) {
        for row in slice.chunks(ni).rev() {
            if filled + row_bytes > scratch.len() {
                out.write_all(&scratch[..filled])?;
                filled = 0;
            }
            S::encode_le(row, &mut scratch[filled..filled + row_bytes]);
            filled += row_bytes;
        }
    }
    out.write_all(&scratch[..filled])
}

fn write_samples<S: Sample>(w: &mut impl Write, src: &[S]) -> io::Result<()> {
    let mut scratch = vec![0u8; SCRATCH.min(src.len() * S::SIZE)];
    for chunk in src.chunks(SCRATCH / S::SIZE) {
        let bytes = &mut scratch[..chunk.len() * S::SIZE];
        S::encode_le(chunk, bytes);
        w.write_all(bytes)?;
    }
    Ok(())
}

/// `true` for `.nii.gz`, `false` for `.nii` (any case).
fn gzipped(path: &Path) -> Result<bool> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".nii.gz") {
        Ok(true)
    } else if name.ends_with(".nii") {
        Ok(false)
    } else {
        Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: "NIfTI output needs a .nii or .nii.gz file name".into(),
        })
    }
}

/// `true` for gzip, after checking the file name and gzip level of a write.
pub(super) fn gzip_output(path: &Path, options: &WriteOptions) -> Result<bool> {
    let gz = gzipped(path)?;
    if !(1..=9).contains(&options.gzip_level) {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: format!("gzip level {} (use 1..=9)", options.gzip_level),
        });
    }
    Ok(gz)
}

fn write_voxels(
    path: &Path,
    volumes: &[Voxels<'_>],
    geometry: &Geometry,
    options: &WriteOptions,
) -> Result<()> {
    let gz = gzip_output(path, options)?;
    let v = volumes[0];
    let header = build_header(
        path,
        v.dims(),
        v.datatype(),
        volumes.len(),
        geometry,
        options,
    )?;
    medvol_core::atomic::write_file(path, |w| {
        let mut out = Encoder::new(w, gz, options.gzip_level)?;
        out.write_all(&header::encode(&header))?;
        for v in volumes {
            v.write_to(&mut out, options.voxel_order)?;
        }
        out.finish()
    })
    .map_err(|e| Error::io(path, e))
}

/// The header of `t` volumes of `dims` and `datatype` on `geometry` (or the options'
/// affine), stored in the options' voxel order.
pub(super) fn build_header(
    path: &Path,
    dims: [usize; 3],
    datatype: Datatype,
    t: usize,
    geometry: &Geometry,
    options: &WriteOptions,
) -> Result<Header> {
    let version = if options.nifti2 || dims.iter().chain([&t]).any(|&d| d > N1_MAX_DIM) {
        2
    } else {
        1
    };
    // sform: the exact affine; qform: its rigid part.
    let (lps, rigid) = match &options.affine_lps {
        Some(a) => {
            a.check().map_err(|source| Error::Geometry {
                path: path.to_path_buf(),
                source,
            })?;
            (*a, orient::geometry_of_affine(path, a)?.0)
        }
        None => (geometry.affine(), *geometry),
    };
    if let Some(bad) = options.xform_codes.iter().find(|c| !(0..=5).contains(*c)) {
        return Err(Error::Geometry {
            path: path.to_path_buf(),
            source: medvol_core::Error::InvalidParameter {
                name: "xform_codes",
                reason: format!("{bad} is not a NIfTI transform code (0..=5)"),
            },
        });
    }
    let order = options.voxel_order;
    let sform = order.affine(lps, dims).in_frame(Frame::Ras).to_array();
    let qform = order.affine(rigid.affine(), dims).in_frame(Frame::Ras);
    let rotation = qform
        .linear()
        .map(|row| [0, 1, 2].map(|c| row[c] / rigid.spacing()[c]));
    let (quatern, qfac) = orient::matrix_to_quatern(rotation);
    let spacing = rigid.spacing();
    let four_d = t > 1;
    Ok(Header {
        version,
        byte_order: ByteOrder::Little,
        pair: false,
        dim: [
            if four_d { 4 } else { 3 },
            dims[0] as i64,
            dims[1] as i64,
            dims[2] as i64,
            t as i64,
            1,
            1,
            1,
        ],
        datatype,
        bitpix: 8 * datatype.size_bytes() as i16,
        pixdim: [qfac, spacing[0], spacing[1], spacing[2], 1.0, 1.0, 1.0, 1.0],
        vox_offset: (if version == 1 {
            header::N1_SIZE
        } else {
            header::N2_SIZE
        } + 4) as u64,
        scl_slope: 1.0,
        scl_inter: 0.0,
        cal_min: 0.0,
        cal_max: 0.0,
        xyzt_units: if four_d { 2 | 8 } else { 2 },
        intent_code: 0,
        descrip: "medvol".into(),
        qform_code: options.xform_codes[0].into(),
        sform_code: options.xform_codes[1].into(),
        quatern,
        qoffset: qform.translation().0,
        srow: [sform[0], sform[1], sform[2]],
    })
}
