//! The `configuration` section: resources with their expressions, module calls, outputs,
//! variables and provider configurations, borrowed from the input.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use serde::Deserialize as DeriveDeserialize;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use smallvec::SmallVec;

use super::values::CowStr;

mod calls;
pub(super) use calls::InOnePass;

/// The section; its `Deserialize` reads each distinct module text of the root's calls once
/// (see `calls`).
#[derive(Debug, Default)]
pub struct Configuration<'a> {
    pub provider_config: Named<'a, ProviderConfig<'a>>,
    pub root_module: ConfigModule<'a>,
}

#[derive(Debug, Default, DeriveDeserialize)]
pub struct ProviderConfig<'a> {
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub full_name: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub alias: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub module_address: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub expressions: Expressions<'a>,
}

#[derive(Debug, Default, DeriveDeserialize)]
pub struct ConfigModule<'a> {
    #[serde(borrow, default)]
    pub resources: Vec<ConfigResource<'a>>,
    #[serde(borrow, default)]
    pub module_calls: Named<'a, ModuleCall<'a>>,
    #[serde(borrow, default)]
    pub outputs: Named<'a, ConfigOutput<'a>>,
    #[serde(borrow, default)]
    pub variables: Named<'a, ConfigVariable<'a>>,
}

impl<'a> ConfigModule<'a> {
    /// The module reached by following call names from this one.
    pub fn descend(&self, path: &[&str]) -> Option<&ConfigModule<'a>> {
        let mut module = self;
        for name in path {
            module = &module.module_calls.get(name)?.module;
        }
        Some(module)
    }

    pub fn resource(&self, config_address: &str) -> Option<&ConfigResource<'a>> {
        self.resources.iter().find(|r| r.address == config_address)
    }
}

#[derive(Debug, DeriveDeserialize)]
pub struct ConfigResource<'a> {
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    #[serde(borrow, default)]
    pub mode: Option<CowStr<'a>>,
    #[serde(borrow, rename = "type")]
    pub type_: Cow<'a, str>,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub provider_config_key: Option<CowStr<'a>>,
    /// The `expressions` object, split into fields on first use: most configuration blocks
    /// are of types tfreach does not model, and reading their expressions would cost more
    /// than the rest of the plan.
    #[serde(borrow, default, rename = "expressions")]
    expressions_raw: Option<&'a RawValue>,
    #[serde(skip)]
    expressions: OnceLock<Expressions<'a>>,
    #[serde(borrow, default)]
    pub for_each_expression: Option<Expression<'a>>,
}

impl<'a> ConfigResource<'a> {
    /// The block's attribute expressions and nested blocks. An `expressions` value of
    /// another shape than Terraform writes reads as empty.
    pub fn expressions(&self) -> &Expressions<'a> {
        self.expressions.get_or_init(|| split_expressions(self.expressions_raw))
    }
}

#[derive(Debug, DeriveDeserialize)]
pub struct ModuleCall<'a> {
    #[serde(borrow, default)]
    pub source: Cow<'a, str>,
    /// The call's arguments, split into fields on first use, as a resource's are.
    #[serde(borrow, default, rename = "expressions")]
    expressions_raw: Option<&'a RawValue>,
    #[serde(skip)]
    expressions: OnceLock<Expressions<'a>>,
    #[serde(borrow, default)]
    pub for_each_expression: Option<Expression<'a>>,
    /// The called module; the root's calls of one module share it (see [`RootModule`]).
    #[serde(borrow, default)]
    pub module: Arc<ConfigModule<'a>>,
}

impl<'a> ModuleCall<'a> {
    /// The call's argument expressions. An `expressions` value of another shape than
    /// Terraform writes reads as empty.
    pub fn expressions(&self) -> &Expressions<'a> {
        self.expressions.get_or_init(|| split_expressions(self.expressions_raw))
    }
}

