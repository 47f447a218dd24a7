//! Resolving the attributes that connect resources — `subnet_id`, `vpc_security_group_ids`,
//! `vpc_id`, … — to the resources they will point at after apply.
//!
//! In a plan that creates a network almost every id is unknown, so resolution goes:
//! 1. **known values** — `after`, `prior_state`, state, literals, root variables;
//! 2. **configuration references** — followed through module input variables, module
//!    outputs, data sources, attribute projections (`aws_subnet.a.vpc_id`) and
//!    `count`/`for_each` instances;
//! 3. **candidate sets** — where an expression selects one of several resources
//!    (`element(var.subnet_ids, count.index)`), or where only `.tf` sources could tell
//!    (`local.x` without them), every possible resource.
//!
//! Each [`Link`] records which of these decided it.

pub mod link;
pub mod links;

use std::collections::HashMap;

use rustc_hash::FxHashSet;

use serde_json::value::RawValue;

use crate::model::{Kind, ModId, Model, ROOT, ResId, Resource};
use crate::plan::config::{Expression, Expressions};
use crate::plan::{Key, Mode, Reference, Values};
pub use link::{Link, Resolution, Slot, Target, VpcDefault};
pub use links::{LinkKind, Resolved};

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

/// Attributes that stand for the resource itself when referenced (`aws_subnet.a.id`).
const IDENTITY_ATTRS: &[&str] = &[
    "id",
    "arn",
    "name",
    "name_prefix",
    "unique_id",
    "latest_version",
    "default_version",
    "zone_id",
    "allocation_id",
    "owner_id",
];

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
    vpc_defaults: HashMap<String, (VpcDefault, ResId)>,
}

/// Where an expression is evaluated: its module instance and what `each`/`count` mean there.
#[derive(Clone)]
struct Scope<'s, 'a> {
    module: ModId,
    key: Option<Key>,
    for_each: Option<(&'s Expression<'a>, ModId)>,
}

#[derive(Default)]
struct Walk {
    found: Vec<(Target, bool)>,
    /// Groups of found targets of which one is meant (an `each.value` expansion, an index
    /// into a list), as opposed to `selection`, which makes the whole walk one choice.
    choices: Vec<Vec<Target>>,
    selection: bool,
    had_refs: bool,
    dead_ends: Vec<String>,
    fallback: Option<String>,
    visited: FxHashSet<(ModId, Reference)>,
    depth: usize,
}

impl Walk {
    fn push(&mut self, t: Target, known: bool) {
        if let Some(existing) = self.found.iter_mut().find(|(x, _)| *x == t) {
            existing.1 &= known;
        } else {
            self.found.push((t, known));
        }
    }

    fn dead_end(&mut self, what: String) {
        if !self.dead_ends.contains(&what) {
            self.dead_ends.push(what);
        }
    }
}

enum Outcome {
    Unset,
    Walked,
}

impl<'m, 'a> Resolver<'m, 'a> {
    pub fn new(model: &'m Model<'a>, locals: Option<&'m dyn LocalSource>) -> Self {
        let mut vpc_defaults = HashMap::new();
        for r in model.resources.iter().filter(|r| matches!(r.kind, Kind::Vpc | Kind::DefaultVpc)) {
            for values in [&r.after, &r.before] {
                for key in [
                    "default_security_group_id",
                    "main_route_table_id",
                    "default_route_table_id",
                    "default_network_acl_id",
                ] {
                    if let (Some(v), Some(what)) = (values.str(key), vpc_default_attr(key)) {
                        vpc_defaults.insert(v.into_owned(), (what, r.id));
                    }
                }
            }
        }
        Resolver { model, locals, vpc_defaults }
    }

    pub fn model(&self) -> &'m Model<'a> {
        self.model
    }

    /// Resolves the attribute at `path` (block names, then the attribute) of `res`.
    pub fn link(&self, res: &Resource<'a>, path: &[&str], spec: &TargetSpec) -> Link {
        let mut walk = Walk::default();
        let outcome =
            self.attr_into(res, &res.after, &res.unknown, &res.before, res.expressions(), path, spec, &mut walk);
        finish(walk, spec, outcome)
    }

