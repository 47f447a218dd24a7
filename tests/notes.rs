//! Notes are never lost, and one bad input hides nothing (issue 10): when no `.tf` file is
//! usable the notes say why in every format that has a channel for them, and with several
//! inputs the good ones are reported and the exit status is the worst.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tfreach(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfreach")).args(args).current_dir(dir).env("NO_COLOR", "1").output().expect("runs")
}

/// seed003_pitfall's plan next to its `main.tf`, or next to a `main.tf` with a stray `}`.
fn scenario(broken: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = common::root().join("testdata/seed003_pitfall");
    std::fs::copy(from.join("plan.json"), dir.path().join("plan.json")).unwrap();
    let mut tf = std::fs::read_to_string(from.join("main.tf")).unwrap();
    if broken {
        tf.push_str("\n}\n");
    }
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    dir
}

const SKIPPED: &str = "skipped main.tf:";
const NONE_USABLE: &str =
    "none of the 1 .tf file(s) could be used (see the notes above), so findings point into the plan JSON";

#[test]
fn when_no_tf_file_is_usable_every_format_says_why() {
    let dir = scenario(true);
    let human = String::from_utf8(tfreach(dir.path(), &["check", "plan.json"]).stdout).unwrap();
    assert!(human.contains(&format!("note: {SKIPPED}")) && human.contains(&format!("note: {NONE_USABLE}")), "{human}");
    assert!(human.contains("╭─[plan.json:"), "findings point into the plan JSON: {human}");

    let json: serde_json::Value =
        serde_json::from_slice(&tfreach(dir.path(), &["check", "plan.json", "--format", "json"]).stdout).unwrap();
    let notes: Vec<&str> = json["inputs"][0]["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(notes[0].starts_with(SKIPPED) && notes[1].starts_with(NONE_USABLE), "{notes:?}");

    let sarif = tfreach(dir.path(), &["check", "plan.json", "--format", "sarif"]).stdout;
    let v: serde_json::Value = serde_json::from_slice(&sarif).unwrap();
    let invocation = &v["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let texts: Vec<&str> = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert!(texts[0].starts_with(&format!("plan.json: {SKIPPED}")), "{texts:?}");
    assert!(texts[1].starts_with(&format!("plan.json: {NONE_USABLE}")), "{texts:?}");
    validate_sarif(dir.path(), &sarif);

    // The line formats and JUnit carry them too.
    let text = |format: &str| {
        String::from_utf8(tfreach(dir.path(), &["check", "plan.json", "--format", format]).stdout).unwrap()
    };
    let github = text("github");
    assert!(github.starts_with(&format!("::notice title=tfreach::plan.json: {SKIPPED}")), "{github}");
    let gcc = text("gcc");
    assert!(gcc.starts_with(&format!("plan.json: note: {SKIPPED}")), "{gcc}");
    let junit = text("junit");
    assert!(junit.contains(&format!("<system-out>note: {SKIPPED}")), "{junit}");
}

#[test]
fn usable_sources_add_no_notes() {
    let dir = scenario(false);
    let human = String::from_utf8(tfreach(dir.path(), &["check", "plan.json"]).stdout).unwrap();
    assert!(!human.contains("note:"), "{human}");
    assert!(human.contains("╭─[main.tf:"), "{human}");
    let json: serde_json::Value =
        serde_json::from_slice(&tfreach(dir.path(), &["check", "plan.json", "--format", "json"]).stdout).unwrap();
    assert!(json["inputs"][0].get("notes").is_none(), "{}", json["inputs"][0]);
    let sarif: serde_json::Value =
        serde_json::from_slice(&tfreach(dir.path(), &["check", "plan.json", "--format", "sarif"]).stdout).unwrap();
    assert!(sarif["runs"][0].get("invocations").is_none());
}

#[test]
fn a_bad_input_is_reported_and_the_good_ones_still_are() {
    let root = common::root();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"format_version\": ").unwrap();
    let bad = bad.display().to_string();
    let args = ["check", "testdata/seed003_pitfall/plan.json", "testdata/baseline_endpoints/plan.json", &bad];
    let out = tfreach(&root, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(2), "the worst status: the bad input's");
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json:1:20"), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the good inputs' report");
    let inputs: Vec<&str> = v["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(inputs, ["testdata/baseline_endpoints/plan.json", "testdata/seed003_pitfall/plan.json"]);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "SSM005"));

    // Without the bad one, the worst is the findings' 1; a clean input alone is 0.
    assert_eq!(tfreach(&root, &args[..3]).status.code(), Some(1));
    assert_eq!(tfreach(&root, &["check", "testdata/baseline_endpoints/plan.json"]).status.code(), Some(0));
    let out = tfreach(&root, &["check", "testdata/baseline_endpoints/plan.json", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("baseline_endpoints/plan.json: plan"));
}

/// Microsoft's SARIF validator, where node is installed (as `tests/formats.rs` does, in the
/// same place, so that it is installed once).
fn validate_sarif(dir: &Path, sarif: &[u8]) {
    let runs = |cmd: &str| Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success());
    if !runs("node") || !runs("npm") || !runs("npx") {
        eprintln!("SKIPPED the SARIF validation: node and npm are not installed");
        return;
    }
    let tools = validator_prefix();
    let path = dir.join("notes.sarif");
    std::fs::write(&path, sarif).unwrap();
    let out = Command::new("npx")
        .args(["--no-install", "@microsoft/sarif-multitool", "validate"])
        .arg(&path)
        .current_dir(&tools)
        .output()
        .expect("npx runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("Analysis completed successfully"), "{stdout}");
    let problems: Vec<&str> = stdout.lines().filter(|l| l.contains(": error ") || l.contains(": warning ")).collect();
    assert!(problems.is_empty(), "the SARIF validator reports:\n{}", problems.join("\n"));
}

fn validator_prefix() -> PathBuf {
    const PACKAGE: &str = "@microsoft/sarif-multitool@5.7.0";
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-tools");
    if prefix.join("node_modules/.bin/sarif-multitool").exists() {
        return prefix;
    }
    let staging = prefix.with_extension(format!("notes{}", std::process::id()));
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
        .arg(&staging)
        .arg(PACKAGE)
        .output()
        .expect("npm runs");
    assert!(out.status.success(), "cannot install {PACKAGE}: {}", String::from_utf8_lossy(&out.stderr));
    if std::fs::rename(&staging, &prefix).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    prefix
}
