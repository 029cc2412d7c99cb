//! The read room: finding the images under a path ([`scan`](crate::dicom::scan)), what each
//! file says ([`header`]), grouping them into volumes ([`series`]), and decoding one volume
//! ([`volume`]).

pub(crate) mod diffusion;
pub(crate) mod frame;
pub(crate) mod header;
pub(crate) mod metadata;
pub(crate) mod scan;
pub(crate) mod series;
pub(crate) mod sort;
pub(crate) mod volume;
