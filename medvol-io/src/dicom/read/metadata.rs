//! [`Metadata`]: typed access to the common attributes of a DICOM volume.

use super::frame::FrameHeader;
use crate::dicom::attr::{float, int, text};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// The common patient, study, series and acquisition attributes of a volume, as found in its
/// first file (`None` when absent). Any other tag: [`SeriesInfo::tag`](crate::dicom::SeriesInfo::tag).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Metadata {
    /// PatientName (0010,0010), DICOM person-name form (`FAMILY^GIVEN`).
    pub patient_name: Option<String>,
    /// PatientID (0010,0020).
    pub patient_id: Option<String>,
    /// PatientBirthDate (0010,0030), `YYYYMMDD`.
    pub patient_birth_date: Option<String>,
    /// PatientSex (0010,0040).
    pub patient_sex: Option<String>,
    /// PatientAge (0010,1010), e.g. `045Y`.
    pub patient_age: Option<String>,
    /// PatientPosition (0018,5100), e.g. `HFS`.
    pub patient_position: Option<String>,
    /// StudyInstanceUID (0020,000D).
    pub study_uid: Option<String>,
    /// StudyDate (0008,0020), `YYYYMMDD`.
    pub study_date: Option<String>,
    /// StudyTime (0008,0030).
    pub study_time: Option<String>,
    /// StudyDescription (0008,1030).
    pub study_description: Option<String>,
    /// AccessionNumber (0008,0050).
    pub accession_number: Option<String>,
    /// SeriesInstanceUID (0020,000E).
    pub series_uid: Option<String>,
    /// SeriesNumber (0020,0011).
    pub series_number: Option<i64>,
    /// SeriesDescription (0008,103E).
    pub series_description: Option<String>,
    /// ProtocolName (0018,1030).
    pub protocol_name: Option<String>,
    /// Modality (0008,0060), e.g. `CT`, `MR`.
    pub modality: Option<String>,
    /// Manufacturer (0008,0070).
    pub manufacturer: Option<String>,
    /// ManufacturerModelName (0008,1090).
    pub model: Option<String>,
    /// InstitutionName (0008,0080).
    pub institution: Option<String>,
    /// BodyPartExamined (0018,0015).
    pub body_part: Option<String>,
    /// SliceThickness (0018,0050), mm (nominal; used as spacing only for a Siemens mosaic
    /// without SpacingBetweenSlices).
    pub slice_thickness_mm: Option<f64>,
    /// SpacingBetweenSlices (0018,0088), mm (nominal; used as spacing only for a Siemens
    /// mosaic, whose slices share one position).
    pub spacing_between_slices_mm: Option<f64>,
    /// KVP (0018,0060), kV.
    pub kvp: Option<f64>,
    /// XRayTubeCurrent (0018,1151), mA.
    pub tube_current_ma: Option<f64>,
    /// ExposureTime (0018,1150), ms.
    pub exposure_time_ms: Option<f64>,
    /// ConvolutionKernel (0018,1210).
    pub convolution_kernel: Option<String>,
    /// GantryDetectorTilt (0018,1120), degrees, as written by the scanner.
    pub gantry_tilt_deg: Option<f64>,
    /// MagneticFieldStrength (0018,0087), tesla.
    pub field_strength_t: Option<f64>,
    /// RepetitionTime (0018,0080), ms.
    pub repetition_time_ms: Option<f64>,
    /// EchoTime (0018,0081), ms.
    pub echo_time_ms: Option<f64>,
    /// InversionTime (0018,0082), ms.
    pub inversion_time_ms: Option<f64>,
    /// FlipAngle (0018,1314), degrees.
    pub flip_angle_deg: Option<f64>,
    /// SequenceName (0018,0024).
    pub sequence_name: Option<String>,
    /// ImageType (0008,0008), backslash-separated values.
    pub image_type: Option<String>,
    /// SOPClassUID (0008,0016).
    pub sop_class_uid: Option<String>,
    /// RescaleSlope (0028,1053) of the first frame (from its functional group in enhanced
    /// files); 1 when the file has none.
    pub rescale_slope: Option<f64>,
    /// RescaleIntercept (0028,1052) of the first frame; 0 when the file has none.
    pub rescale_intercept: Option<f64>,
    /// Philips MR_ScaleSlope (2005,100E) of the first frame (from the private per-frame
    /// sequence (2005,140F) in enhanced files): with the rescale it recovers Philips'
    /// floating-point values, display / (RescaleSlope x this); see
    /// [`PhilipsScaling`](crate::dicom::PhilipsScaling).
    pub philips_scale_slope: Option<f64>,
    /// Rows (0028,0010): pixels along j, the volume's `dims()[1]` (for a Siemens mosaic, the
    /// whole mosaic image's).
    pub rows: Option<i64>,
    /// Columns (0028,0011): pixels along i, the volume's `dims()[0]` (for a Siemens mosaic,
    /// the whole mosaic image's).
    pub columns: Option<i64>,
}

