//! VPC endpoints and compute: where each sits (through launch templates and primary network
//! interfaces), its identity, public address and metadata service.

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::{Builder, derived, union};
use crate::model::{Attr, Kind, Model, Resource};
use crate::network::compute::{
    Compute, ComputeKind, Identity, Imds, KeyName, PlacedBy, Placement, PublicIp, PublicIpSource,
};
use crate::network::endpoint::{Endpoint, EndpointType, Service, parse_service_name};
use crate::network::graph::{Link, NodeId};
use crate::network::region::region_of;
use crate::network::routing::TargetKind;
use crate::plan::Action;
use crate::resolve::LinkKind;
use crate::tri::Tri;

/// What an endpoint's own attributes say; its links come from the builder.
struct Described {
    service_name: Attr<String>,
    service: Option<Service>,
    service_label: Option<String>,
    service_region: Option<String>,
    region: Option<String>,
    kind: EndpointType,
    private_dns: Attr<bool>,
    policy: Attr<String>,
}

fn describe_endpoint(model: &Model<'_>, r: &Resource<'_>) -> Described {
    let service_name = r.attr_str("service_name");
    let (service_region, service_label) = match service_name.value().and_then(|n| parse_service_name(n)) {
        Some((region, svc)) => (Some(region), Some(svc)),
        None => (None, None),
    };
    Described {
        service: service_label.as_deref().and_then(Service::from_name),
        service_name,
        service_label,
        service_region,
        region: region_of(model, r),
        kind: EndpointType::of(&r.attr::<String>("vpc_endpoint_type", Some("Gateway".into()))),
        private_dns: r.attr::<bool>("private_dns_enabled", Some(false)),
        policy: r.attr_str("policy"),
    }
}

/// A compute resource as read before its links are added to the graph.
struct Draft {
    node: NodeId,
    kind: ComputeKind,
    launch: Option<Link>,
    subnets: Link,
    /// Before the VPC's default group stands in for none.
    groups: Link,
    vpc: Link,
    identity_link: Link,
    by: PlacedBy,
    default_vpc: bool,
    public_ip: PublicIp,
    imds: Imds,
    key_name: KeyName,
    forwards: bool,
    route_target: bool,
    interfaces: Vec<NodeId>,
    region: Option<String>,
    tags: Vec<(String, String)>,
}

impl Builder<'_, '_> {
    pub(super) fn endpoints(&mut self) {
        let endpoints = self.managed(Kind::VpcEndpoint);
        // What each endpoint says of itself, read in parallel; its links are added in order.
        let described: Vec<Described> = endpoints.par_iter().map(|r| describe_endpoint(self.model, r)).collect();
        for (r, d) in endpoints.into_iter().zip(described) {
            let node = self.node(r.id);
            let kind = d.kind;
            let vpc = self.link(r.id, LinkKind::Vpc);
            let mut subnets = self.content(self.link(r.id, LinkKind::Subnets));
            let mut groups = self.content(self.link(r.id, LinkKind::SecurityGroups));
            let mut tables = self.content(self.link(r.id, LinkKind::RouteTables));
            // Separate association resources add subnets, groups and route tables.
            for p in self.net.graph.pointing(node, LinkKind::VpcEndpoint) {
                let Some(assoc) = self.net.resource(p.from) else { continue };
                let (into, kind) = match self.model[assoc].kind {
                    Kind::VpcEndpointSubnetAssociation => (&mut subnets, LinkKind::Subnet),
                    Kind::VpcEndpointSecurityGroupAssociation => (&mut groups, LinkKind::SecurityGroup),
                    Kind::VpcEndpointRouteTableAssociation => (&mut tables, LinkKind::RouteTable),
                    _ => continue,
                };
                let added = self.content(self.link(assoc, kind));
                *into = union(&[&*into, &added]);
                into.unset = false;
            }
            if kind == EndpointType::Interface {
                groups = self.default_group_if_unset(groups, &self.content(vpc));
            }
            let subnets = self.derive(node, derived::SUBNETS, subnets);
            let groups = self.derive(node, derived::SECURITY_GROUPS, groups);
            let route_tables = self.derive(node, derived::ROUTE_TABLES, tables);
            self.net.endpoints.push(Endpoint {
                node,
                service_name: d.service_name,
                service: d.service,
                service_label: d.service_label,
                service_region: d.service_region,
                region: d.region,
                kind,
                private_dns: d.private_dns,
                vpc,
                subnets,
                groups,
                route_tables,
                policy: d.policy,
            });
        }
    }

