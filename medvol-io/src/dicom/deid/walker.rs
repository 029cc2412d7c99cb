//! The walk over a data set: every element, in every sequence item at any depth (functional
//! groups included), gets the table's action, the options' changes, or the rule for
//! attributes outside the table.

use super::Anonymizer;
use super::keep::is_kept;
use super::profile::{self, Action, Behaviour, ProfileOption};
use crate::dicom::attr::dates::shift_element;
use dicom_core::header::Header;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_object::InMemDicomObject;
use std::collections::{BTreeSet, HashSet};

/// UIDs that name a class or a definition rather than an instance: kept even when private.
const CLASS_UID_TAGS: &[Tag] = &[
    Tag(0x0002, 0x0002), // Media Storage SOP Class UID
    Tag(0x0002, 0x0010), // Transfer Syntax UID
    Tag(0x0002, 0x0012), // Implementation Class UID
    Tag(0x0004, 0x1510), // Referenced SOP Class UID in File
    Tag(0x0004, 0x1512), // Referenced Transfer Syntax UID in File
    Tag(0x0008, 0x0016), // SOP Class UID
    Tag(0x0008, 0x001A), // Related General SOP Class UID
    Tag(0x0008, 0x001B), // Original Specialized SOP Class UID
    Tag(0x0008, 0x010C), // Coding Scheme UID
    Tag(0x0008, 0x010D), // Context Group Extension Creator UID
    Tag(0x0008, 0x0118), // Mapping Resource UID
    Tag(0x0008, 0x0300), // Private Information Creator UID
    Tag(0x0008, 0x1150), // Referenced SOP Class UID
];

/// The text put where the profile asks for a dummy value.
pub(super) const DUMMY_TEXT: &str = "ANONYMIZED";
/// What Clean puts in place of an identifier found in a kept text.
const BLANK: &str = "***";

/// Attributes whose values are identifiers to blank out of kept texts (the Clean Descriptors
/// option and the options' `C` codes): names, IDs, addresses, institutions.
const IDENTIFIER_TAGS: &[Tag] = &[
    Tag(0x0008, 0x0050), // Accession Number
    Tag(0x0008, 0x0080), // Institution Name
    Tag(0x0008, 0x0081), // Institution Address
    Tag(0x0008, 0x0090), // Referring Physician's Name
    Tag(0x0008, 0x1010), // Station Name
    Tag(0x0008, 0x1040), // Institutional Department Name
    Tag(0x0008, 0x1048), // Physician(s) of Record
    Tag(0x0008, 0x1050), // Performing Physician's Name
    Tag(0x0008, 0x1060), // Name of Physician(s) Reading Study
    Tag(0x0008, 0x1070), // Operators' Name
    Tag(0x0010, 0x0010), // Patient's Name
    Tag(0x0010, 0x0020), // Patient ID
    Tag(0x0010, 0x1000), // Other Patient IDs
    Tag(0x0010, 0x1001), // Other Patient Names
    Tag(0x0010, 0x1005), // Patient's Birth Name
    Tag(0x0010, 0x1040), // Patient's Address
    Tag(0x0010, 0x1060), // Patient's Mother's Birth Name
    Tag(0x0020, 0x0010), // Study ID
];

/// One de-identification pass over a data set and its items.
pub(super) struct Walk<'a> {
    anonymizer: &'a Anonymizer,
    options: Vec<ProfileOption>,
    /// Identifying words and dates of the data set, blanked out of the texts Clean keeps.
    identifiers: Vec<String>,
    /// Attributes removed because they are neither in the table nor kept.
    pub(super) dropped: BTreeSet<Tag>,
}

impl<'a> Walk<'a> {
    pub(super) fn new(anonymizer: &'a Anonymizer, top: &InMemDicomObject) -> Self {
        Self {
            anonymizer,
            options: anonymizer.options(),
            identifiers: identifiers(top),
            dropped: BTreeSet::new(),
        }
    }

    fn has(&self, option: ProfileOption) -> bool {
        self.options.contains(&option)
    }

