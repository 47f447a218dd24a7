//! SSM009 endpoint-az-gap: an endpoint that instances use has no subnet in their
//! availability zone. It works, but traffic crosses zones and fails with the endpoint's zone.
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/interface-endpoints.html>

use std::collections::BTreeMap;

use super::helpers::dedup;
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::Network;
use crate::network::graph::NodeId;
use crate::reach::{Tri, Via};

declare_rule!(EndpointAzGap {
    id: "SSM009",
    name: "endpoint-az-gap",
    severity: Warning,
    category: Reachability,
    summary: "the endpoint has no subnet in the instance's availability zone (works, but cross-AZ and not zone-resilient)",
});

#[derive(Debug)]
struct AzGap {
    endpoint: NodeId,
    zones: Vec<String>,
    instances: Vec<NodeId>,
}

impl Message for AzGap {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let instances: Vec<String> = self.instances.iter().map(|i| net.describe(*i)).collect();
        format!(
            "{} has no subnet in {}, where {} {}: the traffic crosses availability zones and stops if the endpoint's zone fails",
            net.describe(self.endpoint),
            self.zones.join(" and "),
            instances.join(", "),
            if instances.len() > 1 { "run" } else { "runs" }
        )
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        format!("add a subnet in {} to subnet_ids of {}", self.zones.join(" and "), net.describe(self.endpoint))
    }
}

fn zone(net: &Network<'_, '_>, subnet: NodeId) -> Option<String> {
    net.subnets.get(&subnet).and_then(|s| s.az.value().cloned())
}

impl Rule for EndpointAzGap {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        // endpoint -> (instance, zone) pairs where every candidate location lacks the zone.
        let mut gaps: BTreeMap<NodeId, Vec<(NodeId, String)>> = BTreeMap::new();
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome == Tri::Yes && s.path.via == Via::Endpoint) {
                let Some(e) = s.path.endpoint.and_then(|e| ctx.net.endpoint(e)) else { continue };
                let zones: Vec<Option<String>> = ctx.net.link(e.subnets).targets().iter().map(|t| zone(ctx.net, **t)).collect();
                if zones.is_empty() || zones.iter().any(Option::is_none) {
                    continue;
                }
                // A zone the endpoint lacks, in a slot whose every candidate is there (for a
                // group each subnet is its own slot).
                let lacking = |subnet: NodeId| zone(ctx.net, subnet).filter(|az| !zones.iter().flatten().any(|z| z == az));
                let slots = s.all.iter().map(|l| l.slot).max().map_or(0, |m| m + 1);
                let gap = (0..slots).find_map(|slot| {
                    let missing: Vec<Option<String>> = s.all.iter().filter(|l| l.slot == slot).map(|l| lacking(l.subnet)).collect();
                    (!missing.is_empty() && missing.iter().all(Option::is_some)).then(|| missing[0].clone().unwrap_or_default())
                });
                if let Some(zone) = gap {
                    let entry = gaps.entry(e.node).or_default();
                    if !entry.iter().any(|(i, _)| *i == inst.node) {
                        entry.push((inst.node, zone));
                    }
                }
            }
        }
        gaps.into_iter()
            .map(|(endpoint, hits)| {
                let payload = AzGap {
                    endpoint,
                    zones: dedup(hits.iter().map(|h| h.1.clone())),
                    instances: dedup(hits.iter().map(|h| h.0)),
                };
                Finding::new(&META, endpoint, payload).related(hits.iter().map(|h| h.0))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_when_the_endpoints_lack_the_instance_zone() {
        let only_b = crate::testkit::refs(&["aws_subnet.b"]);
        let plan = ["ssm", "ssmmessages", "ec2messages"]
            .iter()
            .fold(baseline(), |p, s| p.set(&format!("aws_vpc_endpoint.{s}"), "subnet_ids", only_b.clone()));
        plan.check(|t| {
            let f = t.findings(&EndpointAzGap);
            assert_eq!(f.len(), 3);
            assert!(f[0].1.contains("has no subnet in us-east-1a"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_with_a_subnet_in_every_zone() {
        baseline().check(|t| assert!(t.findings(&EndpointAzGap).is_empty()));
    }
}