    /// Resolves an attribute inside one nested block whose values the caller already holds.
    #[allow(clippy::too_many_arguments)]
    pub fn link_in(
        &self,
        res: &Resource<'a>,
        after: &Values<'a>,
        unknown: &Values<'a>,
        before: &Values<'a>,
        config: Option<&Expressions<'a>>,
        attr: &str,
        spec: &TargetSpec,
    ) -> Link {
        let mut walk = Walk::default();
        let outcome = self.attr_into(res, after, unknown, before, config, &[attr], spec, &mut walk);
        finish(walk, spec, outcome)
    }

    /// Follows `refs` in the scope of `res`. For the parts of attribute-as-block values (an
    /// inline security group rule's `security_groups`, a route's `gateway_id`) whose only
    /// configuration is the whole attribute's reference list; `selection` marks that the
    /// references are shared among several blocks, so any one of them may be meant.
    pub fn link_refs<S: AsRef<str>>(&self, res: &Resource<'a>, refs: &[S], spec: &TargetSpec, selection: bool) -> Link {
        let mut walk = Walk { had_refs: !refs.is_empty(), ..Walk::default() };
        self.follow(&scope_of(res), refs, None, spec, &mut walk);
        walk.selection |= selection && walk.found.len() > 1;
        finish(walk, spec, Outcome::Walked)
    }

    #[allow(clippy::too_many_arguments)]
    fn attr_into(
        &self,
        res: &Resource<'a>,
        after: &Values<'a>,
        unknown: &Values<'a>,
        before: &Values<'a>,
        config: Option<&Expressions<'a>>,
        path: &[&str],
        spec: &TargetSpec,
        walk: &mut Walk,
    ) -> Outcome {
        let [attr, rest @ ..] = path else {
            return Outcome::Walked;
        };
        if !rest.is_empty() {
            // A nested block: use the planned blocks when known, else the configured ones.
            let mut any = false;
            if !unknown.is_true(attr) && after.raw(attr).is_some_and(|r| r.get() != "null") {
                let (ub, bb) = (unknown.blocks(attr), before.blocks(attr));
                let cb = config.map(|c| c.blocks(attr)).unwrap_or_default();
                for (i, block) in after.blocks(attr).iter().enumerate() {
                    any = true;
                    let u = ub.get(i).cloned().unwrap_or_default();
                    let b = bb.get(i).cloned().unwrap_or_default();
                    let _ = self.attr_into(res, block, &u, &b, cb.get(i).copied(), rest, spec, walk);
                }
            } else if let Some(c) = config {
                for block in c.blocks(attr) {
                    any = true;
                    let empty = Values::default();
                    let _ = self.attr_into(res, &empty, &empty, &empty, Some(block), rest, spec, walk);
                }
            }
            return if any { Outcome::Walked } else { Outcome::Unset };
        }

        if !unknown.any_true(attr)
            && let Some(raw) = after.raw(attr)
        {
            for value in known_strings(raw) {
                self.push_known(&value, spec, walk);
            }
            return Outcome::Walked;
        }
        let Some(expr) = config.and_then(|c| c.expr(attr)) else {
            return Outcome::Unset;
        };
        if let Some(c) = expr.constant_value {
            for value in known_strings(c) {
                self.push_known(&value, spec, walk);
            }
            return Outcome::Walked;
        }
        if !expr.has_references() {
            // A function of constants only (e.g. `tolist([])` in some versions): nothing links.
            return Outcome::Walked;
        }
        walk.had_refs = true;
        if config.map(|c| std::ptr::eq(c, res.expressions().unwrap_or(c))).unwrap_or(false)
            && self.select_by_key(res, attr, spec, walk)
        {
            return Outcome::Walked;
        }
        let scope = scope_of(res);
        self.follow(&scope, &expr.references(), None, spec, walk);
        Outcome::Walked
    }

