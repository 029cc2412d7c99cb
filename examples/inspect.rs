//! What a medical image file holds, with its geometry in LPS millimetres.
//!
//! ```text
//! cargo run --release --example inspect -- <path> [--json]
//! ```
//!
//! `<path>` is a NIfTI file (`.nii`, `.nii.gz`, `.hdr`/`.img`) or a DICOM file or folder
//! (scanned recursively). With `--json`, prints exactly one JSON object on stdout:
//!
//! ```text
//! {"path": "...", "volumes": [{"name": "...", "dims": [ni, nj, nk], "spacing": [sx, sy, sz],
//!   "origin": [x, y, z], "direction": [d0, ..., d8], "voxel_type": "i16",
//!   "min": f, "max": f, "mean": f, "nonfinite": n,
//!   "corners": [[x, y, z], ... 8 corner voxel centres],
//!   "modality": "CT" | null, "tilt_deg": f | null, "time_point": {"index": t, "count": n} | null}],
//!  "warnings": ["..."]}
//! ```
//!
//! `modality` is DICOM's Modality (null for NIfTI); `tilt_deg` the gantry tilt measured from
//! the slice positions (DICOM; null for NIfTI); `time_point` the 0-based index of the volume
//! among the time points of a 4-D series or file (null for a 3-D one).
//!
//! For DICOM, each volume (one per time point of a 4-D series) also has `"series_uid"`,
//! `"label"`, `"files"` (count) and `"warnings"` (spacing, gaps, tilt angle, fallbacks), and the
//! object has a top-level `"skipped"` list of `{"path", "reason"}`. DICOM `corners` are the
//! physical centres of the 8 corner voxels as acquired (for a tilted CT stack the true sheared
//! positions from the slices, not those of an orthogonal approximation).
//!
//! `direction` is row-major, column c the unit vector of axis c (as SimpleITK's
//! `GetDirection()`); corners run with i fastest; statistics are of the values after scaling.
//! `min`, `max` and `mean` are over the finite voxels (never `null`); `nonfinite` counts the
//! NaN and infinite ones, and a top-level warning names the volume when there are any (with no
//! finite voxel at all, the three statistics are 0). Colour volumes (`voxel_type` `"rgb8"`:
//! RGB DICOM, NIfTI RGB24) report the statistics of their luminance, 0.299 R + 0.587 G +
//! 0.114 B (medvol's scalar value of an `Rgb8` voxel); the text output says so.
//! Without `--json` the same is printed for a person. Errors and usage mistakes: one line on
//! stderr, exit status 1.

mod common;

