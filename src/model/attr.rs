//! Reading an attribute's value as it will be after apply — written once, for every kind
//! and every nesting level.
//!
//! A plan marks many attributes unknown that are not: with the AWS provider, an Optional +
//! Computed attribute the configuration leaves unset (a VPC's `enable_dns_hostnames`, a new
//! group's `egress`, an instance's `metadata_options`) appears in `after_unknown`, yet on
//! create it takes its default. Only an unknown the configuration sets through a reference
//! is truly unknown. So the order is: the planned value, else the configuration's constant,
//! else (for an existing object) the prior value, else Terraform's default on create.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::plan::config::{Expression, Expressions};
use crate::plan::values::{CowStr, Markers, Values};

/// An attribute's value after apply, and where that knowledge comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", content = "value", rename_all = "lowercase")]
pub enum Attr<T> {
    /// The plan, state or configuration gives the value.
    Known(T),
    /// The configuration leaves it unset; this is the provider's or AWS's default.
    Default(T),
    /// Set through a reference that is unknown until apply.
    Unknown,
    /// Unset, with no default that tfreach knows.
    Absent,
}

impl<T> Attr<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Attr::Known(v) | Attr::Default(v) => Some(v),
            Attr::Unknown | Attr::Absent => None,
        }
    }

    pub fn into_value(self) -> Option<T> {
        match self {
            Attr::Known(v) | Attr::Default(v) => Some(v),
            Attr::Unknown | Attr::Absent => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attr<U> {
        match self {
            Attr::Known(v) => Attr::Known(f(v)),
            Attr::Default(v) => Attr::Default(f(v)),
            Attr::Unknown => Attr::Unknown,
            Attr::Absent => Attr::Absent,
        }
    }

    /// Like [`Attr::map`], turning values `f` rejects into `Absent`.
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Option<U>) -> Attr<U> {
        match self {
            Attr::Known(v) => f(v).map_or(Attr::Absent, Attr::Known),
            Attr::Default(v) => f(v).map_or(Attr::Absent, Attr::Default),
            Attr::Unknown => Attr::Unknown,
            Attr::Absent => Attr::Absent,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }

    /// Whether the value is Terraform's default because the configuration leaves it unset.
    pub fn is_default(&self) -> bool {
        matches!(self, Attr::Default(_))
    }

    pub fn as_ref(&self) -> Attr<&T> {
        match self {
            Attr::Known(v) => Attr::Known(v),
            Attr::Default(v) => Attr::Default(v),
            Attr::Unknown => Attr::Unknown,
            Attr::Absent => Attr::Absent,
        }
    }
}

impl<T: PartialEq> Attr<T> {
    /// `Some(true)` when the value is known (or defaulted) to equal `v`, `None` when unknown.
    pub fn is(&self, v: &T) -> Option<bool> {
        match self {
            Attr::Known(x) | Attr::Default(x) => Some(x == v),
            Attr::Unknown => None,
            Attr::Absent => Some(false),
        }
    }
}

/// Whether the plan creates the object (so unset computed attributes take their defaults)
/// or the object exists already (so they keep the values it has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifecycle {
    #[default]
    Creates,
    Exists,
}

/// Everything the plan says about one object or nested block: its planned values, which of
/// them are unknown until apply, its prior values and its configuration.
#[derive(Debug, Clone, Default)]
pub struct Fields<'a> {
    after: Values<'a>,
    unknown: Markers<'a>,
    before: Values<'a>,
    config: Option<&'a Expressions<'a>>,
    lifecycle: Lifecycle,
    /// The enclosing attribute is set by one expression (the AWS provider's "attributes as
    /// blocks", such as `route = [...]`): what is unknown inside comes from it.
    set_by_parent: bool,
    /// Where the configuration's variables are evaluated.
    scope: Option<super::eval::VarScope<'a>>,
}

