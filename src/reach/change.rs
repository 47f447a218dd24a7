//! The plan as a change: each instance's verdict in the world before the plan (the plan's
//! `prior_state`, read with its configuration), and what its working paths stood on — so that
//! a verdict that gets worse can name what the plan deletes, replaces or changes under it.

use rustc_hash::FxHashMap;

use super::hop::HopData;
use super::{InstanceReach, Verdict};
use crate::network::Network;
use crate::network::graph::NodeId;

/// One instance before the plan.
#[derive(Debug, Clone)]
pub struct BeforeInstance {
    pub verdict: Verdict,
    /// The addresses of the resources its paths and checks passed through (the rules that
    /// allowed its traffic included), in order of first use.
    pub relied_on: Vec<String>,
}

/// Every instance of the world before the plan, by address.
#[derive(Debug, Clone, Default)]
pub struct Before {
    instances: FxHashMap<String, BeforeInstance>,
}

impl Before {
    pub fn of(net: &Network<'_, '_>, instances: &[InstanceReach]) -> Before {
        let mut out = FxHashMap::default();
        for inst in instances {
            let mut nodes: Vec<NodeId> = Vec::new();
            for s in &inst.services {
                for hop in s.all.iter().map(|l| &l.path).chain([&s.path]).flat_map(|p| &p.hops) {
                    nodes.extend(hop.resources.iter().copied());
                    if let HopData::Filter(f) = &hop.data {
                        nodes.extend(f.allowed_by.iter().copied());
                    }
                }
            }
            nodes.extend(inst.iam.involved.iter().copied());
            nodes.extend(inst.imds.holder);
            let mut relied_on: Vec<String> = Vec::new();
            for n in nodes {
                let name = net.name(n);
                if !relied_on.contains(&name) {
                    relied_on.push(name);
                }
            }
            out.insert(net.name(inst.node), BeforeInstance { verdict: inst.verdict(), relied_on });
        }
        Before { instances: out }
    }

    pub fn get(&self, address: &str) -> Option<&BeforeInstance> {
        self.instances.get(address)
    }
}
