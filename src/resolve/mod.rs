//! Resolving the attributes that connect resources — `subnet_id`, `vpc_security_group_ids`,
//! an inline rule's `security_groups`, a route's `nat_gateway_id`, … — to the resources they
//! will point at after apply. Every link the network needs is resolved here, before the
//! graph is built and before reachability looks at it.
//!
//! In a plan that creates a network almost every id is unknown, so resolution goes:
//! 1. **known values** — `after`, `prior_state`, state, literals, root variables; a known
//!    value that several resources carry (a name repeated across module copies) is narrowed
//!    by the configuration's reference when there is one;
//! 2. **configuration references** — followed through module input variables, module
//!    outputs, data sources, attribute projections (`aws_subnet.a.vpc_id`) and
//!    `count`/`for_each` instances;
//! 3. **candidate sets** — where an expression selects one of several resources
//!    (`element(var.subnet_ids, count.index)`), or where only `.tf` sources could tell
//!    (`local.x` without them), every possible resource.
//!
//! Each [`Link`] records which of these decided it.

mod follow;
pub mod link;
pub mod links;
mod refs;
mod walk;

use std::sync::{Arc, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::value::RawValue;

use crate::model::{Fields, Kind, ModId, Model, ResId, Resource};
use crate::plan::config::Expression;
use crate::plan::{Key, Reference};
pub use link::{Link, Resolution, Slot, Slots, Target, VpcDefault};
pub use links::{LinkKey, LinkKind, LinkSpec, Resolved};
use refs::known_strings;
use walk::{Outcome, Walk};

/// What the JSON plan lacks but `.tf` sources can tell: the expressions of `locals`, and
/// which instance an indexed reference picks.
pub trait LocalSource: Sync {
    /// The references made by `local.<name>` in the module at `config_path`, as Terraform
    /// would write them (`aws_subnet.private`, `var.x`, `module.vpc.ids`, …); `None` when the
    /// sources of that module, or the local, were not found.
    fn local_references(&self, config_path: &[&str], name: &str) -> Option<Vec<String>>;

    /// Whether attribute `attr` of `config_address` picks one instance of another resource by
    /// this instance's own key (`aws_subnet.private[count.index].id`), which the plan
    /// reduces to `aws_subnet.private` and `count.index`.
    fn key_selection(&self, _config_path: &[&str], _config_address: &str, _attr: &str) -> Option<KeySelection> {
        None
    }
}

/// An attribute that selects the instance of `resource` whose key is this instance's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySelection {
    /// The selected resource in the same module, as a reference: `aws_subnet.private`.
    pub resource: String,
    /// `element(list, count.index)`: the key wraps around the number of instances.
    pub wraps: bool,
    /// The attribute read from the selected instance (`["id"]`).
    pub attribute: Vec<String>,
}

/// The resource types a link may point at.
#[derive(Debug, Clone, Copy)]
pub struct TargetSpec {
    pub kinds: &'static [Kind],
    /// A list attribute (each member attached) rather than a single value.
    pub many: bool,
    /// Whether a VPC's implicit default (e.g. its default security group) may be meant.
    pub vpc_default: Option<VpcDefault>,
}

/// VPC attributes naming what the VPC brings along.
fn vpc_default_attr(attr: &str) -> Option<VpcDefault> {
    match attr {
        "default_security_group_id" => Some(VpcDefault::SecurityGroup),
        "main_route_table_id" | "default_route_table_id" => Some(VpcDefault::RouteTable),
        "default_network_acl_id" => Some(VpcDefault::NetworkAcl),
        _ => None,
    }
}

const MAX_DEPTH: usize = 64;

/// Resolves link attributes over one model.
pub struct Resolver<'m, 'a> {
    model: &'m Model<'a>,
    locals: Option<&'m dyn LocalSource>,
    /// Known identifiers of what VPCs bring along, each with every VPC that names it.
    vpc_defaults: FxHashMap<String, Vec<(VpcDefault, ResId)>>,
    /// Candidate sets found whole (every instance of a block, every resource of a kind in a
    /// module), built once and shared by every link that names them.
    sets: RwLock<FxHashMap<SetKey, Arc<[Target]>>>,
    /// Reference lists parsed once each: a module call's argument is followed from every
    /// resource that reads the variable, and module copies repeat the same lists.
    parsed: RwLock<Parsed>,
    /// What following each module variable found, per module instance and kind of link.
    vars: RwLock<FxHashMap<VarKey, Arc<walk::Recorded>>>,
}

