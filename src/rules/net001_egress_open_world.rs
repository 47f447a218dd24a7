//! NET001 egress-open-world: a security group allows egress to `0.0.0.0/0` or `::/0`.
//! With interface endpoints, instances need TCP 443 only to the endpoints' security group.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::sg::Direction;
use crate::resolve::Target;

pub struct EgressOpenWorld;

static META: RuleMeta = RuleMeta {
    id: "NET001",
    name: "egress-open-world",
    severity: Severity::Warning,
    summary: "a security group allows egress to 0.0.0.0/0 or ::/0",
    doc: include_str!("../../rules/NET001.md"),
};

impl Rule for EgressOpenWorld {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for (group, rules) in ctx.reach.sgs.groups() {
            for rule in rules.rules.iter().filter(|r| r.direction == Direction::Egress && r.definite) {
                let world = rule.world_peers();
                let Some(declared_by) = rule.declared_by else { continue };
                if world.is_empty() || ctx.net.model.resources[declared_by].is_data() {
                    continue;
                }
                let group_name = ctx.net.describe(group);
                out.push(
                    Finding::new(
                        &META,
                        declared_by,
                        format!("{group_name} allows egress of {} to {}", rule.describe(), world.join(" and ")),
                        "restrict egress to what the instances need: TCP 443 to the interface endpoints' security group (or to the VPC CIDR); add a tfreach:ignore[NET001] with a reason if the open egress is intended (for example a NAT path)".into(),
                    )
                    .related([group.clone()].into_iter().filter(|g| *g != Target::Resource(declared_by))),
                );
            }
        }
        out
    }
}
