//! SSM015 instance-role-permissions-missing: the instance's role (through its instance profile,
//! or an EKS node group's node role) does not let SSM Agent register the instance
//! (`ssm:UpdateInstanceInformation`) or open sessions (the `ssmmessages` channel actions).

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::Network;
use crate::network::graph::NodeId;
use crate::network::iam::REGISTRATION;
use crate::reach::{Code, IamFinding, Tri};

declare_rule!(InstanceRolePermissionsMissing {
    id: "SSM015",
    name: "instance-role-permissions-missing",
    severity: Error,
    category: Reachability,
    summary: "the instance role does not grant ssm:UpdateInstanceInformation (registration) or the ssmmessages actions (sessions)",
});

#[derive(Debug)]
struct Lacks {
    instance: NodeId,
    role: NodeId,
    missing: Vec<&'static str>,
}

impl Lacks {
    fn registration(&self) -> bool {
        self.missing.contains(&REGISTRATION)
    }

    fn sessions(&self) -> bool {
        self.missing.iter().any(|a| a.starts_with("ssmmessages:"))
    }
}

impl Message for Lacks {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let consequence = match (self.registration(), self.sessions()) {
            (true, true) => "SSM Agent can neither register the instance with Systems Manager nor open sessions",
            (true, false) => "SSM Agent cannot register the instance, so Systems Manager never lists it and no session can start",
            _ => "the instance registers, but SSM Agent cannot open the session channels, so every session fails",
        };
        format!(
            "{}'s role {} does not grant {}: {consequence}",
            net.describe(self.instance),
            net.name(self.role),
            self.missing.join(", ")
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        let grant = match (self.registration(), self.sessions()) {
            (true, true) => "ssm:UpdateInstanceInformation and ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel",
            (true, false) => "ssm:UpdateInstanceInformation",
            _ => "ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel",
        };
        format!(
            "attach arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore to the role, or grant {grant} on \"*\" (and remove any Deny that covers them)"
        )
    }
}

impl Rule for InstanceRolePermissionsMissing {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        ctx.instances
            .iter()
            .filter(|i| i.iam.outcome == Tri::No)
            .filter_map(|inst| {
                let IamFinding::Role { role } = inst.iam.finding else { return None };
                let payload = Lacks { instance: inst.node, role, missing: inst.iam.missing.clone() };
                Some(
                    Finding::new(&META, inst.node, payload)
                        .related(inst.iam.involved.iter().copied())
                        .code(Code::IamPermissionsMissing),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    fn only(actions: &str) -> crate::testkit::Plan {
        let statement = format!(r#"{{"Statement":{{"Effect":"Allow","Action":{actions},"Resource":"*"}}}}"#);
        baseline()
            .without("aws_iam_role.app", Some("managed_policy_arns"))
            .set("aws_iam_role.app", "inline_policy", json!([{"name": "x", "policy": statement}]))
    }

    #[test]
    fn fires_naming_registration_or_sessions() {
        only(r#"["ssmmessages:*","ec2messages:*"]"#).check(|t| {
            let f = t.findings(&InstanceRolePermissionsMissing);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("does not grant ssm:UpdateInstanceInformation: SSM Agent cannot register"), "{}", f[0].1);
        });
        only(r#""ssm:UpdateInstanceInformation""#).check(|t| {
            let f = t.findings(&InstanceRolePermissionsMissing);
            assert!(f[0].1.contains("ssmmessages:OpenDataChannel: the instance registers, but"), "{}", f[0].1);
        });
        only(r#""s3:*""#).check(|t| {
            assert!(t.findings(&InstanceRolePermissionsMissing)[0].1.contains("can neither register"));
        });
    }

    #[test]
    fn silent_with_the_actions_or_without_a_profile() {
        baseline().check(|t| assert!(t.findings(&InstanceRolePermissionsMissing).is_empty()));
        only(r#"["ssm:UpdateInstanceInformation","ssmmessages:*"]"#)
            .check(|t| assert!(t.findings(&InstanceRolePermissionsMissing).is_empty()));
        // No profile at all is SSM010's.
        baseline()
            .without("aws_instance.app", Some("iam_instance_profile"))
            .check(|t| assert!(t.findings(&InstanceRolePermissionsMissing).is_empty()));
    }
}
