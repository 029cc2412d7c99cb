//! The file layer under every other room: opening a DICOM file behind the length guard, with
//! its VR UN elements re-typed.

pub(crate) mod guard;
pub(crate) mod retype;