    pub(super) fn compute(&mut self) {
        let route_targets = self.route_targets();
        let compute: Vec<&Resource<'_>> = self.model.compute().filter(|r| r.action() != Action::Delete).collect();
        // Where each sits and what it carries is read in parallel; the links it derives are
        // added in order.
        let drafts: Vec<Draft> = compute.par_iter().map(|r| self.draft(r, &route_targets)).collect();
        for d in drafts {
            let c = self.compute_of(d);
            self.net.compute.push(c);
        }
        let mut unmodelled: Vec<NodeId> = UNMODELLED_COMPUTE
            .iter()
            .flat_map(|kind| self.managed(*kind))
            .filter(|r| launches_instances(r))
            .map(|r| self.node(r.id))
            .collect();
        unmodelled.sort_unstable();
        self.net.unmodelled = unmodelled;
    }

    fn draft(&self, r: &Resource<'_>, route_targets: &FxHashSet<NodeId>) -> Draft {
        let node = self.node(r.id);
        let kind = match r.kind {
            Kind::AutoscalingGroup => ComputeKind::AutoscalingGroup,
            Kind::SpotInstanceRequest => ComputeKind::SpotRequest,
            Kind::EksNodeGroup => ComputeKind::EksNodeGroup,
            _ => ComputeKind::Instance,
        };
        let (launch, subnets, groups, identity_link, by) = match kind {
            ComputeKind::AutoscalingGroup | ComputeKind::EksNodeGroup => {
                let lt = self.content(self.link(r.id, LinkKind::LaunchTemplate));
                let spec = if lt.is_empty() && kind == ComputeKind::AutoscalingGroup {
                    self.content(self.link(r.id, LinkKind::LaunchConfiguration))
                } else {
                    lt
                };
                let groups = self.through(&spec, |b, t| Some(b.launch_groups(t)));
                let mut subnets = self.content(self.link(r.id, LinkKind::Subnets));
                let mut by = PlacedBy::Attributes;
                if subnets.is_empty() {
                    subnets = self.through(&spec, |b, t| Some(b.launch_subnets(t)));
                    by = PlacedBy::LaunchSpec;
                }
                let identity = if kind == ComputeKind::EksNodeGroup {
                    self.content(self.link(r.id, LinkKind::Role))
                } else {
                    self.through(&spec, |b, t| Some(b.content(b.link(b.res(t), LinkKind::InstanceProfile))))
                };
                let launch = (!(spec.unset && spec.is_empty())).then_some(spec);
                (launch, subnets, groups, identity, by)
            }
            _ => {
                let profile = self.content(self.link(r.id, LinkKind::InstanceProfile));
                match self.primary_interface(r) {
                    Some(eni) => {
                        let subnets = self.through(&eni, |b, e| Some(b.content(b.link(b.res(e), LinkKind::Subnet))));
                        let groups = self.through(&eni, |b, e| Some(b.interface_groups(e)));
                        (None, subnets, groups, profile, PlacedBy::NetworkInterface)
                    }
                    None => (
                        None,
                        self.content(self.link(r.id, LinkKind::Subnet)),
                        self.primary_groups(r),
                        profile,
                        PlacedBy::Attributes,
                    ),
                }
            }
        };
        let mut vpc = self.through(&subnets, |b, s| b.net.subnets.get(&s).map(|x| b.content(x.vpc)));
        if vpc.is_empty() {
            vpc = self.through(&groups, |b, g| b.net.groups.get(&g).map(|x| b.content(x.vpc)));
        }
        let default_vpc = subnets.unset && subnets.is_empty() && by == PlacedBy::Attributes;
        // A launch template outside the plan decides nothing here.
        let launch_node =
            launch.as_ref().and_then(|l| l.single().copied()).filter(|n| self.net.graph.resource(*n).is_some());
        // A group's instances take the key from the launch template.
        let key_name = match (kind.is_group(), launch_node) {
            (true, Some(l)) => KeyName { value: self.model[self.res(l)].attr_str("key_name"), holder: l },
            _ => KeyName { value: r.attr_str("key_name"), holder: node },
        };
        let public_ip = self.public_ip(r, kind, launch_node, &subnets);
        let imds = self.imds(r, kind, launch.as_ref(), launch_node);
        let enis = self.interfaces_of(r);
        let forwards = r.attr::<bool>("source_dest_check", Some(true)).value() == Some(&false);
        let route_target = route_targets.contains(&node) || enis.iter().any(|e| route_targets.contains(e));
        Draft {
            node,
            kind,
            launch,
            subnets,
            groups,
            vpc,
            identity_link,
            by,
            default_vpc,
            public_ip,
            imds,
            key_name,
            forwards,
            route_target,
            interfaces: enis,
            region: region_of(self.model, r),
            tags: tags(r),
        }
    }

