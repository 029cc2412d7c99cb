//! Filters a volume and writes it as NIfTI, keeping the input's voxel grid and axis order.
//!
//! ```text
//! cargo run --release --example filter -- <input> <output.nii[.gz]> <op> [--json]
//!     [--volume ID] [--block-slices N]
//! ops:
//!   gaussian --sigma MM [--method recursive|discrete]
//!   median --radius R
//!   resample --spacing MM [--interp nearest|linear|cubic]
//!   normalize --zscore | --range LO,HI | --window CENTER,WIDTH
//!   threshold --lower L [--upper U]
//! ```
//!
//! `<input>` is a NIfTI file or a DICOM folder (its first volume, or `--volume ID` from the scan
//! report). No reorientation: resampling keeps origin and direction. `--block-slices N` runs
//! the filter in z-slabs of N slices (same output). Gaussian, linear/cubic resampling and
//! normalisation write `f32`; median and nearest resampling keep the voxel type; threshold
//! writes `u8` (1 inside `[L, U]`). With `--json`, prints exactly one JSON object on stdout:
//!
//! ```text
//! {"op": "gaussian", "dims": [ni, nj, nk], "spacing": [sx, sy, sz],
//!  "timings_ms": {"read": f, "filter": f, "write": f}}
//! ```
//!
//! An existing output is refused without `--force`. A progress bar over the stages (read,
//! filter, write) shows on stderr when it is a terminal, or as lines with `--progress`. Errors
//! and usage mistakes: one line on stderr, exit status 1.

mod common;

use clap::{Parser, Subcommand, ValueEnum};
use medvol::core::map_dyn;
use medvol::filter::{
    Blocked, Filter, Gaussian, GaussianMethod, Interpolation, Median, Normalize, Resample, Sigma,
    Threshold,
};
use medvol::io::nifti;
use medvol::{DynVolume, Input, Volume, Voxel};
use serde::Serialize;
use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    version,
    about = "Smooth, denoise, resample, normalise or threshold a NIfTI file or DICOM series in \
             physical units (mm) and write the result as NIfTI on the same grid",
    allow_negative_numbers = true
)]
struct Args {
    /// A NIfTI file or a DICOM folder.
    input: PathBuf,
    /// The output NIfTI file (.nii or .nii.gz).
    output: PathBuf,
    #[command(subcommand)]
    op: Op,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The DICOM volume to read (an id from the scan report); default the first.
    #[arg(long, global = true)]
    volume: Option<String>,
    /// Run blocked, in z-slabs of N slices (same output, less memory per task).
    #[arg(long, global = true, value_name = "N")]
    block_slices: Option<usize>,
    /// Replace the output file if it exists.
    #[arg(long, global = true)]
    force: bool,
    /// Show progress on stderr even when it is not a terminal (as lines).
    #[arg(long, global = true)]
    progress: bool,
}

#[derive(Subcommand)]
enum Op {
    /// Gaussian smoothing, sigma in millimetres.
    #[command(allow_negative_numbers = true)]
    Gaussian {
        /// Standard deviation in millimetres, the same along every axis.
        #[arg(long, value_name = "MM")]
        sigma: f64,
        /// Discrete kernel (exact, as SimpleITK's DiscreteGaussian) or recursive (faster for
        /// large sigmas, as SimpleITK's SmoothingRecursiveGaussian).
        #[arg(long, value_enum, default_value = "discrete")]
        method: Method,
    },
    /// Median over (2R+1)³ voxels.
    #[command(allow_negative_numbers = true)]
    Median {
        /// Radius in voxels along every axis (1 = 3x3x3 neighbourhood).
        #[arg(long, value_name = "R")]
        radius: usize,
    },
    /// Resample to an isotropic spacing (origin and direction kept).
    #[command(allow_negative_numbers = true)]
    Resample {
        /// The new spacing, millimetres, along every axis.
        #[arg(long, value_name = "MM")]
        spacing: f64,
        /// Interpolation: nearest (keeps the voxel type and labels), linear or cubic B-spline.
        #[arg(long, value_enum, default_value = "linear")]
        interp: Interp,
    },
    /// Intensity normalisation.
    Normalize {
        /// (x - mean) / sample standard deviation.
        #[arg(long, conflicts_with_all = ["range", "window"], required_unless_present_any = ["range", "window"])]
        zscore: bool,
        /// Min-max rescale onto LO,HI.
        #[arg(
            long,
            value_name = "LO,HI",
            value_delimiter = ',',
            allow_hyphen_values = true,
            conflicts_with = "window"
        )]
        range: Option<Vec<f64>>,
        /// Window CENTER,WIDTH onto [0, 1], clipped.
        #[arg(
            long,
            value_name = "CENTER,WIDTH",
            value_delimiter = ',',
            allow_hyphen_values = true
        )]
        window: Option<Vec<f64>>,
    },
    /// Binary mask (u8) of the voxels in [L, U].
    Threshold {
        /// Lowest value inside the mask, in the volume's units.
        #[arg(long, value_name = "L", allow_negative_numbers = true)]
        lower: f64,
        /// Highest value inside the mask (default: no upper bound).
        #[arg(long, value_name = "U", allow_negative_numbers = true)]
        upper: Option<f64>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Method {
    /// Recursive (IIR) filter.
    Recursive,
    /// Sampled Gaussian kernel.
    Discrete,
}

#[derive(Clone, Copy, ValueEnum)]
enum Interp {
    /// Nearest voxel.
    Nearest,
    /// Trilinear.
    Linear,
    /// Cubic B-spline.
    Cubic,
}

#[derive(Serialize)]
struct Report {
    op: &'static str,
    dims: [usize; 3],
    spacing: [f64; 3],
    timings_ms: Timings,
}

#[derive(Serialize)]
struct Timings {
    read: f64,
    filter: f64,
    write: f64,
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Gaussian { .. } => "gaussian",
            Op::Median { .. } => "median",
            Op::Resample { .. } => "resample",
            Op::Normalize { .. } => "normalize",
            Op::Threshold { .. } => "threshold",
        }
    }
}

