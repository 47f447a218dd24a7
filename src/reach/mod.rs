//! Session Manager reachability: for each instance and each of `ssm`, `ssmmessages` and
//! `ec2messages`, the path hop by hop — or the hop that blocks it, with an explanation code
//! and the fix when it is evident.
//!
//! Where a link is a set of candidates, every candidate is evaluated: a hop that fails for
//! all of them fails definitely, one that fails for some fails possibly.

pub mod codes;
pub mod dns;
pub mod endpoint;
pub mod iam;
pub mod nacl;
pub mod path;
pub mod route;
pub mod sg;
pub mod traffic;
pub mod tri;

use serde::Serialize;

use crate::graph::Network;
use crate::graph::views::ComputeView;
use crate::model::{Attr, Kind, ResId, Resource};
use crate::resolve::{Link, LinkKind, Target};
pub use codes::Code;
pub use endpoint::{Endpoint, Service};
pub use path::{HopKind, HopResult, InstanceSide, Location, PathResult, Via};
pub use tri::Tri;

/// What the configuration lets tfreach assume.
#[derive(Debug, Clone, Default)]
pub struct Assumptions {
    /// Default Host Management Configuration manages instances without a profile.
    pub default_host_management: bool,
}

/// Whether findings hold in every resolution of the plan or only in some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    Definite,
    Possible,
}

/// The verdict for one instance or one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Reachable,
    Unreachable,
    Unknown,
}

impl From<Tri> for Verdict {
    fn from(t: Tri) -> Verdict {
        match t {
            Tri::Yes => Verdict::Reachable,
            Tri::No => Verdict::Unreachable,
            Tri::Maybe => Verdict::Unknown,
        }
    }
}

/// One service as seen from one instance, over every candidate location.
#[derive(Debug, Clone)]
pub struct ServiceReach {
    pub service: Service,
    pub outcome: Tri,
    /// The path shown: the first candidate location's, or the first that fails.
    pub path: PathResult,
    /// The location `path` starts from.
    pub location: Option<Target>,
    /// The hop that blocks, when one does, with how certain that is.
    pub blocked: Option<(HopResult, Certainty)>,
    /// How many candidate locations were evaluated.
    pub locations: usize,
    /// Every path evaluated (for rules that look at all of them).
    pub all: Vec<LocatedPath>,
}

/// A path from one candidate location. Locations in one slot are alternatives (one of them
/// is meant); different slots are all real (an autoscaling group's subnets).
#[derive(Debug, Clone)]
pub struct LocatedPath {
    pub slot: usize,
    pub subnet: Target,
    pub path: PathResult,
}

impl ServiceReach {
    /// Whether the blocking hop blocks for certain: in every option of some slot, with the
    /// same explanation code.
    fn certainty_of(&self, code: Option<Code>) -> Certainty {
        let slots = self.all.iter().map(|l| l.slot).max().map_or(0, |m| m + 1);
        let definite = (0..slots).any(|slot| {
            let mut options = self.all.iter().filter(|l| l.slot == slot).peekable();
            options.peek().is_some()
                && options.all(|l| l.path.outcome == Tri::No && l.path.blocking_hop().map(|b| b.code) == Some(code))
        });
        if definite { Certainty::Definite } else { Certainty::Possible }
    }
}

/// A single check on the instance itself (permissions, metadata service).
#[derive(Debug, Clone)]
pub struct Check {
    pub outcome: Tri,
    pub detail: String,
    pub resources: Vec<Target>,
}

/// Everything reachability says about one instance.
#[derive(Debug, Clone)]
pub struct InstanceReach {
    pub res: ResId,
    pub view: ComputeView,
    pub services: Vec<ServiceReach>,
    pub iam: iam::Permissions,
    pub imds: Check,
    pub public_ip: Tri,
    pub region: Option<String>,
    pub outcome: Tri,
    /// Why the verdict is not certain: what the plan does not tell.
    pub unresolved: Vec<String>,
}

impl InstanceReach {
    pub fn verdict(&self) -> Verdict {
        self.outcome.into()
    }

    pub fn service(&self, s: Service) -> Option<&ServiceReach> {
        self.services.iter().find(|x| x.service == s)
    }
}

/// Reachability over one network.
pub struct Reach<'n, 'm, 'a> {
    pub net: &'n Network<'m, 'a>,
    pub sgs: sg::SecurityGroups,
    pub nacls: nacl::Nacls,
    pub routes: route::Routes,
    pub endpoints: Vec<Endpoint>,
    endpoint_index: endpoint::EndpointIndex,
    pub assumptions: Assumptions,
}

