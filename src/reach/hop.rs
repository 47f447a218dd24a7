//! One hop of a path and what the plan says about it, as data: what was checked, the
//! resources involved, and — when it fails or may fail — why, typed. Text is rendered from
//! this data in one place (`explain.rs`).

use ipnet::IpNet;
use serde::Serialize;

use super::codes::Code;
use crate::network::graph::{LinkId, NodeId};
use crate::network::routing::TargetKind;
use crate::network::traffic::{Direction, Ports};
use crate::tri::Tri;

/// What a hop is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HopKind {
    Subnet,
    Dns,
    InstanceSecurityGroups,
    InstanceSubnetAcl,
    Route,
    EndpointSubnetAcl,
    EndpointSecurityGroups,
    /// From an endpoint in another VPC back to the instance's subnet.
    ReturnRoute,
    NatSubnetAcl,
    /// A NAT instance's security groups: the forwarded traffic in, and out to the internet.
    NatSecurityGroups,
    Gateway,
}

impl HopKind {
    pub fn label(self) -> &'static str {
        match self {
            HopKind::Subnet => "subnet",
            HopKind::Dns => "dns",
            HopKind::InstanceSecurityGroups => "instance security groups",
            HopKind::InstanceSubnetAcl => "instance subnet network ACL",
            HopKind::Route => "route",
            HopKind::EndpointSubnetAcl => "endpoint subnet network ACL",
            HopKind::EndpointSecurityGroups => "endpoint security groups",
            HopKind::ReturnRoute => "return route",
            HopKind::NatSubnetAcl => "NAT subnet network ACL",
            HopKind::NatSecurityGroups => "NAT instance security groups",
            HopKind::Gateway => "gateway",
        }
    }
}

/// Why the instance has no location to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unplaced {
    /// No subnet at all: AWS launches into the default VPC, which is not in the plan.
    DefaultVpc,
    /// A subnet is set, but what it is cannot be told from the plan.
    Unresolved,
    /// The subnet, or its VPC, is outside the plan: its endpoints and routes are unknown.
    OutsidePlan,
}

/// Who is on the other side of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toward {
    /// An interface endpoint: its subnets' ranges and its security groups.
    Endpoint { endpoint: NodeId, groups: LinkId },
    /// The instance, seen from the endpoint: its subnet's range and its security groups.
    Instance { cidr: Option<IpNet>, groups: LinkId },
    /// The public AWS service endpoints.
    Internet,
}

/// Why name resolution does not lead to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsCause {
    /// `service_name` names another region than the instance's.
    RegionMismatch { endpoint_region: String, instance_region: String },
    /// `private_dns_enabled = false` (unset: the default) and no private hosted zone.
    PrivateDnsDisabled { unset: bool },
    /// The VPC's DNS flags are off (`hostnames_unset`: left to Terraform's default, false).
    VpcDnsDisabled { vpc: NodeId, support: bool, hostnames: bool, hostnames_unset: bool },
    /// The endpoint's VPC is not resolved.
    VpcUnresolved,
    /// The endpoint sits in another VPC, and no private hosted zone associated with the
    /// instance's VPC (`vpc`) sends the name to it: `zone` answers for the name but is
    /// associated elsewhere, or none does (the endpoint's private DNS answers only in its VPC).
    ZoneNotAssociated { vpc: NodeId, zone: Option<NodeId> },
}

impl DnsCause {
    pub fn code(&self) -> Code {
        match self {
            DnsCause::RegionMismatch { .. } => Code::EndpointRegionMismatch,
            DnsCause::PrivateDnsDisabled { .. } => Code::EndpointPrivateDnsDisabled,
            DnsCause::VpcDnsDisabled { .. } => Code::VpcDnsDisabled,
            DnsCause::VpcUnresolved => Code::Unresolved,
            DnsCause::ZoneNotAssociated { .. } => Code::EndpointPrivateDnsDisabled,
        }
    }
}

/// How a name resolves to an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsVia {
    PrivateDns,
    Zone(NodeId),
}

/// What a security-group hop found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterCheck {
    pub groups: LinkId,
    pub direction: Direction,
    pub ports: Ports,
    pub toward: Toward,
    /// The rule-declaring resources that admit the traffic.
    pub allowed_by: Vec<NodeId>,
    /// The groups have no rule at all in this direction (the Terraform default-egress
    /// pitfall, for egress).
    pub no_rules: bool,
    /// The endpoint has no `security_group_ids`: the VPC's default group guards it.
    pub default_group: bool,
    /// What the plan does not tell.
    pub doubts: Vec<String>,
}

/// A network ACL that blocks (or may block) one leg of the traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclBlock {
    pub acl: NodeId,
    pub subnet: NodeId,
    pub direction: Direction,
    pub ports: Ports,
    /// The other side: a subnet (its node) or the internet (`None`).
    pub peer: Option<NodeId>,
    /// The rule number that decides, when one does.
    pub rule: Option<i64>,
    /// A rule whose CIDR is unknown until apply decides.
    pub unknown: bool,
}

/// Where a subnet's default route leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultRoute {
    /// No `0.0.0.0/0` route.
    None,
    /// To an internet gateway; whether the instance has a public IP decides.
    InternetGateway { gateways: Vec<NodeId>, public_ip: Tri },
    /// Through NAT gateways: the one that fails (or may), its subnet, and whether it is a
    /// private NAT gateway.
    NatGateway { gateways: Vec<NodeId>, failing: Option<NodeId>, subnet: Option<NodeId>, private: bool },
    /// Through a NAT instance (an instance or its interface as the route's target): the
    /// instance, its subnet, and why it does not forward to the internet, when it does not.
    NatInstance { instance: NodeId, subnet: Option<NodeId>, gap: Option<NatInstanceGap> },
    /// To a target tfreach cannot see beyond.
    Opaque { target: TargetKind },
}

