//! `tfreach reach`: per instance and service, the path hop by hop or the hop that blocks.

use std::fmt::Write;

use serde::Serialize;

use super::hanging;
use crate::engine::{CheckReport, HopReport, InstanceReport, ServiceReport};
use crate::reach::{Certainty, Tri, Verdict, Via};

fn mark(t: Tri) -> &'static str {
    match t {
        Tri::Yes => "✓",
        Tri::No => "✗",
        Tri::Maybe => "?",
    }
}

fn check_mark(c: &CheckReport) -> &'static str {
    mark(c.outcome)
}

/// The human rendering of one instance, wrapped at `width` columns.
pub fn human(inst: &InstanceReport, width: usize) -> String {
    let mut out = format!("{} ({}): {}\n", inst.resource, inst.type_name, inst.verdict.name());
    for s in &inst.services {
        service_human(s, &mut out, width);
    }
    out.push_str(&hanging(&format!("  {} iam: ", check_mark(&inst.identity)), &inst.identity.detail, width));
    let prefix = format!("  {} metadata service: ", check_mark(&inst.metadata_service));
    out.push_str(&hanging(&prefix, &inst.metadata_service.detail, width));
    if !inst.unresolved.is_empty() {
        let _ = writeln!(out, "  unresolved:");
        for u in &inst.unresolved {
            out.push_str(&hanging("    - ", u, width));
        }
    }
    out
}

fn service_human(s: &ServiceReport, out: &mut String, width: usize) {
    let via = match (s.via, &s.endpoint) {
        (Via::Endpoint, Some(e)) => format!(" via {e}"),
        (Via::Internet, _) => " via the internet".to_string(),
        _ => String::new(),
    };
    let from = s.from.as_ref().map(|l| format!(" from {l}")).unwrap_or_default();
    let candidates = if s.locations > 1 { format!(" ({} candidate locations)", s.locations) } else { String::new() };
    let outcome = match s.verdict {
        Verdict::Reachable => Tri::Yes,
        Verdict::Unreachable => Tri::No,
        Verdict::Unknown => Tri::Maybe,
    };
    let head = format!("{}: {}{via}{from}{candidates}", s.service.name(), s.verdict.name());
    out.push_str(&hanging(&format!("  {} ", mark(outcome)), &head, width));
    for h in &s.hops {
        hop_human(h, out, width);
    }
    if let Some((h, certainty)) = &s.blocked {
        let c = match certainty {
            Certainty::Definite => "definitely",
            Certainty::Possible => "possibly",
        };
        let code = h.code.map(|c| c.name()).unwrap_or("?");
        let _ = writeln!(out, "      blocked {c} at the {}: {code}", h.kind.label());
    }
}

fn hop_human(h: &HopReport, out: &mut String, width: usize) {
    out.push_str(&hanging(&format!("      {} {:<30} ", mark(h.outcome), h.kind.label()), &h.detail, width));
    if h.outcome != Tri::Yes {
        if let Some(code) = h.code {
            let _ = writeln!(out, "          code: {}", code.name());
        }
        if let Some(fix) = &h.fix {
            out.push_str(&hanging("          fix:  ", fix, width));
        }
    }
}

#[derive(Serialize)]
pub struct InstanceJson<'r> {
    pub resource: &'r str,
    pub verdict: Verdict,
    pub services: Vec<ServiceJson<'r>>,
    pub iam: CheckJson<'r>,
    pub metadata_service: CheckJson<'r>,
    pub unresolved: &'r [String],
}

#[derive(Serialize)]
pub struct ServiceJson<'r> {
    pub service: &'static str,
    pub verdict: Verdict,
    pub via: Via,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<&'r str>,
    pub hops: Vec<HopJson<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<BlockedJson>,
}

#[derive(Serialize)]
pub struct HopJson<'r> {
    pub hop: &'static str,
    pub outcome: Tri,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    pub resources: &'r [String],
    pub detail: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<&'r str>,
    pub data: &'r serde_json::Value,
}

#[derive(Serialize)]
pub struct BlockedJson {
    pub hop: &'static str,
    pub code: Option<&'static str>,
    pub certainty: Certainty,
}

#[derive(Serialize)]
pub struct CheckJson<'r> {
    pub outcome: Tri,
    pub detail: &'r str,
}

fn hop_json(h: &HopReport) -> HopJson<'_> {
    HopJson {
        hop: h.kind.label(),
        outcome: h.outcome,
        code: h.code.map(|c| c.name()),
        resources: &h.resources,
        detail: &h.detail,
        fix: h.fix.as_deref(),
        data: &h.data,
    }
}

pub fn json(inst: &InstanceReport) -> InstanceJson<'_> {
    InstanceJson {
        resource: &inst.resource,
        verdict: inst.verdict,
        services: inst
            .services
            .iter()
            .map(|s| ServiceJson {
                service: s.service.name(),
                verdict: s.verdict,
                via: s.via,
                endpoint: s.endpoint.as_deref(),
                from: s.from.as_deref(),
                hops: s.hops.iter().map(hop_json).collect(),
                blocked: s.blocked.as_ref().map(|(h, c)| BlockedJson {
                    hop: h.kind.label(),
                    code: h.code.map(|c| c.name()),
                    certainty: *c,
                }),
            })
            .collect(),
        iam: CheckJson { outcome: inst.identity.outcome, detail: &inst.identity.detail },
        metadata_service: CheckJson { outcome: inst.metadata_service.outcome, detail: &inst.metadata_service.detail },
        unresolved: &inst.unresolved,
    }
}
