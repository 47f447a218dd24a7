//! `--format human`: a readable report per input.

use std::fmt::Write;

use crate::analysis::FileReport;

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
        if !r.resolution_text.is_empty() {
            out.push('\n');
            out.push_str(&r.resolution_text);
        }
        out.push('\n');
        out.push_str("no findings\n");
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
