//! Which attributes of which resource types link to which other types — top-level ones and
//! those inside each nested block (an inline rule's `security_groups`, a route's target) —
//! and resolving every one of them for a model.

use rayon::prelude::*;
use serde::Serialize;

use super::{Link, Resolver, TargetSpec, VpcDefault};
use crate::model::{Fields, Kind, Model, ResId, Resource};

/// The meaning of an edge in the network graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Vpc,
    PeerVpc,
    Subnet,
    Subnets,
    SecurityGroup,
    SecurityGroups,
    /// The peer group of a security group rule.
    SourceSecurityGroup,
    PrefixLists,
    RouteTable,
    RouteTables,
    Gateway,
    NatGateway,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    PeeringConnection,
    NetworkInterface,
    VpcEndpoint,
    NetworkAcl,
    InstanceProfile,
    Role,
    Roles,
    Policy,
    Policies,
    LaunchTemplate,
    LaunchConfiguration,
    Eip,
    Instance,
    HostedZone,
    Cluster,
    DhcpOptions,
    /// A link the network derives from others (a subnet's route table through its
    /// association, an instance's subnet through its primary network interface).
    Derived,
}

impl LinkKind {
    pub fn label(self) -> &'static str {
        match self {
            LinkKind::Vpc => "vpc",
            LinkKind::PeerVpc => "peer_vpc",
            LinkKind::Subnet => "subnet",
            LinkKind::Subnets => "subnets",
            LinkKind::SecurityGroup => "security_group",
            LinkKind::SecurityGroups => "security_groups",
            LinkKind::SourceSecurityGroup => "source_security_group",
            LinkKind::PrefixLists => "prefix_lists",
            LinkKind::RouteTable => "route_table",
            LinkKind::RouteTables => "route_tables",
            LinkKind::Gateway => "gateway",
            LinkKind::NatGateway => "nat_gateway",
            LinkKind::TransitGateway => "transit_gateway",
            LinkKind::TransitGatewayAttachment => "transit_gateway_attachment",
            LinkKind::TransitGatewayRouteTable => "transit_gateway_route_table",
            LinkKind::PeeringConnection => "peering_connection",
            LinkKind::NetworkInterface => "network_interface",
            LinkKind::VpcEndpoint => "vpc_endpoint",
            LinkKind::NetworkAcl => "network_acl",
            LinkKind::InstanceProfile => "instance_profile",
            LinkKind::Role => "role",
            LinkKind::Roles => "roles",
            LinkKind::Policy => "policy",
            LinkKind::Policies => "policies",
            LinkKind::LaunchTemplate => "launch_template",
            LinkKind::LaunchConfiguration => "launch_configuration",
            LinkKind::Eip => "eip",
            LinkKind::Instance => "instance",
            LinkKind::HostedZone => "hosted_zone",
            LinkKind::Cluster => "cluster",
            LinkKind::DhcpOptions => "dhcp_options",
            LinkKind::Derived => "derived",
        }
    }
}

const VPCS: &[Kind] = &[Kind::Vpc, Kind::DefaultVpc];
const SUBNETS: &[Kind] = &[Kind::Subnet, Kind::DefaultSubnet];
const SGS: &[Kind] = &[Kind::SecurityGroup, Kind::DefaultSecurityGroup];
const ROUTE_TABLES: &[Kind] = &[Kind::RouteTable, Kind::DefaultRouteTable];
const NACLS: &[Kind] = &[Kind::NetworkAcl, Kind::DefaultNetworkAcl];
const PREFIX_LISTS: &[Kind] = &[Kind::ManagedPrefixList, Kind::VpcEndpoint];

const fn one(kinds: &'static [Kind]) -> TargetSpec {
    TargetSpec { kinds, many: false, vpc_default: None }
}
const fn many(kinds: &'static [Kind]) -> TargetSpec {
    TargetSpec { kinds, many: true, vpc_default: None }
}
const fn with_default(spec: TargetSpec, d: VpcDefault) -> TargetSpec {
    TargetSpec { vpc_default: Some(d), ..spec }
}

