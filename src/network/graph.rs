//! The network graph: every resource, external identifier and VPC default as a node; every
//! resolved link — top-level attributes, attributes inside blocks, and the links the network
//! derives (a subnet's route table, an instance's subnets through its launch template) — as
//! edges. Reachability reads links only from here, so `tfreach graph` shows exactly what a
//! verdict stood on.
//!
//! A link's candidate set ("one of these subnets") is one `Choice` node shared by every link
//! with the same candidates: the graph stays linear in the plan even when thousands of
//! links have the same thousand candidates.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::hash_table::{Entry, HashTable};
use petgraph::Direction as PgDirection;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use rustc_hash::{FxBuildHasher, FxHashMap};
use smallvec::smallvec;

use crate::model::ResId;
use crate::resolve::{Link as ResolvedLink, LinkKey, LinkKind, Resolution, Slot, Target, VpcDefault};

/// A node of the graph.
pub type NodeId = NodeIndex<u32>;

/// A link over graph nodes.
pub type Link = ResolvedLink<NodeId>;

/// What a node stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// A resource in the plan; its node index is its [`ResId`]'s.
    Resource(ResId),
    /// An identifier the plan names but no resource in it carries, e.g. an existing subnet.
    External(String),
    /// A VPC's default security group, main route table or default network ACL.
    VpcDefault(VpcDefault, ResId),
    /// One of the options of an interned candidate set.
    Choice(SetId),
}

/// An interned link content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetId(u32);

/// A link of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkId(u32);

/// Which attribute links `from` to the link's targets.
#[derive(Debug, Clone)]
pub struct LinkData {
    pub from: NodeId,
    pub key: LinkKey,
    pub set: SetId,
}

/// An edge: a slot of a link, or a candidate of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Slot { link: LinkId, slot: u32 },
    Candidate,
}

#[derive(Default)]
pub struct Graph {
    pub graph: DiGraph<Node, Edge, u32>,
    links: Vec<LinkData>,
    sets: Vec<Link>,
    /// `sets` by content, each stored once: the table holds ids, hashed by their content.
    set_ids: HashTable<SetId>,
    others: FxHashMap<Node, NodeId>,
    choices: FxHashMap<(SetId, u32), NodeId>,
    /// Large shared option lists of resolution, by address, as graph nodes: a candidate
    /// set that thousands of links share is mapped and interned once.
    mapped: FxHashMap<usize, Arc<[NodeId]>>,
    shared_sets: FxHashMap<SharedShape, SetId>,
}

/// A link whose one slot is a large shared list, told by the list's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SharedShape {
    options: usize,
    resolution: Resolution,
    unset: bool,
    dead_ends: Vec<String>,
    fallback: Option<String>,
}

/// Option lists at least this long are shared rather than copied.
const SHARED: usize = 16;

impl Graph {
    /// A graph with one node per resource, in resource order.
    pub fn with_resources(count: usize) -> Graph {
        let mut graph = DiGraph::with_capacity(count, count * 2);
        for i in 0..count {
            graph.add_node(Node::Resource(ResId::new(i)));
        }
        Graph { graph, ..Graph::default() }
    }

    pub fn resource_node(&self, id: ResId) -> NodeId {
        NodeIndex::new(id.index())
    }

    /// The node of a resolution target, added when new.
    pub fn node(&mut self, t: &Target) -> NodeId {
        match t {
            Target::Resource(id) => self.resource_node(*id),
            Target::External(s) => self.other(Node::External(s.clone())),
            Target::VpcDefault(what, vpc) => self.other(Node::VpcDefault(*what, *vpc)),
        }
    }

    fn other(&mut self, n: Node) -> NodeId {
        if let Some(&id) = self.others.get(&n) {
            return id;
        }
        let id = self.graph.add_node(n.clone());
        self.others.insert(n, id);
        id
    }

    /// The existing node of a VPC default, when some link named it.
    pub fn vpc_default(&self, what: VpcDefault, vpc: ResId) -> Option<NodeId> {
        self.others.get(&Node::VpcDefault(what, vpc)).copied()
    }

    /// A VPC default's node, added when new.
    pub fn vpc_default_node(&mut self, what: VpcDefault, vpc: ResId) -> NodeId {
        self.other(Node::VpcDefault(what, vpc))
    }

    pub fn weight(&self, n: NodeId) -> &Node {
        &self.graph[n]
    }

    /// The resource a node stands for, when it is one.
    pub fn resource(&self, n: NodeId) -> Option<ResId> {
        match self.graph[n] {
            Node::Resource(id) => Some(id),
            _ => None,
        }
    }

    /// Adds a resolved link of `from`.
    pub fn add_resolved(&mut self, from: NodeId, key: LinkKey, link: &ResolvedLink) -> LinkId {
        if let [slot] = link.slots.as_slice()
            && slot.options().len() >= SHARED
        {
            let ptr = slot.options().as_ptr() as usize;
            let options = match self.mapped.get(&ptr) {
                Some(o) => Arc::clone(o),
                None => {
                    let o: Arc<[NodeId]> = slot.options().iter().map(|t| self.node(t)).collect::<Vec<_>>().into();
                    self.mapped.insert(ptr, Arc::clone(&o));
                    o
                }
            };
            let content = Link {
                resolution: link.resolution,
                slots: smallvec![Slot::shared(options)],
                unset: link.unset,
                dead_ends: link.dead_ends.clone(),
                fallback: link.fallback.clone(),
            };
            let set = self.intern(content);
            return self.add_set(from, key, set);
        }
        let link = link.map(|t| self.node(t));
        self.add(from, key, link)
    }

