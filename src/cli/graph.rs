//! `tfreach graph`.

use std::io::Write;

use super::args::{GraphArgs, GraphFormat};
use super::{ExitStatus, emit, report_error};
use crate::engine::{Options, with_context};
use crate::plan::SourceFile;

pub fn run(args: &GraphArgs, out: &mut dyn Write) -> ExitStatus {
    let options = Options { source_dir: args.sources.source_dir.clone(), ..Options::default() };
    let text = SourceFile::read(&args.plan).and_then(|source| {
        with_context(&source, &options, |ctx| -> String {
            match args.format {
                GraphFormat::Json => serde_json::to_string_pretty(&ctx.net.to_json()).expect("graph serialises") + "\n",
                GraphFormat::Dot => ctx.net.to_dot(),
                GraphFormat::Mermaid => ctx.net.to_mermaid(),
            }
        })
    });
    match text {
        Ok(t) => {
            emit(out, &t);
            ExitStatus::Clean
        }
        Err(e) => {
            report_error(e);
            ExitStatus::Error
        }
    }
}
