//! The command-line contract (SPEC.md): exit statuses 0 / 1 / 2, positioned diagnostics for
//! unusable input, no panics or backtraces, stdin, several inputs, deterministic output.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tfreach(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(args)
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("runs")
}

fn tfreach_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(args)
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // tfreach may exit before reading (a usage error): a broken pipe here is not a failure.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An unusable input: status 2, a diagnostic naming `file:line:col`, and no panic.
fn assert_unusable(out: &Output, location: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(location), "expected `{location}` in: {err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", text(&out.stdout));
}

#[test]
fn exit_status_follows_fail_on() {
    assert_eq!(tfreach(&["check", "testdata/baseline_endpoints/plan.json"]).status.code(), Some(0));
    assert_eq!(tfreach(&["check", "testdata/seed003_pitfall/plan.json"]).status.code(), Some(1));
    assert_eq!(tfreach(&["check", "testdata/seed003_pitfall/plan.json", "--fail-on", "never"]).status.code(), Some(0));
    // baseline_nat has only a NET001 warning.
    assert_eq!(tfreach(&["check", "testdata/baseline_nat/plan.json"]).status.code(), Some(0));
    assert_eq!(tfreach(&["check", "testdata/baseline_nat/plan.json", "--fail-on", "warning"]).status.code(), Some(1));
    // net005_key_pair has only a NET005 note.
    assert_eq!(
        tfreach(&["check", "testdata/net005_key_pair/plan.json", "--fail-on", "warning"]).status.code(),
        Some(0)
    );
    assert_eq!(tfreach(&["check", "testdata/net005_key_pair/plan.json", "--fail-on", "note"]).status.code(), Some(1));
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let (_d, p) = common::temp("plan.json", b"{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [x]\n}\n");
    let out = tfreach(&["check", &p]);
    assert_unusable(&out, "plan.json:3:24");
    assert!(text(&out.stderr).contains("invalid JSON"));
}

#[test]
fn truncated_json_points_at_the_end() {
    let (_d, p) = common::temp("plan.json", b"{\"format_version\": \"1.2\", \"resource_changes\": [");
    let out = tfreach(&["check", &p]);
    assert_unusable(&out, "plan.json:1:48");
    assert!(text(&out.stderr).contains("EOF while parsing a list"));
    assert!(text(&out.stderr).contains("the input ends after this"));
}

#[test]
fn wrong_types_are_reported_where_they_are() {
    let (_d, p) = common::temp(
        "plan.json",
        b"{\"format_version\": \"1.2\",\n \"resource_changes\": [{\"address\": \"aws_vpc.a\", \"change\": {\"actions\": \"create\"}}]}",
    );
    let out = tfreach(&["check", &p]);
    assert_unusable(&out, "plan.json:2:");
    assert!(
        common::diagnostic(&out).contains("not a Terraform plan or state: invalid type: a string, expected a sequence")
    );
}

#[test]
fn json_that_is_not_a_plan_is_rejected() {
    let (_d, p) = common::temp("x.json", b"{\"name\": \"tfreach\", \"version\": \"1\"}");
    let out = tfreach(&["check", &p]);
    assert_unusable(&out, "x.json:1:1");
    assert!(text(&out.stderr).contains("not a Terraform plan or state"));
    let (_d2, p2) = common::temp("array.json", b"[1, 2]");
    assert_unusable(&tfreach(&["check", &p2]), "array.json:1:1");
    let (_d3, p3) = common::temp("terraform.tfstate", b"{\"version\": 4, \"serial\": 3, \"resources\": []}");
    let out = tfreach(&["check", &p3]);
    assert_unusable(&out, "terraform.tfstate:1:1");
    assert!(text(&out.stderr).contains("raw terraform.tfstate"));
}

