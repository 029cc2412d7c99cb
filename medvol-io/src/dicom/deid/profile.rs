//! The action table of the DICOM Application Level Confidentiality Profile (PS3.15 Annex E,
//! Table E.1-1), as data, and the profile's options.
//!
//! [`BASIC_PROFILE`] is generated from the standard's table (edition [`EDITION`]) by
//! `generate_table.py` beside this file, from `table_e1_1.psv`. Each [`ProfileEntry`] names an
//! attribute by its tag and keyword and gives the basic profile's [`Action`] code and the
//! codes of the option columns medvol implements ([`ProfileOption`]). Composite codes (`X/Z`,
//! `X/D`, `Z/D`, `X/Z/D`, `X/Z/U*`) let the profile pick the least destructive action that
//! keeps an object conformant to its IOD; [`Action::basic_behaviour`] resolves each to one
//! [`Behaviour`] without knowing the IOD.
//!
//! Private attributes (odd groups, the table's "Private Attributes" row) are removed unless
//! the *Retain Safe Private* option keeps those listed in [`SAFE_PRIVATE`]. Attributes neither
//! in the table nor private are kept only if they are on [`KEPT_ATTRIBUTES`]; see
//! [`Anonymizer`](super::Anonymizer).

use dicom_core::Tag;
use std::collections::HashMap;
use std::sync::OnceLock;

pub use super::keep::KEPT_ATTRIBUTES;
pub use super::table::{BASIC_PROFILE, EDITION, SINGLE_TAG_ROWS};

/// An action code of PS3.15 Table E.1-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// `D`: replace with a non-zero length dummy value consistent with the VR.
    D,
    /// `Z`: replace with a zero length value (or a dummy value consistent with the VR).
    Z,
    /// `X`: remove.
    X,
    /// `K`: keep (unchanged for non-sequence attributes, cleaned for sequences).
    K,
    /// `C`: clean, that is replace with values of similar meaning known not to identify.
    C,
    /// `U`: replace with a non-zero length UID that is internally consistent within a set
    /// of instances.
    U,
    /// `Z/D`: Z unless D is required to keep the IOD conformant (Type 2 versus Type 1).
    ZD,
    /// `X/Z`: X unless Z is required to keep the IOD conformant (Type 3 versus Type 2).
    XZ,
    /// `X/D`: X unless D is required to keep the IOD conformant (Type 3 versus Type 1).
    XD,
    /// `X/Z/D`: X unless Z or D is required to keep the IOD conformant.
    XZD,
    /// `X/Z/U*`: X unless Z or replacement of contained instance UIDs (U) is required to keep
    /// the IOD conformant.
    XZUStar,
}

/// What medvol does to an element, once an [`Action`] is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Behaviour {
    /// Remove the element.
    Remove,
    /// Keep the element with a zero length value (a sequence with no items).
    Empty,
    /// Replace the value with a dummy of the same VR (a sequence: no items).
    Dummy,
    /// Keep the element; a sequence's items are de-identified recursively.
    Keep,
    /// Keep the text with the data set's identifiers (names, IDs, dates) blanked out; a
    /// sequence's items are de-identified recursively.
    Clean,
    /// Replace each UID with its consistent replacement.
    ReplaceUid,
    /// Keep the sequence and de-identify its items recursively, so that the instance UIDs
    /// it references are replaced consistently.
    CleanItems,
}

