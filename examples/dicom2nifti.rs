//! Converts every volume of a DICOM folder to NIfTI, as dcm2niix would place it.
//!
//! ```text
//! cargo run --release --example dicom2nifti -- <dicom_folder> <out_folder> [--json]
//!     [--tilt raw|corrected|both] [--uniform refuse|warn|resample]
//! ```
//!
//! One `.nii.gz` per volume named `<SeriesNumber>_<SeriesDescription>` (sanitized; `_t<n>` per
//! time point of a 4-D series, `_o<n>`/`_e<n>` for orientation/echo groups, `_tilt` for a
//! tilt-corrected volume), qform = sform in RAS, plus a `.json` sidecar with the main
//! acquisition attributes and the warnings. A gantry-tilted stack written raw keeps its true
//! sheared affine in the sform. With `--json`, one JSON object on stdout:
//!
//! ```text
//! {"input": "...", "outputs": [{"file": "...", "series_uid": "...", "label": "...",
//!   "dims": [ni, nj, nk], "voxel_type": "i16", "tilt_corrected": false, "resampled": false,
//!   "warnings": ["..."]}], "failed": [{"label": "...", "reason": "..."}],
//!  "skipped": [{"path": "...", "reason": "..."}]}
//! ```
//!
//! A progress bar over the volumes shows on stderr when it is a terminal (as lines with
//! `--progress`). Exit status 1 with a one-line reason on stderr when nothing could be
//! converted, and after a usage mistake.

mod common;

use clap::{Parser, ValueEnum};
use medvol_io::dicom::{DicomVolume, ReadOptions, ScanOptions, SeriesInfo, Tilt, Uniform, scan};
use medvol_io::nifti::{WriteOptions, write_with_options};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TiltArg {
    Raw,
    Corrected,
    Both,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum UniformArg {
    Refuse,
    Warn,
    Resample,
}

#[derive(Parser)]
#[command(
    version,
    about = "Convert the volumes of a DICOM folder to NIfTI (.nii.gz + .json sidecars), named and \
             placed as dcm2niix does"
)]
struct Args {
    /// Folder (or file) of DICOM images; searched recursively.
    dicom_folder: PathBuf,
    /// Where the NIfTI files go (created if missing).
    out_folder: PathBuf,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    json: bool,
    /// Tilted CT: the sheared stack as stored, a resliced orthogonal volume, or both.
    #[arg(long, value_enum, default_value = "raw")]
    tilt: TiltArg,
    /// Non-uniform slice spacing: fail, keep with a warning, or resample along k.
    #[arg(long, value_enum, default_value = "warn")]
    uniform: UniformArg,
    /// Show progress on stderr even when it is not a terminal (as lines).
    #[arg(long)]
    progress: bool,
}

/// Letters, digits, `-` and `_` kept; runs of anything else become one `_`.
fn sanitize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// `<SeriesNumber>_<SeriesDescription>` plus the group, echo and time suffixes of the id.
fn base_name(info: &SeriesInfo) -> String {
    let number = info
        .series_number
        .map(|n| n.to_string())
        .unwrap_or_default();
    let mut name = sanitize(&format!("{number}_{}", info.series_description));
    if name.is_empty() {
        name = "series".into();
    }
    for part in info.id.split('/').skip(1) {
        if part.starts_with('o') || part.starts_with('e') || part.starts_with('t') {
            name.push('_');
            name.push_str(part);
        }
    }
    name
}

fn sidecar(v: &DicomVolume, file: &str) -> Value {
    let m = &v.info.metadata;
    json!({
        "ConversionSoftware": "medvol dicom2nifti",
        "NiftiFile": file,
        "Modality": m.modality,
        "Manufacturer": m.manufacturer,
        "ManufacturersModelName": m.model,
        "InstitutionName": m.institution,
        "BodyPartExamined": m.body_part,
        "PatientPosition": m.patient_position,
        "StudyInstanceUID": m.study_uid,
        "SeriesInstanceUID": v.info.series_uid,
        "SeriesNumber": v.info.series_number,
        "SeriesDescription": v.info.series_description,
        "ProtocolName": m.protocol_name,
        "ImageType": m.image_type,
        "SliceThickness": m.slice_thickness_mm,
        "SpacingBetweenSlices": m.spacing_between_slices_mm,
        "KVP": m.kvp,
        "XRayTubeCurrent": m.tube_current_ma,
        "ExposureTime": m.exposure_time_ms,
        "ConvolutionKernel": m.convolution_kernel,
        "MagneticFieldStrength": m.field_strength_t,
        "RepetitionTime": m.repetition_time_ms.map(|t| t / 1000.0),
        "EchoTime": m.echo_time_ms.map(|t| t / 1000.0),
        "InversionTime": m.inversion_time_ms.map(|t| t / 1000.0),
        "FlipAngle": m.flip_angle_deg,
        "SequenceName": m.sequence_name,
        "GantryDetectorTilt": v.info.gantry_detector_tilt_deg,
        "TiltFromPositionsDeg": v.info.tilt_deg,
        "TimePoint": v.info.time_point.map(|(t, n)| json!([t + 1, n])),
        "SliceGapsMM": v.info.spacing.gaps_mm,
        "TiltCorrected": v.tilt_corrected,
        "Resampled": v.resampled,
        "Files": v.info.files.len(),
        "Warnings": v.warnings,
    })
}

