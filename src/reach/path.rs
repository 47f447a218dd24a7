//! One path, hop by hop: from an instance in one subnet to one service, through an interface
//! endpoint (when DNS leads there) or through the internet.

use ipnet::IpNet;
use serde::Serialize;

use super::acl::{Leg, Remote, acl_hop};
use super::codes::Code;
use super::dns::{flag, private_dns, remote_endpoints};
use super::filter::{admits, endpoint_cidrs};
use super::hop::{DefaultRoute, FilterCheck, Hop, HopData, HopKind, Toward};
use super::route::{route_hop, same_vpc};
use super::transit::route_between;
use crate::network::graph::{Link, LinkId, NodeId};
use crate::network::traffic::{Direction, Ports};
use crate::network::{Endpoint, Network, Service};
use crate::tri::Tri;

/// How a service is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Endpoint,
    Internet,
    None,
}

/// A path from one subnet to one service.
#[derive(Debug, Clone)]
pub struct PathResult {
    pub outcome: Tri,
    pub via: Via,
    pub endpoint: Option<NodeId>,
    pub hops: Vec<Hop>,
    /// Endpoints for the service in the VPC that DNS does not lead to, and why.
    pub bypassed: Vec<(NodeId, Code)>,
}

impl PathResult {
    /// The hop that blocks: name resolution, routing and placement first, then the first
    /// failing hop in packet order; else the first that may fail.
    pub fn blocking_hop(&self) -> Option<&Hop> {
        self.hops
            .iter()
            .filter(|h| h.is_structural())
            .find(|h| h.outcome == Tri::No)
            .or_else(|| self.hops.iter().find(|h| h.outcome == Tri::No))
            .or_else(|| self.hops.iter().find(|h| h.outcome == Tri::Maybe))
    }
}

/// Where an instance sits: one subnet (one candidate of its subnet link) and its VPC.
#[derive(Debug, Clone)]
pub struct Location {
    pub subnet: NodeId,
    pub vpc: Link,
    pub cidr: Option<IpNet>,
}

impl Location {
    pub fn of(net: &Network<'_, '_>, subnet: NodeId) -> Location {
        match net.subnets.get(&subnet) {
            Some(s) => Location {
                subnet,
                vpc: s.vpc.map(|l| net.link(l).clone()).unwrap_or_else(Link::known_empty),
                cidr: s.cidr.value().copied(),
            },
            None => Location { subnet, vpc: Link::known_empty(), cidr: None },
        }
    }
}

/// What about the instance matters to a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstanceSide {
    pub groups: LinkId,
    pub public_ip: Tri,
    pub region: Option<String>,
}

/// The path from `loc` to `service`.
pub fn path(net: &Network<'_, '_>, inst: &InstanceSide, loc: &Location, service: Service) -> PathResult {
    let vpcs: Vec<NodeId> = loc.vpc.targets().into_iter().copied().collect();
    let mut bypassed = Vec::new();
    let mut private: Vec<(&Endpoint, Tri, Hop)> = Vec::new();
    for e in net.endpoints_for(service, &vpcs).into_iter().filter(|e| e.is_interface()) {
        let endpoint_vpc = e.vpc.map(|l| net.link(l).clone()).unwrap_or_else(Link::known_empty);
        let in_vpc = same_vpc(&endpoint_vpc, &loc.vpc);
        if in_vpc == Tri::No {
            continue;
        }
        let dns = private_dns(net, e, service, &loc.vpc, inst.region.as_deref());
        if dns.outcome != Tri::Yes
            && let HopData::PrivateDns { causes, .. } = &dns.data
        {
            bypassed.extend(causes.iter().map(|c| (e.node, c.code())).filter(|(_, c)| *c != Code::Unresolved));
        }
        private.push((e, dns.outcome.and(in_vpc), dns));
    }
    // Endpoints in other VPCs (a shared-services VPC behind a transit gateway or peering),
    // which a private hosted zone associated with this VPC may send the name to.
    if !private.iter().any(|(_, t, _)| *t == Tri::Yes)
        && let Some(vpc) = loc.vpc.single().copied()
    {
        for (e, dns) in remote_endpoints(net, service, vpc, inst.region.as_deref()) {
            if dns.outcome == Tri::No {
                bypassed.extend(dns_causes(&dns).into_iter().map(|c| (e.node, c)));
            } else {
                let outcome = dns.outcome;
                private.push((e, outcome, dns));
            }
        }
    }
    let chosen =
        private.iter().find(|(_, t, _)| *t == Tri::Yes).or_else(|| private.iter().find(|(_, t, _)| *t == Tri::Maybe));
    // Without an endpoint in the plan for it, an instance whose VPC is outside the plan may
    // still have one there: neither the endpoint path nor the internet path can be told.
    if chosen.is_none() && !vpcs.iter().any(|v| net.vpcs.contains_key(v)) {
        return outside_plan(net, loc, bypassed);
    }
    let mut result = match chosen {
        Some((e, Tri::Yes, dns)) => endpoint_path(net, inst, loc, e, dns.clone()),
        Some((e, _, dns)) => {
            let via_internet = internet_path(net, inst, loc, service);
            let mut r = endpoint_path(net, inst, loc, e, dns.clone());
            r.outcome = Tri::agree([r.outcome, via_internet.outcome]);
            r
        }
        None => internet_path(net, inst, loc, service),
    };
    result.bypassed = bypassed;
    result
}

