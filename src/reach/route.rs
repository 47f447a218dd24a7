//! Route tables: which table routes each subnet and where its default route leads.
//!
//! A subnet without an explicit association uses its VPC's main route table, which holds
//! only the `local` route unless Terraform manages it (`aws_default_route_table`,
//! `aws_main_route_table_association`).
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>

use std::collections::HashMap;

use ipnet::IpNet;

use super::traffic::parse_cidr;
use crate::graph::Network;
use crate::model::{Kind, ResId, Resource};
use crate::plan::Values;
use crate::plan::config::Expressions;
use crate::resolve::{Link, LinkKind, Resolution, Target, TargetSpec, VpcDefault};

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq)]
pub enum Hop {
    InternetGateway(Link),
    NatGateway(Link),
    /// Any other target (transit gateway, peering, network interface, …): tfreach cannot
    /// see beyond it.
    Opaque(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    /// `None` for a prefix-list destination or an unknown one.
    pub destination: Option<IpNet>,
    pub hop: Hop,
    pub declared_by: ResId,
    pub definite: bool,
}

pub struct Routes {
    tables: HashMap<Target, Vec<Route>>,
    by_subnet: HashMap<ResId, Vec<(Target, bool)>>,
    main_of_vpc: HashMap<ResId, (Target, bool)>,
}

const IGW: TargetSpec = TargetSpec { kinds: &[Kind::InternetGateway], many: false, vpc_default: None };
const NAT: TargetSpec = TargetSpec { kinds: &[Kind::NatGateway], many: false, vpc_default: None };

/// Route target attributes and what they lead to.
const TARGETS: &[&str] = &[
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
    "instance_id",
    "egress_only_gateway_id",
    "vpc_endpoint_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "core_network_arn",
];

impl Routes {
    pub fn build(net: &Network<'_, '_>) -> Routes {
        let mut tables: HashMap<Target, Vec<Route>> = HashMap::new();
        let mut by_subnet: HashMap<ResId, Vec<(Target, bool)>> = HashMap::new();
        let mut main_of_vpc: HashMap<ResId, (Target, bool)> = HashMap::new();
        for r in net.model.resources.iter().filter(|r| !r.is_data()) {
            match r.kind {
                Kind::RouteTable | Kind::DefaultRouteTable => {
                    let list = tables.entry(Target::Resource(r.id)).or_default();
                    list.extend(inline_routes(net, r));
                    if r.kind == Kind::DefaultRouteTable {
                        for t in net.link(r.id, LinkKind::RouteTable).targets() {
                            if let Target::VpcDefault(VpcDefault::RouteTable, vpc) = t {
                                main_of_vpc.entry(*vpc).or_insert((Target::Resource(r.id), true));
                            }
                        }
                    }
                }
                Kind::Route => {
                    let table = net.link(r.id, LinkKind::RouteTable);
                    let Some(route) = standalone_route(net, r) else { continue };
                    for slot in &table.slots {
                        for t in &slot.options {
                            let definite = slot.options.len() == 1 && table.resolution != Resolution::Candidates;
                            tables.entry(t.clone()).or_default().push(Route { definite, ..route.clone() });
                        }
                    }
                }
                Kind::RouteTableAssociation => {
                    let (subnets, table) = (net.link(r.id, LinkKind::Subnet), net.link(r.id, LinkKind::RouteTable));
                    let certain = subnets.single().is_some() && table.single().is_some();
                    for s in subnets.targets() {
                        if let Target::Resource(id) = s {
                            for t in table.targets() {
                                by_subnet.entry(*id).or_default().push((t.clone(), certain));
                            }
                        }
                    }
                }
                Kind::MainRouteTableAssociation => {
                    let (vpc, table) = (net.link(r.id, LinkKind::Vpc), net.link(r.id, LinkKind::RouteTable));
                    let certain = vpc.single().is_some() && table.single().is_some();
                    for v in vpc.targets() {
                        if let (Target::Resource(v), Some(t)) = (v, table.targets().first()) {
                            main_of_vpc.insert(*v, ((*t).clone(), certain));
                        }
                    }
                }
                _ => {}
            }
        }
        Routes { tables, by_subnet, main_of_vpc }
    }

    /// The tables that may route `subnet`, each with whether it certainly does.
    pub fn tables_of(&self, subnet: ResId, vpc: Option<ResId>) -> Vec<(Target, bool)> {
        if let Some(list) = self.by_subnet.get(&subnet) {
            if list.iter().any(|(_, c)| *c) {
                return list.iter().filter(|(_, c)| *c).cloned().collect();
            }
            let mut out = list.clone();
            if let Some(v) = vpc {
                out.push((self.main_of(v).0, false));
            }
            return out;
        }
        match vpc {
            Some(v) => vec![self.main_of(v)],
            None => Vec::new(),
        }
    }

    pub fn main_of(&self, vpc: ResId) -> (Target, bool) {
        self.main_of_vpc.get(&vpc).cloned().unwrap_or((Target::VpcDefault(VpcDefault::RouteTable, vpc), true))
    }

