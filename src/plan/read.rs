//! Reading the top level of a document while its parts are parsed in the background.
//!
//! This is the reading for documents that [`super::split`] cannot cut into pieces. One
//! thread scans the top level, keeping every large part as a raw slice of the input. As soon
//! as a part has been scanned — each run of [`CHUNK`] resource changes, `prior_state`,
//! `configuration` — parsing it into typed structs is spawned on the thread pool, so that the
//! typed parsing overlaps the scan of the rest of the document instead of following it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::address::{ModuleCache, ResourceAddress, SharedModules};
use super::config::Configuration;
use super::raw::{RawResourceChange, RawStateModule, RawStateResource, RawStateValues, RawStateWrapper, RawVariable};
use super::sensitive::{SensitivePaths, SensitiveValues};
use super::values::CowStr;
use super::{Action, LoadError, PLAN_HELP, ResourceInstance, Span, json_error, nested, span_of};

/// Resource changes per background task: enough to outweigh spawning one, few enough to
/// keep both threads busy.
const CHUNK: usize = 256;

/// The top-level fields tfreach reads; the large ones stay raw.
#[derive(Default)]
pub(super) struct RawDocument<'a> {
    pub format_version: Option<Cow<'a, str>>,
    pub terraform_version: Option<Cow<'a, str>>,
    pub variables: Vec<(Cow<'a, str>, &'a RawValue)>,
    pub planned_values: Option<&'a RawValue>,
    /// How many resource changes there are, when the field is present.
    pub resource_changes: Option<usize>,
    pub values: Option<&'a RawValue>,
    /// Whether `configuration` is present (and not null); it is parsed in the background.
    pub configuration: bool,
    /// Root module outputs as the plan changes them (`after_sensitive` marks the secret ones).
    pub output_changes: Option<&'a RawValue>,
    // The raw `terraform.tfstate` format, recognised only to explain what to do with it.
    pub version: bool,
    pub serial: bool,
}

/// How the top level is read: in pieces at once when it can be, or in one scan (which
/// tests compare the pieces with).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    Pieces,
    #[cfg_attr(not(test), expect(dead_code, reason = "tests compare the two readings"))]
    Scan,
}

/// One resource change: the instance it leaves, or, for a deposed object's change, only its
/// address.
#[expect(
    clippy::large_enum_variant,
    reason = "deposed objects are rare; boxing every instance would cost an allocation each"
)]
pub(super) enum Change<'a> {
    Leaves(ResourceInstance<'a>),
    Deposed(Cow<'a, str>),
}

impl<'a> Change<'a> {
    pub fn address(&self) -> &str {
        match self {
            Change::Leaves(instance) => &instance.address,
            Change::Deposed(address) => address,
        }
    }
}

type Slot<T> = Mutex<Option<Result<T, LoadError>>>;

/// Runs of parsed resource changes, each with its position among the runs.
type Runs<'a> = Mutex<Vec<(usize, Result<Vec<Change<'a>>, LoadError>)>>;

/// What the background tasks produce, and what they share.
pub(super) struct Background<'a> {
    name: &'a str,
    text: &'a str,
    /// Resources of one module instance share its parsed address.
    pub modules: Mutex<ModuleCache>,
    /// Parsed runs of resource changes, by their position in the document.
    changes: Runs<'a>,
    prior_state: Slot<Vec<ResourceInstance<'a>>>,
    configuration: Slot<Configuration<'a>>,
    /// Values under sensitive marks, gathered by every task.
    sensitive: Mutex<SensitiveValues>,
}

