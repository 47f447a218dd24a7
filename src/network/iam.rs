//! IAM: instance profile → role → policy documents, and what the role lets SSM Agent do —
//! computed once per role, whatever number of instances use it.
//!
//! The agent needs `ssm:UpdateInstanceInformation` to register and the four `ssmmessages`
//! channel actions for sessions — granted by `AmazonSSMManagedInstanceCore` or equivalent
//! statements. <https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html>

use std::sync::Arc;

use super::graph::{LinkId, NodeId};
use super::policy::{Caller, Documents, PolicyDocument, Request, ResourceKind};
use crate::model::Attr;
use crate::tri::Tri;

/// The action the agent registers with.
pub const REGISTRATION: &str = "ssm:UpdateInstanceInformation";

/// The actions sessions need.
pub const SESSION_ACTIONS: &[&str] = &[
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// AWS managed policies that grant registration and sessions.
const SUFFICIENT_MANAGED: &[&str] = &[
    "AmazonSSMManagedInstanceCore",
    "AmazonSSMManagedEC2InstanceDefaultPolicy",
    "AmazonEC2RoleforSSM",
    "AmazonSSMFullAccess",
    // `*` on everything, and everything but IAM and Organizations.
    "AdministratorAccess",
    "PowerUserAccess",
];

#[derive(Debug, Clone)]
pub struct InstanceProfile {
    pub role: Option<LinkId>,
}

/// Where a policy of a role comes from.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// A document: an inline policy, an `aws_iam_role_policy`, an `aws_iam_policy` in the plan.
    Document { text: Attr<String>, from: NodeId },
    /// A policy known only by its ARN.
    Managed { arn: Attr<String>, from: NodeId },
}

/// What a role lets the agent do, per action.
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    /// Each required action and whether the role grants it.
    pub actions: Vec<(&'static str, Tri)>,
    /// What the plan does not tell about the role's policies.
    pub doubts: Vec<String>,
    /// The AWS managed policy that covers Systems Manager, when one is attached.
    pub managed: Option<String>,
    /// The resources that hold the role's policies.
    pub involved: Vec<NodeId>,
}

impl Permissions {
    pub fn of(&self, action: &str) -> Tri {
        self.actions.iter().find(|(a, _)| *a == action).map_or(Tri::Maybe, |(_, t)| *t)
    }

    /// `ssm:UpdateInstanceInformation`.
    pub fn registration(&self) -> Tri {
        self.of(REGISTRATION)
    }

    /// Every `ssmmessages` channel action.
    pub fn sessions(&self) -> Tri {
        Tri::all(SESSION_ACTIONS.iter().map(|a| self.of(a)))
    }

    pub fn outcome(&self) -> Tri {
        self.registration().and(self.sessions())
    }

    /// The actions the role certainly does not grant.
    pub fn missing(&self) -> Vec<&'static str> {
        self.actions.iter().filter(|(_, t)| *t == Tri::No).map(|(a, _)| *a).collect()
    }
}

#[derive(Debug, Clone)]
pub struct Role {
    pub sources: Vec<PolicySource>,
    pub permissions: Permissions,
    /// Whether Systems Manager may assume the role (its trust policy admits
    /// `ssm.amazonaws.com`), as Default Host Management Configuration needs.
    pub trusts_ssm: Tri,
}

impl Role {
    pub fn new(sources: Vec<PolicySource>, trust: &Attr<String>, documents: &Documents) -> Role {
        let permissions = permissions(&sources, documents);
        Role { sources, permissions, trusts_ssm: trusts(trust, "ssm.amazonaws.com", documents) }
    }
}

/// Whether a trust policy lets `service` assume the role.
pub fn trusts(trust: &Attr<String>, service: &'static str, documents: &Documents) -> Tri {
    let Some(doc) = trust.value().and_then(|t| documents.parse(t)) else { return Tri::Maybe };
    let request = Request { action: "sts:AssumeRole", resource: ResourceKind::Any, caller: Caller::Service(service) };
    let (allow, deny) = doc.decisions(&request);
    allow.and(!deny)
}

fn is_aws_managed(arn: &str) -> bool {
    arn.contains(":iam::aws:policy/")
}

/// The name of the AWS managed policy `arn` names, when it covers Systems Manager.
pub fn sufficient_managed(arn: &str) -> Option<&'static str> {
    if !is_aws_managed(arn) {
        return None;
    }
    SUFFICIENT_MANAGED.iter().copied().find(|name| arn.strip_suffix(name).is_some_and(|rest| rest.ends_with('/')))
}

