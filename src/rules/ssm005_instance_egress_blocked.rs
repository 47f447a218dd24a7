//! SSM005 instance-egress-blocked: the instance's security groups allow no TCP 443 egress
//! toward the Session Manager path — most often the Terraform default-egress pitfall: a new
//! `aws_security_group` has no egress rule unless the configuration declares one.
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group>

use super::helpers::{blocked_services, overall, service_list};
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::{LinkId, NodeId};
use crate::network::{Network, Service};
use crate::reach::{Code, Hop, explain};

declare_rule!(InstanceEgressBlocked {
    id: "SSM005",
    name: "instance-egress-blocked",
    severity: Error,
    category: Reachability,
    summary: "the instance's security groups allow no TCP 443 egress toward the SSM path",
});

#[derive(Debug)]
struct EgressBlocked {
    instance: NodeId,
    services: Vec<Service>,
    groups: LinkId,
    /// The endpoint the traffic is for; `None`: the internet.
    toward: Option<NodeId>,
    /// The groups have no egress rule at all.
    no_egress: bool,
    hop: Hop,
}

impl Message for EgressBlocked {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let name = net.describe(self.instance);
        let groups = net.names(self.groups);
        if self.no_egress {
            let targets = net.link(self.groups).targets();
            let verb = if targets.len() > 1 { "have" } else { "has" };
            // A group this plan creates lost AWS's default rule to Terraform; one that exists
            // already has none left after the plan.
            let created = targets.iter().any(|g| {
                net.resource(**g).is_some_and(|id| net.model()[id].fields.lifecycle() == crate::model::Lifecycle::Creates)
            });
            let why = if created || targets.is_empty() {
                " — unlike the AWS console, Terraform removes the default allow-all egress rule from every security group it creates"
            } else if net.model().doc.kind == crate::plan::DocumentKind::Plan {
                " after this plan"
            } else {
                ""
            };
            return format!(
                "{name} cannot reach {} over TCP 443: {groups} {verb} no egress rule at all{why}",
                service_list(&self.services)
            );
        }
        let toward = match self.toward {
            Some(e) => format!("the interface endpoint {}", net.describe(e)),
            None => "the internet (there is no interface endpoint with private DNS)".to_string(),
        };
        format!("{name} cannot reach {} over TCP 443: no egress rule of {groups} allows it toward {toward}", service_list(&self.services))
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        explain::fix(net, &self.hop).unwrap_or_default()
    }
}

impl Rule for InstanceEgressBlocked {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances {
            let blocked = blocked_services(inst, &Service::SESSION, &[Code::SgNoEgressRules, Code::InstanceSgEgressMismatch]);
            let Some((first, hop, _)) = blocked.first() else { continue };
            let Some(s) = inst.service(*first) else { continue };
            let groups = ctx.net.compute[inst.compute].placement.groups;
            let payload = EgressBlocked {
                instance: inst.node,
                services: blocked.iter().map(|(s, _, _)| *s).collect(),
                groups,
                toward: s.path.endpoint,
                no_egress: hop.code() == Some(Code::SgNoEgressRules),
                hop: hop.clone(),
            };
            let finding = Finding::new(&META, inst.node, payload)
                .certainty(overall(blocked.iter().map(|(_, _, c)| *c)))
                .related(ctx.net.link(groups).targets().into_iter().copied())
                .related(s.path.endpoint)
                .hop(hop.clone());
            out.push(finding);
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
    fn fires_on_the_default_egress_pitfall() {
        baseline().without("aws_security_group.app", Some("egress")).check(|t| {
            let f = t.findings(&InstanceEgressBlocked);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("no egress rule at all"), "{}", f[0].1);
        });
    }

    #[test]
    fn fires_when_egress_misses_443() {
        let egress = json!([{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}]);
        baseline().set("aws_security_group.app", "egress", egress).check(|t| {
            let f = t.findings(&InstanceEgressBlocked);
            assert!(f[0].1.contains("no egress rule of aws_security_group.app allows it"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_when_443_leaves_toward_the_endpoints() {
        baseline().check(|t| assert!(t.findings(&InstanceEgressBlocked).is_empty()));
    }
}
