//! Loading `terraform show -json` output — plans and state — into borrowed, typed documents.
//!
//! The large parts of the top level — runs of resource changes, `prior_state`,
//! `configuration` — are found by search and parsed into typed structs on several threads at
//! once (see `split.rs`); when the search's guesses do not hold, one thread scans the top
//! level and the parts are parsed on the thread pool as they are scanned (see `read.rs`).
//! Each resource object keeps its byte span in the input. Resource attribute values stay raw
//! until the model asks for them (see [`values::Values`]), and so do the expressions of
//! configuration blocks.

pub mod address;
pub mod config;
pub mod depth;
pub mod error;
pub mod input;
mod raw;
mod read;
mod recognize;
mod reference;
mod scan;
pub mod sensitive;
mod snippet;
mod split;
pub mod terraform;
pub mod values;

use std::borrow::Cow;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

pub use address::{Key, Mode, ModuleInstance, ModuleStep, ResourceAddress};
pub use config::{Configuration, Expression, Expressions};
pub use error::LoadError;
pub use input::SourceFile;
pub use reference::Reference;
pub use sensitive::{PathStep, SensitivePaths, SensitiveValues};
pub use values::{Markers, Values};

/// Whether the input was a plan or a state snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    Plan,
    State,
}

/// What the plan does to a resource instance. State entries simply exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    NoOp,
    Read,
    Forget,
    Exists,
}

/// The `actions` list of a change, read without keeping it.
#[derive(Default)]
struct Actions {
    create: bool,
    delete: bool,
    update: bool,
    read: bool,
    forget: bool,
}

impl<'de> Deserialize<'de> for Actions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ActionsVisitor;
        impl<'de> serde::de::Visitor<'de> for ActionsVisitor {
            type Value = Actions;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut seq: S) -> Result<Actions, S::Error> {
                let mut a = Actions::default();
                while let Some(values::CowStr(action)) = seq.next_element()? {
                    match action.as_ref() {
                        "create" => a.create = true,
                        "delete" => a.delete = true,
                        "update" => a.update = true,
                        "read" => a.read = true,
                        "forget" => a.forget = true,
                        _ => {}
                    }
                }
                Ok(a)
            }
        }
        d.deserialize_seq(ActionsVisitor)
    }
}

impl Action {
    fn from_actions(a: &Actions) -> Action {
        match (a.create, a.delete) {
            (true, true) => Action::Replace,
            (true, false) => Action::Create,
            (false, true) => Action::Delete,
            _ if a.update => Action::Update,
            _ if a.read => Action::Read,
            _ if a.forget => Action::Forget,
            _ => Action::NoOp,
        }
    }

    /// Whether the object is created fresh, so unset computed attributes take their defaults.
    pub fn creates(self) -> bool {
        matches!(self, Action::Create | Action::Replace)
    }
}

/// A byte range in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

/// One resource instance as the plan (or state) will leave it.
#[derive(Debug, Clone)]
pub struct ResourceInstance<'a> {
    pub address: Cow<'a, str>,
    pub addr: ResourceAddress<'a>,
    pub action: Action,
    /// The values after apply (for state: the values). Unknown values are absent or null.
    pub after: Option<&'a RawValue>,
    /// Which of `after` is unknown until apply.
    pub after_unknown: Option<&'a RawValue>,
    /// The values before the change, when the object exists already.
    pub before: Option<&'a RawValue>,
    /// Which of `after` Terraform marks sensitive (`after_sensitive`, a state's
    /// `sensitive_values`): such values decide the analysis but are never printed.
    pub sensitive: SensitivePaths,
    /// Which of `before` Terraform marks sensitive.
    pub before_sensitive: SensitivePaths,
    /// Where the resource's object sits in the input.
    pub span: Span,
}

/// A loaded plan or state, borrowing from its source text.
#[derive(Debug)]
pub struct Document<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub kind: DocumentKind,
    pub format_version: Option<Cow<'a, str>>,
    pub terraform_version: Option<Cow<'a, str>>,
    /// Root module input variable values.
    pub variables: Vec<(Cow<'a, str>, &'a RawValue)>,
    /// Every resource instance that exists after the plan, in input order, unique by address.
    pub resources: Vec<ResourceInstance<'a>>,
    /// What the plan deletes (not replaces), with its values before.
    pub deleted: Vec<ResourceInstance<'a>>,
    /// A plan's `prior_state`: the world before the plan (empty for a state, or a plan that
    /// creates everything).
    pub prior: Vec<ResourceInstance<'a>>,
    pub configuration: Configuration<'a>,
    /// Oddities worth telling the user (duplicate addresses, unusual versions).
    pub notes: Vec<String>,
    /// Every value Terraform marks sensitive anywhere in the document (resources, outputs,
    /// variables declared `sensitive`): what the output filter hides.
    pub sensitive: SensitiveValues,
}

