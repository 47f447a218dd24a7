//! The typed network model: every AWS object Session Manager's path crosses, with typed
//! attributes (Terraform's defaults applied, unknowns kept as such) and every link resolved
//! in one graph. Built once per input; reachability and the rules read nothing else.

pub mod acl;
mod build;
pub mod compute;
pub mod dns;
pub mod endpoint;
pub mod export;
pub mod graph;
pub mod iam;
pub mod policy;
pub mod region;
pub mod routing;
pub mod security;
pub mod ssm;
pub mod traffic;
pub mod transit;
pub mod vpc;

use rustc_hash::FxHashMap;

use crate::model::{Kind, Model, ResId};
use crate::resolve::{LocalSource, Resolution, Resolved, Resolver, VpcDefault};
pub use acl::Nacl;
pub use compute::{Compute, ComputeKind};
pub use dns::HostedZone;
pub use endpoint::{Endpoint, EndpointType, Service};
pub use graph::{Graph, Link, LinkId, Node, NodeId};
pub use iam::{InstanceProfile, Permissions, Role};
pub use routing::{InternetGateway, Membership, NatGateway, RouteTable};
pub use security::SecurityGroup;
pub use vpc::{Subnet, Vpc};

/// One analysed input's network.
pub struct Network<'m, 'a> {
    model: &'m Model<'a>,
    pub graph: Graph,
    pub vpcs: FxHashMap<NodeId, Vpc>,
    pub subnets: FxHashMap<NodeId, Subnet>,
    pub route_tables: FxHashMap<NodeId, RouteTable>,
    pub acls: FxHashMap<NodeId, Nacl>,
    pub groups: FxHashMap<NodeId, SecurityGroup>,
    /// In resource order.
    pub endpoints: Vec<Endpoint>,
    pub nat_gateways: FxHashMap<NodeId, NatGateway>,
    pub internet_gateways: FxHashMap<NodeId, InternetGateway>,
    pub profiles: FxHashMap<NodeId, InstanceProfile>,
    pub roles: FxHashMap<NodeId, Role>,
    pub zones: Vec<HostedZone>,
    /// Instances, spot requests, autoscaling groups and node groups, in resource order.
    pub compute: Vec<Compute>,
    /// Resources that launch EC2 instances tfreach does not model (Batch, EMR, fleets, …).
    pub unmodelled: Vec<NodeId>,
    /// Session Manager preferences documents.
    pub session_preferences: Vec<ssm::SessionPreferences>,
    /// Default Host Management Configuration settings in the plan.
    pub host_management: Vec<ssm::HostManagement>,
    /// Transit gateways, their VPC attachments and route tables (a gateway's default route
    /// table keyed by the gateway's node).
    pub transit_gateways: FxHashMap<NodeId, transit::TransitGateway>,
    pub tgw_attachments: Vec<transit::TgwAttachment>,
    pub tgw_route_tables: FxHashMap<NodeId, transit::TgwRouteTable>,
    /// VPC peering connections.
    pub peerings: FxHashMap<NodeId, transit::Peering>,
    /// Managed prefix lists in the plan and their entries.
    pub prefix_lists: FxHashMap<NodeId, Vec<crate::model::Attr<ipnet::IpNet>>>,
    /// Endpoints by node.
    endpoint_index: FxHashMap<NodeId, usize>,
    /// Endpoints by the VPCs they may be in.
    endpoints_by_vpc: FxHashMap<NodeId, Vec<usize>>,
    /// Endpoints whose VPC is unknown.
    unplaced_endpoints: Vec<usize>,
}

/// How many runs of resources [`Network::build`] resolves one after the other.
const RUNS: usize = 4;

