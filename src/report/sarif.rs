//! `--format sarif`: SARIF 2.1.0 for code-scanning services and IDE viewers (GitHub code
//! scanning, Azure DevOps, the VS Code SARIF viewer).
//!
//! One run. `tool.driver.rules` is the whole catalogue, each rule with its summary, the
//! first paragraph of `rules/<ID>.md` as full description and the whole document as help,
//! so that a viewer explains a result without tfreach at hand. A result points at the
//! resource's block header in its `.tf` file or, when the block was not found, at the
//! resource's object in the plan file, both relative to the repository root (`uriBaseId`
//! `%SRCROOT%`, which `originalUriBaseIds` declares as that directory, and every file listed
//! in `artifacts`), where code scanning looks for them; related resources become `relatedLocations`; the resource address is the logical
//! location. Suppressed findings are results with `suppressions` (`inSource` for a
//! `tfreach:ignore` comment, `external` for a waiver or the baseline), as the standard
//! asks, so that viewers can show them as such.
//!
//! The types below are written by hand rather than taken from `serde-sarif`: its 0.8
//! release generates them at build time (schemafy, syn and prettyplease as build
//! dependencies, plus the strum and typed-builder proc macros) for the whole schema and
//! does not build on its own (its serde dependency lacks the `derive` feature it uses),
//! while tfreach writes a dozen objects. The test suite checks the output with Microsoft's
//! SARIF validator (`tests/formats.rs`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{FileReport, FindingReport, SourceLocation};
use crate::policy::Suppression;
use crate::reach::Certainty;
use crate::rules::{self, Severity};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base of every location: the repository root.
const SRCROOT: &str = "%SRCROOT%";

/// Where users learn about tfreach. Cargo.toml has no `homepage` or `repository` yet; the
/// crates.io page is the fallback.
fn information_uri() -> &'static str {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
        .unwrap_or("https://crates.io/crates/tfreach")
}

#[derive(Serialize)]
struct Log<'r> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'r>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'r> {
    tool: Tool,
    /// Our columns count characters (as HCL's positions do).
    column_kind: &'static str,
    /// `%SRCROOT%`: the repository root, as a `file:` URI ending in `/`.
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    /// Every file a result points at.
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult<'r>>,
    /// Notes about the inputs (unusable `.tf` files, expired waivers), as tool execution
    /// notifications: present only when there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: Markdown,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Markdown {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'r> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    properties: Properties<'r>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'r> {
    certainty: Certainty,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation_code: Option<&'static str>,
    /// The plan or state file the finding comes from (a run may cover several).
    input: &'r str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
}

pub fn render(reports: &[FileReport]) -> String {
    let catalogue = rules::all();
    let rules = catalogue.iter().map(|r| rule(r.meta())).collect();
    // One base for the run: the first input's repository root (inputs from one repository
    // share it; another's locations are made relative to it, or absolute).
    let base = reports.first().map(|r| r.repo_root.clone()).unwrap_or_default();
    let mut results = Vec::new();
    for r in reports {
        let at = Base { run: &base, input: &r.repo_root };
        results.extend(r.findings.iter().map(|f| result(f, None, &at)));
        results.extend(r.suppressed.iter().map(|(f, why)| result(f, Some(why), &at)));
    }
    let mut artifacts: Vec<ArtifactLocation> = results
        .iter()
        .flat_map(|r| r.locations.iter().chain(&r.related_locations))
        .filter_map(|l| l.physical_location.as_ref().map(|p| p.artifact_location.clone()))
        .collect();
    artifacts.sort();
    artifacts.dedup();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "tfreach",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: BTreeMap::from([(SRCROOT, BaseUri { uri: directory_uri(&base) })]),
            artifacts: artifacts.into_iter().map(|location| Artifact { location }).collect(),
            results,
            invocations: invocations(reports),
        }],
    };
    serde_json::to_string_pretty(&log).expect("SARIF serialises") + "\n"
}