impl<'a> Document<'a> {
    pub fn variable(&self, name: &str) -> Option<&'a RawValue> {
        self.variables.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// 1-based line and column of a byte offset in this document.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        error::line_column(self.text, offset)
    }
}

const PLAN_HELP: &str =
    "tfreach reads the JSON of `terraform show -json tfplan` (a saved plan) or `terraform show -json` (the state)";

/// Loads a plan or state document from `source`.
pub fn load(source: &SourceFile) -> Result<Document<'_>, LoadError> {
    load_reading(source, read::Reading::Pieces)
}

fn load_reading(source: &SourceFile, reading: read::Reading) -> Result<Document<'_>, LoadError> {
    let name = source.name.as_str();
    let text = source.text.as_str();
    let first = text.find(|c: char| !c.is_whitespace());
    let Some(first) = first else {
        return Err(LoadError::Empty { name: name.to_string() });
    };
    if !text[first..].starts_with('{') {
        if let Some(e) = recognize::recognise(name, text) {
            return Err(e);
        }
        // Still report real syntax errors as such.
        if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
            return Err(json_error(name, text, text, &e));
        }
        let what = match text.as_bytes()[first] {
            b'[' => "an array",
            b'"' => "a string",
            b'n' => "null",
            b't' | b'f' => "a boolean",
            _ => "a number",
        };
        return Err(LoadError::shape(
            name,
            text,
            first,
            format!("not a Terraform plan or state: the top level is {what}, not an object"),
            PLAN_HELP,
        ));
    }

    let background = read::Background::new(name, text);
    let raw = background.read(reading).map_err(|e| recognize::recognise(name, text).unwrap_or(e))?;

    let kind = if raw.resource_changes.is_some() || raw.planned_values.is_some() || raw.configuration {
        DocumentKind::Plan
    } else if raw.values.is_some() || (raw.format_version.is_some() && !raw.version) {
        DocumentKind::State
    } else if raw.version && raw.serial {
        return Err(LoadError::shape(
            name,
            text,
            first,
            "this is a raw terraform.tfstate file, not the JSON of `terraform show -json`",
            "convert it first: `terraform show -json > state.json` (or `terraform show -json terraform.tfstate`)",
        ));
    } else if let Some(e) = recognize::recognise(name, text) {
        return Err(e);
    } else {
        return Err(LoadError::shape(
            name,
            text,
            first,
            "not a Terraform plan or state: none of `format_version`, `resource_changes`, `planned_values` or `values` is present",
            PLAN_HELP,
        ));
    };

    let configuration = background.configuration()?;
    let (mut resources, prior) = match kind {
        DocumentKind::Plan => plan_resources(&background, &raw)?,
        DocumentKind::State => match raw.values {
            Some(v) => (background.state_values(v)?, Vec::new()),
            None => (Vec::new(), Vec::new()),
        },
    };
    let deleted: Vec<ResourceInstance<'_>> = resources.iter().filter(|r| r.action == Action::Delete).cloned().collect();
    resources.retain(|r| r.action != Action::Delete);

    let mut sensitive = background.sensitive();
    sensitive_outside_resources(name, text, &raw, &configuration, &mut sensitive)?;

    let mut notes = Vec::new();
    let before = resources.len();
    let (_, first) = AddressIndex::of(&resources);
    let mut first = first.into_iter();
    resources.retain(|_| first.next().unwrap_or(true));
    // Deleted objects, duplicates and deposed changes leave spare room: copying the list to
    // give it back is worth it only when there is much.
    if resources.capacity() - resources.len() > resources.len() / 8 {
        resources.shrink_to_fit();
    }
    if resources.len() != before {
        notes.push(format!(
            "{} duplicate resource address(es) ignored; the first occurrence of each was used",
            before - resources.len()
        ));
    }

    Ok(Document {
        name,
        text,
        kind,
        format_version: raw.format_version,
        terraform_version: raw.terraform_version,
        variables: raw.variables,
        resources,
        deleted,
        prior,
        configuration,
        notes,
        sensitive,
    })
}

/// The sensitive values of root variables and outputs.
fn sensitive_outside_resources<'a>(
    name: &str,
    text: &'a str,
    raw: &read::RawDocument<'a>,
    configuration: &Configuration<'a>,
    out: &mut SensitiveValues,
) -> Result<(), LoadError> {
    let declared = &configuration.root_module.variables;
    for (variable, value) in &raw.variables {
        if declared.get(variable).is_some_and(|v| v.sensitive) {
            out.add_raw(Some(value));
        }
    }
    for v in declared.values().filter(|v| v.sensitive) {
        out.add_raw(v.default);
    }
    if let Some(changes) = raw.output_changes {
        let changes: Option<std::collections::BTreeMap<values::CowStr<'a>, raw::RawOutputChange<'a>>> =
            nested(name, text, changes)?;
        for change in changes.iter().flat_map(|c| c.values()) {
            out.add_marked(change.before, &SensitivePaths::of(change.before_sensitive));
            out.add_marked(change.after, &SensitivePaths::of(change.after_sensitive));
        }
    }
    Ok(())
}

