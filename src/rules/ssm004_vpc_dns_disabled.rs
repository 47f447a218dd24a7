//! SSM004 vpc-dns-disabled: the instance's VPC has `enable_dns_support` or
//! `enable_dns_hostnames` false while it depends on endpoint private DNS. Terraform's
//! default for `enable_dns_hostnames` is false.

use std::collections::BTreeMap;

use super::helpers::{Hit, bypassed_endpoints, dedup, overall, service_list};
use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::model::Attr;
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::{Code, HopData, Tri};

declare_rule!(VpcDnsDisabled {
    id: "SSM004",
    name: "vpc-dns-disabled",
    severity: Error,
    category: Reachability,
    summary: "the instance's VPC has enable_dns_support or enable_dns_hostnames false while it depends on endpoint private DNS",
});

#[derive(Debug)]
struct DnsOff {
    vpc: NodeId,
    /// `enable_dns_support = false`, `enable_dns_hostnames unset (…)`.
    flags: Vec<String>,
    services: Vec<Service>,
}

impl Message for DnsOff {
    fn message(&self, net: &Network<'_, '_>) -> String {
        format!(
            "{} has {}, so interface endpoint private DNS does not answer for {} and the instances cannot reach the service",
            net.describe(self.vpc),
            self.flags.join(" and "),
            service_list(&self.services)
        )
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        format!("set enable_dns_support = true and enable_dns_hostnames = true on {}", net.describe(self.vpc))
    }
}

impl Rule for VpcDnsDisabled {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        // Grouped by VPC: the endpoints bypassed because of its flags (and the instances
        // that depend on them), and instances whose public resolution fails because DNS
        // support is off.
        let mut by_vpc: BTreeMap<NodeId, Vec<(NodeId, Hit)>> = BTreeMap::new();
        for (endpoint, hits) in bypassed_endpoints(ctx, Code::VpcDnsDisabled) {
            let vpcs = ctx.net.endpoint(endpoint).and_then(|e| e.vpc).map(|l| ctx.net.link(l).targets().into_iter().copied().collect::<Vec<_>>());
            for vpc in vpcs.unwrap_or_default().into_iter().filter(|v| ctx.net.vpcs.contains_key(v)) {
                let entry = by_vpc.entry(vpc).or_default();
                entry.extend(hits.iter().map(|h| (h.instance, *h)));
                entry.push((endpoint, hits[0]));
            }
        }
        for inst in ctx.instances {
            for s in inst.services.iter().filter(|s| s.outcome != Tri::Yes) {
                let Some((hop, c)) = &s.blocked else { continue };
                if let (Some(Code::VpcDnsDisabled), Tri::No, HopData::PublicDns { vpc: Some(vpc), .. }) = (hop.code(), hop.outcome, &hop.data) {
                    let hit = Hit { instance: inst.node, service: s.service, certainty: *c };
                    by_vpc.entry(*vpc).or_default().push((inst.node, hit));
                }
            }
        }
        by_vpc
            .into_iter()
            .map(|(vpc, hits)| {
                let mut flags = Vec::new();
                if let Some(v) = ctx.net.vpcs.get(&vpc) {
                    for (name, attr) in [("enable_dns_support", &v.dns.support), ("enable_dns_hostnames", &v.dns.hostnames)] {
                        match attr {
                            Attr::Known(false) => flags.push(format!("{name} = false")),
                            Attr::Default(false) => flags.push(format!("{name} unset (Terraform's default is false)")),
                            _ => {}
                        }
                    }
                }
                let services = dedup(hits.iter().map(|(_, h)| h.service));
                Finding::new(&META, vpc, DnsOff { vpc, flags, services })
                    .certainty(overall(hits.iter().map(|(_, h)| h.certainty)))
                    .related(hits.iter().map(|(n, _)| *n))
                    .code(Code::VpcDnsDisabled)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_when_dns_hostnames_is_left_unset() {
        baseline().without("aws_vpc.main", Some("enable_dns_hostnames")).check(|t| {
            let f = t.findings(&VpcDnsDisabled);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].0, "aws_vpc.main");
            assert!(f[0].1.contains("enable_dns_hostnames unset (Terraform's default is false)"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_with_both_flags_on() {
        baseline().check(|t| assert!(t.findings(&VpcDnsDisabled).is_empty()));
    }
}
