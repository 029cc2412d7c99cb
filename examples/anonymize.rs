//! `cargo run --release --example anonymize -- <input> <out_folder> [--keep-private]
//! [--safe-private GGGG,xxEE,CREATOR]... [--date-shift-days N] [--retain-uids]
//! [--retain-device-identity] [--retain-patient-characteristics] [--clean-descriptors]
//! [--keep-names] [--force] [--progress] [--json]`
//!
//! De-identifies a DICOM file, or every DICOM file under a folder, into `out_folder` (files
//! named `IM00001.dcm`, ... in input name order; `--keep-names` keeps the input's relative
//! paths) with the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile
//! (Table E.1-1, applied in every sequence and functional group): identifying attributes
//! removed or replaced, attributes outside the table removed unless on medvol's short list of
//! pixel, geometry and acquisition attributes (the removed ones are reported), private
//! attributes removed (with `--keep-private`, those on the safe list are kept: medvol's
//! built-in list of acquisition parameters plus each `--safe-private`), UIDs replaced
//! consistently, dates shifted by N days with `--date-shift-days N` (removed or emptied
//! otherwise). The other flags are the standard's options of the same names. DICOMDIR files
//! are left out (reported). Pixel data are copied untouched: text burned into the pixels is
//! NOT removed. The output folder must be outside the input folder.
//!
//! UIDs map the same way across runs when the environment variable `MEDVOL_UID_SECRET` holds
//! the same secret; otherwise a random secret is used for this run only.
//!
//! Prints a summary (files written, files skipped with the reason, attributes removed as
//! outside the table), or with `--json` one JSON object `{"input", "output", "written",
//! "skipped": [{"path", "reason"}], "dropped": [{"tag", "keyword", "files"}], "options",
//! "seconds"}` (`options`: the CID 7050 codes recorded). Exits with status 1 if nothing could
//! be written, or if a file could not be written (a full disk: the system's reason is printed).
//! Usage mistakes exit with status 1 and one line on stderr. Progress shows on stderr when it
//! is a terminal (as lines with `--progress`).

mod common;

use clap::Parser;
use medvol::io::dicom::deid_profile::SafePrivate;
use medvol::io::dicom::{Anonymizer, Naming};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// De-identify a folder of DICOM files into a new folder (DICOM PS3.15 Annex E basic profile;
/// text burned into the pixels is not removed).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// A DICOM file, or a folder of DICOM files (searched recursively).
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
    /// Shift dates by this many days instead of removing them (Retain Longitudinal Temporal
    /// Information with Modified Dates option).
    #[arg(long, allow_negative_numbers = true)]
    date_shift_days: Option<i32>,
    /// Keep UIDs (Retain UIDs option).
    #[arg(long)]
    retain_uids: bool,
    /// Keep device serial numbers, station names and the like (Retain Device Identity option).
    #[arg(long)]
    retain_device_identity: bool,
    /// Keep sex, age, size, weight and the like (Retain Patient Characteristics option).
    #[arg(long)]
    retain_patient_characteristics: bool,
    /// Keep descriptions with the data set's identifiers blanked out (Clean Descriptors option).
    #[arg(long)]
    clean_descriptors: bool,
    /// Keep the input's relative file paths instead of IM00001.dcm, ... (only for names that
    /// identify no one).
    #[arg(long)]
    keep_names: bool,
    /// Print one JSON object on stdout instead of a human summary.
    #[arg(long)]
    json: bool,
    /// Show progress on stderr even when it is not a terminal (as lines).
    #[arg(long)]
    progress: bool,
    /// Write into an output folder that already holds files (same names are replaced);
    /// without it such a folder is refused, so two copies never mix.
    #[arg(long)]
    force: bool,
}

/// `Ok` when `out` is missing or empty, or `force` is given; otherwise the one-line refusal:
/// numbered names from another run would replace or sit among this run's files.
fn check_output_folder(out: &std::path::Path, force: bool) -> Result<(), String> {
    let used = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some());
    if used && !force {
        return Err(format!(
            "{} is not empty: not written into (a new folder keeps copies apart; --force \
             writes into it, replacing files of the same names)",
            out.display()
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Args = match common::parse("anonymize") {
        Ok(a) => a,
        Err(code) => return code,
    };
    if let Err(message) = check_output_folder(&args.out_folder, args.force) {
        if args.json {
            println!("{}", serde_json::json!({ "error": message }));
        }
        eprintln!("anonymize: {message}");
        return ExitCode::FAILURE;
    }
    let start = Instant::now();
    let mut anonymizer = Anonymizer::new()
        .with_keep_private(args.keep_private)
        .with_retain_uids(args.retain_uids)
        .with_retain_device_identity(args.retain_device_identity)
        .with_retain_patient_characteristics(args.retain_patient_characteristics)
        .with_clean_descriptors(args.clean_descriptors);
    if args.keep_names {
        anonymizer = anonymizer.with_naming(Naming::Keep);
    }
    if !args.safe_private.is_empty() {
        anonymizer = anonymizer.with_safe_private(args.safe_private);
    }
    if let Some(days) = args.date_shift_days {
        anonymizer = anonymizer.with_date_shift_days(days);
    }
    if let Ok(secret) = std::env::var("MEDVOL_UID_SECRET") {
        anonymizer = anonymizer.with_uid_secret(secret);
    }
    let bar = common::Progress::new(args.progress).bar("anonymize", 0, "files de-identified");
    let result =
        anonymizer.folder_with_progress(&args.in_folder, &args.out_folder, &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        });
    bar.finish_and_clear();
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
        let dropped: Vec<_> = report
            .dropped
            .iter()
            .map(|(tag, files)| {
                serde_json::json!({ "tag": tag.to_string(), "keyword": keyword(*tag), "files": files })
            })
            .collect();
        let options: Vec<_> = anonymizer.options().iter().map(|o| o.code().0).collect();
        let out = serde_json::json!({
            "input": args.in_folder,
            "output": args.out_folder,
            "written": report.written.len(),
            "skipped": skipped,
            "dropped": dropped,
            "options": options,
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
        if !report.dropped.is_empty() {
            let names: Vec<String> = report
                .dropped
                .iter()
                .map(|(tag, files)| format!("{} {tag} ({files} files)", keyword(*tag)))
                .collect();
            println!(
                "removed as outside PS3.15 Table E.1-1 and medvol's kept list: {}",
                names.join(", ")
            );
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

/// The dictionary keyword of `tag`, or `"?"`.
fn keyword(tag: dicom_core::Tag) -> &'static str {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
    dicom_dictionary_std::StandardDataDictionary
        .by_tag(tag)
        .map_or("?", |e| e.alias())
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
