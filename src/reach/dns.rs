//! The name-resolution hop evaluator: does the service's regional name resolve to an
//! interface endpoint inside the VPC? Through the endpoint's private DNS (which needs both
//! VPC DNS flags) or a Route 53 private hosted zone associated with the VPC.
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns>

use super::hop::{DnsCause, DnsVia, Hop, HopData, HopKind};
use crate::model::Attr;
use crate::network::graph::{Link, NodeId};
use crate::network::{Endpoint, Network, Service};
use crate::tri::Tri;

/// A boolean attribute as a three-valued answer.
pub fn flag(a: &Attr<bool>) -> Tri {
    a.value().copied().into()
}

/// Whether `name` resolves to endpoint `e` from inside the VPC `vpc` of the instance, whose
/// region is `region`.
pub fn private_dns(net: &Network<'_, '_>, e: &Endpoint, service: Service, vpc: &Link, region: Option<&str>) -> Hop {
    let name = name_of(e, service);
    let hop = |outcome, resources, via, causes, doubt| Hop {
        kind: HopKind::Dns,
        outcome,
        resources,
        data: HopData::PrivateDns { endpoint: e.node, name: name.clone(), via, causes, doubt },
    };
    if let (Some(want), Some(have)) = (region, other_region(e, region)) {
        let cause = DnsCause::RegionMismatch { endpoint_region: have.to_string(), instance_region: want.to_string() };
        return hop(Tri::No, vec![e.node], None, vec![cause], None);
    }
    let endpoint_vpcs =
        e.vpc.map(|l| net.link(l).targets().into_iter().copied().collect::<Vec<_>>()).unwrap_or_default();
    let Some(vpc) = endpoint_vpcs.first().copied().or_else(|| vpc.targets().first().copied().copied()) else {
        let doubt = format!("{}: vpc_id", net.describe(e.node));
        return hop(Tri::Maybe, vec![e.node], None, vec![DnsCause::VpcUnresolved], Some(doubt));
    };
    let (support, hostnames, hostnames_attr) = match net.vpcs.get(&vpc) {
        Some(v) => (flag(&v.dns.support), flag(&v.dns.hostnames), v.dns.hostnames.clone()),
        None => (Tri::Maybe, Tri::Maybe, Attr::Unknown),
    };
    let private_dns = flag(&e.private_dns);
    let zones = zones_for(net, &name, vpc);
    let zone = Tri::any(zones.iter().map(|(_, t)| *t));
    let resolves = private_dns.and(support).and(hostnames).or(zone.and(support));
    if resolves == Tri::Yes {
        let via = match zones.iter().find(|(_, t)| *t == Tri::Yes) {
            Some((z, _)) if zone == Tri::Yes => DnsVia::Zone(*z),
            _ => DnsVia::PrivateDns,
        };
        return hop(Tri::Yes, vec![e.node], Some(via), Vec::new(), None);
    }
    // Every cause is reported: fixing only the endpoint's private DNS would still leave a
    // VPC without DNS hostnames, and the other way round.
    let mut causes = Vec::new();
    let mut resources = vec![e.node];
    if private_dns == Tri::No && zone != Tri::Yes {
        causes.push(DnsCause::PrivateDnsDisabled { unset: e.private_dns.is_default() });
    }
    let support_off = support == Tri::No;
    let hostnames_off = hostnames == Tri::No && zone != Tri::Yes;
    if support_off || hostnames_off {
        resources.push(vpc);
        causes.push(DnsCause::VpcDnsDisabled {
            vpc,
            support: support_off,
            hostnames: hostnames_off,
            hostnames_unset: hostnames_off && hostnames_attr.is_default(),
        });
    }
    let doubt = (causes.is_empty() && resolves == Tri::Maybe)
        .then(|| format!("whether {name} resolves to {} is unknown until apply", net.describe(e.node)));
    hop(resolves, resources, None, causes, doubt)
}

/// Interface endpoints for `service` in other VPCs than the instance's (`vpc`), with the name
/// resolution hop toward each: a private hosted zone associated with the instance's VPC that
/// answers for the service's name with a record to the endpoint (the hub-and-spoke pattern),
/// or — for an endpoint in a VPC the plan joins to the instance's — the reason none does.
pub fn remote_endpoints<'n>(
    net: &'n Network<'_, '_>,
    service: Service,
    vpc: NodeId,
    region: Option<&str>,
) -> Vec<(&'n Endpoint, Hop)> {
    let support = net.vpcs.get(&vpc).map_or(Tri::Maybe, |v| flag(&v.dns.support));
    let elsewhere = |e: &&Endpoint| {
        e.is_interface()
            && e.serves(service)
            && other_region(e, region).is_none()
            && e.vpc.is_some_and(|l| !net.link(l).targets().contains(&&vpc) && !net.link(l).targets().is_empty())
    };
    let hop = |e: &Endpoint, outcome, via, causes, doubt| Hop {
        kind: HopKind::Dns,
        outcome,
        resources: vec![e.node],
        data: HopData::PrivateDns { endpoint: e.node, name: name_of(e, service), via, causes, doubt },
    };
    let mut out: Vec<(&Endpoint, Hop)> = Vec::new();
    for z in &net.zones {
        let associated = association(net, z, vpc);
        for l in &z.endpoints {
            for t in net.link(*l).targets() {
                let Some(e) = net.endpoint(*t).filter(elsewhere) else { continue };
                if !z.answers(&name_of(e, service)) || out.iter().any(|(o, _)| o.node == e.node) {
                    continue;
                }
                let outcome = associated.and(support);
                let h = match outcome {
                    Tri::Yes => hop(e, Tri::Yes, Some(DnsVia::Zone(z.node)), Vec::new(), None),
                    Tri::No if associated == Tri::No => {
                        let cause = DnsCause::ZoneNotAssociated { vpc, zone: Some(z.node) };
                        hop(e, Tri::No, None, vec![cause], None)
                    }
                    Tri::No => {
                        let cause =
                            DnsCause::VpcDnsDisabled { vpc, support: true, hostnames: false, hostnames_unset: false };
                        hop(e, Tri::No, None, vec![cause], None)
                    }
                    Tri::Maybe => {
                        let doubt = format!(
                            "whether {} answers in {} is unknown until apply",
                            net.describe(z.node),
                            net.describe(vpc)
                        );
                        hop(e, Tri::Maybe, None, Vec::new(), Some(doubt))
                    }
                };
                out.push((e, h));
            }
        }
    }
    for e in net.endpoints.iter().filter(|e| elsewhere(e)) {
        if out.iter().any(|(o, _)| o.node == e.node) {
            continue;
        }
        let joined =
            e.vpc.and_then(|l| net.link(l).single().copied()).is_some_and(|ev| super::transit::joined(net, vpc, ev));
        if joined {
            let cause = DnsCause::ZoneNotAssociated { vpc, zone: None };
            out.push((e, hop(e, Tri::No, None, vec![cause], None)));
        }
    }
    out
}

