//! Reading the top level of a document on several threads at once.
//!
//! The scan of [`super::read`] walks the whole top level on one thread, and every part it
//! hands on is parsed a second time in the background. Here the large top-level fields are
//! found by searching the text for `,"configuration":` and the like, and the pieces between
//! those guesses are parsed at once, each in a single pass. `resource_changes` is cut the
//! same way, at `},{"address":"`, into runs parsed in parallel.
//!
//! A guess can be wrong: the same text may sit inside a nested value (an attribute named
//! `configuration`), though never inside a string, whose quotes are escaped. So each piece
//! is parsed from its guess until it meets the next guess at its own level, and the pieces
//! count only when they chain from the document's first byte to its last. Every piece of
//! the chain then began at a member of the top-level object, and was read exactly as the
//! single scan reads it; a guess inside a nested value falls outside the chain (the piece
//! around it reads over it) and is dropped. Anything else — a run of changes that does not
//! end where the next begins, a syntax error, a repeated field, nesting past serde_json's
//! limit — gives `None`, and the single scan reads the document, with its positioned errors.

use std::iter;

use memchr::memmem;
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::address::SharedModules;
use super::config::Configuration;
use super::raw::{RawResourceChange, RawStateWrapper};
use super::read::{self, Background, Change, RawDocument};
use super::sensitive::SensitiveValues;
use super::values::CowStr;
use super::{ResourceInstance, Span};

/// The top-level fields searched for: the large ones, and the one after `configuration` in
/// Terraform's order, which would otherwise make its piece the largest.
const GUESSED: [&str; 5] = [
    r#","planned_values":"#,
    r#","resource_changes":"#,
    r#","prior_state":"#,
    r#","configuration":"#,
    r#","relevant_attributes":"#,
];

/// Where a run of resource changes may start: the comma between two of them.
const RUN_START: &[u8] = br#"},{"address":""#;

/// Bytes of resource changes per run: enough to outweigh a task, few enough to keep every
/// thread busy.
const RUN_BYTES: usize = 256 * 1024;

/// What the pieces parsed besides the top-level fields.
#[derive(Default)]
pub(super) struct Parts<'a> {
    /// Runs of resource changes, in document order.
    pub runs: Vec<Vec<Change<'a>>>,
    pub prior: Option<Vec<ResourceInstance<'a>>>,
    pub configuration: Option<Configuration<'a>>,
    pub sensitive: SensitiveValues,
}

/// Reads `bg`'s document in pieces; `None` when the guesses do not chain (see the module
/// documentation).
pub(super) fn read<'a>(bg: &Background<'a>) -> Option<(RawDocument<'a>, Parts<'a>)> {
    read_in_runs_of(bg, RUN_BYTES)
}

fn read_in_runs_of<'a>(bg: &Background<'a>, run_bytes: usize) -> Option<(RawDocument<'a>, Parts<'a>)> {
    let text = bg.text();
    let mut guesses: Vec<usize> =
        GUESSED.par_iter().filter_map(|key| memmem::find(text.as_bytes(), key.as_bytes())).filter(|&g| g > 0).collect();
    guesses.sort_unstable();
    guesses.dedup();
    let starts: Vec<usize> = iter::once(0).chain(guesses.iter().copied()).collect();
    let at = Guesses { all: &guesses, run_bytes };
    let mut pieces: Vec<Option<Piece<'a>>> =
        starts.par_iter().enumerate().map(|(i, &start)| Piece::read(bg, start, i == 0, at)).collect();
    let mut whole = Piece::default();
    let mut next = 0;
    loop {
        let piece = pieces[starts.binary_search(&next).ok()?].take()?;
        let end = piece.end;
        whole.join(piece)?;
        match end {
            Some(end) => next = end,
            None => return Some((whole.doc, whole.parts)),
        }
    }
}

#[derive(Clone, Copy)]
struct Guesses<'g> {
    /// Positions of the commas before guessed fields, in order.
    all: &'g [usize],
    run_bytes: usize,
}

impl Guesses<'_> {
    fn contains(&self, pos: usize) -> bool {
        self.all.binary_search(&pos).is_ok()
    }

    fn after(&self, pos: usize) -> Option<usize> {
        self.all.iter().copied().find(|&g| g > pos)
    }
}

/// The top-level fields of one piece.
#[derive(Default)]
struct Piece<'a> {
    doc: RawDocument<'a>,
    parts: Parts<'a>,
    /// The fields tfreach reads, as they came.
    fields: Vec<&'static str>,
    /// The comma before the next piece, or `None` when this piece ends the document.
    end: Option<usize>,
}

