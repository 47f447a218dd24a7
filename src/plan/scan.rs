//! Every leaf of a JSON value with its path, read in one pass without recursion.
//!
//! Sensitive marks and the values under them are read this way, not through a parse into
//! a tree: a value nested deeper than any parser's limit must still be found, or it would
//! be printed. Input that is not JSON gives what can be read of it; nothing here fails.

use std::borrow::Cow;

use super::sensitive::PathStep;

/// A leaf value. Strings without escapes are borrowed from the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Leaf<'a> {
    Str(Cow<'a, str>),
    /// The number as written.
    Number(&'a str),
    Bool(bool),
    Null,
}

enum Frame {
    /// An object, and whether a member's key is on the path.
    Object {
        keyed: bool,
    },
    Array,
}

/// One step of the path to a leaf, as [`leaves`] reads it: keys without escapes are
/// borrowed from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

impl Step<'_> {
    pub(crate) fn to_path_step(&self) -> PathStep {
        match self {
            Step::Key(k) => PathStep::Key(k.to_string()),
            Step::Index(i) => PathStep::Index(*i),
        }
    }

    pub(crate) fn is(&self, step: &PathStep) -> bool {
        match (self, step) {
            (Step::Key(a), PathStep::Key(b)) => a == b,
            (Step::Index(a), PathStep::Index(b)) => a == b,
            _ => false,
        }
    }
}

/// Calls `f` with the path and the value of every leaf of `json`, in document order.
pub(crate) fn leaves<'a>(json: &'a str, mut f: impl FnMut(&[Step<'a>], Leaf<'a>)) {
    let bytes = json.as_bytes();
    let mut path: Vec<Step<'a>> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                frames.push(Frame::Object { keyed: false });
                i += 1;
            }
            b'[' => {
                frames.push(Frame::Array);
                path.push(Step::Index(0));
                i += 1;
            }
            b'}' | b']' => {
                if let Some(Frame::Object { keyed: true } | Frame::Array) = frames.pop() {
                    path.pop();
                }
                i += 1;
            }
            b',' => {
                match frames.last_mut() {
                    Some(Frame::Object { keyed }) if *keyed => {
                        path.pop();
                        *keyed = false;
                    }
                    Some(Frame::Array) => {
                        if let Some(Step::Index(n)) = path.last_mut() {
                            *n += 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            b'"' => {
                let end = string_end(bytes, i + 1);
                // A closed string without escapes is its own text.
                let closed = end > i + 1 && bytes[end - 1] == b'"';
                let text: Cow<'a, str> = match closed.then(|| &json[i + 1..end - 1]) {
                    Some(body) if !body.contains('\\') => Cow::Borrowed(body),
                    _ => Cow::Owned(serde_json::from_str(&json[i..end]).unwrap_or_default()),
                };
                i = end;
                match frames.last_mut() {
                    Some(Frame::Object { keyed }) if !*keyed => {
                        path.push(Step::Key(text));
                        *keyed = true;
                    }
                    _ => f(&path, Leaf::Str(text)),
                }
            }
            b't' if bytes[i..].starts_with(b"true") => {
                f(&path, Leaf::Bool(true));
                i += 4;
            }
            b'f' if bytes[i..].starts_with(b"false") => {
                f(&path, Leaf::Bool(false));
                i += 5;
            }
            b'n' if bytes[i..].starts_with(b"null") => {
                f(&path, Leaf::Null);
                i += 4;
            }
            b'-' | b'0'..=b'9' => {
                let len = bytes[i..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(bytes.len() - i);
                f(&path, Leaf::Number(&json[i..i + len]));
                i += len;
            }
            _ => i += 1,
        }
    }
}

/// The index just past the quote that closes the string whose body starts at `from`.
fn string_end(bytes: &[u8], from: usize) -> usize {
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return i + 1,
            _ => {}
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(json: &str) -> Vec<(String, Leaf<'_>)> {
        let mut out = Vec::new();
        leaves(json, |path, leaf| {
            let shown: Vec<String> = path
                .iter()
                .map(|s| match s {
                    Step::Key(k) => k.to_string(),
                    Step::Index(i) => i.to_string(),
                })
                .collect();
            out.push((shown.join("/"), leaf));
        });
        out
    }

    #[test]
    fn walks_objects_and_arrays_with_paths() {
        let json = r#"{"a": "x", "b": [1, {"c\"d": true}, []], "e": {}, "f": [null, -2.5e3], "g": "q\n"}"#;
        assert_eq!(
            all(json),
            [
                ("a".to_string(), Leaf::Str("x".into())),
                ("b/0".to_string(), Leaf::Number("1")),
                ("b/1/c\"d".to_string(), Leaf::Bool(true)),
                ("f/0".to_string(), Leaf::Null),
                ("f/1".to_string(), Leaf::Number("-2.5e3")),
                ("g".to_string(), Leaf::Str("q\n".into())),
            ]
        );
    }

    #[test]
    fn any_depth_without_recursion() {
        let depth = 200_000;
        let json = format!("{}\"deep\"{}", "[".repeat(depth), "]".repeat(depth));
        let mut found = Vec::new();
        leaves(&json, |path, leaf| found.push((path.len(), leaf)));
        assert_eq!(found, [(depth, Leaf::Str("deep".into()))]);
    }

    #[test]
    fn broken_json_gives_what_can_be_read() {
        assert_eq!(all(r#"{"a": "x", "b": [tru"#), [("a".to_string(), Leaf::Str("x".into()))]);
        // Unclosed strings read as empty, whatever they end with.
        assert_eq!(all(r#"["é"#), [("0".to_string(), Leaf::Str("".into()))]);
        assert_eq!(all(r#"["a\""#), [("0".to_string(), Leaf::Str("".into()))]);
        assert_eq!(all(r#"[""]"#), [("0".to_string(), Leaf::Str("".into()))]);
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let mut found = Vec::new();
        leaves(r#"{"k": ["plain", "esc\u0041"]}"#, |path, leaf| found.push((path.to_vec(), leaf)));
        assert!(matches!(&found[0].0[0], Step::Key(Cow::Borrowed("k"))));
        assert!(matches!(&found[0].1, Leaf::Str(Cow::Borrowed("plain"))));
        assert!(matches!(&found[1].1, Leaf::Str(Cow::Owned(s)) if s == "escA"));
    }
}
