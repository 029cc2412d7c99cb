//! The action table of the DICOM Basic Application Level Confidentiality Profile
//! (PS3.15 Annex E, Table E.1-1, "Basic Prof." column), as data.
//!
//! Each [`ProfileEntry`] names an attribute by its tag and the standard's attribute name, and
//! gives the profile's [`Action`] code. Composite codes (`X/Z`, `X/D`, `Z/D`, `X/Z/D`, `X/Z/U*`)
//! let the profile pick the least destructive action that keeps an object conformant to its
//! IOD; [`Action::basic_behaviour`] resolves each to one [`Behaviour`] without knowing the IOD.
//! Entries marked `temporal` are those for which the standard's *Retain Longitudinal Temporal
//! Information with Modified Dates* option says `C`: with a date shift they are shifted instead.
//!
//! Attributes not in the table are kept, except private attributes (removed by default) and
//! instance UIDs (see [`is_well_known_uid`]). Private attributes that the *Retain Safe Private*
//! option may keep are listed in [`SAFE_PRIVATE`], also as data.

use dicom_core::Tag;
use std::collections::HashMap;
use std::sync::OnceLock;

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

    /// The behaviour medvol applies for this code in the basic profile.
    ///
    /// medvol does not know the Type of an attribute in every IOD, so a composite code
    /// resolves to its alternative that is conformant whatever the Type: `X/Z` empties,
    /// `X/D`, `Z/D` and `X/Z/D` put a dummy value, `X/Z/U*` keeps the sequence and replaces
    /// the UIDs inside. `C` without an option resolves to a dummy value.
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
            Action::D | Action::C | Action::ZD | Action::XD | Action::XZD => Behaviour::Dummy,
            Action::K => Behaviour::Keep,
            Action::U => Behaviour::ReplaceUid,
            Action::XZUStar => Behaviour::CleanItems,
        }
    }
}

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
    /// The standard's attribute name.
    pub name: &'static str,
    /// The basic profile's action code.
    pub action: Action,
    /// The *Retain Longitudinal Temporal Information with Modified Dates* option cleans it.
    pub temporal: bool,
}

impl ProfileEntry {
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
}

const fn e(group: u16, element: u16, name: &'static str, action: Action) -> ProfileEntry {
    ProfileEntry {
        group,
        group_mask: 0xFFFF,
        element,
        element_mask: 0xFFFF,
        name,
        action,
        temporal: false,
    }
}

/// A date or time attribute the modified-dates option cleans.
const fn t(group: u16, element: u16, name: &'static str, action: Action) -> ProfileEntry {
    ProfileEntry {
        temporal: true,
        ..e(group, element, name, action)
    }
}

/// A repeating-group entry: even groups `base..base+0xFF`, `element` or any element.
const fn repeating(base: u16, element: Option<u16>, name: &'static str) -> ProfileEntry {
    ProfileEntry {
        group: base,
        group_mask: 0xFF01,
        element: match element {
            Some(e) => e,
            None => 0,
        },
        element_mask: match element {
            Some(_) => 0xFFFF,
            None => 0,
        },
        name,
        action: Action::X,
        temporal: false,
    }
}

use Action::{D, U, X, XD, XZ, XZD, XZUStar, Z, ZD};