impl<'a> Fields<'a> {
    pub fn new(
        after: Values<'a>,
        unknown: Markers<'a>,
        before: Values<'a>,
        config: Option<&'a Expressions<'a>>,
        lifecycle: Lifecycle,
    ) -> Fields<'a> {
        Fields { after, unknown, before, config, lifecycle, set_by_parent: false, scope: None }
    }

    /// Evaluates the configuration's variables in `scope`.
    pub fn in_scope(mut self, scope: super::eval::VarScope<'a>) -> Fields<'a> {
        self.scope = Some(scope);
        self
    }

    /// Whether `e` is a variable that is `null` or `""`: unset, as Terraform and the provider
    /// read it.
    fn empty_var(&self, e: &Expression<'a>) -> bool {
        self.scope.is_some_and(|s| s.is_empty_var(e))
    }

    /// Only a configuration (a block the plan knows nothing else about).
    pub fn configured(config: &'a Expressions<'a>, lifecycle: Lifecycle) -> Fields<'a> {
        Fields { config: Some(config), lifecycle, ..Fields::default() }
    }

    /// The attribute as it will be after apply, with `default` for what the configuration
    /// leaves unset.
    pub fn attr<T: Deserialize<'a>>(&self, key: &str, default: Option<T>) -> Attr<T> {
        let fallback = || default.map_or(Attr::Absent, Attr::Default);
        if self.unknown.any_true(key) {
            // A variable that is `null` or `""` leaves the attribute unset.
            return match self.config_expr(key).filter(|e| !self.empty_var(e)) {
                Some(e) => e.constant::<T>().map_or(Attr::Unknown, Attr::Known),
                None if self.set_by_parent => Attr::Unknown,
                // Unset and computed by the provider: its default on create; an existing
                // object keeps the value it has.
                None => match self.lifecycle {
                    Lifecycle::Creates => fallback(),
                    Lifecycle::Exists => self.before.get::<T>(key).map_or_else(fallback, Attr::Known),
                },
            };
        }
        if let Some(raw) = self.after.raw(key) {
            // A value the configuration does not set on an object the plan creates is the
            // provider's default (`private_dns_enabled = false`).
            let unset = self.config.is_some() && !self.configures(key) && self.lifecycle == Lifecycle::Creates;
            return match typed::<T>(raw) {
                Some(v) if unset => Attr::Default(v),
                Some(v) => Attr::Known(v),
                None => fallback(),
            };
        }
        // The plan has no value here (a block only the configuration describes).
        match self.config_expr(key) {
            Some(e) if self.empty_var(e) => fallback(),
            Some(e) if e.has_references() && e.constant_value.is_none() => Attr::Unknown,
            Some(e) => e.constant::<T>().map_or_else(fallback, Attr::Known),
            None => fallback(),
        }
    }

    pub fn str(&self, key: &str) -> Attr<String> {
        self.attr::<String>(key, None)
    }

    pub fn bool(&self, key: &str, default: Option<bool>) -> Attr<bool> {
        self.attr::<bool>(key, default)
    }

    /// A string or number as text (`protocol = 6`, `from_port = "443"`).
    pub fn text(&self, key: &str) -> Attr<String> {
        self.attr::<serde_json::Value>(key, None).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }

    /// An integer, also when written as a string.
    pub fn int(&self, key: &str) -> Attr<i64> {
        self.text(key).and_then(|s| s.trim().parse().ok())
    }

    /// Every string of a string or a list of strings; empty strings and nulls are skipped.
    pub fn strings(&self, key: &str) -> Attr<Vec<String>> {
        self.attr::<serde_json::Value>(key, None).map(|v| {
            let mut out = Vec::new();
            collect_strings(&v, &mut out);
            out
        })
    }

    /// Whether the configuration sets the attribute (to anything).
    pub fn configures(&self, key: &str) -> bool {
        self.config.is_some_and(|c| c.contains(key))
    }

    /// Whether anything under the attribute is unknown until apply.
    pub fn is_unknown(&self, key: &str) -> bool {
        self.unknown.any_true(key)
    }

    /// The attribute's expression, when the configuration sets it to one (not a block).
    pub fn config_expr(&self, key: &str) -> Option<&'a Expression<'a>> {
        self.config?.expr(key)
    }

    /// The planned raw value (null included), when the plan has one and it is not unknown.
    pub fn known_raw(&self, key: &str) -> Option<&'a RawValue> {
        if self.unknown.any_true(key) {
            return None;
        }
        self.after.raw(key)
    }

    pub fn config(&self) -> Option<&'a Expressions<'a>> {
        self.config
    }

    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    pub fn after(&self) -> &Values<'a> {
        &self.after
    }

    pub fn before(&self) -> &Values<'a> {
        &self.before
    }

    /// Whether the whole list of blocks `key` is unknown until apply.
    pub fn blocks_unknown(&self, key: &str) -> bool {
        self.unknown.is_true(key)
    }

    /// The nested blocks `key`, each with its own planned, unknown, prior and configured
    /// parts. The planned blocks when the plan knows them; else the configured ones; else,
    /// for an existing object the configuration says nothing about, the prior ones.
    pub fn blocks(&self, key: &str) -> Vec<Fields<'a>> {
        let configured = self.config.map(|c| c.blocks(key)).unwrap_or_default();
        if !self.unknown.is_true(key) && self.after.raw(key).is_some_and(|r| r.get() != "null") {
            let (mut unknown, mut before) = (self.unknown.blocks(key).into_iter(), self.before.blocks(key).into_iter());
            let mut configured = configured.into_iter();
            let set_by_parent = self.config_expr(key).is_some_and(|e| e.has_references());
            return self
                .after
                .blocks(key)
                .into_iter()
                .map(|after| Fields {
                    after,
                    unknown: unknown.next().unwrap_or_default(),
                    before: before.next().unwrap_or_default(),
                    config: configured.next(),
                    lifecycle: self.lifecycle,
                    set_by_parent,
                    scope: self.scope,
                })
                .collect();
        }
        if !configured.is_empty() {
            return configured
                .into_iter()
                .map(|c| Fields { scope: self.scope, ..Fields::configured(c, self.lifecycle) })
                .collect();
        }
        if self.lifecycle == Lifecycle::Exists && !self.configures(key) {
            return self
                .before
                .blocks(key)
                .into_iter()
                .map(|b| Fields { after: b.clone(), before: b, lifecycle: Lifecycle::Exists, ..Fields::default() })
                .collect();
        }
        Vec::new()
    }

    /// The first block `key` (a single nested block such as `metadata_options`).
    pub fn block(&self, key: &str) -> Option<Fields<'a>> {
        self.blocks(key).into_iter().next()
    }
}