impl<'a> Piece<'a> {
    /// The piece starting at `start`: the document's `{` when `first`, else the comma
    /// before a guessed field.
    fn read(bg: &Background<'a>, start: usize, first: bool, guesses: Guesses<'_>) -> Option<Piece<'a>> {
        let mut c = Cursor { text: bg.text(), pos: start };
        let mut piece = Piece::default();
        if first {
            if !c.eat(b'{') {
                return None;
            }
            if c.eat(b'}') {
                return c.at_end().then_some(piece);
            }
        } else if !c.eat(b',') {
            return None;
        }
        loop {
            c.ws();
            let key: CowStr<'a> = c.value()?;
            if !c.eat(b':') {
                return None;
            }
            piece.member(bg, &key, &mut c, guesses)?;
            c.ws();
            match c.peek()? {
                b',' if guesses.contains(c.pos) => {
                    piece.end = Some(c.pos);
                    return Some(piece);
                }
                b',' => c.pos += 1,
                b'}' => {
                    c.pos += 1;
                    return c.at_end().then_some(piece);
                }
                _ => return None,
            }
        }
    }

    /// Reads the value of the field `key`, as the single scan does.
    fn member(&mut self, bg: &Background<'a>, key: &str, c: &mut Cursor<'a>, guesses: Guesses<'_>) -> Option<()> {
        let Some(field) = read::field(key) else {
            return c.value::<IgnoredAny>().map(drop);
        };
        if self.fields.contains(&field) {
            return None;
        }
        self.fields.push(field);
        if self.doc.read_small(field, c).ok()? {
            return Some(());
        }
        match field {
            "resource_changes" => {
                c.ws();
                if c.peek() == Some(b'[') {
                    let (count, parts) = changes(bg, c, guesses)?;
                    self.doc.resource_changes = Some(count);
                    self.parts.runs = parts.runs;
                    self.parts.sensitive.extend(parts.sensitive);
                } else {
                    // `null`, or an error the single scan reports.
                    c.value::<Option<Vec<IgnoredAny>>>()?;
                }
            }
            "prior_state" => {
                if let Some(wrapper) = c.value::<Option<RawStateWrapper<'a>>>()? {
                    let (prior, secrets) = bg.state_parts(wrapper.values.unwrap_or_default()).ok()?;
                    self.parts.prior = Some(prior);
                    self.parts.sensitive.extend(secrets);
                }
            }
            _ => {
                self.parts.configuration = c.value::<Option<Configuration<'a>>>()?;
                self.doc.configuration = self.parts.configuration.is_some();
            }
        }
        Some(())
    }

    /// Adds the next piece of the chain; `None` when both read one field.
    fn join(&mut self, next: Piece<'a>) -> Option<()> {
        if next.fields.iter().any(|f| self.fields.contains(f)) {
            return None;
        }
        self.fields.extend(next.fields);
        let (doc, more) = (&mut self.doc, next.doc);
        doc.format_version = doc.format_version.take().or(more.format_version);
        doc.terraform_version = doc.terraform_version.take().or(more.terraform_version);
        doc.variables.extend(more.variables);
        doc.planned_values = doc.planned_values.or(more.planned_values);
        doc.resource_changes = doc.resource_changes.or(more.resource_changes);
        doc.values = doc.values.or(more.values);
        doc.configuration |= more.configuration;
        doc.output_changes = doc.output_changes.or(more.output_changes);
        doc.version |= more.version;
        doc.serial |= more.serial;
        let (parts, more) = (&mut self.parts, next.parts);
        parts.runs.extend(more.runs);
        parts.prior = parts.prior.take().or(more.prior);
        parts.configuration = parts.configuration.take().or(more.configuration);
        parts.sensitive.extend(more.sensitive);
        Some(())
    }
}

/// Resource changes from the `[` at the cursor to the matching `]`, in runs parsed at once:
/// how many, and the runs in order with the sensitive values they hold. Runs start where the
/// next change may start (see [`RUN_START`]).
fn changes<'a>(bg: &Background<'a>, c: &mut Cursor<'a>, guesses: Guesses<'_>) -> Option<(usize, Parts<'a>)> {
    c.pos += 1;
    let bytes = c.text.as_bytes();
    // The array most likely ends before the next guess.
    let limit = guesses.after(c.pos).unwrap_or(bytes.len());
    let finder = memmem::Finder::new(RUN_START);
    let mut starts = vec![c.pos];
    let mut from = c.pos + guesses.run_bytes;
    while from < limit {
        let Some(found) = finder.find(&bytes[from..limit]) else { break };
        let comma = from + found + 1;
        starts.push(comma);
        from = comma + guesses.run_bytes;
    }
    let mut runs: Vec<Option<Run<'a>>> =
        starts.par_iter().enumerate().map(|(i, &start)| Run::read(bg, start, i > 0, &starts[i + 1..])).collect();
    // The runs that chain from the first to the one that closes the array; a run that
    // started inside a change is read over by the run before it, and dropped.
    let (mut count, mut parts) = (0, Parts::default());
    let mut i = 0;
    loop {
        let run = runs[i].take()?;
        count += run.changes.len();
        parts.runs.push(run.changes);
        parts.sensitive.extend(run.sensitive);
        c.pos = run.end;
        if run.closes {
            return Some((count, parts));
        }
        i = starts.binary_search(&run.end).ok()?;
    }
}

