//! `tfreach hook`, the pre-commit hook, in a repository shaped like a user's: the plan beside
//! its `.tf` in `infra/`, named in `tfreach.toml` (and not committed). Editing only
//! `main.tf` checks the plan; a `.tf` that declares what the plan lacks makes it stale; a
//! JSON file that is not a plan blocks nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repository(scenario: &str, configured: bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().canonicalize().unwrap();
    assert!(Command::new("git").args(["init", "-q"]).current_dir(&repo).status().unwrap().success());
    std::fs::create_dir_all(repo.join("infra")).unwrap();
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    for f in ["main.tf", "plan.json"] {
        std::fs::copy(common::root().join("testdata").join(scenario).join(f), repo.join("infra").join(f)).unwrap();
    }
    std::fs::write(repo.join("docs/explanation.json"), "{\"plan\": \"not a terraform plan\"}\n").unwrap();
    if configured {
        std::fs::write(repo.join("tfreach.toml"), "[hook]\nplans = [\"infra/plan.json\"]\n").unwrap();
    }
    (tmp, repo)
}

fn hook(repo: &Path, files: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .arg("hook")
        .args(files)
        .current_dir(repo)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn editing_only_main_tf_checks_the_configured_plan() {
    let (_t, repo) = repository("seed003_pitfall", true);
    let out = hook(&repo, &["infra/main.tf"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SSM005"));
    let (_t, repo) = repository("baseline_endpoints", true);
    assert_eq!(hook(&repo, &["infra/main.tf"]).status.code(), Some(0));
}

#[test]
fn a_plan_the_tf_files_no_longer_match_is_stale() {
    let (_t, repo) = repository("baseline_endpoints", true);
    let main = repo.join("infra/main.tf");
    let tf = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, format!("{tf}\nresource \"aws_eip\" \"new\" {{\n  vpc = true\n}}\n")).unwrap();
    let out = hook(&repo, &["infra/main.tf"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("infra/plan.json is stale") && err.contains("declare aws_eip.new that the plan lacks"),
        "{err}"
    );
    assert!(err.contains("run terraform plan again"), "{err}");
    // And the reverse: a block removed from the sources but still in the plan.
    std::fs::write(&main, tf.replace("resource \"aws_instance\" \"app\"", "resource \"aws_instance\" \"renamed\""))
        .unwrap();
    let err = stderr(&hook(&repo, &["infra/main.tf"]));
    assert!(err.contains("the plan has aws_instance.app that the .tf files no longer declare"), "{err}");
}

#[test]
fn json_files_that_are_not_plans_block_nothing() {
    let (_t, repo) = repository("seed003_pitfall", false);
    let out = hook(&repo, &["docs/explanation.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    // A staged plan is checked even without configuration.
    assert_eq!(hook(&repo, &["infra/plan.json"]).status.code(), Some(1));
    // A .tf change without any configured plan says how to configure one, and passes.
    let out = hook(&repo, &["infra/main.tf"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("no plan is configured to check"), "{}", stderr(&out));
}

#[test]
fn plans_can_be_named_on_the_command_line() {
    let (_t, repo) = repository("seed003_pitfall", false);
    let out = Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(["hook", "--plan", "infra/plan.json", "infra/main.tf"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
