//! The excerpt of the input that a load error shows: a small window of the error's line,
//! with JSON string values (and numbers of 4 characters or more) masked.
//!
//! Terraform writes a plan on one line, so "the line" can be the whole plan — every
//! sensitive value in it, tens of megabytes written to a terminal or a CI log. The window
//! holds at most [`WINDOW`] characters each side of the error, and every string value in
//! it is shown as `"…"`: a document that fails to load has not told which of its values
//! are sensitive, so none is shown. Object keys (up to [`MAX_KEY`] characters) stay: they
//! are the structure, and they tell where the error is. miette sees only the window, with
//! the line and column of the error in the whole input (it cannot draw a line past column
//! 65,535 itself).

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Characters shown on each side of the error.
pub const WINDOW: usize = 80;

/// Longer keys are masked like values.
pub const MAX_KEY: usize = 40;

/// A window of one line of the input, ready for miette.
#[derive(Debug, Clone)]
pub struct Snippet {
    name: String,
    text: String,
    /// 0-based line and column of the error in the whole input.
    line: usize,
    column: usize,
    /// Where the error is in `text`.
    label: SourceSpan,
}

impl Snippet {
    /// The window around byte `offset` of `text` (clamped to a character boundary), for an
    /// error at 1-based `line` and `column`.
    pub fn new(name: &str, text: &str, offset: usize, (line, column): (usize, usize)) -> Snippet {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let bytes = text.as_bytes();
        let line_start = bytes[..offset].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line_end = bytes[offset..].iter().position(|&b| b == b'\n').map_or(text.len(), |p| offset + p);
        let start =
            text[line_start..offset].char_indices().rev().nth(WINDOW - 1).map_or(line_start, |(i, _)| line_start + i);
        let end = text[offset..line_end].char_indices().nth(WINDOW).map_or(line_end, |(i, _)| offset + i);
        // JSON strings hold no raw line break: at the line's start no string is open.
        let in_string = string_open_at(&text[line_start..start]);
        let (mut shown, label) = mask(&text[start..end], offset - start, in_string, &text[end..line_end]);
        let mut label = label;
        if start > line_start {
            shown.insert(0, '…');
            label += '…'.len_utf8();
        }
        if end < line_end {
            shown.push('…');
        }
        let len = shown[label..].chars().next().map_or(0, char::len_utf8);
        Snippet {
            name: name.to_string(),
            text: shown,
            line: line.saturating_sub(1),
            column: column.saturating_sub(1),
            label: SourceSpan::new(label.into(), len),
        }
    }

    /// Where the error is in the snippet.
    pub fn label(&self) -> SourceSpan {
        self.label
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _context_lines_before: usize,
        _context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if span.offset() + span.len() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            SourceSpan::new(0.into(), self.text.len()),
            self.line,
            self.column,
            1,
        )))
    }
}

/// Whether a JSON string is open at the end of `prefix` (which starts outside one).
fn string_open_at(prefix: &str) -> bool {
    let mut open = false;
    let mut escaped = false;
    for &b in prefix.as_bytes() {
        match (open, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (_, false, b'"') => open = !open,
            _ => {}
        }
    }
    open
}

/// `window` with string values and long numbers masked, control characters replaced, and where
/// byte `at` of `window` went. `after` is the rest of the line, to tell keys from values.
fn mask(window: &str, at: usize, in_string: bool, after: &str) -> (String, usize) {
    let mut out = String::with_capacity(window.len());
    let mut label = None;
    let mut rest = window;
    let mut pos = 0;
    // A string open at the window's start: mask up to its end.
    if in_string {
        let (end, closed) = match string_end(rest) {
            Some(e) => (e + 1, true),
            None => (rest.len(), false),
        };
        if at < end {
            label = Some(0);
        }
        out.push('…');
        if closed {
            out.push('"');
        }
        rest = &rest[end..];
        pos = end;
    }
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let body = &rest[1..];
            let (end, closed) = match string_end(body) {
                Some(e) => (1 + e + 1, true),
                None => (rest.len(), false),
            };
            let content = &rest[1..if closed { end - 1 } else { end }];
            let is_key = closed && next_is_colon(&rest[end..], after) && content.chars().count() <= MAX_KEY;
            if label.is_none() && at >= pos && at < pos + end {
                // Inside the string: point at its first character, masked or not.
                label = Some(out.len() + if at == pos { 0 } else { 1 });
            }
            if is_key {
                push_clean(&mut out, &rest[..end]);
            } else {
                out.push('"');
                out.push('…');
                if closed {
                    out.push('"');
                }
            }
            rest = &rest[end..];
            pos += end;
            continue;
        }
        if !is_structural(c) {
            // Outside strings, valid JSON has only numbers and `true`, `false`, `null`. Any
            // other word of 4 characters or more is masked: a number (a sensitive port or
            // account id is a number) or, where a stray quote has turned the strings inside
            // out, a value. Shorter words are no secret (see `crate::redact`) and show typos.
            let end = rest.find(is_structural).unwrap_or(rest.len());
            let word = &rest[..end];
            if !matches!(word, "true" | "false" | "null") && word.chars().count() >= crate::redact::MIN_LEN {
                if label.is_none() && at >= pos && at < pos + end {
                    label = Some(out.len());
                }
                out.push('…');
                rest = &rest[end..];
                pos += end;
                continue;
            }
        }
        if pos == at {
            label = Some(out.len());
        }
        push_clean(&mut out, &rest[..c.len_utf8()]);
        rest = &rest[c.len_utf8()..];
        pos += c.len_utf8();
    }
    let label = label.unwrap_or(out.len()).min(out.len().saturating_sub(1));
    (out, label)
}

