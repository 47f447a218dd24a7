//! SSM008 endpoint-region-mismatch: an endpoint's `service_name` names another region than
//! the provider that creates it, so it never answers the agent in that region.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::Network;
use crate::network::graph::NodeId;
use crate::reach::Code;

declare_rule!(EndpointRegionMismatch {
    id: "SSM008",
    name: "endpoint-region-mismatch",
    severity: Error,
    category: Reachability,
    summary: "the endpoint's service_name names another region than the provider's",
});

#[derive(Debug)]
struct RegionMismatch {
    endpoint: NodeId,
    service: String,
    named: String,
    provider: String,
}

impl Message for RegionMismatch {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let (have, want, service) = (&self.named, &self.provider, &self.service);
        format!(
            "{} names service com.amazonaws.{have}.{service}, but its provider creates it in {want}; an endpoint only serves its own region, so the agent never reaches {service} through it",
            net.describe(self.endpoint)
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        let (want, service) = (&self.provider, &self.service);
        format!("set service_name = \"com.amazonaws.{want}.{service}\" (e.g. \"com.amazonaws.${{data.aws_region.current.name}}.{service}\")")
    }
}

impl Rule for EndpointRegionMismatch {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        ctx.net
            .endpoints
            .iter()
            .filter_map(|e| {
                let (Some(have), Some(want), Some(service)) = (&e.service_region, &e.region, e.service) else { return None };
                if have == want {
                    return None;
                }
                let payload = RegionMismatch {
                    endpoint: e.node,
                    service: service.name().to_string(),
                    named: have.clone(),
                    provider: want.clone(),
                };
                Some(Finding::new(&META, e.node, payload).code(Code::EndpointRegionMismatch))
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
    fn fires_for_another_region() {
        baseline().set("aws_vpc_endpoint.ssm", "service_name", json!("com.amazonaws.us-west-2.ssm")).check(|t| {
            let f = t.findings(&EndpointRegionMismatch);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("its provider creates it in us-east-1"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_in_the_provider_region() {
        baseline().check(|t| assert!(t.findings(&EndpointRegionMismatch).is_empty()));
    }
}
