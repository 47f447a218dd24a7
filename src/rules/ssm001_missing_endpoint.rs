//! SSM001 missing-endpoint: no path to `ssm` or `ssmmessages` — no interface endpoint in the
//! instance's VPC and no route to the internet.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity, blocked_services, overall, service_list};
use crate::reach::{Code, Service};

pub struct MissingEndpoint;

static META: RuleMeta = RuleMeta {
    id: "SSM001",
    name: "missing-endpoint",
    severity: Severity::Error,
    summary: "no path to ssm or ssmmessages: no interface endpoint in the instance's VPC and no internet path",
    doc: include_str!("../../rules/SSM001.md"),
};

/// Route failures that leave an instance without any path when no endpoint serves it.
pub(super) const NO_ROUTE: &[Code] = &[Code::NoRouteToInternet, Code::IgwWithoutPublicIp, Code::NatWithoutInternet];

/// No endpoint in the VPC serves the instance's region for this service: none at all, or
/// only endpoints for another region (SSM008 explains those). Endpoints that DNS bypasses
/// for other reasons are SSM003's and SSM004's.
pub(super) fn serves_nothing(path: &crate::reach::PathResult) -> bool {
    path.bypassed.iter().all(|(_, code)| *code == Code::EndpointRegionMismatch)
}

impl Rule for MissingEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances {
            let blocked: Vec<_> = blocked_services(inst, &[Service::Ssm, Service::Ssmmessages], NO_ROUTE)
                .into_iter()
                .filter(|(s, _)| inst.service(*s).is_some_and(|r| serves_nothing(&r.path)))
                .collect();
            if blocked.is_empty() {
                continue;
            }
            let services: Vec<Service> = blocked.iter().map(|(s, _)| *s).collect();
            let hop =
                inst.service(services[0]).and_then(|s| s.blocked.as_ref()).map(|(h, _)| h.clone()).expect("blocked");
            let name = ctx.net.model.resources[inst.res].address();
            let finding = Finding::new(
                &META,
                inst.res,
                format!(
                    "{name} has no path to {}: its VPC has no interface endpoint for {} in its region and {}",
                    service_list(&services),
                    if services.len() > 1 { "them" } else { "it" },
                    hop.detail
                ),
                "add interface endpoints for com.amazonaws.<region>.ssm, .ssmmessages and .ec2messages with private_dns_enabled = true, or route 0.0.0.0/0 through a NAT gateway".into(),
            )
            .certainty(overall(blocked.iter().map(|(_, c)| *c)))
            .related(inst.view.vpc.targets().into_iter().cloned())
            .related(hop.resources.iter().cloned());
            out.push(finding.code(hop.code.unwrap_or(Code::NoRouteToInternet)));
        }
        out
    }
}
