//! `--format json`: the stable machine schema (SPEC.md, README "JSON output").

use serde::Serialize;

use crate::analysis::{FileReport, FindingReport, InstanceReport};
use crate::rules::Severity;

#[derive(Serialize)]
struct Output<'r> {
    tool: Tool,
    inputs: Vec<Input<'r>>,
    findings: Vec<&'r FindingReport>,
    instances: Vec<Instance<'r>>,
    summary: Summary,
    /// Findings that inline ignores, waivers or the baseline suppress, with why (an
    /// extension of the SPEC schema).
    suppressed: Vec<Suppressed<'r>>,
}

#[derive(Serialize)]
struct Suppressed<'r> {
    #[serde(flatten)]
    finding: &'r FindingReport,
    suppression: &'r crate::policy::Suppression,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Input<'r> {
    path: &'r str,
    kind: crate::plan::DocumentKind,
    format_version: Option<&'r str>,
    terraform_version: Option<&'r str>,
    /// What the user should know about this input: unusable `.tf` files, duplicate
    /// addresses, expired waivers (an extension of the SPEC schema; absent when none).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'r [String],
}

#[derive(Serialize)]
struct Instance<'r> {
    resource: &'r str,
    input: &'r str,
    vpc: &'r [String],
    subnets: &'r [String],
    security_groups: &'r [String],
    services: &'r std::collections::BTreeMap<&'static str, crate::analysis::ServiceReport>,
    verdict: crate::reach::Verdict,
    /// How each link was resolved (an extension of the SPEC schema).
    links: Links<'r>,
}

#[derive(Serialize)]
struct Links<'r> {
    vpc: &'r crate::analysis::LinkReport,
    subnets: &'r crate::analysis::LinkReport,
    security_groups: &'r crate::analysis::LinkReport,
    instance_profile: &'r crate::analysis::LinkReport,
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

fn instance<'r>(r: &'r FileReport, i: &'r InstanceReport) -> Instance<'r> {
    Instance {
        resource: &i.resource,
        input: &r.path,
        vpc: &i.vpc.targets,
        subnets: &i.subnets.targets,
        security_groups: &i.security_groups.targets,
        services: &i.services,
        verdict: i.verdict,
        links: Links {
            vpc: &i.vpc,
            subnets: &i.subnets,
            security_groups: &i.security_groups,
            instance_profile: &i.instance_profile,
        },
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
        findings,
        instances: reports.iter().flat_map(|r| r.instances.iter().map(move |i| instance(r, i))).collect(),
        suppressed: reports
            .iter()
            .flat_map(|r| r.suppressed.iter().map(|(finding, suppression)| Suppressed { finding, suppression }))
            .collect(),
    };
    serde_json::to_string_pretty(&out).expect("report serialises") + "\n"
}