fn invocations(reports: &[FileReport]) -> Vec<Invocation> {
    let notifications: Vec<Notification> = reports
        .iter()
        .flat_map(|r| {
            r.notes
                .iter()
                .map(|n| Notification { level: "note", message: Message { text: format!("{}: {n}", r.path) } })
        })
        .collect();
    if notifications.is_empty() {
        return Vec::new();
    }
    vec![Invocation { execution_successful: true, tool_execution_notifications: notifications }]
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn rule(meta: &'static rules::RuleMeta) -> Rule {
    Rule {
        id: meta.id,
        name: meta.name,
        short_description: Message { text: meta.summary.to_string() },
        full_description: Message { text: first_paragraph(meta.doc).unwrap_or_else(|| meta.summary.to_string()) },
        help: Markdown { text: meta.doc, markdown: meta.doc },
        default_configuration: Configuration { level: level(meta.severity) },
    }
}

/// The first paragraph of prose in a rule document: after the `# ID name` title and the
/// `**Severity:** …` line.
fn first_paragraph(doc: &str) -> Option<String> {
    doc.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#') && !p.starts_with("**Severity:**"))
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
}

/// The run's base directory and the one an input's paths are relative to.
struct Base<'b> {
    run: &'b std::path::Path,
    input: &'b std::path::Path,
}

impl Base<'_> {
    /// A path relative to the input's root, as a location relative to the run's base (or,
    /// outside it, an absolute `file:` URI).
    fn artifact(&self, path: &str) -> ArtifactLocation {
        let path = if self.run == self.input || path.starts_with('/') {
            path.to_string()
        } else {
            crate::engine::paths::relative(self.run, &self.input.join(path))
        };
        if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
            ArtifactLocation { uri: file_uri(&path), uri_base_id: None }
        } else {
            ArtifactLocation { uri: relative_uri(&path), uri_base_id: Some(SRCROOT) }
        }
    }
}

/// A directory as a `file:` URI that ends in `/` (a base URI must).
fn directory_uri(dir: &std::path::Path) -> String {
    let mut uri = file_uri(&dir.display().to_string());
    if !uri.ends_with('/') {
        uri.push('/');
    }
    if !uri.starts_with("file:") {
        uri = format!("file:///{uri}");
    }
    uri
}

fn result<'r>(f: &'r FindingReport, suppressed: Option<&Suppression>, at: &Base<'_>) -> SarifResult<'r> {
    let rule_index = rules::all().iter().position(|r| r.meta().id == f.rule).unwrap_or_default();
    let mut text = f.message.clone();
    if !f.help.is_empty() {
        text.push_str("\nhelp: ");
        text.push_str(&f.help);
    }
    let primary = Location {
        id: None,
        physical_location: physical(f, at),
        logical_locations: vec![resource(&f.resource)],
        message: None,
    };
    let related_locations = f
        .related
        .iter()
        .enumerate()
        .map(|(i, address)| Location {
            id: Some(i + 1),
            physical_location: f
                .related_source
                .as_ref()
                .filter(|(a, _)| a == address)
                .map(|(_, loc)| tf_location(loc, at)),
            logical_locations: vec![resource(address)],
            message: Some(Message { text: address.clone() }),
        })
        .collect();
    SarifResult {
        rule_id: f.rule,
        rule_index,
        level: level(f.severity),
        message: Message { text },
        locations: vec![primary],
        related_locations,
        partial_fingerprints: BTreeMap::from([("tfreachFinding/v1", format!("{}|{}|{}", f.rule, f.resource, f.input))]),
        suppressions: suppressed.map(|s| suppression(s, at)).into_iter().collect(),
        properties: Properties { certainty: f.certainty, explanation_code: f.code.map(|c| c.name()), input: &f.input },
    }
}

fn resource(address: &str) -> LogicalLocation {
    LogicalLocation { fully_qualified_name: address.to_string(), kind: "resource" }
}

