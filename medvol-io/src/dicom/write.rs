//! Writing volumes as DICOM series (one file per slice) and replacing the pixels of a file.
//!
//! Files are Explicit VR Little Endian with 16-bit pixels. Integer volumes whose values fit
//! `u16` or `i16` are stored as they are (slope 1, intercept 0), and so are float volumes
//! holding only such integers; other float volumes are stored as `i16` with RescaleSlope
//! and RescaleIntercept chosen from the value range, so a value reads back within half a
//! rescale step (the slope). Every output goes through [`medvol_core::atomic::write_file`].

use super::attr::dates::civil_from_days;
use super::file::open_to_edit;
use super::file::uid::{IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, new_uid};
use crate::{Error, Result};
use dicom_core::value::{C, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use medvol_core::{DynVolume, Ijk, Volume, Voxel};
use std::path::{Path, PathBuf};

const EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1";
const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
const MR_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4";
const SECONDARY_CAPTURE_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.7";
/// Stored values of rescaled float volumes span `-RESCALED_HALF_RANGE..=RESCALED_HALF_RANGE`
/// (inside `i16`, with room for the rounding of the decimal slope and intercept).
const RESCALED_HALF_RANGE: f64 = 32_000.0;

/// Patient, study and frame-of-reference attributes copied from a template data set, so that
/// a derived series joins the original study in the same patient coordinate system.
const TEMPLATE_TAGS: &[Tag] = &[
    Tag(0x0008, 0x0005), // Specific Character Set
    Tag(0x0008, 0x0020), // Study Date
    Tag(0x0008, 0x0030), // Study Time
    Tag(0x0008, 0x0050), // Accession Number
    Tag(0x0008, 0x0090), // Referring Physician's Name
    Tag(0x0008, 0x1030), // Study Description
    Tag(0x0010, 0x0010), // Patient's Name
    Tag(0x0010, 0x0020), // Patient ID
    Tag(0x0010, 0x0021), // Issuer of Patient ID
    Tag(0x0010, 0x0030), // Patient's Birth Date
    Tag(0x0010, 0x0040), // Patient's Sex
    Tag(0x0010, 0x1010), // Patient's Age
    Tag(0x0010, 0x1020), // Patient's Size
    Tag(0x0010, 0x1030), // Patient's Weight
    Tag(0x0012, 0x0062), // Patient Identity Removed
    Tag(0x0012, 0x0063), // De-identification Method
    Tag(0x0018, 0x5100), // Patient Position
    Tag(0x0020, 0x000D), // Study Instance UID
    Tag(0x0020, 0x0010), // Study ID
    Tag(0x0020, 0x0052), // Frame of Reference UID
    Tag(0x0020, 0x1040), // Position Reference Indicator
];

/// The storage class of a written series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Modality {
    /// CT Image Storage, modality `CT` (values are usually Hounsfield units).
    Ct,
    /// MR Image Storage, modality `MR`.
    Mr,
    /// Secondary Capture Image Storage, modality `OT`: when the modality is unknown.
    SecondaryCapture,
}

impl Modality {
    fn sop_class_uid(self) -> &'static str {
        match self {
            Modality::Ct => CT_IMAGE_STORAGE,
            Modality::Mr => MR_IMAGE_STORAGE,
            Modality::SecondaryCapture => SECONDARY_CAPTURE_IMAGE_STORAGE,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Modality::Ct => "CT",
            Modality::Mr => "MR",
            Modality::SecondaryCapture => "OT",
        }
    }
}

/// How [`write_series`] names and describes the series.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SeriesOptions {
    /// The storage class; `None` takes CT or MR from the template's Modality, else
    /// Secondary Capture.
    pub modality: Option<Modality>,
    /// Series Description (default `"medvol"`).
    pub series_description: String,
    /// Series Number (default 1000).
    pub series_number: i32,
    /// A data set whose patient and study attributes, and Frame of Reference UID, the series
    /// takes (see [`SeriesOptions::with_template`]); `None` starts a new study.
    pub template: Option<InMemDicomObject>,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        Self {
            modality: None,
            series_description: "medvol".into(),
            series_number: 1000,
            template: None,
        }
    }
}

