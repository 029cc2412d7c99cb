//! Philips intensity scaling: display values (the DICOM rescale) or Philips' floating-point
//! values, as dcm2niix writes them.
//!
//! Philips MR files carry three scales (the PAR/REC convention, PMC3998685): with PV the
//! stored value, RS/RI RescaleSlope/Intercept and SS the private MR_ScaleSlope (2005,100E),
//! the display value is `DV = PV * RS + RI` and the floating-point value `FP = DV / (RS * SS)`.
//! Enhanced files give RS/RI per frame (Pixel Value Transformation Sequence) and SS per frame
//! in the private sequence (2005,140F).

use crate::dicom::read::header::FileHeader;
use crate::dicom::read::series::SeriesInfo;
use std::borrow::Cow;
use std::sync::Arc;

/// Which values a Philips MR series is read as (see [`ReadOptions::with_philips_scaling`]).
///
/// [`ReadOptions::with_philips_scaling`]: crate::dicom::ReadOptions::with_philips_scaling
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PhilipsScaling {
    /// The DICOM display values, stored x RescaleSlope + RescaleIntercept (what the console
    /// shows, and what any DICOM reader gives).
    #[default]
    Display,
    /// Philips' floating-point values, display / (RescaleSlope x MR_ScaleSlope (2005,100E)),
    /// per frame, as dcm2niix writes them: what quantitative maps (phase in radians, ASL,
    /// field maps) need. Files without MR_ScaleSlope keep their display values, with a warning.
    FloatingPoint,
}

/// The (slope, intercept) of Philips' floating-point values for a frame rescaled by
/// `(rs, ri)` with MR_ScaleSlope `ss`, computed as dcm2niix computes them (`PhilipsPrecise`):
/// in single precision, slope = FP(1) - FP(0) and intercept = FP(0), with
/// FP(pv) = (pv * RS + RI) / (RS * SS). Exactly, the slope is 1 / SS; the single-precision
/// difference departs from it by up to about 1e-4 (relative) when the intercept is large
/// (phase maps: -pi), and it is dcm2niix's values that users compare with.
fn floating_point((rs, ri): (f64, f64), ss: f64) -> (f64, f64) {
    let (rs, ri, ss) = (rs as f32, ri as f32, ss as f32);
    let fp = |pv: f32| (pv * rs + ri) / (rs * ss);
    let (l0, l1) = (fp(0.0), fp(1.0));
    if l0 == l1 || !l0.is_finite() || !l1.is_finite() {
        return (f64::from(rs), f64::from(ri));
    }
    (f64::from(l1 - l0), f64::from(l0))
}

/// `info` with each frame's rescale turned into the floating-point one ([`floating_point`]) under
/// [`PhilipsScaling::FloatingPoint`] (a warning when a frame has no MR_ScaleSlope); `info`
/// itself otherwise.
pub(crate) fn scaled(info: &SeriesInfo, scaling: PhilipsScaling) -> Cow<'_, SeriesInfo> {
    if scaling == PhilipsScaling::Display {
        return Cow::Borrowed(info);
    }
    let mut out = info.clone();
    // One new header per original, so frames of one file still share it.
    let mut done: Vec<(*const FileHeader, Arc<FileHeader>)> = Vec::new();
    let mut missing = 0usize;
    for src in &mut out.sources {
        let key = Arc::as_ptr(&src.header);
        if let Some((_, h)) = done.iter().find(|(k, _)| *k == key) {
            src.header = Arc::clone(h);
            continue;
        }
        let mut h = FileHeader::clone(&src.header);
        for frame in &mut h.frames {
            match frame.philips_scale_slope {
                Some(ss) => frame.rescale = floating_point(frame.rescale, ss),
                None => missing += 1,
            }
        }
        let h = Arc::new(h);
        done.push((key, Arc::clone(&h)));
        src.header = h;
    }
    if missing > 0 {
        out.warnings
            .push(medvol_core::Warning::PhilipsScaleSlopeMissing { frames: missing });
    }
    Cow::Owned(out)
}
