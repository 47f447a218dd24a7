//! Loading `terraform show -json` output — plans and state — into borrowed, typed documents.
//!
//! Parsing happens in two steps. The first pass reads the top level and keeps every
//! resource object as a raw slice of the input (which also gives its byte span); the second
//! parses those slices into typed structs, in parallel. Resource attribute values stay raw
//! until the model asks for them (see [`values::Values`]).

pub mod address;
pub mod config;
pub mod error;
pub mod input;
pub mod values;

use std::borrow::Cow;
use std::sync::Mutex;

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

pub use address::{Key, Mode, ModuleCache, ModuleInstance, Reference, ResourceAddress};
pub use config::{Configuration, Expression, Expressions};
pub use error::LoadError;
pub use input::SourceFile;
pub use values::Values;

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
    pub configuration: Configuration<'a>,
    /// Oddities worth telling the user (duplicate addresses, unusual versions).
    pub notes: Vec<String>,
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

#[derive(Deserialize)]
struct RawDocument<'a> {
    #[serde(borrow, default)]
    format_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    terraform_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    variables: Option<std::collections::BTreeMap<Cow<'a, str>, RawVariable<'a>>>,
    #[serde(borrow, default)]
    planned_values: Option<&'a RawValue>,
    #[serde(borrow, default)]
    resource_changes: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    prior_state: Option<&'a RawValue>,
    #[serde(borrow, default)]
    values: Option<&'a RawValue>,
    #[serde(borrow, default)]
    configuration: Option<&'a RawValue>,
    // The raw `terraform.tfstate` format, recognised only to explain what to do with it.
    #[serde(default)]
    version: Option<IgnoredAny>,
    #[serde(default)]
    serial: Option<IgnoredAny>,
}

/// `variables` is an object; this reads it as (name, value) pairs in order.
#[derive(Deserialize)]
struct RawVariable<'a> {
    #[serde(borrow, default)]
    value: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawResourceChange<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow, default)]
    deposed: Option<Cow<'a, str>>,
    #[serde(borrow)]
    change: RawChange<'a>,
}

#[derive(Deserialize)]
struct RawChange<'a> {
    #[serde(default)]
    actions: Actions,
    #[serde(borrow, default)]
    before: Option<&'a RawValue>,
    #[serde(borrow, default)]
    after: Option<&'a RawValue>,
    #[serde(borrow, default)]
    after_unknown: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawStateValues<'a> {
    #[serde(borrow, default)]
    root_module: Option<RawStateModule<'a>>,
}

#[derive(Deserialize)]
struct RawStateWrapper<'a> {
    #[serde(borrow, default)]
    values: Option<RawStateValues<'a>>,
}

#[derive(Deserialize)]
struct RawStateModule<'a> {
    #[serde(borrow, default)]
    resources: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    child_modules: Vec<RawStateModule<'a>>,
}

#[derive(Deserialize)]
struct RawStateResource<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow, default)]
    values: Option<&'a RawValue>,
}

const PLAN_HELP: &str =
    "tfreach reads the JSON of `terraform show -json tfplan` (a saved plan) or `terraform show -json` (the state)";

/// Loads a plan or state document from `source`.
pub fn load(source: &SourceFile) -> Result<Document<'_>, LoadError> {
    let name = source.name.as_str();
    let text = source.text.as_str();
    let first = text.find(|c: char| !c.is_whitespace());
    let Some(first) = first else {
        return Err(LoadError::Empty { name: name.to_string() });
    };
    if !text[first..].starts_with('{') {
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

    let raw: RawDocument = serde_json::from_str(text).map_err(|e| json_error(name, text, text, &e))?;

    let kind = if raw.resource_changes.is_some() || raw.planned_values.is_some() || raw.configuration.is_some() {
        DocumentKind::Plan
    } else if raw.values.is_some() || (raw.format_version.is_some() && raw.version.is_none()) {
        DocumentKind::State
    } else if raw.version.is_some() && raw.serial.is_some() {
        return Err(LoadError::shape(
            name,
            text,
            first,
            "this is a raw terraform.tfstate file, not the JSON of `terraform show -json`",
            "convert it first: `terraform show -json > state.json` (or `terraform show -json terraform.tfstate`)",
        ));
    } else {
        return Err(LoadError::shape(
            name,
            text,
            first,
            "not a Terraform plan or state: none of `format_version`, `resource_changes`, `planned_values` or `values` is present",
            PLAN_HELP,
        ));
    };

    let parse_configuration = || -> Result<Configuration<'_>, LoadError> {
        match raw.configuration {
            Some(c) => nested(name, text, c),
            None => Ok(Configuration::default()),
        }
    };
    // Resources of one module instance share its parsed address.
    let modules = Mutex::new(ModuleCache::default());
    let parse_resources = || -> Result<Vec<ResourceInstance<'_>>, LoadError> {
        match kind {
            DocumentKind::Plan => plan_resources(name, text, &raw, &modules),
            DocumentKind::State => match raw.values {
                Some(v) => state_resources(name, text, v, &modules),
                None => Ok(Vec::new()),
            },
        }
    };
    let (configuration, resources) = rayon::join(parse_configuration, parse_resources);
    let configuration = configuration?;
    let mut resources = resources?;

    let mut notes = Vec::new();
    let before = resources.len();
    let mut seen = FxHashSet::with_capacity_and_hasher(resources.len(), Default::default());
    let first: Vec<bool> = resources.iter().map(|r| seen.insert(r.address.as_ref())).collect();
    drop(seen);
    let mut first = first.into_iter();
    resources.retain(|_| first.next().unwrap_or(true));
    resources.shrink_to_fit();
    if resources.len() != before {
        notes.push(format!(
            "{} duplicate resource address(es) ignored; the first occurrence of each was used",
            before - resources.len()
        ));
    }

    let variables = raw.variables.unwrap_or_default().into_iter().filter_map(|(n, v)| Some((n, v.value?))).collect();

    Ok(Document {
        name,
        text,
        kind,
        format_version: raw.format_version,
        terraform_version: raw.terraform_version,
        variables,
        resources,
        configuration,
        notes,
    })
}

