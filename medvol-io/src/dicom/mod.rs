//! DICOM series to correctly placed volumes.
//!
//! [`scan`] reads the headers of a file or folder (in parallel, never the pixels) and groups
//! the images into volumes ([`SeriesInfo`]): by series, orientation, size, echo and time point,
//! slices sorted along the normal of ImageOrientationPatient, spacing measured from
//! ImagePositionPatient (never SliceThickness), gaps, duplicates and gantry tilt reported.
//! [`ScanReport::read`] decodes one of them ([`DicomVolume`]): rescaled values, geometry in LPS
//! mm, the acquired corner positions and the warnings. Nothing is printed.
//!
//! By default every voxel is at its true place: uneven slices are resampled and a
//! gantry-tilted stack is resliced onto an orthogonal grid ([`ReadOptions`]).
//! [`DicomVolume::placement`] says what the result's grid may claim ([`Placement`]: exact,
//! sheared (only [`DicomVolume::affine`] is exact), approximate, or invented).
//!
//! | situation | what happens |
//! |---|---|
//! | non-uniform spacing, gaps | warning with the measured gaps; resampled along k ([`Uniform::Resample`], the default; [`Uniform::Warn`] keeps them: [`Placement::Approximate`]; [`Uniform::Refuse`] fails) |
//! | gantry tilt | angle reported; resliced onto an orthogonal grid ([`Tilt::Corrected`], the default); [`Tilt::Raw`] keeps the sheared stack, placed exactly by [`DicomVolume::affine`] only ([`Placement::Sheared`]) |
//! | repeated positions | one volume per time point (`/t<n>` ids), in time order |
//! | enhanced multi-frame | geometry and rescale per frame from the functional groups |
//! | Siemens mosaic | tiles split into slices (count and slice direction from the CSA header, spacing from SpacingBetweenSlices, else SliceThickness, as the warnings say); several mosaics of a series are its time points |
//! | UIH VFRAME (SaveBySlc) | tiles split into slices, each at the ImagePositionPatient of its item in (0065,xx51); one file per time point (diffusion direction) |
//! | RT Dose grid | frames are planes at GridFrameOffsetVector along the normal (not time points); values times DoseGridScaling (dose in DoseUnits); a grid whose frames cannot be placed is skipped with the reason |
//! | GE `epi_pepolar` | volumes with reversed phase encoding (UserData12 scheme, counted in time order) have their rows reversed to match the geometry, as dcm2niix does ([`Pepolar`]); an unknown scheme is refused |
//! | no position/orientation | unit spacing, origin 0, identity direction, with a warning: [`Placement::Invented`] |
//! | non-image or broken files | listed in [`ScanReport::skipped`] with the reason |
//!
//! ```no_run
//! use medvol_io::dicom::{scan, ReadOptions, ScanOptions, Tilt};
//! let report = scan("/data/ct", &ScanOptions::default())?;
//! for (i, v) in report.volumes.iter().enumerate() {
//!     let raw = report.read(i, &ReadOptions::default().with_tilt(Tilt::Raw))?;
//!     println!("{} {:?} {:?} {:?}", v.label, raw.volume.dims(), raw.placement, raw.warnings);
//! }
//! # Ok::<(), medvol_io::Error>(())
//! ```

pub use file::Skipped;
pub use file::retype::{retype_file, retype_un};
pub use place::geometry::SliceSpacing;
pub use place::pepolar::Pepolar;
pub use place::placement::{PLACEMENT_TOLERANCE_MM, Placement};
pub use read::diffusion::{Gradient, diffusion};
pub use read::metadata::Metadata;
pub use read::scan::{ScanOptions, ScanReport, scan};
pub use read::series::{SeriesInfo, Slice};
pub use read::volume::{DicomVolume, Output, ReadOptions, Tilt, Uniform, Which, read_first};
pub use values::philips::PhilipsScaling;

mod attr;
mod file;
mod place;
mod read;
mod values;

mod deid;
pub use deid::profile as deid_profile;
pub use deid::{AnonymizeReport, Anonymizer, Naming, anonymize_folder};
mod write;
pub use write::{
    Modality, SeriesOptions, WrittenSeries, save_with_pixels, write_series, write_series_dyn,
};