impl SeriesOptions {
    /// The modality asked for, else the template's (CT, MR), else secondary capture.
    fn modality(&self) -> Modality {
        self.modality.unwrap_or_else(|| {
            match self
                .template
                .as_ref()
                .and_then(|t| t.get(Tag(0x0008, 0x0060)))
                .and_then(|e| e.to_str().ok())
                .as_deref()
                .map(str::trim)
            {
                Some("CT") => Modality::Ct,
                Some("MR") => Modality::Mr,
                _ => Modality::SecondaryCapture,
            }
        })
    }

    /// The same options with another storage class.
    pub fn with_modality(mut self, modality: Modality) -> Self {
        self.modality = Some(modality);
        self
    }
    /// The same options with another Series Description (its first 64 characters are
    /// written: the attribute is a LO).
    pub fn with_series_description(mut self, description: impl Into<String>) -> Self {
        self.series_description = description.into();
        self
    }
    /// The same options with another Series Number.
    pub fn with_series_number(mut self, number: i32) -> Self {
        self.series_number = number;
        self
    }
    /// Copies the patient and study attributes (Patient's Name, Patient ID, Study Instance
    /// UID, Study Date, Accession Number, ...) and the Frame of Reference UID of `template`
    /// into every slice, so the series joins the template's study. Use a file of the series
    /// the volume was derived from: its frame of reference is the volume's.
    pub fn with_template(mut self, template: InMemDicomObject) -> Self {
        self.template = Some(template);
        self
    }
}

/// What [`write_series`] wrote.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WrittenSeries {
    /// The files, one per slice in k order.
    pub files: Vec<PathBuf>,
    /// The new Series Instance UID.
    pub series_instance_uid: String,
    /// The Study Instance UID (the template's, or a new one).
    pub study_instance_uid: String,
    /// Rescale Slope written (1 when values are stored as they are).
    pub rescale_slope: f64,
    /// Rescale Intercept written (0 when values are stored as they are).
    pub rescale_intercept: f64,
}

/// 16-bit stored values and the rescale that maps them back to the volume's values.
struct Encoded {
    signed: bool,
    slope: String,
    intercept: String,
    slope_value: f64,
    intercept_value: f64,
    /// Stored values as 16-bit words (two's complement when `signed`).
    words: Vec<u16>,
    /// The value range, in output (rescaled) units.
    range: (f64, f64),
}

/// Chooses the stored type and rescale for `data` and encodes it.
fn encode<T: Voxel>(data: &[T], path: &Path) -> Result<Encoded> {
    let unsupported = |what: String| Error::Unsupported {
        path: path.to_path_buf(),
        what,
    };
    let (mut min, mut max, mut integral) = (f64::INFINITY, f64::NEG_INFINITY, true);
    for v in data {
        let v = v.to_f64();
        if !v.is_finite() {
            return Err(unsupported(format!(
                "{} volume with a non-finite value ({v}): DICOM integer pixels cannot hold it",
                T::KIND.name()
            )));
        }
        min = min.min(v);
        max = max.max(v);
        integral &= v.fract() == 0.0;
    }
    if data.is_empty() {
        return Err(Error::Invalid {
            path: path.to_path_buf(),
            format: "DICOM",
            reason: "empty volume".into(),
        });
    }
    let fits_u16 = min >= 0.0 && max <= f64::from(u16::MAX);
    let fits_i16 = min >= f64::from(i16::MIN) && max <= f64::from(i16::MAX);
    if integral && (fits_u16 || fits_i16) {
        let signed = !fits_u16;
        let words = data
            .iter()
            .map(|v| {
                let v = v.to_f64();
                if signed { v as i16 as u16 } else { v as u16 }
            })
            .collect();
        return Ok(Encoded {
            signed,
            slope: "1".into(),
            intercept: "0".into(),
            slope_value: 1.0,
            intercept_value: 0.0,
            words,
            range: (min, max),
        });
    }
    if !T::KIND.is_float() {
        return Err(unsupported(format!(
            "{} values {min}..{max} do not fit 16 bits; cast the volume to f32 to store it \
             rescaled (with a loss of precision)",
            T::KIND.name()
        )));
    }
    let wanted_slope = if max > min {
        (max - min) / (2.0 * RESCALED_HALF_RANGE)
    } else {
        1.0
    };
    let slope = decimal_string(wanted_slope);
    let intercept = decimal_string(if max > min { 0.5 * (min + max) } else { min });
    let slope_value: f64 = slope.parse().expect("decimal_string parses");
    let intercept_value: f64 = intercept.parse().expect("decimal_string parses");
    let words = data
        .iter()
        .map(|v| {
            let s = ((v.to_f64() - intercept_value) / slope_value).round();
            s.clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16 as u16
        })
        .collect();
    Ok(Encoded {
        signed: true,
        slope,
        intercept,
        slope_value,
        intercept_value,
        words,
        range: (min, max),
    })
}

