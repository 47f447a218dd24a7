//! Running the pipeline on one input and keeping what reports need, owned, so that several
//! inputs can be analysed in parallel and reported together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::config::Config;
use crate::graph::Network;
use crate::graph::views::ComputeView;
use crate::model::{Kind, Model, ResId};
use crate::plan::{self, Document, DocumentKind, LoadError, SourceFile};
use crate::policy::{self, Baseline, Suppression};
use crate::reach::{Assumptions, Certainty, Code, InstanceReach, Reach, Tri, Verdict, Via};
use crate::report::resolution::{ResolutionCounts, resolution_summary};
use crate::resolve::{Link, LocalSource, Resolution, Target};
use crate::rules::{self, Finding, Rule, RuleContext, RuleSettings, Severity};
use crate::source::InlineIgnoreError;
use crate::source::{SourceTree, TfFile};

/// How to analyse: where the `.tf` sources are, the configuration, which rules run, and
/// which findings were accepted before.
#[derive(Clone, Default)]
pub struct Options {
    /// The root module's directory; by default the plan file's directory when it holds
    /// `.tf` files, else the working directory when it does.
    pub source_dir: Option<PathBuf>,
    pub config: Config,
    /// The rules to run (all when `None`).
    pub rules: Option<Vec<&'static dyn Rule>>,
    pub baseline: Option<Baseline>,
    /// The day waivers are checked against (today when `None`).
    pub today: Option<time::Date>,
}

impl Options {
    fn assumptions(&self) -> Assumptions {
        Assumptions { default_host_management: self.config.default_host_management }
    }
}

/// Every layer of one analysed input, borrowed for the length of a closure.
pub struct Context<'c, 'm, 'a> {
    pub doc: &'a Document<'a>,
    pub model: &'m Model<'a>,
    pub net: &'c Network<'m, 'a>,
    pub reach: &'c Reach<'c, 'm, 'a>,
    pub sources: Option<&'c SourceTree>,
}

/// Loads `source`, runs the pipeline and hands every layer to `f`.
pub fn with_context<T>(
    source: &SourceFile,
    options: &Options,
    f: impl FnOnce(&Context<'_, '_, '_>) -> T,
) -> Result<T, LoadError> {
    let doc = plan::load(source)?;
    let sources = source_root(source, options).map(|dir| SourceTree::discover(&dir, &doc.configuration));
    // A tree without a usable file still carries the notes that say why.
    let usable = sources.as_ref().filter(|s| !s.is_empty());
    let model = Model::build(&doc);
    let net = Network::build(&model, usable.map(|s| s as &dyn LocalSource));
    let reach = Reach::build(&net, options.assumptions());
    Ok(f(&Context { doc: &doc, model: &model, net: &net, reach: &reach, sources: sources.as_ref() }))
}

/// Where the root module's `.tf` files are (see [`Options::source_dir`]).
fn source_root(source: &SourceFile, options: &Options) -> Option<PathBuf> {
    if let Some(dir) = &options.source_dir {
        return Some(dir.clone());
    }
    let plan_dir = source
        .path
        .as_ref()
        .and_then(|p| p.parent())
        .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
    if let Some(dir) = plan_dir.filter(|d| has_tf_files(d)) {
        return Some(dir.to_path_buf());
    }
    std::env::current_dir().ok().filter(|d| has_tf_files(d))
}

fn has_tf_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "tf")))
        .unwrap_or(false)
}

/// A link as reports show it: resolved addresses and how.
#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    pub resolution: Resolution,
    /// Every address (or external id) the link may point at.
    pub targets: Vec<String>,
    /// True when the targets are alternatives (one of them is meant).
    pub candidates: bool,
    /// The configuration leaves the attribute unset.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unset: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

