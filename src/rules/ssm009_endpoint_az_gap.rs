//! SSM009 endpoint-az-gap: the endpoint an instance uses has no subnet in the instance's
//! availability zone. It works, but traffic crosses zones and fails with that zone.

use super::ssm003_endpoint_private_dns_disabled::dedup;
use super::{Finding, Rule, RuleContext, RuleMeta, Severity, service_list};
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
        let mut out = Vec::new();
        for inst in ctx.instances {
            let mut gaps: Vec<(crate::reach::Service, usize, String)> = Vec::new();
            for s in inst.services.iter().filter(|s| s.outcome == Tri::Yes && s.path.via == Via::Endpoint) {
                let Some(e) = s.path.endpoint else { continue };
                // Every candidate location must have a zone the endpoint lacks.
                let mut all_gap = !s.all.is_empty();
                let mut zone = String::new();
                for (subnet, _) in &s.all {
                    let az = ctx.reach.location(subnet).az;
                    let view = ctx.net.endpoint_view(&ctx.net.model.resources[e]);
                    let zones: Vec<Option<String>> =
                        view.subnets.targets().iter().map(|t| ctx.reach.location(t).az).collect();
                    match az {
                        Some(az)
                            if !zones.is_empty()
                                && zones.iter().all(Option::is_some)
                                && !zones.iter().flatten().any(|z| *z == az) =>
                        {
                            zone = az
                        }
                        _ => all_gap = false,
                    }
                }
                if all_gap {
                    gaps.push((s.service, e, zone));
                }
            }
            if gaps.is_empty() {
                continue;
            }
            let name = ctx.net.model.resources[inst.res].address();
            let endpoints = dedup(gaps.iter().map(|g| ctx.net.model.resources[g.1].address().to_string()).collect());
            let services: Vec<_> = gaps.iter().map(|g| g.0).collect();
            out.push(
                Finding::new(
                    &META,
                    inst.res,
                    format!(
                        "{name} is in {} but {} {} no subnet there: {} traffic crosses availability zones and stops if the endpoint's zone fails",
                        gaps[0].2,
                        endpoints.join(", "),
                        if endpoints.len() > 1 { "have" } else { "has" },
                        service_list(&services)
                    ),
                    format!("add a subnet in {} to the endpoints' subnet_ids", gaps[0].2),
                )
                .related(gaps.iter().map(|g| Target::Resource(g.1))),
            );
        }
        out
    }
}
