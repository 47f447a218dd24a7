//! Everything tfreach writes to standard output and standard error goes through here.
//!
//! Three promises hold for every command and every format:
//!
//! - each sensitive value of every loaded input is replaced by `(sensitive)` ([`protect`],
//!   [`crate::redact`]), in reports and in diagnostics alike;
//! - each piece of output is written with one `write_all` of a finished buffer (stderr is
//!   unbuffered: formatting a diagnostic straight into it costs a system call per
//!   fragment);
//! - a failed write is not forgotten: [`finish`] turns it into exit status 2 with a
//!   message. A closed pipe (`tfreach check plan.json | head`) is the reader's choice, not
//!   an error: the run ends at once, quietly, with status 0.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard};

use crate::plan::SensitiveValues;
use crate::redact::Redactor;

/// The standard streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "standard output",
            Stream::Stderr => "standard error",
        }
    }
}

struct State {
    values: SensitiveValues,
    /// Built from `values` on the first write after they change.
    redactor: Option<Redactor>,
    /// The first failed write on each stream; later writes there are skipped.
    failed: [Option<std::io::Error>; 2],
}

static STATE: Mutex<State> = Mutex::new(State { values: SensitiveValues::new(), redactor: None, failed: [None, None] });

fn state() -> MutexGuard<'static, State> {
    // A panic while holding the lock leaves the state whole: nothing is half-updated.
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// From now on, hide these values in everything written.
pub fn protect(values: &SensitiveValues) {
    let mut s = state();
    if values.iter().all(|v| s.values.contains(v)) {
        return;
    }
    s.values.extend(values.clone());
    s.redactor = None;
}

/// `text` as it may be shown: every protected value replaced.
pub fn redacted(text: &str) -> String {
    let mut s = state();
    let State { values, redactor, .. } = &mut *s;
    redactor.get_or_insert_with(|| Redactor::new(values.iter())).redact(text).into_owned()
}

/// Writes `text` to standard output.
pub fn out(text: &str) {
    write(Stream::Stdout, text);
}

/// Writes `text` to standard error.
pub fn err(text: &str) {
    write(Stream::Stderr, text);
}

/// Writes a line to standard error.
pub fn errln(line: &str) {
    err(&format!("{line}\n"));
}

/// Writes a diagnostic (a bad input, a bad configuration) to standard error, rendered whole
/// before a single write.
pub fn diagnostic(err: impl miette::Diagnostic) {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme =
        if tty && !no_color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
    let width = if tty { terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)) } else { None };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(width.unwrap_or(100))
        .with_links(false)
        // `hashicorp/setup-terraform` and `subnet-0fedcba9876543210` stay whole.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false);
    let mut text = String::new();
    if handler.render_report(&mut text, &err).is_err() {
        text = format!("{err}\n");
    }
    self::err(&text);
}

/// Writes to standard error from the panic hook. The hook runs before unwinding: when the
/// panic came from inside this module, the state is still locked, and then only `fallback`
/// (which holds nothing from the input) is written.
pub fn err_from_panic(text: &str, fallback: &str) {
    let shown = match STATE.try_lock() {
        Ok(mut s) => {
            let State { values, redactor, .. } = &mut *s;
            redactor.get_or_insert_with(|| Redactor::new(values.iter())).redact(text).into_owned()
        }
        Err(_) => fallback.to_string(),
    };
    let _ = std::io::stderr().lock().write_all(shown.as_bytes());
}

fn write(stream: Stream, text: &str) {
    let index = stream as usize;
    if text.is_empty() || state().failed[index].is_some() {
        return;
    }
    let text = redacted(text);
    let result = match stream {
        Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
        Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
    };
    if let Err(e) = result {
        fail(stream, e);
    }
}

fn fail(stream: Stream, e: std::io::Error) {
    if e.kind() == ErrorKind::BrokenPipe {
        if stream == Stream::Stdout {
            std::process::exit(0);
        }
        // Nobody reads standard error any more: there is nothing to tell.
        return;
    }
    let mut s = state();
    let slot = &mut s.failed[stream as usize];
    if slot.is_none() {
        *slot = Some(e);
    }
}

/// Flushes standard output and returns `code`, or 2 when a write failed.
pub fn finish(code: u8) -> ExitCode {
    if let Err(e) = std::io::stdout().lock().flush() {
        fail(Stream::Stdout, e);
    }
    let failed: Vec<(Stream, String)> = {
        let s = state();
        [Stream::Stdout, Stream::Stderr]
            .into_iter()
            .filter_map(|stream| s.failed[stream as usize].as_ref().map(|e| (stream, e.to_string())))
            .collect()
    };
    if failed.is_empty() {
        return ExitCode::from(code);
    }
    for (stream, e) in failed {
        // When standard error is the stream that failed, this write fails too, quietly.
        err(&format!("tfreach: cannot write to {}: {e}; the output is incomplete, so the run failed\n", stream.name()));
    }
    ExitCode::from(2)
}