use clap::Parser;
use medvol::io::dicom::{self, ReadOptions, ScanOptions};
use medvol::io::nifti;
use medvol::{DynVolume, Input, Statistics};
use serde::Serialize;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    version,
    about = "Print the volumes of a NIfTI file or DICOM file/folder with their LPS geometry and statistics"
)]
struct Args {
    /// A NIfTI file (.nii, .nii.gz, .hdr, .img) or a DICOM file or folder.
    path: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The JSON object of the contract.
#[derive(Serialize)]
struct Report {
    path: String,
    volumes: Vec<VolumeRecord>,
    warnings: Vec<String>,
    /// Files a DICOM scan left out, with the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<Vec<SkippedRecord>>,
    /// Format facts for the text output only (not part of the JSON contract).
    #[serde(skip)]
    details: Vec<String>,
}

/// One volume, as every input kind reports it.
#[derive(Serialize)]
struct VolumeRecord {
    name: String,
    dims: [usize; 3],
    spacing: [f64; 3],
    origin: [f64; 3],
    direction: [f64; 9],
    voxel_type: &'static str,
    min: f64,
    max: f64,
    mean: f64,
    /// Voxels that are NaN or infinite, left out of `min`, `max` and `mean`.
    nonfinite: usize,
    corners: Vec<[f64; 3]>,
    /// DICOM Modality; `None` for NIfTI.
    modality: Option<String>,
    /// Gantry tilt from the slice positions, degrees (DICOM); `None` for NIfTI.
    tilt_deg: Option<f64>,
    /// Which time point of a 4-D series or file; `None` for a 3-D one.
    time_point: Option<TimePoint>,
    /// DICOM only: what the series reader knows and noticed.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    dicom: Option<DicomRecord>,
}

/// The DICOM fields of a volume record.
#[derive(Serialize)]
struct DicomRecord {
    series_uid: String,
    label: String,
    files: usize,
    warnings: Vec<String>,
}

/// A volume's place among the time points of a 4-D series or file.
#[derive(Serialize)]
struct TimePoint {
    /// 0-based.
    index: usize,
    count: usize,
}

#[derive(Serialize)]
struct SkippedRecord {
    path: String,
    reason: String,
}

/// Statistics of the finite voxels of `v`, and how many are not finite.
fn finite_statistics(v: &DynVolume) -> (Statistics, usize) {
    let s = v.statistics();
    if s.min.is_finite() && s.max.is_finite() && s.mean.is_finite() {
        return (s, 0);
    }
    let all = v.to_f64();
    let finite: Vec<f64> = all
        .as_slice()
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    let nonfinite = all.len() - finite.len();
    let mut s = Statistics::of_slice(&finite);
    if finite.is_empty() {
        (s.min, s.max, s.mean) = (0.0, 0.0, 0.0);
    }
    (s, nonfinite)
}

fn volume_record(name: String, v: &DynVolume) -> VolumeRecord {
    let g = v.geometry();
    let (s, nonfinite) = finite_statistics(v);
    VolumeRecord {
        name,
        dims: v.dims(),
        spacing: g.spacing(),
        origin: g.origin().0,
        direction: g.direction().to_row_major(),
        voxel_type: v.kind().name(),
        min: s.min,
        max: s.max,
        mean: s.mean,
        nonfinite,
        corners: g.corners(v.dims()).iter().map(|p| p.0).collect(),
        modality: None,
        tilt_deg: None,
        time_point: None,
        dicom: None,
    }
}

fn inspect_nifti(path: &Path) -> Result<Report, Box<dyn Error>> {
    let nii = nifti::read(path)?;
    let h = &nii.header;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let many = nii.volumes.len() > 1;
    let volumes = nii
        .volumes
        .iter()
        .enumerate()
        .map(|(t, v)| {
            let name = if many {
                format!("{file}[t={t}]")
            } else {
                file.clone()
            };
            let mut record = volume_record(name, v);
            record.time_point = many.then_some(TimePoint {
                index: t,
                count: nii.volumes.len(),
            });
            record
        })
        .collect();
    let scaling = match h.scaling() {
        Some((slope, inter)) => format!("scl_slope {slope}, scl_inter {inter}"),
        None => "no scaling".into(),
    };
    let details = vec![
        format!(
            "NIfTI-{}{}, {:?}-endian, datatype {} ({}), dim {:?}",
            h.version,
            if h.pair { " pair" } else { "" },
            h.byte_order,
            h.datatype.name(),
            h.datatype.code(),
            &h.dim[..=h.rank()],
        ),
        format!(
            "qform_code {}, sform_code {}, geometry from the {}; {scaling}",
            h.qform_code,
            h.sform_code,
            nii.transform.name()
        ),
    ];
    Ok(Report {
        path: path.display().to_string(),
        volumes,
        warnings: nii.warnings.iter().map(ToString::to_string).collect(),
        skipped: None,
        details,
    })
}

fn inspect_dicom(path: &Path) -> Result<Report, Box<dyn Error>> {
    let scan = dicom::scan(path, &ScanOptions::default())?;
    let mut volumes = Vec::with_capacity(scan.volumes.len());
    let mut warnings = Vec::new();
    for (i, info) in scan.volumes.iter().enumerate() {
        match scan.read(i, &ReadOptions::default()) {
            Ok(dv) => {
                let mut record = volume_record(info.id.clone(), &dv.volume);
                record.corners = dv.corners_acquired.iter().map(|p| p.0).collect();
                record.modality = info.metadata.modality.clone();
                record.tilt_deg = Some(info.tilt_deg);
                record.time_point = info
                    .time_point
                    .map(|(index, count)| TimePoint { index, count });
                record.dicom = Some(DicomRecord {
                    series_uid: info.series_uid.clone(),
                    label: info.label.clone(),
                    files: info.files.len(),
                    warnings: dv.warnings.iter().map(ToString::to_string).collect(),
                });
                volumes.push(record);
            }
            // One undecodable volume does not hide the others.
            Err(e) => warnings.push(format!("volume {} ({}): {e}", info.id, info.label)),
        }
    }
    if volumes.is_empty() {
        return Err(match warnings.first() {
            Some(w) => w.clone().into(),
            None => format!("{}: no DICOM volume found", path.display()).into(),
        });
    }
    let details = vec![format!(
        "DICOM: {} volume(s), {} file(s) skipped",
        scan.volumes.len(),
        scan.skipped.len()
    )];
    Ok(Report {
        path: path.display().to_string(),
        volumes,
        warnings,
        skipped: Some(
            scan.skipped
                .iter()
                .map(|s| SkippedRecord {
                    path: s.path.display().to_string(),
                    reason: s.reason.clone(),
                })
                .collect(),
        ),
        details,
    })
}

fn inspect(path: &Path) -> Result<Report, Box<dyn Error>> {
    let mut report = match Input::path(path) {
        Input::Nifti(_) => inspect_nifti(path),
        _ => inspect_dicom(path),
    }?;
    for v in &report.volumes {
        if v.nonfinite > 0 {
            report.warnings.push(format!(
                "{}: {} voxel(s) are NaN or infinite; min, max and mean are of the finite ones",
                v.name, v.nonfinite
            ));
        }
    }
    Ok(report)
}

/// The report for a person.
fn text(r: &Report) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(r.path.clone());
    for d in &r.details {
        line(format!("  {d}"));
    }
    let v3 = |a: &[f64]| {
        a.iter()
            .map(|x| format!("{x:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for v in &r.volumes {
        line(format!(
            "volume {}: {} x {} x {} {}",
            v.name, v.dims[0], v.dims[1], v.dims[2], v.voxel_type
        ));
        line(format!("  spacing   [{}] mm", v3(&v.spacing)));
        line(format!("  origin    [{}] mm LPS", v3(&v.origin)));
        line(format!(
            "  direction [{}] (row-major, columns = i, j, k)",
            v3(&v.direction)
        ));
        let what = if v.voxel_type == "rgb8" {
            " (luminance)"
        } else {
            ""
        };
        line(format!(
            "  values    min {}  max {}  mean {:.6}{what}",
            v.min, v.max, v.mean
        ));
        if let Some(m) = &v.modality {
            line(format!("  modality  {m}"));
        }
        if let Some(t) = v.tilt_deg.filter(|t| *t != 0.0) {
            line(format!("  tilt      {t:.3} degrees"));
        }
        if let Some(t) = &v.time_point {
            line(format!("  time      point {} of {}", t.index + 1, t.count));
        }
        if let Some(d) = &v.dicom {
            line(format!(
                "  series    {} ({}), {} files",
                d.label, d.series_uid, d.files
            ));
            for w in &d.warnings {
                line(format!("  warning   {w}"));
            }
        }
        line("  corners (LPS mm, i fastest):".into());
        for c in &v.corners {
            line(format!("    [{}]", v3(c)));
        }
    }
    for w in &r.warnings {
        line(format!("warning: {w}"));
    }
    for s in r.skipped.iter().flatten() {
        line(common::skipped_line(Path::new(&s.path), &s.reason));
    }
    out
}

/// Prints `s` and a newline; a reader that went away (`inspect ... | head`) is not an error.
fn print(s: &str) -> ExitCode {
    match writeln!(std::io::stdout().lock(), "{s}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("inspect: {e}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

fn main() -> ExitCode {
    let args: Args = match common::parse("inspect") {
        Ok(a) => a,
        Err(code) => return code,
    };
    match inspect(&args.path) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string(&report) {
                    Ok(s) => print(&s),
                    Err(e) => {
                        eprintln!("inspect: {e}");
                        ExitCode::FAILURE
                    }
                }
            } else {
                print(text(&report).trim_end())
            }
        }
        Err(e) => {
            eprintln!("inspect: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