/// The decimal string (DS, at most 16 characters) closest to `x`.
fn decimal_string(x: f64) -> String {
    let shortest = format!("{x}");
    if shortest.len() <= 16 {
        return shortest;
    }
    let fixed = (0..=15usize)
        .rev()
        .map(|p| format!("{x:.p$}"))
        .find(|s| s.len() <= 16);
    let sci = (0..=15usize)
        .rev()
        .map(|p| format!("{x:.p$e}"))
        .find(|s| s.len() <= 16);
    let err = |s: &String| (s.parse::<f64>().unwrap_or(f64::INFINITY) - x).abs();
    match (fixed, sci) {
        (Some(f), Some(s)) => {
            if err(&f) <= err(&s) {
                f
            } else {
                s
            }
        }
        (Some(f), None) => f,
        (None, Some(s)) => s,
        (None, None) => unreachable!("one-digit scientific notation always fits"),
    }
}

fn ds(tag: Tag, values: &[f64]) -> DataElement<InMemDicomObject> {
    DataElement::new(
        tag,
        VR::DS,
        PrimitiveValue::Strs(values.iter().map(|&v| decimal_string(v)).collect()),
    )
}

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn us(tag: Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

/// Puts the pixel description and data of `enc` (`rows` x `columns`, any number of frames).
fn put_pixels(obj: &mut InMemDicomObject, enc: &Encoded, words: Vec<u16>) {
    obj.put(us(Tag(0x0028, 0x0100), 16)); // Bits Allocated
    obj.put(us(Tag(0x0028, 0x0101), 16)); // Bits Stored
    obj.put(us(Tag(0x0028, 0x0102), 15)); // High Bit
    obj.put(us(Tag(0x0028, 0x0103), u16::from(enc.signed))); // Pixel Representation
    obj.put(text(Tag(0x0028, 0x1052), VR::DS, &enc.intercept));
    obj.put(text(Tag(0x0028, 0x1053), VR::DS, &enc.slope));
    obj.put(DataElement::new(
        Tag(0x7FE0, 0x0010),
        VR::OW,
        PrimitiveValue::U16(C::from_vec(words)),
    ));
}

fn write_object(
    obj: InMemDicomObject,
    sop_class: &str,
    sop_instance: &str,
    path: &Path,
) -> Result<()> {
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(EXPLICIT_VR_LITTLE_ENDIAN)
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME)
        .build()
        .map_err(|e| Error::Decode {
            path: path.to_path_buf(),
            context: "building the file meta information".into(),
            source: Box::new(e),
        })?;
    let file = obj.with_exact_meta(meta);
    medvol_core::atomic::write_file(path, |w| file.write_all(w).map_err(std::io::Error::other))
        .map_err(|e| Error::io(path, e))
}

/// Today's date and time as DICOM DA and TM (UTC).
fn now_da_tm() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, s) = ((secs / 86_400) as i64, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    (
        format!("{y:04}{m:02}{d:02}"),
        format!("{:02}{:02}{:02}", s / 3600, (s / 60) % 60, s % 60),
    )
}