    /// De-identifies `obj` and, recursively, the items of the sequences it keeps.
    pub(super) fn clean(&mut self, obj: &mut InMemDicomObject) {
        let kept_private = self.anonymizer.kept_private(obj);
        let tags: Vec<Tag> = obj.tags().collect();
        for tag in tags {
            if profile::is_private(tag) {
                if kept_private.contains(&tag) {
                    self.clean_items(obj, tag);
                } else {
                    obj.remove_element(tag);
                }
                continue;
            }
            if tag.element() == 0x0000 || tag.group() == 0x0002 {
                // group lengths are recomputed by the writer; file meta is not in a data set
                obj.remove_element(tag);
                continue;
            }
            let Some(elem) = obj.get(tag) else { continue };
            match self.behaviour(elem) {
                Step::Put(new) => {
                    obj.put(new);
                }
                Step::Do(behaviour) => self.act(obj, tag, behaviour),
            }
        }
    }

    /// What to do with `elem`: a replacement computed here, or a [`Behaviour`].
    fn behaviour(&mut self, elem: &DataElement<InMemDicomObject>) -> Step {
        let (tag, vr) = (elem.tag(), elem.vr());
        let dates = self.has(ProfileOption::RetainLongitudinalModifiedDates);
        let Some(row) = profile::lookup(tag) else {
            return if vr == VR::UI {
                let keep = CLASS_UID_TAGS.contains(&tag) || self.has(ProfileOption::RetainUids);
                Step::Do(if keep {
                    Behaviour::Keep
                } else {
                    Behaviour::ReplaceUid
                })
            } else if is_kept(tag) {
                Step::Do(Behaviour::Keep)
            } else if dates && matches!(vr, VR::DA | VR::DT | VR::TM) {
                self.shifted(elem, Behaviour::Remove)
            } else {
                self.dropped.insert(tag);
                Step::Do(Behaviour::Remove)
            };
        };
        let action = row.action_with(&self.options);
        let date_clean = action == Action::C
            && dates
            && row
                .options
                .contains(&(ProfileOption::RetainLongitudinalModifiedDates, Action::C));
        if date_clean {
            return self.shifted(elem, row.action.basic_behaviour());
        }
        Step::Do(action.basic_behaviour())
    }

    /// `elem` with its dates shifted (DA, DT), or kept (TM: a whole-day shift keeps the time
    /// of day); `otherwise` for values that are not valid dates.
    fn shifted(&self, elem: &DataElement<InMemDicomObject>, otherwise: Behaviour) -> Step {
        if elem.vr() == VR::TM {
            return Step::Do(Behaviour::Keep);
        }
        match shift_element(elem, self.anonymizer.date_shift_days) {
            Some(shifted) => Step::Put(shifted),
            None => Step::Do(otherwise),
        }
    }

    fn act(&mut self, obj: &mut InMemDicomObject, tag: Tag, behaviour: Behaviour) {
        let Some(elem) = obj.get(tag) else { return };
        let vr = elem.vr();
        match behaviour {
            Behaviour::Remove => {
                obj.remove_element(tag);
            }
            Behaviour::Empty => {
                obj.put(DataElement::empty(tag, vr));
            }
            Behaviour::Dummy => {
                obj.put(dummy(tag, vr));
            }
            Behaviour::ReplaceUid => match self.anonymizer.map_uid_element(elem) {
                Some(mapped) => {
                    obj.put(mapped);
                }
                None => {
                    obj.remove_element(tag);
                }
            },
            Behaviour::Clean if vr != VR::SQ => {
                if let Some(cleaned) = self.scrubbed(elem) {
                    obj.put(cleaned);
                }
            }
            _ => self.clean_items(obj, tag),
        }
    }

    /// De-identifies the items of `tag` if it is a sequence.
    fn clean_items(&mut self, obj: &mut InMemDicomObject, tag: Tag) {
        obj.update_value(tag, |value| {
            if let Some(items) = value.items_mut() {
                for item in items.iter_mut() {
                    self.clean(item);
                }
            }
        });
    }

    /// A text element with the data set's identifiers blanked out; `None` to keep it as is
    /// (not text, or nothing to blank).
    fn scrubbed(
        &self,
        elem: &DataElement<InMemDicomObject>,
    ) -> Option<DataElement<InMemDicomObject>> {
        if !is_text(elem.vr()) {
            return None;
        }
        let values = elem.value().to_multi_str().ok()?;
        let mut changed = false;
        let cleaned: Vec<String> = values
            .iter()
            .map(|v| {
                let c = blank_out(v, &self.identifiers);
                changed |= c != *v;
                c
            })
            .collect();
        changed.then(|| {
            DataElement::new(
                elem.tag(),
                elem.vr(),
                PrimitiveValue::Strs(cleaned.into_iter().collect()),
            )
        })
    }
}

