//! Explanation codes for a hop that blocks (or may block) a path, modelled on AWS
//! Reachability Analyzer's (`ENI_SG_RULES_MISMATCH`, `SUBNET_ACL_RESTRICTION`,
//! `NO_ROUTE_TO_DESTINATION`). They are stable: tests, docs and users' scripts rely on them.

use serde::Serialize;

macro_rules! codes {
    ($( $variant:ident => $name:literal, $doc:literal; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Code { $( #[doc = $doc] #[serde(rename = $name)] $variant, )* }

        impl Code {
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            pub fn description(self) -> &'static str {
                match self { $( Code::$variant => $doc, )* }
            }

            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
        }
    };
}

codes! {
    NoRouteToInternet => "NO_ROUTE_TO_INTERNET",
        "The subnet's route table has no route for 0.0.0.0/0, so the public service endpoint is unreachable.";
    IgwWithoutPublicIp => "IGW_WITHOUT_PUBLIC_IP",
        "The default route goes to an internet gateway, but the instance gets no public IP address.";
    NatWithoutInternet => "NAT_WITHOUT_INTERNET",
        "The default route goes to a NAT gateway whose own subnet has no route to an attached internet gateway (or the NAT gateway is private).";
    NatInstanceCannotForward => "NAT_INSTANCE_CANNOT_FORWARD",
        "The default route goes to a NAT instance that cannot pass the traffic on: source/destination checking is on, it has no public IP, its subnet has no route to an attached internet gateway, or its security groups do not pass TCP 443.";
    NoRouteToDestination => "NO_ROUTE_TO_DESTINATION",
        "Between VPCs, a route table (the instance's toward the endpoint, or the endpoint's back) has no route for the other side, or its transit gateway or peering connection does not join the two VPCs.";
    RouteTargetOpaque => "ROUTE_TARGET_OPAQUE",
        "The default route goes to a target tfreach cannot see beyond (transit gateway, peering, network interface, VPN).";
    SgNoEgressRules => "SG_NO_EGRESS_RULES",
        "The instance's security groups have no egress rule at all: Terraform removes AWS's default allow-all egress rule from every group it creates.";
    InstanceSgEgressMismatch => "INSTANCE_SG_EGRESS_MISMATCH",
        "No egress rule of the instance's security groups allows TCP 443 to the destination.";
    EndpointSgIngressMismatch => "ENDPOINT_SG_INGRESS_MISMATCH",
        "No ingress rule of the endpoint's security groups allows TCP 443 from the instance.";
    SubnetAclRestriction => "SUBNET_ACL_RESTRICTION",
        "A network ACL on the way denies TCP 443 or the return traffic on ephemeral ports 1024-65535.";
    EndpointPrivateDnsDisabled => "ENDPOINT_PRIVATE_DNS_DISABLED",
        "The VPC has an interface endpoint for the service but private DNS is off and no private hosted zone answers for the name, so the agent resolves the public endpoint.";
    VpcDnsDisabled => "VPC_DNS_DISABLED",
        "The VPC's enable_dns_support or enable_dns_hostnames is false, so endpoint private DNS does not answer (with enable_dns_support false nothing resolves).";
    EndpointRegionMismatch => "ENDPOINT_REGION_MISMATCH",
        "The VPC's endpoint for the service names another region than the instance's, so it never answers the agent's requests.";
    InstanceProfileMissing => "INSTANCE_PROFILE_MISSING",
        "The instance has no IAM instance profile, so the agent has no credentials.";
    IamPermissionsMissing => "IAM_PERMISSIONS_MISSING",
        "The instance role grants neither AmazonSSMManagedInstanceCore nor the actions the agent needs.";
    ImdsDisabled => "IMDS_DISABLED",
        "The instance metadata service is disabled, so the agent cannot obtain the role's credentials.";
    Unresolved => "UNRESOLVED",
        "The plan does not tell: a link or value needed for this hop could not be resolved.";
}

/// The explanation codes as a Markdown table (README.md's, kept equal by a test).
pub fn markdown_table() -> String {
    let mut s = String::from("| code | meaning |\n|---|---|\n");
    for c in Code::ALL {
        s.push_str(&format!("| `{}` | {} |\n", c.name(), c.description()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_screaming_snake_case() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_uppercase() || c == '_')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