/// The attributes every file of a new series shares, before its geometry and pixels:
/// empty type 2 attributes, the template's patient and study, `uids` (study, frame of
/// reference, series), dates and times, description and number, and what `modality` needs.
fn series_attributes(
    options: &SeriesOptions,
    modality: Modality,
    [study_uid, frame_uid, series_uid]: [&str; 3],
    (date, time): (&str, &str),
) -> InMemDicomObject {
    let mut common = InMemDicomObject::new_empty();
    let template = options.template.as_ref();
    for (tag, vr) in [
        (Tag(0x0010, 0x0010), VR::PN),
        (Tag(0x0010, 0x0020), VR::LO),
        (Tag(0x0010, 0x0030), VR::DA),
        (Tag(0x0010, 0x0040), VR::CS),
        (Tag(0x0008, 0x0050), VR::SH),
        (Tag(0x0008, 0x0090), VR::PN),
        (Tag(0x0020, 0x0010), VR::SH),
        (Tag(0x0020, 0x1040), VR::LO),
        (Tag(0x0008, 0x0070), VR::LO),
    ] {
        common.put(DataElement::empty(tag, vr));
    }
    common.put(text(Tag(0x0008, 0x0020), VR::DA, date));
    common.put(text(Tag(0x0008, 0x0030), VR::TM, time));
    if let Some(t) = template {
        for &tag in TEMPLATE_TAGS {
            if let Some(e) = t.get(tag) {
                common.put(e.clone());
            }
        }
    }
    common.put(text(Tag(0x0020, 0x000D), VR::UI, study_uid));
    common.put(text(Tag(0x0020, 0x0052), VR::UI, frame_uid));
    common.put(text(Tag(0x0020, 0x000E), VR::UI, series_uid));
    common.put(text(Tag(0x0008, 0x0016), VR::UI, modality.sop_class_uid()));
    common.put(text(Tag(0x0008, 0x0060), VR::CS, modality.code()));
    common.put(text(Tag(0x0008, 0x0021), VR::DA, date));
    common.put(text(Tag(0x0008, 0x0031), VR::TM, time));
    common.put(text(Tag(0x0008, 0x0023), VR::DA, date));
    common.put(text(Tag(0x0008, 0x0033), VR::TM, time));
    // LO holds 64 characters at most
    let description: String = options.series_description.chars().take(64).collect();
    common.put(text(Tag(0x0008, 0x103E), VR::LO, &description));
    common.put(text(
        Tag(0x0020, 0x0011),
        VR::IS,
        &options.series_number.to_string(),
    ));
    common.put(text(Tag(0x0018, 0x1030), VR::LO, "medvol"));
    common.put(text(Tag(0x0018, 0x1020), VR::LO, env!("CARGO_PKG_VERSION")));
    put_modality_attributes(&mut common, modality);
    common
}

/// The attributes `modality` requires (empty when unknown), and ImageType.
fn put_modality_attributes(common: &mut InMemDicomObject, modality: Modality) {
    let image_type = match modality {
        Modality::Ct => "DERIVED\\SECONDARY\\AXIAL",
        _ => "DERIVED\\SECONDARY",
    };
    common.put(text(Tag(0x0008, 0x0008), VR::CS, image_type));
    match modality {
        Modality::Ct => {
            common.put(DataElement::empty(Tag(0x0018, 0x5100), VR::CS)); // Patient Position
            common.put(DataElement::empty(Tag(0x0018, 0x0060), VR::DS)); // KVP
            common.put(DataElement::empty(Tag(0x0020, 0x0012), VR::IS)); // Acquisition Number
            common.put(text(Tag(0x0028, 0x1054), VR::LO, "HU")); // Rescale Type
        }
        Modality::Mr => {
            common.put(DataElement::empty(Tag(0x0018, 0x5100), VR::CS)); // Patient Position
            common.put(text(Tag(0x0018, 0x0020), VR::CS, "RM")); // Scanning Sequence
            common.put(text(Tag(0x0018, 0x0021), VR::CS, "NONE")); // Sequence Variant
            for (tag, vr) in [
                (Tag(0x0018, 0x0022), VR::CS), // Scan Options
                (Tag(0x0018, 0x0023), VR::CS), // MR Acquisition Type
                (Tag(0x0018, 0x0080), VR::DS), // Repetition Time
                (Tag(0x0018, 0x0081), VR::DS), // Echo Time
                (Tag(0x0018, 0x0091), VR::IS), // Echo Train Length
            ] {
                common.put(DataElement::empty(tag, vr));
            }
        }
        Modality::SecondaryCapture => {
            common.put(text(Tag(0x0008, 0x0064), VR::CS, "WSD")); // Conversion Type
        }
    }
}

