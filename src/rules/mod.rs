//! The rule catalogue. A rule is a pure function from the analysis context to findings: no
//! I/O, no printing. Each lives in its own file, named after what it flags, and declares
//! itself once ([`declare_rule!`]): id, name, severity, category, its typed configuration,
//! and its documentation `rules/<ID>.md`, which `tfreach explain` and SARIF show. A finding
//! carries a typed payload; the payload's own functions say the message and the help.

mod helpers;

use std::fmt::Debug;

use rayon::prelude::*;
use serde::Serialize;

use crate::network::Network;
use crate::network::graph::NodeId;
use crate::reach::{Certainty, Code, Hop, InstanceReach, Reach};

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

/// What a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Whether Session Manager reaches the instance.
    Reachability,
    /// Network hygiene around Session Manager.
    Hygiene,
    /// What the plan does not tell.
    Resolution,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Reachability => "reachability",
            Category::Hygiene => "hygiene",
            Category::Resolution => "resolution",
        }
    }
}

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// One line for `tfreach rules`.
    pub summary: &'static str,
    /// `rules/<ID>.md`.
    pub doc: &'static str,
}

/// What the configuration file says that rules may read.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The SSM Agent version the fleet runs (`[assume] ssm_agent_version`).
    pub ssm_agent_version: Option<String>,
}

/// A rule: its declaration, its configuration read from the settings, and its check.
pub trait Rule: Sync {
    /// What the rule reads from `tfreach.toml`.
    type Config: Default;
    fn meta(&self) -> &'static RuleMeta;
    fn config(&self, _settings: &Settings) -> Self::Config {
        Self::Config::default()
    }
    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, config: &Self::Config) -> Vec<Finding>;
}

/// A rule behind a pointer, whatever its configuration type.
pub trait AnyRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn run(&self, ctx: &RuleContext<'_, '_, '_, '_>, settings: &Settings) -> Vec<Finding>;
}

impl<R: Rule> AnyRule for R {
    fn meta(&self) -> &'static RuleMeta {
        Rule::meta(self)
    }

    fn run(&self, ctx: &RuleContext<'_, '_, '_, '_>, settings: &Settings) -> Vec<Finding> {
        self.check(ctx, &self.config(settings))
    }
}

/// Declares a rule's metadata once; its documentation is `rules/<ID>.md`.
macro_rules! declare_rule {
    ($rule:ident { id: $id:literal, name: $name:literal, severity: $sev:ident, category: $cat:ident, summary: $summary:literal $(,)? }) => {
        pub struct $rule;

        pub(super) static META: super::RuleMeta = super::RuleMeta {
            id: $id,
            name: $name,
            severity: super::Severity::$sev,
            category: super::Category::$cat,
            summary: $summary,
            doc: include_str!(concat!("../../rules/", $id, ".md")),
        };
    };
}

/// Registers every rule module: a module is compiled only through this list, and a test
/// fails when a rule file is missing from it.
macro_rules! rules {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every rule, in catalogue order.
        pub fn all() -> &'static [&'static dyn AnyRule] {
            &[$(&$module::$rule),*]
        }

        /// The file of every registered rule.
        pub const MODULES: &[&str] = &[$(stringify!($module)),*];
    };
}

rules! {
    ssm001_missing_endpoint::MissingEndpoint,
    ssm002_missing_ec2messages::MissingEc2messages,
    ssm003_endpoint_private_dns_disabled::EndpointPrivateDnsDisabled,
    ssm004_vpc_dns_disabled::VpcDnsDisabled,
    ssm005_instance_egress_blocked::InstanceEgressBlocked,
    ssm006_endpoint_ingress_blocked::EndpointIngressBlocked,
    ssm007_nacl_blocks_https::NaclBlocksHttps,
    ssm008_endpoint_region_mismatch::EndpointRegionMismatch,
    ssm009_endpoint_az_gap::EndpointAzGap,
    ssm010_instance_profile_missing::InstanceProfileMissing,
    ssm011_imds_disabled::ImdsDisabled,
    ssm012_endpoint_policy_restrictive::EndpointPolicyRestrictive,
    ssm013_session_logging_path_missing::SessionLoggingPathMissing,
    ssm014_reachability_regression::ReachabilityRegression,
    ssm015_instance_role_permissions_missing::InstanceRolePermissionsMissing,
    net001_egress_open_world::EgressOpenWorld,
    net002_admin_port_open::AdminPortOpen,
    net003_endpoint_ingress_broad::EndpointIngressBroad,
    net004_public_ip_on_private_instance::PublicIpOnPrivateInstance,
    net005_ssh_key_pair::SshKeyPair,
    tfr001_unresolved_reference::UnresolvedReference,
    tfr002_unmodelled_compute::UnmodelledCompute,
}

