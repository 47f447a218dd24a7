//! `rules/<ID>.md` is the single source of each rule's documentation. These tests fail when a
//! rule lacks a doc or a doc lacks a rule, when id, name, severity or category disagree, when
//! a section is missing, when an HCL example does not parse, and when a scenario a doc names
//! does not fire (or stay silent) as it says. They also keep README's rule table generated.

mod common;

use std::collections::BTreeMap;

use tfreach::rules;

const SECTIONS: &[&str] =
    &["## What it checks", "## Why it matters", "## Example", "## How to suppress", "## References", "## Scenarios"];

struct Doc {
    id: String,
    name: String,
    severity: String,
    category: String,
    text: String,
}

fn docs() -> BTreeMap<String, Doc> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(common::root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let file_id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let title = text.lines().next().unwrap_or_default();
        let (id, name) = title
            .strip_prefix("# ")
            .and_then(|t| t.split_once(' '))
            .unwrap_or_else(|| panic!("{file_id}: bad title `{title}`"));
        let meta = text.lines().nth(2).unwrap_or_default();
        let field = |key: &str| -> String {
            meta.split('·')
                .find_map(|part| part.trim().strip_prefix(&format!("**{key}:** ")).map(|v| v.trim().to_string()))
                .unwrap_or_else(|| panic!("{file_id}: no {key} in `{meta}`"))
        };
        assert_eq!(id, file_id, "the title names the file's rule");
        let doc = Doc {
            id: id.into(),
            name: name.into(),
            severity: field("Severity"),
            category: field("Category"),
            text: text.clone(),
        };
        out.insert(file_id.clone(), doc);
    }
    out
}

#[test]
fn every_rule_has_a_doc_and_every_doc_a_rule() {
    let docs = docs();
    let ids: Vec<&str> = rules::all().iter().map(|r| r.meta().id).collect();
    let documented: Vec<&str> = docs.keys().map(String::as_str).collect();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort_unstable();
    assert_eq!(documented, sorted_ids);
    for r in rules::all() {
        let m = r.meta();
        let d = &docs[m.id];
        assert_eq!(d.name, m.name, "{}: name", m.id);
        assert_eq!(d.severity, m.severity.name(), "{}: severity", m.id);
        let category = match &m.id[..3] {
            "SSM" => "reachability",
            "NET" => "hygiene",
            _ => "resolution",
        };
        assert_eq!(d.category, category, "{}: category", m.id);
        assert_eq!(m.doc, d.text, "{}: the embedded doc is the file", m.id);
    }
}

#[test]
fn docs_have_every_section_in_order() {
    for (id, d) in docs() {
        let mut at = 0;
        for s in SECTIONS {
            let pos =
                d.text[at..].find(&format!("\n{s}\n")).unwrap_or_else(|| panic!("{id}: missing or misplaced `{s}`"));
            at += pos + 1;
        }
        assert!(d.text.contains("Failing:") && d.text.contains("Fixed:"), "{id}: failing and fixed examples");
        assert!(d.text.contains(&format!("tfreach:ignore[{id}]")), "{id}: how to suppress inline");
    }
}

#[test]
fn hcl_examples_parse() {
    for (id, d) in docs() {
        let mut blocks = 0;
        let mut rest = d.text.as_str();
        while let Some(start) = rest.find("```hcl\n") {
            let body = &rest[start + 7..];
            let end = body.find("```").unwrap_or_else(|| panic!("{id}: unterminated hcl block"));
            let hcl = &body[..end];
            hcl_edit::parser::parse_body(hcl).unwrap_or_else(|e| panic!("{id}: example does not parse: {e}\n{hcl}"));
            blocks += 1;
            rest = &body[end + 3..];
        }
        assert!(blocks >= 2, "{id}: a failing and a fixed example");
    }
}

/// `- fires: `a`, `b`` and `- silent: …` in the Scenarios section.
fn scenarios(d: &Doc, kind: &str) -> Vec<String> {
    let section = &d.text[d.text.find("## Scenarios").unwrap()..];
    let line = section
        .lines()
        .find(|l| l.starts_with(&format!("- {kind}:")))
        .unwrap_or_else(|| panic!("{}: no `{kind}` line", d.id));
    line.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn documented_scenarios_fire_and_stay_silent_as_stated() {
    let mut reports = BTreeMap::new();
    for (id, d) in docs() {
        let fires = scenarios(&d, "fires");
        let silent = scenarios(&d, "silent");
        assert!(!fires.is_empty() && !silent.is_empty(), "{id}: at least one scenario of each");
        for (names, expect) in [(&fires, true), (&silent, false)] {
            for name in names {
                let report = reports.entry(name.clone()).or_insert_with(|| common::analyze_scenario(name));
                let fired = report.findings.iter().any(|f| f.rule == id);
                assert_eq!(fired, expect, "{id} should {} in {name}", if expect { "fire" } else { "stay silent" });
            }
        }
    }
}

#[test]
fn the_baseline_every_scenario_varies_is_clean() {
    let baseline = common::analyze_scenario("baseline_endpoints");
    assert!(baseline.findings.is_empty(), "baseline_endpoints is clean: {:?}", common::findings(&baseline));
}

#[test]
fn readme_explanation_codes_are_generated_from_the_code_list() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let table = tfreach::reach::codes::markdown_table();
    assert!(readme.contains(&table), "README.md's explanation-code table is out of date:\n{table}");
}

#[test]
fn readme_rule_table_is_generated_from_the_registry() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let table = tfreach::cli::rules_table();
    assert!(
        readme.contains(&table),
        "README.md's rule table is out of date; replace it with the output of `tfreach rules --format markdown`:\n{table}"
    );
}
