//! VPC endpoints: which service in which region, how DNS reaches them, and their policy.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::graph::Network;
use crate::graph::views::EndpointView;
use crate::model::{Attr, Kind, ResId, Resource};
use crate::plan::Document;
use crate::resolve::{Link, Target};

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
        [Service::Ssm, Service::Ssmmessages, Service::Ec2messages, Service::S3, Service::Logs, Service::Kms]
            .into_iter()
            .find(|x| x.name() == s)
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
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts.last().is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// One VPC endpoint as reachability needs it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub res: ResId,
    pub service: Option<String>,
    /// The region in its `service_name`.
    pub service_region: Option<String>,
    /// The region of the provider that creates it.
    pub provider_region: Option<String>,
    pub interface: bool,
    pub private_dns: Attr<bool>,
    pub view: EndpointView,
    pub policy: Attr<String>,
}

impl Endpoint {
    pub fn serves(&self, service: Service) -> bool {
        self.service.as_deref() == Some(service.name())
    }
}

/// Which endpoints of a service (interface or gateway) may be in a VPC, without looking at
/// every endpoint for every instance.
#[derive(Debug, Default)]
pub struct EndpointIndex {
    /// Positions in the endpoint list, by (service, interface, a VPC the endpoint may be in).
    by_vpc: FxHashMap<(Service, bool, Target), Vec<usize>>,
    /// Endpoints whose VPC is not known at all, by (service, interface).
    unplaced: FxHashMap<(Service, bool), Vec<usize>>,
    /// Every endpoint, by (service, interface).
    all: FxHashMap<(Service, bool), Vec<usize>>,
}

impl EndpointIndex {
    pub fn build(endpoints: &[Endpoint]) -> Self {
        let mut index = EndpointIndex::default();
        for (i, e) in endpoints.iter().enumerate() {
            let Some(service) = e.service.as_deref().and_then(Service::from_name) else { continue };
            let key = (service, e.interface);
            index.all.entry(key).or_default().push(i);
            let vpcs = e.view.vpc.targets();
            if vpcs.is_empty() {
                index.unplaced.entry(key).or_default().push(i);
            }
            for vpc in vpcs {
                let ids = index.by_vpc.entry((service, e.interface, vpc.clone())).or_default();
                if ids.last() != Some(&i) {
                    ids.push(i);
                }
            }
        }
        index
    }

    /// Positions, in list order, of every endpoint of `service`.
    pub fn all(&self, service: Service, interface: bool) -> &[usize] {
        self.all.get(&(service, interface)).map_or(&[], Vec::as_slice)
    }

    /// Positions, in list order, of the endpoints of `service` that may be in `vpc`: those
    /// that may be in one of its targets and those whose VPC is unknown — or every one when
    /// `vpc` itself is unknown.
    pub fn candidates(&self, service: Service, interface: bool, vpc: &Link) -> Vec<usize> {
        let key = (service, interface);
        let vpcs = vpc.targets();
        if vpcs.is_empty() {
            return self.all(service, interface).to_vec();
        }
        let mut out: Vec<usize> = self.unplaced.get(&key).cloned().unwrap_or_default();
        for v in vpcs {
            out.extend(self.by_vpc.get(&(service, interface, v.clone())).into_iter().flatten());
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Every endpoint in the model.
pub fn endpoints(net: &Network<'_, '_>) -> Vec<Endpoint> {
    net.model
        .of_kind(Kind::VpcEndpoint)
        .iter()
        .map(|&id| &net.model.resources[id])
        .filter(|r| !r.is_data())
        .map(|r| {
            let name = r.attr_str("service_name");
            let (service_region, service) = match name.value().and_then(|n| parse_service_name(n)) {
                Some((region, svc)) => (Some(region), Some(svc)),
                None => (None, None),
            };
            let kind = r.attr::<String>("vpc_endpoint_type", Some("Gateway".into()));
            Endpoint {
                res: r.id,
                service,
                service_region,
                provider_region: provider_region(net.model.doc, r),
                interface: kind.value().is_some_and(|k| k.eq_ignore_ascii_case("interface")),
                // The provider's default: `private_dns_enabled` is false unless set.
                private_dns: r.attr::<bool>("private_dns_enabled", Some(false)),
                view: net.endpoint_view(r),
                policy: r.attr_str("policy"),
            }
        })
        .collect()
}

/// The region of the provider configuration a resource uses: its `provider_config_key` in
/// the configuration, `region` as a constant or a root variable.
pub fn provider_region(doc: &Document<'_>, r: &Resource<'_>) -> Option<String> {
    if let Some(region) = r.after.str("region") {
        return Some(region.into_owned());
    }
    let key = r.config.and_then(|c| c.provider_config_key.as_deref()).unwrap_or("aws");
    let providers = &doc.configuration.provider_config;
    let pc = providers
        .get(key)
        .or_else(|| key.rsplit_once(':').and_then(|(_, root)| providers.get(root)))
        .or_else(|| providers.get("aws"))?;
    let expr = pc.expressions.expr("region")?;
    if let Some(s) = expr.constant::<String>() {
        return Some(s);
    }
    let in_root = pc.module_address.as_deref().is_none_or(str::is_empty);
    expr.references().iter().find_map(|reference| {
        let name = reference.strip_prefix("var.")?;
        if in_root { serde_json::from_str::<String>(doc.variable(name)?.get()).ok() } else { None }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
