//! DICOM series to correctly placed volumes.
//!
//! [`scan`] reads the headers of a file or folder and groups the images into volumes;
//! [`ScanReport::read`] decodes one of them with its geometry, values and warnings.
