//! Converts every series of a DICOM folder to NIfTI, as dcm2niix would write it.
//!
//! ```text
//! cargo run --release --example dicom2nifti -- <dicom_folder> <out_folder> [--json]
//!     [--tilt raw|corrected|both] [--uniform refuse|warn|resample]
//!     [--split-4d] [--voxel-order dcm2niix|native] [--force]
//!     [--philips-scaling display|fp]
//! ```
//!
//! One `.nii.gz` per series named `<SeriesNumber>_<SeriesDescription>` (sanitized;
//! `_o<n>`/`_e<n>` for orientation/echo groups, `_ph`/`_real`/`_imaginary` for the phase,
//! real and imaginary parts of a complex series, `_tilt` for a tilt-corrected volume): all
//! time points of a series that share one grid go into one 4-D file (`--split-4d`: one 3-D
//! file per time point, `_t<n>`). Voxels are stored as dcm2niix stores them, rows bottom-up
//! (`--voxel-order native` keeps medvol's top-down rows; the affine always follows), qform =
//! sform in RAS (codes 1). Every voxel is at its place by default: unevenly spaced slices are
//! resampled along k; a gantry-tilted stack written raw (the default, as dcm2niix) keeps its
//! true sheared affine in the sform, with qform code 0. What cannot be placed exactly
//! (`--uniform warn`, or files without position/orientation) is written with qform and sform
//! codes 0 and a warning saying why.
//! Each NIfTI has a `.json` sidecar (main acquisition attributes and the warnings). A 4-D file
//! of a diffusion series (every volume carries a b-value: standard, enhanced, Siemens or UIH
//! tags, see `medvol_io::dicom::diffusion`) also gets FSL's `.bval` and `.bvec` (same
//! basename; vectors in the file's voxel frame, as dcm2niix writes them); with `--split-4d`
//! none are written (as dcm2niix), with a warning. Colour series (RGB) are written as RGB24.
//!
//! Nothing is replaced: a name that exists already (from this run or an earlier one) gets
//! `a`, `b` ... `z` appended, as dcm2niix does, unless `--force` asks to replace files of
//! earlier runs. A NIfTI, its sidecar and its `.bval`/`.bvec` (if any) appear together or not
//! at all, also when the program is killed (`medvol_core::atomic::FileSet`); temporary files
//! left in the output folder by killed runs are removed (or their files completed) at the
//! start.
//!
//! With `--json`, one JSON object on stdout:
//!
//! ```text
//! {"input": "...", "outputs": [{"file": ".../3_t1.nii.gz", "sidecar": ".../3_t1.json",
//!   "bval": ".../3_t1.bval" | null, "bvec": ".../3_t1.bvec" | null,
//!   "series_uid": "...", "label": "...", "volumes": 1, "time_points": [1],
//!   "dims": [ni, nj, nk], "spacing": [mm, mm, mm], "origin": [x, y, z],
//!   "voxel_order": "dcm2niix", "voxel_type": "i16", "tilt_corrected": false,
//!   "resampled": false, "warnings": ["..."]}], "failed": [{"label": "...", "reason": "..."}],
//!  "skipped": [{"path": "...", "reason": "..."}]}
//! ```
//!
//! `dims`, `spacing` and `origin` describe one volume as stored: `origin` is the LPS position
//! (mm) of its first stored voxel, `time_points` the 1-based time points it holds, in order.
//!
//! Philips MR values are the display values by default; `--philips-scaling fp` writes
//! Philips' floating-point values as dcm2niix does. Philips sidecars carry
//! `PhilipsRescaleSlope`, `PhilipsRescaleIntercept` and `PhilipsScaleSlope` (first frame), so
//! either can be recovered.
//!
//! Exit status 1 with a one-line reason on stderr when nothing could be converted or an output
//! could not be written (a full disk stops the run: the reason is the system's); the files
//! written before stay whole. Usage mistakes also exit 1 with one line. A progress bar over
//! the files shows on stderr when it is a terminal (as lines with `--progress`).

mod common;