/// The path from a subnet that is, or whose VPC is, outside the plan: unknown.
fn outside_plan(net: &Network<'_, '_>, loc: &Location, bypassed: Vec<(NodeId, Code)>) -> PathResult {
    // Worded as the subnet link's own doubt, so that the two read as one.
    let doubt = if net.subnets.contains_key(&loc.subnet) {
        format!("the VPC of {} is not in the plan: its endpoints and routes are unknown", net.describe(loc.subnet))
    } else {
        format!("subnet {} is not in the plan", net.describe(loc.subnet))
    };
    let hop = Hop {
        kind: HopKind::Subnet,
        outcome: Tri::Maybe,
        resources: vec![loc.subnet],
        data: HopData::Unplaced { why: super::hop::Unplaced::OutsidePlan, doubt },
    };
    PathResult { outcome: Tri::Maybe, via: Via::None, endpoint: None, hops: vec![hop], bypassed }
}

/// The explanation codes of a failing name-resolution hop.
fn dns_causes(dns: &Hop) -> Vec<Code> {
    match &dns.data {
        HopData::PrivateDns { causes, .. } => {
            causes.iter().map(|c| c.code()).filter(|c| *c != Code::Unresolved).collect()
        }
        _ => Vec::new(),
    }
}

fn filter_hop(net: &Network<'_, '_>, kind: HopKind, groups: LinkId, direction: Direction, toward: Toward) -> Hop {
    let a = admits(net, groups, direction, Ports::HTTPS, &toward);
    let default_group = direction == Direction::Ingress && net.link(groups).unset;
    Hop {
        kind,
        outcome: a.outcome,
        resources: net.link(groups).targets().into_iter().copied().collect(),
        data: HopData::Filter(FilterCheck {
            groups,
            direction,
            ports: Ports::HTTPS,
            toward,
            allowed_by: a.allowed_by,
            no_rules: a.no_rules,
            default_group,
            doubts: a.doubts,
        }),
    }
}

