//! Siemens mosaic images: the slices of one acquisition tiled into one image.
//!
//! A mosaic holds `n` slices of equal size laid out row by row in a square of
//! `ceil(sqrt(n))` tiles per side (unused tiles are blank). `n` comes from the element
//! `NumberOfImagesInMosaic` of the Siemens CSA image header (0029,xx10), or from the private
//! (0019,xx0A); the direction in which the slices advance from the CSA `SliceNormalVector`.
//! ImagePositionPatient of a mosaic places the whole mosaic image so that its centre is the
//! centre of the first slice: the first tile's first voxel lies half the difference between the
//! mosaic's and the tile's extents further along the rows and the columns.

use crate::dicom::attr::{private, private_count};
use dicom_object::InMemDicomObject;
use medvol_core::{Point, Vector};

/// Most elements a CSA header may announce (real ones hold about 100).
const MAX_CSA_ELEMENTS: u32 = 4096;
/// Most items one CSA element may announce (real ones hold at most a few hundred).
const MAX_CSA_ITEMS: u32 = 65536;
/// Most slices of one mosaic (a tile count is a 16-bit word in (0019,xx0A)).
const MAX_TILES: u32 = 65535;

/// How the slices of a Siemens mosaic image are laid out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mosaic {
    /// Number of slices (tiles in use).
    pub(crate) count: u32,
    /// Tiles per row and per column of the mosaic.
    pub(crate) per_row: u32,
    /// Size of one tile: columns (along i), rows (along j).
    pub(crate) tile: [u32; 2],
    /// CSA SliceNormalVector: the direction in which tile 0, 1, ... advance (unit vector).
    pub(crate) normal: Option<[f64; 3]>,
    /// Where the count came from, for the warnings.
    pub(crate) count_source: &'static str,
    /// What went wrong on the way (an unreadable CSA header with a usable fallback).
    pub(crate) notes: Vec<String>,
    /// Whose layout this is, for the warnings (`"Siemens"`, `"UIH VFRAME"`).
    pub(crate) vendor: &'static str,
    /// The first voxel of each tile (LPS mm) when the file gives them (UIH VFRAME), else
    /// derived from the image's position ([`Mosaic::first_tile_origin`]).
    pub(crate) positions: Option<Vec<[f64; 3]>>,
}

/// The Siemens CSA image header elements this module uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CsaImage {
    /// NumberOfImagesInMosaic.
    pub(crate) images_in_mosaic: Option<u32>,
    /// SliceNormalVector (as written, not normalised).
    pub(crate) slice_normal: Option<[f64; 3]>,
}

/// A little-endian reader over a byte slice that never reads past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| {
                format!(
                    "CSA header truncated: {what} needs {n} bytes at offset {} of {}",
                    self.at,
                    self.bytes.len()
                )
            })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Text of a CSA string: up to the first NUL, trimmed.
fn csa_text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).trim().to_string()
}