impl LinkReport {
    pub fn of(net: &Network<'_, '_>, link: &Link) -> Self {
        LinkReport {
            resolution: link.resolution,
            targets: link.targets().into_iter().map(|t| net.name(t)).collect(),
            candidates: link.slots.iter().any(|s| s.options.len() > 1),
            unset: link.unset,
            unresolved: link.dead_ends.clone(),
            fallback: link.fallback.clone(),
        }
    }
}

/// One service as seen from one instance.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceReport {
    pub verdict: Verdict,
    pub via: Via,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The rules whose findings explain why the service is not reachable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<&'static str>,
    /// What the plan does not tell about this path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
}

/// One instance (or autoscaling group, or spot request) and what it is attached to.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceReport {
    pub resource: String,
    pub vpc: LinkReport,
    pub subnets: LinkReport,
    pub security_groups: LinkReport,
    pub instance_profile: LinkReport,
    pub services: BTreeMap<&'static str, ServiceReport>,
    pub verdict: Verdict,
}

/// A place in a `.tf` file.
#[derive(Debug, Clone, Serialize)]
pub struct SourceLocation {
    /// Relative to the root module's directory.
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The file and byte span, for renderers that show the source.
    #[serde(skip)]
    pub excerpt: Option<(Arc<TfFile>, std::ops::Range<usize>)>,
}

/// Where a resource's object sits in the plan JSON (the fallback location).
#[derive(Debug, Clone, Serialize)]
pub struct PlanLocation {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    #[serde(skip)]
    pub len: usize,
}

/// A finding as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct FindingReport {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub certainty: Certainty,
    pub resource: String,
    pub related: Vec<String>,
    pub message: String,
    pub help: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation>,
    /// The first related resource's `.tf` location, for a second label.
    #[serde(skip)]
    pub related_source: Option<(String, SourceLocation)>,
    #[serde(skip)]
    pub plan_location: PlanLocation,
    /// The input the finding comes from.
    pub input: String,
}

/// Everything about one input that reports need.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    pub kind: DocumentKind,
    pub format_version: Option<String>,
    pub terraform_version: Option<String>,
    pub resources: usize,
    pub instances: Vec<InstanceReport>,
    pub findings: Vec<FindingReport>,
    /// Findings that inline ignores, waivers or the baseline suppress.
    pub suppressed: Vec<(FindingReport, Suppression)>,
    /// Malformed `tfreach:ignore` directives: the run ends with status 2.
    pub ignore_errors: Vec<InlineIgnoreError>,
    /// Directives attached to no block.
    pub ignore_warnings: Vec<InlineIgnoreError>,
    /// The human-readable resolution of every instance and endpoint.
    pub resolution_text: String,
    pub notes: Vec<String>,
    pub counts: LinkCounts,
    /// The input text, for renderers that point into the plan JSON.
    pub text: Arc<String>,
    /// The values Terraform marks sensitive: the output filter hides them.
    pub sensitive: crate::plan::SensitiveValues,
}

/// Resolution counts of the four links the foundation issue tracks.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct LinkCounts {
    pub instance_subnet: ResolutionCounts,
    pub instance_security_group: ResolutionCounts,
    pub endpoint_subnet: ResolutionCounts,
    pub endpoint_security_group: ResolutionCounts,
}

/// Loads and analyses one input.
pub fn analyze(source: &SourceFile, options: &Options) -> Result<FileReport, LoadError> {
    with_context(source, options, |ctx| report_of(source, options, ctx))
}

/// Whether an instance must be reachable under `[instances] require_tags`.
fn required(ctx: &Context<'_, '_, '_>, res: ResId, tags: &BTreeMap<String, String>) -> bool {
    if tags.is_empty() {
        return true;
    }
    let r = &ctx.model.resources[res];
    let own: BTreeMap<String, String> = r.after.get("tags").or_else(|| r.after.get("tags_all")).unwrap_or_default();
    // An autoscaling group carries its tags as `tag` blocks.
    let asg: BTreeMap<String, String> = r
        .after
        .blocks("tag")
        .iter()
        .filter_map(|b| Some((b.str("key")?.into_owned(), b.str("value")?.into_owned())))
        .collect();
    tags.iter().all(|(k, v)| own.get(k).or_else(|| asg.get(k)) == Some(v))
}

