//! One path, hop by hop: from an instance in one subnet to one service, through an interface
//! endpoint or through the internet.

use ipnet::IpNet;
use serde::Serialize;

use super::Reach;
use super::codes::Code;
use super::dns::{flag, private_zones_for, vpc_dns};
use super::endpoint::{Endpoint, Service};
use super::nacl::Remote;
use super::route::Hop as RouteHop;
use super::sg::{Direction, Peering};
use super::traffic::{Ports, parse_cidr};
use super::tri::Tri;
use crate::model::ResId;
use crate::resolve::{Link, LinkKind, Resolution, Target};

/// What a hop is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HopKind {
    Subnet,
    Dns,
    InstanceSecurityGroups,
    InstanceSubnetAcl,
    Route,
    EndpointSubnetAcl,
    EndpointSecurityGroups,
    NatSubnetAcl,
    Gateway,
}

impl HopKind {
    pub fn label(self) -> &'static str {
        match self {
            HopKind::Subnet => "subnet",
            HopKind::Dns => "dns",
            HopKind::InstanceSecurityGroups => "instance security groups",
            HopKind::InstanceSubnetAcl => "instance subnet network ACL",
            HopKind::Route => "route",
            HopKind::EndpointSubnetAcl => "endpoint subnet network ACL",
            HopKind::EndpointSecurityGroups => "endpoint security groups",
            HopKind::NatSubnetAcl => "NAT gateway subnet network ACL",
            HopKind::Gateway => "gateway",
        }
    }
}

/// One hop of a path and what the plan says about it.
#[derive(Debug, Clone)]
pub struct HopResult {
    pub kind: HopKind,
    pub outcome: Tri,
    /// Why the hop fails (or may fail), when it does.
    pub code: Option<Code>,
    pub resources: Vec<Target>,
    pub detail: String,
    pub fix: Option<String>,
    /// What the plan does not tell, when the outcome is `Maybe` because of it.
    pub unresolved: Vec<String>,
}

impl HopResult {
    fn pass(kind: HopKind, resources: Vec<Target>, detail: String) -> Self {
        HopResult { kind, outcome: Tri::Yes, code: None, resources, detail, fix: None, unresolved: Vec::new() }
    }
}

/// How a service is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Endpoint,
    Internet,
    None,
}

/// A path from one subnet to one service.
#[derive(Debug, Clone)]
pub struct PathResult {
    pub outcome: Tri,
    pub via: Via,
    pub endpoint: Option<ResId>,
    pub hops: Vec<HopResult>,
    /// Endpoints for the service in the VPC that DNS does not lead to, and why.
    pub bypassed: Vec<(ResId, Code)>,
}

impl PathResult {
    /// The hop that blocks: name resolution and routing first (fixing a filter does not help
    /// while there is no route), then the first failing hop in packet order; else the first
    /// that may fail.
    pub fn blocking_hop(&self) -> Option<&HopResult> {
        let structural = |h: &&HopResult| matches!(h.kind, HopKind::Dns | HopKind::Route | HopKind::Subnet);
        self.hops
            .iter()
            .filter(structural)
            .find(|h| h.outcome == Tri::No)
            .or_else(|| self.hops.iter().find(|h| h.outcome == Tri::No))
            .or_else(|| self.hops.iter().find(|h| h.outcome == Tri::Maybe))
    }
}

/// Where an instance sits: one subnet (one candidate of its subnet link) and its VPC.
#[derive(Debug, Clone)]
pub struct Location {
    pub subnet: Target,
    pub vpc: Link,
    pub cidr: Option<IpNet>,
    pub az: Option<String>,
}

/// What about the instance matters to a path.
pub struct InstanceSide<'x> {
    pub security_groups: &'x Link,
    pub public_ip: Tri,
    pub region: Option<String>,
}

