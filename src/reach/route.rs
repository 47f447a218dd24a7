//! The route hop evaluator for the internet path: where a subnet's `0.0.0.0/0` route leads —
//! an internet gateway (the instance then needs a public IP), a NAT gateway (which itself
//! must sit in a subnet routed to an attached internet gateway), or a target tfreach cannot
//! see beyond.

use super::hop::{DefaultRoute, Hop, HopData, HopKind};
use crate::network::Network;
use crate::network::graph::{Link, NodeId};
use crate::network::routing::TargetKind;
use crate::tri::Tri;

/// The route hop from `subnet` toward the internet, and the subnets of the NAT gateways it
/// goes through (whose ACLs the traffic crosses too).
pub fn route_hop(net: &Network<'_, '_>, subnet: NodeId, public_ip: Tri) -> (Hop, Vec<NodeId>) {
    let unknown = |why: String| Hop {
        kind: HopKind::Route,
        outcome: Tri::Maybe,
        resources: vec![subnet],
        data: HopData::Route { table: None, to: None, doubt: Some(why) },
    };
    let Some(s) = net.subnets.get(&subnet) else {
        return (unknown(format!("subnet {} is not in the plan", net.describe(subnet))), Vec::new());
    };
    let tables: Vec<NodeId> =
        s.route_table.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
    if tables.is_empty() {
        let why = if net.is_data(subnet) {
            format!("{} is read from AWS: its route table is not in the plan", net.describe(subnet))
        } else {
            format!("the route table of {} is not resolved", net.describe(subnet))
        };
        return (unknown(why), Vec::new());
    }
    let mut per_table = Vec::new();
    let mut nat_subnets = Vec::new();
    let mut shown: Option<Hop> = None;
    for table in tables {
        let (hop, nats) = table_to_internet(net, table, public_ip);
        nat_subnets.extend(nats);
        per_table.push(hop.outcome);
        if shown.as_ref().is_none_or(|b| b.outcome == Tri::Yes && hop.outcome != Tri::Yes) {
            shown = Some(hop);
        }
    }
    let mut hop = shown.expect("at least one table");
    hop.outcome = Tri::agree(per_table);
    (hop, nat_subnets)
}

/// Where one table's default route leads.
pub fn table_to_internet(net: &Network<'_, '_>, table: NodeId, public_ip: Tri) -> (Hop, Vec<NodeId>) {
    let hop = |outcome, to, doubt| Hop {
        kind: HopKind::Route,
        outcome,
        resources: vec![table],
        data: HopData::Route { table: Some(table), to, doubt },
    };
    let Some(t) = net.route_tables.get(&table) else {
        let why = format!("route table {} is not in the plan", net.describe(table));
        return (hop(Tri::Maybe, None, Some(why)), Vec::new());
    };
    let Some(route) = t.default_routes().next() else {
        return (hop(Tri::No, Some(DefaultRoute::None), None), Vec::new());
    };
    let targets: Vec<NodeId> =
        route.target.link.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
    // An instance (or its interface) as the target: a NAT instance.
    let nat = match route.target.kind {
        TargetKind::Instance | TargetKind::NetworkInterface => nat_instance(net, &targets),
        _ => None,
    };
    let mut result = match (route.target.kind, nat) {
        (TargetKind::InternetGateway, _) => {
            let to = DefaultRoute::InternetGateway { gateways: targets.clone(), public_ip };
            let doubt = (public_ip == Tri::Maybe)
                .then(|| "whether the instance gets a public IP is unknown until apply".to_string());
            (hop(public_ip, Some(to), doubt), Vec::new())
        }
        (TargetKind::NatGateway, _) => {
            let mut outcomes = Vec::new();
            let mut subnets = Vec::new();
            let mut failing: Option<(NodeId, Option<NodeId>, bool)> = None;
            for &n in &targets {
                let (t, subnet, private) = nat_to_internet(net, n);
                outcomes.push(t);
                if t != Tri::Yes && failing.is_none() {
                    failing = Some((n, subnet, private));
                }
                subnets.extend(subnet);
            }
            let outcome = if outcomes.is_empty() { Tri::Maybe } else { Tri::agree(outcomes) };
            let (failing, subnet, private) = match failing {
                Some((n, s, p)) => (Some(n), s, p),
                None => (None, subnets.first().copied(), false),
            };
            let to = DefaultRoute::NatGateway { gateways: targets.clone(), failing, subnet, private };
            let doubt = (outcome == Tri::Maybe)
                .then(|| format!("{}: where the NAT gateway leads is not resolved", net.describe(table)));
            (hop(outcome, Some(to), doubt), subnets)
        }
        (_, Some((ci, via))) => {
            let (outcome, gap, subnet) = nat_instance_to_internet(net, ci, via);
            let to = DefaultRoute::NatInstance { instance: net.compute[ci].node, subnet, gap };
            let doubt = (outcome == Tri::Maybe).then(|| {
                format!(
                    "{}: whether NAT instance {} forwards to the internet is unknown until apply",
                    net.describe(table),
                    net.describe(net.compute[ci].node)
                )
            });
            (hop(outcome, Some(to), doubt), subnet.into_iter().collect())
        }
        (kind, None) => {
            let doubt = format!("{}: the default route's target ({})", net.describe(table), kind.describe());
            (hop(Tri::Maybe, Some(DefaultRoute::Opaque { target: kind }), Some(doubt)), Vec::new())
        }
    };
    result.0.resources.extend(targets);
    result
}

