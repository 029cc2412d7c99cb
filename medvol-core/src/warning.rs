//! [`Warning`]: what a reader or a pipeline noticed about its input while still producing a
//! result, one variant per kind with its numbers, so a caller can match them.

use crate::Geometry;
use std::fmt;
use std::path::PathBuf;

/// Something the caller should know about a result that was still produced: a gantry tilt,
/// uneven slices, geometry that had to be invented, a header oddity, ... `Display` gives the
/// message in words (the text medvol has always printed); match the variant to act on a kind.
///
/// # Examples
/// ```
/// use medvol_core::Warning;
/// let w = Warning::GantryTilt { degrees: 12.5, stated_deg: Some(12.5) };
/// assert!(matches!(w, Warning::GantryTilt { degrees, .. } if degrees > 10.0));
/// assert_eq!(
///     w.to_string(),
///     "gantry tilt 12.50 degrees (GantryDetectorTilt 12.5): the stored slices form a sheared stack"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Warning {
    /// DICOM: the slices were acquired with a gantry tilt (`degrees`, measured from the
    /// positions) and form a sheared stack; `stated_deg` is GantryDetectorTilt when present.
    GantryTilt {
        /// The tilt measured from the slice positions, degrees.
        degrees: f64,
        /// GantryDetectorTilt (0018,1120) as written, degrees.
        stated_deg: Option<f64>,
    },
    /// DICOM: a gantry-tilted stack resliced onto an orthogonal grid of `dims` voxels.
    TiltCorrected {
        /// The new grid's size (i, j, k).
        dims: [usize; 3],
        /// The value outside the acquired stack.
        fill: f32,
    },
    /// DICOM: tilt correction needed uniform spacing, so the slices were resampled along k.
    ResampledForTilt,
    /// DICOM: the gaps between slices differ.
    NonUniformSpacing {
        /// Smallest gap, mm.
        min_gap_mm: f64,
        /// Largest gap, mm.
        max_gap_mm: f64,
        /// Mean gap, mm.
        mean_mm: f64,
        /// Largest deviation of a gap from the mean, mm.
        max_deviation_mm: f64,
        /// The k spacing of the scan's grid (the first gap), mm.
        grid_spacing_mm: f64,
    },
    /// DICOM: about `count` slices missing (gaps of a multiple of the usual spacing).
    MissingSlices {
        /// Slices missing.
        count: usize,
    },
    /// DICOM: `count` gaps more than `ratio` times the usual spacing: corrupt positions.
    ImplausibleGaps {
        /// Gaps that large.
        count: usize,
        /// The ratio beyond which a gap is implausible.
        ratio: f64,
        /// The largest gap, mm.
        largest_mm: f64,
    },
    /// DICOM: uneven slices resampled linearly along k.
    Resampled {
        /// Slices after resampling.
        slices: usize,
        /// Their spacing, mm.
        spacing_mm: f64,
    },
    /// DICOM: a single slice; its k spacing from SpacingBetweenSlices/SliceThickness, or 1 mm.
    SingleSlice {
        /// The spacing found, mm (`None`: 1 mm assumed).
        spacing_mm: Option<f64>,
    },
    /// DICOM: PixelSpacing absent (`None`) or outside [`Geometry::SPACING_RANGE`]: 1 mm assumed.
    PixelSpacingAssumed {
        /// PixelSpacing as written (row spacing, then column spacing), mm.
        stated_mm: Option<[f64; 2]>,
    },
    /// DICOM: ImageOrientationPatient was not orthonormal; the nearest orthonormal was used.
    NonOrthonormalOrientation {
        /// The largest change of an entry.
        change: f64,
    },
    /// DICOM: no ImagePositionPatient/ImageOrientationPatient: geometry invented.
    NoGeometry,
    /// DICOM: the positions could not be placed (`reason`): geometry ignored and invented.
    UnusableGeometry {
        /// Why.
        reason: String,
    },
    /// A result whose geometry is invented: positions are not scanner coordinates.
    InventedGeometry,
    /// Unevenly spaced slices kept as stored: voxels up to `max_error_mm` from the grid.
    ApproximatePlacement {
        /// Largest distance of a voxel from where the grid puts it, mm.
        max_error_mm: f64,
    },
    /// Gantry-tilted slices kept as stored: the orthonormal geometry puts voxels up to
    /// `geometry_error_mm` from their place (only the sheared affine is exact).
    ShearedPlacement {
        /// Largest distance of a voxel from its place under the geometry, mm.
        geometry_error_mm: f64,
    },
    /// DICOM: a mosaic could not be split into slices (`reason`) and was read as one image.
    MosaicNotSplit {
        /// Why.
        reason: String,
        /// The image's columns.
        columns: u32,
        /// The image's rows.
        rows: u32,
    },
    /// DICOM: how a mosaic's slices were counted, spaced and placed.
    Mosaic {
        /// The remark, in words.
        note: String,
    },
    /// DICOM: a file holds the same SOP instance as an earlier one and was ignored.
    DuplicateInstance {
        /// The file ignored.
        path: PathBuf,
        /// The file read.
        first: PathBuf,
    },
    /// DICOM: images at the same slice position; all but the first by InstanceNumber ignored.
    DuplicatePositions {
        /// The files ignored.
        ignored: Vec<PathBuf>,
    },
    /// DICOM: repeated positions told apart by order only (no temporal attribute).
    TimePointsByOrder,
    /// DICOM: MONOCHROME1 values are kept as stored (high values display dark).
    Monochrome1,
    /// DICOM: Philips floating-point scaling asked for, but `frames` frames have no
    /// MR_ScaleSlope: their display values are kept.
    PhilipsScaleSlopeMissing {
        /// Frames without MR_ScaleSlope.
        frames: usize,
    },
    /// DICOM: GE `epi_pepolar` row order (reversed phase encoding), in words.
    Pepolar {
        /// The remark, in words.
        note: String,
    },
    /// NIfTI: bitpix disagrees with the datatype; the datatype was trusted.
    BitpixMismatch {
        /// bitpix as written.
        bitpix: i16,
        /// The datatype's name.
        datatype: &'static str,
        /// The datatype's bits.
        bits: i16,
    },
    /// NIfTI: pixdim of `axis` (1..=3) is 0; 1 mm used.
    ZeroPixdim {
        /// The axis, 1..=3.
        axis: usize,
    },
    /// NIfTI: the sform is sheared; with no qform (`change` is `Some`), the closest
    /// orthonormal direction was kept, else the qform was used.
    ShearedSform {
        /// The largest cosine between two axes.
        max_axis_cosine: f64,
        /// The largest change of a direction entry, when the sform was used.
        change: Option<f64>,
    },
    /// NIfTI: sform and qform disagree; the qform was used, as ITK does.
    FormsDisagree {
        /// sform_code.
        sform_code: i32,
        /// qform_code.
        qform_code: i32,
    },
    /// NIfTI: no qform or sform: spacing from pixdim, identity direction, origin 0.
    NoTransform,
    /// NIfTI: integer values beyond 2^53 were rounded when read as f64.
    RoundedToF64 {
        /// The datatype's name.
        datatype: &'static str,
    },
    /// A 4-D file of `count` time points: time point 0 used.
    FirstTimePoint {
        /// Time points in the file.
        count: usize,
    },
    /// `count` volumes found; the first (`id`) used.
    FirstVolume {
        /// Volumes found.
        count: usize,
        /// The id of the one used.
        id: String,
    },
    /// The isosurface at `level` is empty.
    EmptySurface {
        /// The level, in the volume's units.
        level: f64,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::GantryTilt {
                degrees,
                stated_deg,
            } => write!(
                f,
                "gantry tilt {degrees:.2} degrees (GantryDetectorTilt {}): the stored slices \
                 form a sheared stack",
                stated_deg
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "absent".into())
            ),
            Warning::TiltCorrected { dims, fill } => write!(
                f,
                "gantry tilt corrected: resliced onto a {}x{}x{} orthogonal grid, values \
                 interpolated, outside filled with {fill} (Tilt::Raw keeps the sheared slices)",
                dims[0], dims[1], dims[2]
            ),
            Warning::ResampledForTilt => write!(
                f,
                "tilt correction needs uniform spacing: slices resampled along k"
            ),
            Warning::NonUniformSpacing {
                min_gap_mm,
                max_gap_mm,
                mean_mm,
                max_deviation_mm,
                grid_spacing_mm,
            } => write!(
                f,
                "non-uniform slice spacing: gaps {min_gap_mm:.4}..{max_gap_mm:.4} mm, largest \
                 deviation from the mean {mean_mm:.4} mm is {max_deviation_mm:.4} mm (the \
                 scan's grid uses the first gap, {grid_spacing_mm:.4} mm)"
            ),
            Warning::MissingSlices { count } => write!(
                f,
                "about {count} missing slice(s) (gaps of a multiple of the usual spacing)"
            ),
            Warning::ImplausibleGaps {
                count,
                ratio,
                largest_mm,
            } => write!(
                f,
                "{count} gap(s) between neighbouring slices of more than {ratio} times the \
                 usual spacing (largest {largest_mm:.4e} mm): slice positions look corrupt, not \
                 counted as missing slices"
            ),
            Warning::Resampled { slices, spacing_mm } => write!(
                f,
                "uneven slices resampled linearly along k to {slices} slices {spacing_mm:.4} mm \
                 apart (Uniform::Warn keeps them as stored)"
            ),
            Warning::SingleSlice { spacing_mm } => match spacing_mm {
                Some(s) => write!(
                    f,
                    "single slice: k spacing {s} mm from SpacingBetweenSlices/SliceThickness"
                ),
                None => write!(f, "single slice: k spacing 1 mm assumed"),
            },
            Warning::PixelSpacingAssumed { stated_mm } => match stated_mm {
                Some(p) => write!(
                    f,
                    "PixelSpacing {:?} \\ {:?} mm outside {:e}..={:e} mm: 1 mm assumed in plane",
                    p[0],
                    p[1],
                    Geometry::SPACING_RANGE.start(),
                    Geometry::SPACING_RANGE.end()
                ),
                None => write!(f, "no PixelSpacing: 1 mm assumed in plane"),
            },
            Warning::NonOrthonormalOrientation { change } => write!(
                f,
                "ImageOrientationPatient not orthonormal: nearest orthonormal used (change \
                 {change:.2e})"
            ),
            Warning::NoGeometry => write!(
                f,
                "no ImagePositionPatient/ImageOrientationPatient: unit spacing (or \
                 PixelSpacing), origin 0 and identity direction assumed; slices in \
                 InstanceNumber/frame order"
            ),
            Warning::UnusableGeometry { reason } => write!(
                f,
                "{reason}: geometry ignored; unit spacing (or PixelSpacing), origin 0 and \
                 identity direction assumed"
            ),
            Warning::InventedGeometry => write!(
                f,
                "geometry invented (no usable ImagePositionPatient/ImageOrientationPatient): \
                 positions are not scanner coordinates; writers must not claim them (NIfTI \
                 qform/sform code 0)"
            ),
            Warning::ApproximatePlacement { max_error_mm } => write!(
                f,
                "unevenly spaced slices kept as stored (Uniform::Warn): no grid places them \
                 all, voxels lie up to {max_error_mm:.2} mm from where the grid puts them \
                 (Uniform::Resample, the default, resamples onto a true grid)"
            ),
            Warning::ShearedPlacement { geometry_error_mm } => write!(
                f,
                "gantry-tilted slices kept as stored (Tilt::Raw): only the sheared affine \
                 (DicomVolume::affine) places every voxel; the orthonormal geometry puts voxels \
                 up to {geometry_error_mm:.2} mm from their place (Tilt::Corrected, the \
                 default, reslices onto a true grid)"
            ),
            Warning::MosaicNotSplit {
                reason,
                columns,
                rows,
            } => write!(
                f,
                "mosaic (Siemens MOSAIC or UIH VFRAME) not split into slices ({reason}): read \
                 as one {columns}x{rows} image"
            ),
            Warning::Mosaic { note } | Warning::Pepolar { note } => f.write_str(note),
            Warning::DuplicateInstance { path, first } => write!(
                f,
                "{} holds the same SOP instance as {}: ignored",
                path.display(),
                first.display()
            ),
            Warning::DuplicatePositions { ignored } => {
                let names: Vec<String> = ignored.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "duplicate slice positions: {} image(s) ignored ({})",
                    ignored.len(),
                    names.join(", ")
                )
            }
            Warning::TimePointsByOrder => write!(
                f,
                "time points assigned by order: no temporal attribute tells the repeated \
                 positions apart"
            ),
            Warning::Monochrome1 => write!(
                f,
                "MONOCHROME1: values kept as stored (high values display dark)"
            ),
            Warning::PhilipsScaleSlopeMissing { frames } => write!(
                f,
                "Philips floating-point scaling asked for, but {frames} frame(s) have no \
                 MR_ScaleSlope (2005,100E): their display values are kept"
            ),
            Warning::BitpixMismatch {
                bitpix,
                datatype,
                bits,
            } => write!(
                f,
                "bitpix is {bitpix} but datatype {datatype} has {bits} bits; trusted the datatype"
            ),
            Warning::ZeroPixdim { axis } => write!(f, "pixdim[{axis}] is 0: used 1 mm"),
            Warning::ShearedSform {
                max_axis_cosine,
                change: Some(change),
            } => write!(
                f,
                "sform has non-orthogonal axes (shear, largest axis cosine \
                 {max_axis_cosine:.4}) and there is no qform: kept the closest orthonormal \
                 direction (entries changed by up to {change:.4})"
            ),
            Warning::ShearedSform {
                max_axis_cosine,
                change: None,
            } => write!(
                f,
                "sform has non-orthogonal axes (shear, largest axis cosine \
                 {max_axis_cosine:.4}): used the qform, as ITK does (the sheared sform is in \
                 the header)"
            ),
            Warning::FormsDisagree {
                sform_code,
                qform_code,
            } => write!(
                f,
                "sform (code {sform_code}) and qform (code {qform_code}) disagree: used the \
                 qform, as ITK does"
            ),
            Warning::NoTransform => write!(
                f,
                "no qform or sform: spacing from pixdim, identity direction, origin 0 (as ITK)"
            ),
            Warning::RoundedToF64 { datatype } => write!(
                f,
                "{datatype} values beyond 2^53 were rounded when read as f64"
            ),
            Warning::FirstTimePoint { count } => {
                write!(f, "4-D file: using time point 0 of {count}")
            }
            Warning::FirstVolume { count, id } => write!(
                f,
                "{count} volumes found; using the first ({id}): choose another by id"
            ),
            Warning::EmptySurface { level } => {
                write!(f, "the surface at level {level} is empty")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_keep_their_numbers() {
        let w = Warning::NonUniformSpacing {
            min_gap_mm: 1.0,
            max_gap_mm: 3.0,
            mean_mm: 1.5,
            max_deviation_mm: 1.5,
            grid_spacing_mm: 1.0,
        };
        assert_eq!(
            w.to_string(),
            "non-uniform slice spacing: gaps 1.0000..3.0000 mm, largest deviation from the mean \
             1.5000 mm is 1.5000 mm (the scan's grid uses the first gap, 1.0000 mm)"
        );
        let p = Warning::PixelSpacingAssumed {
            stated_mm: Some([0.0, 0.5]),
        };
        assert_eq!(
            p.to_string(),
            "PixelSpacing 0.0 \\ 0.5 mm outside 1e-9..=1e9 mm: 1 mm assumed in plane"
        );
        assert_eq!(
            Warning::ZeroPixdim { axis: 3 }.to_string(),
            "pixdim[3] is 0: used 1 mm"
        );
    }
}