/// One link attribute of a resource type.
#[derive(Debug, Clone, Copy)]
pub struct LinkSpec {
    pub kind: LinkKind,
    /// Block names, then the attribute.
    pub path: &'static [&'static str],
    pub target: TargetSpec,
    /// Resolved once per block of `path[0]` (each inline rule or route on its own), rather
    /// than as one union over every block.
    pub each_block: bool,
}

const fn link(kind: LinkKind, path: &'static [&'static str], target: TargetSpec) -> LinkSpec {
    LinkSpec { kind, path, target, each_block: false }
}
const fn per_block(kind: LinkKind, path: &'static [&'static str], target: TargetSpec) -> LinkSpec {
    LinkSpec { kind, path, target, each_block: true }
}

const VPC: TargetSpec = one(VPCS);
pub const SG: TargetSpec = with_default(one(SGS), VpcDefault::SecurityGroup);
pub const SG_LIST: TargetSpec = with_default(many(SGS), VpcDefault::SecurityGroup);
const ROUTE_TABLE: TargetSpec = with_default(one(ROUTE_TABLES), VpcDefault::RouteTable);
const NACL: TargetSpec = with_default(one(NACLS), VpcDefault::NetworkAcl);
const SUBNET: TargetSpec = one(SUBNETS);
const SUBNET_LIST: TargetSpec = many(SUBNETS);
const ROUTE_TABLE_LIST: TargetSpec = with_default(many(ROUTE_TABLES), VpcDefault::RouteTable);
const IGW: TargetSpec = one(&[Kind::InternetGateway, Kind::VpnGateway]);
const EGRESS_ONLY_IGW: TargetSpec = one(&[Kind::EgressOnlyInternetGateway]);
const NAT: TargetSpec = one(&[Kind::NatGateway]);
const TGW: TargetSpec = one(&[Kind::TransitGateway]);
const TGW_ATTACHMENT: TargetSpec = one(&[Kind::TransitGatewayVpcAttachment]);
/// A route table, or a transit gateway standing for its default route table
/// (`aws_ec2_transit_gateway.x.association_default_route_table_id`).
const TGW_ROUTE_TABLE: TargetSpec = one(&[Kind::TransitGatewayRouteTable, Kind::TransitGateway]);
const PEERING: TargetSpec = one(&[Kind::VpcPeeringConnection]);
const ENI: TargetSpec = one(&[Kind::NetworkInterface]);
/// An interface, or an instance standing for its primary interface
/// (`aws_instance.x.primary_network_interface_id`).
const ENI_OR_PRIMARY: TargetSpec = one(&[Kind::NetworkInterface, Kind::Instance]);
const ENDPOINT: TargetSpec = one(&[Kind::VpcEndpoint]);
const ENDPOINT_LIST: TargetSpec = many(&[Kind::VpcEndpoint]);
const PROFILE: TargetSpec = one(&[Kind::IamInstanceProfile]);
const LAUNCH_TEMPLATE: TargetSpec = one(&[Kind::LaunchTemplate]);
const LAUNCH_CONFIGURATION: TargetSpec = one(&[Kind::LaunchConfiguration]);
const EIP: TargetSpec = one(&[Kind::Eip]);
const INSTANCE: TargetSpec = one(&[Kind::Instance]);
const ROLE: TargetSpec = one(&[Kind::IamRole]);
const ROLE_LIST: TargetSpec = many(&[Kind::IamRole]);
const POLICY: TargetSpec = one(&[Kind::IamPolicy]);
const POLICY_LIST: TargetSpec = many(&[Kind::IamPolicy]);
const VPC_LIST: TargetSpec = many(VPCS);
const ZONE: TargetSpec = one(&[Kind::Route53Zone]);
const PREFIX_LIST: TargetSpec = one(PREFIX_LISTS);
const PREFIX_LIST_LIST: TargetSpec = many(PREFIX_LISTS);
const CLUSTER: TargetSpec = one(&[Kind::EksCluster]);
const DHCP: TargetSpec = one(&[Kind::VpcDhcpOptions]);