/// A replacement element, or what to do with the element in place.
enum Step {
    Put(DataElement<InMemDicomObject>),
    Do(Behaviour),
}

fn is_text(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE | VR::CS | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT | VR::UR
    )
}

/// The identifying words (at least 2 characters) and dates (`YYYYMMDD`) of `obj`'s top level.
fn identifiers(obj: &InMemDicomObject) -> Vec<String> {
    let mut words = HashSet::new();
    for elem in obj.iter() {
        let tag = elem.tag();
        let dated = matches!(elem.vr(), VR::DA | VR::DT);
        if !(IDENTIFIER_TAGS.contains(&tag) || dated) {
            continue;
        }
        let Ok(values) = elem.value().to_multi_str() else {
            continue;
        };
        for v in values.iter() {
            if dated {
                if let Some(date) = v.trim().get(..8) {
                    words.insert(date.to_string());
                }
                continue;
            }
            for w in v.split(|c: char| c == '^' || c == '=' || c.is_whitespace()) {
                if w.chars().count() >= 2 {
                    words.insert(w.to_ascii_lowercase());
                }
            }
        }
    }
    let mut words: Vec<String> = words.into_iter().collect();
    // longest first, so that a name is blanked before a shorter word inside it
    words.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    words
}

/// `text` with each of `words` (compared without ASCII case) replaced by [`BLANK`].
fn blank_out(text: &str, words: &[String]) -> String {
    let mut out = text.to_string();
    for w in words {
        // ASCII lowercasing keeps byte offsets, so matches index `out` too
        let lower = out.to_ascii_lowercase();
        let mut result = String::with_capacity(out.len());
        let mut last = 0;
        for (i, _) in lower.match_indices(w.as_str()) {
            result.push_str(&out[last..i]);
            result.push_str(BLANK);
            last = i + w.len();
        }
        result.push_str(&out[last..]);
        out = result;
    }
    out
}

/// A dummy value of the VR (a sequence gets no items).
fn dummy(tag: Tag, vr: VR) -> DataElement<InMemDicomObject> {
    let value: Value<InMemDicomObject> = match vr {
        VR::SQ => return DataElement::empty(tag, vr),
        VR::DA => PrimitiveValue::from("19000101").into(),
        VR::TM => PrimitiveValue::from("000000").into(),
        VR::DT => PrimitiveValue::from("19000101000000").into(),
        VR::AS => PrimitiveValue::from("000Y").into(),
        VR::AE => PrimitiveValue::from("ANON").into(),
        VR::DS | VR::IS => PrimitiveValue::from("0").into(),
        VR::AT => PrimitiveValue::Tags([Tag(0, 0)].into_iter().collect()).into(),
        VR::FL | VR::OF => PrimitiveValue::F32([0.0].into_iter().collect()).into(),
        VR::FD | VR::OD => PrimitiveValue::F64([0.0].into_iter().collect()).into(),
        VR::SS => PrimitiveValue::I16([0].into_iter().collect()).into(),
        VR::US | VR::OW => PrimitiveValue::U16([0].into_iter().collect()).into(),
        VR::SL => PrimitiveValue::I32([0].into_iter().collect()).into(),
        VR::UL | VR::OL => PrimitiveValue::U32([0].into_iter().collect()).into(),
        VR::SV => PrimitiveValue::I64([0].into_iter().collect()).into(),
        VR::UV | VR::OV => PrimitiveValue::U64([0].into_iter().collect()).into(),
        VR::OB | VR::UN => PrimitiveValue::U8([0, 0].into_iter().collect()).into(),
        _ => PrimitiveValue::from(DUMMY_TEXT).into(),
    };
    DataElement::new(tag, vr, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_is_case_blind_and_longest_first() {
        let words = vec!["johnson".to_string(), "john".to_string()];
        assert_eq!(blank_out("Dr JOHNSON saw John", &words), "Dr *** saw ***");
        assert_eq!(blank_out("nothing here", &words), "nothing here");
    }
}
