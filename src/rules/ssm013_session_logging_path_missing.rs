//! SSM013 session-logging-path-missing: Session Manager preferences log sessions to S3 or
//! CloudWatch Logs, or encrypt them with KMS, and the instance cannot reach that service —
//! sessions then fail to start.
//! <https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-logging.html>

use super::helpers::and_list;
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::logging::{LoggingVia, logging_path};
use crate::reach::{Certainty, Tri, explain};

declare_rule!(SessionLoggingPathMissing {
    id: "SSM013",
    name: "session-logging-path-missing",
    severity: Error,
    category: Reachability,
    summary: "Session Manager preferences log to S3 / CloudWatch Logs or encrypt with KMS, and the instance has no path to s3, logs or kms",
});

#[derive(Debug)]
struct NoLoggingPath {
    preferences: NodeId,
    instance: NodeId,
    needs: Vec<Service>,
    missing: Vec<(Service, LoggingVia)>,
}

impl Message for NoLoggingPath {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let what: Vec<String> = self
            .missing
            .iter()
            .map(|(s, via)| {
                let how = match via {
                    LoggingVia::GatewayEndpoint(e) => format!("the S3 gateway endpoint {}", net.describe(*e)),
                    LoggingVia::InterfaceEndpoint(e) => format!("the interface endpoint {}", net.describe(*e)),
                    LoggingVia::Internet(Some(hop)) => explain::detail(net, hop),
                    LoggingVia::Internet(None) => "the internet".into(),
                    LoggingVia::Unplaced => String::new(),
                };
                if how.is_empty() { s.name().to_string() } else { format!("{} ({how})", s.name()) }
            })
            .collect();
        format!(
            "{} makes Session Manager {}, but {} has no path to {}: its sessions fail or go unlogged",
            net.describe(self.preferences),
            describe(&self.needs),
            net.describe(self.instance),
            what.join(", ")
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "add endpoints for the logging services (an S3 gateway endpoint on the instance subnet's route table; interface endpoints with private DNS for logs and kms), or a NAT path".into()
    }
}

impl Rule for SessionLoggingPathMissing {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut out = Vec::new();
        for prefs in &ctx.net.session_preferences {
            for inst in ctx.instances {
                // An instance Session Manager cannot reach at all has bigger problems.
                let unreachable = inst
                    .services
                    .iter()
                    .filter(|s| matches!(s.service, Service::Ssm | Service::Ssmmessages))
                    .any(|s| s.outcome == Tri::No);
                if unreachable {
                    continue;
                }
                let c = &ctx.net.compute[inst.compute];
                let candidates = ctx.net.link(c.placement.subnets).slots.iter().any(|s| s.options().len() > 1);
                let mut missing = Vec::new();
                let mut certainty = Certainty::Definite;
                for s in &prefs.needs {
                    let (t, via) = logging_path(ctx.net, inst, c, *s);
                    match t {
                        Tri::No => missing.push((*s, via)),
                        // Maybe from candidate subnets (not from unknown values): possible.
                        Tri::Maybe if candidates => {
                            certainty = Certainty::Possible;
                            missing.push((*s, via));
                        }
                        _ => {}
                    }
                }
                if missing.is_empty() {
                    continue;
                }
                let payload = NoLoggingPath { preferences: prefs.node, instance: inst.node, needs: prefs.needs.clone(), missing };
                out.push(Finding::new(&META, inst.node, payload).certainty(certainty).related([prefs.node]));
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
    let logs = (!sinks.is_empty()).then(|| format!("log sessions to {}", and_list(&sinks).replace(", ", " and ")));
    let kms = services.contains(&Service::Kms);
    match (logs, kms) {
        (Some(l), true) => format!("{l} and encrypt them with KMS"),
        (Some(l), false) => l,
        (None, true) => "encrypt sessions with KMS".into(),
        (None, false) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    fn preferences() -> serde_json::Value {
        json!({
            "name": "SSM-SessionManagerRunShell",
            "document_type": "Session",
            "content": r#"{"schemaVersion":"1.0","inputs":{"s3BucketName":"logs"}}"#,
        })
    }

    #[test]
    fn fires_without_a_path_to_s3() {
        baseline().resource("aws_ssm_document.prefs", preferences()).check(|t| {
            let f = t.findings(&SessionLoggingPathMissing);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("log sessions to S3") && f[0].1.contains("no path to s3"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_with_an_s3_gateway_endpoint_on_the_route_table() {
        let route_table = json!({"vpc_id": crate::testkit::r("aws_vpc.main")});
        let association = json!({"subnet_id": crate::testkit::r("aws_subnet.a"), "route_table_id": crate::testkit::r("aws_route_table.private")});
        let gateway = json!({
            "vpc_id": crate::testkit::r("aws_vpc.main"),
            "service_name": "com.amazonaws.us-east-1.s3",
            "vpc_endpoint_type": "Gateway",
            "route_table_ids": crate::testkit::refs(&["aws_route_table.private"]),
        });
        baseline()
            .resource("aws_ssm_document.prefs", preferences())
            .resource("aws_route_table.private", route_table)
            .resource("aws_route_table_association.a", association)
            .resource("aws_vpc_endpoint.s3", gateway)
            .check(|t| assert!(t.findings(&SessionLoggingPathMissing).is_empty()));
    }
}
