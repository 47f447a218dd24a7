//! `--format gitlab`: a GitLab Code Quality report, the CodeClimate-style JSON array that
//! GitLab's merge request widget reads (`artifacts: reports: codequality`). Each finding is
//! an issue with the fields GitLab documents: `description`, `check_name`, `fingerprint`,
//! `severity` and `location.path` with `location.lines.begin`.
//! <https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>
//!
//! The path is the one the finding's `.tf` block was read from (or the plan file, for a
//! resource whose block was not found), as `--format gcc` prints it; severities map to
//! GitLab's as error → `critical`, warning → `major`, note → `info`. The fingerprint is the
//! finding's stable one, so that GitLab recognises the same finding across pipelines.

use serde::Serialize;

use crate::engine::{FileReport, FindingReport};
use crate::reach::Certainty;
use crate::rules::Severity;

#[derive(Serialize)]
struct Issue<'f> {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location<'f>,
}

#[derive(Serialize)]
struct Location<'f> {
    path: std::borrow::Cow<'f, str>,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

pub fn render(reports: &[FileReport]) -> String {
    let issues: Vec<Issue<'_>> = reports.iter().flat_map(|r| &r.findings).map(issue).collect();
    let mut out = serde_json::to_string_pretty(&issues).expect("issues serialise");
    out.push('\n');
    out
}

fn issue(f: &FindingReport) -> Issue<'_> {
    let pos = super::position(f);
    let possible =
        if f.certainty == Certainty::Possible { " (possible: only some resolutions of the plan fail)" } else { "" };
    Issue {
        description: format!("{}: {}{possible}", f.rule, f.message),
        check_name: format!("{} {}", f.rule, f.name),
        fingerprint: f.fingerprint(),
        severity: match f.severity {
            Severity::Error => "critical",
            Severity::Warning => "major",
            Severity::Note => "info",
        },
        location: Location { path: pos.file, lines: Lines { begin: pos.line } },
    }
}
