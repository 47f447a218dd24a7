//! `--format gcc`: one line per finding, `file:line:col: error: message [SSM005]`, the shape
//! compilers print and editors' quickfix lists, `compilation-mode` and problem matchers
//! parse. The position is the resource's block header in its `.tf` file, or its object in
//! the plan JSON when the block was not found (see [`super::position`]).

use std::fmt::Write;

use crate::engine::{FileReport, FindingReport};

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for f in reports.iter().flat_map(|r| &r.findings) {
        let _ = writeln!(out, "{}", line(f));
    }
    out
}

/// `file:line:col: severity: message [RULE]`.
pub fn line(f: &FindingReport) -> String {
    // A message is one line by convention; keep the format line-oriented even if one is not.
    let message = f.message.replace(['\r', '\n'], " ");
    format!("{}: {}: {message} [{}]", super::position(f), f.severity.name(), f.rule)
}
