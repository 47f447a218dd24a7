//! The network ACL hop evaluator. NACLs are stateless: the request and the reply on
//! ephemeral ports cross them separately, and traffic inside one subnet does not cross its
//! ACL at all. Rules apply in number order, first match wins, an implicit deny at the end.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>

use ipnet::IpNet;

use super::hop::{AclBlock, Hop, HopData, HopKind};
use crate::network::Network;
use crate::network::acl::{Action, Nacl};
use crate::network::graph::NodeId;
use crate::network::routing::Membership;
use crate::network::traffic::{Direction, Ports, cidr_covers, cidr_covers_internet};
use crate::tri::Tri;

/// Who is on the other side of the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote {
    /// A subnet's range (`None` when unknown), and the subnet.
    Subnet(Option<IpNet>, NodeId),
    Internet,
}

/// What one ACL decides, and the rule that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AclDecision {
    pub outcome: Tri,
    pub rule: Option<(i64, NodeId)>,
    /// A rule whose CIDR is unknown until apply made the answer uncertain.
    pub unknown: bool,
}

/// Whether `acl` passes TCP on `ports` in `direction` to or from `remote`.
pub fn passes(acl: &Nacl, direction: Direction, ports: Ports, remote: Remote) -> AclDecision {
    let mut doubt = false;
    let mut unknown = false;
    for e in acl.entries.iter().filter(|e| e.direction == direction) {
        if !e.protocol.carries_tcp() {
            continue;
        }
        let port_match = e.ports.map_or(Tri::Yes, |p| p.covers(ports));
        let cidr_match = match (e.cidr.value(), remote) {
            (None, _) => Tri::Maybe,
            (Some(c), Remote::Internet) => cidr_covers_internet(c),
            (Some(c), Remote::Subnet(Some(n), _)) => cidr_covers(c, &n),
            (Some(c), Remote::Subnet(None, _)) => {
                if c.prefix_len() == 0 && matches!(c, IpNet::V4(_)) {
                    Tri::Yes
                } else {
                    Tri::Maybe
                }
            }
        };
        match port_match.and(cidr_match) {
            Tri::No => {}
            Tri::Yes if e.membership == Membership::Definite && !doubt => {
                return AclDecision {
                    outcome: Tri::from_bool(e.action == Action::Allow),
                    rule: Some((e.number, e.declared_by)),
                    unknown,
                };
            }
            _ => {
                doubt = true;
                unknown |= e.cidr.value().is_none();
            }
        }
    }
    AclDecision { outcome: if doubt { Tri::Maybe } else { Tri::No }, rule: None, unknown }
}

/// One leg of the traffic: its direction and ports, seen from the ACL's subnet.
#[derive(Debug, Clone, Copy)]
pub struct Leg {
    pub direction: Direction,
    pub ports: Ports,
    pub remote: Remote,
}