    /// A compute resource from its draft: its groups (the VPC's default group when none is
    /// set) and the links it derives, added to the graph.
    fn compute_of(&mut self, d: Draft) -> Compute {
        let node = d.node;
        let groups = self.default_group_if_unset(d.groups, &d.vpc);
        let launch = d.launch.map(|l| self.derive(node, derived::LAUNCH_SPEC, l));
        let placement = Placement {
            subnets: self.derive(node, derived::SUBNETS, d.subnets),
            groups: self.derive(node, derived::SECURITY_GROUPS, groups),
            vpc: self.derive(node, derived::VPC, d.vpc),
            by: d.by,
            default_vpc: d.default_vpc,
        };
        let identity_id = self.derive(node, derived::INSTANCE_PROFILE, d.identity_link);
        let identity = if d.kind == ComputeKind::EksNodeGroup {
            Identity::NodeRole(identity_id)
        } else {
            Identity::Profile(identity_id)
        };
        Compute {
            node,
            kind: d.kind,
            launch,
            placement,
            identity,
            public_ip: d.public_ip,
            imds: d.imds,
            key_name: d.key_name,
            forwards: d.forwards,
            route_target: d.route_target,
            interfaces: d.interfaces,
            region: d.region,
            tags: d.tags,
        }
    }

    fn res(&self, n: NodeId) -> crate::model::ResId {
        self.net.graph.resource(n).expect("a resource node")
    }

    /// Every security group link of a launch template or configuration: its own list and
    /// each network interface's.
    fn launch_groups(&self, t: NodeId) -> Link {
        let id = self.res(t);
        let links: Vec<Link> = self
            .links_of(id)
            .iter()
            .filter(|(k, _)| k.kind == LinkKind::SecurityGroups)
            .map(|(_, l)| self.net.graph.link(*l).clone())
            .collect();
        union(&links.iter().collect::<Vec<_>>())
    }

    /// The subnets a launch template's network interfaces name.
    fn launch_subnets(&self, t: NodeId) -> Link {
        let id = self.res(t);
        let links: Vec<Link> = self
            .links_of(id)
            .iter()
            .filter(|(k, _)| k.kind == LinkKind::Subnet)
            .map(|(_, l)| self.net.graph.link(*l).clone())
            .collect();
        if links.is_empty() {
            return Link::unset();
        }
        union(&links.iter().collect::<Vec<_>>())
    }

    /// A network interface's groups: its own and those `aws_network_interface_sg_attachment`s add.
    fn interface_groups(&self, eni: NodeId) -> Link {
        let mut parts = vec![self.content(self.link(self.res(eni), LinkKind::SecurityGroups))];
        for p in self.net.graph.pointing(eni, LinkKind::NetworkInterface) {
            if self.net.kind(p.from) == Some(Kind::NetworkInterfaceSgAttachment) {
                parts.push(self.content(self.link(self.res(p.from), LinkKind::SecurityGroup)));
            }
        }
        let mut out = union(&parts.iter().collect::<Vec<_>>());
        if parts.len() > 1 {
            out.unset = false;
        }
        out
    }

