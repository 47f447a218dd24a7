//! What each instance and endpoint resolved to, as stable text: the human `check` output's
//! resolution section and the scenario snapshots.

use std::fmt::Write;

use crate::graph::Network;
use crate::model::Kind;
use crate::resolve::{Link, Resolution};

/// One line per link: `  subnets           reference   aws_subnet.a`.
pub fn describe_link(net: &Network<'_, '_>, name: &str, link: &Link) -> String {
    let how = if link.unset && link.is_empty() {
        "unset".to_string()
    } else {
        format!("{:?}", link.resolution).to_lowercase()
    };
    let mut parts: Vec<String> = link
        .slots
        .iter()
        .map(|s| {
            let names: Vec<String> = s.options.iter().map(|t| net.name(t)).collect();
            if names.len() == 1 {
                names.into_iter().next().unwrap_or_default()
            } else {
                format!("one of {{{}}}", names.join(", "))
            }
        })
        .collect();
    if link.unset && !link.is_empty() {
        parts.push("(unset: AWS default)".into());
    }
    if let Some(f) = &link.fallback {
        parts.push(format!("(fallback for {f}: every candidate of the right type in the module)"));
    }
    for d in &link.dead_ends {
        parts.push(format!("(unresolved: {d})"));
    }
    if parts.is_empty() {
        parts.push("(none)".into());
    }
    format!("  {name:<17} {how:<11} {}", parts.join(" "))
}

/// Every compute resource and every VPC endpoint with its resolved links, sorted by address.
pub fn resolution_summary(net: &Network<'_, '_>) -> String {
    let mut blocks: Vec<(String, String)> = Vec::new();
    for r in net.model.compute() {
        let v = net.compute_view(r);
        let mut s = format!("{} ({})\n", r.address(), r.type_name());
        if let Some(spec) = &v.launch_spec {
            let _ = writeln!(s, "{}", describe_link(net, "launch_spec", spec));
        }
        let _ = writeln!(s, "{}", describe_link(net, "vpc", &v.vpc));
        let _ = writeln!(s, "{}", describe_link(net, "subnets", &v.subnets));
        let _ = writeln!(s, "{}", describe_link(net, "security_groups", &v.security_groups));
        let _ = writeln!(s, "{}", describe_link(net, "instance_profile", &v.instance_profile));
        blocks.push((r.address().to_string(), s));
    }
    for r in net.model.resources.iter().filter(|r| r.kind == Kind::VpcEndpoint && !r.is_data()) {
        let v = net.endpoint_view(r);
        let service = r.attr_str("service_name").value().cloned().unwrap_or_else(|| "(unknown service)".into());
        let mut s = format!("{} ({service})\n", r.address());
        let _ = writeln!(s, "{}", describe_link(net, "vpc", &v.vpc));
        let _ = writeln!(s, "{}", describe_link(net, "subnets", &v.subnets));
        let _ = writeln!(s, "{}", describe_link(net, "security_groups", &v.security_groups));
        blocks.push((r.address().to_string(), s));
    }
    blocks.sort();
    blocks.into_iter().map(|(_, s)| s).collect::<Vec<_>>().join("\n")
}

/// Counts of link resolutions (instance→subnet, instance→SG, endpoint→subnet, endpoint→SG).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ResolutionCounts {
    pub known: usize,
    pub reference: usize,
    pub candidates: usize,
    pub unresolved: usize,
    /// Links the configuration leaves unset (AWS decides, e.g. the default VPC).
    pub unset: usize,
}

impl ResolutionCounts {
    pub fn add(&mut self, link: &Link) {
        if link.unset && link.is_empty() {
            self.unset += 1;
            return;
        }
        match link.resolution {
            Resolution::Known => self.known += 1,
            Resolution::Reference => self.reference += 1,
            Resolution::Candidates => self.candidates += 1,
            Resolution::Unresolved => self.unresolved += 1,
        }
    }
}
