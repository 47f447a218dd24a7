//! The words for a hop: what it checked and found (`detail`), and the evident fix — one
//! function per kind of hop data, so that every format says the same.

use super::hop::{
    AclBlock, DefaultRoute, DnsCause, DnsVia, FilterCheck, Hop, HopData, NatInstanceGap, RouteGap, Toward, VpcRoute,
};
use crate::network::graph::{LinkId, NodeId};
use crate::network::traffic::{Direction, Ports};
use crate::network::{Network, Node};
use crate::resolve::Resolution;
use crate::tri::Tri;

/// What the hop checked and what it found.
pub fn detail(net: &Network<'_, '_>, hop: &Hop) -> String {
    match &hop.data {
        HopData::Unplaced { doubt, .. } => doubt.clone(),
        HopData::PrivateDns { endpoint, name, via, causes, doubt } => {
            let ep = net.describe(*endpoint);
            if let Some(via) = via {
                let how = match via {
                    DnsVia::Zone(z) => format!("private hosted zone {}", net.describe(*z)),
                    DnsVia::PrivateDns => "endpoint private DNS".into(),
                };
                return format!("{name} resolves to {ep} ({how})");
            }
            if causes.is_empty() {
                return doubt
                    .clone()
                    .unwrap_or_else(|| format!("whether {name} resolves to {ep} is unknown until apply"));
            }
            causes.iter().map(|c| dns_cause(net, c, &ep, name)).collect::<Vec<_>>().join("; ")
        }
        HopData::PublicDns { name, vpc, support_off: true } => format!(
            "{} has enable_dns_support = false, so {name} does not resolve",
            vpc.map(|v| net.describe(v)).unwrap_or_default()
        ),
        HopData::PublicDns { name, .. } => format!("{name} resolves to the public service endpoint"),
        HopData::Filter(f) => filter_detail(net, f, hop.outcome),
        HopData::Acl { block: Some(b), .. } => acl_block(net, b, hop.outcome),
        HopData::Acl { doubt: Some(d), .. } => d.clone(),
        HopData::Acl { subnet, .. } => {
            format!("the network ACL of {} passes TCP 443 and the return traffic", net.describe(*subnet))
        }
        HopData::LocalRoute => "local route inside the VPC".into(),
        HopData::Route { table: Some(t), to: Some(to), .. } => route_detail(net, *t, to, hop.outcome),
        HopData::Route { doubt: Some(d), .. } => d.clone(),
        HopData::Route { .. } => "the route is not resolved".into(),
        HopData::Between(r) => between_detail(net, r, hop.outcome),
    }
}

/// A route between VPCs, in words.
fn between_detail(net: &Network<'_, '_>, r: &VpcRoute, outcome: Tri) -> String {
    let table = r.table.map(|t| net.describe(t)).unwrap_or_default();
    let dest = r.destination.map(|d| d.to_string()).unwrap_or_else(|| "the destination".into());
    let to = r.to_vpc.map(|v| net.describe(v)).unwrap_or_default();
    let via = r.via.map(|v| net.describe(v)).unwrap_or_default();
    match (&r.gap, outcome) {
        (_, Tri::Maybe) if r.doubt.is_some() => r.doubt.clone().unwrap_or_default(),
        (None, _) => format!("{table} routes {dest} through {via} to {to}"),
        (Some(RouteGap::NoRoute), _) => format!("{table} has no route for {dest} (in {to})"),
        (Some(RouteGap::NotAttached { vpc }), _) => {
            format!("{table} routes {dest} to {via}, but {} is not attached to it", net.describe(*vpc))
        }
        (Some(RouteGap::NotRouted), _) => format!(
            "{table} routes {dest} to {via}, but the transit gateway's route table has no route (static or propagated) to {to}'s attachment"
        ),
        (Some(RouteGap::Blackhole { route }), _) => {
            format!("{table} routes {dest} to {via}, where {} drops it (blackhole)", net.describe(*route))
        }
        (Some(RouteGap::OtherPeers), _) => {
            format!("{table} routes {dest} to {via}, which does not join this VPC and {to}")
        }
        (Some(RouteGap::WrongTarget(k) | RouteGap::Opaque(k)), _) => {
            format!(
                "{table} routes {dest} to {}{}",
                k.describe(),
                if via.is_empty() { String::new() } else { format!(" ({via})") }
            )
        }
    }
}

