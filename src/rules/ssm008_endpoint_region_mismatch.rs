//! SSM008 endpoint-region-mismatch: an endpoint's `service_name` names another region than
//! the provider that creates it, or the endpoint is created in another region than the VPC it
//! names; either way it never answers the agent of the instances in that VPC.

use super::helpers::and_list;
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::Network;
use crate::network::graph::NodeId;
use crate::reach::Code;

declare_rule!(EndpointRegionMismatch {
    id: "SSM008",
    name: "endpoint-region-mismatch",
    severity: Error,
    category: Reachability,
    summary: "the endpoint's service_name, or the provider that creates it, names another region than its VPC's",
});

#[derive(Debug)]
enum RegionMismatch {
    /// `service_name` names another region than the endpoint's provider.
    ServiceName { endpoint: NodeId, service: String, named: String, provider: String, instances: Vec<NodeId> },
    /// The endpoint is created in another region than the VPC it names.
    Vpc { endpoint: NodeId, region: String, vpc: NodeId, vpc_region: String, instances: Vec<NodeId> },
}

/// `; it never serves aws_instance.app or aws_instance.web`.
fn affected(net: &Network<'_, '_>, instances: &[NodeId]) -> String {
    if instances.is_empty() {
        return String::new();
    }
    let names: Vec<String> = instances.iter().map(|i| net.describe(*i)).collect();
    format!("; it never serves {}", and_list(&names))
}

impl Message for RegionMismatch {
    fn message(&self, net: &Network<'_, '_>) -> String {
        match self {
            RegionMismatch::ServiceName { endpoint, service, named, provider, instances } => format!(
                "{} names service com.amazonaws.{named}.{service}, but its provider creates it in {provider}; an endpoint only serves its own region, so the agent never reaches {service} through it{}",
                net.describe(*endpoint),
                affected(net, instances)
            ),
            RegionMismatch::Vpc { endpoint, region, vpc, vpc_region, instances } => format!(
                "{} is created in {region} (by its provider configuration), but its VPC {} is in {vpc_region}; an endpoint only serves the VPCs of its own region{}",
                net.describe(*endpoint),
                net.describe(*vpc),
                affected(net, instances)
            ),
        }
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        match self {
            RegionMismatch::ServiceName { service, provider, .. } => format!(
                "set service_name = \"com.amazonaws.{provider}.{service}\" (e.g. \"com.amazonaws.${{data.aws_region.current.name}}.{service}\")"
            ),
            RegionMismatch::Vpc { vpc_region, .. } => format!(
                "create the endpoint with the provider configuration of {vpc_region} (the module's providers = {{ aws = … }}, or the resource's provider argument), with service names of {vpc_region}"
            ),
        }
    }
}

impl Rule for EndpointRegionMismatch {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        ctx.net
            .endpoints
            .iter()
            .filter_map(|e| {
                let service = e.service?;
                let vpc = e.vpc.and_then(|l| ctx.net.link(l).single().copied());
                // The instances in the endpoint's VPC: those it was meant to serve.
                let instances: Vec<NodeId> = ctx
                    .instances
                    .iter()
                    .filter(|i| vpc.is_some_and(|v| ctx.net.link(ctx.net.compute[i.compute].placement.vpc).targets().contains(&&v)))
                    .map(|i| i.node)
                    .collect();
                let vpc_region = vpc.and_then(|v| ctx.net.vpcs.get(&v)).and_then(|v| v.region.clone());
                let payload = match (&e.service_region, &e.region, vpc_region) {
                    (Some(named), Some(provider), _) if named != provider => RegionMismatch::ServiceName {
                        endpoint: e.node,
                        service: service.name().to_string(),
                        named: named.clone(),
                        provider: provider.clone(),
                        instances: instances.clone(),
                    },
                    (named, provider, Some(vpc_region)) => {
                        let region = provider.as_ref().or(named.as_ref()).filter(|r| **r != vpc_region)?;
                        RegionMismatch::Vpc {
                            endpoint: e.node,
                            region: region.clone(),
                            vpc: vpc?,
                            vpc_region,
                            instances: instances.clone(),
                        }
                    }
                    _ => return None,
                };
                Some(
                    Finding::new(&META, e.node, payload)
                        .code(Code::EndpointRegionMismatch)
                        .related(vpc)
                        .related(instances),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_for_another_region() {
        baseline().set("aws_vpc_endpoint.ssm", "service_name", json!("com.amazonaws.us-west-2.ssm")).check(|t| {
            let f = t.findings(&EndpointRegionMismatch);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("its provider creates it in us-east-1"), "{}", f[0].1);
        });
    }

    #[test]
    fn fires_for_an_endpoint_created_in_another_region_than_its_vpc_naming_the_instances() {
        let plan = baseline().set("aws_vpc_endpoint.ssm", "service_name", json!("com.amazonaws.us-west-2.ssm"));
        let plan = plan.provider("aws.west", "us-west-2").provider_of("aws_vpc_endpoint.ssm", "aws.west");
        plan.check(|t| {
            let f = t.findings(&EndpointRegionMismatch);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("is created in us-west-2 (by its provider configuration), but its VPC aws_vpc.main is in us-east-1"), "{}", f[0].1);
            assert!(f[0].1.ends_with("it never serves aws_instance.app"), "{}", f[0].1);
            let ssm = t.instance("aws_instance.app").service(crate::network::Service::Ssm).unwrap().clone();
            assert_ne!(ssm.outcome, crate::reach::Tri::Yes, "no path through an endpoint of another region");
        });
    }

    #[test]
    fn silent_in_the_provider_region() {
        baseline().check(|t| assert!(t.findings(&EndpointRegionMismatch).is_empty()));
    }
}
