//! SSM004 vpc-dns-disabled: the instance's VPC has `enable_dns_support` or
//! `enable_dns_hostnames` false while it depends on endpoint private DNS. Terraform's
//! default for `enable_dns_hostnames` is false.

use std::collections::BTreeMap;

use super::ssm003_endpoint_private_dns_disabled::{bypassed_endpoints, dedup};
use super::{Finding, Rule, RuleContext, RuleMeta, Severity, overall, service_list};
use crate::model::{Attr, ResId};
use crate::reach::dns::vpc_dns;
use crate::reach::{Certainty, Code, Service, Tri};
use crate::resolve::Target;

pub struct VpcDnsDisabled;

static META: RuleMeta = RuleMeta {
    id: "SSM004",
    name: "vpc-dns-disabled",
    severity: Severity::Error,
    summary: "the instance's VPC has enable_dns_support or enable_dns_hostnames false while it depends on endpoint private DNS",
    doc: include_str!("../../rules/SSM004.md"),
};

impl Rule for VpcDnsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        // Group by VPC: endpoints bypassed because of its flags, and instances whose public
        // resolution fails because DNS support is off.
        let mut by_vpc: BTreeMap<ResId, Vec<(Target, Service, Certainty)>> = BTreeMap::new();
        for (endpoint, hits) in bypassed_endpoints(ctx, Code::VpcDnsDisabled) {
            for t in ctx.net.link(endpoint, crate::resolve::LinkKind::Vpc).targets() {
                if let Target::Resource(vpc) = t {
                    for (inst, svc, c) in &hits {
                        by_vpc.entry(*vpc).or_default().push((Target::Resource(*inst), *svc, *c));
                    }
                    by_vpc.entry(*vpc).or_default().push((Target::Resource(endpoint), hits[0].1, hits[0].2));
                }
            }
        }
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome != Tri::Yes) {
                if let Some((hop, c)) = &s.blocked
                    && hop.code == Some(Code::VpcDnsDisabled)
                    && hop.outcome == Tri::No
                {
                    for t in &hop.resources {
                        if let Target::Resource(vpc) = t {
                            by_vpc.entry(*vpc).or_default().push((Target::Resource(inst.res), s.service, *c));
                        }
                    }
                }
            }
        }
        by_vpc
            .into_iter()
            .map(|(vpc, hits)| {
                let r = &ctx.net.model.resources[vpc];
                let dns = vpc_dns(ctx.net, &Target::Resource(vpc));
                let mut off = Vec::new();
                for (name, attr) in [("enable_dns_support", &dns.support), ("enable_dns_hostnames", &dns.hostnames)] {
                    match attr {
                        Attr::Known(false) => off.push(format!("{name} = false")),
                        Attr::Default(false) => off.push(format!("{name} unset (Terraform's default is false)")),
                        _ => {}
                    }
                }
                let services = dedup(hits.iter().map(|h| h.1).collect::<Vec<_>>());
                Finding::new(
                    &META,
                    vpc,
                    format!(
                        "{} has {}, so interface endpoint private DNS does not answer for {} and the instances cannot reach the service",
                        r.address(),
                        off.join(" and "),
                        service_list(&services)
                    ),
                    format!("set enable_dns_support = true and enable_dns_hostnames = true on {}", r.address()),
                )
                .certainty(overall(hits.iter().map(|h| h.2)))
                .related(hits.iter().map(|h| h.0.clone()))
                .code(Code::VpcDnsDisabled)
            })
            .collect()
    }
}
