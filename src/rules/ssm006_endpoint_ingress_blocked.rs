//! SSM006 endpoint-ingress-blocked: the interface endpoint's security groups do not admit
//! TCP 443 from the instance. An endpoint created without `security_group_ids` gets the
//! VPC's default group, which admits only its own members.

use std::collections::BTreeMap;

use super::ssm003_endpoint_private_dns_disabled::dedup;
use super::{Finding, Rule, RuleContext, RuleMeta, Severity, overall, service_list};
use crate::model::ResId;
use crate::reach::{Certainty, Code, Service, Tri};
use crate::resolve::Target;

pub struct EndpointIngressBlocked;

static META: RuleMeta = RuleMeta {
    id: "SSM006",
    name: "endpoint-ingress-blocked",
    severity: Severity::Error,
    summary: "the endpoint's security groups do not admit TCP 443 from the instance",
    doc: include_str!("../../rules/SSM006.md"),
};

/// An instance's service blocked at an endpoint's groups: (instance, service, certainty, fix).
type Hit = (ResId, Service, Certainty, Option<String>);

impl Rule for EndpointIngressBlocked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let mut by_endpoint: BTreeMap<ResId, Vec<Hit>> = BTreeMap::new();
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome != Tri::Yes) {
                let (Some((hop, c)), Some(e)) = (&s.blocked, s.path.endpoint) else { continue };
                if hop.code == Some(Code::EndpointSgIngressMismatch) {
                    by_endpoint.entry(e).or_default().push((inst.res, s.service, *c, hop.fix.clone()));
                }
            }
        }
        by_endpoint
            .into_iter()
            .map(|(e, hits)| {
                let name = ctx.net.model.resources[e].address();
                let view = ctx.net.endpoint_view(&ctx.net.model.resources[e]);
                let groups = ctx.reach.names(&view.security_groups);
                let default_note = if view.security_groups.unset {
                    " (it sets no security_group_ids, so it gets the VPC's default group, which admits only its own members)"
                } else {
                    ""
                };
                let instances: Vec<String> = dedup(hits.iter().map(|h| ctx.net.model.resources[h.0].address().to_string()).collect());
                let services = dedup(hits.iter().map(|h| h.1).collect::<Vec<_>>());
                Finding::new(
                    &META,
                    e,
                    format!(
                        "{name} does not admit TCP 443 from {}: no ingress rule of {groups}{default_note} allows it, so {} {} unreachable",
                        instances.join(", "),
                        service_list(&services),
                        if services.len() > 1 { "are" } else { "is" }
                    ),
                    hits[0].3.clone().unwrap_or_default(),
                )
                .certainty(overall(hits.iter().map(|h| h.2)))
                .related(view.security_groups.targets().into_iter().cloned())
                .related(hits.iter().map(|h| Target::Resource(h.0)))
                .code(Code::EndpointSgIngressMismatch)
            })
            .collect()
    }
}
