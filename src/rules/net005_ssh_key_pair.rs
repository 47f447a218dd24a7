//! NET005 ssh-key-pair: `key_name` is set on an instance Session Manager serves; the key is
//! an unmanaged credential that the session access makes unnecessary.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::model::Attr;
use crate::network::graph::NodeId;
use crate::network::Network;
use crate::reach::Tri;

declare_rule!(SshKeyPair {
    id: "NET005",
    name: "ssh-key-pair",
    severity: Note,
    category: Hygiene,
    summary: "key_name is set on an instance that Session Manager serves",
});

#[derive(Debug)]
struct KeyPair {
    instance: NodeId,
    /// Where `key_name` is set: the instance, or its launch template.
    holder: NodeId,
    /// `Some(name)`, or `None` when the name is unknown until apply.
    key: Option<String>,
}

impl Message for KeyPair {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let key = match &self.key {
            Some(k) if k == crate::redact::MASK => format!("key_name = {k}"),
            Some(k) => format!("key_name = \"{k}\""),
            None => "key_name".into(),
        };
        if self.holder == self.instance {
            format!(
                "{} sets {key}, although Session Manager reaches it; the SSH key is a credential nobody needs to hold",
                net.describe(self.instance)
            )
        } else {
            format!(
                "{} sets {key} for {}, although Session Manager reaches it; the SSH key is a credential nobody needs to hold",
                net.describe(self.holder),
                net.describe(self.instance)
            )
        }
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "remove key_name and use `aws ssm start-session`".into()
    }
}

impl Rule for SshKeyPair {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances.iter().filter(|i| i.outcome == Tri::Yes) {
            let c = &ctx.net.compute[inst.compute];
            let sensitive = ctx.net.resource(c.key_name.holder).is_some_and(|id| ctx.net.model()[id].sensitive("key_name"));
            let key = match &c.key_name.value {
                Attr::Known(_) if sensitive => Some(crate::redact::MASK.to_string()),
                Attr::Known(k) if !k.is_empty() => Some(k.clone()),
                Attr::Unknown => None,
                _ => continue,
            };
            let payload = KeyPair { instance: inst.node, holder: c.key_name.holder, key };
            out.push(Finding::new(&META, inst.node, payload).related([c.key_name.holder]));
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
    fn fires_on_a_key_pair() {
        baseline().set("aws_instance.app", "key_name", json!("deploy")).check(|t| {
            let f = t.findings(&SshKeyPair);
            assert_eq!(f.len(), 1);
            assert!(f[0].1.contains("sets key_name = \"deploy\""), "{}", f[0].1);
        });
    }

    #[test]
    fn a_sensitive_key_name_is_never_quoted_however_short() {
        let plan = baseline().set("aws_instance.app", "key_name", json!("k1")).sensitive("aws_instance.app", "key_name");
        plan.check(|t| {
            let f = t.findings(&SshKeyPair);
            assert!(f[0].1.contains("sets key_name = (sensitive)") && !f[0].1.contains("k1"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_without_one_or_with_an_empty_name() {
        baseline().check(|t| assert!(t.findings(&SshKeyPair).is_empty()));
        baseline().set("aws_instance.app", "key_name", json!("")).check(|t| assert!(t.findings(&SshKeyPair).is_empty()));
    }
}
