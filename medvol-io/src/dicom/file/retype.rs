//! Elements stored with VR UN ("unknown"), as explicit VR files often carry them after a PACS
//! that did not know a tag: re-typed from the standard dictionary so their values read right.
//!
//! dicom-rs keeps a UN element as raw bytes, so a reader asking for PixelSpacing gets the
//! ASCII codes of `"0.859375\0.859375"` (46, 48, ...) and a UID one number per character.
//! [`retype_un`] looks each UN element of a standard tag up in the dictionary and decodes its
//! bytes again with the dictionary's VR, in the file's byte order (PS3.5 6.2.2: a UN value
//! keeps the byte order of its transfer syntax; a UN sequence is implicit VR little endian).
//!
//! A UN element of undefined length (PS3.5 6.2.2 note: a sequence whose VR the sender did
//! not know) holds implicit VR little endian items, which dicom-rs would read with the file's
//! explicit VR decoder and refuse as corrupt. The guarded [`open`](super::open) gives such an element its byte length
//! before dicom-rs parses the file, so it arrives as UN bytes that [`retype_un`] turns into a
//! sequence.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::header::{DataElementHeader, Header, Length};
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_encoding::text::SpecificCharacterSet;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use dicom_parser::stateful::decode::{StatefulDecode, StatefulDecoder};
use dicom_transfer_syntax_registry::entries::{
    EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN,
};

pub(super) mod walk;

/// The item and sequence delimitation tags as little endian bytes.
const ITEM_LE: [u8; 4] = [0xFE, 0xFF, 0x00, 0xE0];
const SEQUENCE_END_LE: [u8; 8] = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];

/// Re-types every element of `obj` (and of the items of its sequences, at any depth) stored
/// with VR UN: a standard tag gets the dictionary's VR and its bytes are decoded again with it
/// (`big_endian`: the byte order of the file's transfer syntax); a UN value that holds an
/// undefined-length sequence (as the crate's guarded open leaves one) becomes that sequence,
/// its items read as implicit VR little endian. Private tags and values that do not decode stay UN.
/// Returns how many elements were re-typed.
///
/// # Examples
/// ```
/// use dicom_core::{DataElement, PrimitiveValue, VR};
/// use dicom_dictionary_std::tags;
/// use dicom_object::InMemDicomObject;
/// use medvol_io::dicom::retype_un;
///
/// let mut obj = InMemDicomObject::new_empty();
/// let bytes = b"0.5\\0.25".to_vec();
/// obj.put(DataElement::new(tags::PIXEL_SPACING, VR::UN, PrimitiveValue::from(bytes)));
/// assert_eq!(retype_un(&mut obj, false), 1);
/// let spacing = obj.get(tags::PIXEL_SPACING).unwrap();
/// assert_eq!(spacing.vr(), VR::DS);
/// assert_eq!(spacing.value().to_multi_float64()?, vec![0.5, 0.25]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn retype_un(obj: &mut InMemDicomObject, big_endian: bool) -> usize {
    let signed = pixel_signed(obj, big_endian);
    let charset = obj
        .get(tags::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.value().to_str().ok())
        .and_then(|s| SpecificCharacterSet::from_code(s.trim()))
        .unwrap_or_default();
    let context = Context {
        big_endian,
        signed,
        charset,
    };
    retype_in(obj, &context)
}

/// [`retype_un`] over a file object, in the byte order of its transfer syntax.
pub fn retype_file(obj: &mut DefaultDicomObject) -> usize {
    let big_endian = obj.meta().transfer_syntax().trim_end_matches('\0') == EXPLICIT_BE_UID;
    retype_un(obj, big_endian)
}

const EXPLICIT_BE_UID: &str = "1.2.840.10008.1.2.2";

struct Context {
    big_endian: bool,
    signed: bool,
    charset: SpecificCharacterSet,
}

/// Whether PixelRepresentation says signed (1), read even when it is itself UN.
fn pixel_signed(obj: &InMemDicomObject, big_endian: bool) -> bool {
    let Some(e) = obj.get(tags::PIXEL_REPRESENTATION) else {
        return false;
    };
    match e.value() {
        Value::Primitive(PrimitiveValue::U8(b)) if e.vr() == VR::UN && b.len() >= 2 => {
            let word = [b[0], b[1]];
            let v = if big_endian {
                u16::from_be_bytes(word)
            } else {
                u16::from_le_bytes(word)
            };
            v == 1
        }
        v => v.to_int::<i32>().ok() == Some(1),
    }
}

fn retype_in(obj: &mut InMemDicomObject, context: &Context) -> usize {
    let candidates: Vec<Tag> = obj
        .iter()
        .filter(|e| e.vr() == VR::UN || e.value().items().is_some())
        .map(|e| e.tag())
        .collect();
    let mut count = 0;
    for tag in candidates {
        let Ok(mut element) = obj.take_element(tag) else {
            continue;
        };
        if element.vr() == VR::UN
            && let Some(typed) = retyped(&element, context)
        {
            element = typed;
            count += 1;
        }
        if let Some(items) = element.items_mut() {
            count += items
                .iter_mut()
                .map(|i| retype_in(i, context))
                .sum::<usize>();
        }
        obj.put(element);
    }
    count
}

