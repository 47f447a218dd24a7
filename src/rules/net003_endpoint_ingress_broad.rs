//! NET003 endpoint-ingress-broad: a security group of an interface endpoint admits more than
//! TCP 443, or admits it from `0.0.0.0/0`. Endpoints only ever need HTTPS from inside.

use std::collections::BTreeMap;

use super::helpers::names;
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::routing::Membership;
use crate::network::traffic::{Direction, Protocol};
use crate::network::Network;

declare_rule!(EndpointIngressBroad {
    id: "NET003",
    name: "endpoint-ingress-broad",
    severity: Warning,
    category: Hygiene,
    summary: "an endpoint security group admits more than TCP 443, or admits it from 0.0.0.0/0",
});

#[derive(Debug)]
struct BroadIngress {
    group: NodeId,
    endpoints: Vec<NodeId>,
    what: String,
}

impl Message for BroadIngress {
    fn message(&self, net: &Network<'_, '_>) -> String {
        format!(
            "{}, the security group of {}, admits {}; an interface endpoint needs only TCP 443 from the instances",
            net.describe(self.group),
            names(net, &self.endpoints),
            self.what
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "admit only TCP 443, from the instances' security group or the VPC CIDR".into()
    }
}

impl Rule for EndpointIngressBroad {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        // Security groups of interface endpoints, with the endpoints that use them.
        let mut endpoint_groups: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
        for e in ctx.net.endpoints.iter().filter(|e| e.is_interface()) {
            for g in ctx.net.link(e.groups).targets() {
                endpoint_groups.entry(*g).or_default().push(e.node);
            }
        }
        let mut out = Vec::new();
        for (group, endpoints) in &endpoint_groups {
            let Some(g) = ctx.net.groups.get(group) else { continue };
            for rule in g.rules.iter().filter(|r| r.direction == Direction::Ingress && r.membership == Membership::Definite) {
                let Some(declared_by) = rule.declared_by else { continue };
                let only_https = rule.protocol == Protocol::Tcp && rule.ports.is_some_and(|p| p.from == 443 && p.to == 443);
                let world: Vec<String> = rule.world_peers().iter().map(|c| c.to_string()).collect();
                if only_https && world.is_empty() {
                    continue;
                }
                let what = if only_https { format!("TCP 443 from {}", world.join(" and ")) } else { rule.describe() };
                let payload = BroadIngress { group: *group, endpoints: endpoints.clone(), what };
                out.push(Finding::new(&META, declared_by, payload).related(std::iter::once(*group).chain(endpoints.iter().copied())));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_when_the_endpoint_group_admits_all_traffic() {
        let ingress = json!([{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.0.0.0/16"]}]);
        baseline().set("aws_security_group.endpoints", "ingress", ingress).check(|t| {
            let f = t.findings(&EndpointIngressBroad);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("admits all traffic"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_when_only_443_from_the_vpc() {
        baseline().check(|t| assert!(t.findings(&EndpointIngressBroad).is_empty()));
    }
}