fn endpoint_path(net: &Network<'_, '_>, inst: &InstanceSide, loc: &Location, e: &Endpoint, dns: Hop) -> PathResult {
    let ep_subnets: Vec<NodeId> = net.link(e.subnets).targets().into_iter().copied().collect();
    let cidrs = endpoint_cidrs(net, e.node);
    let toward = Toward::Endpoint { endpoint: e.node, groups: e.groups };
    let mut hops = vec![dns, filter_hop(net, HopKind::InstanceSecurityGroups, inst.groups, Direction::Egress, toward)];
    // Traffic inside one subnet does not cross its ACL.
    let instance_side: Vec<Hop> = ep_subnets
        .iter()
        .zip(&cidrs)
        .filter(|(es, _)| **es != loc.subnet)
        .map(|(es, cidr)| {
            let remote = Remote::Subnet(*cidr, *es);
            let legs = [
                Leg { direction: Direction::Egress, ports: Ports::HTTPS, remote },
                Leg { direction: Direction::Ingress, ports: Ports::EPHEMERAL, remote },
            ];
            acl_hop(net, HopKind::InstanceSubnetAcl, loc.subnet, &legs)
        })
        .collect();
    let endpoint_side: Vec<Hop> = ep_subnets
        .iter()
        .filter(|es| **es != loc.subnet)
        .map(|es| {
            let remote = Remote::Subnet(loc.cidr, loc.subnet);
            let legs = [
                Leg { direction: Direction::Ingress, ports: Ports::HTTPS, remote },
                Leg { direction: Direction::Egress, ports: Ports::EPHEMERAL, remote },
            ];
            acl_hop(net, HopKind::EndpointSubnetAcl, *es, &legs)
        })
        .collect();
    let same_subnet = ep_subnets.len() - instance_side.len();
    let far_subnet = ep_subnets.iter().copied().find(|s| *s != loc.subnet).unwrap_or(loc.subnet);
    hops.push(combined(net, HopKind::InstanceSubnetAcl, loc.subnet, instance_side, same_subnet, ep_subnets.is_empty()));
    let endpoint_vpc = e.vpc.and_then(|l| net.link(l).single().copied());
    let between = match (loc.vpc.single().copied(), endpoint_vpc) {
        (Some(a), Some(b)) if a != b => Some((a, b)),
        _ => None,
    };
    let Some((from_vpc, to_vpc)) = between else {
        hops.push(Hop { kind: HopKind::Route, outcome: Tri::Yes, resources: Vec::new(), data: HopData::LocalRoute });
        hops.push(combined(
            net,
            HopKind::EndpointSubnetAcl,
            far_subnet,
            endpoint_side,
            same_subnet,
            ep_subnets.is_empty(),
        ));
        let toward = Toward::Instance { cidr: loc.cidr, groups: inst.groups };
        hops.push(filter_hop(net, HopKind::EndpointSecurityGroups, e.groups, Direction::Ingress, toward));
        let outcome = Tri::all(hops.iter().map(|h| h.outcome));
        return PathResult { outcome, via: Via::Endpoint, endpoint: Some(e.node), hops, bypassed: Vec::new() };
    };
    // To an endpoint in another VPC: a route there from the instance's subnet, and one back
    // from each of the endpoint's subnets (it answers from any of them).
    let there: Vec<Hop> =
        cidrs.iter().map(|c| route_between(net, HopKind::Route, loc.subnet, *c, from_vpc, to_vpc)).collect();
    hops.push(agreed(there, HopKind::Route));
    hops.push(combined(net, HopKind::EndpointSubnetAcl, far_subnet, endpoint_side, same_subnet, ep_subnets.is_empty()));
    let toward = Toward::Instance { cidr: loc.cidr, groups: inst.groups };
    hops.push(filter_hop(net, HopKind::EndpointSecurityGroups, e.groups, Direction::Ingress, toward));
    let back: Vec<Hop> =
        ep_subnets.iter().map(|es| route_between(net, HopKind::ReturnRoute, *es, loc.cidr, to_vpc, from_vpc)).collect();
    hops.push(agreed(back, HopKind::ReturnRoute));
    let outcome = Tri::all(hops.iter().map(|h| h.outcome));
    PathResult { outcome, via: Via::Endpoint, endpoint: Some(e.node), hops, bypassed: Vec::new() }
}

/// Route hops toward (or back from) each of an endpoint's subnets as one hop: they must
/// agree; the first that does not pass is shown.
fn agreed(hops: Vec<Hop>, kind: HopKind) -> Hop {
    let outcome = Tri::agree(hops.iter().map(|h| h.outcome));
    let shown = hops.iter().position(|h| h.outcome != Tri::Yes).unwrap_or(0);
    match hops.into_iter().nth(shown) {
        Some(mut h) => {
            h.outcome = outcome;
            h
        }
        None => {
            let doubt = "the endpoint's subnets are not resolved".to_string();
            let data = HopData::Route { table: None, to: None, doubt: Some(doubt) };
            Hop { kind, outcome: Tri::Maybe, resources: Vec::new(), data }
        }
    }
}

