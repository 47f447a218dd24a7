//! TFR001 unresolved-reference: an edge the rules need could not be resolved from the plan.
//! tfreach never treats what it cannot tell as a pass or a failure; it says so here.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::{Code, explain};

declare_rule!(UnresolvedReference {
    id: "TFR001",
    name: "unresolved-reference",
    severity: Note,
    category: Resolution,
    summary: "an edge the rules need could not be resolved from the plan",
});

#[derive(Debug)]
enum Unresolved {
    Instance { instance: NodeId, doubts: Vec<String> },
    Endpoint { endpoint: NodeId, doubts: Vec<String> },
}

impl Message for Unresolved {
    fn message(&self, net: &Network<'_, '_>) -> String {
        match self {
            Unresolved::Instance { instance, doubts } => format!(
                "tfreach cannot tell whether Session Manager reaches {}: {}",
                net.describe(*instance),
                doubts.join("; ")
            ),
            Unresolved::Endpoint { endpoint, doubts } => {
                format!("tfreach cannot fully resolve {}: {}", net.describe(*endpoint), doubts.join("; "))
            }
        }
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        match self {
            Unresolved::Instance { .. } => "give the missing values in the configuration (or run tfreach on a plan whose state holds them), or pass --source-dir so that locals can be read".into(),
            Unresolved::Endpoint { .. } => {
                "give the missing values in the configuration, or pass --source-dir so that locals can be read".into()
            }
        }
    }
}

impl Rule for UnresolvedReference {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances.iter().filter(|i| !i.unresolved.is_empty()) {
            let payload = Unresolved::Instance { instance: inst.node, doubts: inst.unresolved.clone() };
            out.push(Finding::new(&META, inst.node, payload).code(Code::Unresolved));
        }
        for e in ctx.net.endpoints.iter().filter(|e| e.service.is_some_and(|s| Service::SESSION.contains(&s))) {
            let mut doubts = e.vpc.map(|l| explain::link_doubts(ctx.net, "vpc", l)).unwrap_or_default();
            doubts.extend(explain::link_doubts(ctx.net, "subnets", e.subnets));
            doubts.extend(explain::link_doubts(ctx.net, "security group", e.groups));
            if doubts.is_empty() {
                continue;
            }
            out.push(Finding::new(&META, e.node, Unresolved::Endpoint { endpoint: e.node, doubts }).code(Code::Unresolved));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_for_a_subnet_outside_the_plan() {
        baseline().set("aws_instance.app", "subnet_id", json!("subnet-0123456789abcdef0")).check(|t| {
            let f = t.findings(&UnresolvedReference);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("subnet subnet-0123456789abcdef0 is not in the plan"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_when_everything_resolves() {
        baseline().check(|t| assert!(t.findings(&UnresolvedReference).is_empty()));
    }
}
