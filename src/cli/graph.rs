//! `tfreach graph`.

use super::ExitStatus;
use super::args::{GraphArgs, GraphFormat};
use crate::engine::{Options, with_context};
use crate::output;
use crate::plan::SourceFile;

pub fn run(args: &GraphArgs) -> ExitStatus {
    let options = Options { source_dir: args.sources.source_dir.clone(), ..Options::default() };
    let text = SourceFile::read(&args.plan).and_then(|source| {
        with_context(&source, &options, |ctx| -> String {
            output::protect(&ctx.doc.sensitive);
            match args.format {
                GraphFormat::Json => serde_json::to_string_pretty(&ctx.net.to_json()).expect("graph serialises") + "\n",
                GraphFormat::Dot => ctx.net.to_dot(),
                GraphFormat::Mermaid => ctx.net.to_mermaid(),
            }
        })
    });
    match text {
        Ok(t) => {
            output::out(&t);
            ExitStatus::Clean
        }
        Err(e) => {
            output::diagnostic(e);
            ExitStatus::Error
        }
    }
}
