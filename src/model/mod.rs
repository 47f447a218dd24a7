//! Typed AWS resources over a loaded plan, indexed by address, by configuration resource and
//! by known identifiers (`id`, `name`, `arn`).

pub mod attr;
pub mod eval;
pub mod ids;
pub mod kind;

use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde::Deserialize;

use crate::plan::config::{ConfigModule, ConfigResource, Expressions};
use crate::plan::{Action, Document, Key, Markers, Mode, ModuleInstance, ModuleStep, ResourceInstance, Values};
pub use attr::{Attr, Fields, Lifecycle};
pub use ids::{ModId, ResId};
pub use kind::Kind;

/// The root module's [`ModId`].
pub const ROOT: ModId = ModId::ROOT;

/// A module instance that holds resources (or is an ancestor of one that does).
#[derive(Debug)]
struct ModuleEntry<'a> {
    instance: Arc<ModuleInstance>,
    parent: Option<ModId>,
    /// Its block in `configuration`, when the plan has one.
    config: Option<&'a ConfigModule<'a>>,
    /// Child instances by call name.
    children: FxHashMap<Arc<str>, Vec<ModId>>,
}

/// One resource instance with its modelled type, values and configuration block.
#[derive(Debug)]
pub struct Resource<'a> {
    pub id: ResId,
    pub inst: &'a ResourceInstance<'a>,
    pub kind: Kind,
    /// The module instance the resource is in.
    pub module_id: ModId,
    /// Its planned, unknown, prior and configured values. Empty for unmodelled types.
    pub fields: Fields<'a>,
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

    /// Whether Terraform marks the attribute `key` (or anything under it) sensitive: a rule
    /// that quotes its value prints `(sensitive)` instead, however short the value is.
    pub fn sensitive(&self, key: &str) -> bool {
        self.inst.sensitive.within(key)
    }

    pub fn expressions(&self) -> Option<&'a Expressions<'a>> {
        self.config.map(ConfigResource::expressions)
    }

    /// Does the configuration set this attribute (to anything)?
    pub fn configures(&self, key: &str) -> bool {
        self.fields.configures(key)
    }

    /// The attribute as it will be after apply (see [`Fields::attr`]).
    pub fn attr<T: Deserialize<'a>>(&self, key: &str, default: Option<T>) -> Attr<T> {
        self.fields.attr(key, default)
    }

    pub fn attr_str(&self, key: &str) -> Attr<String> {
        self.fields.str(key)
    }

    pub fn action(&self) -> Action {
        self.inst.action
    }

    pub fn key(&self) -> Option<&'a Key> {
        self.inst.addr.key.as_ref()
    }
}

/// Whether unset computed attributes of an object in this state take their defaults.
pub fn lifecycle_of(action: Action) -> Lifecycle {
    if action.creates() { Lifecycle::Creates } else { Lifecycle::Exists }
}

/// The fields of an instance's values, with its configuration's `expressions`: the planned
/// values and unknown markers split into one allocation, and the values before (a state
/// entry's are its planned ones, split once).
pub fn instance_fields<'a>(inst: &'a ResourceInstance<'a>, expressions: Option<&'a Expressions<'a>>) -> Fields<'a> {
    let (after, unknown) = Values::with_markers(inst.after, inst.after_unknown);
    let before = match inst.before {
        Some(b) if inst.after.is_some_and(|a| std::ptr::eq(a, b)) => after.clone(),
        b => Values::of(b),
    };
    Fields::new(after, unknown, before, expressions, lifecycle_of(inst.action))
}

/// The typed, indexed view of one document.
#[derive(Debug)]
pub struct Model<'a> {
    pub doc: &'a Document<'a>,
    pub resources: Vec<Resource<'a>>,
    /// Built on the first [`Model::get`]: only some rules look resources up by address.
    by_address: OnceLock<FxHashMap<&'a str, ResId>>,
    /// Instances of one configuration block (`aws_subnet.private`) in one module instance.
    by_config: BlockIndex<'a>,
    /// (known identifier, resource) pairs, sorted.
    by_value: Vec<(&'a str, ResId)>,
    by_kind: FxHashMap<Kind, Vec<ResId>>,
    /// Resources by (module instance, kind): runs of `ids`, in input order within each.
    by_module_kind: ModuleKindIndex,
    /// Every module instance that has resources (or a descendant with resources); the root
    /// first, then in order of first appearance.
    modules: Vec<ModuleEntry<'a>>,
}

