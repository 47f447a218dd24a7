//! The route hop evaluator between VPCs: from a subnet's route table toward an address in
//! another VPC, through a transit gateway (attachments, its route tables, propagations and
//! static routes) or a VPC peering connection. Used both ways: toward an endpoint in a
//! shared-services VPC, and from the endpoint's subnet back to the instance.
//! <https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html>

use ipnet::IpNet;

use super::hop::{Hop, HopData, HopKind, RouteGap, VpcRoute};
use crate::network::Network;
use crate::network::graph::{LinkId, NodeId};
use crate::network::routing::{Destination, Membership, TargetKind};
use crate::tri::Tri;

/// Whether an optional link names `node` (see [`Network::link_names`]).
fn names(net: &Network<'_, '_>, link: Option<LinkId>, node: NodeId) -> Tri {
    link.map_or(Tri::No, |l| net.link_names(l, node))
}

/// The route hop from `subnet` (in `from_vpc`) toward `destination` in `to_vpc`.
pub fn route_between(
    net: &Network<'_, '_>,
    kind: HopKind,
    subnet: NodeId,
    destination: Option<IpNet>,
    from_vpc: NodeId,
    to_vpc: NodeId,
) -> Hop {
    let hop = |outcome, table: Option<NodeId>, via: Option<NodeId>, gap, doubt: Option<String>| Hop {
        kind,
        outcome,
        resources: table.into_iter().chain(via).collect(),
        data: HopData::Between(VpcRoute { table, destination, to_vpc: Some(to_vpc), via, gap, doubt }),
    };
    let Some(dest) = destination else {
        let why = format!("the address range of the destination in {} is unknown until apply", net.describe(to_vpc));
        return hop(Tri::Maybe, None, None, None, Some(why));
    };
    let tables: Vec<NodeId> = net
        .subnets
        .get(&subnet)
        .and_then(|s| s.route_table)
        .map(|l| net.link(l).targets().into_iter().copied().collect())
        .unwrap_or_default();
    if tables.is_empty() {
        let why = format!("the route table of {} is not resolved", net.describe(subnet));
        return hop(Tri::Maybe, None, None, None, Some(why));
    }
    let mut shown: Option<Hop> = None;
    let mut outcomes = Vec::new();
    for table in tables {
        let (outcome, via, gap, doubt) = table_toward(net, table, &dest, from_vpc, to_vpc);
        outcomes.push(outcome);
        if shown.as_ref().is_none_or(|h| h.outcome == Tri::Yes && outcome != Tri::Yes) {
            shown = Some(hop(outcome, Some(table), via, gap, doubt));
        }
    }
    let mut h = shown.expect("at least one table");
    h.outcome = Tri::agree(outcomes);
    h
}

type Toward = (Tri, Option<NodeId>, Option<RouteGap>, Option<String>);

/// Where one table sends `dest`: the most specific route that covers it.
fn table_toward(net: &Network<'_, '_>, table: NodeId, dest: &IpNet, from_vpc: NodeId, to_vpc: NodeId) -> Toward {
    let Some(t) = net.route_tables.get(&table) else {
        return (Tri::Maybe, None, None, Some(format!("route table {} is not in the plan", net.describe(table))));
    };
    let unknown_routes = t.routes.iter().any(|r| !matches!(r.destination, Destination::Cidr(_)));
    let Some(route) = t.routes_to(dest).into_iter().next() else {
        if unknown_routes {
            let why =
                format!("{}: a route whose destination is unknown until apply may cover {dest}", net.describe(table));
            return (Tri::Maybe, None, None, Some(why));
        }
        return (Tri::No, None, Some(RouteGap::NoRoute), None);
    };
    let targets: Vec<NodeId> =
        route.target.link.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
    let Some(&via) = targets.first() else {
        let why = format!("{}: the target of the route to {dest} is not resolved", net.describe(table));
        return (Tri::Maybe, None, None, Some(why));
    };
    let (outcome, gap, doubt) = match route.target.kind {
        TargetKind::TransitGateway => tgw_carries(net, via, dest, from_vpc, to_vpc),
        TargetKind::PeeringConnection => peering_joins(net, via, from_vpc, to_vpc),
        TargetKind::InternetGateway | TargetKind::EgressOnlyInternetGateway | TargetKind::VpcEndpoint => {
            (Tri::No, Some(RouteGap::WrongTarget(route.target.kind)), None)
        }
        kind => {
            let why = format!("{}: the route to {dest} goes to {}", net.describe(table), kind.describe());
            (Tri::Maybe, Some(RouteGap::Opaque(kind)), Some(why))
        }
    };
    let outcome = if route.membership == Membership::Candidate && outcome == Tri::Yes { Tri::Maybe } else { outcome };
    (outcome, Some(via), gap, doubt)
}

