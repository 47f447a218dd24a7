//! `tfreach reach`.

use std::io::Write;

use super::args::{ReachArgs, ReachFormat};
use super::{ExitStatus, emit, report_error};
use crate::graph::Network;
use crate::model::Model;
use crate::plan::{self, SourceFile};
use crate::reach::{Assumptions, Reach};
use crate::report;

pub fn run(args: &ReachArgs, out: &mut dyn Write) -> ExitStatus {
    let source = match SourceFile::read(&args.plan) {
        Ok(s) => s,
        Err(e) => {
            report_error(e);
            return ExitStatus::Error;
        }
    };
    let doc = match plan::load(&source) {
        Ok(d) => d,
        Err(e) => {
            report_error(e);
            return ExitStatus::Error;
        }
    };
    let model = Model::build(&doc);
    let net = Network::build(&model, None);
    let reach = Reach::build(&net, Assumptions::default());
    let mut instances = reach.instances();
    if let Some(addr) = &args.instance {
        instances.retain(|i| model.resources[i.res].address() == addr);
        if instances.is_empty() {
            eprintln!("tfreach: no instance `{addr}` in {}", source.name);
            let known: Vec<&str> = model.compute().map(|r| r.address()).collect();
            if !known.is_empty() {
                eprintln!("instances in the plan: {}", known.join(", "));
            }
            return ExitStatus::Error;
        }
    }
    let text = match args.format {
        ReachFormat::Human => {
            if instances.is_empty() {
                format!(
                    "{}: no instances (aws_instance, aws_autoscaling_group, aws_spot_instance_request)\n",
                    source.name
                )
            } else {
                instances.iter().map(|i| report::reach::human(&reach, i)).collect::<Vec<_>>().join("\n")
            }
        }
        ReachFormat::Json => {
            let items: Vec<_> = instances.iter().map(|i| report::reach::json(&reach, i)).collect();
            serde_json::to_string_pretty(&items).expect("serialises") + "\n"
        }
    };
    emit(out, &text);
    ExitStatus::Clean
}