/// JSON's punctuation and blanks, which separate the bare words outside strings.
fn is_structural(c: char) -> bool {
    matches!(c, '{' | '}' | '[' | ']' | ',' | ':' | '"' | ' ' | '\t' | '\r' | '\n')
}

/// The byte index of the quote that ends a string whose body starts `body`.
fn string_end(body: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, b) in body.bytes().enumerate() {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether the next non-blank character, in `rest` and then `after`, is a colon.
fn next_is_colon(rest: &str, after: &str) -> bool {
    rest.chars().chain(after.chars()).find(|c| !c.is_whitespace()) == Some(':')
}

/// Appends `s` with control characters (which would garble a terminal) replaced.
fn push_clean(out: &mut String, s: &str) {
    out.extend(s.chars().map(|c| if c.is_control() && c != '\t' { '\u{FFFD}' } else { c }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(text: &str, offset: usize) -> (String, String) {
        let (line, column) = super::super::error::line_column(text, offset);
        let s = Snippet::new("p.json", text, offset, (line, column));
        let label = s.label();
        let at = s.text[label.offset()..label.offset() + label.len()].to_string();
        (s.text, at)
    }

    #[test]
    fn masks_string_values_and_keeps_keys() {
        let text = r#"{"cidr": "10.0.0.0/8", "port": 22, "id": 123456789012, "t": {"N": "secret"}; "x": 1}"#;
        let at = text.find(';').unwrap();
        assert_eq!(
            snippet(text, at),
            (r#"{"cidr": "…", "port": 22, "id": …, "t": {"N": "…"}; "x": 1}"#.into(), ";".into())
        );
    }

    #[test]
    fn keeps_a_window_of_the_line() {
        let long = format!("{{\"a\": [{}], \"b\": @}}", "1, ".repeat(10_000));
        let at = long.find('@').unwrap();
        let (shown, label) = snippet(&long, at);
        assert_eq!(label, "@");
        assert!(shown.starts_with('…') && shown.chars().count() <= 2 * WINDOW + 2, "{shown}");
        assert!(shown.ends_with("\"b\": @}"), "{shown}");
    }

    #[test]
    fn a_string_cut_by_the_window_is_masked() {
        let text = format!("{{\"k\": \"{}\", \"z\": x}}", "s".repeat(200));
        let at = text.find(" x").unwrap() + 1;
        let (shown, label) = snippet(&text, at);
        assert_eq!(shown, "……\", \"z\": x}");
        assert_eq!(label, "x");
    }

    #[test]
    fn an_error_inside_a_string_points_at_the_mask() {
        let text = "{\"k\": \"ab\\qcd\"}";
        let (shown, label) = snippet(text, text.find('q').unwrap());
        assert_eq!(shown, "{\"k\": \"…\"}");
        assert_eq!(label, "…");
    }

    #[test]
    fn a_stray_quote_turning_strings_inside_out_shows_no_value() {
        let text = r#"{"tags":[{"key":"tag1","value":"v4lue"},{"key" "tag2","x":true,"n":null,"p":22}]}"#;
        let at = text.find(r#" "tag2""#).unwrap() + 1;
        // From the stray quote on, keys look like values and values like bare words.
        let bad = format!("{}\"{}", &text[..at], &text[at..]);
        let (shown, _) = snippet(&bad, at);
        assert!(!shown.contains("tag2") && !shown.contains("tag1") && !shown.contains("v4lue"), "{shown}");
    }

    #[test]
    fn long_keys_and_control_characters_are_not_shown() {
        let key = "k".repeat(MAX_KEY + 1);
        let text = format!("{{\"{key}\": 1, \u{1b}[31m}}");
        let (shown, _) = snippet(&text, text.find('\u{1b}').unwrap());
        assert_eq!(shown, "{\"…\": 1, \u{FFFD}[31m}");
    }
}
