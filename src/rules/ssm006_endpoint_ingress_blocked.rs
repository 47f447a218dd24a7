//! SSM006 endpoint-ingress-blocked: the interface endpoint's security groups do not admit
//! TCP 443 from the instance. An endpoint created without `security_group_ids` gets the
//! VPC's default group, which admits only its own members.

use std::collections::BTreeMap;

use super::helpers::{dedup, overall, service_list};
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::{LinkId, NodeId};
use crate::network::{Network, Service};
use crate::reach::{Certainty, Code, Hop, Tri, explain};

declare_rule!(EndpointIngressBlocked {
    id: "SSM006",
    name: "endpoint-ingress-blocked",
    severity: Error,
    category: Reachability,
    summary: "the endpoint's security groups do not admit TCP 443 from the instance",
});

#[derive(Debug)]
struct IngressBlocked {
    endpoint: NodeId,
    groups: LinkId,
    /// The endpoint has no `security_group_ids`: the VPC's default group guards it.
    default_group: bool,
    instances: Vec<NodeId>,
    services: Vec<Service>,
    hop: Hop,
}

impl Message for IngressBlocked {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let note = if self.default_group {
            " (it sets no security_group_ids, so it gets the VPC's default group, which admits only its own members)"
        } else {
            ""
        };
        let instances: Vec<String> = self.instances.iter().map(|i| net.describe(*i)).collect();
        format!(
            "{} does not admit TCP 443 from {}: no ingress rule of {}{note} allows it, so {} {} unreachable",
            net.describe(self.endpoint),
            instances.join(", "),
            net.names(self.groups),
            service_list(&self.services),
            if self.services.len() > 1 { "are" } else { "is" }
        )
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        explain::fix(net, &self.hop).unwrap_or_default()
    }
}

impl Rule for EndpointIngressBlocked {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut by_endpoint: BTreeMap<NodeId, Vec<(NodeId, Service, Certainty, Hop)>> = BTreeMap::new();
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome != Tri::Yes) {
                let Some(e) = s.path.endpoint else { continue };
                if let Some((hop, c)) = s.blockers().find(|(h, _)| h.code() == Some(Code::EndpointSgIngressMismatch)) {
                    by_endpoint.entry(e).or_default().push((inst.node, s.service, *c, hop.clone()));
                }
            }
        }
        by_endpoint
            .into_iter()
            .filter_map(|(endpoint, hits)| {
                let e = ctx.net.endpoint(endpoint)?;
                let payload = IngressBlocked {
                    endpoint,
                    groups: e.groups,
                    default_group: ctx.net.link(e.groups).unset,
                    instances: dedup(hits.iter().map(|h| h.0)),
                    services: dedup(hits.iter().map(|h| h.1)),
                    hop: hits[0].3.clone(),
                };
                Some(
                    Finding::new(&META, endpoint, payload)
                        .certainty(overall(hits.iter().map(|h| h.2)))
                        .related(ctx.net.link(e.groups).targets().into_iter().copied())
                        .related(hits.iter().map(|h| h.0))
                        .hop(hits[0].3.clone()),
                )
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
    fn fires_when_the_endpoint_group_admits_another_range() {
        let ingress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["192.168.0.0/16"]}]);
        baseline().set("aws_security_group.endpoints", "ingress", ingress).check(|t| {
            let f = t.flagged(&EndpointIngressBlocked);
            assert_eq!(f, ["aws_vpc_endpoint.ec2messages", "aws_vpc_endpoint.ssm", "aws_vpc_endpoint.ssmmessages"]);
        });
    }

    #[test]
    fn fires_for_an_endpoint_on_the_vpc_default_group() {
        let egress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]}]);
        let plan = baseline().set("aws_security_group.app", "egress", egress);
        plan.without("aws_vpc_endpoint.ssm", Some("security_group_ids")).check(|t| {
            let f = t.findings(&EndpointIngressBlocked);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("gets the VPC's default group"), "{}", f[0].1);
        });
    }

    #[test]
    fn fires_alongside_a_blocked_instance_egress() {
        // Both ends block: fixing the instance's group alone would not open the path.
        let ingress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["192.168.0.0/16"]}]);
        let plan = baseline().set("aws_security_group.endpoints", "ingress", ingress).set("aws_security_group.app", "egress", json!([]));
        plan.check(|t| {
            assert_eq!(t.flagged(&EndpointIngressBlocked).len(), 3);
            let s = &t.instance("aws_instance.app").services[0];
            assert_eq!(s.blocked.as_ref().and_then(|(h, _)| h.code()), Some(Code::SgNoEgressRules));
            assert_eq!(s.also_blocked.len(), 1);
        });
    }

    #[test]
    fn silent_when_the_path_itself_is_missing() {
        // No endpoint with private DNS and no route out: the route is the problem, not the
        // groups of endpoints the instance does not use.
        let ingress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["192.168.0.0/16"]}]);
        let plan = baseline().set("aws_security_group.endpoints", "ingress", ingress);
        let plan = ["ssm", "ssmmessages", "ec2messages"]
            .iter()
            .fold(plan, |p, s| p.set(&format!("aws_vpc_endpoint.{s}"), "private_dns_enabled", json!(false)));
        plan.check(|t| assert!(t.findings(&EndpointIngressBlocked).is_empty()));
    }

    #[test]
    fn silent_when_443_is_admitted_from_the_vpc() {
        baseline().check(|t| assert!(t.findings(&EndpointIngressBlocked).is_empty()));
    }
}
