//! `cargo run --release --example anonymize -- <in_folder> <out_folder> [--keep-private]
//! [--safe-private GGGG,xxEE,CREATOR]... [--date-shift-days N] [--json]`
//!
//! De-identifies every DICOM file under `in_folder` into `out_folder` (same relative layout)
//! with the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile: identifying
//! attributes removed or replaced (in sequences too), private attributes removed (with
//! `--keep-private`, those on the safe list are kept: medvol's built-in list of acquisition
//! parameters plus each `--safe-private`), UIDs replaced consistently, dates shifted by N days with
//! `--date-shift-days N` (removed or emptied otherwise). Pixel data are copied untouched: text
//! burned into the pixels is NOT removed. The output folder must be outside the input folder.
//!
//! UIDs map the same way across runs when the environment variable `MEDVOL_UID_SECRET` holds
//! the same secret; otherwise a random secret is used for this run only.
//!
//! Prints a summary (files written, files skipped with the reason), or with `--json` one JSON
//! object `{"input", "output", "written", "skipped": [{"path", "reason"}], "seconds"}`.
//! Exits with status 1 if nothing could be written, and after a usage mistake (one line on
//! stderr). Progress shows on stderr when it is a terminal (as lines with `--progress`).

mod common;

use clap::Parser;
use medvol::io::dicom::Anonymizer;
use medvol::io::dicom::deid_profile::SafePrivate;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// De-identify a folder of DICOM files into a new folder (DICOM PS3.15 Annex E basic profile;
/// text burned into the pixels is not removed).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Folder of DICOM files (searched recursively).
    in_folder: PathBuf,
    /// New folder for the de-identified copy (outside `in_folder`).
    out_folder: PathBuf,
    /// Keep the private attributes on the safe list (PS3.15 Retain Safe Private option);
    /// all private attributes are removed by default.
    #[arg(long)]
    keep_private: bool,
    /// Add a private attribute to the safe list (implies --keep-private), as group,
    /// element and private creator: `0019,xx0C,SIEMENS MR HEADER`. Repeatable.
    #[arg(long, value_name = "GGGG,xxEE,CREATOR", value_parser = parse_safe_private)]
    safe_private: Vec<SafePrivate>,
    /// Shift dates by this many days instead of removing them.
    #[arg(long, allow_negative_numbers = true)]
    date_shift_days: Option<i32>,
    /// Print one JSON object on stdout instead of a human summary.
    #[arg(long)]
    json: bool,
    /// Show progress on stderr even when it is not a terminal (as lines).
    #[arg(long)]
    progress: bool,
}

fn main() -> ExitCode {
    let args: Args = match common::parse("anonymize") {
        Ok(a) => a,
        Err(code) => return code,
    };
    let start = Instant::now();
    let mut anonymizer = Anonymizer::new().with_keep_private(args.keep_private);
    if !args.safe_private.is_empty() {
        anonymizer = anonymizer.with_safe_private(args.safe_private);
    }
    if let Some(days) = args.date_shift_days {
        anonymizer = anonymizer.with_date_shift_days(days);
    }
    if let Ok(secret) = std::env::var("MEDVOL_UID_SECRET") {
        anonymizer = anonymizer.with_uid_secret(secret);
    }
    let mut stages = common::Progress::new(args.progress).stages("anonymize", 1);
    let result = stages.run("de-identify", || {
        anonymizer.folder(&args.in_folder, &args.out_folder)
    });
    stages.finish();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let message = e.to_string().replace('\n', " ");
            if args.json {
                println!("{}", serde_json::json!({ "error": message }));
            }
            eprintln!("anonymize: {message}");
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
            println!("{}", common::skipped_line(&s.path, &s.reason));
        }
    }
    if report.written.is_empty() {
        eprintln!(
            "anonymize: no DICOM file in {} could be de-identified",
            args.in_folder.display()
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Parses `GGGG,xxEE,CREATOR` (hexadecimal group and element number within the block).
fn parse_safe_private(spec: &str) -> Result<SafePrivate, String> {
    let mut parts = spec.splitn(3, ',');
    let (Some(group), Some(element), Some(creator)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err("expected GGGG,xxEE,CREATOR, e.g. 0019,xx0C,SIEMENS MR HEADER".into());
    };
    let group =
        u16::from_str_radix(group.trim(), 16).map_err(|e| format!("group {group:?}: {e}"))?;
    if group % 2 == 0 {
        return Err(format!("group {group:04X} is not private (odd)"));
    }
    let element = element.trim();
    let element = element
        .strip_prefix("xx")
        .or_else(|| element.strip_prefix("XX"))
        .unwrap_or(element);
    let element =
        u8::from_str_radix(element, 16).map_err(|e| format!("element {element:?}: {e}"))?;
    let creator = creator.trim();
    if creator.is_empty() {
        return Err("the private creator is empty".into());
    }
    Ok(SafePrivate::new(group, creator, element))
}