impl Reach<'_, '_, '_> {
    pub fn location(&self, subnet: &Target) -> Location {
        match subnet {
            Target::Resource(id) => {
                let r = &self.net.model.resources[*id];
                Location {
                    subnet: subnet.clone(),
                    vpc: self.net.link(*id, LinkKind::Vpc),
                    cidr: r.attr_str("cidr_block").value().and_then(|c| parse_cidr(c)),
                    az: r.attr_str("availability_zone").value().cloned(),
                }
            }
            _ => Location { subnet: subnet.clone(), vpc: Link::known_empty(), cidr: None, az: None },
        }
    }

    pub fn subnet_cidr(&self, subnet: &Target) -> Option<IpNet> {
        self.location(subnet).cidr
    }

    /// The path from `loc` to `service`: through an endpoint when DNS leads there, else
    /// through the internet.
    pub fn path(&self, inst: &InstanceSide<'_>, loc: &Location, service: Service) -> PathResult {
        let candidates =
            self.endpoint_index.candidates(service, true, &loc.vpc).into_iter().map(|i| &self.endpoints[i]);
        let mut bypassed = Vec::new();
        let mut private: Vec<(&Endpoint, Tri, HopResult)> = Vec::new();
        for e in candidates {
            let in_vpc = same_vpc(&e.view.vpc, &loc.vpc);
            if in_vpc == Tri::No {
                continue;
            }
            let (resolves, dns_hop, causes) = self.private_dns(e, service, loc, inst.region.as_deref());
            if resolves != Tri::Yes {
                bypassed.extend(causes.into_iter().map(|c| (e.res, c)));
            }
            private.push((e, resolves.and(in_vpc), dns_hop));
        }
        let chosen = private
            .iter()
            .find(|(_, t, _)| *t == Tri::Yes)
            .or_else(|| private.iter().find(|(_, t, _)| *t == Tri::Maybe));
        let mut result = match chosen {
            Some((e, Tri::Yes, dns)) => self.endpoint_path(inst, loc, e, dns.clone()),
            Some((e, _, dns)) => {
                let via_endpoint = self.endpoint_path(inst, loc, e, dns.clone());
                let via_internet = self.internet_path(inst, loc, service);
                let mut r = via_endpoint;
                r.outcome = Tri::agree([r.outcome, via_internet.outcome]);
                r
            }
            None => self.internet_path(inst, loc, service),
        };
        result.bypassed = bypassed;
        result
    }

    /// Whether the service's regional name resolves to endpoint `e` inside the VPC.
    fn private_dns(
        &self,
        e: &Endpoint,
        service: Service,
        loc: &Location,
        region: Option<&str>,
    ) -> (Tri, HopResult, Vec<Code>) {
        let name = format!("{}.{}.amazonaws.com", service.name(), e.service_region.as_deref().unwrap_or("<region>"));
        let ep = Target::Resource(e.res);
        if let (Some(want), Some(have)) = (region, e.service_region.as_deref())
            && want != have
        {
            let hop = HopResult {
                kind: HopKind::Dns,
                outcome: Tri::No,
                code: Some(Code::EndpointRegionMismatch),
                resources: vec![ep],
                detail: format!(
                    "{} serves {have}, but the instance is in {want}",
                    self.net.describe(&Target::Resource(e.res))
                ),
                fix: Some(format!("set service_name to \"com.amazonaws.{want}.{}\"", service.name())),
                unresolved: Vec::new(),
            };
            return (Tri::No, hop, vec![Code::EndpointRegionMismatch]);
        }
        let vpcs = e.view.vpc.targets();
        let vpc = vpcs.first().cloned().cloned().or_else(|| loc.vpc.targets().first().cloned().cloned());
        let Some(vpc) = vpc else {
            let hop = HopResult {
                kind: HopKind::Dns,
                outcome: Tri::Maybe,
                code: Some(Code::Unresolved),
                resources: vec![ep],
                detail: "the endpoint's VPC is not resolved".into(),
                fix: None,
                unresolved: vec![format!("{}: vpc_id", self.net.describe(&Target::Resource(e.res)))],
            };
            return (Tri::Maybe, hop, Vec::new());
        };
        let dns = vpc_dns(self.net, &vpc);
        let (support, hostnames) = (flag(&dns.support), flag(&dns.hostnames));
        let private_dns = flag(&e.private_dns);
        let zones = private_zones_for(self.net, &name, &vpc);
        let zone = Tri::any(zones.iter().map(|(_, t)| *t));
        let resolves = private_dns.and(support).and(hostnames).or(zone.and(support));
        let mut resources = vec![ep.clone()];
        if resolves == Tri::Yes {
            let how = if zone == Tri::Yes {
                format!("private hosted zone {}", self.net.describe(&Target::Resource(zones[0].0)))
            } else {
                "endpoint private DNS".to_string()
            };
            let hop = HopResult::pass(
                HopKind::Dns,
                resources,
                format!("{name} resolves to {} ({how})", self.net.describe(&ep)),
            );
            return (Tri::Yes, hop, Vec::new());
        }
        // Every cause is reported: fixing only the endpoint's private DNS would still leave a
        // VPC without DNS hostnames, and the other way round.
        let mut causes = Vec::new();
        let mut details = Vec::new();
        let mut fixes = Vec::new();
        if private_dns == Tri::No && zone != Tri::Yes {
            let source = if matches!(e.private_dns, crate::model::Attr::Default(_)) {
                " (unset: the default is false)"
            } else {
                ""
            };
            causes.push(Code::EndpointPrivateDnsDisabled);
            details.push(format!(
                "{} has private_dns_enabled = false{source} and no private hosted zone answers for {name}",
                self.net.describe(&ep)
            ));
            fixes.push(format!("set private_dns_enabled = true on {}", self.net.describe(&ep)));
        }
        let off: Vec<&str> = [
            ("enable_dns_support", support),
            ("enable_dns_hostnames", if zone == Tri::Yes { Tri::Yes } else { hostnames }),
        ]
        .into_iter()
        .filter(|(_, t)| *t == Tri::No)
        .map(|(n, _)| n)
        .collect();
        if !off.is_empty() {
            resources.push(vpc.clone());
            let unset =
                matches!(dns.hostnames, crate::model::Attr::Default(_)) && off.contains(&"enable_dns_hostnames");
            let source = if unset { " (enable_dns_hostnames unset: Terraform's default is false)" } else { "" };
            causes.push(Code::VpcDnsDisabled);
            details.push(format!(
                "{} has {} = false{source}, so endpoint private DNS does not answer",
                self.net.describe(&vpc),
                off.join(" and ")
            ));
            fixes.push(format!(
                "set {} on {}",
                off.iter().map(|f| format!("{f} = true")).collect::<Vec<_>>().join(" and "),
                self.net.describe(&vpc)
            ));
        }
        let (code, detail, fix, unresolved) = if causes.is_empty() {
            let why = format!("whether {name} resolves to {} is unknown until apply", self.net.describe(&ep));
            (Some(Code::Unresolved), why.clone(), None, if resolves == Tri::Maybe { vec![why] } else { Vec::new() })
        } else {
            (causes.first().copied(), details.join("; "), Some(fixes.join(", and ")), Vec::new())
        };
        let hop = HopResult { kind: HopKind::Dns, outcome: resolves, code, resources, detail, fix, unresolved };
        (resolves, hop, causes)
    }

    fn endpoint_path(&self, inst: &InstanceSide<'_>, loc: &Location, e: &Endpoint, dns: HopResult) -> PathResult {
        let ep = Target::Resource(e.res);
        let ep_name = self.net.describe(&ep);
        let ep_subnets: Vec<Target> = e.view.subnets.targets().into_iter().cloned().collect();
        let ep_cidrs: Vec<Option<IpNet>> = ep_subnets.iter().map(|s| self.subnet_cidr(s)).collect();
        let mut hops = vec![dns];

        // Instance security groups: TCP 443 out to the endpoint.
        let egress = self.sgs.admits(
            inst.security_groups,
            Direction::Egress,
            Ports::HTTPS,
            &Peering::Network { cidrs: ep_cidrs.clone(), groups: &e.view.security_groups },
        );
        let sg_names = self.names(inst.security_groups);
        let ep_sg_names = self.names(&e.view.security_groups);
        hops.push(self.sg_hop(
            HopKind::InstanceSecurityGroups,
            inst.security_groups,
            &egress,
            if egress.no_rules { Code::SgNoEgressRules } else { Code::InstanceSgEgressMismatch },
            format!("egress TCP 443 from {sg_names} to {ep_name}"),
            format!(
                "add an egress rule to {sg_names} allowing TCP 443 to {} (the endpoint's security group), e.g. an aws_vpc_security_group_egress_rule with referenced_security_group_id, or an `egress` block with security_groups",
                ep_sg_names
            ),
        ));

        // Network ACLs, unless the endpoint has an interface in the instance's own subnet
        // for every option (traffic inside one subnet does not cross its ACL).
        hops.push(self.acl_hop(HopKind::InstanceSubnetAcl, loc, &ep_subnets, true));
        hops.push(HopResult::pass(HopKind::Route, Vec::new(), "local route inside the VPC".into()));
        hops.push(self.acl_hop(HopKind::EndpointSubnetAcl, loc, &ep_subnets, false));

        // Endpoint security groups: TCP 443 in from the instance.
        let ingress = self.sgs.admits(
            &e.view.security_groups,
            Direction::Ingress,
            Ports::HTTPS,
            &Peering::Network { cidrs: vec![loc.cidr], groups: inst.security_groups },
        );
        let default_note =
            if e.view.security_groups.unset { " (no security_group_ids: the VPC's default group)" } else { "" };
        hops.push(self.sg_hop(
            HopKind::EndpointSecurityGroups,
            &e.view.security_groups,
            &ingress,
            Code::EndpointSgIngressMismatch,
            format!("ingress TCP 443 to {ep_sg_names}{default_note} from {sg_names}"),
            format!("add an ingress rule to {ep_sg_names} allowing TCP 443 from {sg_names} (or from the instance subnet's CIDR)"),
        ));
        let outcome = Tri::all(hops.iter().map(|h| h.outcome));
        PathResult { outcome, via: Via::Endpoint, endpoint: Some(e.res), hops, bypassed: Vec::new() }
    }

    fn internet_path(&self, inst: &InstanceSide<'_>, loc: &Location, service: Service) -> PathResult {
        let mut hops = Vec::new();
        let vpc = loc.vpc.targets().first().cloned().cloned();
        let support = vpc.as_ref().map(|v| flag(&vpc_dns(self.net, v).support)).unwrap_or(Tri::Maybe);
        let name = format!("{}.<region>.amazonaws.com", service.name());
        hops.push(match support {
            Tri::No => HopResult {
                kind: HopKind::Dns,
                outcome: Tri::No,
                code: Some(Code::VpcDnsDisabled),
                resources: vpc.iter().cloned().collect(),
                detail: format!(
                    "{} has enable_dns_support = false, so {name} does not resolve",
                    vpc.as_ref().map(|v| self.net.describe(v)).unwrap_or_default()
                ),
                fix: vpc.as_ref().map(|v| format!("set enable_dns_support = true on {}", self.net.describe(v))),
                unresolved: Vec::new(),
            },
            _ => HopResult::pass(HopKind::Dns, Vec::new(), format!("{name} resolves to the public service endpoint")),
        });

        let egress = self.sgs.admits(inst.security_groups, Direction::Egress, Ports::HTTPS, &Peering::Internet);
        let sg_names = self.names(inst.security_groups);
        hops.push(self.sg_hop(
            HopKind::InstanceSecurityGroups,
            inst.security_groups,
            &egress,
            if egress.no_rules { Code::SgNoEgressRules } else { Code::InstanceSgEgressMismatch },
            format!("egress TCP 443 from {sg_names} to the internet"),
            format!("add an egress rule to {sg_names} allowing TCP 443 to 0.0.0.0/0 (or to an interface endpoint's security group)"),
        ));
        hops.push(self.internet_acl_hop(HopKind::InstanceSubnetAcl, loc, None));
        let (route, nat_subnets) = self.route_hop(inst, loc);
        let route_ok = route.outcome;
        hops.push(route);
        if route_ok != Tri::No {
            for nat_subnet in nat_subnets {
                if nat_subnet != loc.subnet {
                    let nat_loc = self.location(&nat_subnet);
                    hops.push(self.internet_acl_hop(HopKind::NatSubnetAcl, &nat_loc, Some(loc)));
                }
            }
        }
        let outcome = Tri::all(hops.iter().map(|h| h.outcome));
        PathResult { outcome, via: Via::Internet, endpoint: None, hops, bypassed: Vec::new() }
    }

    /// Where the default route of the instance's subnet leads, and the subnets of the NAT
    /// gateways it uses.
    fn route_hop(&self, inst: &InstanceSide<'_>, loc: &Location) -> (HopResult, Vec<Target>) {
        let Target::Resource(subnet) = &loc.subnet else {
            return (
                self.unknown_hop(
                    HopKind::Route,
                    vec![loc.subnet.clone()],
                    format!("subnet {} is not in the plan", self.net.describe(&loc.subnet)),
                ),
                Vec::new(),
            );
        };
        let vpc = match loc.vpc.targets().as_slice() {
            [Target::Resource(v)] => Some(*v),
            _ => None,
        };
        let tables = self.routes.tables_of(*subnet, vpc);
        if tables.is_empty() {
            return (
                self.unknown_hop(
                    HopKind::Route,
                    vec![loc.subnet.clone()],
                    "the subnet's route table is not resolved".into(),
                ),
                Vec::new(),
            );
        }
        let mut per_table = Vec::new();
        let mut nat_subnets = Vec::new();
        let mut best: Option<HopResult> = None;
        for (table, _) in &tables {
            let (hop, nats) = self.table_to_internet(inst, table);
            nat_subnets.extend(nats);
            per_table.push(hop.outcome);
            if best.as_ref().is_none_or(|b| b.outcome == Tri::Yes && hop.outcome != Tri::Yes) {
                best = Some(hop);
            }
        }
        let mut hop = best.expect("at least one table");
        hop.outcome = Tri::agree(per_table);
        (hop, nat_subnets)
    }

    fn table_to_internet(&self, inst: &InstanceSide<'_>, table: &Target) -> (HopResult, Vec<Target>) {
        let tname = self.net.describe(table);
        if !self.routes.knows(table) {
            return (
                self.unknown_hop(
                    HopKind::Route,
                    vec![table.clone()],
                    format!("route table {tname} is not in the plan"),
                ),
                Vec::new(),
            );
        }
        let routes = self.routes.internet_routes(table);
        if routes.is_empty() {
            let hop = HopResult {
                kind: HopKind::Route,
                outcome: Tri::No,
                code: Some(Code::NoRouteToInternet),
                resources: vec![table.clone()],
                detail: format!("{tname} has no route for 0.0.0.0/0"),
                fix: Some(format!(
                    "add interface endpoints for ssm and ssmmessages (and ec2messages) to the VPC, or a 0.0.0.0/0 route via a NAT gateway to {tname}"
                )),
                unresolved: Vec::new(),
            };
            return (hop, Vec::new());
        }
        let route = routes[0];
        let by = Target::Resource(route.declared_by);
        match &route.hop {
            RouteHop::InternetGateway(igw) => {
                let mut resources = vec![table.clone()];
                resources.extend(igw.targets().into_iter().cloned());
                let hop = match inst.public_ip {
                    Tri::Yes => HopResult::pass(
                        HopKind::Route,
                        resources,
                        format!("{tname}: 0.0.0.0/0 → {} (public IP)", self.names(igw)),
                    ),
                    Tri::No => HopResult {
                        kind: HopKind::Route,
                        outcome: Tri::No,
                        code: Some(Code::IgwWithoutPublicIp),
                        resources,
                        detail: format!("{tname}: 0.0.0.0/0 → {}, but the instance has no public IP", self.names(igw)),
                        fix: Some("route 0.0.0.0/0 through a NAT gateway, or use interface endpoints".into()),
                        unresolved: Vec::new(),
                    },
                    Tri::Maybe => {
                        let why = "whether the instance gets a public IP is unknown until apply".to_string();
                        HopResult {
                            kind: HopKind::Route,
                            outcome: Tri::Maybe,
                            code: Some(Code::Unresolved),
                            resources,
                            detail: format!("{tname}: 0.0.0.0/0 → {}; {why}", self.names(igw)),
                            fix: None,
                            unresolved: vec![why],
                        }
                    }
                };
                (hop, Vec::new())
            }
            RouteHop::NatGateway(nat) => {
                let mut outcomes = Vec::new();
                let mut nat_subnets = Vec::new();
                let mut detail = None;
                for n in nat.targets() {
                    let (t, d, subnet) = self.nat_to_internet(n);
                    outcomes.push(t);
                    if t != Tri::Yes && detail.is_none() {
                        detail = Some(d);
                    }
                    nat_subnets.extend(subnet);
                }
                let outcome = if outcomes.is_empty() { Tri::Maybe } else { Tri::agree(outcomes) };
                let mut resources = vec![table.clone()];
                resources.extend(nat.targets().into_iter().cloned());
                let hop = match outcome {
                    Tri::Yes => HopResult::pass(HopKind::Route, resources, format!("{tname}: 0.0.0.0/0 → {} → internet gateway", self.names(nat))),
                    t => HopResult {
                        kind: HopKind::Route,
                        outcome: t,
                        code: Some(Code::NatWithoutInternet),
                        resources,
                        detail: detail.unwrap_or_else(|| format!("{tname}: the NAT gateway is not resolved")),
                        fix: Some("give the NAT gateway's subnet a 0.0.0.0/0 route to an internet gateway attached to the VPC".into()),
                        unresolved: Vec::new(),
                    },
                };
                (hop, nat_subnets)
            }
            RouteHop::Opaque(what) => {
                let hop = HopResult {
                    kind: HopKind::Route,
                    outcome: Tri::Maybe,
                    code: Some(Code::RouteTargetOpaque),
                    resources: vec![table.clone(), by],
                    detail: format!("{tname}: 0.0.0.0/0 → {what}; tfreach cannot see beyond it"),
                    fix: None,
                    unresolved: vec![format!("{tname}: the default route's target ({what})")],
                };
                (hop, Vec::new())
            }
        }
    }

    /// Whether a NAT gateway reaches the internet: public, in a subnet routed to an internet
    /// gateway attached to its VPC.
    fn nat_to_internet(&self, nat: &Target) -> (Tri, String, Option<Target>) {
        let Target::Resource(id) = nat else {
            return (Tri::Maybe, format!("NAT gateway {} is not in the plan", self.net.describe(nat)), None);
        };
        let r = &self.net.model.resources[*id];
        let name = r.address();
        if r.attr::<String>("connectivity_type", Some("public".into())).value().map(String::as_str) == Some("private") {
            return (Tri::No, format!("{name} is a private NAT gateway"), None);
        }
        let subnet_link = self.net.link(*id, LinkKind::Subnet);
        let Some(subnet) = subnet_link.targets().first().cloned().cloned() else {
            return (Tri::Maybe, format!("the subnet of {name} is not resolved"), None);
        };
        let Target::Resource(sid) = subnet else {
            return (Tri::Maybe, format!("the subnet of {name} is not in the plan"), Some(subnet));
        };
        let vpc = self.net.link(sid, LinkKind::Vpc);
        let vpc_id = match vpc.targets().as_slice() {
            [Target::Resource(v)] => Some(*v),
            _ => None,
        };
        let mut outcomes = Vec::new();
        for (table, _) in self.routes.tables_of(sid, vpc_id) {
            let routes = self.routes.internet_routes(&table);
            let t = match routes.first().map(|r| &r.hop) {
                Some(RouteHop::InternetGateway(igw)) => {
                    Tri::any(igw.targets().iter().map(|g| self.igw_attached(g, &vpc)))
                }
                Some(RouteHop::Opaque(_)) => Tri::Maybe,
                Some(RouteHop::NatGateway(_)) | None => Tri::No,
            };
            outcomes.push(t);
        }
        let outcome = if outcomes.is_empty() { Tri::Maybe } else { Tri::agree(outcomes) };
        let detail = format!(
            "{name} sits in {}, which has no 0.0.0.0/0 route to an attached internet gateway",
            self.net.describe(&subnet)
        );
        (outcome, detail, Some(subnet))
    }

    fn igw_attached(&self, igw: &Target, vpc: &Link) -> Tri {
        let Target::Resource(id) = igw else { return Tri::Maybe };
        let mut attached = same_vpc(&self.net.link(*id, LinkKind::Vpc), vpc);
        for &a in self.net.pointing_at(LinkKind::Gateway, igw) {
            if self.net.model.resources[a].kind == crate::model::Kind::InternetGatewayAttachment {
                attached = attached.or(same_vpc(&self.net.link(a, LinkKind::Vpc), vpc));
            }
        }
        attached
    }

    fn sg_hop(
        &self,
        kind: HopKind,
        groups: &Link,
        adm: &super::sg::Admission,
        code: Code,
        what: String,
        fix: String,
    ) -> HopResult {
        let resources: Vec<Target> = groups.targets().into_iter().cloned().collect();
        match adm.outcome {
            Tri::Yes => {
                let by: Vec<String> = adm.by.iter().map(|id| self.net.describe(&Target::Resource(*id))).collect();
                HopResult::pass(kind, resources, format!("{what}: allowed by {}", by.join(", ")))
            }
            outcome => {
                let reason = match (outcome, code) {
                    (Tri::No, Code::SgNoEgressRules) => {
                        "no egress rule at all — Terraform does not add AWS's default allow-all egress rule".to_string()
                    }
                    (Tri::No, _) => "no rule allows it".to_string(),
                    _ if !adm.doubts.is_empty() => adm.doubts.join("; "),
                    _ => "only some of the candidate resolutions allow it".to_string(),
                };
                HopResult {
                    kind,
                    outcome,
                    code: Some(if outcome == Tri::Maybe && !adm.doubts.is_empty() { Code::Unresolved } else { code }),
                    resources,
                    detail: format!("{what}: {reason}"),
                    fix: if outcome == Tri::No || adm.doubts.is_empty() { Some(fix) } else { None },
                    unresolved: if outcome == Tri::Maybe { adm.doubts.clone() } else { Vec::new() },
                }
            }
        }
    }

    /// ACL hop between the instance subnet and the endpoint subnets (`instance_side` picks
    /// whose ACL is checked).
    fn acl_hop(&self, kind: HopKind, loc: &Location, ep_subnets: &[Target], instance_side: bool) -> HopResult {
        if ep_subnets.is_empty() {
            return self.unknown_hop(kind, Vec::new(), "the endpoint's subnets are not resolved".into());
        }
        let mut outcomes = Vec::new();
        let mut failing: Option<HopResult> = None;
        for es in ep_subnets {
            if *es == loc.subnet {
                outcomes.push(Tri::Yes);
                continue;
            }
            let es_loc = self.location(es);
            let (here, there) = if instance_side { (loc, &es_loc) } else { (&es_loc, loc) };
            // From `here`'s ACL: 443 leaves toward the endpoint (or arrives from the
            // instance), and the reply on ephemeral ports comes back (or leaves).
            let checks: [(bool, Ports); 2] = if instance_side {
                [(true, Ports::HTTPS), (false, Ports::EPHEMERAL)]
            } else {
                [(false, Ports::HTTPS), (true, Ports::EPHEMERAL)]
            };
            let hop = self.acl_checks(
                kind,
                here,
                Remote::Cidr(there.cidr.as_ref()),
                &checks,
                &self.net.describe(&there.subnet),
            );
            outcomes.push(hop.outcome);
            if hop.outcome != Tri::Yes && failing.is_none() {
                failing = Some(hop);
            }
        }
        let outcome = Tri::agree(outcomes);
        match failing {
            Some(mut h) => {
                h.outcome = outcome;
                h
            }
            None => HopResult::pass(
                kind,
                vec![loc.subnet.clone()],
                "the network ACLs pass TCP 443 and the return traffic".into(),
            ),
        }
    }

    /// ACL hop toward the internet: on the instance subnet, or on a NAT gateway's subnet
    /// (which also sees the instance's traffic arrive and the replies leave).
    fn internet_acl_hop(&self, kind: HopKind, here: &Location, from_instance: Option<&Location>) -> HopResult {
        let mut checks: Vec<(bool, Ports, Remote<'_>, String)> = vec![
            (true, Ports::HTTPS, Remote::Internet, "the internet".into()),
            (false, Ports::EPHEMERAL, Remote::Internet, "the internet".into()),
        ];
        if let Some(inst) = from_instance {
            let name = self.net.describe(&inst.subnet);
            checks.push((false, Ports::HTTPS, Remote::Cidr(inst.cidr.as_ref()), name.clone()));
            checks.push((true, Ports::EPHEMERAL, Remote::Cidr(inst.cidr.as_ref()), name));
        }
        let mut result = HopResult::pass(
            kind,
            vec![here.subnet.clone()],
            "the network ACL passes TCP 443 and the return traffic".into(),
        );
        for (egress, ports, remote, peer) in checks {
            let hop = self.acl_checks(kind, here, remote, &[(egress, ports)], &peer);
            if hop.outcome == Tri::No || (hop.outcome == Tri::Maybe && result.outcome == Tri::Yes) {
                result = hop;
            }
        }
        result
    }

    fn acl_checks(
        &self,
        kind: HopKind,
        here: &Location,
        remote: Remote<'_>,
        checks: &[(bool, Ports)],
        peer: &str,
    ) -> HopResult {
        let Target::Resource(subnet) = &here.subnet else {
            return self.unknown_hop(
                kind,
                vec![here.subnet.clone()],
                format!("subnet {} is not in the plan", self.net.describe(&here.subnet)),
            );
        };
        let vpc = match here.vpc.targets().as_slice() {
            [Target::Resource(v)] => Some(*v),
            _ => None,
        };
        let acls = self.nacls.acls_of(*subnet, vpc);
        if acls.is_empty() {
            return self.unknown_hop(
                kind,
                vec![here.subnet.clone()],
                "the subnet's network ACL is not resolved".into(),
            );
        }
        let mut per_acl = Vec::new();
        let mut blocking = None;
        let mut unknown = false;
        for (acl, _) in &acls {
            let mut t = Tri::Yes;
            for (egress, ports) in checks {
                let d = self.nacls.passes(acl, *egress, *ports, remote);
                unknown |= d.outcome == Tri::Maybe && d.unknown;
                if d.outcome != Tri::Yes && blocking.is_none() {
                    let dir = if *egress { "outbound to" } else { "inbound from" };
                    let what = if *ports == Ports::HTTPS {
                        "TCP 443".to_string()
                    } else {
                        "the return traffic on TCP 1024-65535".to_string()
                    };
                    let rule = match (d.rule, d.outcome) {
                        (Some((n, _)), _) => format!(" (rule {n})"),
                        (None, Tri::Maybe) => " (no rule covers all of it)".into(),
                        (None, _) => " (no rule allows it)".into(),
                    };
                    blocking = Some((
                        acl.clone(),
                        format!("{} does not pass {what} {dir} {peer}{rule}", self.net.describe(acl)),
                    ));
                }
                t = t.and(d.outcome);
            }
            per_acl.push(t);
        }
        let outcome = Tri::agree(per_acl);
        match (outcome, blocking) {
            (Tri::Yes, _) | (_, None) => HopResult::pass(
                kind,
                acls.iter().map(|(a, _)| a.clone()).collect(),
                format!("the network ACL of {} passes the traffic", self.net.describe(&here.subnet)),
            ),
            // A rule the plan cannot tell decides: unknown, not a possible block.
            (Tri::Maybe, Some((acl, detail))) if unknown => HopResult {
                kind,
                outcome: Tri::Maybe,
                code: Some(Code::Unresolved),
                resources: vec![acl.clone(), here.subnet.clone()],
                detail: detail.clone(),
                fix: None,
                unresolved: vec![format!("{}: a rule's CIDR is unknown until apply", self.net.describe(&acl))],
            },
            (outcome, Some((acl, detail))) => HopResult {
                kind,
                outcome,
                code: Some(Code::SubnetAclRestriction),
                resources: vec![acl.clone(), here.subnet.clone()],
                detail,
                fix: Some(format!(
                    "allow TCP 443 and the return traffic on ports 1024-65535 in {}",
                    self.net.describe(&acl)
                )),
                unresolved: Vec::new(),
            },
        }
    }

    fn unknown_hop(&self, kind: HopKind, resources: Vec<Target>, why: String) -> HopResult {
        HopResult {
            kind,
            outcome: Tri::Maybe,
            code: Some(Code::Unresolved),
            resources,
            detail: why.clone(),
            fix: None,
            unresolved: vec![why],
        }
    }

    /// The names of a link's targets, joined (`a, b`, or `one of {a, b}`).
    pub fn names(&self, link: &Link) -> String {
        let parts: Vec<String> = link
            .slots
            .iter()
            .map(|s| {
                let n: Vec<String> = s.options.iter().map(|t| self.net.describe(t)).collect();
                if n.len() == 1 { n[0].clone() } else { format!("one of {{{}}}", n.join(", ")) }
            })
            .collect();
        if parts.is_empty() {
            if link.resolution == Resolution::Unresolved { "(unresolved)".into() } else { "(none)".into() }
        } else {
            parts.join(", ")
        }
    }
}

/// Whether two VPC links point at the same VPC.
pub fn same_vpc(a: &Link, b: &Link) -> Tri {
    fn options(l: &Link) -> impl Iterator<Item = &Target> {
        l.slots.iter().flat_map(|s| &s.options)
    }
    // The one target of a link whose every option is the same (`Link::targets` of length 1).
    fn only(l: &Link) -> Option<&Target> {
        let first = options(l).next()?;
        options(l).all(|t| t == first).then_some(first)
    }
    if options(a).next().is_none() || options(b).next().is_none() {
        return Tri::Maybe;
    }
    if let (Some(x), Some(y)) = (only(a), only(b)) {
        return Tri::from_bool(x == y);
    }
    if options(a).any(|t| options(b).any(|u| u == t)) { Tri::Maybe } else { Tri::No }
}