impl Action {
    /// The code as printed in the standard (`"X/Z/U*"`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Action::D => "D",
            Action::Z => "Z",
            Action::X => "X",
            Action::K => "K",
            Action::C => "C",
            Action::U => "U",
            Action::ZD => "Z/D",
            Action::XZ => "X/Z",
            Action::XD => "X/D",
            Action::XZD => "X/Z/D",
            Action::XZUStar => "X/Z/U*",
        }
    }

    /// The behaviour medvol applies for this code.
    ///
    /// medvol does not know the Type of an attribute in every IOD, so a composite code
    /// resolves to its alternative that is conformant whatever the Type: `X/Z` empties,
    /// `X/D`, `Z/D` and `X/Z/D` put a dummy value, `X/Z/U*` keeps the sequence and replaces
    /// the UIDs inside.
    ///
    /// ```
    /// use medvol_io::dicom::deid_profile::{Action, Behaviour};
    /// assert_eq!(Action::XZ.basic_behaviour(), Behaviour::Empty);
    /// assert_eq!(Action::XZD.basic_behaviour(), Behaviour::Dummy);
    /// assert_eq!(Action::XZUStar.basic_behaviour(), Behaviour::CleanItems);
    /// ```
    pub fn basic_behaviour(self) -> Behaviour {
        match self {
            Action::X => Behaviour::Remove,
            Action::Z | Action::XZ => Behaviour::Empty,
            Action::D | Action::ZD | Action::XD | Action::XZD => Behaviour::Dummy,
            Action::K => Behaviour::Keep,
            Action::C => Behaviour::Clean,
            Action::U => Behaviour::ReplaceUid,
            Action::XZUStar => Behaviour::CleanItems,
        }
    }
}

/// An option of the profile, as PS3.15 Table E.1-1 names its columns, with its code in
/// CID 7050 "De-identification Method" (scheme `DCM`), which medvol records in
/// De-identification Method Code Sequence (0012,0064).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProfileOption {
    /// Retain Longitudinal Temporal Information with Modified Dates (113107).
    RetainLongitudinalModifiedDates,
    /// Retain Patient Characteristics (113108).
    RetainPatientCharacteristics,
    /// Retain Device Identity (113109).
    RetainDeviceIdentity,
    /// Retain UIDs (113110).
    RetainUids,
    /// Retain Safe Private (113111).
    RetainSafePrivate,
    /// Clean Descriptors (113105).
    CleanDescriptors,
}

impl ProfileOption {
    /// Every option medvol implements.
    pub const ALL: [ProfileOption; 6] = [
        ProfileOption::CleanDescriptors,
        ProfileOption::RetainLongitudinalModifiedDates,
        ProfileOption::RetainPatientCharacteristics,
        ProfileOption::RetainDeviceIdentity,
        ProfileOption::RetainUids,
        ProfileOption::RetainSafePrivate,
    ];

    /// The CID 7050 code value and code meaning.
    ///
    /// ```
    /// use medvol_io::dicom::deid_profile::ProfileOption;
    /// assert_eq!(ProfileOption::RetainUids.code(), ("113110", "Retain UIDs Option"));
    /// ```
    pub fn code(self) -> (&'static str, &'static str) {
        match self {
            ProfileOption::CleanDescriptors => ("113105", "Clean Descriptors Option"),
            ProfileOption::RetainLongitudinalModifiedDates => (
                "113107",
                "Retain Longitudinal Temporal Information Modified Dates Option",
            ),
            ProfileOption::RetainPatientCharacteristics => {
                ("113108", "Retain Patient Characteristics Option")
            }
            ProfileOption::RetainDeviceIdentity => ("113109", "Retain Device Identity Option"),
            ProfileOption::RetainUids => ("113110", "Retain UIDs Option"),
            ProfileOption::RetainSafePrivate => ("113111", "Retain Safe Private Option"),
        }
    }
}

/// The CID 7050 code of the basic profile itself.
pub const BASIC_PROFILE_CODE: (&str, &str) =
    ("113100", "Basic Application Confidentiality Profile");

/// One row of Table E.1-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileEntry {
    /// Group number; for a repeating group (`50xx`, `60xx`) the base group.
    pub group: u16,
    /// Bits of the group that must match `group` (`0xFFFF` for one group).
    pub group_mask: u16,
    /// Element number.
    pub element: u16,
    /// Bits of the element that must match `element` (`0` for any element).
    pub element_mask: u16,
    /// The attribute's keyword (PS3.6).
    pub keyword: &'static str,
    /// The basic profile's action code.
    pub action: Action,
    /// The action of each option column the table fills for this row.
    pub options: &'static [(ProfileOption, Action)],
}

