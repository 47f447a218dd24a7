//! Inline suppressions: `# tfreach:ignore[SSM005] reason` in a resource block or in the
//! comment lines directly above it (also with `//` and `/* */`).
//!
//! Comments are found in the file text, skipping the spans of string literals, templates and
//! heredocs the parser reported: a `user_data` script's `# comment` is not HCL.

use std::ops::Range;
use std::sync::Arc;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use hcl_edit::visit::{self, Visit};
use miette::{Diagnostic, LabeledSpan, SourceCode};
use thiserror::Error;

use super::file::{Location, TfFile};

const DIRECTIVE: &str = "tfreach:ignore";

/// A `tfreach:ignore[…]` directive attached to a resource or data block.
#[derive(Debug, Clone)]
pub struct InlineIgnore {
    /// The rule ids, in the order written: `["SSM005", "NET001"]`.
    pub rules: Vec<String>,
    /// The text after `]`, trimmed; empty when none was given, so the caller can ask for one.
    pub reason: String,
    /// The directive, from `tfreach:ignore` to the end of the reason.
    pub location: Location,
}

/// What is wrong with a malformed directive.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IgnoreProblem {
    /// `tfreach:ignore SSM005`: no `[`.
    #[error("expected `[` and rule ids after `tfreach:ignore`")]
    MissingRuleList,
    /// `tfreach:ignore[SSM005 reason`: no `]` on the line.
    #[error("the rule list has no closing `]`")]
    UnterminatedRuleList,
    /// `tfreach:ignore[] reason`.
    #[error("the rule list is empty")]
    EmptyRuleList,
    /// An id that is not three capitals and three digits.
    #[error("`{0}` is not a rule id (ids look like `SSM005`)")]
    InvalidRuleId(String),
    /// A well-formed directive outside any resource or data block, which suppresses nothing.
    #[error("the directive is not inside a resource or data block, nor in the comment lines directly above one")]
    NotAttached,
}

/// A `tfreach:ignore` directive that suppresses nothing because it is malformed or misplaced.
#[derive(Debug, Clone, Error)]
#[error("ignored `tfreach:ignore` directive: {problem}")]
pub struct InlineIgnoreError {
    /// The directive, from `tfreach:ignore` to the end of its line in the comment.
    pub location: Location,
    /// What is wrong.
    pub problem: IgnoreProblem,
}

impl Diagnostic for InlineIgnoreError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("tfreach::source::ignore"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("write `# tfreach:ignore[SSM005,NET001] reason` inside the resource block or directly above it"))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.location.file)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(Some(self.problem.to_string()), self.location.source_span());
        Some(Box::new(std::iter::once(label)))
    }
}

/// A directive as parsed from one comment line.
pub(crate) type Directive = Result<InlineIgnore, InlineIgnoreError>;

/// The spans of strings, templates and heredocs in `body`, in source order.
pub(crate) fn literal_spans(body: &Body) -> Vec<Range<usize>> {
    #[derive(Default)]
    struct Literals(Vec<Range<usize>>);
    impl Visit for Literals {
        fn visit_expr(&mut self, expr: &Expression) {
            match expr {
                // Comments inside an interpolation are skipped with the rest of the template.
                Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
                    self.0.extend(expr.span());
                }
                _ => visit::visit_expr(self, expr),
            }
        }
        // Quoted block labels.
        fn visit_string(&mut self, node: &hcl_edit::Decorated<String>) {
            self.0.extend(node.span());
        }
    }
    let mut literals = Literals::default();
    literals.visit_body(body);
    literals.0.sort_by_key(|r| r.start);
    literals.0
}

/// The comments in `text`, outside the `skip` spans (sorted by start).
pub(crate) fn comments(text: &str, skip: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut skip = skip.iter().peekable();
    let mut i = 0;
    while i < bytes.len() {
        while skip.next_if(|r| r.end <= i).is_some() {}
        if let Some(r) = skip.peek().filter(|r| r.start <= i) {
            i = r.end;
            continue;
        }
        let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |n| from + n);
        let end = match (bytes[i], bytes.get(i + 1)) {
            (b'#', _) | (b'/', Some(b'/')) => line_end(i),
            (b'/', Some(b'*')) => text[i + 2..].find("*/").map_or(text.len(), |n| i + 2 + n + 2),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(i..end);
        i = end;
    }
    out
}

