//! Grouping image headers into volumes ([`SeriesInfo`]) and sorting their slices.

use super::frame::FrameHeader;
use super::header::FileHeader;
use super::metadata::Metadata;
use super::sort::{self, Item, Sorted, frame};
use crate::dicom::file::Skipped;
use crate::dicom::place::geometry::{MAX_MISSING_RATIO, SliceSpacing, Stack, axes_from_iop};
use crate::{Limits, Result};
use medvol_core::{Affine, Direction, Geometry, Point, Vector, Warning};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One 2-D image of a volume, in k order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Slice {
    /// The file holding it.
    pub path: PathBuf,
    /// 0-based frame in that file (0 for single-frame files).
    pub frame: u32,
    /// 0-based tile of a mosaic image (Siemens MOSAIC, UIH VFRAME; row-major in the mosaic),
    /// `None` otherwise.
    pub tile: Option<u32>,
    /// ImagePositionPatient of its first voxel (LPS mm), if the file gives one.
    pub position: Option<Point>,
    /// InstanceNumber of its file.
    pub instance_number: Option<i64>,
}

/// One volume found by [`scan`](crate::dicom::scan): what it is, where its voxels are, and what was
/// noticed about it. Nothing is decoded until [`ScanReport::read`](crate::dicom::ScanReport::read).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SeriesInfo {
    /// Stable id: the SeriesInstanceUID, plus `/o<n>` (orientation or size group), `/e<n>`
    /// (echo), `/ph`, `/real` or `/imaginary` (a complex component other than the magnitude,
    /// when the series holds several) and `/t<n>` (time point, 1-based) when the series
    /// holds several volumes.
    pub id: String,
    /// Human label: series number and description, plus echo and time point when relevant.
    pub label: String,
    /// SeriesInstanceUID (0020,000E).
    pub series_uid: String,
    /// SeriesNumber (0020,0011).
    pub series_number: Option<i64>,
    /// SeriesDescription (0008,103E), empty when absent.
    pub series_description: String,
    /// Voxels along i (columns), j (rows) and k (slices).
    pub dims: [usize; 3],
    /// The orthonormal grid of the stack: i along the rows, j along the columns, k along the
    /// slice normal with the spacing measured from the positions (the mean when uniform, the
    /// first gap otherwise). Exact unless [`tilt_deg`](Self::tilt_deg) is non-zero or the
    /// spacing is not uniform. A Siemens mosaic has one position: its k spacing is
    /// SpacingBetweenSlices (SliceThickness when absent), as its warnings say.
    pub geometry: Geometry,
    /// Index (i, j, k, 1) to LPS mm of the slices as stored: the k column is the step between
    /// slice origins, so it is sheared for a tilted gantry.
    pub affine_acquired: Affine,
    /// Centres of the 8 corner voxels where they were acquired (LPS mm, i fastest then j then
    /// k), from the first and last slices' own positions.
    pub corners_acquired: [Point; 8],
    /// Slice positions along the normal (mm, ascending).
    pub positions_along_normal_mm: Vec<f64>,
    /// Spacing analysis of those positions.
    pub spacing: SliceSpacing,
    /// Gantry tilt estimated from the positions (degrees; 0 when the slice origins advance
    /// along the normal).
    pub tilt_deg: f64,
    /// GantryDetectorTilt (0018,1120) as written, degrees.
    pub gantry_detector_tilt_deg: Option<f64>,
    /// `(index, count)` of this time point when the series is 4-D (0-based index).
    pub time_point: Option<(usize, usize)>,
    /// Whether positions and orientation came from the files (false: unit spacing, origin 0,
    /// identity direction were assumed).
    pub has_geometry: bool,
    /// The slices in k order.
    pub slices: Vec<Slice>,
    /// Distinct files, in k order.
    pub files: Vec<PathBuf>,
    /// Distinct transfer syntax UIDs of those files.
    pub transfer_syntaxes: Vec<String>,
    /// What was noticed (spacing, gaps, duplicates, tilt, fallbacks), one sentence each.
    pub warnings: Vec<Warning>,
    /// Common attributes of the first file.
    pub metadata: Metadata,
    /// Where each slice (k order) is stored, for decoding.
    pub(crate) sources: Vec<Source>,
}

/// Where one slice of a volume is stored.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) header: Arc<FileHeader>,
    pub(crate) frame: u32,
    /// Tile of a mosaic frame, `None` for the whole frame.
    pub(crate) tile: Option<u32>,
}

