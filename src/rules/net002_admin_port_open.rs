//! NET002 admin-port-open: an instance's security group admits SSH (22) or RDP (3389).
//! Session Manager makes both unnecessary; from `0.0.0.0/0` or `::/0` it is an error.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::sg::{Direction, Peer};

pub struct AdminPortOpen;

static META: RuleMeta = RuleMeta {
    id: "NET002",
    name: "admin-port-open",
    severity: Severity::Warning,
    summary: "ingress to 22 or 3389 (error when from 0.0.0.0/0 or ::/0): Session Manager makes it unnecessary",
    doc: include_str!("../../rules/NET002.md"),
};

impl Rule for AdminPortOpen {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        // Admin ports matter on the groups of instances; endpoint groups are NET003's.
        let instance_groups: Vec<&crate::resolve::Target> =
            ctx.instances.iter().flat_map(|i| i.view.security_groups.targets()).collect();
        let mut out = Vec::new();
        for (group, rules) in ctx.reach.sgs.groups().into_iter().filter(|(g, _)| instance_groups.contains(g)) {
            for rule in rules.rules.iter().filter(|r| r.direction == Direction::Ingress && r.definite) {
                let ports: Vec<&str> = [(22, "SSH (TCP 22)"), (3389, "RDP (TCP 3389)")]
                    .into_iter()
                    .filter(|(p, _)| rule.covers_tcp_port(*p))
                    .map(|(_, n)| n)
                    .collect();
                let Some(declared_by) = rule.declared_by else { continue };
                if ports.is_empty() || ctx.net.model.resources[declared_by].is_data() {
                    continue;
                }
                let world = rule.world_peers();
                let what = if rule.ports.is_none_or(|p| p.from != p.to) {
                    format!("{}, which includes {}", rule.describe(), ports.join(" and "))
                } else {
                    ports.join(" and ")
                };
                let mut finding = Finding::new(
                    &META,
                    declared_by,
                    format!(
                        "{} admits {what} from {}; Session Manager gives shell access without an open admin port",
                        ctx.net.describe(group),
                        peers(ctx, &rule.peers)
                    ),
                    "remove the rule and connect with `aws ssm start-session` (port forwarding covers RDP and tunnels)"
                        .into(),
                )
                .related([group.clone()]);
                if !world.is_empty() {
                    finding.severity = Severity::Error;
                }
                out.push(finding);
            }
        }
        out
    }
}

/// `0.0.0.0/0, 10.0.0.0/16 and aws_security_group.bastion`.
fn peers(ctx: &RuleContext<'_, '_, '_, '_>, peers: &[Peer]) -> String {
    let names: Vec<String> = peers
        .iter()
        .map(|p| match p {
            Peer::Cidr(c) => c.to_string(),
            Peer::Group(options) if options.len() == 1 => ctx.net.name(&options[0]),
            Peer::Group(options) => {
                format!("one of {{{}}}", options.iter().map(|o| ctx.net.name(o)).collect::<Vec<_>>().join(", "))
            }
            Peer::SelfGroup => "the group's own members".into(),
            Peer::PrefixList(id) => format!("prefix list {id}"),
            Peer::Unknown(why) => format!("a source unknown until apply ({why})"),
        })
        .collect();
    match names.as_slice() {
        [] => "nowhere".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