/// Table E.1-1, basic profile column, in the standard's (alphabetical) order. Private
/// attributes (`X` in the standard) are handled by [`is_private`], not by a row.
pub const BASIC_PROFILE: &[ProfileEntry] = &[
    e(0x0008, 0x0050, "Accession Number", Z),
    e(0x0018, 0x4000, "Acquisition Comments", X),
    e(0x0040, 0x0555, "Acquisition Context Sequence", XZ),
    t(0x0008, 0x0022, "Acquisition Date", XZ),
    t(0x0008, 0x002A, "Acquisition DateTime", XZD),
    e(
        0x0018,
        0x1400,
        "Acquisition Device Processing Description",
        XD,
    ),
    e(0x0018, 0x11BB, "Acquisition Field Of View Label", D),
    e(0x0018, 0x9424, "Acquisition Protocol Description", X),
    t(0x0008, 0x0032, "Acquisition Time", XZ),
    e(0x0040, 0x4035, "Actual Human Performers Sequence", X),
    e(0x0010, 0x21B0, "Additional Patient History", X),
    e(0x0040, 0xA353, "Address (Trial)", X),
    e(0x0038, 0x0010, "Admission ID", X),
    t(0x0038, 0x0020, "Admitting Date", X),
    e(0x0008, 0x1084, "Admitting Diagnoses Code Sequence", X),
    e(0x0008, 0x1080, "Admitting Diagnoses Description", X),
    t(0x0038, 0x0021, "Admitting Time", X),
    e(0x0000, 0x1000, "Affected SOP Instance UID", X),
    e(0x0010, 0x2110, "Allergies", X),
    e(0x4000, 0x0010, "Arbitrary", X),
    e(0x0040, 0xA078, "Author Observer Sequence", X),
    e(0x2200, 0x0005, "Barcode Value", XZ),
    e(0x300A, 0x00C3, "Beam Description", X),
    e(0x300A, 0x00DD, "Bolus Description", X),
    e(0x0010, 0x1081, "Branch of Service", X),
    e(0x0016, 0x004D, "Camera Owner Name", X),
    e(0x0018, 0x1007, "Cassette ID", X),
    e(0x0012, 0x0060, "Clinical Trial Coordinating Center Name", Z),
    e(
        0x0012,
        0x0082,
        "Clinical Trial Protocol Ethics Committee Approval Number",
        X,
    ),
    e(
        0x0012,
        0x0081,
        "Clinical Trial Protocol Ethics Committee Name",
        D,
    ),
    e(0x0012, 0x0020, "Clinical Trial Protocol ID", D),
    e(0x0012, 0x0021, "Clinical Trial Protocol Name", Z),
    e(0x0012, 0x0072, "Clinical Trial Series Description", X),
    e(0x0012, 0x0071, "Clinical Trial Series ID", X),
    e(0x0012, 0x0030, "Clinical Trial Site ID", Z),
    e(0x0012, 0x0031, "Clinical Trial Site Name", Z),
    e(0x0012, 0x0010, "Clinical Trial Sponsor Name", D),
    e(0x0012, 0x0040, "Clinical Trial Subject ID", D),
    e(0x0012, 0x0042, "Clinical Trial Subject Reading ID", D),
    e(0x0012, 0x0051, "Clinical Trial Time Point Description", X),
    e(0x0012, 0x0050, "Clinical Trial Time Point ID", Z),
    e(0x0040, 0x0310, "Comments on Radiation Dose", X),
    e(
        0x0040,
        0x0280,
        "Comments on the Performed Procedure Step",
        X,
    ),
    e(0x300A, 0x02EB, "Compensator Description", X),
    e(0x0020, 0x9161, "Concatenation UID", U),
    e(
        0x3010,
        0x000F,
        "Conceptual Volume Combination Description",
        Z,
    ),
    e(0x3010, 0x0017, "Conceptual Volume Description", Z),
    e(0x3010, 0x0006, "Conceptual Volume UID", U),
    e(
        0x0040,
        0x3001,
        "Confidentiality Constraint on Patient Data Description",
        X,
    ),
    e(0x3010, 0x0013, "Constituent Conceptual Volume UID", U),
    e(0x0008, 0x009C, "Consulting Physician's Name", Z),
    e(
        0x0008,
        0x009D,
        "Consulting Physician Identification Sequence",
        X,
    ),
    e(0x0050, 0x001B, "Container Component ID", X),
    e(0x0040, 0x051A, "Container Description", X),
    e(0x0040, 0x0512, "Container Identifier", D),
    e(
        0x0070,
        0x0086,
        "Content Creator's Identification Code Sequence",
        X,
    ),
    e(0x0070, 0x0084, "Content Creator's Name", ZD),
    t(0x0008, 0x0023, "Content Date", ZD),
    e(0x0040, 0xA730, "Content Sequence", X),
    t(0x0008, 0x0033, "Content Time", ZD),
    e(0x0018, 0x0010, "Contrast/Bolus Agent", ZD),
    e(0x0018, 0xA003, "Contribution Description", X),
    e(0x0010, 0x2150, "Country of Residence", X),
    e(0x0040, 0xA307, "Current Observer (Trial)", X),
    e(0x0038, 0x0300, "Current Patient Location", X),
    repeating(0x5000, None, "Curve Data"),
    t(0x0008, 0x0025, "Curve Date", X),
    t(0x0008, 0x0035, "Curve Time", X),
    e(0x0040, 0xA07C, "Custodial Organization Sequence", X),
    e(0xFFFC, 0xFFFC, "Data Set Trailing Padding", X),
    e(0x0018, 0x937F, "Decomposition Description", X),
    e(0x0008, 0x2111, "Derivation Description", X),
    e(0x0018, 0x700A, "Detector ID", XD),
    e(0x3010, 0x001B, "Device Alternate Identifier", Z),
    e(0x0050, 0x0020, "Device Description", X),
    e(0x3010, 0x002D, "Device Label", D),
    e(0x0018, 0x1000, "Device Serial Number", XZD),
    e(0x0016, 0x004B, "Device Setting Description", X),
    e(0x0018, 0x1002, "Device UID", U),
    e(0xFFFA, 0xFFFA, "Digital Signatures Sequence", X),
    e(0x0400, 0x0100, "Digital Signature UID", U),
    e(0x0020, 0x9164, "Dimension Organization UID", U),
    e(0x0038, 0x0040, "Discharge Diagnosis Description", X),
    e(0x4008, 0x011A, "Distribution Address", X),
    e(0x4008, 0x0119, "Distribution Name", X),
    e(0x300A, 0x0016, "Dose Reference Description", X),
    e(0x300A, 0x0013, "Dose Reference UID", U),
    e(0x3010, 0x006E, "Dosimetric Objective UID", U),
    t(0x0018, 0x9517, "End Acquisition DateTime", XD),
    e(0x3010, 0x0037, "Entity Description", X),
    e(0x3010, 0x0035, "Entity Label", D),
    e(0x3010, 0x0038, "Entity Long Label", D),
    e(0x3010, 0x0036, "Entity Name", X),
    e(
        0x300A,
        0x0676,
        "Equipment Frame of Reference Description",
        X,
    ),
    e(0x0010, 0x2160, "Ethnic Group", X),
    t(0x0040, 0x4011, "Expected Completion DateTime", X),
    e(0x0008, 0x0058, "Failed SOP Instance UID List", U),
    e(0x0070, 0x031A, "Fiducial UID", U),
    e(
        0x0040,
        0x2017,
        "Filler Order Number / Imaging Service Request",
        Z,
    ),
    t(0x3008, 0x0054, "First Treatment Date", XD),
    e(0x300A, 0x0196, "Fixation Device Description", X),
    e(0x0034, 0x0002, "Flow Identifier", D),
    e(0x0034, 0x0001, "Flow Identifier Sequence", D),
    e(0x3010, 0x007F, "Fractionation Notes", Z),
    e(0x300A, 0x0072, "Fraction Group Description", X),
    e(0x0020, 0x9158, "Frame Comments", X),
    e(0x0020, 0x0052, "Frame of Reference UID", U),
    t(0x0034, 0x0007, "Frame Origin Timestamp", D),
    e(0x0018, 0x1008, "Gantry ID", X),
    e(0x0018, 0x1005, "Generator ID", X),
    e(0x0016, 0x0076, "GPS Altitude", X),
    e(0x0016, 0x0075, "GPS Altitude Ref", X),
    e(0x0016, 0x008C, "GPS Area Information", X),
    t(0x0016, 0x008D, "GPS Date Stamp", X),
    e(0x0016, 0x0088, "GPS Dest Bearing", X),
    e(0x0016, 0x0087, "GPS Dest Bearing Ref", X),
    e(0x0016, 0x008A, "GPS Dest Distance", X),
    e(0x0016, 0x0089, "GPS Dest Distance Ref", X),
    e(0x0016, 0x0084, "GPS Dest Latitude", X),
    e(0x0016, 0x0083, "GPS Dest Latitude Ref", X),
    e(0x0016, 0x0086, "GPS Dest Longitude", X),
    e(0x0016, 0x0085, "GPS Dest Longitude Ref", X),
    e(0x0016, 0x008E, "GPS Differential", X),
    e(0x0016, 0x007B, "GPS DOP", X),
    e(0x0016, 0x0081, "GPS Img Direction", X),
    e(0x0016, 0x0080, "GPS Img Direction Ref", X),
    e(0x0016, 0x0072, "GPS Latitude", X),
    e(0x0016, 0x0071, "GPS Latitude Ref", X),
    e(0x0016, 0x0074, "GPS Longitude", X),
    e(0x0016, 0x0073, "GPS Longitude Ref", X),
    e(0x0016, 0x0082, "GPS Map Datum", X),
    e(0x0016, 0x007A, "GPS Measure Mode", X),
    e(0x0016, 0x008B, "GPS Processing Method", X),
    e(0x0016, 0x0078, "GPS Satellites", X),
    e(0x0016, 0x007D, "GPS Speed", X),
    e(0x0016, 0x007C, "GPS Speed Ref", X),
    e(0x0016, 0x0079, "GPS Status", X),
    e(0x0016, 0x0077, "GPS Time Stamp", X),
    e(0x0016, 0x007F, "GPS Track", X),
    e(0x0016, 0x007E, "GPS Track Ref", X),
    e(0x0016, 0x0070, "GPS Version ID", X),
    e(0x0070, 0x0001, "Graphic Annotation Sequence", D),
    e(0x0040, 0x4037, "Human Performer's Name", X),
    e(0x0040, 0x4036, "Human Performer's Organization", X),
    e(0x0088, 0x0200, "Icon Image Sequence", X),
    e(0x0008, 0x4000, "Identifying Comments", X),
    e(0x0020, 0x4000, "Image Comments", X),
    e(0x0028, 0x4000, "Image Presentation Comments", X),
    e(0x0040, 0x2400, "Imaging Service Request Comments", X),
    t(0x003A, 0x0314, "Impedance Measurement DateTime", D),
    e(0x4008, 0x0300, "Impressions", X),
    t(0x0008, 0x0015, "Instance Coercion DateTime", X),
    e(0x0008, 0x0014, "Instance Creator UID", U),
    e(0x0400, 0x0600, "Instance Origin Status", X),
    e(0x0008, 0x0081, "Institution Address", X),
    e(0x0008, 0x1040, "Institutional Department Name", X),
    e(
        0x0008,
        0x1041,
        "Institutional Department Type Code Sequence",
        X,
    ),
    e(0x0008, 0x0082, "Institution Code Sequence", XZD),
    e(0x0008, 0x0080, "Institution Name", XZD),
    e(0x0010, 0x1050, "Insurance Plan Identification", X),
    t(0x3010, 0x004D, "Intended Phase End Date", XD),
    t(0x3010, 0x004C, "Intended Phase Start Date", XD),
    e(
        0x0040,
        0x1011,
        "Intended Recipients of Results Identification Sequence",
        X,
    ),
    t(0x300A, 0x0741, "Interlock DateTime", D),
    e(0x300A, 0x0742, "Interlock Description", D),
    e(0x300A, 0x0783, "Interlock Origin Description", D),
    e(0x4008, 0x0111, "Interpretation Approver Sequence", X),
    e(0x4008, 0x010C, "Interpretation Author", X),
    e(0x4008, 0x0115, "Interpretation Diagnosis Description", X),
    e(0x4008, 0x0202, "Interpretation ID Issuer", X),
    e(0x4008, 0x0102, "Interpretation Recorder", X),
    e(0x4008, 0x010B, "Interpretation Text", X),
    e(0x4008, 0x010A, "Interpretation Transcriber", X),
    e(0x0008, 0x3010, "Irradiation Event UID", U),
    e(0x0038, 0x0011, "Issuer of Admission ID", X),
    e(0x0038, 0x0014, "Issuer of Admission ID Sequence", X),
    e(0x0010, 0x0021, "Issuer of Patient ID", X),
    e(0x0038, 0x0061, "Issuer of Service Episode ID", X),
    e(0x0038, 0x0064, "Issuer of Service Episode ID Sequence", X),
    e(
        0x0040,
        0x0513,
        "Issuer of the Container Identifier Sequence",
        Z,
    ),
    e(
        0x0040,
        0x0562,
        "Issuer of the Specimen Identifier Sequence",
        Z,
    ),
    e(0x2200, 0x0002, "Label Text", XZ),
    e(0x0028, 0x1214, "Large Palette Color Lookup Table UID", U),
    t(0x0010, 0x21D0, "Last Menstrual Date", X),
    e(0x0016, 0x004F, "Lens Make", X),
    e(0x0016, 0x0050, "Lens Model", X),
    e(0x0016, 0x0051, "Lens Serial Number", X),
    e(0x0016, 0x004E, "Lens Specification", X),
    e(0x0050, 0x0021, "Long Device Description", X),
    e(0x0400, 0x0404, "MAC", X),
    e(0x0016, 0x002B, "Maker Note", X),
    e(0x0018, 0x100B, "Manufacturer's Device Class UID", U),
    e(0x3010, 0x0043, "Manufacturer's Device Identifier", Z),
    e(0x0002, 0x0003, "Media Storage SOP Instance UID", U),
    e(0x0010, 0x2000, "Medical Alerts", X),
    e(0x0010, 0x1090, "Medical Record Locator", X),
    e(0x0010, 0x1080, "Military Rank", X),
    e(0x0400, 0x0550, "Modified Attributes Sequence", X),
    e(0x0020, 0x3406, "Modified Image Description", X),
    e(0x0020, 0x3401, "Modifying Device ID", X),
    t(0x3008, 0x0056, "Most Recent Treatment Date", XD),
    e(0x0018, 0x937B, "Multi-energy Acquisition Description", X),
    e(0x003A, 0x0310, "Multiplex Group UID", U),
    e(0x0008, 0x1060, "Name of Physician(s) Reading Study", X),
    e(0x0040, 0x1010, "Names of Intended Recipients of Results", X),
    e(
        0x0400,
        0x0551,
        "Nonconforming Modified Attributes Sequence",
        X,
    ),
    e(0x0400, 0x0552, "Nonconforming Data Element Value", X),
    t(0x0040, 0xA192, "Observation Date (Trial)", X),
    e(0x0040, 0xA402, "Observation Subject UID (Trial)", U),
    t(0x0040, 0xA193, "Observation Time (Trial)", X),
    e(0x0040, 0xA171, "Observation UID", U),
    e(0x0010, 0x2180, "Occupation", X),
    e(0x0008, 0x1072, "Operator Identification Sequence", XD),
    e(0x0008, 0x1070, "Operators' Name", XZD),
    e(0x0040, 0x2010, "Order Callback Phone Number", X),
    e(0x0040, 0x2011, "Order Callback Telecom Information", X),
    e(0x0040, 0x2008, "Order Entered By", X),
    e(0x0040, 0x2009, "Order Enterer's Location", X),
    e(0x0400, 0x0561, "Original Attributes Sequence", X),
    e(0x0010, 0x1000, "Other Patient IDs", X),
    e(0x0010, 0x1002, "Other Patient IDs Sequence", X),
    e(0x0010, 0x1001, "Other Patient Names", X),
    repeating(0x6000, Some(0x4000), "Overlay Comments"),
    repeating(0x6000, Some(0x3000), "Overlay Data"),
    t(0x0008, 0x0024, "Overlay Date", X),
    t(0x0008, 0x0034, "Overlay Time", X),
    t(0x300A, 0x0760, "Override DateTime", D),
    e(0x0028, 0x1199, "Palette Color Lookup Table UID", U),
    e(0x0040, 0xA07A, "Participant Sequence", X),
    e(0x0010, 0x1040, "Patient's Address", X),
    e(0x0010, 0x1010, "Patient's Age", X),
    e(0x0010, 0x0030, "Patient's Birth Date", Z),
    e(0x0010, 0x1005, "Patient's Birth Name", X),
    e(0x0010, 0x0032, "Patient's Birth Time", X),
    e(0x0038, 0x0400, "Patient's Institution Residence", X),
    e(0x0010, 0x0050, "Patient's Insurance Plan Code Sequence", X),
    e(0x0010, 0x1060, "Patient's Mother's Birth Name", X),
    e(0x0010, 0x0010, "Patient's Name", Z),
    e(
        0x0010,
        0x0101,
        "Patient's Primary Language Code Sequence",
        X,
    ),
    e(
        0x0010,
        0x0102,
        "Patient's Primary Language Modifier Code Sequence",
        X,
    ),
    e(0x0010, 0x21F0, "Patient's Religious Preference", X),
    e(0x0010, 0x0040, "Patient's Sex", Z),
    e(0x0010, 0x2203, "Patient's Sex Neutered", XZ),
    e(0x0010, 0x1020, "Patient's Size", X),
    e(0x0010, 0x2155, "Patient's Telecom Information", X),
    e(0x0010, 0x2154, "Patient's Telephone Numbers", X),
    e(0x0010, 0x1030, "Patient's Weight", X),
    e(0x0010, 0x4000, "Patient Comments", X),
    e(0x0010, 0x0020, "Patient ID", Z),
    e(0x300A, 0x0650, "Patient Setup UID", U),
    e(0x0038, 0x0500, "Patient State", X),
    e(0x0040, 0x1004, "Patient Transport Arrangements", X),
    e(0x0040, 0x0243, "Performed Location", X),
    e(0x0040, 0x0254, "Performed Procedure Step Description", X),
    t(0x0040, 0x0250, "Performed Procedure Step End Date", X),
    t(0x0040, 0x4051, "Performed Procedure Step End DateTime", X),
    t(0x0040, 0x0251, "Performed Procedure Step End Time", X),
    e(0x0040, 0x0253, "Performed Procedure Step ID", X),
    t(0x0040, 0x0244, "Performed Procedure Step Start Date", X),
    t(0x0040, 0x4050, "Performed Procedure Step Start DateTime", X),
    t(0x0040, 0x0245, "Performed Procedure Step Start Time", X),
    e(0x0040, 0x0241, "Performed Station AE Title", X),
    e(
        0x0040,
        0x4030,
        "Performed Station Geographic Location Code Sequence",
        X,
    ),
    e(0x0040, 0x0242, "Performed Station Name", X),
    e(0x0040, 0x4028, "Performed Station Name Code Sequence", X),
    e(0x0008, 0x1050, "Performing Physician's Name", X),
    e(
        0x0008,
        0x1052,
        "Performing Physician Identification Sequence",
        X,
    ),
    e(0x0040, 0x1102, "Person's Address", X),
    e(0x0040, 0x1104, "Person's Telecom Information", X),
    e(0x0040, 0x1103, "Person's Telephone Numbers", X),
    e(0x0040, 0x1101, "Person Identification Code Sequence", D),
    e(0x0040, 0xA123, "Person Name", D),
    e(0x0008, 0x1048, "Physician(s) of Record", X),
    e(
        0x0008,
        0x1049,
        "Physician(s) of Record Identification Sequence",
        X,
    ),
    e(
        0x0008,
        0x1062,
        "Physician(s) Reading Study Identification Sequence",
        X,
    ),
    e(0x4008, 0x0114, "Physician Approving Interpretation", X),
    e(
        0x0040,
        0x2016,
        "Placer Order Number / Imaging Service Request",
        Z,
    ),
    e(0x0018, 0x1004, "Plate ID", X),
    e(0x0010, 0x21C0, "Pregnancy Status", X),
    e(0x0040, 0x0012, "Pre-Medication", X),
    e(0x300A, 0x000E, "Prescription Description", X),
    e(0x3010, 0x007B, "Prescription Notes", Z),
    e(0x3010, 0x0081, "Prescription Notes Sequence", Z),
    e(0x0070, 0x1101, "Presentation Display Collection UID", U),
    e(0x0070, 0x1102, "Presentation Sequence Collection UID", U),
    e(0x3010, 0x0061, "Prior Treatment Dose Description", X),
    t(0x0040, 0x4052, "Procedure Step Cancellation DateTime", X),
    e(0x0018, 0x1030, "Protocol Name", XD),
    e(0x300A, 0x0619, "Radiation Dose Identification Label", D),
    e(
        0x300A,
        0x0623,
        "Radiation Dose In-Vivo Measurement Label",
        D,
    ),
    e(0x300A, 0x067D, "Radiation Generation Mode Description", Z),
    e(0x300A, 0x067C, "Radiation Generation Mode Label", D),
    e(0x300C, 0x0113, "Reason for Omission Description", X),
    e(
        0x0040,
        0x100A,
        "Reason for Requested Procedure Code Sequence",
        X,
    ),
    e(0x0032, 0x1030, "Reason for Study", X),
    e(0x3010, 0x005C, "Reason for Superseding", Z),
    e(0x0040, 0x2001, "Reason for the Imaging Service Request", X),
    e(0x0040, 0x1002, "Reason for the Requested Procedure", X),
    e(0x0032, 0x1066, "Reason for Visit", X),
    e(0x0032, 0x1067, "Reason for Visit Code Sequence", X),
    t(0x300A, 0x073A, "Recorded RT Control Point DateTime", D),
    e(0x3010, 0x000B, "Referenced Conceptual Volume UID", U),
    e(0x0400, 0x0402, "Referenced Digital Signature Sequence", X),
    e(0x300A, 0x0083, "Referenced Dose Reference UID", U),
    e(0x3010, 0x006F, "Referenced Dosimetric Objective UID", U),
    e(0x3010, 0x0031, "Referenced Fiducials UID", U),
    e(0x3006, 0x0024, "Referenced Frame of Reference UID", U),
    e(
        0x0040,
        0x4023,
        "Referenced General Purpose Scheduled Procedure Step Transaction UID",
        U,
    ),
    e(0x0008, 0x1140, "Referenced Image Sequence", XZUStar),
    e(0x0040, 0xA172, "Referenced Observation UID (Trial)", U),
    e(0x0038, 0x0004, "Referenced Patient Alias Sequence", X),
    e(0x0010, 0x1100, "Referenced Patient Photo Sequence", X),
    e(0x0008, 0x1120, "Referenced Patient Sequence", X),
    e(
        0x0008,
        0x1111,
        "Referenced Performed Procedure Step Sequence",
        XZD,
    ),
    e(0x0400, 0x0403, "Referenced SOP Instance MAC Sequence", X),
    e(0x0008, 0x1155, "Referenced SOP Instance UID", U),
    e(0x0004, 0x1511, "Referenced SOP Instance UID in File", U),
    e(0x0008, 0x1110, "Referenced Study Sequence", XZ),
    e(0x0008, 0x0092, "Referring Physician's Address", X),
    e(0x0008, 0x0090, "Referring Physician's Name", Z),
    e(0x0008, 0x0094, "Referring Physician's Telephone Numbers", X),
    e(
        0x0008,
        0x0096,
        "Referring Physician Identification Sequence",
        X,
    ),
    e(0x0010, 0x2152, "Region of Residence", X),
    e(0x3006, 0x00C2, "Related Frame of Reference UID", U),
    e(0x0040, 0x0275, "Request Attributes Sequence", X),
    e(0x0032, 0x1070, "Requested Contrast Agent", X),
    e(0x0040, 0x1400, "Requested Procedure Comments", X),
    e(0x0032, 0x1060, "Requested Procedure Description", XZ),
    e(0x0040, 0x1001, "Requested Procedure ID", X),
    e(0x0040, 0x1005, "Requested Procedure Location", X),
    e(0x0018, 0x9937, "Requested Series Description", X),
    e(0x0000, 0x1001, "Requested SOP Instance UID", U),
    e(0x0032, 0x1032, "Requesting Physician", X),
    e(0x0032, 0x1033, "Requesting Service", X),
    e(
        0x0018,
        0x9185,
        "Respiratory Motion Compensation Technique Description",
        X,
    ),
    e(0x0010, 0x2299, "Responsible Organization", X),
    e(0x0010, 0x2297, "Responsible Person", X),
    e(0x4008, 0x4000, "Results Comments", X),
    e(0x4008, 0x0118, "Results Distribution List Sequence", X),
    e(0x4008, 0x0042, "Results ID Issuer", X),
    e(0x300E, 0x0008, "Reviewer Name", XZ),
    e(0x3006, 0x0028, "ROI Description", X),
    e(0x3006, 0x0038, "ROI Generation Description", X),
    e(0x3006, 0x00A6, "ROI Interpreter", Z),
    e(0x3006, 0x0026, "ROI Name", Z),
    e(0x3006, 0x0088, "ROI Observation Description", X),
    e(0x3006, 0x0085, "ROI Observation Label", X),
    e(0x300A, 0x0615, "RT Accessory Device Slot ID", Z),
    e(0x300A, 0x0611, "RT Accessory Holder Slot ID", Z),
    e(0x3010, 0x005A, "RT Physician Intent Narrative", Z),
    t(0x300A, 0x0006, "RT Plan Date", XD),
    e(0x300A, 0x0004, "RT Plan Description", X),
    e(0x300A, 0x0002, "RT Plan Label", D),
    e(0x300A, 0x0003, "RT Plan Name", X),
    t(0x300A, 0x0007, "RT Plan Time", XD),
    e(0x3010, 0x0054, "RT Prescription Label", D),
    e(0x300A, 0x062A, "RT Tolerance Set Label", D),
    e(0x3010, 0x0056, "RT Treatment Approach Label", XD),
    e(0x3010, 0x003B, "RT Treatment Phase UID", U),
    e(0x0040, 0x4034, "Scheduled Human Performers Sequence", X),
    e(0x0038, 0x001E, "Scheduled Patient Institution Residence", X),
    e(0x0040, 0x0006, "Scheduled Performing Physician's Name", X),
    e(
        0x0040,
        0x000B,
        "Scheduled Performing Physician Identification Sequence",
        X,
    ),
    e(0x0040, 0x0007, "Scheduled Procedure Step Description", X),
    t(0x0040, 0x0004, "Scheduled Procedure Step End Date", X),
    t(0x0040, 0x0005, "Scheduled Procedure Step End Time", X),
    t(
        0x0040,
        0x4008,
        "Scheduled Procedure Step Expiration DateTime",
        X,
    ),
    e(0x0040, 0x0009, "Scheduled Procedure Step ID", X),
    e(0x0040, 0x0011, "Scheduled Procedure Step Location", X),
    t(
        0x0040,
        0x4010,
        "Scheduled Procedure Step Modification DateTime",
        X,
    ),
    t(0x0040, 0x0002, "Scheduled Procedure Step Start Date", X),
    t(0x0040, 0x4005, "Scheduled Procedure Step Start DateTime", X),
    t(0x0040, 0x0003, "Scheduled Procedure Step Start Time", X),
    e(0x0040, 0x0001, "Scheduled Station AE Title", X),
    e(
        0x0040,
        0x4027,
        "Scheduled Station Geographic Location Code Sequence",
        X,
    ),
    e(0x0040, 0x0010, "Scheduled Station Name", X),
    e(0x0040, 0x4025, "Scheduled Station Name Code Sequence", X),
    e(0x0032, 0x1020, "Scheduled Study Location", X),
    e(0x0032, 0x1021, "Scheduled Study Location AE Title", X),
    t(0x0008, 0x0021, "Series Date", XD),
    e(0x0008, 0x103E, "Series Description", X),
    e(0x0020, 0x000E, "Series Instance UID", U),
    t(0x0008, 0x0031, "Series Time", XD),
    e(0x0038, 0x0062, "Service Episode Description", X),
    e(0x0038, 0x0060, "Service Episode ID", X),
    e(0x300A, 0x01B2, "Setup Technique Description", X),
    e(0x300A, 0x01A6, "Shielding Device Description", X),
    e(0x0040, 0x06FA, "Slide Identifier", X),
    e(0x0010, 0x21A0, "Smoking Status", X),
    e(0x0008, 0x0018, "SOP Instance UID", U),
    e(0x3010, 0x0015, "Source Conceptual Volume UID", U),
    t(0x0018, 0x936A, "Source End DateTime", D),
    e(0x0034, 0x0005, "Source Identifier", D),
    e(0x0008, 0x2112, "Source Image Sequence", XZUStar),
    e(0x300A, 0x0216, "Source Manufacturer", X),
    e(0x3008, 0x0105, "Source Serial Number", XZ),
    t(0x0018, 0x9369, "Source Start DateTime", D),
    e(0x0038, 0x0050, "Special Needs", X),
    e(0x0040, 0x050A, "Specimen Accession Number", X),
    e(0x0040, 0x0602, "Specimen Detailed Description", X),
    e(0x0040, 0x0551, "Specimen Identifier", D),
    e(0x0040, 0x0610, "Specimen Preparation Sequence", Z),
    e(0x0040, 0x0600, "Specimen Short Description", X),
    e(0x0040, 0x0554, "Specimen UID", U),
    t(0x0018, 0x9516, "Start Acquisition DateTime", XD),
    e(0x0008, 0x1010, "Station Name", XZD),
    e(0x0088, 0x0140, "Storage Media File-set UID", U),
    t(0x3006, 0x0008, "Structure Set Date", Z),
    e(0x3006, 0x0006, "Structure Set Description", X),
    e(0x3006, 0x0002, "Structure Set Label", D),
    e(0x3006, 0x0004, "Structure Set Name", X),
    t(0x3006, 0x0009, "Structure Set Time", XD),
    e(0x0032, 0x4000, "Study Comments", X),
    t(0x0008, 0x0020, "Study Date", Z),
    e(0x0008, 0x1030, "Study Description", X),
    e(0x0020, 0x0010, "Study ID", Z),
    e(0x0032, 0x0012, "Study ID Issuer", X),
    e(0x0020, 0x000D, "Study Instance UID", U),
    t(0x0008, 0x0030, "Study Time", Z),
    e(0x0020, 0x0200, "Synchronization Frame of Reference UID", U),
    e(0x0018, 0x2042, "Target UID", U),
    e(0x0040, 0xA354, "Telephone Number (Trial)", X),
    e(0x0040, 0xDB0D, "Template Extension Creator UID", U),
    e(0x0040, 0xDB0C, "Template Extension Organization UID", U),
    e(0x4000, 0x4000, "Text Comments", X),
    e(0x2030, 0x0020, "Text String", X),
    t(0x0008, 0x0201, "Timezone Offset From UTC", X),
    e(0x0088, 0x0910, "Topic Author", X),
    e(0x0088, 0x0912, "Topic Keywords", X),
    e(0x0088, 0x0906, "Topic Subject", X),
    e(0x0088, 0x0904, "Topic Title", X),
    e(0x0062, 0x0021, "Tracking UID", U),
    e(0x0008, 0x1195, "Transaction UID", U),
    e(0x0018, 0x5011, "Transducer Identification Sequence", X),
    t(0x3008, 0x0250, "Treatment Date", XD),
    e(0x300A, 0x00B2, "Treatment Machine Name", X),
    e(0x300A, 0x0608, "Treatment Position Group Label", D),
    e(0x300A, 0x0609, "Treatment Position Group UID", U),
    e(0x300A, 0x0700, "Treatment Session UID", U),
    e(0x3010, 0x0077, "Treatment Site", D),
    e(0x3010, 0x007A, "Treatment Technique Notes", Z),
    t(0x3008, 0x0251, "Treatment Time", XD),
    t(0x300A, 0x0736, "Treatment Tolerance Violation DateTime", D),
    e(
        0x300A,
        0x0734,
        "Treatment Tolerance Violation Description",
        D,
    ),
    e(0x0018, 0x100A, "UDI Sequence", X),
    e(0x0040, 0xA124, "UID", U),
    e(0x0018, 0x1009, "Unique Device Identifier", X),
    e(0x3010, 0x0033, "User Content Label", D),
    e(0x3010, 0x0034, "User Content Long Label", D),
    e(0x0040, 0xA352, "Verbal Source (Trial)", X),
    e(
        0x0040,
        0xA358,
        "Verbal Source Identifier Code Sequence (Trial)",
        X,
    ),
    e(
        0x0040,
        0xA088,
        "Verifying Observer Identification Code Sequence",
        Z,
    ),
    e(0x0040, 0xA075, "Verifying Observer Name", D),
    e(0x0040, 0xA073, "Verifying Observer Sequence", D),
    e(0x0040, 0xA027, "Verifying Organization", D),
    e(0x0038, 0x4000, "Visit Comments", X),
    e(0x0018, 0x9371, "X-Ray Detector ID", D),
    e(0x0018, 0x9373, "X-Ray Detector Label", X),
    e(0x0018, 0x9367, "X-Ray Source ID", D),
];

