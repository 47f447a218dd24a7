//! SSM007 nacl-blocks-https: a network ACL on the instance's or the endpoint's subnet (or a
//! NAT gateway's) blocks TCP 443 or its return traffic. NACLs are stateless: the reply on
//! ephemeral ports 1024-65535 must be allowed too.

use std::collections::BTreeMap;

use super::helpers::{dedup, overall, service_list};
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::{Certainty, Code, Hop, HopData, Tri, explain};

declare_rule!(NaclBlocksHttps {
    id: "SSM007",
    name: "nacl-blocks-https",
    severity: Error,
    category: Reachability,
    summary: "a NACL on the instance or endpoint subnet blocks 443 or its ephemeral return",
});

/// An instance's service that an ACL blocks: (instance, service, certainty, the hop).
type Blocked = (NodeId, Service, Certainty, Hop);

#[derive(Debug)]
struct AclBlocks {
    instances: Vec<NodeId>,
    services: Vec<Service>,
    hop: Hop,
}

impl Message for AclBlocks {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let instances: Vec<String> = self.instances.iter().map(|i| net.describe(*i)).collect();
        format!(
            "{}; {} cannot reach {} through it",
            explain::detail(net, &self.hop),
            instances.join(", "),
            service_list(&self.services)
        )
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        explain::fix(net, &self.hop).unwrap_or_default()
    }
}

impl Rule for NaclBlocksHttps {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        // Keyed by the ACL, then the subnet.
        let mut by_acl: BTreeMap<(NodeId, NodeId), Vec<Blocked>> = BTreeMap::new();
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome != Tri::Yes) {
                for (hop, c) in s.blockers().filter(|(h, _)| h.code() == Some(Code::SubnetAclRestriction)) {
                    let HopData::Acl { block: Some(b), .. } = &hop.data else { continue };
                    by_acl.entry((b.acl, b.subnet)).or_default().push((inst.node, s.service, *c, hop.clone()));
                }
            }
        }
        by_acl
            .into_iter()
            .map(|((acl, subnet), hits)| {
                // The fix goes on the ACL resource; an implicit default ACL: on the subnet.
                let is_resource = |n: NodeId| ctx.net.resource(n).is_some();
                let primary = [acl, subnet].into_iter().find(|n| is_resource(*n)).unwrap_or(hits[0].0);
                let payload = AclBlocks {
                    instances: dedup(hits.iter().map(|h| h.0)),
                    services: dedup(hits.iter().map(|h| h.1)),
                    hop: hits[0].3.clone(),
                };
                Finding::new(&META, primary, payload)
                    .certainty(overall(hits.iter().map(|h| h.2)))
                    .related([acl, subnet])
                    .related(hits.iter().map(|h| h.0))
                    .hop(hits[0].3.clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    fn acl(ephemeral: bool) -> serde_json::Value {
        let mut ingress = vec![json!({"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_block": "10.0.0.0/16"})];
        if ephemeral {
            ingress.push(json!({"rule_no": 110, "action": "allow", "protocol": "tcp", "from_port": 1024, "to_port": 65535, "cidr_block": "10.0.0.0/16"}));
        }
        json!({
            "vpc_id": crate::testkit::r("aws_vpc.main"),
            "subnet_ids": crate::testkit::refs(&["aws_subnet.a"]),
            "ingress": ingress,
            "egress": [{"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "0.0.0.0/0"}],
        })
    }

    /// The baseline with the endpoints in subnet b only: the instance's traffic crosses the
    /// ACL of subnet a both ways.
    fn across_subnets() -> crate::testkit::Plan {
        let only_b = crate::testkit::refs(&["aws_subnet.b"]);
        ["ssm", "ssmmessages", "ec2messages"]
            .iter()
            .fold(baseline(), |p, s| p.set(&format!("aws_vpc_endpoint.{s}"), "subnet_ids", only_b.clone()))
    }

    #[test]
    fn fires_without_the_ephemeral_return() {
        across_subnets().resource("aws_network_acl.a", acl(false)).check(|t| {
            let f = t.findings(&NaclBlocksHttps);
            assert_eq!(f.len(), 1, "{f:?}");
            assert_eq!(f[0].0, "aws_network_acl.a");
            assert_eq!(f[0].2, crate::reach::Certainty::Definite);
            assert!(f[0].1.contains("does not pass the return traffic on TCP 1024-65535"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_with_the_ephemeral_return() {
        across_subnets().resource("aws_network_acl.a", acl(true)).check(|t| assert!(t.findings(&NaclBlocksHttps).is_empty()));
    }
}
