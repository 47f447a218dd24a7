//! What connects VPCs to each other: transit gateways (their VPC attachments, route tables,
//! associations, propagations and static routes) and VPC peering connections.
//!
//! A transit gateway with `default_route_table_association` and
//! `default_route_table_propagation` enabled (the defaults) associates every attachment with
//! its default route table and propagates every attached VPC's CIDR into it, unless an
//! attachment opts out (`transit_gateway_default_route_table_association` /
//! `_propagation = false`). <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html>

use super::graph::{LinkId, NodeId};
use super::routing::Destination;
use crate::tri::Tri;

#[derive(Debug, Clone)]
pub struct TransitGateway {
    /// New attachments are associated with the default route table.
    pub default_association: Tri,
    /// New attachments propagate their routes into the default route table.
    pub default_propagation: Tri,
}

/// A VPC attachment of a transit gateway.
#[derive(Debug, Clone)]
pub struct TgwAttachment {
    pub node: NodeId,
    pub tgw: Option<LinkId>,
    pub vpc: Option<LinkId>,
    /// `transit_gateway_default_route_table_association` (default true).
    pub default_association: Tri,
    /// `transit_gateway_default_route_table_propagation` (default true).
    pub default_propagation: Tri,
}

/// A static route of a transit gateway route table.
#[derive(Debug, Clone)]
pub struct TgwRoute {
    pub node: NodeId,
    pub destination: Destination,
    /// The attachment it sends to (none for a blackhole route).
    pub attachment: Option<LinkId>,
    pub blackhole: bool,
}

/// A transit gateway route table: the attachments associated with it (whose traffic it
/// routes), those propagating into it, and its static routes. A transit gateway's default
/// route table is keyed by the transit gateway's node.
#[derive(Debug, Clone, Default)]
pub struct TgwRouteTable {
    pub associations: Vec<LinkId>,
    pub propagations: Vec<LinkId>,
    pub routes: Vec<TgwRoute>,
}

/// A VPC peering connection between two VPCs, and whether it is accepted.
#[derive(Debug, Clone)]
pub struct Peering {
    pub vpc: Option<LinkId>,
    pub peer_vpc: Option<LinkId>,
    /// `auto_accept = true`, or an `aws_vpc_peering_connection_accepter` in the plan.
    pub accepted: Tri,
}