fn plan_resources<'a>(
    name: &str,
    text: &'a str,
    raw: &RawDocument<'a>,
    modules: &Mutex<ModuleCache>,
) -> Result<Vec<ResourceInstance<'a>>, LoadError> {
    let changes = raw.resource_changes.as_deref().unwrap_or_default();
    // Each change as (its address, the instance left after the plan — none when deleted).
    let parsed: Vec<(Cow<'a, str>, Option<ResourceInstance<'a>>)> = changes
        .par_iter()
        .map(|rc| {
            let c: RawResourceChange<'a> = nested(name, text, rc)?;
            let action = Action::from_actions(&c.change.actions);
            if c.deposed.is_some() || action == Action::Delete {
                return Ok((c.address, None));
            }
            let addr = parse_address(name, text, rc, &c.address, modules)?;
            let after = if action == Action::Forget { c.change.before } else { c.change.after };
            let instance = ResourceInstance {
                address: c.address.clone(),
                addr,
                action,
                after,
                after_unknown: c.change.after_unknown,
                before: c.change.before,
                span: span_of(text, rc),
            };
            Ok((c.address, Some(instance)))
        })
        .collect::<Result<_, LoadError>>()?;
    let mut known: FxHashSet<Cow<'a, str>> = FxHashSet::default();
    let mut resources = Vec::with_capacity(parsed.len());
    for (address, instance) in parsed {
        known.insert(address);
        resources.extend(instance);
    }

    // Data sources read during planning, and anything a targeted plan left out of
    // resource_changes, exist only in prior_state.
    if let Some(prior) = raw.prior_state {
        let wrapper: RawStateWrapper<'a> = nested(name, text, prior)?;
        if let Some(root) = wrapper.values.and_then(|v| v.root_module) {
            for r in collect_state(name, text, &root, modules)? {
                if !known.contains(&r.address) {
                    known.insert(r.address.clone());
                    resources.push(r);
                }
            }
        }
    }
    // Very old or unusual plans may list resources only in planned_values.
    if changes.is_empty()
        && let Some(planned) = raw.planned_values
    {
        for r in state_resources(name, text, planned, modules)? {
            if !known.contains(&r.address) {
                resources.push(r);
            }
        }
    }
    Ok(resources)
}

fn state_resources<'a>(
    name: &str,
    text: &'a str,
    values: &'a RawValue,
    modules: &Mutex<ModuleCache>,
) -> Result<Vec<ResourceInstance<'a>>, LoadError> {
    let v: RawStateValues<'a> = nested(name, text, values)?;
    match v.root_module {
        Some(root) => collect_state(name, text, &root, modules),
        None => Ok(Vec::new()),
    }
}

fn collect_state<'a>(
    name: &str,
    text: &'a str,
    module: &RawStateModule<'a>,
    modules: &Mutex<ModuleCache>,
) -> Result<Vec<ResourceInstance<'a>>, LoadError> {
    let mut out: Vec<ResourceInstance<'a>> = module
        .resources
        .par_iter()
        .map(|raw| {
            let r: RawStateResource<'a> = nested(name, text, raw)?;
            let addr = parse_address(name, text, raw, &r.address, modules)?;
            Ok(ResourceInstance {
                address: r.address,
                addr,
                action: Action::Exists,
                after: r.values,
                after_unknown: None,
                before: r.values,
                span: span_of(text, raw),
            })
        })
        .collect::<Result<_, LoadError>>()?;
    for child in &module.child_modules {
        out.extend(collect_state(name, text, child, modules)?);
    }
    Ok(out)
}

fn parse_address<'a>(
    name: &str,
    text: &str,
    raw: &RawValue,
    address: &Cow<'a, str>,
    modules: &Mutex<ModuleCache>,
) -> Result<ResourceAddress<'a>, LoadError> {
    let parsed = match address {
        Cow::Borrowed(s) => ResourceAddress::parse_shared(s, modules),
        // Unescaped into a string of its own (`["key"]` is escaped in JSON): nothing to
        // borrow from, but the module instance is still shared.
        Cow::Owned(s) => ResourceAddress::parse_shared(s, modules).map(ResourceAddress::into_owned),
    };
    parsed.ok_or_else(|| {
        LoadError::shape(
            name,
            text,
            span_of(text, raw).offset,
            format!("malformed resource address `{address}`"),
            PLAN_HELP,
        )
    })
}

/// Parses a raw slice of `text`, reporting errors at their position in the whole input.
fn nested<'a, T: Deserialize<'a>>(name: &str, text: &'a str, raw: &'a RawValue) -> Result<T, LoadError> {
    serde_json::from_str(raw.get()).map_err(|e| json_error(name, text, raw.get(), &e))
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
    // serde_json appends " at line L column C", relative to `part`; ours replaces it.
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(p) => message[..p].to_string(),
        None => message,
    };
    let message = if e.is_data() {
        format!("not a Terraform plan or state: {message}")
    } else {
        format!("invalid JSON: {message}")
    };
    LoadError::json(name, text, offset, message)
}
