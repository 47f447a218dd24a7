//! IAM: does an instance's profile give the SSM Agent the permissions it needs?
//!
//! The agent needs `ssm:UpdateInstanceInformation` to register and the four `ssmmessages`
//! channel actions for sessions — granted by `AmazonSSMManagedInstanceCore` or equivalent
//! statements. <https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html>

use serde_json::Value;

use super::tri::Tri;
use crate::graph::Network;
use crate::model::{Attr, Kind, ResId};
use crate::resolve::{Link, LinkKind, Target};

/// The actions the agent needs for Session Manager.
pub const REQUIRED_ACTIONS: &[&str] = &[
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// AWS managed policies that grant all of [`REQUIRED_ACTIONS`].
const SUFFICIENT_MANAGED: &[&str] = &[
    "AmazonSSMManagedInstanceCore",
    "AmazonSSMManagedEC2InstanceDefaultPolicy",
    "AmazonEC2RoleforSSM",
    "AmazonSSMFullAccess",
    // `*` on everything, and everything but IAM and Organizations.
    "AdministratorAccess",
    "PowerUserAccess",
];

/// The outcome of the permission check.
#[derive(Debug, Clone)]
pub struct Permissions {
    pub outcome: Tri,
    /// What is missing or unknown, in words.
    pub reason: String,
    /// The instance profile and role involved (for related resources).
    pub involved: Vec<Target>,
    pub missing: Vec<&'static str>,
    pub no_profile: bool,
}

/// Checks the instance profile link of an instance (or launch template/configuration).
pub fn permissions(net: &Network<'_, '_>, profile: &Link) -> Permissions {
    let targets = profile.targets();
    if targets.is_empty() {
        if !profile.dead_ends.is_empty() || profile.resolution == crate::resolve::Resolution::Unresolved {
            return unknown(Vec::new(), "the instance profile could not be resolved".into());
        }
        return Permissions {
            outcome: Tri::No,
            reason: "the instance has no IAM instance profile".into(),
            involved: Vec::new(),
            missing: REQUIRED_ACTIONS.to_vec(),
            no_profile: true,
        };
    }
    let results: Vec<Permissions> = targets.iter().map(|t| profile_permissions(net, t)).collect();
    let outcome = Tri::agree(results.iter().map(|p| p.outcome));
    let mut involved: Vec<Target> = Vec::new();
    for p in &results {
        for t in &p.involved {
            if !involved.contains(t) {
                involved.push(t.clone());
            }
        }
    }
    let worst = results.iter().find(|p| p.outcome != Tri::Yes).unwrap_or(&results[0]);
    Permissions { outcome, reason: worst.reason.clone(), involved, missing: worst.missing.clone(), no_profile: false }
}

fn unknown(involved: Vec<Target>, reason: String) -> Permissions {
    Permissions { outcome: Tri::Maybe, reason, involved, missing: Vec::new(), no_profile: false }
}

fn profile_permissions(net: &Network<'_, '_>, profile: &Target) -> Permissions {
    let Target::Resource(pid) = profile else {
        return unknown(vec![profile.clone()], format!("instance profile {} is not in the plan", net.name(profile)));
    };
    if net.model.resources[*pid].is_data() {
        return unknown(
            vec![profile.clone()],
            format!("{} is read from AWS; its role's policies are not in the plan", net.name(profile)),
        );
    }
    let role = net.link(*pid, LinkKind::Role);
    let roles = role.targets();
    if roles.is_empty() {
        let outcome = if role.unset { Tri::No } else { Tri::Maybe };
        return Permissions {
            outcome,
            reason: format!("instance profile {} has no role", net.name(profile)),
            involved: vec![profile.clone()],
            missing: REQUIRED_ACTIONS.to_vec(),
            no_profile: false,
        };
    }
    let per_role: Vec<Permissions> = roles
        .iter()
        .map(|r| {
            let mut p = role_permissions(net, r);
            p.involved.insert(0, profile.clone());
            p
        })
        .collect();
    let outcome = Tri::agree(per_role.iter().map(|p| p.outcome));
    let mut first =
        per_role.into_iter().find(|p| p.outcome == outcome).expect("agree picks an existing outcome or Maybe");
    first.outcome = outcome;
    first
}

/// Every policy a role has, and whether together they grant the required actions.
fn role_permissions(net: &Network<'_, '_>, role: &Target) -> Permissions {
    let Target::Resource(rid) = role else {
        return unknown(vec![role.clone()], format!("role {} is not in the plan", net.name(role)));
    };
    let r = &net.model.resources[*rid];
    // Policies attached by ARN whose document the plan does not hold, and documents.
    let mut managed: Vec<Attr<String>> = Vec::new();
    let mut documents: Vec<(Attr<String>, String)> = Vec::new();
    let mut involved: Vec<Target> = vec![role.clone()];
    if let Attr::Known(arns) = r.attr::<Vec<String>>("managed_policy_arns", None) {
        managed.extend(arns.into_iter().map(Attr::Known));
    }
    for block in r.after.blocks("inline_policy") {
        if let Some(p) = block.str("policy") {
            documents.push((Attr::Known(p.into_owned()), format!("an inline_policy of {}", r.address())));
        }
    }
    if r.unknown.any_true("inline_policy") && r.configures("inline_policy") {
        documents.push((Attr::Unknown, format!("the inline_policy of {}", r.address())));
    }
    let mut attaching: Vec<ResId> =
        net.pointing_at(LinkKind::Role, role).iter().chain(net.pointing_at(LinkKind::Roles, role)).copied().collect();
    attaching.sort_unstable();
    attaching.dedup();
    for other in attaching.into_iter().map(|id| &net.model.resources[id]) {
        if !matches!(other.kind, Kind::IamRolePolicyAttachment | Kind::IamRolePolicy | Kind::IamPolicyAttachment) {
            continue;
        }
        involved.push(Target::Resource(other.id));
        if other.kind == Kind::IamRolePolicy {
            documents.push((other.attr_str("policy"), other.address().to_string()));
            continue;
        }
        let policy = net.link(other.id, LinkKind::Policy);
        match policy.targets().first() {
            Some(Target::External(arn)) => managed.push(Attr::Known(arn.clone())),
            Some(Target::Resource(p)) => {
                let pr = &net.model.resources[*p];
                involved.push(Target::Resource(*p));
                match (pr.attr_str("policy"), pr.attr_str("arn")) {
                    (_, Attr::Known(arn)) if grants_all(&arn) => managed.push(Attr::Known(arn)),
                    (Attr::Known(doc), _) => documents.push((Attr::Known(doc), pr.address().to_string())),
                    (_, Attr::Known(arn)) if pr.is_data() => managed.push(Attr::Known(arn)),
                    (doc, _) => documents.push((doc, pr.address().to_string())),
                }
            }
            _ => managed.push(other.attr_str("policy_arn")),
        }
    }

    // A policy known only by its ARN (another AWS managed policy, a customer policy outside
    // the plan) may grant the actions: that is unknown, not a failure.
    let mut unknown: Vec<String> = managed
        .iter()
        .map(|m| match m.value() {
            Some(arn) => format!("the document of {arn} is not in the plan"),
            None => "a policy ARN is unknown until apply".into(),
        })
        .collect();
    let mut granted = [false; REQUIRED_ACTIONS.len()];
    let mut denied = [false; REQUIRED_ACTIONS.len()];
    for (d, from) in &documents {
        match d.value().map(|text| serde_json::from_str::<Value>(text)) {
            Some(Ok(doc)) => evaluate(&doc, &mut granted, &mut denied),
            Some(Err(_)) => unknown.push(format!("the policy of {from} is not valid JSON")),
            None => unknown.push(format!("the policy of {from} is unknown until apply")),
        }
    }
    // An AWS managed policy that covers Systems Manager grants everything the agent needs,
    // unless another policy denies it: in IAM an explicit Deny wins.
    let covered = managed.iter().any(|m| m.value().is_some_and(|arn| grants_all(arn)));
    if covered {
        granted = [true; REQUIRED_ACTIONS.len()];
        unknown.clear();
    }
    let missing: Vec<&'static str> =
        REQUIRED_ACTIONS.iter().enumerate().filter(|(i, _)| !granted[*i] || denied[*i]).map(|(_, a)| *a).collect();
    let denied_any = denied.iter().any(|d| *d);
    let (outcome, reason) = if missing.is_empty() && covered {
        (Tri::Yes, "an AWS managed policy that covers Systems Manager is attached".to_string())
    } else if missing.is_empty() {
        (Tri::Yes, "the role's policies grant the agent's actions".to_string())
    } else if !unknown.is_empty() && !denied_any {
        (Tri::Maybe, format!("role {} may grant the agent's actions: {}", net.name(role), unknown.join("; ")))
    } else {
        (Tri::No, format!("role {} does not grant {}", net.name(role), missing.join(", ")))
    };
    Permissions { outcome, reason, involved, missing, no_profile: false }
}

fn is_aws_managed(arn: &str) -> bool {
    arn.contains(":iam::aws:policy/")
}

fn grants_all(arn: &str) -> bool {
    is_aws_managed(arn) && SUFFICIENT_MANAGED.iter().any(|name| arn.ends_with(&format!("/{name}")))
}

/// Marks which required actions a policy document allows and denies.
fn evaluate(doc: &Value, granted: &mut [bool], denied: &mut [bool]) {
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    };
    for s in statements {
        let allow = s.get("Effect").and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case("allow"));
        for (i, action) in REQUIRED_ACTIONS.iter().enumerate() {
            let matches = match (s.get("Action"), s.get("NotAction")) {
                (Some(a), _) => patterns(a).iter().any(|p| glob_match(p, action)),
                (None, Some(na)) => !patterns(na).iter().any(|p| glob_match(p, action)),
                _ => false,
            };
            if matches {
                if allow {
                    granted[i] = true;
                } else {
                    denied[i] = true;
                }
            }
        }
    }
}

