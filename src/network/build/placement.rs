//! VPCs, subnets, route tables and network ACLs, and which table and ACL each subnet uses.
//!
//! AWS's invariants narrow the candidates: a subnet has exactly one route-table association
//! and one ACL association. When `k` associations may each be for one of the same `k`
//! subnets, every one of those subnets has one of them — none falls back to the main table.

use rustc_hash::FxHashMap;

use super::{Builder, derived, union};
use crate::model::Kind;
use crate::network::acl;
use crate::network::graph::{LinkId, NodeId, one_of};
use crate::network::routing::{
    self, Destination, InternetGateway, Membership, NatGateway, Route, RouteTarget, TargetKind,
};
use crate::network::traffic::Direction;
use crate::network::vpc::{Subnet, Vpc};
use crate::network::{Link, Node};
use crate::resolve::{LinkKind, Resolution, VpcDefault};

/// Associations that may attach to a subnet: certain ones, and candidates grouped by the
/// candidate set they share.
#[derive(Default)]
struct Associations {
    /// What each subnet is certainly associated with.
    certain: FxHashMap<NodeId, Vec<Link>>,
    /// What each subnet may be associated with, with the candidate set of the association.
    candidate: FxHashMap<NodeId, Vec<(Vec<NodeId>, Link)>>,
    /// Per candidate set: how many associations share it.
    groups: FxHashMap<Vec<NodeId>, usize>,
}

impl Associations {
    /// An association of one of `subnets` (one slot of a subnet link resolved as
    /// `resolution`) with `target`.
    fn add(&mut self, mut subnets: Vec<NodeId>, resolution: Resolution, target: Link) {
        match subnets.as_slice() {
            [only] if resolution != Resolution::Candidates => self.certain.entry(*only).or_default().push(target),
            _ => {
                subnets.sort_unstable();
                for o in &subnets {
                    self.candidate.entry(*o).or_default().push((subnets.clone(), target.clone()));
                }
                *self.groups.entry(subnets).or_default() += 1;
            }
        }
    }

    /// What `subnet` is associated with, and whether the fallback (main table, default ACL)
    /// may apply instead.
    fn of(&self, subnet: NodeId) -> (Vec<Link>, bool) {
        if let Some(certain) = self.certain.get(&subnet) {
            return (certain.clone(), false);
        }
        let Some(candidates) = self.candidate.get(&subnet) else { return (Vec::new(), true) };
        let covered = candidates.iter().any(|(set, _)| self.groups.get(set).is_some_and(|n| *n >= set.len()));
        (candidates.iter().map(|(_, l)| l.clone()).collect(), !covered)
    }
}

impl Builder<'_, '_> {
    pub(super) fn vpcs_and_subnets(&mut self) {
        let vpcs: Vec<_> = self.all_of(Kind::Vpc).into_iter().chain(self.all_of(Kind::DefaultVpc)).collect();
        let vpcs =
            self.read_each(&vpcs, |r, node| Vpc::build(r, node, crate::network::region::region_of(self.model, r)));
        self.net.vpcs.extend(vpcs);
        let subnets: Vec<_> = self.all_of(Kind::Subnet).into_iter().chain(self.all_of(Kind::DefaultSubnet)).collect();
        let subnets = self.read_each(&subnets, |r, node| Subnet::build(r, node, self.link(r.id, LinkKind::Vpc)));
        self.net.subnets.extend(subnets);
        // A range added after the VPC's creation.
        for a in self.managed(Kind::VpcIpv6CidrBlockAssociation) {
            for v in self.link(a.id, LinkKind::Vpc).map(|l| self.targets(l)).unwrap_or_default() {
                if let Some(vpc) = self.net.vpcs.get_mut(&v) {
                    vpc.ipv6 = crate::tri::Tri::Yes;
                }
            }
        }
        self.dhcp_options();
    }

    /// DHCP options sets that replace the Amazon-provided resolver, by VPC.
    fn dhcp_options(&mut self) {
        for a in self.managed(Kind::VpcDhcpOptionsAssociation) {
            let (Some(vpc), Some(options)) = (self.link(a.id, LinkKind::Vpc), self.link(a.id, LinkKind::DhcpOptions))
            else {
                continue;
            };
            for v in self.targets(vpc) {
                if let Some(entry) = self.net.vpcs.get_mut(&v) {
                    entry.dhcp_options = Some(options);
                }
            }
        }
    }