impl Metadata {
    pub(crate) fn from_object(o: &InMemDicomObject) -> Self {
        Self {
            patient_name: text(o, tags::PATIENT_NAME),
            patient_id: text(o, tags::PATIENT_ID),
            patient_birth_date: text(o, tags::PATIENT_BIRTH_DATE),
            patient_sex: text(o, tags::PATIENT_SEX),
            patient_age: text(o, tags::PATIENT_AGE),
            patient_position: text(o, tags::PATIENT_POSITION),
            study_uid: text(o, tags::STUDY_INSTANCE_UID),
            study_date: text(o, tags::STUDY_DATE),
            study_time: text(o, tags::STUDY_TIME),
            study_description: text(o, tags::STUDY_DESCRIPTION),
            accession_number: text(o, tags::ACCESSION_NUMBER),
            series_uid: text(o, tags::SERIES_INSTANCE_UID),
            series_number: int(o, tags::SERIES_NUMBER),
            series_description: text(o, tags::SERIES_DESCRIPTION),
            protocol_name: text(o, tags::PROTOCOL_NAME),
            modality: text(o, tags::MODALITY),
            manufacturer: text(o, tags::MANUFACTURER),
            model: text(o, tags::MANUFACTURER_MODEL_NAME),
            institution: text(o, tags::INSTITUTION_NAME),
            body_part: text(o, tags::BODY_PART_EXAMINED),
            slice_thickness_mm: float(o, tags::SLICE_THICKNESS),
            spacing_between_slices_mm: float(o, tags::SPACING_BETWEEN_SLICES),
            kvp: float(o, tags::KVP),
            tube_current_ma: float(o, tags::X_RAY_TUBE_CURRENT),
            exposure_time_ms: float(o, tags::EXPOSURE_TIME),
            convolution_kernel: text(o, tags::CONVOLUTION_KERNEL),
            gantry_tilt_deg: float(o, tags::GANTRY_DETECTOR_TILT),
            field_strength_t: float(o, tags::MAGNETIC_FIELD_STRENGTH),
            repetition_time_ms: float(o, tags::REPETITION_TIME),
            echo_time_ms: float(o, tags::ECHO_TIME),
            inversion_time_ms: float(o, tags::INVERSION_TIME),
            flip_angle_deg: float(o, tags::FLIP_ANGLE),
            sequence_name: text(o, tags::SEQUENCE_NAME),
            image_type: text(o, tags::IMAGE_TYPE),
            sop_class_uid: text(o, tags::SOP_CLASS_UID),
            rows: int(o, tags::ROWS),
            columns: int(o, tags::COLUMNS),
            rescale_slope: None,
            rescale_intercept: None,
            philips_scale_slope: None,
        }
    }

    /// The same with the scaling of the first of `frames`.
    pub(crate) fn with_scaling(self, frames: &[FrameHeader]) -> Self {
        let first = frames.first();
        Self {
            rescale_slope: first.map(|f| f.rescale.0),
            rescale_intercept: first.map(|f| f.rescale.1),
            philips_scale_slope: first.and_then(|f| f.philips_scale_slope),
            ..self
        }
    }
}