impl ProfileEntry {
    /// A row for one tag.
    pub const fn single(
        group: u16,
        element: u16,
        keyword: &'static str,
        action: Action,
        options: &'static [(ProfileOption, Action)],
    ) -> Self {
        Self {
            group,
            group_mask: 0xFFFF,
            element,
            element_mask: 0xFFFF,
            keyword,
            action,
            options,
        }
    }

    /// A repeating-group row (`50xx,xxxx`, `60xx,3000`): the even groups `base..=base+0xFE`,
    /// with `element` or any element.
    pub const fn repeating(
        base: u16,
        element: Option<u16>,
        keyword: &'static str,
        action: Action,
        options: &'static [(ProfileOption, Action)],
    ) -> Self {
        let (element, element_mask) = match element {
            Some(e) => (e, 0xFFFF),
            None => (0, 0),
        };
        Self {
            group: base,
            group_mask: 0xFF01,
            element,
            element_mask,
            keyword,
            action,
            options,
        }
    }

    /// Whether the entry applies to `tag`.
    pub fn matches(&self, tag: Tag) -> bool {
        tag.group() & self.group_mask == self.group
            && tag.element() & self.element_mask == self.element
    }

    /// The tag of a single-tag entry, `None` for repeating groups.
    pub fn tag(&self) -> Option<Tag> {
        (self.group_mask == 0xFFFF && self.element_mask == 0xFFFF)
            .then_some(Tag(self.group, self.element))
    }

    /// The action with `options` applied: an option's `K` wins over its `C`, which wins over
    /// the basic profile's code.
    ///
    /// ```
    /// use dicom_core::Tag;
    /// use medvol_io::dicom::deid_profile::{lookup, Action, ProfileOption};
    /// let uid = lookup(Tag(0x0020, 0x000E)).unwrap(); // Series Instance UID
    /// assert_eq!(uid.action_with(&[]), Action::U);
    /// assert_eq!(uid.action_with(&[ProfileOption::RetainUids]), Action::K);
    /// ```
    pub fn action_with(&self, options: &[ProfileOption]) -> Action {
        let chosen = |a: Action| {
            self.options
                .iter()
                .any(|(o, code)| *code == a && options.contains(o))
        };
        if chosen(Action::K) {
            Action::K
        } else if chosen(Action::C) {
            Action::C
        } else {
            self.action
        }
    }
}

/// The table row for `tag`, if the table lists it (private tags are not listed).
///
/// ```
/// use dicom_core::Tag;
/// use medvol_io::dicom::deid_profile::{lookup, Action};
/// let row = lookup(Tag(0x0010, 0x0010)).unwrap();
/// assert_eq!((row.keyword, row.action), ("PatientName", Action::Z));
/// assert_eq!(lookup(Tag(0x6002, 0x3000)).unwrap().keyword, "OverlayData");
/// assert!(lookup(Tag(0x0028, 0x0010)).is_none()); // Rows: not in the table
/// ```
pub fn lookup(tag: Tag) -> Option<&'static ProfileEntry> {
    static INDEX: OnceLock<HashMap<Tag, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        BASIC_PROFILE
            .iter()
            .enumerate()
            .filter_map(|(i, row)| row.tag().map(|t| (t, i)))
            .collect()
    });
    match index.get(&tag) {
        Some(&i) => Some(&BASIC_PROFILE[i]),
        None => BASIC_PROFILE
            .iter()
            .find(|row| row.tag().is_none() && row.matches(tag)),
    }
}

/// Whether `tag` is a private attribute (odd group), which the basic profile removes.
pub fn is_private(tag: Tag) -> bool {
    tag.group() % 2 == 1
}