/// A variable reference (by number) followed in a module instance for links of one spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct VarKey {
    module: ModId,
    reference: u32,
    kinds: usize,
    many: bool,
    vpc_default: Option<VpcDefault>,
}

/// Reference lists by their text, each reference numbered by its content.
#[derive(Default)]
struct Parsed {
    lists: FxHashMap<Box<str>, Arc<[Ref]>>,
    ids: FxHashMap<Reference, u32>,
}

/// A parsed reference and its number: equal references have equal numbers, so the walk's
/// cycle guard compares numbers rather than the references themselves.
#[derive(Debug)]
pub(super) struct Ref {
    pub id: u32,
    pub reference: Reference,
}

/// What a shared candidate set is: the instances of one block, or the resources of some
/// kinds in one module instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum SetKey {
    Block { instances: usize, kinds: usize },
    Module { module: ModId, kinds: usize },
}

/// The attribute being resolved: which resource, which of its blocks, which attribute, and
/// whether the block is the resource itself.
struct Site<'s, 'a> {
    res: &'s Resource<'a>,
    fields: &'s Fields<'a>,
    attr: &'s str,
    top: bool,
}

/// Where an expression is evaluated: its module instance and what `each`/`count` mean there.
#[derive(Clone)]
struct Scope<'s, 'a> {
    module: ModId,
    key: Option<Key>,
    for_each: Option<(&'s Expression<'a>, ModId)>,
}

impl<'m, 'a> Resolver<'m, 'a> {
    pub fn new(model: &'m Model<'a>, locals: Option<&'m dyn LocalSource>) -> Self {
        let mut vpc_defaults: FxHashMap<String, Vec<(VpcDefault, ResId)>> = FxHashMap::default();
        for r in model.resources.iter().filter(|r| matches!(r.kind, Kind::Vpc | Kind::DefaultVpc)) {
            for values in [r.fields.after(), r.fields.before()] {
                for key in [
                    "default_security_group_id",
                    "main_route_table_id",
                    "default_route_table_id",
                    "default_network_acl_id",
                ] {
                    if let (Some(v), Some(what)) = (values.str(key), vpc_default_attr(key)) {
                        let entry = vpc_defaults.entry(v.into_owned()).or_default();
                        if !entry.contains(&(what, r.id)) {
                            entry.push((what, r.id));
                        }
                    }
                }
            }
        }
        Resolver {
            model,
            locals,
            vpc_defaults,
            sets: RwLock::default(),
            parsed: RwLock::default(),
            vars: RwLock::default(),
        }
    }