use clap::{Parser, ValueEnum};
use medvol_core::atomic::{FileSet, sweep_folder};
use medvol_io::dicom::{
    PhilipsScaling, Placement, ReadOptions, ScanOptions, ScanReport, SeriesInfo, Tilt, Uniform,
    diffusion, scan,
};
use medvol_io::nifti::{Affine, FslGradients, VoxelOrder, WriteOptions, write_4d_to};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OrderArg {
    /// dcm2niix's: rows stored bottom-up.
    Dcm2niix,
    /// medvol's: rows top-down, as in the DICOM image.
    Native,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PhilipsArg {
    Display,
    Fp,
}

#[derive(Parser)]
#[command(
    version,
    about = "Convert the series of a DICOM folder to NIfTI (.nii.gz + .json sidecars), named, \
             ordered and placed as dcm2niix does"
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
    /// Non-uniform slice spacing: fail, keep as stored (no affine places every slice: written
    /// with qform/sform codes 0), or resample along k (every voxel at its place).
    #[arg(long, value_enum, default_value = "resample")]
    uniform: UniformArg,
    /// One 3-D file per time point instead of one 4-D file per series.
    #[arg(long)]
    split_4d: bool,
    /// Voxel order on disk (the affine always follows it).
    #[arg(long, value_enum, default_value = "dcm2niix")]
    voxel_order: OrderArg,
    /// Replace files of earlier runs that have the same names (never this run's own files).
    #[arg(long)]
    force: bool,
    /// Philips MR values: display (stored x RescaleSlope + RescaleIntercept) or dcm2niix's
    /// floating-point values (display / (RescaleSlope x MR_ScaleSlope)).
    #[arg(long, value_enum, default_value = "display")]
    philips_scaling: PhilipsArg,
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

/// `<SeriesNumber>_<SeriesDescription>` plus the group and echo suffixes of the id, and
/// the time point's when `time` is set.
fn base_name(info: &SeriesInfo, time: bool) -> String {
    let number = info
        .series_number
        .map(|n| n.to_string())
        .unwrap_or_default();
    let mut name = sanitize(&format!("{number}_{}", info.series_description));
    if name.is_empty() {
        name = "series".into();
    }
    for part in info.id.split('/').skip(1) {
        let component = matches!(part, "ph" | "real" | "imaginary");
        if part.starts_with('o')
            || part.starts_with('e')
            || component
            || (time && part.starts_with('t'))
        {
            name.push('_');
            name.push_str(part);
        }
    }
    name
}

/// The volumes of the scan to write as one file each: indices into `report.volumes`, in time
/// order. Time points of one series (same id apart from `/t<n>`) that share dims and grid go
/// together unless `split`.
fn files_of(report: &ScanReport, split: bool) -> Vec<Vec<usize>> {
    let mut series: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut order = Vec::new();
    for (i, info) in report.volumes.iter().enumerate() {
        let is_time = |p: &&str| p.starts_with('t') && p[1..].parse::<u32>().is_ok();
        let key = if split {
            info.id.clone()
        } else {
            let parts: Vec<&str> = info.id.split('/').filter(|p| !is_time(p)).collect();
            parts.join("/")
        };
        if !series.contains_key(&key) {
            order.push(key.clone());
        }
        series.entry(key).or_default().push(i);
    }
    let mut files = Vec::new();
    for key in order {
        let mut members = series.remove(&key).unwrap_or_default();
        members.sort_by_key(|&i| report.volumes[i].time_point.map_or(0, |(t, _)| t));
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in members {
            let v = &report.volumes[i];
            let same = |g: &Vec<usize>| {
                let f = &report.volumes[g[0]];
                f.dims == v.dims && f.geometry.approx_eq(&v.geometry, 1e-6)
            };
            match groups.iter_mut().find(|g| same(g)) {
                Some(g) => g.push(i),
                None => groups.push(vec![i]),
            }
        }
        files.extend(groups);
    }
    files
}

fn sidecar(v: &Head, count: usize, files: usize, warnings: &[String]) -> Value {
    let m = &v.info.metadata;
    let philips = m
        .manufacturer
        .as_deref()
        .is_some_and(|s| s.to_ascii_lowercase().contains("philips"));
    json!({
        "ConversionSoftware": "medvol dicom2nifti",
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
        // A 3-D file of one time point of a 4-D series says which one.
        "TimePoint": if count == 1 { v.info.time_point.map(|(t, n)| json!([t + 1, n])) } else { None },
        "Volumes": count,
        "SliceGapsMM": v.info.spacing.gaps_mm,
        "TiltCorrected": v.tilt_corrected,
        "Resampled": v.resampled,
        "Files": files,
        "Warnings": warnings,
        "PhilipsRescaleSlope": philips.then_some(m.rescale_slope).flatten(),
        "PhilipsRescaleIntercept": philips.then_some(m.rescale_intercept).flatten(),
        "PhilipsScaleSlope": philips.then_some(m.philips_scale_slope).flatten(),
    })
}

/// What a file's report and sidecar say of its first time point.
struct Head {
    info: SeriesInfo,
    dims: [usize; 3],
    voxel_type: &'static str,
    /// Index to LPS mm of the voxels in medvol's order.
    affine: Affine,
    tilt_corrected: bool,
    resampled: bool,
}

/// Why a file was not written: its input, or the output folder (which stops the run).
enum Failure {
    Input(String),
    Output(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e.to_string())
    }
}

/// What one output file needs.
struct Job<'a> {
    report: &'a ScanReport,
    members: &'a [usize],
    read: ReadOptions,
    stem: String,
}

