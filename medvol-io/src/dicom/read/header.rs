//! What one DICOM file says about its images, read from the header only.

use super::frame::FrameHeader;
use super::metadata::Metadata;
use crate::dicom::attr::{first_item, float, int, strings, text};
use crate::dicom::place::mosaic::Mosaic;
use crate::dicom::place::uih;
use crate::dicom::values::modality_lut::ModalityLut;
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use std::path::PathBuf;

/// Most frames one file may announce: a header word sizes the per-frame table, so it is capped
/// before anything is allocated (65536 frames of 512 x 512 are already 32 GiB of voxels).
const MAX_FRAMES: i64 = 1 << 16;

/// The header of one image file: what is needed to group, sort and decode it.
#[derive(Debug, Clone)]
pub(crate) struct FileHeader {
    pub(crate) path: PathBuf,
    pub(crate) transfer_syntax: String,
    pub(crate) sop_instance_uid: String,
    pub(crate) series_uid: String,
    pub(crate) series_number: Option<i64>,
    pub(crate) series_description: String,
    pub(crate) rows: u32,
    pub(crate) columns: u32,
    pub(crate) bits_allocated: u16,
    pub(crate) bits_stored: u16,
    pub(crate) high_bit: u16,
    pub(crate) signed: bool,
    pub(crate) photometric: String,
    /// Three samples per pixel, read as RGB (see `colour.rs`).
    pub(crate) colour: bool,
    pub(crate) number_of_frames: u32,
    /// Whether geometry came from functional groups.
    pub(crate) enhanced: bool,
    pub(crate) instance_number: Option<i64>,
    pub(crate) acquisition_number: Option<i64>,
    pub(crate) echo_number: Option<i64>,
    pub(crate) trigger_time: Option<f64>,
    pub(crate) acquisition_time: Option<String>,
    pub(crate) image_type: Vec<String>,
    pub(crate) gantry_tilt: Option<f64>,
    pub(crate) slice_thickness: Option<f64>,
    pub(crate) spacing_between_slices: Option<f64>,
    pub(crate) frames: Vec<FrameHeader>,
    /// The Modality LUT, which replaces every frame's rescale when present.
    pub(crate) modality_lut: Option<ModalityLut>,
    pub(crate) metadata: Metadata,
    /// Siemens mosaic layout: `None` unless ImageType says MOSAIC, `Err` (why) when the
    /// file says so but cannot be split into its slices.
    pub(crate) mosaic: Option<Result<Mosaic, String>>,
}

/// Reasons a parsed DICOM file is not an image this module stacks.
pub(crate) fn not_an_image(obj: &DefaultDicomObject) -> Option<String> {
    let sop = text(obj, tags::SOP_CLASS_UID).unwrap_or_default();
    if obj.meta().media_storage_sop_class_uid() == "1.2.840.10008.1.3.10" {
        return Some("DICOMDIR (media directory), not an image".into());
    }
    if obj.get(tags::ROWS).is_none() || obj.get(tags::COLUMNS).is_none() {
        return Some(format!(
            "no image (SOP class {}{})",
            if sop.is_empty() { "unknown" } else { &sop },
            sop_class_name(&sop)
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ));
    }
    None
}

fn sop_class_name(uid: &str) -> Option<&'static str> {
    Some(match uid {
        u if u.starts_with("1.2.840.10008.5.1.4.1.1.88.") => "structured report",
        "1.2.840.10008.5.1.4.1.1.481.3" => "RT structure set",
        "1.2.840.10008.5.1.4.1.1.481.5" => "RT plan",
        u if u.starts_with("1.2.840.10008.5.1.4.1.1.11.") => "presentation state",
        "1.2.840.10008.5.1.4.1.1.66" => "raw data",
        "1.2.840.10008.5.1.4.1.1.104.1" => "encapsulated PDF",
        _ => return None,
    })
}

/// The tile layout of a file whose ImageType says MOSAIC (or VFRAME: a UIH mosaic,
/// [`uih`]): `None` for other files, `Some(Err(reason))` when the file says so but
/// cannot be split (it is then read as one image, with the reason among the warnings).
fn tile_layout(
    obj: &InMemDicomObject,
    image_type: &[String],
    columns: u32,
    rows: u32,
    frames: u32,
) -> Option<Result<Mosaic, String>> {
    let says = |word: &str| image_type.iter().any(|t| t.eq_ignore_ascii_case(word));
    if says("MOSAIC") {
        Some(Mosaic::layout(obj, columns, rows, frames))
    } else if says("VFRAME") {
        Some(uih::layout(obj, columns, rows, frames))
    } else {
        None
    }
}

