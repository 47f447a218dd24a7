//! SSM012 endpoint-policy-restrictive: an endpoint policy that does not allow the actions
//! the agent calls through that endpoint. Without a policy an endpoint allows everything.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::policy::{Caller, PolicyDocument, Request, ResourceKind};
use crate::network::{Network, Service};
use crate::reach::{Certainty, Tri};

declare_rule!(EndpointPolicyRestrictive {
    id: "SSM012",
    name: "endpoint-policy-restrictive",
    severity: Warning,
    category: Reachability,
    summary: "an endpoint policy that does not allow the actions the agent needs",
});

/// The calls SSM Agent makes through each endpoint.
fn needed(service: Service) -> &'static [&'static str] {
    match service {
        // Registering and heartbeats; without it the instance never shows as managed.
        Service::Ssm => &["ssm:UpdateInstanceInformation"],
        Service::Ssmmessages => &[
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ],
        Service::Ec2messages => &[
            "ec2messages:GetMessages",
            "ec2messages:AcknowledgeMessage",
            "ec2messages:SendReply",
            "ec2messages:GetEndpoint",
        ],
        _ => &[],
    }
}

#[derive(Debug)]
struct PolicyDenies {
    endpoint: NodeId,
    service: Service,
    actions: Vec<&'static str>,
    /// Only some resolutions (a condition, a principal, a resource) deny them.
    conditional: bool,
}

impl Message for PolicyDenies {
    fn message(&self, net: &Network<'_, '_>) -> String {
        format!(
            "the policy of {} does not {}allow {}, which SSM Agent calls through this endpoint",
            net.describe(self.endpoint),
            if self.conditional { "unconditionally " } else { "" },
            self.actions.join(", ")
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        format!(
            "allow {}:* (or at least {}) for the instances' role in the endpoint policy, or remove the policy",
            self.service.name(),
            self.actions.join(", ")
        )
    }
}

impl Rule for EndpointPolicyRestrictive {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut out = Vec::new();
        for e in &ctx.net.endpoints {
            let Some(service) = e.service else { continue };
            let Some(doc) = e.policy.value().and_then(|t| PolicyDocument::parse(t)) else { continue };
            let mut missing = Vec::new();
            let mut possible = Vec::new();
            for action in needed(service) {
                let resource = if *action == "ssm:UpdateInstanceInformation" { ResourceKind::Instance } else { ResourceKind::Any };
                match doc.allows(&Request { action, resource, caller: Caller::InstanceRole }) {
                    Tri::No => missing.push(*action),
                    Tri::Maybe => possible.push(*action),
                    Tri::Yes => {}
                }
            }
            let (actions, certainty) = match (missing.is_empty(), possible.is_empty()) {
                (true, true) => continue,
                (false, _) => (missing, Certainty::Definite),
                (true, false) => (possible, Certainty::Possible),
            };
            let conditional = certainty == Certainty::Possible;
            out.push(
                Finding::new(&META, e.node, PolicyDenies { endpoint: e.node, service, actions, conditional }).certainty(certainty),
            );
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
    fn fires_when_the_policy_allows_other_actions_only() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
        baseline().set("aws_vpc_endpoint.ssm", "policy", json!(policy)).check(|t| {
            let f = t.findings(&EndpointPolicyRestrictive);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].2, crate::reach::Certainty::Definite);
            assert!(f[0].1.contains("does not allow ssm:UpdateInstanceInformation"), "{}", f[0].1);
        });
    }

    #[test]
    fn a_conditional_allow_is_possible() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ssm:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"1"}}}]}"#;
        baseline().set("aws_vpc_endpoint.ssm", "policy", json!(policy)).check(|t| {
            assert_eq!(t.findings(&EndpointPolicyRestrictive)[0].2, crate::reach::Certainty::Possible);
        });
    }

    #[test]
    fn silent_with_an_open_policy_or_none() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        baseline().set("aws_vpc_endpoint.ssm", "policy", json!(policy)).check(|t| assert!(t.findings(&EndpointPolicyRestrictive).is_empty()));
        baseline().check(|t| assert!(t.findings(&EndpointPolicyRestrictive).is_empty()));
    }
}
