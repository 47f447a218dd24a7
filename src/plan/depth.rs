//! Parsing deeply nested JSON without a stack overflow and without calling it invalid.
//!
//! serde_json refuses to nest typed values more than 128 levels deep, to protect the stack.
//! A valid plan reaches that with about 40 nested modules: each module adds three levels to
//! the `configuration` section (`module_calls`, the call, its `module`). So when a part of
//! the document hits that limit, it is parsed again without serde_json's limit, under
//! ours: [`MAX_DEPTH`] levels, checked first by a scan that needs no stack, on a thread
//! whose stack is large enough for that depth. Deeper input is an input error, never a
//! crash.

use serde::Deserialize;

/// The deepest nesting tfreach reads: a plan with some 300 nested modules.
pub const MAX_DEPTH: usize = 1000;

/// Stack for parsing [`MAX_DEPTH`] levels of typed values, with room to spare (a level of
/// the largest configuration struct takes a few kilobytes in a debug build). Only touched
/// pages take memory.
const STACK: usize = 256 * 1024 * 1024;

/// Why a deep parse failed.
pub enum DeepError {
    /// The input nests deeper than [`MAX_DEPTH`]; the byte where it does.
    TooDeep(usize),
    Json(serde_json::Error),
    /// No thread could be started for the parse.
    Thread(std::io::Error),
}

thread_local! {
    /// Set on the thread of [`from_str`]: a parse that reads a part of its input on its own
    /// (the modules of a configuration) may lift serde_json's limit there too.
    static DEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread parses under [`from_str`]: the input's depth is checked, and the
/// stack is large enough for it.
pub fn deep() -> bool {
    DEEP.get()
}

/// Whether serde_json gave up because of its nesting limit.
pub fn is_recursion_limit(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("recursion limit exceeded")
}

/// Parses `json` as `T` at any depth up to [`MAX_DEPTH`].
pub fn from_str<'a, T: Deserialize<'a> + Send>(json: &'a str) -> Result<T, DeepError> {
    if let Some(offset) = too_deep(json) {
        return Err(DeepError::TooDeep(offset));
    }
    std::thread::scope(|scope| {
        let parse = move || {
            DEEP.set(true);
            let mut de = serde_json::Deserializer::from_str(json);
            de.disable_recursion_limit();
            let value = T::deserialize(&mut de)?;
            de.end()?;
            Ok(value)
        };
        let thread = std::thread::Builder::new()
            .name("deep-json".into())
            .stack_size(STACK)
            .spawn_scoped(scope, parse)
            .map_err(DeepError::Thread)?;
        match thread.join() {
            Ok(result) => result.map_err(DeepError::Json),
            // The panic hook has already reported it; keep unwinding as any panic does.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The offset of the first bracket that opens level [`MAX_DEPTH`] + 1, if any.
pub fn too_deep(json: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in json.as_bytes().iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn parses_past_serde_jsons_limit() {
        let json = nested(500);
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_err_and(|e| is_recursion_limit(&e)));
        let value: serde_json::Value = from_str(&json).ok().expect("parses");
        assert_eq!(value.to_string(), json);
    }

    #[test]
    fn refuses_more_than_max_depth_without_recursing() {
        let json = nested(100_000);
        match from_str::<serde_json::Value>(&json) {
            Err(DeepError::TooDeep(offset)) => assert_eq!(offset, MAX_DEPTH),
            _ => panic!("expected TooDeep"),
        }
        assert_eq!(too_deep(&nested(MAX_DEPTH)), None);
        assert_eq!(too_deep(&format!("[\"{}\"]", "[".repeat(2000))), None, "brackets in strings do not count");
    }
}