/// The block header in its `.tf` file, else the resource's object in the plan file (none
/// for standard input, which has no file to point at).
fn physical(f: &FindingReport, at: &Base<'_>) -> Option<PhysicalLocation> {
    if let Some(s) = &f.source {
        return Some(tf_location(s, at));
    }
    let input = f.input_file.as_deref()?;
    Some(PhysicalLocation {
        artifact_location: at.artifact(input),
        region: Region {
            start_line: f.plan_location.line,
            start_column: Some(f.plan_location.column),
            end_line: None,
            end_column: None,
        },
    })
}

fn tf_location(s: &SourceLocation, at: &Base<'_>) -> PhysicalLocation {
    let end = s.excerpt.as_ref().map(|(file, span)| file.line_column(span.end));
    PhysicalLocation {
        artifact_location: at.artifact(&s.file),
        region: Region {
            start_line: s.line,
            start_column: Some(s.column),
            end_line: end.map(|(l, _)| l),
            end_column: end.map(|(_, c)| c),
        },
    }
}

fn suppression(why: &Suppression, at: &Base<'_>) -> SarifSuppression {
    match why {
        Suppression::Inline { reason, file, line } => SarifSuppression {
            kind: "inSource",
            status: "accepted",
            justification: reason.clone(),
            location: Some(Location {
                id: None,
                physical_location: Some(PhysicalLocation {
                    artifact_location: at.artifact(file),
                    region: Region { start_line: *line, start_column: None, end_line: None, end_column: None },
                }),
                logical_locations: Vec::new(),
                message: None,
            }),
        },
        Suppression::Waiver { reason, expires } => SarifSuppression {
            kind: "external",
            status: "accepted",
            justification: match expires {
                Some(e) => format!("{reason} (waiver in tfreach.toml, expires {e})"),
                None => format!("{reason} (waiver in tfreach.toml)"),
            },
            location: None,
        },
        Suppression::Baseline => SarifSuppression {
            kind: "external",
            status: "accepted",
            justification: "recorded in the --baseline report".to_string(),
            location: None,
        },
    }
}

/// A path relative to a base, as a URI reference: `/`-separated and percent-encoded.
fn relative_uri(path: &str) -> String {
    percent_encode(&path.replace('\\', "/"))
}

/// The plan file as given: relative stays relative, an absolute path becomes a `file:` URI
/// (a relative reference must not look absolute, and a base id would misplace it).
fn file_uri(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let bytes = slashed.as_bytes();
    if slashed.starts_with('/') {
        format!("file://{}", percent_encode(&slashed))
    } else if bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        format!("file:///{}:{}", &slashed[..1], percent_encode(&slashed[2..]))
    } else {
        percent_encode(&slashed)
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_references() {
        assert_eq!(relative_uri("modules/app sg/main.tf"), "modules/app%20sg/main.tf");
        assert_eq!(relative_uri(r"modules\app\main.tf"), "modules/app/main.tf");
        assert_eq!(file_uri("plans/plan.json"), "plans/plan.json");
        assert_eq!(file_uri("/tmp/x y/plan.json"), "file:///tmp/x%20y/plan.json");
        assert_eq!(file_uri(r"C:\plans\plan.json"), "file:///C:/plans/plan.json");
        assert_eq!(file_uri("é.json"), "%C3%A9.json");
        // A colon in a relative reference's first segment would read as a scheme.
        assert_eq!(file_uri("a:b/plan.json"), "a%3Ab/plan.json");
    }

    #[test]
    fn full_description_is_the_first_paragraph() {
        let doc = "# SSM005 x\n\n**Severity:** error\n\nFlags an instance\nwhose groups.\n\n## What it checks\n";
        assert_eq!(first_paragraph(doc).as_deref(), Some("Flags an instance whose groups."));
        assert_eq!(first_paragraph("# only a title\n"), None);
    }
}
