//! United Imaging (UIH) "VFRAME" images (the SaveBySlc DTI/fMRI export): the slices of one
//! time point tiled into one image, like a Siemens mosaic, with each slice's own
//! ImagePositionPatient in the items of the private sequence (0065,xx51) (creator
//! "Image Private Header").
//!
//! Layout (checked against dcm2niix's output for the `dcm_qa_uih` series): `n` tiles (one per
//! item) laid out row by row, `ceil(sqrt(n))` per row, as many rows as needed; tile `t`'s first
//! voxel is at item `t`'s ImagePositionPatient. ImageOrientationPatient and PixelSpacing are
//! the image's own. A file whose tiles do not divide the image, or whose items lack a position,
//! is not split (read as one image, geometry invented and flagged).

use super::mosaic::{Mosaic, ceil_sqrt};
use crate::dicom::attr::{floats, private};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// Most slices of one VFRAME image (as for Siemens mosaics).
const MAX_TILES: usize = 65535;

/// The layout of a VFRAME image, or why it cannot be split.
pub(crate) fn layout(
    obj: &InMemDicomObject,
    columns: u32,
    rows: u32,
    frames: u32,
) -> Result<Mosaic, String> {
    if frames != 1 {
        return Err(format!("{frames} frames (a VFRAME image is one image)"));
    }
    let items = private(obj, 0x0065, "Image Private Header", 0x51)
        .and_then(|tag| obj.get(tag))
        .and_then(|e| e.value().items())
        .ok_or("no per-slice sequence (0065,xx51)")?;
    if items.is_empty() || items.len() > MAX_TILES {
        return Err(format!(
            "{} items in (0065,xx51) (1..={MAX_TILES} slices expected)",
            items.len()
        ));
    }
    let positions = items
        .iter()
        .enumerate()
        .map(|(t, item)| {
            let p = floats(item, tags::IMAGE_POSITION_PATIENT);
            p.get(..3)
                .and_then(|s| <[f64; 3]>::try_from(s).ok())
                .ok_or_else(|| format!("item {t} of (0065,xx51) has no ImagePositionPatient"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let count = positions.len() as u32;
    let per_row = ceil_sqrt(count);
    let tile_rows = count.div_ceil(per_row);
    if !columns.is_multiple_of(per_row) || !rows.is_multiple_of(tile_rows) {
        return Err(format!(
            "a {columns}x{rows} image does not divide into {per_row}x{tile_rows} tiles for \
             {count} slices"
        ));
    }
    Ok(Mosaic {
        count,
        per_row,
        tile: [columns / per_row, rows / tile_rows],
        normal: None,
        count_source: "the items of (0065,xx51)",
        notes: Vec::new(),
        vendor: "UIH VFRAME",
        positions: Some(positions),
    })
}