/// Reads, writes and publishes one file (and its sidecar); returns its report entry.
fn convert(job: &Job<'_>, args: &Args, replace: bool) -> Result<(String, Value), Failure> {
    let report = job.report;
    let input = |e: medvol_io::Error| Failure::Input(e.to_string());
    let read = report.read(job.members[0], &job.read).map_err(input)?;
    let first = Head {
        dims: read.volume.dims(),
        voxel_type: read.volume.kind().name(),
        info: read.info,
        affine: read.affine,
        tilt_corrected: read.tilt_corrected,
        resampled: read.resampled,
    };
    let order = match args.voxel_order {
        OrderArg::Dcm2niix => VoxelOrder::RowsReversed,
        OrderArg::Native => VoxelOrder::Native,
    };
    let codes = read.placement.xform_codes();
    let trust = placement_note(&read.placement);
    let options = WriteOptions::default()
        .with_affine_lps(first.affine)
        .with_voxel_order(order)
        .with_xform_codes(codes[0], codes[1]);
    let name = args.out_folder.join(format!("{}.nii.gz", job.stem));
    let mut set = FileSet::new(&args.out_folder, &job.stem);
    let mut warnings: Vec<String> = read.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(trust);
    let mut files = first.info.files.len();
    let mut pending = Some(read.volume);
    set.write(".nii.gz", |w| {
        write_4d_to(w, &name, job.members.len(), &options, |t| {
            if let Some(v) = pending.take() {
                return Ok(v);
            }
            let v = report.read(job.members[t], &job.read)?;
            files += v.info.files.len();
            for w in v.warnings.iter().map(ToString::to_string) {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            Ok(v.volume)
        })
        .map_err(|e| match &e {
            medvol_io::Error::Io { path, .. } if *path == name => Failure::Output(e.to_string()),
            _ => Failure::Input(e.to_string()),
        })
    })?;
    let count = job.members.len();
    let stored = order.affine(first.affine, first.dims);
    let fsl = gradient_tables(job, &stored, args.split_4d, &mut warnings).map_err(input)?;
    let text =
        serde_json::to_string_pretty(&sidecar(&first, count, files, &warnings)).unwrap_or_default();
    set.write(".json", |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(Failure::from)?;
    if let Some(fsl) = &fsl {
        set.write(".bval", |w| {
            std::io::Write::write_all(w, fsl.bval().as_bytes())
        })?;
        set.write(".bvec", |w| {
            std::io::Write::write_all(w, fsl.bvec().as_bytes())
        })?;
    }
    let stem = set.publish(replace)?;
    let record = Record {
        job,
        first: &first,
        stem: &stem,
        order,
        stored,
        gradients: fsl.is_some(),
    };
    Ok((stem.clone(), record.to_json(&args.out_folder, warnings)))
}

/// FSL's `.bval`/`.bvec` of a file holding the volumes of a diffusion series, as dcm2niix
/// writes them: for a 4-D file of two or more volumes that all carry a b-value. A single
/// volume of a diffusion series (`--split-4d`) gets none, with a warning (dcm2niix writes none
/// per volume either); a series where only some volumes carry one gets none, with a warning.
fn gradient_tables(
    job: &Job<'_>,
    stored: &Affine,
    split: bool,
    warnings: &mut Vec<String>,
) -> Result<Option<FslGradients>, medvol_io::Error> {
    let gradients = job
        .members
        .iter()
        .map(|&i| diffusion(&job.report.volumes[i]))
        .collect::<Result<Vec<_>, _>>()?;
    if gradients.iter().all(Option::is_none) {
        return Ok(None);
    }
    if job.members.len() == 1 {
        if split {
            warnings.push(
                "one volume of a diffusion series (--split-4d): no .bval/.bvec written (convert \
                 without --split-4d for the tables of the 4-D file)"
                    .into(),
            );
        }
        return Ok(None);
    }
    let Some(all) = gradients.into_iter().collect::<Option<Vec<_>>>() else {
        warnings.push("only some volumes carry a b-value: no .bval/.bvec written".into());
        return Ok(None);
    };
    Ok(Some(FslGradients::new(&all, stored)))
}

/// Why a file claims less than qform and sform codes 1 ([`Placement::xform_codes`]), in this
/// program's words: a sheared affine has no qform; approximate or invented geometry is not
/// scanner coordinates (codes 0, as the NIfTI standard says for unknown).
fn placement_note(placement: &Placement) -> Option<String> {
    match placement {
        Placement::Exact => None,
        Placement::Sheared { .. } => Some(
            "gantry tilt kept as stored (--tilt raw): the sform holds the exact sheared \
                 affine, the qform code is 0 (--tilt corrected reslices)"
                .into(),
        ),
        Placement::Approximate { max_error_mm } => Some(format!(
            "uneven slices kept as stored (--uniform warn): no affine places them all (up to \
                 {max_error_mm:.2} mm off), so qform and sform codes are 0 (--uniform resample \
                 places every voxel)"
        )),
        Placement::Invented => Some(
            "no usable ImagePositionPatient/ImageOrientationPatient: the geometry is \
                 invented, so qform and sform codes are 0"
                .into(),
        ),
        _ => Some("placement unknown to this program: qform and sform codes are 0".into()),
    }
}

/// What the `--json` report says of one written file.
struct Record<'a> {
    job: &'a Job<'a>,
    first: &'a Head,
    stem: &'a str,
    order: VoxelOrder,
    /// Index of the stored voxels to LPS mm.
    stored: Affine,
    /// Whether `.bval` and `.bvec` were written beside the file.
    gradients: bool,
}

impl Record<'_> {
    fn to_json(&self, out: &Path, warnings: Vec<String>) -> Value {
        let Record {
            job,
            first,
            stem,
            order,
            stored,
            gradients,
        } = self;
        let info = &first.info;
        let spacing: Vec<f64> = (0..3).map(|c| stored.column(c).norm()).collect();
        let time_points: Vec<usize> = job
            .members
            .iter()
            .map(|&i| job.report.volumes[i].time_point.map_or(1, |(t, _)| t + 1))
            .collect();
        let table =
            |ext: &str| gradients.then(|| out.join(format!("{stem}.{ext}")).display().to_string());
        json!({
            "file": out.join(format!("{stem}.nii.gz")).display().to_string(),
            "sidecar": out.join(format!("{stem}.json")).display().to_string(),
            "bval": table("bval"),
            "bvec": table("bvec"),
            "series_uid": info.series_uid,
            "label": info.label,
            "volumes": job.members.len(),
            "time_points": time_points,
            "dims": first.dims,
            "spacing": spacing,
            "origin": stored.translation().0,
            "voxel_order": if *order == VoxelOrder::Native { "native" } else { "dcm2niix" },
            "voxel_type": first.voxel_type,
            "tilt_corrected": first.tilt_corrected,
            "resampled": first.resampled,
            "warnings": warnings,
        })
    }
}