impl SeriesInfo {
    /// Any attribute of the volume's first file, as text (multiple values joined by `\`).
    ///
    /// # Errors
    /// [`Error::Decode`](crate::Error::Decode) when the file can no longer be parsed.
    pub fn tag(&self, group: u16, element: u16) -> Result<Option<String>> {
        let obj = self.first_header()?;
        Ok(crate::dicom::attr::text(
            &obj,
            dicom_core::Tag(group, element),
        ))
    }

    /// The header (up to the pixel data) of the volume's first file, parsed again.
    pub(crate) fn first_header(&self) -> Result<dicom_object::DefaultDicomObject> {
        let path = &self.sources[0].header.path;
        crate::dicom::file::open_checked(
            path,
            Some(dicom_dictionary_std::tags::PIXEL_DATA),
            "reading DICOM header",
        )
    }
}

/// Groups headers into volumes; files that cannot form part of one go to `skipped`, and so
/// do all files of a series that would make more volumes than `limits` allow
/// ([`Limits::max_series_volumes`]).
pub(crate) fn group(
    headers: Vec<Arc<FileHeader>>,
    skipped: &mut Vec<Skipped>,
    limits: &Limits,
) -> Vec<SeriesInfo> {
    let (kept, notes) = one_per_instance(headers, skipped);
    let series = by_series(kept);
    let mut numbers_per_uid: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, uid) in series.keys() {
        *numbers_per_uid.entry(uid).or_default() += 1;
    }
    let shared_uid: Vec<String> = numbers_per_uid
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(u, _)| u.to_string())
        .collect();
    let mut volumes = Vec::new();
    for ((number, uid), items) in series {
        // Each file's frames are consecutive, frame 0 first.
        let files: Vec<PathBuf> = items
            .iter()
            .filter(|it| it.1 == 0)
            .map(|it| it.0.path.clone())
            .collect();
        let cap = usize::try_from(limits.max_series_volumes)
            .unwrap_or(usize::MAX)
            .max(files.len());
        let too_many = |wanted: String| {
            let reason = format!(
                "series {uid} would make {wanted} volumes (time points, echoes or groups) of \
                 its {} file(s): more than Limits::max_series_volumes ({})",
                files.len(),
                limits.max_series_volumes
            );
            files.iter().map(move |path| Skipped {
                path: path.clone(),
                reason: reason.clone(),
            })
        };
        let Some(groups) = split_groups(items, cap) else {
            skipped.extend(too_many(format!("more than {cap}")));
            continue;
        };
        let groups = without_localizers(groups, &uid, skipped);
        let series = Series {
            uid: &uid,
            number: shared_uid.contains(&uid).then_some(number),
            notes: notes.get(&uid).map(Vec::as_slice).unwrap_or_default(),
            cap,
        };
        match series.volumes(groups) {
            Ok(mut v) => volumes.append(&mut v),
            Err(wanted) => skipped.extend(too_many(format!("at least {wanted}"))),
        }
    }
    volumes
}

/// One copy of each SOP instance (the first by path); the others go to `skipped`, with a
/// warning for their series (by series UID).
fn one_per_instance(
    headers: Vec<Arc<FileHeader>>,
    skipped: &mut Vec<Skipped>,
) -> (Vec<Arc<FileHeader>>, BTreeMap<String, Vec<Warning>>) {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut notes: BTreeMap<String, Vec<Warning>> = BTreeMap::new();
    let mut kept = Vec::new();
    for h in headers {
        if !h.sop_instance_uid.is_empty() {
            if let Some(first) = seen.get(&h.sop_instance_uid) {
                notes
                    .entry(h.series_uid.clone())
                    .or_default()
                    .push(Warning::DuplicateInstance {
                        path: h.path.clone(),
                        first: first.clone(),
                    });
                skipped.push(Skipped {
                    path: h.path.clone(),
                    reason: format!("duplicate of SOP instance in {}", first.display()),
                });
                continue;
            }
            seen.insert(h.sop_instance_uid.clone(), h.path.clone());
        }
        kept.push(h);
    }
    (kept, notes)
}

/// The frames of `headers` by (series number, series UID); a file without a series UID is a
/// series of its own.
fn by_series(headers: Vec<Arc<FileHeader>>) -> BTreeMap<(i64, String), Vec<Item>> {
    let mut series: BTreeMap<(i64, String), Vec<Item>> = BTreeMap::new();
    for h in headers {
        let uid = if h.series_uid.is_empty() {
            format!("file:{}", h.path.display())
        } else {
            h.series_uid.clone()
        };
        let key = (h.series_number.unwrap_or(i64::MAX), uid);
        for f in 0..h.number_of_frames {
            series.entry(key.clone()).or_default().push((h.clone(), f));
        }
    }
    series
}

