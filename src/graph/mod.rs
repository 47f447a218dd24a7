//! The network graph: resources as nodes, resolved links as edges, plus the composed views
//! of instances and endpoints that reachability and reports use.

pub mod export;
pub mod views;

use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::FxHashMap;

use crate::model::{Kind, Model, ResId};
use crate::resolve::{LinkKind, LocalSource, Resolution, Resolved, Resolver, Target, VpcDefault};

/// A node: a resource in the plan, an identifier the plan names but does not manage, or a
/// VPC's implicit default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    Resource(ResId),
    External(String),
    VpcDefault(VpcDefault, ResId),
}

/// An edge: which attribute links the two nodes and how the link was resolved.
#[derive(Debug, Clone)]
pub struct Edge {
    pub kind: LinkKind,
    /// The attribute's path: block names, then the attribute (see [`Edge::attribute`]).
    pub path: &'static [&'static str],
    pub resolution: Resolution,
    /// How many candidates share the slot this edge belongs to (1 when decided).
    pub candidates: usize,
}

impl Edge {
    /// The attribute as written in output: `ingress.security_groups`.
    pub fn attribute(&self) -> String {
        self.path.join(".")
    }
}

/// The resolved network of one document.
pub struct Network<'m, 'a> {
    pub model: &'m Model<'a>,
    pub resolver: Resolver<'m, 'a>,
    pub resolved: Resolved,
    pub graph: DiGraph<Node, Edge>,
    /// The nodes of modelled resources, by resource id.
    resource_nodes: Vec<Option<NodeIndex>>,
    /// The other nodes: external identifiers and VPC defaults.
    other_nodes: FxHashMap<Node, NodeIndex>,
    /// Who links to a target, by link kind: the associations of an endpoint, the Elastic IPs
    /// of an instance, the policy attachments of a role.
    pointing: FxHashMap<(LinkKind, Target), Vec<ResId>>,
}

impl<'m, 'a> Network<'m, 'a> {
    pub fn build(model: &'m Model<'a>, locals: Option<&'m dyn LocalSource>) -> Self {
        let resolver = Resolver::new(model, locals);
        let resolved = Resolved::all(&resolver);
        let mut graph = DiGraph::new();
        let resource_nodes: Vec<Option<NodeIndex>> = model
            .resources
            .iter()
            .map(|r| (r.kind != Kind::Other).then(|| graph.add_node(Node::Resource(r.id))))
            .collect();
        let mut other_nodes = FxHashMap::default();
        let mut pointing: FxHashMap<(LinkKind, Target), Vec<ResId>> = FxHashMap::default();
        for r in model.resources.iter().filter(|r| r.kind != Kind::Other) {
            let from = resource_nodes[r.id].expect("modelled resources have nodes");
            for (kind, path, link) in &resolved.links[r.id] {
                for slot in &link.slots {
                    for t in &slot.options {
                        let sources = pointing.entry((*kind, t.clone())).or_default();
                        if sources.last() != Some(&r.id) {
                            sources.push(r.id);
                        }
                        let resource_node = match t {
                            Target::Resource(id) => resource_nodes[*id],
                            _ => None,
                        };
                        let to = match resource_node {
                            Some(node) => node,
                            None => {
                                let node = node_of(t);
                                *other_nodes.entry(node.clone()).or_insert_with(|| graph.add_node(node))
                            }
                        };
                        let edge =
                            Edge { kind: *kind, path, resolution: link.resolution, candidates: slot.options.len() };
                        graph.add_edge(from, to, edge);
                    }
                }
            }
        }
        Network { model, resolver, resolved, graph, resource_nodes, other_nodes, pointing }
    }

    /// The resources whose link of `kind` may point at `target`.
    pub fn pointing_at(&self, kind: LinkKind, target: &Target) -> &[ResId] {
        self.pointing.get(&(kind, target.clone())).map_or(&[], Vec::as_slice)
    }

    pub fn node(&self, n: &Node) -> Option<NodeIndex> {
        match n {
            Node::Resource(id) => {
                self.resource_nodes.get(*id).copied().flatten().or_else(|| self.other_nodes.get(n).copied())
            }
            other => self.other_nodes.get(other).copied(),
        }
    }

    /// How a target is written in output: the resource address, the external id, or the
    /// VPC attribute that names the default (`aws_vpc.main.default_security_group_id`).
    pub fn name(&self, t: &Target) -> String {
        match t {
            Target::Resource(id) => self.model.resources[*id].address().to_string(),
            Target::External(id) => id.clone(),
            Target::VpcDefault(what, vpc) => {
                let attr = match what {
                    VpcDefault::SecurityGroup => "default_security_group_id",
                    VpcDefault::RouteTable => "main_route_table_id",
                    VpcDefault::NetworkAcl => "default_network_acl_id",
                };
                format!("{}.{attr}", self.model.resources[*vpc].address())
            }
        }
    }

    /// How a target reads in a sentence: the address, or "the main route table of
    /// aws_vpc.main" for a VPC's implicit default.
    pub fn describe(&self, t: &Target) -> String {
        match t {
            Target::VpcDefault(what, vpc) => {
                format!("the {} of {}", what.label(), self.model.resources[*vpc].address())
            }
            other => self.name(other),
        }
    }

    pub fn node_name(&self, n: &Node) -> String {
        self.name(&target_of(n))
    }
}

pub fn node_of(t: &Target) -> Node {
    match t {
        Target::Resource(id) => Node::Resource(*id),
        Target::External(s) => Node::External(s.clone()),
        Target::VpcDefault(w, v) => Node::VpcDefault(*w, *v),
    }
}

pub fn target_of(n: &Node) -> Target {
    match n {
        Node::Resource(id) => Target::Resource(*id),
        Node::External(s) => Target::External(s.clone()),
        Node::VpcDefault(w, v) => Target::VpcDefault(*w, *v),
    }
}