/// The evident fix for a hop that fails (or may fail for a reason the plan shows).
pub fn fix(net: &Network<'_, '_>, hop: &Hop) -> Option<String> {
    if hop.outcome == Tri::Yes {
        return None;
    }
    match &hop.data {
        HopData::PrivateDns { endpoint, causes, .. } if !causes.is_empty() => {
            let fixes: Vec<String> = causes.iter().filter_map(|c| dns_fix(net, c, *endpoint)).collect();
            (!fixes.is_empty()).then(|| fixes.join(", and "))
        }
        HopData::PublicDns { vpc: Some(v), support_off: true, .. } => {
            Some(format!("set enable_dns_support = true on {}", net.describe(*v)))
        }
        HopData::Filter(f) if hop.outcome == Tri::No || f.doubts.is_empty() => Some(filter_fix(net, f)),
        HopData::Acl { block: Some(b), .. } if !b.unknown => {
            Some(format!("allow TCP 443 and the return traffic on ports 1024-65535 in {}", net.describe(b.acl)))
        }
        HopData::Route { table: Some(t), to: Some(to), .. } => match to {
            DefaultRoute::None => Some(format!(
                "add interface endpoints for ssm and ssmmessages (and ec2messages) to the VPC, or a 0.0.0.0/0 route via a NAT gateway to {}",
                net.describe(*t)
            )),
            DefaultRoute::InternetGateway { public_ip: Tri::No, .. } => {
                Some("route 0.0.0.0/0 through a NAT gateway, or use interface endpoints".into())
            }
            DefaultRoute::NatInstance { instance, gap: Some(gap), .. } => Some(match gap {
                NatInstanceGap::SourceDestCheck => {
                    format!("set source_dest_check = false on {}", net.describe(*instance))
                }
                NatInstanceGap::NoPublicIp => {
                    format!(
                        "give {} a public IP (associate_public_ip_address or an Elastic IP)",
                        net.describe(*instance)
                    )
                }
                NatInstanceGap::NoInternetRoute => format!(
                    "give the subnet of {} a 0.0.0.0/0 route to an internet gateway attached to the VPC",
                    net.describe(*instance)
                ),
            }),
            DefaultRoute::NatGateway { .. } if hop.outcome == Tri::No || hop.unresolved().is_empty() => Some(
                "give the NAT gateway's subnet a 0.0.0.0/0 route to an internet gateway attached to the VPC".into(),
            ),
            _ => None,
        },
        HopData::Between(r) if hop.outcome == Tri::No => Some(between_fix(net, r)),
        _ => None,
    }
}

fn between_fix(net: &Network<'_, '_>, r: &VpcRoute) -> String {
    let table = r.table.map(|t| net.describe(t)).unwrap_or_default();
    let dest = r.destination.map(|d| d.to_string()).unwrap_or_else(|| "the other VPC's range".into());
    let to = r.to_vpc.map(|v| net.describe(v)).unwrap_or_default();
    let via = r.via.map(|v| net.describe(v)).unwrap_or_default();
    match &r.gap {
        Some(RouteGap::NotAttached { vpc }) => {
            format!("attach {} to {via} (aws_ec2_transit_gateway_vpc_attachment)", net.describe(*vpc))
        }
        Some(RouteGap::NotRouted) => format!(
            "propagate {to}'s attachment into the transit gateway route table associated with the other side, or add a static route for {dest}"
        ),
        Some(RouteGap::Blackhole { route }) => format!("remove the blackhole route {}", net.describe(*route)),
        Some(RouteGap::OtherPeers) => format!("route {dest} to the peering connection between the two VPCs in {table}"),
        _ => format!(
            "add a route for {dest} to {table}, through the transit gateway or peering connection that joins it with {to}"
        ),
    }
}