    pub(super) fn route_tables(&mut self) {
        let tables: Vec<_> =
            self.managed(Kind::RouteTable).into_iter().chain(self.managed(Kind::DefaultRouteTable)).collect();
        for (node, routes) in self.read_each(&tables, |r, _| self.inline_routes(r)) {
            self.net.route_tables.entry(node).or_default().routes.extend(routes);
        }
        for r in self.managed(Kind::Route) {
            let Some(table) = self.link(r.id, LinkKind::RouteTable) else { continue };
            let node = self.node(r.id);
            let target = self.route_target(&r.fields, |b, attr| b.link_at(r.id, &[attr]));
            let prefix = self.link(r.id, LinkKind::PrefixLists);
            let destination =
                routing::destination(&r.fields, &["destination_cidr_block", "destination_ipv6_cidr_block"], prefix);
            let link = self.net.graph.link(table).clone();
            for slot in &link.slots {
                let membership = Membership::of_slot(&link, slot);
                for &t in slot.options().iter() {
                    if let Node::VpcDefault(VpcDefault::RouteTable, vpc) = *self.net.graph.weight(t) {
                        self.vpc_default(VpcDefault::RouteTable, vpc);
                    }
                    let route = Route {
                        destination: destination.clone(),
                        target: target.clone(),
                        declared_by: node,
                        membership,
                    };
                    self.net.route_tables.entry(t).or_default().routes.push(route);
                }
            }
        }
    }

    /// A route table's `route` blocks.
    fn inline_routes(&self, r: &crate::model::Resource<'_>) -> Vec<Route> {
        let node = self.node(r.id);
        let blocks = r.fields.blocks("route");
        let mut routes = Vec::new();
        if blocks.is_empty() && r.configures("route") && r.fields.blocks_unknown("route") {
            // Routes unknown until apply: one route of unknown destination and target.
            routes.push(Route {
                destination: Destination::Unknown,
                target: RouteTarget { kind: TargetKind::Unknown, link: None },
                declared_by: node,
                membership: Membership::Definite,
            });
        }
        for (i, block) in blocks.iter().enumerate() {
            let target = self.route_target(block, |b, attr| b.block_link(r.id, "route", i, attr));
            let prefix = self.block_link(r.id, "route", i, "destination_prefix_list_id");
            let destination = routing::destination(block, &["cidr_block", "ipv6_cidr_block"], prefix);
            routes.push(Route { destination, target, declared_by: node, membership: Membership::Definite });
        }
        routes
    }

    /// Which target a route names, and the link to it.
    fn route_target(
        &self,
        fields: &crate::model::Fields<'_>,
        link_of: impl Fn(&Self, &str) -> Option<LinkId>,
    ) -> RouteTarget {
        let Some((attr, kind)) = routing::target_attr(fields) else {
            return RouteTarget { kind: TargetKind::Unknown, link: None };
        };
        let link = link_of(self, attr);
        let kind = match (kind, link) {
            // `gateway_id` names an internet gateway or a virtual private gateway.
            (TargetKind::InternetGateway, Some(l)) => {
                let targets = self.targets(l);
                let igw = targets.iter().any(|&t| match self.net.graph.weight(t) {
                    Node::Resource(_) => self.net.kind(t) == Some(Kind::InternetGateway),
                    Node::External(id) => id.starts_with("igw-"),
                    _ => false,
                });
                let vgw = targets.iter().any(|&t| match self.net.graph.weight(t) {
                    Node::Resource(_) => self.net.kind(t) == Some(Kind::VpnGateway),
                    Node::External(id) => id.starts_with("vgw-"),
                    _ => false,
                });
                match (igw, vgw) {
                    (true, _) => TargetKind::InternetGateway,
                    (false, true) => TargetKind::VpnGateway,
                    _ => TargetKind::Unknown,
                }
            }
            (kind, _) => kind,
        };
        RouteTarget { kind, link }
    }

