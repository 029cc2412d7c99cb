//! The Modality LUT Sequence (0028,3000): stored values to modality values by a table,
//! in place of RescaleSlope/Intercept (PS3.3 C.11.1).

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// A modality LUT: stored value `first + n` maps to `values[n]`; values below `first` map to
/// the first entry, values beyond the table to the last (PS3.3 C.11.1.1.1).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModalityLut {
    first: i64,
    values: Vec<u16>,
}

impl ModalityLut {
    /// The table of `obj`: `None` without a Modality LUT Sequence, `Err(reason)` when it is
    /// there but cannot be applied. `signed`: PixelRepresentation is 1, so the descriptor's
    /// first mapped value is a signed 16-bit number.
    pub(crate) fn from_object(
        obj: &InMemDicomObject,
        signed: bool,
    ) -> Option<Result<Self, String>> {
        let items = obj.get(tags::MODALITY_LUT_SEQUENCE)?.value().items()?;
        Some(
            Self::from_items(items, signed).map_err(|why| {
                format!("Modality LUT Sequence (0028,3000) cannot be applied: {why}")
            }),
        )
    }

    fn from_items(items: &[InMemDicomObject], signed: bool) -> Result<Self, String> {
        let [item] = items else {
            return Err(format!("{} items where one is expected", items.len()));
        };
        let descriptor: Vec<i64> = item
            .get(tags::LUT_DESCRIPTOR)
            .and_then(|e| e.value().to_multi_int::<i64>().ok())
            .unwrap_or_default();
        let [entries, first, bits] = descriptor[..] else {
            return Err(format!("LUT Descriptor {descriptor:?} is not 3 numbers"));
        };
        // Both words are US or SS as the file was read: take their 16 bits as PS3.3 says.
        let entries = match entries & 0xFFFF {
            0 => 65536,
            n => n as usize,
        };
        let first = if signed {
            i64::from((first & 0xFFFF) as u16 as i16)
        } else {
            first & 0xFFFF
        };
        if bits != 8 && bits != 16 {
            return Err(format!("LUT Descriptor bits {bits}, not 8 or 16"));
        }
        let data = item
            .get(tags::LUT_DATA)
            .and_then(|e| e.value().to_multi_int::<i64>().ok())
            .unwrap_or_default();
        if data.len() != entries {
            return Err(format!(
                "LUT Data holds {} values where the LUT Descriptor announces {entries}",
                data.len()
            ));
        }
        let mask = (1i64 << bits) - 1;
        Ok(Self {
            first,
            values: data.iter().map(|v| (v & mask) as u16).collect(),
        })
    }

    /// The modality value of stored value `stored`.
    #[inline]
    pub(crate) fn map(&self, stored: i64) -> f64 {
        let last = self.values.len() - 1;
        let n = (stored - self.first).clamp(0, last as i64) as usize;
        f64::from(self.values[n])
    }

    /// The smallest and largest modality value.
    pub(crate) fn range(&self) -> (f64, f64) {
        let lo = self.values.iter().min().copied().unwrap_or(0);
        let hi = self.values.iter().max().copied().unwrap_or(0);
        (f64::from(lo), f64::from(hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::DataSetSequence;
    use dicom_core::{DataElement, PrimitiveValue, VR};

    fn with_lut(descriptor: [u16; 3], data: Vec<u16>) -> InMemDicomObject {
        let item = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::LUT_DESCRIPTOR,
                VR::US,
                PrimitiveValue::U16(descriptor.to_vec().into()),
            ),
            DataElement::new(tags::LUT_DATA, VR::OW, PrimitiveValue::U16(data.into())),
        ]);
        InMemDicomObject::from_element_iter([DataElement::new(
            tags::MODALITY_LUT_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![item]),
        )])
    }

    #[test]
    fn stored_values_map_through_the_table_and_clamp_at_its_ends() {
        // First mapped value -2 (0xFFFE as a signed word).
        let obj = with_lut([4, 0xFFFE, 16], vec![10, 20, 30, 40]);
        let lut = ModalityLut::from_object(&obj, true).unwrap().unwrap();
        let mapped: Vec<f64> = [-5, -2, -1, 0, 1, 100].map(|v| lut.map(v)).to_vec();
        assert_eq!(mapped, [10.0, 10.0, 20.0, 30.0, 40.0, 40.0]);
        assert_eq!(lut.range(), (10.0, 40.0));
        // Unsigned pixels: the same word is 65534.
        let lut = ModalityLut::from_object(&obj, false).unwrap().unwrap();
        assert_eq!(lut.map(65534), 10.0);
    }

    #[test]
    fn a_table_that_does_not_match_its_descriptor_is_refused() {
        let obj = with_lut([4, 0, 16], vec![1, 2, 3]);
        let why = ModalityLut::from_object(&obj, false).unwrap().unwrap_err();
        assert!(
            why.contains("holds 3 values") && why.contains("announces 4"),
            "{why}"
        );
        let obj = with_lut([3, 0, 12], vec![1, 2, 3]);
        let why = ModalityLut::from_object(&obj, false).unwrap().unwrap_err();
        assert!(why.contains("bits 12"), "{why}");
        assert!(ModalityLut::from_object(&InMemDicomObject::new_empty(), false).is_none());
    }
}
