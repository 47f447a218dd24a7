//! Building the typed network from a model and its resolved links: graph first, then each
//! kind of object, then the links the network derives from others (through associations,
//! launch templates, network interfaces), each added to the graph.

mod compute;
mod filters;
mod iam;
mod placement;
mod transit;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::smallvec;

use super::Network;
use super::graph::{Graph, Link, LinkId, NodeId};
use crate::model::{Kind, Model, ResId, Resource};
use crate::plan::Action;
use crate::resolve::{LinkKey, LinkKind, Resolution, Resolved, Slot, Slots, VpcDefault};

pub(super) fn build<'m, 'a>(model: &'m Model<'a>, resolved: &Resolved) -> Network<'m, 'a> {
    Builder::new(model, resolved).build()
}

/// The paths of derived links, as `tfreach graph` names them.
pub(super) mod derived {
    pub const ROUTE_TABLE: &[&str] = &["route_table"];
    pub const NETWORK_ACL: &[&str] = &["network_acl"];
    pub const SUBNETS: &[&str] = &["subnets"];
    pub const SECURITY_GROUPS: &[&str] = &["security_groups"];
    pub const ROUTE_TABLES: &[&str] = &["route_tables"];
    pub const VPC: &[&str] = &["vpc"];
    pub const INSTANCE_PROFILE: &[&str] = &["instance_profile"];
    pub const LAUNCH_SPEC: &[&str] = &["launch_spec"];
}

pub(super) struct Builder<'m, 'a> {
    model: &'m Model<'a>,
    net: Network<'m, 'a>,
    /// Every resource's resolved links, by key, in resource order: resource `i`'s are
    /// `res_links[res_starts[i]..res_starts[i + 1]]`.
    res_links: Vec<(LinkKey, LinkId)>,
    res_starts: Vec<u32>,
}

impl<'m, 'a> Builder<'m, 'a> {
    /// The graph of every resolved link; what follows reads no more of `resolved`.
    pub(super) fn new(model: &'m Model<'a>, resolved: &Resolved) -> Builder<'m, 'a> {
        let mut b = Builder::start(model);
        b.add(resolved);
        b
    }

    /// A graph of the model's resources, without links yet.
    pub(super) fn start(model: &'m Model<'a>) -> Builder<'m, 'a> {
        let graph = Graph::with_resources(model.resources.len());
        let mut res_starts = Vec::with_capacity(model.resources.len() + 1);
        res_starts.push(0);
        let net = Network {
            model,
            graph,
            vpcs: FxHashMap::default(),
            subnets: FxHashMap::default(),
            route_tables: FxHashMap::default(),
            acls: FxHashMap::default(),
            groups: FxHashMap::default(),
            endpoints: Vec::new(),
            nat_gateways: FxHashMap::default(),
            internet_gateways: FxHashMap::default(),
            profiles: FxHashMap::default(),
            roles: FxHashMap::default(),
            zones: Vec::new(),
            compute: Vec::new(),
            unmodelled: Vec::new(),
            prefix_lists: FxHashMap::default(),
            session_preferences: Vec::new(),
            host_management: Vec::new(),
            transit_gateways: FxHashMap::default(),
            tgw_attachments: Vec::new(),
            tgw_route_tables: FxHashMap::default(),
            peerings: FxHashMap::default(),
            endpoint_index: FxHashMap::default(),
            endpoints_by_vpc: FxHashMap::default(),
            unplaced_endpoints: Vec::new(),
        };
        Builder { model, net, res_links: Vec::new(), res_starts }
    }

    /// Adds the links of the next resources, which `resolved` holds, in resource order.
    pub(super) fn add(&mut self, resolved: &Resolved) {
        for id in resolved.ids() {
            debug_assert_eq!(self.res_starts.len(), id.index() + 1, "runs are added in resource order");
            let from = self.net.graph.resource_node(id);
            for (key, link) in resolved.of(id) {
                let link_id = self.net.graph.add_resolved(from, *key, link);
                self.res_links.push((*key, link_id));
            }
            self.res_starts.push(u32::try_from(self.res_links.len()).expect("fewer than 2^32 links"));
        }
    }

    /// Each kind of object, then the links the network derives from others.
    pub(super) fn build(mut self) -> Network<'m, 'a> {
        self.vpcs_and_subnets();
        self.route_tables();
        self.subnet_route_tables();
        self.acls();
        self.subnet_acls();
        self.security_groups();
        self.gateways();
        self.transit();
        self.prefix_lists();
        self.endpoints();
        self.iam();
        self.zones();
        self.session_preferences();
        self.compute();
        self.finish()
    }

    fn finish(mut self) -> Network<'m, 'a> {
        for (i, e) in self.net.endpoints.iter().enumerate() {
            self.net.endpoint_index.insert(e.node, i);
            let vpcs = e.vpc.map(|l| self.net.graph.link(l).targets().into_iter().copied().collect::<Vec<_>>());
            match vpcs {
                Some(v) if !v.is_empty() => {
                    for vpc in v {
                        self.net.endpoints_by_vpc.entry(vpc).or_default().push(i);
                    }
                }
                _ => self.net.unplaced_endpoints.push(i),
            }
        }
        self.net
    }

