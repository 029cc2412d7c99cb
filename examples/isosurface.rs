//! `cargo run --release --example isosurface -- <input> <output.stl|.ply|.obj> --level V
//! [--close-border] [--ras] [--largest] [--json]`
//!
//! `cargo run --release --example isosurface -- --phantom <output.stl|.ply|.obj> --level V ...`
//!
//! Extracts the isosurface at level `V` (in the volume's units, e.g. HU) of a NIfTI file
//! (`.nii`, `.nii.gz`, `.hdr`) or a DICOM folder or file, or of the built-in 256³ CT head
//! phantom with `--phantom`, and writes it as binary STL, binary PLY or OBJ (by extension),
//! atomically. Vertices are in LPS millimetres (`--ras`: RAS, recorded in the file header).
//! `--close-border` closes the surface where it meets the volume border; `--largest` keeps
//! the connected component of largest area.
//!
//! Prints a summary, or with `--json` one JSON object: `{"vertices", "triangles", "area_mm2",
//! "volume_mm3", "boundary_edges", "non_manifold_edges", "components", "timings_ms": {"read",
//! "mesh", "largest", "measure", "write"}, "warnings": [...]}`. The warnings (also printed on
//! stderr without `--json`) say which series or time point of the input was meshed, what the
//! reader noticed about its geometry, and when the surface is empty.

use clap::Parser;
use medvol::core::{DynVolume, map_dyn};
use medvol::mesh::{Frame, MarchingCubes, write};
use medvol::phantom::HeadPhantom;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Isosurface of a volume to STL/PLY/OBJ in patient coordinates.
#[derive(Parser, Debug)]
#[command(version, about, allow_negative_numbers = true)]
struct Args {
    /// Input (NIfTI file or DICOM folder/file) then output; only the output with `--phantom`.
    #[arg(num_args = 1..=2, required = true)]
    paths: Vec<PathBuf>,
    /// Isosurface level, in the volume's units.
    #[arg(long, allow_negative_numbers = true)]
    level: f64,
    /// Mesh the built-in CT head phantom (256³, HU) instead of reading an input.
    #[arg(long)]
    phantom: bool,
    /// Close the surface at the volume border (outside counts as below the level).
    #[arg(long)]
    close_border: bool,
    /// Write RAS coordinates instead of LPS.
    #[arg(long)]
    ras: bool,
    /// Keep only the connected component of largest area.
    #[arg(long)]
    largest: bool,
    /// Print one JSON object on stdout instead of a human summary.
    #[arg(long)]
    json: bool,
}

/// The volume at `path` and what the reader noted (which series or time point it took).
fn read(path: &Path) -> Result<(DynVolume, Vec<String>), Box<dyn std::error::Error>> {
    let loaded = medvol::Input::path(path).load()?;
    Ok((loaded.volume, loaded.warnings))
}

fn run(args: &Args) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let (input, output) = match (args.phantom, args.paths.as_slice()) {
        (true, [out]) => (None, out),
        (false, [input, out]) => (Some(input), out),
        (true, _) => return Err("with --phantom give only the output path".into()),
        (false, _) => return Err("give an input and an output path".into()),
    };
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let (volume, mut warnings) = match input {
        Some(p) => read(p)?,
        None => (HeadPhantom::default().generate().into(), Vec::new()),
    };
    let read_ms = ms(t);
    let frame = if args.ras { Frame::Ras } else { Frame::Lps };
    let mc = MarchingCubes::new(args.level)?
        .with_close_border(args.close_border)
        .with_frame(frame);
    let t = Instant::now();
    let mut mesh = map_dyn!(&volume, v => mc.run(v))?;
    let mesh_ms = ms(t);
    let t = Instant::now();
    if args.largest {
        mesh = mesh.largest_component();
    }
    let largest_ms = ms(t);
    let t = Instant::now();
    let edges = mesh.edge_report();
    let components = mesh.components().len();
    let (area, volume_mm3) = (mesh.area_mm2(), mesh.signed_volume_mm3());
    let measure_ms = ms(t);
    let t = Instant::now();
    write::write(&mesh, output)?;
    let write_ms = ms(t);
    if mesh.triangle_count() == 0 {
        warnings.push(format!("the surface at level {} is empty", args.level));
    }
    Ok(serde_json::json!({
        "warnings": warnings,
        "vertices": mesh.vertex_count(),
        "triangles": mesh.triangle_count(),
        "area_mm2": area,
        "volume_mm3": volume_mm3,
        "boundary_edges": edges.boundary_edges,
        "non_manifold_edges": edges.non_manifold_edges,
        "components": components,
        "timings_ms": {
            "read": read_ms,
            "mesh": mesh_ms,
            "largest": largest_ms,
            "measure": measure_ms,
            "write": write_ms,
        },
    }))
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(report) if args.json => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Ok(r) => {
            for w in r["warnings"].as_array().into_iter().flatten() {
                eprintln!("warning: {}", w.as_str().unwrap_or_default());
            }
            println!(
                "{} vertices, {} triangles, area {:.1} mm², volume {:.1} mm³, {} boundary and {} \
                 non-manifold edges, {} components; mesh {:.1} ms, write {:.1} ms",
                r["vertices"],
                r["triangles"],
                r["area_mm2"].as_f64().unwrap_or(0.0),
                r["volume_mm3"].as_f64().unwrap_or(0.0),
                r["boundary_edges"],
                r["non_manifold_edges"],
                r["components"],
                r["timings_ms"]["mesh"].as_f64().unwrap_or(0.0),
                r["timings_ms"]["write"].as_f64().unwrap_or(0.0),
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("isosurface: {e}");
            ExitCode::FAILURE
        }
    }
}
