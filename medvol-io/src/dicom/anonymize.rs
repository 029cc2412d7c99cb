//! De-identification of DICOM files and folders following the Basic Application Level
//! Confidentiality Profile of DICOM PS3.15 Annex E.
//!
//! The actions come from the table in [`deid_profile`](super::deid_profile), applied element by
//! element, inside sequences too. What medvol does beyond the table:
//! - private attributes (odd groups) are removed; with the *Retain Safe Private* option
//!   ([`Anonymizer::with_keep_private`]) those on a safe list are kept, with their private
//!   creators: by default [`SAFE_PRIVATE`](super::deid_profile::SAFE_PRIVATE), extended with
//!   [`Anonymizer::with_safe_private`];
//! - every UID that is not a DICOM well-known UID (root `1.2.840.10008.`) or a class UID is
//!   replaced, not only those the table lists, by `2.25.<decimal>` derived from a keyed
//!   SHA-256 (HMAC) of the original: the same input UID gives the same output UID for one
//!   [`Anonymizer`], and across runs given the same secret, so series, studies and frames of
//!   reference stay grouped and references between instances stay valid;
//! - with a date shift (the *Retain Longitudinal Temporal Information with Modified Dates*
//!   option), dates of the attributes that option cleans are moved by a whole number of days
//!   and times are kept; Patient's Birth Date stays emptied as the basic profile says;
//! - Patient Identity Removed is set to `YES`, De-identification Method and its code sequence
//!   (DCM 113100, 113107 with a date shift, 113111 with safe private attributes kept) say
//!   what was done.
//!
//! Siemens mosaics are split into slices by the private Number of Images in Mosaic
//! (0019,xx0A): de-identify them with [`Anonymizer::with_keep_private`] (it is on the safe
//! list) if the copy is to be read as slices; the CSA header with the slice normal is removed
//! either way, so the copy's slices are taken to ascend along row × column.
//!
//! **Pixel data are not touched**: text burned into the pixels (common in ultrasound,
//! secondary captures and screenshots) is *not* removed; the Clean Pixel Data option is out of
//! scope. Structured report content (Content Sequence) is emptied, not cleaned. File and
//! folder names are copied as they are by [`Anonymizer::folder`]: rename them if they carry
//! identifiers (some scanners put the SOP Instance UID or the patient's name in them).

use super::deid_profile::{self, Behaviour, SafePrivate};
use crate::{Error, Result};
use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The implementation class UID medvol writes in the file meta information.
pub(crate) const IMPLEMENTATION_CLASS_UID: &str = "2.25.62425716437446100694588737883683989757";
/// The implementation version name medvol writes in the file meta information.
pub(crate) const IMPLEMENTATION_VERSION_NAME: &str = "MEDVOL_0_1";

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

const PATIENT_IDENTITY_REMOVED: Tag = Tag(0x0012, 0x0062);
const DEIDENTIFICATION_METHOD: Tag = Tag(0x0012, 0x0063);
const DEIDENTIFICATION_METHOD_CODE_SEQUENCE: Tag = Tag(0x0012, 0x0064);
const LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED: Tag = Tag(0x0028, 0x0303);
const DUMMY_TEXT: &str = "ANONYMIZED";

/// De-identifies DICOM data sets, files and folders (PS3.15 Annex E basic profile).
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
    /// The private attributes kept (the Retain Safe Private option), if any.
    safe_private: Option<Vec<SafePrivate>>,
    date_shift_days: Option<i32>,
    uid_key: [u8; 32],
}

impl std::fmt::Debug for Anonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anonymizer")
            .field("safe_private", &self.safe_private)
            .field("date_shift_days", &self.date_shift_days)
            .finish_non_exhaustive()
    }
}

impl Default for Anonymizer {
    fn default() -> Self {
        Self::new()
    }
}

