//! Instance profiles, roles and the policies that reach them; private hosted zones.

use super::Builder;
use crate::model::{Attr, Kind, Resource};
use crate::network::Node;
use crate::network::dns::{HostedZone, normalize};
use crate::network::graph::NodeId;
use crate::network::iam::{InstanceProfile, PolicySource, Role, sufficient_managed};
use crate::network::policy::Documents;
use crate::resolve::LinkKind;

impl Builder<'_, '_> {
    pub(super) fn iam(&mut self) {
        for r in self.all_of(Kind::IamInstanceProfile) {
            let profile = InstanceProfile { role: self.link(r.id, LinkKind::Role) };
            self.net.profiles.insert(self.node(r.id), profile);
        }
        // Each role's permissions and trust come from parsing its policy documents: the
        // roles are independent, so they are read in parallel.
        let documents = Documents::default();
        let roles = self.read_each(&self.managed(Kind::IamRole), |r, _| self.role_of(r, &documents));
        self.net.roles.extend(roles);
    }

    /// A role with the policies that reach it: its own, inline ones, and those attached.
    fn role_of(&self, r: &Resource<'_>, documents: &Documents) -> Role {
        let node = self.node(r.id);
        let mut sources = Vec::new();
        if let Some(l) = self.link(r.id, LinkKind::Policies) {
            let link = self.net.graph.link(l);
            for t in link.targets() {
                sources.push(self.policy_source(*t, node, None));
            }
            if link.has_doubts() {
                sources.push(PolicySource::Managed { arn: Attr::Unknown, from: node });
            }
        }
        let inline = r.fields.blocks("inline_policy");
        for block in &inline {
            sources.push(PolicySource::Document { text: block.str("policy"), from: node });
        }
        if inline.is_empty() && r.configures("inline_policy") && r.fields.is_unknown("inline_policy") {
            sources.push(PolicySource::Document { text: Attr::Unknown, from: node });
        }
        let mut attaching: Vec<NodeId> = self
            .net
            .graph
            .pointing(node, LinkKind::Role)
            .into_iter()
            .chain(self.net.graph.pointing(node, LinkKind::Roles))
            .map(|p| p.from)
            .collect();
        attaching.sort_unstable();
        attaching.dedup();
        // `aws_iam_role_policies_exclusive` / `_attachments_exclusive`: after apply the role
        // has exactly the inline policies (by name) and managed policies (by ARN) listed.
        let exclusive = |kind: Kind, key: &str| -> Option<Vec<String>> {
            attaching
                .iter()
                .filter_map(|a| self.net.resource(*a))
                .map(|id| &self.model[id])
                .find(|x| x.kind == kind)
                .map(|x| x.fields.strings(key).into_value().unwrap_or_default())
        };
        let inline_names = exclusive(Kind::IamRolePoliciesExclusive, "policy_names");
        let managed_arns = exclusive(Kind::IamRolePolicyAttachmentsExclusive, "policy_arns");
        for a in attaching {
            let Some(id) = self.net.resource(a) else { continue };
            let ar = &self.model[id];
            match ar.kind {
                Kind::IamRolePolicy => {
                    let kept = match (&inline_names, ar.attr_str("name").into_value()) {
                        (Some(names), Some(n)) => names.contains(&n),
                        _ => true,
                    };
                    if kept {
                        sources.push(PolicySource::Document { text: ar.attr_str("policy"), from: a });
                    }
                }
                Kind::IamRolePolicyAttachment | Kind::IamPolicyAttachment
                    if managed_arns.as_ref().is_some_and(|arns| {
                        ar.attr_str("policy_arn").into_value().is_some_and(|arn| !arns.contains(&arn))
                    }) => {}
                Kind::IamRolePolicyAttachment | Kind::IamPolicyAttachment => {
                    let targets = self.link(id, LinkKind::Policy).map(|l| self.targets(l)).unwrap_or_default();
                    if targets.is_empty() {
                        sources.push(PolicySource::Managed { arn: ar.attr_str("policy_arn"), from: a });
                    }
                    for t in targets {
                        sources.push(self.policy_source(t, a, Some(a)));
                    }
                }
                _ => {}
            }
        }
        Role::new(sources, &r.attr_str("assume_role_policy"), documents)
    }