/// Whether a NAT gateway reaches the internet: public, in a subnet routed to an internet
/// gateway attached to its VPC. Also its subnet, and whether it is private.
fn nat_to_internet(net: &Network<'_, '_>, nat: NodeId) -> (Tri, Option<NodeId>, bool) {
    let Some(n) = net.nat_gateways.get(&nat) else { return (Tri::Maybe, None, false) };
    if n.private {
        return (Tri::No, None, true);
    }
    let Some(subnet) = n.subnet.and_then(|l| net.link(l).targets().first().copied().copied()) else {
        return (Tri::Maybe, None, false);
    };
    if !net.subnets.contains_key(&subnet) {
        return (Tri::Maybe, Some(subnet), false);
    }
    let outcome = subnet_to_internet_gateway(net, subnet);
    (outcome, Some(subnet), false)
}

/// The instance a route target stands for (the instance itself, or one of its interfaces),
/// as its index in `net.compute`, and the target node.
fn nat_instance(net: &Network<'_, '_>, targets: &[NodeId]) -> Option<(usize, NodeId)> {
    let &[target] = targets else { return None };
    let ci = net.compute.iter().position(|c| c.node == target || c.interfaces.contains(&target))?;
    Some((ci, target))
}

/// Whether a NAT instance passes traffic on to the internet: it forwards (source/destination
/// checking off, on the instance or on the interface the route names), has a public IP, and
/// sits in a subnet routed to an attached internet gateway. Also its subnet.
fn nat_instance_to_internet(
    net: &Network<'_, '_>,
    ci: usize,
    via: NodeId,
) -> (Tri, Option<crate::reach::hop::NatInstanceGap>, Option<NodeId>) {
    use crate::reach::hop::NatInstanceGap as G;
    let c = &net.compute[ci];
    let check = net.resource(via).map(|id| net.model()[id].attr::<bool>("source_dest_check", Some(true))).map_or(
        Tri::Maybe,
        |a| match a.value() {
            Some(on) => Tri::from_bool(!on),
            None => Tri::Maybe,
        },
    );
    let subnet = net.link(c.placement.subnets).single().copied();
    let to_igw = subnet.map_or(Tri::Maybe, |s| subnet_to_internet_gateway(net, s));
    let steps = [(check, G::SourceDestCheck), (c.public_ip.outcome, G::NoPublicIp), (to_igw, G::NoInternetRoute)];
    let gap = steps.iter().find(|(t, _)| *t == Tri::No).map(|(_, g)| *g);
    (Tri::all(steps.iter().map(|(t, _)| *t)), gap, subnet)
}

/// Whether a subnet's default route goes to an internet gateway attached to its VPC.
fn subnet_to_internet_gateway(net: &Network<'_, '_>, subnet: NodeId) -> Tri {
    let Some(s) = net.subnets.get(&subnet) else { return Tri::Maybe };
    let vpc = s.vpc.map(|l| net.link(l).clone()).unwrap_or_else(Link::known_empty);
    let tables: Vec<NodeId> =
        s.route_table.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
    let outcomes: Vec<Tri> = tables
        .iter()
        .map(|table| {
            let Some(t) = net.route_tables.get(table) else { return Tri::Maybe };
            match t.default_routes().next() {
                Some(r) if r.target.kind == TargetKind::InternetGateway => {
                    let igws: Vec<NodeId> =
                        r.target.link.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
                    Tri::any(igws.iter().map(|g| igw_attached(net, *g, &vpc)))
                }
                Some(r) if matches!(r.target.kind, TargetKind::NatGateway) => Tri::No,
                Some(_) => Tri::Maybe,
                None => Tri::No,
            }
        })
        .collect();
    if outcomes.is_empty() { Tri::Maybe } else { Tri::agree(outcomes) }
}

