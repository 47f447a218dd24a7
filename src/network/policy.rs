//! The one IAM policy evaluator: identity policies of instance roles and VPC endpoint
//! policies alike. A statement applies when its action, resource, principal and condition
//! all match; an explicit `Deny` wins over every `Allow`. What the plan cannot tell (a
//! condition, a narrower resource or principal) makes the answer `Maybe`, never a guess.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::tri::Tri;

/// What a request's resource is, for matching `Resource` / `NotResource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// Actions that take no resource (`ssmmessages:*`): only `*` covers them for certain.
    Any,
    /// An EC2 instance (`ssm:UpdateInstanceInformation` is called on the instance's ARN).
    Instance,
}

/// Who makes the request, for matching `Principal` (endpoint and resource policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// An identity policy: the policy's holder; `Principal` does not apply.
    Holder,
    /// Some instance's role, calling through a VPC endpoint.
    InstanceRole,
    /// An AWS service assuming a role (a trust policy's `{"Service": …}` principal).
    Service(&'static str),
}

/// One request to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct Request<'r> {
    pub action: &'r str,
    pub resource: ResourceKind,
    pub caller: Caller,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// A list of patterns, or its negation (`NotAction`, `NotResource`, `NotPrincipal`).
#[derive(Debug, Clone)]
enum Patterns {
    Only(Vec<String>),
    Except(Vec<String>),
}

#[derive(Debug, Clone)]
struct Statement {
    effect: Effect,
    actions: Patterns,
    resources: Option<Patterns>,
    principals: Option<Patterns>,
    conditional: bool,
}

/// A parsed policy document.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

/// Policy documents parsed once per distinct text: roles in module copies, and roles that
/// share a trust policy, hold the same text.
#[derive(Debug, Default)]
pub struct Documents {
    parsed: RwLock<FxHashMap<Box<str>, Option<Arc<PolicyDocument>>>>,
}

impl Documents {
    /// [`PolicyDocument::parse`] of `text`, parsed on its first request.
    pub fn parse(&self, text: &str) -> Option<Arc<PolicyDocument>> {
        if let Some(known) = self.parsed.read().unwrap_or_else(|e| e.into_inner()).get(text) {
            return known.clone();
        }
        let parsed = PolicyDocument::parse(text).map(Arc::new);
        let mut cache = self.parsed.write().unwrap_or_else(|e| e.into_inner());
        cache.entry(text.into()).or_insert(parsed).clone()
    }
}

/// A synthetic instance ARN: only wildcards match its account, region and id.
const SOME_INSTANCE: &str = "arn:aws:ec2:zz-zzzz-9:000000000000:instance/i-0zzzzzzzzzzzzzzzz";

impl PolicyDocument {
    /// Parses a policy's JSON text; `None` when it is not a policy document.
    pub fn parse(text: &str) -> Option<PolicyDocument> {
        let doc: Value = serde_json::from_str(text).ok()?;
        let statements = match doc.get("Statement")? {
            Value::Array(items) => items.iter().filter_map(statement).collect(),
            s @ Value::Object(_) => statement(s).into_iter().collect(),
            _ => return None,
        };
        Some(PolicyDocument { statements })
    }

    /// Whether the policy allows the request: `Yes` when a statement certainly allows it and
    /// none may deny it, `No` when none may allow it or one certainly denies it.
    pub fn allows(&self, request: &Request<'_>) -> Tri {
        let (allow, deny) = self.decisions(request);
        allow.and(!deny)
    }

    /// (may an `Allow` apply, may a `Deny` apply).
    pub fn decisions(&self, request: &Request<'_>) -> (Tri, Tri) {
        let mut allow = Tri::No;
        let mut deny = Tri::No;
        for s in &self.statements {
            let applies = s.applies(request);
            match s.effect {
                Effect::Allow => allow = allow.or(applies),
                Effect::Deny => deny = deny.or(applies),
            }
        }
        (allow, deny)
    }
}

