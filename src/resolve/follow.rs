//! Following configuration references: resources and their attributes, module input
//! variables and outputs, locals, `count`/`for_each` instances and data sources.

use std::sync::Arc;

use super::refs::{known_strings, known_strings_at};
use super::walk::Walk;
use super::{MAX_DEPTH, Ref, Resolver, Scope, SetKey, TargetSpec, VarKey, vpc_default_attr};
use crate::model::{Kind, ModId, ROOT, ResId, Resource};
use crate::plan::{Key, Mode, Reference};
use crate::resolve::link::Target;

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
    // An endpoint's prefix list stands for the gateway endpoint (its routes' destination).
    "prefix_list_id",
];

/// Whether attribute `attr` of a `kind` resource stands for the resource itself, where a link
/// accepts that kind (an interface link accepts an instance for its primary interface).
fn stands_for_itself(kind: Kind, attr: &str) -> bool {
    matches!(
        (kind, attr),
        (Kind::Instance, "primary_network_interface_id")
            | (Kind::VpcEndpoint, "dns_entry")
            | (Kind::TransitGateway, "association_default_route_table_id" | "propagation_default_route_table_id")
    )
}

/// A reference to a resource block (or one instance of it) and an attribute path.
pub(super) struct ResourceRef<'r> {
    pub mode: Mode,
    pub type_: &'r str,
    pub name: &'r str,
    pub key: Option<&'r Key>,
    pub attr: &'r [String],
}

impl<'m, 'a> Resolver<'m, 'a> {
    /// Follows the references of one expression evaluated in `scope`. `hint` names the
    /// output meant when a whole module object is referenced (`var.network.vpc_id` where
    /// `network = module.vpc`).
    /// `refs` are the expression's most specific references ([`most_specific`]).
    pub(super) fn follow(
        &self,
        scope: &Scope<'_, 'a>,
        refs: &[Ref],
        hint: Option<&str>,
        spec: &TargetSpec,
        walk: &mut Walk,
    ) {
        if walk.depth >= MAX_DEPTH {
            walk.dead_end("reference chain too deep".into());
            return;
        }
        walk.depth += 1;
        for Ref { id, reference } in refs {
            if !walk.visited.insert((scope.module, *id)) {
                continue;
            }
            match reference {
                Reference::Resource { mode, type_, name, key, attr } => {
                    let target = ResourceRef { mode: *mode, type_, name, key: key.as_ref(), attr };
                    self.follow_resource(scope.module, &target, spec, walk);
                }
                Reference::Var { name, path, index } => {
                    self.indexed(index.as_ref(), walk, |w| self.follow_var_once(scope, *id, name, path, spec, w));
                }
                Reference::Local { name, index, .. } => {
                    self.indexed(index.as_ref(), walk, |w| self.follow_local(scope, name, spec, w));
                }
                Reference::Module { name, key, output, index } => {
                    let output = output.clone().or_else(|| hint.map(str::to_string));
                    self.indexed(index.as_ref(), walk, |w| {
                        self.follow_module(scope.module, name, key.as_ref(), output.as_deref(), spec, w);
                    });
                }
                Reference::CountIndex => walk.selection = true,
                Reference::Each { value, path } => self.follow_each(scope, *value, path, spec, walk),
                Reference::Other => {}
            }
        }
        walk.depth -= 1;
    }

    /// `each.key` indexes its siblings (`aws_subnet.x[each.key]`); `each.value` is one
    /// element of the for_each collection: a choice among its contents.
    fn follow_each(&self, scope: &Scope<'_, 'a>, value: bool, path: &[String], spec: &TargetSpec, walk: &mut Walk) {
        walk.selection |= !value;
        let by_key = match &scope.key {
            Some(Key::Str(k)) => {
                let before = walk.found_len();
                self.push_matching(k, spec, walk);
                walk.found_len() > before
            }
            _ => false,
        };
        let Some((fe, module)) = &scope.for_each else { return };
        if by_key || !value {
            return;
        }
        let mut sub = walk.sub();
        let inner = Scope { module: *module, key: None, for_each: None };
        let hint = path.first().map(String::as_str);
        let refs = self.parsed(fe);
        match (aligned_ref(&refs, scope.key.as_ref()), scope.key.as_ref()) {
            // `for_each = module.vpcs`: each.value of instance k is module.vpcs[k].
            (Some(Reference::Module { name, output, .. }), Some(k)) => {
                let output = output.or_else(|| hint.map(str::to_string));
                self.follow_module(*module, &name, Some(k), output.as_deref(), spec, &mut sub);
            }
            (Some(Reference::Resource { mode, type_, name, attr, .. }), Some(k)) => {
                let target = ResourceRef { mode, type_: &type_, name: &name, key: Some(k), attr: &attr };
                self.follow_resource(*module, &target, spec, &mut sub);
            }
            _ => self.follow(&inner, &refs, hint, spec, &mut sub),
        }
        walk.merge_choice(sub);
    }