    /// Narrows `X[count.index]`-style references to the instance with this one's key, when
    /// the sources show that form.
    fn select_by_key(&self, res: &Resource<'a>, attr: &str, spec: &TargetSpec, walk: &mut Walk) -> bool {
        self.select_in(res.module_id, &res.inst.addr.config_address(), attr, res.inst.addr.key.as_ref(), spec, walk)
    }

    /// The same for an argument of block `block` (`aws_instance.app`, `module.app`) written in
    /// `module`, whose instance key is `key`: `aws_subnet.x[count.index].id`,
    /// `module.sg[each.key].security_group_id`.
    fn select_in(
        &self,
        module: ModId,
        block: &str,
        attr: &str,
        key: Option<&Key>,
        spec: &TargetSpec,
        walk: &mut Walk,
    ) -> bool {
        let (Some(sources), Some(key)) = (self.locals, key) else { return false };
        let Some(sel) = sources.key_selection(&self.model.module(module).config_path(), block, attr) else {
            return false;
        };
        match Reference::parse(&sel.resource) {
            Some(Reference::Resource { mode, type_, name, .. }) => {
                let instances = self.model.instances_of(module, mode, &type_, &name);
                let key = match (key, sel.wraps) {
                    (Key::Int(i), true) if !instances.is_empty() => Key::Int(i.rem_euclid(instances.len() as i64)),
                    (k, _) => k.clone(),
                };
                if !instances.iter().any(|&id| self.model.resources[id].inst.addr.key.as_ref() == Some(&key)) {
                    return false;
                }
                self.follow_resource(module, mode, &type_, &name, Some(&key), &sel.attribute, spec, walk);
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

    fn push_known(&self, value: &str, spec: &TargetSpec, walk: &mut Walk) {
        if value.is_empty() {
            return;
        }
        if let (Some(want), Some(&(what, vpc))) = (spec.vpc_default, self.vpc_defaults.get(value))
            && want == what
        {
            walk.push(Target::VpcDefault(what, vpc), true);
            return;
        }
        let ids: Vec<ResId> =
            self.model.with_value(value).filter(|&id| spec.kinds.contains(&self.model.resources[id].kind)).collect();
        let managed: Vec<ResId> = ids.iter().copied().filter(|&id| !self.model.resources[id].is_data()).collect();
        let chosen = if managed.is_empty() { ids } else { managed };
        if chosen.is_empty() {
            walk.push(Target::External(value.to_string()), true);
        }
        for id in chosen {
            walk.push(Target::Resource(id), true);
        }
    }

    /// Follows the references of one expression evaluated in `scope`. `hint` names the
    /// output meant when a whole module object is referenced (`var.network.vpc_id` where
    /// `network = module.vpc`).
    fn follow<S: AsRef<str>>(
        &self,
        scope: &Scope<'_, 'a>,
        refs: &[S],
        hint: Option<&str>,
        spec: &TargetSpec,
        walk: &mut Walk,
    ) {
        if walk.depth >= MAX_DEPTH {
            walk.dead_end("reference chain too deep".into());
            return;
        }
        walk.depth += 1;
        for r in most_specific(refs) {
            if !walk.visited.insert((scope.module, r.clone())) {
                continue;
            }
            match r {
                Reference::Resource { mode, type_, name, key, attr } => {
                    self.follow_resource(scope.module, mode, &type_, &name, key.as_ref(), &attr, spec, walk);
                }
                Reference::Var { name, path, index } => {
                    self.indexed(index.as_ref(), walk, |w| self.follow_var(scope, &name, &path, spec, w));
                }
                Reference::Local { name, index, .. } => {
                    self.indexed(index.as_ref(), walk, |w| self.follow_local(scope, &name, spec, w));
                }
                Reference::Module { name, key, output, index } => {
                    let output = output.or_else(|| hint.map(str::to_string));
                    self.indexed(index.as_ref(), walk, |w| {
                        self.follow_module(scope.module, &name, key.as_ref(), output.as_deref(), spec, w);
                    });
                }
                Reference::CountIndex => walk.selection = true,
                Reference::Each { value, path } => {
                    // `each.key` indexes its siblings (`aws_subnet.x[each.key]`); `each.value`
                    // is one element of the for_each collection: a choice among its contents.
                    walk.selection |= !value;
                    let by_key = match &scope.key {
                        Some(Key::Str(k)) => {
                            let before = walk.found.len();
                            self.push_matching(k, spec, walk);
                            walk.found.len() > before
                        }
                        _ => false,
                    };
                    if !by_key
                        && value
                        && let Some((fe, module)) = &scope.for_each
                    {
                        let mut sub = sub_walk(walk);
                        let inner = Scope { module: *module, key: None, for_each: None };
                        let hint = path.first().map(String::as_str);
                        match (aligned_ref(&fe.references(), scope.key.as_ref()), scope.key.as_ref()) {
                            // `for_each = module.vpcs`: each.value of instance k is module.vpcs[k].
                            (Some(Reference::Module { name, output, .. }), Some(k)) => {
                                let output = output.or_else(|| hint.map(str::to_string));
                                self.follow_module(*module, &name, Some(k), output.as_deref(), spec, &mut sub);
                            }
                            (Some(Reference::Resource { mode, type_, name, attr, .. }), Some(k)) => {
                                self.follow_resource(*module, mode, &type_, &name, Some(k), &attr, spec, &mut sub);
                            }
                            _ => self.follow(&inner, &fe.references(), hint, spec, &mut sub),
                        }
                        merge_choice(walk, sub);
                    }
                }
                Reference::Other => {}
            }
        }
        walk.depth -= 1;
    }

    /// Follows a value that the expression then indexes with a literal (`var.ids[0]`,
    /// `module.vpc.private_subnets[1]`). A list made by one `count` resource's splat is in
    /// index order, so the index picks that instance; any other list leaves a selection.
    fn indexed(&self, index: Option<&Key>, walk: &mut Walk, follow: impl FnOnce(&mut Walk)) {
        let Some(index) = index else { return follow(walk) };
        let mut sub = sub_walk(walk);
        follow(&mut sub);
        let one_block = sub.found.iter().all(|(t, _)| match t {
            Target::Resource(id) => {
                let (r, first) = (&self.model.resources[*id], &sub.found[0].0);
                matches!(first, Target::Resource(f) if {
                    let (a, o) = (&r.inst.addr, &self.model.resources[*f]);
                    let b = &o.inst.addr;
                    r.module_id == o.module_id && a.type_ == b.type_ && a.name == b.name && a.mode == b.mode
                })
            }
            _ => false,
        });
        let picked: Vec<(Target, bool)> = if one_block && !sub.selection && sub.fallback.is_none() {
            sub.found
                .iter()
                .filter(|(t, _)| matches!(t, Target::Resource(id) if self.model.resources[*id].inst.addr.key.as_ref() == Some(index)))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        if !picked.is_empty() {
            sub.found = picked;
            sub.selection = false;
            sub.choices.clear();
        }
        merge_choice(walk, sub);
    }

    /// Pushes resources whose known identifier is `value`, but no external placeholder.
    fn push_matching(&self, value: &str, spec: &TargetSpec, walk: &mut Walk) {
        for id in self.model.with_value(value) {
            if spec.kinds.contains(&self.model.resources[id].kind) {
                walk.push(Target::Resource(id), true);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn follow_resource(
        &self,
        module: ModId,
        mode: Mode,
        type_: &str,
        name: &str,
        key: Option<&Key>,
        attr: &[String],
        spec: &TargetSpec,
        walk: &mut Walk,
    ) {
        let ids: Vec<ResId> = self
            .model
            .instances_of(module, mode, type_, name)
            .iter()
            .copied()
            .filter(|&id| key.is_none_or(|k| self.model.resources[id].inst.addr.key.as_ref() == Some(k)))
            .collect();
        for id in ids {
            let r = &self.model.resources[id];
            match attr.first().map(String::as_str) {
                Some(a) if vpc_default_attr(a).is_some() && matches!(r.kind, Kind::Vpc | Kind::DefaultVpc) => {
                    let what = vpc_default_attr(a).expect("checked");
                    if spec.vpc_default == Some(what) {
                        walk.push(Target::VpcDefault(what, id), false);
                    }
                }
                Some(a) if !IDENTITY_ATTRS.contains(&a) => {
                    // A projection such as `aws_subnet.a.vpc_id`: resolve that attribute of `r`.
                    if r.is_data() && r.unknown.any_true(a) && !r.configures(a) && r.configures("id") {
                        // Read during apply, but its `id` argument names the object it reads.
                        if let Some(same) = same_kind(r.kind) {
                            let mut inner = Walk {
                                visited: std::mem::take(&mut walk.visited),
                                depth: walk.depth + 1,
                                ..Walk::default()
                            };
                            let _ = self.attr_into(
                                r,
                                &r.after,
                                &r.unknown,
                                &r.before,
                                r.expressions(),
                                &["id"],
                                &same,
                                &mut inner,
                            );
                            walk.visited = std::mem::take(&mut inner.visited);
                            walk.selection |= inner.selection;
                            inner.dead_ends.into_iter().for_each(|d| walk.dead_end(d));
                            for (t, _) in inner.found {
                                if let Target::Resource(obj) = t {
                                    let o = &self.model.resources[obj];
                                    let _ = self.attr_into(
                                        o,
                                        &o.after,
                                        &o.unknown,
                                        &o.before,
                                        o.expressions(),
                                        &[a],
                                        spec,
                                        walk,
                                    );
                                }
                            }
                            continue;
                        }
                    }
                    if r.kind == Kind::Other {
                        let (after, unknown, before) = (
                            Values::of(r.inst.after),
                            Values::markers(r.inst.after_unknown),
                            Values::of(r.inst.before),
                        );
                        let _ = self.attr_into(r, &after, &unknown, &before, r.expressions(), &[a], spec, walk);
                    } else {
                        let _ = self.attr_into(r, &r.after, &r.unknown, &r.before, r.expressions(), &[a], spec, walk);
                    }
                }
                _ if r.is_data() => self.data_source(r, spec, walk),
                _ => {
                    if spec.kinds.contains(&r.kind) {
                        walk.push(Target::Resource(id), false);
                    }
                }
            }
        }
    }

    /// A data source stands for an existing object: the managed resource with its known id
    /// when the plan has one, else the data source itself; when it is read only during apply,
    /// its `id` argument says which object it will read.
    fn data_source(&self, r: &Resource<'a>, spec: &TargetSpec, walk: &mut Walk) {
        if !spec.kinds.contains(&r.kind) {
            return;
        }
        if let Some(id) = r.after.str("id") {
            let before = walk.found.len();
            for m in self.model.with_value(&id) {
                let mr = &self.model.resources[m];
                if !mr.is_data() && spec.kinds.contains(&mr.kind) {
                    walk.push(Target::Resource(m), true);
                }
            }
            if walk.found.len() == before {
                walk.push(Target::Resource(r.id), true);
            }
            return;
        }
        if r.configures("id") {
            let _ = self.attr_into(r, &r.after, &r.unknown, &r.before, r.expressions(), &["id"], spec, walk);
        } else {
            walk.push(Target::Resource(r.id), false);
        }
    }

    fn follow_var(&self, scope: &Scope<'_, 'a>, name: &str, path: &[String], spec: &TargetSpec, walk: &mut Walk) {
        if scope.module == ROOT {
            match self.model.doc.variable(name) {
                Some(raw) => {
                    for v in known_strings_at(raw, path) {
                        self.push_known(&v, spec, walk);
                    }
                }
                None => walk.dead_end(format!("var.{name}")),
            }
            return;
        }
        let parent = self.model.parent(scope.module).expect("non-root module has a parent");
        let module = self.model.module(scope.module);
        let call_name = &module.steps.last().expect("non-root").0;
        let call = self.model.config_module(parent).and_then(|m| m.module_calls.get(call_name.as_str()));
        let Some(call) = call else {
            walk.dead_end(format!("{module}.var.{name}"));
            return;
        };
        match call.expressions.expr(name) {
            Some(e) if e.constant_value.is_some() => {
                for v in known_strings_at(e.constant_value.expect("checked"), path) {
                    self.push_known(&v, spec, walk);
                }
            }
            Some(e) => {
                walk.had_refs = true;
                if self.select_in(parent, &format!("module.{call_name}"), name, module.last_key(), spec, walk) {
                    return;
                }
                let outer = Scope {
                    module: parent,
                    key: module.last_key().cloned(),
                    for_each: call.for_each_expression.as_ref().map(|fe| (fe, parent)),
                };
                self.follow(&outer, &e.references(), path.first().map(String::as_str), spec, walk);
            }
            None => {
                if let Some(default) = call.module.variables.get(name).and_then(|v| v.default) {
                    for v in known_strings_at(default, path) {
                        self.push_known(&v, spec, walk);
                    }
                }
            }
        }
    }

    fn follow_local(&self, scope: &Scope<'_, 'a>, name: &str, spec: &TargetSpec, walk: &mut Walk) {
        let config_path = self.model.module(scope.module).config_path();
        if let Some(refs) = self.locals.and_then(|l| l.local_references(&config_path, name)) {
            self.follow(scope, &refs, None, spec, walk);
            return;
        }
        // `locals` are not in the plan JSON: every resource of the right type in this module
        // instance stands in, marked as a fallback.
        for id in self.model.of_kinds_in(scope.module, spec.kinds) {
            if !self.model.resources[id].is_data() {
                walk.push(Target::Resource(id), false);
            }
        }
        if walk.fallback.is_none() {
            walk.fallback = Some(format!("local.{name}"));
        }
    }

    fn follow_module(
        &self,
        module: ModId,
        name: &str,
        key: Option<&Key>,
        output: Option<&str>,
        spec: &TargetSpec,
        walk: &mut Walk,
    ) {
        let Some(call) = self.model.config_module(module).and_then(|m| m.module_calls.get(name)) else {
            walk.dead_end(format!("module.{name}"));
            return;
        };
        let outputs: Vec<&Expression<'a>> = match output {
            Some(o) => match call.module.outputs.get(o) {
                Some(out) => out.expression.iter().collect(),
                None => {
                    walk.dead_end(format!("module.{name}.{o}"));
                    return;
                }
            },
            None => call.module.outputs.values().filter_map(|o| o.expression.as_ref()).collect(),
        };
        for child in self.model.module_children(module, name, key) {
            let inner = Scope { module: child, key: None, for_each: None };
            for e in &outputs {
                if let Some(c) = e.constant_value {
                    for v in known_strings(c) {
                        self.push_known(&v, spec, walk);
                    }
                } else {
                    self.follow(&inner, &e.references(), None, spec, walk);
                }
            }
        }
    }
}

/// A `for_each` over exactly one whole module or resource (`for_each = module.vpcs`) keys
/// its instances like that object's, so `each.value` of instance `k` is the object's `[k]`.
fn aligned_ref<S: AsRef<str>>(refs: &[S], key: Option<&Key>) -> Option<Reference> {
    key?;
    match most_specific(refs).as_slice() {
        [r @ Reference::Module { key: None, output: None, .. }] => Some(r.clone()),
        [r @ Reference::Resource { key: None, .. }] => Some(r.clone()),
        _ => None,
    }
}

/// A spec matching resources of the same kind as a data source (to find what it reads).
fn same_kind(kind: Kind) -> Option<TargetSpec> {
    const fn of(kinds: &'static [Kind]) -> TargetSpec {
        TargetSpec { kinds, many: false, vpc_default: None }
    }
    const SUBNET: TargetSpec = of(&[Kind::Subnet, Kind::DefaultSubnet]);
    const VPC: TargetSpec = of(&[Kind::Vpc, Kind::DefaultVpc]);
    const SG: TargetSpec = of(&[Kind::SecurityGroup, Kind::DefaultSecurityGroup]);
    const ROUTE_TABLE: TargetSpec = of(&[Kind::RouteTable, Kind::DefaultRouteTable]);
    const INSTANCE: TargetSpec = of(&[Kind::Instance]);
    match kind {
        Kind::Subnet | Kind::DefaultSubnet => Some(SUBNET),
        Kind::Vpc | Kind::DefaultVpc => Some(VPC),
        Kind::SecurityGroup | Kind::DefaultSecurityGroup => Some(SG),
        Kind::RouteTable | Kind::DefaultRouteTable => Some(ROUTE_TABLE),
        Kind::Instance => Some(INSTANCE),
        _ => None,
    }
}

fn scope_of<'s, 'a>(res: &'s Resource<'a>) -> Scope<'s, 'a> {
    Scope {
        module: res.module_id,
        key: res.inst.addr.key.clone(),
        for_each: res.config.and_then(|c| c.for_each_expression.as_ref()).map(|e| (e, res.module_id)),
    }
}

/// A walk for part of an expression, sharing the cycle guard with `walk`.
fn sub_walk(walk: &mut Walk) -> Walk {
    Walk { visited: std::mem::take(&mut walk.visited), depth: walk.depth, ..Walk::default() }
}

/// Merges a sub-walk whose targets are alternatives: one of them is meant.
fn merge_choice(walk: &mut Walk, mut sub: Walk) {
    walk.visited = std::mem::take(&mut sub.visited);
    if sub.found.len() > 1 {
        walk.choices.push(sub.found.iter().map(|(t, _)| t.clone()).collect());
    }
    walk.choices.append(&mut sub.choices);
    sub.found.into_iter().for_each(|(t, k)| walk.push(t, k));
    walk.had_refs |= sub.had_refs;
    sub.dead_ends.into_iter().for_each(|d| walk.dead_end(d));
    walk.fallback = walk.fallback.take().or(sub.fallback);
}

fn finish(walk: Walk, spec: &TargetSpec, outcome: Outcome) -> Link {
    let targets: Vec<Target> = walk.found.iter().map(|(t, _)| t.clone()).collect();
    if targets.is_empty() {
        if matches!(outcome, Outcome::Unset) {
            return Link::unset();
        }
        let resolution =
            if walk.dead_ends.is_empty() && !walk.had_refs { Resolution::Known } else { Resolution::Unresolved };
        return Link {
            resolution,
            slots: Vec::new(),
            unset: false,
            dead_ends: walk.dead_ends,
            fallback: walk.fallback,
        };
    }
    let all_known = walk.found.iter().all(|(_, k)| *k);
    let slots: Vec<Slot> = if !spec.many || walk.selection {
        vec![Slot { options: targets }]
    } else {
        // Each choice group is one slot; everything else is attached for certain.
        let mut slots: Vec<Slot> = Vec::new();
        for group in &walk.choices {
            let options: Vec<Target> = targets.iter().filter(|t| group.contains(t)).cloned().collect();
            if options.len() > 1 && !slots.iter().any(|s| s.options == options) {
                slots.push(Slot { options });
            }
        }
        let grouped: Vec<&Target> = slots.iter().flat_map(|s| &s.options).collect();
        let singles: Vec<Slot> =
            targets.iter().filter(|t| !grouped.contains(t)).map(|t| Slot { options: vec![t.clone()] }).collect();
        singles.into_iter().chain(slots).collect()
    };
    let ambiguous = slots.iter().any(|s| s.options.len() > 1);
    let resolution = if walk.fallback.is_some() || ambiguous || !walk.dead_ends.is_empty() {
        Resolution::Candidates
    } else if all_known {
        Resolution::Known
    } else {
        Resolution::Reference
    };
    Link { resolution, slots, unset: false, dead_ends: walk.dead_ends, fallback: walk.fallback }
}

/// Terraform lists every prefix of a traversal (`aws_vpc.v.id`, `aws_vpc.v`;
/// `aws_subnet.a[0].id`, `aws_subnet.a[0]`, `aws_subnet.a`). Keep the most specific
/// reference per object: keyed over unkeyed, longer attribute paths over shorter.
fn most_specific<S: AsRef<str>>(refs: &[S]) -> Vec<Reference> {
    let parsed: Vec<Reference> = refs.iter().filter_map(|r| Reference::parse(r.as_ref())).collect();
    let mut out: Vec<Reference> = Vec::new();
    for r in &parsed {
        let dominated = parsed.iter().any(|o| o != r && dominates(o, r));
        if !dominated && !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// Whether `a` says more about the same object than `b` does.
fn dominates(a: &Reference, b: &Reference) -> bool {
    match (a, b) {
        (
            Reference::Resource { mode: m1, type_: t1, name: n1, key: k1, attr: a1 },
            Reference::Resource { mode: m2, type_: t2, name: n2, key: k2, attr: a2 },
        ) if m1 == m2 && t1 == t2 && n1 == n2 => {
            (k1.is_some() && k2.is_none()) || (k1 == k2 && a1.len() > a2.len() && a1.starts_with(a2))
        }
        (
            Reference::Module { name: n1, key: k1, output: o1, index: i1 },
            Reference::Module { name: n2, key: k2, output: o2, index: i2 },
        ) if n1 == n2 => {
            (k1.is_some() && k2.is_none())
                || (k1 == k2 && o1.is_some() && o2.is_none())
                || (k1 == k2 && o1 == o2 && i1.is_some() && i2.is_none())
        }
        (Reference::Var { name: n1, path: p1, index: i1 }, Reference::Var { name: n2, path: p2, index: i2 })
            if n1 == n2 =>
        {
            p1.len() > p2.len() || (p1 == p2 && i1.is_some() && i2.is_none())
        }
        (Reference::Local { name: n1, index: i1, .. }, Reference::Local { name: n2, index: i2, .. }) if n1 == n2 => {
            i1.is_some() && i2.is_none()
        }
        (Reference::Each { value: v1, path: p1 }, Reference::Each { value: v2, path: p2 }) => {
            v1 == v2 && p1.len() > p2.len()
        }
        _ => false,
    }
}

/// Every string in a JSON value (a string, or lists of them), in order.
fn known_strings(raw: &RawValue) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null);
    let mut out = Vec::new();
    collect_strings(&v, &mut out);
    out
}

/// Like [`known_strings`] after following object keys along `path`.
fn known_strings_at(raw: &RawValue, path: &[String]) -> Vec<String> {
    let mut v: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null);
    for p in path {
        v = match v {
            serde_json::Value::Object(mut m) => m.remove(p).unwrap_or(serde_json::Value::Null),
            _ => return Vec::new(),
        };
    }
    let mut out = Vec::new();
    collect_strings(&v, &mut out);
    out
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_specific_reference() {
        let refs = [
            "aws_subnet.a[0].id",
            "aws_subnet.a[0]",
            "aws_subnet.a",
            "module.vpc.private_subnets",
            "module.vpc",
            "var.x.y",
            "var.x",
        ];
        let kept: Vec<String> = most_specific(&refs).iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert!(kept[0].contains("Int(0)") && kept[0].contains("\"id\""));
        assert!(kept[1].contains("private_subnets"));
        assert!(kept[2].contains("\"y\""));
    }

    #[test]
    fn a_projection_dominates_the_bare_resource() {
        let kept = most_specific(&["aws_subnet.a.vpc_id", "aws_subnet.a"]);
        assert_eq!(kept.len(), 1);
        assert!(matches!(&kept[0], Reference::Resource { attr, .. } if attr == &["vpc_id"]));
    }
}