use LinkKind as L;

/// The targets a route names, by attribute (inline `route` blocks and `aws_route`).
const ROUTE_TARGETS: &[LinkSpec] = &[
    link(L::Gateway, &["gateway_id"], IGW),
    link(L::Gateway, &["egress_only_gateway_id"], EGRESS_ONLY_IGW),
    link(L::NatGateway, &["nat_gateway_id"], NAT),
    link(L::TransitGateway, &["transit_gateway_id"], TGW),
    link(L::PeeringConnection, &["vpc_peering_connection_id"], PEERING),
    link(L::NetworkInterface, &["network_interface_id"], ENI_OR_PRIMARY),
    link(L::Instance, &["instance_id"], INSTANCE),
    link(L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT),
];

/// The same targets inside each inline `route` block.
const INLINE_ROUTE_TARGETS: &[LinkSpec] = &[
    per_block(L::Gateway, &["route", "gateway_id"], IGW),
    per_block(L::Gateway, &["route", "egress_only_gateway_id"], EGRESS_ONLY_IGW),
    per_block(L::NatGateway, &["route", "nat_gateway_id"], NAT),
    per_block(L::TransitGateway, &["route", "transit_gateway_id"], TGW),
    per_block(L::PeeringConnection, &["route", "vpc_peering_connection_id"], PEERING),
    per_block(L::NetworkInterface, &["route", "network_interface_id"], ENI_OR_PRIMARY),
    per_block(L::Instance, &["route", "instance_id"], INSTANCE),
    per_block(L::VpcEndpoint, &["route", "vpc_endpoint_id"], ENDPOINT),
];

