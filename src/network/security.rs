//! Security groups with their effective rules: inline `ingress`/`egress` blocks,
//! `aws_security_group_rule` and `aws_vpc_security_group_{ingress,egress}_rule`, merged.
//!
//! Terraform differs from the console here: a new `aws_security_group` has **no** egress
//! rule unless the configuration declares one, although the plan shows `egress` as unknown.
//! And once a group's rules are separate resources, a refreshed group lists copies of them
//! in its own `ingress`/`egress`: those are not rules of their own.
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group>

use ipnet::IpNet;

use super::graph::{Graph, LinkId, NodeId};
use super::routing::Membership;
use super::traffic::{Direction, Ports, Protocol, any_ipv4, parse_cidr};
use crate::model::{Attr, Fields};

/// Who a rule admits traffic from (ingress) or to (egress).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    Cidr(IpNet),
    /// Managed prefix lists or gateway endpoints' lists.
    PrefixList(LinkId),
    /// Other security groups.
    Group(LinkId),
    /// The group the rule belongs to (`self = true`).
    SelfGroup,
    /// A peer the plan does not tell, and why.
    Unknown(String),
}

/// Whether every value of a rule is known, or some are unknown until apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleValues {
    Known,
    PartlyUnknown,
}

#[derive(Debug, Clone)]
pub struct SgRule {
    pub direction: Direction,
    pub protocol: Protocol,
    /// `None` for every port (protocol `-1`).
    pub ports: Option<Ports>,
    pub peers: Vec<Peer>,
    /// The resource that declares the rule: the group itself, or a rule resource. `None` for
    /// AWS's own rules in a default group Terraform does not manage.
    pub declared_by: Option<NodeId>,
    pub membership: Membership,
    pub values: RuleValues,
}

impl SgRule {
    /// `TCP 443`, `TCP 0-65535`, `all traffic`.
    pub fn describe(&self) -> String {
        let proto = match &self.protocol {
            Protocol::All => return "all traffic".into(),
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Icmp => "ICMP",
            Protocol::Other(p) => p.as_str(),
        };
        match self.ports {
            Some(p) => format!("{proto} {}", p.describe()),
            None => proto.to_string(),
        }
    }

    /// Whether the rule admits TCP traffic on `port`.
    pub fn covers_tcp_port(&self, port: i64) -> bool {
        match (&self.protocol, self.ports) {
            (Protocol::All, _) | (Protocol::Tcp, None) => true,
            (Protocol::Tcp, Some(p)) => p.contains(port),
            _ => false,
        }
    }

