//! `--format human`: per input, a header, the instances' verdicts and how their links were
//! resolved, then each finding as a miette diagnostic that shows the resource's block in its
//! `.tf` file (or, when the block was not found, the resource's object in the plan JSON),
//! the suppressed findings, and a summary.

use std::fmt::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use super::display_path;
use crate::engine::{FileReport, FindingReport, PlanLocation};
use crate::policy::Suppression;
use crate::reach::{Certainty, Verdict};
use crate::report::json::Summary;
use crate::rules::Severity;
use crate::source::TfFile;

/// How to draw diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// Columns to wrap messages at.
    pub width: usize,
    /// Also how every link was resolved (`--verbose`).
    pub verbose: bool,
}

impl Style {
    /// Colour only when standard output is a terminal and `NO_COLOR` is unset or empty
    /// (<https://no-color.org>). The width: the terminal's, else `COLUMNS`, else 80.
    pub fn for_stdout() -> Style {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let terminal = if tty { terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)) } else { None };
        let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok());
        let width = terminal.or(columns).filter(|w| *w >= 20).unwrap_or(80);
        Style { color: tty && !no_color, width, verbose: false }
    }

    /// No colour at a fixed width: what tests compare.
    pub fn plain(width: usize) -> Style {
        Style { color: false, width, verbose: false }
    }

    fn handler(self) -> GraphicalReportHandler {
        let theme = if self.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        GraphicalReportHandler::new_themed(theme)
            .with_width(self.width)
            .with_links(false)
            .without_syntax_highlighting()
            // `subnet-0fedcba9876543210` and `aws_security_group.sg-ec2` stay whole.
            .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
            .with_break_words(false)
    }
}

pub fn render(reports: &[FileReport], style: &Style) -> String {
    let handler = style.handler();
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        header(&mut out, r, style);
        for f in &r.findings {
            out.push('\n');
            let _ = handler.render_report(&mut out, &diagnostic(f, &r.text));
        }
        if style.verbose {
            resolved_links(&mut out, r);
        }
        if !r.suppressed.is_empty() {
            let _ = writeln!(out, "\nsuppressed:");
            for (f, why) in &r.suppressed {
                let _ = writeln!(out, "  {}[{}] {}: {}", f.severity.name(), f.rule, f.resource, suppression(why));
            }
        }
    }
    let s = Summary::of(reports.iter().flat_map(|r| &r.findings));
    let suppressed: usize = reports.iter().map(|r| r.suppressed.len()).sum();
    let _ = write!(
        out,
        "\n{} error{}, {} warning{}, {} note{}",
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.notes,
        plural(s.notes)
    );
    if suppressed > 0 {
        let _ = write!(out, " ({suppressed} suppressed)");
    }
    out.push('\n');
    out
}

/// The input's kind and versions, its notes and the instances' verdicts.
fn header(out: &mut String, r: &FileReport, style: &Style) {
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
    verdict_table(out, r, style);
}

/// One line per instance: its verdict, and the findings that explain it; wrapped at the
/// style's width under the explanation column.
fn verdict_table(out: &mut String, r: &FileReport, style: &Style) {
    if r.instances.is_empty() {
        return;
    }
    let name_width = r.instances.iter().map(|i| i.resource.chars().count()).max().unwrap_or(0).min(48);
    out.push('\n');
    for inst in &r.instances {
        let (word, colour) = match inst.verdict {
            Verdict::Reachable => ("reachable", "32"),
            Verdict::Unreachable => ("UNREACHABLE", "1;31"),
            Verdict::Unknown => ("unknown", "33"),
        };
        let verdict = if style.color { format!("\u{1b}[{colour}m{word:<11}\u{1b}[0m") } else { format!("{word:<11}") };
        let mut why: Vec<String> = inst
            .explained_by
            .iter()
            .map(|id| match crate::rules::by_id(id) {
                Some(rule) => format!("{id} {}", rule.meta().name),
                None => id.to_string(),
            })
            .collect();
        if let Some(b) = inst.before.filter(|b| *b != inst.verdict) {
            why.push(format!("before this plan: {}", b.name()));
        }
        let head = format!("  {verdict} {:<name_width$}", inst.resource);
        if why.is_empty() {
            let _ = writeln!(out, "{}", head.trim_end());
            continue;
        }
        let indent = 2 + 11 + 1 + name_width + 2;
        let width = style.width.saturating_sub(indent).max(24);
        // Whole items per line: `SSM008 endpoint-region-mismatch` never splits.
        let mut lines: Vec<String> = vec![String::new()];
        for (i, item) in why.iter().enumerate() {
            let piece = if i + 1 < why.len() { format!("{item},") } else { item.clone() };
            let line = lines.last_mut().expect("one line");
            if !line.is_empty() && line.chars().count() + 1 + piece.chars().count() > width {
                lines.push(piece);
            } else {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&piece);
            }
        }
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(out, "{head}  {line}");
            } else {
                let _ = writeln!(out, "{:indent$}{line}", "");
            }
        }
    }
}

