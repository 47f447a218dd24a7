//! Saved plans: `terraform show -json` under control (issue 10). Each test puts a stand-in
//! `terraform` script in `TFREACH_TERRAFORM`: one that hangs, one that fails silently, one
//! that fails with a long message, one killed by a signal, one that prints nothing.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A directory with a saved plan (a zip archive, as far as tfreach looks) named `plan_name`
/// and a stand-in terraform running `script`.
struct Setup {
    dir: tempfile::TempDir,
    terraform: PathBuf,
}

fn setup(plan_name: &str, script: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(plan_name), b"PK\x03\x04 a saved plan").unwrap();
    let terraform = dir.path().join("terraform");
    std::fs::write(&terraform, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&terraform, std::fs::Permissions::from_mode(0o755)).unwrap();
    Setup { dir, terraform }
}

fn check(s: &Setup, plan: &str, timeout: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(["check", "--", plan])
        .current_dir(s.dir.path())
        .env("NO_COLOR", "1")
        .env("TFREACH_TERRAFORM", &s.terraform)
        .env("TFREACH_TERRAFORM_TIMEOUT", timeout)
        .output()
        .expect("runs")
}

fn alive(pid: &str) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
}

#[test]
fn a_hanging_terraform_is_stopped_with_everything_it_started() {
    let s = setup("tfplan", "sleep 1000 & echo $! > child.pid\necho $$ > terraform.pid\nwait");
    let started = Instant::now();
    let out = check(&s, "tfplan", "1");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(2));
    let err = common::diagnostic(&out);
    assert!(
        err.contains(
            "`terraform show -json tfplan` (for the saved plan) did not finish within 1 s; tfreach stopped it"
        ),
        "{err}"
    );
    assert!(err.contains("TFREACH_TERRAFORM_TIMEOUT"), "{err}");
    for file in ["terraform.pid", "child.pid"] {
        let pid = std::fs::read_to_string(s.dir.path().join(file)).unwrap();
        assert!(!alive(pid.trim()), "{file} {pid} still runs");
    }
}

#[test]
fn a_bad_timeout_is_a_usage_error() {
    let s = setup("tfplan", "exit 0");
    let out = check(&s, "tfplan", "soon");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::diagnostic(&out).contains("TFREACH_TERRAFORM_TIMEOUT must be a positive number of seconds, not `soon`")
    );
}

#[test]
fn a_silent_failure_says_so() {
    let s = setup("tfplan", "exit 1");
    let out = check(&s, "tfplan", "30");
    assert_eq!(out.status.code(), Some(2));
    let err = common::diagnostic(&out);
    assert!(err.contains("`terraform show -json tfplan` exited with status 1 and printed nothing to say why"), "{err}");
}

#[test]
fn a_failure_is_told_in_terraforms_words_bounded() {
    let s = setup(
        "tfplan",
        "printf '\\342\\225\\267\\n\\342\\224\\202 Error: Failed to load plan\\n' >&2\nhead -c 200000 /dev/zero | tr '\\0' x >&2\nexit 3",
    );
    let out = check(&s, "tfplan", "30");
    assert_eq!(out.status.code(), Some(2));
    let err = common::diagnostic(&out);
    assert!(
        err.contains("`terraform show -json tfplan` exited with status 3: Error: Failed to load plan xxx"),
        "{err}"
    );
    assert!(out.stderr.len() < 4096, "{} bytes of stderr", out.stderr.len());
}

#[test]
fn a_killed_terraform_names_the_signal() {
    let s = setup("tfplan", "kill -9 $$");
    let out = check(&s, "tfplan", "30");
    assert_eq!(out.status.code(), Some(2));
    let err = common::diagnostic(&out);
    assert!(err.contains("`terraform show -json tfplan` was killed by signal 9 (SIGKILL)"), "{err}");
}

#[test]
fn no_output_is_terraforms_not_the_files() {
    let s = setup("tfplan", "exit 0");
    let out = check(&s, "tfplan", "30");
    assert_eq!(out.status.code(), Some(2));
    let err = common::diagnostic(&out);
    assert!(err.contains("`terraform show -json tfplan` produced no output"), "{err}");
    assert!(!err.contains("is empty"), "{err}");
}

#[test]
fn a_plan_named_like_a_flag_is_passed_as_a_path() {
    let plan = common::plan_of("seed003_pitfall");
    let s = setup("-help", &format!("echo \"$@\" > args.txt\ncat '{}'", plan.display()));
    let out = check(&s, "-help", "30");
    assert_eq!(out.status.code(), Some(1), "{}", common::diagnostic(&out));
    let args = std::fs::read_to_string(s.dir.path().join("args.txt")).unwrap();
    assert_eq!(args.trim(), "show -no-color -json ./-help");
    assert!(String::from_utf8_lossy(&out.stdout).contains("SSM005"));
}
