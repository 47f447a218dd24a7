//! `tfreach reach`.

use super::ExitStatus;
use super::args::{ReachArgs, ReachFormat};
use crate::analysis::{Options, with_context};
use crate::output;
use crate::plan::SourceFile;
use crate::report;

pub fn run(args: &ReachArgs) -> ExitStatus {
    let config = match crate::config::Config::discover(args.config.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    let options = Options { source_dir: args.sources.source_dir.clone(), config, ..Options::default() };
    let source = match SourceFile::read(&args.plan) {
        Ok(s) => s,
        Err(e) => {
            output::diagnostic(e);
            return ExitStatus::Error;
        }
    };
    let result = with_context(&source, &options, |ctx| -> Result<String, String> {
        output::protect(&ctx.doc.sensitive);
        let mut instances = ctx.reach.instances();
        if let Some(addr) = &args.instance {
            instances.retain(|i| ctx.model.resources[i.res].address() == addr);
            if instances.is_empty() {
                let known: Vec<&str> = ctx.model.compute().map(|r| r.address()).collect();
                let listed = if known.is_empty() {
                    String::new()
                } else {
                    format!("\ninstances in the plan: {}", known.join(", "))
                };
                return Err(format!("tfreach: no instance `{addr}` in {}{listed}", source.name));
            }
        }
        Ok(match args.format {
            ReachFormat::Human if instances.is_empty() => {
                format!(
                    "{}: no instances (aws_instance, aws_autoscaling_group, aws_spot_instance_request)\n",
                    source.name
                )
            }
            ReachFormat::Human => {
                instances.iter().map(|i| report::reach::human(ctx.reach, i)).collect::<Vec<_>>().join("\n")
            }
            ReachFormat::Json => {
                let items: Vec<_> = instances.iter().map(|i| report::reach::json(ctx.reach, i)).collect();
                serde_json::to_string_pretty(&items).expect("serialises") + "\n"
            }
        })
    });
    match result {
        Ok(Ok(text)) => {
            output::out(&text);
            ExitStatus::Clean
        }
        Ok(Err(msg)) => {
            output::errln(&msg);
            ExitStatus::Error
        }
        Err(e) => {
            output::diagnostic(e);
            ExitStatus::Error
        }
    }
}
