//! Input that cannot be analysed: the file, the bytes, the JSON, or the document shape.
//!
//! Every variant names the input; those about content carry the source and a labelled span so
//! that miette shows the file, line and column. These end the run with exit status 2.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::snippet::Snippet;

/// Longest message (in characters) a load error repeats from the input or from serde.
const MAX_MESSAGE: usize = 300;

const ENCODING_HELP: &str = "terraform writes UTF-8 JSON (UTF-16 is read too, with its byte-order mark); write the file again with `terraform show -json tfplan > plan.json` (in PowerShell: `terraform show -json tfplan | Out-File -Encoding utf8 plan.json`)";

#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("cannot read {name}: {source}")]
    #[diagnostic(code(tfreach::input::io))]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{name} is a directory, not a plan file")]
    #[diagnostic(
        code(tfreach::input::directory),
        help("pass the JSON file written by `terraform show -json tfplan > plan.json`")
    )]
    IsDirectory { name: String },

    #[error("{name} is empty")]
    #[diagnostic(
        code(tfreach::input::empty),
        help(
            "write the plan with `terraform show -json tfplan > plan.json`, or pipe it: `terraform show -json tfplan | tfreach check -`"
        )
    )]
    Empty { name: String },

    /// Running `terraform show -json` on a saved plan failed; the reason names the command.
    #[error("{reason}")]
    #[diagnostic(code(tfreach::input::saved_plan))]
    SavedPlan {
        reason: String,
        #[help]
        help: String,
    },

    #[error("standard input holds a saved plan, not JSON")]
    #[diagnostic(
        code(tfreach::input::saved_plan),
        help("pipe the JSON instead: `terraform show -json tfplan | tfreach check -`")
    )]
    SavedPlanOnStdin,

    #[error(
        "{name}:{line}:{column}: not UTF-8 text: byte 0x{byte:02x} at byte offset {offset} cannot start or continue a character"
    )]
    #[diagnostic(code(tfreach::input::encoding), help("{}", ENCODING_HELP))]
    InvalidUtf8 { name: String, line: usize, column: usize, offset: usize, byte: u8 },

    #[error("{name}:{line}:{column}: not valid UTF-16: {problem} at byte offset {offset}")]
    #[diagnostic(code(tfreach::input::encoding), help("{}", ENCODING_HELP))]
    InvalidUtf16 { name: String, line: usize, column: usize, offset: usize, problem: String },

    /// JSON that does not parse, or does not have the shape of a plan or state.
    #[error(transparent)]
    #[diagnostic(transparent)]
    At(Box<PositionedError>),
}

/// An error at a byte position in the input, shown with the source line.
#[derive(Debug, Error, Diagnostic)]
#[error("{name}:{line}:{column}: {message}")]
#[diagnostic(code(tfreach::input::json))]
pub struct PositionedError {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub message: String,
    #[help]
    pub help: Option<String>,
    #[source_code]
    src: Snippet,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
}

impl LoadError {
    /// A JSON syntax or type error at `offset` in `text`.
    pub fn json(name: &str, text: &str, offset: usize, message: String) -> Self {
        Self::at(name, text, offset, message, None)
    }

    /// Valid JSON whose shape is not a Terraform plan or state.
    pub fn shape(name: &str, text: &str, offset: usize, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::at(name, text, offset, message.into(), Some(help.into()))
    }

    fn at(name: &str, text: &str, offset: usize, message: String, help: Option<String>) -> Self {
        let offset = offset.min(text.len());
        let (line, column) = line_column(text, offset);
        let at_end = offset >= text.len();
        // miette draws no label on an empty span at the very end: mark the last character.
        let shown_at = if at_end { text.trim_end().len().saturating_sub(1) } else { offset };
        let label = if at_end { "the input ends after this" } else { "here" };
        let src = Snippet::new(name, text, shown_at, line_column(text, shown_at));
        LoadError::At(Box::new(PositionedError {
            name: name.to_string(),
            line,
            column,
            offset,
            message: clean_message(&message),
            help,
            span: src.label(),
            src,
            label: label.to_string(),
        }))
    }
}

