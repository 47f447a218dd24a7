//! The security-group hop evaluator: do a set of groups admit TCP on some ports, in one
//! direction, to or from a peer? Over candidate sets, never over their combinations: every
//! slot of the group link applies, the options of a slot are alternatives.

use ipnet::IpNet;

use super::hop::Toward;
use crate::network::graph::{Link, LinkId, NodeId};
use crate::network::routing::Membership;
use crate::network::security::{Peer, RuleValues, SgRule};
use crate::network::traffic::{Direction, Ports, cidr_covers, cidr_covers_internet};
use crate::network::{Network, Node};
use crate::resolve::Resolution;
use crate::tri::Tri;

/// The answer of a traffic check, with the rules that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    pub outcome: Tri,
    /// Rule-declaring resources that admit the traffic.
    pub allowed_by: Vec<NodeId>,
    /// The groups have no rule at all in this direction.
    pub no_rules: bool,
    /// Why the answer is uncertain, when it is.
    pub doubts: Vec<String>,
}

/// One address range on the other side, with the groups there.
enum Peering {
    Network { cidr: Option<IpNet>, groups: Option<LinkId> },
    Internet,
}

/// Whether `groups` admit TCP on `ports` in `direction` to or from `toward`. A peer with
/// several address ranges (an endpoint in two subnets) is admitted when every range is.
pub fn admits(net: &Network<'_, '_>, groups: LinkId, direction: Direction, ports: Ports, toward: &Toward) -> Admission {
    let units: Vec<Peering> = match toward {
        Toward::Endpoint { endpoint, groups: peer_groups } => {
            let cidrs = endpoint_cidrs(net, *endpoint);
            if cidrs.is_empty() {
                vec![Peering::Network { cidr: None, groups: Some(*peer_groups) }]
            } else {
                cidrs.into_iter().map(|cidr| Peering::Network { cidr, groups: Some(*peer_groups) }).collect()
            }
        }
        Toward::Instance { cidr, groups: peer_groups } => {
            vec![Peering::Network { cidr: *cidr, groups: Some(*peer_groups) }]
        }
        Toward::Internet => vec![Peering::Internet],
    };
    let link = net.link(groups);
    let mut allowed_by = Vec::new();
    let mut doubts: Vec<String> = Vec::new();
    let mut any_rule = false;
    let mut per_unit = Vec::new();
    for unit in &units {
        let mut outcome = Tri::No;
        for slot in &link.slots {
            let mut per_option = Vec::new();
            for &g in slot.options().iter() {
                let Some(group) = net.groups.get(&g) else {
                    per_option.push(Tri::No);
                    continue;
                };
                let mut this = if group.opaque.is_some() { Tri::Maybe } else { Tri::No };
                if let Some(why) = &group.opaque {
                    push_unique(&mut doubts, why.clone());
                }
                for rule in group.rules.iter().filter(|r| r.direction == direction) {
                    any_rule = true;
                    let mut t = rule_admits(net, rule, g, ports, unit);
                    if t == Tri::Yes
                        && (rule.membership == Membership::Candidate || rule.values == RuleValues::PartlyUnknown)
                    {
                        t = Tri::Maybe;
                    }
                    if t == Tri::Maybe {
                        // A rule whose values or peers the plan does not tell makes the answer
                        // unknown, not merely one of several candidates.
                        let unknown_peer = rule.peers.iter().find_map(|p| match p {
                            Peer::Unknown(why) => Some(why.clone()),
                            _ => None,
                        });
                        if rule.values == RuleValues::PartlyUnknown || unknown_peer.is_some() {
                            let by = rule.declared_by.map(|n| net.name(n)).unwrap_or_default();
                            let why =
                                unknown_peer.unwrap_or_else(|| "some of its values are unknown until apply".into());
                            push_unique(&mut doubts, format!("{by}: {why}"));
                        }
                    }
                    if t != Tri::No {
                        allowed_by.extend(rule.declared_by);
                    }
                    this = this.or(t);
                }
                per_option.push(this);
            }
            outcome = outcome.or(Tri::agree(per_option));
        }
        per_unit.push(outcome);
    }
    let mut outcome = Tri::agree(per_unit);
    if !link.dead_ends.is_empty()
        || link.fallback.is_some() && link.slots.is_empty()
        || link.resolution == Resolution::Unresolved
    {
        doubts.push("some of the security groups could not be resolved".into());
        outcome = outcome.or(Tri::Maybe);
    }
    allowed_by.sort_unstable();
    allowed_by.dedup();
    Admission { outcome, allowed_by, no_rules: !any_rule, doubts }
}

