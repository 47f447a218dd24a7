//! No value Terraform marks sensitive appears in anything tfreach writes (issue 10), in any
//! command or format, on standard output or standard error.
//!
//! The inputs are real scenarios whose values reach the reports (a CIDR in NET002, a
//! `service_name` in SSM008, a `subnet_id` in TFR001 and `reach`), marked sensitive the way
//! Terraform marks them: a nested `after_sensitive` path, a whole attribute, a root variable
//! declared `sensitive`, a sensitive output, a state's `sensitive_values`. Each is run twice:
//! unmarked, to show the values are printed, and marked, to show none is. The real-Terraform
//! fixtures `testdata/sensitive_values/` (a plan) and `testdata/sensitive_state/` (a state)
//! are checked too, with the values found by this file's own walk of their marks, and
//! their unmarked twin `testdata/sensitive_values_plain/` shows those values are printed.

mod common;
#[path = "support/sensitive.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::{printable, sensitive_values, written};

/// Every invocation whose output is checked: each command, each format (the input file
/// goes after the command).
const RUNS: [&[&str]; 11] = [
    &["check"],
    &["check", "--format", "json"],
    &["check", "--format", "sarif"],
    &["check", "--format", "junit"],
    &["check", "--format", "github"],
    &["check", "--format", "gcc"],
    &["reach"],
    &["reach", "--format", "json"],
    &["graph"],
    &["graph", "--format", "dot"],
    &["graph", "--format", "mermaid"],
];

/// Everything tfreach writes for `file` in `dir`, all runs together.
fn everything(dir: &Path, file: &str) -> String {
    let mut all = String::new();
    for run in RUNS {
        let args = [&run[..1], &[file], &run[1..]].concat();
        let out = Command::new(env!("CARGO_BIN_EXE_tfreach"))
            .args(&args)
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

        let plain = everything(scenario(name, file, |_| {}).path(), "plan.json");
        let shown: Vec<&String> = values.iter().filter(|v| written(&plain, v)).collect();
        assert!(!shown.is_empty(), "{name}: unmarked, the output shows none of {values:?}");

        let out = everything(marked.path(), "plan.json");
        for v in &values {
            assert!(!written(&out, v), "{name}: `{v}` is written:\n{}", around(&out, v));
        }
        assert!(out.contains("(sensitive)"), "{name}: nothing was redacted");
    }
}

/// The real-Terraform fixtures: a plan and a state with `sensitive()` values and sensitive
/// variables. The values their READMEs list must be among those this file finds under the
/// marks, and none of those may be written.
#[test]
fn the_real_terraform_fixtures() {
    for (scenario, file) in [("sensitive_values", "plan.json"), ("sensitive_state", "state.json")] {
        let dir = common::root().join("testdata").join(scenario);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        let values = printable(&sensitive_values(&doc));
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let listed = readme.lines().skip_while(|l| !l.starts_with("Sensitive values")).nth(1).unwrap_or_default();
        let listed: Vec<&str> = listed.split(", ").map(|v| v.trim_matches('`')).collect();
        assert!(listed.len() >= 3, "{scenario}: the README lists {listed:?}");
        for v in &listed {
            assert!(values.iter().any(|found| found == v), "{scenario}: `{v}` is not under a mark: {values:?}");
        }
        let out = everything(&dir, file);
        for v in &values {
            assert!(!written(&out, v), "{scenario}: `{v}` is written:\n{}", around(&out, v));
        }
        assert!(out.contains("(sensitive)"), "{scenario}: nothing was redacted");
    }
}

#[test]
fn the_unmarked_twin_shows_the_same_values() {
    let dir = common::root().join("testdata/sensitive_values_plain");
    let out = everything(&dir, "plan.json");
    for v in ["203.0.113.77/32", "com.amazonaws.us-west-2.ssm", "subnet-0sensitive12345"] {
        assert!(written(&out, v), "`{v}` is not in the twin's output");
    }
    assert!(!out.contains("(sensitive)"));
}

fn around(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let start = text[..at].char_indices().rev().nth(200).map_or(0, |(i, _)| i);
    text[start..].chars().take(400 + needle.len()).collect()
}
