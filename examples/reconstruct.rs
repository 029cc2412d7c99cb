//! `cargo run --release --example reconstruct -- [INPUT] [--out FILE] [--level V | --preset bone|skin]
//!  [--sigma MM] [--median R] [--spacing MM] [--largest] [--open] [--ras] [--volume ID] [--force]
//!  [--progress] [--json]`
//!
//! The main job of medvol: read a scan (a DICOM folder or file, or a NIfTI file), optionally make
//! it isotropic and denoise it, extract the surface of a tissue and write it as a mesh file
//! (STL, PLY or OBJ by extension). With no INPUT it runs on the built-in CT head phantom and
//! writes `phantom_bone.stl` in the current folder; a DICOM series' default name comes from its
//! SeriesDescription (`<description>_<preset or level>.stl`), a NIfTI file's from its name. An
//! existing output is refused without `--force`. A DICOM series is meshed on a true grid:
//! unevenly spaced slices are resampled along k and a gantry-tilted stack is resliced, as the
//! warnings say. The surface is closed at the volume border (printable) unless `--open`.
//!
//! A progress bar over the stages goes to stderr when it is a terminal (as lines with
//! `--progress`); a summary (or with `--json` one JSON object with `timings_ms`, `vertices`,
//! `triangles`, `area_mm2`, `volume_mm3` (null for an open surface), `closed`,
//! `boundary_edges`, `output`) to stdout. Errors and usage mistakes: one line on stderr and exit
//! status 1.

mod common;

