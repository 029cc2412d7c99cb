//! `cargo run --release --example isosurface -- <input> <output.stl|.ply|.obj> --level V
//! [--open] [--ras] [--largest] [--force] [--progress] [--json]`
//!
//! `cargo run --release --example isosurface -- --phantom <output.stl|.ply|.obj> --level V ...`
//!
//! Extracts the isosurface at level `V` (in the volume's units, e.g. HU) of a NIfTI file
//! (`.nii`, `.nii.gz`, `.hdr`) or a DICOM folder or file, or of the built-in 256³ CT head
//! phantom with `--phantom`, and writes it as binary STL, binary PLY or OBJ (by extension),
//! atomically; an existing output is refused without `--force`. Vertices are in LPS
//! millimetres (`--ras`: RAS, recorded in the file header). The surface is closed where it
//! meets the volume border, so it is watertight and printable; `--open` leaves it open there
//! (as VTK does). `--largest` keeps the connected component of largest area. A level outside
//! the volume's values is an error that gives their range.
//!
//! Prints a summary, or with `--json` one JSON object: `{"vertices", "triangles", "area_mm2",
//! "volume_mm3", "closed", "boundary_edges", "non_manifold_edges", "components", "timings_ms":
//! {"read", "mesh", "largest", "measure", "write"}, "warnings": [...]}`; `volume_mm3` is null
//! when the surface is open (it encloses nothing), and the summary then gives the count of
//! boundary edges instead. The warnings (also printed on stderr without `--json`) say which
//! series or time point of the input was meshed and what the reader noticed about its
//! geometry. A progress bar shows on stderr when it is a terminal, or as lines with
//! `--progress`. Errors and usage mistakes: one line on stderr, exit status 1.

mod common;

use clap::Parser;
use medvol::core::{DynVolume, map_dyn};
use medvol::mesh::{Error as MeshError, Frame, MarchingCubes, write};
use medvol::phantom::HeadPhantom;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Extract the isosurface of a scan at a level and write it as a printable STL, PLY or OBJ
/// mesh in patient millimetres (closed at the volume border unless --open).
#[derive(Parser, Debug)]
#[command(version, allow_negative_numbers = true)]
struct Args {
    /// Input (NIfTI file or DICOM folder/file) then output (.stl, .ply or .obj); only the
    /// output with --phantom.
    #[arg(num_args = 1..=2, required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Isosurface level, in the volume's units (HU for CT): voxels at or above it are inside.
    #[arg(long, allow_negative_numbers = true)]
    level: f64,
    /// Mesh the built-in CT head phantom (256³, HU) instead of reading an input.
    #[arg(long)]
    phantom: bool,
    /// Leave the surface open where it meets the volume border (closed by default).
    #[arg(long)]
    open: bool,
    /// Close the surface at the volume border (the default; kept for older scripts).
    #[arg(long, hide = true, conflicts_with = "open")]
    close_border: bool,
    /// Write RAS coordinates instead of LPS.
    #[arg(long)]
    ras: bool,
    /// Keep only the connected component of largest area.
    #[arg(long)]
    largest: bool,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
    /// Show progress on stderr even when it is not a terminal (as lines).
    #[arg(long)]
    progress: bool,
    /// Print one JSON object on stdout instead of a human summary.
    #[arg(long)]
    json: bool,
}

fn run(args: &Args) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let (input, output) = match (args.phantom, args.paths.as_slice()) {
        (true, [out]) => (None, out),
        (false, [input, out]) => (Some(input), out),
        (true, _) => return Err("with --phantom give only the output path".into()),
        (false, _) => return Err("give an input and an output path".into()),
    };
    if let Some(input) = input {
        common::check_scan_input(input)?;
    }
    common::check_extension(output, &["stl", "ply", "obj"])?;
    common::check_overwrite(output, args.force)?;
    let count = 4 + u64::from(args.largest);
    let mut stages = common::Progress::new(args.progress).stages("isosurface", count);
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let (volume, mut warnings): (DynVolume, _) = match input {
        Some(p) => stages
            .run("read", || medvol::Input::path(p).load())
            .map(|l| (l.volume, l.warnings))?,
        None => stages.run("generate", || {
            (HeadPhantom::default().generate().into(), Vec::new())
        }),
    };
    let read_ms = ms(t);
    let frame = if args.ras { Frame::Ras } else { Frame::Lps };
    let mc = MarchingCubes::new(args.level)
        .map_err(|e| common::flag_error("--level", &e))?
        .with_close_border(!args.open)
        .with_frame(frame);
    let t = Instant::now();
    let mut mesh = stages
        .run("mesh", || map_dyn!(&volume, v => mc.run(v)))
        .map_err(|e| match e {
            MeshError::LevelOutOfRange { .. } => common::flag_error("--level", &e),
            e => e.to_string(),
        })?;
    drop(volume);
    let mesh_ms = ms(t);
    let t = Instant::now();
    if args.largest {
        mesh = stages.run("largest", || mesh.largest_component());
    }
    let largest_ms = ms(t);
    let t = Instant::now();
    let (edges, components, (area, volume_mm3)) = stages.run("measure", || {
        (
            mesh.edge_report(),
            mesh.components().len(),
            mesh.area_and_volume(),
        )
    });
    let measure_ms = ms(t);
    let t = Instant::now();
    stages.run("write", || write::write(&mesh, output))?;
    let write_ms = ms(t);
    stages.finish();
    if mesh.triangle_count() == 0 {
        warnings.push(medvol::Warning::EmptySurface { level: args.level });
    }
    let closed = edges.is_closed_manifold();
    Ok(serde_json::json!({
        "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "vertices": mesh.vertex_count(),
        "triangles": mesh.triangle_count(),
        "area_mm2": area,
        "volume_mm3": closed.then_some(volume_mm3),
        "closed": closed,
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

/// The summary line for a person: an open surface gives its boundary edges, not a volume.
fn summary(r: &serde_json::Value) -> String {
    let enclosed = match r["volume_mm3"].as_f64() {
        Some(v) => format!("encloses {v:.1} mm³"),
        None => format!(
            "open surface ({} boundary edges): no enclosed volume",
            r["boundary_edges"]
        ),
    };
    format!(
        "{} vertices, {} triangles, area {:.1} mm², {enclosed}, {} non-manifold edges, {} \
         components; mesh {:.1} ms, write {:.1} ms",
        r["vertices"],
        r["triangles"],
        r["area_mm2"].as_f64().unwrap_or(0.0),
        r["non_manifold_edges"],
        r["components"],
        r["timings_ms"]["mesh"].as_f64().unwrap_or(0.0),
        r["timings_ms"]["write"].as_f64().unwrap_or(0.0),
    )
}

fn main() -> ExitCode {
    let args: Args = match common::parse("isosurface") {
        Ok(a) => a,
        Err(code) => return code,
    };
    match run(&args) {
        Ok(report) if args.json => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Ok(r) => {
            for w in r["warnings"].as_array().into_iter().flatten() {
                eprintln!("warning: {}", w.as_str().unwrap_or_default());
            }
            println!("{}", summary(&r));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("isosurface: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
