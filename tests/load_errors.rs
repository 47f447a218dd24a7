//! Load errors are small, located and never repeat the input's values (issue 10): a window
//! of the error's line with string values masked, the right line and column at any offset,
//! encoding errors by line and column, and the usual wrong inputs named for what they are.

mod common;

use std::process::{Command, Output};

fn check(path: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(["check", path])
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

/// A real plan on one line, as `terraform show -json` writes it.
fn one_line_plan() -> String {
    let plan = std::fs::read_to_string(common::plan_of("seed003_pitfall")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&plan).unwrap();
    serde_json::to_string(&v).unwrap()
}

/// Status 2, `location` in the message, a bounded stderr, no internal error, no stdout.
fn assert_located(out: &Output, location: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(location), "expected `{location}` in: {err}");
    assert!(!err.contains("internal error"), "{err}");
    assert!(err.len() < 4096, "stderr is {} bytes: {err}", err.len());
    assert!(out.stdout.is_empty());
    err
}

#[test]
fn an_error_past_column_65535_is_located_without_an_internal_error() {
    // Pad between two tokens so that the typo lands exactly on column 65,540.
    let plan = one_line_plan();
    let comma = plan.find(",\"planned_values\"").unwrap();
    let bad = format!("{}{}; {}", &plan[..comma], " ".repeat(65_539 - comma), &plan[comma + 1..]);
    assert_eq!(bad.as_bytes()[65_539], b';');
    let (_d, p) = common::temp("plan.json", bad.as_bytes());
    let err = assert_located(&check(&p), "plan.json:1:65540: invalid JSON: expected `,` or `}`");
    assert!(err.contains("[") && err.contains("plan.json:1:65540]"), "miette's header: {err}");
}

#[test]
fn a_typo_in_a_one_line_plan_shows_a_masked_window_not_the_line() {
    let plan = one_line_plan();
    // The AMI is a sensitive value of this plan (it comes from an SSM parameter).
    assert!(plan.contains("ami-0d27e0fb3bac4d724"));
    let value = "\"ami\":\"ami-0d27e0fb3bac4d724\",";
    let at = plan.find(value).unwrap() + value.len() - 1;
    let bad = format!("{};{}", &plan[..at], &plan[at + 1..]);
    let (_d, p) = common::temp("plan.json", bad.as_bytes());
    let err = assert_located(&check(&p), "invalid JSON: expected `,` or `}`");
    assert!(!err.contains("ami-0d27e0fb3bac4d724"), "{err}");
    assert!(err.contains("\"ami\":\"…\";"), "the key stays, the value is masked: {err}");
    let snippet_line = err.lines().find(|l| l.starts_with(" 1 │")).expect("a source line");
    assert!(snippet_line.chars().count() < 200, "{snippet_line}");
}

#[test]
fn a_type_error_does_not_repeat_the_string_it_found() {
    let (_d, p) = common::temp(
        "plan.json",
        br#"{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","change":{"actions":"hunter2-secret"}}]}"#,
    );
    let err = assert_located(&check(&p), "plan.json:1:");
    assert!(common::diagnostic(&check(&p)).contains("invalid type: a string, expected a sequence"), "{err}");
    assert!(!err.contains("hunter2-secret"), "{err}");
}

#[test]
fn encoding_errors_name_line_and_column() {
    let (_d, p) = common::temp("plan.json", b"{\n  \"format_version\": \"1.2\",\n  \"x\": \"\xC3\"\n}");
    assert_located(&check(&p), "plan.json:3:9: not UTF-8 text: byte 0xc3 at byte offset 37");
    let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
    utf16.extend("{\n\"a\": 1}".encode_utf16().flat_map(u16::to_le_bytes));
    utf16.push(b'}');
    let (_d2, p2) = common::temp("plan16.json", &utf16);
    assert_located(&check(&p2), "plan16.json:2:8: not valid UTF-16: the input ends in the middle of a character");
}

#[test]
fn the_usual_wrong_inputs_say_how_to_get_plan_json() {
    let plan = one_line_plan();
    let capture = format!(
        "[command]/home/runner/work/_temp/0b1c/terraform-bin show -json tfplan\n{plan}\n::debug::Terraform exited with code 0.\n::debug::stdout: {plan}\n::debug::stderr: \n::debug::exitcode: 0\n"
    );
    let (_d, p) = common::temp("plan.json", capture.as_bytes());
    let err = assert_located(&check(&p), "plan.json:1:1: this is a log of hashicorp/setup-terraform's wrapper");
    assert!(common::diagnostic(&check(&p)).contains("terraform_wrapper: false"), "{err}");
    assert!(!err.contains("ami-0d27e0fb3bac4d724"), "{err}");

    let stream = "{\"@level\":\"info\",\"@message\":\"Terraform 1.15.5\",\"@module\":\"terraform.ui\",\"terraform\":\"1.15.5\",\"type\":\"version\",\"ui\":\"1.2\"}\n{\"@level\":\"info\",\"@message\":\"aws_vpc.main: Plan to create\",\"type\":\"planned_change\"}\n";
    let (_d, p) = common::temp("plan.json", stream.as_bytes());
    let err = assert_located(&check(&p), "this is the event stream of `terraform plan -json`");
    assert!(common::diagnostic(&check(&p)).contains("`terraform show -json tfplan > plan.json`"), "{err}");

    let hcl = check("testdata/seed003_pitfall/main.tf");
    let err = assert_located(&hcl, "main.tf:1:1: this is Terraform configuration (HCL)");
    assert!(common::diagnostic(&hcl).contains("`terraform show -json tfplan > plan.json`"), "{err}");

    let (_d, p) = common::temp("terraform.tfstate", br#"{"version": 4, "terraform_version": "1.15.5", "serial": 7, "lineage": "x", "outputs": {}, "resources": []}"#);
    assert_located(&check(&p), "this is a raw terraform.tfstate file");
}

#[test]
fn a_bad_json_file_that_is_none_of_those_is_still_plain_invalid_json() {
    let (_d, p) = common::temp("plan.json", b"{\"format_version\": \"1.2\",\n \"resource_changes\": [x]}");
    let err = assert_located(&check(&p), "plan.json:2:23: invalid JSON: expected value");
    assert!(!err.contains("this is"), "{err}");
}