/// The address ranges of an endpoint's subnets (`None` for one the plan does not tell).
pub fn endpoint_cidrs(net: &Network<'_, '_>, endpoint: NodeId) -> Vec<Option<IpNet>> {
    let Some(e) = net.endpoint(endpoint) else { return Vec::new() };
    net.link(e.subnets)
        .targets()
        .into_iter()
        .map(|s| net.subnets.get(s).and_then(|x| x.cidr.value().copied()))
        .collect()
}

fn push_unique(list: &mut Vec<String>, s: String) {
    if !list.contains(&s) {
        list.push(s);
    }
}

fn rule_admits(net: &Network<'_, '_>, rule: &SgRule, own: NodeId, ports: Ports, peer: &Peering) -> Tri {
    if !rule.protocol.carries_tcp() {
        return Tri::No;
    }
    let port_ok = rule.ports.map_or(Tri::Yes, |p| p.covers(ports));
    if port_ok == Tri::No {
        return Tri::No;
    }
    port_ok.and(Tri::any(rule.peers.iter().map(|p| peer_matches(net, p, own, peer))))
}

fn peer_matches(net: &Network<'_, '_>, rule_peer: &Peer, own: NodeId, peer: &Peering) -> Tri {
    match (rule_peer, peer) {
        (Peer::Cidr(c), Peering::Internet) => cidr_covers_internet(c),
        (Peer::Cidr(c), Peering::Network { cidr, .. }) => cidr.as_ref().map_or(Tri::Maybe, |n| cidr_covers(c, n)),
        (Peer::Group(l), Peering::Network { groups: Some(g), .. }) => {
            Tri::any(net.link(*l).slots.iter().map(|s| in_groups(s.options(), net.link(*g))))
        }
        (Peer::SelfGroup, Peering::Network { groups: Some(g), .. }) => in_groups(&[own], net.link(*g)),
        (Peer::Group(_) | Peer::SelfGroup, _) => Tri::No,
        (Peer::PrefixList(l), _) => prefix_list_matches(net, *l, peer),
        (Peer::Unknown(_), _) => Tri::Maybe,
    }
}

/// A prefix list as a peer. A gateway endpoint's list holds only the public ranges of its
/// service (S3, DynamoDB): never VPC addresses, never the Systems Manager endpoints.
fn prefix_list_matches(net: &Network<'_, '_>, list: LinkId, peer: &Peering) -> Tri {
    let link = net.link(list);
    let per_option: Vec<Tri> = link
        .targets()
        .into_iter()
        .map(|&t| match net.graph.weight(t) {
            Node::Resource(_) if net.endpoint(t).is_some() => Tri::No,
            Node::Resource(_) => match (net.prefix_lists.get(&t), peer) {
                (Some(entries), Peering::Network { cidr: Some(c), .. }) => {
                    Tri::any(entries.iter().map(|e| e.value().map_or(Tri::Maybe, |x| cidr_covers(x, c))))
                }
                (Some(entries), Peering::Internet) => {
                    Tri::any(entries.iter().map(|e| e.value().map_or(Tri::Maybe, cidr_covers_internet)))
                }
                _ => Tri::Maybe,
            },
            _ => Tri::Maybe,
        })
        .collect();
    if per_option.is_empty() { Tri::Maybe } else { Tri::agree(per_option) }
}

