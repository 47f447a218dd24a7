//! Which attributes of which resource types link to which other types, and resolving all of
//! them for a model.

use rayon::prelude::*;
use serde::Serialize;

use super::{Link, Resolver, TargetSpec, VpcDefault};
use crate::model::{Kind, Model, ResId};

/// The meaning of an edge in the network graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Vpc,
    Subnet,
    Subnets,
    SecurityGroup,
    SecurityGroups,
    SourceSecurityGroup,
    RouteTable,
    RouteTables,
    Gateway,
    NatGateway,
    VpcEndpoint,
    NetworkAcl,
    InstanceProfile,
    Role,
    Roles,
    Policy,
    LaunchTemplate,
    LaunchConfiguration,
    Eip,
    Instance,
    HostedZone,
}

impl LinkKind {
    pub fn label(self) -> &'static str {
        match self {
            LinkKind::Vpc => "vpc",
            LinkKind::Subnet => "subnet",
            LinkKind::Subnets => "subnets",
            LinkKind::SecurityGroup => "security_group",
            LinkKind::SecurityGroups => "security_groups",
            LinkKind::SourceSecurityGroup => "source_security_group",
            LinkKind::RouteTable => "route_table",
            LinkKind::RouteTables => "route_tables",
            LinkKind::Gateway => "gateway",
            LinkKind::NatGateway => "nat_gateway",
            LinkKind::VpcEndpoint => "vpc_endpoint",
            LinkKind::NetworkAcl => "network_acl",
            LinkKind::InstanceProfile => "instance_profile",
            LinkKind::Role => "role",
            LinkKind::Roles => "roles",
            LinkKind::Policy => "policy",
            LinkKind::LaunchTemplate => "launch_template",
            LinkKind::LaunchConfiguration => "launch_configuration",
            LinkKind::Eip => "eip",
            LinkKind::Instance => "instance",
            LinkKind::HostedZone => "hosted_zone",
        }
    }
}

const VPCS: &[Kind] = &[Kind::Vpc, Kind::DefaultVpc];
const SUBNETS: &[Kind] = &[Kind::Subnet, Kind::DefaultSubnet];
const SGS: &[Kind] = &[Kind::SecurityGroup, Kind::DefaultSecurityGroup];
const ROUTE_TABLES: &[Kind] = &[Kind::RouteTable, Kind::DefaultRouteTable];
const NACLS: &[Kind] = &[Kind::NetworkAcl, Kind::DefaultNetworkAcl];

const fn one(kinds: &'static [Kind]) -> TargetSpec {
    TargetSpec { kinds, many: false, vpc_default: None }
}
const fn many(kinds: &'static [Kind]) -> TargetSpec {
    TargetSpec { kinds, many: true, vpc_default: None }
}
const fn with_default(spec: TargetSpec, d: VpcDefault) -> TargetSpec {
    TargetSpec { vpc_default: Some(d), ..spec }
}

/// One link attribute of a resource type: (edge kind, attribute path, targets).
pub type LinkSpec = (LinkKind, &'static [&'static str], TargetSpec);

const VPC: TargetSpec = one(VPCS);
pub const SG: TargetSpec = with_default(one(SGS), VpcDefault::SecurityGroup);
pub const SG_LIST: TargetSpec = with_default(many(SGS), VpcDefault::SecurityGroup);
const ROUTE_TABLE: TargetSpec = with_default(one(ROUTE_TABLES), VpcDefault::RouteTable);
const NACL: TargetSpec = with_default(one(NACLS), VpcDefault::NetworkAcl);
const SUBNET: TargetSpec = one(SUBNETS);
const SUBNET_LIST: TargetSpec = many(SUBNETS);
const ROUTE_TABLE_LIST: TargetSpec = with_default(many(ROUTE_TABLES), VpcDefault::RouteTable);
const IGW: TargetSpec = one(&[Kind::InternetGateway]);
const NAT: TargetSpec = one(&[Kind::NatGateway]);
const ENDPOINT: TargetSpec = one(&[Kind::VpcEndpoint]);
const PROFILE: TargetSpec = one(&[Kind::IamInstanceProfile]);
const LAUNCH_TEMPLATE: TargetSpec = one(&[Kind::LaunchTemplate]);
const LAUNCH_CONFIGURATION: TargetSpec = one(&[Kind::LaunchConfiguration]);
const EIP: TargetSpec = one(&[Kind::Eip]);
const INSTANCE: TargetSpec = one(&[Kind::Instance]);
const ROLE: TargetSpec = one(&[Kind::IamRole]);
const ROLE_LIST: TargetSpec = many(&[Kind::IamRole]);
const POLICY: TargetSpec = one(&[Kind::IamPolicy]);
const VPC_LIST: TargetSpec = many(VPCS);
const ZONE: TargetSpec = one(&[Kind::Route53Zone]);

