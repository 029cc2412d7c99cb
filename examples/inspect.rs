//! What a medical image file holds, with its geometry in LPS millimetres.
//!
//! ```text
//! cargo run --release --example inspect -- <path> [--json]
//! ```
//!
//! `<path>` is a NIfTI file (`.nii`, `.nii.gz`, `.hdr`/`.img`). With `--json`, prints exactly
//! one JSON object on stdout:
//!
//! ```text
//! {"path": "...", "volumes": [{"name": "...", "dims": [ni, nj, nk], "spacing": [sx, sy, sz],
//!   "origin": [x, y, z], "direction": [d0, ..., d8], "voxel_type": "i16",
//!   "min": f, "max": f, "mean": f, "corners": [[x, y, z], ... 8 corner voxel centres]}],
//!  "warnings": ["..."]}
//! ```
//!
//! `direction` is row-major, column c the unit vector of axis c (as SimpleITK's
//! `GetDirection()`); corners run with i fastest; statistics are of the values after scaling.
//! Without `--json` the same is printed for a person. Errors: one line on stderr, exit status 1.

use clap::Parser;
use medvol::DynVolume;
use medvol::io::nifti;
use serde::Serialize;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Print the volumes of a NIfTI file with their LPS geometry and statistics")]
struct Args {
    /// A NIfTI file: .nii, .nii.gz, .hdr or .img.
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
    corners: Vec<[f64; 3]>,
}

fn volume_record(name: String, v: &DynVolume) -> VolumeRecord {
    let g = v.geometry();
    let s = v.statistics();
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
        corners: g.corners(v.dims()).iter().map(|p| p.0).collect(),
    }
}

fn is_nifti(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    [".nii", ".hdr", ".img"]
        .iter()
        .any(|ext| name.ends_with(ext))
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
            volume_record(
                if many {
                    format!("{file}[t={t}]")
                } else {
                    file.clone()
                },
                v,
            )
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
        warnings: nii.warnings,
        details,
    })
}

fn inspect(path: &Path) -> Result<Report, Box<dyn Error>> {
    if is_nifti(path) {
        inspect_nifti(path)
    } else {
        Err(format!(
            "{}: not a NIfTI file (.nii, .nii.gz, .hdr, .img)",
            path.display()
        )
        .into())
    }
}

fn print_text(r: &Report) {
    println!("{}", r.path);
    for d in &r.details {
        println!("  {d}");
    }
    let v3 = |a: &[f64]| {
        a.iter()
            .map(|x| format!("{x:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for v in &r.volumes {
        println!(
            "volume {}: {} x {} x {} {}",
            v.name, v.dims[0], v.dims[1], v.dims[2], v.voxel_type
        );
        println!("  spacing   [{}] mm", v3(&v.spacing));
        println!("  origin    [{}] mm LPS", v3(&v.origin));
        println!(
            "  direction [{}] (row-major, columns = i, j, k)",
            v3(&v.direction)
        );
        println!(
            "  values    min {}  max {}  mean {:.6}",
            v.min, v.max, v.mean
        );
        println!("  corners (LPS mm, i fastest):");
        for c in &v.corners {
            println!("    [{}]", v3(c));
        }
    }
    for w in &r.warnings {
        println!("warning: {w}");
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match inspect(&args.path) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("inspect: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print_text(&report);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("inspect: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