/// Orientation, spacing, pixel description and window of the slices of a volume with
/// geometry `g`, `[rows, columns]` in size, whose stored values span `range`.
fn put_image_attributes(
    obj: &mut InMemDicomObject,
    g: &medvol_core::Geometry,
    [rows, columns]: [u16; 2],
    range: (f64, f64),
) {
    let [si, sj, sk] = g.spacing();
    let (ax_i, ax_j) = (g.direction().axis(0).0, g.direction().axis(1).0);
    obj.put(ds(
        Tag(0x0020, 0x0037),
        &[ax_i[0], ax_i[1], ax_i[2], ax_j[0], ax_j[1], ax_j[2]],
    ));
    obj.put(ds(Tag(0x0028, 0x0030), &[sj, si]));
    obj.put(ds(Tag(0x0018, 0x0050), &[sk]));
    obj.put(ds(Tag(0x0018, 0x0088), &[sk]));
    obj.put(us(Tag(0x0028, 0x0002), 1));
    obj.put(text(Tag(0x0028, 0x0004), VR::CS, "MONOCHROME2"));
    obj.put(us(Tag(0x0028, 0x0010), rows));
    obj.put(us(Tag(0x0028, 0x0011), columns));
    let (lo, hi) = range;
    obj.put(ds(Tag(0x0028, 0x1050), &[0.5 * (lo + hi)]));
    obj.put(ds(Tag(0x0028, 0x1051), &[(hi - lo).max(1.0)]));
}

/// Writes `volume` as a DICOM series into `folder` (created if needed): one file per slice
/// `k`, named `IM00001.dcm`, `IM00002.dcm`, ... in k order (in parallel with the `rayon`
/// feature, in the caller's thread pool).
///
/// Slice `k` has ImagePositionPatient at voxel (0, 0, k), ImageOrientationPatient from the
/// i and j axes of the direction, PixelSpacing `spacing_j \ spacing_i` (row spacing first),
/// and SliceThickness and SpacingBetweenSlices `spacing_k`. A reader that orders slices
/// along i x j gets the volume back as written when the direction is right-handed; for a
/// left-handed direction it gets the same voxels in reverse k order.
///
/// ```
/// use medvol_core::Geometry;
/// use medvol_io::dicom::{write_series, SeriesOptions, Modality};
/// let dir = std::env::temp_dir().join(format!("medvol-doc-series-{}", std::process::id()));
/// let vol = medvol_core::Volume::<i16>::from_fn([8, 6, 4], Geometry::default(), |ijk| {
///     ijk.0[0] as i16 - 3
/// })?;
/// let written = write_series(&vol, &dir, &SeriesOptions::default().with_modality(Modality::Ct))?;
/// assert_eq!(written.files.len(), 4);
/// assert_eq!(written.rescale_slope, 1.0);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Unsupported`] for a volume that 16-bit DICOM pixels cannot hold (non-finite
/// values, integers outside `i16` and `u16` ranges, slices over 65535 voxels wide);
/// [`Error::Invalid`] for an empty volume; [`Error::Io`] if `folder` or a file cannot be
/// written.
pub fn write_series<T: Voxel>(
    volume: &Volume<T>,
    folder: impl AsRef<Path>,
    options: &SeriesOptions,
) -> Result<WrittenSeries> {
    let folder = folder.as_ref();
    let [nx, ny, nz] = volume.dims();
    let (Ok(columns), Ok(rows)) = (u16::try_from(nx), u16::try_from(ny)) else {
        return Err(Error::Unsupported {
            path: folder.to_path_buf(),
            what: format!("slices of {nx} x {ny} voxels: DICOM rows and columns stop at 65535"),
        });
    };
    let enc = encode(volume.as_slice(), folder)?;
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;

    let template = options.template.as_ref();
    let modality = options.modality();
    let template_uid = |tag: Tag| {
        template
            .and_then(|t| t.get(tag))
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
            .filter(|s| !s.is_empty())
    };
    let study_uid = template_uid(Tag(0x0020, 0x000D)).unwrap_or_else(new_uid);
    let frame_uid = template_uid(Tag(0x0020, 0x0052)).unwrap_or_else(new_uid);
    let series_uid = new_uid();
    let (date, time) = now_da_tm();

    let mut common = series_attributes(
        options,
        modality,
        [&study_uid, &frame_uid, &series_uid],
        (&date, &time),
    );
    let g = volume.geometry();
    put_image_attributes(&mut common, g, [rows, columns], enc.range);

    let width = nz.to_string().len().max(5);
    let per_slice = nx * ny;
    let write_slice = |k: usize| -> Result<PathBuf> {
        let mut obj = common.clone();
        let sop_uid = new_uid();
        let p = g.ijk_to_physical(Ijk([0, 0, k])).0;
        obj.put(text(Tag(0x0008, 0x0018), VR::UI, &sop_uid));
        obj.put(text(Tag(0x0020, 0x0013), VR::IS, &(k + 1).to_string()));
        obj.put(ds(Tag(0x0020, 0x0032), &p));
        let words = enc.words[k * per_slice..(k + 1) * per_slice].to_vec();
        put_pixels(&mut obj, &enc, words);
        let path = folder.join(format!("IM{:0width$}.dcm", k + 1));
        write_object(obj, modality.sop_class_uid(), &sop_uid, &path)?;
        Ok(path)
    };
    let files = medvol_core::par::map((0..nz).collect(), write_slice)
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(WrittenSeries {
        files,
        series_instance_uid: series_uid,
        study_instance_uid: study_uid,
        rescale_slope: enc.slope_value,
        rescale_intercept: enc.intercept_value,
    })
}

