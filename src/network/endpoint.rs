//! VPC endpoints: which service in which region, of which type, how DNS reaches them, where
//! they sit, and their policy.

use serde::Serialize;

use super::graph::{LinkId, NodeId};
use crate::model::Attr;

/// The services tfreach follows: the three Session Manager needs, and those that session
/// logging and encryption need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Ssm,
    Ssmmessages,
    Ec2messages,
    S3,
    Logs,
    Kms,
}

impl Service {
    pub const SESSION: [Service; 3] = [Service::Ssm, Service::Ssmmessages, Service::Ec2messages];
    pub const ALL: [Service; 6] =
        [Service::Ssm, Service::Ssmmessages, Service::Ec2messages, Service::S3, Service::Logs, Service::Kms];

    pub fn name(self) -> &'static str {
        match self {
            Service::Ssm => "ssm",
            Service::Ssmmessages => "ssmmessages",
            Service::Ec2messages => "ec2messages",
            Service::S3 => "s3",
            Service::Logs => "logs",
            Service::Kms => "kms",
        }
    }

    pub fn from_name(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// `vpc_endpoint_type`. The provider's default is `Gateway`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EndpointType {
    Interface,
    Gateway,
    GatewayLoadBalancer,
    Other,
    /// Set through a reference unknown until apply.
    Unknown,
}

impl EndpointType {
    pub fn of(attr: &Attr<String>) -> EndpointType {
        match attr.value().map(|s| s.to_ascii_lowercase()) {
            Some(s) if s == "interface" => EndpointType::Interface,
            Some(s) if s == "gateway" => EndpointType::Gateway,
            Some(s) if s == "gatewayloadbalancer" => EndpointType::GatewayLoadBalancer,
            Some(_) => EndpointType::Other,
            None if attr.is_unknown() => EndpointType::Unknown,
            None => EndpointType::Gateway,
        }
    }
}

/// `com.amazonaws.us-east-1.ssm` → (`us-east-1`, `ssm`); also `cn.com.amazonaws.…`.
pub fn parse_service_name(name: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = name.split('.').collect();
    let at = parts.iter().position(|p| looks_like_region(p))?;
    if at + 1 >= parts.len() || !parts[..at].contains(&"amazonaws") {
        return None;
    }
    Some((parts[at].to_string(), parts[at + 1..].join(".")))
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-4`.
pub fn looks_like_region(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or_default();
    let (count, last) = parts.fold((1, first), |(n, _), part| (n + 1, part));
    count >= 3
        && first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
}

/// One VPC endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub node: NodeId,
    pub service_name: Attr<String>,
    /// The service in `service_name`, when tfreach follows it.
    pub service: Option<Service>,
    /// The service part of `service_name` as written (`ssm`, `vpce-svc-0123`).
    pub service_label: Option<String>,
    /// The region in its `service_name`.
    pub service_region: Option<String>,
    /// The region of the provider configuration that creates it.
    pub region: Option<String>,
    pub kind: EndpointType,
    /// The provider's default: `private_dns_enabled` is false unless set.
    pub private_dns: Attr<bool>,
    pub vpc: Option<LinkId>,
    /// `subnet_ids` and `aws_vpc_endpoint_subnet_association`s (derived).
    pub subnets: LinkId,
    /// `security_group_ids` and associations; the VPC's default group when an interface
    /// endpoint has none (derived).
    pub groups: LinkId,
    /// Gateway endpoints: `route_table_ids` and associations (derived).
    pub route_tables: LinkId,
    /// The policy document, when the plan knows it (none: the endpoint allows everything).
    pub policy: Attr<String>,
}

impl Endpoint {
    pub fn serves(&self, service: Service) -> bool {
        self.service == Some(service)
    }

    pub fn is_interface(&self) -> bool {
        self.kind == EndpointType::Interface
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_region_names() {
        for region in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-4"] {
            assert!(looks_like_region(region), "{region}");
        }
        for other in ["", "us", "us-east", "us-east-", "use-east-1", "US-east-1", "us-east-1a", "ssm", "vpce-svc-0123"]
        {
            assert!(!looks_like_region(other), "{other}");
        }
    }

    #[test]
    fn parses_service_names() {
        assert_eq!(parse_service_name("com.amazonaws.us-east-1.ssm"), Some(("us-east-1".into(), "ssm".into())));
        assert_eq!(
            parse_service_name("cn.com.amazonaws.cn-north-1.ssmmessages"),
            Some(("cn-north-1".into(), "ssmmessages".into()))
        );
        assert_eq!(
            parse_service_name("com.amazonaws.us-gov-west-1.ec2messages"),
            Some(("us-gov-west-1".into(), "ec2messages".into()))
        );
        assert_eq!(
            parse_service_name("com.amazonaws.vpce.us-east-1.vpce-svc-0123"),
            Some(("us-east-1".into(), "vpce-svc-0123".into()))
        );
        assert_eq!(parse_service_name("ssm"), None);
    }

    #[test]
    fn endpoint_types_default_to_gateway() {
        assert_eq!(EndpointType::of(&Attr::Default("Gateway".into())), EndpointType::Gateway);
        assert_eq!(EndpointType::of(&Attr::Known("Interface".into())), EndpointType::Interface);
        assert_eq!(EndpointType::of(&Attr::Unknown), EndpointType::Unknown);
        assert_eq!(EndpointType::of(&Attr::Absent), EndpointType::Gateway);
    }
}