    /// The routes of `table` that carry traffic to the public internet: the most specific
    /// IPv4 route covering any public address, which in practice is `0.0.0.0/0`.
    pub fn internet_routes(&self, table: &Target) -> Vec<&Route> {
        self.tables
            .get(table)
            .map(|routes| {
                routes
                    .iter()
                    .filter(|r| r.destination.is_some_and(|d| matches!(d, IpNet::V4(_)) && d.prefix_len() == 0))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the table is one tfreach knows the routes of.
    pub fn knows(&self, table: &Target) -> bool {
        self.tables.contains_key(table) || matches!(table, Target::VpcDefault(..))
    }
}

fn inline_routes<'a>(net: &Network<'_, 'a>, r: &Resource<'a>) -> Vec<Route> {
    let attr = "route";
    let parent = super::sg::parent_refs(r.expressions(), attr);
    if !r.unknown.is_true(attr) && r.after.raw(attr).is_some_and(|v| v.get() != "null") {
        let cb = r.expressions().map(|e| e.blocks(attr)).unwrap_or_default();
        let (ub, bb) = (r.unknown.blocks(attr), r.before.blocks(attr));
        let shared = ub.iter().filter(|u| TARGETS.iter().any(|t| u.any_true(t))).count() > 1;
        return r
            .after
            .blocks(attr)
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let u = ub.get(i).cloned().unwrap_or_default();
                let before = bb.get(i).cloned().unwrap_or_default();
                block_route(net, r, b, &u, &before, cb.get(i).copied(), &parent, shared)
            })
            .collect();
    }
    if r.configures(attr) {
        let empty = Values::default();
        let blocks = r.expressions().map(|e| e.blocks(attr)).unwrap_or_default();
        if blocks.is_empty() {
            // Routes unknown until apply: one route of unknown destination and target.
            return vec![Route {
                destination: None,
                hop: Hop::Opaque("routes unknown until apply".into()),
                declared_by: r.id,
                definite: true,
            }];
        }
        return blocks.into_iter().map(|b| block_route(net, r, &empty, &empty, &empty, Some(b), &[], false)).collect();
    }
    if !r.inst.action.creates() {
        let empty = Values::default();
        return r
            .before
            .blocks(attr)
            .iter()
            .map(|b| block_route(net, r, b, &empty, &empty, None, &[], false))
            .collect();
    }
    Vec::new()
}

#[allow(clippy::too_many_arguments)]
fn block_route<'a>(
    net: &Network<'_, 'a>,
    r: &Resource<'a>,
    after: &Values<'a>,
    unknown: &Values<'a>,
    before: &Values<'a>,
    config: Option<&Expressions<'a>>,
    parent: &[String],
    shared: bool,
) -> Route {
    let destination = after
        .str("cidr_block")
        .filter(|s| !s.is_empty())
        .map(|s| s.into_owned())
        .or_else(|| config.and_then(|c| c.expr("cidr_block")).and_then(|e| e.constant::<String>()))
        .and_then(|s| parse_cidr(&s));
    let hop = route_hop(
        |attr, spec| {
            if unknown.any_true(attr) && config.is_none() && !parent.is_empty() {
                net.resolver.link_refs(r, parent, spec, shared)
            } else {
                net.resolver.link_in(r, after, unknown, before, config, attr, spec)
            }
        },
        |attr| {
            after.str(attr).is_some_and(|s| !s.is_empty())
                || config.is_some_and(|c| c.contains(attr))
                || unknown.any_true(attr)
        },
    );
    Route { destination, hop, declared_by: r.id, definite: true }
}

fn standalone_route<'a>(net: &Network<'_, 'a>, r: &Resource<'a>) -> Option<Route> {
    let destination = r.attr_str("destination_cidr_block").value().and_then(|s| parse_cidr(s));
    let hop = route_hop(
        |attr, spec| net.resolver.link(r, &[attr], spec),
        |attr| r.after.str(attr).is_some_and(|s| !s.is_empty()) || r.configures(attr),
    );
    Some(Route { destination, hop, declared_by: r.id, definite: true })
}

/// Which target a route names. `gateway_id` may name an internet gateway or a virtual
/// private gateway; `igw-` ids and `aws_internet_gateway` references are the former.
fn route_hop(link: impl Fn(&str, &TargetSpec) -> Link, set: impl Fn(&str) -> bool) -> Hop {
    if set("nat_gateway_id") {
        return Hop::NatGateway(link("nat_gateway_id", &NAT));
    }
    if set("gateway_id") {
        let l = link("gateway_id", &IGW);
        let is_igw = l.targets().iter().any(|t| match t {
            Target::Resource(_) => true,
            Target::External(id) => id.starts_with("igw-"),
            Target::VpcDefault(..) => false,
        });
        if is_igw {
            return Hop::InternetGateway(l);
        }
        return Hop::Opaque("gateway_id".into());
    }
    for attr in TARGETS {
        if set(attr) {
            return Hop::Opaque((*attr).into());
        }
    }
    Hop::Opaque("an unknown target".into())
}
