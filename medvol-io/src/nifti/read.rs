//! Reading `.nii`, `.nii.gz` and `.hdr`/`.img` pairs into [`DynVolume`]s.
//!
//! Voxels stream from the file (or the gzip decoder) through a 1 MiB scratch buffer straight
//! into the volume's storage: neither the compressed file nor a second copy of the voxels is
//! held in memory. Every size a header claims is checked against the file and [`Limits`] before
//! anything is allocated.

use super::header::{self, ByteOrder, Datatype, Header, invalid};
use super::orient::{self, Transform};
use super::sample::Sample;
use crate::{Error, Limits, Result};
use flate2::bufread::MultiGzDecoder;
use medvol_core::{DynVolume, Geometry, Rgb8, Volume, Voxel, VoxelKind};
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Bytes decoded per step.
const SCRATCH: usize = 1 << 20;
/// No deflate stream expands by more than 1032:1 (the format's limit for runs of one byte).
const DEFLATE_MAX_RATIO: u64 = 1032;

/// Options of [`read_with_options`].
///
/// ```
/// use medvol_io::{Limits, nifti::ReadOptions};
/// let o = ReadOptions::default().with_limits(Limits::default().with_max_voxels(1 << 20));
/// assert_eq!(o.limits.max_voxels, 1 << 20);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Caps on voxels and bytes, checked before allocating (default [`Limits::default`]).
    pub limits: Limits,
}

impl ReadOptions {
    /// The same options with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// A NIfTI file as read: its header, one volume per time point, and what was noticed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Nifti {
    /// The header as stored (RAS, both versions widened to one type).
    pub header: Header,
    /// Which header transform gave the volumes their geometry.
    pub transform: Transform,
    /// One 3-D volume per time point (per product of `dim[4..]`); a 3-D file gives one.
    /// Values are scaled by `scl_slope`/`scl_inter` when the header asks for it.
    pub volumes: Vec<DynVolume>,
    /// Things the reader noticed and worked around (sheared sform, missing transform, ...).
    pub warnings: Vec<medvol_core::Warning>,
}

/// Reads a NIfTI-1 or NIfTI-2 file (`.nii`, `.nii.gz`, `.hdr`/`.img` pair) with default
/// [`Limits`].
///
/// Geometry comes from the sform or the qform as ITK chooses it (see [`Transform`]), converted
/// to LPS. When `scl_slope` is neither 0 nor 1 (or `scl_inter` not 0), values are scaled into
/// `f32` (`f64` for `f64` and 64-bit integer files, and when the scaled range of an integer type
/// would overflow `f32`); 64-bit integers are read as `f64`.
///
/// ```no_run
/// let nii = medvol_io::nifti::read("brain.nii.gz")?;
/// println!("{} volumes, {:?}", nii.volumes.len(), nii.volumes[0].dims());
/// # Ok::<(), medvol_io::Error>(())
/// ```
///
/// # Errors
/// [`Error::Io`] when a file cannot be read, [`Error::Invalid`] for a malformed or truncated
/// file, [`Error::Unsupported`] for complex or RGB data, [`Error::LimitExceeded`] when the
/// volume exceeds the default limits, [`Error::Decode`] for a corrupt gzip stream.
pub fn read(path: impl AsRef<Path>) -> Result<Nifti> {
    read_with_options(path, &ReadOptions::default())
}

/// The first volume of a NIfTI file (the only one of a 3-D file).
///
/// ```
/// use medvol_core::{Geometry, Point, Volume, VoxelKind};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("ct.nii.gz");
/// let g = Geometry::default()
///     .with_spacing([0.5, 0.5, 2.0])?
///     .with_origin(Point::new(-10.0, 20.0, 30.0))?;
/// let v = Volume::<i16>::from_fn([8, 8, 8], g, |p| p.k() as i16)?;
/// medvol_io::nifti::write(&path, &v)?;
/// let back = medvol_io::nifti::read_volume(&path)?;
/// assert_eq!(back.kind(), VoxelKind::I16);
/// // The file stores RAS; the LPS geometry comes back unchanged.
/// assert!(back.geometry().approx_eq(v.geometry(), 1e-6));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`read()`].
pub fn read_volume(path: impl AsRef<Path>) -> Result<DynVolume> {
    let nii = read(path)?;
    Ok(nii
        .volumes
        .into_iter()
        .next()
        .expect("a valid NIfTI file holds at least one volume"))
}

