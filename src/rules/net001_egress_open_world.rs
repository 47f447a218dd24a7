//! NET001 egress-open-world: a security group allows egress to `0.0.0.0/0` or `::/0`.
//! With interface endpoints, instances need TCP 443 only to the endpoints' security group.

use ipnet::IpNet;

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::routing::Membership;
use crate::network::traffic::Direction;
use crate::network::Network;

declare_rule!(EgressOpenWorld {
    id: "NET001",
    name: "egress-open-world",
    severity: Warning,
    category: Hygiene,
    summary: "a security group allows egress to 0.0.0.0/0 or ::/0",
});

#[derive(Debug)]
struct OpenEgress {
    group: NodeId,
    what: String,
    world: Vec<IpNet>,
}

impl Message for OpenEgress {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let world: Vec<String> = self.world.iter().map(|c| c.to_string()).collect();
        format!("{} allows egress of {} to {}", net.describe(self.group), self.what, world.join(" and "))
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "restrict egress to what the instances need: TCP 443 to the interface endpoints' security group (or to the VPC CIDR); add a tfreach:ignore[NET001] with a reason if the open egress is intended (for example a NAT path)".into()
    }
}

impl Rule for EgressOpenWorld {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut groups: Vec<(&NodeId, _)> = ctx.net.groups.iter().collect();
        groups.sort_by_key(|(n, _)| **n);
        let mut out = Vec::new();
        for (group, g) in groups {
            // `::/0` in a VPC without an IPv6 range reaches nothing.
            let ipv6 = g.vpc.and_then(|l| ctx.net.link(l).single().copied()).and_then(|v| ctx.net.vpcs.get(&v)).map(|v| v.ipv6);
            let inert_v6 = ipv6 == Some(crate::tri::Tri::No);
            for rule in g.rules.iter().filter(|r| r.direction == Direction::Egress && r.membership == Membership::Definite) {
                let mut world = rule.world_peers();
                if inert_v6 {
                    world.retain(|c| matches!(c, ipnet::IpNet::V4(_)));
                }
                let Some(declared_by) = rule.declared_by else { continue };
                if world.is_empty() || ctx.net.is_data(declared_by) {
                    continue;
                }
                out.push(
                    Finding::new(&META, declared_by, OpenEgress { group: *group, what: rule.describe(), world })
                        .related([*group]),
                );
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
    fn fires_on_egress_to_anywhere() {
        let egress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}]);
        baseline().set("aws_security_group.app", "egress", egress).check(|t| {
            let f = t.findings(&EgressOpenWorld);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].1, "aws_security_group.app allows egress of TCP 443 to 0.0.0.0/0");
        });
    }

    #[test]
    fn silent_on_ipv6_egress_in_a_vpc_without_ipv6() {
        let egress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv6_cidr_blocks": ["::/0"]}]);
        let plan = baseline().set("aws_security_group.app", "egress", egress);
        plan.check(|t| assert!(t.findings(&EgressOpenWorld).is_empty()));
        plan.set("aws_vpc.main", "assign_generated_ipv6_cidr_block", json!(true)).check(|t| {
            assert_eq!(t.findings(&EgressOpenWorld)[0].1, "aws_security_group.app allows egress of TCP 443 to ::/0");
        });
    }

    #[test]
    fn silent_on_egress_to_the_endpoints() {
        baseline().check(|t| assert!(t.findings(&EgressOpenWorld).is_empty()));
    }
}
