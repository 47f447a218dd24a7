//! What each instance and endpoint resolved to, as stable text: the human `check` output's
//! `--verbose` section and the scenario snapshots.

use std::fmt::Write;

use crate::engine::{LinkReport, ResolvedEntity};

/// One line per link: `  subnets           reference   aws_subnet.a`.
pub fn describe_link(name: &str, link: &LinkReport) -> String {
    let how = if link.unset && link.slots.is_empty() {
        "unset".to_string()
    } else {
        format!("{:?}", link.resolution).to_lowercase()
    };
    let mut parts: Vec<String> = link
        .slots
        .iter()
        .map(|s| if s.len() == 1 { s[0].clone() } else { format!("one of {{{}}}", s.join(", ")) })
        .collect();
    if link.unset && !link.slots.is_empty() {
        parts.push("(unset: AWS default)".into());
    }
    if let Some(f) = &link.fallback {
        parts.push(format!("(fallback for {f}: every candidate of the right type in the module)"));
    }
    for d in &link.unresolved {
        parts.push(format!("(unresolved: {d})"));
    }
    if parts.is_empty() {
        parts.push("(none)".into());
    }
    format!("  {name:<17} {how:<11} {}", parts.join(" "))
}

/// Every compute resource and every VPC endpoint with its resolved links.
pub fn text(entities: &[ResolvedEntity]) -> String {
    let blocks: Vec<String> = entities
        .iter()
        .map(|e| {
            let mut s = format!("{} ({})\n", e.address, e.label);
            for (name, link) in &e.links {
                let _ = writeln!(s, "{}", describe_link(name, link));
            }
            s
        })
        .collect();
    blocks.join("\n")
}