impl FileHeader {
    /// Extracts the header of an image file; `None` fields are absent from the file.
    pub(crate) fn from_object(path: PathBuf, obj: &DefaultDicomObject) -> Result<Self, String> {
        let rows = int(obj, tags::ROWS).unwrap_or(0);
        let columns = int(obj, tags::COLUMNS).unwrap_or(0);
        if rows <= 0 || columns <= 0 || rows > 65535 || columns > 65535 {
            return Err(format!("invalid image size {columns} x {rows}"));
        }
        let bits_allocated = int(obj, tags::BITS_ALLOCATED).unwrap_or(0);
        if ![8, 16, 32].contains(&bits_allocated) {
            return Err(format!("BitsAllocated {bits_allocated} is not 8, 16 or 32"));
        }
        let bits_stored = int(obj, tags::BITS_STORED)
            .filter(|b| (1..=bits_allocated).contains(b))
            .unwrap_or(bits_allocated);
        let high_bit = int(obj, tags::HIGH_BIT)
            .filter(|h| (bits_stored - 1..bits_allocated).contains(h))
            .unwrap_or(bits_stored - 1);
        let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
        let samples_per_pixel = int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
        let colour = accept_colour(samples_per_pixel, bits_allocated, &photometric)?;
        let signed = int(obj, tags::PIXEL_REPRESENTATION) == Some(1);
        let modality_lut = ModalityLut::from_object(obj, signed).transpose()?;
        let number_of_frames = int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1);
        if !(1..=MAX_FRAMES).contains(&number_of_frames) {
            return Err(format!(
                "NumberOfFrames {number_of_frames} outside 1..={MAX_FRAMES}"
            ));
        }
        let number_of_frames = number_of_frames as u32;

        let shared = first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
        let (frames, enhanced) = FrameHeader::all(obj, shared, number_of_frames);
        let frames = crate::dicom::place::rtdose::place_frames(obj, frames)?;

        let measures_shared = shared.and_then(|s| first_item(s, tags::PIXEL_MEASURES_SEQUENCE));
        let image_type = strings(obj, tags::IMAGE_TYPE);
        let mosaic = tile_layout(
            obj,
            &image_type,
            columns as u32,
            rows as u32,
            number_of_frames,
        );
        Ok(Self {
            transfer_syntax: obj
                .meta()
                .transfer_syntax()
                .trim_end_matches('\0')
                .to_string(),
            sop_instance_uid: text(obj, tags::SOP_INSTANCE_UID).unwrap_or_default(),
            series_uid: text(obj, tags::SERIES_INSTANCE_UID).unwrap_or_default(),
            series_number: int(obj, tags::SERIES_NUMBER),
            series_description: text(obj, tags::SERIES_DESCRIPTION).unwrap_or_default(),
            rows: rows as u32,
            columns: columns as u32,
            bits_allocated: bits_allocated as u16,
            bits_stored: bits_stored as u16,
            high_bit: high_bit as u16,
            signed,
            photometric,
            colour,
            number_of_frames,
            enhanced,
            instance_number: int(obj, tags::INSTANCE_NUMBER),
            acquisition_number: int(obj, tags::ACQUISITION_NUMBER),
            echo_number: int(obj, tags::ECHO_NUMBERS),
            trigger_time: float(obj, tags::TRIGGER_TIME),
            acquisition_time: text(obj, tags::ACQUISITION_TIME),
            image_type,
            gantry_tilt: float(obj, tags::GANTRY_DETECTOR_TILT),
            slice_thickness: float(obj, tags::SLICE_THICKNESS)
                .or_else(|| measures_shared.and_then(|m| float(m, tags::SLICE_THICKNESS))),
            spacing_between_slices: float(obj, tags::SPACING_BETWEEN_SLICES)
                .or_else(|| measures_shared.and_then(|m| float(m, tags::SPACING_BETWEEN_SLICES))),
            metadata: Metadata::from_object(obj).with_scaling(&frames),
            frames,
            modality_lut,
            mosaic,
            path,
        })
    }

    /// The mosaic layout when this file is a Siemens mosaic that can be split.
    pub(crate) fn mosaic(&self) -> Option<&Mosaic> {
        self.mosaic.as_ref().and_then(|m| m.as_ref().ok())
    }

    /// Bytes of native (uncompressed) pixel data this header announces.
    pub(crate) fn native_bytes(&self) -> u64 {
        u64::from(self.rows)
            * u64::from(self.columns)
            * u64::from(self.bits_allocated / 8)
            * if self.colour { 3 } else { 1 }
            * u64::from(self.number_of_frames)
    }
}

/// Whether a file with these attributes is a colour image medvol reads (`Ok(true)`), a scalar
/// image (`Ok(false)`), or neither (`Err`, why).
fn accept_colour(samples: i64, bits_allocated: i64, photometric: &str) -> Result<bool, String> {
    match samples {
        1 => Ok(false),
        3 if bits_allocated != 8 => Err(format!(
            "{bits_allocated}-bit colour ({photometric}): only 8-bit colour images are read"
        )),
        3 if matches!(photometric, "RGB" | "YBR_FULL" | "YBR_FULL_422") => Ok(true),
        3 => Err(format!(
            "colour image with PhotometricInterpretation {photometric:?} (RGB, YBR_FULL and \
             YBR_FULL_422 are read)"
        )),
        n => Err(format!(
            "{n} samples per pixel: neither a scalar (1) nor an RGB (3) image"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_8_bit_rgb_and_ybr_are_accepted() {
        assert_eq!(accept_colour(1, 16, "MONOCHROME2"), Ok(false));
        assert_eq!(accept_colour(3, 8, "RGB"), Ok(true));
        assert_eq!(accept_colour(3, 8, "YBR_FULL_422"), Ok(true));
        assert!(
            accept_colour(3, 16, "RGB")
                .unwrap_err()
                .contains("16-bit colour")
        );
        assert!(
            accept_colour(3, 8, "YBR_ICT")
                .unwrap_err()
                .contains("YBR_ICT")
        );
        assert!(
            accept_colour(4, 8, "ARGB")
                .unwrap_err()
                .contains("4 samples")
        );
    }
}