impl<'a> Model<'a> {
    pub fn build(doc: &'a Document<'a>) -> Model<'a> {
        Model::of(doc, &doc.resources)
    }

    /// The world before a plan: its `prior_state`, read with its configuration.
    pub fn before(doc: &'a Document<'a>) -> Model<'a> {
        Model::of(doc, &doc.prior)
    }

    /// The model of `instances`, one world of `doc` (after the plan, or before it).
    fn of(doc: &'a Document<'a>, instances: &'a [crate::plan::ResourceInstance<'a>]) -> Model<'a> {
        let config_root = &doc.configuration.root_module;
        let (config_index, (mut modules, module_of)) =
            rayon::join(|| index_configuration(config_root), || module_table(instances));

        modules[ROOT.index()].config = Some(config_root);
        for m in &mut modules[1..] {
            m.config = config_root.descend(&m.instance.config_path());
        }

        let resources: Vec<Resource<'a>> = instances
            .par_iter()
            .zip(module_of.par_iter())
            .enumerate()
            .map(|(id, (inst, &module_id))| {
                let kind = Kind::from_type(&inst.addr.type_);
                let modelled = kind != Kind::Other;
                let a = &inst.addr;
                let config = modules[module_id.index()]
                    .config
                    .and_then(|c| config_index.get(&config_key(c)))
                    .and_then(|blocks| blocks.get(&(a.mode, a.type_.as_ref(), a.name.as_ref())))
                    .copied();
                if modelled && let Some(c) = config {
                    // Read here, in parallel, rather than on the resolver's first use.
                    c.expressions();
                }
                let fields = if modelled {
                    instance_fields(inst, config.map(ConfigResource::expressions))
                } else {
                    Fields::new(
                        Values::default(),
                        Markers::default(),
                        Values::default(),
                        None,
                        lifecycle_of(inst.action),
                    )
                };
                let fields = fields.in_scope(eval::VarScope { doc, module: &inst.addr.module });
                Resource { id: ResId::new(id), inst, kind, module_id, fields, config }
            })
            .collect();

        let (by_config, (by_value, (by_kind, by_module_kind))) = rayon::join(
            || BlockIndex::build(&resources),
            || rayon::join(|| value_index(&resources), || kind_indexes(&resources)),
        );
        let by_address = OnceLock::new();
        Model { doc, resources, by_address, by_config, by_value, by_kind, by_module_kind, modules }
    }

    pub fn get(&self, address: &str) -> Option<&Resource<'a>> {
        self.by_address.get_or_init(|| address_index(&self.resources)).get(address).map(|&id| &self[id])
    }

    /// The module instance with this id.
    pub fn module(&self, id: ModId) -> &ModuleInstance {
        &self.modules[id.index()].instance
    }

    /// The module that calls this one; `None` for the root.
    pub fn parent(&self, id: ModId) -> Option<ModId> {
        self.modules[id.index()].parent
    }

    /// How many module instances the table holds.
    pub fn module_count(&self) -> usize {
        self.modules.len()
    }

    /// Instances of `type_.name` (mode `mode`) in module `module`, in input order.
    pub fn instances_of(&self, module: ModId, mode: Mode, type_: &str, name: &str) -> &[ResId] {
        self.by_config.get(module, mode, type_, name)
    }

    /// Resources whose known `id`, `name` or `arn` (etc.) equals `value`.
    pub fn with_value<'s>(&'s self, value: &'s str) -> impl Iterator<Item = ResId> + 's {
        let start = self.by_value.partition_point(|(v, _)| *v < value);
        self.by_value[start..].iter().take_while(move |(v, _)| *v == value).map(|&(_, id)| id)
    }

    /// Every resource (managed or data) of one kind, in input order.
    pub fn of_kind(&self, kind: Kind) -> &[ResId] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// Every resource of one of `kinds` in exactly `module`, in input order.
    pub fn of_kinds_in(&self, module: ModId, kinds: &[Kind]) -> Vec<ResId> {
        let mut ids: Vec<ResId> = kinds.iter().flat_map(|&k| self.by_module_kind.get(module, k)).copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Child instances of call `name` in `module` (any key when `key` is `None`).
    pub fn module_children(&self, module: ModId, name: &str, key: Option<&Key>) -> impl Iterator<Item = ModId> {
        let children = self.modules[module.index()].children.get(name).map_or(&[][..], Vec::as_slice);
        children
            .iter()
            .copied()
            .filter(move |&c| key.is_none_or(|k| self.modules[c.index()].instance.last_key() == Some(k)))
    }

    /// The configuration module of a module instance.
    pub fn config_module(&self, module: ModId) -> Option<&'a ConfigModule<'a>> {
        self.modules[module.index()].config
    }

    pub fn compute(&self) -> impl Iterator<Item = &Resource<'a>> {
        self.resources.iter().filter(|r| r.kind.is_compute() && !r.is_data())
    }
}