/// `groups` without the localizers of another geometry than the series' main group (their
/// files go to `skipped`).
fn without_localizers(groups: Vec<Group>, uid: &str, skipped: &mut Vec<Skipped>) -> Vec<Group> {
    let main = groups.iter().map(|g| g.items.len()).max().unwrap_or(0);
    let n_groups = groups.len();
    let mut kept = Vec::new();
    for g in groups {
        let localizer = g.items.iter().all(|it| {
            it.0.image_type
                .iter()
                .any(|t| t.eq_ignore_ascii_case("LOCALIZER"))
        });
        if localizer && n_groups > 1 && g.items.len() < main {
            for it in &g.items {
                skipped.push(Skipped {
                    path: it.0.path.clone(),
                    reason: format!(
                        "localizer of a different geometry than the rest of series {uid}"
                    ),
                });
            }
            continue;
        }
        kept.push(g);
    }
    kept
}

/// The distinct values of `v`, sorted.
fn distinct<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// One series being turned into volumes.
struct Series<'a> {
    uid: &'a str,
    /// The series number, when the UID is shared by several numbers (ids get `/s<n>`).
    number: Option<i64>,
    /// Warnings of the whole series, put first in each volume's.
    notes: &'a [Warning],
    /// Most volumes the series may make.
    cap: usize,
}

