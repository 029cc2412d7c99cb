//! Filters in physical units for medvol volumes: Gaussian, median, resample, normalisation and
//! thresholds, with block processing that equals whole-volume processing bit for bit.
//!
//! This crate is being built: its filters land with the filter issue.

#![warn(missing_docs)]