impl<'a> std::ops::Index<ResId> for Model<'a> {
    type Output = Resource<'a>;
    fn index(&self, id: ResId) -> &Resource<'a> {
        &self.resources[id.index()]
    }
}

/// Resources grouped by configuration block — module instance, mode, type and name — each
/// group a run of `ids` in input order. Types and names are numbered, so that keys own
/// nothing and lookups need no key that lives as long as the document.
#[derive(Debug, Default)]
struct BlockIndex<'a> {
    /// Type and block names, numbered in order of first appearance.
    names: HashTable<(&'a str, u32)>,
    runs: FxHashMap<(ModId, Mode, u32, u32), (u32, u32)>,
    ids: Vec<ResId>,
}

impl<'a> BlockIndex<'a> {
    fn build(resources: &[Resource<'a>]) -> BlockIndex<'a> {
        // The names are hashed on every thread; they are numbered on one.
        let hashed: Vec<[(&'a str, u64); 2]> = resources
            .par_iter()
            .map(|r| {
                let inst: &'a ResourceInstance<'a> = r.inst;
                let (t, n): (&'a str, &'a str) = (&inst.addr.type_, &inst.addr.name);
                [(t, FxBuildHasher.hash_one(t)), (n, FxBuildHasher.hash_one(n))]
            })
            .collect();
        let mut names: HashTable<(&'a str, u32)> = HashTable::new();
        let mut number = |(s, hash): (&'a str, u64)| -> u32 {
            let next = names.len() as u32;
            match names.find(hash, |&(k, _)| k == s) {
                Some(&(_, n)) => n,
                None => {
                    names.insert_unique(hash, (s, next), |&(k, _)| FxBuildHasher.hash_one(k));
                    next
                }
            }
        };
        let mut keyed = Vec::with_capacity(resources.len());
        for (r, [t, n]) in resources.iter().zip(hashed) {
            let key = (r.module_id, r.inst.addr.mode, number(t), number(n));
            keyed.push((key, r.id));
        }
        keyed.sort_unstable();
        let mut runs = FxHashMap::default();
        let mut ids = Vec::with_capacity(keyed.len());
        for run in keyed.chunk_by(|x, y| x.0 == y.0) {
            runs.insert(run[0].0, (ids.len() as u32, run.len() as u32));
            ids.extend(run.iter().map(|&(_, id)| id));
        }
        BlockIndex { names, runs, ids }
    }

    fn get(&self, module: ModId, mode: Mode, type_: &str, name: &str) -> &[ResId] {
        let number = |s: &str| self.names.find(FxBuildHasher.hash_one(s), |&(k, _)| k == s).map(|&(_, n)| n);
        let (Some(t), Some(n)) = (number(type_), number(name)) else { return &[] };
        match self.runs.get(&(module, mode, t, n)) {
            Some(&(start, len)) => &self.ids[start as usize..(start + len) as usize],
            None => &[],
        }
    }
}

/// The module instances of the document's resources and their ancestors (the root first,
/// then in order of first appearance), and each resource's module.
fn module_table<'a>(instances: &[crate::plan::ResourceInstance<'a>]) -> (Vec<ModuleEntry<'a>>, Vec<ModId>) {
    let root = ModuleEntry {
        instance: Arc::new(ModuleInstance::root()),
        parent: None,
        config: None,
        children: FxHashMap::default(),
    };
    let mut modules = vec![root];
    let mut ids = HashTable::new();
    // Resources of one module instance mostly share its `Arc` (the loader shares it): known by
    // its address, a module costs no hashing of its path.
    let mut by_arc: FxHashMap<*const ModuleInstance, ModId> = FxHashMap::default();
    let module_of = instances
        .iter()
        .map(|inst| {
            let module = &inst.addr.module;
            *by_arc
                .entry(Arc::as_ptr(module))
                .or_insert_with(|| intern(&mut modules, &mut ids, &module.steps, Some(module)))
        })
        .collect();
    // Children in address order, as `terraform show` lists module instances.
    for id in 0..modules.len() {
        let mut children = std::mem::take(&mut modules[id].children);
        for list in children.values_mut() {
            list.sort_by(|&x, &y| modules[x.index()].instance.cmp(&modules[y.index()].instance));
        }
        modules[id].children = children;
    }
    (modules, module_of)
}

fn address_index<'a>(resources: &[Resource<'a>]) -> FxHashMap<&'a str, ResId> {
    let mut by_address = FxHashMap::with_capacity_and_hasher(resources.len(), Default::default());
    for r in resources {
        by_address.insert(r.address(), r.id);
    }
    by_address
}