    /// The groups of an instance's own primary interface: `vpc_security_group_ids` and those
    /// that `aws_network_interface_sg_attachment`s add through `primary_network_interface_id`.
    fn primary_groups(&self, r: &Resource<'_>) -> Link {
        let mut parts = vec![self.content(self.link(r.id, LinkKind::SecurityGroups))];
        for p in self.net.graph.pointing(self.node(r.id), LinkKind::NetworkInterface) {
            if self.net.kind(p.from) == Some(Kind::NetworkInterfaceSgAttachment) {
                parts.push(self.content(self.link(self.res(p.from), LinkKind::SecurityGroup)));
            }
        }
        if parts.len() == 1 {
            return parts.pop().expect("one part");
        }
        let mut out = union(&parts.iter().collect::<Vec<_>>());
        out.unset = false;
        out
    }

    /// The interface an instance launches with as device 0, when it names one.
    fn primary_interface(&self, r: &Resource<'_>) -> Option<Link> {
        let blocks = r.fields.blocks("network_interface");
        let (i, _) = blocks.iter().enumerate().find(|(_, b)| b.int("device_index").value() == Some(&0))?;
        self.block_link(r.id, "network_interface", i, "network_interface_id").map(|l| self.net.graph.link(l).clone())
    }

    /// Every interface an instance has: its `network_interface` blocks and attachments.
    fn interfaces_of(&self, r: &Resource<'_>) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = self
            .links_of(r.id)
            .iter()
            .filter(|(k, _)| k.kind == LinkKind::NetworkInterface)
            .flat_map(|(_, l)| self.targets(*l))
            .collect();
        for p in self.net.graph.pointing(self.node(r.id), LinkKind::Instance) {
            if self.net.kind(p.from) == Some(Kind::NetworkInterfaceAttachment)
                && let Some(l) = self.link(self.res(p.from), LinkKind::NetworkInterface)
            {
                out.extend(self.targets(l));
            }
        }
        out
    }

    /// Instances and interfaces that a route sends traffic through.
    fn route_targets(&self) -> FxHashSet<NodeId> {
        let mut out = FxHashSet::default();
        for table in self.net.route_tables.values() {
            for route in &table.routes {
                if matches!(route.target.kind, TargetKind::Instance | TargetKind::NetworkInterface)
                    && let Some(l) = route.target.link
                {
                    out.extend(self.targets(l));
                }
            }
        }
        out
    }

    /// Whether the compute gets a public IPv4 address.
    fn public_ip(&self, r: &Resource<'_>, kind: ComputeKind, launch: Option<NodeId>, subnets: &Link) -> PublicIp {
        let node = self.node(r.id);
        // An Elastic IP on the instance or one of its interfaces gives it a public address
        // whatever `associate_public_ip_address` says.
        let on_instance = self
            .net
            .graph
            .pointing(node, LinkKind::Instance)
            .into_iter()
            .chain(self.net.graph.pointing(node, LinkKind::NetworkInterface));
        let on_interfaces =
            self.interfaces_of(r).into_iter().flat_map(|e| self.net.graph.pointing(e, LinkKind::NetworkInterface));
        if let Some(p) = on_instance.chain(on_interfaces).find(|p| self.net.kind(p.from) == Some(Kind::Eip)) {
            return PublicIp { outcome: Tri::Yes, source: PublicIpSource::ElasticIp, eip: Some(p.from) };
        }
        let ip = |outcome, source| PublicIp { outcome, source, eip: None };
        // An instance that exists already shows the address it has.
        if r.action() != Action::Create
            && r.action() != Action::Replace
            && let Attr::Known(addr) = r.attr_str("public_ip")
        {
            return ip(Tri::from_bool(!addr.is_empty()), PublicIpSource::Existing);
        }
        let explicit = match (kind, launch) {
            (ComputeKind::AutoscalingGroup | ComputeKind::EksNodeGroup, Some(l)) => {
                let lr = &self.model[self.res(l)];
                match lr.kind {
                    Kind::LaunchConfiguration => lr.attr::<bool>("associate_public_ip_address", None),
                    _ => lr.fields.block("network_interfaces").map_or(Attr::Absent, |ni| {
                        ni.text("associate_public_ip_address").and_then(|s| s.parse::<bool>().ok())
                    }),
                }
            }
            (ComputeKind::AutoscalingGroup, None) => Attr::Unknown,
            _ => r.attr::<bool>("associate_public_ip_address", None),
        };
        match explicit {
            Attr::Known(v) | Attr::Default(v) => return ip(Tri::from_bool(v), PublicIpSource::Explicit),
            Attr::Unknown if r.configures("associate_public_ip_address") || kind.is_group() => {
                return ip(Tri::Maybe, PublicIpSource::Unknown);
            }
            _ => {}
        }
        // Otherwise the subnet decides: `map_public_ip_on_launch`, false by default.
        let per_subnet: Vec<Tri> = subnets
            .targets()
            .iter()
            .map(|s| self.net.subnets.get(s).map_or(Tri::Maybe, |x| x.map_public_ip.value().copied().into()))
            .collect();
        if per_subnet.is_empty() {
            ip(Tri::Maybe, PublicIpSource::Unknown)
        } else {
            ip(Tri::agree(per_subnet), PublicIpSource::Subnet)
        }
    }