fn dns_cause(net: &Network<'_, '_>, cause: &DnsCause, ep: &str, name: &str) -> String {
    match cause {
        DnsCause::RegionMismatch { endpoint_region, instance_region } => {
            format!("{ep} serves {endpoint_region}, but the instance is in {instance_region}")
        }
        DnsCause::PrivateDnsDisabled { unset } => format!(
            "{ep} has private_dns_enabled = false{} and no private hosted zone answers for {name}",
            if *unset { " (unset: the default is false)" } else { "" }
        ),
        DnsCause::VpcDnsDisabled { vpc, support, hostnames, hostnames_unset } => {
            let off = dns_flags(*support, *hostnames);
            let source =
                if *hostnames_unset { " (enable_dns_hostnames unset: Terraform's default is false)" } else { "" };
            format!(
                "{} has {} = false{source}, so endpoint private DNS does not answer",
                net.describe(*vpc),
                off.join(" and ")
            )
        }
        DnsCause::VpcUnresolved => "the endpoint's VPC is not resolved".into(),
        DnsCause::ZoneNotAssociated { vpc, zone: Some(z) } => format!(
            "{ep} is in another VPC, and private hosted zone {} for {name} is not associated with {}",
            net.describe(*z),
            net.describe(*vpc)
        ),
        DnsCause::ZoneNotAssociated { vpc, zone: None } => format!(
            "{ep} is in another VPC, whose private DNS answers only there, and no private hosted zone for {name} is associated with {}",
            net.describe(*vpc)
        ),
    }
}

/// The fix for one cause of a name that does not resolve to `endpoint`.
pub fn dns_fix(net: &Network<'_, '_>, cause: &DnsCause, endpoint: NodeId) -> Option<String> {
    match cause {
        DnsCause::RegionMismatch { instance_region, .. } => {
            let service = net.endpoint(endpoint).and_then(|e| e.service_label.clone()).unwrap_or_default();
            Some(format!("set service_name to \"com.amazonaws.{instance_region}.{service}\""))
        }
        DnsCause::PrivateDnsDisabled { .. } => {
            Some(format!("set private_dns_enabled = true on {}", net.describe(endpoint)))
        }
        DnsCause::VpcDnsDisabled { vpc, support, hostnames, .. } => {
            let flags: Vec<String> = dns_flags(*support, *hostnames).iter().map(|f| format!("{f} = true")).collect();
            Some(format!("set {} on {}", flags.join(" and "), net.describe(*vpc)))
        }
        DnsCause::VpcUnresolved => None,
        DnsCause::ZoneNotAssociated { vpc, zone: Some(z) } => Some(format!(
            "associate {} with {} (a vpc block or an aws_route53_zone_association)",
            net.describe(*z),
            net.describe(*vpc)
        )),
        DnsCause::ZoneNotAssociated { vpc, zone: None } => Some(format!(
            "create a private hosted zone for the service name with an alias record to {}, associated with {}",
            net.describe(endpoint),
            net.describe(*vpc)
        )),
    }
}

fn dns_flags(support: bool, hostnames: bool) -> Vec<&'static str> {
    let mut off = Vec::new();
    if support {
        off.push("enable_dns_support");
    }
    if hostnames {
        off.push("enable_dns_hostnames");
    }
    off
}

/// `egress TCP 443 from X to Y`.
fn filter_what(net: &Network<'_, '_>, f: &FilterCheck) -> String {
    let groups = net.names(f.groups);
    let ports = ports_text(f.ports);
    match (&f.toward, f.direction) {
        (Toward::Endpoint { endpoint, .. }, _) => {
            format!("egress {ports} from {groups} to {}", net.describe(*endpoint))
        }
        (Toward::Internet, _) => format!("egress {ports} from {groups} to the internet"),
        (Toward::Instance { groups: from, .. }, _) => {
            let note = if f.default_group { " (no security_group_ids: the VPC's default group)" } else { "" };
            format!("ingress {ports} to {groups}{note} from {}", net.names(*from))
        }
    }
}

fn filter_detail(net: &Network<'_, '_>, f: &FilterCheck, outcome: Tri) -> String {
    let what = filter_what(net, f);
    if outcome == Tri::Yes {
        let by: Vec<String> = f.allowed_by.iter().map(|n| net.describe(*n)).collect();
        return format!("{what}: allowed by {}", by.join(", "));
    }
    let reason = match (outcome, f.direction, f.no_rules) {
        (Tri::No, Direction::Egress, true) => {
            "no egress rule at all — Terraform does not add AWS's default allow-all egress rule".to_string()
        }
        (Tri::No, ..) => "no rule allows it".to_string(),
        _ if !f.doubts.is_empty() => f.doubts.join("; "),
        _ => "only some of the candidate resolutions allow it".to_string(),
    };
    format!("{what}: {reason}")
}

