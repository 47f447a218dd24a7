//! `tfreach graph`.

use std::io::Write;

use super::args::{GraphArgs, GraphFormat};
use super::{ExitStatus, emit, report_error};
use crate::graph::Network;
use crate::model::Model;
use crate::plan::{self, SourceFile};

pub fn run(args: &GraphArgs, out: &mut dyn Write) -> ExitStatus {
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
    let text = match args.format {
        GraphFormat::Json => serde_json::to_string_pretty(&net.to_json()).expect("graph serialises") + "\n",
        GraphFormat::Dot => net.to_dot(),
        GraphFormat::Mermaid => net.to_mermaid(),
    };
    emit(out, &text);
    ExitStatus::Clean
}