impl<'a> Background<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Self {
        Background {
            name,
            text,
            modules: Mutex::new(ModuleCache::default()),
            changes: Mutex::new(Vec::new()),
            prior_state: Mutex::new(None),
            configuration: Mutex::new(None),
            sensitive: Mutex::new(SensitiveValues::default()),
        }
    }

    pub(super) fn text(&self) -> &'a str {
        self.text
    }

    pub(super) fn modules(&self) -> &Mutex<ModuleCache> {
        &self.modules
    }

    /// Reads the top level of the document: its parts on several threads at once when the
    /// guesses of [`super::split`] hold, else in one scan that starts the typed parsing of
    /// each part as soon as it has been scanned.
    pub fn read(&self, reading: Reading) -> Result<RawDocument<'a>, LoadError> {
        if let Reading::Pieces = reading
            && let Some((doc, parts)) = super::split::read(self)
        {
            *lock(&self.changes) = parts.runs.into_iter().enumerate().map(|(i, run)| (i, Ok(run))).collect();
            *lock(&self.prior_state) = parts.prior.map(Ok);
            *lock(&self.configuration) = parts.configuration.map(Ok);
            lock(&self.sensitive).extend(parts.sensitive);
            return Ok(doc);
        }
        let text = self.text;
        rayon::scope(|scope| {
            let mut de = serde_json::Deserializer::from_str(text);
            let doc = TopLevel { bg: self, scope }.deserialize(&mut de)?;
            de.end()?;
            Ok(doc)
        })
        .map_err(|e: serde_json::Error| json_error(self.name, text, text, &e))
    }

    /// The parsed resource changes, as runs in document order (not joined: each is moved
    /// once, into the document); the first error in the document wins.
    pub fn changes(&self) -> Result<Vec<Vec<Change<'a>>>, LoadError> {
        let mut runs = std::mem::take(&mut *lock(&self.changes));
        runs.sort_by_key(|(index, _)| *index);
        runs.into_iter().map(|(_, run)| run).collect()
    }

    /// The resources of `prior_state`, when the document has one.
    pub fn prior_state(&self) -> Result<Vec<ResourceInstance<'a>>, LoadError> {
        lock(&self.prior_state).take().unwrap_or(Ok(Vec::new()))
    }

    pub fn configuration(&self) -> Result<Configuration<'a>, LoadError> {
        lock(&self.configuration).take().unwrap_or_else(|| Ok(Configuration::default()))
    }

    /// Every value under a sensitive mark that the tasks have read so far.
    pub fn sensitive(&self) -> SensitiveValues {
        std::mem::take(&mut *lock(&self.sensitive))
    }

    fn parse_changes(&self, index: usize, run: &[&'a RawValue]) {
        let mut modules = SharedModules::new(&self.modules);
        let mut sensitive = SensitiveValues::default();
        let parsed = run.iter().map(|rc| self.change(rc, &mut modules, &mut sensitive)).collect();
        lock(&self.changes).push((index, parsed));
        if !sensitive.is_empty() {
            lock(&self.sensitive).extend(sensitive);
        }
    }

    fn change(
        &self,
        rc: &'a RawValue,
        modules: &mut SharedModules<'_>,
        values: &mut SensitiveValues,
    ) -> Result<Change<'a>, LoadError> {
        let c: RawResourceChange<'a> = nested(self.name, self.text, rc)?;
        self.change_of(c, span_of(self.text, rc), modules, values)
    }

    /// The change parsed from the object at `span` of the input.
    pub(super) fn change_of(
        &self,
        c: RawResourceChange<'a>,
        span: Span,
        modules: &mut SharedModules<'_>,
        values: &mut SensitiveValues,
    ) -> Result<Change<'a>, LoadError> {
        let (name, text) = (self.name, self.text);
        let action = Action::from_actions(&c.change.actions);
        // Read before deciding to skip the object: a deleted resource's secrets are secrets.
        let before_sensitive = SensitivePaths::of(c.change.before_sensitive);
        let after_sensitive = SensitivePaths::of(c.change.after_sensitive);
        values.add_marked(c.change.before, &before_sensitive);
        values.add_marked(c.change.after, &after_sensitive);
        if c.deposed.is_some() {
            return Ok(Change::Deposed(c.address));
        }
        let addr = parse_address(name, text, span.offset, &c.address, (&c.type_, &c.name), modules)?;
        // A deleted object is kept with its `before` (what goes away); it is not in the
        // world after the plan.
        let (after, sensitive) = match action {
            Action::Forget => (c.change.before, before_sensitive.clone()),
            Action::Delete => (None, SensitivePaths::default()),
            _ => (c.change.after, after_sensitive),
        };
        let instance = ResourceInstance {
            address: c.address,
            addr,
            action,
            after,
            after_unknown: c.change.after_unknown,
            before: c.change.before,
            sensitive,
            before_sensitive,
            span,
        };
        Ok(Change::Leaves(instance))
    }

    /// The resources of a state's (or a plan's `prior_state`'s) `values`.
    pub fn state_values(&self, values: &'a RawValue) -> Result<Vec<ResourceInstance<'a>>, LoadError> {
        let v: RawStateValues<'a> = nested(self.name, self.text, values)?;
        self.state_resources(v)
    }

    fn state_resources(&self, values: RawStateValues<'a>) -> Result<Vec<ResourceInstance<'a>>, LoadError> {
        let (resources, secrets) = self.state_parts(values)?;
        if !secrets.is_empty() {
            lock(&self.sensitive).extend(secrets);
        }
        Ok(resources)
    }

    /// The resources of a state's values, and the values its marks and its sensitive
    /// outputs hold.
    pub(super) fn state_parts(
        &self,
        values: RawStateValues<'a>,
    ) -> Result<(Vec<ResourceInstance<'a>>, SensitiveValues), LoadError> {
        fn flatten<'a>(module: RawStateModule<'a>, out: &mut Vec<&'a RawValue>) {
            out.extend(module.resources);
            module.child_modules.into_iter().for_each(|child| flatten(child, out));
        }
        let mut raw = Vec::new();
        if let Some(root) = values.root_module {
            flatten(root, &mut raw);
        }
        let mut secrets = SensitiveValues::default();
        for output in values.outputs.iter().flat_map(BTreeMap::values).filter(|o| o.sensitive) {
            secrets.add_raw(output.value);
        }
        let (name, text) = (self.name, self.text);
        let resources: Vec<ResourceInstance<'a>> = raw
            .par_iter()
            .map_init(
                || SharedModules::new(&self.modules),
                |modules, raw| {
                    let r: RawStateResource<'a> = nested(name, text, raw)?;
                    let offset = span_of(text, raw).offset;
                    let addr = parse_address(name, text, offset, &r.address, (&r.type_, &r.name), modules)?;
                    let sensitive = SensitivePaths::of(r.sensitive_values);
                    Ok(ResourceInstance {
                        address: r.address,
                        addr,
                        action: Action::Exists,
                        after: r.values,
                        after_unknown: None,
                        before: r.values,
                        before_sensitive: sensitive.clone(),
                        sensitive,
                        span: span_of(text, raw),
                    })
                },
            )
            .collect::<Result<_, LoadError>>()?;
        for r in resources.iter().filter(|r| !r.sensitive.is_empty()) {
            secrets.add_marked(r.after, &r.sensitive);
        }
        Ok((resources, secrets))
    }
}