/// Why a NAT instance does not pass traffic on to the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NatInstanceGap {
    /// `source_dest_check` is on (the default): EC2 drops traffic not addressed to it.
    SourceDestCheck,
    /// It has no public IPv4 address.
    NoPublicIp,
    /// Its subnet has no default route to an attached internet gateway.
    NoInternetRoute,
}

/// Why a route between two VPCs does not carry the traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteGap {
    /// No route of the table covers the destination.
    NoRoute,
    /// The route goes to a transit gateway the VPC `vpc` is not attached to.
    NotAttached { vpc: NodeId },
    /// The transit gateway's route table for the source attachment has no route (static or
    /// propagated) to the destination VPC's attachment.
    NotRouted,
    /// A blackhole route of the transit gateway drops the traffic.
    Blackhole { route: NodeId },
    /// The peering connection does not join the two VPCs.
    OtherPeers,
    /// The route goes to a target that does not lead to another VPC.
    WrongTarget(TargetKind),
    /// The route goes to a target tfreach cannot see beyond.
    Opaque(TargetKind),
}

/// A route hop between two VPCs: from a subnet's table, toward `destination` in `to_vpc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcRoute {
    pub table: Option<NodeId>,
    pub destination: Option<IpNet>,
    pub to_vpc: Option<NodeId>,
    /// The transit gateway or peering connection the route goes through.
    pub via: Option<NodeId>,
    pub gap: Option<RouteGap>,
    pub doubt: Option<String>,
}

/// What a hop checked and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopData {
    Unplaced { why: Unplaced, doubt: String },
    PrivateDns { endpoint: NodeId, name: String, via: Option<DnsVia>, causes: Vec<DnsCause>, doubt: Option<String> },
    PublicDns { name: String, vpc: Option<NodeId>, support_off: bool },
    Filter(FilterCheck),
    Acl { subnet: NodeId, block: Option<AclBlock>, doubt: Option<String> },
    LocalRoute,
    Route { table: Option<NodeId>, to: Option<DefaultRoute>, doubt: Option<String> },
    Between(VpcRoute),
}

/// One hop of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub kind: HopKind,
    pub outcome: Tri,
    pub resources: Vec<NodeId>,
    pub data: HopData,
}

impl Hop {
    /// The explanation code of a hop that fails or may fail.
    pub fn code(&self) -> Option<Code> {
        if self.outcome == Tri::Yes {
            return None;
        }
        Some(match &self.data {
            HopData::Unplaced { .. } => Code::Unresolved,
            HopData::PrivateDns { causes, .. } => causes.first().map_or(Code::Unresolved, DnsCause::code),
            HopData::PublicDns { .. } => Code::VpcDnsDisabled,
            HopData::Filter(f) if self.outcome == Tri::Maybe && !f.doubts.is_empty() => Code::Unresolved,
            HopData::Filter(_) if self.kind == HopKind::NatSecurityGroups => Code::NatInstanceCannotForward,
            HopData::Filter(f) => match (f.direction, f.no_rules) {
                (Direction::Egress, true) => Code::SgNoEgressRules,
                (Direction::Egress, false) => Code::InstanceSgEgressMismatch,
                (Direction::Ingress, _) => Code::EndpointSgIngressMismatch,
            },
            HopData::Acl { block: Some(b), .. } if !b.unknown => Code::SubnetAclRestriction,
            HopData::Acl { .. } => Code::Unresolved,
            HopData::LocalRoute => Code::Unresolved,
            HopData::Route { to: Some(to), .. } => match to {
                DefaultRoute::None => Code::NoRouteToInternet,
                DefaultRoute::InternetGateway { public_ip: Tri::Maybe, .. } => Code::Unresolved,
                DefaultRoute::InternetGateway { .. } => Code::IgwWithoutPublicIp,
                DefaultRoute::NatGateway { .. } => Code::NatWithoutInternet,
                DefaultRoute::NatInstance { .. } if self.outcome == Tri::Maybe => Code::Unresolved,
                DefaultRoute::NatInstance { .. } => Code::NatInstanceCannotForward,
                DefaultRoute::Opaque { .. } => Code::RouteTargetOpaque,
            },
            HopData::Route { to: None, .. } => Code::Unresolved,
            HopData::Between(r) => match &r.gap {
                Some(RouteGap::Opaque(_)) => Code::RouteTargetOpaque,
                Some(_) if self.outcome == Tri::No => Code::NoRouteToDestination,
                _ => Code::Unresolved,
            },
        })
    }

    /// What the plan does not tell, when the hop is uncertain because of it.
    pub fn unresolved(&self) -> Vec<String> {
        if self.outcome != Tri::Maybe {
            return Vec::new();
        }
        match &self.data {
            HopData::Filter(f) => f.doubts.clone(),
            HopData::Unplaced { doubt, .. } => vec![doubt.clone()],
            HopData::PrivateDns { doubt: Some(d), .. }
            | HopData::Acl { doubt: Some(d), .. }
            | HopData::Route { doubt: Some(d), .. } => vec![d.clone()],
            HopData::Between(VpcRoute { doubt: Some(d), .. }) => vec![d.clone()],
            _ => Vec::new(),
        }
    }

    /// Name resolution, routing and placement block before any filter does: fixing a filter
    /// does not help while there is no route.
    pub fn is_structural(&self) -> bool {
        matches!(self.kind, HopKind::Dns | HopKind::Route | HopKind::ReturnRoute | HopKind::Subnet)
    }
}
