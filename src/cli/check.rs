//! `tfreach check`.

use std::io::Write;

use rayon::prelude::*;

use super::args::{CheckArgs, CheckFormat};
use super::{ExitStatus, emit, report_error};
use crate::analysis::{FileReport, Options, analyze};
use crate::plan::SourceFile;
use crate::report;

pub fn run(args: &CheckArgs, out: &mut dyn Write) -> ExitStatus {
    if args.plans.iter().filter(|p| *p == "-").count() > 1 {
        eprintln!("tfreach: standard input (`-`) can be given only once");
        return ExitStatus::Error;
    }
    let options = Options { source_dir: args.sources.source_dir.clone(), ..Options::default() };
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
    if failed {
        return ExitStatus::Error;
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    let text = match args.format {
        CheckFormat::Human => report::human::render(&reports),
        CheckFormat::Json => report::json::render(&reports),
    };
    emit(out, &text);
    let failing = reports.iter().flat_map(|r| &r.findings).any(|f| args.fail_on.fails(f.severity));
    if failing { ExitStatus::Findings } else { ExitStatus::Clean }
}
