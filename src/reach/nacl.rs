//! Network ACLs: which ACL guards each subnet and what it passes.
//!
//! NACLs are stateless — return traffic on ephemeral ports must be allowed explicitly — and
//! rules apply in rule-number order, first match wins, with an implicit deny at the end.
//! Traffic between two addresses in one subnet does not cross its NACL.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>

use std::collections::HashMap;

use ipnet::IpNet;

use super::traffic::{Ports, Protocol, any_ipv4, cidr_covers, cidr_covers_internet, parse_cidr};
use super::tri::Tri;
use crate::graph::Network;
use crate::model::{Kind, ResId, Resource};
use crate::plan::Values;
use crate::resolve::{Link, LinkKind, Resolution, Target, VpcDefault};

#[derive(Debug, Clone)]
pub struct NaclRule {
    pub number: i64,
    pub egress: bool,
    pub allow: bool,
    pub protocol: Protocol,
    pub ports: Option<Ports>,
    /// `None` when the block is unknown until apply.
    pub cidr: Option<IpNet>,
    pub declared_by: ResId,
    /// False when the rule may belong to another ACL (candidate `network_acl_id`).
    pub definite: bool,
}

/// Who is on the other side of the traffic.
#[derive(Debug, Clone, Copy)]
pub enum Remote<'x> {
    Cidr(Option<&'x IpNet>),
    Internet,
}

/// What one NACL decides, and the rule that decided it.
#[derive(Debug, Clone)]
pub struct AclDecision {
    pub outcome: Tri,
    pub rule: Option<(i64, ResId)>,
    /// A rule whose CIDR is unknown until apply made the answer uncertain.
    pub unknown: bool,
}

/// Every ACL's rules and every subnet's ACL in one network.
pub struct Nacls {
    rules: HashMap<Target, Vec<NaclRule>>,
    /// ACLs named by association, per subnet: (ACL, certain).
    by_subnet: HashMap<ResId, Vec<(Target, bool)>>,
    /// `aws_default_network_acl` resources, by the VPC whose default ACL they manage.
    managed_default: HashMap<ResId, ResId>,
}

impl Nacls {
    pub fn build(net: &Network<'_, '_>) -> Nacls {
        let mut rules: HashMap<Target, Vec<NaclRule>> = HashMap::new();
        let mut by_subnet: HashMap<ResId, Vec<(Target, bool)>> = HashMap::new();
        let mut managed_default = HashMap::new();
        let mut associate = |subnets: &Link, acl: Target, acl_certain: bool| {
            for slot in &subnets.slots {
                let certain = acl_certain && slot.options.len() == 1 && subnets.resolution != Resolution::Candidates;
                for s in &slot.options {
                    if let Target::Resource(id) = s {
                        by_subnet.entry(*id).or_default().push((acl.clone(), certain));
                    }
                }
            }
        };
        for r in net.model.resources.iter().filter(|r| !r.is_data()) {
            match r.kind {
                Kind::NetworkAcl | Kind::DefaultNetworkAcl => {
                    let list = rules.entry(Target::Resource(r.id)).or_default();
                    for (attr, egress) in [("ingress", false), ("egress", true)] {
                        list.extend(inline_rules(r, attr, egress));
                    }
                    associate(&net.link(r.id, LinkKind::Subnets), Target::Resource(r.id), true);
                    if r.kind == Kind::DefaultNetworkAcl {
                        for t in net.link(r.id, LinkKind::NetworkAcl).targets() {
                            if let Target::VpcDefault(VpcDefault::NetworkAcl, vpc) = t {
                                managed_default.insert(*vpc, r.id);
                            }
                        }
                        for t in net.link(r.id, LinkKind::Vpc).targets() {
                            if let Target::Resource(vpc) = t {
                                managed_default.entry(*vpc).or_insert(r.id);
                            }
                        }
                    }
                }
                Kind::NetworkAclAssociation => {
                    let acl = net.link(r.id, LinkKind::NetworkAcl);
                    for slot in &acl.slots {
                        for a in &slot.options {
                            associate(&net.link(r.id, LinkKind::Subnet), a.clone(), slot.options.len() == 1);
                        }
                    }
                }
                _ => {}
            }
        }
        for r in net.model.resources.iter().filter(|r| r.kind == Kind::NetworkAclRule && !r.is_data()) {
            let acl = net.link(r.id, LinkKind::NetworkAcl);
            let Some(rule) = standalone_rule(r) else { continue };
            for slot in &acl.slots {
                for a in &slot.options {
                    rules
                        .entry(a.clone())
                        .or_default()
                        .push(NaclRule { definite: slot.options.len() == 1, ..rule.clone() });
                }
            }
        }
        for list in rules.values_mut() {
            list.sort_by_key(|r| (r.egress, r.number));
        }
        Nacls { rules, by_subnet, managed_default }
    }

    /// The ACLs that may guard `subnet` (several when associations are candidates), each
    /// with whether it certainly does. Without an association, the VPC's default ACL.
    pub fn acls_of(&self, subnet: ResId, vpc: Option<ResId>) -> Vec<(Target, bool)> {
        if let Some(list) = self.by_subnet.get(&subnet) {
            if list.iter().any(|(_, certain)| *certain) {
                return list.iter().filter(|(_, c)| *c).cloned().collect();
            }
            let mut out = list.clone();
            if let Some(v) = vpc {
                out.push((self.default_of(v), false));
            }
            return out;
        }
        match vpc {
            Some(v) => vec![(self.default_of(v), true)],
            None => Vec::new(),
        }
    }

    fn default_of(&self, vpc: ResId) -> Target {
        match self.managed_default.get(&vpc) {
            Some(r) => Target::Resource(*r),
            None => Target::VpcDefault(VpcDefault::NetworkAcl, vpc),
        }
    }