/// Reads a NIfTI file with explicit options (limits).
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_io::nifti::{ReadOptions, read_with_options};
/// use medvol_io::{Error, Limits};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("cube.nii");
/// medvol_io::nifti::write(&path, &Volume::<u8>::zeros([8, 8, 8], Geometry::default())?)?;
/// let tight = ReadOptions::default().with_limits(Limits::default().with_max_voxels(100));
/// let err = read_with_options(&path, &tight).unwrap_err();
/// assert!(matches!(err, Error::LimitExceeded { requested: 512, .. }));
/// let nii = read_with_options(&path, &ReadOptions::default())?;
/// assert_eq!(nii.header.dim[..4], [3, 8, 8, 8]);
/// assert_eq!(nii.volumes.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`read()`], with the limits of `options`.
pub fn read_with_options(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Nifti> {
    let path = path.as_ref();
    let (header_path, image_path) = pair_paths(path);
    let mut warnings = Vec::new();
    let mut input = Input::open(&header_path)?;
    let header = read_header(&mut input, &mut warnings)?;
    let (geometry, transform) = orient::geometry(&header_path, &header, &mut warnings)?;

    let mut data = if header.pair {
        let image_path = image_path.ok_or_else(|| {
            invalid(
                &header_path,
                "header of a .hdr/.img pair (magic ni1/ni2) opened without its .img".into(),
            )
        })?;
        Input::open(&image_path)?
    } else {
        input
    };
    let plan = Plan::new(&header, &data, &options.limits)?;
    data.skip_to(header.vox_offset)?;
    let volumes = read_volumes(&header, &plan, geometry, &mut data, &mut warnings)?;
    data.finish()?;
    Ok(Nifti {
        header,
        transform,
        volumes,
        warnings,
    })
}

/// The header file and, for pairs, the image file a path names (either may be gzipped;
/// an existing companion is preferred).
fn pair_paths(path: &Path) -> (PathBuf, Option<PathBuf>) {
    const CASES: [(&str, [&str; 2], bool); 4] = [
        (".hdr.gz", [".img.gz", ".img"], true),
        (".hdr", [".img", ".img.gz"], true),
        (".img.gz", [".hdr.gz", ".hdr"], false),
        (".img", [".hdr", ".hdr.gz"], false),
    ];
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    for (suffix, to, is_header) in CASES {
        if name.ends_with(suffix) {
            let first = companion(path, suffix.len(), to[0]);
            let second = companion(path, suffix.len(), to[1]);
            let other = if !first.exists() && second.exists() {
                second
            } else {
                first
            };
            return if is_header {
                (path.to_path_buf(), Some(other))
            } else {
                (other, Some(path.to_path_buf()))
            };
        }
    }
    (path.to_path_buf(), None)
}

/// `path` with its last `from_len` bytes replaced by `to` (upper case if they were).
fn companion(path: &Path, from_len: usize, to: &str) -> PathBuf {
    let s = path.to_string_lossy();
    let (stem, suffix) = s.split_at(s.len() - from_len);
    if suffix.chars().any(|c| c.is_ascii_uppercase()) {
        PathBuf::from(format!("{stem}{}", to.to_ascii_uppercase()))
    } else {
        PathBuf::from(format!("{stem}{to}"))
    }
}

/// A file being read, raw or through gzip (detected from its first bytes, not its name).
struct Input {
    path: PathBuf,
    len: u64,
    /// Bytes consumed from the (decompressed) stream so far.
    pos: u64,
    stream: Stream,
}

enum Stream {
    Raw(File),
    Gz(Box<MultiGzDecoder<BufReader<File>>>),
}

impl Input {
    fn open(path: &Path) -> Result<Self> {
        let io_err = |e| Error::io(path, e);
        let mut file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        let mut magic = [0u8; 2];
        let n = file.read(&mut magic).map_err(io_err)?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let stream = if n == 2 && magic == [0x1f, 0x8b] {
            Stream::Gz(Box::new(MultiGzDecoder::new(BufReader::with_capacity(
                1 << 17,
                file,
            ))))
        } else {
            Stream::Raw(file)
        };
        Ok(Self {
            path: path.to_path_buf(),
            len,
            pos: 0,
            stream,
        })
    }

    fn is_gz(&self) -> bool {
        matches!(self.stream, Stream::Gz(_))
    }

    /// Fills `buf`, turning a short file into [`Error::Invalid`] that says what was being read.
    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        let r = match &mut self.stream {
            Stream::Raw(f) => f.read_exact(buf),
            Stream::Gz(g) => g.read_exact(buf),
        };
        r.map_err(|e| self.error(e, what))?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn error(&self, e: io::Error, what: &str) -> Error {
        let path = self.path.clone();
        match e.kind() {
            io::ErrorKind::UnexpectedEof => invalid(
                &path,
                format!(
                    "truncated {what} (from byte {} of the {}): the {} ends inside it",
                    self.pos,
                    if self.is_gz() {
                        "decompressed data"
                    } else {
                        "file"
                    },
                    if self.is_gz() { "gzip stream" } else { "file" },
                ),
            ),
            _ if self.is_gz() => Error::Decode {
                path,
                context: format!("gzip stream while reading {what}"),
                source: Box::new(e),
            },
            _ => Error::io(path, e),
        }
    }

    /// Reads a gzip stream to its end, so its CRC and length trailer are checked.
    fn finish(&mut self) -> Result<()> {
        if let Stream::Gz(g) = &mut self.stream {
            io::copy(g, &mut io::sink()).map_err(|e| {
                let what = "gzip trailer (CRC and length)";
                self.error(e, what)
            })?;
        }
        Ok(())
    }

    /// Moves to byte `offset` of the (decompressed) stream, skipping extensions.
    fn skip_to(&mut self, offset: u64) -> Result<()> {
        if offset < self.pos {
            return Err(invalid(
                &self.path,
                format!("vox_offset {offset} lies inside the header"),
            ));
        }
        let n = offset - self.pos;
        match &mut self.stream {
            Stream::Raw(f) => {
                f.seek(SeekFrom::Start(offset))
                    .map_err(|e| Error::io(&self.path, e))?;
            }
            Stream::Gz(g) => {
                let skipped = io::copy(&mut g.by_ref().take(n), &mut io::sink()).map_err(|e| {
                    Error::Decode {
                        path: self.path.clone(),
                        context: "gzip stream while skipping header extensions".into(),
                        source: Box::new(e),
                    }
                })?;
                if skipped < n {
                    self.pos += skipped;
                    return Err(invalid(
                        &self.path,
                        format!(
                            "truncated: vox_offset is {offset} but the gzip stream ends at {}",
                            self.pos
                        ),
                    ));
                }
            }
        }
        self.pos = offset;
        Ok(())
    }
}

fn read_header(input: &mut Input, warnings: &mut Vec<medvol_core::Warning>) -> Result<Header> {
    let mut buf = [0u8; header::N2_SIZE];
    input.fill(&mut buf[..4], "header")?;
    let (version, order) = header::detect(&input.path, [buf[0], buf[1], buf[2], buf[3]])?;
    let size = if version == 1 {
        header::N1_SIZE
    } else {
        header::N2_SIZE
    };
    input.fill(&mut buf[4..size], "header")?;
    header::parse(&input.path, &buf[..size], version, order, warnings)
}

/// Bytes a volume costs beyond its voxels (its `DynVolume`, geometry and allocation), for the
/// byte limit.
const VOLUME_BOOKKEEPING: u64 = 512;

/// Sizes of the voxel data, checked against the file and the limits.
struct Plan {
    dims: [usize; 3],
    volumes: usize,
}

impl Plan {
    fn new(h: &Header, data: &Input, limits: &Limits) -> Result<Self> {
        let path = &data.path;
        let dims = h.volume_dims();
        let per_volume = dims.iter().product::<u64>();
        let count = h.volume_count();
        let total = per_volume * count; // checked against overflow by header::parse
        limits.check_voxels(path, per_volume)?;
        let stored = total * h.datatype.size_bytes() as u64;
        let out_size = output_kind(h).size_bytes() as u64;
        let needed = h.vox_offset.checked_add(stored).ok_or_else(|| {
            invalid(
                path,
                format!(
                    "vox_offset {} + {stored} bytes of voxels overflow",
                    h.vox_offset
                ),
            )
        })?;
        if data.is_gz() {
            if needed
                > data
                    .len
                    .saturating_mul(DEFLATE_MAX_RATIO)
                    .saturating_add(1 << 10)
            {
                return Err(invalid(
                    path,
                    format!(
                        "dim {:?} of {} claims {stored} bytes of voxels, more than a {}-byte gzip file can hold",
                        &h.dim[1..=h.rank()],
                        h.datatype.name(),
                        data.len
                    ),
                ));
            }
        } else if needed > data.len {
            return Err(invalid(
                path,
                format!(
                    "truncated: dim {:?} of {} needs {stored} bytes of voxels from offset {} but the file has {} bytes",
                    &h.dim[1..=h.rank()],
                    h.datatype.name(),
                    h.vox_offset,
                    data.len
                ),
            ));
        }
        // each time point is a volume of its own: count its bookkeeping too, so that a
        // million one-voxel volumes cannot slip under the byte limit
        let bookkeeping = count.saturating_mul(VOLUME_BOOKKEEPING);
        limits.check_bytes(
            path,
            total.saturating_mul(out_size).saturating_add(bookkeeping),
        )?;
        let as_usize = |n: u64| {
            usize::try_from(n).map_err(|_| {
                invalid(
                    path,
                    format!("{n} voxels do not fit this platform's memory"),
                )
            })
        };
        Ok(Plan {
            dims: [as_usize(dims[0])?, as_usize(dims[1])?, as_usize(dims[2])?],
            volumes: as_usize(count)?,
        })
    }

    fn voxels(&self) -> usize {
        // Fits: the product of the dimensions was checked in u64 and converted to usize.
        self.dims.iter().product()
    }
}

/// The voxel type a file is read into: the stored type, `f64` for 64-bit integers, and `f32`
/// (`f64` for 64-bit sources) when scaled.
fn output_kind(h: &Header) -> VoxelKind {
    // the largest magnitude an integer type stores
    let max_abs = match h.datatype {
        Datatype::U8 => 255.0,
        Datatype::I8 => 128.0,
        Datatype::U16 => 65_535.0,
        Datatype::I16 => 32_768.0,
        Datatype::U32 => 4_294_967_295.0,
        Datatype::I32 => 2_147_483_648.0,
        _ => 0.0,
    };
    let fits_f32 = |(slope, inter): (f64, f64)| {
        f64::abs(slope) * max_abs + f64::abs(inter) <= f64::from(f32::MAX)
    };
    match (h.datatype, h.scaling()) {
        (Datatype::F64 | Datatype::I64 | Datatype::U64, _) => VoxelKind::F64,
        // scaled integers that f32 would turn into infinities are read as f64
        (_, Some(scaling)) if !fits_f32(scaling) => VoxelKind::F64,
        (_, Some(_)) => VoxelKind::F32,
        (Datatype::U8, None) => VoxelKind::U8,
        (Datatype::I8, None) => VoxelKind::I8,
        (Datatype::U16, None) => VoxelKind::U16,
        (Datatype::I16, None) => VoxelKind::I16,
        (Datatype::U32, None) => VoxelKind::U32,
        (Datatype::I32, None) => VoxelKind::I32,
        (Datatype::F32, None) => VoxelKind::F32,
        (Datatype::Rgb24, None) => VoxelKind::Rgb8,
    }
}

fn read_volumes(
    h: &Header,
    plan: &Plan,
    geometry: Geometry,
    data: &mut Input,
    warnings: &mut Vec<medvol_core::Warning>,
) -> Result<Vec<DynVolume>> {
    let order = h.byte_order;
    let lossy = Cell::new(false);
    let exact = |v: f64| {
        if v.abs() > 9_007_199_254_740_992.0 {
            lossy.set(true);
        }
        v
    };
    let volumes = match (h.datatype, h.scaling()) {
        (Datatype::U8, None) => all::<u8, u8>(plan, geometry, data, order, |v| v)?,
        (Datatype::I8, None) => all::<i8, i8>(plan, geometry, data, order, |v| v)?,
        (Datatype::U16, None) => all::<u16, u16>(plan, geometry, data, order, |v| v)?,
        (Datatype::I16, None) => all::<i16, i16>(plan, geometry, data, order, |v| v)?,
        (Datatype::U32, None) => all::<u32, u32>(plan, geometry, data, order, |v| v)?,
        (Datatype::I32, None) => all::<i32, i32>(plan, geometry, data, order, |v| v)?,
        (Datatype::F32, None) => all::<f32, f32>(plan, geometry, data, order, |v| v)?,
        (Datatype::F64, None) => all::<f64, f64>(plan, geometry, data, order, |v| v)?,
        (Datatype::I64, None) => all::<i64, f64>(plan, geometry, data, order, |v| exact(v as f64))?,
        (Datatype::U64, None) => all::<u64, f64>(plan, geometry, data, order, |v| exact(v as f64))?,
        (Datatype::Rgb24, None) => all::<Rgb8, Rgb8>(plan, geometry, data, order, |v| v)?,
        (dt, Some((slope, inter))) => {
            macro_rules! scaled {
                ($($d:ident => $s:ty),*) => {
                    match dt {
                        $(Datatype::$d if output_kind(h) == VoxelKind::F64 => {
                            all::<$s, f64>(plan, geometry, data, order, |v| v.as_f64() * slope + inter)?
                        }
                        Datatype::$d => {
                            all::<$s, f32>(plan, geometry, data, order, |v| (v.as_f64() * slope + inter) as f32)?
                        })*
                        Datatype::Rgb24 => return Err(Error::Unsupported {
                            path: data.path.clone(),
                            what: "RGB24 voxels with scl_slope/scl_inter (scaling does not \
                                   apply to colour)".into(),
                        }),
                    }
                };
            }
            scaled!(U8 => u8, I8 => i8, U16 => u16, I16 => i16, U32 => u32, I32 => i32,
                    U64 => u64, I64 => i64, F32 => f32, F64 => f64)
        }
    };
    if lossy.get() {
        warnings.push(medvol_core::Warning::RoundedToF64 {
            datatype: h.datatype.name(),
        });
    }
    Ok(volumes)
}

/// Reads every volume of the plan, converting each stored sample with `f`.
///
/// (A reader thread overlapping gzip inflation with the conversion was measured on the
/// shared 2-core machine and gained nothing there: the loop stays single-threaded.)
fn all<S: Sample, T: Voxel>(
    plan: &Plan,
    geometry: Geometry,
    data: &mut Input,
    order: ByteOrder,
    f: impl Fn(S) -> T + Copy,
) -> Result<Vec<DynVolume>> {
    let n = plan.voxels();
    let mut scratch = vec![0u8; SCRATCH.min(n * S::SIZE)];
    let mut volumes = Vec::new();
    for t in 0..plan.volumes {
        let mut out: Vec<T> = Vec::new();
        out.try_reserve_exact(n).map_err(|e| Error::Io {
            path: data.path.clone(),
            source: io::Error::new(io::ErrorKind::OutOfMemory, e),
        })?;
        let mut left = n;
        while left > 0 {
            let m = left.min(SCRATCH / S::SIZE);
            let bytes = &mut scratch[..m * S::SIZE];
            data.fill(bytes, &format!("voxel data (volume {t})"))?;
            S::decode(bytes, order, &mut out, f);
            left -= m;
        }
        let v = Volume::from_vec(plan.dims, out, geometry).map_err(|source| Error::Geometry {
            path: data.path.clone(),
            source,
        })?;
        volumes.push(DynVolume::from(v));
    }
    Ok(volumes)
}