/// An `expressions` object split into its fields; anything else reads as empty.
fn split_expressions<'a>(raw: Option<&'a RawValue>) -> Expressions<'a> {
    raw.and_then(|raw| serde_json::from_str(raw.get()).ok()).unwrap_or_default()
}

#[derive(Debug, Default, DeriveDeserialize)]
pub struct ConfigOutput<'a> {
    #[serde(borrow, default)]
    pub expression: Option<Expression<'a>>,
}

#[derive(Debug, Default, DeriveDeserialize)]
pub struct ConfigVariable<'a> {
    #[serde(borrow, default)]
    pub default: Option<&'a RawValue>,
    /// Declared `sensitive = true`: its value is never printed.
    #[serde(default)]
    pub sensitive: bool,
}

/// A JSON object of named entries (module calls, outputs, …) as a vector sorted by name:
/// a module has a handful of each, and a B-tree node per module would cost more memory
/// than the entries. Of repeated names, the last counts, as in a map.
#[derive(Debug)]
pub struct Named<'a, V> {
    entries: Vec<(Cow<'a, str>, V)>,
}

impl<V> Default for Named<'_, V> {
    fn default() -> Self {
        Named { entries: Vec::new() }
    }
}

impl<'a, V> Named<'a, V> {
    pub fn get(&self, name: &str) -> Option<&V> {
        let i = self.entries.binary_search_by(|(k, _)| k.as_ref().cmp(name)).ok()?;
        Some(&self.entries[i].1)
    }

    /// Entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&Cow<'a, str>, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The same names, each with `f` of its entry.
    fn map<W>(self, mut f: impl FnMut(V) -> W) -> Named<'a, W> {
        Named { entries: self.entries.into_iter().map(|(k, v)| (k, f(v))).collect() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'s, 'a, V> IntoIterator for &'s Named<'a, V> {
    type Item = (&'s Cow<'a, str>, &'s V);
    type IntoIter = std::iter::Map<std::slice::Iter<'s, (Cow<'a, str>, V)>, fn(&'s (Cow<'a, str>, V)) -> Self::Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<'de: 'a, 'a, V: Deserialize<'de>> Deserialize<'de> for Named<'a, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NamedVisitor<'a, V>(std::marker::PhantomData<(&'a (), V)>);
        impl<'de: 'a, 'a, V: Deserialize<'de>> Visitor<'de> for NamedVisitor<'a, V> {
            type Value = Named<'a, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut entries: Vec<(Cow<'a, str>, V)> = Vec::new();
                while let Some(CowStr(key)) = map.next_key()? {
                    entries.push((key, map.next_value()?));
                }
                // Stable: of equal names, the last stays last; keep it.
                entries.sort_by(|(a, _), (b, _)| a.cmp(b));
                let mut deduped: Vec<(Cow<'a, str>, V)> = Vec::with_capacity(entries.len());
                for entry in entries {
                    match deduped.last_mut() {
                        Some(last) if last.0 == entry.0 => *last = entry,
                        _ => deduped.push(entry),
                    }
                }
                Ok(Named { entries: deduped })
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(Named::default())
            }
        }
        d.deserialize_any(NamedVisitor(std::marker::PhantomData))
    }
}

/// One HCL expression as Terraform summarises it: a constant, or the references it makes.
#[derive(Debug, Default, Clone)]
pub struct Expression<'a> {
    pub constant_value: Option<&'a RawValue>,
    /// The `references` array, split on use (see [`Expression::references`]).
    references: Option<&'a RawValue>,
}