    /// Whether `acl` passes TCP on `ports` in one direction to or from `remote`.
    pub fn passes(&self, acl: &Target, egress: bool, ports: Ports, remote: Remote<'_>) -> AclDecision {
        let Some(rules) = self.rules.get(acl) else {
            // A VPC's default ACL that Terraform does not manage allows everything.
            return match acl {
                Target::VpcDefault(VpcDefault::NetworkAcl, _) => {
                    AclDecision { outcome: Tri::Yes, rule: None, unknown: false }
                }
                _ => AclDecision { outcome: Tri::Maybe, rule: None, unknown: true },
            };
        };
        let mut doubt = false;
        let mut unknown = false;
        for rule in rules.iter().filter(|r| r.egress == egress) {
            if !rule.protocol.carries_tcp() {
                continue;
            }
            let port_match = match rule.ports {
                Some(p) if rule.protocol != Protocol::All => p.covers(ports),
                _ => Tri::Yes,
            };
            let cidr_match = match (&rule.cidr, remote) {
                (None, _) => Tri::Maybe,
                (Some(c), Remote::Internet) => cidr_covers_internet(c),
                (Some(c), Remote::Cidr(Some(n))) => cidr_covers(c, n),
                (Some(c), Remote::Cidr(None)) => {
                    if c.prefix_len() == 0 && matches!(c, IpNet::V4(_)) {
                        Tri::Yes
                    } else {
                        Tri::Maybe
                    }
                }
            };
            match port_match.and(cidr_match) {
                Tri::No => {}
                Tri::Yes if rule.definite && !doubt => {
                    return AclDecision {
                        outcome: Tri::from_bool(rule.allow),
                        rule: Some((rule.number, rule.declared_by)),
                        unknown,
                    };
                }
                _ => {
                    doubt = true;
                    unknown |= rule.cidr.is_none();
                }
            }
        }
        AclDecision { outcome: if doubt { Tri::Maybe } else { Tri::No }, rule: None, unknown }
    }
}

fn inline_rules(r: &Resource<'_>, attr: &str, egress: bool) -> Vec<NaclRule> {
    let known = !r.unknown.any_true(attr) && r.after.raw(attr).is_some_and(|v| v.get() != "null");
    let blocks: Vec<Values<'_>> = if known {
        r.after.blocks(attr)
    } else if r.configures(attr) {
        // Rule blocks whose values are unknown: read the constants in the configuration.
        return r
            .expressions()
            .map(|e| e.blocks(attr))
            .unwrap_or_default()
            .into_iter()
            .map(|b| {
                let num = |k: &str| b.expr(k).and_then(|e| e.constant::<serde_json::Value>()).and_then(|v| number(&v));
                let text = |k: &str| b.expr(k).and_then(|e| e.constant::<serde_json::Value>()).map(|v| as_text(&v));
                rule_from(
                    num("rule_no").unwrap_or(32766),
                    egress,
                    text("action").as_deref(),
                    text("protocol").as_deref(),
                    num("from_port"),
                    num("to_port"),
                    text("cidr_block").or_else(|| text("ipv6_cidr_block")).as_deref(),
                    r.id,
                )
            })
            .collect();
    } else if !r.inst.action.creates() {
        r.before.blocks(attr)
    } else {
        Vec::new()
    };
    blocks
        .iter()
        .map(|b| {
            let cidr = b
                .str("cidr_block")
                .filter(|s| !s.is_empty())
                .or_else(|| b.str("ipv6_cidr_block").filter(|s| !s.is_empty()));
            rule_from(
                b.i64("rule_no").unwrap_or(32766),
                egress,
                b.str("action").as_deref(),
                b.str("protocol").as_deref(),
                b.i64("from_port"),
                b.i64("to_port"),
                cidr.as_deref(),
                r.id,
            )
        })
        .collect()
}

fn standalone_rule(r: &Resource<'_>) -> Option<NaclRule> {
    let number = r.attr::<i64>("rule_number", None).value().copied()?;
    let egress = r.attr::<bool>("egress", Some(false)).value().copied().unwrap_or(false);
    let cidr = r.attr_str("cidr_block").value().cloned().or_else(|| r.attr_str("ipv6_cidr_block").value().cloned());
    let protocol = r.attr::<serde_json::Value>("protocol", None).value().map(as_text);
    Some(rule_from(
        number,
        egress,
        r.attr_str("rule_action").value().map(String::as_str),
        protocol.as_deref(),
        r.attr::<i64>("from_port", None).value().copied(),
        r.attr::<i64>("to_port", None).value().copied(),
        cidr.as_deref(),
        r.id,
    ))
}

#[allow(clippy::too_many_arguments)]
fn rule_from(
    number: i64,
    egress: bool,
    action: Option<&str>,
    protocol: Option<&str>,
    from: Option<i64>,
    to: Option<i64>,
    cidr: Option<&str>,
    declared_by: ResId,
) -> NaclRule {
    let protocol = Protocol::parse(protocol.unwrap_or("-1"));
    let ports = match (from, to) {
        (Some(f), Some(t)) if protocol != Protocol::All && !(f == 0 && t == 0) => Some(Ports { from: f, to: t }),
        _ => None,
    };
    NaclRule {
        number,
        egress,
        allow: action.is_some_and(|a| a.eq_ignore_ascii_case("allow")),
        protocol,
        ports,
        cidr: cidr.and_then(parse_cidr),
        declared_by,
        definite: true,
    }
}

fn number(v: &serde_json::Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn as_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The CIDR every rule check uses for "anywhere" when a subnet's range is unknown.
pub fn anywhere() -> IpNet {
    any_ipv4()
}