/// One file that could not be de-identified, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The input file, relative to the input folder.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// What [`Anonymizer::folder`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnonymizeReport {
    /// The files written, relative to the output folder (the same as in the input folder).
    pub written: Vec<PathBuf>,
    /// The files skipped (not DICOM, unreadable, unwritable), with the reason.
    pub skipped: Vec<Skipped>,
}

impl Anonymizer {
    /// The basic profile: private attributes removed, dates emptied or removed, and a fresh
    /// random UID secret (UIDs are consistent within this anonymizer only).
    pub fn new() -> Self {
        Self {
            safe_private: None,
            date_shift_days: None,
            uid_key: random_key(),
        }
    }

    /// The *Retain Safe Private* option (`false` by default: every private attribute is
    /// removed). When `true`, the private attributes on the safe list
    /// ([`SAFE_PRIVATE`](super::deid_profile::SAFE_PRIVATE) plus those given to
    /// [`with_safe_private`](Self::with_safe_private)) are kept with their private creator
    /// elements; every other private attribute is still removed.
    pub fn with_keep_private(mut self, keep: bool) -> Self {
        self.safe_private = keep.then(|| {
            deid_profile::SAFE_PRIVATE
                .iter()
                .map(SafePrivate::from)
                .collect()
        });
        self
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
        if self.safe_private.is_none() {
            self = self.with_keep_private(true);
        }
        if let Some(list) = &mut self.safe_private {
            list.extend(extra);
        }
        self
    }

