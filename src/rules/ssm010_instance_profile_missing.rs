//! SSM010 instance-profile-missing: no instance profile, or its role grants neither
//! `AmazonSSMManagedInstanceCore` nor the actions the agent needs.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::{Code, Tri};

pub struct InstanceProfileMissing;

static META: RuleMeta = RuleMeta {
    id: "SSM010",
    name: "instance-profile-missing",
    severity: Severity::Error,
    summary: "no instance profile, or its role grants neither AmazonSSMManagedInstanceCore nor the equivalent actions",
    doc: include_str!("../../rules/SSM010.md"),
};

impl Rule for InstanceProfileMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        ctx.instances
            .iter()
            .filter(|i| i.iam.outcome == Tri::No)
            .map(|inst| {
                let name = ctx.net.model.resources[inst.res].address();
                let (message, help, code) = if inst.iam.no_profile {
                    (
                        format!("{name} has no IAM instance profile, so SSM Agent has no credentials to register with Systems Manager"),
                        "set iam_instance_profile to a profile whose role has the AWS managed policy AmazonSSMManagedInstanceCore; or, if Default Host Management Configuration is enabled in the account, set [assume] default_host_management = true in tfreach.toml".to_string(),
                        Code::InstanceProfileMissing,
                    )
                } else {
                    (
                        format!("{name}'s instance role cannot register with Systems Manager: {}", inst.iam.reason),
                        "attach arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore to the role, or grant ssm:UpdateInstanceInformation and ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel".to_string(),
                        Code::IamPermissionsMissing,
                    )
                };
                Finding::new(&META, inst.res, message, help).related(inst.iam.involved.iter().cloned()).code(code)
            })
            .collect()
    }
}
