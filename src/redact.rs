//! The last line of defence for sensitive values: every byte tfreach writes passes through a
//! [`Redactor`] that replaces each value Terraform marked sensitive with `(sensitive)`.
//!
//! The engine still decides with those values (a sensitive CIDR still decides whether a
//! path exists); only what is printed changes. The filter works on text, so its policy is
//! explicit:
//!
//! - **Every spelling** of a value is replaced: as it is, JSON-escaped (`--format json`,
//!   `sarif`), XML-escaped (`junit`, in element text and in attributes), with line breaks
//!   turned into spaces (JUnit's one-line messages); a CIDR or IP address also in its
//!   canonical form and as its network address, a number also as an integer or a float
//!   prints (see [`crate::plan::SensitiveValues`]).
//! - **Everywhere**, also where the same text occurs in a place Terraform does not mark
//!   sensitive: a value-based filter cannot tell the two apart, and printing the public
//!   occurrence would show that the secret equals it. Over-redaction is the safe side.
//! - **Not** values shorter than [`MIN_LEN`] characters, nor `true`, `false` and `null`:
//!   replacing `22` or `tcp` everywhere would destroy every report while hiding nothing
//!   (they are guessable). Those are hidden where the engine prints them from its typed
//!   values, which carry Terraform's marks ([`crate::plan::SensitivePaths`]).
//! - **Whole words only** where the value begins or ends with a letter or digit: `3389`
//!   is not replaced inside the column `1:33891`, nor `main` inside `domain`. A value
//!   embedded in a longer word is therefore not found by this filter.

use std::borrow::Cow;
use std::collections::BTreeSet;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// What a sensitive value is replaced with, as Terraform shows it.
pub const MASK: &str = "(sensitive)";

/// Values shorter than this (in characters) are not replaced (see the module docs).
pub const MIN_LEN: usize = 4;

/// Replaces sensitive values in text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every spelling of every value, longest first when two start at the same place.
    patterns: Vec<String>,
    automaton: Option<AhoCorasick>,
}

impl Redactor {
    /// A redactor for these values (each in the spellings Terraform's JSON gives them).
    pub fn new<'v>(values: impl IntoIterator<Item = &'v str>) -> Redactor {
        let mut spellings: BTreeSet<String> = BTreeSet::new();
        for value in values {
            if value.chars().count() < MIN_LEN || matches!(value, "true" | "false" | "null") {
                continue;
            }
            spellings.extend(spellings_of(value));
        }
        spellings.retain(|s| s.chars().count() >= MIN_LEN);
        let patterns: Vec<String> = spellings.into_iter().collect();
        // A contiguous NFA builds in time linear in the patterns' length; the DFA that the
        // builder would pick for few patterns takes minutes for a secret of a few hundred
        // kilobytes. Building fails only past the automaton's size limits, far beyond any
        // plan's secrets; then `redact` searches for each pattern in turn.
        let automaton = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        Redactor { patterns, automaton }
    }

    /// Whether there is nothing to replace.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// `text` with every sensitive value replaced by [`MASK`].
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.patterns.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut found: Vec<(usize, usize)> = match &self.automaton {
            Some(automaton) => automaton.find_overlapping_iter(text).map(|m| (m.start(), m.end())).collect(),
            None => self
                .patterns
                .iter()
                .flat_map(|p| text.match_indices(p.as_str()).map(|(start, m)| (start, start + m.len())))
                .collect(),
        };
        found.retain(|&(start, end)| whole_word(text, start, end));
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        // Leftmost first, and of matches starting together the longest.
        found.sort_unstable_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in found {
            if start < at {
                // Overlaps a match already replaced: extend that replacement instead.
                at = at.max(end);
                continue;
            }
            out.push_str(&text[at..start]);
            out.push_str(MASK);
            at = end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }
}

/// The ways `value` can appear in tfreach's output formats.
fn spellings_of(value: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(8);
    let one_line = value.replace(['\r', '\n'], " ");
    for base in [value, one_line.as_str()] {
        out.push(base.to_string());
        if let Ok(json) = serde_json::to_string(base) {
            out.push(json[1..json.len() - 1].to_string());
        }
        out.push(quick_xml::escape::escape(base).into_owned());
        out.push(quick_xml::escape::partial_escape(base).into_owned());
    }
    out
}

/// A match counts only as a whole word where the value starts or ends with a letter or digit.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let matched = &text[start..end];
    let first_is_word = word(matched.chars().next());
    let last_is_word = word(matched.chars().next_back());
    !(first_is_word && word(text[..start].chars().next_back()) || last_is_word && word(text[end..].chars().next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(values: &[&str], text: &str) -> String {
        Redactor::new(values.iter().copied()).redact(text).into_owned()
    }

    #[test]
    fn replaces_every_occurrence() {
        assert_eq!(
            redact(&["10.20.0.0/16"], "ingress from 10.20.0.0/16 to 22; again 10.20.0.0/16"),
            "ingress from (sensitive) to 22; again (sensitive)"
        );
    }

    #[test]
    fn leaves_text_without_sensitive_values_alone() {
        let r = Redactor::new(["hunter2-password"]);
        assert!(matches!(r.redact("nothing to see"), Cow::Borrowed("nothing to see")));
        assert!(Redactor::new(std::iter::empty()).is_empty());
    }

    #[test]
    fn replaces_json_and_xml_spellings() {
        let secret = "p\"a<s>s&w\\o\nrd";
        let json = serde_json::to_string(secret).unwrap();
        assert_eq!(redact(&[secret], &json), "\"(sensitive)\"");
        assert_eq!(redact(&[secret], "<a>p\"a&lt;s&gt;s&amp;w\\o\nrd</a>"), "<a>(sensitive)</a>");
        assert_eq!(redact(&[secret], "m=\"p&quot;a&lt;s&gt;s&amp;w\\o rd\""), "m=\"(sensitive)\"");
    }

    #[test]
    fn short_values_and_booleans_are_not_replaced() {
        assert_eq!(redact(&["22", "tcp", "true", "false", "null"], "tcp 22 true false null"), "tcp 22 true false null");
    }

    #[test]
    fn matches_whole_words_only_at_alphanumeric_edges() {
        assert_eq!(redact(&["3389"], "plan.json:1:33891 port 3389."), "plan.json:1:33891 port (sensitive).");
        assert_eq!(redact(&["main"], "domain main.tf"), "domain (sensitive).tf");
        // An edge that is not alphanumeric needs no boundary.
        assert_eq!(redact(&["-secret-"], "a-secret-b"), "a(sensitive)b");
    }

    #[test]
    fn overlapping_values_are_replaced_as_one() {
        assert_eq!(redact(&["secret-a", "a-key"], "x secret-a-key y"), "x (sensitive) y");
        assert_eq!(redact(&["secret", "secret-long"], "a secret-long b"), "a (sensitive) b");
    }

    #[test]
    fn a_long_secret_builds_and_matches_quickly() {
        let secret = "k\u{FFFE}\u{FFFF}".repeat(20_000);
        let started = std::time::Instant::now();
        let text = format!("before {secret} after");
        assert_eq!(redact(&[secret.as_str(), "defensive"], &text), "before (sensitive) after");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn non_ascii_values_keep_the_text_valid() {
        assert_eq!(redact(&["päss wörd"], "é päss wörd ü"), "é (sensitive) ü");
    }
}