impl<'n, 'm, 'a> Reach<'n, 'm, 'a> {
    pub fn build(net: &'n Network<'m, 'a>, assumptions: Assumptions) -> Self {
        let endpoints = endpoint::endpoints(net);
        Reach {
            net,
            sgs: sg::SecurityGroups::build(net),
            nacls: nacl::Nacls::build(net),
            routes: route::Routes::build(net),
            endpoint_index: endpoint::EndpointIndex::build(&endpoints),
            endpoints,
            assumptions,
        }
    }

    /// Reachability of every instance, sorted by address.
    pub fn instances(&self) -> Vec<InstanceReach> {
        use rayon::prelude::*;
        let compute: Vec<&Resource<'a>> = self.net.model.compute().collect();
        let mut out: Vec<InstanceReach> = compute.par_iter().map(|r| self.instance(r)).collect();
        out.sort_by(|a, b| self.net.model.resources[a.res].address().cmp(self.net.model.resources[b.res].address()));
        out
    }

    pub fn instance(&self, r: &Resource<'a>) -> InstanceReach {
        let view = self.net.compute_view(r);
        let launch = self.launch_spec(&view);
        let public_ip = self.public_ip(r, launch, &view);
        let region = endpoint::provider_region(self.net.model.doc, r);
        let side = InstanceSide { security_groups: &view.security_groups, public_ip, region: region.clone() };
        let mut unresolved = link_doubts(self.net, "subnet", &view.subnets);
        unresolved.extend(link_doubts(self.net, "security group", &view.security_groups));

        let services: Vec<ServiceReach> = Service::SESSION.iter().map(|s| self.service(&side, &view, *s)).collect();
        let mut doubt = |u: &String| {
            if !unresolved.contains(u) {
                unresolved.push(u.clone());
            }
        };
        for s in &services {
            s.all
                .iter()
                .flat_map(|l| &l.path.hops)
                .chain(&s.path.hops)
                .flat_map(|h| &h.unresolved)
                .for_each(&mut doubt);
        }
        let mut iam = iam::permissions(self.net, &view.instance_profile);
        if iam.no_profile && self.assumptions.default_host_management {
            iam.outcome = Tri::Yes;
            iam.reason =
                "no instance profile; Default Host Management Configuration is assumed to provide credentials".into();
        }
        let imds = self.imds(r, launch);
        // What the plan does not tell about permissions or the metadata service is as much a
        // reason for an unknown verdict as an unresolved network link.
        if iam.outcome == Tri::Maybe {
            doubt(&format!("permissions: {}", iam.reason));
        }
        if imds.outcome == Tri::Maybe {
            doubt(&format!("metadata service: {}", imds.detail));
        }
        let network = Tri::all(
            services.iter().filter(|s| matches!(s.service, Service::Ssm | Service::Ssmmessages)).map(|s| s.outcome),
        );
        let outcome = network.and(iam.outcome).and(imds.outcome);
        InstanceReach { res: r.id, view, services, iam, imds, public_ip, region, outcome, unresolved }
    }

    /// Whether `inst` reaches a service that session logging needs (`s3`, `logs`, `kms`):
    /// through an S3 gateway endpoint on its route table, an interface endpoint, or the
    /// internet. Returns the outcome over every candidate location and a description.
    pub fn logging_path(&self, inst: &InstanceReach, service: Service) -> (Tri, String) {
        let side = InstanceSide {
            security_groups: &inst.view.security_groups,
            public_ip: inst.public_ip,
            region: inst.region.clone(),
        };
        let mut how = String::new();
        let mut per_slot = Vec::new();
        // Options of a slot are alternatives; every slot (an autoscaling group's subnets) must
        // have the path.
        for slot in &inst.view.subnets.slots {
            let mut per_option = Vec::new();
            for subnet in &slot.options {
                let loc = self.location(subnet);
                if service == Service::S3
                    && let Some(e) = self.s3_gateway_for(&loc)
                {
                    // Gateway endpoint traffic still leaves through the security groups.
                    let egress = self.sgs.admits(
                        &inst.view.security_groups,
                        sg::Direction::Egress,
                        traffic::Ports::HTTPS,
                        &sg::Peering::Internet,
                    );
                    per_option.push(if egress.outcome == Tri::No { Tri::Maybe } else { egress.outcome });
                    how = format!("the S3 gateway endpoint {}", self.net.model.resources[e].address());
                    continue;
                }
                let p = self.path(&side, &loc, service);
                if p.outcome != Tri::Yes || how.is_empty() {
                    how = match (p.via, p.endpoint) {
                        (Via::Endpoint, Some(e)) => {
                            format!("the interface endpoint {}", self.net.model.resources[e].address())
                        }
                        (Via::Internet, _) => {
                            p.blocking_hop().map(|h| h.detail.clone()).unwrap_or_else(|| "the internet".into())
                        }
                        _ => String::new(),
                    };
                }
                per_option.push(p.outcome);
            }
            per_slot.push(Tri::agree(per_option));
        }
        if per_slot.is_empty() {
            return (Tri::Maybe, "the instance's subnet is not resolved".into());
        }
        (Tri::all(per_slot), how)
    }

