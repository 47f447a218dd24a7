//! `tfreach hook`: the pre-commit hook. A plan-based check has to run when the `.tf` files
//! change, not only when a plan file is staged (which would push teams to commit plans and
//! their secrets): the hook takes the plans to check from `--plan` and from `[hook] plans`
//! in `tfreach.toml`, adds the staged files that are plans, and checks each one — first that
//! it is not stale (the `.tf` files beside it declare the resources and modules the plan's
//! configuration does), then as `tfreach check` does. Staged JSON files that are not plans
//! (`docs/explanation.json`) are left alone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::ExitStatus;
use super::args::{CheckArgs, CheckFormat, ConfigArgs, FailOnCertainty, HookArgs, SourceArgs};
use crate::config::Config;
use crate::output;
use crate::plan::{self, SourceFile};
use crate::source::SourceTree;

pub fn run(args: &HookArgs) -> ExitStatus {
    let root = crate::engine::paths::repo_root(None, None);
    let config = match Config::discover(args.config.config.as_deref(), None, &root) {
        Ok(c) => c,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    let mut plans: Vec<PathBuf> = args.plans.iter().map(PathBuf::from).collect();
    let config_dir = config.path.as_deref().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    plans.extend(config.hook_plans.iter().map(|p| config_dir.join(p)));
    let mut changed_tf: Vec<&str> = Vec::new();
    for f in &args.files {
        if f.ends_with(".tf") || f.ends_with(".tfvars") || f.ends_with(".tf.json") {
            changed_tf.push(f);
        } else if is_plan(f) {
            plans.push(PathBuf::from(f));
        }
    }
    // Shown relative to where the hook runs (the repository root, under pre-commit).
    let cwd = std::env::current_dir().unwrap_or_default();
    for p in &mut plans {
        if let Ok(rel) = p.strip_prefix(&cwd) {
            *p = rel.to_path_buf();
        }
    }
    let mut seen = BTreeSet::new();
    plans.retain(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
    if plans.is_empty() {
        if !changed_tf.is_empty() {
            output::errln(&format!(
                "tfreach: {} changed, but no plan is configured to check: add `[hook] plans = [\"path/to/plan.json\"]` to tfreach.toml, or `args: [--plan, path/to/plan.json]` to the hook",
                changed_tf.join(", ")
            ));
        }
        return ExitStatus::Clean;
    }
    let mut status = ExitStatus::Clean;
    let mut fresh: Vec<String> = Vec::new();
    for plan in &plans {
        match stale(plan) {
            Ok(None) => fresh.push(plan.display().to_string()),
            Ok(Some(why)) => {
                output::errln(&format!(
                    "tfreach: {} is stale: {why}; run terraform plan again (`terraform plan -out tfplan && terraform show -json tfplan > {}`)",
                    plan.display(),
                    plan.file_name().map_or_else(|| "plan.json".into(), |n| n.to_string_lossy().into_owned())
                ));
                status = status.max(ExitStatus::Findings);
            }
            Err(e) => {
                output::diagnostic(e);
                status = ExitStatus::Error;
            }
        }
        for tf in newer_sources(plan, &changed_tf) {
            output::errln(&format!(
                "tfreach: warning: {tf} changed after {} was written; if it changes what the plan creates, run terraform plan again",
                plan.display()
            ));
        }
    }
    if fresh.is_empty() {
        return status;
    }
    let check = CheckArgs {
        plans: fresh,
        format: CheckFormat::Human,
        fail_on: args.fail_on,
        fail_on_certainty: FailOnCertainty::Definite,
        config: ConfigArgs { config: args.config.config.clone() },
        baseline: args.baseline.clone(),
        select: Vec::new(),
        ignore: Vec::new(),
        sources: SourceArgs { source_dir: None, repo_root: None },
        verbose: false,
    };
    status.max(super::check::run(&check))
}

/// Whether a staged file is a plan: a saved plan by name, or JSON that loads as a plan or
/// state. Anything else that merely matched the hook's pattern is not checked.
fn is_plan(file: &str) -> bool {
    let name = Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name == "tfplan" || name.ends_with(".tfplan") {
        return true;
    }
    name.ends_with(".json") && SourceFile::read(file).is_ok_and(|s| plan::load(&s).is_ok())
}

/// Why the plan no longer matches the `.tf` files beside it: the blocks the sources declare
/// that its configuration lacks, and the reverse. `None` when they agree, or when there are
/// no sources to compare with.
fn stale(plan: &Path) -> Result<Option<String>, plan::LoadError> {
    let source = SourceFile::read(&plan.display().to_string())?;
    let doc = plan::load(&source)?;
    if doc.kind != plan::DocumentKind::Plan {
        return Ok(None);
    }
    let dir = plan.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tree = SourceTree::discover(dir, &doc.configuration);
    let Some(declared) = tree.root_declarations() else { return Ok(None) };
    let root = &doc.configuration.root_module;
    let mut planned: BTreeSet<String> = root.resources.iter().map(|r| r.address.to_string()).collect();
    planned.extend(root.module_calls.iter().map(|(name, _)| format!("module.{name}")));
    planned.retain(|a| !a.starts_with("ephemeral."));
    let list = |set: Vec<&String>| {
        let shown: Vec<&str> = set.iter().take(5).map(|s| s.as_str()).collect();
        let more = if set.len() > 5 { format!(" and {} more", set.len() - 5) } else { String::new() };
        format!("{}{more}", shown.join(", "))
    };
    let added: Vec<&String> = declared.difference(&planned).collect();
    let removed: Vec<&String> = planned.difference(&declared).collect();
    let mut why = Vec::new();
    if !added.is_empty() {
        why.push(format!("the .tf files in {} declare {} that the plan lacks", dir.display(), list(added)));
    }
    if !removed.is_empty() {
        why.push(format!("the plan has {} that the .tf files no longer declare", list(removed)));
    }
    Ok((!why.is_empty()).then(|| why.join("; ")))
}

/// The changed `.tf`/`.tfvars` files in the plan's directory written after the plan.
fn newer_sources<'f>(plan: &Path, changed: &[&'f str]) -> Vec<&'f str> {
    let Ok(planned) = std::fs::metadata(plan).and_then(|m| m.modified()) else { return Vec::new() };
    let dir = plan.parent().map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()));
    changed
        .iter()
        .copied()
        .filter(|f| {
            let p = Path::new(f);
            let same_dir = p.parent().map(|d| d.canonicalize().unwrap_or_else(|_| d.to_path_buf())) == dir;
            same_dir && std::fs::metadata(p).and_then(|m| m.modified()).is_ok_and(|t| t > planned)
        })
        .collect()
}
