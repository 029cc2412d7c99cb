//! The NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers: parsing, validation and encoding.
//!
//! Both versions are parsed into one [`Header`] with wide fields (`i64` dimensions, `f64`
//! floats). Offsets are those of the NIfTI-1 and NIfTI-2 standards (`nifti1.h`, `nifti2.h`).

use crate::{Error, Result};
use std::path::Path;

/// Size of a NIfTI-1 header in bytes.
pub(crate) const N1_SIZE: usize = 348;
/// Size of a NIfTI-2 header in bytes.
pub(crate) const N2_SIZE: usize = 540;
/// The 8-byte tail of a NIfTI-2 magic, after `n+2\0` or `ni2\0` (catches text-mode transfers).
const N2_MAGIC_TAIL: [u8; 4] = [b'\r', b'\n', 0x1a, b'\n'];

/// Byte order of a file's header and voxels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Least significant byte first (x86, ARM: what medvol writes).
    Little,
    /// Most significant byte first (old SPARC and PowerPC files).
    Big,
}

/// The voxel type stored in a NIfTI file (`datatype` field).
///
/// Complex, RGBA and 128-bit types are refused with [`Error::Unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Datatype {
    /// `DT_UINT8` (2)
    U8,
    /// `DT_INT8` (256)
    I8,
    /// `DT_UINT16` (512)
    U16,
    /// `DT_INT16` (4)
    I16,
    /// `DT_UINT32` (768)
    U32,
    /// `DT_INT32` (8)
    I32,
    /// `DT_UINT64` (1280); read as `f64`.
    U64,
    /// `DT_INT64` (1024); read as `f64`.
    I64,
    /// `DT_FLOAT32` (16)
    F32,
    /// `DT_FLOAT64` (64)
    F64,
    /// `DT_RGB24` (128): red, green and blue bytes per voxel, interleaved (read as
    /// [`Rgb8`](medvol_core::Rgb8)).
    Rgb24,
}

impl Datatype {
    /// The `datatype` code of the NIfTI standard.
    pub fn code(self) -> i16 {
        match self {
            Datatype::U8 => 2,
            Datatype::I16 => 4,
            Datatype::I32 => 8,
            Datatype::F32 => 16,
            Datatype::F64 => 64,
            Datatype::I8 => 256,
            Datatype::U16 => 512,
            Datatype::U32 => 768,
            Datatype::I64 => 1024,
            Datatype::U64 => 1280,
            Datatype::Rgb24 => 128,
        }
    }

    /// The type for a `datatype` code, or a description of why it is not read.
    pub(crate) fn from_code(code: i16) -> std::result::Result<Self, String> {
        Ok(match code {
            2 => Datatype::U8,
            4 => Datatype::I16,
            8 => Datatype::I32,
            16 => Datatype::F32,
            64 => Datatype::F64,
            256 => Datatype::I8,
            512 => Datatype::U16,
            768 => Datatype::U32,
            1024 => Datatype::I64,
            1280 => Datatype::U64,
            128 => Datatype::Rgb24,
            1 => return Err("datatype 1 (binary, 1 bit per voxel)".into()),
            32 => return Err("datatype 32 (complex64)".into()),
            1536 => return Err("datatype 1536 (float128)".into()),
            1792 => return Err("datatype 1792 (complex128)".into()),
            2048 => return Err("datatype 2048 (complex256)".into()),
            2304 => return Err("datatype 2304 (RGBA32)".into()),
            other => return Err(format!("unknown datatype code {other}")),
        })
    }

    /// Bytes per voxel.
    pub fn size_bytes(self) -> usize {
        match self {
            Datatype::U8 | Datatype::I8 => 1,
            Datatype::U16 | Datatype::I16 => 2,
            Datatype::Rgb24 => 3,
            Datatype::U32 | Datatype::I32 | Datatype::F32 => 4,
            Datatype::U64 | Datatype::I64 | Datatype::F64 => 8,
        }
    }

