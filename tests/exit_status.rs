//! Exit statuses that tell the truth (issue 10): a failed write is status 2 with a message,
//! for every command; a panic is an internal error with its own status, 101.

#![cfg(unix)]

mod common;

use std::fs::File;
use std::process::{Command, Output, Stdio};

/// Runs tfreach from the repository root with standard output, or standard error, on the
/// full device.
fn to_full(args: &[&str], stderr_full: bool) -> Output {
    let full = || Stdio::from(File::options().write(true).open("/dev/full").expect("/dev/full"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_tfreach"));
    command.args(args).current_dir(common::root()).env("NO_COLOR", "1");
    if stderr_full {
        command.stderr(full()).stdout(Stdio::piped());
    } else {
        command.stdout(full()).stderr(Stdio::piped());
    }
    command.output().expect("runs")
}

#[test]
fn a_full_disk_fails_every_command_with_a_message() {
    let plan = "testdata/seed003_pitfall/plan.json";
    for args in [
        &["check", plan][..],
        &["check", plan, "--format", "sarif"],
        &["check", "testdata/baseline_endpoints/plan.json"],
        &["reach", plan],
        &["graph", plan, "--format", "dot"],
        &["explain", "SSM005"],
        &["rules"],
    ] {
        let out = to_full(args, false);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("tfreach: cannot write to standard output: No space left on device"), "{args:?}: {err}");
    }
}

#[test]
fn a_failed_write_to_stderr_fails_the_run_too() {
    // A directive attached to no block is a warning on stderr in a run that otherwise ends 1.
    let dir = tempfile::tempdir().unwrap();
    let from = common::root().join("testdata/seed003_pitfall");
    std::fs::copy(from.join("plan.json"), dir.path().join("plan.json")).unwrap();
    let tf =
        std::fs::read_to_string(from.join("main.tf")).unwrap() + "\n# tfreach:ignore[SSM005] attached to nothing\n";
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let plan = dir.path().join("plan.json").display().to_string();
    let ok = Command::new(env!("CARGO_BIN_EXE_tfreach")).args(["check", &plan]).output().unwrap();
    assert_eq!(ok.status.code(), Some(1));
    assert!(!ok.stderr.is_empty(), "the warning goes to stderr");
    assert_eq!(to_full(&["check", &plan], true).status.code(), Some(2));
}

#[test]
fn output_that_is_written_ends_as_before() {
    let out = Command::new(env!("CARGO_BIN_EXE_tfreach")).args(["rules"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

/// The child half of [`a_panic_is_an_internal_error_with_status_101`].
const CHILD: &str = "TFREACH_TEST_PANIC_CHILD";

#[test]
fn a_panic_is_an_internal_error_with_status_101() {
    if std::env::var_os(CHILD).is_some() {
        tfreach::cli::install_panic_hook();
        let mut values = tfreach::plan::SensitiveValues::new();
        values.add_raw(Some(&serde_json::value::RawValue::from_string("\"hunter2-secret\"".into()).unwrap()));
        tfreach::output::protect(&values);
        panic!("boom with hunter2-secret inside");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_panic_is_an_internal_error_with_status_101", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "{err}");
    assert!(err.contains("tfreach: internal error: boom with (sensitive) inside at tests/exit_status.rs:"), "{err}");
    assert!(err.contains("this is a bug in tfreach"), "{err}");
    assert!(!err.contains("hunter2-secret") && !err.contains("RUST_BACKTRACE"), "{err}");
}