    /// Each subnet's route table: its association, else its VPC's main table.
    /// Each subnet's route table or ACL (`what`): its associations, and where they may be
    /// missing, its VPC's main one (`defaults`, else AWS's own), added as the derived link
    /// `path`. In subnet order.
    fn per_subnet(
        &mut self,
        assoc: &Associations,
        defaults: &FxHashMap<NodeId, NodeId>,
        what: VpcDefault,
        path: &'static [&'static str],
    ) -> Vec<(NodeId, LinkId)> {
        let mut subnets: Vec<NodeId> = self.net.subnets.keys().copied().collect();
        subnets.sort_unstable();
        subnets
            .into_iter()
            .map(|s| {
                let (mut parts, fallback) = assoc.of(s);
                if fallback {
                    let options: Vec<NodeId> = self
                        .subnet_vpcs(s)
                        .iter()
                        .filter_map(|&v| match defaults.get(&v) {
                            Some(&d) => Some(d),
                            None => self.net.graph.resource(v).map(|id| self.vpc_default(what, id)),
                        })
                        .collect();
                    parts.push(self.fallback_link(s, options));
                }
                let link = alternatives(&parts);
                (s, self.derive(s, path, link))
            })
            .collect()
    }

    pub(super) fn subnet_route_tables(&mut self) {
        let mut main: FxHashMap<NodeId, NodeId> = FxHashMap::default();
        for r in self.managed(Kind::DefaultRouteTable) {
            let node = self.node(r.id);
            for l in self.links(r.id, LinkKind::RouteTable).into_iter().chain(self.link(r.id, LinkKind::Vpc)) {
                for t in self.targets(l) {
                    let vpc = match *self.net.graph.weight(t) {
                        Node::VpcDefault(VpcDefault::RouteTable, vpc) => self.node(vpc),
                        Node::Resource(_) if self.net.vpcs.contains_key(&t) => t,
                        _ => continue,
                    };
                    main.entry(vpc).or_insert(node);
                }
            }
        }
        for r in self.managed(Kind::MainRouteTableAssociation) {
            let (Some(vpc), Some(table)) = (self.link(r.id, LinkKind::Vpc), self.link(r.id, LinkKind::RouteTable))
            else {
                continue;
            };
            if let Some(&t) = self.net.graph.link(table).single() {
                for v in self.targets(vpc) {
                    main.insert(v, t);
                }
            }
        }
        let mut assoc = Associations::default();
        for r in self.managed(Kind::RouteTableAssociation) {
            let (Some(subnets), Some(table)) =
                (self.link(r.id, LinkKind::Subnet), self.link(r.id, LinkKind::RouteTable))
            else {
                continue;
            };
            let resolution = self.net.graph.link(subnets).resolution;
            assoc.add(self.targets(subnets), resolution, self.net.graph.link(table).clone());
        }
        for (s, id) in self.per_subnet(&assoc, &main, VpcDefault::RouteTable, derived::ROUTE_TABLE) {
            if let Some(subnet) = self.net.subnets.get_mut(&s) {
                subnet.route_table = Some(id);
            }
        }
    }

    /// The VPCs a subnet may be in.
    fn subnet_vpcs(&self, subnet: NodeId) -> Vec<NodeId> {
        self.net.subnets.get(&subnet).and_then(|s| s.vpc).map(|l| self.targets(l)).unwrap_or_default()
    }

    /// A link to a VPC-wide fallback (main table, default ACL), as resolved as the subnet's
    /// VPC link is.
    fn fallback_link(&self, subnet: NodeId, options: Vec<NodeId>) -> Link {
        // An existing subnet (read from AWS) has its associations outside the plan: the
        // VPC-wide fallback is a guess, not a default.
        if self.net.is_data(subnet) {
            let mut link = Link::known_empty();
            link.resolution = Resolution::Unresolved;
            return link;
        }
        let vpc = self.net.subnets.get(&subnet).and_then(|s| s.vpc).map(|l| self.net.graph.link(l).clone());
        let mut link = one_of(options, vpc.as_ref().map_or(Resolution::Unresolved, |v| v.resolution));
        if let Some(v) = vpc {
            link.dead_ends = v.dead_ends;
            link.fallback = v.fallback;
        }
        if link.slots.is_empty() {
            link.resolution = Resolution::Unresolved;
        }
        link
    }

    pub(super) fn acls(&mut self) {
        for r in self.managed(Kind::NetworkAcl).into_iter().chain(self.managed(Kind::DefaultNetworkAcl)) {
            let node = self.node(r.id);
            let mut entries = Vec::new();
            for (attr, direction) in [("ingress", Direction::Ingress), ("egress", Direction::Egress)] {
                for block in r.fields.blocks(attr) {
                    entries.push(acl::entry(&block, &acl::INLINE, direction, node, Membership::Definite));
                }
            }
            self.net.acls.entry(node).or_default().entries.extend(entries);
        }
        for r in self.managed(Kind::NetworkAclRule) {
            let Some(owner) = self.link(r.id, LinkKind::NetworkAcl) else { continue };
            if r.attr::<i64>("rule_number", None).value().is_none() {
                continue;
            }
            let direction = if r.attr::<bool>("egress", Some(false)).value() == Some(&true) {
                Direction::Egress
            } else {
                Direction::Ingress
            };
            let node = self.node(r.id);
            let link = self.net.graph.link(owner).clone();
            for slot in &link.slots {
                let membership = if slot.options().len() == 1 { Membership::Definite } else { Membership::Candidate };
                for &t in slot.options().iter() {
                    let entry = acl::entry(&r.fields, &acl::STANDALONE, direction, node, membership);
                    if let Node::VpcDefault(VpcDefault::NetworkAcl, vpc) = *self.net.graph.weight(t) {
                        // Rules added to an unmanaged default ACL replace nothing: keep AWS's.
                        self.vpc_default(VpcDefault::NetworkAcl, vpc);
                    }
                    self.net.acls.entry(t).or_default().entries.push(entry);
                }
            }
        }
        for a in self.net.acls.values_mut() {
            a.sort();
        }
    }

    /// Each subnet's network ACL: its association (`subnet_ids` of an ACL, or an
    /// `aws_network_acl_association`), else its VPC's default ACL.
    pub(super) fn subnet_acls(&mut self) {
        let mut defaults: FxHashMap<NodeId, NodeId> = FxHashMap::default();
        for r in self.managed(Kind::DefaultNetworkAcl) {
            let node = self.node(r.id);
            for l in self.links(r.id, LinkKind::NetworkAcl).into_iter().chain(self.link(r.id, LinkKind::Vpc)) {
                for t in self.targets(l) {
                    let vpc = match *self.net.graph.weight(t) {
                        Node::VpcDefault(VpcDefault::NetworkAcl, vpc) => self.node(vpc),
                        Node::Resource(_) if self.net.vpcs.contains_key(&t) => t,
                        _ => continue,
                    };
                    defaults.entry(vpc).or_insert(node);
                }
            }
        }
        let mut assoc = Associations::default();
        for r in self.managed(Kind::NetworkAcl).into_iter().chain(self.managed(Kind::DefaultNetworkAcl)) {
            let Some(subnets) = self.link(r.id, LinkKind::Subnets) else { continue };
            let acl = one_of(vec![self.node(r.id)], Resolution::Known);
            let link = self.net.graph.link(subnets).clone();
            for slot in link.slots {
                assoc.add(slot.options().to_vec(), link.resolution, acl.clone());
            }
        }
        for r in self.managed(Kind::NetworkAclAssociation) {
            let (Some(subnets), Some(acl)) = (self.link(r.id, LinkKind::Subnet), self.link(r.id, LinkKind::NetworkAcl))
            else {
                continue;
            };
            let resolution = self.net.graph.link(subnets).resolution;
            assoc.add(self.targets(subnets), resolution, self.net.graph.link(acl).clone());
        }
        for (s, id) in self.per_subnet(&assoc, &defaults, VpcDefault::NetworkAcl, derived::NETWORK_ACL) {
            if let Some(subnet) = self.net.subnets.get_mut(&s) {
                subnet.acl = Some(id);
            }
        }
    }

    /// Managed prefix lists and their entries' ranges.
    pub(super) fn prefix_lists(&mut self) {
        for r in self.managed(Kind::ManagedPrefixList) {
            let entries = r
                .fields
                .blocks("entry")
                .iter()
                .map(|e| e.str("cidr").and_then(|c| crate::network::traffic::parse_cidr(&c)))
                .collect();
            self.net.prefix_lists.insert(self.node(r.id), entries);
        }
    }

    pub(super) fn gateways(&mut self) {
        for r in self.managed(Kind::NatGateway) {
            let private = r.attr::<String>("connectivity_type", Some("public".into())).value().map(String::as_str)
                == Some("private");
            let nat = NatGateway { subnet: self.link(r.id, LinkKind::Subnet), private };
            self.net.nat_gateways.insert(self.node(r.id), nat);
        }
        for r in self.managed(Kind::InternetGateway) {
            let vpcs = self.link(r.id, LinkKind::Vpc).into_iter().collect();
            self.net.internet_gateways.insert(self.node(r.id), InternetGateway { vpcs });
        }
        for r in self.managed(Kind::InternetGatewayAttachment) {
            let (Some(igw), Some(vpc)) = (self.link(r.id, LinkKind::Gateway), self.link(r.id, LinkKind::Vpc)) else {
                continue;
            };
            for g in self.targets(igw) {
                self.net.internet_gateways.entry(g).or_default().vpcs.push(vpc);
            }
        }
    }
}

