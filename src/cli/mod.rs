//! The command line: arguments, dispatch and exit statuses.

mod args;
mod check;
mod graph;
mod hook;
mod reach;
mod rules;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};
pub use rules::markdown_table as rules_table;

use crate::output;

/// How a run ended; of several inputs, the worst counts (`Error` beats `Findings` beats
/// `Clean`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Findings at or above `--fail-on`.
    Findings,
    /// The input or the command line is unusable.
    Error,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}

/// The exit status of a panic: a bug in tfreach, never to be confused with bad input (2).
pub const INTERNAL_ERROR: i32 = 101;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    if let Err(msg) = validate(&cli.command) {
        output::errln(&format!("tfreach: {msg}"));
        return output::finish(ExitStatus::Error.code());
    }
    let status = match &cli.command {
        Command::Check(a) => check::run(a),
        Command::Reach(a) => reach::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Explain(a) => rules::explain(a),
        Command::Rules(a) => rules::list(a),
        Command::Hook(a) => hook::run(a),
    };
    output::finish(status.code())
}

/// Directories the command line names must be directories: a typo in `--source-dir` would
/// otherwise fall back to the plan's directory without a word.
fn validate(command: &Command) -> Result<(), String> {
    let sources = match command {
        Command::Check(a) => &a.sources,
        Command::Reach(a) => &a.sources,
        Command::Graph(a) => &a.sources,
        Command::Explain(_) | Command::Rules(_) | Command::Hook(_) => return Ok(()),
    };
    for (flag, dir) in [("--source-dir", &sources.source_dir), ("--repo-root", &sources.repo_root)] {
        let Some(dir) = dir else { continue };
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(format!("{flag} {}: not a directory", dir.display())),
            Err(e) => return Err(format!("{flag} {}: {e}", dir.display())),
        }
    }
    Ok(())
}

/// An internal error is a bug: say so plainly, without a Rust backtrace, and exit with
/// [`INTERNAL_ERROR`].
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let advice = "this is a bug in tfreach; please report it with the input that caused it";
        output::err_from_panic(
            &format!("tfreach: internal error: {msg}{at}\n{advice}\n"),
            &format!("tfreach: internal error{at}\n{advice}\n"),
        );
        std::process::exit(INTERNAL_ERROR);
    }));
}
