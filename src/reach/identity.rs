//! The checks on the instance itself: does the agent get credentials that let it register and
//! open sessions (instance profile → role → policies), and can it reach the metadata
//! service that hands them out?

use super::Assumptions;
use crate::network::compute::{Compute, Identity};
use crate::network::graph::{LinkId, NodeId};
use crate::network::iam::Permissions;
use crate::network::{Network, Node};
use crate::tri::Tri;

/// What decided the identity check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamFinding {
    /// No instance profile at all.
    NoProfile,
    /// No profile, but Default Host Management Configuration is assumed to provide credentials.
    AssumedDefaultHostManagement,
    /// The profile link could not be resolved.
    ProfileUnresolved,
    /// The profile is not in the plan, or read from AWS.
    ProfileOutsidePlan { profile: NodeId, data: bool },
    /// The profile has no role.
    NoRole { profile: NodeId },
    /// The role is not in the plan.
    RoleOutsidePlan { role: NodeId },
    /// What the role's policies grant.
    Role { role: NodeId },
    /// No profile: Default Host Management Configuration in the plan (`setting`) gives the
    /// instance the credentials of `role`, if that role grants the actions and Systems
    /// Manager may assume it.
    HostManagement { setting: NodeId, role: NodeId, untrusted: bool },
}

/// The identity check of one instance.
#[derive(Debug, Clone)]
pub struct IamCheck {
    pub outcome: Tri,
    /// Registration (`ssm:UpdateInstanceInformation`).
    pub registration: Tri,
    /// Sessions (the `ssmmessages` channel actions).
    pub sessions: Tri,
    /// The case that decides: the first that is not a pass.
    pub finding: IamFinding,
    /// The actions certainly not granted.
    pub missing: Vec<&'static str>,
    /// What the plan does not tell.
    pub doubts: Vec<String>,
    /// The profile, role and policy holders involved.
    pub involved: Vec<NodeId>,
}

impl IamCheck {
    fn simple(outcome: Tri, finding: IamFinding, involved: Vec<NodeId>, doubts: Vec<String>) -> IamCheck {
        IamCheck { outcome, registration: outcome, sessions: outcome, finding, missing: Vec::new(), doubts, involved }
    }
}

/// The identity check of `c`.
pub fn iam_check(net: &Network<'_, '_>, c: &Compute, assumptions: &Assumptions) -> IamCheck {
    match c.identity {
        Identity::Profile(link) => profile_check(net, link, c.region.as_deref(), assumptions),
        Identity::NodeRole(link) => {
            let roles: Vec<NodeId> = net.link(link).targets().into_iter().copied().collect();
            if roles.is_empty() {
                return IamCheck::simple(
                    Tri::Maybe,
                    IamFinding::ProfileUnresolved,
                    Vec::new(),
                    vec!["the node role could not be resolved".into()],
                );
            }
            combine(roles.into_iter().map(|r| role_check(net, r, Vec::new())).collect())
        }
    }
}

fn profile_check(net: &Network<'_, '_>, link: LinkId, region: Option<&str>, assumptions: &Assumptions) -> IamCheck {
    let l = net.link(link);
    let profiles: Vec<NodeId> = l.targets().into_iter().copied().collect();
    if profiles.is_empty() {
        if l.has_doubts() {
            let why = "the instance profile could not be resolved".to_string();
            return IamCheck::simple(Tri::Maybe, IamFinding::ProfileUnresolved, Vec::new(), vec![why]);
        }
        if assumptions.default_host_management {
            return IamCheck::simple(Tri::Yes, IamFinding::AssumedDefaultHostManagement, Vec::new(), Vec::new());
        }
        if let Some(check) = host_management_check(net, region) {
            return check;
        }
        let mut check = IamCheck::simple(Tri::No, IamFinding::NoProfile, Vec::new(), Vec::new());
        check.missing = required_actions();
        return check;
    }
    combine(profiles.into_iter().map(|p| one_profile(net, p)).collect())
}

fn one_profile(net: &Network<'_, '_>, profile: NodeId) -> IamCheck {
    let outside = |data: bool, why: String| {
        IamCheck::simple(Tri::Maybe, IamFinding::ProfileOutsidePlan { profile, data }, vec![profile], vec![why])
    };
    if matches!(net.graph.weight(profile), Node::External(_)) {
        return outside(false, format!("instance profile {} is not in the plan", net.name(profile)));
    }
    if net.is_data(profile) {
        return outside(
            true,
            format!("{} is read from AWS; its role's policies are not in the plan", net.name(profile)),
        );
    }
    let role = net.profiles.get(&profile).and_then(|p| p.role);
    let roles: Vec<NodeId> = role.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
    if roles.is_empty() {
        let unset = role.is_none_or(|l| net.link(l).unset);
        let mut check = IamCheck::simple(
            if unset { Tri::No } else { Tri::Maybe },
            IamFinding::NoRole { profile },
            vec![profile],
            Vec::new(),
        );
        check.missing = required_actions();
        return check;
    }
    combine(roles.into_iter().map(|r| role_check(net, r, vec![profile])).collect())
}

