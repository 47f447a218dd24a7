//! Reading the root module's calls: each distinct module text once, in parallel, shared by
//! every call that writes it.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;
use serde::Deserialize as DeriveDeserialize;
use serde::de::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{
    ConfigModule, ConfigOutput, ConfigResource, ConfigVariable, Configuration, Expression, ModuleCall, Named,
    ProviderConfig,
};

impl<'de: 'a, 'a> Deserialize<'de> for Configuration<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(DeriveDeserialize)]
        struct Written<'a> {
            #[serde(borrow, default)]
            provider_config: Named<'a, ProviderConfig<'a>>,
            #[serde(borrow, default)]
            root_module: RootModule<'a>,
        }
        let Written { provider_config, root_module } = Written::deserialize(d)?;
        // serde_json's message is kept: a nesting limit must read as one (see `crate::plan::depth`).
        let root_module = root_module.read().map_err(serde::de::Error::custom)?;
        Ok(Configuration { provider_config, root_module })
    }
}

/// The configuration read in one pass, each module where it is written: only to place an
/// error that [`Configuration`] finds in a module's text.
#[derive(DeriveDeserialize)]
pub(in crate::plan) struct InOnePass<'a> {
    #[serde(borrow, default, rename = "root_module")]
    _root_module: ConfigModule<'a>,
}

/// The root module as the plan writes it, with the modules it calls still text. A module
/// source called several times is written once per call, the same each time (the call's
/// arguments sit outside it), so each distinct text is read once and its calls share it.
/// The texts are read in parallel. Only the root's calls are compared: deeper ones are read
/// in the same pass as the module around them.
#[derive(Default, DeriveDeserialize)]
struct RootModule<'a> {
    #[serde(borrow, default)]
    resources: Vec<ConfigResource<'a>>,
    #[serde(borrow, default)]
    module_calls: Named<'a, RootCall<'a>>,
    #[serde(borrow, default)]
    outputs: Named<'a, ConfigOutput<'a>>,
    #[serde(borrow, default)]
    variables: Named<'a, ConfigVariable<'a>>,
}

/// A call of the root module, its module still text.
#[derive(DeriveDeserialize)]
struct RootCall<'a> {
    #[serde(borrow, default)]
    source: Cow<'a, str>,
    #[serde(borrow, default)]
    expressions: Option<&'a RawValue>,
    #[serde(borrow, default)]
    for_each_expression: Option<Expression<'a>>,
    /// `None` when absent; a `null` is kept, and read as any other module (an error).
    #[serde(borrow, default, deserialize_with = "present")]
    module: Option<&'a RawValue>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

