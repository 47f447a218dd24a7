//! A hop's typed data with names resolved, for machine output: the direction, ports, peers,
//! rules and resources a verdict stood on, beside the words of `explain.rs`.

use serde_json::{Value, json};

use super::hop::{AclBlock, DefaultRoute, DnsCause, DnsVia, Hop, HopData, RouteGap, Toward, Unplaced};
use crate::network::Network;
use crate::network::graph::{LinkId, NodeId};
use crate::network::traffic::Ports;

pub fn hop_data(net: &Network<'_, '_>, hop: &Hop) -> Value {
    let name = |n: NodeId| Value::String(net.name(n));
    let names = |nodes: &[NodeId]| Value::Array(nodes.iter().map(|n| name(*n)).collect());
    let link = |l: LinkId| names(&net.link(l).targets().into_iter().copied().collect::<Vec<_>>());
    match &hop.data {
        HopData::Unplaced { why, .. } => json!({
            "unplaced": match why {
                Unplaced::DefaultVpc => "default_vpc",
                Unplaced::Unresolved => "unresolved",
                Unplaced::OutsidePlan => "outside_plan",
            }
        }),
        HopData::PrivateDns { endpoint, name: dns, via, causes, .. } => json!({
            "endpoint": name(*endpoint),
            "name": dns,
            "via": match via {
                Some(DnsVia::PrivateDns) => json!("private_dns"),
                Some(DnsVia::Zone(z)) => json!({ "hosted_zone": name(*z) }),
                None => Value::Null,
            },
            "causes": causes.iter().map(|c| cause(net, c)).collect::<Vec<_>>(),
        }),
        HopData::PublicDns { name: dns, vpc, support_off } => {
            json!({ "name": dns, "vpc": vpc.map(name), "enable_dns_support": !support_off })
        }
        HopData::Filter(f) => json!({
            "security_groups": link(f.groups),
            "direction": f.direction,
            "protocol": "tcp",
            "ports": ports(f.ports),
            "toward": match &f.toward {
                Toward::Endpoint { endpoint, groups } => json!({ "endpoint": name(*endpoint), "security_groups": link(*groups) }),
                Toward::Instance { cidr, groups } => json!({ "cidr": cidr.map(|c| c.to_string()), "security_groups": link(*groups) }),
                Toward::Internet => json!("internet"),
            },
            "allowed_by": names(&f.allowed_by),
            "no_rules": f.no_rules,
            "default_group": f.default_group,
        }),
        HopData::Acl { subnet, block, .. } => json!({
            "subnet": name(*subnet),
            "blocked": block.as_ref().map(|b| acl_block(net, b)),
        }),
        HopData::LocalRoute => json!({ "route": "local" }),
        HopData::Route { table, to, .. } => json!({
            "route_table": table.map(name),
            "default_route": to.as_ref().map(|t| match t {
                DefaultRoute::None => json!({ "target": "none" }),
                DefaultRoute::InternetGateway { gateways, public_ip } => {
                    json!({ "target": "internet_gateway", "gateways": names(gateways), "public_ip": public_ip })
                }
                DefaultRoute::NatGateway { gateways, failing, subnet, private } => json!({
                    "target": "nat_gateway",
                    "gateways": names(gateways),
                    "failing": failing.map(name),
                    "nat_subnet": subnet.map(name),
                    "private": private,
                }),
                DefaultRoute::NatInstance { instance, subnet, gap } => json!({
                    "target": "nat_instance",
                    "instance": name(*instance),
                    "nat_subnet": subnet.map(name),
                    "gap": gap,
                }),
                DefaultRoute::Opaque { target } => json!({ "target": target }),
            }),
        }),
        HopData::Between(r) => json!({
            "route_table": r.table.map(name),
            "destination": r.destination.map(|d| d.to_string()),
            "to_vpc": r.to_vpc.map(name),
            "via": r.via.map(name),
            "gap": r.gap.as_ref().map(|g| match g {
                RouteGap::NoRoute => json!("no_route"),
                RouteGap::NotAttached { vpc } => json!({ "not_attached": name(*vpc) }),
                RouteGap::NotRouted => json!("not_routed"),
                RouteGap::Blackhole { route } => json!({ "blackhole": name(*route) }),
                RouteGap::OtherPeers => json!("other_peers"),
                RouteGap::WrongTarget(t) => json!({ "wrong_target": t }),
                RouteGap::Opaque(t) => json!({ "opaque": t }),
            }),
        }),
    }
}

fn ports(p: Ports) -> Value {
    json!({ "from": p.from, "to": p.to })
}

fn cause(net: &Network<'_, '_>, c: &DnsCause) -> Value {
    let mut v = match c {
        DnsCause::RegionMismatch { endpoint_region, instance_region } => {
            json!({ "endpoint_region": endpoint_region, "instance_region": instance_region })
        }
        DnsCause::PrivateDnsDisabled { unset } => json!({ "private_dns_enabled": false, "unset": unset }),
        DnsCause::VpcDnsDisabled { vpc, support, hostnames, hostnames_unset } => json!({
            "vpc": net.name(*vpc),
            "enable_dns_support": !support,
            "enable_dns_hostnames": !hostnames,
            "enable_dns_hostnames_unset": hostnames_unset,
        }),
        DnsCause::VpcUnresolved => json!({}),
        DnsCause::ZoneNotAssociated { vpc, zone } => {
            json!({ "vpc": net.name(*vpc), "hosted_zone": zone.map(|z| net.name(z)) })
        }
    };
    v["code"] = json!(c.code().name());
    v
}

fn acl_block(net: &Network<'_, '_>, b: &AclBlock) -> Value {
    json!({
        "acl": net.name(b.acl),
        "direction": b.direction,
        "protocol": "tcp",
        "ports": ports(b.ports),
        "peer": b.peer.map_or_else(|| "internet".to_string(), |p| net.name(p)),
        "rule": b.rule,
        "unknown": b.unknown,
    })
}