fn role_check(net: &Network<'_, '_>, role: NodeId, mut involved: Vec<NodeId>) -> IamCheck {
    involved.push(role);
    let Some(r) = net.roles.get(&role) else {
        let why = format!("role {} is not in the plan", net.name(role));
        return IamCheck::simple(Tri::Maybe, IamFinding::RoleOutsidePlan { role }, involved, vec![why]);
    };
    let p: &Permissions = &r.permissions;
    involved.extend(p.involved.iter().copied().filter(|n| *n != role));
    IamCheck {
        outcome: p.outcome(),
        registration: p.registration(),
        sessions: p.sessions(),
        finding: IamFinding::Role { role },
        missing: p.missing(),
        doubts: p
            .doubts
            .iter()
            .map(|d| format!("role {} may grant the agent's actions: {d}", net.name(role)))
            .collect(),
        involved,
    }
}

/// Default Host Management Configuration set in the plan for the instance's region (a
/// setting whose region or the instance's is unknown counts): what its role lets the agent do.
/// The metadata service it needs is the instance's own check (SSM011); either `http_tokens`
/// setting serves IMDSv2, which is all it uses.
fn host_management_check(net: &Network<'_, '_>, region: Option<&str>) -> Option<IamCheck> {
    let checks: Vec<IamCheck> = net
        .host_management
        .iter()
        .filter(|h| h.region.as_deref().zip(region).is_none_or(|(a, b)| a == b))
        .flat_map(|h| {
            let roles: Vec<NodeId> =
                h.role.map(|l| net.link(l).targets().into_iter().copied().collect()).unwrap_or_default();
            if roles.is_empty() {
                let why = format!("the Default Host Management role that {} names is not resolved", net.name(h.node));
                return vec![IamCheck::simple(Tri::Maybe, IamFinding::ProfileUnresolved, vec![h.node], vec![why])];
            }
            roles
                .into_iter()
                .map(|role| {
                    let mut check = role_check(net, role, vec![h.node]);
                    if let IamFinding::Role { role } = check.finding {
                        let trust = net.roles.get(&role).map_or(Tri::Maybe, |r| r.trusts_ssm);
                        if trust == Tri::Maybe {
                            check.doubts.push(format!(
                                "whether ssm.amazonaws.com may assume role {} is unknown until apply",
                                net.name(role)
                            ));
                        }
                        check.outcome = check.outcome.and(trust);
                        check.finding =
                            IamFinding::HostManagement { setting: h.node, role, untrusted: trust == Tri::No };
                    }
                    check
                })
                .collect()
        })
        .collect();
    (!checks.is_empty()).then(|| combine(checks))
}

/// Over candidates: the same answer everywhere, or unknown; the case shown is the first
/// that is not a pass.
fn combine(checks: Vec<IamCheck>) -> IamCheck {
    let outcome = Tri::agree(checks.iter().map(|c| c.outcome));
    let registration = Tri::agree(checks.iter().map(|c| c.registration));
    let sessions = Tri::agree(checks.iter().map(|c| c.sessions));
    let mut involved: Vec<NodeId> = Vec::new();
    let mut doubts: Vec<String> = Vec::new();
    for c in &checks {
        for n in &c.involved {
            if !involved.contains(n) {
                involved.push(*n);
            }
        }
        for d in &c.doubts {
            if !doubts.contains(d) {
                doubts.push(d.clone());
            }
        }
    }
    let shown = checks.iter().find(|c| c.outcome != Tri::Yes).or(checks.first()).cloned().expect("at least one check");
    IamCheck { outcome, registration, sessions, finding: shown.finding, missing: shown.missing, doubts, involved }
}

fn required_actions() -> Vec<&'static str> {
    std::iter::once(crate::network::iam::REGISTRATION)
        .chain(crate::network::iam::SESSION_ACTIONS.iter().copied())
        .collect()
}