    /// Follows a value that the expression then indexes with a literal (`var.ids[0]`,
    /// `module.vpc.private_subnets[1]`). A list made by one `count` resource's splat is in
    /// index order, so the index picks that instance; any other list leaves a selection.
    fn indexed(&self, index: Option<&Key>, walk: &mut Walk, follow: impl FnOnce(&mut Walk)) {
        let Some(index) = index else { return follow(walk) };
        let mut sub = walk.sub();
        follow(&mut sub);
        let block_of = |t: &Target| match t {
            Target::Resource(id) => {
                let r = &self.model[*id];
                Some((r.module_id, r.inst.addr.mode, r.type_name(), r.inst.addr.name.as_ref()))
            }
            _ => None,
        };
        let first = sub.first().and_then(block_of);
        let one_block = first.is_some() && sub.found().all(|t| block_of(t) == first);
        if one_block && !sub.selection && sub.fallback.is_none() {
            let picks = |t: &Target| matches!(t, Target::Resource(id) if self.model[*id].key() == Some(index));
            if sub.found().any(picks) {
                sub.retain(picks);
                sub.choices.clear();
            }
        }
        walk.merge_choice(sub);
    }

    /// Pushes resources whose known identifier is `value`, but no external placeholder.
    fn push_matching(&self, value: &str, spec: &TargetSpec, walk: &mut Walk) {
        for id in self.model.with_value(value) {
            if spec.kinds.contains(&self.model[id].kind) {
                walk.push(Target::Resource(id), true);
            }
        }
    }

    pub(super) fn follow_resource(&self, module: ModId, target: &ResourceRef<'_>, spec: &TargetSpec, walk: &mut Walk) {
        // Every instance of a managed block, as itself (`aws_subnet.private` under `count`):
        // one shared set.
        let whole = self.model.instances_of(module, target.mode, target.type_, target.name);
        let as_itself = target.attr.first().is_none_or(|a| IDENTITY_ATTRS.contains(&a.as_str()));
        if target.key.is_none() && target.mode == Mode::Managed && as_itself && whole.len() > 1 {
            if spec.kinds.contains(&self.model[whole[0]].kind) {
                let key = SetKey::Block { instances: whole.as_ptr() as usize, kinds: spec.kinds.as_ptr() as usize };
                walk.push_set(self.shared_set(key, || whole.iter().map(|&id| Target::Resource(id)).collect()));
            }
            return;
        }
        for id in whole.iter().copied().filter(|&id| target.key.is_none_or(|k| self.model[id].key() == Some(k))) {
            let r = &self.model[id];
            match target.attr.first().map(String::as_str) {
                Some(a) if vpc_default_attr(a).is_some() && matches!(r.kind, Kind::Vpc | Kind::DefaultVpc) => {
                    let what = vpc_default_attr(a).expect("checked");
                    if spec.vpc_default == Some(what) {
                        walk.push(Target::VpcDefault(what, id), false);
                    }
                }
                // Attributes that stand for the resource where the link accepts it: an
                // instance's primary interface, an endpoint's DNS names (alias records), a
                // transit gateway's default route tables.
                Some(a) if stands_for_itself(r.kind, a) && spec.kinds.contains(&r.kind) => {
                    walk.push(Target::Resource(id), false);
                }
                Some(a) if !IDENTITY_ATTRS.contains(&a) => self.projection(r, a, spec, walk),
                _ if r.is_data() => self.data_source(r, spec, walk),
                _ => {
                    if spec.kinds.contains(&r.kind) {
                        walk.push(Target::Resource(id), false);
                    }
                }
            }
        }
    }

