//! Reading and writing medical volumes with their patient geometry: DICOM series and
//! NIfTI-1/2 files.
//!
//! Every reader checks sizes against [`Limits`] before allocating, every error names its file,
//! and every writer goes through [`medvol_core::atomic`] (temporary file renamed into place).
//! NIfTI stores RAS coordinates; the conversion to medvol's LPS happens in the `nifti` module
//! and nowhere else.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub use error::{Error, Result};
pub use limits::Limits;

pub mod dicom;
mod error;
mod limits;
pub mod nifti;

/// The README's example, compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