    /// The Rust name of the stored type (`"i16"`, `"u64"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Datatype::U8 => "u8",
            Datatype::I8 => "i8",
            Datatype::U16 => "u16",
            Datatype::I16 => "i16",
            Datatype::U32 => "u32",
            Datatype::I32 => "i32",
            Datatype::U64 => "u64",
            Datatype::I64 => "i64",
            Datatype::F32 => "f32",
            Datatype::F64 => "f64",
            Datatype::Rgb24 => "rgb24",
        }
    }
}

/// The facts of a NIfTI-1 or NIfTI-2 header, as stored (RAS world coordinates, millimetres when
/// `xyzt_units` says so).
///
/// NIfTI-1 fields are widened (`i16` to `i64`, `f32` to `f64`) so both versions read alike.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Header {
    /// 1 or 2.
    pub version: u8,
    /// Byte order of header and voxels.
    pub byte_order: ByteOrder,
    /// `true` for a header/image pair (`ni1`/`ni2` magic, `.hdr` + `.img`).
    pub pair: bool,
    /// `dim`: `dim[0]` is the rank (1..=7), `dim[1..=rank]` the sizes along x, y, z, t, ...
    pub dim: [i64; 8],
    /// The stored voxel type.
    pub datatype: Datatype,
    /// `bitpix` as stored (bits per voxel).
    pub bitpix: i16,
    /// `pixdim`: `pixdim[0]` is qfac, `pixdim[1..=3]` the voxel size, `pixdim[4]` the time step.
    pub pixdim: [f64; 8],
    /// Byte offset of the voxel data in the data file.
    pub vox_offset: u64,
    /// `scl_slope` (0 or NaN: no scaling).
    pub scl_slope: f64,
    /// `scl_inter`.
    pub scl_inter: f64,
    /// `cal_min`.
    pub cal_min: f64,
    /// `cal_max`.
    pub cal_max: f64,
    /// `xyzt_units` (2 = mm, 8 = seconds, ORed).
    pub xyzt_units: i32,
    /// `intent_code`.
    pub intent_code: i32,
    /// `descrip`, up to the first NUL.
    pub descrip: String,
    /// `qform_code` (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template).
    pub qform_code: i32,
    /// `sform_code`, same codes as `qform_code`.
    pub sform_code: i32,
    /// `quatern_b`, `quatern_c`, `quatern_d`.
    pub quatern: [f64; 3],
    /// `qoffset_x`, `qoffset_y`, `qoffset_z` (RAS mm).
    pub qoffset: [f64; 3],
    /// `srow_x`, `srow_y`, `srow_z`: the sform rows (RAS mm).
    pub srow: [[f64; 4]; 3],
}

impl Header {
    /// The qfac of the quaternion: -1 when `pixdim[0] < 0`, else +1 (as the standard says).
    pub fn qfac(&self) -> f64 {
        if self.pixdim[0] < 0.0 { -1.0 } else { 1.0 }
    }

    /// Size of the header in bytes (348 or 540).
    pub fn size_bytes(&self) -> usize {
        if self.version == 2 { N2_SIZE } else { N1_SIZE }
    }

    /// The rank `dim[0]`.
    pub fn rank(&self) -> usize {
        self.dim[0] as usize
    }

    /// Dimensions (i, j, k) of each 3-D volume (1 beyond the rank).
    pub fn volume_dims(&self) -> [u64; 3] {
        [1, 2, 3].map(|a| {
            if a <= self.rank() {
                self.dim[a] as u64
            } else {
                1
            }
        })
    }

    /// Number of 3-D volumes: the product of `dim[4..=rank]`.
    pub fn volume_count(&self) -> u64 {
        (4..=self.rank()).map(|a| self.dim[a] as u64).product()
    }

