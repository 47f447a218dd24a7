//! Whether an instance reaches what session logging and encryption need (`s3`, `logs`,
//! `kms`): through an S3 gateway endpoint on its route table, an interface endpoint, or the
//! internet.

use super::InstanceReach;
use super::filter::admits;
use super::hop::{Hop, Toward};
use super::path::{InstanceSide, Location, Via, path};
use crate::network::compute::Compute;
use crate::network::graph::NodeId;
use crate::network::traffic::{Direction, Ports};
use crate::network::{Network, Service};
use crate::tri::Tri;

/// How an instance reaches a logging service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggingVia {
    GatewayEndpoint(NodeId),
    InterfaceEndpoint(NodeId),
    /// Through the internet; the hop that blocks it, when one does.
    Internet(Option<Hop>),
    /// The instance's subnet is not resolved.
    Unplaced,
}

/// The outcome over every candidate location, and how the shown location reaches it.
pub fn logging_path(net: &Network<'_, '_>, inst: &InstanceReach, c: &Compute, service: Service) -> (Tri, LoggingVia) {
    let side = InstanceSide { groups: c.placement.groups, public_ip: inst.public_ip, region: inst.region.clone() };
    let subnets = net.link(c.placement.subnets);
    let mut via: Option<LoggingVia> = None;
    let mut per_slot = Vec::new();
    // Options of a slot are alternatives; every slot (a group's subnets) must have the path.
    for slot in &subnets.slots {
        let mut per_option = Vec::new();
        for &subnet in slot.options().iter() {
            if service == Service::S3
                && let Some(e) = s3_gateway_for(net, subnet)
            {
                // Gateway endpoint traffic still leaves through the security groups.
                let egress = admits(net, side.groups, Direction::Egress, Ports::HTTPS, &Toward::Internet);
                per_option.push(if egress.outcome == Tri::No { Tri::Maybe } else { egress.outcome });
                via = Some(LoggingVia::GatewayEndpoint(e));
                continue;
            }
            let p = path(net, &side, &Location::of(net, subnet), service);
            if p.outcome != Tri::Yes || via.is_none() {
                via = Some(match (p.via, p.endpoint) {
                    (Via::Endpoint, Some(e)) => LoggingVia::InterfaceEndpoint(e),
                    _ => LoggingVia::Internet(p.blocking_hop().cloned()),
                });
            }
            per_option.push(p.outcome);
        }
        per_slot.push(Tri::agree(per_option));
    }
    if per_slot.is_empty() {
        return (Tri::Maybe, LoggingVia::Unplaced);
    }
    (Tri::all(per_slot), via.unwrap_or(LoggingVia::Unplaced))
}

/// An S3 gateway endpoint whose route tables include the subnet's: its route tables, not
/// its VPC, say which subnets it serves.
fn s3_gateway_for(net: &Network<'_, '_>, subnet: NodeId) -> Option<NodeId> {
    let s = net.subnets.get(&subnet)?;
    let tables: Vec<NodeId> =
        s.route_table.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
    net.endpoints
        .iter()
        .filter(|e| e.serves(Service::S3) && !e.is_interface())
        .find(|e| net.link(e.route_tables).targets().iter().any(|t| tables.contains(t)))
        .map(|e| e.node)
}