/// ACL hops toward each of an endpoint's subnets as one hop: the endpoint answers from any
/// of them, so they must agree.
fn combined(
    net: &Network<'_, '_>,
    kind: HopKind,
    subnet: NodeId,
    hops: Vec<Hop>,
    same_subnet: usize,
    unresolved: bool,
) -> Hop {
    if unresolved {
        let why = "the endpoint's subnets are not resolved".to_string();
        return Hop {
            kind,
            outcome: Tri::Maybe,
            resources: Vec::new(),
            data: HopData::Acl { subnet, block: None, doubt: Some(why) },
        };
    }
    let outcomes = hops.iter().map(|h| h.outcome).chain(std::iter::repeat_n(Tri::Yes, same_subnet));
    let outcome = Tri::agree(outcomes);
    let _ = net;
    match hops.into_iter().find(|h| h.outcome != Tri::Yes) {
        Some(mut h) => {
            h.outcome = outcome;
            h
        }
        None => Hop {
            kind,
            outcome: Tri::Yes,
            resources: vec![subnet],
            data: HopData::Acl { subnet, block: None, doubt: None },
        },
    }
}

fn internet_path(net: &Network<'_, '_>, inst: &InstanceSide, loc: &Location, service: Service) -> PathResult {
    let vpc = loc.vpc.targets().first().copied().copied();
    let support = vpc.and_then(|v| net.vpcs.get(&v)).map_or(Tri::Maybe, |v| flag(&v.dns.support));
    let name = format!("{}.<region>.amazonaws.com", service.name());
    let support_off = support == Tri::No;
    let mut hops = vec![Hop {
        kind: HopKind::Dns,
        outcome: if support_off { Tri::No } else { Tri::Yes },
        resources: vpc.into_iter().collect(),
        data: HopData::PublicDns { name, vpc, support_off },
    }];
    hops.push(filter_hop(net, HopKind::InstanceSecurityGroups, inst.groups, Direction::Egress, Toward::Internet));
    let to_internet = [
        Leg { direction: Direction::Egress, ports: Ports::HTTPS, remote: Remote::Internet },
        Leg { direction: Direction::Ingress, ports: Ports::EPHEMERAL, remote: Remote::Internet },
    ];
    hops.push(acl_hop(net, HopKind::InstanceSubnetAcl, loc.subnet, &to_internet));
    let (route, nat_subnets) = route_hop(net, loc.subnet, inst.public_ip);
    let route_ok = route.outcome;
    let nat_instance = match &route.data {
        HopData::Route { to: Some(DefaultRoute::NatInstance { instance, .. }), .. } => Some(*instance),
        _ => None,
    };
    hops.push(route);
    // A NAT instance's own groups pass the forwarded traffic in, and out to the internet.
    if route_ok != Tri::No
        && let Some(nat) = nat_instance.and_then(|n| net.compute.iter().find(|c| c.node == n))
    {
        let from = Toward::Instance { cidr: loc.cidr, groups: inst.groups };
        hops.push(filter_hop(net, HopKind::NatSecurityGroups, nat.placement.groups, Direction::Ingress, from));
        hops.push(filter_hop(
            net,
            HopKind::NatSecurityGroups,
            nat.placement.groups,
            Direction::Egress,
            Toward::Internet,
        ));
    }
    if route_ok != Tri::No {
        for nat_subnet in nat_subnets.into_iter().filter(|s| *s != loc.subnet) {
            let from = Remote::Subnet(loc.cidr, loc.subnet);
            let mut legs = to_internet.to_vec();
            legs.push(Leg { direction: Direction::Ingress, ports: Ports::HTTPS, remote: from });
            legs.push(Leg { direction: Direction::Egress, ports: Ports::EPHEMERAL, remote: from });
            hops.push(acl_hop(net, HopKind::NatSubnetAcl, nat_subnet, &legs));
        }
    }
    let outcome = Tri::all(hops.iter().map(|h| h.outcome));
    PathResult { outcome, via: Via::Internet, endpoint: None, hops, bypassed: Vec::new() }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::{Fixture, baseline, refs};

    fn ssm_path(t: &Fixture<'_, '_, '_>) -> PathResult {
        let inst = t.instance("aws_instance.app");
        inst.service(Service::Ssm).unwrap().path.clone()
    }

    #[test]
    fn an_endpoint_with_private_dns_is_the_path() {
        baseline().check(|t| {
            let p = ssm_path(t);
            assert_eq!((p.outcome, p.via), (Tri::Yes, Via::Endpoint));
            assert_eq!(p.endpoint, Some(t.node("aws_vpc_endpoint.ssm")));
            let kinds: Vec<HopKind> = p.hops.iter().map(|h| h.kind).collect();
            assert_eq!(
                kinds,
                [
                    HopKind::Dns,
                    HopKind::InstanceSecurityGroups,
                    HopKind::InstanceSubnetAcl,
                    HopKind::Route,
                    HopKind::EndpointSubnetAcl,
                    HopKind::EndpointSecurityGroups
                ]
            );
        });
    }

    #[test]
    fn an_endpoint_dns_bypasses_is_recorded_and_the_internet_path_taken() {
        baseline().set("aws_vpc_endpoint.ssm", "private_dns_enabled", json!(false)).check(|t| {
            let p = ssm_path(t);
            assert_eq!((p.outcome, p.via), (Tri::No, Via::Internet));
            assert_eq!(p.bypassed, [(t.node("aws_vpc_endpoint.ssm"), Code::EndpointPrivateDnsDisabled)]);
            assert_eq!(
                p.blocking_hop().and_then(Hop::code),
                Some(Code::NoRouteToInternet),
                "routing blocks before filters"
            );
        });
    }

    #[test]
    fn a_subnet_outside_the_plan_leaves_the_path_unknown_whatever_the_groups_say() {
        let no_egress = json!([]);
        let plan = baseline().set("aws_instance.app", "subnet_id", json!("subnet-0outside")).set(
            "aws_security_group.app",
            "egress",
            no_egress,
        );
        let plan = ["ssm", "ssmmessages", "ec2messages"]
            .iter()
            .fold(plan, |p, s| p.without(&format!("aws_vpc_endpoint.{s}"), None));
        plan.check(|t| {
            let p = ssm_path(t);
            assert_eq!((p.outcome, p.via), (Tri::Maybe, Via::None));
            assert_eq!(p.hops[0].unresolved(), ["subnet subnet-0outside is not in the plan"]);
        });
        // In the plan, the same groups block for certain.
        let plan = baseline().set("aws_security_group.app", "egress", json!([]));
        let plan = ["ssm", "ssmmessages", "ec2messages"]
            .iter()
            .fold(plan, |p, s| p.without(&format!("aws_vpc_endpoint.{s}"), None));
        plan.check(|t| assert_eq!(ssm_path(t).outcome, Tri::No));
    }

    #[test]
    fn candidate_subnets_that_disagree_make_the_service_unknown() {
        let acl = json!({
            "vpc_id": crate::testkit::r("aws_vpc.main"),
            "subnet_ids": refs(&["aws_subnet.b"]),
            "ingress": [],
            "egress": [],
        });
        let only_a = refs(&["aws_subnet.a"]);
        baseline()
            .set("aws_instance.app", "subnet_id", refs(&["aws_subnet.a", "aws_subnet.b"]))
            .set("aws_vpc_endpoint.ssm", "subnet_ids", only_a)
            .resource("aws_network_acl.b", acl)
            .check(|t| {
                let s = t.instance("aws_instance.app").service(Service::Ssm).unwrap().clone();
                assert_eq!(s.outcome, Tri::Maybe);
                assert_eq!(s.all.len(), 2);
                assert_eq!(s.blocked.map(|(_, c)| c), Some(crate::reach::Certainty::Possible));
            });
    }
}
