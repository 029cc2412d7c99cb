//! Pixel data to rescaled voxel values.
//!
//! Native (uncompressed) pixel data is decoded here from the element's bytes, so that
//! BitsStored/HighBit masking, sign extension and big-endian 32-bit samples are handled
//! exactly; encapsulated syntaxes go through dicom-pixeldata's pure-Rust codecs.

use super::modality_lut::ModalityLut;
use crate::dicom::read::header::FileHeader;
use crate::{Error, Result};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_pixeldata::PixelDecoder;
use medvol_core::Voxel;
use std::borrow::Cow;

const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
/// RLE Lossless.
const RLE: &str = "1.2.840.10008.1.2.5";
/// JPEG Extended (Process 2 & 4): 8-bit (process 2) or 12-bit (process 4) lossy JPEG.
const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";

/// Whether `ts` stores pixel data natively (not encapsulated).
pub(crate) fn is_native(ts: &str) -> bool {
    matches!(
        ts,
        "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.1.99" | EXPLICIT_BE
    )
}

/// Voxel types a rescaled value is written to. The value is exact (an integer when the output
/// type is an integer, see `read::output_kind`), so a saturating `as` cast suffices and
/// avoids a per-voxel `round` call.
pub(crate) trait Stored: Voxel {
    /// `v` converted with `as` (saturating; NaN to 0).
    fn from_exact(v: f64) -> Self;
    /// `v` saturated to the type's range.
    fn from_i32(v: i32) -> Self;
}

macro_rules! impl_stored {
    ($($t:ty),*) => {$(
        impl Stored for $t {
            #[inline(always)]
            fn from_exact(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn from_i32(v: i32) -> Self {
                i64::from(v).clamp(<$t>::MIN as i64, <$t>::MAX as i64) as $t
            }
        }
    )*};
}
impl_stored!(u8, i8, u16, i16, u32, i32, f32, f64);

/// `None` when `ts` can be decoded with the enabled features, else why not.
pub(crate) fn unsupported_reason(ts: &str) -> Option<String> {
    use dicom_transfer_syntax_registry::TransferSyntaxIndex;
    use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
    if is_native(ts) {
        return None;
    }
    let Some(syntax) = TransferSyntaxRegistry.get(ts) else {
        return Some(format!("unknown transfer syntax {ts}"));
    };
    if syntax.can_decode_all() {
        return None;
    }
    let hint = match ts {
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => {
            "build medvol-io with the `charls` feature (needs cmake and a C++ compiler)"
        }
        _ => "no decoder in this build: transcode the files (e.g. to explicit VR little endian)",
    };
    Some(format!(
        "transfer syntax {} ({ts}) cannot be decoded: {hint}",
        syntax.name()
    ))
}

/// Why a syntax the build decodes cannot decode `h`'s samples, if it cannot.
fn unsupported_depth(h: &FileHeader) -> Option<String> {
    (h.transfer_syntax == JPEG_EXTENDED && h.bits_stored > 8).then(|| {
        format!(
            "transfer syntax JPEG Extended (Process 2 & 4) ({JPEG_EXTENDED}) with {}-bit \
             samples cannot be decoded: the pure-Rust JPEG decoder reads 8-bit lossy JPEG only \
             (process 4's 12-bit samples are not supported); transcode the files \
             (e.g. `dcmdjpeg` or `gdcmconv --raw`)",
            h.bits_stored
        )
    })
}

/// How raw samples become values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sampling {
    bits_stored: u32,
    shift: u32,
    signed: bool,
}

impl Sampling {
    fn new(h: &FileHeader, native: bool) -> Self {
        Self {
            bits_stored: u32::from(h.bits_stored),
            shift: if native {
                u32::from(h.high_bit + 1 - h.bits_stored)
            } else {
                0
            },
            signed: h.signed,
        }
    }

