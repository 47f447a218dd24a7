//! NET002 admin-port-open: an instance's security group admits SSH (22) or RDP (3389).
//! Session Manager makes both unnecessary; from `0.0.0.0/0` or `::/0` it is an error.

use rustc_hash::FxHashSet;

use super::helpers::and_list;
use super::{Finding, Message, Rule, RuleContext, RuleMeta, Severity};
use crate::network::graph::NodeId;
use crate::network::routing::Membership;
use crate::network::security::Peer;
use crate::network::traffic::Direction;
use crate::network::Network;

declare_rule!(AdminPortOpen {
    id: "NET002",
    name: "admin-port-open",
    severity: Warning,
    category: Hygiene,
    summary: "ingress to 22 or 3389 (error when from 0.0.0.0/0 or ::/0): Session Manager makes it unnecessary",
});

#[derive(Debug)]
struct AdminPort {
    group: NodeId,
    what: String,
    peers: Vec<Peer>,
}

impl Message for AdminPort {
    fn message(&self, net: &Network<'_, '_>) -> String {
        format!(
            "{} admits {} from {}; Session Manager gives shell access without an open admin port",
            net.describe(self.group),
            self.what,
            peers(net, &self.peers)
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "remove the rule and connect with `aws ssm start-session` (port forwarding covers RDP and tunnels)".into()
    }
}

/// `0.0.0.0/0, 10.0.0.0/16 and aws_security_group.bastion`.
fn peers(net: &Network<'_, '_>, peers: &[Peer]) -> String {
    let names: Vec<String> = peers
        .iter()
        .map(|p| match p {
            Peer::Cidr(c) => c.to_string(),
            Peer::Group(l) => net.names(*l),
            Peer::SelfGroup => "the group's own members".into(),
            Peer::PrefixList(l) => format!("prefix list {}", net.names(*l)),
            Peer::Unknown(why) => format!("a source unknown until apply ({why})"),
        })
        .collect();
    if names.is_empty() { "nowhere".into() } else { and_list(&names) }
}

impl Rule for AdminPortOpen {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        // Admin ports matter on the groups of instances; endpoint groups are NET003's.
        let instance_groups: FxHashSet<NodeId> = ctx
            .instances
            .iter()
            .flat_map(|i| ctx.net.link(ctx.net.compute[i.compute].placement.groups).targets().into_iter().copied())
            .collect();
        let mut groups: Vec<NodeId> = instance_groups.into_iter().filter(|g| ctx.net.groups.contains_key(g)).collect();
        groups.sort_unstable();
        let mut out = Vec::new();
        for group in groups {
            for rule in ctx.net.groups[&group].rules.iter().filter(|r| r.direction == Direction::Ingress && r.membership == Membership::Definite) {
                let ports: Vec<&str> = [(22, "SSH (TCP 22)"), (3389, "RDP (TCP 3389)")]
                    .into_iter()
                    .filter(|(p, _)| rule.covers_tcp_port(*p))
                    .map(|(_, n)| n)
                    .collect();
                let Some(declared_by) = rule.declared_by else { continue };
                // Members of the group reaching each other (`self = true`, the cluster pattern)
                // is not an admin port opened to anyone.
                let only_members = rule.peers.iter().all(|p| matches!(p, Peer::SelfGroup));
                if ports.is_empty() || only_members || ctx.net.is_data(declared_by) {
                    continue;
                }
                let what = if rule.ports.is_none_or(|p| p.from != p.to) {
                    format!("{}, which includes {}", rule.describe(), ports.join(" and "))
                } else {
                    ports.join(" and ")
                };
                let mut finding =
                    Finding::new(&META, declared_by, AdminPort { group, what, peers: rule.peers.clone() }).related([group]);
                if !rule.world_peers().is_empty() {
                    finding.severity = Severity::Error;
                }
                out.push(finding);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    fn ssh_from(cidr: &str) -> serde_json::Value {
        json!([{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": [cidr]}])
    }

    #[test]
    fn fires_as_an_error_from_anywhere_and_a_warning_from_inside() {
        baseline().set("aws_security_group.app", "ingress", ssh_from("0.0.0.0/0")).check(|t| {
            let f = t.run(&AdminPortOpen);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].severity, crate::rules::Severity::Error);
            assert!(f[0].message(t.net).contains("admits SSH (TCP 22) from 0.0.0.0/0"));
        });
        baseline().set("aws_security_group.app", "ingress", ssh_from("10.0.0.0/8")).check(|t| {
            let f = t.run(&AdminPortOpen);
            assert_eq!(f[0].severity, crate::rules::Severity::Warning);
        });
    }

    #[test]
    fn silent_when_only_the_groups_own_members_are_admitted() {
        let all_from_self = json!([{"protocol": "-1", "from_port": 0, "to_port": 0, "self": true}]);
        baseline().set("aws_security_group.app", "ingress", all_from_self).check(|t| assert!(t.findings(&AdminPortOpen).is_empty()));
        let ssh_from_self = json!([{"protocol": "tcp", "from_port": 22, "to_port": 22, "self": true, "cidr_blocks": ["10.0.0.0/8"]}]);
        baseline().set("aws_security_group.app", "ingress", ssh_from_self).check(|t| assert_eq!(t.findings(&AdminPortOpen).len(), 1));
    }

    #[test]
    fn silent_without_admin_ports() {
        baseline().check(|t| assert!(t.findings(&AdminPortOpen).is_empty()));
    }
}
