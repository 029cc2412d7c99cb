//! RT Dose grids (PS3.3 C.8.8.3): the frames of a multi-frame dose are planes of one volume,
//! not time points. FrameIncrementPointer names GridFrameOffsetVector (3004,000C), whose `n`
//! values place frame `f` along the normal of ImageOrientationPatient: relative to
//! ImagePositionPatient when the first value is 0, or (axial grids only) as patient z
//! coordinates when the first value is ImagePositionPatient's z. Stored values times
//! DoseGridScaling (3004,000E) are the dose in DoseUnits (Gy, or relative).

use super::geometry::axes_from_iop;
use crate::dicom::attr::{float, floats};
use crate::dicom::read::frame::FrameHeader;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use medvol_core::{Point, Vector};

/// Farthest the first GridFrameOffsetVector value may be from 0 (or from the z of
/// ImagePositionPatient) to say which form the vector takes (mm).
const FORM_TOLERANCE_MM: f64 = 1e-3;

/// The frames of a dose grid placed at their planes and scaled to dose; other files' frames
/// unchanged. `Err` (why) for a dose grid whose frames cannot be placed: the file is skipped
/// with that reason rather than read as co-located time points.
pub(crate) fn place_frames(
    obj: &InMemDicomObject,
    mut frames: Vec<FrameHeader>,
) -> Result<Vec<FrameHeader>, String> {
    let Some(offsets) = obj
        .get(tags::GRID_FRAME_OFFSET_VECTOR)
        .map(|_| floats(obj, tags::GRID_FRAME_OFFSET_VECTOR))
    else {
        return Ok(frames);
    };
    let pointer = obj
        .get(tags::FRAME_INCREMENT_POINTER)
        .and_then(|e| e.value().to_tag().ok());
    if frames.len() > 1 && pointer != Some(tags::GRID_FRAME_OFFSET_VECTOR) {
        return Err(format!(
            "RT Dose with {} frames whose FrameIncrementPointer is {} instead of \
             GridFrameOffsetVector (3004,000C): frame positions unknown",
            frames.len(),
            pointer.map_or("absent".into(), |t| t.to_string())
        ));
    }
    if offsets.len() != frames.len() {
        return Err(format!(
            "GridFrameOffsetVector holds {} finite values for {} frames",
            offsets.len(),
            frames.len()
        ));
    }
    if let Some(scaling) = obj
        .get(tags::DOSE_GRID_SCALING)
        .map(|_| float(obj, tags::DOSE_GRID_SCALING).filter(|s| s.is_finite() && *s != 0.0))
    {
        let s = scaling.ok_or("DoseGridScaling is not a finite non-zero number")?;
        for f in &mut frames {
            f.rescale = (f.rescale.0 * s, f.rescale.1 * s);
        }
    }
    let (Some(ipp), Some(iop)) = (frames[0].position, frames[0].orientation) else {
        return Ok(frames); // no geometry to place: the scan says so
    };
    let normal =
        axes_from_iop(iop).ok_or("ImageOrientationPatient of the dose grid is not usable")?[2];
    let base = relative_base(&offsets, ipp, normal)?;
    for (f, off) in frames.iter_mut().zip(&offsets) {
        f.position = Some((Point(ipp) + normal * (off - base)).0);
    }
    Ok(frames)
}

/// The value of GridFrameOffsetVector at ImagePositionPatient: 0 (relative form) or the first
/// value when it is the z of ImagePositionPatient on an axial grid (absolute form).
fn relative_base(offsets: &[f64], ipp: [f64; 3], normal: Vector) -> Result<f64, String> {
    let first = offsets[0];
    if first.abs() <= FORM_TOLERANCE_MM {
        return Ok(0.0);
    }
    let axial = (normal.0[2] - 1.0).abs() < 1e-6;
    if axial && (first - ipp[2]).abs() <= FORM_TOLERANCE_MM {
        return Ok(first);
    }
    Err(format!(
        "GridFrameOffsetVector starts at {first} mm, neither 0 (offsets from \
         ImagePositionPatient) nor its z {} on an axial grid: frame positions unknown",
        ipp[2]
    ))
}
