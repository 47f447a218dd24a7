//! SSM008 endpoint-region-mismatch: an endpoint's `service_name` names another region than
//! the provider that creates it, so it never answers the agent in that region.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::Code;

pub struct EndpointRegionMismatch;

static META: RuleMeta = RuleMeta {
    id: "SSM008",
    name: "endpoint-region-mismatch",
    severity: Severity::Error,
    summary: "the endpoint's service_name names another region than the provider's",
    doc: include_str!("../../rules/SSM008.md"),
};

impl Rule for EndpointRegionMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        ctx.reach
            .endpoints
            .iter()
            .filter_map(|e| {
                let (Some(have), Some(want), Some(service)) = (&e.service_region, &e.provider_region, &e.service) else { return None };
                if have == want || !matches!(service.as_str(), "ssm" | "ssmmessages" | "ec2messages" | "s3" | "logs" | "kms") {
                    return None;
                }
                let name = ctx.net.model.resources[e.res].address();
                Some(
                    Finding::new(
                        &META,
                        e.res,
                        format!("{name} names service com.amazonaws.{have}.{service}, but its provider creates it in {want}; an endpoint only serves its own region, so the agent never reaches {service} through it"),
                        format!("set service_name = \"com.amazonaws.{want}.{service}\" (e.g. \"com.amazonaws.${{data.aws_region.current.name}}.{service}\")"),
                    )
                    .code(Code::EndpointRegionMismatch),
                )
            })
            .collect()
    }
}
