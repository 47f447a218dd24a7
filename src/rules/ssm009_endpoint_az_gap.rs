//! SSM009 endpoint-az-gap: an endpoint that instances use has no subnet in their
//! availability zone. It works, but traffic crosses zones and fails with the endpoint's zone.
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/interface-endpoints.html>

use std::collections::BTreeMap;

use super::ssm003_endpoint_private_dns_disabled::dedup;
use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::model::ResId;
use crate::reach::{Tri, Via};
use crate::resolve::Target;

pub struct EndpointAzGap;

static META: RuleMeta = RuleMeta {
    id: "SSM009",
    name: "endpoint-az-gap",
    severity: Severity::Warning,
    summary: "the endpoint has no subnet in the instance's availability zone (works, but cross-AZ and not zone-resilient)",
    doc: include_str!("../../rules/SSM009.md"),
};

impl Rule for EndpointAzGap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        // endpoint -> (instance, zone) pairs where every candidate location lacks the zone.
        let mut gaps: BTreeMap<ResId, Vec<(ResId, String)>> = BTreeMap::new();
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome == Tri::Yes && s.path.via == Via::Endpoint) {
                let Some(e) = s.path.endpoint else { continue };
                let view = ctx.net.endpoint_view(&ctx.net.model.resources[e]);
                let zones: Vec<Option<String>> =
                    view.subnets.targets().iter().map(|t| ctx.reach.location(t).az).collect();
                if zones.is_empty() || zones.iter().any(Option::is_none) {
                    continue;
                }
                // A zone the endpoint lacks, in a slot whose every candidate is there (for an
                // autoscaling group each subnet is its own slot).
                let lacking = |subnet: &Target| {
                    ctx.reach.location(subnet).az.filter(|az| !zones.iter().flatten().any(|z| z == az))
                };
                let slots = s.all.iter().map(|l| l.slot).max().map_or(0, |m| m + 1);
                let gap = (0..slots).find_map(|slot| {
                    let missing: Vec<Option<String>> =
                        s.all.iter().filter(|l| l.slot == slot).map(|l| lacking(&l.subnet)).collect();
                    (!missing.is_empty() && missing.iter().all(Option::is_some))
                        .then(|| missing[0].clone().expect("checked"))
                });
                if let Some(zone) = gap {
                    let entry = gaps.entry(e).or_default();
                    if !entry.iter().any(|(i, _)| *i == inst.res) {
                        entry.push((inst.res, zone));
                    }
                }
            }
        }
        gaps.into_iter()
            .map(|(e, hits)| {
                let name = ctx.net.model.resources[e].address();
                let zones = dedup(hits.iter().map(|h| h.1.clone()).collect());
                let instances = dedup(hits.iter().map(|h| ctx.net.model.resources[h.0].address().to_string()).collect());
                Finding::new(
                    &META,
                    e,
                    format!(
                        "{name} has no subnet in {}, where {} {}: the traffic crosses availability zones and stops if the endpoint's zone fails",
                        zones.join(" and "),
                        instances.join(", "),
                        if instances.len() > 1 { "run" } else { "runs" }
                    ),
                    format!("add a subnet in {} to subnet_ids of {name}", zones.join(" and ")),
                )
                .related(hits.iter().map(|h| Target::Resource(h.0)))
            })
            .collect()
    }
}
