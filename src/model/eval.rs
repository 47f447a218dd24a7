//! What the configuration says a value is, where the plan shows it unknown: module input
//! variables, from the module call's argument or, when the call does not pass it, the
//! variable's default; root variables from the plan's `variables`.
//!
//! The plan JSON records an expression's references, not its text, so an expression is
//! evaluated only when it is nothing but one variable (`key_name = var.key_name`) and only to
//! tell that it is unset: Terraform treats `null` as unset, and the AWS provider treats `""`
//! as unset for the arguments tfreach reads (`key_name`, `iam_instance_profile`, …).

use serde_json::value::RawValue;

use crate::plan::{Document, Expression, ModuleInstance};

/// How deep a chain of `var.x` passed from module to module is followed.
const MAX_DEPTH: usize = 16;

/// Where an expression is evaluated: the document and the module instance.
#[derive(Debug, Clone, Copy)]
pub struct VarScope<'a> {
    pub doc: &'a Document<'a>,
    pub module: &'a ModuleInstance,
}

impl<'a> VarScope<'a> {
    /// Whether `e` is one variable whose value is `null` or `""`.
    pub fn is_empty_var(&self, e: &Expression<'a>) -> bool {
        let Some(only) = e.only_reference() else { return false };
        let Some(name) = only.strip_prefix("var.").filter(|n| !n.contains(['.', '['])) else { return false };
        var_value(self.doc, self.module.steps.len(), self.module, name, 0)
            .is_some_and(|raw| matches!(raw.get().trim(), "null" | "\"\""))
    }
}

/// The value of `var.name` in the module instance made of the first `depth` steps of
/// `module`, when the configuration tells.
fn var_value<'a>(
    doc: &'a Document<'a>,
    depth: usize,
    module: &ModuleInstance,
    name: &str,
    hops: usize,
) -> Option<&'a RawValue> {
    if depth == 0 {
        return doc.variable(name);
    }
    if hops > MAX_DEPTH {
        return None;
    }
    let path: Vec<&str> = module.steps[..depth - 1].iter().map(|(n, _)| n.as_ref()).collect();
    let (call_name, _) = &module.steps[depth - 1];
    let parent = doc.configuration.root_module.descend(&path)?;
    let call = parent.module_calls.get(call_name)?;
    match call.expressions().expr(name) {
        None => call.module.variables.get(name).and_then(|v| v.default),
        Some(e) if e.constant_value.is_some() => e.constant_value,
        Some(e) => {
            let outer = e.only_reference()?.strip_prefix("var.").filter(|n| !n.contains(['.', '[']))?;
            var_value(doc, depth - 1, module, outer, hops + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{self, SourceFile};

    /// A root module calling `module.app` with `key_name` passed, not passed (the default
    /// `""`), or passed through from a root variable.
    fn doc(passed: &str) -> SourceFile {
        let json = format!(
            r#"{{"format_version":"1.2","variables":{{"key":{{"value":""}}}},"resource_changes":[],
            "configuration":{{"root_module":{{"module_calls":{{"app":{{"source":"./app","expressions":{{{passed}}},
            "module":{{"variables":{{"key_name":{{"default":""}},"name":{{"default":"web"}}}}}}}}}}}}}}}}"#
        );
        SourceFile::from_string("eval.json", json)
    }

    fn empty(source: &SourceFile, var: &str) -> bool {
        let d = plan::load(source).unwrap();
        let module = ModuleInstance::parse("module.app").unwrap();
        let scope = VarScope { doc: &d, module: &module };
        let text = format!(r#"{{"references":["var.{var}"]}}"#);
        let e: Expression<'_> = serde_json::from_str(&text).unwrap();
        scope.is_empty_var(&e)
    }

    #[test]
    fn a_default_or_a_root_variable_that_is_empty_or_null_is_unset() {
        assert!(empty(&doc(""), "key_name"), "the default \"\"");
        assert!(empty(&doc(r#""key_name":{"references":["var.key"]}"#), "key_name"), "a root variable that is empty");
    }

    #[test]
    fn a_value_or_an_unknown_expression_is_not() {
        assert!(!empty(&doc(""), "name"));
        assert!(!empty(&doc(r#""key_name":{"constant_value":"deploy"}"#), "key_name"));
        assert!(!empty(&doc(r#""key_name":{"references":["aws_key_pair.k.key_name","aws_key_pair.k"]}"#), "key_name"));
    }
}