/// The link attributes of each modelled type.
pub fn specs(kind: Kind) -> &'static [LinkSpec] {
    match kind {
        Kind::Subnet
        | Kind::DefaultSubnet
        | Kind::InternetGateway
        | Kind::EgressOnlyInternetGateway
        | Kind::VpnGateway => const { &[link(L::Vpc, &["vpc_id"], VPC)] },
        Kind::SecurityGroup | Kind::DefaultSecurityGroup => {
            const {
                &[
                    link(L::Vpc, &["vpc_id"], VPC),
                    per_block(L::SourceSecurityGroup, &["ingress", "security_groups"], SG_LIST),
                    per_block(L::SourceSecurityGroup, &["egress", "security_groups"], SG_LIST),
                    per_block(L::PrefixLists, &["ingress", "prefix_list_ids"], PREFIX_LIST_LIST),
                    per_block(L::PrefixLists, &["egress", "prefix_list_ids"], PREFIX_LIST_LIST),
                ]
            }
        }
        Kind::RouteTable => {
            const SPECS: &[LinkSpec] = &{
                let mut out = [link(L::Vpc, &["vpc_id"], VPC); 9];
                let mut i = 0;
                while i < INLINE_ROUTE_TARGETS.len() {
                    out[i + 1] = INLINE_ROUTE_TARGETS[i];
                    i += 1;
                }
                out
            };
            SPECS
        }
        Kind::DefaultRouteTable => {
            const SPECS: &[LinkSpec] = &{
                let mut out = [link(L::Vpc, &["vpc_id"], VPC); 10];
                out[1] = link(L::RouteTable, &["default_route_table_id"], ROUTE_TABLE);
                let mut i = 0;
                while i < INLINE_ROUTE_TARGETS.len() {
                    out[i + 2] = INLINE_ROUTE_TARGETS[i];
                    i += 1;
                }
                out
            };
            SPECS
        }
        Kind::MainRouteTableAssociation => {
            const { &[link(L::Vpc, &["vpc_id"], VPC), link(L::RouteTable, &["route_table_id"], ROUTE_TABLE)] }
        }
        Kind::RouteTableAssociation => {
            const { &[link(L::Subnet, &["subnet_id"], SUBNET), link(L::RouteTable, &["route_table_id"], ROUTE_TABLE)] }
        }
        Kind::Route => {
            const SPECS: &[LinkSpec] = &{
                let mut out = [link(L::RouteTable, &["route_table_id"], ROUTE_TABLE); 10];
                out[1] = link(L::PrefixLists, &["destination_prefix_list_id"], PREFIX_LIST);
                let mut i = 0;
                while i < ROUTE_TARGETS.len() {
                    out[i + 2] = ROUTE_TARGETS[i];
                    i += 1;
                }
                out
            };
            SPECS
        }
        Kind::NetworkAcl => const { &[link(L::Vpc, &["vpc_id"], VPC), link(L::Subnets, &["subnet_ids"], SUBNET_LIST)] },
        Kind::DefaultNetworkAcl => {
            const {
                &[
                    link(L::Vpc, &["vpc_id"], VPC),
                    link(L::NetworkAcl, &["default_network_acl_id"], NACL),
                    link(L::Subnets, &["subnet_ids"], SUBNET_LIST),
                ]
            }
        }
        Kind::NetworkAclRule => const { &[link(L::NetworkAcl, &["network_acl_id"], NACL)] },
        Kind::NetworkAclAssociation => {
            const { &[link(L::Subnet, &["subnet_id"], SUBNET), link(L::NetworkAcl, &["network_acl_id"], NACL)] }
        }
        Kind::SecurityGroupRule => {
            const {
                &[
                    link(L::SecurityGroup, &["security_group_id"], SG),
                    link(L::SourceSecurityGroup, &["source_security_group_id"], SG),
                    link(L::PrefixLists, &["prefix_list_ids"], PREFIX_LIST_LIST),
                ]
            }
        }
        Kind::SecurityGroupIngressRule | Kind::SecurityGroupEgressRule => {
            const {
                &[
                    link(L::SecurityGroup, &["security_group_id"], SG),
                    link(L::SourceSecurityGroup, &["referenced_security_group_id"], SG),
                    link(L::PrefixLists, &["prefix_list_id"], PREFIX_LIST),
                ]
            }
        }
        Kind::VpcEndpoint => {
            const {
                &[
                    link(L::Vpc, &["vpc_id"], VPC),
                    link(L::Subnets, &["subnet_ids"], SUBNET_LIST),
                    link(L::SecurityGroups, &["security_group_ids"], SG_LIST),
                    link(L::RouteTables, &["route_table_ids"], ROUTE_TABLE_LIST),
                ]
            }
        }
        Kind::VpcEndpointSubnetAssociation => {
            const { &[link(L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT), link(L::Subnet, &["subnet_id"], SUBNET)] }
        }
        Kind::VpcEndpointSecurityGroupAssociation => {
            const {
                &[
                    link(L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT),
                    link(L::SecurityGroup, &["security_group_id"], SG),
                ]
            }
        }
        Kind::VpcEndpointRouteTableAssociation => {
            const {
                &[
                    link(L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT),
                    link(L::RouteTable, &["route_table_id"], ROUTE_TABLE),
                ]
            }
        }
        Kind::Instance | Kind::SpotInstanceRequest => {
            const {
                &[
                    link(L::Subnet, &["subnet_id"], SUBNET),
                    link(L::SecurityGroups, &["vpc_security_group_ids"], SG_LIST),
                    link(L::InstanceProfile, &["iam_instance_profile"], PROFILE),
                    per_block(L::NetworkInterface, &["network_interface", "network_interface_id"], ENI),
                ]
            }
        }
        Kind::NetworkInterface => {
            const { &[link(L::Subnet, &["subnet_id"], SUBNET), link(L::SecurityGroups, &["security_groups"], SG_LIST)] }
        }
        Kind::NetworkInterfaceSgAttachment => {
            const {
                &[
                    link(L::NetworkInterface, &["network_interface_id"], ENI_OR_PRIMARY),
                    link(L::SecurityGroup, &["security_group_id"], SG),
                ]
            }
        }
        Kind::NetworkInterfaceAttachment => {
            const {
                &[
                    link(L::NetworkInterface, &["network_interface_id"], ENI),
                    link(L::Instance, &["instance_id"], INSTANCE),
                ]
            }
        }
        Kind::LaunchTemplate => {
            const {
                &[
                    link(L::SecurityGroups, &["vpc_security_group_ids"], SG_LIST),
                    per_block(L::SecurityGroups, &["network_interfaces", "security_groups"], SG_LIST),
                    per_block(L::Subnet, &["network_interfaces", "subnet_id"], SUBNET),
                    per_block(L::NetworkInterface, &["network_interfaces", "network_interface_id"], ENI),
                    link(L::InstanceProfile, &["iam_instance_profile", "name"], PROFILE),
                    link(L::InstanceProfile, &["iam_instance_profile", "arn"], PROFILE),
                ]
            }
        }
        Kind::LaunchConfiguration => {
            const {
                &[
                    link(L::SecurityGroups, &["security_groups"], SG_LIST),
                    link(L::InstanceProfile, &["iam_instance_profile"], PROFILE),
                ]
            }
        }
        Kind::AutoscalingGroup => {
            const {
                &[
                    link(L::Subnets, &["vpc_zone_identifier"], SUBNET_LIST),
                    link(L::LaunchConfiguration, &["launch_configuration"], LAUNCH_CONFIGURATION),
                    link(L::LaunchTemplate, &["launch_template", "id"], LAUNCH_TEMPLATE),
                    link(L::LaunchTemplate, &["launch_template", "name"], LAUNCH_TEMPLATE),
                    link(
                        L::LaunchTemplate,
                        &[
                            "mixed_instances_policy",
                            "launch_template",
                            "launch_template_specification",
                            "launch_template_id",
                        ],
                        LAUNCH_TEMPLATE,
                    ),
                    link(
                        L::LaunchTemplate,
                        &[
                            "mixed_instances_policy",
                            "launch_template",
                            "launch_template_specification",
                            "launch_template_name",
                        ],
                        LAUNCH_TEMPLATE,
                    ),
                ]
            }
        }
        Kind::EksNodeGroup => {
            const {
                &[
                    link(L::Subnets, &["subnet_ids"], SUBNET_LIST),
                    link(L::Cluster, &["cluster_name"], CLUSTER),
                    link(L::Role, &["node_role_arn"], ROLE),
                    link(L::LaunchTemplate, &["launch_template", "id"], LAUNCH_TEMPLATE),
                    link(L::LaunchTemplate, &["launch_template", "name"], LAUNCH_TEMPLATE),
                ]
            }
        }
        Kind::EksCluster => {
            const {
                &[
                    link(L::Subnets, &["vpc_config", "subnet_ids"], SUBNET_LIST),
                    link(L::SecurityGroups, &["vpc_config", "security_group_ids"], SG_LIST),
                ]
            }
        }
        Kind::NatGateway => const { &[link(L::Subnet, &["subnet_id"], SUBNET), link(L::Eip, &["allocation_id"], EIP)] },
        Kind::InternetGatewayAttachment => {
            const { &[link(L::Vpc, &["vpc_id"], VPC), link(L::Gateway, &["internet_gateway_id"], IGW)] }
        }
        Kind::Eip => {
            const {
                &[
                    link(L::Instance, &["instance"], INSTANCE),
                    link(L::NetworkInterface, &["network_interface"], ENI_OR_PRIMARY),
                ]
            }
        }
        Kind::TransitGatewayVpcAttachment => {
            const {
                &[
                    link(L::TransitGateway, &["transit_gateway_id"], TGW),
                    link(L::Vpc, &["vpc_id"], VPC),
                    link(L::Subnets, &["subnet_ids"], SUBNET_LIST),
                ]
            }
        }
        Kind::TransitGatewayRouteTable => const { &[link(L::TransitGateway, &["transit_gateway_id"], TGW)] },
        Kind::TransitGatewayRoute
        | Kind::TransitGatewayRouteTableAssociation
        | Kind::TransitGatewayRouteTablePropagation => {
            const {
                &[
                    link(L::TransitGatewayAttachment, &["transit_gateway_attachment_id"], TGW_ATTACHMENT),
                    link(L::TransitGatewayRouteTable, &["transit_gateway_route_table_id"], TGW_ROUTE_TABLE),
                ]
            }
        }
        Kind::VpcPeeringConnection => {
            const { &[link(L::Vpc, &["vpc_id"], VPC), link(L::PeerVpc, &["peer_vpc_id"], VPC)] }
        }
        Kind::VpcPeeringConnectionAccepter => {
            const { &[link(L::PeeringConnection, &["vpc_peering_connection_id"], PEERING)] }
        }
        Kind::VpcIpv6CidrBlockAssociation => const { &[link(L::Vpc, &["vpc_id"], VPC)] },
        Kind::VpcDhcpOptionsAssociation => {
            const { &[link(L::Vpc, &["vpc_id"], VPC), link(L::DhcpOptions, &["dhcp_options_id"], DHCP)] }
        }
        Kind::IamInstanceProfile => const { &[link(L::Role, &["role"], ROLE)] },
        Kind::IamRole => const { &[link(L::Policies, &["managed_policy_arns"], POLICY_LIST)] },
        Kind::IamRolePolicyAttachment => {
            const { &[link(L::Role, &["role"], ROLE), link(L::Policy, &["policy_arn"], POLICY)] }
        }
        Kind::IamPolicyAttachment => {
            const { &[link(L::Roles, &["roles"], ROLE_LIST), link(L::Policy, &["policy_arn"], POLICY)] }
        }
        Kind::IamRolePolicy => const { &[link(L::Role, &["role"], ROLE)] },
        Kind::IamRolePoliciesExclusive | Kind::IamRolePolicyAttachmentsExclusive => {
            const { &[link(L::Role, &["role_name"], ROLE)] }
        }
        Kind::SsmServiceSetting => const { &[link(L::Role, &["setting_value"], ROLE)] },
        Kind::Route53Zone => const { &[link(L::Vpc, &["vpc", "vpc_id"], VPC_LIST)] },
        Kind::Route53ZoneAssociation => {
            const { &[link(L::HostedZone, &["zone_id"], ZONE), link(L::Vpc, &["vpc_id"], VPC)] }
        }
        Kind::Route53Record => {
            const {
                &[
                    link(L::HostedZone, &["zone_id"], ZONE),
                    link(L::VpcEndpoint, &["alias", "name"], ENDPOINT),
                    link(L::VpcEndpoint, &["records"], ENDPOINT_LIST),
                ]
            }
        }
        _ => const { &[] },
    }
}