fn run(args: &Args) -> Result<Value, String> {
    let report = scan(&args.dicom_folder, &ScanOptions::default()).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.out_folder)
        .map_err(|e| format!("{}: {e}", args.out_folder.display()))?;
    let uniform = match args.uniform {
        UniformArg::Refuse => Uniform::Refuse,
        UniformArg::Warn => Uniform::Warn,
        UniformArg::Resample => Uniform::Resample,
    };
    let mut outputs = Vec::new();
    let mut failed = Vec::new();
    let mut used = std::collections::HashSet::new();
    let bar = common::Progress::new(args.progress).bar(
        "dicom2nifti",
        report.volumes.len() as u64,
        "volumes",
    );
    for (i, info) in report.volumes.iter().enumerate() {
        bar.inc(1);
        let mut variants = Vec::new();
        let tilted = info.tilt_deg > 0.0;
        if !tilted || args.tilt != TiltArg::Corrected {
            variants.push((Tilt::Raw, ""));
        }
        if tilted && args.tilt != TiltArg::Raw {
            variants.push((Tilt::Corrected, "_tilt"));
        }
        for (tilt, suffix) in variants {
            let options = ReadOptions::default().with_uniform(uniform).with_tilt(tilt);
            let result = report.read(i, &options).and_then(|v| {
                let mut name = format!("{}{suffix}", base_name(info));
                if !used.insert(name.clone()) {
                    name = format!("{name}_{}", i + 1);
                    used.insert(name.clone());
                }
                let nii = args.out_folder.join(format!("{name}.nii.gz"));
                let options = WriteOptions::default().with_affine_lps(v.affine);
                write_with_options(&nii, &v.volume, &options)?;
                let side = args.out_folder.join(format!("{name}.json"));
                let file = format!("{name}.nii.gz");
                let text = serde_json::to_string_pretty(&sidecar(&v, &file)).unwrap_or_default();
                write_text(&side, &text).map_err(|e| medvol_io::Error::io(&side, e))?;
                Ok(json!({
                    "file": nii.display().to_string(),
                    "series_uid": info.series_uid,
                    "label": info.label,
                    "dims": v.volume.dims(),
                    "voxel_type": v.volume.kind().name(),
                    "tilt_corrected": v.tilt_corrected,
                    "resampled": v.resampled,
                    "warnings": v.warnings,
                }))
            });
            match result {
                Ok(o) => outputs.push(o),
                Err(e) => failed.push(json!({"label": info.label, "reason": e.to_string()})),
            }
        }
    }
    bar.finish_and_clear();
    if outputs.is_empty() {
        let why = failed
            .first()
            .and_then(|f| f["reason"].as_str().map(str::to_string))
            .unwrap_or_else(|| "no volume found".into());
        return Err(format!("nothing converted: {why}"));
    }
    let skipped: Vec<Value> = report
        .skipped
        .iter()
        .map(|s| json!({"path": s.path.display().to_string(), "reason": s.reason}))
        .collect();
    Ok(json!({
        "input": args.dicom_folder.display().to_string(),
        "outputs": outputs,
        "failed": failed,
        "skipped": skipped,
    }))
}

fn write_text(path: &Path, text: &str) -> std::io::Result<()> {
    medvol_core::atomic::write_file(path, |w| std::io::Write::write_all(w, text.as_bytes()))
}

fn main() -> ExitCode {
    let args: Args = match common::parse("dicom2nifti") {
        Ok(a) => a,
        Err(code) => return code,
    };
    match run(&args) {
        Ok(summary) => {
            if args.json {
                println!("{summary}");
            } else {
                for o in summary["outputs"].as_array().into_iter().flatten() {
                    println!(
                        "{}  {}  {}",
                        o["file"].as_str().unwrap_or(""),
                        o["dims"],
                        o["label"]
                    );
                    for w in o["warnings"].as_array().into_iter().flatten() {
                        println!("  warning: {}", w.as_str().unwrap_or(""));
                    }
                }
                for f in summary["failed"].as_array().into_iter().flatten() {
                    println!(
                        "failed: {} ({})",
                        f["label"],
                        f["reason"].as_str().unwrap_or("")
                    );
                }
                for s in summary["skipped"].as_array().into_iter().flatten() {
                    let path = Path::new(s["path"].as_str().unwrap_or(""));
                    println!(
                        "{}",
                        common::skipped_line(path, s["reason"].as_str().unwrap_or(""))
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("dicom2nifti: {reason}");
            ExitCode::FAILURE
        }
    }
}