/// An attribute's expression, or the expressions of nested blocks.
#[derive(Debug, Clone)]
pub enum ExprNode<'a> {
    Expr(Expression<'a>),
    Blocks(Vec<Expressions<'a>>),
    Block(Expressions<'a>),
}

/// The `expressions` object of a resource, module call, provider or nested block.
#[derive(Debug, Default, Clone)]
pub struct Expressions<'a> {
    pub fields: Vec<(Cow<'a, str>, ExprNode<'a>)>,
}

impl<'a> Expressions<'a> {
    pub fn get(&self, key: &str) -> Option<&ExprNode<'a>> {
        self.fields.iter().find(|(k, _)| super::values::same_key(k, key)).map(|(_, v)| v)
    }

    pub fn expr(&self, key: &str) -> Option<&Expression<'a>> {
        match self.get(key)? {
            ExprNode::Expr(e) => Some(e),
            _ => None,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Nested blocks named `key` (a single block counts as one).
    pub fn blocks(&self, key: &str) -> Vec<&Expressions<'a>> {
        match self.get(key) {
            Some(ExprNode::Blocks(b)) => b.iter().collect(),
            Some(ExprNode::Block(b)) => vec![b],
            _ => Vec::new(),
        }
    }
}

impl<'a> Expression<'a> {
    /// The references the expression makes, as Terraform lists them: every prefix of each
    /// traversal (`aws_vpc.v.id`, `aws_vpc.v`). Anything but a list of strings reads as none.
    pub fn references(&self) -> Vec<Cow<'a, str>> {
        let Some(raw) = self.references else { return Vec::new() };
        let refs: Vec<CowStr<'a>> = serde_json::from_str(raw.get()).unwrap_or_default();
        refs.into_iter().map(|s| s.0).collect()
    }

    /// The `references` list as it is written in the plan: equal texts make equal lists,
    /// which is how what is read from them is cached.
    pub fn references_text(&self) -> Option<&'a str> {
        self.references.map(RawValue::get)
    }

    /// The one reference of an expression that makes exactly one (`["var.key_name"]`), read
    /// without allocating: it is asked of many attributes. `None` for any other list, and for
    /// one with escapes (which a plain reference never has).
    pub fn only_reference(&self) -> Option<&'a str> {
        let text = self.references?.get().trim();
        let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim();
        let name = inner.strip_prefix('"')?.strip_suffix('"')?;
        (!name.contains(['"', '\\'])).then_some(name)
    }

    /// Whether the expression makes any reference.
    pub fn has_references(&self) -> bool {
        self.references
            .is_some_and(|raw| raw.get().strip_prefix('[').is_some_and(|rest| !rest.trim_start().starts_with(']')))
    }

    /// The constant as `T` (e.g. a string or list of strings).
    pub fn constant<T: Deserialize<'a>>(&self) -> Option<T> {
        self.constant_value.and_then(|r| serde_json::from_str(r.get()).ok())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Expression<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match ExprNode::deserialize(d)? {
            ExprNode::Expr(e) => Ok(e),
            _ => Ok(Expression::default()),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Expressions<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match ExprNode::deserialize(d)? {
            ExprNode::Block(b) => Ok(b),
            ExprNode::Expr(e) if e.constant_value.is_none() && !e.has_references() => Ok(Expressions::default()),
            _ => Err(serde::de::Error::custom("expected an object of expressions")),
        }
    }
}