fn typed<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Option<T> {
    if raw.get() == "null" {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

/// A borrowed string when the JSON text is a plain string without escapes.
pub fn borrowed_str(json: &str) -> Option<&str> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.is_empty() && !inner.contains('\\')).then_some(inner)
}

/// The text of a JSON string value, borrowed when possible.
pub fn raw_str<'a>(raw: &'a RawValue) -> Option<std::borrow::Cow<'a, str>> {
    serde_json::from_str::<CowStr<'a>>(raw.get()).ok().map(|s| s.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(after: &'a str, unknown: &'a str, config: Option<&'a Expressions<'a>>) -> Fields<'a> {
        let a: &RawValue = serde_json::from_str(after).unwrap();
        let u: &RawValue = serde_json::from_str(unknown).unwrap();
        Fields::new(Values::of(Some(a)), Markers::of(Some(u)), Values::default(), config, Lifecycle::Creates)
    }

    #[test]
    fn an_unset_computed_attribute_takes_its_default_on_create() {
        let f = fields(r#"{"cidr_block":"10.0.0.0/16"}"#, r#"{"enable_dns_hostnames":true}"#, None);
        assert_eq!(f.bool("enable_dns_hostnames", Some(false)), Attr::Default(false));
        assert_eq!(f.str("cidr_block"), Attr::Known("10.0.0.0/16".into()));
        assert_eq!(f.str("missing"), Attr::Absent);
    }

    #[test]
    fn an_unknown_set_through_a_reference_stays_unknown() {
        let config: Expressions =
            serde_json::from_str(r#"{"vpc_id":{"references":["aws_vpc.a.id","aws_vpc.a"]}}"#).unwrap();
        let f = fields("{}", r#"{"vpc_id":true}"#, Some(&config));
        assert_eq!(f.str("vpc_id"), Attr::Unknown);
        assert!(f.configures("vpc_id"));
    }

    #[test]
    fn an_existing_object_keeps_its_computed_value() {
        let a: &RawValue = serde_json::from_str("{}").unwrap();
        let u: &RawValue = serde_json::from_str(r#"{"egress":true}"#).unwrap();
        let b: &RawValue = serde_json::from_str(r#"{"egress":[{"from_port":443}]}"#).unwrap();
        let f = Fields::new(Values::of(Some(a)), Markers::of(Some(u)), Values::of(Some(b)), None, Lifecycle::Exists);
        let blocks = f.blocks("egress");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].int("from_port"), Attr::Known(443));
    }

    #[test]
    fn blocks_fall_back_to_their_configuration() {
        let config: Expressions = serde_json::from_str(
            r#"{"ingress":[{"from_port":{"constant_value":443},"cidr_blocks":{"references":["var.c"]}}]}"#,
        )
        .unwrap();
        let f = fields("{}", r#"{"ingress":true}"#, Some(&config));
        let blocks = f.blocks("ingress");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].int("from_port"), Attr::Known(443));
        assert_eq!(blocks[0].strings("cidr_blocks"), Attr::Unknown);
    }

    #[test]
    fn inside_an_attribute_set_by_one_expression_an_unknown_is_unknown() {
        // `route = [{ nat_gateway_id = aws_nat_gateway.x.id, … }]` in the AWS provider's
        // attributes-as-blocks: one expression for the whole list.
        let config: Expressions =
            serde_json::from_str(r#"{"route":{"references":["aws_nat_gateway.x.id","aws_nat_gateway.x"]}}"#).unwrap();
        let f = fields(
            r#"{"route":[{"cidr_block":"0.0.0.0/0","gateway_id":""}]}"#,
            r#"{"route":[{"nat_gateway_id":true}]}"#,
            Some(&config),
        );
        let route = &f.blocks("route")[0];
        assert_eq!(route.str("nat_gateway_id"), Attr::Unknown);
        assert_eq!(route.str("gateway_id"), Attr::Known(String::new()));
    }

    #[test]
    fn a_value_the_configuration_leaves_unset_is_the_default_on_create() {
        let config: Expressions = serde_json::from_str(r#"{"vpc_id":{"references":["aws_vpc.a.id"]}}"#).unwrap();
        let f = fields(r#"{"private_dns_enabled":false}"#, r#"{"vpc_id":true}"#, Some(&config));
        assert_eq!(f.bool("private_dns_enabled", None), Attr::Default(false));
    }

    #[test]
    fn numbers_and_strings_read_as_text() {
        let f = fields(r#"{"protocol":6,"from_port":"443","to_port":null}"#, "{}", None);
        assert_eq!(f.text("protocol"), Attr::Known("6".into()));
        assert_eq!(f.int("from_port"), Attr::Known(443));
        assert_eq!(f.int("to_port"), Attr::Absent);
    }
}