/// A run of resource changes.
struct Run<'a> {
    changes: Vec<Change<'a>>,
    sensitive: SensitiveValues,
    /// Where the run stopped: at the next run's comma, or after the array's `]`.
    end: usize,
    closes: bool,
}

impl<'a> Run<'a> {
    /// The changes from `start` (after the `[`, or at the comma before a later run's first
    /// change) to the first of `later`, the commas where later runs start, that it meets
    /// between two changes; or to the end of the array.
    fn read(bg: &Background<'a>, start: usize, at_comma: bool, later: &[usize]) -> Option<Run<'a>> {
        let mut c = Cursor { text: bg.text(), pos: start };
        let mut modules = SharedModules::new(bg.modules());
        let mut run = Run { changes: Vec::new(), sensitive: SensitiveValues::default(), end: 0, closes: false };
        if !at_comma && c.eat(b']') {
            (run.end, run.closes) = (c.pos, true);
            return Some(run);
        }
        let mut comma = at_comma;
        loop {
            if comma && !c.eat(b',') {
                return None;
            }
            c.ws();
            let from = c.pos;
            let change: RawResourceChange<'a> = c.value()?;
            let span = Span { offset: from, len: c.pos - from };
            run.changes.push(bg.change_of(change, span, &mut modules, &mut run.sensitive).ok()?);
            c.ws();
            if later.binary_search(&c.pos).is_ok() {
                run.end = c.pos;
                return Some(run);
            }
            if c.eat(b']') {
                (run.end, run.closes) = (c.pos, true);
                return Some(run);
            }
            comma = true;
        }
    }
}

impl<'a> read::FieldValue<'a> for Cursor<'a> {
    /// The single scan reports what went wrong.
    type Error = ();
    fn next<T: Deserialize<'a>>(&mut self) -> Result<T, ()> {
        self.value().ok_or(())
    }
}