impl<'m, 'a> Network<'m, 'a> {
    /// Resolves every link of `model` and builds the typed network over it.
    pub fn build(model: &'m Model<'a>, locals: Option<&'m dyn LocalSource>) -> Network<'m, 'a> {
        let resolver = Resolver::new(model, locals);
        let mut builder = build::Builder::start(model);
        // Resolution runs in parallel, the graph takes links on one thread: each run of
        // resources is resolved while the graph takes the run before.
        let run = model.resources.len().div_ceil(RUNS).max(1);
        let mut resolved: Vec<Resolved> = Vec::with_capacity(RUNS);
        for resources in model.resources.chunks(run) {
            let (next, ()) = rayon::join(
                || Resolved::run(&resolver, resources),
                || resolved.last().into_iter().for_each(|last| builder.add(last)),
            );
            resolved.push(next);
        }
        if let Some(last) = resolved.last() {
            builder.add(last);
        }
        // What resolution leaves behind is freed on another thread while the objects are
        // built: the builder's steps mostly run on one.
        let (network, ()) = rayon::join(move || builder.build(), move || drop((resolved, resolver)));
        network
    }

    pub fn from_resolved(model: &'m Model<'a>, resolved: &Resolved) -> Network<'m, 'a> {
        build::build(model, resolved)
    }

    /// The resource a node stands for.
    pub fn resource(&self, n: NodeId) -> Option<ResId> {
        self.graph.resource(n)
    }

    pub fn node_of(&self, id: ResId) -> NodeId {
        self.graph.resource_node(id)
    }

    pub fn kind(&self, n: NodeId) -> Option<Kind> {
        self.resource(n).map(|id| self.model[id].kind)
    }

    /// Whether the node is a data source (an object read from AWS).
    pub fn is_data(&self, n: NodeId) -> bool {
        self.resource(n).is_some_and(|id| self.model[id].is_data())
    }

    /// `is read from AWS`, or, for a data source Terraform defers to apply (its arguments are
    /// unknown while planning), `is read only during apply`.
    pub fn read_from_aws(&self, n: NodeId) -> &'static str {
        match self.resource(n).map(|id| self.model[id].action()) {
            Some(crate::plan::Action::Read) => "is read only during apply, so what it returns is unknown until then",
            _ => "is read from AWS",
        }
    }

    /// The Terraform address of a resource node.
    pub fn address(&self, id: ResId) -> &'a str {
        self.model[id].address()
    }

    /// How a node is written in output: the resource address, the external id, or the VPC
    /// attribute that names the default (`aws_vpc.main.default_security_group_id`).
    pub fn name(&self, n: NodeId) -> String {
        match self.graph.weight(n) {
            Node::Resource(id) => self.address(*id).to_string(),
            Node::External(id) => id.clone(),
            Node::VpcDefault(what, vpc) => {
                let attr = match what {
                    VpcDefault::SecurityGroup => "default_security_group_id",
                    VpcDefault::RouteTable => "main_route_table_id",
                    VpcDefault::NetworkAcl => "default_network_acl_id",
                };
                format!("{}.{attr}", self.address(*vpc))
            }
            Node::Choice(_) => {
                let names: Vec<String> = self.graph.candidates(n).into_iter().map(|c| self.name(c)).collect();
                format!("one of {{{}}}", names.join(", "))
            }
        }
    }

    /// How a node reads in a sentence: the address, or "the main route table of
    /// aws_vpc.main" for a VPC's implicit default.
    pub fn describe(&self, n: NodeId) -> String {
        match self.graph.weight(n) {
            Node::VpcDefault(what, vpc) => format!("the {} of {}", what.label(), self.address(*vpc)),
            _ => self.name(n),
        }
    }

    /// The resource a node stands for in findings: a VPC default stands for its VPC.
    pub fn owner(&self, n: NodeId) -> Option<ResId> {
        match self.graph.weight(n) {
            Node::Resource(id) | Node::VpcDefault(_, id) => Some(*id),
            _ => None,
        }
    }

    pub fn link(&self, id: LinkId) -> &Link {
        self.graph.link(id)
    }

    /// The first top-level link of `kind` from `node` (an attribute the plan resolves, not a
    /// derived one), preferring one that is set.
    pub fn link_of(&self, node: NodeId, kind: crate::resolve::LinkKind) -> Option<LinkId> {
        let of_kind: Vec<LinkId> = self
            .graph
            .links_of(node)
            .into_iter()
            .filter(|l| self.graph.link_data(*l).key.kind == kind && self.graph.link_data(*l).key.block.is_none())
            .collect();
        of_kind.iter().copied().find(|l| !self.link(*l).unset && !self.link(*l).is_empty()).or(of_kind.first().copied())
    }

    /// The names of a link's targets, joined (`a, b`, or `one of {a, b}`).
    pub fn names(&self, id: LinkId) -> String {
        let link = self.link(id);
        let parts: Vec<String> = link
            .slots
            .iter()
            .map(|s| {
                let n: Vec<String> = s.options().iter().map(|t| self.describe(*t)).collect();
                if n.len() == 1 { n[0].clone() } else { format!("one of {{{}}}", n.join(", ")) }
            })
            .collect();
        if parts.is_empty() {
            if link.resolution == Resolution::Unresolved { "(unresolved)".into() } else { "(none)".into() }
        } else {
            parts.join(", ")
        }
    }

    pub fn endpoint(&self, node: NodeId) -> Option<&Endpoint> {
        self.endpoint_index.get(&node).map(|&i| &self.endpoints[i])
    }

    /// The interface endpoints (or gateway endpoints) of `service` that may be in one of
    /// `vpcs`, and those whose VPC is unknown — every one when `vpcs` is empty.
    pub fn endpoints_for(&self, service: Service, vpcs: &[NodeId]) -> Vec<&Endpoint> {
        let mut positions: Vec<usize> = if vpcs.is_empty() {
            (0..self.endpoints.len()).collect()
        } else {
            let mut p = self.unplaced_endpoints.clone();
            for v in vpcs {
                p.extend(self.endpoints_by_vpc.get(v).into_iter().flatten());
            }
            p
        };
        positions.sort_unstable();
        positions.dedup();
        positions.into_iter().map(|i| &self.endpoints[i]).filter(|e| e.serves(service)).collect()
    }

    /// Whether `link` names `node`: for certain (a decided slot), maybe (a slot of
    /// candidates), or not.
    pub fn link_names(&self, link: LinkId, node: NodeId) -> crate::tri::Tri {
        use crate::tri::Tri;
        Tri::any(self.link(link).slots.iter().map(|s| match (s.options().contains(&node), s.options().len()) {
            (false, _) => Tri::No,
            (true, 1) => Tri::Yes,
            (true, _) => Tri::Maybe,
        }))
    }

    /// The model the network was built from (for the engine; reachability and rules read
    /// the network).
    pub fn model(&self) -> &'m Model<'a> {
        self.model
    }
}