use clap::{Parser, ValueEnum};
use medvol::io::dicom::{self, ScanOptions};
use medvol::mesh::Frame;
use medvol::phantom::HeadPhantom;
use medvol::pipeline::{Event, Input, Level, Pipeline, Preset, Report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Reconstruct a printable surface mesh of bone or skin from a CT or MR scan (DICOM or NIfTI;
/// the built-in CT head phantom when no input is given).
#[derive(Parser, Debug)]
#[command(version, allow_negative_numbers = true)]
struct Args {
    /// A DICOM folder or file, or a NIfTI file (.nii, .nii.gz). Default: the CT head phantom.
    input: Option<PathBuf>,
    /// Output mesh (.stl, .ply, .obj). Default: <series description or file name>_<preset or
    /// level>.stl in the current folder.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Isosurface level, in the volume's units after rescale (HU for CT).
    #[arg(long, conflicts_with = "preset", allow_negative_numbers = true)]
    level: Option<f64>,
    /// CT tissue preset (bone = 300 HU, skin = -500 HU). Default: bone when no level is given.
    #[arg(long, value_enum)]
    preset: Option<PresetArg>,
    /// Gaussian smoothing sigma, mm.
    #[arg(long, value_name = "MM", conflicts_with = "median")]
    sigma: Option<f64>,
    /// Median denoising radius, voxels (1 = 3x3x3).
    #[arg(long, value_name = "R")]
    median: Option<usize>,
    /// Resample to this isotropic spacing (mm) first.
    #[arg(long, value_name = "MM")]
    spacing: Option<f64>,
    /// Keep only the largest connected component.
    #[arg(long)]
    largest: bool,
    /// Leave the surface open where it meets the volume border (closed by default).
    #[arg(long, alias = "open-border")]
    open: bool,
    /// Write vertices in RAS instead of LPS.
    #[arg(long)]
    ras: bool,
    /// Which DICOM volume to use (an id from `inspect`); default the first.
    #[arg(long, value_name = "ID")]
    volume: Option<String>,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
    /// Show progress on stderr even when it is not a terminal (as lines).
    #[arg(long)]
    progress: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PresetArg {
    Bone,
    Skin,
}

fn main() -> ExitCode {
    let args: Args = match common::parse("reconstruct") {
        Ok(a) => a,
        Err(code) => return code,
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reconstruct: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// The input to read, from the command line.
fn input(args: &Args) -> Result<Input, String> {
    let Some(path) = &args.input else {
        return Ok(Input::Phantom(HeadPhantom::default()));
    };
    match &args.volume {
        Some(id) => Input::path(path)
            .with_volume(id)
            .map_err(|e| common::flag_error("--volume", &e)),
        None => Ok(Input::path(path)),
    }
}

/// The name an input gives its mesh: `phantom`, a DICOM series' description (its label when it
/// has none), a NIfTI file's name; in letters, digits, `-`, `.` and `_` only.
fn stem(input: &Input) -> Result<String, Box<dyn std::error::Error>> {
    let raw = match input {
        Input::Dicom { path, volume } => {
            let scan = dicom::scan(path, &ScanOptions::default())?;
            let info = match volume {
                Some(id) => scan.volumes.iter().find(|v| &v.id == id),
                None => scan.volumes.first(),
            };
            match info {
                Some(v) if !v.series_description.trim().is_empty() => v.series_description.clone(),
                Some(v) => v.label.clone(),
                None => "volume".to_string(),
            }
        }
        Input::Nifti(path) => file_name(path),
        _ => "phantom".to_string(),
    };
    let safe: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(if safe.is_empty() {
        "volume".into()
    } else {
        safe
    })
}

/// A file's name without `.nii` / `.nii.gz`.
fn file_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    name.trim_end_matches(".gz")
        .trim_end_matches(".nii")
        .to_string()
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let (level, level_name) = match (args.level, args.preset) {
        (Some(v), _) => (Level::Value(v), format!("level{v}")),
        (None, Some(PresetArg::Skin)) => (Level::Preset(Preset::Skin), "skin".to_string()),
        (None, _) => (Level::Preset(Preset::Bone), "bone".to_string()),
    };
    if let Some(path) = &args.input {
        common::check_scan_input(path)?;
    }
    let input = input(args)?;

    let mut pipeline = Pipeline::new(level)
        .with_largest_component(args.largest)
        .with_close_border(!args.open)
        .with_frame(if args.ras { Frame::Ras } else { Frame::Lps });
    if let Some(mm) = args.spacing {
        pipeline = pipeline
            .with_spacing_mm(mm)
            .map_err(|e| common::flag_error("--spacing", &e))?;
    }
    if let Some(sigma) = args.sigma {
        pipeline = pipeline
            .with_gaussian(sigma)
            .map_err(|e| common::flag_error("--sigma", &e))?;
    }
    if let Some(r) = args.median {
        pipeline = pipeline
            .with_median(r)
            .map_err(|e| common::flag_error("--median", &e))?;
    }
    let out = match &args.out {
        Some(out) => out.clone(),
        None => PathBuf::from(format!("{}_{level_name}.stl", stem(&input)?)),
    };
    common::check_extension(&out, &["stl", "ply", "obj"]).map_err(|e| format!("--out: {e}"))?;
    common::check_overwrite(&out, args.force)?;

    let phantom = matches!(input, Input::Phantom(_));
    let mut stages = common::Progress::new(args.progress).stages("reconstruct", 4);
    let mut observer = |event: Event<'_>| match event {
        Event::Started(name) => stages.start(stage_name(name, phantom)),
        Event::Finished(..) => stages.end(),
        _ => {}
    };
    let outcome = pipeline.with_output(&out).run_with(&input, &mut observer)?;
    stages.finish();
    let r = &outcome.report;
    if args.json {
        println!("{}", json(r, args.ras));
    } else {
        print!("{}", summary(r, args, phantom, &out));
    }
    Ok(())
}

/// A stage's name for a person: the phantom is generated, not read.
fn stage_name(name: &str, phantom: bool) -> &str {
    if phantom && name == "read" {
        "generate"
    } else {
        name
    }
}

fn json(r: &Report, ras: bool) -> serde_json::Value {
    let timings: serde_json::Map<String, serde_json::Value> = r
        .steps
        .iter()
        .map(|(name, ms)| (name.clone(), serde_json::json!(ms)))
        .collect();
    let closed = r.boundary_edges == 0 && r.non_manifold_edges == 0;
    serde_json::json!({
        "input": r.input,
        "modality": r.modality,
        "dims": r.dims,
        "spacing": r.spacing,
        "level": r.level,
        "timings_ms": timings,
        "total_ms": r.total_ms(),
        "vertices": r.vertices,
        "triangles": r.triangles,
        "area_mm2": r.area_mm2,
        "volume_mm3": closed.then_some(r.volume_mm3),
        "closed": closed,
        "boundary_edges": r.boundary_edges,
        "non_manifold_edges": r.non_manifold_edges,
        "frame": if ras { "RAS" } else { "LPS" },
        "output": r.output,
        "warnings": r.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

/// The summary for a person: the grid once, the level with its unit and preset, the stages,
/// the mesh (an open one by its boundary edges, not a volume).
fn summary(r: &Report, args: &Args, phantom: bool, out: &Path) -> String {
    let [ni, nj, nk] = r.dims;
    let source = if phantom {
        "built-in CT head phantom (generated)".to_string()
    } else {
        r.input.clone()
    };
    let unit = if phantom || r.modality.as_deref() == Some("CT") {
        " HU"
    } else {
        ""
    };
    let how = match (args.level, args.preset) {
        (Some(_), _) => "given level".to_string(),
        (None, Some(PresetArg::Skin)) => "skin preset".to_string(),
        (None, _) => "bone preset".to_string(),
    };
    let mut text = format!(
        "input     {source}\ngrid      {ni} x {nj} x {nk} voxels of {:?} mm, {}\nlevel     {}{unit}, {how}\n",
        r.spacing, r.voxel_type, r.level
    );
    for (name, ms) in &r.steps {
        text += &format!("  {:<11} {ms:>8.1} ms\n", stage_name(name, phantom));
    }
    text += &format!("  {:<11} {:>8.1} ms\n", "total", r.total_ms());
    let enclosed = if r.boundary_edges == 0 && r.non_manifold_edges == 0 {
        format!("closed, encloses {:.1} cm³", r.volume_mm3 / 1000.0)
    } else {
        format!(
            "open ({} boundary edges): no enclosed volume",
            r.boundary_edges
        )
    };
    text += &format!(
        "mesh      {} vertices, {} triangles, area {:.1} cm², {enclosed}\nwritten   {}\n",
        r.vertices,
        r.triangles,
        r.area_mm2 / 100.0,
        out.display()
    );
    for w in &r.warnings {
        text += &format!("warning   {w}\n");
    }
    text
}