    /// The metadata service settings: the instance's, or its launch template's.
    fn imds(&self, r: &Resource<'_>, kind: ComputeKind, launch: Option<&Link>, launch_node: Option<NodeId>) -> Imds {
        let holder = if kind.is_group() { launch_node } else { Some(self.node(r.id)) };
        let Some(h) = holder else {
            // A node group without a launch template gets EKS's defaults: the service on.
            let eks_defaults = kind == ComputeKind::EksNodeGroup && launch.is_none();
            return Imds {
                holder: eks_defaults.then_some(self.node(r.id)),
                endpoint: if eks_defaults { Attr::Default("enabled".into()) } else { Attr::Unknown },
                tokens: Attr::Absent,
                hop_limit: Attr::Absent,
            };
        };
        let hr = &self.model[self.res(h)];
        match hr.fields.block("metadata_options") {
            Some(b) => Imds {
                holder: Some(h),
                endpoint: b.str("http_endpoint"),
                tokens: b.str("http_tokens"),
                hop_limit: b.int("http_put_response_hop_limit"),
            },
            None => Imds { holder: Some(h), endpoint: Attr::Absent, tokens: Attr::Absent, hop_limit: Attr::Absent },
        }
    }
}

/// Compute-like resources tfreach does not model yet: each gets a note.
/// Services that launch EC2 instances into the plan's subnets on the user's behalf, in ways
/// tfreach does not follow (TFR002 names them, so that no instance is silently left out).
const UNMODELLED_COMPUTE: &[Kind] = &[
    Kind::BatchComputeEnvironment,
    Kind::EmrCluster,
    Kind::SpotFleetRequest,
    Kind::Ec2Fleet,
    Kind::ElasticBeanstalkEnvironment,
    Kind::OpsworksInstance,
    Kind::Cloud9EnvironmentEc2,
    Kind::ImagebuilderInfrastructureConfiguration,
];

/// Whether an unmodelled resource launches EC2 instances: a Batch compute environment does
/// only when AWS manages it and its resources are `EC2` or `SPOT` (not Fargate). Unknown
/// values count as launching.
fn launches_instances(r: &Resource<'_>) -> bool {
    if r.kind != Kind::BatchComputeEnvironment {
        return true;
    }
    let managed = r.fields.str("type").into_value().is_none_or(|t| t.eq_ignore_ascii_case("MANAGED"));
    let on_ec2 = r.fields.blocks("compute_resources").first().is_none_or(|c| {
        c.str("type").into_value().is_none_or(|t| matches!(t.to_ascii_uppercase().as_str(), "EC2" | "SPOT"))
    });
    managed && on_ec2
}

