//! Typed AWS resources over a loaded plan, indexed by address, by configuration resource and
//! by known identifiers (`id`, `name`, `arn`).

pub mod attr;
pub mod kind;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Deserialize;

use crate::plan::config::{ConfigModule, ConfigResource, Expressions};
use crate::plan::{Action, Document, Mode, ModuleInstance, ResourceInstance, Values};
pub use attr::Attr;
pub use kind::Kind;

/// Index of a resource in [`Model::resources`].
pub type ResId = usize;

/// One resource instance with its modelled type, values and configuration block.
#[derive(Debug)]
pub struct Resource<'a> {
    pub id: ResId,
    pub inst: &'a ResourceInstance<'a>,
    pub kind: Kind,
    /// Values after apply (state values for state documents). Empty for unmodelled types.
    pub after: Values<'a>,
    /// The `after_unknown` markers.
    pub unknown: Values<'a>,
    /// Values before the change, for objects that exist already.
    pub before: Values<'a>,
    /// The resource's block in `configuration`, when the plan has one.
    pub config: Option<&'a ConfigResource<'a>>,
}

impl<'a> Resource<'a> {
    pub fn address(&self) -> &'a str {
        self.inst.address.as_ref()
    }

    pub fn type_name(&self) -> &'a str {
        &self.inst.addr.type_
    }

    pub fn module(&self) -> &'a ModuleInstance {
        &self.inst.addr.module
    }

    pub fn is_data(&self) -> bool {
        self.inst.addr.mode == Mode::Data
    }

    pub fn expressions(&self) -> Option<&'a Expressions<'a>> {
        self.config.map(|c| &c.expressions)
    }

    /// Does the configuration set this attribute (to anything)?
    pub fn configures(&self, key: &str) -> bool {
        self.expressions().is_some_and(|e| e.contains(key))
    }

    /// The attribute as it will be after apply, with `default` for an unset attribute that
    /// the plan shows as unknown (see [`attr`]).
    pub fn attr<T: Deserialize<'a>>(&self, key: &str, default: Option<T>) -> Attr<T> {
        read_attr(&self.after, &self.unknown, &self.before, self.expressions(), self.inst.action, key, default)
    }

    pub fn attr_str(&self, key: &str) -> Attr<String> {
        self.attr::<String>(key, None)
    }
}

/// [`Resource::attr`] at any nesting level (for attributes inside nested blocks).
pub fn read_attr<'a, T: Deserialize<'a>>(
    after: &Values<'a>,
    unknown: &Values<'a>,
    before: &Values<'a>,
    config: Option<&Expressions<'a>>,
    action: Action,
    key: &str,
    default: Option<T>,
) -> Attr<T> {
    let set_in_config = config.is_some_and(|e| e.contains(key));
    if unknown.any_true(key) {
        if set_in_config {
            return Attr::Unknown;
        }
        // Unset and computed by the provider: its default when tfreach knows it, else absent
        // (not "unknown": nothing in the configuration makes it so).
        if action.creates() {
            return default.map_or(Attr::Absent, Attr::Default);
        }
        // An existing object keeps its computed value.
        return before.get::<T>(key).map_or(default.map_or(Attr::Absent, Attr::Default), Attr::Known);
    }
    match after.get::<T>(key) {
        Some(v) => Attr::Known(v),
        None => default.map_or(Attr::Absent, Attr::Default),
    }
}

/// Names the resources of one configuration block in one module instance, e.g. every
/// `aws_subnet.private[*]` of `module.vpc`.
fn config_key(module: &ModuleInstance, mode: Mode, type_: &str, name: &str) -> String {
    let data = if mode == Mode::Data { "data." } else { "" };
    if module.is_root() { format!("{data}{type_}.{name}") } else { format!("{module}.{data}{type_}.{name}") }
}

/// The typed, indexed view of one document.
#[derive(Debug)]
pub struct Model<'a> {
    pub doc: &'a Document<'a>,
    pub resources: Vec<Resource<'a>>,
    by_address: HashMap<&'a str, ResId>,
    by_config: HashMap<String, Vec<ResId>>,
    by_value: HashMap<&'a str, Vec<ResId>>,
    by_kind: HashMap<Kind, Vec<ResId>>,
    /// Every module instance that has resources (or a descendant with resources).
    module_instances: Vec<ModuleInstance>,
}

impl<'a> Model<'a> {
    pub fn build(doc: &'a Document<'a>) -> Model<'a> {
        let config_index = index_configuration(&doc.configuration.root_module);
        let resources: Vec<Resource<'a>> = doc
            .resources
            .par_iter()
            .enumerate()
            .map(|(id, inst)| {
                let kind = Kind::from_type(&inst.addr.type_);
                let modelled = kind != Kind::Other;
                let config = config_index.get(&(inst.addr.module.config_path(), inst.addr.config_address())).copied();
                Resource {
                    id,
                    inst,
                    kind,
                    after: if modelled { Values::of(inst.after) } else { Values::default() },
                    unknown: if modelled { Values::of(inst.after_unknown) } else { Values::default() },
                    before: if modelled { Values::of(inst.before) } else { Values::default() },
                    config,
                }
            })
            .collect();

