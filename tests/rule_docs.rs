//! `rules/<ID>.md` is the single source of each rule's documentation. These tests fail when a
//! rule lacks a doc or a doc lacks a rule, when id, name, severity or category disagree, when
//! a section is missing, when an HCL example does not parse, and when a scenario a doc names
//! does not fire (or stay silent) as it says. They also keep README's rule table generated.

mod common;

use std::collections::BTreeMap;

use tfreach::rules;

const SECTIONS: &[&str] =
    &["## What it checks", "## Why it matters", "## Example", "## How to suppress", "## References"];

/// For every rule, scenarios it fires on and scenarios it stays silent on: at least one of each.
const SCENARIOS: &[(&str, &[&str], &[&str])] = &[
    (
        "NET001",
        &["baseline_nat", "nat_gateway", "spot_instance", "seed001_for_each", "seed004_custom_role"],
        &[
            "baseline_endpoints",
            "seed003_pitfall",
            "seed000_module",
            "seed003_hardened",
            "egress_ipv6_only",
            "tam_stack",
        ],
    ),
    (
        "NET002",
        &["net002_ssh_vpc", "net002_ssh_world", "seed003_pitfall", "seed003_pitfall_inline"],
        &["baseline_endpoints", "net003_endpoint_sg_broad", "seed003_hardened", "eks_node_group_lt"],
    ),
    (
        "NET003",
        &["net003_endpoint_sg_broad", "seed003_pitfall", "seed003_pitfall_inline", "seed003_hardened"],
        &["baseline_endpoints", "ssm006_default_sg_managed", "ssm006_ingress_other_cidr"],
    ),
    ("NET004", &["net004_public_ip", "net004_eip", "eni_eip"], &["baseline_endpoints", "nat_gateway", "nat_instance"]),
    ("NET005", &["net005_key_pair"], &["baseline_endpoints", "net004_public_ip", "tam_stack", "tam_stack_v2"]),
    (
        "SSM001",
        &[
            "ssm001_no_path",
            "ssm001_no_ssmmessages",
            "nat_gateway",
            "ssm008_region_mismatch",
            "provider_alias_region",
            "hub_spoke_no_return_route",
        ],
        &[
            "baseline_endpoints",
            "baseline_nat",
            "hub_spoke_tgw",
            "hub_spoke_zone_not_associated",
            "ssm002_no_ec2messages",
            "ssm003_private_dns_unset",
            "ssm004_dns_hostnames_unset",
            "ssm003_ssm004_dns_both_off",
            "tfr001_default_vpc_instance",
        ],
    ),
    (
        "SSM002",
        &["ssm002_no_ec2messages", "ssm001_no_path", "nat_gateway", "ssm008_region_mismatch", "provider_alias_region"],
        &[
            "baseline_endpoints",
            "baseline_nat",
            "ssm001_no_ssmmessages",
            "update_prior_state",
            "ssm003_ssm004_dns_both_off",
        ],
    ),
    (
        "SSM003",
        &["ssm003_private_dns_unset", "ssm003_ssm004_dns_both_off", "hub_spoke_zone_not_associated"],
        &[
            "ssm003_private_zone",
            "hub_spoke_tgw",
            "hub_spoke_peering",
            "baseline_endpoints",
            "ssm004_dns_hostnames_unset",
            "baseline_nat",
        ],
    ),
    (
        "SSM004",
        &["ssm004_dns_hostnames_unset", "ssm003_ssm004_dns_both_off"],
        &["baseline_endpoints", "ssm003_private_dns_unset", "ssm003_private_zone", "baseline_nat"],
    ),
    (
        "SSM005",
        &["ssm005_egress_port_80", "seed003_pitfall", "seed003_pitfall_inline"],
        &[
            "baseline_endpoints",
            "seed003_hardened",
            "update_prior_state",
            "ssm001_no_path",
            "seed004_custom_role",
            "tfr001_unknown_cidr",
        ],
    ),
    (
        "SSM006",
        &["ssm006_default_sg", "ssm006_ingress_other_cidr", "asg_one_subnet_blocked"],
        &[
            "ssm006_default_sg_managed",
            "baseline_endpoints",
            "seed003_pitfall",
            "seed003_hardened",
            "asg_launch_template",
        ],
    ),
    ("SSM007", &["ssm007_nacl_no_ephemeral"], &["ssm007_nacl_ok", "baseline_endpoints"]),
    (
        "SSM008",
        &["ssm008_region_mismatch", "provider_alias_region", "region_module_alias", "region_from_variable"],
        &["baseline_endpoints", "region_module_alias_ok", "region_from_variable_ok"],
    ),
    (
        "SSM009",
        &["ssm009_az_gap", "asg_az_gap"],
        &[
            "baseline_endpoints",
            "spot_instance",
            "module_stack",
            "ssm007_nacl_ok",
            "asg_launch_template",
            "asg_one_subnet_blocked",
        ],
    ),
    (
        "SSM010",
        &["ssm010_no_profile", "dhmc_role_without_policy", "seed003_pitfall", "seed003_hardened"],
        &[
            "dhmc_in_plan",
            "ssm010_policy_lacks_ssmmessages",
            "iam_lacks_registration",
            "ssm010_custom_policy_ok",
            "ssm010_policy_outside_plan",
            "baseline_endpoints",
            "seed004_custom_role",
            "seed000_module",
        ],
    ),
    (
        "SSM011",
        &["ssm011_imds_disabled"],
        &["baseline_endpoints", "asg_launch_template", "module_stack", "update_prior_state"],
    ),
    ("SSM012", &["ssm012_endpoint_policy"], &["baseline_endpoints"]),
    ("SSM013", &["ssm013_session_logging"], &["ssm013_session_logging_ok", "baseline_endpoints"]),
    (
        "SSM014",
        &["update_delete_egress_rule"],
        &[
            "update_replace_egress_rule",
            "update_replace_egress_rule_cbd",
            "update_drift_egress_revoked",
            "update_rule_copies",
            "update_prior_state",
            "state",
            "baseline_endpoints",
        ],
    ),
    (
        "SSM015",
        &["iam_lacks_registration", "iam_lacks_sessions", "ssm010_policy_lacks_ssmmessages"],
        &[
            "iam_policy_in_plan_ok",
            "ssm010_custom_policy_ok",
            "ssm010_no_profile",
            "dhmc_role_without_policy",
            "baseline_endpoints",
        ],
    ),
    (
        "TFR001",
        &[
            "tfr001_external_subnet",
            "tfr001_default_vpc_instance",
            "tfr001_unknown_cidr",
            "ssm010_policy_outside_plan",
            "seed004_custom_role",
        ],
        &[
            "baseline_endpoints",
            "module_stack",
            "seed001_for_each",
            "seed000_module",
            "state",
            "asg_one_subnet_blocked",
        ],
    ),
    ("TFR002", &["unmodelled_compute"], &["baseline_endpoints", "eks_node_group", "asg_launch_template"]),
];

struct Doc {
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
        let doc =
            Doc { name: name.into(), severity: field("Severity"), category: field("Category"), text: text.clone() };
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

/// The docs are read by the person whose build failed: nothing about how tfreach is tested.
#[test]
fn docs_speak_to_users_not_to_the_test_suite() {
    let internal = ["seed", "scenario", "testdata", "fixture", "snapshot"];
    for (id, d) in docs() {
        let lower = d.text.to_lowercase();
        for word in internal {
            assert!(!lower.contains(word), "{id}: mentions `{word}`");
        }
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

#[test]
fn every_rule_fires_and_stays_silent_on_the_scenarios_listed() {
    let ids: Vec<&str> = rules::all().iter().map(|r| r.meta().id).collect();
    let listed: Vec<&str> = SCENARIOS.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(listed, ids.iter().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>());
    let mut reports = BTreeMap::new();
    for (id, fires, silent) in SCENARIOS {
        assert!(!fires.is_empty() && !silent.is_empty(), "{id}: at least one scenario of each");
        for (names, expect) in [(fires, true), (silent, false)] {
            for name in names.iter() {
                let report = reports.entry(*name).or_insert_with(|| common::analyze_scenario(name));
                let fired = report.findings.iter().any(|f| f.rule == *id);
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
