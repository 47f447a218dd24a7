//! Every `tfreach check` output format on the same scenarios, snapshotted as users see it
//! (human diagnostics without colour at 100 columns), the binary wired to each format, and
//! the SARIF checked by Microsoft's SARIF validator.
//!
//! Scenarios: a pitfall with `.tf` sources (seed003_pitfall), a missing path
//! (ssm001_no_path), an instance in an external subnet (tfr001_external_subnet), a clean
//! plan (baseline_endpoints), a plan whose `.tf` files are not found (the plan-JSON
//! fallback), and findings suppressed inline, by a waiver and by the baseline.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use tfreach::config::{Config, parse_date};
use tfreach::engine::{FileReport, Options, analyze};
use tfreach::plan::SourceFile;
use tfreach::policy::Baseline;
use tfreach::reach::Certainty;
use tfreach::report::{FORMATS, Format, Render, human, junit, sarif};
use tfreach::rules::Severity;

const SCENARIOS: [&str; 4] = ["seed003_pitfall", "ssm001_no_path", "tfr001_external_subnet", "baseline_endpoints"];

/// Analyses `testdata/<scenario>/plan.json` by its relative path, as the CLI run from the
/// repository root does, so that every path in the output is relative and stable.
fn scenario(name: &str) -> FileReport {
    analyze_as(
        &format!("testdata/{name}/plan.json"),
        Path::new(&format!("testdata/{name}/plan.json")),
        Options::default(),
    )
}

fn analyze_as(shown: &str, path: &Path, options: Options) -> FileReport {
    let text = std::fs::read_to_string(common::root().join(path)).expect("readable plan");
    let source = SourceFile { name: shown.to_string(), path: Some(path.to_path_buf()), text: Arc::new(text) };
    analyze(&source, &options).expect("the plan loads")
}

/// ssm001_no_path with `--source-dir` on an empty directory: every finding falls back to
/// the resource's object in the plan JSON.
fn without_sources() -> FileReport {
    let empty = tempfile::tempdir().unwrap();
    let options = Options { source_dir: Some(empty.path().to_path_buf()), ..Options::default() };
    let r = analyze_as("testdata/ssm001_no_path/plan.json", Path::new("testdata/ssm001_no_path/plan.json"), options);
    assert!(r.findings.iter().all(|f| f.source.is_none()));
    r
}

/// seed003_pitfall with SSM010 ignored inline, NET003 waived and NET002 in a baseline; the
/// SSM005 finding is marked `possible` (no scenario has one yet) to show how that renders.
/// Returns the report and the temporary directory to redact from the output.
fn suppressed() -> (FileReport, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let from = common::root().join("testdata/seed003_pitfall");
    std::fs::copy(from.join("plan.json"), dir.join("plan.json")).unwrap();
    let tf = std::fs::read_to_string(from.join("main.tf")).unwrap().replace(
        "resource \"aws_instance\" \"my-ec2-1\" {",
        "# tfreach:ignore[SSM010] Default Host Management is enabled in this account\nresource \"aws_instance\" \"my-ec2-1\" {",
    );
    std::fs::write(dir.join("main.tf"), tf).unwrap();
    std::fs::write(
        dir.join("baseline.json"),
        r#"{"findings": [{"rule": "NET002", "resource": "aws_vpc_security_group_ingress_rule.ingress-sg-ec2"}]}"#,
    )
    .unwrap();
    let config = Config::parse(
        "tfreach.toml",
        "[[waiver]]\nrule = \"NET003\"\nresource = \"aws_vpc_security_group_ingress_rule.ingress-endpoint-sg\"\nreason = \"endpoint SG is narrowed in OPS-7\"\nexpires = \"2027-03-31\"\n",
    )
    .unwrap();
    let options = Options {
        config,
        baseline: Some(Baseline::read(&dir.join("baseline.json")).unwrap()),
        today: parse_date("2027-01-01"),
        ..Options::default()
    };
    let mut r = analyze_as("suppressed/plan.json", &dir.join("plan.json"), options);
    let kinds: Vec<&str> = r.suppressed.iter().map(|(f, _)| f.rule).collect();
    assert_eq!(kinds.len(), 3, "inline, waiver and baseline suppress one finding each: {kinds:?}");
    let ssm005 = r.findings.iter_mut().find(|f| f.rule == "SSM005").expect("SSM005 still fires");
    ssm005.certainty = Certainty::Possible;
    (r, tmp)
}

