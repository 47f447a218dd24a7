//! Name resolution inside a VPC: private hosted zones that answer for a service name, and
//! DHCP options that replace the Amazon-provided resolver.
//!
//! An interface endpoint's private DNS answers for the service's regional name only when the
//! VPC has both `enable_dns_support` and `enable_dns_hostnames`; a Route 53 private hosted
//! zone for the name associated with the VPC is the other valid way.
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns>

use super::graph::{LinkId, NodeId};
use crate::model::Attr;

/// A Route 53 private hosted zone and the VPCs it is associated with (its `vpc` blocks and
/// `aws_route53_zone_association`s).
#[derive(Debug, Clone)]
pub struct HostedZone {
    pub node: NodeId,
    /// Lowercase, without the trailing dot.
    pub name: Attr<String>,
    pub vpcs: Vec<LinkId>,
    /// The interface endpoints its records lead to (alias or CNAME records naming an
    /// endpoint's `dns_entry`): where the zone sends the name, in whatever VPC.
    pub endpoints: Vec<LinkId>,
}

impl HostedZone {
    /// Whether the zone answers for `name` (`ssm.us-east-1.amazonaws.com`).
    pub fn answers(&self, name: &str) -> bool {
        self.name.value().is_some_and(|z| *z == normalize(name))
    }
}

/// Lowercase, without the trailing dot.
pub fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// A DHCP options set: which name servers instances in the VPC use.
#[derive(Debug, Clone)]
pub struct DhcpOptions {
    pub name_servers: Attr<Vec<String>>,
}

impl DhcpOptions {
    /// Whether instances resolve through the Amazon-provided resolver (the default).
    pub fn amazon_provided(&self) -> Option<bool> {
        match &self.name_servers {
            Attr::Known(list) | Attr::Default(list) => {
                Some(list.is_empty() || list.iter().any(|s| s.eq_ignore_ascii_case("AmazonProvidedDNS")))
            }
            Attr::Absent => Some(true),
            Attr::Unknown => None,
        }
    }
}
