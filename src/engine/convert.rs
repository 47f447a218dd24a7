//! From the network's typed results to owned reports: names resolved, words rendered once.

use super::Context;
use rustc_hash::FxHashMap;

use super::results::*;
use crate::network::graph::{LinkId, NodeId};
use crate::plan::SourceFile;
use crate::reach::{Hop, InstanceReach, Tri, data, explain};
use crate::rules::Finding;

pub(super) struct Converter<'x, 'c, 'm, 'a> {
    ctx: &'x Context<'c, 'm, 'a>,
    source: &'x SourceFile,
    paths: bool,
    /// The repository root locations are relative to.
    root: std::path::PathBuf,
}

/// The findings about each instance (as their resource or a related one).
pub(super) fn findings_by_instance(found: &[Finding]) -> FxHashMap<NodeId, Vec<&Finding>> {
    let mut out: FxHashMap<NodeId, Vec<&Finding>> = FxHashMap::default();
    for f in found {
        for n in std::iter::once(&f.resource).chain(&f.related) {
            let list = out.entry(*n).or_default();
            if !list.iter().any(|g| std::ptr::eq(*g, f)) {
                list.push(f);
            }
        }
    }
    out
}

/// The rules that explain a verdict other than `reachable`: the findings on the instance, or
/// on a resource its paths and checks involve, of the reachability and resolution rules.
fn explained_by(inst: &InstanceReach, by_instance: &FxHashMap<NodeId, Vec<&Finding>>) -> Vec<&'static str> {
    use crate::rules::Category;
    if inst.verdict() == crate::reach::Verdict::Reachable {
        return Vec::new();
    }
    let mut out: Vec<&'static str> = by_instance
        .get(&inst.node)
        .into_iter()
        .flatten()
        .filter(|f| matches!(f.rule.category, Category::Reachability | Category::Resolution))
        .map(|f| f.rule.id)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Every resource block as (module path, address in the module), for the policy's check
/// of inline ignores.
pub(super) fn blocks(ctx: &Context<'_, '_, '_>) -> Vec<(Vec<String>, String)> {
    let mut out: Vec<(Vec<String>, String)> = ctx
        .model
        .resources
        .iter()
        .map(|r| (r.module().config_path().iter().map(|s| s.to_string()).collect(), r.inst.addr.config_address()))
        .collect();
    out.sort();
    out.dedup();
    out
}

impl<'x, 'c, 'm, 'a> Converter<'x, 'c, 'm, 'a> {
    pub fn new(ctx: &'x Context<'c, 'm, 'a>, source: &'x SourceFile, paths: bool, root: std::path::PathBuf) -> Self {
        Converter { ctx, source, paths, root }
    }

    pub fn link(&self, id: LinkId) -> LinkReport {
        let net = self.ctx.net;
        let l = net.link(id);
        LinkReport {
            resolution: l.resolution,
            slots: l.slots.iter().map(|s| s.options().iter().map(|n| net.name(*n)).collect()).collect(),
            unset: l.unset,
            unresolved: l.dead_ends.clone(),
            fallback: l.fallback.clone(),
        }
    }

    pub fn hop(&self, hop: &Hop) -> HopReport {
        let net = self.ctx.net;
        HopReport {
            kind: hop.kind,
            outcome: hop.outcome,
            code: hop.code(),
            resources: hop.resources.iter().map(|n| net.name(*n)).collect(),
            detail: explain::detail(net, hop),
            fix: explain::fix(net, hop),
            data: data::hop_data(net, hop),
        }
    }

    /// The resource a node stands for in a report (a VPC default stands for its VPC).
    fn address(&self, n: NodeId) -> Option<String> {
        self.ctx.net.owner(n).map(|id| self.ctx.net.address(id).to_string())
    }

    pub fn finding(&self, f: &Finding) -> FindingReport {
        let net = self.ctx.net;
        let owner = net.owner(f.resource).expect("findings are about resources");
        let r = &self.ctx.model[owner];
        let mut related: Vec<String> = Vec::new();
        for n in &f.related {
            if let Some(a) = self.address(*n)
                && a != r.address()
                && !related.contains(&a)
            {
                related.push(a);
            }
        }
        let related_source = f.related.iter().find_map(|n| {
            let id = net.resource(*n)?;
            self.block_location(id).map(|l| (net.name(*n), l))
        });
        FindingReport {
            rule: f.rule.id,
            name: f.rule.name,
            category: f.rule.category,
            severity: f.severity,
            certainty: f.certainty,
            resource: r.address().to_string(),
            related,
            message: f.message(net),
            help: f.help(net),
            code: f.code,
            hop: f.hop.as_ref().map(|h| self.hop(h)),
            source: self.block_location(owner),
            related_source,
            plan_location: PlanLocation { line: 1, column: 1, offset: r.inst.span.offset, len: r.inst.span.len },
            input: self.source.name.clone(),
            input_file: self.source.path.as_deref().map(|p| super::paths::relative(&self.root, p)),
            config_path: r.module().config_path().iter().map(|s| s.to_string()).collect(),
            config_address: r.inst.addr.config_address(),
        }
    }