/// The resolution counts of the links the issue tracker follows, per link.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ResolutionCounts {
    pub known: usize,
    pub reference: usize,
    pub candidates: usize,
    pub unresolved: usize,
    /// Links the configuration leaves unset (AWS decides, e.g. the default VPC).
    pub unset: usize,
}

impl ResolutionCounts {
    pub fn add(&mut self, link: &Link) {
        if link.unset && link.is_empty() {
            self.unset += 1;
            return;
        }
        match link.resolution {
            Resolution::Known => self.known += 1,
            Resolution::Reference => self.reference += 1,
            Resolution::Candidates => self.candidates += 1,
            Resolution::Unresolved => self.unresolved += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::plan::{SourceFile, load};

    /// The links of a graph in the order they were added: where from, which attribute, and
    /// what they hold.
    fn links(net: &Network<'_, '_>) -> Vec<String> {
        net.graph.links().map(|(id, d)| format!("{:?} {:?} {:?}", d.from, d.key, net.graph.link(id))).collect()
    }

    #[test]
    fn resolving_in_runs_builds_the_graph_resolving_at_once_builds() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/module_stack/plan.json");
        let source = SourceFile::read(path).expect("the module_stack fixture");
        let doc = load(&source).expect("a plan");
        let model = Model::build(&doc);
        assert!(model.resources.len() > RUNS, "enough resources for several runs");
        let in_runs = Network::build(&model, None);
        let resolver = Resolver::new(&model, None);
        let at_once = Network::from_resolved(&model, &Resolved::all(&resolver));
        assert!(!links(&at_once).is_empty());
        assert_eq!(links(&in_runs), links(&at_once));
        assert_eq!(in_runs.graph.graph.node_count(), at_once.graph.graph.node_count());
        assert_eq!(
            serde_json::to_string(&in_runs.to_json()).unwrap(),
            serde_json::to_string(&at_once.to_json()).unwrap()
        );
    }
}