    /// `(slope, intercept)` when the header asks for a scaling other than the identity.
    pub fn scaling(&self) -> Option<(f64, f64)> {
        let slope = self.scl_slope;
        let inter = if self.scl_inter.is_finite() {
            self.scl_inter
        } else {
            0.0
        };
        if slope == 0.0 || !slope.is_finite() || (slope == 1.0 && inter == 0.0) {
            None
        } else {
            Some((slope, inter))
        }
    }
}

/// Which header size the first four bytes announce, and in which byte order.
///
/// # Errors
/// [`Error::Invalid`] when `sizeof_hdr` is neither 348 nor 540 in either byte order.
pub(crate) fn detect(path: &Path, first4: [u8; 4]) -> Result<(u8, ByteOrder)> {
    let le = i32::from_le_bytes(first4);
    let be = i32::from_be_bytes(first4);
    match (le, be) {
        (348, _) => Ok((1, ByteOrder::Little)),
        (540, _) => Ok((2, ByteOrder::Little)),
        (_, 348) => Ok((1, ByteOrder::Big)),
        (_, 540) => Ok((2, ByteOrder::Big)),
        _ => Err(invalid(
            path,
            format!(
                "sizeof_hdr is {le} (expected 348 for NIfTI-1 or 540 for NIfTI-2): not a NIfTI file"
            ),
        )),
    }
}

/// Reads fixed-offset fields of a header in its byte order.
struct Fields<'a> {
    b: &'a [u8],
    order: ByteOrder,
}

macro_rules! field {
    ($name:ident, $t:ty, $n:expr) => {
        fn $name(&self, off: usize) -> $t {
            let mut a = [0u8; $n];
            a.copy_from_slice(&self.b[off..off + $n]);
            match self.order {
                ByteOrder::Little => <$t>::from_le_bytes(a),
                ByteOrder::Big => <$t>::from_be_bytes(a),
            }
        }
    };
}

impl Fields<'_> {
    field!(i16, i16, 2);
    field!(i32, i32, 4);
    field!(i64, i64, 8);
    field!(f32, f32, 4);
    field!(f64, f64, 8);

    fn f32s<const N: usize>(&self, off: usize) -> [f64; N] {
        std::array::from_fn(|i| self.f32(off + 4 * i) as f64)
    }
    fn f64s<const N: usize>(&self, off: usize) -> [f64; N] {
        std::array::from_fn(|i| self.f64(off + 8 * i))
    }
    fn text(&self, off: usize, len: usize) -> String {
        let s = &self.b[off..off + len];
        let end = s.iter().position(|&c| c == 0).unwrap_or(len);
        String::from_utf8_lossy(&s[..end]).into_owned()
    }
}

