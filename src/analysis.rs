//! Running the pipeline on one input and keeping what reports need, owned, so that several
//! inputs can be analysed in parallel and reported together.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::graph::Network;
use crate::graph::views::ComputeView;
use crate::model::Model;
use crate::plan::{self, Document, DocumentKind, LoadError, SourceFile};
use crate::reach::{Assumptions, Reach};
use crate::report::resolution::{ResolutionCounts, resolution_summary};
use crate::resolve::{Link, LocalSource, Resolution};
use crate::source::SourceTree;

/// How to analyse: where the `.tf` sources are and what to assume.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The root module's directory; by default the plan file's directory when it holds
    /// `.tf` files, else the working directory when it does.
    pub source_dir: Option<PathBuf>,
    pub assumptions: Assumptions,
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
    let sources = sources.filter(|s| !s.is_empty());
    let model = Model::build(&doc);
    let net = Network::build(&model, sources.as_ref().map(|s| s as &dyn LocalSource));
    let reach = Reach::build(&net, options.assumptions.clone());
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

/// One instance (or autoscaling group, or spot request) and what it is attached to.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceReport {
    pub resource: String,
    pub vpc: LinkReport,
    pub subnets: LinkReport,
    pub security_groups: LinkReport,
    pub instance_profile: LinkReport,
}

/// Everything about one input that reports need.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    pub kind: DocumentKind,
    pub format_version: Option<String>,
    pub terraform_version: Option<String>,
    pub resources: usize,
    pub instances: Vec<InstanceReport>,
    /// The human-readable resolution of every instance and endpoint.
    #[serde(skip)]
    pub resolution_text: String,
    pub notes: Vec<String>,
    #[serde(skip)]
    pub counts: LinkCounts,
}

/// Resolution counts of the four links the issue tracks.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct LinkCounts {
    pub instance_subnet: ResolutionCounts,
    pub instance_security_group: ResolutionCounts,
    pub endpoint_subnet: ResolutionCounts,
    pub endpoint_security_group: ResolutionCounts,
}

/// Loads and analyses one input.
pub fn analyze(source: &SourceFile, options: &Options) -> Result<FileReport, LoadError> {
    with_context(source, options, |ctx| report_of(source, ctx))
}

fn report_of(source: &SourceFile, ctx: &Context<'_, '_, '_>) -> FileReport {
    let (doc, model, net) = (ctx.doc, ctx.model, ctx.net);
    let mut counts = LinkCounts::default();
    let mut instances: Vec<InstanceReport> = model
        .compute()
        .map(|r| {
            let v: ComputeView = net.compute_view(r);
            counts.instance_subnet.add(&v.subnets);
            counts.instance_security_group.add(&v.security_groups);
            InstanceReport {
                resource: r.address().to_string(),
                vpc: LinkReport::of(net, &v.vpc),
                subnets: LinkReport::of(net, &v.subnets),
                security_groups: LinkReport::of(net, &v.security_groups),
                instance_profile: LinkReport::of(net, &v.instance_profile),
            }
        })
        .collect();
    instances.sort_by(|a, b| a.resource.cmp(&b.resource));
    for r in model.resources.iter().filter(|r| r.kind == crate::model::Kind::VpcEndpoint && !r.is_data()) {
        let v = net.endpoint_view(r);
        counts.endpoint_subnet.add(&v.subnets);
        counts.endpoint_security_group.add(&v.security_groups);
    }
    let mut notes = doc.notes.clone();
    if let Some(s) = ctx.sources {
        notes.extend(s.notes().iter().cloned());
    }
    FileReport {
        path: source.name.clone(),
        kind: doc.kind,
        format_version: doc.format_version.as_deref().map(str::to_string),
        terraform_version: doc.terraform_version.as_deref().map(str::to_string),
        resources: doc.resources.len(),
        instances,
        resolution_text: resolution_summary(net),
        notes,
        counts,
    }
}
