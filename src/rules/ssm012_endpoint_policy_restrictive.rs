//! SSM012 endpoint-policy-restrictive: an endpoint policy that does not allow the actions
//! the agent calls through that endpoint. Without a policy an endpoint allows everything.

use serde_json::Value;

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::Certainty;
use crate::reach::iam::{glob_match, patterns};

pub struct EndpointPolicyRestrictive;

static META: RuleMeta = RuleMeta {
    id: "SSM012",
    name: "endpoint-policy-restrictive",
    severity: Severity::Warning,
    summary: "an endpoint policy that does not allow the actions the agent needs",
    doc: include_str!("../../rules/SSM012.md"),
};

/// The calls SSM Agent makes through each endpoint.
fn needed(service: &str) -> &'static [&'static str] {
    match service {
        // Registering and heartbeats; without it the instance never shows as managed.
        "ssm" => &["ssm:UpdateInstanceInformation"],
        "ssmmessages" => &[
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ],
        "ec2messages" => &[
            "ec2messages:GetMessages",
            "ec2messages:AcknowledgeMessage",
            "ec2messages:SendReply",
            "ec2messages:GetEndpoint",
        ],
        _ => &[],
    }
}

/// Whether the policy allows `action` for any principal: `Some(Definite)` when a plain
/// statement (any principal, any resource, no condition) allows it, `Some(Possible)` when
/// only a narrower statement does or a conditional `Deny` may remove it, `None` when nothing
/// allows it or an unconditional `Deny` matches.
fn allows(doc: &Value, action: &str) -> Option<Certainty> {
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => return None,
    };
    let matches = |s: &Value| match (s.get("Action"), s.get("NotAction")) {
        (Some(a), _) => patterns(a).iter().any(|p| glob_match(p, action)),
        (None, Some(na)) => !patterns(na).iter().any(|p| glob_match(p, action)),
        _ => false,
    };
    let mut best: Option<Certainty> = None;
    let mut conditional_deny = false;
    for s in statements.iter().filter(|s| matches(s)) {
        let effect = s.get("Effect").and_then(Value::as_str).unwrap_or("");
        if effect.eq_ignore_ascii_case("deny") {
            // An unconditional deny wins over every allow.
            if s.get("Condition").is_some() {
                conditional_deny = true;
                continue;
            }
            return None;
        }
        if effect.eq_ignore_ascii_case("allow") {
            let open_principal = match s.get("Principal") {
                None => true,
                Some(Value::String(p)) => p == "*",
                Some(Value::Object(m)) => m.get("AWS").is_some_and(|p| patterns(p).iter().any(|x| x == "*")),
                _ => false,
            };
            let any_resource = s.get("Resource").is_none_or(|r| patterns(r).iter().any(|x| x == "*"));
            let c = if open_principal && any_resource && s.get("Condition").is_none() {
                Certainty::Definite
            } else {
                Certainty::Possible
            };
            best = Some(match best {
                Some(Certainty::Definite) => Certainty::Definite,
                _ => c,
            });
        }
    }
    if conditional_deny { best.map(|_| Certainty::Possible) } else { best }
}

impl Rule for EndpointPolicyRestrictive {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for e in &ctx.reach.endpoints {
            let Some(service) = e.service.as_deref() else { continue };
            let actions = needed(service);
            if actions.is_empty() {
                continue;
            }
            let Some(text) = e.policy.value() else { continue };
            let Ok(doc) = serde_json::from_str::<Value>(text) else { continue };
            let mut missing = Vec::new();
            let mut possible = Vec::new();
            for a in actions {
                match allows(&doc, a) {
                    None => missing.push(*a),
                    Some(Certainty::Possible) => possible.push(*a),
                    Some(Certainty::Definite) => {}
                }
            }
            let (list, certainty) = match (missing.is_empty(), possible.is_empty()) {
                (true, true) => continue,
                (false, _) => (missing, Certainty::Definite),
                (true, false) => (possible, Certainty::Possible),
            };
            let name = ctx.net.model.resources[e.res].address();
            out.push(
                Finding::new(
                    &META,
                    e.res,
                    format!(
                        "the policy of {name} does not {}allow {}, which SSM Agent calls through this endpoint",
                        if certainty == Certainty::Possible { "unconditionally " } else { "" },
                        list.join(", ")
                    ),
                    format!("allow {service}:* (or at least {}) for the instances' role in the endpoint policy, or remove the policy", list.join(", ")),
                )
                .certainty(certainty),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_allow_and_deny() {
        let only_s3: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(allows(&only_s3, "ssm:UpdateInstanceInformation"), None);
        let all: Value = serde_json::from_str(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(allows(&all, "ssmmessages:OpenDataChannel"), Some(Certainty::Definite));
        let conditional: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ssm:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"1"}}}]}"#,
        )
        .unwrap();
        assert_eq!(allows(&conditional, "ssm:UpdateInstanceInformation"), Some(Certainty::Possible));
        let narrow: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ssm:*","Resource":"arn:aws:ssm:us-east-1:1:document/*"}]}"#,
        )
        .unwrap();
        assert_eq!(allows(&narrow, "ssm:UpdateInstanceInformation"), Some(Certainty::Possible));
        let denied_if: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
                             {"Effect":"Deny","Principal":"*","Action":"ssm:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        )
        .unwrap();
        assert_eq!(allows(&denied_if, "ssm:UpdateInstanceInformation"), Some(Certainty::Possible));
        let denied: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
                             {"Effect":"Deny","Principal":"*","Action":"ssm:*","Resource":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(allows(&denied, "ssm:UpdateInstanceInformation"), None);
    }
}