/// The element with its dictionary VR and its value decoded with it, or `None` to keep it.
fn retyped(
    element: &DataElement<InMemDicomObject>,
    context: &Context,
) -> Option<DataElement<InMemDicomObject>> {
    let tag = element.tag();
    let Value::Primitive(value) = element.value() else {
        return None;
    };
    let bytes = value.to_bytes();
    if is_undefined_sequence(&bytes) {
        return sequence(tag, &bytes);
    }
    if tag.group() % 2 == 1 || tag.element() == 0 {
        return None;
    }
    let vr = match StandardDataDictionary.by_tag(tag)?.vr() {
        VirtualVr::Exact(VR::UN) => return None,
        VirtualVr::Exact(VR::SQ) => return sequence(tag, &bytes),
        VirtualVr::Exact(vr) => vr,
        VirtualVr::Xs if context.signed => VR::SS,
        VirtualVr::Xs => VR::US,
        VirtualVr::Ox | VirtualVr::Px | VirtualVr::Lt => VR::OW,
        _ => return None,
    };
    let ts = if context.big_endian {
        EXPLICIT_VR_BIG_ENDIAN.erased()
    } else {
        EXPLICIT_VR_LITTLE_ENDIAN.erased()
    };
    let header = DataElementHeader::new(tag, vr, Length(u32::try_from(bytes.len()).ok()?));
    let value = StatefulDecoder::new_with(&bytes[..], &ts, context.charset.clone(), 0)
        .ok()?
        .read_value(&header)
        .ok()?;
    Some(DataElement::new(tag, vr, value))
}

/// Whether `bytes` are the items of a sequence of undefined length (as [`open`](super::open) leaves a UN
/// element of undefined length): an item first, the sequence delimiter last.
fn is_undefined_sequence(bytes: &[u8]) -> bool {
    bytes.len() >= 16 && bytes.starts_with(&ITEM_LE) && bytes.ends_with(&SEQUENCE_END_LE)
}

/// The items in `bytes` (implicit VR little endian, PS3.5 6.2.2) as a sequence element.
fn sequence(tag: Tag, bytes: &[u8]) -> Option<DataElement<InMemDicomObject>> {
    // The items wrapped as an implicit VR element of undefined length, read as a data set.
    let mut stream = Vec::new();
    stream.extend_from_slice(&tag.group().to_le_bytes());
    stream.extend_from_slice(&tag.element().to_le_bytes());
    stream.extend_from_slice(&u32::MAX.to_le_bytes());
    stream.extend_from_slice(bytes);
    if !bytes.ends_with(&SEQUENCE_END_LE) {
        stream.extend_from_slice(&SEQUENCE_END_LE);
    }
    let mut wrapper =
        InMemDicomObject::read_dataset_with_ts(&stream[..], &IMPLICIT_VR_LITTLE_ENDIAN.erased())
            .ok()?;
    let items = wrapper.take_element(tag).ok()?.into_value().into_items()?;
    Some(DataElement::new(
        tag,
        VR::SQ,
        DataSetSequence::new(items, Length::UNDEFINED),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicom::attr::text;
    use crate::dicom::file::{guard, open};
    use std::path::Path;

    /// pydicom's `UN_sequence.dcm`: a private UN element of undefined length whose implicit VR
    /// items nest two standard sequences. The UIDs are those pydicom 3.0 reads from it.
    #[test]
    fn un_sequence_of_undefined_length_reads_as_implicit_items() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/UN_sequence.dcm");
        assert!(guard::check_lengths_within(&path, u64::MAX).is_err());
        let obj = open(&path, None, crate::Limits::default().max_bytes).unwrap();
        let seq = obj.get(Tag(0x4453, 0x100C)).unwrap();
        assert_eq!(seq.vr(), VR::SQ);
        let items = seq.items().unwrap();
        assert_eq!(items.len(), 1);
        let study = text(&items[0], tags::STUDY_INSTANCE_UID);
        assert_eq!(
            study.as_deref(),
            Some("1.2.840.113619.2.327.3.185221411.476.1398588725.795")
        );
        let series = &items[0]
            .get(tags::REFERENCED_SERIES_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()[0];
        assert_eq!(
            text(series, tags::SERIES_INSTANCE_UID).as_deref(),
            Some("1.2.840.113619.2.327.3.185221411.476.1398588726.276")
        );
        let sop = &series
            .get(tags::REFERENCED_SOP_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()[0];
        assert_eq!(
            text(sop, tags::REFERENCED_SOP_INSTANCE_UID).as_deref(),
            Some("1.2.840.113619.2.327.3.185221411.476.1398588726.278.80")
        );
    }

    #[test]
    fn big_endian_un_values_decode_in_file_order() {
        let mut obj = InMemDicomObject::new_empty();
        let put = |o: &mut InMemDicomObject, tag, bytes: Vec<u8>| {
            o.put(DataElement::new(tag, VR::UN, PrimitiveValue::from(bytes)));
        };
        put(&mut obj, tags::ROWS, vec![0x02, 0x00]);
        put(&mut obj, tags::SMALLEST_IMAGE_PIXEL_VALUE, vec![0xFF, 0xFE]);
        put(&mut obj, tags::PIXEL_REPRESENTATION, vec![0x00, 0x01]);
        put(&mut obj, Tag(0x0009, 0x1001), vec![1, 2]);
        assert_eq!(retype_un(&mut obj, true), 3);
        assert_eq!(
            obj.get(tags::ROWS).unwrap().value().to_int::<u16>().ok(),
            Some(512)
        );
        let smallest = obj.get(tags::SMALLEST_IMAGE_PIXEL_VALUE).unwrap();
        let value = smallest.value().to_int::<i16>().ok();
        assert_eq!((smallest.vr(), value), (VR::SS, Some(-2)));
        assert_eq!(obj.get(Tag(0x0009, 0x1001)).unwrap().vr(), VR::UN);
    }
}
