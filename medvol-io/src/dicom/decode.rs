//! Pixel data to rescaled voxel values.
//!
//! Native (uncompressed) pixel data is decoded here from the element's bytes, so that
//! BitsStored/HighBit masking, sign extension and big-endian 32-bit samples are handled
//! exactly; encapsulated syntaxes go through dicom-pixeldata's pure-Rust codecs.

use super::header::FileHeader;
use crate::{Error, Result};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_pixeldata::PixelDecoder;
use medvol_core::Voxel;
use std::borrow::Cow;

const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";

/// Whether `ts` stores pixel data natively (not encapsulated).
pub(crate) fn is_native(ts: &str) -> bool {
    matches!(
        ts,
        "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.1.99" | EXPLICIT_BE
    )
}

/// `None` when `ts` can be decoded with the enabled features, else why not.
pub(crate) fn unsupported_reason(ts: &str) -> Option<String> {
    use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
    use dicom_transfer_syntax_registry::TransferSyntaxIndex;
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
        "1.2.840.10008.1.2.4.51" => "no pure-Rust 12-bit JPEG decoder: transcode the files",
        _ => "no decoder in this build: transcode the files (e.g. to explicit VR little endian)",
    };
    Some(format!(
        "transfer syntax {} ({ts}) cannot be decoded: {hint}",
        syntax.name()
    ))
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
pub(crate) fn stored_range(h: &FileHeader) -> (f64, f64) {
    let b = i32::from(h.bits_stored);
    if h.signed {
        (-(2f64.powi(b - 1)), 2f64.powi(b - 1) - 1.0)
    } else {
        (0.0, 2f64.powi(b) - 1.0)
    }
}

/// The pixel data of a file in file byte order, with the byte order and bits per sample.
struct Samples<'a> {
    bytes: Cow<'a, [u8]>,
    big_endian: bool,
    bits: u16,
}

impl Samples<'_> {
    #[inline]
    fn raw(&self, idx: usize) -> u32 {
        let b = &self.bytes;
        match (self.bits, self.big_endian) {
            (8, _) => u32::from(b[idx]),
            (16, false) => u32::from(u16::from_le_bytes([b[2 * idx], b[2 * idx + 1]])),
            (16, true) => u32::from(u16::from_be_bytes([b[2 * idx], b[2 * idx + 1]])),
            (_, false) => u32::from_le_bytes([b[4 * idx], b[4 * idx + 1], b[4 * idx + 2], b[4 * idx + 3]]),
            (_, true) => u32::from_be_bytes([b[4 * idx], b[4 * idx + 1], b[4 * idx + 2], b[4 * idx + 3]]),
        }
    }
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
        PrimitiveValue::U16(v) => Cow::Owned(words(v, big_endian, u16::to_le_bytes, u16::to_be_bytes)),
        PrimitiveValue::I16(v) => Cow::Owned(words(v, big_endian, i16::to_le_bytes, i16::to_be_bytes)),
        PrimitiveValue::U32(v) => Cow::Owned(words(v, big_endian, u32::to_le_bytes, u32::to_be_bytes)),
        PrimitiveValue::I32(v) => Cow::Owned(words(v, big_endian, i32::to_le_bytes, i32::to_be_bytes)),
        other => other.to_bytes(),
    }
}

fn decode_error(h: &FileHeader, context: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Decode {
        path: h.path.clone(),
        context: context.to_string(),
        source: Box::new(e),
    }
}

/// Decodes the frames of one file into their destinations (`(frame, dst)`, each `dst` one
/// frame of `rows * columns` voxels), applying each frame's rescale in f64.
pub(crate) fn read_frames<T: Voxel>(h: &FileHeader, targets: Vec<(u32, &mut [T])>) -> Result<()> {
    if let Some(what) = unsupported_reason(&h.transfer_syntax) {
        return Err(Error::Unsupported {
            path: h.path.clone(),
            what,
        });
    }
    let obj = dicom_object::OpenFileOptions::new()
        .open_file(&h.path)
        .map_err(|e| decode_error(h, "reading DICOM file", e))?;
    let element = obj
        .get(dicom_dictionary_std::tags::PIXEL_DATA)
        .ok_or_else(|| Error::Invalid {
            path: h.path.clone(),
            format: "DICOM",
            reason: "no PixelData element".into(),
        })?;
    let frame_len = h.rows as usize * h.columns as usize;
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
        _ => {
            let decoded = obj
                .decode_pixel_data()
                .map_err(|e| decode_error(h, &format!("decoding transfer syntax {}", h.transfer_syntax), e))?;
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
    for (frame, dst) in targets {
        let (slope, intercept) = h.frames[frame as usize].rescale;
        let base = frame as usize * frame_len;
        let identity = slope == 1.0 && intercept == 0.0;
        for (i, out) in dst.iter_mut().enumerate() {
            let v = sampling.value(samples.raw(base + i)) as f64;
            *out = T::from_f64_saturating(if identity { v } else { v * slope + intercept });
        }
    }
    Ok(())
}