/// The configuration; a parse error is placed where the input has it. The module texts
/// that [`Configuration`] compares before reading them have no position of their own, so on
/// an error the section is read again in one pass, which finds the same error in place.
fn configuration<'a>(name: &str, text: &'a str, raw: &'a RawValue) -> Result<Configuration<'a>, LoadError> {
    nested(name, text, raw).map_err(|e| match nested::<super::config::InOnePass<'a>>(name, text, raw) {
        Err(placed) => placed,
        Ok(_) => e,
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic in a background task propagates out of the scope; the data is whole anyway.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn parse_address<'a>(
    name: &str,
    text: &str,
    offset: usize,
    address: &Cow<'a, str>,
    (type_, name_field): (&Option<CowStr<'a>>, &Option<CowStr<'a>>),
    modules: &mut SharedModules<'_>,
) -> Result<ResourceAddress<'a>, LoadError> {
    let parsed = match address {
        Cow::Borrowed(s) => ResourceAddress::parse_shared(s, modules),
        // Unescaped into a string of its own (`["key"]` is escaped in JSON): type and name
        // are borrowed from the object's own `type` and `name` when they agree.
        Cow::Owned(s) => ResourceAddress::parse_shared(s, modules).map(|a| {
            let borrowed = |field: &Option<CowStr<'a>>, parsed: &str| match field {
                Some(CowStr(Cow::Borrowed(f))) if *f == parsed => Some(Cow::Borrowed(*f)),
                _ => None,
            };
            match (borrowed(type_, &a.type_), borrowed(name_field, &a.name)) {
                (Some(type_), Some(name)) => {
                    ResourceAddress { module: a.module, mode: a.mode, type_, name, key: a.key }
                }
                _ => a.into_owned(),
            }
        }),
    };
    parsed.ok_or_else(|| {
        LoadError::shape(name, text, offset, format!("malformed resource address `{address}`"), PLAN_HELP)
    })
}

/// The top-level field named `key`, of those tfreach reads.
pub(super) fn field(key: &str) -> Option<&'static str> {
    const FIELDS: [&str; 11] = [
        "format_version",
        "terraform_version",
        "variables",
        "planned_values",
        "resource_changes",
        "prior_state",
        "values",
        "configuration",
        "output_changes",
        "version",
        "serial",
    ];
    FIELDS.into_iter().find(|f| *f == key)
}

/// Where the value of the next top-level field is read from: the single scan's map, or a
/// piece's cursor ([`super::split`]).
pub(super) trait FieldValue<'de> {
    type Error;
    fn next<T: Deserialize<'de>>(&mut self) -> Result<T, Self::Error>;
}

impl<'de, M: MapAccess<'de>> FieldValue<'de> for M {
    type Error = M::Error;
    fn next<T: Deserialize<'de>>(&mut self) -> Result<T, M::Error> {
        self.next_value()
    }
}

