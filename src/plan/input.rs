//! Reading plan bytes from a file or stdin and turning them into text.
//!
//! `terraform show -json` writes UTF-8, but PowerShell's `>` redirection writes UTF-16 with a
//! byte-order mark, and some editors add a UTF-8 BOM; both are common enough on CI runners
//! that we decode them instead of failing on byte 0.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::plan::error::LoadError;

/// One input as given on the command line, decoded to text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// What the user named: a path, or `-` for stdin (shown as `<stdin>`).
    pub name: String,
    /// The file's path on disk, when it came from one.
    pub path: Option<PathBuf>,
    /// Shared so that reports can show plan excerpts without copying the input.
    pub text: Arc<String>,
}

impl SourceFile {
    pub fn from_string(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile { name: name.into(), path: None, text: Arc::new(text.into()) }
    }

    /// Reads `arg`: a path, or `-` for standard input.
    pub fn read(arg: &str) -> Result<Self, LoadError> {
        if arg == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|source| LoadError::Io { name: "<stdin>".into(), source })?;
            if is_saved_plan(&bytes) {
                return Err(LoadError::SavedPlanOnStdin);
            }
            let text = decode("<stdin>", bytes)?;
            return Ok(SourceFile { name: "<stdin>".into(), path: None, text: Arc::new(text) });
        }
        let path = Path::new(arg);
        if path.is_dir() {
            return Err(LoadError::IsDirectory { name: arg.to_string() });
        }
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io { name: arg.to_string(), source })?;
        let bytes = if is_saved_plan(&bytes) { crate::plan::terraform::show_json(arg, path)? } else { bytes };
        let text = decode(arg, bytes)?;
        Ok(SourceFile { name: arg.to_string(), path: Some(path.to_path_buf()), text: Arc::new(text) })
    }
}

/// A saved plan (`terraform plan -out tfplan`) is a zip archive.
fn is_saved_plan(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Decodes UTF-8 (with or without BOM) and UTF-16 LE/BE with BOM.
pub fn decode(name: &str, mut bytes: Vec<u8>) -> Result<String, LoadError> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return decode_utf16(name, &bytes);
    }
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let bytes = err.as_bytes();
        // The bytes before the first invalid one are valid: count lines and columns there.
        let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let (line, column) = crate::plan::error::line_column(valid, offset);
        LoadError::InvalidUtf8 { name: name.to_string(), line, column, offset, byte: bytes[offset] }
    })
}

fn decode_utf16(name: &str, bytes: &[u8]) -> Result<String, LoadError> {
    let little = bytes[0] == 0xFF;
    let body = &bytes[2..];
    let units = body.chunks_exact(2).map(|pair| {
        if little { u16::from_le_bytes([pair[0], pair[1]]) } else { u16::from_be_bytes([pair[0], pair[1]]) }
    });
    let mut text = String::with_capacity(body.len() / 2);
    let error = |text: &str, offset: usize, problem: String| {
        let (line, column) = crate::plan::error::line_column(text, text.len());
        LoadError::InvalidUtf16 { name: name.to_string(), line, column, offset, problem }
    };
    let mut at = 2;
    for unit in char::decode_utf16(units) {
        match unit {
            Ok(c) => {
                text.push(c);
                at += 2 * c.len_utf16();
            }
            Err(e) => {
                let problem = format!("unpaired surrogate 0x{:04X}", e.unpaired_surrogate());
                return Err(error(&text, at, problem));
            }
        }
    }
    if !body.len().is_multiple_of(2) {
        return Err(error(&text, bytes.len() - 1, "the input ends in the middle of a character".into()));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_utf8_bom() {
        assert_eq!(decode("x", b"\xEF\xBB\xBF{}".to_vec()).unwrap(), "{}");
    }

    #[test]
    fn decodes_utf16_le_and_be() {
        let le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("{\"a\":1}".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode("x", le).unwrap(), "{\"a\":1}");
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("[]".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode("x", be).unwrap(), "[]");
    }

    #[test]
    fn reports_the_first_invalid_utf8_byte_by_line_and_column() {
        match decode("x", b"{\n  \"\xC3\xA9\": \"\xFF\"}".to_vec()) {
            Err(LoadError::InvalidUtf8 { offset, line, column, byte, .. }) => {
                assert_eq!((offset, line, column, byte), (11, 2, 9, 0xFF));
            }
            other => panic!("expected InvalidUtf8, got {other:?}"),
        }
    }

    fn utf16le(text: &str) -> Vec<u8> {
        [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect()
    }

    #[test]
    fn odd_length_utf16_is_located() {
        let mut bytes = utf16le("{\n\"a\": 1}");
        bytes.push(0x7B);
        match decode("x", bytes) {
            Err(LoadError::InvalidUtf16 { line, column, offset, .. }) => assert_eq!((line, column, offset), (2, 8, 20)),
            other => panic!("expected InvalidUtf16, got {other:?}"),
        }
    }

    #[test]
    fn unpaired_surrogates_are_located() {
        let mut bytes = utf16le("{\"a\": \"x");
        bytes.extend([0x00, 0xD8, 0x41, 0x00]);
        match decode("x", bytes) {
            Err(LoadError::InvalidUtf16 { line, column, problem, .. }) => {
                assert_eq!((line, column, problem.as_str()), (1, 9, "unpaired surrogate 0xD800"));
            }
            other => panic!("expected InvalidUtf16, got {other:?}"),
        }
    }
}