        let mut by_address = HashMap::with_capacity(resources.len());
        let mut by_config: HashMap<String, Vec<ResId>> = HashMap::new();
        let mut by_value: HashMap<&'a str, Vec<ResId>> = HashMap::new();
        let mut modules: Vec<ModuleInstance> = Vec::new();
        let mut by_kind: HashMap<Kind, Vec<ResId>> = HashMap::new();
        for r in &resources {
            if r.kind != Kind::Other {
                by_kind.entry(r.kind).or_default().push(r.id);
            }
            by_address.insert(r.address(), r.id);
            let a = &r.inst.addr;
            by_config.entry(config_key(&a.module, a.mode, &a.type_, &a.name)).or_default().push(r.id);
            if r.kind != Kind::Other {
                for values in [&r.after, &r.before] {
                    for key in identity_keys(r.kind) {
                        if let Some(v) = values.raw(key).and_then(|raw| borrowed_str(raw.get())) {
                            let ids = by_value.entry(v).or_default();
                            if !ids.contains(&r.id) {
                                ids.push(r.id);
                            }
                        }
                    }
                }
            }
            let mut m = a.module.clone();
            loop {
                modules.push(m.clone());
                match m.parent() {
                    Some(p) => m = p,
                    None => break,
                }
            }
        }
        modules.sort();
        modules.dedup();
        Model { doc, resources, by_address, by_config, by_value, by_kind, module_instances: modules }
    }

    pub fn get(&self, address: &str) -> Option<&Resource<'a>> {
        self.by_address.get(address).map(|&id| &self.resources[id])
    }

    /// Instances of `type_.name` (mode `mode`) in `module`, in input order.
    pub fn instances_of(&self, module: &ModuleInstance, mode: Mode, type_: &str, name: &str) -> &[ResId] {
        self.by_config.get(&config_key(module, mode, type_, name)).map_or(&[], Vec::as_slice)
    }

    /// Resources whose known `id`, `name` or `arn` (etc.) equals `value`.
    pub fn with_value(&self, value: &str) -> &[ResId] {
        self.by_value.get(value).map_or(&[], Vec::as_slice)
    }

    /// Every resource (managed or data) of one kind, in input order.
    pub fn of_kind(&self, kind: Kind) -> &[ResId] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// Every resource of one of `kinds` in exactly `module`.
    pub fn of_kinds_in(&self, module: &ModuleInstance, kinds: &[Kind]) -> Vec<ResId> {
        let mut ids: Vec<ResId> = kinds
            .iter()
            .flat_map(|k| self.of_kind(*k))
            .copied()
            .filter(|&id| self.resources[id].module() == module)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Child instances of call `name` in `module` (any key when `key` is `None`).
    pub fn module_children(
        &self,
        module: &ModuleInstance,
        name: &str,
        key: Option<&crate::plan::Key>,
    ) -> Vec<ModuleInstance> {
        let depth = module.steps.len();
        self.module_instances
            .iter()
            .filter(|m| {
                m.steps.len() == depth + 1
                    && m.steps[..depth] == module.steps[..]
                    && m.steps[depth].0 == name
                    && key.is_none_or(|k| m.steps[depth].1.as_ref() == Some(k))
            })
            .cloned()
            .collect()
    }

    pub fn compute(&self) -> impl Iterator<Item = &Resource<'a>> {
        self.resources.iter().filter(|r| r.kind.is_compute() && !r.is_data())
    }

    /// The configuration module at a module instance's path.
    pub fn config_module(&self, module: &ModuleInstance) -> Option<&'a ConfigModule<'a>> {
        self.doc.configuration.root_module.descend(&module.config_path())
    }
}

/// Attributes whose known values identify a resource of this kind when others refer to it.
fn identity_keys(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::IamRole | Kind::IamInstanceProfile | Kind::LaunchConfiguration | Kind::LaunchTemplate => {
            &["id", "name", "arn"]
        }
        Kind::IamPolicy | Kind::IamPolicyDocument => &["id", "arn"],
        Kind::Route53Zone => &["id", "zone_id"],
        Kind::DefaultRouteTable => &["id", "default_route_table_id"],
        Kind::DefaultNetworkAcl => &["id", "default_network_acl_id"],
        Kind::Eip => &["id", "allocation_id"],
        _ => &["id", "arn"],
    }
}

/// A JSON string's content without escapes, borrowed; `None` for other values or escapes.
fn borrowed_str(json: &str) -> Option<&str> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.is_empty() && !inner.contains('\\')).then_some(inner)
}

type ConfigIndex<'a> = HashMap<(Vec<&'a str>, String), &'a ConfigResource<'a>>;

fn index_configuration<'a>(root: &'a ConfigModule<'a>) -> ConfigIndex<'a> {
    fn walk<'a>(m: &'a ConfigModule<'a>, path: &mut Vec<&'a str>, out: &mut ConfigIndex<'a>) {
        for r in &m.resources {
            out.insert((path.clone(), r.address.to_string()), r);
        }
        for (name, call) in &m.module_calls {
            path.push(name.as_ref());
            walk(&call.module, path, out);
            path.pop();
        }
    }
    let mut out = HashMap::new();
    walk(root, &mut Vec::new(), &mut out);
    out
}
