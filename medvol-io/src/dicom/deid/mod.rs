//! De-identification of DICOM files and folders following the Application Level
//! Confidentiality Profile of DICOM PS3.15 Annex E: the basic profile and its options.
//!
//! The actions come from the standard's Table E.1-1, kept as data
//! ([`deid_profile::BASIC_PROFILE`](super::deid_profile::BASIC_PROFILE), generated from the
//! edition named in [`deid_profile::EDITION`](super::deid_profile::EDITION)), applied to every
//! element at every depth: inside sequences, in the shared and per-frame functional groups of
//! enhanced multi-frame objects. What medvol does beyond the table:
//! - attributes neither in the table nor private are kept only if they are on
//!   [`KEPT_ATTRIBUTES`](super::deid_profile::KEPT_ATTRIBUTES) (pixel data and their
//!   description, geometry, acquisition parameters, functional group structure, coded
//!   entries); the others are removed and listed in [`AnonymizeReport::dropped`];
//! - private attributes (odd groups) are removed; with the *Retain Safe Private* option
//!   ([`Anonymizer::with_keep_private`]) those on a safe list are kept, with their private
//!   creators: by default [`SAFE_PRIVATE`](super::deid_profile::SAFE_PRIVATE), extended with
//!   [`Anonymizer::with_safe_private`];
//! - every UID that is not a DICOM well-known UID (root `1.2.840.10008.`) or a class UID is
//!   replaced, not only those the table lists, by `2.25.<decimal>` derived from a keyed
//!   SHA-256 (HMAC) of the original: the same input UID gives the same output UID for one
//!   [`Anonymizer`], and across runs given the same secret, so series, studies and frames of
//!   reference stay grouped and references between instances stay valid;
//! - the options ([`ProfileOption`](super::deid_profile::ProfileOption)) change the table's
//!   action where their column says `K` (keep) or `C` (clean); *Clean* keeps a text with the
//!   data set's own identifiers (names, IDs, institution, dates) blanked out, which cannot
//!   catch a name the header does not hold: review cleaned descriptors before release;
//! - with the *Retain Longitudinal Temporal Information with Modified Dates* option
//!   ([`Anonymizer::with_date_shift_days`]), every DA and DT value the option cleans (and
//!   every date outside the table) is moved by the same whole number of days; TM values are
//!   kept, as a whole-day shift leaves the time of day unchanged; Patient's Birth Date stays
//!   emptied, as the table says;
//! - Patient Identity Removed is set to `YES`, Longitudinal Temporal Information Modified to
//!   `MODIFIED` or `REMOVED`, and De-identification Method and its code sequence record the
//!   profile and each option applied as their CID 7050 codes, **appended** to any earlier
//!   record (a face-removal record of an earlier tool survives).
//!
//! Siemens mosaics are split into slices by the private Number of Images in Mosaic
//! (0019,xx0A): de-identify them with [`Anonymizer::with_keep_private`] (it is on the safe
//! list) if the copy is to be read as slices; the CSA header with the slice normal is removed
//! either way, so the copy's slices are taken to ascend along row × column.
//!
//! **Pixel data are not touched**: text burned into the pixels (common in ultrasound,
//! secondary captures and screenshots) is *not* removed; the Clean Pixel Data option is out of
//! scope. Structured report content (Content Sequence) is replaced as the basic profile says
//! (`D`: no items), not cleaned.

mod folder;
mod keep;
pub mod profile;
mod table;
mod walker;

pub use folder::{AnonymizeReport, Naming, anonymize_folder};

use super::file::uid::{
    IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, random_key, uid_from_bytes,
};

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use hmac::{Hmac, Mac};
use profile::{BASIC_PROFILE_CODE, ProfileOption, SafePrivate};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashSet};

const PATIENT_IDENTITY_REMOVED: Tag = Tag(0x0012, 0x0062);
const DEIDENTIFICATION_METHOD: Tag = Tag(0x0012, 0x0063);
const DEIDENTIFICATION_METHOD_CODE_SEQUENCE: Tag = Tag(0x0012, 0x0064);
const LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED: Tag = Tag(0x0028, 0x0303);
const CODE_VALUE: Tag = Tag(0x0008, 0x0100);
const CODING_SCHEME_DESIGNATOR: Tag = Tag(0x0008, 0x0102);
const CODE_MEANING: Tag = Tag(0x0008, 0x0104);