/// (known identifier, resource) pairs of modelled resources, sorted.
fn value_index<'a>(resources: &[Resource<'a>]) -> Vec<(&'a str, ResId)> {
    let mut by_value: Vec<(&'a str, ResId)> = resources
        .par_iter()
        .filter(|r| r.kind != Kind::Other)
        .flat_map_iter(|r| {
            [r.fields.after(), r.fields.before()].into_iter().flat_map(move |values| {
                identity_keys(r.kind)
                    .iter()
                    .filter_map(move |key| values.raw(key).and_then(|raw| borrowed_str(raw.get())))
                    .map(move |v| (v, r.id))
            })
        })
        .collect();
    by_value.par_sort_unstable();
    by_value.dedup();
    by_value.shrink_to_fit();
    by_value
}

type KindIndexes = (FxHashMap<Kind, Vec<ResId>>, ModuleKindIndex);

/// Resources grouped by (module instance, kind), each group a run of `ids` in input order:
/// one list for all of them, not one per group.
#[derive(Debug, Default)]
struct ModuleKindIndex {
    runs: FxHashMap<(ModId, Kind), (u32, u32)>,
    ids: Vec<ResId>,
}

impl ModuleKindIndex {
    fn get(&self, module: ModId, kind: Kind) -> &[ResId] {
        match self.runs.get(&(module, kind)) {
            Some(&(start, len)) => &self.ids[start as usize..(start + len) as usize],
            None => &[],
        }
    }
}

fn kind_indexes(resources: &[Resource<'_>]) -> KindIndexes {
    let mut by_kind: FxHashMap<Kind, Vec<ResId>> = FxHashMap::default();
    let mut keyed: Vec<(ModId, Kind, ResId)> = Vec::new();
    for r in resources.iter().filter(|r| r.kind != Kind::Other) {
        by_kind.entry(r.kind).or_default().push(r.id);
        keyed.push((r.module_id, r.kind, r.id));
    }
    // Ids increase in input order, so sorting keeps each group in input order.
    keyed.sort_unstable();
    let mut index = ModuleKindIndex { runs: FxHashMap::default(), ids: Vec::with_capacity(keyed.len()) };
    for run in keyed.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
        index.runs.insert((run[0].0, run[0].1), (index.ids.len() as u32, run.len() as u32));
        index.ids.extend(run.iter().map(|&(_, _, id)| id));
    }
    (by_kind, index)
}

/// The id of the module instance made of `steps` (`module`, when the caller has it), adding
/// it and its ancestors to the table when new. Instances are found by their steps, so that
/// looking up an ancestor builds nothing.
fn intern<'a>(
    modules: &mut Vec<ModuleEntry<'a>>,
    ids: &mut HashTable<ModId>,
    steps: &[ModuleStep],
    module: Option<&Arc<ModuleInstance>>,
) -> ModId {
    let Some(((call, _), parent_steps)) = steps.split_last() else {
        return ROOT;
    };
    let hash = FxBuildHasher.hash_one(steps);
    if let Some(&id) = ids.find(hash, |id| modules[id.index()].instance.steps == steps) {
        return id;
    }
    let parent = intern(modules, ids, parent_steps, None);
    let id = ModId::new(modules.len());
    modules[parent.index()].children.entry(call.clone()).or_default().push(id);
    let instance = module.map_or_else(|| Arc::new(ModuleInstance { steps: steps.to_vec() }), Arc::clone);
    modules.push(ModuleEntry { instance, parent: Some(parent), config: None, children: FxHashMap::default() });
    ids.insert_unique(hash, id, |id| FxBuildHasher.hash_one(modules[id.index()].instance.steps.as_slice()));
    id
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
        Kind::VpcEndpoint => &["id", "arn", "prefix_list_id"],
        Kind::EksCluster => &["id", "arn", "name"],
        Kind::Instance => &["id", "arn", "primary_network_interface_id"],
        _ => &["id", "arn"],
    }
}