/// A resource's tags, and an autoscaling group's `tag` blocks.
fn tags(r: &Resource<'_>) -> Vec<(String, String)> {
    let own: std::collections::BTreeMap<String, String> =
        r.fields.after().get("tags").or_else(|| r.fields.after().get("tags_all")).unwrap_or_default();
    let mut out: Vec<(String, String)> = own.into_iter().collect();
    for b in r.fields.blocks("tag") {
        if let (Some(k), Some(v)) = (b.str("key").into_value(), b.str("value").into_value()) {
            out.push((k, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::network::compute::{PlacedBy, PublicIpSource};
    use crate::testkit::{Fixture, baseline, r};
    use crate::tri::Tri;

    fn names(t: &Fixture<'_, '_, '_>, l: crate::network::LinkId) -> Vec<String> {
        t.net.link(l).targets().iter().map(|n| t.net.name(**n)).collect()
    }

    #[test]
    fn a_primary_network_interface_places_the_instance() {
        let eni = json!({"subnet_id": r("aws_subnet.b"), "security_groups": r("aws_security_group.app")});
        let interface = json!([{"device_index": 0, "network_interface_id": r("aws_network_interface.app")}]);
        baseline()
            .without("aws_instance.app", Some("subnet_id"))
            .without("aws_instance.app", Some("vpc_security_group_ids"))
            .set("aws_instance.app", "network_interface", interface)
            .resource("aws_network_interface.app", eni)
            .check(|t| {
                let c = &t.net.compute[0];
                assert_eq!(c.placement.by, PlacedBy::NetworkInterface);
                assert!(!c.placement.default_vpc);
                assert_eq!(names(t, c.placement.subnets), ["aws_subnet.b"]);
                assert_eq!(names(t, c.placement.groups), ["aws_security_group.app"]);
            });
    }

    #[test]
    fn no_subnet_at_all_is_the_default_vpc() {
        baseline().without("aws_instance.app", Some("subnet_id")).check(|t| {
            assert!(t.net.compute[0].placement.default_vpc);
        });
    }

    #[test]
    fn an_elastic_ip_gives_a_public_address() {
        baseline().resource("aws_eip.app", json!({"instance": r("aws_instance.app"), "vpc": true})).check(|t| {
            let ip = t.net.compute[0].public_ip;
            assert_eq!((ip.outcome, ip.source), (Tri::Yes, PublicIpSource::ElasticIp));
        });
    }

    #[test]
    fn the_subnet_decides_a_public_address_by_default() {
        baseline().check(|t| {
            let ip = t.net.compute[0].public_ip;
            assert_eq!((ip.outcome, ip.source), (Tri::No, PublicIpSource::Subnet));
        });
        baseline().set("aws_subnet.a", "map_public_ip_on_launch", json!(true)).check(|t| {
            assert_eq!(t.net.compute[0].public_ip.outcome, Tri::Yes);
        });
    }

    #[test]
    fn an_autoscaling_group_takes_groups_and_profile_from_its_launch_template() {
        let lt = json!({"vpc_security_group_ids": r("aws_security_group.app"), "iam_instance_profile": [{"name": r("aws_iam_instance_profile.app")}]});
        let asg = json!({"vpc_zone_identifier": crate::testkit::refs(&["aws_subnet.a", "aws_subnet.b"]), "launch_template": [{"id": r("aws_launch_template.app")}]});
        baseline()
            .without("aws_instance.app", None)
            .resource("aws_launch_template.app", lt)
            .resource("aws_autoscaling_group.app", asg)
            .check(|t| {
                let c = &t.net.compute[0];
                assert_eq!(names(t, c.placement.subnets), ["aws_subnet.a", "aws_subnet.b"]);
                assert_eq!(names(t, c.placement.groups), ["aws_security_group.app"]);
                let crate::network::compute::Identity::Profile(p) = c.identity else { panic!() };
                assert_eq!(names(t, p), ["aws_iam_instance_profile.app"]);
                assert_eq!(t.instance("aws_autoscaling_group.app").verdict(), crate::reach::Verdict::Reachable);
            });
    }
}
