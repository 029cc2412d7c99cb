//! Filters in physical units for medvol volumes: Gaussian, median, resample, normalisation and
//! thresholds, with block processing that equals whole-volume processing bit for bit.
//!
//! Three layers, one per kind of caller:
//! 1. one-line functions: [`gaussian`], [`median`], [`resample_isotropic`], [`zscore`],
//!    [`rescale`], [`threshold`], [`otsu_threshold`];
//! 2. validated option structs, checked when built: [`Gaussian`] (sigma in millimetres,
//!    [`GaussianMethod::Discrete`] or [`GaussianMethod::Recursive`]), [`Median`], [`Resample`],
//!    [`Normalize`], [`Threshold`];
//! 3. the [`Filter`] trait those neighbourhood operations implement, so [`Blocked`] can run any
//!    of them block by block, in parallel, with the same bits as a whole-volume run.
//!
//! Every filter keeps the volume's geometry (resampling replaces it with the target grid).
//! [`Gaussian::apply_in_place`] smooths an `f32` volume without a second volume, and
//! [`Gaussian::apply_to_f32`] converts any voxel type inside its first pass;
//! [`Normalize::apply_in_place`] maps an `f32` volume without a second one. Fresh outputs are
//! advised as transparent huge pages on Linux (far fewer page faults on first touch).
//!
//! ```
//! use medvol_core::phantom::HeadPhantom;
//! use medvol_filter::{Blocked, Filter, Gaussian, Sigma};
//!
//! let ct = HeadPhantom::new([48, 48, 32], [1.0, 1.0, 2.0])?.generate().cast::<f32>();
//! // One-liner: 1 mm Gaussian, edges replicated, as scipy's gaussian_filter(mode='nearest').
//! let smooth = medvol_filter::gaussian(&ct, 1.0)?;
//! // The same filter in z-slabs of 5 slices: the same bits.
//! let g = Gaussian::new(Sigma::iso_mm(1.0))?;
//! assert_eq!(Blocked::new(g).with_slices(5)?.apply(&ct)?, smooth);
//! assert_eq!(smooth.geometry(), ct.geometry());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | feature | default | effect |
//! |---|---|---|
//! | `rayon` | yes | filters and blocks run in parallel in the caller's rayon pool (same bits for any thread count) |
//!
//! Hot loops live in `kernel/`: a scalar reference and its AVX2 build, chosen at run time from
//! [`medvol_core::Isa`]; every path gives the same bits.

#![deny(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub use block::Blocked;
pub use error::{Error, Result};
pub use filter::Filter;
pub use gaussian::{Gaussian, GaussianMethod, Sigma, gaussian};
pub use median::{Median, median};
pub use normalize::{Normalize, rescale, zscore};
pub use resample::{Interpolation, Resample, resample, resample_isotropic};
pub use threshold::{Threshold, otsu_threshold, threshold};

mod block;
mod error;
mod filter;
mod gaussian;
mod kernel;
mod lines;
mod median;
mod normalize;
mod output;
mod resample;
mod threshold;

/// The README's example, compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