/// The link attributes of each modelled type.
pub fn specs(kind: Kind) -> &'static [LinkSpec] {
    use LinkKind as L;
    match kind {
        Kind::Subnet
        | Kind::DefaultSubnet
        | Kind::SecurityGroup
        | Kind::DefaultSecurityGroup
        | Kind::RouteTable
        | Kind::InternetGateway => &[(L::Vpc, &["vpc_id"], VPC)],
        Kind::DefaultRouteTable => {
            &[(L::Vpc, &["vpc_id"], VPC), (L::RouteTable, &["default_route_table_id"], ROUTE_TABLE)]
        }
        Kind::MainRouteTableAssociation => {
            &[(L::Vpc, &["vpc_id"], VPC), (L::RouteTable, &["route_table_id"], ROUTE_TABLE)]
        }
        Kind::RouteTableAssociation => {
            &[(L::Subnet, &["subnet_id"], SUBNET), (L::RouteTable, &["route_table_id"], ROUTE_TABLE)]
        }
        Kind::Route => &[
            (L::RouteTable, &["route_table_id"], ROUTE_TABLE),
            (L::Gateway, &["gateway_id"], IGW),
            (L::NatGateway, &["nat_gateway_id"], NAT),
            (L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT),
        ],
        Kind::NetworkAcl => &[(L::Vpc, &["vpc_id"], VPC), (L::Subnets, &["subnet_ids"], SUBNET_LIST)],
        Kind::DefaultNetworkAcl => &[
            (L::Vpc, &["vpc_id"], VPC),
            (L::NetworkAcl, &["default_network_acl_id"], NACL),
            (L::Subnets, &["subnet_ids"], SUBNET_LIST),
        ],
        Kind::NetworkAclRule => &[(L::NetworkAcl, &["network_acl_id"], NACL)],
        Kind::NetworkAclAssociation => {
            &[(L::Subnet, &["subnet_id"], SUBNET), (L::NetworkAcl, &["network_acl_id"], NACL)]
        }
        Kind::SecurityGroupRule => &[
            (L::SecurityGroup, &["security_group_id"], SG),
            (L::SourceSecurityGroup, &["source_security_group_id"], SG),
        ],
        Kind::SecurityGroupIngressRule | Kind::SecurityGroupEgressRule => &[
            (L::SecurityGroup, &["security_group_id"], SG),
            (L::SourceSecurityGroup, &["referenced_security_group_id"], SG),
        ],
        Kind::VpcEndpoint => &[
            (L::Vpc, &["vpc_id"], VPC),
            (L::Subnets, &["subnet_ids"], SUBNET_LIST),
            (L::SecurityGroups, &["security_group_ids"], SG_LIST),
            (L::RouteTables, &["route_table_ids"], ROUTE_TABLE_LIST),
        ],
        Kind::VpcEndpointSubnetAssociation => {
            &[(L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT), (L::Subnet, &["subnet_id"], SUBNET)]
        }
        Kind::VpcEndpointSecurityGroupAssociation => {
            &[(L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT), (L::SecurityGroup, &["security_group_id"], SG)]
        }
        Kind::VpcEndpointRouteTableAssociation => {
            &[(L::VpcEndpoint, &["vpc_endpoint_id"], ENDPOINT), (L::RouteTable, &["route_table_id"], ROUTE_TABLE)]
        }
        Kind::Instance | Kind::SpotInstanceRequest => &[
            (L::Subnet, &["subnet_id"], SUBNET),
            (L::SecurityGroups, &["vpc_security_group_ids"], SG_LIST),
            (L::InstanceProfile, &["iam_instance_profile"], PROFILE),
        ],
        Kind::LaunchTemplate => &[
            (L::SecurityGroups, &["vpc_security_group_ids"], SG_LIST),
            (L::SecurityGroups, &["network_interfaces", "security_groups"], SG_LIST),
            (L::Subnet, &["network_interfaces", "subnet_id"], SUBNET),
            (L::InstanceProfile, &["iam_instance_profile", "name"], PROFILE),
            (L::InstanceProfile, &["iam_instance_profile", "arn"], PROFILE),
        ],
        Kind::LaunchConfiguration => &[
            (L::SecurityGroups, &["security_groups"], SG_LIST),
            (L::InstanceProfile, &["iam_instance_profile"], PROFILE),
        ],
        Kind::AutoscalingGroup => &[
            (L::Subnets, &["vpc_zone_identifier"], SUBNET_LIST),
            (L::LaunchConfiguration, &["launch_configuration"], LAUNCH_CONFIGURATION),
            (L::LaunchTemplate, &["launch_template", "id"], LAUNCH_TEMPLATE),
            (L::LaunchTemplate, &["launch_template", "name"], LAUNCH_TEMPLATE),
            (
                L::LaunchTemplate,
                &["mixed_instances_policy", "launch_template", "launch_template_specification", "launch_template_id"],
                LAUNCH_TEMPLATE,
            ),
            (
                L::LaunchTemplate,
                &["mixed_instances_policy", "launch_template", "launch_template_specification", "launch_template_name"],
                LAUNCH_TEMPLATE,
            ),
        ],
        Kind::NatGateway => &[(L::Subnet, &["subnet_id"], SUBNET), (L::Eip, &["allocation_id"], EIP)],
        Kind::InternetGatewayAttachment => &[(L::Vpc, &["vpc_id"], VPC), (L::Gateway, &["internet_gateway_id"], IGW)],
        Kind::Eip => &[(L::Instance, &["instance"], INSTANCE)],
        Kind::IamInstanceProfile => &[(L::Role, &["role"], ROLE)],
        Kind::IamRolePolicyAttachment => &[(L::Role, &["role"], ROLE), (L::Policy, &["policy_arn"], POLICY)],
        Kind::IamPolicyAttachment => &[(L::Roles, &["roles"], ROLE_LIST), (L::Policy, &["policy_arn"], POLICY)],
        Kind::IamRolePolicy => &[(L::Role, &["role"], ROLE)],
        Kind::Route53Zone => &[(L::Vpc, &["vpc", "vpc_id"], VPC_LIST)],
        Kind::Route53ZoneAssociation => &[(L::HostedZone, &["zone_id"], ZONE), (L::Vpc, &["vpc_id"], VPC)],
        Kind::Route53Record => &[(L::HostedZone, &["zone_id"], ZONE)],
        _ => &[],
    }
}