fn run(args: &Args) -> Result<Value, String> {
    let report = scan(&args.dicom_folder, &ScanOptions::default()).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.out_folder)
        .map_err(|e| format!("{}: {e}", args.out_folder.display()))?;
    // Leftovers of killed runs: completed or removed before anything is named.
    sweep_folder(&args.out_folder).map_err(|e| format!("{}: {e}", args.out_folder.display()))?;
    let uniform = match args.uniform {
        UniformArg::Refuse => Uniform::Refuse,
        UniformArg::Warn => Uniform::Warn,
        UniformArg::Resample => Uniform::Resample,
    };
    let philips_scaling = match args.philips_scaling {
        PhilipsArg::Display => PhilipsScaling::Display,
        PhilipsArg::Fp => PhilipsScaling::FloatingPoint,
    };
    let mut outputs = Vec::new();
    let mut failed = Vec::new();
    // Stems this run published: never replaced, even with --force.
    let mut ours = HashSet::new();
    let files = files_of(&report, args.split_4d);
    let bar = common::Progress::new(args.progress).bar("dicom2nifti", files.len() as u64, "files");
    for members in files {
        bar.inc(1);
        let info = &report.volumes[members[0]];
        let mut variants = Vec::new();
        let tilted = info.tilt_deg > 0.0;
        if !tilted || args.tilt != TiltArg::Corrected {
            variants.push((Tilt::Raw, ""));
        }
        if tilted && args.tilt != TiltArg::Raw {
            variants.push((Tilt::Corrected, "_tilt"));
        }
        // A file holding part of a series' time points is named for its first one.
        let series_count = info.time_point.map_or(1, |(_, n)| n);
        let time = args.split_4d || members.len() < series_count;
        for (tilt, suffix) in variants {
            let job = Job {
                report: &report,
                members: &members,
                read: ReadOptions::default()
                    .with_uniform(uniform)
                    .with_tilt(tilt)
                    .with_philips_scaling(philips_scaling),
                stem: format!("{}{suffix}", base_name(info, time)),
            };
            let replace = args.force && !ours.contains(&job.stem);
            match convert(&job, args, replace) {
                Ok((stem, o)) => {
                    ours.insert(stem);
                    outputs.push(o);
                }
                Err(Failure::Input(reason)) => {
                    failed.push(json!({"label": info.label, "reason": reason}));
                }
                Err(Failure::Output(reason)) => {
                    let name = args.out_folder.join(format!("{}.nii.gz", job.stem));
                    return Err(format!("cannot write {}: {reason}", name.display()));
                }
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