impl Statement {
    fn applies(&self, r: &Request<'_>) -> Tri {
        let action = match &self.actions {
            Patterns::Only(p) => p.iter().any(|p| glob_match(p, r.action)),
            Patterns::Except(p) => !p.iter().any(|p| glob_match(p, r.action)),
        };
        if !action {
            return Tri::No;
        }
        let resource = match &self.resources {
            None => Tri::Yes,
            Some(Patterns::Only(p)) => Tri::any(p.iter().map(|p| resource_match(p, r))),
            Some(Patterns::Except(p)) => Tri::all(p.iter().map(|p| !resource_match(p, r))),
        };
        let principal = match (r.caller, &self.principals) {
            // A trust policy statement without a principal trusts no one.
            (Caller::Service(_), None) => Tri::No,
            (Caller::Holder, _) | (_, None) => Tri::Yes,
            (Caller::InstanceRole, Some(Patterns::Only(p))) => {
                if p.iter().any(|x| x == "*") {
                    Tri::Yes
                } else {
                    Tri::Maybe
                }
            }
            (Caller::InstanceRole, Some(Patterns::Except(_))) => Tri::Maybe,
            (Caller::Service(svc), Some(Patterns::Only(p))) => {
                Tri::from_bool(p.iter().any(|x| x == "*" || x.eq_ignore_ascii_case(svc)))
            }
            (Caller::Service(svc), Some(Patterns::Except(p))) => {
                Tri::from_bool(!p.iter().any(|x| x.eq_ignore_ascii_case(svc)))
            }
        };
        let condition = if self.conditional { Tri::Maybe } else { Tri::Yes };
        resource.and(principal).and(condition)
    }
}

/// Whether a `Resource` pattern covers the request's resource: for certain when only
/// wildcards could match it, maybe when it names resources of the right service.
fn resource_match(pattern: &str, r: &Request<'_>) -> Tri {
    if pattern == "*" {
        return Tri::Yes;
    }
    let service = pattern.split(':').nth(2).unwrap_or("");
    match r.resource {
        ResourceKind::Instance if glob_match(pattern, SOME_INSTANCE) => Tri::Yes,
        ResourceKind::Instance if matches!(service, "ec2" | "*" | "ssm") => Tri::Maybe,
        ResourceKind::Any if r.action.split(':').next().is_some_and(|prefix| glob_match(service, prefix)) => Tri::Maybe,
        _ => Tri::No,
    }
}

fn statement(s: &Value) -> Option<Statement> {
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
        Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
        _ => return None,
    };
    let actions = patterns_of(s, "Action", "NotAction")?;
    let principals = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(p), _) => Some(Patterns::Only(principal_patterns(p))),
        (None, Some(p)) => Some(Patterns::Except(principal_patterns(p))),
        _ => None,
    };
    Some(Statement {
        effect,
        actions,
        resources: patterns_of(s, "Resource", "NotResource"),
        principals,
        conditional: s.get("Condition").is_some_and(|c| !c.as_object().is_some_and(|m| m.is_empty())),
    })
}

fn patterns_of(s: &Value, only: &str, except: &str) -> Option<Patterns> {
    match (s.get(only), s.get(except)) {
        (Some(v), _) => Some(Patterns::Only(strings(v))),
        (None, Some(v)) => Some(Patterns::Except(strings(v))),
        _ => None,
    }
}

