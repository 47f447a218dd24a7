//! `--format gcc`: one line per finding, `file:line:col: error: message [SSM005]`, the shape
//! compilers print and editors' quickfix lists, `compilation-mode` and problem matchers
//! parse. The position is the resource's block header in its `.tf` file, or its object in
//! the plan JSON when the block was not found (see [`super::position`]).

use std::fmt::Write;

use crate::engine::{FileReport, FindingReport};

/// Each input's notes (missing module sources, unusable `.tf` files) as `file: note: …`
/// lines, the shape compilers use for a note about a whole file, then the findings.
pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        for n in &r.notes {
            let _ = writeln!(out, "{}: note: {}", r.path, n.replace(['\r', '\n'], " "));
        }
    }
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
