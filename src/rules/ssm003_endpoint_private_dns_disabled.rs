//! SSM003 endpoint-private-dns-disabled: an interface endpoint the instance depends on has
//! private DNS off and no private hosted zone stands in, so the agent resolves the public
//! endpoint — and has no other way there.

use super::helpers::{Hit, bypassed_endpoints, dedup, overall, service_list};
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::Code;
use crate::reach::dns::remote_endpoints;
use crate::reach::hop::{DnsCause, HopData};

declare_rule!(EndpointPrivateDnsDisabled {
    id: "SSM003",
    name: "endpoint-private-dns-disabled",
    severity: Error,
    category: Reachability,
    summary: "an SSM endpoint the instance depends on has private_dns_enabled = false and no private hosted zone stands in",
});

#[derive(Debug)]
struct PrivateDnsOff {
    endpoint: NodeId,
    /// `private_dns_enabled` is left to the provider's default.
    unset: bool,
    services: Vec<Service>,
    /// The endpoint is in another VPC than the instances: the instances' VPC, and the zone
    /// that answers for the name elsewhere, if any.
    remote: Option<(NodeId, Option<NodeId>)>,
}

impl Message for PrivateDnsOff {
    fn message(&self, net: &Network<'_, '_>) -> String {
        if let Some((vpc, zone)) = self.remote {
            let why = match zone {
                Some(z) => format!("private hosted zone {} is not associated with {}", net.describe(z), net.describe(vpc)),
                None => format!(
                    "its private DNS answers only in its own VPC and no private hosted zone for the name is associated with {}",
                    net.describe(vpc)
                ),
            };
            return format!(
                "{} is in another VPC than the instances that depend on it, and {why}, so {} resolves to the public endpoint, which the instances cannot reach",
                net.describe(self.endpoint),
                service_list(&self.services)
            );
        }
        format!(
            "{} has private_dns_enabled = false{}, so {} resolves to the public endpoint, which the instances cannot reach",
            net.describe(self.endpoint),
            if self.unset { " (unset: the provider's default is false)" } else { "" },
            service_list(&self.services)
        )
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        if let Some((vpc, zone)) = self.remote
            && let Some(fix) =
                crate::reach::explain::dns_fix(net, &DnsCause::ZoneNotAssociated { vpc, zone }, self.endpoint)
        {
            return fix;
        }
        format!(
            "set private_dns_enabled = true on {} (and keep enable_dns_support and enable_dns_hostnames on the VPC)",
            net.describe(self.endpoint)
        )
    }
}

impl Rule for EndpointPrivateDnsDisabled {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        bypassed_endpoints(ctx, Code::EndpointPrivateDnsDisabled)
            .into_iter()
            .map(|(endpoint, hits)| {
                let unset = ctx.net.endpoint(endpoint).is_some_and(|e| e.private_dns.is_default());
                let services = dedup(hits.iter().map(|h: &Hit| h.service));
                let remote = remote_cause(ctx, endpoint, &hits[0]);
                let related: Vec<NodeId> = remote.iter().flat_map(|(v, z)| [*v].into_iter().chain(*z)).collect();
                Finding::new(&META, endpoint, PrivateDnsOff { endpoint, unset, services, remote })
                    .certainty(overall(hits.iter().map(|h| h.certainty)))
                    .related(hits.iter().map(|h| h.instance))
                    .related(related)
                    .code(Code::EndpointPrivateDnsDisabled)
            })
            .collect()
    }
}

/// When `endpoint` sits in another VPC than the instance of `hit`: that VPC, and the zone
/// that answers for the name but is not associated with it.
fn remote_cause(ctx: &RuleContext<'_, '_, '_, '_>, endpoint: NodeId, hit: &Hit) -> Option<(NodeId, Option<NodeId>)> {
    let inst = ctx.instances.iter().find(|i| i.node == hit.instance)?;
    let compute = &ctx.net.compute[inst.compute];
    let vpc = ctx.net.link(compute.placement.vpc).single().copied()?;
    let (_, hop) = remote_endpoints(ctx.net, hit.service, vpc, compute.region.as_deref())
        .into_iter()
        .find(|(e, _)| e.node == endpoint)?;
    let HopData::PrivateDns { causes, .. } = hop.data else { return None };
    causes.iter().find_map(|c| match c {
        DnsCause::ZoneNotAssociated { vpc, zone } => Some((*vpc, *zone)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_when_private_dns_is_off() {
        baseline().set("aws_vpc_endpoint.ssm", "private_dns_enabled", json!(false)).check(|t| {
            let f = t.findings(&EndpointPrivateDnsDisabled);
            assert_eq!(f.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), ["aws_vpc_endpoint.ssm"]);
            assert!(f[0].1.contains("so ssm resolves to the public endpoint"), "{}", f[0].1);
        });
    }

    #[test]
    fn says_so_when_left_to_the_default() {
        baseline()
            .set("aws_vpc_endpoint.ssm", "private_dns_enabled", json!({"$default": false}))
            .check(|t| assert!(t.findings(&EndpointPrivateDnsDisabled)[0].1.contains("(unset: the provider's default is false)")));
    }

    #[test]
    fn silent_with_private_dns() {
        baseline().check(|t| assert!(t.findings(&EndpointPrivateDnsDisabled).is_empty()));
    }
}