/// `filter` applied to `v`, whole or in z-slabs of `slices`.
fn run<T: Voxel, F: Filter<T>>(
    filter: F,
    v: &Volume<T>,
    slices: Option<usize>,
) -> Result<DynVolume, Box<dyn Error>>
where
    F::Output: Voxel,
{
    let out = match slices {
        Some(n) => Blocked::new(filter)
            .with_slices(n)
            .map_err(|e| common::flag_error("--block-slices", &e))?
            .apply(v)?,
        None => filter.apply(v)?,
    };
    Ok(out.into())
}

fn apply(op: &Op, input: DynVolume, slices: Option<usize>) -> Result<DynVolume, Box<dyn Error>> {
    match op {
        Op::Gaussian { sigma, method } => {
            let method = match method {
                Method::Recursive => GaussianMethod::Recursive,
                Method::Discrete => GaussianMethod::Discrete,
            };
            let g = Gaussian::new(Sigma::iso_mm(*sigma))
                .map_err(|e| common::flag_error("--sigma", &e))?
                .with_method(method);
            match slices {
                // Integer rows are converted inside the first pass, not in a copy first.
                None => map_dyn!(&input, v => Ok(g.apply_to_f32(v)?.into())),
                Some(_) => run(g, &input.into_f32(), slices),
            }
        }
        Op::Median { radius } => {
            let m = Median::new([*radius; 3]).map_err(|e| common::flag_error("--radius", &e))?;
            map_dyn!(&input, v => run(m, v, slices))
        }
        Op::Resample { spacing, interp } => {
            let r = Resample::isotropic(input.geometry(), input.dims(), *spacing)
                .map_err(|e| common::flag_error("--spacing", &e))?;
            Ok(match interp {
                Interp::Nearest => {
                    let r = r.with_interpolation(Interpolation::Nearest);
                    map_dyn!(&input, v => DynVolume::from(r.apply(v)?))
                }
                Interp::Linear | Interp::Cubic => {
                    let r = r.with_interpolation(match interp {
                        Interp::Linear => Interpolation::Linear,
                        _ => Interpolation::CubicBSpline,
                    });
                    map_dyn!(&input, v => DynVolume::from(r.apply_to_f32(v)?))
                }
            })
        }
        Op::Normalize {
            zscore,
            range,
            window,
        } => {
            let stats = input.statistics();
            let pair = |v: &[f64], what: &str| match v {
                [a, b] => Ok((*a, *b)),
                _ => Err(format!("--{what} needs two numbers separated by a comma")),
            };
            let n = match (zscore, range, window) {
                (_, Some(r), _) => {
                    let (lo, hi) = pair(r, "range")?;
                    Normalize::range(&stats, lo, hi)
                        .map_err(|e| common::flag_error("--range", &e))?
                }
                (_, _, Some(w)) => {
                    let (c, w) = pair(w, "window")?;
                    Normalize::window(c, w).map_err(|e| common::flag_error("--window", &e))?
                }
                _ => Normalize::zscore(&stats)?,
            };
            map_dyn!(&input, v => run(n, v, slices))
        }
        Op::Threshold { lower, upper } => {
            let t = Threshold::new(*lower, upper.unwrap_or(f64::INFINITY))
                .map_err(|e| common::flag_error("--lower/--upper", &e))?;
            map_dyn!(&input, v => run(t, v, slices))
        }
    }
}

fn main() -> ExitCode {
    let args: Args = match common::parse("filter") {
        Ok(a) => a,
        Err(code) => return code,
    };
    match real_main(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("filter: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn real_main(args: &Args) -> Result<(), Box<dyn Error>> {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let input = match &args.volume {
        Some(id) => Input::path(&args.input)
            .with_volume(id)
            .map_err(|e| common::flag_error("--volume", &e))?,
        None => Input::path(&args.input),
    };
    common::check_extension(&args.output, &["nii", "nii.gz"])?;
    common::check_overwrite(&args.output, args.force)?;
    let mut stages = common::Progress::new(args.progress).stages("filter", 3);
    let loaded = stages.run("read", || input.load())?;
    let read = ms(t);
    let t = Instant::now();
    let out = stages.run(args.op.name(), || {
        apply(&args.op, loaded.volume, args.block_slices)
    })?;
    let filter = ms(t);
    let t = Instant::now();
    stages.run("write", || nifti::write_dyn(&args.output, &out))?;
    let write = ms(t);
    stages.finish();
    let report = Report {
        op: args.op.name(),
        dims: out.dims(),
        spacing: out.geometry().spacing(),
        timings_ms: Timings {
            read,
            filter,
            write,
        },
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        for w in &loaded.warnings {
            eprintln!("warning: {w}");
        }
        println!(
            "{} -> {}: {} {:?} voxels, spacing {:?} mm (read {:.0} ms, filter {:.0} ms, write {:.0} ms)",
            args.input.display(),
            args.output.display(),
            report.op,
            report.dims,
            report.spacing,
            read,
            filter,
            write
        );
    }
    Ok(())
}