    /// Shifts dates by `days` (may be negative) instead of removing them, for the
    /// attributes the Retain Longitudinal Temporal Information with Modified Dates option
    /// cleans. Times of day are kept.
    pub fn with_date_shift_days(mut self, days: i32) -> Self {
        self.date_shift_days = Some(days);
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
        if uid.is_empty() || deid_profile::is_well_known_uid(uid) {
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

    /// De-identifies a data set in place: the table's actions, recursively in sequences,
    /// then the de-identification attributes.
    pub fn apply_dataset(&self, obj: &mut InMemDicomObject) {
        self.clean(obj);
        self.mark(obj);
    }

    /// De-identifies a whole file object: the data set and the file meta information
    /// (new Media Storage SOP Instance UID, no application entity titles).
    pub fn apply(&self, obj: &mut DefaultDicomObject) {
        self.apply_dataset(obj);
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
    }

    /// Reads `input`, de-identifies it and writes it atomically to `output` in the same
    /// transfer syntax (encapsulated pixel data are copied as they are).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `input` is not a DICOM file, [`Error::Io`] or [`Error::Decode`]
    /// if it cannot be read or the output cannot be written, [`Error::Invalid`] if
    /// `output` is `input`.
    ///
    /// # Examples
    ///
    /// ```
    /// use medvol_core::{Geometry, Volume};
    /// use medvol_io::dicom::{Anonymizer, SeriesOptions, read_first, write_series};
    /// let dir = tempfile::tempdir()?;
    /// let ct = Volume::<i16>::filled([8, 8, 2], 40, Geometry::default())?;
    /// let written = write_series(&ct, &dir.path().join("series"), &SeriesOptions::default())?;
    /// let out = dir.path().join("anon.dcm");
    /// Anonymizer::new().file(&written.files[0], &out)?;
    /// let before = read_first(&written.files[0])?;
    /// let after = read_first(&out)?;
    /// assert!(before.info.metadata.study_date.is_some());
    /// assert_eq!(after.info.metadata.study_date, None); // dates emptied
    /// assert_ne!(after.info.series_uid, written.series_instance_uid); // UIDs replaced
    /// assert_eq!(after.volume.statistics().mean, 40.0); // pixels untouched
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn file(&self, input: impl AsRef<Path>, output: impl AsRef<Path>) -> Result<()> {
        let (input, output) = (input.as_ref(), output.as_ref());
        if same_file(input, output) {
            return Err(Error::Invalid {
                path: output.to_path_buf(),
                format: "DICOM",
                reason: "refusing to de-identify a file in place".into(),
            });
        }
        let mut obj = open_dicom(input)?;
        self.apply(&mut obj);
        medvol_core::atomic::write_file(output, |w| obj.write_all(w).map_err(std::io::Error::other))
            .map_err(|e| Error::io(output, e))
    }

    /// De-identifies every file under `input` (recursively, in name order) into `output`,
    /// with the same relative paths. A file that fails (not DICOM, unreadable,
    /// unwritable) is listed in [`AnonymizeReport::skipped`] and the others go on. Files are
    /// processed in parallel with the `rayon` feature (in the caller's thread pool); the
    /// report is in name order either way.
    ///
    /// # Errors
    /// [`Error::NotFound`] if `input` is not a folder; [`Error::Invalid`] if `output` is
    /// `input`, or one is inside the other (never in place); [`Error::Io`] if `output` cannot
    /// be created or listing `input` fails; [`Error::LimitExceeded`] for more files than
    /// [`Limits::max_files`](crate::Limits).
    ///
    /// # Examples
    ///
    /// ```
    /// use medvol_core::{Geometry, Volume};
    /// use medvol_io::dicom::{Anonymizer, SeriesOptions, read_first, write_series};
    /// let dir = tempfile::tempdir()?;
    /// let (src, anon) = (dir.path().join("src"), dir.path().join("anon"));
    /// let ct = Volume::<i16>::from_fn([8, 8, 4], Geometry::default(), |p| p.k() as i16)?;
    /// let written = write_series(&ct, &src, &SeriesOptions::default())?;
    /// std::fs::write(src.join("notes.txt"), "not DICOM")?;
    /// let a = Anonymizer::new().with_uid_secret("project secret");
    /// let report = a.folder(&src, &anon)?;
    /// assert_eq!(report.written.len(), 4);
    /// assert_eq!(report.skipped[0].path, std::path::Path::new("notes.txt"));
    /// let v = read_first(&anon)?;
    /// // One series still (UIDs map consistently), under the keyed replacement UID.
    /// assert_eq!(v.info.series_uid, a.map_uid(&written.series_instance_uid));
    /// assert_eq!(v.volume.dims(), [8, 8, 4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn folder(
        &self,
        input: impl AsRef<Path>,
        output: impl AsRef<Path>,
    ) -> Result<AnonymizeReport> {
        let (input, output) = (input.as_ref(), output.as_ref());
        if !input.is_dir() {
            return Err(Error::NotFound {
                path: input.to_path_buf(),
                reason: "not a folder".into(),
            });
        }
        let in_abs = fs::canonicalize(input).map_err(|e| Error::io(input, e))?;
        let out_abs = absolute_lexical(output)?;
        if out_abs.starts_with(&in_abs) || in_abs.starts_with(&out_abs) {
            return Err(Error::Invalid {
                path: output.to_path_buf(),
                format: "DICOM",
                reason: format!(
                    "output folder must be outside the input folder {} (never in place)",
                    input.display()
                ),
            });
        }
        fs::create_dir_all(output).map_err(|e| Error::io(output, e))?;
        let mut files = Vec::new();
        list_files(input, &mut files)?;
        files.sort();
        crate::Limits::default().check_files(input, files.len() as u64)?;

        let one = |file: &PathBuf| {
            let rel = file.strip_prefix(input).unwrap_or(file).to_path_buf();
            let target = output.join(&rel);
            let result = match target.parent() {
                Some(parent) => fs::create_dir_all(parent).map_err(|e| Error::io(parent, e)),
                None => Ok(()),
            }
            .and_then(|()| self.file(file, &target));
            (rel, result)
        };
        #[cfg(feature = "rayon")]
        let results: Vec<_> = {
            use rayon::prelude::*;
            files.par_iter().map(one).collect()
        };
        #[cfg(not(feature = "rayon"))]
        let results: Vec<_> = files.iter().map(one).collect();
        let mut report = AnonymizeReport::default();
        for (rel, result) in results {
            match result {
                Ok(()) => report.written.push(rel),
                Err(e) => report.skipped.push(Skipped {
                    path: rel,
                    reason: e.to_string(),
                }),
            }
        }
        Ok(report)
    }

    fn clean(&self, obj: &mut InMemDicomObject) {
        let kept_private = self.kept_private(obj);
        let tags: Vec<Tag> = obj.tags().collect();
        for tag in tags {
            if deid_profile::is_private(tag) {
                if kept_private.contains(&tag) {
                    self.clean_items(obj, tag);
                } else {
                    obj.remove_element(tag);
                }
                continue;
            }
            let Some(elem) = obj.get(tag) else { continue };
            let vr = elem.vr();
            let behaviour = match deid_profile::lookup(tag) {
                Some(row) => {
                    if row.temporal
                        && let Some(days) = self.date_shift_days
                    {
                        match shift_element(elem, days) {
                            Some(shifted) => {
                                obj.put(shifted);
                                continue;
                            }
                            None if matches!(vr, VR::DA | VR::DT) => {}
                            // times of day and time zones survive a whole-day shift
                            None => continue,
                        }
                    }
                    row.action.basic_behaviour()
                }
                None if vr == VR::UI && !CLASS_UID_TAGS.contains(&tag) => Behaviour::ReplaceUid,
                None => Behaviour::Keep,
            };
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
                Behaviour::ReplaceUid => match self.map_uid_element(elem) {
                    Some(mapped) => {
                        obj.put(mapped);
                    }
                    None => {
                        obj.remove_element(tag);
                    }
                },
                Behaviour::Keep | Behaviour::CleanItems => self.clean_items(obj, tag),
            }
        }
    }

