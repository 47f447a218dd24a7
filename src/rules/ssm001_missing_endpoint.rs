//! SSM001 missing-endpoint: no path to `ssm` or `ssmmessages` — no interface endpoint in the
//! instance's VPC and no route to the internet.

use super::helpers::{NO_ROUTE, blocked_services, overall, service_list, serves_nothing};
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::explain;
use crate::reach::{Code, Hop};

declare_rule!(MissingEndpoint {
    id: "SSM001",
    name: "missing-endpoint",
    severity: Error,
    category: Reachability,
    summary: "no path to ssm or ssmmessages: no interface endpoint in the instance's VPC and no internet path",
});

/// An instance without a path to some Session Manager services, and the route hop that ends
/// its internet path.
#[derive(Debug)]
struct NoPath {
    instance: NodeId,
    services: Vec<Service>,
    hop: Hop,
    /// The endpoints in another VPC the paths lead to, when they do.
    remote: Vec<NodeId>,
}

impl Message for NoPath {
    fn message(&self, net: &Network<'_, '_>) -> String {
        if !self.remote.is_empty() {
            let endpoints: Vec<String> = self.remote.iter().map(|e| net.describe(*e)).collect();
            return format!(
                "{} has no path to {} through {} in another VPC: {}",
                net.describe(self.instance),
                service_list(&self.services),
                super::helpers::and_list(&endpoints),
                explain::detail(net, &self.hop)
            );
        }
        format!(
            "{} has no path to {}: its VPC has no interface endpoint for {} in its region and {}",
            net.describe(self.instance),
            service_list(&self.services),
            if self.services.len() > 1 { "them" } else { "it" },
            explain::detail(net, &self.hop)
        )
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        if !self.remote.is_empty()
            && let Some(fix) = explain::fix(net, &self.hop)
        {
            return fix;
        }
        "add interface endpoints for com.amazonaws.<region>.ssm, .ssmmessages and .ec2messages with private_dns_enabled = true, or route 0.0.0.0/0 through a NAT gateway".into()
    }
}

impl Rule for MissingEndpoint {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances {
            let blocked: Vec<_> = blocked_services(inst, &[Service::Ssm, Service::Ssmmessages], NO_ROUTE)
                .into_iter()
                .filter(|(s, _, _)| inst.service(*s).is_some_and(|r| serves_nothing(&r.path)))
                .collect();
            let Some((_, hop, _)) = blocked.first() else { continue };
            let remote: Vec<NodeId> =
                blocked.iter().filter_map(|(s, _, _)| inst.service(*s).and_then(|r| r.path.endpoint)).collect();
            let vpc = ctx.net.compute[inst.compute].placement.vpc;
            let finding = Finding::new(
                &META,
                inst.node,
                NoPath {
                    instance: inst.node,
                    services: blocked.iter().map(|(s, _, _)| *s).collect(),
                    hop: hop.clone(),
                    remote: remote.clone(),
                },
            )
            .certainty(overall(blocked.iter().map(|(_, _, c)| *c)))
            .related(ctx.net.link(vpc).targets().into_iter().copied())
            .related(hop.resources.iter().copied())
            .related(remote.iter().copied())
            .code(hop.code().unwrap_or(Code::NoRouteToInternet))
            .hop(hop.clone());
            out.push(finding);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_without_endpoints_or_a_route_out() {
        let plan = ["ssm", "ssmmessages", "ec2messages"]
            .iter()
            .fold(baseline(), |p, s| p.without(&format!("aws_vpc_endpoint.{s}"), None));
        plan.check(|t| {
            let f = t.findings(&MissingEndpoint);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].0, "aws_instance.app");
            assert!(f[0].1.contains("no path to ssm and ssmmessages") && f[0].1.contains("has no route for 0.0.0.0/0"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_when_endpoints_serve_the_instance() {
        baseline().check(|t| assert!(t.findings(&MissingEndpoint).is_empty()));
    }
}
