//! Rendering results for people and machines: one file per output format, all fed the same
//! [`FileReport`](crate::engine::FileReport)s.

pub mod gcc;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod reach;
pub mod resolution;
pub mod sarif;

use std::borrow::Cow;

use crate::engine::{FileReport, FindingReport};

/// An output format of `tfreach check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Gitlab,
    Gcc,
}

/// Every format, in the order the CLI lists them; tests loop over this list.
pub const FORMATS: [Format; 7] =
    [Format::Human, Format::Json, Format::Sarif, Format::Junit, Format::Github, Format::Gitlab, Format::Gcc];

impl Format {
    /// The `--format` value.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Gcc => "gcc",
        }
    }
}

/// What rendering needs besides the reports: the human style, and which findings fail the
/// run (JUnit marks those as failures).
pub struct Render<'r> {
    pub style: human::Style,
    pub fails: &'r dyn Fn(&FindingReport) -> bool,
}

/// `reports` in `format`.
pub fn render(format: Format, reports: &[FileReport], how: &Render<'_>) -> String {
    match format {
        Format::Human => human::render(reports, &how.style),
        Format::Json => json::render(reports),
        Format::Sarif => sarif::render(reports),
        Format::Junit => junit::render(reports, how.fails),
        Format::Github => github::render(reports),
        Format::Gitlab => gitlab::render(reports),
        Format::Gcc => gcc::render(reports),
    }
}

/// Where a line-oriented format (`gcc`, GitHub annotations, GitLab, JUnit) points a finding: the
/// resource's block header in its `.tf` file, else the resource's object in the plan JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position<'f> {
    /// A path as the user can open it from the working directory.
    pub file: Cow<'f, str>,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Position<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The finding's [`Position`]: the resource's block in its `.tf` file, else its object in the
/// plan JSON; the path relative to the repository root, where code scanning, GitHub, GitLab
/// and editors opened at the repository look for it. Standard input has no path: `<stdin>`.
pub fn position(f: &FindingReport) -> Position<'_> {
    match &f.source {
        Some(s) => Position { file: Cow::Borrowed(s.file.as_str()), line: s.line, column: s.column },
        None => Position {
            file: Cow::Borrowed(f.input_file.as_deref().unwrap_or(f.input.as_str())),
            line: f.plan_location.line,
            column: f.plan_location.column,
        },
    }
}

/// `text` after `prefix`, wrapped at `width` columns with continuation lines indented under
/// the text (words are never split: resource ids stay whole), and a newline.
pub fn hanging(prefix: &str, text: &str, width: usize) -> String {
    let column = prefix.chars().count();
    let longest = text.split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0);
    // A word that does not fit under the text: the text starts on the next line, further left.
    if column + longest > width {
        let wrapped = textwrap::fill(
            text,
            textwrap::Options::new(width.max(28))
                .initial_indent("        ")
                .subsequent_indent("        ")
                .break_words(false)
                .word_splitter(textwrap::WordSplitter::NoHyphenation),
        );
        return format!("{}\n{wrapped}\n", prefix.trim_end());
    }
    let indent = " ".repeat(column);
    let options = textwrap::Options::new(width)
        .initial_indent(prefix)
        .subsequent_indent(&indent)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = textwrap::fill(text, options);
    out.push('\n');
    out
}

/// A path for display: `./main.tf` is shown as `main.tf`.
pub(crate) fn display_path(path: &std::path::Path) -> String {
    let path = path.strip_prefix(".").unwrap_or(path);
    path.display().to_string()
}