/// Parses and validates a complete header (`bytes.len()` is 348 or 540, as [`detect`] said).
///
/// Checks the magic, `dim` (rank 1..=7, every used size >= 1, a product that fits `u64`), the
/// datatype, `pixdim[1..=3]` (finite, not negative) and `vox_offset`. Voxel sizes of 0 on used
/// axes become 1 mm with a warning, as the reference NIfTI library does.
///
/// # Errors
/// [`Error::Invalid`] or [`Error::Unsupported`], naming `path` and the field.
pub(crate) fn parse(
    path: &Path,
    bytes: &[u8],
    version: u8,
    order: ByteOrder,
    warnings: &mut Vec<medvol_core::Warning>,
) -> Result<Header> {
    let f = Fields { b: bytes, order };
    let (magic_ok, pair) = if version == 1 {
        match &bytes[344..348] {
            b"n+1\0" => (true, false),
            b"ni1\0" => (true, true),
            _ => (false, false),
        }
    } else {
        let tail_ok = bytes[8..12] == N2_MAGIC_TAIL;
        match &bytes[4..8] {
            b"n+2\0" => (tail_ok, false),
            b"ni2\0" => (tail_ok, true),
            _ => (false, false),
        }
    };
    if !magic_ok {
        let at = if version == 1 { 344..348 } else { 4..12 };
        return Err(invalid(
            path,
            format!(
                "bad magic {:?} for a NIfTI-{version} header (Analyze 7.5 files are not read)",
                String::from_utf8_lossy(&bytes[at])
            ),
        ));
    }
    let h = if version == 1 {
        let vox_offset = f.f32(108) as f64;
        Header {
            version,
            byte_order: order,
            pair,
            dim: std::array::from_fn(|i| f.i16(40 + 2 * i) as i64),
            datatype: datatype(path, f.i16(70))?,
            bitpix: f.i16(72),
            pixdim: f.f32s(76),
            vox_offset: offset(path, vox_offset)?,
            scl_slope: f.f32(112) as f64,
            scl_inter: f.f32(116) as f64,
            cal_max: f.f32(124) as f64,
            cal_min: f.f32(128) as f64,
            xyzt_units: bytes[123] as i32,
            intent_code: f.i16(68) as i32,
            descrip: f.text(148, 80),
            qform_code: f.i16(252) as i32,
            sform_code: f.i16(254) as i32,
            quatern: f.f32s(256),
            qoffset: f.f32s(268),
            srow: [f.f32s(280), f.f32s(296), f.f32s(312)],
        }
    } else {
        let vox_offset = f.i64(168);
        if vox_offset < 0 {
            return Err(invalid(
                path,
                format!("vox_offset {vox_offset} is negative"),
            ));
        }
        Header {
            version,
            byte_order: order,
            pair,
            dim: std::array::from_fn(|i| f.i64(16 + 8 * i)),
            datatype: datatype(path, f.i16(12))?,
            bitpix: f.i16(14),
            pixdim: f.f64s(104),
            vox_offset: offset(path, vox_offset as f64)?,
            scl_slope: f.f64(176),
            scl_inter: f.f64(184),
            cal_max: f.f64(192),
            cal_min: f.f64(200),
            xyzt_units: f.i32(500),
            intent_code: f.i32(504),
            descrip: f.text(240, 80),
            qform_code: f.i32(344),
            sform_code: f.i32(348),
            quatern: f.f64s(352),
            qoffset: f.f64s(376),
            srow: [f.f64s(400), f.f64s(432), f.f64s(464)],
        }
    };
    validate(path, h, warnings)
}

fn datatype(path: &Path, code: i16) -> Result<Datatype> {
    Datatype::from_code(code).map_err(|what| {
        if what.starts_with("unknown") {
            invalid(path, what)
        } else {
            Error::Unsupported {
                path: path.to_path_buf(),
                what: format!(
                    "{what}: medvol reads scalar integer and float voxels and RGB24 only"
                ),
            }
        }
    })
}

fn offset(path: &Path, vox_offset: f64) -> Result<u64> {
    if !vox_offset.is_finite()
        || vox_offset < 0.0
        || vox_offset.fract() != 0.0
        || vox_offset > 2f64.powi(62)
    {
        return Err(invalid(
            path,
            format!("vox_offset {vox_offset} is not a byte offset"),
        ));
    }
    Ok(vox_offset as u64)
}