/// A message without the input's string values (serde quotes them: `invalid type: string
/// "…"`) or long numbers, no longer than [`MAX_MESSAGE`] characters.
fn clean_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE));
    let mut rest = message;
    while let Some(p) = rest.find("string \"") {
        out.push_str(&rest[..p]);
        out.push_str("a string");
        // serde writes the string with `{:?}`: it ends at the last quote before the next
        // `, expected` (or at the last quote of all).
        let body = &rest[p + "string \"".len()..];
        let end = body.rfind("\", expected").or_else(|| body.rfind('"')).map_or(body.len(), |e| e + 1);
        rest = &body[end..];
    }
    out.push_str(rest);
    // Numbers too (`invalid type: integer `123456789012``), when long enough to be a secret.
    for kind in ["integer `", "floating point `"] {
        let mut at = 0;
        while let Some(p) = out[at..].find(kind).map(|p| at + p + kind.len()) {
            let end = out[p..].find('`').map_or(out.len(), |e| p + e);
            if out[p..end].chars().count() >= crate::redact::MIN_LEN {
                out.replace_range(p..end, "…");
            }
            at = p;
        }
    }
    if out.chars().count() > MAX_MESSAGE {
        out = out.chars().take(MAX_MESSAGE).collect::<String>() + "…";
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = 1 + memchr_count(b'\n', before);
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = 1 + String::from_utf8_lossy(&before[line_start..]).chars().count();
    (line, column)
}

fn memchr_count(needle: u8, haystack: &[u8]) -> usize {
    haystack.iter().filter(|&&b| b == needle).count()
}

/// [`line_column`] of many offsets in one pass over the text (a plan written by `terraform
/// show -json` is a single line, so one scan per offset would be quadratic).
pub fn line_columns(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let bytes = text.as_bytes();
    let mut out = vec![(1, 1); offsets.len()];
    let (mut at, mut line, mut column) = (0usize, 1usize, 1usize);
    // Characters, not UTF-8 continuation bytes (in ASCII text, bytes). Both counts are simple
    // enough to vectorise.
    let ascii = text.is_ascii();
    let chars = |s: &[u8]| if ascii { s.len() } else { s.iter().filter(|&&b| b & 0xC0 != 0x80).count() };
    for i in order {
        let target = offsets[i].min(bytes.len()).max(at);
        let part = &bytes[at..target];
        let newlines = part.iter().filter(|&&b| b == b'\n').count();
        if newlines == 0 {
            column += chars(part);
        } else {
            line += newlines;
            let last = part.iter().rposition(|&b| b == b'\n').expect("counted a newline");
            column = 1 + chars(&part[last + 1..]);
        }
        at = target;
        out[i] = (line, column);
    }
    out
}

/// serde_json's message without the " at line L column C" it appends, which counts from
/// the start of the text that was parsed, not of the input.
pub fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    }
}

/// Byte offset of a 1-based line and column as serde_json reports them (column counts bytes).
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    if line == 0 {
        return 0;
    }
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(p) => start += p + 1,
            None => return text.len(),
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_columns_agree_with_line_column() {
        for text in ["{\n  \"é\": x,\n\"b\": [1, 2]\n}", "{\n  \"e\": x,\n\"b\": [1, 2]\n}", "{\"a\": 1, \"bb\": 2}"] {
            let offsets: Vec<usize> = vec![17, 0, 9, 5, 5, text.len(), 13];
            let expected: Vec<(usize, usize)> = offsets.iter().map(|&o| line_column(text, o)).collect();
            assert_eq!(line_columns(text, &offsets), expected, "{text}");
        }
    }

    #[test]
    fn messages_do_not_repeat_string_values() {
        assert_eq!(
            clean_message("invalid type: string \"hunter2\\\", expected\", expected a sequence"),
            "invalid type: a string, expected a sequence"
        );
        assert_eq!(clean_message("invalid value: string \"x\""), "invalid value: a string");
        assert_eq!(
            clean_message("invalid type: integer `123456789012`, expected a string; integer `22`"),
            "invalid type: integer `…`, expected a string; integer `22`"
        );
        assert_eq!(clean_message(&"x".repeat(400)).chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn line_column_counts_from_one() {
        let text = "{\n  \"a\": x\n}";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 9), (2, 8));
        assert_eq!(offset_of(text, 2, 8), 9);
    }
}
