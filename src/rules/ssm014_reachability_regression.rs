//! SSM014 reachability-regression: an instance Session Manager reaches before the plan (its
//! prior state) is unreachable after it — the change a CI gate on `terraform plan` exists to
//! catch. The message names what the plan deletes, replaces or changes under its paths.

use super::helpers::and_list;
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::Network;
use crate::network::graph::NodeId;
use crate::plan::Action;
use crate::reach::Verdict;

declare_rule!(ReachabilityRegression {
    id: "SSM014",
    name: "reachability-regression",
    severity: Error,
    category: Reachability,
    summary: "an instance Session Manager reaches before the plan is unreachable after it",
});

/// What the plan does to a resource an instance relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Change {
    Deletes,
    Replaces,
    Changes,
}

#[derive(Debug)]
struct Regression {
    instance: NodeId,
    /// What the plan does to the resources the instance's paths passed through before.
    changes: Vec<(Change, String)>,
}

impl Message for Regression {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let head = format!("{}: reachable → unreachable", net.describe(self.instance));
        if self.changes.is_empty() {
            return format!("{head}: Session Manager reaches it before this plan, not after (the other findings on it name the hop that blocks)");
        }
        let mut parts = Vec::new();
        for verb in [Change::Deletes, Change::Replaces, Change::Changes] {
            let names: Vec<&str> = self.changes.iter().filter(|(c, _)| *c == verb).map(|(_, n)| n.as_str()).collect();
            if !names.is_empty() {
                let word = match verb {
                    Change::Deletes => "deletes",
                    Change::Replaces => "replaces",
                    Change::Changes => "changes",
                };
                parts.push(format!("{word} {}", and_list(&names)));
            }
        }
        format!("{head}: this plan {}", and_list(&parts))
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "keep what Session Manager needs (see the other findings on this instance for the hop that blocks), or, if losing access is intended, record it with a waiver or the baseline".into()
    }
}

impl Rule for ReachabilityRegression {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let Some(before) = ctx.before else { return Vec::new() };
        let model = ctx.net.model();
        let deleted: Vec<&str> = model.doc.deleted.iter().map(|d| d.address.as_ref()).collect();
        ctx.instances
            .iter()
            .filter(|i| i.verdict() == Verdict::Unreachable)
            .filter_map(|inst| {
                let was = before.get(&ctx.net.name(inst.node))?;
                if was.verdict != Verdict::Reachable {
                    return None;
                }
                let changes: Vec<(Change, String)> = was
                    .relied_on
                    .iter()
                    .filter_map(|address| {
                        if deleted.contains(&address.as_str()) {
                            return Some((Change::Deletes, address.clone()));
                        }
                        match model.get(address)?.action() {
                            Action::Replace => Some((Change::Replaces, address.clone())),
                            Action::Update => Some((Change::Changes, address.clone())),
                            _ => None,
                        }
                    })
                    .collect();
                let related: Vec<NodeId> = changes
                    .iter()
                    .filter_map(|(_, a)| model.get(a))
                    .map(|r| ctx.net.node_of(r.id))
                    .collect();
                Some(Finding::new(&META, inst.node, Regression { instance: inst.node, changes }).related(related))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_when_the_plan_breaks_a_working_instance() {
        let after = baseline().set("aws_security_group.app", "egress", json!([]));
        after.check_after(&baseline(), |t| {
            let f = t.findings(&ReachabilityRegression);
            assert_eq!(f.len(), 1, "{f:?}");
            assert!(f[0].1.starts_with("aws_instance.app: reachable → unreachable"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_without_a_prior_state_or_when_it_was_broken_before() {
        let broken = baseline().set("aws_security_group.app", "egress", json!([]));
        broken.check(|t| assert!(t.findings(&ReachabilityRegression).is_empty()));
        broken.check_after(&broken, |t| assert!(t.findings(&ReachabilityRegression).is_empty()));
        baseline().check_after(&baseline(), |t| assert!(t.findings(&ReachabilityRegression).is_empty()));
    }
}