pub fn patterns(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// IAM action matching: case-insensitive, `*` and `?` wildcards.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// The resources whose IAM the check looked at, as resource ids.
pub fn involved_ids(p: &Permissions) -> Vec<ResId> {
    p.involved
        .iter()
        .filter_map(|t| match t {
            Target::Resource(id) => Some(*id),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_iam_wildcards() {
        assert!(glob_match("ssmmessages:*", "ssmmessages:OpenDataChannel"));
        assert!(glob_match("SSM:Update*", "ssm:UpdateInstanceInformation"));
        assert!(glob_match("*", "ssm:UpdateInstanceInformation"));
        assert!(!glob_match("ssm:Get*", "ssm:UpdateInstanceInformation"));
    }

    #[test]
    fn evaluates_statements_with_deny() {
        let doc: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Action":["ssm:UpdateInstanceInformation","ssmmessages:*"],"Resource":"*"},
                              {"Effect":"Deny","Action":"ssmmessages:OpenDataChannel","Resource":"*"}]}"#,
        )
        .unwrap();
        let (mut g, mut d) = ([false; 5], [false; 5]);
        evaluate(&doc, &mut g, &mut d);
        assert_eq!(g, [true; 5]);
        assert_eq!(d, [false, false, false, false, true]);
    }

    #[test]
    fn recognises_sufficient_managed_policies() {
        assert!(grants_all("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"));
        assert!(grants_all("arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore"));
        assert!(!grants_all("arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore"));
        assert!(!grants_all("arn:aws:iam::aws:policy/ReadOnlyAccess"));
    }
}