/// The region an endpoint serves when it is not the instance's `region`: an endpoint serves
/// only the region it is created in, for the service of that region.
fn other_region<'e>(e: &'e Endpoint, region: Option<&str>) -> Option<&'e str> {
    [e.service_region.as_deref(), e.region.as_deref()]
        .into_iter()
        .flatten()
        .find(|have| region.is_some_and(|want| want != *have))
}

/// The service's regional name as the endpoint answers it (`ssm.us-east-1.amazonaws.com`).
fn name_of(e: &Endpoint, service: Service) -> String {
    format!("{}.{}.amazonaws.com", service.name(), e.service_region.as_deref().unwrap_or("<region>"))
}

/// Whether zone `z` is associated with `vpc`: certainly, maybe (a candidate), or not.
fn association(net: &Network<'_, '_>, z: &crate::network::HostedZone, vpc: NodeId) -> Tri {
    Tri::any(z.vpcs.iter().map(|l| net.link_names(*l, vpc)))
}

/// Private hosted zones named `name` associated with `vpc`, each with whether it certainly is.
pub fn zones_for(net: &Network<'_, '_>, name: &str, vpc: NodeId) -> Vec<(NodeId, Tri)> {
    let mut out = Vec::new();
    for z in net.zones.iter().filter(|z| z.answers(name)) {
        let associated = association(net, z, vpc);
        if associated != Tri::No {
            out.push((z.node, associated));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::{baseline, r};

    fn ssm_dns(t: &crate::testkit::Fixture<'_, '_, '_>, region: &str) -> Hop {
        let e = t.net.endpoint(t.node("aws_vpc_endpoint.ssm")).unwrap();
        let vpc = t.net.link(t.net.subnets[&t.node("aws_subnet.a")].vpc.unwrap()).clone();
        private_dns(t.net, e, Service::Ssm, &vpc, Some(region))
    }

    #[test]
    fn private_dns_and_both_vpc_flags_resolve() {
        baseline().check(|t| {
            let hop = ssm_dns(t, "us-east-1");
            assert_eq!(hop.outcome, Tri::Yes);
            assert!(matches!(hop.data, HopData::PrivateDns { via: Some(DnsVia::PrivateDns), .. }));
        });
    }

    #[test]
    fn every_cause_is_reported() {
        let plan = baseline()
            .set("aws_vpc_endpoint.ssm", "private_dns_enabled", json!(false))
            .without("aws_vpc.main", Some("enable_dns_hostnames"));
        plan.check(|t| {
            let hop = ssm_dns(t, "us-east-1");
            let HopData::PrivateDns { causes, .. } = &hop.data else { panic!() };
            assert_eq!(hop.outcome, Tri::No);
            assert_eq!(causes.len(), 2, "{causes:?}");
            assert!(matches!(
                causes[1],
                DnsCause::VpcDnsDisabled { hostnames: true, hostnames_unset: true, support: false, .. }
            ));
        });
    }

    #[test]
    fn a_private_hosted_zone_stands_in_for_private_dns() {
        let zone = json!({"name": "ssm.us-east-1.amazonaws.com", "vpc": [{"vpc_id": r("aws_vpc.main")}]});
        baseline()
            .set("aws_vpc_endpoint.ssm", "private_dns_enabled", json!(false))
            .resource("aws_route53_zone.ssm", zone)
            .check(|t| {
                let hop = ssm_dns(t, "us-east-1");
                assert_eq!(hop.outcome, Tri::Yes);
                assert!(matches!(hop.data, HopData::PrivateDns { via: Some(DnsVia::Zone(_)), .. }));
            });
    }

    #[test]
    fn another_region_never_answers() {
        baseline().check(|t| {
            let hop = ssm_dns(t, "eu-west-1");
            assert_eq!((hop.outcome, hop.code()), (Tri::No, Some(crate::reach::Code::EndpointRegionMismatch)));
        });
    }
}
