//! Walks over reachability results that several rules share.

use std::collections::BTreeMap;

use super::RuleContext;
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::{Certainty, Code, Hop, InstanceReach, PathResult, Tri};

/// Route failures that leave an instance without any path when no endpoint serves it.
pub const NO_ROUTE: &[Code] = &[
    Code::NoRouteToInternet,
    Code::IgwWithoutPublicIp,
    Code::NatWithoutInternet,
    Code::NatInstanceCannotForward,
    Code::NoRouteToDestination,
];

/// No endpoint in the VPC serves the instance's region for this service: none at all, or
/// only endpoints for another region (SSM008 explains those). Endpoints that DNS bypasses
/// for other reasons are SSM003's and SSM004's.
pub fn serves_nothing(path: &PathResult) -> bool {
    path.bypassed.iter().all(|(_, code)| *code == Code::EndpointRegionMismatch)
}

/// The services among `services` whose blocking hop — or another failing hop of the path
/// shown — has one of `codes`, with the hop and how certain it is.
pub fn blocked_services(inst: &InstanceReach, services: &[Service], codes: &[Code]) -> Vec<(Service, Hop, Certainty)> {
    inst.services
        .iter()
        .filter(|s| services.contains(&s.service) && s.outcome != Tri::Yes)
        .filter_map(|s| {
            s.blockers().find_map(|(hop, certainty)| {
                let code = hop.code()?;
                (codes.contains(&code) && (hop.outcome == Tri::No || *certainty == Certainty::Possible))
                    .then(|| (s.service, hop.clone(), *certainty))
            })
        })
        .collect()
}

/// One instance's service that depends on something, with how certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub instance: NodeId,
    pub service: Service,
    pub certainty: Certainty,
}

/// Endpoints that DNS bypasses for `code` while the service stays unreachable, with the
/// instances and services that depend on them.
pub fn bypassed_endpoints(ctx: &RuleContext<'_, '_, '_, '_>, code: Code) -> BTreeMap<NodeId, Vec<Hit>> {
    let mut by_endpoint: BTreeMap<NodeId, Vec<Hit>> = BTreeMap::new();
    for inst in ctx.instances {
        for s in inst.services.iter().filter(|s| s.outcome != Tri::Yes) {
            let certainty = if s.outcome == Tri::No { Certainty::Definite } else { Certainty::Possible };
            for p in s.all.iter().map(|l| &l.path).filter(|p| p.outcome != Tri::Yes) {
                for (endpoint, c) in &p.bypassed {
                    if *c != code {
                        continue;
                    }
                    let entry = by_endpoint.entry(*endpoint).or_default();
                    if !entry.iter().any(|h| h.instance == inst.node && h.service == s.service) {
                        entry.push(Hit { instance: inst.node, service: s.service, certainty });
                    }
                }
            }
        }
    }
    by_endpoint
}

/// `ssm and ssmmessages`, `ssm, ssmmessages and ec2messages`.
pub fn service_list(services: &[Service]) -> String {
    let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
    and_list(&names)
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            format!("{} and {}", init.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", "), last.as_ref())
        }
    }
}

/// Definite only when every part is.
pub fn overall(certainties: impl IntoIterator<Item = Certainty>) -> Certainty {
    if certainties.into_iter().all(|c| c == Certainty::Definite) { Certainty::Definite } else { Certainty::Possible }
}

/// Items in first-seen order without repeats.
pub fn dedup<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The addresses of nodes, joined with `, `.
pub fn names(net: &Network<'_, '_>, nodes: &[NodeId]) -> String {
    nodes.iter().map(|n| net.describe(*n)).collect::<Vec<_>>().join(", ")
}