#[test]
fn empty_input_missing_file_and_directories_are_errors() {
    let (_d, p) = common::temp("empty.json", b"  \n");
    let out = tfreach(&["check", &p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is empty"));
    let out = tfreach(&["check", "testdata"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("testdata is a directory"));
    let out = tfreach(&["check", "does/not/exist.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read does/not/exist.json"));
    let out = tfreach_stdin(&["check", "-"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("<stdin> is empty"));
}

#[test]
fn invalid_utf8_is_reported_at_its_byte() {
    let (_d, p) = common::temp("plan.json", b"{\"format_version\": \"1.2\xff\"}");
    let out = tfreach(&["check", &p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::diagnostic(&out).contains("plan.json:1:24: not UTF-8 text: byte 0xff at byte offset 23"));
}

#[test]
fn utf16_with_bom_is_decoded() {
    let plan = std::fs::read_to_string(common::plan_of("seed003_pitfall")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(plan.encode_utf16().flat_map(u16::to_le_bytes));
    let (_d, p) = common::temp("plan-utf16.json", &bytes);
    let out = tfreach(&["check", &p, "--format", "json", "--source-dir", "testdata/seed003_pitfall"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let direct = tfreach(&["check", "testdata/seed003_pitfall/plan.json", "--format", "json"]);
    let strip = |o: &Output| text(&o.stdout).replace(&p, "P").replace("testdata/seed003_pitfall/plan.json", "P");
    assert_eq!(strip(&out), strip(&direct));
}

#[test]
fn stdin_and_several_inputs() {
    let plan = std::fs::read(common::plan_of("seed003_pitfall")).unwrap();
    let out = tfreach_stdin(&["check", "-", "--format", "json", "--source-dir", "testdata/seed003_pitfall"], &plan);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inputs"][0]["path"], "<stdin>");
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "SSM005"));

    let out = tfreach(&[
        "check",
        "testdata/nat_gateway/plan.json",
        "testdata/baseline_endpoints/plan.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs: Vec<&str> = v["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(inputs, ["testdata/baseline_endpoints/plan.json", "testdata/nat_gateway/plan.json"]);
    assert_eq!(v["instances"].as_array().unwrap().len(), 3);
    assert_eq!(tfreach_stdin(&["check", "-", "-"], b"{}").status.code(), Some(2));
}

#[test]
fn one_unusable_input_fails_the_run() {
    let (_d, p) = common::temp("bad.json", b"{");
    let out = tfreach(&["check", "testdata/baseline_endpoints/plan.json", &p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bad.json:1:2"));
}

#[test]
fn output_is_deterministic() {
    let args = ["check", "testdata/module_stack/plan.json", "testdata/seed003_pitfall/plan.json", "--format", "json"];
    let first = tfreach(&args).stdout;
    for _ in 0..3 {
        assert_eq!(tfreach(&args).stdout, first);
    }
}

/// The GitHub Action in `action.yml` installs tfreach from the repository and runs only
/// flags and formats that `tfreach check` has.
#[test]
fn the_github_action_runs_flags_that_exist() {
    let action = std::fs::read_to_string(common::root().join("action.yml")).expect("action.yml");
    assert!(action.contains("using: composite"));
    assert!(action.contains("github/codeql-action/upload-sarif@"));
    assert!(action.contains("cargo install --locked"));
    let help = text(&tfreach(&["check", "--help"]).stdout);
    let mut flags = 0;
    for line in action.lines().filter(|l| l.contains("/bin/tfreach\" check")) {
        for word in line.split_whitespace().filter(|w| w.starts_with("--")) {
            assert!(help.contains(word), "`tfreach check` has no {word}");
            flags += 1;
        }
        for format in line.split("--format ").skip(1).filter_map(|r| r.split_whitespace().next()) {
            assert!(help.contains(format), "no format {format}");
        }
    }
    assert!(flags >= 4, "the action runs tfreach check with its flags");
}

#[test]
fn the_readme_states_the_rust_version_cargo_declares() {
    let manifest = std::fs::read_to_string(common::root().join("Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml declares rust-version");
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    assert!(readme.contains(&format!("Rust {version} or newer")), "README.md states Rust {version}");
}

#[test]
fn flags_that_would_fail_silently_are_errors() {
    let plan = "testdata/baseline_endpoints/plan.json";
    let out = tfreach(&["check", plan, "--source-dir", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--source-dir no/such/dir:"), "{}", text(&out.stderr));
    let out = tfreach(&["check", plan, "--source-dir", plan]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a directory"));
    let out = tfreach(&["reach", plan, "--repo-root", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tfreach(&["check", plan, "--select", "SSM005", "--ignore", "SSM005"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`SSM005` is both selected"), "{}", text(&out.stderr));
    let out = tfreach(&["check", plan, "--select", "SSM", "--ignore", "SSM005"]);
    assert_eq!(out.status.code(), Some(0), "a prefix narrowed by an ignore is fine");
}

#[test]
fn waivers_and_baseline_entries_that_match_nothing_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tfreach.toml");
    std::fs::write(
        &config,
        "[[waiver]]\nrule = \"SSM005\"\nresource = \"aws_instance.gone\"\nreason = \"renamed since\"\n",
    )
    .unwrap();
    let baseline = dir.path().join("baseline.json");
    std::fs::write(&baseline, r#"{"findings":[{"rule":"SSM010","resource":"aws_instance.old"}]}"#).unwrap();
    let out = tfreach(&[
        "check",
        "testdata/seed003_pitfall/plan.json",
        "--config",
        config.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert!(err.contains("the waiver of SSM005 for aws_instance.gone"), "{err}");
    assert!(err.contains("1 baseline entry matches no finding (SSM010 aws_instance.old)"), "{err}");
    assert_eq!(out.status.code(), Some(1), "a warning, not an error");
    // Entries that match are not warned about.
    std::fs::write(&baseline, r#"{"findings":[{"rule":"SSM010","resource":"aws_instance.my-ec2-1"}]}"#).unwrap();
    let out = tfreach(&["check", "testdata/seed003_pitfall/plan.json", "--baseline", baseline.to_str().unwrap()]);
    assert!(!text(&out.stderr).contains("warning"), "{}", text(&out.stderr));
}

/// The gate: possible findings (some resolutions of the plan fail) are reported but do not
/// fail the run unless asked; definite ones do.
#[test]
fn possible_findings_fail_the_gate_only_when_asked() {
    let possible = "testdata/possible_subnet_choice/plan.json";
    let out = tfreach(&["check", possible, "--format", "gcc"]);
    assert!(text(&out.stdout).contains("[SSM007]"), "{}", text(&out.stdout));
    assert_eq!(out.status.code(), Some(0), "reported, not failing");
    let out = tfreach(&["check", possible, "--fail-on-certainty", "possible"]);
    assert_eq!(out.status.code(), Some(1));
    // A plan that fails in every resolution fails either way.
    for certainty in ["definite", "possible"] {
        let out = tfreach(&["check", "testdata/seed003_pitfall/plan.json", "--fail-on-certainty", certainty]);
        assert_eq!(out.status.code(), Some(1), "{certainty}");
    }
    // A correct stack whose module sources are absent (the usual CI shape) passes.
    let out = tfreach(&["check", "testdata/tam_stack/plan.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn reach_follows_fail_on() {
    let unreachable = "testdata/seed003_pitfall/plan.json";
    assert_eq!(tfreach(&["reach", unreachable]).status.code(), Some(1));
    assert_eq!(tfreach(&["reach", unreachable, "--fail-on", "never"]).status.code(), Some(0));
    let unknown = "testdata/tfr001_external_subnet/plan.json";
    assert_eq!(tfreach(&["reach", unknown]).status.code(), Some(0));
    assert_eq!(tfreach(&["reach", unknown, "--fail-on", "unknown"]).status.code(), Some(1));
    assert_eq!(
        tfreach(&["reach", "testdata/baseline_endpoints/plan.json", "--fail-on", "unknown"]).status.code(),
        Some(0)
    );
}

/// `reach` and `rules` wrap at 80 columns when piped, and at `COLUMNS` when it is set.
#[test]
fn reach_and_rules_wrap_at_the_width() {
    for (columns, width) in [(None, 80), (Some("100"), 100)] {
        for args in [&["reach", "testdata/seed003_pitfall/plan.json"][..], &["rules"][..]] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_tfreach"));
            cmd.args(args).current_dir(common::root()).env_remove("COLUMNS");
            if let Some(c) = columns {
                cmd.env("COLUMNS", c);
            }
            let out = text(&cmd.output().unwrap().stdout);
            assert!(out.lines().count() > 5);
            for line in out.lines() {
                assert!(line.chars().count() <= width, "{args:?} at {width}: {line}");
            }
        }
    }
}

#[test]
fn explain_takes_an_id_or_a_name() {
    for key in ["SSM005", "ssm005", "instance-egress-blocked"] {
        let out = tfreach(&["explain", key]);
        assert_eq!(out.status.code(), Some(0), "{key}");
        assert!(text(&out.stdout).starts_with("# SSM005 instance-egress-blocked"), "{key}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(tfreach(&["check"]).status.code(), Some(2));
    assert_eq!(tfreach(&["check", "x.json", "--format", "yaml"]).status.code(), Some(2));
    let out = tfreach(&["check", "testdata/baseline_endpoints/plan.json", "--select", "SSM099"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown rule or prefix `SSM099`"));
    let out = tfreach(&["explain", "SSM099"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tfreach(&["reach", "testdata/baseline_endpoints/plan.json", "--instance", "aws_instance.nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("instances in the plan: aws_instance.app"));
}

#[test]
fn every_real_plan_in_the_corpus_loads() {
    let dir = common::root().join("testdata/realplans");
    let mut n = 0;
    for entry in walk(&dir) {
        if entry.extension().is_some_and(|e| e == "json") {
            n += 1;
            let out = tfreach(&["check", &entry.display().to_string(), "--format", "json"]);
            assert!(matches!(out.status.code(), Some(0 | 1)), "{}: {}", entry.display(), text(&out.stderr));
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(v["inputs"][0]["format_version"].is_string(), "{}", entry.display());
        }
    }
    assert_eq!(n, 38, "the real-plan corpus has 38 files");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn graph_formats() {
    let json = tfreach(&["graph", "testdata/seed003_pitfall/plan.json"]);
    assert_eq!(json.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let edge = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["from"] == "aws_instance.my-ec2-1" && e["attribute"] == "subnet_id")
        .expect("instance -> subnet edge");
    assert_eq!(edge["to"], "aws_subnet.subnet-1a");
    assert_eq!(edge["resolution"], "reference");
    let dot = text(&tfreach(&["graph", "testdata/seed003_pitfall/plan.json", "--format", "dot"]).stdout);
    assert!(dot.starts_with("digraph tfreach {"));
    assert!(dot.contains("\"aws_instance.my-ec2-1\" -> \"aws_subnet.subnet-1a\" [label=\"subnet_id\", style=solid];"));
    let mermaid = text(&tfreach(&["graph", "testdata/seed003_pitfall/plan.json", "--format", "mermaid"]).stdout);
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert!(mermaid.contains("|subnet_id|"));
}
