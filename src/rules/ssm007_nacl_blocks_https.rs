//! SSM007 nacl-blocks-https: a network ACL on the instance's or the endpoint's subnet (or a
//! NAT gateway's) blocks TCP 443 or its return traffic. NACLs are stateless: the reply on
//! ephemeral ports 1024-65535 must be allowed too.

use std::collections::BTreeMap;

use super::ssm003_endpoint_private_dns_disabled::dedup;
use super::{Finding, Rule, RuleContext, RuleMeta, Severity, overall, service_list};
use crate::reach::{Certainty, Code, Service, Tri};
use crate::resolve::Target;

pub struct NaclBlocksHttps;

static META: RuleMeta = RuleMeta {
    id: "SSM007",
    name: "nacl-blocks-https",
    severity: Severity::Error,
    summary: "a NACL on the instance or endpoint subnet blocks 443 or its ephemeral return",
    doc: include_str!("../../rules/SSM007.md"),
};

/// An instance's service blocked by an ACL: (instance, service, certainty, detail, fix).
type Hit = (usize, Service, Certainty, String, Option<String>);

impl Rule for NaclBlocksHttps {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        // Keyed by the ACL (the first resource of the hop), then the subnet.
        let mut by_acl: BTreeMap<(Target, Target), Vec<Hit>> = BTreeMap::new();
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome != Tri::Yes) {
                let Some((hop, c)) = &s.blocked else { continue };
                if hop.code != Some(Code::SubnetAclRestriction) {
                    continue;
                }
                let (Some(acl), Some(subnet)) = (hop.resources.first(), hop.resources.get(1)) else { continue };
                by_acl.entry((acl.clone(), subnet.clone())).or_default().push((
                    inst.res,
                    s.service,
                    *c,
                    hop.detail.clone(),
                    hop.fix.clone(),
                ));
            }
        }
        by_acl
            .into_iter()
            .map(|((acl, subnet), hits)| {
                // The fix goes on the ACL resource; an implicit default ACL cannot block.
                let primary = match (&acl, &subnet) {
                    (Target::Resource(a), _) => *a,
                    (_, Target::Resource(s)) => *s,
                    _ => hits[0].0,
                };
                let services = dedup(hits.iter().map(|h| h.1).collect::<Vec<_>>());
                let instances: Vec<String> =
                    dedup(hits.iter().map(|h| ctx.net.model.resources[h.0].address().to_string()).collect());
                Finding::new(
                    &META,
                    primary,
                    format!(
                        "{}; {} cannot reach {} through it",
                        hits[0].3,
                        instances.join(", "),
                        service_list(&services)
                    ),
                    hits[0].4.clone().unwrap_or_default(),
                )
                .certainty(overall(hits.iter().map(|h| h.2)))
                .related([acl.clone(), subnet.clone()])
                .related(hits.iter().map(|h| Target::Resource(h.0)))
                .code(Code::SubnetAclRestriction)
            })
            .collect()
    }
}
