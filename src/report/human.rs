//! `--format human`: per input, the instances' verdicts and how their links were resolved,
//! then each finding as a diagnostic.

use std::fmt::Write;

use crate::analysis::{FileReport, FindingReport};
use crate::reach::{Certainty, Verdict};
use crate::report::json::Summary;

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let kind = match r.kind {
            crate::plan::DocumentKind::Plan => "plan",
            crate::plan::DocumentKind::State => "state",
        };
        let _ = writeln!(
            out,
            "{}: {kind}, format {}, Terraform {}, {} resource{}, {} instance{}",
            r.path,
            r.format_version.as_deref().unwrap_or("?"),
            r.terraform_version.as_deref().unwrap_or("?"),
            r.resources,
            plural(r.resources),
            r.instances.len(),
            plural(r.instances.len()),
        );
        for n in &r.notes {
            let _ = writeln!(out, "note: {n}");
        }
        for inst in &r.instances {
            let verdict = match inst.verdict {
                Verdict::Reachable => "reachable",
                Verdict::Unreachable => "UNREACHABLE",
                Verdict::Unknown => "unknown",
            };
            let _ = writeln!(out, "  {verdict:<12} {}", inst.resource);
        }
        if !r.resolution_text.is_empty() {
            out.push_str("\nresolved links:\n");
            for line in r.resolution_text.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        for f in &r.findings {
            out.push('\n');
            out.push_str(&finding(f));
        }
    }
    let s = Summary::of(reports.iter().flat_map(|r| &r.findings));
    let _ = writeln!(
        out,
        "\n{} error{}, {} warning{}, {} note{}",
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.notes,
        plural(s.notes)
    );
    out
}

/// One finding in plain text: `error[SSM005] resource: message`, location, help.
pub fn finding(f: &FindingReport) -> String {
    let mut out = String::new();
    let possibly = if f.certainty == Certainty::Possible { " (possibly)" } else { "" };
    let _ = writeln!(out, "{}[{}]{possibly}: {}", f.severity.name(), f.rule, f.message);
    match &f.source {
        Some(s) => {
            let _ = writeln!(out, "  --> {}:{}:{} ({})", s.file, s.line, s.column, f.resource);
        }
        None => {
            let _ =
                writeln!(out, "  --> {}:{}:{} ({})", f.input, f.plan_location.line, f.plan_location.column, f.resource);
        }
    }
    if !f.help.is_empty() {
        let _ = writeln!(out, "  help: {}", f.help);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