    /// The stored value of a raw sample: junk bits above HighBit masked, sign extended.
    #[inline]
    fn value(self, raw: u32) -> i64 {
        let v = raw >> self.shift;
        if self.bits_stored >= 32 {
            return if self.signed {
                i64::from(v as i32)
            } else {
                i64::from(v)
            };
        }
        let v = v & ((1u32 << self.bits_stored) - 1);
        if self.signed && v >> (self.bits_stored - 1) & 1 == 1 {
            i64::from(v) - (1i64 << self.bits_stored)
        } else {
            i64::from(v)
        }
    }
}

/// The range of stored values the header allows (after masking), as (min, max).
fn stored_range(h: &FileHeader) -> (f64, f64) {
    let b = i32::from(h.bits_stored);
    if h.signed {
        (-(2f64.powi(b - 1)), 2f64.powi(b - 1) - 1.0)
    } else {
        (0.0, 2f64.powi(b) - 1.0)
    }
}

/// The smallest and largest modality value frame `frame` of `h` can hold, and whether every
/// modality value is an integer: the Modality LUT's range, else the rescaled stored range.
pub(crate) fn value_range(h: &FileHeader, frame: u32) -> ((f64, f64), bool) {
    if let Some(lut) = &h.modality_lut {
        return (lut.range(), true);
    }
    let (slope, intercept) = h.frames[frame as usize].rescale;
    let (a, b) = stored_range(h);
    let (a, b) = (a * slope + intercept, b * slope + intercept);
    let integral = |x: f64| x.fract() == 0.0 && x.abs() < 1e9;
    ((a.min(b), a.max(b)), integral(slope) && integral(intercept))
}

/// A raw sample of `b.len()` bytes (1, 2 or 4) in the given byte order.
#[inline]
fn raw_sample(b: &[u8], big_endian: bool) -> u32 {
    match (b.len(), big_endian) {
        (1, _) => u32::from(b[0]),
        (2, false) => u32::from(u16::from_le_bytes([b[0], b[1]])),
        (2, true) => u32::from(u16::from_be_bytes([b[0], b[1]])),
        (_, false) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        (_, true) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
    }
}

/// The pixel data of a file in file byte order, with the byte order and bits per sample.
struct Samples<'a> {
    bytes: Cow<'a, [u8]>,
    big_endian: bool,
    bits: u16,
}

impl Samples<'_> {
    /// Writes samples `base..base + dst.len()` into `dst` through a Modality LUT.
    fn convert_lut<T: Stored>(
        &self,
        sampling: Sampling,
        base: usize,
        dst: &mut [T],
        lut: &ModalityLut,
    ) {
        let n = usize::from(self.bits / 8).max(1);
        let src = &self.bytes[base * n..(base + dst.len()) * n];
        for (b, out) in src.chunks_exact(n).zip(dst.iter_mut()) {
            *out = T::from_exact(lut.map(sampling.value(raw_sample(b, self.big_endian))));
        }
    }

    /// Writes samples `base..base + dst.len()` as rescaled values into `dst`.
    fn convert<T: Stored>(
        &self,
        sampling: Sampling,
        base: usize,
        dst: &mut [T],
        rescale: (f64, f64),
    ) {
        let n = usize::from(self.bits / 8).max(1);
        let src = &self.bytes[base * n..(base + dst.len()) * n];
        if let Some(int) = IntRescale::new(sampling, rescale) {
            return match (n, self.big_endian) {
                (1, _) => fill_int(src, dst, 1, |b| u32::from(b[0]), int),
                (2, false) => fill_int(
                    src,
                    dst,
                    2,
                    |b| u32::from(u16::from_le_bytes([b[0], b[1]])),
                    int,
                ),
                (2, true) => fill_int(
                    src,
                    dst,
                    2,
                    |b| u32::from(u16::from_be_bytes([b[0], b[1]])),
                    int,
                ),
                (_, false) => fill_int(
                    src,
                    dst,
                    4,
                    |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                    int,
                ),
                (_, true) => fill_int(
                    src,
                    dst,
                    4,
                    |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                    int,
                ),
            };
        }
        match (n, self.big_endian) {
            (1, _) => fill(src, dst, 1, |b| u32::from(b[0]), sampling, rescale),
            (2, false) => fill(
                src,
                dst,
                2,
                |b| u32::from(u16::from_le_bytes([b[0], b[1]])),
                sampling,
                rescale,
            ),
            (2, true) => fill(
                src,
                dst,
                2,
                |b| u32::from(u16::from_be_bytes([b[0], b[1]])),
                sampling,
                rescale,
            ),
            (_, false) => fill(
                src,
                dst,
                4,
                |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                sampling,
                rescale,
            ),
            (_, true) => fill(
                src,
                dst,
                4,
                |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                sampling,
                rescale,
            ),
        }
    }
}

