//! Route tables and their routes, with typed destinations and targets; NAT and internet
//! gateways.
//!
//! A subnet without an explicit association uses its VPC's main route table, which holds
//! only the `local` route unless Terraform manages it (`aws_default_route_table`,
//! `aws_main_route_table_association`).
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>

use ipnet::IpNet;
use serde::Serialize;

use super::graph::{Link, LinkId, NodeId};
use super::traffic::parse_cidr;
use crate::model::{Attr, Fields};
use crate::resolve::{Resolution, Slot};

/// Whether a rule, route or entry certainly belongs to the table, group or ACL it is listed
/// under, or only may (its owner link is a candidate set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Membership {
    Definite,
    Candidate,
}

impl Membership {
    /// How a rule or route belongs to the owners one slot of its owner `link` names: for
    /// certain only when the slot has one option and the link is not a set of candidates.
    pub fn of_slot(link: &Link, slot: &Slot<NodeId>) -> Membership {
        if slot.options().len() == 1 && link.resolution != Resolution::Candidates {
            Membership::Definite
        } else {
            Membership::Candidate
        }
    }
}

/// Where a route sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Cidr(IpNet),
    /// A managed prefix list or a gateway endpoint's list.
    PrefixList(LinkId),
    /// Unknown until apply.
    Unknown,
}

/// What kind of target a route names; the link says which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    InternetGateway,
    EgressOnlyInternetGateway,
    VpnGateway,
    NatGateway,
    TransitGateway,
    PeeringConnection,
    NetworkInterface,
    Instance,
    VpcEndpoint,
    CarrierGateway,
    LocalGateway,
    CoreNetwork,
    /// Set, but unknown until apply.
    Unknown,
}

impl TargetKind {
    pub fn describe(self) -> &'static str {
        match self {
            TargetKind::InternetGateway => "an internet gateway",
            TargetKind::EgressOnlyInternetGateway => "an egress-only internet gateway",
            TargetKind::VpnGateway => "a virtual private gateway",
            TargetKind::NatGateway => "a NAT gateway",
            TargetKind::TransitGateway => "a transit gateway",
            TargetKind::PeeringConnection => "a VPC peering connection",
            TargetKind::NetworkInterface => "a network interface",
            TargetKind::Instance => "an instance",
            TargetKind::VpcEndpoint => "a VPC endpoint",
            TargetKind::CarrierGateway => "a carrier gateway",
            TargetKind::LocalGateway => "a local gateway",
            TargetKind::CoreNetwork => "a Cloud WAN core network",
            TargetKind::Unknown => "a target unknown until apply",
        }
    }
}

/// A route's target: what kind, and the link to it when tfreach follows one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTarget {
    pub kind: TargetKind,
    pub link: Option<LinkId>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub destination: Destination,
    pub target: RouteTarget,
    pub declared_by: NodeId,
    pub membership: Membership,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub routes: Vec<Route>,
}

impl RouteTable {
    /// The route that carries traffic to the public internet: a `0.0.0.0/0` route (the most
    /// specific IPv4 route covering any public address, in practice).
    pub fn default_routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().filter(|r| matches!(r.destination, Destination::Cidr(IpNet::V4(d)) if d.prefix_len() == 0))
    }

    /// Routes whose destination covers `cidr` (besides the local route), most specific first.
    pub fn routes_to(&self, cidr: &IpNet) -> Vec<&Route> {
        let mut out: Vec<&Route> =
            self.routes.iter().filter(|r| matches!(&r.destination, Destination::Cidr(d) if d.contains(cidr))).collect();
        out.sort_by_key(|r| match &r.destination {
            Destination::Cidr(d) => std::cmp::Reverse(d.prefix_len()),
            _ => std::cmp::Reverse(0),
        });
        out
    }
}

/// Route target attributes in the order AWS's API documents them, with their kinds.
pub const TARGET_ATTRS: &[(&str, TargetKind)] = &[
    ("gateway_id", TargetKind::InternetGateway),
    ("egress_only_gateway_id", TargetKind::EgressOnlyInternetGateway),
    ("nat_gateway_id", TargetKind::NatGateway),
    ("transit_gateway_id", TargetKind::TransitGateway),
    ("vpc_peering_connection_id", TargetKind::PeeringConnection),
    ("network_interface_id", TargetKind::NetworkInterface),
    ("instance_id", TargetKind::Instance),
    ("vpc_endpoint_id", TargetKind::VpcEndpoint),
    ("carrier_gateway_id", TargetKind::CarrierGateway),
    ("local_gateway_id", TargetKind::LocalGateway),
    ("core_network_arn", TargetKind::CoreNetwork),
];

/// The destination of a route block or `aws_route`.
pub fn destination(fields: &Fields<'_>, cidr_keys: &[&str], prefix_list: Option<LinkId>) -> Destination {
    for key in cidr_keys {
        match fields.str(key) {
            Attr::Known(s) if !s.is_empty() => {
                return parse_cidr(&s).map_or(Destination::Unknown, Destination::Cidr);
            }
            Attr::Unknown => return Destination::Unknown,
            _ => {}
        }
    }
    match prefix_list {
        Some(l) => Destination::PrefixList(l),
        None => Destination::Unknown,
    }
}

/// Which target attribute a route block sets: a non-empty planned value, a configured
/// expression, or an unknown.
pub fn target_attr(fields: &Fields<'_>) -> Option<(&'static str, TargetKind)> {
    TARGET_ATTRS.iter().copied().find(|(attr, _)| match fields.str(attr) {
        Attr::Known(s) => !s.is_empty(),
        Attr::Unknown => true,
        _ => false,
    })
}

/// A NAT gateway: where it sits and whether it is public.
#[derive(Debug, Clone)]
pub struct NatGateway {
    pub subnet: Option<LinkId>,
    pub private: bool,
}

/// An internet gateway and the VPCs it is attached to (its `vpc_id` and attachments).
#[derive(Debug, Clone, Default)]
pub struct InternetGateway {
    pub vpcs: Vec<LinkId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::graph::one_of;

    #[test]
    fn a_slot_of_one_decided_option_is_definite_membership() {
        let (a, b) = (NodeId::new(0), NodeId::new(1));
        let decided = one_of(vec![a], Resolution::Reference);
        assert_eq!(Membership::of_slot(&decided, &decided.slots[0]), Membership::Definite);
        // One option of a link that is a set of candidates elsewhere, or a slot of several.
        let mut candidates = one_of(vec![a], Resolution::Reference);
        candidates.resolution = Resolution::Candidates;
        assert_eq!(Membership::of_slot(&candidates, &candidates.slots[0]), Membership::Candidate);
        let several = one_of(vec![a, b], Resolution::Reference);
        assert_eq!(Membership::of_slot(&several, &several.slots[0]), Membership::Candidate);
    }
}