impl<'a> RawDocument<'a> {
    /// Reads the value of `field` (one of [`field`]'s) when it is kept as it is, the same
    /// way in both readings; `false`, reading nothing, for `resource_changes`, `prior_state`
    /// and `configuration`, which each reading parses its own way.
    pub(super) fn read_small<'de: 'a, V: FieldValue<'de>>(&mut self, field: &str, v: &mut V) -> Result<bool, V::Error> {
        match field {
            "format_version" => self.format_version = v.next::<Option<CowStr<'a>>>()?.map(|s| s.0),
            "terraform_version" => self.terraform_version = v.next::<Option<CowStr<'a>>>()?.map(|s| s.0),
            "variables" => self.variables = variables(v.next()?),
            "planned_values" => self.planned_values = v.next()?,
            "values" => self.values = v.next()?,
            "output_changes" => self.output_changes = v.next()?,
            "version" => self.version = v.next::<Option<IgnoredAny>>()?.is_some(),
            "serial" => self.serial = v.next::<Option<IgnoredAny>>()?.is_some(),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Root variables with a value, by name.
fn variables<'a>(vars: Option<BTreeMap<CowStr<'a>, RawVariable<'a>>>) -> Vec<(Cow<'a, str>, &'a RawValue)> {
    vars.unwrap_or_default().into_iter().filter_map(|(name, v)| Some((name.0, v.value?))).collect()
}

/// The top-level object, read with the pool's scope at hand to start background work.
struct TopLevel<'x, 's, 'a> {
    bg: &'s Background<'a>,
    scope: &'x rayon::Scope<'s>,
}

impl<'de, 'x, 's, 'a: 's> DeserializeSeed<'de> for TopLevel<'x, 's, 'a>
where
    'de: 'a,
{
    type Value = RawDocument<'a>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'x, 's, 'a: 's> Visitor<'de> for TopLevel<'x, 's, 'a>
where
    'de: 'a,
{
    type Value = RawDocument<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Terraform plan or state object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawDocument<'a>, M::Error> {
        let (bg, scope) = (self.bg, self.scope);
        let mut doc = RawDocument::default();
        let mut seen: Vec<&'static str> = Vec::new();
        while let Some(CowStr(key)) = map.next_key()? {
            let Some(field) = field(&key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if seen.contains(&field) {
                return Err(M::Error::duplicate_field(field));
            }
            seen.push(field);
            if doc.read_small(field, &mut map)? {
                continue;
            }
            match field {
                "resource_changes" => doc.resource_changes = map.next_value_seed(Changes { bg, scope })?,
                "prior_state" => {
                    if let Some(prior) = map.next_value::<Option<&'a RawValue>>()? {
                        scope.spawn(move |_| {
                            let parsed = nested::<RawStateWrapper<'a>>(bg.name, bg.text, prior)
                                .and_then(|w| bg.state_resources(w.values.unwrap_or_default()));
                            *lock(&bg.prior_state) = Some(parsed);
                        });
                    }
                }
                _ => {
                    if let Some(c) = map.next_value::<Option<&'a RawValue>>()? {
                        doc.configuration = true;
                        scope.spawn(move |_| *lock(&bg.configuration) = Some(configuration(bg.name, bg.text, c)));
                    }
                }
            }
        }
        Ok(doc)
    }
}

/// The `resource_changes` array: scanned here, parsed in runs in the background.
struct Changes<'x, 's, 'a> {
    bg: &'s Background<'a>,
    scope: &'x rayon::Scope<'s>,
}