/// Expressions objects mix two shapes under one syntax: `{"constant_value": …}` /
/// `{"references": […]}` for an attribute, and `{"attr": {…}, …}` for a nested block.
/// One visitor tells them apart by key without buffering.
impl<'de: 'a, 'a> Deserialize<'de> for ExprNode<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NodeVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for NodeVisitor<'a> {
            type Value = ExprNode<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an expression, a block or a list of blocks")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut blocks = Vec::new();
                while let Some(b) = seq.next_element::<Expressions<'a>>()? {
                    blocks.push(b);
                }
                blocks.shrink_to_fit();
                Ok(ExprNode::Blocks(blocks))
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut expr = Expression::default();
                // Gathered on the stack, kept in one allocation of the exact size.
                let mut fields: SmallVec<[(Cow<'a, str>, ExprNode<'a>); 16]> = SmallVec::new();
                while let Some(CowStr(key)) = map.next_key()? {
                    match key.as_ref() {
                        "constant_value" => expr.constant_value = Some(map.next_value()?),
                        "references" => expr.references = map.next_value()?,
                        _ => fields.push((key, map.next_value::<ExprNode<'a>>()?)),
                    }
                }
                if fields.is_empty() {
                    Ok(ExprNode::Expr(expr))
                } else {
                    let mut fields = fields.into_vec();
                    fields.shrink_to_fit();
                    Ok(ExprNode::Block(Expressions { fields }))
                }
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(ExprNode::Expr(Expression::default()))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(ExprNode::Expr(Expression::default()))
            }
        }
        d.deserialize_any(NodeVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_attributes_from_blocks() {
        let json = r#"{
            "vpc_id": {"references": ["aws_vpc.v.id", "aws_vpc.v"]},
            "description": {"constant_value": "x"},
            "egress": [{"cidr_blocks": {"constant_value": ["0.0.0.0/0"]}, "from_port": {"constant_value": 443}}],
            "timeouts": null
        }"#;
        let e: Expressions = serde_json::from_str(json).unwrap();
        assert_eq!(e.expr("vpc_id").unwrap().references(), vec!["aws_vpc.v.id", "aws_vpc.v"]);
        assert!(e.expr("vpc_id").unwrap().has_references());
        assert!(!e.expr("description").unwrap().has_references());
        assert_eq!(e.expr("description").unwrap().constant::<String>().as_deref(), Some("x"));
        let egress = e.blocks("egress");
        assert_eq!(egress.len(), 1);
        assert_eq!(egress[0].expr("from_port").unwrap().constant::<i64>(), Some(443));
        assert!(e.contains("timeouts"));
    }

    #[test]
    fn descends_module_calls() {
        let json = r#"{"root_module":{"module_calls":{"vpc":{"source":"./vpc","module":{"resources":[
            {"address":"aws_vpc.this","mode":"managed","type":"aws_vpc","name":"this","expressions":{}}]}}}}}"#;
        let c: Configuration = serde_json::from_str(json).unwrap();
        let m = c.root_module.descend(&["vpc"]).unwrap();
        assert!(m.resource("aws_vpc.this").is_some());
        assert!(c.root_module.descend(&["nope"]).is_none());
    }

    #[test]
    fn named_entries_are_sorted_and_the_last_of_a_name_counts() {
        let json = r#"{"outputs":{"b":{"expression":{"references":["var.b"]}},"a":{},"b":{"expression":{"references":["var.c"]}}}}"#;
        let m: ConfigModule = serde_json::from_str(json).unwrap();
        let names: Vec<&str> = m.outputs.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(m.outputs.get("b").unwrap().expression.as_ref().unwrap().references(), ["var.c"]);
        assert!(m.outputs.get("c").is_none());
        let empty: ConfigModule = serde_json::from_str(r#"{"outputs":null}"#).unwrap();
        assert!(empty.outputs.is_empty());
    }

    #[test]
    fn reads_resource_expressions_on_first_use() {
        let json = r#"{"resources":[
            {"address":"aws_vpc.a","type":"aws_vpc","name":"a","expressions":{"cidr_block":{"constant_value":"10.0.0.0/16"}}},
            {"address":"aws_vpc.b","type":"aws_vpc","name":"b","expressions":[1]},
            {"address":"aws_vpc.c","type":"aws_vpc","name":"c"}]}"#;
        let m: ConfigModule = serde_json::from_str(json).unwrap();
        let cidr = m.resource("aws_vpc.a").unwrap().expressions().expr("cidr_block").unwrap();
        assert_eq!(cidr.constant::<String>().as_deref(), Some("10.0.0.0/16"));
        assert!(m.resource("aws_vpc.b").unwrap().expressions().fields.is_empty());
        assert!(m.resource("aws_vpc.c").unwrap().expressions().fields.is_empty());
    }
}