/// De-identifies DICOM data sets, files and folders (PS3.15 Annex E basic profile and
/// options).
///
/// ```no_run
/// use medvol_io::dicom::Anonymizer;
/// let report = Anonymizer::new()
///     .with_date_shift_days(-100)
///     .with_uid_secret(b"project secret")
///     .folder("study/", "study-anon/")?;
/// println!("{} written, {} skipped", report.written.len(), report.skipped.len());
/// # Ok::<(), medvol_io::Error>(())
/// ```
#[derive(Clone)]
pub struct Anonymizer {
    /// The options applied (Retain Safe Private included).
    options: BTreeSet<ProfileOption>,
    /// Private attributes added to [`SAFE_PRIVATE`](profile::SAFE_PRIVATE).
    extra_safe_private: Vec<SafePrivate>,
    /// The shift of the modified-dates option (meaningful only with that option).
    date_shift_days: i32,
    uid_key: [u8; 32],
    naming: Naming,
}

impl std::fmt::Debug for Anonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anonymizer")
            .field("options", &self.options)
            .field("extra_safe_private", &self.extra_safe_private)
            .field("naming", &self.naming)
            .finish_non_exhaustive()
    }
}

impl Default for Anonymizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Anonymizer {
    /// The basic profile, no option: private attributes removed, dates emptied or removed,
    /// new file names, and a fresh random UID secret (UIDs are consistent within this
    /// anonymizer only).
    pub fn new() -> Self {
        Self {
            options: BTreeSet::new(),
            extra_safe_private: Vec::new(),
            date_shift_days: 0,
            uid_key: random_key(),
            naming: Naming::default(),
        }
    }

    /// The options applied, in the order of their CID 7050 codes' record.
    ///
    /// ```
    /// use medvol_io::dicom::{Anonymizer, deid_profile::ProfileOption};
    /// let a = Anonymizer::new().with_retain_uids(true).with_clean_descriptors(true);
    /// assert_eq!(
    ///     a.options(),
    ///     [ProfileOption::RetainUids, ProfileOption::CleanDescriptors]
    /// );
    /// ```
    pub fn options(&self) -> Vec<ProfileOption> {
        self.options.iter().copied().collect()
    }

    fn with_option(mut self, option: ProfileOption, on: bool) -> Self {
        if on {
            self.options.insert(option);
        } else {
            self.options.remove(&option);
        }
        self
    }

    /// The *Retain Safe Private* option (`false` by default: every private attribute is
    /// removed). When `true`, the private attributes on the safe list
    /// ([`SAFE_PRIVATE`](profile::SAFE_PRIVATE) plus those given to
    /// [`with_safe_private`](Self::with_safe_private)) are kept with their private creator
    /// elements; every other private attribute is still removed.
    pub fn with_keep_private(self, keep: bool) -> Self {
        self.with_option(ProfileOption::RetainSafePrivate, keep)
    }

    /// Adds private attributes to the safe list, and turns the *Retain Safe Private* option
    /// on (with the default list too). Only list attributes that cannot identify anyone.
    ///
    /// ```
    /// use medvol_io::dicom::{Anonymizer, deid_profile::SafePrivate};
    /// let anonymizer = Anonymizer::new()
    ///     .with_safe_private([SafePrivate::new(0x0019, "GEMS_ACQU_01", 0x23)]);
    /// assert!(format!("{anonymizer:?}").contains("GEMS_ACQU_01"));
    /// ```
    pub fn with_safe_private(mut self, extra: impl IntoIterator<Item = SafePrivate>) -> Self {
        self.extra_safe_private.extend(extra);
        self.with_keep_private(true)
    }

    /// The *Retain Longitudinal Temporal Information with Modified Dates* option: dates are
    /// moved by `days` (may be negative) instead of removed, in every attribute the option
    /// cleans and every date outside the table; times of day are kept.
    pub fn with_date_shift_days(mut self, days: i32) -> Self {
        self.date_shift_days = days;
        self.with_option(ProfileOption::RetainLongitudinalModifiedDates, true)
    }

