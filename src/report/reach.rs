//! `tfreach reach`: per instance and service, the path hop by hop or the hop that blocks.

use std::fmt::Write;

use serde::Serialize;

use crate::reach::{Certainty, HopResult, InstanceReach, Reach, ServiceReach, Tri, Verdict, Via};

fn mark(t: Tri) -> &'static str {
    match t {
        Tri::Yes => "✓",
        Tri::No => "✗",
        Tri::Maybe => "?",
    }
}

fn verdict_word(t: Tri) -> &'static str {
    match t {
        Tri::Yes => "reachable",
        Tri::No => "unreachable",
        Tri::Maybe => "unknown",
    }
}

/// The human rendering of one instance.
pub fn human(reach: &Reach<'_, '_, '_>, inst: &InstanceReach) -> String {
    let net = reach.net;
    let r = &net.model.resources[inst.res];
    let mut out = format!("{} ({}): {}\n", r.address(), r.type_name(), verdict_word(inst.outcome));
    for s in &inst.services {
        service_human(reach, s, &mut out);
    }
    let _ = writeln!(out, "  {} iam: {}", mark(inst.iam.outcome), inst.iam.reason);
    let _ = writeln!(out, "  {} metadata service: {}", mark(inst.imds.outcome), inst.imds.detail);
    if !inst.unresolved.is_empty() {
        let _ = writeln!(out, "  unresolved:");
        for u in &inst.unresolved {
            let _ = writeln!(out, "    - {u}");
        }
    }
    out
}

fn service_human(reach: &Reach<'_, '_, '_>, s: &ServiceReach, out: &mut String) {
    let net = reach.net;
    let via = match (s.path.via, s.path.endpoint) {
        (Via::Endpoint, Some(e)) => format!(" via {}", net.model.resources[e].address()),
        (Via::Internet, _) => " via the internet".to_string(),
        _ => String::new(),
    };
    let from = s.location.as_ref().map(|l| format!(" from {}", net.name(l))).unwrap_or_default();
    let candidates = if s.locations > 1 { format!(" ({} candidate locations)", s.locations) } else { String::new() };
    let _ =
        writeln!(out, "  {} {}: {}{via}{from}{candidates}", mark(s.outcome), s.service.name(), verdict_word(s.outcome));
    for h in &s.path.hops {
        hop_human(h, out);
    }
    if let Some((h, certainty)) = &s.blocked
        && s.outcome != Tri::Yes
    {
        let c = match certainty {
            Certainty::Definite => "definitely",
            Certainty::Possible => "possibly",
        };
        let code = h.code.map(|c| c.name()).unwrap_or("?");
        let _ = writeln!(out, "      blocked {c} at the {}: {code}", h.kind.label());
    }
}

fn hop_human(h: &HopResult, out: &mut String) {
    let _ = writeln!(out, "      {} {:<30} {}", mark(h.outcome), h.kind.label(), h.detail);
    if h.outcome != Tri::Yes {
        if let Some(code) = h.code {
            let _ = writeln!(out, "          code: {}", code.name());
        }
        if let Some(fix) = &h.fix {
            let _ = writeln!(out, "          fix:  {fix}");
        }
    }
}

#[derive(Serialize)]
pub struct InstanceJson {
    pub resource: String,
    pub verdict: Verdict,
    pub services: Vec<ServiceJson>,
    pub iam: CheckJson,
    pub metadata_service: CheckJson,
    pub unresolved: Vec<String>,
}

#[derive(Serialize)]
pub struct ServiceJson {
    pub service: &'static str,
    pub verdict: Verdict,
    pub via: Via,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub hops: Vec<HopJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<BlockedJson>,
}

#[derive(Serialize)]
pub struct HopJson {
    pub hop: &'static str,
    pub outcome: Tri,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    pub resources: Vec<String>,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Serialize)]
pub struct BlockedJson {
    pub hop: &'static str,
    pub code: Option<&'static str>,
    pub certainty: Certainty,
}

#[derive(Serialize)]
pub struct CheckJson {
    pub outcome: Tri,
    pub detail: String,
}

pub fn json(reach: &Reach<'_, '_, '_>, inst: &InstanceReach) -> InstanceJson {
    let net = reach.net;
    let hop = |h: &HopResult| HopJson {
        hop: h.kind.label(),
        outcome: h.outcome,
        code: h.code.map(|c| c.name()),
        resources: h.resources.iter().map(|t| net.name(t)).collect(),
        detail: h.detail.clone(),
        fix: h.fix.clone(),
    };
    InstanceJson {
        resource: net.model.resources[inst.res].address().to_string(),
        verdict: inst.verdict(),
        services: inst
            .services
            .iter()
            .map(|s| ServiceJson {
                service: s.service.name(),
                verdict: s.outcome.into(),
                via: s.path.via,
                endpoint: s.path.endpoint.map(|e| net.model.resources[e].address().to_string()),
                from: s.location.as_ref().map(|l| net.name(l)),
                hops: s.path.hops.iter().map(hop).collect(),
                blocked: s.blocked.as_ref().filter(|_| s.outcome != Tri::Yes).map(|(h, c)| BlockedJson {
                    hop: h.kind.label(),
                    code: h.code.map(|c| c.name()),
                    certainty: *c,
                }),
            })
            .collect(),
        iam: CheckJson { outcome: inst.iam.outcome, detail: inst.iam.reason.clone() },
        metadata_service: CheckJson { outcome: inst.imds.outcome, detail: inst.imds.detail.clone() },
        unresolved: inst.unresolved.clone(),
    }
}
