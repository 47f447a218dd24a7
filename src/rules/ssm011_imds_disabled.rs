//! SSM011 imds-disabled: `metadata_options.http_endpoint = "disabled"` — the agent reads the
//! instance role's credentials from the instance metadata service.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::Network;
use crate::network::graph::NodeId;
use crate::reach::{Code, Tri};

declare_rule!(ImdsDisabled {
    id: "SSM011",
    name: "imds-disabled",
    severity: Error,
    category: Reachability,
    summary: "metadata_options.http_endpoint = \"disabled\": the agent cannot get credentials",
});

#[derive(Debug)]
struct MetadataOff {
    instance: NodeId,
    /// The resource that disables it (the instance or its launch template).
    holder: NodeId,
}

impl Message for MetadataOff {
    fn message(&self, net: &Network<'_, '_>) -> String {
        format!(
            "{} sets metadata_options.http_endpoint = \"disabled\": SSM Agent gets the instance role's credentials from the metadata service, so {} cannot register",
            net.describe(self.holder),
            net.describe(self.instance)
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "set metadata_options { http_endpoint = \"enabled\" } (keep http_tokens = \"required\" for IMDSv2)".into()
    }
}

impl Rule for ImdsDisabled {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        ctx.instances
            .iter()
            .filter(|i| i.imds.outcome == Tri::No)
            .map(|inst| {
                let holder = inst.imds.holder.unwrap_or(inst.node);
                Finding::new(&META, inst.node, MetadataOff { instance: inst.node, holder })
                    .related([holder])
                    .code(Code::ImdsDisabled)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_when_the_metadata_service_is_disabled() {
        baseline().set("aws_instance.app", "metadata_options", json!([{"http_endpoint": "disabled"}])).check(|t| {
            assert_eq!(t.flagged(&ImdsDisabled), ["aws_instance.app"]);
        });
    }

    #[test]
    fn silent_when_enabled() {
        baseline()
            .set("aws_instance.app", "metadata_options", json!([{"http_endpoint": "enabled", "http_tokens": "required"}]))
            .check(|t| assert!(t.findings(&ImdsDisabled).is_empty()));
    }
}