/// An integral rescale of samples of at most 16 stored bits: exact in i32 arithmetic.
///
/// Slope and intercept are below 2^15 in magnitude, so |value| <= (2^16 - 1) * (2^15 - 1) +
/// 2^15 - 1 = 2^31 - 2^15 fits i32; a larger rescale (2^15 itself already overflows:
/// 65535 * 32768 + 32768 = 2^31) goes through the f64 loop.
#[derive(Clone, Copy)]
struct IntRescale {
    shift: u32,
    /// Left shift that puts the sign bit of a stored value at bit 31 (32 - BitsStored).
    up: u32,
    mask: u32,
    signed: bool,
    slope: i32,
    intercept: i32,
}

impl IntRescale {
    fn new(s: Sampling, (slope, intercept): (f64, f64)) -> Option<Self> {
        let small = |x: f64| x.fract() == 0.0 && x.abs() < 32768.0;
        (s.bits_stored <= 16 && small(slope) && small(intercept)).then(|| Self {
            shift: s.shift,
            up: 32 - s.bits_stored,
            mask: (1u32 << s.bits_stored) - 1,
            signed: s.signed,
            slope: slope as i32,
            intercept: intercept as i32,
        })
    }
}

/// The integer conversion loop; |value| <= 2^31 - 2^15 fits i32 (see [`IntRescale`]).
#[inline(always)]
fn fill_int<T: Stored>(
    src: &[u8],
    dst: &mut [T],
    width: usize,
    raw: impl Fn(&[u8]) -> u32,
    r: IntRescale,
) {
    let pairs = src.chunks_exact(width).zip(dst.iter_mut());
    let (shift, up, mask, slope, intercept) = (r.shift, r.up, r.mask, r.slope, r.intercept);
    match (r.signed, slope) {
        (false, 1) => {
            pairs.for_each(|(b, o)| *o = T::from_i32(((raw(b) >> shift) & mask) as i32 + intercept))
        }
        (true, 1) => pairs.for_each(|(b, o)| {
            *o = T::from_i32((((raw(b) >> shift) << up) as i32 >> up) + intercept)
        }),
        (false, _) => pairs.for_each(|(b, o)| {
            *o = T::from_i32(((raw(b) >> shift) & mask) as i32 * slope + intercept)
        }),
        (true, _) => pairs.for_each(|(b, o)| {
            *o = T::from_i32((((raw(b) >> shift) << up) as i32 >> up) * slope + intercept)
        }),
    }
}

/// The conversion loop, monomorphised per sample layout so the compiler can vectorise it.
#[inline(always)]
fn fill<T: Stored>(
    src: &[u8],
    dst: &mut [T],
    width: usize,
    raw: impl Fn(&[u8]) -> u32,
    sampling: Sampling,
    (slope, intercept): (f64, f64),
) {
    let pairs = src.chunks_exact(width).zip(dst.iter_mut());
    if slope == 1.0 {
        for (b, out) in pairs {
            *out = T::from_exact(sampling.value(raw(b)) as f64 + intercept);
        }
    } else {
        for (b, out) in pairs {
            *out = T::from_exact(sampling.value(raw(b)) as f64 * slope + intercept);
        }
    }
}