    /// The peers that mean "anywhere": `0.0.0.0/0` and `::/0`.
    pub fn world_peers(&self) -> Vec<IpNet> {
        self.peers
            .iter()
            .filter_map(|p| match p {
                Peer::Cidr(c) if c.prefix_len() == 0 => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// What makes two rules the same rule in AWS: direction, protocol, ports and peers.
    fn signature(&self, graph: &Graph) -> String {
        let mut peers: Vec<String> = self
            .peers
            .iter()
            .map(|p| match p {
                Peer::Cidr(c) => c.to_string(),
                Peer::Group(l) | Peer::PrefixList(l) => format!("{:?}", graph.set_of(*l)),
                Peer::SelfGroup => "self".into(),
                Peer::Unknown(w) => w.clone(),
            })
            .collect();
        peers.sort();
        format!("{:?} {:?} {:?} {}", self.direction, self.protocol, self.ports, peers.join(","))
    }
}

#[derive(Debug, Clone, Default)]
pub struct SecurityGroup {
    pub vpc: Option<LinkId>,
    pub rules: Vec<SgRule>,
    /// Why the plan cannot tell this group's rules (a group outside the plan), when so.
    pub opaque: Option<String>,
}

impl SecurityGroup {
    /// A group whose rules the plan does not hold.
    pub fn opaque(why: String) -> SecurityGroup {
        SecurityGroup { opaque: Some(why), ..SecurityGroup::default() }
    }

    /// A VPC's default group that Terraform does not manage keeps AWS's rules: all traffic in
    /// from its own members, all traffic out.
    pub fn aws_default() -> SecurityGroup {
        let rule = |direction, peers| SgRule {
            direction,
            protocol: Protocol::All,
            ports: None,
            peers,
            declared_by: None,
            membership: Membership::Definite,
            values: RuleValues::Known,
        };
        SecurityGroup {
            vpc: None,
            rules: vec![
                rule(Direction::Ingress, vec![Peer::SelfGroup]),
                rule(Direction::Egress, vec![Peer::Cidr(any_ipv4())]),
            ],
            opaque: None,
        }
    }

    pub fn has_rules(&self, direction: Direction) -> bool {
        self.rules.iter().any(|r| r.direction == direction)
    }

    /// Drops rules that repeat an earlier one (a state file lists a standalone rule both as
    /// its own resource and inside its group).
    pub fn dedup(&mut self, graph: &Graph) {
        let mut seen = rustc_hash::FxHashSet::default();
        self.rules.retain(|r| seen.insert(r.signature(graph)));
    }
}

/// Links of one rule: its peer groups and prefix lists, resolved.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleLinks {
    pub groups: Option<LinkId>,
    pub prefix_lists: Option<LinkId>,
}

/// How a rule's attributes are named: inline blocks and `aws_security_group_rule` differ
/// from the provider-5 rule resources.
pub struct RuleShape {
    pub protocol: &'static str,
    pub cidrs: &'static [&'static str],
}

pub const INLINE: RuleShape = RuleShape { protocol: "protocol", cidrs: &["cidr_blocks", "ipv6_cidr_blocks"] };
pub const V5: RuleShape = RuleShape { protocol: "ip_protocol", cidrs: &["cidr_ipv4", "cidr_ipv6"] };

/// One rule from an inline block or a rule resource.
pub fn rule(
    graph: &Graph,
    fields: &Fields<'_>,
    shape: &RuleShape,
    direction: Direction,
    links: RuleLinks,
    declared_by: NodeId,
) -> SgRule {
    let mut values = RuleValues::Known;
    let mut text = |key: &str| match fields.text(key) {
        Attr::Known(v) | Attr::Default(v) => Some(v),
        Attr::Unknown => {
            values = RuleValues::PartlyUnknown;
            None
        }
        Attr::Absent => None,
    };
    let protocol = Protocol::parse(&text(shape.protocol).unwrap_or_else(|| "-1".into()));
    let from = text("from_port").and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    let to = text("to_port").and_then(|s| s.trim().parse().ok()).unwrap_or(65535);
    let mut peers = Vec::new();
    for key in shape.cidrs {
        match fields.strings(key) {
            Attr::Known(list) | Attr::Default(list) => {
                peers.extend(list.iter().filter_map(|c| parse_cidr(c)).map(Peer::Cidr))
            }
            Attr::Unknown => {
                values = RuleValues::PartlyUnknown;
                peers.push(Peer::Unknown(format!("{key} is unknown until apply")));
            }
            Attr::Absent => {}
        }
    }
    if fields.bool("self", None).value() == Some(&true) {
        peers.push(Peer::SelfGroup);
    }
    for (link, group) in [(links.groups, true), (links.prefix_lists, false)] {
        let Some(link) = link else { continue };
        let l = graph.link(link);
        if l.unset || (l.is_empty() && !l.has_doubts()) {
            continue;
        }
        if !l.is_empty() {
            peers.push(if group { Peer::Group(link) } else { Peer::PrefixList(link) });
        }
        for d in &l.dead_ends {
            peers.push(Peer::Unknown(format!("{d} could not be followed")));
        }
        if l.is_empty() && l.dead_ends.is_empty() {
            peers.push(Peer::Unknown(
                if group { "an unresolved security group reference" } else { "an unresolved prefix list reference" }
                    .into(),
            ));
        }
    }
    let ports = if protocol == Protocol::All { None } else { Some(Ports { from, to }) };
    SgRule {
        direction,
        protocol,
        ports,
        peers,
        declared_by: Some(declared_by),
        membership: Membership::Definite,
        values,
    }
}

/// A whole `ingress`/`egress` attribute set to something unknown until apply: its rules
/// cannot be read.
pub fn unknown_rules(direction: Direction, declared_by: NodeId, why: String) -> SgRule {
    SgRule {
        direction,
        protocol: Protocol::All,
        ports: None,
        peers: vec![Peer::Unknown(why)],
        declared_by: Some(declared_by),
        membership: Membership::Definite,
        values: RuleValues::PartlyUnknown,
    }
}