    fn session_preferences(&mut self) {
        for r in self.managed(Kind::SsmDocument).into_iter().filter(|r| super::ssm::is_preferences(r)) {
            let prefs = super::ssm::SessionPreferences { node: self.node(r.id), needs: super::ssm::needs(r) };
            self.net.session_preferences.push(prefs);
        }
        for r in self.managed(Kind::SsmServiceSetting).into_iter().filter(|r| super::ssm::is_host_management(r)) {
            let region = super::ssm::setting_region(r).or_else(|| super::region::region_of(self.model, r));
            let setting =
                super::ssm::HostManagement { node: self.node(r.id), role: self.link(r.id, LinkKind::Role), region };
            self.net.host_management.push(setting);
        }
    }

    /// Managed resources of `kind` that exist after the plan.
    fn managed(&self, kind: Kind) -> Vec<&'m Resource<'a>> {
        self.model
            .of_kind(kind)
            .iter()
            .map(|&id| &self.model[id])
            .filter(|r| !r.is_data() && r.action() != Action::Delete)
            .collect()
    }

    /// Each of `resources` with its node and what `read` makes of it, in order. The reads
    /// run in parallel: each looks only at its own resource and the graph as it stands.
    fn read_each<T: Send>(
        &self,
        resources: &[&'m Resource<'a>],
        read: impl Fn(&'m Resource<'a>, NodeId) -> T + Sync,
    ) -> Vec<(NodeId, T)> {
        resources
            .par_iter()
            .map(|&r| {
                let node = self.node(r.id);
                (node, read(r, node))
            })
            .collect()
    }

    /// Resources of `kind`, managed or data.
    fn all_of(&self, kind: Kind) -> Vec<&'m Resource<'a>> {
        self.model.of_kind(kind).iter().map(|&id| &self.model[id]).collect()
    }

    /// The resolved links of `res`, by key.
    fn links_of(&self, res: ResId) -> &[(LinkKey, LinkId)] {
        let i = res.index();
        &self.res_links[self.res_starts[i] as usize..self.res_starts[i + 1] as usize]
    }

    fn node(&self, id: ResId) -> NodeId {
        self.net.graph.resource_node(id)
    }

    /// The first top-level link of `kind` on `res` that is set, or the first of that kind.
    fn link(&self, res: ResId, kind: LinkKind) -> Option<LinkId> {
        let g = &self.net.graph;
        self.top_level(res, kind)
            .find(|l| !g.link(*l).unset && !g.link(*l).is_empty())
            .or_else(|| self.top_level(res, kind).next())
    }

    /// Every top-level link of `kind` on `res`.
    fn links(&self, res: ResId, kind: LinkKind) -> Vec<LinkId> {
        self.top_level(res, kind).collect()
    }

