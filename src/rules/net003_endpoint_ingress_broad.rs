//! NET003 endpoint-ingress-broad: a security group of an interface endpoint admits more than
//! TCP 443, or admits it from `0.0.0.0/0`. Endpoints only ever need HTTPS from inside.

use std::collections::BTreeMap;

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::sg::Direction;
use crate::reach::traffic::Protocol;
use crate::resolve::Target;

pub struct EndpointIngressBroad;

static META: RuleMeta = RuleMeta {
    id: "NET003",
    name: "endpoint-ingress-broad",
    severity: Severity::Warning,
    summary: "an endpoint security group admits more than TCP 443, or admits it from 0.0.0.0/0",
    doc: include_str!("../../rules/NET003.md"),
};

impl Rule for EndpointIngressBroad {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        // Security groups of interface endpoints, with the endpoints that use them.
        let mut endpoint_groups: BTreeMap<Target, Vec<Target>> = BTreeMap::new();
        for e in ctx.reach.endpoints.iter().filter(|e| e.interface) {
            for g in e.view.security_groups.targets() {
                endpoint_groups.entry(g.clone()).or_default().push(Target::Resource(e.res));
            }
        }
        let mut out = Vec::new();
        for (group, endpoints) in &endpoint_groups {
            let rules = ctx.reach.sgs.rules(group);
            for rule in rules.rules.iter().filter(|r| r.direction == Direction::Ingress && r.definite) {
                let Some(declared_by) = rule.declared_by else { continue };
                let only_https =
                    rule.protocol == Protocol::Tcp && rule.ports.is_some_and(|p| p.from == 443 && p.to == 443);
                let world = rule.world_peers();
                if only_https && world.is_empty() {
                    continue;
                }
                let what = if only_https { format!("TCP 443 from {}", world.join(" and ")) } else { rule.describe() };
                out.push(
                    Finding::new(
                        &META,
                        declared_by,
                        format!(
                            "{}, the security group of {}, admits {what}; an interface endpoint needs only TCP 443 from the instances",
                            ctx.net.describe(group),
                            endpoints.iter().map(|e| ctx.net.name(e)).collect::<Vec<_>>().join(", ")
                        ),
                        "admit only TCP 443, from the instances' security group or the VPC CIDR".into(),
                    )
                    .related(std::iter::once(group.clone()).chain(endpoints.iter().cloned())),
                );
            }
        }
        out
    }
}