/// The directives in one comment, one per line at most.
pub(crate) fn directives(file: &Arc<TfFile>, comment: Range<usize>) -> Vec<Directive> {
    let text = file.text();
    let mut out = Vec::new();
    let mut line_start = comment.start;
    while line_start < comment.end {
        let line_end = text[line_start..comment.end].find('\n').map_or(comment.end, |n| line_start + n);
        let mut line = &text[line_start..line_end];
        if line_end == comment.end {
            line = line.strip_suffix("*/").unwrap_or(line);
        }
        if let Some(at) = line.find(DIRECTIVE) {
            let start = line_start + at;
            let rest = &line[at + DIRECTIVE.len()..];
            let end = start + DIRECTIVE.len() + rest.trim_end().len();
            out.push(
                parse(rest)
                    .map_err(|problem| InlineIgnoreError { location: Location::new(file, start..end), problem })
                    .map(|(rules, reason)| InlineIgnore {
                        rules,
                        reason: reason.to_string(),
                        location: Location::new(file, start..end),
                    }),
            );
        }
        line_start = line_end + 1;
    }
    out
}

/// Parses what follows `tfreach:ignore`: `[ID,ID] reason`.
fn parse(rest: &str) -> Result<(Vec<String>, &str), IgnoreProblem> {
    let list = rest.strip_prefix('[').ok_or(IgnoreProblem::MissingRuleList)?;
    let close = list.find(']').ok_or(IgnoreProblem::UnterminatedRuleList)?;
    let ids: Vec<String> = list[..close].split(',').map(|id| id.trim().to_string()).collect();
    if ids.iter().all(String::is_empty) {
        return Err(IgnoreProblem::EmptyRuleList);
    }
    if let Some(bad) = ids.iter().find(|id| !is_rule_id(id)) {
        return Err(IgnoreProblem::InvalidRuleId(bad.clone()));
    }
    Ok((ids, list[close + 1..].trim()))
}

/// `^[A-Z]{3}[0-9]{3}$`.
fn is_rule_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 6 && b[..3].iter().all(u8::is_ascii_uppercase) && b[3..].iter().all(u8::is_ascii_digit)
}

