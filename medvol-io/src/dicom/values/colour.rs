//! Colour images (SamplesPerPixel 3): which ones are read, and their decoding to [`Rgb8`].
//!
//! 8-bit RGB, YBR_FULL and YBR_FULL_422 (as the JPEG codecs decode it) are read, pixel-
//! interleaved (PlanarConfiguration 0) or colour-by-plane (1), into `Volume<Rgb8>`; YBR is
//! converted to RGB with the full-range BT.601 matrix (as pydicom's `convert_color_space`).
//! Other sample counts, 16-bit colour, palette colour and native (subsampled) YBR_FULL_422
//! are refused with the reason. Colour volumes are read on the grid as stored: resampling or
//! reslicing them (uneven slices, gantry tilt) is refused.

use super::decode::decode_error;
use crate::dicom::place::pepolar::flip_rows;
use crate::dicom::read::header::FileHeader;
use crate::dicom::read::series::SeriesInfo;
use crate::{Error, Result};
use dicom_pixeldata::{PhotometricInterpretation, PixelDecoder, PlanarConfiguration};
use medvol_core::{DynVolume, Rgb8, Volume};
use std::sync::Arc;

/// `Some(true)` when every file of the series is colour, `Some(false)` when none is.
///
/// # Errors
/// [`Error::InconsistentSeries`] when the series mixes colour and grey images.
pub(crate) fn is_colour(info: &SeriesInfo) -> Result<bool> {
    let first = info.sources[0].header.colour;
    if info.sources.iter().any(|s| s.header.colour != first) {
        return Err(Error::InconsistentSeries {
            path: info.sources[0].header.path.clone(),
            reason: "the series mixes colour (RGB) and grey-level images".into(),
        });
    }
    Ok(first)
}

/// [`Error::Unsupported`] for a colour series that would have to be resampled or resliced.
pub(crate) fn refuse_resampling(info: &SeriesInfo) -> Result<()> {
    if is_colour(info)? {
        return Err(Error::Unsupported {
            path: info.sources[0].header.path.clone(),
            what: "resampling or reslicing a colour (RGB) series (uneven slices or gantry tilt); \
                   Uniform::Warn and Tilt::Raw read it as stored"
                .into(),
        });
    }
    Ok(())
}

/// The colour series `info` as an [`Rgb8`] volume, rows reversed when `flip`.
pub(crate) fn read(info: &SeriesInfo, flip: bool) -> Result<DynVolume> {
    let path = &info.sources[0].header.path;
    if info.sources.iter().any(|s| s.tile.is_some()) {
        return Err(Error::Unsupported {
            path: path.clone(),
            what: "colour (RGB) mosaic images".into(),
        });
    }
    let plane = info.dims[0] * info.dims[1];
    let mut out = vec![Rgb8::default(); plane * info.dims[2]];
    let mut done: Option<(Arc<FileHeader>, Vec<Rgb8>)> = None;
    for (src, dst) in info.sources.iter().zip(out.chunks_mut(plane)) {
        if !done
            .as_ref()
            .is_some_and(|(h, _)| Arc::ptr_eq(h, &src.header))
        {
            done = Some((src.header.clone(), decode_file(&src.header)?));
        }
        if let Some((_, pixels)) = &done {
            let start = src.frame as usize * plane;
            dst.copy_from_slice(&pixels[start..start + plane]);
        }
    }
    if flip {
        flip_rows(&mut out, info.dims);
    }
    Volume::from_vec(info.dims, out, info.geometry)
        .map(DynVolume::from)
        .map_err(|source| Error::Geometry {
            path: path.clone(),
            source,
        })
}

/// Every frame of one colour file as RGB voxels, frame after frame.
fn decode_file(h: &FileHeader) -> Result<Vec<Rgb8>> {
    let obj = crate::dicom::file::open_checked(&h.path, None, "reading DICOM file")?;
    let context = format!("decoding colour pixel data ({})", h.transfer_syntax);
    let decoded =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| obj.decode_pixel_data()))
            .map_err(|_| std::io::Error::other("the decoder panicked on corrupt data"))
            .map_err(|e| decode_error(h, &context, e))?
            .map_err(|e| decode_error(h, &context, e))?;
    let frame = h.rows as usize * h.columns as usize;
    let needed = frame * 3 * h.number_of_frames as usize;
    let data = decoded.data();
    if data.len() < needed {
        return Err(Error::Invalid {
            path: h.path.clone(),
            format: "DICOM",
            reason: format!(
                "colour pixel data has {} bytes where {} frame(s) of {}x{} RGB need {needed} \
                 (native YBR_FULL_422 is subsampled and not read)",
                data.len(),
                h.number_of_frames,
                h.columns,
                h.rows
            ),
        });
    }
    let ybr = match decoded.photometric_interpretation() {
        PhotometricInterpretation::Rgb => false,
        PhotometricInterpretation::YbrFull | PhotometricInterpretation::YbrFull422 => true,
        other => {
            return Err(Error::Unsupported {
                path: h.path.clone(),
                what: format!("colour pixel data decoded as {other}"),
            });
        }
    };
    let planar = decoded.planar_configuration() == PlanarConfiguration::PixelFirst;
    let mut out = Vec::new();
    for f in data[..needed].chunks_exact(frame * 3) {
        out.extend((0..frame).map(|p| {
            let s = if planar {
                [f[p], f[frame + p], f[2 * frame + p]]
            } else {
                [f[3 * p], f[3 * p + 1], f[3 * p + 2]]
            };
            if ybr { ybr_to_rgb(s) } else { Rgb8(s) }
        }));
    }
    Ok(out)
}

/// Full-range YCbCr (DICOM YBR_FULL, PS3.3 C.7.6.3.1.2) to RGB, rounded and clamped.
fn ybr_to_rgb([y, cb, cr]: [u8; 3]) -> Rgb8 {
    let (y, cb, cr) = (f64::from(y), f64::from(cb) - 128.0, f64::from(cr) - 128.0);
    let r = y + 1.402 * cr;
    let g = y - (0.114 * 1.772 / 0.587) * cb - (0.299 * 1.402 / 0.587) * cr;
    let b = y + 1.772 * cb;
    Rgb8([r, g, b].map(|v| v.round().clamp(0.0, 255.0) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ybr_grey_and_primaries() {
        assert_eq!(ybr_to_rgb([100, 128, 128]), Rgb8([100, 100, 100]));
        // pure red in full-range YCbCr: Y 76, Cb 85, Cr 255
        let Rgb8([r, g, b]) = ybr_to_rgb([76, 85, 255]);
        assert!(r >= 253 && g <= 2 && b <= 2, "{r} {g} {b}");
    }
}