/// Every link of every modelled resource, indexed by [`ResId`].
#[derive(Debug)]
pub struct Resolved {
    pub links: Vec<Vec<(LinkKind, &'static [&'static str], Link)>>,
}

impl Resolved {
    pub fn all(resolver: &Resolver<'_, '_>) -> Resolved {
        let model: &Model<'_> = resolver.model();
        let links = model
            .resources
            .par_iter()
            .map(|r| {
                specs(r.kind)
                    .iter()
                    .map(|(kind, path, spec)| (*kind, *path, resolver.link(r, path, spec)))
                    .filter(|(_, path, link)| !(link.unset && path.len() > 1))
                    .collect()
            })
            .collect();
        Resolved { links }
    }

    /// The first link of `kind` on `res` that is set, or the first of that kind.
    pub fn get(&self, res: ResId, kind: LinkKind) -> Option<&Link> {
        let of_kind = || self.links[res].iter().filter(move |(k, _, _)| *k == kind).map(|(_, _, l)| l);
        of_kind().find(|l| !l.unset && !l.is_empty()).or_else(|| of_kind().next())
    }

    /// Every link of `kind` on `res` (e.g. a launch template's two security group lists).
    pub fn all_of(&self, res: ResId, kind: LinkKind) -> impl Iterator<Item = &Link> {
        self.links[res].iter().filter(move |(k, _, _)| *k == kind).map(|(_, _, l)| l)
    }
}
