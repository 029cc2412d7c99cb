//! DICOM series to correctly placed volumes.
//!
//! [`scan`] reads the headers of a file or folder (in parallel, never the pixels) and groups
//! the images into volumes ([`SeriesInfo`]): by series, orientation, size, echo and time point,
//! slices sorted along the normal of ImageOrientationPatient, spacing measured from
//! ImagePositionPatient (never SliceThickness), gaps, duplicates and gantry tilt reported.
//! [`ScanReport::read`] decodes one of them ([`DicomVolume`]): rescaled values, geometry in LPS
//! mm, the acquired corner positions and the warnings. Nothing is printed.
//!
//! | situation | what happens |
//! |---|---|
//! | non-uniform spacing, gaps | warning with the measured gaps; [`Uniform`] refuses, keeps or resamples |
//! | gantry tilt | angle reported; [`Tilt::Raw`] keeps the sheared stack ([`DicomVolume::affine`]), [`Tilt::Corrected`] reslices it |
//! | repeated positions | one volume per time point (`/t<n>` ids), in time order |
//! | enhanced multi-frame | geometry and rescale per frame from the functional groups |
//! | Siemens mosaic | tiles split into slices (count and slice direction from the CSA header, spacing from SpacingBetweenSlices, else SliceThickness, as the warnings say); several mosaics of a series are its time points |
//! | no position/orientation | unit spacing, origin 0, identity direction, with a warning |
//! | non-image or broken files | listed in [`ScanReport::skipped`] with the reason |
//!
//! ```no_run
//! use medvol_io::dicom::{scan, ReadOptions, ScanOptions, Tilt};
//! let report = scan("/data/ct", &ScanOptions::default())?;
//! for (i, v) in report.volumes.iter().enumerate() {
//!     let vol = report.read(i, &ReadOptions::default().with_tilt(Tilt::Corrected))?;
//!     println!("{} {:?} {:?}", v.label, vol.volume.dims(), vol.warnings);
//! }
//! # Ok::<(), medvol_io::Error>(())
//! ```

pub use geometry::SliceSpacing;
pub use meta::Metadata;
pub use read::{DicomVolume, Output, ReadOptions, Tilt, Uniform, Which, read_first};
pub use retype::{retype_file, retype_un};
pub use scan::{ScanOptions, ScanReport, scan};
pub use series::{SeriesInfo, Slice};

mod decode;
mod geometry;
mod guard;
mod header;
mod meta;
mod mosaic;
mod read;
mod retype;
mod scan;
mod series;

mod deid;
pub use deid::profile as deid_profile;
pub use deid::{AnonymizeReport, Anonymizer, Naming, Skipped, anonymize_folder};
mod write;
pub use write::{
    Modality, SeriesOptions, WrittenSeries, save_with_pixels, write_series, write_series_dyn,
};
