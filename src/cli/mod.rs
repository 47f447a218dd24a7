//! The command line: arguments, dispatch and exit statuses.

mod args;
mod check;
mod graph;
mod reach;
mod rules;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};
pub use rules::markdown_table as rules_table;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Findings at or above `--fail-on`.
    Findings,
    /// The input or the command line is unusable.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        match s {
            ExitStatus::Clean => ExitCode::from(0),
            ExitStatus::Findings => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let status = match &cli.command {
        Command::Check(a) => check::run(a, &mut stdout),
        Command::Reach(a) => reach::run(a, &mut stdout),
        Command::Graph(a) => graph::run(a, &mut stdout),
        Command::Explain(a) => rules::explain(a, &mut stdout),
        Command::Rules(a) => rules::list(a, &mut stdout),
    };
    match stdout.flush() {
        // A closed pipe (`tfreach check plan.json | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(0),
        _ => status.into(),
    }
}

/// Prints a load or usage error as a miette diagnostic on stderr.
pub(crate) fn report_error(err: impl miette::Diagnostic + Send + Sync + 'static) {
    let report = miette::Report::new(err);
    eprintln!("{report:?}");
}

/// Writes `text` to `out`; a broken pipe ends the run quietly.
pub(crate) fn emit(out: &mut dyn Write, text: &str) -> bool {
    match out.write_all(text.as_bytes()) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("tfreach: cannot write output: {e}");
            false
        }
    }
}

/// An internal error is a bug: say so plainly, without a Rust backtrace, and exit 2.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!(
            "tfreach: internal error: {msg}{at}\nthis is a bug in tfreach; please report it with the input that caused it"
        );
        std::process::exit(2);
    }));
}
