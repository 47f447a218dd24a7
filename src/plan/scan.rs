//! Every leaf of a JSON value with its path, read in one pass without recursion.
//!
//! Sensitive marks and the values under them are read this way, not through a parse into
//! a tree: a value nested deeper than any parser's limit must still be found, or it would
//! be printed. Input that is not JSON gives what can be read of it; nothing here fails.

use super::sensitive::PathStep;

/// A leaf value.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Leaf<'a> {
    Str(String),
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

/// Calls `f` with the path and the value of every leaf of `json`, in document order.
pub(crate) fn leaves<'a>(json: &'a str, mut f: impl FnMut(&[PathStep], Leaf<'a>)) {
    let bytes = json.as_bytes();
    let mut path: Vec<PathStep> = Vec::new();
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
                path.push(PathStep::Index(0));
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
                        if let Some(PathStep::Index(n)) = path.last_mut() {
                            *n += 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            b'"' => {
                let end = string_end(bytes, i + 1);
                let text: String = serde_json::from_str(&json[i..end]).unwrap_or_default();
                i = end;
                match frames.last_mut() {
                    Some(Frame::Object { keyed }) if !*keyed => {
                        path.push(PathStep::Key(text));
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
                    PathStep::Key(k) => k.clone(),
                    PathStep::Index(i) => i.to_string(),
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
    }
}