fn filter_fix(net: &Network<'_, '_>, f: &FilterCheck) -> String {
    let groups = net.names(f.groups);
    match &f.toward {
        Toward::Endpoint { groups: peer, .. } => format!(
            "add an egress rule to {groups} allowing TCP 443 to {} (the endpoint's security group), e.g. an aws_vpc_security_group_egress_rule with referenced_security_group_id, or an `egress` block with security_groups",
            net.names(*peer)
        ),
        Toward::Internet => format!(
            "add an egress rule to {groups} allowing TCP 443 to 0.0.0.0/0 (or to an interface endpoint's security group)"
        ),
        Toward::Instance { groups: from, .. } => format!(
            "add an ingress rule to {groups} allowing TCP 443 from {} (or from the instance subnet's CIDR)",
            net.names(*from)
        ),
    }
}

fn ports_text(p: Ports) -> String {
    if p == Ports::EPHEMERAL { "the return traffic on TCP 1024-65535".into() } else { format!("TCP {}", p.describe()) }
}

fn acl_block(net: &Network<'_, '_>, b: &AclBlock, outcome: Tri) -> String {
    let dir = match b.direction {
        Direction::Egress => "outbound to",
        Direction::Ingress => "inbound from",
    };
    let peer = b.peer.map_or_else(|| "the internet".to_string(), |p| net.describe(p));
    let rule = match (b.rule, outcome) {
        (Some(n), _) => format!(" (rule {n})"),
        (None, Tri::Maybe) => " (no rule covers all of it)".into(),
        (None, _) => " (no rule allows it)".into(),
    };
    format!("{} does not pass {} {dir} {peer}{rule}", net.describe(b.acl), ports_text(b.ports))
}

fn route_detail(net: &Network<'_, '_>, table: NodeId, to: &DefaultRoute, outcome: Tri) -> String {
    let t = net.describe(table);
    let names = |nodes: &[NodeId]| nodes.iter().map(|n| net.describe(*n)).collect::<Vec<_>>().join(", ");
    match to {
        DefaultRoute::None => format!("{t} has no route for 0.0.0.0/0"),
        DefaultRoute::InternetGateway { gateways, public_ip } => match public_ip {
            Tri::Yes => format!("{t}: 0.0.0.0/0 → {} (public IP)", names(gateways)),
            Tri::No => format!("{t}: 0.0.0.0/0 → {}, but the instance has no public IP", names(gateways)),
            Tri::Maybe => format!(
                "{t}: 0.0.0.0/0 → {}; whether the instance gets a public IP is unknown until apply",
                names(gateways)
            ),
        },
        DefaultRoute::NatGateway { gateways, .. } if outcome == Tri::Yes => {
            format!("{t}: 0.0.0.0/0 → {} → internet gateway", names(gateways))
        }
        DefaultRoute::NatGateway { failing: None, .. } => format!("{t}: the NAT gateway is not resolved"),
        DefaultRoute::NatGateway { failing: Some(n), subnet, private, .. } => {
            let name = net.describe(*n);
            match (private, subnet) {
                (true, _) => format!("{name} is a private NAT gateway"),
                (false, None) if !net.nat_gateways.contains_key(n) => format!("NAT gateway {name} is not in the plan"),
                (false, None) => format!("the subnet of {name} is not resolved"),
                (false, Some(s)) if !net.subnets.contains_key(s) => format!("the subnet of {name} is not in the plan"),
                (false, Some(s)) => format!(
                    "{name} sits in {}, which has no 0.0.0.0/0 route to an attached internet gateway",
                    net.describe(*s)
                ),
            }
        }
        DefaultRoute::NatInstance { instance, subnet, gap } => {
            let name = net.describe(*instance);
            match gap {
                None if outcome == Tri::Yes => format!("{t}: 0.0.0.0/0 → NAT instance {name} → internet gateway"),
                None => format!(
                    "{t}: 0.0.0.0/0 → NAT instance {name}; whether it forwards to the internet is unknown until apply"
                ),
                Some(NatInstanceGap::SourceDestCheck) => format!(
                    "{t}: 0.0.0.0/0 → NAT instance {name}, which keeps source/destination checking on (source_dest_check = true, the default), so EC2 drops the traffic it would forward"
                ),
                Some(NatInstanceGap::NoPublicIp) => {
                    format!("{t}: 0.0.0.0/0 → NAT instance {name}, which has no public IP address")
                }
                Some(NatInstanceGap::NoInternetRoute) => format!(
                    "{t}: 0.0.0.0/0 → NAT instance {name} in {}, which has no 0.0.0.0/0 route to an attached internet gateway",
                    subnet.map(|s| net.describe(s)).unwrap_or_default()
                ),
            }
        }
        DefaultRoute::Opaque { target } => {
            format!("{t}: 0.0.0.0/0 → {}; tfreach cannot see beyond it", target.describe())
        }
    }
}