fn report_of(source: &SourceFile, options: &Options, ctx: &Context<'_, '_, '_>) -> FileReport {
    let (doc, model, net) = (ctx.doc, ctx.model, ctx.net);
    let instances: Vec<InstanceReach> =
        ctx.reach.instances().into_iter().filter(|i| required(ctx, i.res, &options.config.require_tags)).collect();
    let settings = RuleSettings { ssm_agent_version: options.config.ssm_agent_version.clone() };
    let rule_ctx = RuleContext { reach: ctx.reach, net, instances: &instances, settings: &settings };
    let selected: Vec<&'static dyn Rule> = options.rules.clone().unwrap_or_else(|| rules::all().to_vec());
    let all_findings: Vec<Finding> = rules::run(&selected, &rule_ctx);
    let today = options.today.unwrap_or_else(crate::config::today);
    let applied =
        policy::apply(&options.config, options.baseline.as_ref(), today, model, ctx.sources, all_findings.clone());
    let findings = applied.kept;

    let mut counts = LinkCounts::default();
    let instance_reports: Vec<InstanceReport> = instances
        .iter()
        .map(|inst| {
            let v: &ComputeView = &inst.view;
            counts.instance_subnet.add(&v.subnets);
            counts.instance_security_group.add(&v.security_groups);
            // Suppressed findings still explain why a service is blocked.
            instance_report(net, inst, &all_findings)
        })
        .collect();
    for r in model.resources.iter().filter(|r| r.kind == Kind::VpcEndpoint && !r.is_data()) {
        let v = net.endpoint_view(r);
        counts.endpoint_subnet.add(&v.subnets);
        counts.endpoint_security_group.add(&v.security_groups);
    }
    let order = |a: &FindingReport, b: &FindingReport| {
        (a.severity, a.rule, &a.resource, &a.message).cmp(&(b.severity, b.rule, &b.resource, &b.message))
    };
    // Where each finding's resource sits in the plan JSON, found in one pass over the text.
    let offsets: Vec<usize> = findings
        .iter()
        .chain(applied.suppressed.iter().map(|(f, _)| f))
        .map(|f| model.resources[f.resource].inst.span.offset)
        .collect();
    let mut positions = crate::plan::error::line_columns(doc.text, &offsets).into_iter();
    let mut finding_reports: Vec<FindingReport> =
        findings.iter().map(|f| finding_report(source, ctx, f, positions.next().unwrap_or((1, 1)))).collect();
    finding_reports.sort_by(order);
    let mut suppressed: Vec<(FindingReport, Suppression)> = applied
        .suppressed
        .iter()
        .map(|(f, why)| (finding_report(source, ctx, f, positions.next().unwrap_or((1, 1))), why.clone()))
        .collect();
    suppressed.sort_by(|a, b| order(&a.0, &b.0));
    let mut notes = doc.notes.clone();
    notes.extend(applied.notes);
    if let Some(s) = ctx.sources {
        notes.extend(s.notes().iter().cloned());
    }
    FileReport {
        path: source.name.clone(),
        kind: doc.kind,
        format_version: doc.format_version.as_deref().map(str::to_string),
        terraform_version: doc.terraform_version.as_deref().map(str::to_string),
        resources: doc.resources.len(),
        instances: instance_reports,
        findings: finding_reports,
        suppressed,
        ignore_errors: applied.errors,
        ignore_warnings: applied.warnings,
        resolution_text: resolution_summary(net),
        notes,
        counts,
        text: source.text.clone(),
        sensitive: doc.sensitive.clone(),
    }
}