    /// The *Retain UIDs* option: UIDs are kept instead of replaced.
    pub fn with_retain_uids(self, on: bool) -> Self {
        self.with_option(ProfileOption::RetainUids, on)
    }

    /// The *Retain Device Identity* option: device serial numbers, station names, detector
    /// IDs and the like are kept (cleaned where the table says `C`).
    pub fn with_retain_device_identity(self, on: bool) -> Self {
        self.with_option(ProfileOption::RetainDeviceIdentity, on)
    }

    /// The *Retain Patient Characteristics* option: sex, age, size, weight, ethnic group,
    /// smoking and pregnancy status are kept (allergies, special needs and the like cleaned).
    pub fn with_retain_patient_characteristics(self, on: bool) -> Self {
        self.with_option(ProfileOption::RetainPatientCharacteristics, on)
    }

    /// The *Clean Descriptors* option: descriptions and comments (series description,
    /// protocol name, image comments, ...) are kept with the data set's identifiers blanked
    /// out (`***`) instead of removed. Free text can name people the header does not hold:
    /// review it before release.
    pub fn with_clean_descriptors(self, on: bool) -> Self {
        self.with_option(ProfileOption::CleanDescriptors, on)
    }

    /// How [`folder`](Self::folder) names the files it writes ([`Naming::Numbered`] by
    /// default).
    pub fn with_naming(mut self, naming: Naming) -> Self {
        self.naming = naming;
        self
    }