/// Which link of a resource: its kind, attribute path and, for a per-block link, which block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkKey {
    pub kind: LinkKind,
    pub path: &'static [&'static str],
    pub block: Option<u32>,
}

impl LinkKey {
    /// The attribute as written in output: `vpc_id`, `ingress[0].security_groups`.
    pub fn attribute(&self) -> String {
        match (self.block, self.path) {
            (Some(i), [first, rest @ ..]) => format!("{first}[{i}].{}", rest.join(".")),
            _ => self.path.join("."),
        }
    }
}

/// Every link of every modelled resource, by [`ResId`]; or of a run of the model's resources
/// (see [`Resolved::run`]).
#[derive(Debug, Default)]
pub struct Resolved {
    /// The index of the first resource `links` holds.
    first: usize,
    links: Vec<Vec<(LinkKey, Link)>>,
}

impl Resolved {
    pub fn all(resolver: &Resolver<'_, '_>) -> Resolved {
        let model: &Model<'_> = resolver.model();
        Resolved::run(resolver, &model.resources)
    }

    /// The links of `run`, consecutive resources of the model, resolved in parallel.
    pub fn run<'a>(resolver: &Resolver<'_, 'a>, run: &[Resource<'a>]) -> Resolved {
        let first = run.first().map_or(0, |r| r.id.index());
        Resolved { first, links: run.par_iter().map(|r| resolve_resource(resolver, r)).collect() }
    }

    /// The resources whose links this holds.
    pub fn ids(&self) -> impl Iterator<Item = ResId> + use<> {
        (self.first..self.first + self.links.len()).map(ResId::new)
    }

    /// Every link of `res`, in spec order (blocks in order); none for a resource this does
    /// not hold.
    pub fn of(&self, res: ResId) -> &[(LinkKey, Link)] {
        res.index().checked_sub(self.first).and_then(|i| self.links.get(i)).map_or(&[], Vec::as_slice)
    }

    /// The first top-level link of `kind` on `res` that is set, or the first of that kind.
    pub fn get(&self, res: ResId, kind: LinkKind) -> Option<&Link> {
        let of_kind = || self.of(res).iter().filter(move |(k, _)| k.kind == kind && k.block.is_none()).map(|(_, l)| l);
        of_kind().find(|l| !l.unset && !l.is_empty()).or_else(|| of_kind().next())
    }

    /// The link of `kind` in block `index` of `block` (`ingress`, 0).
    pub fn in_block(&self, res: ResId, kind: LinkKind, block: &str, index: usize) -> Option<&Link> {
        self.of(res)
            .iter()
            .find(|(k, _)| k.kind == kind && k.block == Some(index as u32) && k.path.first() == Some(&block))
            .map(|(_, l)| l)
    }
}