/// The indexes of the comments attached to a block: inside `block`, or in the unbroken run of
/// comment lines that ends on the line above its header. `above_from` is where the previous
/// top-level structure ends, so a trailing `} # comment` of that structure is never taken.
pub(crate) fn attached(
    file: &TfFile,
    comments: &[Range<usize>],
    block: &Range<usize>,
    above_from: usize,
) -> Vec<usize> {
    // `comments` do not overlap and are sorted, so both groups are contiguous runs.
    let first_inside = comments.partition_point(|c| c.start < block.start);
    let past_inside = comments.partition_point(|c| c.start < block.end);
    let mut above = Vec::new();
    let mut top_line = file.line_of(block.start);
    for i in (0..first_inside).rev() {
        let c = &comments[i];
        let starts_line = file.text()[file.line_start(c.start)..c.start].trim().is_empty();
        let last_line = file.line_of(c.end.saturating_sub(1).max(c.start));
        if c.start < above_from || c.end > block.start || !starts_line || last_line + 1 < top_line {
            break;
        }
        above.push(i);
        top_line = file.line_of(c.start);
    }
    above.reverse();
    above.extend(first_inside..past_inside);
    above
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(text: &str) -> Arc<TfFile> {
        Arc::new(TfFile::new(PathBuf::from("/m/main.tf"), PathBuf::from("main.tf"), text.to_string()))
    }

    fn texts<'a>(text: &'a str, spans: &[Range<usize>]) -> Vec<&'a str> {
        spans.iter().map(|r| &text[r.clone()]).collect()
    }

    #[test]
    fn comments_skip_strings_and_heredocs() {
        let src = "# a\nresource \"x\" \"y\" { // b\n  s = \"#no\" /* c */\n  t = \"${\"#\"}\"\n  u = <<EOT\n# no\nEOT\n} # d\n/* e";
        let body = hcl_edit::parser::parse_body(&src.replace("/* e", "")).unwrap();
        let skip = literal_spans(&body);
        assert_eq!(texts(src, &comments(src, &skip)), ["# a", "// b", "/* c */", "# d", "/* e"]);
    }

    #[test]
    fn parses_directives() {
        let src = "# tfreach:ignore[SSM005] egress is via the proxy\n// tfreach:ignore[SSM005, NET001]\n/* x\n   tfreach:ignore[NET002] break-glass */";
        let f = file(src);
        let all: Vec<Directive> = comments(src, &[]).into_iter().flat_map(|c| directives(&f, c)).collect();
        let ok: Vec<(Vec<String>, String, usize, usize)> = all
            .into_iter()
            .map(|d| d.unwrap())
            .map(|d| (d.rules, d.reason, d.location.line, d.location.column))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            ok,
            [
                (s(&["SSM005"]), "egress is via the proxy".to_string(), 1, 3),
                (s(&["SSM005", "NET001"]), String::new(), 2, 4),
                (s(&["NET002"]), "break-glass".to_string(), 4, 4),
            ]
        );
    }

    #[test]
    fn reports_malformed_directives() {
        let cases = [
            ("# tfreach:ignore[SSM005 reason", IgnoreProblem::UnterminatedRuleList),
            ("# tfreach:ignore SSM005", IgnoreProblem::MissingRuleList),
            ("# tfreach:ignore[] why", IgnoreProblem::EmptyRuleList),
            ("# tfreach:ignore[ssm005] why", IgnoreProblem::InvalidRuleId("ssm005".into())),
            ("# tfreach:ignore[SSM005,SSM05]", IgnoreProblem::InvalidRuleId("SSM05".into())),
            ("# tfreach:ignore[SSM005,]", IgnoreProblem::InvalidRuleId(String::new())),
        ];
        for (src, problem) in cases {
            let f = file(src);
            let found = directives(&f, 0..src.len());
            let [Err(err)] = found.as_slice() else { panic!("{src}: {found:?}") };
            assert_eq!(err.problem, problem, "{src}");
            assert_eq!((err.location.line, err.location.column, err.location.text()), (1, 3, &src[2..]));
        }
    }

    #[test]
    fn attaches_inside_and_directly_above() {
        let src = "resource \"a\" \"b\" {\n} # trailing\n# far\n\n# one\n// two\nresource \"c\" \"d\" {\n  # inside\n}\n# after\n";
        let f = file(src);
        let found = comments(src, &[]);
        let start = src.find("resource \"c\"").unwrap();
        let end = src.rfind('}').unwrap() + 1;
        let prev_end = src.find('}').unwrap() + 1;
        let got: Vec<&str> =
            attached(&f, &found, &(start..end), prev_end).iter().map(|&i| &src[found[i].clone()]).collect();
        assert_eq!(got, ["# one", "// two", "# inside"]);
        // The trailing comment of the previous block is never taken, even with no gap.
        let src2 = "resource \"a\" \"b\" {\n} # trailing\nresource \"c\" \"d\" {\n}\n";
        let f2 = file(src2);
        let found2 = comments(src2, &[]);
        let start2 = src2.find("resource \"c\"").unwrap();
        assert!(attached(&f2, &found2, &(start2..src2.len()), src2.find('}').unwrap() + 1).is_empty());
    }

    #[test]
    fn renders_as_a_miette_diagnostic() {
        let src = "# tfreach:ignore[SSM5]\n";
        let f = file(src);
        let Err(err) = directives(&f, 0..src.len() - 1).remove(0) else { panic!() };
        assert_eq!(
            err.to_string(),
            "ignored `tfreach:ignore` directive: `SSM5` is not a rule id (ids look like `SSM005`)"
        );
        let label = err.labels().unwrap().next().unwrap();
        assert_eq!((label.offset(), label.len()), (2, 20));
    }
}
