//! The engine: run the pipeline on one input — load, model, resolve and build the network,
//! reachability, rules, policy — and keep what reports need, owned, so that several inputs
//! can be analysed in parallel and reported together.

mod convert;
pub mod paths;
pub mod results;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::model::Model;
use crate::network::Network;
use crate::plan::{self, Document, LoadError, SourceFile};
use crate::policy::{self, Baseline};
use crate::reach::change::Before;
use crate::reach::{Assumptions, InstanceReach, Reach};
use crate::resolve::LocalSource;
use crate::rules::{self, AnyRule, RuleContext, Settings};
use crate::source::SourceTree;
pub use results::*;

/// How to analyse: where the `.tf` sources are, the configuration, which rules run, and
/// which findings were accepted before.
#[derive(Clone, Default)]
pub struct Options {
    /// The root module's directory; by default the plan file's directory when it holds
    /// `.tf` files, else the working directory when it does.
    pub source_dir: Option<PathBuf>,
    pub config: Config,
    /// The rules to run (all when `None`).
    pub rules: Option<Vec<&'static dyn AnyRule>>,
    pub baseline: Option<Baseline>,
    /// The day waivers are checked against (today when `None`).
    pub today: Option<time::Date>,
    /// Keep every service's path hop by hop in the result (`tfreach reach`), not only the
    /// hop that blocks.
    pub paths: bool,
    /// What locations are relative to (`--repo-root`); by default the git top level above
    /// the plan, else the working directory (see [`paths::repo_root`]).
    pub repo_root: Option<PathBuf>,
}

impl Options {
    fn assumptions(&self) -> Assumptions {
        Assumptions { default_host_management: self.config.default_host_management }
    }

    fn settings(&self) -> Settings {
        Settings { ssm_agent_version: self.config.ssm_agent_version.clone() }
    }
}

/// Every layer of one analysed input, borrowed for the length of a closure.
pub struct Context<'c, 'm, 'a> {
    pub doc: &'a Document<'a>,
    pub model: &'m Model<'a>,
    pub net: &'c Network<'m, 'a>,
    pub reach: &'c Reach<'c, 'm, 'a>,
    pub sources: Option<&'c SourceTree>,
    /// For a plan with a prior state: every instance in the world before the plan.
    pub before: Option<&'c Before>,
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
    let locals = usable.map(|s| s as &dyn LocalSource);
    let (model, before) = rayon::join(|| Model::build(&doc), || before_world(&doc, locals, options));
    let net = Network::build(&model, locals);
    let reach = Reach::new(&net, options.assumptions());
    let ctx = Context {
        doc: &doc,
        model: &model,
        net: &net,
        reach: &reach,
        sources: sources.as_ref(),
        before: before.as_ref(),
    };
    Ok(f(&ctx))
}

/// The world before a plan with a prior state, analysed as the plan's is.
fn before_world<'a>(doc: &'a Document<'a>, locals: Option<&dyn LocalSource>, options: &Options) -> Option<Before> {
    // Without an instance before the plan, nothing can regress.
    let compute_before = doc.prior.iter().any(|r| {
        r.addr.mode == crate::plan::Mode::Managed && crate::model::Kind::from_type(&r.addr.type_).is_compute()
    });
    if !compute_before {
        return None;
    }
    let model = Model::before(doc);
    let net = Network::build(&model, locals);
    let reach = Reach::new(&net, options.assumptions());
    Some(Before::of(&net, &reach.instances()))
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

/// Loads and analyses one input.
pub fn analyze(source: &SourceFile, options: &Options) -> Result<FileReport, LoadError> {
    with_context(source, options, |ctx| report_of(source, options, ctx))
}

/// Whether an instance must be reachable under `[instances] require_tags`.
fn required(ctx: &Context<'_, '_, '_>, inst: &InstanceReach, tags: &BTreeMap<String, String>) -> bool {
    if tags.is_empty() {
        return true;
    }
    let own = &ctx.net.compute[inst.compute].tags;
    tags.iter().all(|(k, v)| own.iter().any(|(ok, ov)| ok == k && ov == v))
}

fn report_of(source: &SourceFile, options: &Options, ctx: &Context<'_, '_, '_>) -> FileReport {
    let (doc, net) = (ctx.doc, ctx.net);
    let instances: Vec<InstanceReach> =
        ctx.reach.instances().into_iter().filter(|i| required(ctx, i, &options.config.require_tags)).collect();
    let rule_ctx = RuleContext { net, reach: ctx.reach, instances: &instances, before: ctx.before };
    let selected: Vec<&'static dyn AnyRule> = options.rules.clone().unwrap_or_else(|| rules::all().to_vec());
    let found = rules::run(&selected, &rule_ctx, &options.settings());
    let root = paths::repo_root(options.repo_root.as_deref(), source.path.as_deref());
    let conv = convert::Converter::new(ctx, source, options.paths, root.clone());
    let rendered: Vec<FindingReport> = found.iter().map(|f| conv.finding(f)).collect();
    let today = options.today.unwrap_or_else(crate::config::today);
    let blocks = convert::blocks(ctx);
    let finding_keys = rendered.iter().map(|f| (f.rule.to_string(), f.resource.clone())).collect();
    let scope = policy::Scope { today, blocks: &blocks, sources: ctx.sources, root: &root };
    let applied = policy::apply(&options.config, options.baseline.as_ref(), &scope, rendered.clone());
    let by_instance = convert::findings_by_instance(&found);
    let mut instance_reports: Vec<InstanceReport> =
        instances.iter().map(|inst| conv.instance(inst, &by_instance)).collect();
    instance_reports.sort_by(|a, b| a.resource.cmp(&b.resource));
    let mut counts = LinkCounts::default();
    for inst in &instances {
        let c = &net.compute[inst.compute];
        counts.instance_subnet.add(net.link(c.placement.subnets));
        counts.instance_security_group.add(net.link(c.placement.groups));
    }
    for e in &net.endpoints {
        counts.endpoint_subnet.add(net.link(e.subnets));
        counts.endpoint_security_group.add(net.link(e.groups));
    }
    let order = |a: &FindingReport, b: &FindingReport| {
        (a.severity, a.rule, &a.resource, &a.message).cmp(&(b.severity, b.rule, &b.resource, &b.message))
    };
    let mut findings = applied.kept;
    let mut suppressed = applied.suppressed;
    conv.locate(findings.iter_mut().chain(suppressed.iter_mut().map(|(f, _)| f)));
    findings.sort_by(order);
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
        findings,
        suppressed,
        ignore_errors: applied.errors,
        ignore_warnings: applied.warnings,
        resolution: conv.resolution(),
        notes,
        counts,
        text: source.text.clone(),
        sensitive: doc.sensitive.clone(),
        repo_root: root,
        finding_keys,
    }
}