    /// Adds a link of `from` over graph nodes, sharing the content with equal links.
    pub fn add(&mut self, from: NodeId, key: LinkKey, link: Link) -> LinkId {
        let set = self.intern(link);
        self.add_set(from, key, set)
    }

    fn add_set(&mut self, from: NodeId, key: LinkKey, set: SetId) -> LinkId {
        let id = LinkId(u32::try_from(self.links.len()).expect("fewer than 2^32 links"));
        self.links.push(LinkData { from, key, set });
        for slot in 0..self.sets[set.0 as usize].slots.len() {
            let to = match self.sets[set.0 as usize].slots[slot].options() {
                [only] => *only,
                _ => self.choice(set, slot),
            };
            self.graph.add_edge(from, to, Edge::Slot { link: id, slot: slot as u32 });
        }
        id
    }

    fn intern(&mut self, link: Link) -> SetId {
        // A large shared list is told by its address: hashing its content for every link
        // that shares it would cost its length each time.
        let shape = match link.slots.as_slice() {
            [slot] if slot.options().len() >= SHARED => Some(SharedShape {
                options: slot.options().as_ptr() as usize,
                resolution: link.resolution,
                unset: link.unset,
                dead_ends: link.dead_ends.clone(),
                fallback: link.fallback.clone(),
            }),
            _ => None,
        };
        if let Some(&id) = shape.as_ref().and_then(|s| self.shared_sets.get(s)) {
            return id;
        }
        let hash = FxBuildHasher.hash_one(&link);
        let sets = &self.sets;
        let id = match self.set_ids.entry(
            hash,
            |id| sets[id.0 as usize] == link,
            |id| FxBuildHasher.hash_one(&sets[id.0 as usize]),
        ) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let id = SetId(u32::try_from(sets.len()).expect("fewer than 2^32 sets"));
                e.insert(id);
                self.sets.push(link);
                id
            }
        };
        if let Some(s) = shape {
            self.shared_sets.insert(s, id);
        }
        id
    }

    /// The node standing for slot `slot` of set `set`, whose options are several.
    fn choice(&mut self, set: SetId, slot: usize) -> NodeId {
        let key = (set, slot as u32);
        if let Some(&n) = self.choices.get(&key) {
            return n;
        }
        let n = self.graph.add_node(Node::Choice(set));
        let options = self.sets[set.0 as usize].slots[slot].options().to_vec();
        for o in options {
            self.graph.add_edge(n, o, Edge::Candidate);
        }
        self.choices.insert(key, n);
        n
    }

    /// The link's content: its slots of candidate nodes and how it was resolved.
    pub fn link(&self, id: LinkId) -> &Link {
        &self.sets[self.links[id.0 as usize].set.0 as usize]
    }

    pub fn link_data(&self, id: LinkId) -> &LinkData {
        &self.links[id.0 as usize]
    }

    /// The interned content of a link: equal candidate sets have equal ids.
    pub fn set_of(&self, id: LinkId) -> SetId {
        self.links[id.0 as usize].set
    }

    pub fn links(&self) -> impl Iterator<Item = (LinkId, &LinkData)> {
        self.links.iter().enumerate().map(|(i, d)| (LinkId(i as u32), d))
    }

    /// The links of `from`, in the order they were added.
    pub fn links_of(&self, from: NodeId) -> Vec<LinkId> {
        let mut ids: Vec<LinkId> = self
            .graph
            .edges_directed(from, PgDirection::Outgoing)
            .filter_map(|e| match e.weight() {
                Edge::Slot { link, .. } => Some(*link),
                Edge::Candidate => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The options of a choice node.
    pub fn candidates(&self, choice: NodeId) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = self
            .graph
            .edges_directed(choice, PgDirection::Outgoing)
            .filter(|e| *e.weight() == Edge::Candidate)
            .map(|e| e.target())
            .collect();
        out.sort_unstable();
        out
    }

    /// Who links to `to` with a link of `kind`: each source with the link and whether the
    /// link names `to` for certain (rather than as one of several candidates).
    pub fn pointing(&self, to: NodeId, kind: LinkKind) -> Vec<Pointer> {
        let mut out = Vec::new();
        for e in self.graph.edges_directed(to, PgDirection::Incoming) {
            match *e.weight() {
                Edge::Slot { link, .. } if self.link_data(link).key.kind == kind => {
                    let certain = self.link(link).resolution != Resolution::Candidates;
                    out.push(Pointer { from: e.source(), link, certain });
                }
                Edge::Candidate => {
                    for c in self.graph.edges_directed(e.source(), PgDirection::Incoming) {
                        if let Edge::Slot { link, .. } = *c.weight()
                            && self.link_data(link).key.kind == kind
                        {
                            out.push(Pointer { from: c.source(), link, certain: false });
                        }
                    }
                }
                _ => {}
            }
        }
        out.sort_by_key(|p| (p.from, p.link));
        out.dedup_by_key(|p| (p.from, p.link));
        out
    }
}

/// A link that points at a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pointer {
    pub from: NodeId,
    pub link: LinkId,
    pub certain: bool,
}

/// A link of candidates over `options`, one slot.
pub fn one_of(options: Vec<NodeId>, resolution: Resolution) -> Link {
    if options.is_empty() {
        return Link::known_empty();
    }
    let resolution = if options.len() > 1 { resolution.max(Resolution::Candidates) } else { resolution };
    Link { resolution, slots: smallvec![Slot::new(options)], unset: false, dead_ends: Vec::new(), fallback: None }
}