fn igw_attached(net: &Network<'_, '_>, igw: NodeId, vpc: &Link) -> Tri {
    let Some(g) = net.internet_gateways.get(&igw) else { return Tri::Maybe };
    Tri::any(g.vpcs.iter().map(|l| same_vpc(net.link(*l), vpc)))
}

/// Whether two VPC links point at the same VPC.
pub fn same_vpc(a: &Link, b: &Link) -> Tri {
    fn only(l: &Link) -> Option<NodeId> {
        let t = l.targets();
        (t.len() == 1).then(|| *t[0])
    }
    let (ta, tb) = (a.targets(), b.targets());
    if ta.is_empty() || tb.is_empty() {
        return Tri::Maybe;
    }
    if let (Some(x), Some(y)) = (only(a), only(b)) {
        return Tri::from_bool(x == y);
    }
    let set: rustc_hash::FxHashSet<&NodeId> = tb.into_iter().collect();
    if ta.iter().any(|t| set.contains(t)) { Tri::Maybe } else { Tri::No }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::{Plan, r};

    /// A VPC with an internet gateway, a public subnet routed to it and a private subnet
    /// routed through a NAT gateway in the public one.
    fn nat(attach: bool) -> Plan {
        let public_route = if attach {
            json!([{"cidr_block": "0.0.0.0/0", "gateway_id": r("aws_internet_gateway.igw")}])
        } else {
            json!([])
        };
        Plan::new()
            .resource("aws_vpc.main", json!({"cidr_block": "10.0.0.0/16"}))
            .resource("aws_internet_gateway.igw", json!({"vpc_id": r("aws_vpc.main")}))
            .resource("aws_subnet.public", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.0.0/24"}))
            .resource("aws_subnet.private", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.1.0/24"}))
            .resource("aws_nat_gateway.nat", json!({"subnet_id": r("aws_subnet.public")}))
            .resource("aws_route_table.public", json!({"vpc_id": r("aws_vpc.main"), "route": public_route}))
            .resource(
                "aws_route_table.private",
                json!({"vpc_id": r("aws_vpc.main"), "route": [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": r("aws_nat_gateway.nat")}]}),
            )
            .resource("aws_route_table_association.public", json!({"subnet_id": r("aws_subnet.public"), "route_table_id": r("aws_route_table.public")}))
            .resource("aws_route_table_association.private", json!({"subnet_id": r("aws_subnet.private"), "route_table_id": r("aws_route_table.private")}))
    }

    /// `nat(true)` with a NAT instance in the public subnet instead of the gateway.
    fn nat_instance(source_dest_check: bool, public_ip: bool) -> Plan {
        let instance = json!({"subnet_id": r("aws_subnet.public"), "associate_public_ip_address": public_ip, "source_dest_check": source_dest_check});
        let route = json!([{"cidr_block": "0.0.0.0/0", "network_interface_id": r("aws_instance.nat")}]);
        nat(true).without("aws_nat_gateway.nat", None).resource("aws_instance.nat", instance).set(
            "aws_route_table.private",
            "route",
            route,
        )
    }

    #[test]
    fn a_forwarding_nat_instance_with_a_public_ip_reaches_the_internet() {
        nat_instance(false, true).check(|t| {
            let (hop, subnets) = route_hop(t.net, t.node("aws_subnet.private"), Tri::No);
            assert_eq!(hop.outcome, Tri::Yes);
            assert!(matches!(hop.data, HopData::Route { to: Some(DefaultRoute::NatInstance { gap: None, .. }), .. }));
            assert_eq!(subnets, [t.node("aws_subnet.public")]);
        });
    }

    #[test]
    fn a_nat_instance_that_checks_source_and_destination_or_lacks_a_public_ip_does_not() {
        use crate::reach::hop::NatInstanceGap as G;
        for (plan, gap) in [(nat_instance(true, true), G::SourceDestCheck), (nat_instance(false, false), G::NoPublicIp)]
        {
            plan.check(|t| {
                let (hop, _) = route_hop(t.net, t.node("aws_subnet.private"), Tri::No);
                assert_eq!(hop.code(), Some(crate::reach::Code::NatInstanceCannotForward));
                assert!(
                    matches!(hop.data, HopData::Route { to: Some(DefaultRoute::NatInstance { gap: Some(g), .. }), .. } if g == gap)
                );
            });
        }
    }

    #[test]
    fn an_existing_subnet_read_from_aws_has_no_route_table_in_the_plan() {
        let data = json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.9.0/24"});
        nat(true).resource("data.aws_subnet.existing", data).check(|t| {
            let (hop, _) = route_hop(t.net, t.node("data.aws_subnet.existing"), Tri::No);
            assert_eq!(hop.outcome, Tri::Maybe);
            assert_eq!(
                hop.unresolved(),
                ["data.aws_subnet.existing is read from AWS: its route table is not in the plan"]
            );
            // A managed subnet's table is in the plan.
            let (hop, _) = route_hop(t.net, t.node("aws_subnet.public"), Tri::No);
            assert_ne!(hop.outcome, Tri::Maybe);
        });
    }

    #[test]
    fn a_nat_gateway_in_a_public_subnet_reaches_the_internet() {
        nat(true).check(|t| {
            let (hop, nat_subnets) = route_hop(t.net, t.node("aws_subnet.private"), Tri::No);
            assert_eq!(hop.outcome, Tri::Yes);
            assert_eq!(nat_subnets, [t.node("aws_subnet.public")]);
        });
    }

    #[test]
    fn a_nat_gateway_without_a_route_to_an_internet_gateway_does_not() {
        nat(false).check(|t| {
            let (hop, _) = route_hop(t.net, t.node("aws_subnet.private"), Tri::No);
            assert_eq!(hop.outcome, Tri::No);
            assert!(matches!(hop.data, HopData::Route { to: Some(DefaultRoute::NatGateway { .. }), .. }));
            assert_eq!(hop.code(), Some(crate::reach::Code::NatWithoutInternet));
        });
    }

    #[test]
    fn an_internet_gateway_needs_a_public_ip() {
        nat(true).check(|t| {
            let public = t.node("aws_subnet.public");
            assert_eq!(route_hop(t.net, public, Tri::Yes).0.outcome, Tri::Yes);
            assert_eq!(route_hop(t.net, public, Tri::No).0.code(), Some(crate::reach::Code::IgwWithoutPublicIp));
            assert_eq!(route_hop(t.net, public, Tri::Maybe).0.outcome, Tri::Maybe);
        });
    }

    #[test]
    fn the_main_table_has_no_default_route() {
        Plan::new()
            .resource("aws_vpc.main", json!({"cidr_block": "10.0.0.0/16"}))
            .resource("aws_subnet.a", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.1.0/24"}))
            .check(|t| {
                let (hop, _) = route_hop(t.net, t.node("aws_subnet.a"), Tri::No);
                assert_eq!(hop.code(), Some(crate::reach::Code::NoRouteToInternet));
            });
    }

    #[test]
    fn a_transit_gateway_is_opaque() {
        let route = json!([{"cidr_block": "0.0.0.0/0", "transit_gateway_id": "tgw-0123"}]);
        nat(true).set("aws_route_table.private", "route", route).check(|t| {
            let (hop, _) = route_hop(t.net, t.node("aws_subnet.private"), Tri::No);
            assert_eq!((hop.outcome, hop.code()), (Tri::Maybe, Some(crate::reach::Code::RouteTargetOpaque)));
        });
    }

    #[test]
    fn same_vpc_over_candidates() {
        use crate::network::graph::one_of;
        use crate::resolve::Resolution;
        let (a, b) = (NodeId::new(1), NodeId::new(2));
        assert_eq!(same_vpc(&one_of(vec![a], Resolution::Known), &one_of(vec![a], Resolution::Known)), Tri::Yes);
        assert_eq!(same_vpc(&one_of(vec![a], Resolution::Known), &one_of(vec![b], Resolution::Known)), Tri::No);
        assert_eq!(
            same_vpc(&one_of(vec![a, b], Resolution::Candidates), &one_of(vec![a], Resolution::Known)),
            Tri::Maybe
        );
        assert_eq!(same_vpc(&Link::known_empty(), &one_of(vec![a], Resolution::Known)), Tri::Maybe);
    }
}