    /// Derives replacement UIDs from `secret`, so that separate runs with the same secret
    /// map each UID the same way (keep the secret private: with it, a UID can be checked
    /// against a guess).
    pub fn with_uid_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.uid_key = Sha256::digest(secret.as_ref()).into();
        self
    }

    /// The replacement of `uid`: `2.25.` followed by the decimal value of 128 bits of
    /// HMAC-SHA256(secret, uid), formatted as a version-8 UUID. Well-known DICOM UIDs are
    /// returned unchanged.
    ///
    /// ```
    /// use medvol_io::dicom::Anonymizer;
    /// let a = Anonymizer::new().with_uid_secret("s");
    /// let b = Anonymizer::new().with_uid_secret("s");
    /// let u = a.map_uid("1.3.12.2.1107.5.2.43.66044.1");
    /// assert!(u.starts_with("2.25.") && u.len() <= 64);
    /// assert_eq!(u, b.map_uid("1.3.12.2.1107.5.2.43.66044.1"));
    /// assert_ne!(u, a.map_uid("1.3.12.2.1107.5.2.43.66044.2"));
    /// assert_eq!(a.map_uid("1.2.840.10008.5.1.4.1.1.2"), "1.2.840.10008.5.1.4.1.1.2");
    /// ```
    pub fn map_uid(&self, uid: &str) -> String {
        let uid = uid.trim_end_matches(['\0', ' ']);
        if uid.is_empty()
            || profile::is_well_known_uid(uid)
            || self.options.contains(&ProfileOption::RetainUids)
        {
            return uid.to_string();
        }
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.uid_key).expect("HMAC accepts keys of any length");
        mac.update(uid.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uid_from_bytes(bytes)
    }

    /// De-identifies a data set in place: the table's actions and the options, recursively
    /// in sequences, then the de-identification record. Returns the attributes removed
    /// because they are neither in the table nor on
    /// [`KEPT_ATTRIBUTES`](profile::KEPT_ATTRIBUTES).
    pub fn apply_dataset(&self, obj: &mut InMemDicomObject) -> BTreeSet<Tag> {
        let mut walk = walker::Walk::new(self, obj);
        walk.clean(obj);
        self.mark(obj);
        walk.dropped
    }

    /// De-identifies a whole file object: the data set and the file meta information
    /// (new Media Storage SOP Instance UID, no application entity titles). Returns what
    /// [`apply_dataset`](Self::apply_dataset) returns.
    pub fn apply(&self, obj: &mut DefaultDicomObject) -> BTreeSet<Tag> {
        let dropped = self.apply_dataset(obj);
        let instance = self.map_uid(obj.meta().media_storage_sop_instance_uid());
        obj.update_meta(|m| {
            m.media_storage_sop_instance_uid = instance;
            m.implementation_class_uid = IMPLEMENTATION_CLASS_UID.to_string();
            m.implementation_version_name = Some(IMPLEMENTATION_VERSION_NAME.to_string());
            m.source_application_entity_title = None;
            m.sending_application_entity_title = None;
            m.receiving_application_entity_title = None;
            m.private_information_creator_uid = None;
            m.private_information = None;
        });
        dropped
    }

    /// The private elements of `obj` on the safe list, with their private creators.
    fn kept_private(&self, obj: &InMemDicomObject) -> HashSet<Tag> {
        let mut kept = HashSet::new();
        if !self.options.contains(&ProfileOption::RetainSafePrivate) {
            return kept;
        }
        let safe: Vec<SafePrivate> = profile::SAFE_PRIVATE
            .iter()
            .map(SafePrivate::from)
            .chain(self.extra_safe_private.iter().cloned())
            .collect();
        for tag in obj.tags() {
            let (group, element) = (tag.group(), tag.element());
            if !profile::is_private(tag) || element < 0x1000 {
                continue;
            }
            let block = Tag(group, element >> 8);
            let Some(creator) = obj.get(block).and_then(|c| c.to_str().ok()) else {
                continue;
            };
            let creator = creator.trim_end_matches([' ', '\0']);
            if safe.iter().any(|s| {
                s.group == group
                    && u16::from(s.element) == element & 0xFF
                    && s.creator.trim_end() == creator
            }) {
                kept.insert(tag);
                kept.insert(block);
            }
        }
        kept
    }

    fn map_uid_element(
        &self,
        elem: &DataElement<InMemDicomObject>,
    ) -> Option<DataElement<InMemDicomObject>> {
        let values = elem.value().to_multi_str().ok()?;
        let mapped: Vec<String> = values.iter().map(|u| self.map_uid(u)).collect();
        Some(DataElement::new(
            elem.tag(),
            VR::UI,
            PrimitiveValue::Strs(mapped.into_iter().collect()),
        ))
    }

    /// The de-identification record, appended to any earlier one.
    fn mark(&self, obj: &mut InMemDicomObject) {
        obj.put(DataElement::new(
            PATIENT_IDENTITY_REMOVED,
            VR::CS,
            PrimitiveValue::from("YES"),
        ));
        let shifted = self
            .options
            .contains(&ProfileOption::RetainLongitudinalModifiedDates);
        obj.put(DataElement::new(
            LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            VR::CS,
            PrimitiveValue::from(if shifted { "MODIFIED" } else { "REMOVED" }),
        ));
        let codes: Vec<(&str, &str)> = std::iter::once(BASIC_PROFILE_CODE)
            .chain(self.options.iter().map(|o| o.code()))
            .collect();
        // LO, one value per method: the shift itself is not written, or it could be undone
        let mut methods: Vec<String> = obj
            .get(DEIDENTIFICATION_METHOD)
            .and_then(|e| e.value().to_multi_str().ok())
            .map(|v| v.iter().map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        methods.retain(|m| !m.is_empty());
        methods.push(String::from("medvol PS3.15 basic profile"));
        obj.put(DataElement::new(
            DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::Strs(methods.into_iter().collect()),
        ));
        let mut items: Vec<InMemDicomObject> = obj
            .get(DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .and_then(|e| e.items())
            .map(|items| items.to_vec())
            .unwrap_or_default();
        let has = |items: &[InMemDicomObject], value: &str| {
            items.iter().any(|i| {
                let text = |t| {
                    i.get(t)
                        .and_then(|e| e.to_str().ok().map(|s| s.trim().to_string()))
                };
                text(CODE_VALUE).as_deref() == Some(value)
                    && text(CODING_SCHEME_DESIGNATOR).as_deref() == Some("DCM")
            })
        };
        for (value, meaning) in codes {
            if !has(&items, value) {
                items.push(InMemDicomObject::from_element_iter([
                    DataElement::new(CODE_VALUE, VR::SH, PrimitiveValue::from(value)),
                    DataElement::new(
                        CODING_SCHEME_DESIGNATOR,
                        VR::SH,
                        PrimitiveValue::from("DCM"),
                    ),
                    DataElement::new(CODE_MEANING, VR::LO, PrimitiveValue::from(meaning)),
                ]));
            }
        }
        obj.put(DataElement::new(
            DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(items),
        ));
    }
}

#[cfg(test)]
mod tests;