fn validate(
    path: &Path,
    mut h: Header,
    warnings: &mut Vec<medvol_core::Warning>,
) -> Result<Header> {
    let rank = h.dim[0];
    if !(1..=7).contains(&rank) {
        return Err(invalid(
            path,
            format!("dim[0] = {rank} is out of range 1..=7"),
        ));
    }
    let rank = rank as usize;
    let mut total: u64 = 1;
    for a in 1..=rank {
        let n = h.dim[a];
        if n < 1 {
            return Err(invalid(
                path,
                format!("dim[{a}] = {n}: every used dimension must be >= 1"),
            ));
        }
        total = total.checked_mul(n as u64).ok_or_else(|| {
            invalid(
                path,
                format!(
                    "dim {:?} has a voxel count that overflows 64 bits",
                    &h.dim[1..=rank]
                ),
            )
        })?;
    }
    total
        .checked_mul(h.datatype.size_bytes() as u64)
        .ok_or_else(|| {
            invalid(
                path,
                format!("dim {:?} overflows the byte count", &h.dim[1..=rank]),
            )
        })?;
    if !h.pair && h.vox_offset < h.size_bytes() as u64 {
        return Err(invalid(
            path,
            format!(
                "vox_offset {} lies inside the {}-byte header",
                h.vox_offset,
                h.size_bytes()
            ),
        ));
    }
    let bits = 8 * h.datatype.size_bytes() as i16;
    if h.bitpix != bits {
        warnings.push(medvol_core::Warning::BitpixMismatch {
            bitpix: h.bitpix,
            datatype: h.datatype.name(),
            bits,
        });
    }
    for a in 1..=3 {
        let p = h.pixdim[a];
        if p.is_nan() || p.is_infinite() || p < 0.0 {
            return Err(invalid(
                path,
                format!("pixdim[{a}] = {p}: voxel sizes must be finite and not negative"),
            ));
        }
        if p == 0.0 {
            if a <= rank && h.dim[a] > 1 {
                warnings.push(medvol_core::Warning::ZeroPixdim { axis: a });
            }
            h.pixdim[a] = 1.0;
        }
    }
    Ok(h)
}

/// Encodes a header for writing, little-endian, with `vox_offset` right after the header and
/// its 4-byte extension flag (352 or 544).
pub(crate) fn encode(h: &Header) -> Vec<u8> {
    let mut w = Writer(vec![0u8; h.size_bytes() + 4]);
    if h.version == 1 {
        w.i32(0, N1_SIZE as i32);
        w.0[38] = b'r'; // `regular`, as Analyze readers expect
        for (i, d) in h.dim.iter().enumerate() {
            w.i16(40 + 2 * i, *d as i16);
        }
        w.i16(68, h.intent_code as i16);
        w.i16(70, h.datatype.code());
        w.i16(72, h.bitpix);
        w.f32s(76, &h.pixdim);
        w.f32(108, h.vox_offset as f64);
        w.f32(112, h.scl_slope);
        w.f32(116, h.scl_inter);
        w.0[123] = h.xyzt_units as u8;
        w.f32(124, h.cal_max);
        w.f32(128, h.cal_min);
        w.text(148, 80, &h.descrip);
        w.i16(252, h.qform_code as i16);
        w.i16(254, h.sform_code as i16);
        w.f32s(256, &h.quatern);
        w.f32s(268, &h.qoffset);
        for (r, row) in h.srow.iter().enumerate() {
            w.f32s(280 + 16 * r, row);
        }
        w.0[344..348].copy_from_slice(b"n+1\0");
    } else {
        w.i32(0, N2_SIZE as i32);
        w.0[4..8].copy_from_slice(b"n+2\0");
        w.0[8..12].copy_from_slice(&N2_MAGIC_TAIL);
        w.i16(12, h.datatype.code());
        w.i16(14, h.bitpix);
        for (i, d) in h.dim.iter().enumerate() {
            w.0[16 + 8 * i..24 + 8 * i].copy_from_slice(&d.to_le_bytes());
        }
        w.f64s(104, &h.pixdim);
        w.0[168..176].copy_from_slice(&(h.vox_offset as i64).to_le_bytes());
        w.f64s(176, &[h.scl_slope, h.scl_inter, h.cal_max, h.cal_min]);
        w.text(240, 80, &h.descrip);
        w.i32(344, h.qform_code);
        w.i32(348, h.sform_code);
        w.f64s(352, &h.quatern);
        w.f64s(376, &h.qoffset);
        for (r, row) in h.srow.iter().enumerate() {
            w.f64s(400 + 32 * r, row);
        }
        w.i32(500, h.xyzt_units);
        w.i32(504, h.intent_code);
    }
    w.0
}

struct Writer(Vec<u8>);

