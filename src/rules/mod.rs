//! The rule catalogue. A rule is a pure function from the analysis context to findings: no
//! I/O, no printing. Each lives in its own file, named after what it flags; its
//! documentation is `rules/<ID>.md`, embedded here so that `tfreach explain` and SARIF show
//! the same text.

mod net001_egress_open_world;
mod net002_admin_port_open;
mod net003_endpoint_ingress_broad;
mod net004_public_ip_on_private_instance;
mod net005_ssh_key_pair;
mod ssm001_missing_endpoint;
mod ssm002_missing_ec2messages;
mod ssm003_endpoint_private_dns_disabled;
mod ssm004_vpc_dns_disabled;
mod ssm005_instance_egress_blocked;
mod ssm006_endpoint_ingress_blocked;
mod ssm007_nacl_blocks_https;
mod ssm008_endpoint_region_mismatch;
mod ssm009_endpoint_az_gap;
mod ssm010_instance_profile_missing;
mod ssm011_imds_disabled;
mod ssm012_endpoint_policy_restrictive;
mod ssm013_session_logging_path_missing;
mod tfr001_unresolved_reference;

use rayon::prelude::*;
use serde::Serialize;

use crate::graph::Network;
use crate::model::ResId;
use crate::reach::{Certainty, Code, InstanceReach, Reach, Service, Tri};
use crate::resolve::Target;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One line for `tfreach rules`.
    pub summary: &'static str,
    /// `rules/<ID>.md`.
    pub doc: &'static str,
}

/// A rule: metadata and a check.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding>;
}

/// Everything a rule may read.
pub struct RuleContext<'r, 'n, 'm, 'a> {
    pub reach: &'r Reach<'n, 'm, 'a>,
    pub net: &'n Network<'m, 'a>,
    /// Reachability of every instance that must be reachable.
    pub instances: &'r [InstanceReach],
    pub settings: &'r RuleSettings,
}

/// Rule-specific settings from the configuration file.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    /// The SSM Agent version the fleet runs (`[assume] ssm_agent_version`).
    pub ssm_agent_version: Option<String>,
}

/// One problem: data only. Rendering is the report layer's job.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub certainty: Certainty,
    /// The resource the finding is about (where the fix goes).
    pub resource: ResId,
    pub related: Vec<Target>,
    /// What is wrong and why (lowercase, no trailing period).
    pub message: String,
    /// What to do.
    pub help: String,
    /// The hop that fails, when the finding is about a path.
    pub code: Option<Code>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, resource: ResId, message: String, help: String) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            certainty: Certainty::Definite,
            resource,
            related: Vec::new(),
            message,
            help,
            code: None,
        }
    }

    pub fn certainty(mut self, c: Certainty) -> Finding {
        self.certainty = c;
        self
    }

    pub fn related(mut self, related: impl IntoIterator<Item = Target>) -> Finding {
        for t in related {
            if t != Target::Resource(self.resource) && !self.related.contains(&t) {
                self.related.push(t);
            }
        }
        self
    }

    pub fn code(mut self, code: Code) -> Finding {
        self.code = Some(code);
        self
    }
}

/// Every rule, in catalogue order.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &ssm001_missing_endpoint::MissingEndpoint,
        &ssm002_missing_ec2messages::MissingEc2messages,
        &ssm003_endpoint_private_dns_disabled::EndpointPrivateDnsDisabled,
        &ssm004_vpc_dns_disabled::VpcDnsDisabled,
        &ssm005_instance_egress_blocked::InstanceEgressBlocked,
        &ssm006_endpoint_ingress_blocked::EndpointIngressBlocked,
        &ssm007_nacl_blocks_https::NaclBlocksHttps,
        &ssm008_endpoint_region_mismatch::EndpointRegionMismatch,
        &ssm009_endpoint_az_gap::EndpointAzGap,
        &ssm010_instance_profile_missing::InstanceProfileMissing,
        &ssm011_imds_disabled::ImdsDisabled,
        &ssm012_endpoint_policy_restrictive::EndpointPolicyRestrictive,
        &ssm013_session_logging_path_missing::SessionLoggingPathMissing,
        &net001_egress_open_world::EgressOpenWorld,
        &net002_admin_port_open::AdminPortOpen,
        &net003_endpoint_ingress_broad::EndpointIngressBroad,
        &net004_public_ip_on_private_instance::PublicIpOnPrivateInstance,
        &net005_ssh_key_pair::SshKeyPair,
        &tfr001_unresolved_reference::UnresolvedReference,
    ]
}

pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| r.meta().id.eq_ignore_ascii_case(id))
}

/// Runs `rules` in parallel; the caller sorts.
pub fn run(rules: &[&'static dyn Rule], ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
    rules.par_iter().flat_map_iter(|r| r.check(ctx)).collect()
}

// Helpers shared by rules.

/// The services among `services` whose blocking hop has one of `codes`, with the certainty.
pub(crate) fn blocked_services(
    inst: &InstanceReach,
    services: &[Service],
    codes: &[Code],
) -> Vec<(Service, Certainty)> {
    inst.services
        .iter()
        .filter(|s| services.contains(&s.service) && s.outcome != Tri::Yes)
        .filter_map(|s| {
            let (hop, certainty) = s.blocked.as_ref()?;
            let code = hop.code?;
            (codes.contains(&code) && (hop.outcome == Tri::No || certainty == &Certainty::Possible))
                .then_some((s.service, *certainty))
        })
        .collect()
}

/// `ssm and ssmmessages`, `ssm, ssmmessages and ec2messages`.
pub(crate) fn service_list(services: &[Service]) -> String {
    let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Definite only when every part is.
pub(crate) fn overall(certainties: impl IntoIterator<Item = Certainty>) -> Certainty {
    if certainties.into_iter().all(|c| c == Certainty::Definite) { Certainty::Definite } else { Certainty::Possible }
}
