//! The attribute layer: typed readers of a data set's attributes (text, numbers, arrays,
//! sequence items, private elements by creator) and DA/DT dates ([`dates`]). Every room reads
//! attributes through these, so they agree on trimming, multiple values and what is absent.

pub(crate) mod dates;

use dicom_core::Tag;
use dicom_core::value::PrimitiveValue;
use dicom_object::InMemDicomObject;

/// The value of `tag` as text, trimmed of spaces and NULs; `None` when absent or empty.
pub(crate) fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let s = obj.get(tag)?.value().to_str().ok()?;
    let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!s.is_empty()).then(|| s.to_string())
}

/// The backslash-separated values of `tag`, each trimmed.
pub(crate) fn strings(obj: &InMemDicomObject, tag: Tag) -> Vec<String> {
    text(obj, tag)
        .map(|s| s.split('\\').map(|p| p.trim().to_string()).collect())
        .unwrap_or_default()
}

/// The first number of `tag`.
pub(crate) fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag).first().copied()
}

/// The numbers of `tag`; empty when absent, unreadable or not all finite.
pub(crate) fn floats(obj: &InMemDicomObject, tag: Tag) -> Vec<f64> {
    let Some(e) = obj.get(tag) else {
        return Vec::new();
    };
    match e.value().to_multi_float64() {
        Ok(v) if v.iter().all(|x| x.is_finite()) => v,
        _ => Vec::new(),
    }
}

/// `tag` as an integer (a decimal value rounded).
pub(crate) fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    let e = obj.get(tag)?;
    e.value()
        .to_int::<i64>()
        .ok()
        .or_else(|| e.value().to_float64().ok().map(|f| f.round() as i64))
}

/// The first item of the sequence `tag`.
pub(crate) fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag)?.value().items()?.first()
}

/// The first `N` values of `v`, when there are that many.
pub(crate) fn array<const N: usize>(v: Vec<f64>) -> Option<[f64; N]> {
    v.get(..N).and_then(|s| s.try_into().ok())
}

/// The element `element` of the private block whose creator (`group`,0010..00FF) is
/// `creator`, or of block 0x10 when no creator names the block.
pub(crate) fn private(
    obj: &InMemDicomObject,
    group: u16,
    creator: &str,
    element: u8,
) -> Option<Tag> {
    let block = (0x10u16..=0xFF)
        .find(|&b| text(obj, Tag(group, b)).is_some_and(|t| t.eq_ignore_ascii_case(creator)))
        .unwrap_or(0x10);
    let tag = Tag(group, block << 8 | u16::from(element));
    obj.get(tag).is_some().then_some(tag)
}

/// A 16-bit unsigned count as written: US, or raw bytes (implicit VR reads private elements
/// as UN; implicit VR is little-endian), or text.
pub(crate) fn private_count(obj: &InMemDicomObject, tag: Tag) -> Option<u32> {
    let p = obj.get(tag)?.value().primitive()?;
    match p {
        PrimitiveValue::U8(b) if b.len() == 2 => Some(u32::from(u16::from_le_bytes([b[0], b[1]]))),
        PrimitiveValue::U8(_) => None,
        other => other.to_int::<u32>().ok(),
    }
}