/// The ACL hop of `subnet` for the legs of a flow: every ACL the subnet may have must pass
/// every leg.
pub fn acl_hop(net: &Network<'_, '_>, kind: HopKind, subnet: NodeId, legs: &[Leg]) -> Hop {
    let unknown = |why: String| Hop {
        kind,
        outcome: Tri::Maybe,
        resources: vec![subnet],
        data: HopData::Acl { subnet, block: None, doubt: Some(why) },
    };
    let Some(s) = net.subnets.get(&subnet) else {
        return unknown(format!("subnet {} is not in the plan", net.describe(subnet)));
    };
    let acls: Vec<NodeId> = s.acl.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
    if acls.is_empty() {
        if net.is_data(subnet) {
            return unknown(format!("{} is read from AWS: its network ACL is not in the plan", net.describe(subnet)));
        }
        return unknown(format!("the network ACL of {} is not resolved", net.describe(subnet)));
    }
    let mut per_acl = Vec::new();
    let mut blocking: Option<AclBlock> = None;
    for &a in &acls {
        let Some(acl) = net.acls.get(&a) else {
            per_acl.push(Tri::Maybe);
            blocking.get_or_insert(AclBlock {
                acl: a,
                subnet,
                direction: legs.first().map_or(Direction::Egress, |l| l.direction),
                ports: legs.first().map_or(Ports::HTTPS, |l| l.ports),
                peer: None,
                rule: None,
                unknown: true,
            });
            continue;
        };
        let mut t = Tri::Yes;
        for leg in legs {
            let d = passes(acl, leg.direction, leg.ports, leg.remote);
            if d.outcome != Tri::Yes && blocking.is_none() {
                blocking = Some(AclBlock {
                    acl: a,
                    subnet,
                    direction: leg.direction,
                    ports: leg.ports,
                    peer: match leg.remote {
                        Remote::Subnet(_, n) => Some(n),
                        Remote::Internet => None,
                    },
                    rule: d.rule.map(|(n, _)| n),
                    unknown: d.outcome == Tri::Maybe && d.unknown,
                });
            }
            t = t.and(d.outcome);
        }
        per_acl.push(t);
    }
    let outcome = Tri::agree(per_acl);
    match (outcome, blocking) {
        (Tri::Yes, _) | (_, None) => {
            Hop { kind, outcome: Tri::Yes, resources: acls, data: HopData::Acl { subnet, block: None, doubt: None } }
        }
        (outcome, Some(b)) => {
            let doubt = b.unknown.then(|| format!("{}: a rule's CIDR is unknown until apply", net.describe(b.acl)));
            Hop { kind, outcome, resources: vec![b.acl, subnet], data: HopData::Acl { subnet, block: Some(b), doubt } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Attr;
    use crate::network::acl::NaclEntry;
    use crate::network::traffic::{Protocol, parse_cidr};
    use petgraph::graph::NodeIndex;

    fn entry(number: i64, direction: Direction, action: Action, ports: Option<(i64, i64)>, cidr: &str) -> NaclEntry {
        NaclEntry {
            number,
            direction,
            action,
            protocol: if ports.is_some() { Protocol::Tcp } else { Protocol::All },
            ports: ports.map(|(from, to)| Ports { from, to }),
            cidr: parse_cidr(cidr).map_or(Attr::Unknown, Attr::Known),
            declared_by: NodeIndex::new(0),
            membership: Membership::Definite,
        }
    }

    fn acl(entries: Vec<NaclEntry>) -> Nacl {
        let mut a = Nacl { entries };
        a.sort();
        a
    }

    fn peer() -> Remote {
        Remote::Subnet(None, NodeIndex::new(9))
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let a = acl(vec![
            entry(200, Direction::Egress, Action::Allow, None, "0.0.0.0/0"),
            entry(100, Direction::Egress, Action::Deny, Some((443, 443)), "0.0.0.0/0"),
        ]);
        let d = passes(&a, Direction::Egress, Ports::HTTPS, Remote::Internet);
        assert_eq!((d.outcome, d.rule.map(|r| r.0)), (Tri::No, Some(100)));
        assert_eq!(passes(&a, Direction::Egress, Ports { from: 80, to: 80 }, Remote::Internet).outcome, Tri::Yes);
    }

    #[test]
    fn without_an_ephemeral_rule_the_reply_is_denied() {
        let a = acl(vec![entry(100, Direction::Ingress, Action::Allow, Some((443, 443)), "10.0.0.0/16")]);
        let from = Remote::Subnet(parse_cidr("10.0.1.0/24"), NodeIndex::new(9));
        assert_eq!(passes(&a, Direction::Ingress, Ports::HTTPS, from).outcome, Tri::Yes);
        assert_eq!(passes(&a, Direction::Ingress, Ports::EPHEMERAL, from).outcome, Tri::No);
    }

    #[test]
    fn a_partial_port_range_is_uncertain_and_an_unknown_cidr_is_unknown() {
        let partial = acl(vec![entry(100, Direction::Ingress, Action::Allow, Some((32768, 65535)), "0.0.0.0/0")]);
        let d = passes(&partial, Direction::Ingress, Ports::EPHEMERAL, Remote::Internet);
        assert_eq!((d.outcome, d.unknown), (Tri::Maybe, false));
        let unknown = acl(vec![entry(100, Direction::Egress, Action::Allow, None, "not-a-cidr")]);
        let d = passes(&unknown, Direction::Egress, Ports::HTTPS, peer());
        assert_eq!((d.outcome, d.unknown), (Tri::Maybe, true));
    }

    #[test]
    fn the_aws_default_acl_passes_everything() {
        let a = Nacl::aws_default(NodeIndex::new(0));
        for dir in [Direction::Ingress, Direction::Egress] {
            assert_eq!(passes(&a, dir, Ports::EPHEMERAL, Remote::Internet).outcome, Tri::Yes);
            assert_eq!(passes(&a, dir, Ports::HTTPS, peer()).outcome, Tri::Yes);
        }
    }
}