impl<'de, 'x, 's, 'a: 's> DeserializeSeed<'de> for Changes<'x, 's, 'a>
where
    'de: 'a,
{
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, 'x, 's, 'a: 's> Visitor<'de> for Changes<'x, 's, 'a>
where
    'de: 'a,
{
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Option<usize>, S::Error> {
        let (bg, scope) = (self.bg, self.scope);
        let (mut run, mut runs, mut count) = (Vec::with_capacity(CHUNK), 0, 0);
        let spawn = |run: Vec<&'a RawValue>, index: usize| {
            scope.spawn(move |_| bg.parse_changes(index, &run));
        };
        while let Some(rc) = seq.next_element::<&'de RawValue>()? {
            run.push(rc);
            count += 1;
            if run.len() == CHUNK {
                spawn(std::mem::replace(&mut run, Vec::with_capacity(CHUNK)), runs);
                runs += 1;
            }
        }
        if !run.is_empty() {
            spawn(run, runs);
        }
        Ok(Some(count))
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use crate::plan::{SourceFile, load};

    fn change(address: &str, action: &str) -> String {
        format!(
            r#"{{"address":"{address}","change":{{"actions":["{action}"],"before":null,"after":{{"id":"x"}},"after_unknown":{{}}}}}}"#
        )
    }

    fn plan(changes: &[String], rest: &str) -> SourceFile {
        SourceFile::from_string(
            "plan.json",
            format!(r#"{{"format_version":"1.2","resource_changes":[{}]{rest}}}"#, changes.join(",")),
        )
    }

    #[test]
    fn keeps_document_order_across_background_runs() {
        let changes: Vec<String> =
            (0..3 * super::CHUNK + 7).map(|i| change(&format!("aws_vpc.v{i}"), "create")).collect();
        let source = plan(&changes, "");
        let doc = load(&source).unwrap();
        assert_eq!(doc.resources.len(), changes.len());
        assert!(doc.resources.iter().enumerate().all(|(i, r)| r.address == format!("aws_vpc.v{i}")));
    }

    #[test]
    fn the_first_error_in_the_document_wins() {
        let mut changes: Vec<String> =
            (0..3 * super::CHUNK).map(|i| change(&format!("aws_vpc.v{i}"), "create")).collect();
        changes[super::CHUNK + 3] = change("aws_vpc", "create");
        changes[2 * super::CHUNK + 9] = change("aws_vpc..y", "create");
        let source = plan(&changes, "");
        let err = load(&source).unwrap_err().to_string();
        assert!(err.contains("malformed resource address `aws_vpc`"), "{err}");
    }

    #[test]
    fn prior_state_adds_only_what_the_changes_lack() {
        let changes = [change("aws_vpc.a", "create"), change("aws_vpc.gone", "delete")];
        let prior = r#","prior_state":{"values":{"root_module":{"resources":[
            {"address":"aws_vpc.a","values":{"id":"old"}},
            {"address":"aws_vpc.gone","values":{"id":"g"}},
            {"address":"data.aws_vpc.d","values":{"id":"d"}},
            {"address":"data.aws_vpc.d","values":{"id":"d2"}}],
            "child_modules":[{"resources":[{"address":"module.m.data.aws_subnet.s","values":{"id":"s"}}]}]}}}"#;
        let source = plan(&changes, prior);
        let doc = load(&source).unwrap();
        let addresses: Vec<&str> = doc.resources.iter().map(|r| r.address.as_ref()).collect();
        assert_eq!(addresses, ["aws_vpc.a", "data.aws_vpc.d", "module.m.data.aws_subnet.s"]);
        assert_eq!(doc.resources[1].after.unwrap().get(), r#"{"id":"d"}"#);
        assert_eq!(doc.resources[2].addr.module.to_string(), "module.m");
    }

    #[test]
    fn without_changes_planned_values_add_only_what_prior_state_lacks() {
        let rest = r#","prior_state":{"values":{"root_module":{"resources":[
            {"address":"aws_vpc.a","values":{"id":"prior"}}]}}},
            "planned_values":{"root_module":{"resources":[
            {"address":"aws_vpc.a","values":{"id":"planned"}},
            {"address":"aws_vpc.b","values":{"id":"b"}}]}}"#;
        let source = plan(&[], rest);
        let doc = load(&source).unwrap();
        let found: Vec<(&str, &str)> =
            doc.resources.iter().map(|r| (r.address.as_ref(), r.after.unwrap().get())).collect();
        assert_eq!(found, [("aws_vpc.a", r#"{"id":"prior"}"#), ("aws_vpc.b", r#"{"id":"b"}"#)]);
    }

    #[test]
    fn escaped_addresses_borrow_type_and_name_from_their_fields() {
        let rc = r#"{"address":"module.m[\"k\"].aws_vpc.v[\"a\"]","type":"aws_vpc","name":"v","change":{"actions":["create"],"after":{}}}"#;
        let source = plan(&[rc.to_string()], "");
        let doc = load(&source).unwrap();
        let a = &doc.resources[0].addr;
        assert!(matches!((&a.type_, &a.name), (Cow::Borrowed("aws_vpc"), Cow::Borrowed("v"))));
        assert_eq!(a.to_string(), r#"module.m["k"].aws_vpc.v["a"]"#);
    }

    #[test]
    fn a_repeated_top_level_field_is_an_error() {
        let source = SourceFile::from_string("plan.json", r#"{"configuration":{},"configuration":{}}"#.to_string());
        let err = load(&source).unwrap_err().to_string();
        assert!(err.contains("duplicate field `configuration`"), "{err}");
    }
}
