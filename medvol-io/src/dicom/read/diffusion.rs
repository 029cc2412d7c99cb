//! Diffusion encoding of a volume: its b-value and gradient direction, from the tags each
//! vendor writes.
//!
//! Looked up in this order, for the file and frame of the volume's first slice:
//!
//! | source | b-value | direction (patient LPS) |
//! |---|---|---|
//! | enhanced MR, per frame or shared: MR Diffusion Sequence (0018,9117) | DiffusionBValue (0018,9087) | (0018,9076) item: DiffusionGradientOrientation (0018,9089) |
//! | standard attributes on the image | (0018,9087) | (0018,9089) |
//! | Siemens ("SIEMENS MR HEADER") | (0019,xx0C) | (0019,xx0E) |
//! | United Imaging ("Image Private Header") | (0065,xx09) | (0065,xx37) |
//!
//! GE's (0043,1039) / (0019,10BB..BD) and Philips' (2001,1003) / (2005,10B0..B2) are not read:
//! their directions need vendor-specific frame conventions that medvol has no reference
//! output to test against yet (such series get no `.bval`/`.bvec` rather than possibly
//! wrong ones). A direction of length 0 (b = 0 images) is reported as `None`.

use super::series::SeriesInfo;
use crate::Result;
use crate::dicom::attr::private;
use crate::dicom::attr::text;
use dicom_core::Tag;
use dicom_core::value::PrimitiveValue;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// MR Diffusion Sequence (0018,9117).
const MR_DIFFUSION_SEQUENCE: Tag = Tag(0x0018, 0x9117);
/// Diffusion Gradient Direction Sequence (0018,9076).
const GRADIENT_DIRECTION_SEQUENCE: Tag = Tag(0x0018, 0x9076);
/// DiffusionBValue (0018,9087), FD.
const B_VALUE: Tag = Tag(0x0018, 0x9087);
/// DiffusionGradientOrientation (0018,9089), FD x 3.
const GRADIENT_ORIENTATION: Tag = Tag(0x0018, 0x9089);

/// The diffusion encoding of one volume.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Gradient {
    /// b-value, s/mm².
    pub b_value: f64,
    /// Unit gradient direction in patient coordinates (LPS); `None` when the files give none
    /// or a zero vector (b = 0 images, isotropic trace images).
    pub direction: Option<[f64; 3]>,
}

impl Gradient {
    /// A gradient of `b_value` s/mm² along `direction` (LPS; normalised here, and `None`
    /// when it is zero or not finite).
    pub fn new(b_value: f64, direction: Option<[f64; 3]>) -> Self {
        let direction = direction.and_then(|d| {
            let n = d.iter().map(|x| x * x).sum::<f64>().sqrt();
            (n.is_finite() && n > 1e-6).then(|| d.map(|x| x / n))
        });
        Gradient { b_value, direction }
    }
}

/// The diffusion encoding of the volume `info` describes (the file and frame of its first
/// slice), or `None` when its files carry none that medvol reads.
///
/// ```
/// use medvol_io::dicom::{diffusion, scan, ScanOptions};
/// let dir = std::env::var("MEDVOL_DATA").map(std::path::PathBuf::from)
///     .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
///     .join("dcmqa/dcm_qa_uih/In/DTI_134434/dti_tra_dir16_AP_SaveBySlc__140028");
/// let report = scan(&dir, &ScanOptions::default())?;
/// let g = diffusion(&report.volumes[1])?.expect("a DTI volume");
/// assert!((g.b_value - 928.2886).abs() < 1e-3);
/// let d = g.direction.expect("a direction");
/// assert!((d[0] - 0.5541).abs() < 1e-3);
/// # Ok::<(), medvol_io::Error>(())
/// ```
///
/// # Errors
/// When the first file cannot be read again.
pub fn diffusion(info: &SeriesInfo) -> Result<Option<Gradient>> {
    let Some(src) = info.sources.first() else {
        return Ok(None);
    };
    let obj = crate::dicom::file::open_checked(
        &src.header.path,
        Some(tags::PIXEL_DATA),
        "reading diffusion attributes",
    )?;
    Ok(of_frame(&obj, src.frame))
}

/// The encoding of frame `frame` of `obj`, from the first source in the table that has it.
fn of_frame(obj: &InMemDicomObject, frame: u32) -> Option<Gradient> {
    enhanced(obj, frame)
        .or_else(|| standard(obj))
        .or_else(|| vendor(obj, 0x0019, "SIEMENS MR HEADER", 0x0C, 0x0E))
        .or_else(|| vendor(obj, 0x0065, "Image Private Header", 0x09, 0x37))
}