pub fn by_id(id: &str) -> Option<&'static dyn AnyRule> {
    all().iter().copied().find(|r| r.meta().id.eq_ignore_ascii_case(id))
}

/// A rule by id or by name (`SSM005`, `instance-egress-blocked`).
pub fn by_id_or_name(s: &str) -> Option<&'static dyn AnyRule> {
    by_id(s).or_else(|| all().iter().copied().find(|r| r.meta().name.eq_ignore_ascii_case(s.trim())))
}

/// Everything a rule may read.
pub struct RuleContext<'r, 'n, 'm, 'a> {
    pub net: &'n Network<'m, 'a>,
    pub reach: &'r Reach<'n, 'm, 'a>,
    /// Reachability of every instance that must be reachable.
    pub instances: &'r [InstanceReach],
    /// For a plan with a prior state: every instance before the plan.
    pub before: Option<&'r crate::reach::change::Before>,
}

/// What a finding says, in words: one function for the message, one for the help.
pub trait Message: Send + Sync + Debug {
    /// What is wrong and why (lowercase, no trailing period).
    fn message(&self, net: &Network<'_, '_>) -> String;
    /// What to do.
    fn help(&self, net: &Network<'_, '_>) -> String;
}

/// One problem: data only. Rendering is the report layer's job.
#[derive(Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub certainty: Certainty,
    /// The resource the finding is about (where the fix goes).
    pub resource: NodeId,
    pub related: Vec<NodeId>,
    pub payload: Box<dyn Message>,
    /// The hop that fails, when the finding is about a path.
    pub hop: Option<Hop>,
    /// The explanation code, when the finding is about a path or a check.
    pub code: Option<Code>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, resource: NodeId, payload: impl Message + 'static) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            certainty: Certainty::Definite,
            resource,
            related: Vec::new(),
            payload: Box::new(payload),
            hop: None,
            code: None,
        }
    }

    pub fn certainty(mut self, c: Certainty) -> Finding {
        self.certainty = c;
        self
    }

    pub fn related(mut self, related: impl IntoIterator<Item = NodeId>) -> Finding {
        for t in related {
            if t != self.resource && !self.related.contains(&t) {
                self.related.push(t);
            }
        }
        self
    }

    pub fn code(mut self, code: Code) -> Finding {
        self.code = Some(code);
        self
    }

    /// The hop the finding is about; its code becomes the finding's.
    pub fn hop(mut self, hop: Hop) -> Finding {
        self.code = self.code.or(hop.code());
        self.hop = Some(hop);
        self
    }

    /// A hop that tells more, for machine output, without being what the finding explains
    /// (its code stays out of the finding's).
    pub fn context(mut self, hop: Hop) -> Finding {
        self.hop = Some(hop);
        self
    }

    pub fn message(&self, net: &Network<'_, '_>) -> String {
        self.payload.message(net)
    }

    pub fn help(&self, net: &Network<'_, '_>) -> String {
        self.payload.help(net)
    }
}

/// Runs `rules` in parallel; the caller sorts.
pub fn run(rules: &[&'static dyn AnyRule], ctx: &RuleContext<'_, '_, '_, '_>, settings: &Settings) -> Vec<Finding> {
    rules.par_iter().flat_map_iter(|r| r.run(ctx, settings)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_is_registered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
            .filter(|f| f != "mod" && f != "helpers" && f != "testing")
            .collect();
        files.sort();
        let mut registered: Vec<String> = MODULES.iter().map(|m| m.to_string()).collect();
        registered.sort();
        assert_eq!(files, registered, "every rule file is in the `rules!` list, and only those");
    }

    #[test]
    fn ids_and_names_are_unique_and_files_are_named_after_them() {
        let mut ids: Vec<&str> = all().iter().map(|r| r.meta().id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all().len());
        for (module, rule) in MODULES.iter().zip(all()) {
            let m = rule.meta();
            let expected = format!("{}_{}", m.id.to_ascii_lowercase(), m.name.replace('-', "_"));
            assert_eq!(*module, expected, "a rule file is named after its id and name");
        }
    }

    #[test]
    fn rules_are_found_by_id_and_by_name() {
        assert_eq!(by_id_or_name("ssm005").map(|r| r.meta().id), Some("SSM005"));
        assert_eq!(by_id_or_name("instance-egress-blocked").map(|r| r.meta().id), Some("SSM005"));
        assert!(by_id_or_name("nope").is_none());
    }
}
