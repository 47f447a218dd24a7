//! `--format github`: GitHub Actions workflow commands, one annotation per finding:
//!
//! ```text
//! ::error file=main.tf,line=114,col=1,title=SSM005 instance-egress-blocked::message%0Ahelp: …
//! ```
//!
//! `error`, `warning` and `notice` follow the finding's severity (a note is a `notice`). The
//! file is the `.tf` path as read from the working directory, which GitHub resolves against
//! the workspace, or the plan file and the line of the resource's object in it when the
//! block was not found; input read from standard input gets no `file`. Suppressed findings
//! are not annotated. GitHub shows at most 10 annotations of each kind per step, so the
//! most severe come first (the findings' order).
//!
//! Each input's notes (missing module sources, unusable `.tf` files) come first, as
//! `::notice` commands.
//!
//! Escaping follows `@actions/core` (`toolkit/packages/core/src/command.ts`): in the message
//! `%`, `\r` and `\n`; in property values also `:` and `,`, which delimit properties.

use std::fmt::Write;

use crate::engine::{FileReport, FindingReport};
use crate::reach::Certainty;
use crate::rules::Severity;

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    // What the user should know about an input (missing module sources, unusable `.tf`
    // files): a notice each, before the findings.
    for r in reports {
        for n in &r.notes {
            let _ = writeln!(out, "::notice title=tfreach::{}", escape_data(&format!("{}: {n}", r.path)));
        }
    }
    for f in reports.iter().flat_map(|r| &r.findings) {
        let _ = writeln!(out, "{}", command(f));
    }
    out
}

/// The workflow command that annotates one finding.
pub fn command(f: &FindingReport) -> String {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut properties: Vec<(&str, String)> = Vec::new();
    let pos = super::position(f);
    if f.source.is_some() || f.input != "<stdin>" {
        properties.push(("file", pos.file.into_owned()));
        properties.push(("line", pos.line.to_string()));
        properties.push(("col", pos.column.to_string()));
    }
    let possible = if f.certainty == Certainty::Possible { " (possible)" } else { "" };
    properties.push(("title", format!("{} {}{possible}", f.rule, f.name)));
    let properties: Vec<String> = properties.iter().map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
    let mut message = f.message.clone();
    if !f.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&f.help);
    }
    format!("::{level} {}::{}", properties.join(","), escape_data(&message))
}

/// A message: `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: as [`escape_data`], and `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_actions_core() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("100% a\r\nb: c, d"), "100%25 a%0D%0Ab%3A c%2C d");
        // `%` first, so escapes are not escaped again.
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