/// Whether a peering connection joins the two VPCs (and is accepted).
fn peering_joins(net: &Network<'_, '_>, pcx: NodeId, a: NodeId, b: NodeId) -> (Tri, Option<RouteGap>, Option<String>) {
    let Some(p) = net.peerings.get(&pcx) else {
        return (Tri::Maybe, None, Some(format!("peering connection {} is not in the plan", net.describe(pcx))));
    };
    let joins =
        (names(net, p.vpc, a).and(names(net, p.peer_vpc, b))).or(names(net, p.vpc, b).and(names(net, p.peer_vpc, a)));
    match joins.and(p.accepted) {
        Tri::No => (Tri::No, Some(RouteGap::OtherPeers), None),
        Tri::Maybe if joins == Tri::Yes => {
            let why = format!("whether {} is accepted is not in the plan", net.describe(pcx));
            (Tri::Maybe, None, Some(why))
        }
        Tri::Maybe => (Tri::Maybe, None, Some(format!("which VPCs {} joins is not decided", net.describe(pcx)))),
        Tri::Yes => (Tri::Yes, None, None),
    }
}

/// Whether a transit gateway carries traffic from `from_vpc` to `dest` in `to_vpc`: both VPCs
/// attached, and the route table associated with the source attachment routing `dest` to the
/// destination attachment (propagated or static).
fn tgw_carries(
    net: &Network<'_, '_>,
    tgw: NodeId,
    dest: &IpNet,
    from_vpc: NodeId,
    to_vpc: NodeId,
) -> (Tri, Option<RouteGap>, Option<String>) {
    let Some(gw) = net.transit_gateways.get(&tgw) else {
        return (Tri::Maybe, None, Some(format!("transit gateway {} is not in the plan", net.describe(tgw))));
    };
    let attached = |vpc: NodeId| -> Vec<(&crate::network::transit::TgwAttachment, Tri)> {
        net.tgw_attachments
            .iter()
            .map(|a| (a, names(net, a.tgw, tgw).and(names(net, a.vpc, vpc))))
            .filter(|(_, t)| *t != Tri::No)
            .collect()
    };
    let (from, to) = (attached(from_vpc), attached(to_vpc));
    for (side, vpc) in [(&from, from_vpc), (&to, to_vpc)] {
        if side.is_empty() {
            return (Tri::No, Some(RouteGap::NotAttached { vpc }), None);
        }
    }
    let mut outcome = Tri::No;
    let mut blackhole = None;
    for (a, a_certain) in &from {
        // The tables associated with the source attachment: the default one, and explicit ones.
        let mut tables: Vec<(NodeId, Tri)> = Vec::new();
        let default = gw.default_association.and(a.default_association);
        if default != Tri::No {
            tables.push((tgw, default));
        }
        for (node, t) in &net.tgw_route_tables {
            let assoc = Tri::any(t.associations.iter().map(|l| names(net, Some(*l), a.node)));
            if assoc != Tri::No && *node != tgw {
                tables.push((*node, assoc));
            }
        }
        for (table, associated) in tables {
            let rt = net.tgw_route_tables.get(&table);
            let statics: Vec<&crate::network::transit::TgwRoute> = rt
                .map(|t| {
                    t.routes
                        .iter()
                        .filter(|r| matches!(&r.destination, Destination::Cidr(d) if d.contains(dest)))
                        .collect()
                })
                .unwrap_or_default();
            let most_specific = statics.iter().max_by_key(|r| match &r.destination {
                Destination::Cidr(d) => d.prefix_len(),
                _ => 0,
            });
            let routed = match most_specific {
                Some(r) if r.blackhole => {
                    blackhole = Some(r.node);
                    Tri::No
                }
                Some(r) => Tri::any(to.iter().map(|(b, c)| names(net, r.attachment, b.node).and(*c))),
                None => {
                    let propagated = rt.map_or(Tri::No, |t| {
                        Tri::any(
                            to.iter()
                                .flat_map(|(b, c)| t.propagations.iter().map(move |l| (l, b, c)))
                                .map(|(l, b, c)| names(net, Some(*l), b.node).and(*c)),
                        )
                    });
                    let by_default = if table == tgw {
                        Tri::any(to.iter().map(|(b, c)| gw.default_propagation.and(b.default_propagation).and(*c)))
                    } else {
                        Tri::No
                    };
                    propagated.or(by_default)
                }
            };
            outcome = outcome.or(routed.and(associated).and(*a_certain));
        }
    }
    match (outcome, blackhole) {
        (Tri::No, Some(route)) => (Tri::No, Some(RouteGap::Blackhole { route }), None),
        (Tri::No, None) => (Tri::No, Some(RouteGap::NotRouted), None),
        (Tri::Maybe, _) => {
            let why = format!(
                "whether transit gateway {} routes {dest} to {} is not decided in the plan",
                net.describe(tgw),
                net.describe(to_vpc)
            );
            (Tri::Maybe, None, Some(why))
        }
        (Tri::Yes, _) => (Tri::Yes, None, None),
    }
}

