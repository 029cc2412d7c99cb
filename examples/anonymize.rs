//! `cargo run --release --example anonymize -- <in_folder> <out_folder> [--keep-private]
//! [--date-shift-days N] [--json]`
//!
//! De-identifies every DICOM file under `in_folder` into `out_folder` (same relative layout)
//! with the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile: identifying
//! attributes removed or replaced (in sequences too), private attributes removed unless
//! `--keep-private`, UIDs replaced consistently, dates shifted by N days with
//! `--date-shift-days N` (removed or emptied otherwise). Pixel data are copied untouched: text
//! burned into the pixels is NOT removed. The output folder must be outside the input folder.
//!
//! UIDs map the same way across runs when the environment variable `MEDVOL_UID_SECRET` holds
//! the same secret; otherwise a random secret is used for this run only.
//!
//! Prints a summary (files written, files skipped with the reason), or with `--json` one JSON
//! object `{"input", "output", "written", "skipped": [{"path", "reason"}], "seconds"}`.
//! Exits with status 1 if nothing could be written.

use clap::Parser;
use medvol::io::dicom::Anonymizer;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// De-identify a folder of DICOM files (PS3.15 Annex E basic profile).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Folder of DICOM files (searched recursively).
    in_folder: PathBuf,
    /// New folder for the de-identified copy (outside `in_folder`).
    out_folder: PathBuf,
    /// Keep private attributes verbatim (removed by default).
    #[arg(long)]
    keep_private: bool,
    /// Shift dates by this many days instead of removing them.
    #[arg(long, allow_negative_numbers = true)]
    date_shift_days: Option<i32>,
    /// Print one JSON object on stdout instead of a human summary.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let start = Instant::now();
    let mut anonymizer = Anonymizer::new().with_keep_private(args.keep_private);
    if let Some(days) = args.date_shift_days {
        anonymizer = anonymizer.with_date_shift_days(days);
    }
    if let Ok(secret) = std::env::var("MEDVOL_UID_SECRET") {
        anonymizer = anonymizer.with_uid_secret(secret);
    }
    let report = match anonymizer.folder(&args.in_folder, &args.out_folder) {
        Ok(report) => report,
        Err(e) => {
            if args.json {
                println!("{}", serde_json::json!({ "error": e.to_string() }));
            } else {
                eprintln!("anonymize: {e}");
            }
            return ExitCode::FAILURE;
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    if args.json {
        let skipped: Vec<_> = report
            .skipped
            .iter()
            .map(|s| serde_json::json!({ "path": s.path, "reason": s.reason }))
            .collect();
        let out = serde_json::json!({
            "input": args.in_folder,
            "output": args.out_folder,
            "written": report.written.len(),
            "skipped": skipped,
            "seconds": seconds,
        });
        println!("{out}");
    } else {
        println!(
            "{} file(s) de-identified into {} in {seconds:.2} s",
            report.written.len(),
            args.out_folder.display()
        );
        for s in &report.skipped {
            println!("skipped {}: {}", s.path.display(), s.reason);
        }
    }
    if report.written.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