    /// The top-level (not in a block) links of `kind` on `res`, in order.
    fn top_level(&self, res: ResId, kind: LinkKind) -> impl Iterator<Item = LinkId> + '_ {
        self.links_of(res).iter().filter(move |(k, _)| k.kind == kind && k.block.is_none()).map(|(_, l)| *l)
    }

    /// The link at `path` (block names, then the attribute) of `res`, across blocks.
    fn link_at(&self, res: ResId, path: &[&str]) -> Option<LinkId> {
        self.links_of(res).iter().find(|(k, _)| k.block.is_none() && k.path == path).map(|(_, l)| *l)
    }

    /// The link of attribute `attr` in block `index` of `block`.
    fn block_link(&self, res: ResId, block: &str, index: usize, attr: &str) -> Option<LinkId> {
        self.links_of(res)
            .iter()
            .find(|(k, _)| k.block == Some(index as u32) && k.path == [block, attr])
            .map(|(_, l)| *l)
    }

    fn targets(&self, l: LinkId) -> Vec<NodeId> {
        self.net.graph.link(l).targets().into_iter().copied().collect()
    }

    /// Adds a link the network derives, from `from`.
    fn derive(&mut self, from: NodeId, path: &'static [&'static str], link: Link) -> LinkId {
        self.net.graph.add(from, LinkKey { kind: LinkKind::Derived, path, block: None }, link)
    }

    /// A VPC's implicit default, with the typed object that stands for AWS's defaults.
    fn vpc_default(&mut self, what: VpcDefault, vpc: ResId) -> NodeId {
        let n = self.net.graph.vpc_default_node(what, vpc);
        match what {
            VpcDefault::SecurityGroup => {
                self.net.groups.entry(n).or_insert_with(super::SecurityGroup::aws_default);
            }
            VpcDefault::RouteTable => {
                self.net.route_tables.entry(n).or_default();
            }
            VpcDefault::NetworkAcl => {
                self.net.acls.entry(n).or_insert_with(|| super::Nacl::aws_default(n));
            }
        }
        n
    }

    /// The group of a VPC's default security group: `aws_default_security_group` when it
    /// manages it, else the implicit one.
    fn default_group_of(&mut self, vpc: NodeId) -> NodeId {
        let managed = self
            .net
            .graph
            .pointing(vpc, LinkKind::Vpc)
            .into_iter()
            .find(|p| self.net.kind(p.from) == Some(Kind::DefaultSecurityGroup) && !self.net.is_data(p.from));
        match (managed, self.net.graph.resource(vpc)) {
            (Some(p), _) => p.from,
            (None, Some(v)) => self.vpc_default(VpcDefault::SecurityGroup, v),
            (None, None) => vpc,
        }
    }

    /// A network interface created without security groups gets its VPC's default group.
    fn default_group_if_unset(&mut self, groups: Link, vpc: &Link) -> Link {
        if !(groups.unset || (groups.is_empty() && groups.resolution == Resolution::Known)) {
            return groups;
        }
        let vpcs: Vec<NodeId> = vpc.targets().into_iter().copied().collect();
        if vpcs.is_empty() {
            return groups;
        }
        let options: Vec<NodeId> = vpcs
            .into_iter()
            .map(|v| if self.net.graph.resource(v).is_some() { self.default_group_of(v) } else { v })
            .collect();
        let resolution = if options.len() > 1 { Resolution::Candidates } else { vpc.resolution };
        Link { resolution, slots: smallvec![Slot::new(options)], unset: true, dead_ends: Vec::new(), fallback: None }
    }

    /// Follows `outer` and then, from each of its resource targets, `inner`.
    fn through(&self, outer: &Link, inner: impl Fn(&Self, NodeId) -> Option<Link>) -> Link {
        // Candidates that all lead to the same place decide it: only the outer link's own
        // doubts (fallbacks, dead ends) and the inner links' carry over.
        let mut resolution =
            if outer.resolution == Resolution::Candidates && outer.fallback.is_none() && outer.dead_ends.is_empty() {
                Resolution::Reference
            } else {
                outer.resolution
            };
        let mut out = Link {
            resolution,
            slots: Slots::new(),
            unset: false,
            dead_ends: outer.dead_ends.clone(),
            fallback: outer.fallback.clone(),
        };
        let mut seen: FxHashSet<Vec<NodeId>> = FxHashSet::default();
        let mut any_set = false;
        for slot in &outer.slots {
            let mut options: Vec<NodeId> = Vec::new();
            let mut option_seen: FxHashSet<NodeId> = FxHashSet::default();
            let mut per_option: Vec<Link> = Vec::new();
            for &t in slot.options().iter() {
                if self.net.graph.resource(t).is_none() {
                    continue;
                }
                let l = inner(self, t).unwrap_or_else(Link::unset);
                any_set |= !l.unset;
                resolution = resolution.max(l.resolution);
                for d in &l.dead_ends {
                    if !out.dead_ends.contains(d) {
                        out.dead_ends.push(d.clone());
                    }
                }
                out.fallback = out.fallback.take().or_else(|| l.fallback.clone());
                options.extend(l.targets().into_iter().copied().filter(|x| option_seen.insert(*x)));
                per_option.push(l);
            }
            if slot.options().len() > 1 && options.len() > 1 {
                resolution = resolution.max(Resolution::Candidates);
                if seen.insert(options.clone()) {
                    out.slots.push(Slot::new(options));
                }
            } else if let [only] = per_option.as_slice() {
                for s in &only.slots {
                    if seen.insert(s.options().to_vec()) {
                        out.slots.push(s.clone());
                    }
                }
            } else {
                for o in options {
                    if seen.insert(vec![o]) {
                        out.slots.push(Slot::one(o));
                    }
                }
            }
        }
        if outer.slots.is_empty() && outer.resolution != Resolution::Known {
            resolution = Resolution::Unresolved;
        }
        out.resolution = resolution;
        out.unset = outer.unset || (!any_set && !outer.slots.is_empty());
        out
    }

    /// The content of a link, or an unset link.
    fn content(&self, l: Option<LinkId>) -> Link {
        l.map_or_else(Link::unset, |l| self.net.graph.link(l).clone())
    }
}

/// Merges links that together make one attribute (all their slots apply).
fn union(links: &[&Link]) -> Link {
    let set: Vec<&&Link> = links.iter().filter(|l| !l.unset).collect();
    if set.is_empty() {
        return links.first().map_or_else(Link::unset, |l| (*l).clone());
    }
    let mut out = Link::known_empty();
    let mut seen: FxHashSet<&Slot<NodeId>> = FxHashSet::default();
    for l in set {
        out.resolution = out.resolution.max(l.resolution);
        for s in &l.slots {
            if seen.insert(s) {
                out.slots.push(s.clone());
            }
        }
        for d in &l.dead_ends {
            if !out.dead_ends.contains(d) {
                out.dead_ends.push(d.clone());
            }
        }
        out.fallback = out.fallback.take().or_else(|| l.fallback.clone());
    }
    out
}
