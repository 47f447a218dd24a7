//! Makes a large plan out of a real one: the seed's root module repeated N times as child
//! modules `module.copy_0 … module.copy_{N-1}` of a new, empty root.
//!
//! Terraform writes every address in a plan absolutely (`module.a.aws_x.y`), but every
//! reference in `configuration` relative to its own module (`aws_x.y`, `var.z`), so moving a
//! module one level down rewrites addresses and leaves references alone. What else changes:
//! - the seed's root variables reach each copy as `constant_value`s of its module call, the
//!   way a wrapper passing literals would, so `var.x` inside a copy resolves as it did;
//! - `provider_config_key`s that name a module path (`vpc:aws` in format 0.1,
//!   `module.vpc:aws` later) gain the copy's path; keys of root providers stay, because a
//!   child module without provider blocks inherits its parent's default providers;
//! - copy k ≥ 1 gets its own identifiers: a real estate of N stacks has N different subnet
//!   ids and IAM role names, and tfreach matches known values by exact string, so N equal
//!   ids would link every copy to every other one. Copy 0 keeps the seed's values.
//!
//! Root outputs (`output_changes`, `planned_values.outputs`) are dropped: a child module's
//! outputs do not appear in a plan. Only one copy is in memory at a time; the seed is parsed
//! once into a `serde_json::Value` (keys come out sorted, which JSON readers ignore).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value, json};

pub use crate::renames::Renames;

/// A parsed seed plan and the identifiers its copies rename.
pub struct Seed {
    doc: Map<String, Value>,
    pub renames: Renames,
    /// Each copy's module configuration made its own (see [`Seed::distinct_modules`]).
    distinct_modules: bool,
}

/// The module call (and module path step) of copy `k`.
pub fn copy_name(k: usize) -> String {
    format!("copy_{k}")
}

/// The address prefix of everything in copy `k`, without the trailing dot.
pub fn copy_module(k: usize) -> String {
    format!("module.copy_{k}")
}

impl Seed {
    pub fn parse(text: &str) -> Result<Seed, String> {
        let doc: Map<String, Value> =
            serde_json::from_str(text).map_err(|e| format!("seed is not a JSON object: {e}"))?;
        if !doc.contains_key("resource_changes") && !doc.contains_key("planned_values") {
            return Err("seed is not a plan: it has neither resource_changes nor planned_values \
                 (use the JSON of `terraform show -json tfplan`)"
                .into());
        }
        let renames = Renames::collect(&doc);
        Ok(Seed { doc, renames, distinct_modules: false })
    }

    /// The same seed, but its copies share every name.
    pub fn shared_names(&self) -> Seed {
        Seed { doc: self.doc.clone(), renames: Renames::none(), distinct_modules: self.distinct_modules }
    }

    /// The same seed, but no two copies' module configurations are the same text: each
    /// declares a variable `copy_index` with its own default, as if each copy had its own
    /// module source. (Calls of one source share its configuration in tfreach.)
    pub fn distinct_modules(&self) -> Seed {
        Seed { doc: self.doc.clone(), renames: self.renames.clone(), distinct_modules: true }
    }

    /// Writes the plan of `copies` copies, compact, as `terraform show -json` does.
    pub fn write<W: Write>(&self, copies: usize, out: W) -> io::Result<()> {
        let mut w = JsonWriter::new(out);
        w.raw("{")?;
        let mut first = true;
        for (key, value) in &self.doc {
            let k = key.as_str();
            if !first {
                w.raw(",")?;
            }
            first = false;
            w.value(&k)?;
            w.raw(":")?;
            match (k, value) {
                ("planned_values", Value::Object(pv)) => self.write_values(&mut w, pv, copies)?,
                ("prior_state", Value::Object(ps)) => {
                    w.raw("{")?;
                    let mut first = true;
                    for (pk, pvalue) in ps {
                        if !first {
                            w.raw(",")?;
                        }
                        first = false;
                        w.value(pk)?;
                        w.raw(":")?;
                        match (pk.as_str(), pvalue) {
                            ("values", Value::Object(v)) => self.write_values(&mut w, v, copies)?,
                            _ => w.value(pvalue)?,
                        }
                    }
                    w.raw("}")?;
                }
                ("resource_changes", Value::Array(changes)) => {
                    w.seq((0..copies).flat_map(|c| changes.iter().map(move |rc| self.resource_change(rc, c))))?;
                }
                ("output_changes", _) => w.raw("{}")?,
                ("configuration", Value::Object(config)) => self.write_configuration(&mut w, config, copies)?,
                ("relevant_attributes", Value::Array(attrs)) => {
                    w.seq((0..copies).flat_map(|c| {
                        attrs.iter().map(move |a| {
                            let mut a = a.clone();
                            prefix_field(&mut a, "resource", c);
                            a
                        })
                    }))?;
                }
                ("checks", Value::Array(checks)) => {
                    w.seq((0..copies).flat_map(|c| checks.iter().map(move |ch| check(ch, c))))?;
                }
                _ => w.value(value)?,
            }
        }
        w.raw("}")?;
        w.flush()
    }

