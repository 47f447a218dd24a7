//! SSM013 session-logging-path-missing: Session Manager preferences log sessions to S3 or
//! CloudWatch Logs, or encrypt them with KMS, and the instance cannot reach that service —
//! sessions then fail to start.
//! <https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-logging.html>

use serde_json::Value;

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::model::{Attr, Kind, Resource};
use crate::reach::{Certainty, Service, Tri};
use crate::resolve::Target;

pub struct SessionLoggingPathMissing;

static META: RuleMeta = RuleMeta {
    id: "SSM013",
    name: "session-logging-path-missing",
    severity: Severity::Error,
    summary: "Session Manager preferences log to S3 / CloudWatch Logs or encrypt with KMS, and the instance has no path to s3, logs or kms",
    doc: include_str!("../../rules/SSM013.md"),
};

/// The document Session Manager reads its preferences from.
const PREFERENCES: &str = "SSM-SessionManagerRunShell";

/// Which services the preferences need: from the content when it is known, else from what
/// the content expression refers to.
fn needs(doc: &Resource<'_>) -> Vec<Service> {
    let mut out = Vec::new();
    match doc.attr_str("content") {
        Attr::Known(text) => {
            let inputs = serde_json::from_str::<Value>(&text).ok().and_then(|v| v.get("inputs").cloned());
            let set = |key: &str| -> bool {
                match &inputs {
                    Some(i) => i.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
                    // YAML preferences: look for a non-empty `key: value` line.
                    None => text.lines().any(|l| {
                        l.trim()
                            .strip_prefix(key)
                            .and_then(|r| r.trim_start().strip_prefix(':'))
                            .is_some_and(|v| !v.trim().trim_matches(['"', '\'']).is_empty())
                    }),
                }
            };
            if set("s3BucketName") {
                out.push(Service::S3);
            }
            if set("cloudWatchLogGroupName") {
                out.push(Service::Logs);
            }
            if set("kmsKeyId") {
                out.push(Service::Kms);
            }
        }
        _ => {
            let refs: Vec<String> = doc
                .expressions()
                .and_then(|e| e.expr("content"))
                .map(|e| e.references().iter().map(|r| r.to_string()).collect())
                .unwrap_or_default();
            let mentions = |prefixes: &[&str]| refs.iter().any(|r| prefixes.iter().any(|p| r.contains(p)));
            if mentions(&["aws_s3_bucket"]) {
                out.push(Service::S3);
            }
            if mentions(&["aws_cloudwatch_log_group"]) {
                out.push(Service::Logs);
            }
            if mentions(&["aws_kms_key", "aws_kms_alias"]) {
                out.push(Service::Kms);
            }
        }
    }
    out
}

impl Rule for SessionLoggingPathMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let docs: Vec<&Resource<'_>> = ctx
            .net
            .model
            .resources
            .iter()
            .filter(|r| r.kind == Kind::SsmDocument && !r.is_data())
            .filter(|r| r.attr_str("document_type").value().is_some_and(|t| t == "Session"))
            .filter(|r| r.attr_str("name").value().is_some_and(|n| n == PREFERENCES))
            .collect();
        let mut out = Vec::new();
        for doc in docs {
            let services = needs(doc);
            for inst in ctx.instances {
                // An instance Session Manager cannot reach at all has bigger problems.
                if inst
                    .services
                    .iter()
                    .filter(|s| matches!(s.service, Service::Ssm | Service::Ssmmessages))
                    .any(|s| s.outcome == Tri::No)
                {
                    continue;
                }
                let mut missing = Vec::new();
                let mut certainty = Certainty::Definite;
                for s in &services {
                    let (t, how) = ctx.reach.logging_path(inst, *s);
                    match t {
                        Tri::No => missing.push((*s, how)),
                        // Maybe from candidate subnets (not from unknown values): possible.
                        Tri::Maybe if inst.view.subnets.slots.iter().any(|sl| sl.options.len() > 1) => {
                            certainty = Certainty::Possible;
                            missing.push((*s, how));
                        }
                        _ => {}
                    }
                }
                if missing.is_empty() {
                    continue;
                }
                let name = ctx.net.model.resources[inst.res].address();
                let what: Vec<String> = missing
                    .iter()
                    .map(|(s, how)| if how.is_empty() { s.name().to_string() } else { format!("{} ({how})", s.name()) })
                    .collect();
                out.push(
                    Finding::new(
                        &META,
                        inst.res,
                        format!(
                            "{} makes Session Manager {}, but {name} has no path to {}: its sessions fail or go unlogged",
                            doc.address(),
                            describe(&services),
                            what.join(", ")
                        ),
                        "add endpoints for the logging services (an S3 gateway endpoint on the instance subnet's route table; interface endpoints with private DNS for logs and kms), or a NAT path".into(),
                    )
                    .certainty(certainty)
                    .related([Target::Resource(doc.id)]),
                );
            }
        }
        out
    }
}

/// `log sessions to S3 and CloudWatch Logs and encrypt them with KMS`.
fn describe(services: &[Service]) -> String {
    let sinks: Vec<&str> = services
        .iter()
        .filter_map(|s| match s {
            Service::S3 => Some("S3"),
            Service::Logs => Some("CloudWatch Logs"),
            _ => None,
        })
        .collect();
    let logs = (!sinks.is_empty()).then(|| format!("log sessions to {}", sinks.join(" and ")));
    let kms = services.contains(&Service::Kms);
    match (logs, kms) {
        (Some(l), true) => format!("{l} and encrypt them with KMS"),
        (Some(l), false) => l,
        (None, true) => "encrypt sessions with KMS".into(),
        (None, false) => String::new(),
    }
}