impl<'a> RootModule<'a> {
    fn read(self) -> Result<ConfigModule<'a>, serde_json::Error> {
        // Each call's text; those of a length no other has are distinct without a look, the
        // others are hashed in parallel. `slot` is the index of each call's distinct text.
        let written: Vec<Option<&'a str>> = self.module_calls.values().map(|c| c.module.map(RawValue::get)).collect();
        let mut lengths: rustc_hash::FxHashMap<usize, usize> = Default::default();
        for text in written.iter().flatten() {
            *lengths.entry(text.len()).or_default() += 1;
        }
        let hashes: Vec<u64> = written
            .par_iter()
            .map(|t| match t {
                Some(t) if lengths[&t.len()] > 1 => FxBuildHasher.hash_one(t),
                // Unique by length: any hash will do, texts of other lengths never compare equal.
                Some(t) => t.len() as u64,
                None => 0,
            })
            .collect();
        let (mut table, mut texts, mut slot) = (HashTable::<usize>::new(), Vec::<(&'a str, u64)>::new(), Vec::new());
        for (&text, &hash) in written.iter().zip(&hashes) {
            let Some(text) = text else {
                slot.push(None);
                continue;
            };
            let i = match table.find(hash, |&i| texts[i].0 == text) {
                Some(&i) => i,
                None => {
                    texts.push((text, hash));
                    table.insert_unique(hash, texts.len() - 1, |&i| texts[i].1);
                    texts.len() - 1
                }
            };
            slot.push(Some(i));
        }
        let deep = crate::plan::depth::deep();
        let parse = |&(text, _): &(&'a str, u64)| -> Result<Arc<ConfigModule<'a>>, serde_json::Error> {
            let mut de = serde_json::Deserializer::from_str(text);
            if deep {
                // The whole input's depth is checked, and this thread's stack is large.
                de.disable_recursion_limit();
            }
            let module = ConfigModule::deserialize(&mut de)?;
            de.end()?;
            Ok(Arc::new(module))
        };
        // On the deep reading's own thread, where the stack is the large one.
        let parsed: Vec<Result<Arc<ConfigModule<'a>>, serde_json::Error>> =
            if deep { texts.iter().map(parse).collect() } else { texts.par_iter().map(parse).collect() };
        // The first error in call order, whichever thread finished first, named by its call.
        let mut read = Vec::with_capacity(parsed.len());
        for (i, module) in parsed.into_iter().enumerate() {
            match module {
                Ok(m) => read.push(m),
                // A nesting limit must read as one (see `crate::plan::depth`).
                Err(e) if crate::plan::depth::is_recursion_limit(&e) => return Err(e),
                Err(e) => {
                    let call = self.module_calls.iter().zip(&slot).find(|(_, s)| **s == Some(i)).map(|((n, _), _)| n);
                    let call = call.map(|c| c.as_ref()).unwrap_or_default();
                    let message = crate::plan::error::without_position(&e);
                    return Err(serde::de::Error::custom(format_args!(
                        "in the configuration of module call `{call}`: {message}"
                    )));
                }
            }
        }
        let mut slot = slot.into_iter();
        let module_calls = self.module_calls.map(|call| ModuleCall {
            source: call.source,
            expressions_raw: call.expressions,
            expressions: OnceLock::new(),
            for_each_expression: call.for_each_expression,
            module: slot.next().flatten().map_or_else(Arc::default, |i| Arc::clone(&read[i])),
        });
        Ok(ConfigModule { resources: self.resources, module_calls, outputs: self.outputs, variables: self.variables })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{LoadError, SourceFile, load};

    #[test]
    fn calls_of_one_module_text_share_its_configuration() {
        let vpc = r#"{"resources":[{"address":"aws_vpc.this","type":"aws_vpc","name":"this","expressions":{"cidr_block":{"references":["var.cidr"]}}}]}"#;
        let other = r#"{"resources":[{"address":"aws_vpc.other","type":"aws_vpc","name":"other"}]}"#;
        let json = format!(
            r#"{{"root_module":{{"module_calls":{{
                "a":{{"source":"./vpc","expressions":{{"cidr":{{"constant_value":"10.0.0.0/16"}}}},"module":{vpc}}},
                "b":{{"source":"./vpc","expressions":{{"cidr":{{"constant_value":"10.1.0.0/16"}}}},"module":{vpc}}},
                "c":{{"source":"./other","module":{{"module_calls":{{"d":{{"source":"../vpc","module":{vpc}}}}}}}}},
                "e":{{"source":"./other","module":{other}}},
                "f":{{"source":"./v","module":{{"variables":{{"x":{{"default":1}}}}}}}},
                "g":{{"source":"./v","module":{{"variables":{{"x":{{"default":2}}}}}}}}}}}}}}"#
        );
        let c: Configuration = serde_json::from_str(&json).unwrap();
        let calls = &c.root_module.module_calls;
        let (a, b, e) = (calls.get("a").unwrap(), calls.get("b").unwrap(), calls.get("e").unwrap());
        let d = c.root_module.descend(&["c", "d"]).unwrap();
        assert!(Arc::ptr_eq(&a.module, &b.module), "one text, one module");
        // Deeper calls are read with the module around them.
        assert!(d.resource("aws_vpc.this").is_some() && !std::ptr::eq(d, &*a.module));
        assert!(!Arc::ptr_eq(&a.module, &e.module));
        // Texts of one length that differ are read apart.
        let default = |call: &str| {
            let module = &calls.get(call).unwrap().module;
            module.variables.get("x").unwrap().default.unwrap().get().to_string()
        };
        assert_eq!((default("f"), default("g")), ("1".to_string(), "2".to_string()));
        assert!(a.module.resource("aws_vpc.this").is_some() && e.module.resource("aws_vpc.other").is_some());
        // The calls keep their own arguments.
        let cidr = |call: &ModuleCall| call.expressions().expr("cidr").unwrap().constant::<String>().unwrap();
        assert_eq!((cidr(a), cidr(b)), ("10.0.0.0/16".to_string(), "10.1.0.0/16".to_string()));
    }

    #[test]
    fn a_module_of_another_shape_is_an_error() {
        let json = r#"{"root_module":{"module_calls":{"a":{"source":"./a","module":{"resources":5}}}}}"#;
        let e = serde_json::from_str::<Configuration>(json).unwrap_err();
        assert!(e.to_string().starts_with("in the configuration of module call `a`: invalid type: integer `5`"), "{e}");
        // A `null` module is an error at any depth; an absent one is empty.
        let null = r#"{"root_module":{"module_calls":{"a":{"source":"./a","module":null}}}}"#;
        assert!(serde_json::from_str::<Configuration>(null).is_err());
        let nested = r#"{"root_module":{"module_calls":{"a":{"source":"./a","module":{"module_calls":{"b":{"module":null}}}}}}}"#;
        assert!(serde_json::from_str::<Configuration>(nested).is_err());
        let absent = r#"{"root_module":{"module_calls":{"a":{"source":"./a"}}}}"#;
        let c: Configuration = serde_json::from_str(absent).unwrap();
        assert!(c.root_module.descend(&["a"]).unwrap().resources.is_empty());
    }

    #[test]
    fn an_error_in_a_called_modules_configuration_is_placed_where_it_is() {
        let text = r#"{"format_version":"1.2","resource_changes":[],"configuration":{"root_module":{"module_calls":{"vpc":{"source":"./vpc","module":{"resources":5}}}}}}"#;
        let source = SourceFile::from_string("plan.json", text.to_string());
        match load(&source).unwrap_err() {
            LoadError::At(e) => {
                assert_eq!(e.offset, text.find("5}").unwrap(), "{}", e.message);
                assert!(e.message.contains("invalid type: integer `5`"), "{}", e.message);
            }
            other => panic!("{other:?}"),
        }
    }
}