/// [`write_series`] for a volume whose voxel type is known at run time.
///
/// ```
/// use medvol_core::{DynVolume, Geometry, Volume};
/// use medvol_io::dicom::{SeriesOptions, read_first, write_series_dyn};
/// let dir = tempfile::tempdir()?;
/// let v = Volume::<f32>::from_fn([8, 8, 3], Geometry::default(), |p| p.i() as f32 * 0.25)?;
/// let written = write_series_dyn(&v.clone().into(), dir.path(), &SeriesOptions::default())?;
/// // Fractional values are stored as 16-bit integers with a rescale.
/// assert_eq!(written.files.len(), 3);
/// assert_ne!(written.rescale_slope, 1.0);
/// let DynVolume::F32(back) = read_first(dir.path())?.volume else { panic!("f32 expected") };
/// let err = back.as_slice().iter().zip(v.as_slice()).map(|(a, b)| (a - b).abs());
/// assert!(err.fold(0.0, f32::max) <= written.rescale_slope as f32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`write_series`].
pub fn write_series_dyn(
    volume: &DynVolume,
    folder: impl AsRef<Path>,
    options: &SeriesOptions,
) -> Result<WrittenSeries> {
    let folder = folder.as_ref();
    medvol_core::map_dyn!(volume, v => write_series(v, folder, options))
}