/// A plan's resources: those its changes leave, then those only `prior_state` has (data
/// sources read during planning, anything a targeted plan left out), then — for plans
/// without changes — those only `planned_values` has.
/// Also the whole `prior_state`.
#[allow(clippy::type_complexity)]
fn plan_resources<'a>(
    background: &read::Background<'a>,
    raw: &read::RawDocument<'a>,
) -> Result<(Vec<ResourceInstance<'a>>, Vec<ResourceInstance<'a>>), LoadError> {
    let changes = background.changes()?;
    let prior = background.prior_state()?;
    // Which prior entries no change has (of repeated ones, the first).
    let (index, mut keep) = AddressIndex::of(&prior);
    if !prior.is_empty() {
        let changed: Vec<usize> = changes
            .par_iter()
            .flat_map_iter(|run| run.iter().filter_map(|change| index.find(&prior, change.address())))
            .collect();
        for i in changed {
            keep[i] = false;
        }
    }
    let planned = match (raw.resource_changes.unwrap_or(0), raw.planned_values) {
        (0, Some(planned)) => background.state_values(planned)?,
        _ => Vec::new(),
    };
    let kept = |address: &str| index.find(&prior, address).is_some_and(|i| keep[i]);
    let planned: Vec<ResourceInstance<'a>> = planned.into_iter().filter(|r| !kept(&r.address)).collect();

    let count = changes.iter().map(Vec::len).sum::<usize>() + prior.len() + planned.len();
    let mut resources = Vec::with_capacity(count);
    resources.extend(changes.into_iter().flatten().filter_map(|change| match change {
        read::Change::Leaves(instance) => Some(instance),
        read::Change::Deposed(_) => None,
    }));
    resources.extend(prior.iter().zip(keep).filter(|(_, k)| *k).map(|(r, _)| r.clone()));
    resources.extend(planned);
    Ok((resources, prior))
}

/// Resources by address: the first of each address, found by hash. The addresses are hashed
/// on every thread; the table is filled on one.
struct AddressIndex {
    table: HashTable<usize>,
}

impl AddressIndex {
    /// The index of `resources`, and whether each is the first with its address.
    fn of(resources: &[ResourceInstance<'_>]) -> (AddressIndex, Vec<bool>) {
        let hashes: Vec<u64> = resources.par_iter().map(|r| FxBuildHasher.hash_one(r.address.as_ref())).collect();
        let mut table = HashTable::with_capacity(resources.len());
        let first = resources
            .iter()
            .zip(&hashes)
            .enumerate()
            .map(|(i, (r, &hash))| {
                let same = |&j: &usize| resources[j].address == r.address;
                match table.find(hash, same) {
                    Some(_) => false,
                    None => {
                        table.insert_unique(hash, i, |&j| hashes[j]);
                        true
                    }
                }
            })
            .collect();
        (AddressIndex { table }, first)
    }

    /// The first of `resources` (those the index was made of) with `address`.
    fn find(&self, resources: &[ResourceInstance<'_>], address: &str) -> Option<usize> {
        self.table.find(FxBuildHasher.hash_one(address), |&j| resources[j].address == address).copied()
    }
}

/// Parses a raw slice of `text`, reporting errors at their position in the whole input.
fn nested<'a, T: Deserialize<'a> + Send>(name: &str, text: &'a str, raw: &'a RawValue) -> Result<T, LoadError> {
    let part = raw.get();
    match serde_json::from_str(part) {
        Err(e) if depth::is_recursion_limit(&e) => depth::from_str(part).map_err(|e| match e {
            depth::DeepError::TooDeep(offset) => LoadError::shape(
                name,
                text,
                span_of(text, raw).offset + offset,
                format!("the JSON nests more than {} levels deep, more than tfreach reads", depth::MAX_DEPTH),
                "a plan nests about three levels per module call; check that this file is the JSON of `terraform show -json`",
            ),
            depth::DeepError::Json(e) => json_error(name, text, part, &e),
            depth::DeepError::Thread(source) => LoadError::Io { name: name.to_string(), source },
        }),
        result => result.map_err(|e| json_error(name, text, part, &e)),
    }
}

fn span_of(text: &str, raw: &RawValue) -> Span {
    let start = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    Span { offset: start.min(text.len()), len: raw.get().len() }
}

/// Turns a serde_json error inside `part` (a slice of `text`) into a positioned diagnostic.
fn json_error(name: &str, text: &str, part: &str, e: &serde_json::Error) -> LoadError {
    let base = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    // serde_json reports an early EOF at the last byte it read; the input ends after it.
    let offset = if e.is_eof() { base + part.len() } else { base + error::offset_of(part, e.line(), e.column()) };
    // Our position replaces serde_json's, which is relative to `part`.
    let message = error::without_position(e);
    let message = if e.is_data() {
        format!("not a Terraform plan or state: {message}")
    } else {
        format!("invalid JSON: {message}")
    };
    LoadError::json(name, text, offset, message)
}