use attr::borrowed_str;

/// Each configuration module block's resources by (mode, type, name), by module block.
type ConfigIndex<'a> = FxHashMap<usize, FxHashMap<(Mode, &'a str, &'a str), &'a ConfigResource<'a>>>;

/// Identifies a configuration module block in [`ConfigIndex`] keys: its address in memory
/// (each block is parsed once and never moves while the document lives).
fn config_key(module: &ConfigModule<'_>) -> usize {
    module as *const ConfigModule<'_> as usize
}

fn index_configuration<'a>(root: &'a ConfigModule<'a>) -> ConfigIndex<'a> {
    // Calls of one module source share its configuration: it is indexed once.
    fn walk<'a>(m: &'a ConfigModule<'a>, seen: &mut FxHashSet<usize>, out: &mut Vec<&'a ConfigModule<'a>>) {
        if !seen.insert(config_key(m)) {
            return;
        }
        out.push(m);
        for call in m.module_calls.values() {
            walk(&call.module, seen, out);
        }
    }
    let mut modules = Vec::new();
    walk(root, &mut FxHashSet::default(), &mut modules);
    // Each module block is indexed on its own, in parallel.
    modules
        .par_iter()
        .map(|m| {
            let mut blocks = FxHashMap::with_capacity_and_hasher(m.resources.len(), Default::default());
            for r in &m.resources {
                let data = r.mode.as_deref() == Some("data") || r.address.starts_with("data.");
                let mode = if data { Mode::Data } else { Mode::Managed };
                blocks.insert((mode, r.type_.as_ref(), r.name.as_ref()), r);
            }
            (config_key(m), blocks)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{SourceFile, load};

    fn change(address: &str) -> String {
        format!(r#"{{"address":{},"change":{{"actions":["create"],"after":{{}}}}}}"#, serde_json::json!(address))
    }

    #[test]
    fn the_module_table_adds_ancestors_without_resources_once() {
        let changes = [
            change(r#"module.a["x"].module.b.aws_vpc.v"#),
            change(r#"module.a["y"].module.b.aws_vpc.v"#),
            change(r#"module.a["x"].module.b.aws_subnet.s"#),
            change("aws_vpc.root"),
        ];
        let source = SourceFile::from_string("plan.json", format!(r#"{{"resource_changes":[{}]}}"#, changes.join(",")));
        let doc = load(&source).unwrap();
        let model = Model::build(&doc);
        // The root, a["x"], a["y"] and the two b's: the a's have no resources of their own.
        assert_eq!(model.module_count(), 5);
        let a: Vec<ModId> = model.module_children(ROOT, "a", None).collect();
        assert_eq!(a.len(), 2);
        assert!(a.iter().all(|&m| model.parent(m) == Some(ROOT)));
        let x = model.module_children(ROOT, "a", Some(&Key::Str("x".into()))).collect::<Vec<_>>();
        assert_eq!(x.len(), 1);
        assert_eq!(model.module(x[0]).to_string(), r#"module.a["x"]"#);
        let bx: Vec<ModId> = model.module_children(x[0], "b", None).collect();
        assert_eq!(bx.len(), 1);
        // Both resources of module.a["x"].module.b are in that one module instance.
        let vpc = model.get(r#"module.a["x"].module.b.aws_vpc.v"#).unwrap();
        let subnet = model.get(r#"module.a["x"].module.b.aws_subnet.s"#).unwrap();
        assert_eq!((vpc.module_id, subnet.module_id), (bx[0], bx[0]));
        assert_eq!(model.get("aws_vpc.root").unwrap().module_id, ROOT);
        assert!(model.module_children(ROOT, "b", None).next().is_none());
    }
}