/// What a set of policies grants. A policy the plan holds only by its ARN may grant the
/// actions (that is unknown, not a failure); only documents the plan holds can deny.
pub fn permissions(sources: &[PolicySource], parsed: &Documents) -> Permissions {
    let mut documents: Vec<Arc<PolicyDocument>> = Vec::new();
    let mut doubts: Vec<String> = Vec::new();
    let mut managed = None;
    let mut involved: Vec<NodeId> = Vec::new();
    for s in sources {
        let from = match s {
            PolicySource::Document { from, .. } | PolicySource::Managed { from, .. } => *from,
        };
        if !involved.contains(&from) {
            involved.push(from);
        }
        match s {
            PolicySource::Managed { arn: Attr::Known(arn) | Attr::Default(arn), .. } => match sufficient_managed(arn) {
                Some(name) => managed = managed.or(Some(name.to_string())),
                None => doubts.push(format!("the document of {arn} is not in the plan")),
            },
            PolicySource::Managed { .. } => doubts.push("a policy ARN is unknown until apply".into()),
            PolicySource::Document { text: Attr::Known(t) | Attr::Default(t), .. } => match parsed.parse(t) {
                Some(d) => documents.push(d),
                None => doubts.push("a policy document is not valid JSON".into()),
            },
            PolicySource::Document { .. } => doubts.push("a policy document is unknown until apply".into()),
        }
    }
    let mut actions = Vec::new();
    for action in std::iter::once(REGISTRATION).chain(SESSION_ACTIONS.iter().copied()) {
        let resource = if action == REGISTRATION { ResourceKind::Instance } else { ResourceKind::Any };
        let request = Request { action, resource, caller: Caller::Holder };
        let mut allow = if managed.is_some() { Tri::Yes } else { Tri::No };
        let mut deny = Tri::No;
        for d in &documents {
            let (a, dn) = d.decisions(&request);
            allow = allow.or(a);
            deny = deny.or(dn);
        }
        if !doubts.is_empty() {
            allow = allow.or(Tri::Maybe);
        }
        actions.push((action, allow.and(!deny)));
    }
    Permissions { actions, doubts, managed, involved }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::graph::NodeIndex;

    fn doc(text: &str) -> PolicySource {
        PolicySource::Document { text: Attr::Known(text.into()), from: NodeIndex::new(0) }
    }

    fn managed(arn: &str) -> PolicySource {
        PolicySource::Managed { arn: Attr::Known(arn.into()), from: NodeIndex::new(1) }
    }

    #[test]
    fn recognises_sufficient_managed_policies() {
        assert!(sufficient_managed("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore").is_some());
        assert!(sufficient_managed("arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore").is_some());
        assert!(sufficient_managed("arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore").is_none());
        assert!(sufficient_managed("arn:aws:iam::aws:policy/ReadOnlyAccess").is_none());
    }

    #[test]
    fn the_core_policy_grants_everything() {
        let p = permissions(&[managed("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")], &Documents::default());
        assert_eq!(p.outcome(), Tri::Yes);
        assert!(p.doubts.is_empty());
    }

    #[test]
    fn a_document_without_sessions_misses_them() {
        let p = permissions(
            &[doc(r#"{"Statement":{"Effect":"Allow","Action":"ssm:UpdateInstanceInformation","Resource":"*"}}"#)],
            &Documents::default(),
        );
        assert_eq!(p.registration(), Tri::Yes);
        assert_eq!(p.sessions(), Tri::No);
        assert_eq!(p.missing(), SESSION_ACTIONS);
    }

    #[test]
    fn an_unknown_policy_may_grant_but_a_deny_still_denies() {
        let p = permissions(&[managed("arn:aws:iam::123456789012:policy/custom")], &Documents::default());
        assert_eq!(p.outcome(), Tri::Maybe);
        let denied = permissions(
            &[
                managed("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
                doc(r#"{"Statement":{"Effect":"Deny","Action":"ssmmessages:*","Resource":"*"}}"#),
            ],
            &Documents::default(),
        );
        assert_eq!(denied.registration(), Tri::Yes);
        assert_eq!(denied.sessions(), Tri::No);
    }

    #[test]
    fn a_trust_policy_admits_the_services_it_names() {
        let trust = |principal: &str| {
            Attr::Known(format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"Service":{principal}}}}}]}}"#
            ))
        };
        let docs = Documents::default();
        assert_eq!(trusts(&trust(r#""ssm.amazonaws.com""#), "ssm.amazonaws.com", &docs), Tri::Yes);
        assert_eq!(
            trusts(&trust(r#"["ec2.amazonaws.com","ssm.amazonaws.com"]"#), "ssm.amazonaws.com", &docs),
            Tri::Yes
        );
        assert_eq!(trusts(&trust(r#""ec2.amazonaws.com""#), "ssm.amazonaws.com", &docs), Tri::No);
        assert_eq!(trusts(&Attr::Unknown, "ssm.amazonaws.com", &docs), Tri::Maybe);
    }

    #[test]
    fn no_policy_grants_nothing() {
        assert_eq!(permissions(&[], &Documents::default()).outcome(), Tri::No);
    }
}