    /// The shared set `key` names, made by `make` the first time.
    fn shared_set(&self, key: SetKey, make: impl FnOnce() -> Vec<Target>) -> Arc<[Target]> {
        if let Some(set) = self.sets.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Arc::clone(set);
        }
        let set: Arc<[Target]> = make().into();
        let mut sets = self.sets.write().unwrap_or_else(|e| e.into_inner());
        Arc::clone(sets.entry(key).or_insert(set))
    }

    pub fn model(&self) -> &'m Model<'a> {
        self.model
    }

    /// Resolves the attribute at `path` (block names, then the attribute) of `res`; the
    /// matches in every block count.
    pub fn link(&self, res: &Resource<'a>, path: &[&str], spec: &TargetSpec) -> Link {
        let mut walk = Walk::new();
        let outcome = self.attr_into(res, &res.fields, path, spec, &mut walk);
        walk.finish(spec, outcome)
    }

    /// Resolves an attribute of one nested block of `res`.
    pub fn link_in(&self, res: &Resource<'a>, block: &Fields<'a>, attr: &str, spec: &TargetSpec) -> Link {
        let mut walk = Walk::new();
        let outcome = self.attr_into(res, block, &[attr], spec, &mut walk);
        walk.finish(spec, outcome)
    }

    /// Follows the references of `expr`, an expression of `res`. For the parts of
    /// attribute-as-block values (an inline security group rule's `security_groups`, a route's
    /// `gateway_id`) whose only configuration is the whole attribute's expression; `selection`
    /// marks that the references are shared among several blocks, so any one of them may be
    /// meant.
    pub fn link_refs(&self, res: &Resource<'a>, expr: &Expression<'a>, spec: &TargetSpec, selection: bool) -> Link {
        let mut walk = Walk::new();
        walk.had_refs = expr.has_references();
        self.follow(&scope_of(res), &self.parsed(expr), None, spec, &mut walk);
        walk.selection |= selection && walk.found_len() > 1;
        walk.finish(spec, Outcome::Walked)
    }

    fn attr_into(
        &self,
        res: &Resource<'a>,
        fields: &Fields<'a>,
        path: &[&str],
        spec: &TargetSpec,
        walk: &mut Walk,
    ) -> Outcome {
        let [attr, rest @ ..] = path else {
            return Outcome::Walked;
        };
        if !rest.is_empty() {
            let blocks = fields.blocks(attr);
            for block in &blocks {
                let _ = self.attr_into(res, block, rest, spec, walk);
            }
            return if blocks.is_empty() { Outcome::Unset } else { Outcome::Walked };
        }
        let site = Site { res, fields, attr, top: std::ptr::eq(fields, &res.fields) };
        if let Some(raw) = fields.known_raw(attr) {
            self.push_known_values(&site, raw, spec, walk);
            return Outcome::Walked;
        }
        let Some(expr) = fields.config_expr(attr) else {
            return Outcome::Unset;
        };
        if let Some(c) = expr.constant_value {
            self.push_known_values(&site, c, spec, walk);
            return Outcome::Walked;
        }
        if !expr.has_references() {
            // A function of constants only (e.g. `tolist([])` in some versions): nothing links.
            return Outcome::Walked;
        }
        self.follow_expression(&site, expr, spec, walk);
        Outcome::Walked
    }

    /// Follows the configuration's expression for the site's attribute, narrowed by this
    /// instance's key when the sources show an `X[count.index]` form.
    fn follow_expression(&self, site: &Site<'_, 'a>, expr: &Expression<'a>, spec: &TargetSpec, walk: &mut Walk) {
        walk.had_refs = true;
        if site.top && self.select_by_key(site.res, site.attr, spec, walk) {
            return;
        }
        self.follow(&scope_of(site.res), &self.parsed(expr), None, spec, walk);
    }

    /// The most specific references of `expr` (see [`refs::most_specific`]), parsed once per
    /// distinct list.
    pub(super) fn parsed(&self, expr: &Expression<'a>) -> Arc<[Ref]> {
        let Some(text) = expr.references_text() else { return Arc::from(Vec::new()) };
        self.parsed_list(text, || refs::most_specific(&expr.references()))
    }

    /// The most specific of `refs`, as [`Resolver::parsed`] keeps them.
    pub(super) fn parsed_refs<S: AsRef<str>>(&self, refs: &[S]) -> Arc<[Ref]> {
        // Each reference behind its length: no two lists have the same key, nor the key of a
        // list written as JSON (`[...]`).
        let key: String = refs.iter().map(|r| format!("{}:{}", r.as_ref().len(), r.as_ref())).collect();
        self.parsed_list(&key, || refs::most_specific(refs))
    }

    fn parsed_list(&self, key: &str, parse: impl FnOnce() -> Vec<Reference>) -> Arc<[Ref]> {
        if let Some(p) = self.parsed.read().unwrap_or_else(|e| e.into_inner()).lists.get(key) {
            return Arc::clone(p);
        }
        let refs = parse();
        let mut parsed = self.parsed.write().unwrap_or_else(|e| e.into_inner());
        let Parsed { lists, ids } = &mut *parsed;
        let list: Arc<[Ref]> = refs
            .into_iter()
            .map(|reference| {
                let next = u32::try_from(ids.len()).expect("fewer than 2^32 distinct references");
                let id = *ids.entry(reference.clone()).or_insert(next);
                Ref { id, reference }
            })
            .collect();
        Arc::clone(lists.entry(key.into()).or_insert(list))
    }

    /// Pushes the resources that known values name. A value that several resources carry
    /// (a name repeated across module copies) is one of them: narrowed to those the
    /// configuration's reference leads to when it leads to some, else a choice.
    fn push_known_values(&self, site: &Site<'_, 'a>, raw: &RawValue, spec: &TargetSpec, walk: &mut Walk) {
        let mut by_reference: Option<FxHashSet<Target>> = None;
        for value in known_strings(raw) {
            let mut matches = self.known_matches(&value, spec);
            if matches.len() > 1 {
                let allowed = by_reference.get_or_insert_with(|| {
                    let mut sub = walk.sub();
                    if let Some(expr) = site.fields.config_expr(site.attr).filter(|e| e.has_references()) {
                        self.follow_expression(site, expr, spec, &mut sub);
                    }
                    let found = sub.found().cloned().collect();
                    walk.rejoin(&mut sub);
                    found
                });
                let narrowed: Vec<Target> = matches.iter().filter(|t| allowed.contains(*t)).cloned().collect();
                if !narrowed.is_empty() {
                    matches = narrowed;
                }
            }
            if matches.len() > 1 {
                walk.choices.push(matches.clone());
            }
            for t in matches {
                walk.push(t, true);
            }
        }
    }

    /// What a known identifier names: a VPC's implicit default, the resources that carry it
    /// (managed ones before data sources), or an object outside the plan.
    fn known_matches(&self, value: &str, spec: &TargetSpec) -> Vec<Target> {
        if value.is_empty() {
            return Vec::new();
        }
        if let (Some(want), Some(defaults)) = (spec.vpc_default, self.vpc_defaults.get(value)) {
            let of_kind: Vec<Target> = defaults
                .iter()
                .filter(|(what, _)| *what == want)
                .map(|&(what, vpc)| Target::VpcDefault(what, vpc))
                .collect();
            if !of_kind.is_empty() {
                return of_kind;
            }
        }
        let ids: Vec<ResId> =
            self.model.with_value(value).filter(|&id| spec.kinds.contains(&self.model[id].kind)).collect();
        let managed: Vec<ResId> = ids.iter().copied().filter(|&id| !self.model[id].is_data()).collect();
        let chosen = if managed.is_empty() { ids } else { managed };
        if chosen.is_empty() {
            return vec![Target::External(value.to_string())];
        }
        chosen.into_iter().map(Target::Resource).collect()
    }

    /// Narrows `X[count.index]`-style references to the instance with this one's key, when
    /// the sources show that form.
    fn select_by_key(&self, res: &Resource<'a>, attr: &str, spec: &TargetSpec, walk: &mut Walk) -> bool {
        self.select_in(res.module_id, || res.inst.addr.config_address(), attr, res.key(), spec, walk)
    }

    /// The same for an argument of block `block` (`aws_instance.app`, `module.app`) written in
    /// `module`, whose instance key is `key`: `aws_subnet.x[count.index].id`,
    /// `module.sg[each.key].security_group_id`. Only sources can tell: without them, or without
    /// a key, the block's address is not even made.
    fn select_in(
        &self,
        module: ModId,
        block: impl FnOnce() -> String,
        attr: &str,
        key: Option<&Key>,
        spec: &TargetSpec,
        walk: &mut Walk,
    ) -> bool {
        let (Some(sources), Some(key)) = (self.locals, key) else { return false };
        let Some(sel) = sources.key_selection(&self.model.module(module).config_path(), &block(), attr) else {
            return false;
        };
        match Reference::parse(&sel.resource) {
            Some(Reference::Resource { mode, type_, name, .. }) => {
                let instances = self.model.instances_of(module, mode, &type_, &name);
                let key = match (key, sel.wraps) {
                    (Key::Int(i), true) if !instances.is_empty() => Key::Int(i.rem_euclid(instances.len() as i64)),
                    (k, _) => k.clone(),
                };
                if !instances.iter().any(|&id| self.model[id].key() == Some(&key)) {
                    return false;
                }
                let target =
                    follow::ResourceRef { mode, type_: &type_, name: &name, key: Some(&key), attr: &sel.attribute };
                self.follow_resource(module, &target, spec, walk);
                true
            }
            Some(Reference::Module { name, .. }) => {
                if self.model.module_children(module, &name, Some(key)).next().is_none() {
                    return false;
                }
                let output = sel.attribute.first().map(String::as_str);
                self.follow_module(module, &name, Some(key), output, spec, walk);
                true
            }
            _ => false,
        }
    }
}

