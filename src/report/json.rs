//! `--format json`: the stable machine schema.

use serde::Serialize;

use crate::analysis::{FileReport, LinkReport};

#[derive(Serialize)]
struct Output<'r> {
    tool: Tool,
    inputs: Vec<Input<'r>>,
    findings: Vec<serde_json::Value>,
    instances: Vec<Instance<'r>>,
    summary: Summary,
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
}

#[derive(Serialize)]
struct Instance<'r> {
    resource: &'r str,
    input: &'r str,
    vpc: &'r [String],
    subnets: &'r [String],
    security_groups: &'r [String],
    /// How each link was resolved (an extension of the SPEC schema).
    links: Links<'r>,
}

#[derive(Serialize)]
struct Links<'r> {
    vpc: &'r LinkReport,
    subnets: &'r LinkReport,
    security_groups: &'r LinkReport,
    instance_profile: &'r LinkReport,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
}

pub fn render(reports: &[FileReport]) -> String {
    let out = Output {
        tool: Tool { name: "tfreach", version: env!("CARGO_PKG_VERSION") },
        inputs: reports
            .iter()
            .map(|r| Input {
                path: &r.path,
                kind: r.kind,
                format_version: r.format_version.as_deref(),
                terraform_version: r.terraform_version.as_deref(),
            })
            .collect(),
        findings: Vec::new(),
        instances: reports
            .iter()
            .flat_map(|r| {
                r.instances.iter().map(move |i| Instance {
                    resource: &i.resource,
                    input: &r.path,
                    vpc: &i.vpc.targets,
                    subnets: &i.subnets.targets,
                    security_groups: &i.security_groups.targets,
                    links: Links {
                        vpc: &i.vpc,
                        subnets: &i.subnets,
                        security_groups: &i.security_groups,
                        instance_profile: &i.instance_profile,
                    },
                })
            })
            .collect(),
        summary: Summary { errors: 0, warnings: 0, notes: 0 },
    };
    serde_json::to_string_pretty(&out).expect("report serialises") + "\n"
}
