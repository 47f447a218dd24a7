//! What Session Manager must reach: instances, spot requests, autoscaling groups and EKS
//! managed node groups — where they are placed, their identity and their metadata service.

use serde::Serialize;

use super::graph::{LinkId, NodeId};
use crate::model::Attr;
use crate::tri::Tri;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputeKind {
    Instance,
    SpotRequest,
    AutoscalingGroup,
    EksNodeGroup,
}

impl ComputeKind {
    /// A group launches into every one of its subnets; an instance into one.
    pub fn is_group(self) -> bool {
        matches!(self, ComputeKind::AutoscalingGroup | ComputeKind::EksNodeGroup)
    }
}

/// What decides where the compute sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "node", rename_all = "snake_case")]
pub enum PlacedBy {
    /// Its own `subnet_id` / `vpc_security_group_ids` (or `vpc_zone_identifier`).
    Attributes,
    /// Its primary network interface (device index 0).
    NetworkInterface,
    /// Its launch template or launch configuration.
    LaunchSpec,
}

/// Where the compute sits: its subnets (every slot applies for a group; one for an
/// instance), its security groups and its VPC — all links in the graph.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub subnets: LinkId,
    pub groups: LinkId,
    pub vpc: LinkId,
    pub by: PlacedBy,
    /// The configuration sets no subnet at all: AWS launches into the default VPC.
    pub default_vpc: bool,
}

/// The instance metadata service settings (`metadata_options`).
#[derive(Debug, Clone)]
pub struct Imds {
    /// The resource that holds them (the instance, or the launch template); `None` when an
    /// autoscaling group's launch template is not decided.
    pub holder: Option<NodeId>,
    /// `http_endpoint`: `enabled` unless set.
    pub endpoint: Attr<String>,
    /// `http_tokens`: `optional` (IMDSv1 and v2) or `required` (v2 only).
    pub tokens: Attr<String>,
    pub hop_limit: Attr<i64>,
}

impl Imds {
    /// Whether the agent can reach the metadata service at all.
    pub fn enabled(&self) -> Tri {
        if self.holder.is_none() {
            return Tri::Maybe;
        }
        match &self.endpoint {
            Attr::Known(v) | Attr::Default(v) => Tri::from_bool(!v.eq_ignore_ascii_case("disabled")),
            Attr::Unknown => Tri::Maybe,
            Attr::Absent => Tri::Yes,
        }
    }
}

/// Whether the compute gets a public IPv4 address, and what decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicIpSource {
    ElasticIp,
    /// The address an existing instance has.
    Existing,
    /// `associate_public_ip_address` on the instance, interface or launch spec.
    Explicit,
    /// The subnet's `map_public_ip_on_launch`.
    Subnet,
    Unknown,
}

#[derive(Debug, Clone, Copy)]
pub struct PublicIp {
    pub outcome: Tri,
    pub source: PublicIpSource,
    /// The Elastic IP, when one decides.
    pub eip: Option<NodeId>,
}

/// `key_name`, and where it is set (the instance, or its launch template).
#[derive(Debug, Clone)]
pub struct KeyName {
    pub value: Attr<String>,
    pub holder: NodeId,
}

/// Where the agent's credentials come from.
#[derive(Debug, Clone, Copy)]
pub enum Identity {
    /// An instance profile (`iam_instance_profile`, or the launch template's).
    Profile(LinkId),
    /// The node role EKS creates a profile for (`node_role_arn`).
    NodeRole(LinkId),
}

#[derive(Debug, Clone)]
pub struct Compute {
    pub node: NodeId,
    pub kind: ComputeKind,
    /// The launch template or configuration of a group (or of an instance).
    pub launch: Option<LinkId>,
    pub placement: Placement,
    pub identity: Identity,
    pub public_ip: PublicIp,
    pub imds: Imds,
    pub key_name: KeyName,
    /// `source_dest_check = false`: the instance forwards traffic (a NAT instance).
    pub forwards: bool,
    /// Whether a route table sends traffic through this instance or its interface.
    pub route_target: bool,
    /// Its network interfaces: `network_interface` blocks and attachments.
    pub interfaces: Vec<NodeId>,
    pub region: Option<String>,
    pub tags: Vec<(String, String)>,
}