/// What a link leaves open, in words, for TFR001 and the `unknown` verdict.
pub fn link_doubts(net: &Network<'_, '_>, what: &str, link: LinkId) -> Vec<String> {
    let l = net.link(link);
    let mut out = Vec::new();
    if let Some(f) = &l.fallback {
        out.push(format!(
            "{what}: {f} is not in the plan JSON and its .tf source was not found, so every resource of the right type in the module stands in"
        ));
    }
    for d in &l.dead_ends {
        if d.starts_with("local.") {
            out.push(format!("{what}: {d} is not in the plan JSON and its .tf source was not found"));
        } else {
            out.push(format!("{what}: {d} could not be followed"));
        }
    }
    if l.resolution == Resolution::Unresolved && l.slots.is_empty() {
        out.push(format!("{what}: unresolved"));
    }
    for &t in l.targets() {
        match net.graph.weight(t) {
            Node::External(id) => out.push(format!("{what} {id} is not in the plan")),
            Node::Resource(_) if net.is_data(t) => out.push(format!("{what} {} {}", net.name(t), net.read_from_aws(t))),
            _ => {}
        }
    }
    out
}

/// What the identity check found, in words.
pub fn identity(net: &Network<'_, '_>, check: &super::IamCheck) -> String {
    use super::IamFinding as F;
    match &check.finding {
        F::NoProfile => "the instance has no IAM instance profile".into(),
        F::AssumedDefaultHostManagement => {
            "no instance profile; Default Host Management Configuration is assumed to provide credentials".into()
        }
        F::ProfileUnresolved => {
            check.doubts.first().cloned().unwrap_or_else(|| "the instance profile could not be resolved".into())
        }
        F::ProfileOutsidePlan { .. } | F::RoleOutsidePlan { .. } => check.doubts.join("; "),
        F::NoRole { profile } => format!("instance profile {} has no role", net.name(*profile)),
        F::Role { role } => match check.outcome {
            Tri::Yes if net.roles.get(role).is_some_and(|r| r.permissions.managed.is_some()) => {
                "an AWS managed policy that covers Systems Manager is attached".into()
            }
            Tri::Yes => "the role's policies grant the agent's actions".into(),
            Tri::Maybe => check.doubts.join("; "),
            Tri::No => format!("role {} does not grant {}", net.name(*role), check.missing.join(", ")),
        },
        F::HostManagement { setting, role, untrusted } => match check.outcome {
            Tri::Yes => format!(
                "no instance profile; Default Host Management Configuration ({}) gives it the credentials of role {}",
                net.name(*setting),
                net.name(*role)
            ),
            Tri::Maybe => check.doubts.join("; "),
            Tri::No if *untrusted => format!(
                "no instance profile, and the Default Host Management role {} does not trust ssm.amazonaws.com",
                net.name(*role)
            ),
            Tri::No => format!(
                "no instance profile, and the Default Host Management role {} does not grant {}",
                net.name(*role),
                check.missing.join(", ")
            ),
        },
    }
}

/// What the metadata-service check found, in words.
pub fn metadata(net: &Network<'_, '_>, check: &super::ImdsCheck, c: &crate::network::Compute) -> String {
    match (check.outcome, check.holder) {
        (Tri::No, Some(h)) => format!("{} sets metadata_options.http_endpoint = \"disabled\"", net.describe(h)),
        (Tri::Maybe, None) => "the launch template is not decided".into(),
        (Tri::Maybe, Some(_)) => "metadata_options.http_endpoint is unknown until apply".into(),
        _ if c.imds.endpoint.value().is_some() && !c.imds.endpoint.is_default() => {
            "the metadata service is enabled".into()
        }
        _ => "the metadata service is enabled (default)".into(),
    }
}