/// Parses a Siemens CSA header in the SV10 layout and keeps the elements [`CsaImage`] names.
///
/// Layout (all integers little-endian 32-bit): `"SV10"`, 4 bytes, element count, 4 bytes;
/// per element a 64-byte NUL-terminated name, VM, 4-byte VR, SyngoDT, item count, 4 bytes;
/// per item 4 integers (the second is the value length), the value, padded to 4 bytes.
/// Every count is capped and every length checked against the bytes at hand.
pub(crate) fn parse_csa(bytes: &[u8]) -> Result<CsaImage, String> {
    let mut c = Cursor { bytes, at: 0 };
    if c.take(4, "signature")? != b"SV10" {
        return Err("CSA header is not in the SV10 layout".into());
    }
    c.take(4, "signature")?;
    let n = c.u32("element count")?;
    if n > MAX_CSA_ELEMENTS {
        return Err(format!(
            "CSA header announces {n} elements (at most {MAX_CSA_ELEMENTS})"
        ));
    }
    c.take(4, "element count")?;
    let mut out = CsaImage::default();
    for _ in 0..n {
        let name = csa_text(c.take(64, "element name")?);
        c.take(4 + 4 + 4, "element header")?;
        let items = c.u32("item count")?;
        if items > MAX_CSA_ITEMS {
            return Err(format!(
                "CSA element {name} announces {items} items (at most {MAX_CSA_ITEMS})"
            ));
        }
        c.take(4, "element header")?;
        let wanted = matches!(
            name.as_str(),
            "NumberOfImagesInMosaic" | "SliceNormalVector"
        );
        let mut values: Vec<String> = Vec::new();
        for _ in 0..items {
            c.take(4, "item header")?;
            let len = c.u32("item length")? as usize;
            c.take(8, "item header")?;
            let value = c.take(len, "item value")?;
            c.take((4 - len % 4) % 4, "item padding")?;
            if wanted && values.len() < 3 {
                values.push(csa_text(value));
            }
        }
        match name.as_str() {
            "NumberOfImagesInMosaic" => {
                out.images_in_mosaic = values.first().and_then(|v| v.parse().ok());
            }
            "SliceNormalVector" => {
                let v: Vec<f64> = values
                    .iter()
                    .filter_map(|v| v.parse::<f64>().ok())
                    .filter(|x| x.is_finite())
                    .collect();
                out.slice_normal = v.try_into().ok();
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Smallest `s` with `s * s >= n`.
pub(crate) fn ceil_sqrt(n: u32) -> u32 {
    let mut s = f64::from(n).sqrt() as u32;
    while u64::from(s) * u64::from(s) < u64::from(n) {
        s += 1;
    }
    while s > 0 && u64::from(s - 1) * u64::from(s - 1) >= u64::from(n) {
        s -= 1;
    }
    s
}

impl Mosaic {
    /// The layout of a Siemens mosaic (ImageType MOSAIC), from the CSA image header or the
    /// private NumberOfImagesInMosaic; `Err` says why the file cannot be split.
    pub(crate) fn layout(
        obj: &InMemDicomObject,
        columns: u32,
        rows: u32,
        frames: u32,
    ) -> Result<Self, String> {
        if frames != 1 {
            return Err(format!("{frames} frames (a mosaic is one image)"));
        }
        let mut notes = Vec::new();
        let csa = match private(obj, 0x0029, "SIEMENS CSA HEADER", 0x10) {
            None => {
                notes.push("no CSA image header (0029,xx10)".to_string());
                CsaImage::default()
            }
            Some(tag) => match obj.get(tag).map(|e| e.value().to_bytes()) {
                Some(Ok(bytes)) => parse_csa(&bytes).unwrap_or_else(|e| {
                    notes.push(e);
                    CsaImage::default()
                }),
                _ => {
                    notes.push("CSA image header (0029,xx10) is not a byte string".into());
                    CsaImage::default()
                }
            },
        };
        let (count, count_source) = match csa.images_in_mosaic {
            Some(n) => (n, "the CSA header's NumberOfImagesInMosaic"),
            None => {
                let n = private(obj, 0x0019, "SIEMENS MR HEADER", 0x0A)
                    .and_then(|t| private_count(obj, t))
                    .ok_or_else(|| {
                        let why = if notes.is_empty() {
                            "no NumberOfImagesInMosaic in the CSA header".to_string()
                        } else {
                            notes.join("; ")
                        };
                        format!("no slice count: {why}, and no (0019,xx0A)")
                    })?;
                (n, "(0019,xx0A) NumberOfImagesInMosaic")
            }
        };
        if !(1..=MAX_TILES).contains(&count) {
            return Err(format!(
                "NumberOfImagesInMosaic {count} outside 1..={MAX_TILES}"
            ));
        }
        let per_row = ceil_sqrt(count);
        if !columns.is_multiple_of(per_row) || !rows.is_multiple_of(per_row) {
            return Err(format!(
                "a {columns}x{rows} image does not divide into {per_row}x{per_row} tiles for \
                 {count} slices"
            ));
        }
        let normal = csa.slice_normal.and_then(|v| {
            let n = Vector(v);
            let len = n.norm();
            (len > 0.5 && len < 2.0).then(|| (n * (1.0 / len)).0)
        });
        if csa.slice_normal.is_some() && normal.is_none() {
            notes.push("CSA SliceNormalVector is not a unit vector: ignored".into());
        }
        Ok(Self {
            count,
            per_row,
            tile: [columns / per_row, rows / per_row],
            normal,
            count_source,
            notes,
            vendor: "Siemens",
            positions: None,
        })
    }

    /// The centre of tile 0's first voxel, from the mosaic's ImagePositionPatient, row and
    /// column unit vectors, pixel spacing (along i, j) and mosaic size (columns, rows).
    pub(crate) fn first_tile_origin(
        &self,
        ipp: Point,
        axes: [Vector; 2],
        pixel: [f64; 2],
        mosaic: [u32; 2],
    ) -> Point {
        let half = |a: usize| f64::from(mosaic[a] - self.tile[a]) / 2.0 * pixel[a];
        ipp + axes[0] * half(0) + axes[1] * half(1)
    }

    /// The tiles in k order with the centre of each one's first voxel (LPS mm), and what to
    /// report. k ascends along row x column (`axes[2]`): the CSA SliceNormalVector's sign
    /// relative to it says whether tile 0 is the first or the last slice. `spacing` is the
    /// distance between slices (mm) and the attribute it came from. Without position or
    /// orientation the tiles keep their stored order and have no position.
    pub(crate) fn slices(
        &self,
        ipp: Option<[f64; 3]>,
        axes: Option<[Vector; 3]>,
        pixel: [f64; 2],
        mosaic: [u32; 2],
        (spacing, spacing_source): (f64, &str),
    ) -> (Vec<(u32, Option<Point>)>, Vec<String>) {
        let vendor = self.vendor;
        let mut notes: Vec<String> = self
            .notes
            .iter()
            .map(|n| format!("{vendor} mosaic: {n}"))
            .collect();
        let cut = format!(
            "{vendor} mosaic: {} slices of {}x{} cut from the {}x{} image (count from {})",
            self.count, self.tile[0], self.tile[1], mosaic[0], mosaic[1], self.count_source
        );
        if let (Some(positions), Some(axes)) = (&self.positions, axes) {
            notes.push(format!("{cut}; each slice at its own ImagePositionPatient"));
            let along = |p: &[f64; 3]| Vector(*p).dot(axes[2]);
            let mut tiles: Vec<(u32, &[f64; 3])> = (0..self.count).zip(positions).collect();
            tiles.sort_by(|a, b| along(a.1).total_cmp(&along(b.1)));
            return (
                tiles
                    .into_iter()
                    .map(|(t, p)| (t, Some(Point(*p))))
                    .collect(),
                notes,
            );
        }
        let (Some(ipp), Some(axes)) = (ipp, axes) else {
            notes.push(cut);
            return ((0..self.count).map(|t| (t, None)).collect(), notes);
        };
        let cosine = self.normal.map(|n| Vector(n).dot(axes[2]));
        let sign = match cosine {
            Some(c) if c.abs() >= 0.5 => {
                if c.abs() < 0.9999 {
                    notes.push(format!(
                        "Siemens mosaic: CSA SliceNormalVector is {:.2} degrees from row x \
                         column; slices placed along row x column",
                        c.abs().min(1.0).acos().to_degrees()
                    ));
                }
                c.signum()
            }
            Some(_) => {
                notes.push(
                    "Siemens mosaic: CSA SliceNormalVector lies in the image plane: ignored, \
                     slices assumed to advance along row x column"
                        .into(),
                );
                1.0
            }
            None => {
                notes.push(
                    "Siemens mosaic: no SliceNormalVector in the CSA header: slices assumed to \
                     advance along row x column"
                        .into(),
                );
                1.0
            }
        };
        notes.push(format!(
            "{cut}; k spacing {spacing} mm from {spacing_source} (a mosaic has one position); \
             tile order {} along the slice normal",
            if sign > 0.0 {
                "ascending"
            } else {
                "descending, so k runs from the last tile to the first"
            }
        ));
        let first = self.first_tile_origin(Point(ipp), [axes[0], axes[1]], pixel, mosaic);
        let at = |t: u32| Some(first + axes[2] * (sign * spacing * f64::from(t)));
        let tiles: Vec<(u32, Option<Point>)> = if sign > 0.0 {
            (0..self.count).map(|t| (t, at(t))).collect()
        } else {
            (0..self.count).rev().map(|t| (t, at(t))).collect()
        };
        (tiles, notes)
    }

    /// Copies tile `t` (row-major tile order) of a decoded mosaic image (`columns` wide)
    /// into `dst` (one tile, i fastest).
    pub(crate) fn copy_tile<T: Copy>(&self, image: &[T], columns: usize, t: u32, dst: &mut [T]) {
        let [tw, th] = self.tile.map(|v| v as usize);
        let (row, col) = ((t / self.per_row) as usize, (t % self.per_row) as usize);
        for (y, out) in dst.chunks_exact_mut(tw).take(th).enumerate() {
            let start = (row * th + y) * columns + col * tw;
            out.copy_from_slice(&image[start..start + tw]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_sqrt_is_exact() {
        for n in 1..=10_000u32 {
            let s = ceil_sqrt(n);
            assert!(s * s >= n && (s - 1) * (s - 1) < n, "{n}: {s}");
        }
        assert_eq!(ceil_sqrt(MAX_TILES), 256);
    }

    #[test]
    fn tiles_are_cut_row_by_row() {
        let m = Mosaic {
            count: 3,
            per_row: 2,
            tile: [3, 2],
            normal: None,
            count_source: "test",
            notes: Vec::new(),
            vendor: "Siemens",
            positions: None,
        };
        let image: Vec<u32> = (0..6 * 4).collect();
        let mut t = [0u32; 6];
        m.copy_tile(&image, 6, 1, &mut t);
        assert_eq!(t, [3, 4, 5, 9, 10, 11]);
        m.copy_tile(&image, 6, 2, &mut t);
        assert_eq!(t, [12, 13, 14, 18, 19, 20]);
    }
}