/// How every link was resolved (`--verbose`).
fn resolved_links(out: &mut String, r: &FileReport) {
    let resolution = super::resolution::text(&r.resolution);
    if resolution.is_empty() {
        return;
    }
    out.push_str("\nresolved links:\n");
    for line in resolution.trim_end().lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
}

fn suppression(why: &Suppression) -> String {
    match why {
        Suppression::Inline { reason, file, line } => format!("tfreach:ignore at {file}:{line}: {reason}"),
        Suppression::Waiver { reason, expires: Some(e) } => format!("waiver until {e}: {reason}"),
        Suppression::Waiver { reason, expires: None } => format!("waiver: {reason}"),
        Suppression::Baseline => "in the baseline".to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One finding as miette renders it.
pub struct FindingDiagnostic {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Box<dyn SourceCode>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic").field("code", &self.code).field("message", &self.message).finish()
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_deref()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The diagnostic for `f`; `plan` is the text of the input it comes from.
///
/// The header reads `error[SSM005] instance-egress-blocked`, with the explanation code and
/// `possible` when they apply. The primary label is on the resource's block header; the
/// first related resource with a block gets a second label when it is in the same file,
/// and a line of text otherwise.
pub fn diagnostic(f: &FindingReport, plan: &Arc<String>) -> FindingDiagnostic {
    let mut code = format!("{}[{}] {}", f.severity.name(), f.rule, f.name);
    if let Some(c) = f.code {
        let _ = write!(code, " · {}", c.name());
    }
    if f.certainty == Certainty::Possible {
        code.push_str(" · possible: only some resolutions of the plan fail");
    }
    let mut message = f.message.clone();
    let mut labels = Vec::new();
    let source: Box<dyn SourceCode> = match f.source.as_ref().and_then(|s| s.excerpt.as_ref()) {
        Some((file, span)) => {
            labels.push(LabeledSpan::new_primary_with_span(Some(f.resource.clone()), span.clone()));
            if let Some((address, rel)) = &f.related_source {
                match &rel.excerpt {
                    Some((rel_file, rel_span)) if rel_file.path() == file.path() && rel_span != span => {
                        labels.push(LabeledSpan::new_with_span(Some(format!("related: {address}")), rel_span.clone()));
                    }
                    _ => related_line(&mut message, address, rel),
                }
            }
            Box::new(TfSource { name: display_path(file.path()), file: Arc::clone(file) })
        }
        None => {
            if let Some((address, rel)) = &f.related_source {
                related_line(&mut message, address, rel);
            }
            let excerpt = PlanExcerpt::new(&f.input, plan, f);
            labels.push(LabeledSpan::new_primary_with_span(
                Some(format!("{}: its .tf block was not found", f.resource)),
                excerpt.label.clone(),
            ));
            Box::new(excerpt)
        }
    };
    FindingDiagnostic {
        code,
        message,
        severity: match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        },
        help: (!f.help.is_empty()).then(|| f.help.clone()),
        source: Some(source),
        labels,
    }
}

fn related_line(message: &mut String, address: &str, rel: &crate::engine::SourceLocation) {
    let file = rel.excerpt.as_ref().map_or_else(|| rel.file.clone(), |(tf, _)| display_path(tf.path()));
    let _ = write!(message, "\nrelated: {address} at {file}:{}:{}", rel.line, rel.column);
}

/// A `.tf` file as a miette source, named by the path users open it by.
///
/// It reads the lines around a span from the span itself rather than from the start of the
/// file, and says how many lines it returned: miette takes `line_count` for the number of
/// lines shown when it decides whether two labels share one snippet, and its `str` source
/// returns the line number of the snippet's end there, which merges labels a hundred lines
/// apart into one snippet of a hundred lines.
struct TfSource {
    name: String,
    file: Arc<TfFile>,
}

impl SourceCode for TfSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.file.text();
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(MietteError::OutOfBounds);
        }
        let (line_start, line_end) = (|at| self.file.line_start(at), |at| self.file.line_end(at));
        // Like miette's sources: without lines before, the contents start at the span.
        let mut from = if context_lines_before == 0 { start } else { line_start(start) };
        for _ in 0..context_lines_before {
            if from == 0 {
                break;
            }
            from = line_start(from - 1);
        }
        let mut to = line_end(if end > start { end - 1 } else { start });
        for _ in 0..context_lines_after {
            if to >= text.len() {
                break;
            }
            to = line_end(to);
        }
        let (line, column) = self.file.line_column(from);
        let lines = text[from..to].lines().count().max(1);
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            line - 1,
            column - 1,
            lines,
        )
        .with_language("HCL");
        Ok(Box::new(contents))
    }
}

/// The lines of the plan JSON around a resource's object, as a miette source.
///
/// Reading only these lines keeps rendering independent of the plan's size (miette's own
/// `str` source counts lines from the start at every read), and a minified plan, one line
/// of megabytes, shows a window of its line instead of all of it.
struct PlanExcerpt {
    name: String,
    text: Arc<String>,
    /// The bytes of `text` shown.
    shown: Range<usize>,
    /// 0-based line and column of `shown.start`.
    line: usize,
    column: usize,
    /// What the label underlines: the object's first line, or the window's start.
    label: Range<usize>,
}

