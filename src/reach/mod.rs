//! Session Manager reachability: for each instance and each of `ssm`, `ssmmessages` and
//! `ec2messages`, the path hop by hop — or the hop that blocks it, as data.
//!
//! Where a link is a set of candidates, each candidate location is evaluated once: a hop
//! that fails for all of them fails definitely, one that fails for some fails possibly.
//! Instances that share their placement (the same candidate subnets and groups, public
//! address and region) share one evaluation.

pub mod acl;
pub mod change;
pub mod codes;
pub mod data;
pub mod dns;
pub mod explain;
pub mod filter;
pub mod hop;
pub mod identity;
pub mod logging;
pub mod path;
pub mod route;
pub mod transit;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::network::compute::Compute;
use crate::network::graph::{NodeId, SetId};
use crate::network::{Network, Service};
pub use crate::tri::Tri;
pub use codes::Code;
pub use hop::{Hop, HopData, HopKind, Unplaced};
pub use identity::{IamCheck, IamFinding, ImdsCheck};
pub use path::{InstanceSide, Location, PathResult, Via};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Reachable,
    Unreachable,
    Unknown,
}

impl Verdict {
    /// `reachable`, `unreachable` or `unknown`, as JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Reachable => "reachable",
            Verdict::Unreachable => "unreachable",
            Verdict::Unknown => "unknown",
        }
    }
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

/// A path from one candidate location. Locations in one slot are alternatives (one of them
/// is meant); different slots are all real (an autoscaling group's subnets).
#[derive(Debug, Clone)]
pub struct LocatedPath {
    pub slot: usize,
    pub subnet: NodeId,
    pub path: PathResult,
}

/// One service as seen from one instance, over every candidate location.
#[derive(Debug, Clone)]
pub struct ServiceReach {
    pub service: Service,
    pub outcome: Tri,
    /// The path shown: the first that fails, else the first that may, else the first.
    pub path: PathResult,
    /// The location `path` starts from.
    pub location: Option<NodeId>,
    /// The hop that blocks, when one does, with how certain that is.
    pub blocked: Option<(Hop, Certainty)>,
    /// The other hops of `path` that fail as well (a fix to `blocked` alone would not open
    /// the path), with how certain each is.
    pub also_blocked: Vec<(Hop, Certainty)>,
    /// Every path evaluated.
    pub all: Vec<LocatedPath>,
}

impl ServiceReach {
    /// Definite when `fails` holds for every option of some slot (a group's subnets are
    /// slots of their own, candidates are options of one), else possible.
    fn certainty(all: &[LocatedPath], fails: impl Fn(&PathResult) -> bool) -> Certainty {
        let slots = all.iter().map(|l| l.slot).max().map_or(0, |m| m + 1);
        let definite = (0..slots).any(|slot| {
            let mut options = all.iter().filter(|l| l.slot == slot).peekable();
            options.peek().is_some() && options.all(|l| fails(&l.path))
        });
        if definite { Certainty::Definite } else { Certainty::Possible }
    }

    /// Whether the blocking hop blocks for certain: the path fails, blocked with `code`.
    fn certainty_of(all: &[LocatedPath], code: Option<Code>) -> Certainty {
        Self::certainty(all, |p| p.outcome == Tri::No && p.blocking_hop().and_then(Hop::code) == code)
    }

    /// Whether a hop with `code` fails for certain, first or not.
    fn certainty_of_failing(all: &[LocatedPath], code: Option<Code>) -> Certainty {
        Self::certainty(all, |p| p.hops.iter().any(|h| h.outcome == Tri::No && h.code() == code))
    }

    /// The blocking hop and every other failing hop of the path shown.
    pub fn blockers(&self) -> impl Iterator<Item = &(Hop, Certainty)> {
        self.blocked.iter().chain(&self.also_blocked)
    }

    /// The locations evaluated.
    pub fn locations(&self) -> usize {
        self.all.len()
    }
}

