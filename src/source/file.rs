//! A `.tf` file as read from disk, and positions in it.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// One `.tf` file of a module, with its text kept for rendering diagnostics.
///
/// Shared (`Arc`) by every [`Location`] that points into it. It implements
/// [`miette::SourceCode`] under its [relative path](TfFile::relative_path), so a diagnostic
/// can use it directly as its source.
pub struct TfFile {
    path: PathBuf,
    relative_path: PathBuf,
    text: String,
    line_starts: Vec<usize>,
}

impl TfFile {
    pub(crate) fn new(path: PathBuf, relative_path: PathBuf, text: String) -> TfFile {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        TfFile { path, relative_path, text, line_starts }
    }

    /// The path the file was read from (the source directory joined with the relative path).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path relative to the root module's directory, as users see it in findings:
    /// `main.tf`, `modules/app/main.tf`, `.terraform/modules/vpc/main.tf`.
    pub fn relative_path(&self) -> &Path {
        &self.relative_path
    }

    /// The decoded text; every span in this module indexes into it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 1-based line and column of a byte offset.
    ///
    /// Columns count Unicode characters, as HCL's own `hcl.Pos` does, so they match what
    /// `terraform validate` prints.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = match self.text.get(start..offset) {
            Some(prefix) => prefix.chars().count(),
            None => offset - start,
        };
        (line, column + 1)
    }

    /// The 1-based line number of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset.min(self.text.len()))
    }

    /// The byte offset just past the line holding `offset` (after its `\n`), or the end of
    /// the text.
    pub(crate) fn line_end(&self, offset: usize) -> usize {
        self.line_starts.get(self.line_of(offset)).copied().unwrap_or(self.text.len())
    }

    /// The byte offset at which the line holding `offset` starts.
    pub(crate) fn line_start(&self, offset: usize) -> usize {
        self.line_starts[self.line_of(offset) - 1]
    }
}

impl fmt::Debug for TfFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TfFile").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SourceCode for TfFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        let contents = MietteSpanContents::new_named(
            self.relative_path.display().to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )
        .with_language("HCL");
        Ok(Box::new(contents))
    }
}

/// A span of a `.tf` file with the 1-based line and column where it starts.
#[derive(Clone)]
pub struct Location {
    /// The file the span indexes into.
    pub file: Arc<TfFile>,
    /// Byte offsets into [`TfFile::text`].
    pub span: Range<usize>,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column of `span.start`, in characters.
    pub column: usize,
}

impl Location {
    pub(crate) fn new(file: &Arc<TfFile>, span: Range<usize>) -> Location {
        let (line, column) = file.line_column(span.start);
        Location { file: Arc::clone(file), span, line, column }
    }

    /// The text the span covers.
    pub fn text(&self) -> &str {
        self.file.text.get(self.span.clone()).unwrap_or("")
    }

    /// The span for a miette label.
    pub fn source_span(&self) -> SourceSpan {
        SourceSpan::from(self.span.clone())
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{} ({:?})", self.file.relative_path.display(), self.line, self.column, self.span)
    }
}

/// Where a `resource` or `data` block is written.
#[derive(Debug, Clone)]
pub struct BlockLocation {
    /// The header, `resource "aws_instance" "app"`: from the block type to the end of the last
    /// label. Diagnostics point here, like `terraform validate` does for block-level errors.
    pub header: Location,
    /// The whole block, from the block type to the closing brace.
    pub block: Range<usize>,
}

impl BlockLocation {
    /// The file holding the block.
    pub fn file(&self) -> &Arc<TfFile> {
        &self.header.file
    }

    /// The block's text, header to closing brace.
    pub fn text(&self) -> &str {
        self.header.file.text.get(self.block.clone()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> TfFile {
        TfFile::new(PathBuf::from("/src/main.tf"), PathBuf::from("main.tf"), text.to_string())
    }

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let f = file("a = 1\n# é\nb = \"ü\" # x\n");
        assert_eq!(f.line_column(0), (1, 1));
        assert_eq!(f.line_column(4), (1, 5));
        assert_eq!(f.line_column(6), (2, 1));
        let hash = f.text().rfind('#').unwrap();
        assert_eq!(f.line_column(hash), (3, 9));
        assert_eq!(f.line_column(f.text().len()), (4, 1));
        assert_eq!(f.line_start(hash), 11);
        assert_eq!(f.line_of(hash), 3);
        // A line's end is the next line's start: after its newline, or the end of the text.
        let text = f.text();
        for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
            let by_scan_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
            let by_scan_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            assert_eq!((f.line_start(at), f.line_end(at)), (by_scan_start, by_scan_end), "{at}");
        }
    }

    #[test]
    fn offsets_past_the_end_do_not_panic() {
        let f = file("");
        assert_eq!(f.line_column(99), (1, 1));
        let loc = Location::new(&Arc::new(file("x")), 5..9);
        assert_eq!(loc.text(), "");
    }

    #[test]
    fn renders_as_a_named_miette_source() {
        let f = file("resource \"aws_instance\" \"app\" {\n}\n");
        let contents = f.read_span(&SourceSpan::from(0..8), 0, 0).unwrap();
        assert_eq!(contents.name(), Some("main.tf"));
        assert_eq!(contents.language(), Some("HCL"));
        assert_eq!(contents.line(), 0);
    }
}