/// `"*"`, `{"AWS": "*"}`, `{"AWS": ["arn:…"]}`, `{"Service": …}`.
fn principal_patterns(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => m.values().flat_map(strings).collect(),
        other => strings(other),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// IAM pattern matching: case-insensitive, `*` and `?` wildcards.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    // Iterative with one backtrack point: linear in practice, never exponential.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> PolicyDocument {
        PolicyDocument::parse(json).expect("a policy")
    }

    const UPDATE: Request<'static> =
        Request { action: "ssm:UpdateInstanceInformation", resource: ResourceKind::Instance, caller: Caller::Holder };
    const OPEN_DATA: Request<'static> =
        Request { action: "ssmmessages:OpenDataChannel", resource: ResourceKind::Any, caller: Caller::Holder };

    #[test]
    fn documents_parse_each_text_once() {
        let docs = Documents::default();
        let allow = r#"{"Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"*"}}"#;
        let deny = r#"{"Statement":{"Effect":"Deny","Action":"ssm:*","Resource":"*"}}"#;
        let first = docs.parse(allow).expect("a policy");
        assert!(Arc::ptr_eq(&first, &docs.parse(allow).expect("a policy")));
        // Another text is another document, not the one cached.
        let other = docs.parse(deny).expect("a policy");
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(first.allows(&UPDATE), Tri::Yes);
        assert_eq!(other.allows(&UPDATE), Tri::No);
        assert!(docs.parse("not json").is_none());
        assert!(docs.parse("not json").is_none());
    }

    #[test]
    fn matches_iam_wildcards() {
        assert!(glob_match("ssmmessages:*", "ssmmessages:OpenDataChannel"));
        assert!(glob_match("SSM:Update*", "ssm:UpdateInstanceInformation"));
        assert!(glob_match("*", "ssm:UpdateInstanceInformation"));
        assert!(glob_match("ssm:Update?nstance*", "ssm:UpdateInstanceInformation"));
        assert!(!glob_match("ssm:Get*", "ssm:UpdateInstanceInformation"));
        assert!(!glob_match("a*b*c", &"a".repeat(40)));
    }

    #[test]
    fn an_explicit_deny_wins() {
        let d = doc(
            r#"{"Statement":[{"Effect":"Allow","Action":["ssm:UpdateInstanceInformation","ssmmessages:*"],"Resource":"*"},
                                     {"Effect":"Deny","Action":"ssmmessages:OpenDataChannel","Resource":"*"}]}"#,
        );
        assert_eq!(d.allows(&UPDATE), Tri::Yes);
        assert_eq!(d.allows(&OPEN_DATA), Tri::No);
    }

    #[test]
    fn nothing_allowed_is_denied() {
        let d = doc(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#);
        assert_eq!(d.allows(&UPDATE), Tri::No);
    }

    #[test]
    fn resources_narrow_the_allow() {
        let any_instance =
            doc(r#"{"Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ec2:*:*:instance/*"}}"#);
        assert_eq!(any_instance.allows(&UPDATE), Tri::Yes);
        let one_account = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ec2:us-east-1:111122223333:instance/*"}}"#,
        );
        assert_eq!(one_account.allows(&UPDATE), Tri::Maybe);
        let buckets = doc(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}}"#);
        assert_eq!(buckets.allows(&UPDATE), Tri::No);
        assert_eq!(buckets.allows(&OPEN_DATA), Tri::No);
    }

    #[test]
    fn conditions_and_principals_make_it_uncertain() {
        let conditional = doc(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ssm:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"1"}}}]}"#,
        );
        let through_endpoint = Request { caller: Caller::InstanceRole, ..UPDATE };
        assert_eq!(conditional.allows(&through_endpoint), Tri::Maybe);
        let one_role = doc(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/app"},"Action":"*","Resource":"*"}]}"#,
        );
        assert_eq!(one_role.allows(&through_endpoint), Tri::Maybe);
        assert_eq!(one_role.allows(&UPDATE), Tri::Yes, "an identity policy has no principal to match");
        let conditional_deny = doc(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
                             {"Effect":"Deny","Principal":"*","Action":"ssm:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#);
        assert_eq!(conditional_deny.allows(&through_endpoint), Tri::Maybe);
    }

    #[test]
    fn not_action_and_not_resource() {
        let d = doc(r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::x"}}"#);
        assert_eq!(d.allows(&UPDATE), Tri::Yes);
        assert!(PolicyDocument::parse("not json").is_none());
        assert!(PolicyDocument::parse(r#"{"Version":"2012-10-17"}"#).is_none());
    }
}