/// Whether one of `options` (one of which the rule names) is among the peer's groups.
fn in_groups(options: &[NodeId], groups: &Link) -> Tri {
    let per_option = options.iter().map(|o| {
        let mut here = Tri::No;
        for slot in &groups.slots {
            if slot.options().contains(o) {
                here = here.or(if slot.options().len() == 1 { Tri::Yes } else { Tri::Maybe });
            }
        }
        here
    });
    Tri::agree(per_option)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::{Plan, baseline, r, refs};

    fn app_egress(t: &crate::testkit::Fixture<'_, '_, '_>, toward: &Toward) -> Admission {
        let groups = t.net.compute[t.instance("aws_instance.app").compute].placement.groups;
        admits(t.net, groups, Direction::Egress, Ports::HTTPS, toward)
    }

    #[test]
    fn a_new_group_without_egress_admits_nothing_and_says_why() {
        baseline().without("aws_security_group.app", Some("egress")).check(|t| {
            let a = app_egress(t, &Toward::Internet);
            assert_eq!((a.outcome, a.no_rules), (Tri::No, true));
        });
    }

    #[test]
    fn egress_to_the_endpoint_group_admits_the_endpoint_not_the_internet() {
        baseline().check(|t| {
            let e = t.net.endpoint(t.node("aws_vpc_endpoint.ssm")).unwrap();
            let a = app_egress(t, &Toward::Endpoint { endpoint: e.node, groups: e.groups });
            assert_eq!(a.outcome, Tri::Yes);
            assert_eq!(a.allowed_by, [t.node("aws_security_group.app")]);
            assert_eq!(app_egress(t, &Toward::Internet).outcome, Tri::No);
        });
    }

    #[test]
    fn a_cidr_covering_part_of_the_endpoint_is_uncertain() {
        let egress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.1.0/24"]}]);
        baseline().set("aws_security_group.app", "egress", egress).check(|t| {
            let e = t.net.endpoint(t.node("aws_vpc_endpoint.ssm")).unwrap();
            let a = app_egress(t, &Toward::Endpoint { endpoint: e.node, groups: e.groups });
            assert_eq!(a.outcome, Tri::Maybe, "one of the endpoint's two subnets is covered");
        });
    }

    #[test]
    fn an_unknown_cidr_is_unknown_with_the_reason() {
        let egress =
            json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": r("aws_vpc.main.cidr_block")}]);
        let plan =
            baseline().set("aws_security_group.app", "egress", egress).set("aws_vpc.main", "cidr_block", r("var.x"));
        plan.check(|t| {
            let a = app_egress(t, &Toward::Internet);
            assert_eq!(a.outcome, Tri::Maybe);
            assert!(a.doubts.iter().any(|d| d.contains("unknown until apply")), "{:?}", a.doubts);
        });
    }

    #[test]
    fn a_prefix_list_of_a_gateway_endpoint_never_holds_vpc_addresses() {
        let gateway = json!({"vpc_id": r("aws_vpc.main"), "service_name": "com.amazonaws.us-east-1.s3", "vpc_endpoint_type": "Gateway"});
        let egress = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "prefix_list_ids": r("aws_vpc_endpoint.s3.prefix_list_id")}]);
        baseline().resource("aws_vpc_endpoint.s3", gateway).set("aws_security_group.app", "egress", egress).check(
            |t| {
                let e = t.net.endpoint(t.node("aws_vpc_endpoint.ssm")).unwrap();
                assert_eq!(app_egress(t, &Toward::Endpoint { endpoint: e.node, groups: e.groups }).outcome, Tri::No);
            },
        );
    }

    #[test]
    fn a_rule_for_one_of_two_candidate_groups_may_apply() {
        let rule = json!({
            "type": "egress", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"],
            "security_group_id": refs(&["aws_security_group.app", "aws_security_group.other"]),
        });
        let other = json!({"vpc_id": r("aws_vpc.main")});
        Plan::new()
            .resource("aws_vpc.main", json!({"cidr_block": "10.0.0.0/16"}))
            .resource("aws_security_group.app", json!({"vpc_id": r("aws_vpc.main")}))
            .resource("aws_security_group.other", other)
            .resource("aws_security_group_rule.out", rule)
            .resource("aws_instance.app", json!({"vpc_security_group_ids": r("aws_security_group.app")}))
            .check(|t| {
                let out = admits(
                    t.net,
                    t.net.compute[0].placement.groups,
                    Direction::Egress,
                    Ports::HTTPS,
                    &Toward::Internet,
                );
                assert_eq!(out.outcome, Tri::Maybe, "security_group_id names one group: the rule is on one of the two");
            });
    }
}
