//! GE `epi_pepolar` (the ABCD phase-encoding-reversal EPI): volumes acquired with reversed
//! phase encoding are stored with their rows in reverse order while the header states the
//! same geometry as the forward ones, so read as stored they are upside down.
//!
//! The facts, as dcm2niix's validation set `dcm_qa_polar` documents them (dcm2niix flips
//! these rows from v1.0.20210814): the series is `epi_pepolar` when the private
//! PulseSequenceName (0019,xx9C, creator GEMS_ACQU_01) contains `epi_pepolar`; the private
//! UserData12 (0019,xxB3) gives the scheme: 0 every volume forward, 1 every volume reversed,
//! 2 reversed then forward (odd volumes, counted from 1, reversed), 3 forward then reversed.
//! The volume count is medvol's time order. No such file is in the test data: the tests build
//! the case from a real GE file with the private elements set, so a real series must confirm it.

use crate::dicom::attr::{private, text};
use crate::dicom::read::series::SeriesInfo;
use crate::{Error, Result};
use dicom_core::value::PrimitiveValue;
use dicom_object::InMemDicomObject;

/// What to do with the rows of a GE `epi_pepolar` volume acquired with reversed phase
/// encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Pepolar {
    /// Reverse its rows so the voxels match the stated geometry, as dcm2niix does, with a
    /// warning (the default).
    #[default]
    Flip,
    /// Keep the rows as stored (upside down), with a warning.
    AsStored,
    /// Fail with [`Error::Unsupported`] rather than read it.
    Refuse,
}

const CREATOR: &str = "GEMS_ACQU_01";

/// UserData12 as a scheme number, whether written as text (DS) or as raw bytes (implicit VR
/// files read private elements as UN).
fn scheme(obj: &InMemDicomObject) -> Option<String> {
    let tag = private(obj, 0x0019, CREATOR, 0xB3)?;
    match obj.get(tag)?.value().primitive()? {
        PrimitiveValue::U8(bytes) => Some(String::from_utf8_lossy(bytes).trim().to_string()),
        _ => text(obj, tag),
    }
    .map(|s| {
        s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string()
    })
}

/// The scheme of the file `info` starts with: `None` for anything but `epi_pepolar`, else
/// UserData12 (0 to 3) or why it is unusable.
fn pepolar_scheme(info: &SeriesInfo) -> Result<Option<std::result::Result<u8, String>>> {
    let obj = info.first_header()?;
    let is_pepolar = private(&obj, 0x0019, CREATOR, 0x9C)
        .and_then(|t| text(&obj, t))
        .is_some_and(|s| s.to_ascii_lowercase().contains("epi_pepolar"));
    if !is_pepolar {
        return Ok(None);
    }
    Ok(Some(match scheme(&obj) {
        None => Err("no UserData12 (0019,xxB3)".to_string()),
        Some(s) => match s.parse::<f64>() {
            Ok(v) if v.fract() == 0.0 && (0.0..=3.0).contains(&v) => Ok(v as u8),
            _ => Err(format!("UserData12 (0019,xxB3) is {s:?}, not 0 to 3")),
        },
    }))
}

/// Whether the rows of `info`'s voxels are to be reversed, and what to tell the user.
///
/// # Errors
/// [`Error::Unsupported`] for a reversed volume under [`Pepolar::Refuse`], and for an
/// `epi_pepolar` series whose scheme is unknown (unless [`Pepolar::AsStored`]).
pub(crate) fn reversed_rows(info: &SeriesInfo, policy: Pepolar) -> Result<(bool, Option<String>)> {
    let Some(scheme) = pepolar_scheme(info)? else {
        return Ok((false, None));
    };
    let path = info.sources[0].header.path.clone();
    let scheme = match (scheme, policy) {
        (Ok(s), _) => s,
        (Err(why), Pepolar::AsStored) => {
            return Ok((
                false,
                Some(format!(
                    "GE epi_pepolar series with {why}: which volumes are stored upside down is \
                     unknown; rows kept as stored (Pepolar::AsStored)"
                )),
            ));
        }
        (Err(why), _) => {
            return Err(Error::Unsupported {
                path,
                what: format!(
                    "GE epi_pepolar series with {why}: which volumes have reversed phase \
                     encoding (stored upside down) is unknown (Pepolar::AsStored reads the \
                     rows as stored)"
                ),
            });
        }
    };
    let (t, n) = info.time_point.unwrap_or((0, 1));
    let reversed = match scheme {
        0 => false,
        1 => true,
        2 => t % 2 == 0,
        _ => t % 2 == 1,
    };
    if !reversed {
        return Ok((false, None));
    }
    let which = format!(
        "GE epi_pepolar (UserData12 {scheme}): volume {} of {n} has reversed phase encoding \
         and is stored with its rows upside down",
        t + 1
    );
    match policy {
        Pepolar::Flip => Ok((
            true,
            Some(format!(
                "{which}: rows reversed so the voxels match the geometry, as dcm2niix does \
                 (Pepolar::AsStored keeps them)"
            )),
        )),
        Pepolar::AsStored => Ok((
            false,
            Some(format!(
                "{which}: kept as stored (Pepolar::AsStored), so its voxels do not match the \
                 geometry (Pepolar::Flip, the default, reverses the rows)"
            )),
        )),
        Pepolar::Refuse => Err(Error::Unsupported {
            path,
            what: format!("{which} (Pepolar::Refuse; Pepolar::Flip reverses the rows)"),
        }),
    }
}

/// Reverses the rows (j) of every plane of a buffer of `dims[2]` planes of `dims[0] x dims[1]`
/// voxels (i fastest).
pub(crate) fn flip_rows<T>(data: &mut [T], dims: [usize; 3]) {
    let [nx, ny, _] = dims;
    for plane in data.chunks_exact_mut(nx * ny) {
        for j in 0..ny / 2 {
            let (top, bottom) = plane.split_at_mut((ny - 1 - j) * nx);
            top[j * nx..(j + 1) * nx].swap_with_slice(&mut bottom[..nx]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::flip_rows;

    #[test]
    fn rows_are_reversed_in_every_plane() {
        let mut v: Vec<u8> = (0..2 * 3 * 2).collect();
        flip_rows(&mut v, [2, 3, 2]);
        assert_eq!(v, [4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7]);
    }
}
