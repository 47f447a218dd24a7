//! VPCs and subnets: address ranges, DNS flags, availability zones.
//!
//! Terraform's defaults are part of the model: `enable_dns_support` defaults to true,
//! `enable_dns_hostnames` to **false** (both are on in the default VPC), and a subnet's
//! `map_public_ip_on_launch` to false.
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc>

use ipnet::IpNet;

use super::graph::{LinkId, NodeId};
use super::traffic::parse_cidr;
use crate::model::{Attr, Kind, Resource};

/// A VPC's DNS flags.
#[derive(Debug, Clone)]
pub struct VpcDns {
    pub support: Attr<bool>,
    pub hostnames: Attr<bool>,
}

#[derive(Debug, Clone)]
pub struct Vpc {
    pub node: NodeId,
    pub cidr: Attr<IpNet>,
    pub dns: VpcDns,
    /// A DHCP options set whose name servers are not the Amazon-provided resolver, when one
    /// is associated: endpoint private DNS then answers only if those servers forward.
    pub dhcp_options: Option<LinkId>,
    /// The region its provider configuration creates it in.
    pub region: Option<String>,
    /// Whether it has an IPv6 range (without one, IPv6 rules are inert).
    pub ipv6: crate::tri::Tri,
}

impl Vpc {
    pub fn build(r: &Resource<'_>, node: NodeId, region: Option<String>) -> Vpc {
        let default_vpc = r.kind == Kind::DefaultVpc;
        Vpc {
            node,
            cidr: r.attr_str("cidr_block").and_then(|c| parse_cidr(&c)),
            dns: VpcDns {
                support: r.attr::<bool>("enable_dns_support", Some(true)),
                hostnames: r.attr::<bool>("enable_dns_hostnames", Some(default_vpc)),
            },
            dhcp_options: None,
            region,
            ipv6: ipv6_of(r),
        }
    }
}

/// Whether a VPC has an IPv6 range: a known `ipv6_cidr_block`, or one AWS or IPAM assigns.
fn ipv6_of(r: &Resource<'_>) -> crate::tri::Tri {
    use crate::tri::Tri;
    match r.attr_str("ipv6_cidr_block") {
        Attr::Known(c) if !c.is_empty() => return Tri::Yes,
        Attr::Known(_) | Attr::Default(_) | Attr::Absent => {}
        Attr::Unknown if r.configures("ipv6_cidr_block") => return Tri::Maybe,
        Attr::Unknown => {}
    }
    let assigned = r.attr::<bool>("assign_generated_ipv6_cidr_block", Some(false));
    let ipam = r.attr_str("ipv6_ipam_pool_id");
    match (assigned.value(), ipam.value()) {
        (Some(true), _) => Tri::Yes,
        (_, Some(p)) if !p.is_empty() => Tri::Yes,
        (None, _) => Tri::Maybe,
        _ => Tri::No,
    }
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub node: NodeId,
    pub vpc: Option<LinkId>,
    pub cidr: Attr<IpNet>,
    pub ipv6_cidr: Attr<IpNet>,
    pub az: Attr<String>,
    pub map_public_ip: Attr<bool>,
    /// The route table that routes the subnet (derived: its association, else its VPC's
    /// main table).
    pub route_table: Option<LinkId>,
    /// The network ACL that guards it (derived: its association, else the VPC's default).
    pub acl: Option<LinkId>,
}

impl Subnet {
    pub fn build(r: &Resource<'_>, node: NodeId, vpc: Option<LinkId>) -> Subnet {
        let az = match r.attr_str("availability_zone") {
            Attr::Known(z) if !z.is_empty() => Attr::Known(z),
            other => other,
        };
        Subnet {
            node,
            vpc,
            cidr: r.attr_str("cidr_block").and_then(|c| parse_cidr(&c)),
            ipv6_cidr: r.attr_str("ipv6_cidr_block").and_then(|c| parse_cidr(&c)),
            az,
            map_public_ip: r.attr::<bool>("map_public_ip_on_launch", Some(false)),
            route_table: None,
            acl: None,
        }
    }
}
