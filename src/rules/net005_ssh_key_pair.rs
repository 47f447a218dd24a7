//! NET005 ssh-key-pair: `key_name` is set on an instance Session Manager serves; the key is
//! an unmanaged credential that the session access makes unnecessary.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::model::{Attr, Kind};
use crate::reach::Tri;
use crate::resolve::Target;

pub struct SshKeyPair;

static META: RuleMeta = RuleMeta {
    id: "NET005",
    name: "ssh-key-pair",
    severity: Severity::Note,
    summary: "key_name is set on an instance that Session Manager serves",
    doc: include_str!("../../rules/NET005.md"),
};

impl Rule for SshKeyPair {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances.iter().filter(|i| i.outcome == Tri::Yes) {
            let r = &ctx.net.model.resources[inst.res];
            // An autoscaling group's instances take the key from the launch template.
            let holder = match (r.kind, inst.view.launch_spec.as_ref().and_then(|l| l.single())) {
                (Kind::AutoscalingGroup, Some(Target::Resource(l))) => &ctx.net.model.resources[*l],
                _ => r,
            };
            let key = match holder.attr_str("key_name") {
                Attr::Known(k) if !k.is_empty() => Some(format!("key_name = \"{k}\"")),
                Attr::Unknown => Some("key_name".to_string()),
                _ => None,
            };
            let Some(key) = key else { continue };
            out.push(
                Finding::new(
                    &META,
                    inst.res,
                    if holder.id == r.id {
                        format!("{} sets {key}, although Session Manager reaches it; the SSH key is a credential nobody needs to hold", r.address())
                    } else {
                        format!("{} sets {key} for {}, although Session Manager reaches it; the SSH key is a credential nobody needs to hold", holder.address(), r.address())
                    },
                    "remove key_name and use `aws ssm start-session`".into(),
                )
                .related([Target::Resource(holder.id)].into_iter().filter(|t| *t != Target::Resource(inst.res))),
            );
        }
        out
    }
}
