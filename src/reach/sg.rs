//! Security groups: every rule that will apply to each group after apply, wherever it is
//! declared (inline blocks, `aws_security_group_rule`, `aws_vpc_security_group_*_rule`),
//! and what a set of groups admits.
//!
//! Terraform differs from the console here: a new `aws_security_group` has **no** egress
//! rule unless the configuration declares one, although the plan shows `egress` as unknown.
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group>

use std::collections::HashMap;

use ipnet::IpNet;

use super::traffic::{Ports, Protocol, cidr_covers, cidr_covers_internet, parse_cidr};
use super::tri::Tri;
use crate::graph::Network;
use crate::model::{Kind, ResId, Resource};
use crate::plan::Values;
use crate::plan::config::Expressions;
use crate::resolve::links::SG_LIST;
use crate::resolve::{Link, LinkKind, Resolution, Target, VpcDefault};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

/// Who a rule admits traffic from (ingress) or to (egress).
#[derive(Debug, Clone, PartialEq)]
pub enum Peer {
    Cidr(IpNet),
    /// Another security group; several options when the reference is a candidate set.
    Group(Vec<Target>),
    /// The group the rule belongs to (`self = true`).
    SelfGroup,
    PrefixList(String),
    /// A peer the plan does not tell (an unknown CIDR, an unresolved group reference).
    Unknown(String),
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
            Some(p) if p.from == p.to => format!("{proto} {}", p.from),
            Some(p) => format!("{proto} {}-{}", p.from, p.to),
            None => proto.to_string(),
        }
    }

    /// Whether the rule admits TCP traffic on `port`.
    pub fn covers_tcp_port(&self, port: i64) -> bool {
        match (&self.protocol, self.ports) {
            (Protocol::All, _) => true,
            (Protocol::Tcp, Some(p)) => p.contains(port),
            (Protocol::Tcp, None) => true,
            _ => false,
        }
    }

    /// The peers that mean "anywhere": `0.0.0.0/0` and `::/0`.
    pub fn world_peers(&self) -> Vec<String> {
        self.peers
            .iter()
            .filter_map(|p| match p {
                Peer::Cidr(c) if c.prefix_len() == 0 => Some(c.to_string()),
                _ => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct SgRule {
    pub direction: Direction,
    pub protocol: Protocol,
    /// `None` for all ports (protocol `-1`).
    pub ports: Option<Ports>,
    pub peers: Vec<Peer>,
    /// The resource that declares the rule: the group itself, or a rule resource.
    pub declared_by: Option<ResId>,
    /// False when the rule may belong to another group (its `security_group_id` is a
    /// candidate set).
    pub definite: bool,
    /// Values that are unknown until apply make the rule's effect uncertain.
    pub uncertain: bool,
}

/// Everything known about one group's rules.
#[derive(Debug, Clone, Default)]
pub struct GroupRules {
    pub rules: Vec<SgRule>,
    /// The plan cannot tell this group's rules (an existing group outside the plan).
    pub opaque: Option<String>,
    /// Whether any egress rule is declared for the group at all (Terraform's default).
    pub egress_declared: bool,
}

/// The rules of every group in one network.
pub struct SecurityGroups {
    groups: HashMap<Target, GroupRules>,
    /// Addresses of rule-declaring resources, to say which rule is uncertain.
    addresses: HashMap<ResId, String>,
}

/// What a traffic check is aimed at.
pub enum Peering<'x> {
    /// An address range (a subnet's CIDR, `None` when unknown) and the groups there.
    Network { cidrs: Vec<Option<IpNet>>, groups: &'x Link },
    /// The public AWS service endpoints.
    Internet,
}

/// The answer of a traffic check, with the rules that decided it.
#[derive(Debug, Clone)]
pub struct Admission {
    pub outcome: Tri,
    /// Rule-declaring resources that admit the traffic.
    pub by: Vec<ResId>,
    /// The groups have no rule at all in this direction.
    pub no_rules: bool,
    /// Why the answer is uncertain, when it is.
    pub doubts: Vec<String>,
}

impl SecurityGroups {
    pub fn build(net: &Network<'_, '_>) -> SecurityGroups {
        let mut groups: HashMap<Target, GroupRules> = HashMap::new();
        for r in &net.model.resources {
            match r.kind {
                Kind::SecurityGroup | Kind::DefaultSecurityGroup if r.is_data() => {
                    groups.entry(Target::Resource(r.id)).or_default().opaque =
                        Some(format!("{} is read from AWS; its rules are not in the plan", r.address()));
                }
                Kind::SecurityGroup | Kind::DefaultSecurityGroup => {
                    let entry = groups.entry(Target::Resource(r.id)).or_default();
                    for (attr, direction) in [("ingress", Direction::Ingress), ("egress", Direction::Egress)] {
                        let (rules, declared) = inline_rules(net, r, attr, direction);
                        entry.rules.extend(rules);
                        if direction == Direction::Egress {
                            entry.egress_declared |= declared;
                        }
                    }
                }
                Kind::SecurityGroupRule | Kind::SecurityGroupIngressRule | Kind::SecurityGroupEgressRule => {
                    let Some(rule) = standalone_rule(net, r) else { continue };
                    let owner = net.link(r.id, LinkKind::SecurityGroup);
                    for slot in &owner.slots {
                        let definite = slot.options.len() == 1 && owner.resolution != Resolution::Candidates;
                        for t in &slot.options {
                            let entry = groups.entry(t.clone()).or_default();
                            if rule.direction == Direction::Egress {
                                entry.egress_declared = true;
                            }
                            entry.rules.push(SgRule { definite, ..rule.clone() });
                        }
                    }
                }
                _ => {}
            }
        }
        let addresses = groups
            .values()
            .flat_map(|g| &g.rules)
            .filter_map(|r| r.declared_by)
            .map(|id| (id, net.model.resources[id].address().to_string()))
            .collect();
        SecurityGroups { groups, addresses }
    }

    /// Every group the plan declares rules for, in a stable order.
    pub fn groups(&self) -> Vec<(&Target, &GroupRules)> {
        let mut out: Vec<(&Target, &GroupRules)> = self.groups.iter().collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// The rules of `group`. A VPC's default group that Terraform does not manage keeps
    /// AWS's defaults: all traffic in from itself, all traffic out.
    pub fn rules(&self, group: &Target) -> GroupRules {
        if let Some(g) = self.groups.get(group) {
            return g.clone();
        }
        match group {
            Target::VpcDefault(VpcDefault::SecurityGroup, _) => GroupRules {
                rules: vec![
                    SgRule {
                        direction: Direction::Ingress,
                        protocol: Protocol::All,
                        ports: None,
                        peers: vec![Peer::SelfGroup],
                        declared_by: None,
                        definite: true,
                        uncertain: false,
                    },
                    SgRule {
                        direction: Direction::Egress,
                        protocol: Protocol::All,
                        ports: None,
                        peers: vec![Peer::Cidr(super::traffic::any_ipv4())],
                        declared_by: None,
                        definite: true,
                        uncertain: false,
                    },
                ],
                opaque: None,
                egress_declared: true,
            },
            Target::External(id) => {
                GroupRules { opaque: Some(format!("security group {id} is not in the plan")), ..GroupRules::default() }
            }
            _ => GroupRules::default(),
        }
    }

    /// Whether `groups` (a link's slots: every slot applies, one option of each) admit TCP
    /// on `ports` in `direction` to or from `peer`. A network peer with several address
    /// ranges (an endpoint in two subnets) is admitted when every range is, by any rule.
    pub fn admits(&self, groups: &Link, direction: Direction, ports: Ports, peer: &Peering<'_>) -> Admission {
        let units: Vec<Peering<'_>> = match peer {
            Peering::Network { cidrs, groups: g } if cidrs.len() > 1 => {
                cidrs.iter().map(|c| Peering::Network { cidrs: vec![*c], groups: g }).collect()
            }
            Peering::Network { cidrs, groups: g } => vec![Peering::Network { cidrs: cidrs.clone(), groups: g }],
            Peering::Internet => vec![Peering::Internet],
        };
        let mut by = Vec::new();
        let mut doubts = Vec::new();
        let mut any_rule = false;
        let mut per_unit = Vec::new();
        for unit in &units {
            let mut outcome = Tri::No;
            for slot in &groups.slots {
                let mut per_option = Vec::new();
                for g in &slot.options {
                    let rules = self.rules(g);
                    if let Some(why) = &rules.opaque {
                        if !doubts.contains(why) {
                            doubts.push(why.clone());
                        }
                        per_option.push(Tri::Maybe);
                        continue;
                    }
                    let mut this = Tri::No;
                    for rule in rules.rules.iter().filter(|r| r.direction == direction) {
                        any_rule = true;
                        let mut t = rule_admits(rule, g, ports, unit);
                        if t == Tri::Yes && (!rule.definite || rule.uncertain) {
                            t = Tri::Maybe;
                        }
                        // A rule whose values or peers the plan does not tell makes the answer
                        // unknown, not merely one of several candidates.
                        if t == Tri::Maybe {
                            let unknown_peer = rule.peers.iter().find_map(|p| match p {
                                Peer::Unknown(why) => Some(why.clone()),
                                _ => None,
                            });
                            if rule.uncertain || unknown_peer.is_some() {
                                let by = rule
                                    .declared_by
                                    .and_then(|id| self.addresses.get(&id))
                                    .cloned()
                                    .unwrap_or_default();
                                let why =
                                    unknown_peer.unwrap_or_else(|| "some of its values are unknown until apply".into());
                                let doubt = format!("{by}: {why}");
                                if !doubts.contains(&doubt) {
                                    doubts.push(doubt);
                                }
                            }
                        }
                        if t != Tri::No {
                            by.extend(rule.declared_by);
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
        if !groups.dead_ends.is_empty() || groups.resolution == Resolution::Unresolved {
            doubts.push("some of the security groups could not be resolved".into());
            outcome = outcome.or(Tri::Maybe);
        }
        by.sort_unstable();
        by.dedup();
        Admission { outcome, by, no_rules: !any_rule, doubts }
    }
}

fn rule_admits(rule: &SgRule, own_group: &Target, ports: Ports, peer: &Peering<'_>) -> Tri {
    if !rule.protocol.carries_tcp() {
        return Tri::No;
    }
    let port_ok = match rule.ports {
        None => Tri::Yes,
        Some(p) if rule.protocol == Protocol::All => {
            let _ = p;
            Tri::Yes
        }
        Some(p) => p.covers(ports),
    };
    if port_ok == Tri::No {
        return Tri::No;
    }
    let peer_ok = Tri::any(rule.peers.iter().map(|p| peer_matches(p, own_group, peer)));
    port_ok.and(peer_ok)
}

fn peer_matches(rule_peer: &Peer, own_group: &Target, peer: &Peering<'_>) -> Tri {
    match (rule_peer, peer) {
        (Peer::Cidr(c), Peering::Internet) => cidr_covers_internet(c),
        (Peer::Cidr(c), Peering::Network { cidrs, .. }) => {
            if cidrs.is_empty() {
                return Tri::Maybe;
            }
            Tri::agree(cidrs.iter().map(|n| n.as_ref().map_or(Tri::Maybe, |n| cidr_covers(c, n))))
        }
        (Peer::Group(options), Peering::Network { groups, .. }) => in_groups(options, groups),
        (Peer::SelfGroup, Peering::Network { groups, .. }) => in_groups(std::slice::from_ref(own_group), groups),
        (Peer::Group(_) | Peer::SelfGroup, Peering::Internet) => Tri::No,
        (Peer::PrefixList(_) | Peer::Unknown(_), _) => Tri::Maybe,
    }
}

/// Whether one of `options` (one of which the rule names) is among the peer's groups.
fn in_groups(options: &[Target], groups: &Link) -> Tri {
    let mut per_option = Vec::new();
    for o in options {
        let mut here = Tri::No;
        for slot in &groups.slots {
            if slot.options.contains(o) {
                here = here.or(if slot.options.len() == 1 { Tri::Yes } else { Tri::Maybe });
            }
        }
        per_option.push(here);
    }
    Tri::agree(per_option)
}

/// Inline `ingress`/`egress` blocks of a group, and whether the configuration declares any.
///
/// These are "attributes as blocks" in the AWS provider: the plan's `configuration` holds one
/// expression for the whole attribute, while `after` keeps each rule's known parts and
/// `after_unknown` marks the rest (typically `security_groups`).
fn inline_rules<'a>(net: &Network<'_, 'a>, r: &Resource<'a>, attr: &str, direction: Direction) -> (Vec<SgRule>, bool) {
    let configured = r.configures(attr);
    let parent = parent_refs(r.expressions(), attr);
    let mut out = Vec::new();
    if !r.unknown.is_true(attr) && r.after.raw(attr).is_some_and(|v| v.get() != "null") {
        let blocks = r.after.blocks(attr);
        let unknowns = r.unknown.blocks(attr);
        let config_blocks = r.expressions().map(|e| e.blocks(attr)).unwrap_or_default();
        let shared = unknowns.iter().filter(|u| u.any_true("security_groups")).count() > 1;
        for (i, block) in blocks.iter().enumerate() {
            let u = unknowns.get(i).cloned().unwrap_or_default();
            out.push(block_rule(net, r, block, &u, config_blocks.get(i).copied(), &parent, shared, direction));
        }
        let declared = configured || !out.is_empty();
        return (out, declared);
    }
    if configured {
        let config_blocks = r.expressions().map(|e| e.blocks(attr)).unwrap_or_default();
        if config_blocks.is_empty() {
            // The whole attribute is unknown until apply: its rules cannot be read.
            out.push(SgRule {
                direction,
                protocol: Protocol::All,
                ports: None,
                peers: vec![Peer::Unknown(format!("{}.{attr} is unknown until apply", r.address()))],
                declared_by: Some(r.id),
                definite: true,
                uncertain: true,
            });
        }
        for block in config_blocks {
            out.push(block_rule(net, r, &Values::default(), &Values::default(), Some(block), &[], false, direction));
        }
        return (out, true);
    }
    if !r.inst.action.creates() {
        // An existing group keeps the rules it has.
        let before = r.before.blocks(attr);
        for block in &before {
            out.push(block_rule(net, r, block, &Values::default(), None, &[], false, direction));
        }
        return (out, !before.is_empty());
    }
    (out, false)
}

/// The references of an attribute-as-blocks expression (`ingress = [...]` in JSON terms).
pub(crate) fn parent_refs<'a>(config: Option<&Expressions<'a>>, attr: &str) -> Vec<String> {
    config
        .and_then(|c| c.expr(attr))
        .map(|e| e.references().iter().map(|r| r.to_string()).collect())
        .unwrap_or_default()
}

/// One inline rule from its planned values, or (when they are unknown) its configuration.
#[allow(clippy::too_many_arguments)]
fn block_rule<'a>(
    net: &Network<'_, 'a>,
    r: &Resource<'a>,
    after: &Values<'a>,
    unknown: &Values<'a>,
    config: Option<&Expressions<'a>>,
    parent: &[String],
    shared: bool,
    direction: Direction,
) -> SgRule {
    let mut uncertain = false;
    let mut text = |key: &str| -> Option<String> {
        if let Some(v) = after.str(key) {
            return Some(v.into_owned());
        }
        if let Some(n) = after.i64(key) {
            return Some(n.to_string());
        }
        let e = config.and_then(|c| c.expr(key))?;
        if let Some(s) = e.constant::<String>() {
            return Some(s);
        }
        if let Some(n) = e.constant::<i64>() {
            return Some(n.to_string());
        }
        uncertain = true;
        None
    };
    let protocol = Protocol::parse(&text("protocol").unwrap_or_else(|| "-1".into()));
    let from = text("from_port").and_then(|s| s.parse().ok()).unwrap_or(0);
    let to = text("to_port").and_then(|s| s.parse().ok()).unwrap_or(65535);
    let mut peers = Vec::new();
    for key in ["cidr_blocks", "ipv6_cidr_blocks"] {
        if unknown.any_true(key) {
            uncertain = true;
            peers.push(Peer::Unknown(format!("{key} is unknown until apply")));
            continue;
        }
        peers.extend(cidr_peers(after, config, key, &mut uncertain));
    }
    if unknown.any_true("prefix_list_ids") {
        uncertain = true;
        peers.push(Peer::Unknown("prefix_list_ids is unknown until apply".into()));
    } else {
        let prefix_lists = after
            .strings("prefix_list_ids")
            .map(|v| v.into_iter().map(|p| p.into_owned()).collect::<Vec<_>>())
            .or_else(|| config.and_then(|c| c.expr("prefix_list_ids")).and_then(|e| e.constant::<Vec<String>>()));
        peers.extend(prefix_lists.unwrap_or_default().into_iter().map(Peer::PrefixList));
    }
    let self_ref =
        after.bool("self").or_else(|| config.and_then(|c| c.expr("self")).and_then(|e| e.constant::<bool>()));
    if self_ref == Some(true) {
        peers.push(Peer::SelfGroup);
    }
    let groups = if unknown.any_true("security_groups") && config.is_none() && !parent.is_empty() {
        net.resolver.link_refs(r, parent, &SG_LIST, shared)
    } else {
        net.resolver.link_in(r, after, unknown, &Values::default(), config, "security_groups", &SG_LIST)
    };
    peers.extend(group_peers(&groups));
    let ports = if protocol == Protocol::All { None } else { Some(Ports { from, to }) };
    SgRule { direction, protocol, ports, peers, declared_by: Some(r.id), definite: true, uncertain }
}

fn cidr_peers<'a>(after: &Values<'a>, config: Option<&Expressions<'a>>, key: &str, uncertain: &mut bool) -> Vec<Peer> {
    if let Some(list) = after.strings(key) {
        return list.iter().filter_map(|c| parse_cidr(c)).map(Peer::Cidr).collect();
    }
    match config.and_then(|c| c.expr(key)) {
        Some(e) => match e.constant::<Vec<String>>() {
            Some(list) => list.iter().filter_map(|c| parse_cidr(c)).map(Peer::Cidr).collect(),
            None if e.has_references() => {
                *uncertain = true;
                vec![Peer::Unknown(format!("{key} = {}", e.references().first().map(|r| r.as_ref()).unwrap_or("?")))]
            }
            None => Vec::new(),
        },
        None => Vec::new(),
    }
}

/// Peers named by a group link: one peer per slot (its options are alternatives).
fn group_peers(link: &Link) -> Vec<Peer> {
    let mut out: Vec<Peer> = link.slots.iter().map(|s| Peer::Group(s.options.clone())).collect();
    for d in &link.dead_ends {
        out.push(Peer::Unknown(d.clone()));
    }
    if link.resolution == Resolution::Unresolved && link.slots.is_empty() {
        out.push(Peer::Unknown("an unresolved security group reference".into()));
    }
    out
}

/// `aws_security_group_rule` and `aws_vpc_security_group_{ingress,egress}_rule`.
fn standalone_rule(net: &Network<'_, '_>, r: &Resource<'_>) -> Option<SgRule> {
    let (direction, protocol_key, cidr_keys, peer_link): (Direction, &str, &[&str], LinkKind) = match r.kind {
        Kind::SecurityGroupRule => {
            let d = match r.attr_str("type").value().map(String::as_str) {
                Some("egress") => Direction::Egress,
                Some("ingress") => Direction::Ingress,
                _ => return None,
            };
            (d, "protocol", &["cidr_blocks", "ipv6_cidr_blocks"], LinkKind::SourceSecurityGroup)
        }
        Kind::SecurityGroupIngressRule => {
            (Direction::Ingress, "ip_protocol", &["cidr_ipv4", "cidr_ipv6"], LinkKind::SourceSecurityGroup)
        }
        Kind::SecurityGroupEgressRule => {
            (Direction::Egress, "ip_protocol", &["cidr_ipv4", "cidr_ipv6"], LinkKind::SourceSecurityGroup)
        }
        _ => return None,
    };
    let mut uncertain = false;
    let text = |key: &str, uncertain: &mut bool| -> Option<String> {
        match r.attr::<serde_json::Value>(key, None) {
            crate::model::Attr::Known(serde_json::Value::String(s))
            | crate::model::Attr::Default(serde_json::Value::String(s)) => Some(s),
            crate::model::Attr::Known(serde_json::Value::Number(n))
            | crate::model::Attr::Default(serde_json::Value::Number(n)) => Some(n.to_string()),
            crate::model::Attr::Unknown => {
                *uncertain = true;
                None
            }
            _ => None,
        }
    };
    let protocol = Protocol::parse(&text(protocol_key, &mut uncertain).unwrap_or_else(|| "-1".into()));
    let from = text("from_port", &mut uncertain).and_then(|s| s.parse().ok()).unwrap_or(0);
    let to = text("to_port", &mut uncertain).and_then(|s| s.parse().ok()).unwrap_or(65535);
    let mut peers = Vec::new();
    for key in cidr_keys {
        match r.attr::<serde_json::Value>(key, None) {
            crate::model::Attr::Known(v) => {
                let mut cidrs = Vec::new();
                collect(&v, &mut cidrs);
                peers.extend(cidrs.iter().filter_map(|c| parse_cidr(c)).map(Peer::Cidr));
            }
            crate::model::Attr::Unknown => {
                uncertain = true;
                peers.push(Peer::Unknown(format!("{key} is unknown until apply")));
            }
            _ => {}
        }
    }
    for key in ["prefix_list_ids", "prefix_list_id"] {
        match r.attr::<serde_json::Value>(key, None) {
            crate::model::Attr::Known(v) => {
                let mut ids = Vec::new();
                collect(&v, &mut ids);
                peers.extend(ids.into_iter().map(Peer::PrefixList));
            }
            crate::model::Attr::Unknown => {
                uncertain = true;
                peers.push(Peer::Unknown(format!("{key} is unknown until apply")));
            }
            _ => {}
        }
    }
    if r.attr::<bool>("self", None).value() == Some(&true) {
        peers.push(Peer::SelfGroup);
    }
    let source = net.link(r.id, peer_link);
    if !source.unset {
        peers.extend(group_peers(&source));
    }
    let ports = if protocol == Protocol::All { None } else { Some(Ports { from, to }) };
    Some(SgRule { direction, protocol, ports, peers, declared_by: Some(r.id), definite: true, uncertain })
}

fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}