/// Every case: its name and its report, with the text to replace by `suppressed` (the
/// temporary directory) where there is one.
fn cases() -> Vec<(String, FileReport, Option<tempfile::TempDir>)> {
    let mut out: Vec<(String, FileReport, Option<tempfile::TempDir>)> =
        SCENARIOS.iter().map(|s| (s.to_string(), scenario(s), None)).collect();
    out.push(("plan_fallback".into(), without_sources(), None));
    let (r, tmp) = suppressed();
    out.push(("suppressed".into(), r, Some(tmp)));
    out
}

/// The machine's paths out of the text: a temporary copy's directory, and the checkout's
/// (SARIF declares the repository root as an absolute `file:` URI).
fn redact(text: &str, tmp: &Option<tempfile::TempDir>) -> String {
    let text = match tmp {
        Some(t) => text.replace(&t.path().canonicalize().unwrap().display().to_string(), "suppressed"),
        None => text.to_string(),
    };
    let root = common::root().canonicalize().unwrap();
    text.replace(&format!("file://{}/", root.display()), "file:///REPO/")
}

fn fail_on_error(f: &tfreach::engine::FindingReport) -> bool {
    f.severity == Severity::Error
}

/// What the CLI renders with by default, without colour at a fixed width.
fn render() -> Render<'static> {
    Render { style: human::Style::plain(100), fails: &fail_on_error }
}

/// The SARIF as printed, with the catalogue's documents elided (they have their own test)
/// and, unless `catalogue`, without the catalogue at all: results are what a scenario
/// changes. Line-based, so that the snapshot keeps the output's key order.
fn sarif_for_snapshot(text: &str, catalogue: bool) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    let mut id = String::new();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(rest) = trimmed.strip_prefix("\"id\": \"") {
            id = rest.trim_end_matches([',', '"']).to_string();
        }
        if trimmed == "\"rules\": [" && !catalogue {
            let mut rules = 0;
            let mut close = "";
            for l in lines.by_ref() {
                if l.trim_start().starts_with(']') && l.len() - l.trim_start().len() == indent.len() {
                    close = l.trim_start();
                    break;
                }
                rules += usize::from(l == format!("{indent}  {{"));
            }
            out.push_str(&format!("{indent}\"rules\": \"<{rules} rules>\"{}\n", &close[1..]));
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if catalogue && (trimmed == "\"fullDescription\": {" || trimmed == "\"help\": {") {
            for l in lines.by_ref() {
                let t = l.trim_start();
                if t.starts_with('}') {
                    out.push_str(l);
                    out.push('\n');
                    break;
                }
                let key = t.split(':').next().unwrap_or_default();
                let comma = if t.ends_with(',') { "," } else { "" };
                out.push_str(&format!("{}{key}: \"<from rules/{id}.md>\"{comma}\n", &l[..l.len() - t.len()]));
            }
        }
    }
    out
}

#[test]
fn every_format_matches_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, report, tmp) in cases() {
            let reports = [report];
            for format in FORMATS {
                let mut text = tfreach::report::render(format, &reports, &render());
                if format == Format::Sarif {
                    text = sarif_for_snapshot(&text, name == "baseline_endpoints");
                }
                insta::assert_snapshot!(format!("format_{}_{name}", format.name()), redact(&text, &tmp));
            }
        }
    });
}

#[test]
fn seed003_ssm005_labels_the_instance_and_its_security_group() {
    let text = human::render(&[scenario("seed003_pitfall")], &human::Style::plain(100));
    let start = text.find("error[SSM005]").expect("SSM005 is rendered");
    let end = text[start..].find("\n\n").map(|i| start + i).unwrap();
    let end = text[end + 2..].find("\n\n").map_or(text.len(), |i| end + 2 + i);
    let ssm005 = &text[start..end];
    assert!(ssm005.contains("╭─[testdata/seed003_pitfall/main.tf:114:1]"), "{ssm005}");
    assert!(ssm005.contains("resource \"aws_instance\" \"my-ec2-1\" {"), "{ssm005}");
    assert!(ssm005.contains("╰── aws_instance.my-ec2-1"), "{ssm005}");
    assert!(ssm005.contains("resource \"aws_security_group\" \"sg-ec2\" {"), "{ssm005}");
    assert!(ssm005.contains("╰── related: aws_security_group.sg-ec2"), "{ssm005}");
    assert!(ssm005.contains("help: add an egress rule"), "{ssm005}");
}

