//! No value Terraform marks sensitive appears in anything tfreach writes (issue 10), in any
//! command or format, on standard output or standard error.
//!
//! The inputs are real scenarios whose values reach the reports (a CIDR in NET002, a
//! `service_name` in SSM008, a `subnet_id` in TFR001 and `reach`), marked sensitive the way
//! Terraform marks them: a nested `after_sensitive` path, a whole attribute, a root variable
//! declared `sensitive`, a sensitive output, a state's `sensitive_values`. Each is run twice:
//! unmarked, to show the values are printed, and marked, to show none is. When the
//! real-Terraform fixture `testdata/sensitive_values/` exists, it is checked too, with the
//! values found by this file's own walk of its marks.

mod common;
#[path = "support/sensitive.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::{printable, sensitive_values, written};

/// Every invocation whose output is checked: each command, each format.
const RUNS: [&[&str]; 11] = [
    &["check", "plan.json"],
    &["check", "plan.json", "--format", "json"],
    &["check", "plan.json", "--format", "sarif"],
    &["check", "plan.json", "--format", "junit"],
    &["check", "plan.json", "--format", "github"],
    &["check", "plan.json", "--format", "gcc"],
    &["reach", "plan.json"],
    &["reach", "plan.json", "--format", "json"],
    &["graph", "plan.json"],
    &["graph", "plan.json", "--format", "dot"],
    &["graph", "plan.json", "--format", "mermaid"],
];

/// Everything tfreach writes for `plan.json` in `dir`, all runs together.
fn everything(dir: &Path) -> String {
    let mut all = String::new();
    for args in RUNS {
        let out = Command::new(env!("CARGO_BIN_EXE_tfreach"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        all.push_str(&String::from_utf8_lossy(&out.stdout));
        all.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    all
}

/// A copy of the scenario directory with its plan changed by `mark`.
fn scenario(name: &str, file: &str, mark: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = common::root().join("testdata").join(name);
    for entry in std::fs::read_dir(&from).unwrap().flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(from.join(file)).unwrap()).unwrap();
    mark(&mut plan);
    std::fs::write(dir.path().join("plan.json"), serde_json::to_string(&plan).unwrap()).unwrap();
    dir
}

fn change<'p>(plan: &'p mut Value, address: &str) -> &'p mut Value {
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    let rc = changes.iter_mut().find(|rc| rc["address"] == address).unwrap_or_else(|| panic!("{address}"));
    &mut rc["change"]
}

/// A scenario, its plan (or state) file, and how to mark it.
type Marking = (&'static str, &'static str, fn(&mut Value));

/// The scenarios and how each is marked.
fn marked_scenarios() -> Vec<Marking> {
    vec![
        ("net002_ssh_vpc", "plan.json", |p| {
            change(p, "aws_security_group_rule.app_ssh_from_vpc")["after_sensitive"]["cidr_blocks"] = json!([true]);
        }),
        ("ssm008_region_mismatch", "plan.json", |p| {
            for service in ["ec2messages", "ssm", "ssmmessages"] {
                change(p, &format!("aws_vpc_endpoint.ssm[\"{service}\"]"))["after_sensitive"]["service_name"] =
                    json!(true);
            }
        }),
        ("tfr001_external_subnet", "plan.json", |p| {
            p["configuration"]["root_module"]["variables"]["app_subnet_id"]["sensitive"] = json!(true);
            change(p, "aws_instance.app")["after_sensitive"]["subnet_id"] = json!(true);
            p["output_changes"] = json!({"admin_password": {
                "actions": ["create"], "before": null, "after": "hunter2-Pa55word",
                "after_unknown": false, "before_sensitive": false, "after_sensitive": true}});
        }),
        ("state", "state.json", |p| {
            let resources = p["values"]["root_module"]["resources"].as_array_mut().unwrap();
            let instance = resources.iter_mut().find(|r| r["type"] == "aws_instance").expect("an instance");
            instance["sensitive_values"] = json!(true);
        }),
    ]
}

#[test]
fn no_sensitive_value_is_written_in_any_command_or_format() {
    for (name, file, mark) in marked_scenarios() {
        let marked = scenario(name, file, mark);
        let plan: Value =
            serde_json::from_str(&std::fs::read_to_string(marked.path().join("plan.json")).unwrap()).unwrap();
        let values = printable(&sensitive_values(&plan));
        assert!(!values.is_empty(), "{name}: nothing marked");

        let plain = everything(scenario(name, file, |_| {}).path());
        let shown: Vec<&String> = values.iter().filter(|v| written(&plain, v)).collect();
        assert!(!shown.is_empty(), "{name}: unmarked, the output shows none of {values:?}");

        let out = everything(marked.path());
        for v in &values {
            assert!(!written(&out, v), "{name}: `{v}` is written:\n{}", around(&out, v));
        }
        assert!(out.contains("(sensitive)"), "{name}: nothing was redacted");
    }
}

#[test]
fn the_real_terraform_fixture_when_it_is_there() {
    let dir = common::root().join("testdata/sensitive_values");
    if !dir.join("plan.json").is_file() {
        eprintln!("SKIPPED: testdata/sensitive_values/ has not landed; the crafted scenarios above stand in");
        return;
    }
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let values = printable(&sensitive_values(&plan));
    assert!(!values.is_empty(), "the fixture marks nothing sensitive");
    let out = everything(&dir);
    for v in &values {
        assert!(!written(&out, v), "`{v}` is written:\n{}", around(&out, v));
    }
}

fn around(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let start = text[..at].char_indices().rev().nth(200).map_or(0, |(i, _)| i);
    text[start..].chars().take(400 + needle.len()).collect()
}