/// The table row for `tag`, if the basic profile lists it (private tags are not listed).
///
/// ```
/// use dicom_core::Tag;
/// use medvol_io::dicom::deid_profile::{lookup, Action};
/// let row = lookup(Tag(0x0010, 0x0010)).unwrap();
/// assert_eq!((row.name, row.action), ("Patient's Name", Action::Z));
/// assert_eq!(lookup(Tag(0x6002, 0x3000)).unwrap().name, "Overlay Data");
/// assert!(lookup(Tag(0x0028, 0x0010)).is_none()); // Rows: kept
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
                    unknown.push(row.name);
                }
            }
        }
        assert!(seen.len() > 330, "{} rows", seen.len());
        assert!(unknown.is_empty(), "not in the dictionary: {unknown:?}");
    }

    #[test]
    fn repeating_groups_match_even_groups_only() {
        assert_eq!(lookup(Tag(0x5010, 0x3000)).unwrap().name, "Curve Data");
        assert_eq!(
            lookup(Tag(0x601E, 0x4000)).unwrap().name,
            "Overlay Comments"
        );
        assert!(lookup(Tag(0x6001, 0x3000)).is_none());
        assert!(lookup(Tag(0x6000, 0x0010)).is_none()); // Overlay Rows: kept
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
    fn temporal_rows_are_dates_and_times() {
        for row in BASIC_PROFILE.iter().filter(|r| r.temporal) {
            let n = row.name;
            assert!(
                n.contains("Date") || n.contains("Time") || n.contains("Timestamp"),
                "{n}"
            );
        }
        assert!(!lookup(Tag(0x0010, 0x0030)).unwrap().temporal); // birth date stays Z
    }
}
