//! What every example program shares: its command line parsed with usage errors in one line
//! (exit status 1), the refusal to overwrite an output without `--force`, the wording of a
//! skipped file, and progress bars on stderr (shown when stderr is a terminal, or with
//! `--progress` as plain lines for logs and tests).
//!
//! Each program declares it with `mod common;` (cargo builds `examples/*.rs` as programs; a
//! folder without `main.rs` is not one).

#![allow(dead_code, reason = "each program uses the part it needs")]

use clap::Parser;
use clap::error::ErrorKind;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

/// The parsed command line of `program`, or the exit code to end with: 0 after `--help` or
/// `--version` (printed on stdout), 1 after a usage error, printed as one line on stderr
/// (`program: <what is wrong>; see --help`) instead of clap's several lines and status 2.
pub(crate) fn parse<A: Parser>(program: &str) -> Result<A, ExitCode> {
    A::try_parse().map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        kind => {
            eprintln!(
                "{program}: {}; see --help",
                usage_line(kind, &e.render().to_string())
            );
            ExitCode::FAILURE
        }
    })
}

/// What is wrong with a command line, in one line: the first line of clap's rendered error
/// without its `error: ` prefix (clap renders the whole help when nothing was given).
fn usage_line(kind: ErrorKind, rendered: &str) -> String {
    if kind == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "arguments missing".to_string();
    }
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("invalid command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.strip_suffix(':') {
        // "the following required arguments were not provided:" then one per line.
        Some(head) => {
            let items: Vec<&str> = lines.map(str::trim).take_while(|l| !l.is_empty()).collect();
            format!("{head}: {}", items.join(", "))
        }
        None => first.to_string(),
    }
}

/// An error about the value of command-line flag `flag`, named as the user typed it rather
/// than as the API spells the parameter (`--spacing: ...`, not `spacing_mm`).
pub(crate) fn flag_error(flag: &str, e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let reason = match text.strip_prefix("invalid parameter `") {
        Some(rest) => rest.split_once("`: ").map_or(rest, |(_, r)| r),
        None => &text,
    };
    format!("{flag}: {reason}")
}

/// `Ok` when `path` can be written: it does not exist, or `force` is given. Otherwise the
/// one-line refusal to print.
pub(crate) fn check_overwrite(path: &Path, force: bool) -> Result<(), String> {
    if force || std::fs::symlink_metadata(path).is_err() {
        Ok(())
    } else {
        Err(format!(
            "{} exists: not overwritten (give --force to replace it)",
            path.display()
        ))
    }
}

/// `Ok` when `path` names an output of one of `extensions` (lowercase, without the dot:
/// `nii`, `nii.gz`); otherwise the usage error, before any work is done.
pub(crate) fn check_extension(path: &Path, extensions: &[&str]) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if extensions.iter().any(|e| name.ends_with(&format!(".{e}"))) {
        Ok(())
    } else {
        let list: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
        Err(format!(
            "the output {} must end in {}",
            path.display(),
            list.join(", ")
        ))
    }
}

/// `Err` with a usage error when the input `path` is a mesh file (the output, given first).
pub(crate) fn check_scan_input(path: &Path) -> Result<(), String> {
    match check_extension(path, &["stl", "ply", "obj"]) {
        Ok(()) => Err(format!(
            "the input {} is a mesh file, not a scan: give the scan first, then the output",
            path.display()
        )),
        Err(_) => Ok(()),
    }
}

/// The one wording of a file a program left out, for every program.
pub(crate) fn skipped_line(path: &Path, reason: &str) -> String {
    format!("skipped {}: {reason}", path.display())
}

/// Where progress goes: hidden, a live bar on a terminal, or plain lines (`--progress` when
/// stderr is not a terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Nothing is shown.
    Hidden,
    /// Bars redrawn in place on the terminal.
    Terminal,
    /// Each redraw (at most twice a second) is one line on stderr.
    Lines,
}

impl Progress {
    /// Terminal bars when stderr is a terminal; plain lines when it is not but `forced`
    /// (`--progress`); hidden otherwise.
    pub(crate) fn new(forced: bool) -> Self {
        match (std::io::stderr().is_terminal(), forced) {
            (true, _) => Progress::Terminal,
            (false, true) => Progress::Lines,
            (false, false) => Progress::Hidden,
        }
    }

    fn target(self) -> ProgressDrawTarget {
        match self {
            Progress::Hidden => ProgressDrawTarget::hidden(),
            Progress::Terminal => ProgressDrawTarget::stderr(),
            Progress::Lines => ProgressDrawTarget::term_like_with_hz(Box::new(Lines::default()), 2),
        }
    }

    /// A bar of `program` over `len` steps of `what` (files, stages), with the elapsed time.
    pub(crate) fn bar(self, program: &str, len: u64, what: &str) -> ProgressBar {
        let template =
            format!("{{prefix}} [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} {what}{{msg}}");
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(len), self.target()).with_style(style);
        bar.set_prefix(program.to_string());
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    }

    /// A bar of `program` over `stages` stages, advanced by [`Stages::run`].
    pub(crate) fn stages(self, program: &str, stages: u64) -> Stages {
        Stages {
            bar: self.bar(program, stages, "stages"),
            done: 0,
        }
    }
}

/// A progress bar over the stages of a job: `prog [00:00:05] ====>     2/4 stages: filter`.
pub(crate) struct Stages {
    bar: ProgressBar,
    done: u64,
}

impl Stages {
    /// Shows `name` as running (one more stage when more start than were announced).
    pub(crate) fn start(&self, name: &str) {
        if self.bar.length().is_some_and(|len| self.done >= len) {
            self.bar.set_length(self.done + 1);
        }
        self.bar.set_message(format!(": {name}"));
    }

    /// Marks the running stage done.
    pub(crate) fn end(&mut self) {
        self.done += 1;
        self.bar.set_position(self.done);
    }

    /// Runs `f` as the stage `name`.
    pub(crate) fn run<R>(&mut self, name: &str, f: impl FnOnce() -> R) -> R {
        self.start(name);
        let r = f();
        self.end();
        r
    }

    /// Ends the bar: cleared on a terminal, a last line in `--progress` logs.
    pub(crate) fn finish(self) {
        self.bar.set_message(": done");
        self.bar.finish_and_clear();
    }
}

/// A [`TermLike`] that writes each redraw that changed as one line on stderr (progress in
/// logs).
#[derive(Debug, Default)]
struct Lines {
    /// The line being drawn, and the last one written.
    line: Mutex<(String, String)>,
}

impl TermLike for Lines {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(s)?;
        self.flush()
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        let mut line = self.line.lock().unwrap_or_else(|e| e.into_inner());
        line.0.push_str(s.trim_start_matches('\r'));
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        let mut guard = self.line.lock().unwrap_or_else(|e| e.into_inner());
        let (line, last) = &mut *guard;
        let text = line.trim_end();
        // The elapsed time alone changing is not news.
        let news = text.split_once(']').map_or(text, |(_, rest)| rest);
        if !text.is_empty() && news != last.as_str() {
            writeln!(std::io::stderr().lock(), "{text}")?;
            *last = news.to_string();
        }
        line.clear();
        Ok(())
    }
}
