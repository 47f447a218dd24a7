//! TFR001 unresolved-reference: an edge the rules need could not be resolved from the plan.
//! tfreach never treats what it cannot tell as a pass or a failure; it says so here.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::{Code, link_doubts};

pub struct UnresolvedReference;

static META: RuleMeta = RuleMeta {
    id: "TFR001",
    name: "unresolved-reference",
    severity: Severity::Note,
    summary: "an edge the rules need could not be resolved from the plan",
    doc: include_str!("../../rules/TFR001.md"),
};

impl Rule for UnresolvedReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances.iter().filter(|i| !i.unresolved.is_empty()) {
            let name = ctx.net.model.resources[inst.res].address();
            out.push(
                Finding::new(
                    &META,
                    inst.res,
                    format!("tfreach cannot tell whether Session Manager reaches {name}: {}", inst.unresolved.join("; ")),
                    "give the missing values in the configuration (or run tfreach on a plan whose state holds them), or pass --source-dir so that locals can be read".into(),
                )
                .code(Code::Unresolved),
            );
        }
        for e in &ctx.reach.endpoints {
            let mut doubts = link_doubts(ctx.net, "vpc", &e.view.vpc);
            doubts.extend(link_doubts(ctx.net, "subnets", &e.view.subnets));
            doubts.extend(link_doubts(ctx.net, "security group", &e.view.security_groups));
            if doubts.is_empty() || !matches!(e.service.as_deref(), Some("ssm" | "ssmmessages" | "ec2messages")) {
                continue;
            }
            let name = ctx.net.model.resources[e.res].address();
            out.push(
                Finding::new(
                    &META,
                    e.res,
                    format!("tfreach cannot fully resolve {name}: {}", doubts.join("; ")),
                    "give the missing values in the configuration, or pass --source-dir so that locals can be read"
                        .into(),
                )
                .code(Code::Unresolved),
            );
        }
        out
    }
}
