//! What the tests know about sensitive values, independently of tfreach: the leaves under
//! Terraform's marks, and what the output filter promises about them.
//!
//! The marks read are those that go with the values tfreach reads: a plan's changes
//! (`after_sensitive`, `before_sensitive`), `output_changes`, `prior_state`, a state's
//! `values`, `planned_values` only when the plan has no changes (tfreach reads its
//! resources then), and root variables declared `sensitive`.

#![allow(dead_code)]

use serde_json::Value;

/// The values the output filter promises to hide: at least 4 characters, not a boolean.
pub fn printable(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> =
        values.iter().filter(|v| v.chars().count() >= 4 && !matches!(v.as_str(), "true" | "false")).cloned().collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `value` occurs in `out` as the filter's policy defines an occurrence: as a whole
/// word where it begins or ends with a letter or digit (`default` is not in `defaults`).
pub fn written(out: &str, value: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let (first, last) = (word(value.chars().next()), word(value.chars().next_back()));
    out.match_indices(value).any(|(at, _)| {
        let end = at + value.len();
        !(first && word(out[..at].chars().next_back()) || last && word(out[end..].chars().next()))
    })
}

/// The leaves under every sensitive mark of a plan or state, found independently of tfreach.
pub fn sensitive_values(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for rc in doc["resource_changes"].as_array().into_iter().flatten() {
        for (value, marks) in [("after", "after_sensitive"), ("before", "before_sensitive")] {
            marked_leaves(&rc["change"][value], &rc["change"][marks], &mut out);
        }
    }
    for oc in doc["output_changes"].as_object().into_iter().flat_map(|o| o.values()) {
        marked_leaves(&oc["after"], &oc["after_sensitive"], &mut out);
        marked_leaves(&oc["before"], &oc["before_sensitive"], &mut out);
    }
    let changes = doc["resource_changes"].as_array().is_some_and(|c| !c.is_empty());
    let planned = if changes { &Value::Null } else { &doc["planned_values"] };
    for values in [&doc["values"], &doc["prior_state"]["values"], planned] {
        state_module(&values["root_module"], &mut out);
        for output in values["outputs"].as_object().into_iter().flat_map(|o| o.values()) {
            if output["sensitive"] == true {
                leaves(&output["value"], &mut out);
            }
        }
    }
    let declared = &doc["configuration"]["root_module"]["variables"];
    for (name, variable) in doc["variables"].as_object().into_iter().flatten() {
        if declared[name]["sensitive"] == true {
            leaves(&variable["value"], &mut out);
        }
    }
    out
}

fn state_module(module: &Value, out: &mut Vec<String>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        marked_leaves(&r["values"], &r["sensitive_values"], out);
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        state_module(child, out);
    }
}

fn marked_leaves(value: &Value, marks: &Value, out: &mut Vec<String>) {
    match marks {
        Value::Bool(true) => leaves(value, out),
        Value::Object(fields) => fields.iter().for_each(|(k, m)| marked_leaves(&value[k], m, out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, m)| marked_leaves(&value[i], m, out)),
        _ => {}
    }
}

fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
        Value::Object(fields) => fields.values().for_each(|v| leaves(v, out)),
        _ => {}
    }
}