#[test]
fn colour_only_when_asked() {
    let reports = [scenario("seed003_pitfall")];
    assert!(!human::render(&reports, &human::Style::plain(100)).contains('\u{1b}'));
    let coloured = human::render(&reports, &human::Style { color: true, ..human::Style::plain(100) });
    assert!(coloured.contains("\u{1b}["), "a colour style colours");
}

/// The binary's output for each format: wired, exit status 1 with findings, no colour when
/// stdout is a pipe, and the same text as the library renders.
#[test]
fn the_binary_renders_every_format() {
    let reports = [scenario("seed003_pitfall")];
    for f in FORMATS {
        let (format, text) = (f.name(), tfreach::report::render(f, &reports, &render()));
        let out = Command::new(env!("CARGO_BIN_EXE_tfreach"))
            .args(["check", "testdata/seed003_pitfall/plan.json", "--format", format])
            .current_dir(common::root())
            .env_remove("NO_COLOR")
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!stdout.contains('\u{1b}'), "{format}: no colour on a pipe");
        assert_eq!(stdout, text, "{format}");
    }
    // Piped without `COLUMNS`: 80 columns.
    let narrow = Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(["check", "testdata/seed003_pitfall/plan.json"])
        .current_dir(common::root())
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    let narrow = String::from_utf8(narrow.stdout).unwrap();
    assert_eq!(narrow, human::render(&reports, &human::Style::plain(80)));
    // Messages, help and the verdict table wrap; quoted source lines and the header do not.
    let wrapped = |l: &&str| {
        ["  × ", "  │ ", "  ⚠ ", "  help:", "        ", "  UNREACHABLE", "  reachable", "  unknown"]
            .iter()
            .any(|p| l.starts_with(p))
    };
    for line in narrow.lines().filter(wrapped) {
        assert!(line.chars().count() <= 80, "wrapped at 80: {line}");
    }
    let clean = Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(["check", "testdata/baseline_endpoints/plan.json", "--format", "junit"])
        .current_dir(common::root())
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0));
}

#[test]
fn junit_follows_fail_on_and_is_well_formed() {
    use quick_xml::events::Event;
    let reports = [scenario("seed003_pitfall"), scenario("baseline_endpoints")];
    let count = |xml: &str, tag: &str| {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut n = 0;
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) if e.name().into_inner() == tag => n += 1,
                Event::Eof => break n,
                _ => {}
            }
        }
    };
    let errors_fail = junit::render(&reports, &fail_on_error);
    assert_eq!(count(&errors_fail, "testsuite"), 2);
    // The unreachable instance and three error findings fail; the NET003 warning is skipped.
    assert_eq!(count(&errors_fail, "failure"), 4);
    assert_eq!(count(&errors_fail, "skipped"), 1);
    let never = junit::render(&reports, &|_| false);
    assert_eq!(count(&never, "failure"), 1, "an unreachable instance fails whatever --fail-on says");
    assert!(!errors_fail.contains("time") && !errors_fail.contains("timestamp"));
}

#[test]
fn sarif_rules_carry_their_documents() {
    let v: serde_json::Value = serde_json::from_str(&sarif::render(&[])).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), tfreach::rules::all().len());
    for (r, meta) in rules.iter().zip(tfreach::rules::all().iter().map(|r| r.meta())) {
        assert_eq!(r["id"], meta.id);
        assert_eq!(r["name"], meta.name);
        assert_eq!(r["shortDescription"]["text"], meta.summary);
        assert_eq!(r["help"]["markdown"], meta.doc);
        assert_eq!(r["defaultConfiguration"]["level"], meta.severity.name());
        let full = r["fullDescription"]["text"].as_str().unwrap();
        assert!(!full.is_empty() && !full.starts_with('#'), "{}: {full}", meta.id);
    }
}

