//! SSM011 imds-disabled: `metadata_options.http_endpoint = "disabled"` — the agent reads the
//! instance role's credentials from the instance metadata service.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::{Code, Tri};

pub struct ImdsDisabled;

static META: RuleMeta = RuleMeta {
    id: "SSM011",
    name: "imds-disabled",
    severity: Severity::Error,
    summary: "metadata_options.http_endpoint = \"disabled\": the agent cannot get credentials",
    doc: include_str!("../../rules/SSM011.md"),
};

impl Rule for ImdsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        ctx.instances
            .iter()
            .filter(|i| i.imds.outcome == Tri::No)
            .map(|inst| {
                let name = ctx.net.model.resources[inst.res].address();
                Finding::new(
                    &META,
                    inst.res,
                    format!(
                        "{}: SSM Agent gets the instance role's credentials from the metadata service, so {name} cannot register",
                        inst.imds.detail
                    ),
                    "set metadata_options { http_endpoint = \"enabled\" } (keep http_tokens = \"required\" for IMDSv2)".into(),
                )
                .related(inst.imds.resources.iter().cloned())
                .code(Code::ImdsDisabled)
            })
            .collect()
    }
}
