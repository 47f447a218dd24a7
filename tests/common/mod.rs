//! Shared helpers for the integration tests: the scenarios in `testdata/` and running the
//! analysis on them the way the CLI does.

#![allow(dead_code)]

use std::fmt::Write;
use std::path::{Path, PathBuf};

use tfreach::config::Config;
use tfreach::engine::{FileReport, Options, analyze};
use tfreach::plan::SourceFile;

/// `bytes` written to a file `name` in a new temporary directory: the directory (removed
/// when dropped) and the file's path.
pub fn temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let p = path.display().to_string();
    (dir, p)
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command's stderr with miette's line wrapping undone, for assertions on whole messages.
pub fn diagnostic(out: &std::process::Output) -> String {
    let raw = String::from_utf8_lossy(&out.stderr).replace('│', " ");
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every scenario directory with its plan (or state) file, sorted by name.
pub fn scenarios() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("testdata")).expect("testdata exists") {
        let dir = entry.expect("readable").path();
        for file in ["plan.json", "state.json"] {
            let p = dir.join(file);
            if p.is_file() {
                out.push((dir.file_name().unwrap().to_string_lossy().into_owned(), p));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 40, "expected the scenario corpus, found {}", out.len());
    out
}

pub fn plan_of(scenario: &str) -> PathBuf {
    let dir = root().join("testdata").join(scenario);
    let plan = dir.join("plan.json");
    if plan.is_file() { plan } else { dir.join("state.json") }
}

/// Analyses a plan file with its scenario's `tfreach.toml` when it has one.
pub fn analyze_file(path: &Path) -> FileReport {
    let config_path = path.parent().unwrap().join("tfreach.toml");
    let config =
        if config_path.is_file() { Config::read(&config_path).expect("valid config") } else { Config::default() };
    analyze_with(path, Options { config, ..Options::default() })
}

pub fn analyze_with(path: &Path, options: Options) -> FileReport {
    let source = SourceFile::read(&path.display().to_string()).expect("readable");
    analyze(&source, &options).unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()))
}

pub fn analyze_scenario(name: &str) -> FileReport {
    analyze_file(&plan_of(name))
}

/// `(rule, resource, certainty)` of every finding.
pub fn findings(r: &FileReport) -> Vec<(String, String, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.to_string(), f.resource.clone(), format!("{:?}", f.certainty).to_lowercase()))
        .collect()
}

/// The stable text a scenario snapshot holds.
pub fn snapshot_text(r: &FileReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## instances");
    for i in &r.instances {
        let _ = writeln!(s, "{}: {:?}", i.resource, i.verdict);
        let mut services: Vec<_> = i.services.iter().map(|x| (x.service.name(), x)).collect();
        services.sort_by_key(|(n, _)| *n);
        for (name, svc) in services {
            let via = match &svc.endpoint {
                Some(e) => format!("{:?} {e}", svc.via),
                None => format!("{:?}", svc.via),
            };
            let blocked = if svc.blocked_by.is_empty() {
                String::new()
            } else {
                format!(" blocked_by {}", svc.blocked_by.join(","))
            };
            let _ = writeln!(s, "  {name}: {:?} via {via}{blocked}", svc.verdict);
        }
    }
    let _ = writeln!(s, "\n## resolution\n{}", tfreach::report::resolution::text(&r.resolution).trim_end());
    let _ = writeln!(s, "\n## findings");
    for f in &r.findings {
        let _ = writeln!(s, "{} {} {:?} {}", f.severity.name(), f.rule, f.certainty, f.resource);
        let _ = writeln!(s, "  {}", f.message);
        if !f.related.is_empty() {
            let _ = writeln!(s, "  related: {}", f.related.join(", "));
        }
        if let Some(src) = &f.source {
            let _ = writeln!(s, "  at {}:{}:{}", src.file, src.line, src.column);
        }
    }
    for (f, why) in &r.suppressed {
        let _ = writeln!(s, "suppressed {} {} ({:?})", f.rule, f.resource, why);
    }
    s
}