fn instance_report(net: &Network<'_, '_>, inst: &InstanceReach, findings: &[Finding]) -> InstanceReport {
    let v = &inst.view;
    let mut services = BTreeMap::new();
    for s in &inst.services {
        let mut blocked_by: Vec<&'static str> = Vec::new();
        // Only an unreachable service is blocked; an unknown one lists what is unresolved.
        if s.outcome == Tri::No {
            for f in findings {
                let about = f.resource == inst.res || f.related.contains(&Target::Resource(inst.res));
                let explains = f.code.is_some_and(|c| {
                    s.all.iter().map(|l| &l.path).any(|p| {
                        p.hops.iter().any(|h| h.outcome != Tri::Yes && h.code == Some(c))
                            || p.bypassed.iter().any(|(_, b)| *b == c)
                    })
                });
                if about && explains && !blocked_by.contains(&f.rule.id) {
                    blocked_by.push(f.rule.id);
                }
            }
            blocked_by.sort_unstable();
        }
        let mut unresolved: Vec<String> = Vec::new();
        for p in s.all.iter().map(|l| &l.path) {
            for h in &p.hops {
                for u in &h.unresolved {
                    if !unresolved.contains(u) {
                        unresolved.push(u.clone());
                    }
                }
            }
        }
        if s.all.is_empty() {
            unresolved.extend(s.path.hops.iter().flat_map(|h| h.unresolved.iter().cloned()));
        }
        services.insert(
            s.service.name(),
            ServiceReport {
                verdict: s.outcome.into(),
                via: s.path.via,
                endpoint: s.path.endpoint.map(|e| net.model.resources[e].address().to_string()),
                blocked_by,
                unresolved,
            },
        );
    }
    InstanceReport {
        resource: net.model.resources[inst.res].address().to_string(),
        vpc: LinkReport::of(net, &v.vpc),
        subnets: LinkReport::of(net, &v.subnets),
        security_groups: LinkReport::of(net, &v.security_groups),
        instance_profile: LinkReport::of(net, &v.instance_profile),
        services,
        verdict: inst.verdict(),
    }
}

/// The `.tf` block of a resource, when the sources have it.
pub fn block_location(ctx: &Context<'_, '_, '_>, res: ResId) -> Option<SourceLocation> {
    let sources = ctx.sources?;
    let r = &ctx.model.resources[res];
    let block = sources.resource_block(&r.module().config_path(), &r.inst.addr.config_address())?;
    let header = &block.header;
    Some(SourceLocation {
        file: header.file.relative_path().display().to_string(),
        line: header.line,
        column: header.column,
        excerpt: Some((header.file.clone(), header.span.clone())),
    })
}

/// Related resources as Terraform addresses: a VPC's implicit default stands for the VPC;
/// identifiers the plan does not manage have no address and are left out.
fn related_addresses(net: &Network<'_, '_>, related: &[Target]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in related {
        let address = match t {
            Target::Resource(id) => net.model.resources[*id].address(),
            Target::VpcDefault(_, vpc) => net.model.resources[*vpc].address(),
            Target::External(_) => continue,
        };
        if !out.iter().any(|a| a == address) {
            out.push(address.to_string());
        }
    }
    out
}

fn finding_report(
    source: &SourceFile,
    ctx: &Context<'_, '_, '_>,
    f: &Finding,
    (line, column): (usize, usize),
) -> FindingReport {
    let net = ctx.net;
    let r = &ctx.model.resources[f.resource];
    let related_source = f.related.iter().find_map(|t| match t {
        Target::Resource(id) => block_location(ctx, *id).map(|l| (net.name(t), l)),
        _ => None,
    });
    FindingReport {
        rule: f.rule.id,
        name: f.rule.name,
        severity: f.severity,
        certainty: f.certainty,
        resource: r.address().to_string(),
        related: related_addresses(net, &f.related),
        message: f.message.clone(),
        help: f.help.clone(),
        code: f.code.map(Code::name),
        source: block_location(ctx, f.resource),
        related_source,
        plan_location: PlanLocation { line, column, offset: r.inst.span.offset, len: r.inst.span.len },
        input: source.name.clone(),
    }
}