/// A position in the input, moved past what is read.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) {
        let bytes = self.text.as_bytes();
        while matches!(bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips whitespace, then `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.ws();
        let found = self.peek() == Some(byte);
        self.pos += usize::from(found);
        found
    }

    /// Only whitespace is left.
    fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.text.len()
    }

    /// The JSON value at the cursor, read as `T`.
    fn value<T: Deserialize<'a>>(&mut self) -> Option<T> {
        let mut stream = serde_json::Deserializer::from_str(&self.text[self.pos..]).into_iter::<T>();
        let value = stream.next()?.ok()?;
        self.pos += stream.byte_offset();
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::plan::read::Reading;
    use crate::plan::{SourceFile, load_reading};

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    /// What both readings of `source` give, as text (documents and errors alike), after
    /// checking that they give the same.
    fn both(source: &SourceFile) -> String {
        let read = |reading| match load_reading(source, reading) {
            Ok(doc) => format!("{doc:?}"),
            Err(e) => format!("error: {e:?}"),
        };
        let (pieces, scan) = (read(Reading::Pieces), read(Reading::Scan));
        // A small document names itself; a file, by its path.
        let what = if source.text.len() < 1000 { &source.text } else { &source.name };
        assert_eq!(pieces, scan, "{what}");
        pieces
    }

    /// Whether the pieces chain, with runs of changes of `run_bytes`.
    fn chains(source: &SourceFile, run_bytes: usize) -> bool {
        let bg = Background::new(&source.name, &source.text);
        read_in_runs_of(&bg, run_bytes).is_some()
    }

    fn source(text: &str) -> SourceFile {
        SourceFile::from_string("plan.json", text.to_string())
    }

    #[test]
    fn every_bundled_document_reads_in_pieces_as_in_one_scan() {
        let mut files = Vec::new();
        json_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"), &mut files);
        assert!(files.len() > 100, "{} files", files.len());
        let mut in_pieces = 0;
        for path in &files {
            let source = SourceFile::read(path.to_str().unwrap()).unwrap();
            both(&source);
            // Every plan Terraform wrote for these tests chains, even cut into a run per change.
            let ours =
                path.file_name().is_some_and(|n| n == "plan.json") && !path.to_string_lossy().contains("realplans");
            if ours {
                assert!(chains(&source, 1) && chains(&source, RUN_BYTES), "{}", path.display());
                in_pieces += 1;
            }
        }
        assert!(in_pieces > 80, "{in_pieces} plans read in pieces");
    }

    const CHANGE: &str = r#"{"address":"aws_vpc.a","type":"aws_vpc","name":"a","change":{"actions":["create"],"after":{"id":"x"},"after_unknown":{}}}"#;

    #[test]
    fn a_piece_stops_where_the_next_guess_starts() {
        let text = format!(r#"{{"format_version":"1.2","resource_changes":[{CHANGE}],"configuration":{{}}}}"#);
        let source = source(&text);
        let bg = Background::new(&source.name, &source.text);
        let all = [text.find(r#","resource_changes""#).unwrap(), text.find(r#","configuration""#).unwrap()];
        let guesses = Guesses { all: &all, run_bytes: RUN_BYTES };
        let ends: Vec<Option<usize>> = [0, all[0], all[1]]
            .iter()
            .enumerate()
            .map(|(i, &start)| Piece::read(&bg, start, i == 0, guesses).unwrap().end)
            .collect();
        assert_eq!(ends, [Some(all[0]), Some(all[1]), None]);
    }

    #[test]
    fn a_guess_inside_a_nested_value_is_read_over() {
        // An attribute named like a top-level field, before the real one.
        let text = format!(
            r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"x":1,"configuration":{{"a":1}}}}}},"resource_changes":[{CHANGE}],"configuration":{{"root_module":{{}}}}}}"#
        );
        let source = source(&text);
        assert!(chains(&source, 1));
        let pieces = both(&source);
        assert!(pieces.contains(r#"address: "aws_vpc.a""#), "{pieces}");
    }

    #[test]
    fn a_run_start_inside_a_change_is_read_over() {
        // `},{"address":"` inside a change's values: the run guessed there is dropped, and the
        // run before reads over it.
        let nested = r#"{"address":"aws_lb.b","type":"aws_lb","name":"b","change":{"actions":["create"],"after":{"m":[{"address":"1"},{"address":"2"}]}}}"#;
        let text = format!(r#"{{"format_version":"1.2","resource_changes":[{CHANGE},{nested},{CHANGE}]}}"#);
        let source = source(&text);
        assert!(chains(&source, 1) && chains(&source, RUN_BYTES));
        let pieces = both(&source);
        assert!(pieces.contains(r#"address: "aws_lb.b""#), "{pieces}");
        // Cut at every change and at the one inside: four runs found, three read.
        let bg = Background::new(&source.name, &source.text);
        let (_, parts) = read_in_runs_of(&bg, 1).unwrap();
        assert_eq!(parts.runs.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1, 1]);
    }

    #[test]
    fn a_field_repeated_across_pieces_is_the_single_scans_error() {
        let text = format!(
            r#"{{"resource_changes":[{CHANGE}],"configuration":{{}},"prior_state":null,"configuration":{{}}}}"#
        );
        let source = source(&text);
        assert!(!chains(&source, RUN_BYTES));
        let pieces = both(&source);
        assert!(pieces.contains("duplicate field `configuration`"), "{pieces}");
    }

    #[test]
    fn syntax_errors_are_the_single_scans() {
        for text in [
            format!(r#"{{"resource_changes":[{CHANGE},],"configuration":{{}}}}"#),
            format!(r#"{{"resource_changes":[{CHANGE}],"configuration":{{}}"#),
            format!(r#"{{"resource_changes":[{CHANGE}],"configuration":{{}}}} x"#),
            format!(r#"{{"resource_changes":[{CHANGE}] "configuration":{{}}}}"#),
        ] {
            let source = source(&text);
            assert!(!chains(&source, 1), "{text}");
            let pieces = both(&source);
            assert!(pieces.starts_with("error:"), "{pieces}");
        }
    }

    #[test]
    fn pretty_printed_plans_read_in_one_piece() {
        let compact =
            format!(r#"{{"format_version":"1.2","resource_changes":[{CHANGE},{CHANGE}],"configuration":{{}}}}"#);
        let value: serde_json::Value = serde_json::from_str(&compact).unwrap();
        let source = source(&serde_json::to_string_pretty(&value).unwrap());
        assert!(chains(&source, 1));
        let pieces = both(&source);
        assert!(pieces.contains("duplicate resource address"), "{pieces}");
    }

    #[test]
    fn empty_and_null_parts_read_as_in_one_scan() {
        for text in [
            "{}",
            " { } ",
            r#"{"format_version":"1.2","resource_changes":[]}"#,
            r#"{"format_version":"1.2","resource_changes":[ ],"configuration":null,"prior_state":null}"#,
            r#"{"format_version":"1.2","resource_changes":null,"planned_values":null}"#,
        ] {
            let source = source(text);
            assert!(chains(&source, 1), "{text}");
            both(&source);
        }
    }
}
