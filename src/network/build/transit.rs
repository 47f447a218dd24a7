//! Transit gateways, their attachments and route tables, and VPC peering connections.

use super::Builder;
use crate::model::{Attr, Kind};
use crate::network::routing::destination;
use crate::network::transit::{Peering, TgwAttachment, TgwRoute, TransitGateway};
use crate::resolve::LinkKind;
use crate::tri::Tri;

/// `"enable"`/`"disable"` (the transit gateway's defaults), unknown as maybe.
fn enabled(a: Attr<String>) -> Tri {
    match a.value() {
        Some(v) => Tri::from_bool(v.eq_ignore_ascii_case("enable")),
        None => Tri::Maybe,
    }
}

fn flag(a: Attr<bool>) -> Tri {
    a.value().copied().into()
}

impl Builder<'_, '_> {
    pub(super) fn transit(&mut self) {
        for r in self.managed(Kind::TransitGateway) {
            let tgw = TransitGateway {
                default_association: enabled(r.attr("default_route_table_association", Some("enable".into()))),
                default_propagation: enabled(r.attr("default_route_table_propagation", Some("enable".into()))),
            };
            self.net.transit_gateways.insert(self.node(r.id), tgw);
        }
        for r in self.managed(Kind::TransitGatewayVpcAttachment) {
            let attachment = TgwAttachment {
                node: self.node(r.id),
                tgw: self.link(r.id, LinkKind::TransitGateway),
                vpc: self.link(r.id, LinkKind::Vpc),
                default_association: flag(r.attr("transit_gateway_default_route_table_association", Some(true))),
                default_propagation: flag(r.attr("transit_gateway_default_route_table_propagation", Some(true))),
            };
            self.net.tgw_attachments.push(attachment);
        }
        for kind in [
            Kind::TransitGatewayRouteTableAssociation,
            Kind::TransitGatewayRouteTablePropagation,
            Kind::TransitGatewayRoute,
        ] {
            for r in self.managed(kind) {
                let Some(table) = self.link(r.id, LinkKind::TransitGatewayRouteTable) else { continue };
                let attachment = self.link(r.id, LinkKind::TransitGatewayAttachment);
                for t in self.targets(table) {
                    let entry = self.net.tgw_route_tables.entry(t).or_default();
                    match kind {
                        Kind::TransitGatewayRouteTableAssociation => entry.associations.extend(attachment),
                        Kind::TransitGatewayRouteTablePropagation => entry.propagations.extend(attachment),
                        _ => entry.routes.push(TgwRoute {
                            node: self.net.graph.resource_node(r.id),
                            destination: destination(&r.fields, &["destination_cidr_block"], None),
                            attachment,
                            blackhole: r.attr::<bool>("blackhole", Some(false)).value() == Some(&true),
                        }),
                    }
                }
            }
        }
        for r in self.managed(Kind::TransitGatewayRouteTable) {
            self.net.tgw_route_tables.entry(self.node(r.id)).or_default();
        }
        for r in self.managed(Kind::VpcPeeringConnection) {
            let node = self.node(r.id);
            let accepter = self
                .net
                .graph
                .pointing(node, LinkKind::PeeringConnection)
                .iter()
                .any(|p| self.net.kind(p.from) == Some(Kind::VpcPeeringConnectionAccepter));
            let auto = flag(r.attr("auto_accept", Some(false)));
            let peering = Peering {
                vpc: self.link(r.id, LinkKind::Vpc),
                peer_vpc: self.link(r.id, LinkKind::PeerVpc),
                // Not auto-accepted: another configuration (or account) may accept it.
                accepted: if accepter || auto == Tri::Yes { Tri::Yes } else { Tri::Maybe },
            };
            self.net.peerings.insert(node, peering);
        }
    }
}
