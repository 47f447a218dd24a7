//! The AWS resource types tfreach models, by Terraform type name.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use serde::Serialize;

macro_rules! kinds {
    ($( $variant:ident => $name:literal ),* $(,)?) => {
        /// A modelled Terraform resource type (managed resource or data source of that type).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Kind {
            $( $variant, )*
            /// Any type tfreach does not model.
            Other,
        }

        impl Kind {
            /// The kind of a Terraform type name: one hash lookup, as it is asked of every
            /// resource in the plan.
            pub fn from_type(type_: &str) -> Kind {
                static BY_NAME: LazyLock<FxHashMap<&'static str, Kind>> =
                    LazyLock::new(|| Kind::ALL.iter().map(|&k| (k.type_name(), k)).collect());
                BY_NAME.get(type_).copied().unwrap_or(Kind::Other)
            }

            /// The Terraform type name (`Other` has none).
            pub fn type_name(self) -> &'static str {
                match self {
                    $( Kind::$variant => $name, )*
                    Kind::Other => "",
                }
            }

            pub const ALL: &'static [Kind] = &[ $( Kind::$variant, )* ];
        }
    };
}

kinds! {
    Vpc => "aws_vpc",
    DefaultVpc => "aws_default_vpc",
    Subnet => "aws_subnet",
    DefaultSubnet => "aws_default_subnet",
    RouteTable => "aws_route_table",
    DefaultRouteTable => "aws_default_route_table",
    MainRouteTableAssociation => "aws_main_route_table_association",
    RouteTableAssociation => "aws_route_table_association",
    Route => "aws_route",
    NetworkAcl => "aws_network_acl",
    DefaultNetworkAcl => "aws_default_network_acl",
    NetworkAclRule => "aws_network_acl_rule",
    NetworkAclAssociation => "aws_network_acl_association",
    SecurityGroup => "aws_security_group",
    DefaultSecurityGroup => "aws_default_security_group",
    SecurityGroupRule => "aws_security_group_rule",
    SecurityGroupIngressRule => "aws_vpc_security_group_ingress_rule",
    SecurityGroupEgressRule => "aws_vpc_security_group_egress_rule",
    VpcEndpoint => "aws_vpc_endpoint",
    VpcEndpointSubnetAssociation => "aws_vpc_endpoint_subnet_association",
    VpcEndpointSecurityGroupAssociation => "aws_vpc_endpoint_security_group_association",
    VpcEndpointRouteTableAssociation => "aws_vpc_endpoint_route_table_association",
    Instance => "aws_instance",
    SpotInstanceRequest => "aws_spot_instance_request",
    LaunchTemplate => "aws_launch_template",
    LaunchConfiguration => "aws_launch_configuration",
    AutoscalingGroup => "aws_autoscaling_group",
    NatGateway => "aws_nat_gateway",
    InternetGateway => "aws_internet_gateway",
    InternetGatewayAttachment => "aws_internet_gateway_attachment",
    Eip => "aws_eip",
    IamInstanceProfile => "aws_iam_instance_profile",
    IamRole => "aws_iam_role",
    IamRolePolicyAttachment => "aws_iam_role_policy_attachment",
    IamPolicyAttachment => "aws_iam_policy_attachment",
    IamRolePolicy => "aws_iam_role_policy",
    IamPolicy => "aws_iam_policy",
    IamPolicyDocument => "aws_iam_policy_document",
    IamRolePoliciesExclusive => "aws_iam_role_policies_exclusive",
    IamRolePolicyAttachmentsExclusive => "aws_iam_role_policy_attachments_exclusive",
    Route53Zone => "aws_route53_zone",
    Route53ZoneAssociation => "aws_route53_zone_association",
    Route53Record => "aws_route53_record",
    SsmDocument => "aws_ssm_document",
    SsmServiceSetting => "aws_ssm_service_setting",
    NetworkInterface => "aws_network_interface",
    NetworkInterfaceSgAttachment => "aws_network_interface_sg_attachment",
    NetworkInterfaceAttachment => "aws_network_interface_attachment",
    EgressOnlyInternetGateway => "aws_egress_only_internet_gateway",
    VpnGateway => "aws_vpn_gateway",
    TransitGateway => "aws_ec2_transit_gateway",
    TransitGatewayVpcAttachment => "aws_ec2_transit_gateway_vpc_attachment",
    TransitGatewayRouteTable => "aws_ec2_transit_gateway_route_table",
    TransitGatewayRoute => "aws_ec2_transit_gateway_route",
    TransitGatewayRouteTableAssociation => "aws_ec2_transit_gateway_route_table_association",
    TransitGatewayRouteTablePropagation => "aws_ec2_transit_gateway_route_table_propagation",
    VpcPeeringConnection => "aws_vpc_peering_connection",
    VpcPeeringConnectionAccepter => "aws_vpc_peering_connection_accepter",
    ManagedPrefixList => "aws_ec2_managed_prefix_list",
    VpcDhcpOptions => "aws_vpc_dhcp_options",
    VpcIpv6CidrBlockAssociation => "aws_vpc_ipv6_cidr_block_association",
    VpcDhcpOptionsAssociation => "aws_vpc_dhcp_options_association",
    EksCluster => "aws_eks_cluster",
    EksNodeGroup => "aws_eks_node_group",
    BatchComputeEnvironment => "aws_batch_compute_environment",
    EmrCluster => "aws_emr_cluster",
    SpotFleetRequest => "aws_spot_fleet_request",
    Ec2Fleet => "aws_ec2_fleet",
    ElasticBeanstalkEnvironment => "aws_elastic_beanstalk_environment",
    OpsworksInstance => "aws_opsworks_instance",
    Cloud9EnvironmentEc2 => "aws_cloud9_environment_ec2",
    ImagebuilderInfrastructureConfiguration => "aws_imagebuilder_infrastructure_configuration",
}

impl Kind {
    /// Things Session Manager must reach: instances and groups of instances.
    pub fn is_compute(self) -> bool {
        matches!(self, Kind::Instance | Kind::SpotInstanceRequest | Kind::AutoscalingGroup | Kind::EksNodeGroup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_round_trip() {
        for &k in Kind::ALL {
            assert_eq!(Kind::from_type(k.type_name()), k);
        }
        assert_eq!(Kind::from_type("aws_s3_bucket"), Kind::Other);
    }
}