fn scope_of<'s, 'a>(res: &'s Resource<'a>) -> Scope<'s, 'a> {
    Scope {
        module: res.module_id,
        key: res.key().cloned(),
        for_each: res.config.and_then(|c| c.for_each_expression.as_ref()).map(|e| (e, res.module_id)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::resolve::Resolution;
    use crate::testkit::Plan;

    /// Two copies of a module whose VPCs carry the same id, as a plan of repeated names does.
    fn copies() -> Plan {
        Plan::new()
            .resource("aws_vpc.a", json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"}))
            .resource("aws_vpc.b", json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"}))
    }

    fn vpc_of(plan: Plan) -> (Resolution, Vec<String>) {
        plan.check(|t| {
            let s = &t.net.subnets[&t.node("aws_subnet.x")];
            let l = t.net.link(s.vpc.unwrap());
            (l.resolution, l.targets().iter().map(|n| t.net.name(**n)).collect())
        })
    }

    #[test]
    fn a_known_value_several_resources_carry_is_narrowed_by_the_reference() {
        let subnet = json!({"vpc_id": {"$ref": "aws_vpc.b", "$value": "vpc-1"}, "cidr_block": "10.0.1.0/24"});
        assert_eq!(
            vpc_of(copies().resource("aws_subnet.x", subnet)),
            (Resolution::Known, vec!["aws_vpc.b".to_string()])
        );
    }

    #[test]
    fn without_a_reference_it_is_a_choice() {
        let subnet = json!({"vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"});
        let (resolution, targets) = vpc_of(copies().resource("aws_subnet.x", subnet));
        assert_eq!(resolution, Resolution::Candidates);
        assert_eq!(targets, ["aws_vpc.a", "aws_vpc.b"]);
    }

    /// A module `net` whose variable `x` is `aws_vpc.main.id` in the root; in the module, two
    /// subnets read `var.x` as their VPC, and an instance reads it as its subnet.
    fn module_reading_a_variable() -> String {
        let change = |address: &str, module: Option<&str>, type_: &str, name: &str, after: serde_json::Value| {
            json!({
                "address": address, "module_address": module, "mode": "managed", "type": type_, "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": {"id": true}},
            })
        };
        let var_x = json!({"references": ["var.x"]});
        json!({
            "format_version": "1.2",
            "resource_changes": [
                change("aws_vpc.main", None, "aws_vpc", "main", json!({"cidr_block": "10.0.0.0/16"})),
                change("module.net.aws_subnet.a", Some("module.net"), "aws_subnet", "a", json!({"cidr_block": "10.0.1.0/24"})),
                change("module.net.aws_subnet.b", Some("module.net"), "aws_subnet", "b", json!({"cidr_block": "10.0.2.0/24"})),
                change("module.net.aws_instance.i", Some("module.net"), "aws_instance", "i", json!({"ami": "ami-1"})),
            ],
            "configuration": {"root_module": {
                "resources": [{"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
                    "expressions": {"cidr_block": {"constant_value": "10.0.0.0/16"}}}],
                "module_calls": {"net": {"source": "./net",
                    "expressions": {"x": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}},
                    "module": {
                        "resources": [
                            {"address": "aws_subnet.a", "mode": "managed", "type": "aws_subnet", "name": "a",
                                "expressions": {"vpc_id": var_x}},
                            {"address": "aws_subnet.b", "mode": "managed", "type": "aws_subnet", "name": "b",
                                "expressions": {"vpc_id": var_x}},
                            {"address": "aws_instance.i", "mode": "managed", "type": "aws_instance", "name": "i",
                                "expressions": {"subnet_id": var_x}},
                        ],
                        "variables": {"x": {}},
                    }}},
            }},
        })
        .to_string()
    }

    #[test]
    fn every_reader_of_a_module_variable_gets_what_it_leads_to() {
        let source = crate::plan::SourceFile::from_string("module.json", module_reading_a_variable());
        let doc = crate::plan::load(&source).unwrap();
        let model = crate::model::Model::build(&doc);
        let resolver = super::Resolver::new(&model, None);
        let spec = |kind, path: &[&str]| {
            super::links::specs(kind).iter().find(|s| s.path == path).expect("a link spec for the attribute").target
        };
        let vpc_of = |address: &str| {
            let r = model.get(address).unwrap();
            let link = resolver.link(r, &["vpc_id"], &spec(r.kind, &["vpc_id"]));
            (link.resolution, link.targets().iter().map(|t| format!("{t:?}")).collect::<Vec<_>>())
        };
        let main = format!("{:?}", super::Target::Resource(model.get("aws_vpc.main").unwrap().id));
        // The second reader is served what the first walk found: the same answer.
        assert_eq!(vpc_of("module.net.aws_subnet.a"), (Resolution::Reference, vec![main.clone()]));
        assert_eq!(vpc_of("module.net.aws_subnet.b"), (Resolution::Reference, vec![main]));
        // The same variable read for another kind of link leads to nothing of that kind.
        let i = model.get("module.net.aws_instance.i").unwrap();
        let subnet = resolver.link(i, &["subnet_id"], &spec(i.kind, &["subnet_id"]));
        assert!(subnet.targets().is_empty(), "{subnet:?}");
    }

    #[test]
    fn an_id_no_resource_carries_is_external() {
        let subnet = json!({"vpc_id": "vpc-9", "cidr_block": "10.0.1.0/24"});
        assert_eq!(vpc_of(copies().resource("aws_subnet.x", subnet)), (Resolution::Known, vec!["vpc-9".to_string()]));
    }
}