/// Native pixel data read straight from the end of the file, when it is the last element
/// (the common layout): the element header before it is checked (tag, VR, length), so any
/// other layout falls back to the full parser.
/// The bytes are read into a per-thread buffer reused across files (no page faults for each
/// file's allocation) and handed to `f`.
fn with_native_tail<R>(h: &FileHeader, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|b| {
        let mut buf = b.borrow_mut();
        native_tail(h, &mut buf).then(|| f(&buf[12..]))
    })
}

fn native_tail(h: &FileHeader, buf: &mut Vec<u8>) -> bool {
    native_tail_into(h, buf).unwrap_or(false)
}

fn native_tail_into(h: &FileHeader, buf: &mut Vec<u8>) -> Option<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if h.transfer_syntax.ends_with(".99") {
        return None;
    }
    let value_len = h.native_bytes();
    let value_len = value_len + (value_len & 1);
    let mut f = std::fs::File::open(&h.path).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.checked_sub(value_len + 12)?;
    f.seek(SeekFrom::Start(start)).ok()?;
    buf.resize(usize::try_from(value_len + 12).ok()?, 0);
    f.read_exact(buf).ok()?;
    let big = h.transfer_syntax == EXPLICIT_BE;
    let explicit = h.transfer_syntax != "1.2.840.10008.1.2";
    let ok = if explicit {
        let (tag, vr, reserved, l) = (&buf[0..4], &buf[4..6], &buf[6..8], &buf[8..12]);
        let want_tag: [u8; 4] = if big {
            [0x7F, 0xE0, 0x00, 0x10]
        } else {
            [0xE0, 0x7F, 0x10, 0x00]
        };
        let l = if big {
            u32::from_be_bytes([l[0], l[1], l[2], l[3]])
        } else {
            u32::from_le_bytes([l[0], l[1], l[2], l[3]])
        };
        tag == want_tag
            && (vr == b"OW" || vr == b"OB")
            && reserved == [0, 0]
            && u64::from(l) == value_len
    } else {
        let l = u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]);
        buf[4..8] == [0xE0, 0x7F, 0x10, 0x00] && u64::from(l) == value_len
    };
    Some(ok)
}

/// The bytes of a native pixel data value in the order the file stores them. The parser has
/// already turned OW/OL words into host numbers; turning them back into the file's byte order
/// lets one sample reader serve 8-, 16- and 32-bit samples in OB, OW or OL alike.
fn file_order(p: &PrimitiveValue, big_endian: bool) -> Cow<'_, [u8]> {
    fn words<const N: usize, T: Copy>(
        v: &[T],
        big_endian: bool,
        le: fn(T) -> [u8; N],
        be: fn(T) -> [u8; N],
    ) -> Vec<u8> {
        v.iter()
            .flat_map(|&x| if big_endian { be(x) } else { le(x) })
            .collect()
    }
    match p {
        PrimitiveValue::U8(v) => Cow::Borrowed(&v[..]),
        PrimitiveValue::U16(v) if !big_endian && cfg!(target_endian = "little") => p.to_bytes(),
        PrimitiveValue::U16(v) => {
            Cow::Owned(words(v, big_endian, u16::to_le_bytes, u16::to_be_bytes))
        }
        PrimitiveValue::I16(v) => {
            Cow::Owned(words(v, big_endian, i16::to_le_bytes, i16::to_be_bytes))
        }
        PrimitiveValue::U32(v) => {
            Cow::Owned(words(v, big_endian, u32::to_le_bytes, u32::to_be_bytes))
        }
        PrimitiveValue::I32(v) => {
            Cow::Owned(words(v, big_endian, i32::to_le_bytes, i32::to_be_bytes))
        }
        other => other.to_bytes(),
    }
}

/// [`Error::Decode`] for `h`.
pub(crate) fn decode_error(
    h: &FileHeader,
    context: &str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::Decode {
        path: h.path.clone(),
        context: context.to_string(),
        source: Box::new(e),
    }
}

