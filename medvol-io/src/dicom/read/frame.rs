//! What one frame of a file says about its place and scaling: the file's own attributes for
//! classic objects, the per-frame and shared functional groups for enhanced ones.

use crate::dicom::attr::{array, first_item, float, floats, int, text};
use dicom_core::Tag;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// Philips MR_ScaleSlope (2005,100E), FL (see [`PhilipsScaling`](crate::dicom::PhilipsScaling)).
const PHILIPS_SCALE_SLOPE: Tag = Tag(0x2005, 0x100E);
/// The Philips private per-frame sequence that holds MR_ScaleSlope in enhanced files.
const PHILIPS_PRIVATE_FRAME_SEQUENCE: Tag = Tag(0x2005, 0x140F);

/// One 2-D image of a file (the file itself for single-frame objects, a frame otherwise).
#[derive(Debug, Clone)]
pub(crate) struct FrameHeader {
    /// ImagePositionPatient: centre of the first voxel, LPS mm.
    pub(crate) position: Option<[f64; 3]>,
    /// ImageOrientationPatient: row direction (i), then column direction (j).
    pub(crate) orientation: Option<[f64; 6]>,
    /// PixelSpacing as (between columns = along i, between rows = along j), mm.
    pub(crate) pixel_spacing: Option<[f64; 2]>,
    /// (slope, intercept).
    pub(crate) rescale: (f64, f64),
    /// Temporal position index (enhanced) or identifier (classic).
    pub(crate) temporal_position: Option<i64>,
    /// Echo time, ms (EffectiveEchoTime for enhanced objects).
    pub(crate) echo_time: Option<f64>,
    /// Philips MR_ScaleSlope (2005,100E), per frame in enhanced files.
    pub(crate) philips_scale_slope: Option<f64>,
    /// ComplexImageComponent (0008,9208), per frame in enhanced MR files (MR Image Frame Type
    /// Sequence): `MAGNITUDE`, `PHASE`, `REAL`, `IMAGINARY` or `MIXED`.
    pub(crate) component: Option<String>,
}

/// Looks `tag` up in `(sequence, tag)` of the per-frame item, then of the shared item.
fn group_item<'a>(
    per_frame: Option<&'a InMemDicomObject>,
    shared: Option<&'a InMemDicomObject>,
    seq: Tag,
) -> Option<&'a InMemDicomObject> {
    per_frame
        .and_then(|f| first_item(f, seq))
        .or_else(|| shared.and_then(|s| first_item(s, seq)))
}

impl FrameHeader {
    /// The frames of `obj` (`number_of_frames` of them), and whether their geometry came from
    /// functional groups (`shared` is the first item of the shared group sequence).
    pub(crate) fn all(
        obj: &InMemDicomObject,
        shared: Option<&InMemDicomObject>,
        number_of_frames: u32,
    ) -> (Vec<Self>, bool) {
        let per_frame: Vec<&InMemDicomObject> = obj
            .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
            .and_then(|e| e.value().items())
            .map(|items| items.iter().collect())
            .unwrap_or_default();
        let enhanced = shared.is_some() || !per_frame.is_empty();
        let top = Self::top_level(obj);
        let frames = (0..number_of_frames)
            .map(|f| {
                if enhanced {
                    Self::from_groups(per_frame.get(f as usize).copied(), shared, &top)
                } else {
                    top.clone()
                }
            })
            .collect();
        (frames, enhanced)
    }

    /// The frame a classic file describes with its top-level attributes (also what an
    /// enhanced frame falls back on).
    fn top_level(obj: &InMemDicomObject) -> Self {
        Self {
            position: array(floats(obj, tags::IMAGE_POSITION_PATIENT)),
            orientation: array(floats(obj, tags::IMAGE_ORIENTATION_PATIENT)),
            pixel_spacing: array(floats(obj, tags::PIXEL_SPACING)).map(|[r, c]| [c, r]),
            rescale: rescale(obj),
            temporal_position: int(obj, tags::TEMPORAL_POSITION_IDENTIFIER),
            echo_time: float(obj, tags::ECHO_TIME),
            philips_scale_slope: philips_scale_slope(obj),
            component: text(obj, tags::COMPLEX_IMAGE_COMPONENT),
        }
    }

    /// An enhanced frame: its per-frame functional groups `pf`, then the `shared` ones, then
    /// the file's `top` level.
    fn from_groups(
        pf: Option<&InMemDicomObject>,
        shared: Option<&InMemDicomObject>,
        top: &Self,
    ) -> Self {
        let item = |seq| group_item(pf, shared, seq);
        let pos = item(tags::PLANE_POSITION_SEQUENCE)
            .and_then(|i| array(floats(i, tags::IMAGE_POSITION_PATIENT)));
        let ori = item(tags::PLANE_ORIENTATION_SEQUENCE)
            .and_then(|i| array(floats(i, tags::IMAGE_ORIENTATION_PATIENT)));
        let spacing = item(tags::PIXEL_MEASURES_SEQUENCE)
            .and_then(|i| array(floats(i, tags::PIXEL_SPACING)))
            .map(|[r, c]| [c, r]);
        let content = pf.and_then(|p| first_item(p, tags::FRAME_CONTENT_SEQUENCE));
        Self {
            position: pos.or(top.position),
            orientation: ori.or(top.orientation),
            pixel_spacing: spacing.or(top.pixel_spacing),
            rescale: item(tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE)
                .map(rescale)
                .unwrap_or(top.rescale),
            temporal_position: content
                .and_then(|c| int(c, tags::TEMPORAL_POSITION_INDEX))
                .or(top.temporal_position),
            echo_time: item(tags::MR_ECHO_SEQUENCE)
                .and_then(|e| float(e, tags::EFFECTIVE_ECHO_TIME))
                .or(top.echo_time),
            philips_scale_slope: item(PHILIPS_PRIVATE_FRAME_SEQUENCE)
                .and_then(philips_scale_slope)
                .or(top.philips_scale_slope),
            component: item(tags::MR_IMAGE_FRAME_TYPE_SEQUENCE)
                .and_then(|i| text(i, tags::COMPLEX_IMAGE_COMPONENT))
                .or_else(|| top.component.clone()),
        }
    }
}

/// (RescaleSlope, RescaleIntercept) of `obj`: slope 1 when absent or zero, intercept 0 when
/// absent.
fn rescale(obj: &InMemDicomObject) -> (f64, f64) {
    (
        float(obj, tags::RESCALE_SLOPE)
            .filter(|s| *s != 0.0)
            .unwrap_or(1.0),
        float(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0),
    )
}

/// MR_ScaleSlope of `obj`, read as FL, or from its 4 bytes when the file's syntax left the
/// private element untyped (implicit VR: little endian).
fn philips_scale_slope(obj: &InMemDicomObject) -> Option<f64> {
    let e = obj.get(PHILIPS_SCALE_SLOPE)?;
    let v = match e.value() {
        Value::Primitive(PrimitiveValue::U8(b)) if b.len() == 4 => {
            f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        }
        _ => float(obj, PHILIPS_SCALE_SLOPE)?,
    };
    (v.is_finite() && v != 0.0).then_some(v)
}