impl Series<'_> {
    /// The volumes of `groups`, with their ids and labels; `Err(wanted)` when they would be
    /// more than the cap.
    fn volumes(&self, groups: Vec<Group>) -> std::result::Result<Vec<SeriesInfo>, usize> {
        let multi = groups.len() > 1;
        let echoes: Vec<i64> = distinct(groups.iter().map(|g| g.echo).collect());
        let components = distinct(groups.iter().map(|g| g.component.clone()).collect()).len();
        let mut out = Vec::new();
        for (gi, g) in groups.into_iter().enumerate() {
            let (suffix, label_extra) = self.names(&g, (multi, gi), &echoes, components);
            let sorted = sort::volumes(g.items, self.cap - out.len())
                .map_err(|wanted| out.len() + wanted)?;
            for sorted in sorted {
                let mut v = finish(self.uid, sorted);
                v.id = format!("{}{suffix}{}", self.uid, v.id);
                if !label_extra.is_empty() {
                    v.label = format!("{}{label_extra}", v.label);
                }
                if let Some((t, n)) = v.time_point {
                    v.label = format!("{} t{}/{n}", v.label, t + 1);
                }
                v.warnings.splice(0..0, self.notes.iter().cloned());
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The id suffix and label addition of group `g` (number `gi` of several when `multi`):
    /// series number, orientation group, echo and complex component, as needed to tell the
    /// volumes of the series apart.
    fn names(
        &self,
        g: &Group,
        (multi, gi): (bool, usize),
        echoes: &[i64],
        components: usize,
    ) -> (String, String) {
        let mut suffix = String::new();
        let mut label_extra = String::new();
        if let Some(number) = self.number {
            suffix.push_str(&format!("/s{number}"));
        }
        if multi {
            suffix.push_str(&format!("/o{}", gi + 1));
        }
        if echoes.len() > 1 {
            let e = echoes.iter().position(|&e| e == g.echo).unwrap_or(0) + 1;
            suffix.push_str(&format!("/e{e}"));
            label_extra.push_str(&format!(" echo {e}"));
        }
        // dcm2niix's suffixes: magnitude plain, the other components named.
        let part = match g.component.as_deref() {
            Some("PHASE") => Some("ph"),
            Some("REAL") => Some("real"),
            Some("IMAGINARY") => Some("imaginary"),
            _ => None,
        };
        if let Some(part) = part.filter(|_| components > 1) {
            suffix.push_str(&format!("/{part}"));
            label_extra.push_str(&format!(" {part}"));
        }
        (suffix, label_extra)
    }
}

struct Group {
    echo: i64,
    /// ComplexImageComponent of the group's frames (magnitude and phase are two volumes).
    component: Option<String>,
    items: Vec<Item>,
}

/// Splits a series by frame size, bits, echo, complex component (magnitude, phase...) and
/// orientation (within 1e-3 per cosine); `None` as soon as there are more than `cap` groups.
fn split_groups(items: Vec<Item>, cap: usize) -> Option<Vec<Group>> {
    type Key = (
        u32,
        u32,
        u16,
        i64,
        bool,
        Option<[f64; 6]>,
        String,
        Option<(u32, u32)>,
        Option<String>,
    );
    let mut groups: Vec<(Key, Vec<Item>)> = Vec::new();
    for it in items {
        let full = groups.len() >= cap;
        let h = &it.0;
        let f = frame(&it);
        let echo = h
            .echo_number
            .filter(|_| !h.enhanced)
            .or_else(|| f.echo_time.map(|t| (t * 1000.0).round() as i64))
            .unwrap_or(0);
        let positioned = f.position.is_some() && f.orientation.is_some();
        // Files without positions (or multi-frame files without geometry) stack on their own.
        let own = if !positioned && h.number_of_frames > 1 {
            h.path.display().to_string()
        } else {
            String::new()
        };
        let key: Key = (
            h.rows,
            h.columns,
            h.bits_allocated,
            echo,
            positioned,
            f.orientation,
            own,
            h.mosaic().map(|m| (m.count, m.per_row)),
            f.component.clone(),
        );
        let found = groups.iter_mut().find(|(k, _)| {
            k.0 == key.0
                && k.1 == key.1
                && k.2 == key.2
                && k.3 == key.3
                && k.4 == key.4
                && k.6 == key.6
                && k.7 == key.7
                && k.8 == key.8
                && match (k.5, key.5) {
                    (Some(a), Some(b)) => a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3),
                    (None, None) => true,
                    _ => false,
                }
        });
        match found {
            Some((_, v)) => v.push(it),
            None if full => return None,
            None => groups.push((key, vec![it])),
        }
    }
    Some(
        groups
            .into_iter()
            .map(|(k, items)| Group {
                echo: k.3,
                component: k.8,
                items,
            })
            .collect(),
    )
}

/// PixelSpacing as (along i, along j), mm; 1 mm (with a warning) when absent or outside
/// [`Geometry::SPACING_RANGE`].
fn in_plane_spacing(f0: &FrameHeader, warnings: &mut Vec<Warning>) -> [f64; 2] {
    match f0.pixel_spacing {
        Some(p) if p.iter().all(|v| Geometry::SPACING_RANGE.contains(v)) => p,
        Some(p) => {
            warnings.push(Warning::PixelSpacingAssumed {
                stated_mm: Some([p[1], p[0]]),
            });
            [1.0, 1.0]
        }
        None => {
            warnings.push(Warning::PixelSpacingAssumed { stated_mm: None });
            [1.0, 1.0]
        }
    }
}

/// The 2-D images of `items` in k order, each with its position: the items, or the tiles
/// of one mosaic; and the size of one image. `(f0, axes, pixel)`: the first frame, its axes
/// and in-plane spacing.
fn planes(
    items: &[Item],
    (f0, axes, pixel): (&FrameHeader, Option<[Vector; 3]>, [f64; 2]),
    warnings: &mut Vec<Warning>,
) -> ([u32; 2], Vec<(Source, Option<Point>)>) {
    let h0 = &items[0].0;
    match h0.mosaic() {
        Some(m) if items.len() == 1 => {
            let spacing = match (h0.spacing_between_slices, h0.slice_thickness) {
                (Some(s), _) if s > 0.0 => (s, "SpacingBetweenSlices"),
                (_, Some(s)) if s > 0.0 => (s, "SliceThickness (no SpacingBetweenSlices)"),
                _ => (1.0, "a default (no SpacingBetweenSlices or SliceThickness)"),
            };
            let (tiles, notes) = m.slices(f0.position, axes, pixel, [h0.columns, h0.rows], spacing);
            warnings.extend(notes.into_iter().map(|note| Warning::Mosaic { note }));
            let planes = tiles
                .into_iter()
                .map(|(t, p)| {
                    let src = Source {
                        header: h0.clone(),
                        frame: items[0].1,
                        tile: Some(t),
                    };
                    (src, p)
                })
                .collect();
            (m.tile, planes)
        }
        _ => {
            let planes = items
                .iter()
                .map(|it| {
                    let src = Source {
                        header: it.0.clone(),
                        frame: it.1,
                        tile: None,
                    };
                    (src, frame(it).position.map(Point))
                })
                .collect();
            ([h0.columns, h0.rows], planes)
        }
    }
}

/// The placement of `planes` (`None`, with a warning, when they have no usable geometry).
/// `(axes, pixel, dims)`: the first frame's axes, the in-plane spacing and the volume's size;
/// `h0`: the first file's header (single-slice spacing, gantry tilt).
fn place_planes(
    planes: &[(Source, Option<Point>)],
    (axes, pixel, dims): (Option<[Vector; 3]>, [f64; 2], [usize; 3]),
    h0: &FileHeader,
    warnings: &mut Vec<Warning>,
) -> Option<Placement> {
    let single = h0
        .spacing_between_slices
        .filter(|v| *v > 0.0)
        .or(h0.slice_thickness.filter(|v| *v > 0.0));
    let positions: Option<Vec<Point>> = planes.iter().map(|(_, p)| *p).collect();
    match (axes, positions) {
        (Some(axes), Some(positions)) => {
            let paths: Vec<&Path> = planes
                .iter()
                .map(|(s, _)| s.header.path.as_path())
                .collect();
            match place(
                axes,
                pixel,
                positions,
                &paths,
                dims,
                (single, h0.gantry_tilt),
            ) {
                Ok((placement, notes)) => {
                    warnings.extend(notes);
                    Some(placement)
                }
                Err(why) => {
                    warnings.push(Warning::UnusableGeometry { reason: why });
                    None
                }
            }
        }
        _ => {
            warnings.push(Warning::NoGeometry);
            None
        }
    }
}

/// The files of `items` (each once, in order) and their transfer syntaxes.
fn files_and_syntaxes(items: &[Item]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut syntaxes: Vec<String> = Vec::new();
    for it in items {
        if files.last().map(PathBuf::as_path) != Some(it.0.path.as_path())
            && !files.contains(&it.0.path)
        {
            files.push(it.0.path.clone());
        }
        if !syntaxes.contains(&it.0.transfer_syntax) {
            syntaxes.push(it.0.transfer_syntax.clone());
        }
    }
    (files, syntaxes)
}

/// Builds the volume description of sorted items.
fn finish(uid: &str, sorted: Sorted) -> SeriesInfo {
    let Sorted {
        items,
        time_point,
        mut warnings,
    } = sorted;
    let h0 = items[0].0.clone();
    let f0 = frame(&items[0]).clone();
    let pixel = in_plane_spacing(&f0, &mut warnings);
    let axes = f0.orientation.and_then(axes_from_iop);
    let (plane, planes) = planes(&items, (&f0, axes, pixel), &mut warnings);
    let dims = [plane[0] as usize, plane[1] as usize, planes.len()];
    let placed = place_planes(&planes, (axes, pixel, dims), &h0, &mut warnings);
    let has_geometry = placed.is_some();
    let placement = placed.unwrap_or_else(|| {
        // `pixel` is within Geometry::SPACING_RANGE (checked above), so this cannot fail.
        let g = Geometry::new(
            [pixel[0], pixel[1], 1.0],
            Point::ORIGIN,
            Direction::IDENTITY,
        )
        .unwrap_or_default();
        Placement {
            geometry: g,
            affine: g.affine(),
            corners: g.corners(dims),
            along: Vec::new(),
            spacing: SliceSpacing::from_positions(&[]),
            tilt: 0.0,
        }
    });
    if let Some(Err(why)) = &h0.mosaic {
        warnings.push(Warning::MosaicNotSplit {
            reason: why.clone(),
            columns: h0.columns,
            rows: h0.rows,
        });
    }
    if h0.photometric == "MONOCHROME1" {
        warnings.push(Warning::Monochrome1);
    }
    let slices = planes
        .iter()
        .map(|(src, position)| Slice {
            path: src.header.path.clone(),
            frame: src.frame,
            tile: src.tile,
            position: *position,
            instance_number: src.header.instance_number,
        })
        .collect();
    let (files, syntaxes) = files_and_syntaxes(&items);
    let number = h0.series_number.map(|n| n.to_string()).unwrap_or_default();
    let label = format!("{number} {}", h0.series_description)
        .trim()
        .to_string();
    SeriesInfo {
        id: time_point
            .map(|(t, _)| format!("/t{}", t + 1))
            .unwrap_or_default(),
        label: if label.is_empty() {
            file_stem(&h0.path)
        } else {
            label
        },
        series_uid: uid.to_string(),
        series_number: h0.series_number,
        series_description: h0.series_description.clone(),
        dims,
        geometry: placement.geometry,
        affine_acquired: placement.affine,
        corners_acquired: placement.corners,
        positions_along_normal_mm: placement.along,
        spacing: placement.spacing,
        tilt_deg: placement.tilt,
        gantry_detector_tilt_deg: h0.gantry_tilt,
        time_point,
        has_geometry,
        slices,
        files,
        transfer_syntaxes: syntaxes,
        warnings,
        metadata: h0.metadata.clone(),
        sources: planes.into_iter().map(|(src, _)| src).collect(),
    }
}

/// Farthest a slice position may lie from the scanner's origin (mm): 10 km. Beyond, the
/// file's ImagePositionPatient is corrupt (and differences of such positions overflow).
const MAX_POSITION_MM: f64 = 1e7;

/// Where the voxels of a stack are: its grid and what was measured of its slices.
struct Placement {
    geometry: Geometry,
    affine: Affine,
    corners: [Point; 8],
    along: Vec<f64>,
    spacing: SliceSpacing,
    tilt: f64,
}

/// The placement of slices at `positions` (k order, each from the file in `paths`; `single`:
/// the k spacing of a single slice, `gantry_tilt`: GantryDetectorTilt), with the warnings
/// about it; or why the positions cannot place a grid (naming the file), in which
/// case the caller assumes none.
fn place(
    axes: [Vector; 3],
    pixel: [f64; 2],
    positions: Vec<Point>,
    paths: &[&Path],
    dims: [usize; 3],
    (single, gantry_tilt): (Option<f64>, Option<f64>),
) -> std::result::Result<(Placement, Vec<Warning>), String> {
    if let Some((p, path)) = positions.iter().zip(paths).find(|(p, _)| {
        p.0.iter()
            .any(|v| !v.is_finite() || v.abs() > MAX_POSITION_MM)
    }) {
        return Err(format!(
            "ImagePositionPatient {:e} \\ {:e} \\ {:e} of {} lies beyond {MAX_POSITION_MM:e} mm \
             of the origin (corrupt)",
            p.0[0],
            p.0[1],
            p.0[2],
            path.display()
        ));
    }
    let mut warnings = Vec::new();
    let along: Vec<f64> = positions
        .iter()
        .map(|p| (*p - Point::ORIGIN).dot(axes[2]))
        .collect();
    let stack = Stack {
        axes,
        pixel,
        positions,
        along,
    };
    let spacing = stack.spacing();
    let tilt = stack.tilt_deg();
    if stack.len() == 1 {
        warnings.push(Warning::SingleSlice { spacing_mm: single });
    }
    let step = stack.step(spacing.uniform, single.unwrap_or(1.0));
    let sk = step.dot(axes[2]).abs().max(1e-6);
    if !spacing.uniform {
        warnings.push(Warning::NonUniformSpacing {
            min_gap_mm: spacing
                .gaps_mm
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min),
            max_gap_mm: spacing.gaps_mm.iter().copied().fold(0.0, f64::max),
            mean_mm: spacing.mean_mm.unwrap_or(0.0),
            max_deviation_mm: spacing.max_deviation_mm,
            grid_spacing_mm: sk,
        });
    }
    if spacing.missing_slices > 0 {
        warnings.push(Warning::MissingSlices {
            count: spacing.missing_slices,
        });
    }
    if spacing.implausible_gaps > 0 {
        warnings.push(Warning::ImplausibleGaps {
            count: spacing.implausible_gaps,
            ratio: MAX_MISSING_RATIO,
            largest_mm: spacing.gaps_mm.iter().copied().fold(0.0, f64::max),
        });
    }
    if tilt > 0.0 {
        warnings.push(Warning::GantryTilt {
            degrees: tilt,
            stated_deg: gantry_tilt,
        });
    }
    let (dir, skew) = stack.direction();
    if skew > 1e-6 {
        warnings.push(Warning::NonOrthonormalOrientation { change: skew });
    }
    let geometry =
        Geometry::new([pixel[0], pixel[1], sk], stack.positions[0], dir).map_err(|e| {
            format!(
                "no grid from the slice positions of {}: {e}",
                paths[0].display()
            )
        })?;
    let corners = stack.corners(dims, axes[2] * sk);
    let placement = Placement {
        geometry,
        affine: stack.affine(step),
        corners,
        along: stack.along,
        spacing,
        tilt,
    };
    Ok((placement, warnings))
}

fn file_stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