    /// Fills in where each finding's resource sits in the plan JSON, in one pass.
    pub fn locate<'f>(&self, findings: impl Iterator<Item = &'f mut FindingReport>) {
        let findings: Vec<&mut FindingReport> = findings.collect();
        let offsets: Vec<usize> = findings.iter().map(|f| f.plan_location.offset).collect();
        let positions = crate::plan::error::line_columns(self.ctx.doc.text, &offsets);
        for (f, (line, column)) in findings.into_iter().zip(positions) {
            f.plan_location.line = line;
            f.plan_location.column = column;
        }
    }

    /// The `.tf` block of a resource, when the sources have it.
    fn block_location(&self, id: crate::model::ResId) -> Option<SourceLocation> {
        let sources = self.ctx.sources?;
        let r = &self.ctx.model[id];
        let block = sources.resource_block(&r.module().config_path(), &r.inst.addr.config_address())?;
        let header = &block.header;
        Some(SourceLocation {
            file: super::paths::relative(&self.root, header.file.path()),
            line: header.line,
            column: header.column,
            excerpt: Some((header.file.clone(), header.span.clone())),
        })
    }

    pub fn instance(&self, inst: &InstanceReach, by_instance: &FxHashMap<NodeId, Vec<&Finding>>) -> InstanceReport {
        let net = self.ctx.net;
        let c = &net.compute[inst.compute];
        let profile = match c.identity {
            crate::network::compute::Identity::Profile(l) | crate::network::compute::Identity::NodeRole(l) => l,
        };
        let services = inst
            .services
            .iter()
            .map(|s| {
                let mut blocked_by: Vec<&'static str> = Vec::new();
                // Only an unreachable service is blocked; an unknown one lists what is unresolved.
                if s.outcome == Tri::No {
                    for f in by_instance.get(&inst.node).into_iter().flatten() {
                        let explains = f.code.is_some_and(|code| {
                            s.all.iter().map(|l| &l.path).any(|p| {
                                p.hops.iter().any(|h| h.outcome != Tri::Yes && h.code() == Some(code))
                                    || p.bypassed.iter().any(|(_, b)| *b == code)
                            })
                        });
                        if explains && !blocked_by.contains(&f.rule.id) {
                            blocked_by.push(f.rule.id);
                        }
                    }
                    blocked_by.sort_unstable();
                }
                let mut unresolved: Vec<String> = Vec::new();
                let paths: Vec<&crate::reach::PathResult> =
                    if s.all.is_empty() { vec![&s.path] } else { s.all.iter().map(|l| &l.path).collect() };
                for h in paths.iter().flat_map(|p| &p.hops) {
                    for u in h.unresolved() {
                        if !unresolved.contains(&u) {
                            unresolved.push(u);
                        }
                    }
                }
                ServiceReport {
                    service: s.service,
                    verdict: s.outcome.into(),
                    via: s.path.via,
                    endpoint: s.path.endpoint.map(|e| net.name(e)),
                    from: s.location.map(|l| net.name(l)),
                    locations: s.locations(),
                    blocked_by,
                    unresolved,
                    hops: if self.paths { s.path.hops.iter().map(|h| self.hop(h)).collect() } else { Vec::new() },
                    blocked: s.blocked.as_ref().filter(|_| s.outcome != Tri::Yes).map(|(h, c)| (self.hop(h), *c)),
                }
            })
            .collect();
        let node = c.node;
        InstanceReport {
            resource: net.name(node),
            type_name: self.ctx.model[net.resource(node).expect("compute is a resource")].type_name().to_string(),
            vpc: self.link(c.placement.vpc),
            subnets: self.link(c.placement.subnets),
            security_groups: self.link(c.placement.groups),
            instance_profile: self.link(profile),
            launch_spec: c.launch.map(|l| self.link(l)),
            services,
            identity: CheckReport { outcome: inst.iam.outcome, detail: explain::identity(net, &inst.iam) },
            metadata_service: CheckReport { outcome: inst.imds.outcome, detail: explain::metadata(net, &inst.imds, c) },
            verdict: inst.verdict(),
            before: self.ctx.before.and_then(|b| b.get(&net.name(node))).map(|b| b.verdict),
            explained_by: explained_by(inst, by_instance),
            unresolved: inst.unresolved.clone(),
        }
    }

    /// Every compute resource and every VPC endpoint with its resolved links, by address.
    pub fn resolution(&self) -> Vec<ResolvedEntity> {
        let net = self.ctx.net;
        let mut out = Vec::new();
        for c in &net.compute {
            let id = net.resource(c.node).expect("compute is a resource");
            let mut links = Vec::new();
            if let Some(l) = c.launch {
                links.push(("launch_spec", self.link(l)));
            }
            let profile = match c.identity {
                crate::network::compute::Identity::Profile(l) | crate::network::compute::Identity::NodeRole(l) => l,
            };
            links.push(("vpc", self.link(c.placement.vpc)));
            links.push(("subnets", self.link(c.placement.subnets)));
            links.push(("security_groups", self.link(c.placement.groups)));
            links.push(("instance_profile", self.link(profile)));
            out.push(ResolvedEntity {
                address: net.name(c.node),
                label: self.ctx.model[id].type_name().to_string(),
                links,
            });
        }
        for e in &net.endpoints {
            let label = e.service_name.value().cloned().unwrap_or_else(|| "(unknown service)".into());
            let vpc = e.vpc.map_or_else(
                || LinkReport {
                    resolution: crate::resolve::Resolution::Known,
                    slots: Vec::new(),
                    unset: true,
                    unresolved: Vec::new(),
                    fallback: None,
                },
                |l| self.link(l),
            );
            let links = vec![("vpc", vpc), ("subnets", self.link(e.subnets)), ("security_groups", self.link(e.groups))];
            out.push(ResolvedEntity { address: net.name(e.node), label, links });
        }
        out.sort_by(|a, b| a.address.cmp(&b.address));
        out
    }
}
