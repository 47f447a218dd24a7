//! SSM010 instance-profile-missing: SSM Agent gets no credentials at all — no instance
//! profile (and no working Default Host Management Configuration), or a profile without a
//! role. A role that lacks actions is SSM015's.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::Network;
use crate::network::graph::NodeId;
use crate::reach::{Code, IamFinding, Tri};

declare_rule!(InstanceProfileMissing {
    id: "SSM010",
    name: "instance-profile-missing",
    severity: Error,
    category: Reachability,
    summary: "no instance profile (nor a working Default Host Management role), or a profile without a role: SSM Agent gets no credentials",
});

#[derive(Debug)]
enum NoCredentials {
    NoProfile { instance: NodeId },
    NoRole { instance: NodeId, profile: NodeId },
    HostManagementRole { instance: NodeId, role: NodeId, untrusted: bool, missing: Vec<&'static str> },
}

impl Message for NoCredentials {
    fn message(&self, net: &Network<'_, '_>) -> String {
        match self {
            NoCredentials::NoProfile { instance } => format!(
                "{} has no IAM instance profile, so SSM Agent has no credentials to register with Systems Manager",
                net.describe(*instance)
            ),
            NoCredentials::NoRole { instance, profile } => format!(
                "{}'s instance role cannot register with Systems Manager: instance profile {} has no role",
                net.describe(*instance),
                net.name(*profile)
            ),
            NoCredentials::HostManagementRole { instance, role, untrusted: true, .. } => format!(
                "{} has no IAM instance profile, and the Default Host Management role {} does not trust ssm.amazonaws.com, so SSM Agent gets no credentials",
                net.describe(*instance),
                net.name(*role)
            ),
            NoCredentials::HostManagementRole { instance, role, missing, .. } => format!(
                "{} has no IAM instance profile, and the Default Host Management role {} does not grant {}, so SSM Agent cannot register and open sessions",
                net.describe(*instance),
                net.name(*role),
                missing.join(", ")
            ),
        }
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        match self {
            NoCredentials::NoProfile { .. } => "set iam_instance_profile to a profile whose role has the AWS managed policy AmazonSSMManagedInstanceCore; or, if Default Host Management Configuration is enabled in the account, set [assume] default_host_management = true in tfreach.toml".into(),
            NoCredentials::NoRole { .. } => "set the instance profile's role to one with the AWS managed policy AmazonSSMManagedInstanceCore".into(),
            NoCredentials::HostManagementRole { untrusted: true, .. } => "let ssm.amazonaws.com assume the role (a trust policy statement allowing sts:AssumeRole to {\"Service\": \"ssm.amazonaws.com\"}), or give the instance an instance profile".into(),
            NoCredentials::HostManagementRole { .. } => "attach arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy to the Default Host Management role, or give the instance an instance profile whose role has AmazonSSMManagedInstanceCore".into(),
        }
    }
}

impl Rule for InstanceProfileMissing {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        ctx.instances
            .iter()
            .filter(|i| i.iam.outcome == Tri::No)
            .filter_map(|inst| {
                let instance = inst.node;
                let (payload, code) = match &inst.iam.finding {
                    IamFinding::NoProfile => (NoCredentials::NoProfile { instance }, Code::InstanceProfileMissing),
                    IamFinding::NoRole { profile } => {
                        (NoCredentials::NoRole { instance, profile: *profile }, Code::IamPermissionsMissing)
                    }
                    IamFinding::HostManagement { role, untrusted, .. } => (
                        NoCredentials::HostManagementRole {
                            instance,
                            role: *role,
                            untrusted: *untrusted,
                            missing: inst.iam.missing.clone(),
                        },
                        Code::IamPermissionsMissing,
                    ),
                    _ => return None,
                };
                Some(Finding::new(&META, instance, payload).related(inst.iam.involved.iter().copied()).code(code))
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
    fn fires_without_a_profile() {
        baseline().without("aws_instance.app", Some("iam_instance_profile")).check(|t| {
            let f = t.findings(&InstanceProfileMissing);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("has no IAM instance profile"), "{}", f[0].1);
        });
    }

    #[test]
    fn fires_when_the_profile_has_no_role() {
        baseline().without("aws_iam_instance_profile.app", Some("role")).check(|t| {
            let f = t.findings(&InstanceProfileMissing);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("instance profile aws_iam_instance_profile.app has no role"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_when_the_role_lacks_actions_which_is_ssm015s() {
        let policy = json!([{"name": "x", "policy": r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#}]);
        baseline()
            .without("aws_iam_role.app", Some("managed_policy_arns"))
            .set("aws_iam_role.app", "inline_policy", policy)
            .check(|t| assert!(t.findings(&InstanceProfileMissing).is_empty()));
    }

    #[test]
    fn silent_with_the_core_policy_or_assumed_host_management() {
        baseline().check(|t| assert!(t.findings(&InstanceProfileMissing).is_empty()));
        let dhmc = crate::reach::Assumptions { default_host_management: true };
        baseline()
            .without("aws_instance.app", Some("iam_instance_profile"))
            .assume(dhmc)
            .check(|t| assert!(t.findings(&InstanceProfileMissing).is_empty()));
    }
}