/// A line longer than this is shown as a window of [`WINDOW`] bytes from the object's start.
const LONG_LINE: usize = 160;
const WINDOW: usize = 80;

impl PlanExcerpt {
    fn new(name: &str, text: &Arc<String>, f: &FindingReport) -> PlanExcerpt {
        PlanExcerpt::at(name, text, &f.plan_location)
    }

    fn at(name: &str, text: &Arc<String>, location: &PlanLocation) -> PlanExcerpt {
        let s = text.as_str();
        let start = floor_char_boundary(s, location.offset.min(s.len()));
        // Look for the line's ends no further than a long line's length: a minified plan is
        // one line of megabytes, and scanning it for every finding would be quadratic.
        let back = floor_char_boundary(s, start.saturating_sub(LONG_LINE + 1));
        let ahead = floor_char_boundary(s, (start + LONG_LINE + 1).min(s.len()));
        let line_start = match s[back..start].rfind('\n') {
            Some(i) => Some(back + i + 1),
            None => (back == 0).then_some(0),
        };
        let line_end = match s[start..ahead].find('\n') {
            Some(i) => Some(start + i),
            None => (ahead == s.len()).then_some(s.len()),
        };
        let (line, column) = (location.line.saturating_sub(1), location.column.saturating_sub(1));
        let long = |a: Option<usize>, b: Option<usize>| match (a, b) {
            (Some(a), Some(b)) => start - a > LONG_LINE || b - start > LONG_LINE,
            _ => true,
        };
        if long(line_start, line_end) {
            let end = floor_char_boundary(s, (start + WINDOW).min(line_end.unwrap_or(ahead)));
            return PlanExcerpt {
                name: name.into(),
                text: Arc::clone(text),
                shown: start..end,
                line,
                column,
                label: start..end,
            };
        }
        let (line_start, line_end) = (line_start.unwrap_or(start), line_end.unwrap_or(start));
        // The object's first line and the next one, which names the resource.
        let next_end = match s[line_end..].strip_prefix('\n') {
            Some(rest) => {
                let limit = floor_char_boundary(rest, LONG_LINE.min(rest.len()));
                line_end + 1 + rest[..limit].find('\n').unwrap_or(limit)
            }
            None => line_end,
        };
        let next_end = floor_char_boundary(s, next_end);
        let label_end = start + s[start..line_end].trim_end().len();
        PlanExcerpt {
            name: name.into(),
            text: Arc::clone(text),
            shown: line_start..next_end,
            line,
            column: 0,
            label: start..label_end.max(start + 1).min(s.len().max(start)),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl SourceCode for PlanExcerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (base, end) = (self.shown.start, self.shown.end);
        if span.offset() < base || span.offset() + span.len() > end {
            return Err(MietteError::OutOfBounds);
        }
        let shown = &self.text[base..end];
        let inner = shown.read_span(
            &SourceSpan::new((span.offset() - base).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        let column = if inner.line() == 0 { inner.column() + self.column } else { inner.column() };
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + self.line,
            column,
            inner.line_count(),
        )
        .with_language("JSON");
        Ok(Box::new(contents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, offset: usize) -> PlanExcerpt {
        let (line, column) = crate::plan::error::line_column(text, offset);
        PlanExcerpt::at("plan.json", &Arc::new(text.to_string()), &PlanLocation { line, column, offset, len: 1 })
    }

    #[test]
    fn a_pretty_plan_shows_the_object_line_and_the_next() {
        let text =
            "{\n  \"resource_changes\": [\n    {\n      \"address\": \"aws_vpc.a\",\n      \"x\": 1\n    }\n  ]\n}\n";
        let offset = text.find("    {").unwrap() + 4;
        let e = excerpt(text, offset);
        assert_eq!(&text[e.shown.clone()], "    {\n      \"address\": \"aws_vpc.a\",");
        assert_eq!(&text[e.label.clone()], "{");
        assert_eq!((e.line, e.column), (2, 0));
    }

    #[test]
    fn a_minified_plan_shows_a_window_of_its_one_line() {
        let filler = format!("{{\"a\":\"{}\",", "x".repeat(10_000));
        let text =
            format!("{filler}\"resource_changes\":[{{\"address\":\"aws_vpc.a\"}}],\"b\":\"{}\"}}", "y".repeat(10_000));
        let offset = text.find("{\"address").unwrap();
        let e = excerpt(&text, offset);
        assert_eq!(e.shown, offset..offset + WINDOW);
        assert_eq!((e.line, e.column), (0, offset));
        // Near either end of the file, too.
        let e = excerpt(&text, 1);
        assert_eq!(e.shown, 1..1 + WINDOW);
        let end = text.len() - 5;
        assert_eq!(excerpt(&text, end).shown, end..text.len());
    }
}