fn enhanced(obj: &InMemDicomObject, frame: u32) -> Option<Gradient> {
    let item = |seq: Tag, i: usize| {
        obj.get(seq)?
            .value()
            .items()?
            .get(i)?
            .get(MR_DIFFUSION_SEQUENCE)?
            .value()
            .items()?
            .first()
    };
    let d = item(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, frame as usize)
        .or_else(|| item(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, 0))?;
    let b = *numbers(d, B_VALUE).first()?;
    let direction = d
        .get(GRADIENT_DIRECTION_SEQUENCE)
        .and_then(|e| e.value().items()?.first().cloned())
        .and_then(|i| vector(&i, GRADIENT_ORIENTATION));
    Some(Gradient::new(b, direction))
}

fn standard(obj: &InMemDicomObject) -> Option<Gradient> {
    let b = *numbers(obj, B_VALUE).first()?;
    Some(Gradient::new(b, vector(obj, GRADIENT_ORIENTATION)))
}

/// A private b-value and direction in block `creator` of `group`.
fn vendor(
    obj: &InMemDicomObject,
    group: u16,
    creator: &str,
    b: u8,
    direction: u8,
) -> Option<Gradient> {
    let owned = (0x10u16..=0xFF)
        .any(|e| text(obj, Tag(group, e)).is_some_and(|t| t.eq_ignore_ascii_case(creator)));
    if !owned {
        return None;
    }
    let b = *numbers(obj, private(obj, group, creator, b)?).first()?;
    let d = private(obj, group, creator, direction).and_then(|t| vector(obj, t));
    Some(Gradient::new(b, d))
}

fn vector(obj: &InMemDicomObject, tag: Tag) -> Option<[f64; 3]> {
    numbers(obj, tag).get(..3)?.try_into().ok()
}

/// The numbers of `tag`: typed (FD, DS, IS, ...), or, when the element reached medvol untyped
/// (implicit VR or UN: bytes), as text if it reads as text, else as little-endian f64s.
fn numbers(obj: &InMemDicomObject, tag: Tag) -> Vec<f64> {
    let Some(p) = obj.get(tag).and_then(|e| e.value().primitive()) else {
        return Vec::new();
    };
    let v = match p {
        PrimitiveValue::U8(b) => match std::str::from_utf8(b) {
            Ok(s)
                if s.trim_end_matches(['\0', ' '])
                    .chars()
                    .all(|c| "+-.0123456789eE\\ ".contains(c)) =>
            {
                s.trim_end_matches(['\0', ' '])
                    .split('\\')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect()
            }
            _ if b.len() % 8 == 0 => b
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
            _ => Vec::new(),
        },
        other => other.to_multi_float64().unwrap_or_default(),
    };
    if v.iter().all(|x| x.is_finite()) {
        v
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, VR};

    #[test]
    fn standard_vendor_and_untyped_values() {
        let mut o = InMemDicomObject::new_empty();
        o.put(DataElement::new(
            Tag(0x0019, 0x0010),
            VR::LO,
            PrimitiveValue::from("SIEMENS MR HEADER"),
        ));
        o.put(DataElement::new(
            Tag(0x0019, 0x100C),
            VR::UN,
            PrimitiveValue::from(b"1000".to_vec()),
        ));
        let d: Vec<u8> = [0.0f64, 3.0, 4.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        o.put(DataElement::new(
            Tag(0x0019, 0x100E),
            VR::UN,
            PrimitiveValue::from(d),
        ));
        let g = of_frame(&o, 0).unwrap();
        assert_eq!(g.b_value, 1000.0);
        assert_eq!(g.direction, Some([0.0, 0.6, 0.8]));
        // the standard attribute wins over the private one
        o.put(DataElement::new(
            B_VALUE,
            VR::FD,
            PrimitiveValue::from(0.0f64),
        ));
        let g = of_frame(&o, 0).unwrap();
        assert_eq!((g.b_value, g.direction), (0.0, None));
        // a private block owned by someone else is not read
        let mut other = InMemDicomObject::new_empty();
        other.put(DataElement::new(
            Tag(0x0019, 0x0010),
            VR::LO,
            PrimitiveValue::from("GEMS_ACQU_01"),
        ));
        other.put(DataElement::new(
            Tag(0x0019, 0x100C),
            VR::IS,
            PrimitiveValue::from("1000"),
        ));
        assert_eq!(of_frame(&other, 0), None);
    }
}
