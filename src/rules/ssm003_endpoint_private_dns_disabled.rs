//! SSM003 endpoint-private-dns-disabled: an interface endpoint the instance depends on has
//! private DNS off and no private hosted zone stands in, so the agent resolves the public
//! endpoint — and has no other way there.

use std::collections::BTreeMap;

use super::{Finding, Rule, RuleContext, RuleMeta, Severity, overall, service_list};
use crate::model::ResId;
use crate::reach::{Certainty, Code, Service, Tri};
use crate::resolve::Target;

pub struct EndpointPrivateDnsDisabled;

static META: RuleMeta = RuleMeta {
    id: "SSM003",
    name: "endpoint-private-dns-disabled",
    severity: Severity::Error,
    summary: "an SSM endpoint the instance depends on has private_dns_enabled = false and no private hosted zone stands in",
    doc: include_str!("../../rules/SSM003.md"),
};

impl Rule for EndpointPrivateDnsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        bypassed_endpoints(ctx, Code::EndpointPrivateDnsDisabled)
            .into_iter()
            .map(|(endpoint, hits)| {
                let name = ctx.net.model.resources[endpoint].address();
                let services: Vec<Service> = dedup(hits.iter().map(|h| h.1).collect());
                let instances = hits.iter().map(|h| Target::Resource(h.0));
                let unset = !ctx.net.model.resources[endpoint].configures("private_dns_enabled");
                Finding::new(
                    &META,
                    endpoint,
                    format!(
                        "{name} has private_dns_enabled = false{}, so {} resolves to the public endpoint, which the instances cannot reach",
                        if unset { " (unset: the provider's default is false)" } else { "" },
                        service_list(&services)
                    ),
                    format!("set private_dns_enabled = true on {name} (and keep enable_dns_support and enable_dns_hostnames on the VPC)"),
                )
                .certainty(overall(hits.iter().map(|h| h.2)))
                .related(instances)
                .code(Code::EndpointPrivateDnsDisabled)
            })
            .collect()
    }
}

/// Endpoints that DNS bypasses for `code` while the service stays unreachable, with the
/// (instance, service, certainty) triples that depend on them.
pub(super) fn bypassed_endpoints(
    ctx: &RuleContext<'_, '_, '_, '_>,
    code: Code,
) -> BTreeMap<ResId, Vec<(ResId, Service, Certainty)>> {
    let mut by_endpoint: BTreeMap<ResId, Vec<(ResId, Service, Certainty)>> = BTreeMap::new();
    for inst in ctx.instances {
        for s in &inst.services {
            if s.outcome == Tri::Yes {
                continue;
            }
            let certainty = if s.outcome == Tri::No { Certainty::Definite } else { Certainty::Possible };
            for p in s.all.iter().map(|l| &l.path) {
                for (endpoint, c) in &p.bypassed {
                    if *c == code && p.outcome != Tri::Yes {
                        let entry = by_endpoint.entry(*endpoint).or_default();
                        if !entry.iter().any(|(i, sv, _)| *i == inst.res && *sv == s.service) {
                            entry.push((inst.res, s.service, certainty));
                        }
                    }
                }
            }
        }
    }
    by_endpoint
}

pub(super) fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}
