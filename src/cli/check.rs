//! `tfreach check`.

use std::io::Write;

use rayon::prelude::*;

use super::args::{CheckArgs, CheckFormat};
use super::{ExitStatus, emit, report_error};
use crate::config::Config;
use crate::engine::{FileReport, Options, analyze};
use crate::plan::SourceFile;
use crate::policy::{Baseline, select_rules};
use crate::report;

pub fn run(args: &CheckArgs, out: &mut dyn Write) -> ExitStatus {
    if args.plans.iter().filter(|p| *p == "-").count() > 1 {
        eprintln!("tfreach: standard input (`-`) can be given only once");
        return ExitStatus::Error;
    }
    let config = match Config::discover(args.config.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            report_error(e);
            return ExitStatus::Error;
        }
    };
    let rules = match select_rules(&config, &args.select, &args.ignore) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("tfreach: {msg}");
            return ExitStatus::Error;
        }
    };
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(b) => b,
        Err(e) => {
            report_error(e);
            return ExitStatus::Error;
        }
    };
    let options = Options {
        source_dir: args.sources.source_dir.clone(),
        config,
        rules: Some(rules),
        baseline,
        ..Options::default()
    };
    let results: Vec<_> =
        args.plans.par_iter().map(|p| SourceFile::read(p).and_then(|src| analyze(&src, &options))).collect();
    let mut reports: Vec<FileReport> = Vec::new();
    let mut failed = false;
    for r in results {
        match r {
            Ok(rep) => reports.push(rep),
            Err(e) => {
                report_error(e);
                failed = true;
            }
        }
    }
    // A malformed suppression is an input error: it would silently suppress nothing.
    for r in &reports {
        for e in &r.ignore_errors {
            report_error(e.clone());
            failed = true;
        }
        for w in &r.ignore_warnings {
            report_error(w.clone());
        }
    }
    if failed {
        return ExitStatus::Error;
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));
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
    let how = report::Render { style, fails: &|s| args.fail_on.fails(s) };
    let text = report::render(format, &reports, &how);
    emit(out, &text);
    let failing = reports.iter().flat_map(|r| &r.findings).any(|f| args.fail_on.fails(f.severity));
    if failing { ExitStatus::Findings } else { ExitStatus::Clean }
}
