//! Name resolution inside a VPC: Terraform's defaults for the VPC DNS flags, and private
//! hosted zones that answer for a service name.
//!
//! An interface endpoint's private DNS answers for the service's regional name only when the
//! VPC has both `enable_dns_support` and `enable_dns_hostnames`.
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns>

use crate::graph::Network;
use crate::model::{Attr, Kind, ResId};
use crate::resolve::{LinkKind, Target};

use super::tri::Tri;

/// The DNS flags of one VPC.
#[derive(Debug, Clone)]
pub struct VpcDns {
    pub support: Attr<bool>,
    pub hostnames: Attr<bool>,
}

/// A VPC's DNS flags. `enable_dns_support` defaults to true; `enable_dns_hostnames` to
/// **false** — except in the default VPC, where both are on.
pub fn vpc_dns(net: &Network<'_, '_>, vpc: &Target) -> VpcDns {
    match vpc {
        Target::Resource(id) => {
            let r = &net.model.resources[*id];
            let hostnames_default = r.kind == Kind::DefaultVpc;
            VpcDns {
                support: r.attr::<bool>("enable_dns_support", Some(true)),
                hostnames: r.attr::<bool>("enable_dns_hostnames", Some(hostnames_default)),
            }
        }
        _ => VpcDns { support: Attr::Unknown, hostnames: Attr::Unknown },
    }
}

pub fn flag(a: &Attr<bool>) -> Tri {
    a.value().copied().into()
}

/// `aws_route53_zone`s named `name` (with or without the trailing dot) associated with `vpc`
/// (by a `vpc` block or an `aws_route53_zone_association`).
pub fn private_zones_for(net: &Network<'_, '_>, name: &str, vpc: &Target) -> Vec<(ResId, Tri)> {
    let wanted = name.trim_end_matches('.').to_ascii_lowercase();
    let mut out = Vec::new();
    for z in net.model.of_kind(Kind::Route53Zone).iter().map(|&id| &net.model.resources[id]).filter(|r| !r.is_data()) {
        let zone_name = z.attr_str("name");
        let Some(zn) = zone_name.value() else { continue };
        if zn.trim_end_matches('.').to_ascii_lowercase() != wanted {
            continue;
        }
        let mut associated = association(&net.link(z.id, LinkKind::Vpc), vpc);
        for &a in net.pointing_at(LinkKind::HostedZone, &Target::Resource(z.id)) {
            if net.model.resources[a].kind == Kind::Route53ZoneAssociation {
                associated = associated.or(association(&net.link(a, LinkKind::Vpc), vpc));
            }
        }
        if associated != Tri::No {
            out.push((z.id, associated));
        }
    }
    out
}

fn association(link: &crate::resolve::Link, vpc: &Target) -> Tri {
    let mut t = Tri::No;
    for slot in &link.slots {
        if slot.options.contains(vpc) {
            t = t.or(if slot.options.len() == 1 { Tri::Yes } else { Tri::Maybe });
        }
    }
    t
}