    /// A projection such as `aws_subnet.a.vpc_id`: resolve that attribute of `r`.
    fn projection(&self, r: &Resource<'a>, attr: &str, spec: &TargetSpec, walk: &mut Walk) {
        if r.is_data() && r.fields.is_unknown(attr) && !r.configures(attr) && r.configures("id") {
            // Read during apply, but its `id` argument names the object it reads.
            if let Some(same) = same_kind(r.kind) {
                let mut inner = walk.sub();
                inner.depth += 1;
                let _ = self.attr_into(r, &r.fields, &["id"], &same, &mut inner);
                let objects: Vec<ResId> = inner
                    .found()
                    .filter_map(|t| match t {
                        Target::Resource(obj) => Some(*obj),
                        _ => None,
                    })
                    .collect();
                walk.rejoin(&mut inner);
                walk.selection |= inner.selection;
                inner.dead_ends.iter().for_each(|d| walk.dead_end(d.clone()));
                for obj in objects {
                    let o = &self.model[obj];
                    let _ = self.attr_into(o, &o.fields, &[attr], spec, walk);
                }
                return;
            }
        }
        if r.kind == Kind::Other {
            // Unmodelled resources keep their values raw; read them for this one attribute.
            let fields = crate::model::instance_fields(r.inst, r.expressions());
            let _ = self.attr_into(r, &fields, &[attr], spec, walk);
        } else {
            let _ = self.attr_into(r, &r.fields, &[attr], spec, walk);
        }
    }

    /// A data source stands for an existing object: the managed resource with its known id
    /// when the plan has one, else the data source itself; when it is read only during apply,
    /// its `id` argument says which object it will read.
    fn data_source(&self, r: &Resource<'a>, spec: &TargetSpec, walk: &mut Walk) {
        if !spec.kinds.contains(&r.kind) {
            return;
        }
        if let Some(id) = r.fields.after().str("id") {
            let before = walk.found_len();
            for m in self.model.with_value(&id) {
                let mr = &self.model[m];
                if !mr.is_data() && spec.kinds.contains(&mr.kind) {
                    walk.push(Target::Resource(m), true);
                }
            }
            if walk.found_len() == before {
                walk.push(Target::Resource(r.id), true);
            }
            return;
        }
        if r.configures("id") {
            let _ = self.attr_into(r, &r.fields, &["id"], spec, walk);
        } else {
            walk.push(Target::Resource(r.id), false);
        }
    }

    /// [`Resolver::follow_var`], walked once per module instance, variable reference and
    /// spec: what it depends on.
    fn follow_var_once(
        &self,
        scope: &Scope<'_, 'a>,
        reference: u32,
        name: &str,
        path: &[String],
        spec: &TargetSpec,
        walk: &mut Walk,
    ) {
        let key = VarKey {
            module: scope.module,
            reference,
            kinds: spec.kinds.as_ptr() as usize,
            many: spec.many,
            vpc_default: spec.vpc_default,
        };
        let known = self.vars.read().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
        let recorded = match known {
            Some(r) => r,
            None => {
                let mut rec = walk.recorder();
                self.follow_var(scope, name, path, spec, &mut rec);
                let r = Arc::new(rec.record());
                Arc::clone(self.vars.write().unwrap_or_else(|e| e.into_inner()).entry(key).or_insert(r))
            }
        };
        walk.replay(&recorded);
    }