/// Decodes the frames of one file into their destinations (`(frame, dst)`, each `dst` one
/// frame of `rows * columns` voxels), applying each frame's rescale in f64.
pub(crate) fn read_frames<T: Stored>(
    h: &FileHeader,
    mut targets: Vec<(u32, &mut [T])>,
) -> Result<()> {
    if let Some(what) = unsupported_reason(&h.transfer_syntax).or_else(|| unsupported_depth(h)) {
        return Err(Error::Unsupported {
            path: h.path.clone(),
            what,
        });
    }
    if is_native(&h.transfer_syntax) {
        let done = with_native_tail(h, |bytes| {
            let samples = Samples {
                bytes: Cow::Borrowed(bytes),
                big_endian: h.transfer_syntax == EXPLICIT_BE,
                bits: h.bits_allocated,
            };
            convert_frames(h, &samples, Sampling::new(h, true), &mut targets)
        });
        if let Some(result) = done {
            return result;
        }
    }
    let obj = crate::dicom::file::open_checked(&h.path, None, "reading DICOM file")?;
    let element = obj
        .get(dicom_dictionary_std::tags::PIXEL_DATA)
        .ok_or_else(|| Error::Invalid {
            path: h.path.clone(),
            format: "DICOM",
            reason: "no PixelData element".into(),
        })?;
    let (samples, sampling) = match element.value() {
        Value::Primitive(p) => {
            let big_endian = h.transfer_syntax == EXPLICIT_BE;
            (
                Samples {
                    bytes: file_order(p, big_endian),
                    big_endian,
                    bits: h.bits_allocated,
                },
                Sampling::new(h, true),
            )
        }
        Value::PixelSequence(seq) if h.transfer_syntax == RLE && h.bits_allocated == 32 => {
            let pixels = h.rows as usize * h.columns as usize;
            let frames = h.number_of_frames as usize;
            let bytes =
                super::rle::decode_32bit(seq.fragments(), frames, pixels, 1).map_err(|reason| {
                    Error::Invalid {
                        path: h.path.clone(),
                        format: "DICOM",
                        reason: format!("RLE Lossless pixel data of 32-bit samples: {reason}"),
                    }
                })?;
            let bytes = Cow::Owned(bytes);
            let samples = Samples {
                bytes,
                big_endian: false,
                bits: 32,
            };
            (samples, Sampling::new(h, false))
        }
        _ => {
            let context = format!("decoding transfer syntax {}", h.transfer_syntax);
            // The codecs of dicom-pixeldata can panic on corrupt streams (an RLE segment
            // shorter than the frame indexes out of bounds): that becomes this file's error.
            let decoded =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| obj.decode_pixel_data()))
                    .map_err(|_| {
                        decode_error(
                            h,
                            &context,
                            std::io::Error::other("the decoder panicked on corrupt data"),
                        )
                    })?
                    .map_err(|e| decode_error(h, &context, e))?;
            let bits = decoded.bits_allocated();
            (
                Samples {
                    bytes: Cow::Owned(decoded.into_data()),
                    big_endian: false,
                    bits,
                },
                Sampling::new(h, false),
            )
        }
    };
    convert_frames(h, &samples, sampling, &mut targets)
}

fn convert_frames<T: Stored>(
    h: &FileHeader,
    samples: &Samples<'_>,
    sampling: Sampling,
    targets: &mut [(u32, &mut [T])],
) -> Result<()> {
    let frame_len = h.rows as usize * h.columns as usize;
    let bytes_per = usize::from(samples.bits / 8).max(1);
    let needed = frame_len * bytes_per * h.number_of_frames as usize;
    if samples.bytes.len() < needed {
        return Err(Error::Invalid {
            path: h.path.clone(),
            format: "DICOM",
            reason: format!(
                "pixel data truncated: {} bytes for {} frame(s) of {}x{} at {} bits need {needed}",
                samples.bytes.len(),
                h.number_of_frames,
                h.columns,
                h.rows,
                samples.bits
            ),
        });
    }
    for (frame, dst) in targets.iter_mut() {
        let base = *frame as usize * frame_len;
        match &h.modality_lut {
            Some(lut) => samples.convert_lut(sampling, base, dst, lut),
            None => samples.convert(sampling, base, dst, h.frames[*frame as usize].rescale),
        }
    }
    Ok(())
}