impl Writer {
    fn put(&mut self, off: usize, b: &[u8]) {
        self.0[off..off + b.len()].copy_from_slice(b);
    }
    fn i16(&mut self, off: usize, v: i16) {
        self.put(off, &v.to_le_bytes());
    }
    fn i32(&mut self, off: usize, v: i32) {
        self.put(off, &v.to_le_bytes());
    }
    fn f32(&mut self, off: usize, v: f64) {
        self.put(off, &(v as f32).to_le_bytes());
    }
    fn f32s(&mut self, off: usize, v: &[f64]) {
        for (i, x) in v.iter().enumerate() {
            self.f32(off + 4 * i, *x);
        }
    }
    fn f64s(&mut self, off: usize, v: &[f64]) {
        for (i, x) in v.iter().enumerate() {
            self.put(off + 8 * i, &x.to_le_bytes());
        }
    }
    fn text(&mut self, off: usize, len: usize, s: &str) {
        let b = s.as_bytes();
        let n = b.len().min(len - 1);
        self.put(off, &b[..n]);
    }
}

pub(crate) fn invalid(path: &Path, reason: String) -> Error {
    Error::Invalid {
        path: path.to_path_buf(),
        format: "NIfTI",
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(version: u8) -> Header {
        Header {
            version,
            byte_order: ByteOrder::Little,
            pair: false,
            dim: [4, 3, 4, 5, 2, 1, 1, 1],
            datatype: Datatype::I16,
            bitpix: 16,
            pixdim: [-1.0, 0.5, 0.75, 2.5, 3.0, 0.0, 0.0, 0.0],
            vox_offset: if version == 1 { 352 } else { 544 },
            scl_slope: 2.0,
            scl_inter: -5.0,
            cal_min: 0.0,
            cal_max: 0.0,
            xyzt_units: 10,
            intent_code: 0,
            descrip: "medvol test".into(),
            qform_code: 1,
            sform_code: 2,
            quatern: [0.0, 0.5, 0.5],
            qoffset: [1.5, -2.0, 3.25],
            srow: [
                [1.0, 0.0, 0.0, 1.5],
                [0.0, 0.0, 2.5, -2.0],
                [0.0, 0.75, 0.0, 3.25],
            ],
        }
    }

    #[test]
    fn encode_parse_round_trip_both_versions() {
        for version in [1, 2] {
            let h = sample(version);
            let bytes = encode(&h);
            assert_eq!(bytes.len() as u64, h.vox_offset);
            let first4 = [bytes[0], bytes[1], bytes[2], bytes[3]];
            assert_eq!(
                detect(Path::new("t.nii"), first4).unwrap(),
                (version, ByteOrder::Little)
            );
            let mut w = Vec::new();
            let back = parse(
                Path::new("t.nii"),
                &bytes[..h.size_bytes()],
                version,
                ByteOrder::Little,
                &mut w,
            )
            .unwrap();
            assert_eq!(back, h);
            assert!(w.is_empty(), "{w:?}");
            assert_eq!(back.volume_dims(), [3, 4, 5]);
            assert_eq!(back.volume_count(), 2);
            assert_eq!(back.scaling(), Some((2.0, -5.0)));
        }
    }

    #[test]
    fn scaling_identity_and_zero_slope_mean_none() {
        let mut h = sample(1);
        for (s, i) in [(0.0, 7.0), (1.0, 0.0), (f64::NAN, 0.0)] {
            h.scl_slope = s;
            h.scl_inter = i;
            assert_eq!(h.scaling(), None);
        }
        h.scl_slope = 1.0;
        h.scl_inter = f64::NAN;
        assert_eq!(h.scaling(), None);
    }

    #[test]
    fn datatype_codes_round_trip_and_refusals_are_specific() {
        for code in [2, 4, 8, 16, 64, 128, 256, 512, 768, 1024, 1280] {
            assert_eq!(Datatype::from_code(code).unwrap().code(), code);
        }
        assert!(Datatype::from_code(32).unwrap_err().contains("complex64"));
        assert!(Datatype::from_code(999).unwrap_err().contains("unknown"));
    }
}
