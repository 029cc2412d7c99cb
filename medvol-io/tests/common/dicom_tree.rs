//! Data sets as flat maps of element paths, for tests that compare a DICOM file before and
//! after a change element by element.

use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_object::InMemDicomObject;
use std::collections::BTreeMap;

/// One element of a data set.
pub(crate) type Element = dicom_core::DataElement<InMemDicomObject>;

/// Every element of a data set, sequences flattened, keyed by its path
/// (`0008,1140[0]/0008,1155`).
pub(crate) fn flatten<'a>(
    obj: &'a InMemDicomObject,
    prefix: &str,
    out: &mut BTreeMap<String, &'a Element>,
) {
    for elem in obj.iter() {
        let t = elem.tag();
        let key = format!("{prefix}{:04X},{:04X}", t.group(), t.element());
        if let Some(items) = elem.items() {
            for (i, item) in items.iter().enumerate() {
                flatten(item, &format!("{key}[{i}]/"), out);
            }
        }
        out.insert(key, elem);
    }
}

/// The raw value of an element: string values joined, binary values as bytes, encapsulated
/// pixel data as the concatenated fragments; `None` for sequences.
pub(crate) fn raw(elem: &Element) -> Option<Vec<u8>> {
    match elem.value() {
        Value::Primitive(p) => Some(p.to_bytes().into_owned()),
        Value::PixelSequence(seq) => Some(seq.fragments().concat()),
        Value::Sequence(_) => None,
    }
}

/// The element's values as text, padding trimmed (empty if it is not text).
pub(crate) fn text(elem: &Element) -> Vec<String> {
    elem.value()
        .to_multi_str()
        .map(|v| {
            v.iter()
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
                .collect()
        })
        .unwrap_or_default()
}