/// A private attribute named as PS3.15 Table E.3.10-1 names them: its group, the private
/// creator that reserves its block, and its element number within the block (the `EE` of
/// `(gggg,xxEE)`, since the block byte `xx` differs from file to file).
///
/// ```
/// use medvol_io::dicom::deid_profile::SafePrivate;
/// let b_value = SafePrivate::new(0x0019, "SIEMENS MR HEADER", 0x0C);
/// assert_eq!(b_value.to_string(), "(0019,xx0C) SIEMENS MR HEADER");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafePrivate {
    /// The (odd) group.
    pub group: u16,
    /// The private creator, as written in the private creator element (trailing spaces
    /// are ignored when matching).
    pub creator: String,
    /// The element number within the creator's block.
    pub element: u8,
}

impl SafePrivate {
    /// A safe private attribute `(group,xxEE)` of `creator`.
    pub fn new(group: u16, creator: impl Into<String>, element: u8) -> Self {
        Self {
            group,
            creator: creator.into(),
            element,
        }
    }
}

impl std::fmt::Display for SafePrivate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "({:04X},xx{:02X}) {}",
            self.group, self.element, self.creator
        )
    }
}

/// One row of [`SAFE_PRIVATE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafePrivateEntry {
    /// The (odd) group.
    pub group: u16,
    /// The private creator.
    pub creator: &'static str,
    /// The element number within the creator's block.
    pub element: u8,
    /// What the attribute holds.
    pub name: &'static str,
}

impl From<&SafePrivateEntry> for SafePrivate {
    fn from(e: &SafePrivateEntry) -> Self {
        Self::new(e.group, e.creator, e.element)
    }
}

const fn p(group: u16, creator: &'static str, element: u8, name: &'static str) -> SafePrivateEntry {
    SafePrivateEntry {
        group,
        creator,
        element,
        name,
    }
}

/// The private attributes kept by default with the *Retain Safe Private* option
/// ([`Anonymizer::with_keep_private`](super::Anonymizer::with_keep_private)): a conservative
/// set of numeric acquisition parameters (diffusion encoding, mosaic layout and slice timing,
/// PET quantitation factors) of the kind PS3.15 Table E.3.10-1 lists as safe. Nothing here
/// holds text, dates, names or UIDs. Check it against your scanners' conformance statements
/// and extend it with [`Anonymizer::with_safe_private`](super::Anonymizer::with_safe_private).
pub const SAFE_PRIVATE: &[SafePrivateEntry] = &[
    p(
        0x0019,
        "SIEMENS MR HEADER",
        0x0A,
        "Number of Images in Mosaic",
    ),
    p(
        0x0019,
        "SIEMENS MR HEADER",
        0x0B,
        "Slice Measurement Duration",
    ),
    p(0x0019, "SIEMENS MR HEADER", 0x0C, "B Value"),
    p(
        0x0019,
        "SIEMENS MR HEADER",
        0x0D,
        "Diffusion Directionality",
    ),
    p(
        0x0019,
        "SIEMENS MR HEADER",
        0x0E,
        "Diffusion Gradient Direction",
    ),
    p(0x0019, "SIEMENS MR HEADER", 0x27, "B Matrix"),
    p(
        0x0019,
        "SIEMENS MR HEADER",
        0x28,
        "Bandwidth per Pixel Phase Encode",
    ),
    p(
        0x0019,
        "SIEMENS MR HEADER",
        0x29,
        "Mosaic Slice Acquisition Times",
    ),
    p(
        0x0043,
        "GEMS_PARM_01",
        0x39,
        "Diffusion B Value and Slop Parameters",
    ),
    p(0x2001, "Philips Imaging DD 001", 0x03, "Diffusion B Factor"),
    p(
        0x2001,
        "Philips Imaging DD 001",
        0x04,
        "Diffusion Direction",
    ),
    p(
        0x2005,
        "Philips MR Imaging DD 001",
        0xB0,
        "Diffusion Direction RL",
    ),
    p(
        0x2005,
        "Philips MR Imaging DD 001",
        0xB1,
        "Diffusion Direction AP",
    ),
    p(
        0x2005,
        "Philips MR Imaging DD 001",
        0xB2,
        "Diffusion Direction FH",
    ),
    p(0x7053, "Philips PET Private Group", 0x00, "SUV Factor"),
    p(
        0x7053,
        "Philips PET Private Group",
        0x09,
        "Activity Concentration Scale Factor",
    ),
];