/// Everything reachability says about one instance.
#[derive(Debug, Clone)]
pub struct InstanceReach {
    /// The position in [`Network::compute`].
    pub compute: usize,
    pub node: NodeId,
    pub services: Vec<ServiceReach>,
    pub iam: IamCheck,
    pub imds: ImdsCheck,
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

/// What about an instance matters to its paths.
fn side(c: &Compute) -> InstanceSide {
    InstanceSide { groups: c.placement.groups, public_ip: c.public_ip.outcome, region: c.region.clone() }
}

/// Reachability over one network.
pub struct Reach<'n, 'm, 'a> {
    pub net: &'n Network<'m, 'a>,
    pub assumptions: Assumptions,
}

/// What the Session Manager paths of an instance depend on: instances equal in this share
/// one evaluation (the same candidate subnets and groups, public address and region).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PlacementKey {
    subnets: SetId,
    groups: SetId,
    public_ip: Tri,
    region: Option<String>,
}

impl<'n, 'm, 'a> Reach<'n, 'm, 'a> {
    pub fn new(net: &'n Network<'m, 'a>, assumptions: Assumptions) -> Self {
        Reach { net, assumptions }
    }

    /// Reachability of every compute resource, in the network's order.
    pub fn instances(&self) -> Vec<InstanceReach> {
        let net = self.net;
        let keys: Vec<PlacementKey> = net.compute.iter().map(|c| self.key(c)).collect();
        let mut distinct: FxHashMap<&PlacementKey, usize> = FxHashMap::default();
        let mut order: Vec<(&PlacementKey, usize)> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if !distinct.contains_key(k) {
                distinct.insert(k, order.len());
                order.push((k, i));
            }
        }
        let evaluated: Vec<Vec<ServiceReach>> =
            order.par_iter().map(|(_, i)| self.services(&net.compute[*i], &side(&net.compute[*i]))).collect();
        net.compute
            .par_iter()
            .enumerate()
            .map(|(i, c)| self.instance_with(i, c, evaluated[distinct[&keys[i]]].clone()))
            .collect()
    }

    /// Reachability of one compute resource.
    pub fn instance(&self, index: usize) -> InstanceReach {
        let c = &self.net.compute[index];
        let services = self.services(c, &side(c));
        self.instance_with(index, c, services)
    }

    fn key(&self, c: &Compute) -> PlacementKey {
        PlacementKey {
            subnets: self.net.graph.set_of(c.placement.subnets),
            groups: self.net.graph.set_of(c.placement.groups),
            public_ip: c.public_ip.outcome,
            region: c.region.clone(),
        }
    }

    fn instance_with(&self, index: usize, c: &Compute, services: Vec<ServiceReach>) -> InstanceReach {
        let iam = identity::iam_check(self.net, c, &self.assumptions);
        let imds = identity::imds_check(c);
        let mut unresolved: Vec<String> = Vec::new();
        let mut doubt = |u: &String| {
            if !unresolved.contains(u) {
                unresolved.push(u.clone());
            }
        };
        for d in explain::link_doubts(self.net, "subnet", c.placement.subnets) {
            doubt(&d);
        }
        for d in explain::link_doubts(self.net, "security group", c.placement.groups) {
            doubt(&d);
        }
        for s in &services {
            s.all
                .iter()
                .flat_map(|l| &l.path.hops)
                .chain(&s.path.hops)
                .flat_map(Hop::unresolved)
                .for_each(|u| doubt(&u));
        }
        // What the plan does not tell about permissions or the metadata service is as much a
        // reason for an unknown verdict as an unresolved network link.
        if iam.outcome == Tri::Maybe {
            for d in &iam.doubts {
                doubt(&format!("permissions: {d}"));
            }
            if iam.doubts.is_empty() {
                doubt(&"permissions: unknown until apply".to_string());
            }
        }
        if imds.outcome == Tri::Maybe {
            doubt(&format!("metadata service: {}", explain::metadata(self.net, &imds, c)));
        }
        let network = Tri::all(
            services.iter().filter(|s| matches!(s.service, Service::Ssm | Service::Ssmmessages)).map(|s| s.outcome),
        );
        let outcome = network.and(iam.outcome).and(imds.outcome);
        InstanceReach {
            compute: index,
            node: c.node,
            services,
            iam,
            imds,
            public_ip: c.public_ip.outcome,
            region: c.region.clone(),
            outcome,
            unresolved,
        }
    }

    /// Every Session Manager service from every candidate location of `c`.
    fn services(&self, c: &Compute, side: &InstanceSide) -> Vec<ServiceReach> {
        let net = self.net;
        let subnets = net.link(c.placement.subnets);
        let locations: Vec<(usize, NodeId, Location)> = subnets
            .slots
            .iter()
            .enumerate()
            .flat_map(|(i, slot)| slot.options().iter().map(move |&s| (i, s, Location::of(net, s))))
            .collect();
        Service::SESSION.iter().map(|&s| self.service(c, side, &locations, s)).collect()
    }

    fn service(
        &self,
        c: &Compute,
        side: &InstanceSide,
        locations: &[(usize, NodeId, Location)],
        service: Service,
    ) -> ServiceReach {
        if locations.is_empty() {
            let why = if c.placement.default_vpc { Unplaced::DefaultVpc } else { Unplaced::Unresolved };
            let doubt = match why {
                Unplaced::DefaultVpc => {
                    "subnet_id is unset: the instance launches into the default VPC, which is not in the plan"
                        .to_string()
                }
                Unplaced::Unresolved | Unplaced::OutsidePlan => "the instance's subnet is not resolved".to_string(),
            };
            let hop = Hop {
                kind: HopKind::Subnet,
                outcome: Tri::Maybe,
                resources: Vec::new(),
                data: HopData::Unplaced { why, doubt },
            };
            let path = PathResult {
                outcome: Tri::Maybe,
                via: Via::None,
                endpoint: None,
                hops: vec![hop],
                bypassed: Vec::new(),
            };
            return ServiceReach {
                service,
                outcome: Tri::Maybe,
                path,
                location: None,
                blocked: None,
                also_blocked: Vec::new(),
                all: Vec::new(),
            };
        }
        let mut all = Vec::with_capacity(locations.len());
        let mut per_slot: FxHashMap<usize, Vec<Tri>> = FxHashMap::default();
        for (slot, subnet, loc) in locations {
            let p = path::path(self.net, side, loc, service);
            per_slot.entry(*slot).or_default().push(p.outcome);
            all.push(LocatedPath { slot: *slot, subnet: *subnet, path: p });
        }
        // A group launches into every subnet: all must work.
        let mut slots: Vec<(usize, Vec<Tri>)> = per_slot.into_iter().collect();
        slots.sort_by_key(|(s, _)| *s);
        let outcome = Tri::all(slots.into_iter().map(|(_, t)| Tri::agree(t)));
        let shown = all
            .iter()
            .find(|l| l.path.outcome == Tri::No)
            .or_else(|| all.iter().find(|l| l.path.outcome == Tri::Maybe))
            .unwrap_or(&all[0])
            .clone();
        let blocked = shown.path.blocking_hop().cloned().map(|h| {
            let certainty =
                if outcome == Tri::No { ServiceReach::certainty_of(&all, h.code()) } else { Certainty::Possible };
            (h, certainty)
        });
        // When the path itself is missing (name resolution, route, placement), its filters
        // would change with the fix: only a path that exists has other blockers to tell.
        let also_blocked = match &blocked {
            Some((first, _)) if outcome == Tri::No && !first.is_structural() => shown
                .path
                .hops
                .iter()
                .filter(|h| h.outcome == Tri::No && !h.is_structural() && h.kind != first.kind)
                .map(|h| (h.clone(), ServiceReach::certainty_of_failing(&all, h.code())))
                .collect(),
            _ => Vec::new(),
        };
        ServiceReach { service, outcome, path: shown.path, location: Some(shown.subnet), blocked, also_blocked, all }
    }
}
