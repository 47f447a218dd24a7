//! `tfreach explain` and `tfreach rules`.

use serde::Serialize;

use super::ExitStatus;
use super::args::{ExplainArgs, RulesArgs, RulesFormat};
use crate::output;
use crate::rules;

pub fn explain(args: &ExplainArgs) -> ExitStatus {
    match rules::by_id_or_name(&args.rule) {
        Some(r) => {
            output::out(r.meta().doc);
            ExitStatus::Clean
        }
        None => {
            let ids: Vec<&str> = rules::all().iter().map(|r| r.meta().id).collect();
            output::errln(&format!("tfreach: unknown rule `{}`; rules are {}", args.rule, ids.join(", ")));
            ExitStatus::Error
        }
    }
}

#[derive(Serialize)]
struct RuleRow {
    id: &'static str,
    name: &'static str,
    severity: &'static str,
    summary: &'static str,
}

pub fn list(args: &RulesArgs) -> ExitStatus {
    let rows: Vec<RuleRow> = rules::all()
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleRow { id: m.id, name: m.name, severity: m.severity.name(), summary: m.summary }
        })
        .collect();
    let text = match args.format {
        RulesFormat::Human => {
            let name = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
            let width = crate::report::human::Style::for_stdout().width;
            rows.iter()
                .map(|r| {
                    let prefix = format!("{}  {:<name$}  {:<7}  ", r.id, r.name, r.severity);
                    crate::report::hanging(&prefix, r.summary, width)
                })
                .collect()
        }
        RulesFormat::Json => serde_json::to_string_pretty(&rows).expect("serialises") + "\n",
        RulesFormat::Markdown => markdown_table(),
    };
    output::out(&text);
    ExitStatus::Clean
}

/// The rule table of README.md, generated from the registry (a test keeps them equal).
pub fn markdown_table() -> String {
    let mut s = String::from("| id | name | default | fires when |\n|---|---|---|---|\n");
    for r in rules::all() {
        let m = r.meta();
        s.push_str(&format!(
            "| [{}](rules/{}.md) | {} | {} | {} |\n",
            m.id,
            m.id,
            m.name,
            m.severity.name(),
            m.summary.replace('|', "\\|")
        ));
    }
    s
}
