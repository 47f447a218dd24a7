//! What one analysed input leaves behind, owned: every instance's verdict with its paths,
//! every finding with its words and data, the resolved links. Reports render these; the
//! network they came from is gone by then.

use std::ops::Range;
use std::sync::Arc;

use crate::network::ResolutionCounts;
use crate::network::Service;
use crate::plan::DocumentKind;
use crate::policy::Suppression;
use crate::reach::{Certainty, Code, HopKind, Tri, Verdict, Via};
use crate::resolve::Resolution;
use crate::rules::{Category, Severity};
use crate::source::{InlineIgnoreError, TfFile};

/// A link as reports show it: resolved addresses and how.
#[derive(Debug, Clone)]
pub struct LinkReport {
    pub resolution: Resolution,
    /// Each slot's options (one slot per member of a list; several options: one is meant).
    pub slots: Vec<Vec<String>>,
    /// The configuration leaves the attribute unset.
    pub unset: bool,
    /// References that could not be followed.
    pub unresolved: Vec<String>,
    pub fallback: Option<String>,
}

impl LinkReport {
    /// Every address (or external id) the link may point at, in order.
    pub fn targets(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in self.slots.iter().flatten() {
            if !out.contains(t) {
                out.push(t.clone());
            }
        }
        out
    }

    /// Whether some slot has several options.
    pub fn candidates(&self) -> bool {
        self.slots.iter().any(|s| s.len() > 1)
    }
}

/// One hop of a path, in words and data.
#[derive(Debug, Clone)]
pub struct HopReport {
    pub kind: HopKind,
    pub outcome: Tri,
    pub code: Option<Code>,
    pub resources: Vec<String>,
    pub detail: String,
    pub fix: Option<String>,
    /// The hop's typed data (direction, ports, peers, rules, …) for machine output.
    pub data: serde_json::Value,
}

/// One service as seen from one instance.
#[derive(Debug, Clone)]
pub struct ServiceReport {
    pub service: Service,
    pub verdict: Verdict,
    pub via: Via,
    pub endpoint: Option<String>,
    /// The location the shown path starts from.
    pub from: Option<String>,
    /// How many candidate locations were evaluated.
    pub locations: usize,
    /// The rules whose findings explain why the service is not reachable.
    pub blocked_by: Vec<&'static str>,
    /// What the plan does not tell about this path.
    pub unresolved: Vec<String>,
    /// The shown path, hop by hop.
    pub hops: Vec<HopReport>,
    /// The hop that blocks, when the service is not reachable, and how certainly.
    pub blocked: Option<(HopReport, Certainty)>,
}

/// A check on the instance itself (identity, metadata service).
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub outcome: Tri,
    pub detail: String,
}

/// One instance (or group, or spot request) with its links, paths and verdict.
#[derive(Debug, Clone)]
pub struct InstanceReport {
    pub resource: String,
    pub type_name: String,
    pub vpc: LinkReport,
    pub subnets: LinkReport,
    pub security_groups: LinkReport,
    pub instance_profile: LinkReport,
    pub launch_spec: Option<LinkReport>,
    pub services: Vec<ServiceReport>,
    pub identity: CheckReport,
    pub metadata_service: CheckReport,
    pub verdict: Verdict,
    /// For a plan with a prior state: the verdict before the plan (none for a new instance).
    pub before: Option<Verdict>,
    /// For a verdict other than `reachable`: the rules whose findings explain it (network,
    /// credentials, metadata service, what the plan does not tell), by id.
    pub explained_by: Vec<&'static str>,
    /// What the plan does not tell.
    pub unresolved: Vec<String>,
}

/// A place in a `.tf` file.
#[derive(Debug, Clone)]
pub struct SourceLocation {
    /// Relative to the repository root (see [`super::paths`]), with `/` separators.
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The file and byte span, for renderers that show the source.
    pub excerpt: Option<(Arc<TfFile>, Range<usize>)>,
}

/// Where a resource's object sits in the plan JSON (the fallback location).
#[derive(Debug, Clone, Copy)]
pub struct PlanLocation {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub len: usize,
}

/// A finding as reports show it.
#[derive(Debug, Clone)]
pub struct FindingReport {
    pub rule: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub certainty: Certainty,
    pub resource: String,
    pub related: Vec<String>,
    pub message: String,
    pub help: String,
    pub code: Option<Code>,
    /// The hop that fails, when the finding is about a path.
    pub hop: Option<HopReport>,
    pub source: Option<SourceLocation>,
    /// The first related resource's `.tf` location, for a second label.
    pub related_source: Option<(String, SourceLocation)>,
    pub plan_location: PlanLocation,
    /// The input the finding comes from, as given.
    pub input: String,
    /// The input's path relative to the repository root (none: standard input).
    pub input_file: Option<String>,
    /// The resource's module (call names from the root) and address inside it.
    pub config_path: Vec<String>,
    pub config_address: String,
}

impl FindingReport {
    /// An identifier that stays the same when the same finding is reported again: the rule,
    /// the resource and the input, hashed (FNV-1a 64, a fixed algorithm), in hex. Messages
    /// and line numbers may change between runs; these do not.
    pub fn fingerprint(&self) -> String {
        use std::hash::Hasher;
        let mut h = fnv::FnvHasher::default();
        for part in [self.rule, self.resource.as_str(), self.input.as_str()] {
            h.write(part.as_bytes());
            h.write_u8(0);
        }
        format!("{:016x}", h.finish())
    }
}

/// A compute resource or endpoint and how its links were resolved.
#[derive(Debug, Clone)]
pub struct ResolvedEntity {
    pub address: String,
    /// Its type, or an endpoint's service name.
    pub label: String,
    pub links: Vec<(&'static str, LinkReport)>,
}

/// Resolution counts of the four links the foundation issue tracks.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkCounts {
    pub instance_subnet: ResolutionCounts,
    pub instance_security_group: ResolutionCounts,
    pub endpoint_subnet: ResolutionCounts,
    pub endpoint_security_group: ResolutionCounts,
}

/// Everything about one input that reports need.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    pub kind: DocumentKind,
    pub format_version: Option<String>,
    pub terraform_version: Option<String>,
    pub resources: usize,
    /// Sorted by address.
    pub instances: Vec<InstanceReport>,
    pub findings: Vec<FindingReport>,
    /// Findings that inline ignores, waivers or the baseline suppress.
    pub suppressed: Vec<(FindingReport, Suppression)>,
    /// Malformed `tfreach:ignore` directives: the run ends with status 2.
    pub ignore_errors: Vec<InlineIgnoreError>,
    /// Directives attached to no block.
    pub ignore_warnings: Vec<InlineIgnoreError>,
    /// Every instance and endpoint with its resolved links, sorted by address.
    pub resolution: Vec<ResolvedEntity>,
    pub notes: Vec<String>,
    pub counts: LinkCounts,
    /// The input text, for renderers that point into the plan JSON.
    pub text: Arc<String>,
    /// The values Terraform marks sensitive: the output filter hides them.
    pub sensitive: crate::plan::SensitiveValues,
    /// What the locations of this input's findings are relative to.
    pub repo_root: std::path::PathBuf,
    /// (rule, resource) of every finding before waivers and the baseline: what they can
    /// match.
    pub finding_keys: std::collections::BTreeSet<(String, String)>,
}