    /// An S3 gateway endpoint whose route tables include the subnet's.
    fn s3_gateway_for(&self, loc: &Location) -> Option<ResId> {
        let Target::Resource(subnet) = &loc.subnet else { return None };
        let vpc = match loc.vpc.targets().as_slice() {
            [Target::Resource(v)] => Some(*v),
            _ => None,
        };
        let tables: Vec<Target> = self.routes.tables_of(*subnet, vpc).into_iter().map(|(t, _)| t).collect();
        // Every gateway endpoint: its route tables, not its VPC, say which subnets it serves.
        self.endpoint_index.all(Service::S3, false).iter().map(|&i| &self.endpoints[i]).find_map(|e| {
            let mut rts: Vec<Target> =
                self.net.link(e.res, LinkKind::RouteTables).targets().into_iter().cloned().collect();
            for &a in self.net.pointing_at(LinkKind::VpcEndpoint, &Target::Resource(e.res)) {
                if self.net.model.resources[a].kind == Kind::VpcEndpointRouteTableAssociation {
                    rts.extend(self.net.link(a, LinkKind::RouteTable).targets().into_iter().cloned());
                }
            }
            tables.iter().any(|t| rts.contains(t)).then_some(e.res)
        })
    }

    /// One service over every candidate location of the instance.
    fn service(&self, side: &InstanceSide<'_>, view: &ComputeView, service: Service) -> ServiceReach {
        let mut all: Vec<LocatedPath> = Vec::new();
        let mut slot_outcomes = Vec::new();
        for (i, slot) in view.subnets.slots.iter().enumerate() {
            let mut per_option = Vec::new();
            for subnet in &slot.options {
                let loc = self.location(subnet);
                let p = self.path(side, &loc, service);
                per_option.push(p.outcome);
                all.push(LocatedPath { slot: i, subnet: subnet.clone(), path: p });
            }
            slot_outcomes.push(Tri::agree(per_option));
        }
        if all.is_empty() {
            let why = if view.subnets.unset {
                "subnet_id is unset: the instance launches into the default VPC, which is not in the plan".to_string()
            } else {
                "the instance's subnet is not resolved".to_string()
            };
            let hop = HopResult {
                kind: HopKind::Subnet,
                outcome: Tri::Maybe,
                code: Some(Code::Unresolved),
                resources: Vec::new(),
                detail: why.clone(),
                fix: None,
                unresolved: vec![why],
            };
            let path = PathResult {
                outcome: Tri::Maybe,
                via: Via::None,
                endpoint: None,
                hops: vec![hop.clone()],
                bypassed: Vec::new(),
            };
            return ServiceReach {
                service,
                outcome: Tri::Maybe,
                path,
                location: None,
                blocked: None,
                locations: 0,
                all: Vec::new(),
            };
        }
        // An autoscaling group launches into every subnet: all must work.
        let outcome = Tri::all(slot_outcomes);
        let shown = all
            .iter()
            .find(|l| l.path.outcome == Tri::No)
            .or_else(|| all.iter().find(|l| l.path.outcome == Tri::Maybe))
            .unwrap_or(&all[0])
            .clone();
        let mut reach = ServiceReach {
            service,
            outcome,
            path: shown.path.clone(),
            location: Some(shown.subnet.clone()),
            blocked: None,
            locations: all.len(),
            all,
        };
        reach.blocked = shown.path.blocking_hop().cloned().map(|h| {
            let certainty = if outcome == Tri::No { reach.certainty_of(h.code) } else { Certainty::Possible };
            (h, certainty)
        });
        reach
    }

    /// The launch template or configuration of an autoscaling group, when it is decided.
    fn launch_spec(&self, view: &ComputeView) -> Option<ResId> {
        match view.launch_spec.as_ref()?.single()? {
            Target::Resource(id) => Some(*id),
            _ => None,
        }
    }