fn resolve_resource<'a>(resolver: &Resolver<'_, 'a>, r: &Resource<'a>) -> Vec<(LinkKey, Link)> {
    let mut out = Vec::new();
    // Each block list is split once, whatever number of its attributes link.
    let mut blocks: Vec<(&str, Vec<Fields<'a>>)> = Vec::new();
    for spec in specs(r.kind) {
        if spec.each_block {
            let name = spec.path[0];
            if !blocks.iter().any(|(n, _)| *n == name) {
                blocks.push((name, r.fields.blocks(name)));
            }
            let of_block = &blocks.iter().find(|(n, _)| *n == name).expect("just added").1;
            for (i, link) in block_links(resolver, r, spec, of_block).into_iter().enumerate() {
                out.push((LinkKey { kind: spec.kind, path: spec.path, block: Some(i as u32) }, link));
            }
            continue;
        }
        let link = resolver.link(r, spec.path, &spec.target);
        // A nested attribute of a block the configuration does not have says nothing.
        if link.unset && spec.path.len() > 1 {
            continue;
        }
        out.push((LinkKey { kind: spec.kind, path: spec.path, block: None }, link));
    }
    out
}

/// One link per block of `spec.path[0]`. The AWS provider's "attributes as blocks" (inline
/// `ingress`, `egress`, `route`) may have a single expression for the whole attribute in
/// `configuration`, while `after` keeps each block's known parts and `after_unknown` marks
/// the rest: an unknown part is then one of the attribute's references.
fn block_links<'a>(resolver: &Resolver<'_, 'a>, r: &Resource<'a>, spec: &LinkSpec, blocks: &[Fields<'a>]) -> Vec<Link> {
    let [block, attr] = spec.path else { return Vec::new() };
    let parent = r.fields.config_expr(block).filter(|e| e.has_references());
    let shared = blocks.iter().filter(|b| b.is_unknown(attr)).count() > 1;
    blocks
        .iter()
        .map(|b| {
            if let Some(parent) = parent.filter(|_| b.is_unknown(attr) && b.config().is_none()) {
                resolver.link_refs(r, parent, &spec.target, shared)
            } else {
                resolver.link_in(r, b, attr, &spec.target)
            }
        })
        .collect()
}