/// Whether `uid` is a UID of the DICOM standard itself (SOP classes, transfer syntaxes,
/// coding schemes: root `1.2.840.10008.`), which identifies nothing and is always kept.
pub fn is_well_known_uid(uid: &str) -> bool {
    uid.starts_with("1.2.840.10008.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_tags_are_unique_and_known_to_the_dictionary() {
        use dicom_core::dictionary::DataDictionary;
        let dict = dicom_dictionary_std::StandardDataDictionary;
        let mut seen = std::collections::HashSet::new();
        let mut unknown = Vec::new();
        for row in BASIC_PROFILE {
            if let Some(tag) = row.tag() {
                assert!(seen.insert(tag), "{tag} listed twice");
                if dict.by_tag(tag).is_none() {
                    unknown.push(row.keyword);
                }
            }
        }
        // The issue counted 643 single-tag rows in the edition current then; 2026d has 653.
        assert_eq!(seen.len(), SINGLE_TAG_ROWS);
        assert!(seen.len() >= 643, "{} rows", seen.len());
        // dicom-rs's dictionary lags the standard by a few editions: list, don't fail.
        assert!(unknown.len() < 60, "not in the dictionary: {unknown:?}");
    }

    #[test]
    fn repeating_groups_match_even_groups_only() {
        assert_eq!(lookup(Tag(0x5010, 0x3000)).unwrap().keyword, "CurveData");
        assert_eq!(
            lookup(Tag(0x601E, 0x4000)).unwrap().keyword,
            "OverlayComments"
        );
        assert!(lookup(Tag(0x6001, 0x3000)).is_none());
        assert!(lookup(Tag(0x6000, 0x0010)).is_none()); // Overlay Rows: not in the table
    }

    #[test]
    fn safe_private_rows_are_private_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for row in SAFE_PRIVATE {
            assert!(row.group % 2 == 1 && row.group > 0x0008, "{row:?}");
            assert!(seen.insert(SafePrivate::from(row)), "{row:?} listed twice");
        }
    }

    #[test]
    fn date_option_rows_are_dates_and_times() {
        let dated = |row: &&ProfileEntry| {
            row.options
                .contains(&(ProfileOption::RetainLongitudinalModifiedDates, Action::C))
        };
        use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
        let dict = dicom_dictionary_std::StandardDataDictionary;
        let mut not_dated: Vec<&str> = BASIC_PROFILE
            .iter()
            .filter(dated)
            .filter(|row| {
                let vr = row.tag().and_then(|t| dict.by_tag(t)).map(|e| e.vr());
                !matches!(
                    vr.and_then(|v| v.exact()),
                    Some(dicom_core::VR::DA | dicom_core::VR::DT | dicom_core::VR::TM) | None
                )
            })
            .map(|row| row.keyword)
            .collect();
        not_dated.sort();
        // binary time stamps (OB) and a time-zone offset (SH) cannot be shifted by days: they
        // get the basic profile's action even with the option
        assert_eq!(
            not_dated,
            [
                "CertifiedTimestamp",
                "FrameOriginTimestamp",
                "TimezoneOffsetFromUTC"
            ]
        );
        let birth = lookup(Tag(0x0010, 0x0030)).unwrap();
        assert_eq!(birth.action_with(&ProfileOption::ALL), Action::Z); // stays Z
        let creation = lookup(Tag(0x0008, 0x0012)).unwrap(); // Instance Creation Date
        assert_eq!(
            creation.action_with(&[ProfileOption::RetainLongitudinalModifiedDates]),
            Action::C
        );
    }

    #[test]
    fn option_codes_are_distinct_cid_7050_codes() {
        let codes: std::collections::HashSet<_> =
            ProfileOption::ALL.iter().map(|o| o.code().0).collect();
        assert_eq!(codes.len(), ProfileOption::ALL.len());
        assert!(codes.iter().all(|c| c.starts_with("1131")));
    }
}
