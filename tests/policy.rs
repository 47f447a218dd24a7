//! Configuration and suppression end to end: `tfreach.toml` severities, assumptions and tag
//! filters, waivers that expire, inline `tfreach:ignore` comments, `--baseline`, `--select`
//! and `--ignore`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tfreach::config::{Config, parse_date};
use tfreach::engine::Options;
use tfreach::policy::{Baseline, Suppression, select_rules};

fn config(text: &str) -> Config {
    Config::parse("tfreach.toml", text).expect("valid config")
}

fn rules_of(r: &tfreach::engine::FileReport) -> Vec<(&str, &str)> {
    r.findings.iter().map(|f| (f.rule, f.resource.as_str())).collect()
}

fn tfreach(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfreach")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

/// A copy of a scenario's directory (plan and `.tf` files) to edit.
fn copy_scenario(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join(name);
    copy_dir(&common::root().join("testdata").join(name), &to);
    (dir, to)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn default_host_management_accepts_an_instance_without_profile() {
    let plan = common::plan_of("seed003_hardened");
    let default = common::analyze_with(&plan, Options::default());
    assert!(rules_of(&default).contains(&("SSM010", "aws_instance.my-ec2-1")));
    assert_eq!(default.instances[0].verdict, tfreach::reach::Verdict::Unreachable);
    let dhmc = common::analyze_with(
        &plan,
        Options { config: config("[assume]\ndefault_host_management = true\n"), ..Options::default() },
    );
    assert!(!rules_of(&dhmc).iter().any(|(r, _)| *r == "SSM010"));
    assert_eq!(dhmc.instances[0].verdict, tfreach::reach::Verdict::Reachable);
}

#[test]
fn a_recent_agent_version_silences_ssm002() {
    let plan = common::plan_of("ssm002_no_ec2messages");
    assert_eq!(rules_of(&common::analyze_with(&plan, Options::default())), [("SSM002", "aws_instance.app")]);
    let newer = config("[assume]\nssm_agent_version = \"3.3.40.0\"\n");
    assert!(rules_of(&common::analyze_with(&plan, Options { config: newer, ..Options::default() })).is_empty());
    let older = config("[assume]\nssm_agent_version = \"3.2.582.0\"\n");
    assert_eq!(rules_of(&common::analyze_with(&plan, Options { config: older, ..Options::default() })).len(), 1);
}

#[test]
fn severities_can_be_changed_and_rules_turned_off() {
    let plan = common::plan_of("baseline_nat");
    let c = config("[rules]\nNET001 = \"error\"\n");
    let rules = select_rules(&c, &[], &[]).unwrap();
    let r = common::analyze_with(&plan, Options { config: c, rules: Some(rules), ..Options::default() });
    assert_eq!(r.findings[0].severity, tfreach::rules::Severity::Error);
    let off = config("[rules]\nNET001 = \"off\"\n");
    let rules = select_rules(&off, &[], &[]).unwrap();
    assert!(!rules.iter().any(|r| r.meta().id == "NET001"));
    assert!(
        common::analyze_with(&plan, Options { config: off, rules: Some(rules), ..Options::default() })
            .findings
            .is_empty()
    );
}

#[test]
fn select_and_ignore_take_ids_and_prefixes() {
    let c = Config::default();
    let ids = |v: Vec<&'static dyn tfreach::rules::AnyRule>| v.iter().map(|r| r.meta().id).collect::<Vec<_>>();
    assert_eq!(
        ids(select_rules(&c, &["NET".into()], &["NET002".into()]).unwrap()),
        ["NET001", "NET003", "NET004", "NET005"]
    );
    assert_eq!(ids(select_rules(&c, &["ssm005".into(), "TFR".into()], &[]).unwrap()), ["SSM005", "TFR001", "TFR002"]);
    assert!(select_rules(&c, &["SSM099".into()], &[]).is_err());
    // A rule the config turns off runs when selected by name.
    let off = config("[rules]\nSSM009 = \"off\"\n");
    assert_eq!(ids(select_rules(&off, &["SSM009".into()], &[]).unwrap()), ["SSM009"]);
    assert!(!ids(select_rules(&off, &["SSM".into()], &[]).unwrap()).contains(&"SSM009"));
}

#[test]
fn waivers_apply_until_they_expire() {
    let plan = common::plan_of("baseline_nat");
    let c = config(
        "[[waiver]]\nrule = \"NET001\"\nresource = \"aws_security_group.app\"\nreason = \"NAT path needs it, OPS-1\"\nexpires = \"2027-03-31\"\n",
    );
    let before = common::analyze_with(
        &plan,
        Options { config: c.clone(), today: parse_date("2027-03-31"), ..Options::default() },
    );
    assert!(before.findings.is_empty());
    assert_eq!(before.suppressed.len(), 1);
    assert_eq!(
        before.suppressed[0].1,
        Suppression::Waiver { reason: "NAT path needs it, OPS-1".into(), expires: Some("2027-03-31".into()) }
    );
    let after =
        common::analyze_with(&plan, Options { config: c, today: parse_date("2027-04-01"), ..Options::default() });
    assert_eq!(rules_of(&after), [("NET001", "aws_security_group.app")]);
    assert!(after.notes.iter().any(|n| n.contains("expired on 2027-03-31")), "{:?}", after.notes);
}

#[test]
fn inline_ignores_suppress_with_a_reason_and_malformed_ones_fail() {
    let (_tmp, dir) = copy_scenario("seed003_pitfall");
    let main = dir.join("main.tf");
    let tf = std::fs::read_to_string(&main).unwrap();
    let with_ignore = tf.replace(
        "resource \"aws_instance\" \"my-ec2-1\" {",
        "# tfreach:ignore[SSM010] Default Host Management is enabled in this account\nresource \"aws_instance\" \"my-ec2-1\" {",
    );
    assert_ne!(tf, with_ignore);
    std::fs::write(&main, &with_ignore).unwrap();
    // Outside any git repository: paths are relative to the root given.
    let r =
        common::analyze_with(&dir.join("plan.json"), Options { repo_root: Some(dir.clone()), ..Options::default() });
    assert!(!rules_of(&r).iter().any(|(id, _)| *id == "SSM010"));
    let (f, why) = r.suppressed.iter().find(|(f, _)| f.rule == "SSM010").expect("suppressed");
    assert_eq!(f.resource, "aws_instance.my-ec2-1");
    assert!(
        matches!(why, Suppression::Inline { reason, file, .. } if reason == "Default Host Management is enabled in this account" && file == "main.tf")
    );
    // SSM005 on the same instance still counts.
    assert!(rules_of(&r).contains(&("SSM005", "aws_instance.my-ec2-1")));

    let out = tfreach(&dir, &["check", "plan.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));

    std::fs::write(
        &main,
        tf.replace(
            "resource \"aws_instance\" \"my-ec2-1\" {",
            "# tfreach:ignore[SSM01] typo\nresource \"aws_instance\" \"my-ec2-1\" {",
        ),
    )
    .unwrap();
    let out = tfreach(&dir, &["check", "plan.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::diagnostic(&out);
    assert!(err.contains("`SSM01` is not a rule id") && err.contains("main.tf"), "{err}");

    std::fs::write(
        &main,
        tf.replace(
            "resource \"aws_instance\" \"my-ec2-1\" {",
            "# tfreach:ignore[SSM099] no such rule\nresource \"aws_instance\" \"my-ec2-1\" {",
        ),
    )
    .unwrap();
    assert_eq!(tfreach(&dir, &["check", "plan.json"]).status.code(), Some(2));
}

#[test]
fn a_baseline_accepts_recorded_findings_only() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let root = common::root();
    let out = tfreach(&root, &["check", "testdata/seed003_pitfall/plan.json", "--format", "json"]);
    std::fs::write(&baseline, &out.stdout).unwrap();
    let b = Baseline::read(&baseline).unwrap();
    assert_eq!(b.len(), 4);
    let again = tfreach(
        &root,
        &["check", "testdata/seed003_pitfall/plan.json", "--baseline", baseline.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["suppressed"].as_array().unwrap().len(), 4);
    // A finding the baseline does not list still counts.
    let other = tfreach(
        &root,
        &["check", "testdata/ssm005_egress_port_80/plan.json", "--baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(other.status.code(), Some(1));
    // A file that is not a report is an input error.
    std::fs::write(&baseline, b"{\"findings\": 3}").unwrap();
    let bad =
        tfreach(&root, &["check", "testdata/seed003_pitfall/plan.json", "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a tfreach JSON report"));
}

#[test]
fn require_tags_narrows_the_instances_that_must_be_reachable() {
    let plan = common::plan_of("nat_gateway");
    let all = common::analyze_with(&plan, Options::default());
    assert_eq!(all.instances.len(), 2);
    let tagged = common::analyze_with(
        &plan,
        Options { config: config("[instances]\nrequire_tags = { Name = \"app\" }\n"), ..Options::default() },
    );
    let names: Vec<&str> = tagged.instances.iter().map(|i| i.resource.as_str()).collect();
    assert_eq!(names, ["aws_instance.app"]);
    assert!(!rules_of(&tagged).iter().any(|(_, r)| *r == "aws_instance.isolated"));
}

#[test]
fn config_is_found_by_walking_up_and_errors_exit_2() {
    let (_tmp, dir) = copy_scenario("baseline_nat");
    std::fs::write(dir.join("tfreach.toml"), "[rules]\nNET001 = \"error\"\n").unwrap();
    let nested = dir.join("nested/deeper");
    std::fs::create_dir_all(&nested).unwrap();
    let out = tfreach(&nested, &["check", dir.join("plan.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "NET001 raised to error by the found config");
    std::fs::write(dir.join("tfreach.toml"), "[rules]\nNET001 = \"loud\"\n").unwrap();
    let out = tfreach(&nested, &["check", dir.join("plan.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::diagnostic(&out);
    assert!(err.contains("tfreach.toml:2:10: `loud` is not a rule setting"), "{err}");
}