/// Whether the plan joins two VPCs at all: both attached to one transit gateway, or a peering
/// connection between them. Routes are the hops' business; this only finds what to evaluate.
pub fn joined(net: &Network<'_, '_>, a: NodeId, b: NodeId) -> bool {
    let gateways_of = |vpc: NodeId| -> Vec<NodeId> {
        net.tgw_attachments
            .iter()
            .filter(|t| names(net, t.vpc, vpc) != Tri::No)
            .flat_map(|t| {
                t.tgw.map(|l| net.link(l).targets().into_iter().copied().collect::<Vec<_>>()).unwrap_or_default()
            })
            .collect()
    };
    let ga = gateways_of(a);
    let by_tgw = !ga.is_empty() && gateways_of(b).iter().any(|g| ga.contains(g));
    by_tgw
        || net.peerings.values().any(|p| {
            (names(net, p.vpc, a).or(names(net, p.peer_vpc, a)) != Tri::No)
                && (names(net, p.vpc, b).or(names(net, p.peer_vpc, b)) != Tri::No)
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::reach::Code;
    use crate::reach::path::Via;
    use crate::testkit::{Plan, baseline, r};

    /// The baseline's VPC as a spoke: its endpoints moved to a hub VPC (10.9.0.0/16) joined by
    /// a transit gateway with default route tables, private DNS off, and private hosted zones
    /// associated with the spoke whose alias records lead to the hub's endpoints.
    fn hub_and_spoke() -> Plan {
        let mut p = baseline()
            .set(
                "aws_security_group.app",
                "egress",
                json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.9.0.0/16"]}]),
            )
            .resource("aws_vpc.hub", json!({"cidr_block": "10.9.0.0/16", "enable_dns_support": true, "enable_dns_hostnames": true}))
            .resource("aws_subnet.hub", json!({"vpc_id": r("aws_vpc.hub"), "cidr_block": "10.9.1.0/24", "availability_zone": "us-east-1a"}))
            .set("aws_security_group.endpoints", "vpc_id", r("aws_vpc.hub"))
            .resource("aws_ec2_transit_gateway.main", json!({}))
            .resource("aws_ec2_transit_gateway_vpc_attachment.spoke", json!({"transit_gateway_id": r("aws_ec2_transit_gateway.main"), "vpc_id": r("aws_vpc.main"), "subnet_ids": crate::testkit::refs(&["aws_subnet.a"])}))
            .resource("aws_ec2_transit_gateway_vpc_attachment.hub", json!({"transit_gateway_id": r("aws_ec2_transit_gateway.main"), "vpc_id": r("aws_vpc.hub"), "subnet_ids": crate::testkit::refs(&["aws_subnet.hub"])}))
            .resource("aws_route_table.spoke", json!({"vpc_id": r("aws_vpc.main"), "route": [{"cidr_block": "10.9.0.0/16", "transit_gateway_id": r("aws_ec2_transit_gateway.main")}]}))
            .resource("aws_route_table_association.spoke", json!({"subnet_id": r("aws_subnet.a"), "route_table_id": r("aws_route_table.spoke")}))
            .resource("aws_route_table.hub", json!({"vpc_id": r("aws_vpc.hub"), "route": [{"cidr_block": "10.0.0.0/16", "transit_gateway_id": r("aws_ec2_transit_gateway.main")}]}))
            .resource("aws_route_table_association.hub", json!({"subnet_id": r("aws_subnet.hub"), "route_table_id": r("aws_route_table.hub")}));
        for s in ["ssm", "ssmmessages", "ec2messages"] {
            let e = format!("aws_vpc_endpoint.{s}");
            p = p
                .set(&e, "vpc_id", r("aws_vpc.hub"))
                .set(&e, "subnet_ids", crate::testkit::refs(&["aws_subnet.hub"]))
                .set(&e, "private_dns_enabled", json!(false))
                .resource(&format!("aws_route53_zone.{s}"), json!({"name": format!("{s}.us-east-1.amazonaws.com"), "vpc": [{"vpc_id": r("aws_vpc.main")}]}))
                .resource(
                    &format!("aws_route53_record.{s}"),
                    json!({"zone_id": r(&format!("aws_route53_zone.{s}")), "name": format!("{s}.us-east-1.amazonaws.com"), "type": "A", "alias": [{"name": r(&e), "zone_id": r(&e)}]}),
                );
        }
        p
    }

    fn ssm(t: &crate::testkit::Fixture<'_, '_, '_>) -> crate::reach::ServiceReach {
        t.instance("aws_instance.app").service(crate::network::Service::Ssm).unwrap().clone()
    }

    fn gap(s: &crate::reach::ServiceReach) -> Option<RouteGap> {
        s.path.hops.iter().find_map(|h| match &h.data {
            HopData::Between(r) if h.outcome == Tri::No => r.gap.clone(),
            _ => None,
        })
    }

    #[test]
    fn a_hub_endpoint_is_reached_through_the_transit_gateway_both_ways() {
        hub_and_spoke().check(|t| {
            let s = ssm(t);
            assert_eq!((s.outcome, s.path.via), (Tri::Yes, Via::Endpoint), "{:?}", s.path.hops);
            assert_eq!(s.path.endpoint, Some(t.node("aws_vpc_endpoint.ssm")));
            let kinds: Vec<HopKind> = s.path.hops.iter().map(|h| h.kind).collect();
            assert!(kinds.contains(&HopKind::ReturnRoute));
        });
    }

    #[test]
    fn no_route_back_from_the_hub_blocks() {
        hub_and_spoke().set("aws_route_table.hub", "route", json!([])).check(|t| {
            let s = ssm(t);
            assert_eq!(s.outcome, Tri::No);
            let (hop, _) = s.blocked.clone().unwrap();
            assert_eq!((hop.kind, hop.code()), (HopKind::ReturnRoute, Some(Code::NoRouteToDestination)));
            assert_eq!(gap(&s), Some(RouteGap::NoRoute));
        });
    }

    #[test]
    fn a_transit_gateway_without_default_tables_or_propagation_does_not_route() {
        let off = json!("disable");
        hub_and_spoke()
            .set("aws_ec2_transit_gateway.main", "default_route_table_association", off.clone())
            .set("aws_ec2_transit_gateway.main", "default_route_table_propagation", off)
            .check(|t| assert_eq!(gap(&ssm(t)), Some(RouteGap::NotRouted)));
    }

    #[test]
    fn explicit_tables_with_propagations_route() {
        let off = json!("disable");
        let assoc = |a: &str| json!({"transit_gateway_attachment_id": r(a), "transit_gateway_route_table_id": r("aws_ec2_transit_gateway_route_table.shared")});
        hub_and_spoke()
            .set("aws_ec2_transit_gateway.main", "default_route_table_association", off.clone())
            .set("aws_ec2_transit_gateway.main", "default_route_table_propagation", off)
            .resource(
                "aws_ec2_transit_gateway_route_table.shared",
                json!({"transit_gateway_id": r("aws_ec2_transit_gateway.main")}),
            )
            .resource(
                "aws_ec2_transit_gateway_route_table_association.spoke",
                assoc("aws_ec2_transit_gateway_vpc_attachment.spoke"),
            )
            .resource(
                "aws_ec2_transit_gateway_route_table_association.hub",
                assoc("aws_ec2_transit_gateway_vpc_attachment.hub"),
            )
            .resource(
                "aws_ec2_transit_gateway_route_table_propagation.spoke",
                assoc("aws_ec2_transit_gateway_vpc_attachment.spoke"),
            )
            .resource(
                "aws_ec2_transit_gateway_route_table_propagation.hub",
                assoc("aws_ec2_transit_gateway_vpc_attachment.hub"),
            )
            .check(|t| assert_eq!(ssm(t).outcome, Tri::Yes));
    }

    #[test]
    fn a_blackhole_route_drops() {
        let blackhole = json!({"destination_cidr_block": "10.9.0.0/16", "blackhole": true, "transit_gateway_route_table_id": r("aws_ec2_transit_gateway.main")});
        hub_and_spoke()
            .resource("aws_ec2_transit_gateway_route.drop", blackhole)
            .check(|t| assert!(matches!(gap(&ssm(t)), Some(RouteGap::Blackhole { .. }))));
    }

    #[test]
    fn a_vpc_not_attached_to_the_gateway_is_not_reached() {
        hub_and_spoke()
            .without("aws_ec2_transit_gateway_vpc_attachment.hub", None)
            .check(|t| assert!(matches!(gap(&ssm(t)), Some(RouteGap::NotAttached { .. }))));
    }

    #[test]
    fn a_peering_connection_between_the_two_vpcs_carries_it_and_another_does_not() {
        let peer = |a: &str, b: &str| json!({"vpc_id": r(a), "peer_vpc_id": r(b), "auto_accept": true});
        let via_peering = |p: Plan| {
            p.without("aws_ec2_transit_gateway_vpc_attachment.hub", None)
                .without("aws_ec2_transit_gateway_vpc_attachment.spoke", None)
                .set("aws_route_table.spoke", "route", json!([{"cidr_block": "10.9.0.0/16", "vpc_peering_connection_id": r("aws_vpc_peering_connection.x")}]))
                .set("aws_route_table.hub", "route", json!([{"cidr_block": "10.0.0.0/16", "vpc_peering_connection_id": r("aws_vpc_peering_connection.x")}]))
        };
        via_peering(hub_and_spoke().resource("aws_vpc_peering_connection.x", peer("aws_vpc.main", "aws_vpc.hub")))
            .check(|t| assert_eq!(ssm(t).outcome, Tri::Yes));
        via_peering(
            hub_and_spoke()
                .resource("aws_vpc.other", json!({"cidr_block": "10.7.0.0/16"}))
                .resource("aws_vpc_peering_connection.x", peer("aws_vpc.main", "aws_vpc.other")),
        )
        .check(|t| assert_eq!(gap(&ssm(t)), Some(RouteGap::OtherPeers)));
    }

    #[test]
    fn a_zone_not_associated_with_the_spoke_bypasses_the_hub_endpoint() {
        hub_and_spoke().set("aws_route53_zone.ssm", "vpc", json!([{"vpc_id": r("aws_vpc.hub")}])).check(|t| {
            let s = ssm(t);
            assert_eq!(s.path.via, Via::Internet);
            assert_eq!(s.path.bypassed, [(t.node("aws_vpc_endpoint.ssm"), Code::EndpointPrivateDnsDisabled)]);
        });
    }
}