/// One link whose options are the union of `parts`' targets: exactly one of them applies.
fn alternatives(parts: &[Link]) -> Link {
    let refs: Vec<&Link> = parts.iter().collect();
    let merged = union(&refs);
    let options: Vec<NodeId> = merged.targets().into_iter().copied().collect();
    let mut link = one_of(options, merged.resolution);
    link.dead_ends = merged.dead_ends;
    link.fallback = merged.fallback;
    if link.slots.is_empty() && !parts.is_empty() {
        link.resolution = Resolution::Unresolved;
    }
    link
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::network::Node;
    use crate::resolve::VpcDefault;
    use crate::testkit::{Plan, r, refs};

    fn two_subnets() -> Plan {
        Plan::new()
            .resource("aws_vpc.main", json!({"cidr_block": "10.0.0.0/16"}))
            .resource("aws_subnet.a", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.1.0/24"}))
            .resource("aws_subnet.b", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.2.0/24"}))
            .resource("aws_route_table.one", json!({"vpc_id": r("aws_vpc.main")}))
            .resource("aws_route_table.two", json!({"vpc_id": r("aws_vpc.main")}))
    }

    fn tables_of(t: &crate::testkit::Fixture<'_, '_, '_>, subnet: &str) -> Vec<String> {
        let s = &t.net.subnets[&t.node(subnet)];
        let mut names: Vec<String> =
            t.net.link(s.route_table.unwrap()).targets().iter().map(|n| t.net.name(**n)).collect();
        names.sort();
        names
    }

    #[test]
    fn a_certain_association_decides_the_table() {
        two_subnets()
            .resource(
                "aws_route_table_association.a",
                json!({"subnet_id": r("aws_subnet.a"), "route_table_id": r("aws_route_table.one")}),
            )
            .check(|t| {
                assert_eq!(tables_of(t, "aws_subnet.a"), ["aws_route_table.one"]);
                assert_eq!(
                    tables_of(t, "aws_subnet.b"),
                    ["aws_vpc.main.main_route_table_id"],
                    "no association: the main table"
                );
            });
    }

    #[test]
    fn one_candidate_association_leaves_the_main_table_possible() {
        let either = refs(&["aws_subnet.a", "aws_subnet.b"]);
        two_subnets()
            .resource(
                "aws_route_table_association.x",
                json!({"subnet_id": either, "route_table_id": r("aws_route_table.one")}),
            )
            .check(|t| {
                assert_eq!(tables_of(t, "aws_subnet.a"), ["aws_route_table.one", "aws_vpc.main.main_route_table_id"]);
            });
    }

    #[test]
    fn as_many_candidate_associations_as_subnets_cover_every_subnet() {
        // AWS allows one association per subnet: two associations over {a, b} take both.
        let either = refs(&["aws_subnet.a", "aws_subnet.b"]);
        two_subnets()
            .resource(
                "aws_route_table_association.x",
                json!({"subnet_id": either.clone(), "route_table_id": r("aws_route_table.one")}),
            )
            .resource(
                "aws_route_table_association.y",
                json!({"subnet_id": either, "route_table_id": r("aws_route_table.two")}),
            )
            .check(|t| {
                for subnet in ["aws_subnet.a", "aws_subnet.b"] {
                    assert_eq!(tables_of(t, subnet), ["aws_route_table.one", "aws_route_table.two"], "{subnet}");
                }
            });
    }

    #[test]
    fn a_subnet_without_an_acl_association_gets_the_default_acl() {
        two_subnets().check(|t| {
            let s = &t.net.subnets[&t.node("aws_subnet.a")];
            let acls = t.net.link(s.acl.unwrap()).targets().into_iter().copied().collect::<Vec<_>>();
            assert_eq!(acls.len(), 1);
            assert!(matches!(t.net.graph.weight(acls[0]), Node::VpcDefault(VpcDefault::NetworkAcl, _)));
            assert!(t.net.acls.contains_key(&acls[0]), "AWS's default ACL is modelled");
        });
    }
}