/// The metadata-service check of one instance.
#[derive(Debug, Clone)]
pub struct ImdsCheck {
    pub outcome: Tri,
    pub holder: Option<NodeId>,
    /// `http_endpoint = "disabled"`.
    pub disabled: bool,
}

pub fn imds_check(c: &Compute) -> ImdsCheck {
    let outcome = c.imds.enabled();
    ImdsCheck { outcome, holder: c.imds.holder, disabled: outcome == Tri::No }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn the_core_policy_grants_registration_and_sessions() {
        baseline().check(|t| {
            let iam = &t.instance("aws_instance.app").iam;
            assert_eq!((iam.outcome, iam.registration, iam.sessions), (Tri::Yes, Tri::Yes, Tri::Yes));
        });
    }

    #[test]
    fn no_profile_is_no_credentials_unless_host_management_is_assumed() {
        let plan = baseline().without("aws_instance.app", Some("iam_instance_profile"));
        plan.check(|t| assert_eq!(t.instance("aws_instance.app").iam.finding, IamFinding::NoProfile));
        plan.assume(Assumptions { default_host_management: true }).check(|t| {
            let iam = &t.instance("aws_instance.app").iam;
            assert_eq!((iam.outcome, &iam.finding), (Tri::Yes, &IamFinding::AssumedDefaultHostManagement));
        });
    }

    #[test]
    fn a_policy_outside_the_plan_may_grant() {
        let arns = json!(["arn:aws:iam::123456789012:policy/custom"]);
        baseline().set("aws_iam_role.app", "managed_policy_arns", arns).check(|t| {
            let iam = &t.instance("aws_instance.app").iam;
            assert_eq!(iam.outcome, Tri::Maybe);
            assert!(iam.doubts[0].contains("arn:aws:iam::123456789012:policy/custom"), "{:?}", iam.doubts);
        });
    }

    #[test]
    fn registration_and_sessions_are_told_apart() {
        let only_sessions = json!([{"name": "x", "policy": r#"{"Statement":{"Effect":"Allow","Action":"ssmmessages:*","Resource":"*"}}"#}]);
        baseline()
            .without("aws_iam_role.app", Some("managed_policy_arns"))
            .set("aws_iam_role.app", "inline_policy", only_sessions)
            .check(|t| {
                let iam = &t.instance("aws_instance.app").iam;
                assert_eq!((iam.registration, iam.sessions), (Tri::No, Tri::Yes));
                assert_eq!(iam.missing, ["ssm:UpdateInstanceInformation"]);
            });
    }

    fn host_management(role_policy: serde_json::Value, trusted: &str) -> crate::testkit::Plan {
        let trust = format!(
            r#"{{"Statement":{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"Service":"{trusted}"}}}}}}"#
        );
        let setting = json!({
            "setting_id": "arn:aws:ssm:us-east-1:123456789012:servicesetting/ssm/managed-instance/default-ec2-instance-management-role",
            "setting_value": crate::testkit::r("aws_iam_role.dhmc"),
        });
        baseline()
            .without("aws_instance.app", Some("iam_instance_profile"))
            .resource(
                "aws_iam_role.dhmc",
                json!({"name": "dhmc", "assume_role_policy": trust, "managed_policy_arns": role_policy}),
            )
            .resource("aws_ssm_service_setting.dhmc", setting)
    }

    #[test]
    fn host_management_in_the_plan_gives_credentials_through_its_role() {
        let policy = json!(["arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy"]);
        host_management(policy.clone(), "ssm.amazonaws.com").check(|t| {
            let iam = &t.instance("aws_instance.app").iam;
            assert_eq!(iam.outcome, Tri::Yes);
            assert!(matches!(iam.finding, IamFinding::HostManagement { untrusted: false, .. }), "{:?}", iam.finding);
        });
        host_management(policy, "ec2.amazonaws.com").check(|t| {
            let iam = &t.instance("aws_instance.app").iam;
            assert_eq!(iam.outcome, Tri::No);
            assert!(matches!(iam.finding, IamFinding::HostManagement { untrusted: true, .. }), "{:?}", iam.finding);
        });
        host_management(json!([]), "ssm.amazonaws.com").check(|t| {
            let iam = &t.instance("aws_instance.app").iam;
            assert_eq!(iam.outcome, Tri::No);
            assert_eq!(iam.missing.len(), 5);
        });
    }

    #[test]
    fn a_disabled_metadata_service_is_a_failure() {
        baseline().set("aws_instance.app", "metadata_options", json!([{"http_endpoint": "disabled"}])).check(|t| {
            assert!(t.instance("aws_instance.app").imds.disabled);
        });
    }
}