    /// Whether the instance gets a public IPv4 address.
    fn public_ip(&self, r: &Resource<'a>, launch: Option<ResId>, view: &ComputeView) -> Tri {
        // An Elastic IP associated with the instance gives it a public address whatever
        // `associate_public_ip_address` says.
        if self.has_eip(r.id) {
            return Tri::Yes;
        }
        // An instance that exists already shows the address it has.
        if !r.inst.action.creates()
            && !r.unknown.any_true("public_ip")
            && let Some(ip) = r.after.str("public_ip")
        {
            return Tri::from_bool(!ip.is_empty());
        }
        let explicit = match (r.kind, launch) {
            (Kind::AutoscalingGroup, Some(l)) => {
                let lr = &self.net.model.resources[l];
                match lr.kind {
                    Kind::LaunchConfiguration => lr.attr::<bool>("associate_public_ip_address", None),
                    _ => {
                        let ni = lr.after.object("network_interfaces");
                        ni.bool("associate_public_ip_address").map_or(Attr::Absent, Attr::Known)
                    }
                }
            }
            (Kind::AutoscalingGroup, None) => Attr::Unknown,
            _ => r.attr::<bool>("associate_public_ip_address", None),
        };
        if let Some(v) = explicit.value() {
            return Tri::from_bool(*v);
        }
        if explicit.is_unknown() && r.configures("associate_public_ip_address") {
            return Tri::Maybe;
        }
        // Otherwise the subnet decides: `map_public_ip_on_launch`, false by default.
        let per_subnet: Vec<Tri> = view
            .subnets
            .targets()
            .iter()
            .map(|s| match s {
                Target::Resource(id) => self.net.model.resources[*id]
                    .attr::<bool>("map_public_ip_on_launch", Some(false))
                    .value()
                    .copied()
                    .into(),
                _ => Tri::Maybe,
            })
            .collect();
        if per_subnet.is_empty() { Tri::Maybe } else { Tri::agree(per_subnet) }
    }

    fn has_eip(&self, instance: ResId) -> bool {
        self.net
            .pointing_at(LinkKind::Instance, &Target::Resource(instance))
            .iter()
            .any(|&e| self.net.model.resources[e].kind == Kind::Eip)
    }

    /// The instance metadata service must be enabled for the agent to get credentials.
    fn imds(&self, r: &Resource<'a>, launch: Option<ResId>) -> Check {
        let holder = match (r.kind, launch) {
            (Kind::AutoscalingGroup, Some(l)) => &self.net.model.resources[l],
            (Kind::AutoscalingGroup, None) => {
                return Check {
                    outcome: Tri::Maybe,
                    detail: "the launch template is not decided".into(),
                    resources: Vec::new(),
                };
            }
            _ => r,
        };
        if holder.kind == Kind::LaunchConfiguration || !holder.configures("metadata_options") {
            if holder.after.object("metadata_options").str("http_endpoint").as_deref() == Some("disabled") {
                return Check {
                    outcome: Tri::No,
                    detail: format!("{} sets metadata_options.http_endpoint = \"disabled\"", holder.address()),
                    resources: vec![Target::Resource(holder.id)],
                };
            }
            return Check {
                outcome: Tri::Yes,
                detail: "the metadata service is enabled (default)".into(),
                resources: Vec::new(),
            };
        }
        let known = holder.after.object("metadata_options").str("http_endpoint").map(|s| s.into_owned());
        let configured = holder
            .expressions()
            .and_then(|e| e.blocks("metadata_options").first().and_then(|b| b.expr("http_endpoint").cloned()));
        let value = known.or_else(|| configured.as_ref().and_then(|e| e.constant::<String>()));
        match value.as_deref() {
            Some("disabled") => Check {
                outcome: Tri::No,
                detail: format!("{} sets metadata_options.http_endpoint = \"disabled\"", holder.address()),
                resources: vec![Target::Resource(holder.id)],
            },
            Some(_) => {
                Check { outcome: Tri::Yes, detail: "the metadata service is enabled".into(), resources: Vec::new() }
            }
            None if configured.is_some_and(|e| e.has_references()) => Check {
                outcome: Tri::Maybe,
                detail: "metadata_options.http_endpoint is unknown until apply".into(),
                resources: vec![Target::Resource(holder.id)],
            },
            None => Check {
                outcome: Tri::Yes,
                detail: "the metadata service is enabled (default)".into(),
                resources: Vec::new(),
            },
        }
    }
}

/// What a link leaves open, in words, for TFR001 and the `unknown` verdict.
pub fn link_doubts(net: &Network<'_, '_>, what: &str, link: &Link) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(f) = &link.fallback {
        out.push(format!(
            "{what}: {f} is not in the plan JSON and its .tf source was not found, so every resource of the right type in the module stands in"
        ));
    }
    for d in &link.dead_ends {
        out.push(format!("{what}: {d} could not be followed"));
    }
    if link.resolution == crate::resolve::Resolution::Unresolved && link.slots.is_empty() {
        out.push(format!("{what}: unresolved"));
    }
    for t in link.targets() {
        match t {
            Target::External(id) => out.push(format!("{what} {id} is not in the plan")),
            Target::Resource(id) if net.model.resources[*id].is_data() => {
                out.push(format!("{what} {} is read from AWS", net.model.resources[*id].address()));
            }
            _ => {}
        }
    }
    out
}