    fn follow_var(&self, scope: &Scope<'_, 'a>, name: &str, path: &[String], spec: &TargetSpec, walk: &mut Walk) {
        if scope.module == ROOT {
            match self.model.doc.variable(name) {
                Some(raw) => {
                    for v in known_strings_at(raw, path) {
                        self.push_value(&v, spec, walk);
                    }
                }
                None => walk.dead_end(format!("var.{name}")),
            }
            return;
        }
        let Some(parent) = self.model.parent(scope.module) else { return };
        let module = self.model.module(scope.module);
        let Some((call_name, _)) = module.steps.last() else { return };
        let call = self.model.config_module(parent).and_then(|m| m.module_calls.get(call_name));
        let Some(call) = call else {
            walk.dead_end(format!("{module}.var.{name}"));
            return;
        };
        match call.expressions().expr(name) {
            Some(e) if e.constant_value.is_some() => {
                for v in known_strings_at(e.constant_value.expect("checked"), path) {
                    self.push_value(&v, spec, walk);
                }
            }
            Some(e) => {
                walk.had_refs = true;
                if self.select_in(parent, || format!("module.{call_name}"), name, module.last_key(), spec, walk) {
                    return;
                }
                let outer = Scope {
                    module: parent,
                    key: module.last_key().cloned(),
                    for_each: call.for_each_expression.as_ref().map(|fe| (fe, parent)),
                };
                self.follow(&outer, &self.parsed(e), path.first().map(String::as_str), spec, walk);
            }
            None => {
                if let Some(default) = call.module.variables.get(name).and_then(|v| v.default) {
                    for v in known_strings_at(default, path) {
                        self.push_value(&v, spec, walk);
                    }
                }
            }
        }
    }

    /// A literal value met while following references: like a known attribute value.
    fn push_value(&self, value: &str, spec: &TargetSpec, walk: &mut Walk) {
        let matches = self.known_matches(value, spec);
        if matches.len() > 1 {
            walk.choices.push(matches.clone());
        }
        matches.into_iter().for_each(|t| walk.push(t, true));
    }

    fn follow_local(&self, scope: &Scope<'_, 'a>, name: &str, spec: &TargetSpec, walk: &mut Walk) {
        let config_path = self.model.module(scope.module).config_path();
        if let Some(refs) = self.locals.and_then(|l| l.local_references(&config_path, name)) {
            self.follow(scope, &self.parsed_refs(&refs), None, spec, walk);
            return;
        }
        // `locals` are not in the plan JSON: every resource of the right type in this module
        // instance stands in, marked as a fallback — unless there is exactly one, the one the
        // local names (a module's `local.this_sg_id` over the group it creates), or none, when
        // only the rest of the expression can tell.
        let key = SetKey::Module { module: scope.module, kinds: spec.kinds.as_ptr() as usize };
        let set = self.shared_set(key, || {
            let ids = self.model.of_kinds_in(scope.module, spec.kinds);
            ids.into_iter().filter(|&id| !self.model[id].is_data()).map(Target::Resource).collect()
        });
        match set.len() {
            0 => walk.empty_locals.push(name.to_string()),
            1 => walk.push_set(set),
            _ => {
                walk.push_set(set);
                if walk.fallback.is_none() {
                    walk.fallback = Some(format!("local.{name}"));
                }
            }
        }
    }

    pub(super) fn follow_module(
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
        let outputs: Vec<_> = match output {
            Some(o) => match call.module.outputs.get(o) {
                Some(out) => out.expression.iter().collect(),
                None => {
                    walk.dead_end(format!("module.{name}.{o}"));
                    return;
                }
            },
            None => call.module.outputs.values().filter_map(|o| o.expression.as_ref()).collect(),
        };
        let children: Vec<ModId> = self.model.module_children(module, name, key).collect();
        for child in children {
            let inner = Scope { module: child, key: None, for_each: None };
            for e in &outputs {
                if let Some(c) = e.constant_value {
                    for v in known_strings(c) {
                        self.push_value(&v, spec, walk);
                    }
                } else {
                    self.follow(&inner, &self.parsed(e), None, spec, walk);
                }
            }
        }
    }
}

/// A `for_each` over exactly one whole module or resource (`for_each = module.vpcs`) keys
/// its instances like that object's, so `each.value` of instance `k` is the object's `[k]`.
fn aligned_ref(refs: &[Ref], key: Option<&Key>) -> Option<Reference> {
    key?;
    match refs {
        [Ref { reference: r @ Reference::Module { key: None, output: None, .. }, .. }] => Some(r.clone()),
        [Ref { reference: r @ Reference::Resource { key: None, .. }, .. }] => Some(r.clone()),
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
