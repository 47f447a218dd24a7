//! `tfreach check`.

use rayon::prelude::*;

use super::ExitStatus;
use super::args::{CheckArgs, CheckFormat};
use crate::config::Config;
use crate::engine::{FileReport, Options, analyze};
use crate::output;
use crate::plan::SourceFile;
use crate::policy::{Baseline, select_rules};
use crate::report;

pub fn run(args: &CheckArgs) -> ExitStatus {
    if args.plans.iter().filter(|p| *p == "-").count() > 1 {
        output::errln("tfreach: standard input (`-`) can be given only once");
        return ExitStatus::Error;
    }
    // The first plan's directory decides the configuration (and its repository root).
    let first = args.plans.first().filter(|p| *p != "-").map(std::path::Path::new);
    let root = crate::engine::paths::repo_root(args.sources.repo_root.as_deref(), first);
    let config = match Config::discover(args.config.config.as_deref(), first, &root) {
        Ok(c) => c,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    let rules = match select_rules(&config, &args.select, &args.ignore) {
        Ok(r) => r,
        Err(msg) => {
            output::errln(&format!("tfreach: {msg}"));
            return ExitStatus::Error;
        }
    };
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(b) => b,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    let options = Options {
        source_dir: args.sources.source_dir.clone(),
        repo_root: args.sources.repo_root.clone(),
        config,
        rules: Some(rules),
        baseline,
        ..Options::default()
    };
    let results: Vec<_> =
        args.plans.par_iter().map(|p| SourceFile::read(p).and_then(|src| analyze(&src, &options))).collect();
    // Every input's secrets are hidden before anything about any input is written.
    for r in results.iter().flatten() {
        output::protect(&r.sensitive);
    }
    // One unusable input does not hide the report on the others; the run still fails.
    let mut status = ExitStatus::Clean;
    let mut reports: Vec<FileReport> = Vec::new();
    for r in results {
        match r {
            Ok(rep) => reports.push(rep),
            Err(e) => {
                output::diagnostic(e);
                status = ExitStatus::Error;
            }
        }
    }
    // A malformed suppression makes its input unusable: it would silently suppress nothing.
    reports.retain(|r| {
        for w in &r.ignore_warnings {
            output::diagnostic(w.clone());
        }
        for e in &r.ignore_errors {
            output::diagnostic(e.clone());
        }
        r.ignore_errors.is_empty()
    });
    if reports.len() < args.plans.len() {
        status = ExitStatus::Error;
    }
    if reports.is_empty() {
        return status;
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    unmatched_suppressions(&options, &reports);
    let format = match args.format {
        CheckFormat::Human => report::Format::Human,
        CheckFormat::Json => report::Format::Json,
        CheckFormat::Sarif => report::Format::Sarif,
        CheckFormat::Junit => report::Format::Junit,
        CheckFormat::Github => report::Format::Github,
        CheckFormat::Gitlab => report::Format::Gitlab,
        CheckFormat::Gcc => report::Format::Gcc,
    };
    let style = report::human::Style { verbose: args.verbose, ..report::human::Style::for_stdout() };
    let how = report::Render { style, fails: &|f| args.fails(f) };
    let text = report::render(format, &reports, &how);
    output::out(&text);
    let failing = reports.iter().flat_map(|r| &r.findings).any(|f| args.fails(f));
    status.max(if failing { ExitStatus::Findings } else { ExitStatus::Clean })
}

/// Waivers and baseline entries that match no finding of any input: stale after a rename or
/// a fix, or a typo in the address. Said on standard error, not fatal.
fn unmatched_suppressions(options: &Options, reports: &[FileReport]) {
    let matches = |rule: &str, resource: &str| {
        reports.iter().any(|r| r.finding_keys.contains(&(rule.to_string(), resource.to_string())))
    };
    let config = options.config.path.as_ref().map_or_else(|| "tfreach.toml".to_string(), |p| p.display().to_string());
    for w in &options.config.waivers {
        if !matches(&w.rule, &w.resource) {
            output::errln(&format!(
                "warning: the waiver of {} for {} in {config} matches no finding; remove it, or correct the rule or the resource address",
                w.rule, w.resource
            ));
        }
    }
    if let Some(b) = &options.baseline {
        let stale: Vec<String> =
            b.entries().filter(|(rule, res)| !matches(rule, res)).map(|(rule, res)| format!("{rule} {res}")).collect();
        if !stale.is_empty() {
            let shown = stale.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            let more = if stale.len() > 5 { format!(" and {} more", stale.len() - 5) } else { String::new() };
            output::errln(&format!(
                "warning: {} baseline {} no finding ({shown}{more}): fixed or renamed since; write the baseline again to drop {}",
                stale.len(),
                if stale.len() == 1 { "entry matches" } else { "entries match" },
                if stale.len() == 1 { "it" } else { "them" }
            ));
        }
    }
}
