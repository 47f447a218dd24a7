//! Network ACLs and their entries.
//!
//! NACLs are stateless — return traffic on ephemeral ports must be allowed explicitly — and
//! rules apply in rule-number order, first match wins, with an implicit deny at the end.
//! A VPC's default ACL that Terraform does not manage allows everything.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>

use ipnet::IpNet;
use serde::Serialize;

use super::graph::NodeId;
use super::routing::Membership;
use super::traffic::{Direction, Ports, Protocol, any_ipv4, any_ipv6, parse_cidr};
use crate::model::{Attr, Fields};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
pub struct NaclEntry {
    pub number: i64,
    pub direction: Direction,
    pub action: Action,
    pub protocol: Protocol,
    /// `None` for every port.
    pub ports: Option<Ports>,
    /// `Unknown` when the block is unknown until apply.
    pub cidr: Attr<IpNet>,
    pub declared_by: NodeId,
    pub membership: Membership,
}

#[derive(Debug, Clone, Default)]
pub struct Nacl {
    /// Sorted by direction, then rule number.
    pub entries: Vec<NaclEntry>,
}

impl Nacl {
    /// AWS's default ACL: rule 100 allows all traffic both ways (IPv4 and IPv6).
    pub fn aws_default(node: NodeId) -> Nacl {
        let mut entries = Vec::new();
        for direction in [Direction::Ingress, Direction::Egress] {
            for (number, cidr) in [(100, any_ipv4()), (101, any_ipv6())] {
                entries.push(NaclEntry {
                    number,
                    direction,
                    action: Action::Allow,
                    protocol: Protocol::All,
                    ports: None,
                    cidr: Attr::Default(cidr),
                    declared_by: node,
                    membership: Membership::Definite,
                });
            }
        }
        Nacl { entries }
    }

    pub fn sort(&mut self) {
        self.entries.sort_by_key(|e| (e.direction == Direction::Egress, e.number));
    }
}

/// Which attributes an entry is read from: an inline block or an `aws_network_acl_rule`.
pub struct EntryShape {
    pub number: &'static str,
    pub action: &'static str,
}

pub const INLINE: EntryShape = EntryShape { number: "rule_no", action: "action" };
pub const STANDALONE: EntryShape = EntryShape { number: "rule_number", action: "rule_action" };

/// One entry from an inline `ingress`/`egress` block or an `aws_network_acl_rule`.
pub fn entry(
    fields: &Fields<'_>,
    shape: &EntryShape,
    direction: Direction,
    declared_by: NodeId,
    membership: Membership,
) -> NaclEntry {
    let protocol = Protocol::parse(fields.text("protocol").value().map_or("-1", String::as_str));
    let ports = match (fields.int("from_port").into_value(), fields.int("to_port").into_value()) {
        (Some(f), Some(t)) if protocol != Protocol::All && !(f == 0 && t == 0) => Some(Ports { from: f, to: t }),
        _ => None,
    };
    let cidr = match (fields.str("cidr_block"), fields.str("ipv6_cidr_block")) {
        (Attr::Known(c), _) if !c.is_empty() => parse_cidr(&c).map_or(Attr::Absent, Attr::Known),
        (_, Attr::Known(c)) if !c.is_empty() => parse_cidr(&c).map_or(Attr::Absent, Attr::Known),
        (Attr::Unknown, _) | (_, Attr::Unknown) => Attr::Unknown,
        _ => Attr::Absent,
    };
    let action = match fields.str(shape.action).value() {
        Some(a) if a.eq_ignore_ascii_case("allow") => Action::Allow,
        _ => Action::Deny,
    };
    NaclEntry {
        number: fields.int(shape.number).into_value().unwrap_or(32766),
        direction,
        action,
        protocol,
        ports,
        cidr,
        declared_by,
        membership,
    }
}
