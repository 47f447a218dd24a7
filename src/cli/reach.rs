//! `tfreach reach`.

use super::ExitStatus;
use super::args::{ReachArgs, ReachFailOn, ReachFormat};
use crate::engine::{Options, analyze};
use crate::output;
use crate::plan::SourceFile;
use crate::reach::Verdict;
use crate::report;

pub fn run(args: &ReachArgs) -> ExitStatus {
    let plan = Some(std::path::Path::new(&args.plan)).filter(|_| args.plan != "-");
    let root = crate::engine::paths::repo_root(args.sources.repo_root.as_deref(), plan);
    let config = match crate::config::Config::discover(args.config.config.as_deref(), plan, &root) {
        Ok(c) => c,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    let options = Options {
        source_dir: args.sources.source_dir.clone(),
        repo_root: args.sources.repo_root.clone(),
        config,
        paths: true,
        ..Options::default()
    };
    let source = match SourceFile::read(&args.plan) {
        Ok(s) => s,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    let report = match analyze(&source, &options) {
        Ok(r) => r,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    output::protect(&report.sensitive);
    let mut instances: Vec<_> = report.instances.iter().collect();
    if let Some(addr) = &args.instance {
        instances.retain(|i| &i.resource == addr);
        if instances.is_empty() {
            let known: Vec<&str> = report.instances.iter().map(|i| i.resource.as_str()).collect();
            let listed =
                if known.is_empty() { String::new() } else { format!("\ninstances in the plan: {}", known.join(", ")) };
            output::errln(&format!("tfreach: no instance `{addr}` in {}{listed}", source.name));
            return ExitStatus::Error;
        }
    }
    let text = match args.format {
        ReachFormat::Human if instances.is_empty() => format!(
            "{}: no instances (aws_instance, aws_autoscaling_group, aws_spot_instance_request, aws_eks_node_group)\n",
            source.name
        ),
        ReachFormat::Human => {
            let width = report::human::Style::for_stdout().width;
            instances.iter().map(|i| report::reach::human(i, width)).collect::<Vec<_>>().join("\n")
        }
        ReachFormat::Json => {
            let items: Vec<_> = instances.iter().map(|i| report::reach::json(i)).collect();
            serde_json::to_string_pretty(&items).expect("serialises") + "\n"
        }
    };
    output::out(&text);
    let fails = |v: Verdict| match args.fail_on {
        ReachFailOn::Unreachable => v == Verdict::Unreachable,
        ReachFailOn::Unknown => v != Verdict::Reachable,
        ReachFailOn::Never => false,
    };
    if instances.iter().any(|i| fails(i.verdict)) { ExitStatus::Findings } else { ExitStatus::Clean }
}
