//! `--format json`: the stable machine schema (SPEC.md, README "JSON output"), defined here
//! from the engine's results.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{CheckReport, FileReport, FindingReport, HopReport, InstanceReport, LinkReport, ServiceReport};
use crate::plan::DocumentKind;
use crate::policy::Suppression;
use crate::reach::{Certainty, Tri, Verdict, Via};
use crate::resolve::Resolution;
use crate::rules::Severity;

#[derive(Serialize)]
struct Output<'r> {
    tool: Tool,
    inputs: Vec<Input<'r>>,
    findings: Vec<Finding<'r>>,
    instances: Vec<Instance<'r>>,
    summary: Summary,
    /// Findings that inline ignores, waivers or the baseline suppress, with why (an
    /// extension of the SPEC schema).
    suppressed: Vec<Suppressed<'r>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Input<'r> {
    path: &'r str,
    kind: DocumentKind,
    format_version: Option<&'r str>,
    terraform_version: Option<&'r str>,
    /// What the user should know about this input: unusable `.tf` files, duplicate
    /// addresses, expired waivers (an extension of the SPEC schema; absent when none).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'r [String],
}

#[derive(Serialize)]
struct Source<'r> {
    file: &'r str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Hop<'r> {
    hop: &'static str,
    outcome: Tri,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    resources: &'r [String],
    detail: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'r str>,
    /// The hop's typed data: direction, ports, peers, the rules and resources involved.
    data: &'r serde_json::Value,
}

fn hop(h: &HopReport) -> Hop<'_> {
    Hop {
        hop: h.kind.label(),
        outcome: h.outcome,
        code: h.code.map(|c| c.name()),
        resources: &h.resources,
        detail: &h.detail,
        fix: h.fix.as_deref(),
        data: &h.data,
    }
}

#[derive(Serialize)]
struct Finding<'r> {
    rule: &'static str,
    name: &'static str,
    severity: Severity,
    certainty: Certainty,
    resource: &'r str,
    related: &'r [String],
    message: &'r str,
    help: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    /// The hop that fails, as data, when the finding is about a path.
    #[serde(skip_serializing_if = "Option::is_none")]
    hop: Option<Hop<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source<'r>>,
    input: &'r str,
}

fn finding(f: &FindingReport) -> Finding<'_> {
    Finding {
        rule: f.rule,
        name: f.name,
        severity: f.severity,
        certainty: f.certainty,
        resource: &f.resource,
        related: &f.related,
        message: &f.message,
        help: &f.help,
        code: f.code.map(|c| c.name()),
        hop: f.hop.as_ref().map(hop),
        source: f.source.as_ref().map(|s| Source { file: &s.file, line: s.line, column: s.column }),
        input: &f.input,
    }
}

#[derive(Serialize)]
struct Suppressed<'r> {
    #[serde(flatten)]
    finding: Finding<'r>,
    suppression: &'r Suppression,
}

#[derive(Serialize)]
struct Service<'r> {
    verdict: Verdict,
    via: Via,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint: Option<&'r str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    blocked_by: &'r [&'static str],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unresolved: &'r [String],
}

fn service(s: &ServiceReport) -> Service<'_> {
    Service {
        verdict: s.verdict,
        via: s.via,
        endpoint: s.endpoint.as_deref(),
        blocked_by: &s.blocked_by,
        unresolved: &s.unresolved,
    }
}

#[derive(Serialize)]
struct Check<'r> {
    outcome: Tri,
    detail: &'r str,
}

fn check(c: &CheckReport) -> Check<'_> {
    Check { outcome: c.outcome, detail: &c.detail }
}

#[derive(Serialize)]
struct Link<'r> {
    resolution: Resolution,
    /// Every address (or external id) the link may point at.
    targets: Vec<String>,
    /// True when the targets are alternatives (one of them is meant).
    candidates: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unset: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unresolved: &'r [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback: Option<&'r str>,
}

fn link(l: &LinkReport) -> Link<'_> {
    Link {
        resolution: l.resolution,
        targets: l.targets(),
        candidates: l.candidates(),
        unset: l.unset,
        unresolved: &l.unresolved,
        fallback: l.fallback.as_deref(),
    }
}

#[derive(Serialize)]
struct Links<'r> {
    vpc: Link<'r>,
    subnets: Link<'r>,
    security_groups: Link<'r>,
    instance_profile: Link<'r>,
}

#[derive(Serialize)]
struct Instance<'r> {
    resource: &'r str,
    input: &'r str,
    vpc: Vec<String>,
    subnets: Vec<String>,
    security_groups: Vec<String>,
    services: BTreeMap<&'static str, Service<'r>>,
    /// The instance's credentials: profile, role and policies (or Default Host Management).
    identity: Check<'r>,
    metadata_service: Check<'r>,
    verdict: Verdict,
    /// The verdict before the plan, for a plan with a prior state.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict_before: Option<Verdict>,
    /// The rules whose findings explain a verdict other than `reachable`.
    explained_by: &'r [&'static str],
    /// How each link was resolved (an extension of the SPEC schema).
    links: Links<'r>,
}

fn instance<'r>(r: &'r FileReport, i: &'r InstanceReport) -> Instance<'r> {
    Instance {
        resource: &i.resource,
        input: &r.path,
        vpc: i.vpc.targets(),
        subnets: i.subnets.targets(),
        security_groups: i.security_groups.targets(),
        services: i.services.iter().map(|s| (s.service.name(), service(s))).collect(),
        identity: check(&i.identity),
        metadata_service: check(&i.metadata_service),
        verdict: i.verdict,
        verdict_before: i.before,
        explained_by: &i.explained_by,
        links: Links {
            vpc: link(&i.vpc),
            subnets: link(&i.subnets),
            security_groups: link(&i.security_groups),
            instance_profile: link(&i.instance_profile),
        },
    }
}

/// Counts of findings by severity.
#[derive(Serialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Summary {
    pub fn of<'r>(findings: impl IntoIterator<Item = &'r FindingReport>) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Note => s.notes += 1,
            }
        }
        s
    }
}

pub fn render(reports: &[FileReport]) -> String {
    let findings: Vec<&FindingReport> = reports.iter().flat_map(|r| &r.findings).collect();
    let out = Output {
        tool: Tool { name: "tfreach", version: env!("CARGO_PKG_VERSION") },
        inputs: reports
            .iter()
            .map(|r| Input {
                path: &r.path,
                kind: r.kind,
                format_version: r.format_version.as_deref(),
                terraform_version: r.terraform_version.as_deref(),
                notes: &r.notes,
            })
            .collect(),
        summary: Summary::of(findings.iter().copied()),
        findings: findings.into_iter().map(finding).collect(),
        instances: reports.iter().flat_map(|r| r.instances.iter().map(move |i| instance(r, i))).collect(),
        suppressed: reports
            .iter()
            .flat_map(|r| r.suppressed.iter().map(|(f, suppression)| Suppressed { finding: finding(f), suppression }))
            .collect(),
    };
    serde_json::to_string_pretty(&out).expect("report serialises") + "\n"
}