    /// A policy a role gets: an AWS managed policy by its ARN, else the document the plan
    /// holds, else the ARN alone.
    fn policy_source(&self, policy: NodeId, from: NodeId, via: Option<NodeId>) -> PolicySource {
        match self.net.graph.weight(policy) {
            Node::External(arn) => PolicySource::Managed { arn: Attr::Known(arn.clone()), from: via.unwrap_or(from) },
            Node::Resource(id) => {
                let pr = &self.model[*id];
                match (pr.attr_str("policy"), pr.attr_str("arn")) {
                    (_, Attr::Known(arn)) if sufficient_managed(&arn).is_some() => {
                        PolicySource::Managed { arn: Attr::Known(arn), from: policy }
                    }
                    (Attr::Known(doc), _) => PolicySource::Document { text: Attr::Known(doc), from: policy },
                    (_, Attr::Known(arn)) if pr.is_data() => {
                        PolicySource::Managed { arn: Attr::Known(arn), from: policy }
                    }
                    (doc, _) => PolicySource::Document { text: doc, from: policy },
                }
            }
            _ => PolicySource::Managed { arn: Attr::Unknown, from },
        }
    }

    pub(super) fn zones(&mut self) {
        for r in self.managed(Kind::Route53Zone) {
            let node = self.node(r.id);
            let mut vpcs: Vec<_> = self.link(r.id, LinkKind::Vpc).into_iter().collect();
            let mut endpoints = Vec::new();
            for p in self.net.graph.pointing(node, LinkKind::HostedZone) {
                let Some(id) = self.net.resource(p.from) else { continue };
                match self.net.kind(p.from) {
                    Some(Kind::Route53ZoneAssociation) => vpcs.extend(self.link(id, LinkKind::Vpc)),
                    Some(Kind::Route53Record) => endpoints.extend(
                        self.links_of(id).iter().filter(|(k, _)| k.kind == LinkKind::VpcEndpoint).map(|(_, l)| *l),
                    ),
                    _ => {}
                }
            }
            let name = r.attr_str("name").map(|n| normalize(&n));
            self.net.zones.push(HostedZone { node, name, vpcs, endpoints });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testkit::{baseline, r};
    use crate::tri::Tri;

    /// The baseline's role with its permissions in an `aws_iam_role_policy` named `ssm`, and
    /// an `aws_iam_role_policies_exclusive` that keeps `names`.
    fn exclusive(names: &[&str]) -> crate::testkit::Plan {
        let policy = r#"{"Statement":{"Effect":"Allow","Action":["ssm:UpdateInstanceInformation","ssmmessages:*"],"Resource":"*"}}"#;
        baseline()
            .without("aws_iam_role.app", Some("managed_policy_arns"))
            .resource(
                "aws_iam_role_policy.ssm",
                json!({"name": "ssm", "role": r("aws_iam_role.app"), "policy": policy}),
            )
            .resource(
                "aws_iam_role_policies_exclusive.app",
                json!({"role_name": r("aws_iam_role.app"), "policy_names": names}),
            )
    }

    #[test]
    fn an_exclusive_list_removes_the_inline_policies_it_does_not_name() {
        exclusive(&["other"]).check(|t| assert_eq!(t.instance("aws_instance.app").iam.outcome, Tri::No));
    }

    #[test]
    fn an_exclusive_list_keeps_the_inline_policies_it_names() {
        exclusive(&["ssm"]).check(|t| assert_eq!(t.instance("aws_instance.app").iam.outcome, Tri::Yes));
    }
}