/// Replaces the pixel data of the DICOM file `input` with `pixels` and saves the result to
/// `output`, keeping every other attribute.
///
/// `pixels` has dims `[Columns, Rows, frames]`; its geometry is not used. The values are
/// encoded as in [`write_series`] (16 bits, rescaled for non-integer floats) and the pixel
/// attributes follow: Bits Allocated/Stored, High Bit, Pixel Representation, Rescale
/// Slope/Intercept; Smallest/Largest Image Pixel Value are removed. The output is Explicit VR
/// Little Endian whatever the input's transfer syntax, and gets a new SOP Instance UID, as
/// DICOM requires for changed pixels.
///
/// ```
/// use medvol_core::{Geometry, Point, Volume};
/// use medvol_io::dicom::{SeriesOptions, read_first, save_with_pixels, write_series};
/// let dir = tempfile::tempdir()?;
/// let g = Geometry::default().with_origin(Point::new(5.0, 6.0, 7.0))?;
/// let ct = Volume::<i16>::zeros([8, 8, 2], g)?;
/// let written = write_series(&ct, &dir.path().join("series"), &SeriesOptions::default())?;
/// let out = dir.path().join("edited.dcm");
/// let pixels = Volume::<i16>::filled([8, 8, 1], 1000, Geometry::default())?;
/// save_with_pixels(&written.files[0], &out, &pixels)?;
/// let slice = read_first(&out)?.volume;
/// let s = slice.statistics();
/// assert_eq!((s.min, s.max), (1000.0, 1000.0));
/// // Position and the rest of the header are kept.
/// assert_eq!(slice.geometry().origin(), Point::new(5.0, 6.0, 7.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] if `input` is not DICOM, or `output` is `input`;
/// [`Error::InconsistentSeries`] if `pixels` does not match the file's rows, columns and
/// frames; [`Error::Unsupported`] for colour images or values 16 bits cannot hold;
/// [`Error::Io`] if `output` cannot be written.
pub fn save_with_pixels<T: Voxel>(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    pixels: &Volume<T>,
) -> Result<()> {
    let (input, output) = (input.as_ref(), output.as_ref());
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(input), std::fs::canonicalize(output))
        && a == b
    {
        return Err(Error::Invalid {
            path: output.to_path_buf(),
            format: "DICOM",
            reason: "refusing to overwrite the input file".into(),
        });
    }
    let mut file = open_to_edit(input)?;
    let int = |tag: Tag| -> Option<u32> { file.get(tag)?.to_int::<u32>().ok() };
    let samples = int(Tag(0x0028, 0x0002)).unwrap_or(1);
    if samples != 1 {
        return Err(Error::Unsupported {
            path: input.to_path_buf(),
            what: format!("{samples} samples per pixel: only grey-level images are rewritten"),
        });
    }
    let shape = [
        int(Tag(0x0028, 0x0011)).unwrap_or(0) as usize,
        int(Tag(0x0028, 0x0010)).unwrap_or(0) as usize,
        int(Tag(0x0028, 0x0008)).unwrap_or(1) as usize,
    ];
    if shape != pixels.dims() {
        return Err(Error::InconsistentSeries {
            path: input.to_path_buf(),
            reason: format!(
                "the file holds {} x {} x {} (columns x rows x frames), the new pixels {:?}",
                shape[0],
                shape[1],
                shape[2],
                pixels.dims()
            ),
        });
    }
    let enc = encode(pixels.as_slice(), output)?;
    let words = enc.words.clone();
    put_pixels(&mut file, &enc, words);
    file.remove_element(Tag(0x0028, 0x0106));
    file.remove_element(Tag(0x0028, 0x0107));
    // a Modality LUT excludes the new rescale, and a VOI LUT was made for the old values
    file.remove_element(Tag(0x0028, 0x3000));
    file.remove_element(Tag(0x0028, 0x3010));
    let sop_uid = new_uid();
    file.put(text(Tag(0x0008, 0x0018), VR::UI, &sop_uid));
    let sop_class = file.meta().media_storage_sop_class_uid().to_string();
    write_object(file.into_inner(), &sop_class, &sop_uid, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_fit_and_round_trip_closely() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -123.456_789_012_345_67,
            1e-7,
            3.141_592_653_589_793e20,
            -2.5e-300,
            0.866_025_403_784_438_6,
            65_535.5,
        ] {
            let s = decimal_string(x);
            assert!(s.len() <= 16, "{s}");
            let back: f64 = s.parse().unwrap();
            assert!(
                (back - x).abs() <= 1e-10 * x.abs().max(1e-300),
                "{x} -> {s}"
            );
        }
    }

    #[test]
    fn encoding_keeps_integers_and_bounds_float_error() {
        let p = Path::new("x");
        let e = encode(&[-5i16, 7, 32767], p).unwrap();
        assert!(e.signed && e.slope == "1" && e.words[0] == (-5i16) as u16);
        let e = encode(&[0u16, 65535], p).unwrap();
        assert!(!e.signed && e.words[1] == 65535);
        let e = encode(&[3.0f32, -2.0], p).unwrap();
        assert_eq!(e.slope, "1");
        let data = [-1000.25f32, 0.1, 3000.7, 17.3];
        let e = encode(&data, p).unwrap();
        for (v, w) in data.iter().zip(&e.words) {
            let back = f64::from(*w as i16) * e.slope_value + e.intercept_value;
            assert!((back - f64::from(*v)).abs() <= 0.5 * e.slope_value + 1e-9);
        }
        assert!(encode(&[f32::NAN], p).is_err());
        assert!(encode(&[70_000i32], p).is_err());
        assert!(encode::<u8>(&[], p).is_err());
        let e = encode(&[2.5f64, 2.5], p).unwrap();
        assert_eq!(
            (e.slope_value, e.intercept_value, e.words[0]),
            (1.0, 2.5, 0)
        );
    }
}