    /// De-identifies the items of `tag` if it is a sequence.
    fn clean_items(&self, obj: &mut InMemDicomObject, tag: Tag) {
        obj.update_value(tag, |value| {
            if let Some(items) = value.items_mut() {
                for item in items.iter_mut() {
                    self.clean(item);
                }
            }
        });
    }

    /// The private elements of `obj` on the safe list, with their private creators.
    fn kept_private(&self, obj: &InMemDicomObject) -> HashSet<Tag> {
        let mut kept = HashSet::new();
        let Some(safe) = &self.safe_private else {
            return kept;
        };
        for tag in obj.tags() {
            let (group, element) = (tag.group(), tag.element());
            if !deid_profile::is_private(tag) || element < 0x1000 {
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

    fn mark(&self, obj: &mut InMemDicomObject) {
        obj.put(DataElement::new(
            PATIENT_IDENTITY_REMOVED,
            VR::CS,
            PrimitiveValue::from("YES"),
        ));
        // LO: at most 64 characters; the shift itself is not written, or it could be undone
        let mut method = String::from("PS3.15 Basic Profile (medvol)");
        let mut codes = vec![("113100", "Basic Application Confidentiality Profile")];
        if self.date_shift_days.is_some() {
            method.push_str("; modified dates");
            codes.push((
                "113107",
                "Retain Longitudinal Temporal Information Modified Dates Option",
            ));
            obj.put(DataElement::new(
                LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
                VR::CS,
                PrimitiveValue::from("MODIFIED"),
            ));
        }
        if self.safe_private.is_some() {
            method.push_str("; safe private");
            codes.push(("113111", "Retain Safe Private Option"));
        }
        obj.put(DataElement::new(
            DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::from(method),
        ));
        let items: Vec<InMemDicomObject> = codes
            .into_iter()
            .map(|(value, meaning)| {
                InMemDicomObject::from_element_iter([
                    DataElement::new(Tag(0x0008, 0x0100), VR::SH, PrimitiveValue::from(value)),
                    DataElement::new(Tag(0x0008, 0x0102), VR::SH, PrimitiveValue::from("DCM")),
                    DataElement::new(Tag(0x0008, 0x0104), VR::LO, PrimitiveValue::from(meaning)),
                ])
            })
            .collect();
        obj.put(DataElement::new(
            DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(items),
        ));
    }
}

/// Opens a whole DICOM file (pixel data included); the error says why it is not DICOM.
pub(crate) fn open_dicom(path: &Path) -> Result<DefaultDicomObject> {
    // The parser allocates each element's declared length up front: refuse lying lengths first.
    super::guard::check_lengths(path)?;
    OpenFileOptions::new().open_file(path).map_err(|e| {
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            source = s.source();
        }
        Error::Invalid {
            path: path.to_path_buf(),
            format: "DICOM",
            reason,
        }
    })
}

/// De-identifies `input` into `output` with the basic profile and a fresh UID secret.
/// See [`Anonymizer::folder`].
///
/// ```
/// use medvol_core::{Geometry, Volume};
/// use medvol_io::dicom::{SeriesOptions, anonymize_folder, write_series};
/// let dir = tempfile::tempdir()?;
/// let (src, anon) = (dir.path().join("src"), dir.path().join("anon"));
/// let ct = Volume::<i16>::zeros([8, 8, 3], Geometry::default())?;
/// write_series(&ct, &src, &SeriesOptions::default())?;
/// let report = anonymize_folder(&src, &anon)?;
/// // Same relative names as the input (IM00001.dcm, ...), in name order.
/// assert_eq!(report.written.len(), 3);
/// assert_eq!(report.written[0], std::path::Path::new("IM00001.dcm"));
/// assert!(anon.join("IM00003.dcm").is_file());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`Anonymizer::folder`].
pub fn anonymize_folder(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
) -> Result<AnonymizeReport> {
    Anonymizer::new().folder(input, output)
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

/// The element with each date moved by `days`, or `None` if it is not a DA/DT element with
/// valid full dates.
fn shift_element(
    elem: &DataElement<InMemDicomObject>,
    days: i32,
) -> Option<DataElement<InMemDicomObject>> {
    let vr = elem.vr();
    if !matches!(vr, VR::DA | VR::DT) {
        return None;
    }
    let values = elem.value().to_multi_str().ok()?;
    let shifted = values
        .iter()
        .map(|v| {
            let v = v.trim();
            let date = v.get(..8)?;
            let rest = &v[8..];
            if vr == VR::DA && !rest.is_empty() {
                return None;
            }
            Some(format!("{}{rest}", shift_date(date, days)?))
        })
        .collect::<Option<Vec<String>>>()?;
    Some(DataElement::new(
        elem.tag(),
        vr,
        PrimitiveValue::Strs(shifted.into_iter().collect()),
    ))
}

/// `YYYYMMDD` moved by `days`, or `None` if it is not a valid date.
fn shift_date(date: &str, days: i32) -> Option<String> {
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = date[..4].parse().ok()?;
    let m: i64 = date[4..6].parse().ok()?;
    let d: i64 = date[6..].parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + i64::from(days));
    (0..=9999)
        .contains(&y)
        .then(|| format!("{y:04}{m:02}{d:02}"))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2.25.<decimal>` of 16 bytes marked as a version-8 (custom) UUID.
pub(crate) fn uid_from_bytes(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0F) | 0x80;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    format!("2.25.{}", u128::from_be_bytes(bytes))
}

/// 32 bytes that differ between calls and processes: SHA-256 of the time, the process id, a
/// counter and the standard library's randomly seeded hasher state.
pub(crate) fn random_key() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = Sha256::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.update(now.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    for _ in 0..2 {
        let mut s = std::collections::hash_map::RandomState::new().build_hasher();
        s.write_u128(now);
        h.update(s.finish().to_le_bytes());
    }
    h.finalize().into()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `path` made absolute through its deepest existing ancestor (which is canonicalized).
fn absolute_lexical(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = fs::canonicalize(existing) {
            let mut out = c;
            out.extend(rest.iter().rev());
            return Ok(out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return Ok(abs),
        }
    }
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let meta = fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            list_files(&path, out)?;
        } else if meta.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_shift_crosses_months_years_and_leap_days() {
        assert_eq!(shift_date("20240228", 1).unwrap(), "20240229");
        assert_eq!(shift_date("20240229", 1).unwrap(), "20240301");
        assert_eq!(shift_date("20230101", -1).unwrap(), "20221231");
        assert_eq!(shift_date("19700101", 0).unwrap(), "19700101");
        assert_eq!(shift_date("20000301", -366).unwrap(), "19990301");
        assert!(shift_date("20230230", 1).is_none());
        assert!(shift_date("2023", 1).is_none());
        for z in [-800_000, -1, 0, 1, 19_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn uid_is_a_valid_2_25_uid() {
        let u = uid_from_bytes([0xFF; 16]);
        assert!(u.len() <= 64, "{u}");
        assert!(u[5..].bytes().all(|b| b.is_ascii_digit()));
        assert!(!u[5..].starts_with('0'));
        assert_ne!(random_key(), random_key());
    }

    #[test]
    fn dataset_actions_follow_the_table() {
        let mut obj = InMemDicomObject::from_element_iter([
            DataElement::new(
                Tag(0x0010, 0x0010),
                VR::PN,
                PrimitiveValue::from("Doe^John"),
            ),
            DataElement::new(
                Tag(0x0008, 0x0080),
                VR::LO,
                PrimitiveValue::from("Hospital"),
            ),
            DataElement::new(Tag(0x0008, 0x1050), VR::PN, PrimitiveValue::from("Dr^X")),
            DataElement::new(
                Tag(0x0008, 0x0021),
                VR::DA,
                PrimitiveValue::from("20200115"),
            ),
            DataElement::new(
                Tag(0x0010, 0x0030),
                VR::DA,
                PrimitiveValue::from("19600101"),
            ),
            DataElement::new(
                Tag(0x0008, 0x0016),
                VR::UI,
                PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.2"),
            ),
            DataElement::new(Tag(0x0020, 0x000E), VR::UI, PrimitiveValue::from("1.2.3.4")),
            DataElement::new(Tag(0x0009, 0x0010), VR::LO, PrimitiveValue::from("GEMS")),
            DataElement::new(Tag(0x0028, 0x0010), VR::US, PrimitiveValue::from(2u16)),
        ]);
        let anon = Anonymizer::new().with_date_shift_days(10);
        anon.apply_dataset(&mut obj);
        let s = |t| obj.get(t).map(|e| e.to_str().unwrap().to_string());
        assert_eq!(s(Tag(0x0010, 0x0010)).as_deref(), Some("")); // Z
        assert_eq!(s(Tag(0x0008, 0x0080)).as_deref(), Some(DUMMY_TEXT)); // X/Z/D
        assert!(obj.get(Tag(0x0008, 0x1050)).is_none()); // X
        assert_eq!(s(Tag(0x0008, 0x0021)).as_deref(), Some("20200125")); // shifted
        assert_eq!(s(Tag(0x0010, 0x0030)).as_deref(), Some("")); // birth date: Z anyway
        assert_eq!(
            s(Tag(0x0008, 0x0016)).as_deref(),
            Some("1.2.840.10008.5.1.4.1.1.2")
        );
        assert_eq!(s(Tag(0x0020, 0x000E)), Some(anon.map_uid("1.2.3.4")));
        assert!(obj.get(Tag(0x0009, 0x0010)).is_none()); // private
        assert_eq!(s(Tag(0x0028, 0x0010)).as_deref(), Some("2"));
        assert_eq!(s(PATIENT_IDENTITY_REMOVED).as_deref(), Some("YES"));
        assert_eq!(
            s(LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
            Some("MODIFIED")
        );
    }
}