#[test]
fn sarif_passes_microsofts_validator() {
    let Some(tools) = sarif_validator() else {
        eprintln!("SKIPPED sarif_passes_microsofts_validator: node and npm are not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut all = Vec::new();
    for (name, report, _tmp) in cases() {
        let path = dir.path().join(format!("{name}.sarif"));
        std::fs::write(&path, sarif::render(std::slice::from_ref(&report))).unwrap();
        files.push(path);
        all.push(report);
    }
    let path = dir.path().join("all-inputs.sarif");
    std::fs::write(&path, sarif::render(&all)).unwrap();
    files.push(path);
    let out = Command::new("npx")
        .args(["--no-install", "@microsoft/sarif-multitool", "validate"])
        .args(&files)
        .current_dir(&tools)
        .output()
        .expect("npx runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the validator failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("Analysis completed successfully"), "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{} files scanned", files.len())), "{stdout}");
    let problems: Vec<&str> = stdout.lines().filter(|l| l.contains(": error ") || l.contains(": warning ")).collect();
    assert!(problems.is_empty(), "the SARIF validator reports:\n{}", problems.join("\n"));
}

/// The npm prefix holding `@microsoft/sarif-multitool`, installed on first use under the
/// target directory; `None` only when node or npm is missing.
fn sarif_validator() -> Option<PathBuf> {
    const PACKAGE: &str = "@microsoft/sarif-multitool@5.7.0";
    let runs = |cmd: &str| Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success());
    if !runs("node") || !runs("npm") || !runs("npx") {
        return None;
    }
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-tools");
    if prefix.join("node_modules/.bin/sarif-multitool").exists() {
        return Some(prefix);
    }
    // Install beside it and rename, so that concurrent test runs never see half an install.
    let staging = prefix.with_extension(format!("{}", std::process::id()));
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
        .arg(&staging)
        .arg(PACKAGE)
        .output()
        .expect("npm runs");
    assert!(
        out.status.success(),
        "cannot install {PACKAGE} (node is present, so the SARIF validation must run): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if std::fs::rename(&staging, &prefix).is_err() {
        // Another run installed it first.
        let _ = std::fs::remove_dir_all(&staging);
    }
    assert!(prefix.join("node_modules/.bin/sarif-multitool").exists(), "{PACKAGE} installed no binary");
    Some(prefix)
}

/// GitLab's Code Quality report format: an array of issues with `description`,
/// `check_name`, `fingerprint`, `severity` (one of GitLab's five) and `location.path` with
/// `location.lines.begin`; fingerprints unique within a report and equal across runs.
#[test]
fn gitlab_code_quality_has_the_documented_fields() {
    let reports = [scenario("seed003_pitfall"), scenario("ssm001_no_path")];
    let text = tfreach::report::gitlab::render(&reports);
    let issues: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(issues.len(), reports.iter().map(|r| r.findings.len()).sum::<usize>());
    let mut fingerprints = std::collections::BTreeSet::new();
    for i in &issues {
        for key in ["description", "check_name", "fingerprint"] {
            assert!(i[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {i}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&i["severity"].as_str().unwrap()), "{i}");
        assert!(i["location"]["path"].as_str().is_some_and(|p| p.ends_with(".tf") || p.ends_with(".json")), "{i}");
        assert!(i["location"]["lines"]["begin"].as_u64().is_some_and(|l| l >= 1), "{i}");
        assert!(fingerprints.insert(i["fingerprint"].as_str().unwrap().to_string()), "unique: {i}");
    }
    let again = tfreach::report::gitlab::render(&[scenario("seed003_pitfall"), scenario("ssm001_no_path")]);
    assert_eq!(text, again, "stable across runs");
}

/// An instance that the network reaches but whose credentials fail: JUnit says so, instead
/// of "unreachable" with an empty list of services.
#[test]
fn junit_names_a_credentials_failure() {
    let text = junit::render(&[scenario("ssm010_no_profile")], &fail_on_error);
    assert!(
        text.contains("message=\"Session Manager cannot reach aws_instance.app: credentials: the instance has no IAM instance profile; see SSM010\""),
        "{text}"
    );
}
