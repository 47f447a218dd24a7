//! Output that parses whatever the plan holds, and plans that load however deep they nest
//! (issue 10): characters XML forbids in JUnit, deep module trees, pathological nesting,
//! oversized `.tf` files.

mod common;

use std::process::{Command, Output};

fn tfreach(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(args)
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

/// seed003_pitfall with its instance under a `for_each` key made of characters XML 1.0
/// cannot carry: U+FFFE, U+FFFF and a control character.
fn plan_with_odd_key() -> String {
    let plan = std::fs::read_to_string(common::plan_of("seed003_pitfall")).unwrap();
    let renamed =
        plan.replace("\"aws_instance.my-ec2-1\"", "\"aws_instance.my-ec2-1[\\\"k\\ufffe\\uffff\\u0001\\\"]\"");
    assert_ne!(renamed, plan);
    renamed
}

#[test]
fn junit_is_well_formed_xml_with_characters_xml_forbids() {
    let (_d, p) = common::temp("plan.json", plan_with_odd_key().as_bytes());
    let out = tfreach(&["check", &p, "--format", "junit"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let xml = String::from_utf8(out.stdout).expect("UTF-8");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("not XML: {e}\n{xml}"));
    let names: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("name")).collect();
    assert!(names.contains(&"aws_instance.my-ec2-1[\"k\u{FFFD}\u{FFFD}\u{FFFD}\"]"), "{names:?}");
}

#[test]
fn sarif_and_json_parse_with_characters_xml_forbids() {
    let (_d, p) = common::temp("plan.json", plan_with_odd_key().as_bytes());
    for format in ["sarif", "json"] {
        let out = tfreach(&["check", &p, "--format", format]);
        assert_eq!(out.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert!(v.to_string().contains("my-ec2-1[\\\"k\u{FFFE}\u{FFFF}\\u0001\\\"]"), "{format}");
    }
}

/// Rust strings cannot hold a lone surrogate, so none can reach the output: where tfreach
/// reads the string, the plan is unusable; elsewhere the string is never printed.
#[test]
fn a_lone_surrogate_in_the_plan_is_an_input_error() {
    let plan = std::fs::read_to_string(common::plan_of("seed003_pitfall")).unwrap();
    let bad = plan.replace("\"aws_instance.my-ec2-1\"", "\"aws_instance.my-ec2-1[\\\"\\ud800\\\"]\"");
    let (_d, p) = common::temp("plan.json", bad.as_bytes());
    for format in ["junit", "sarif"] {
        let out = tfreach(&["check", &p, "--format", format]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("plan.json:57:54: invalid JSON: unexpected end of hex escape"), "{err}");
    }
}

/// seed003_pitfall with everything moved into a module nested `levels` deep
/// (`module.d0.module.d1…`): the plan Terraform would write for that tree.
fn nested_plan(levels: usize) -> String {
    use serde_json::{Value, json};
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(common::plan_of("seed003_pitfall")).unwrap()).unwrap();
    let path: Vec<String> = (0..levels).map(|i| format!("module.d{i}")).collect();
    let prefix = |address: &str| format!("{}.{address}", path.join("."));
    let module_address = path.join(".");
    for rc in plan["resource_changes"].as_array_mut().unwrap() {
        rc["address"] = json!(prefix(rc["address"].as_str().unwrap()));
        rc["module_address"] = json!(module_address);
    }
    // State-like trees nest `child_modules`, two levels per module.
    let nest_state = |root: Value| -> Value {
        let mut module = root;
        for r in module["resources"].as_array_mut().into_iter().flatten() {
            r["address"] = json!(prefix(r["address"].as_str().unwrap()));
        }
        for i in (0..levels).rev() {
            module["address"] = json!(path[..=i].join("."));
            module = json!({"child_modules": [module]});
        }
        module
    };
    for tree in ["planned_values", "prior_state"] {
        let root = plan[tree]["root_module"].take();
        if tree == "prior_state" {
            plan[tree]["values"]["root_module"] = nest_state(plan[tree]["values"]["root_module"].take());
        } else {
            plan[tree]["root_module"] = nest_state(root);
        }
    }
    // The configuration nests three levels per module: `module_calls`, the call, `module`.
    let mut module = plan["configuration"]["root_module"].take();
    for i in (0..levels).rev() {
        module = json!({"module_calls": {format!("d{i}"): {"source": format!("./d{i}"), "module": module}}});
    }
    plan["configuration"]["root_module"] = module;
    serde_json::to_string(&plan).unwrap()
}

/// `(rule, resource)` of each finding of a `--format json` report.
fn findings(out: &Output) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["resource"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn a_plan_with_modules_nested_41_deep_loads_and_analyses_like_the_flat_one() {
    let empty = tempfile::tempdir().unwrap();
    let sources = empty.path().display().to_string();
    let flat = tfreach(&["check", "testdata/seed003_pitfall/plan.json", "--format", "json", "--source-dir", &sources]);
    let flat = findings(&flat);
    assert!(flat.iter().any(|(rule, _)| rule == "SSM005"), "{flat:?}");
    for levels in [41, 300] {
        let (_d, p) = common::temp("plan.json", nested_plan(levels).as_bytes());
        let out = tfreach(&["check", &p, "--format", "json", "--source-dir", &sources]);
        assert_eq!(out.status.code(), Some(1), "{levels}: {}", String::from_utf8_lossy(&out.stderr));
        let prefix: String = (0..levels).map(|i| format!("module.d{i}.")).collect();
        let expected: Vec<(String, String)> =
            flat.iter().map(|(rule, resource)| (rule.clone(), format!("{prefix}{resource}"))).collect();
        assert_eq!(findings(&out), expected, "{levels} levels");
    }
}

#[test]
fn pathological_nesting_is_an_input_error_not_a_crash() {
    for (name, body) in [
        ("top", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
        (
            "configuration",
            format!(
                "{{\"format_version\":\"1.2\",\"configuration\":{{\"root_module\":{}{{}}{}}}}}",
                "{\"module_calls\":{\"m\":{\"module\":".repeat(40_000),
                "}}}".repeat(40_000)
            ),
        ),
        (
            "unknown field",
            format!("{{\"format_version\":\"1.2\",\"x\":{}{}}}", "{\"a\":".repeat(100_000), "1}".repeat(100_000)),
        ),
    ] {
        let (_d, p) = common::temp("plan.json", body.as_bytes());
        let out = tfreach(&["check", &p]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 2)), "{name}: {:?} {err}", out.status);
        assert!(!err.contains("internal error") && !err.contains("overflow"), "{name}: {err}");
        assert!(err.len() < 4096, "{name}: {} bytes", err.len());
        if name == "configuration" {
            assert!(common::diagnostic(&out).contains("nests more than 1000 levels deep"), "{err}");
        }
    }
}