    /// `planned_values` or `prior_state.values`: outputs dropped, the root's resources moved
    /// into one child module per copy.
    fn write_values<W: Write>(
        &self,
        w: &mut JsonWriter<W>,
        values: &Map<String, Value>,
        copies: usize,
    ) -> io::Result<()> {
        let empty = Value::Object(Map::new());
        let root = values.get("root_module").unwrap_or(&empty);
        w.raw("{")?;
        let mut first = true;
        for (key, value) in values {
            if !first {
                w.raw(",")?;
            }
            first = false;
            w.value(key)?;
            w.raw(":")?;
            match key.as_str() {
                "outputs" => w.raw("{}")?,
                "root_module" => {
                    w.raw(r#"{"child_modules":"#)?;
                    w.seq((0..copies).map(|c| self.state_module(root, c)))?;
                    w.raw("}")?;
                }
                _ => w.value(value)?,
            }
        }
        w.raw("}")
    }

    fn write_configuration<W: Write>(
        &self,
        w: &mut JsonWriter<W>,
        config: &Map<String, Value>,
        copies: usize,
    ) -> io::Result<()> {
        let empty = Value::Object(Map::new());
        let root = config.get("root_module").unwrap_or(&empty);
        w.raw("{")?;
        let mut first = true;
        for (key, value) in config {
            if !first {
                w.raw(",")?;
            }
            first = false;
            w.value(key)?;
            w.raw(":")?;
            match (key.as_str(), value) {
                ("provider_config", Value::Object(providers)) => {
                    w.raw("{")?;
                    let mut first = true;
                    for (pkey, p) in providers {
                        let declared_in_module = p.get("module_address").is_some();
                        let instances: Vec<(String, Value)> = if declared_in_module {
                            (0..copies)
                                .map(|c| {
                                    let mut p = p.clone();
                                    prefix_field(&mut p, "module_address", c);
                                    (provider_key(pkey, c), p)
                                })
                                .collect()
                        } else {
                            vec![(pkey.clone(), p.clone())]
                        };
                        for (k, p) in instances {
                            if !first {
                                w.raw(",")?;
                            }
                            first = false;
                            w.value(&k)?;
                            w.raw(":")?;
                            w.value(&p)?;
                        }
                    }
                    w.raw("}")?;
                }
                ("root_module", Value::Object(r)) => {
                    // The new root keeps the seed's variable declarations (its root provider
                    // blocks refer to them) and calls the copies.
                    w.raw("{")?;
                    if let Some(vars) = r.get("variables") {
                        w.raw(r#""variables":"#)?;
                        w.value(vars)?;
                        w.raw(",")?;
                    }
                    w.raw(r#""module_calls":{"#)?;
                    for c in 0..copies {
                        if c > 0 {
                            w.raw(",")?;
                        }
                        w.value(&copy_name(c))?;
                        w.raw(":")?;
                        w.value(&self.module_call(root, c))?;
                    }
                    w.raw("}}")?;
                }
                _ => w.value(value)?,
            }
        }
        w.raw("}")
    }

    fn module_call(&self, root: &Value, c: usize) -> Value {
        let mut expressions = Map::new();
        if let Some(Value::Object(vars)) = self.doc.get("variables") {
            for (name, v) in vars {
                if let Some(value) = v.get("value") {
                    let mut value = value.clone();
                    self.renames.apply(&mut value, c);
                    expressions.insert(name.clone(), json!({ "constant_value": value }));
                }
            }
        }
        let mut module = root.clone();
        self.config_module(&mut module, c);
        if self.distinct_modules
            && let Some(m) = module.as_object_mut()
        {
            let variables = m.entry("variables").or_insert_with(|| json!({}));
            if let Some(variables) = variables.as_object_mut() {
                variables.insert("copy_index".into(), json!({ "default": c }));
            }
        }
        json!({ "source": "./copy", "expressions": expressions, "module": module })
    }

    /// Rewrites one configuration module (and its calls) for copy `c`.
    fn config_module(&self, module: &mut Value, c: usize) {
        let Some(m) = module.as_object_mut() else {
            return;
        };
        if let Some(Value::Array(resources)) = m.get_mut("resources") {
            for r in resources {
                if let Some(Value::String(key)) = r.get_mut("provider_config_key") {
                    *key = provider_key(key, c);
                }
            }
        }
        if let Some(Value::Object(calls)) = m.get_mut("module_calls") {
            for call in calls.values_mut() {
                if let Some(inner) = call.get_mut("module") {
                    self.config_module(inner, c);
                }
            }
        }
        self.renames.apply_to_constants(module, c);
    }

    fn resource_change(&self, rc: &Value, c: usize) -> Value {
        let mut rc = rc.clone();
        prefix_field(&mut rc, "address", c);
        prefix_field(&mut rc, "previous_address", c);
        if let Some(m) = rc.as_object_mut() {
            let module = match m.get("module_address").and_then(Value::as_str) {
                Some(inner) => format!("{}.{inner}", copy_module(c)),
                None => copy_module(c),
            };
            m.insert("module_address".into(), Value::String(module));
            if let Some(change) = m.get_mut("change").and_then(Value::as_object_mut) {
                for side in ["before", "after"] {
                    if let Some(v) = change.get_mut(side) {
                        self.renames.apply(v, c);
                    }
                }
            }
        }
        rc
    }

    /// A module of `planned_values` or `prior_state.values`, moved under copy `c`. The seed's
    /// root module has no address; it becomes `module.copy_c`.
    fn state_module(&self, module: &Value, c: usize) -> Value {
        let mut module = module.clone();
        self.state_module_in_place(&mut module, c);
        if let Some(m) = module.as_object_mut() {
            m.entry("address").or_insert_with(|| Value::String(copy_module(c)));
        }
        module
    }

    fn state_module_in_place(&self, module: &mut Value, c: usize) {
        prefix_field(module, "address", c);
        if let Some(Value::Array(resources)) = module.get_mut("resources") {
            for r in resources {
                prefix_field(r, "address", c);
                if let Some(Value::Array(deps)) = r.get_mut("depends_on") {
                    for d in deps {
                        if let Value::String(s) = d {
                            *s = format!("{}.{s}", copy_module(c));
                        }
                    }
                }
                if let Some(v) = r.get_mut("values") {
                    self.renames.apply(v, c);
                }
            }
        }
        if let Some(Value::Array(children)) = module.get_mut("child_modules") {
            for child in children {
                self.state_module_in_place(child, c);
            }
        }
    }
}

/// `checks` name configuration objects (`module` without instance keys) and their instances.
fn check(ch: &Value, c: usize) -> Value {
    let mut ch = ch.clone();
    let Some(m) = ch.as_object_mut() else {
        return ch;
    };
    let mut addresses: Vec<&mut Value> = Vec::new();
    for (key, value) in m.iter_mut() {
        match (key.as_str(), value) {
            ("address", a) => addresses.push(a),
            ("instances", Value::Array(instances)) => {
                addresses.extend(instances.iter_mut().filter_map(|i| i.get_mut("address")));
            }
            _ => {}
        }
    }
    for a in addresses {
        let Some(a) = a.as_object_mut() else {
            continue;
        };
        let module = match a.get("module").and_then(Value::as_str) {
            Some(inner) => format!("{}.{inner}", copy_module(c)),
            None => copy_module(c),
        };
        a.insert("module".into(), Value::String(module));
        if let Some(Value::String(s)) = a.get_mut("to_display") {
            *s = format!("{}.{s}", copy_module(c));
        }
    }
    ch
}

/// `vpc:aws` (format 0.1) → `copy_3.vpc:aws`; `module.vpc:aws` → `module.copy_3.module.vpc:aws`;
/// a root provider's key (`aws`, `aws.east`) stays.
fn provider_key(key: &str, c: usize) -> String {
    match key.rsplit_once(':') {
        Some((module, provider)) if module.starts_with("module.") => {
            format!("{}.{module}:{provider}", copy_module(c))
        }
        Some((module, provider)) => format!("{}.{module}:{provider}", copy_name(c)),
        None => key.to_string(),
    }
}

fn prefix_field(v: &mut Value, field: &str, c: usize) {
    if let Some(Value::String(s)) = v.get_mut(field) {
        *s = format!("{}.{s}", copy_module(c));
    }
}

/// Compact JSON written piece by piece, so a document of N copies never exists as a value.
struct JsonWriter<W: Write> {
    out: io::BufWriter<W>,
}

impl<W: Write> JsonWriter<W> {
    fn new(out: W) -> Self {
        JsonWriter { out: io::BufWriter::with_capacity(1 << 20, out) }
    }

    fn raw(&mut self, s: &str) -> io::Result<()> {
        self.out.write_all(s.as_bytes())
    }

    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, v).map_err(io::Error::from)
    }

    /// A JSON array of items made one at a time.
    fn seq<T: Serialize>(&mut self, items: impl Iterator<Item = T>) -> io::Result<()> {
        self.raw("[")?;
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.raw(",")?;
            }
            self.value(&item)?;
        }
        self.raw("]")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
