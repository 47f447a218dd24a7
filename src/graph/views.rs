//! Composed views: what an instance or an endpoint is attached to, through however many
//! links that takes (an autoscaling group's security groups come from its launch template;
//! an instance's VPC from its subnet).

use crate::model::{Kind, ResId, Resource};
use crate::resolve::{Link, LinkKind, Resolution, Slot, Target, VpcDefault};

use super::Network;

/// What one instance (or group of instances) is attached to.
#[derive(Debug, Clone)]
pub struct ComputeView {
    pub res: ResId,
    pub vpc: Link,
    pub subnets: Link,
    pub security_groups: Link,
    pub instance_profile: Link,
    /// The launch template or configuration an autoscaling group launches from.
    pub launch_spec: Option<Link>,
}

/// What one VPC endpoint is attached to.
#[derive(Debug, Clone)]
pub struct EndpointView {
    pub res: ResId,
    pub vpc: Link,
    pub subnets: Link,
    pub security_groups: Link,
}

impl<'m, 'a> Network<'m, 'a> {
    pub fn link(&self, res: ResId, kind: LinkKind) -> Link {
        self.resolved.get(res, kind).cloned().unwrap_or_else(Link::unset)
    }

    /// The union of every link of `kind` on `res` (e.g. a launch template's
    /// `vpc_security_group_ids` and its network interfaces' `security_groups`).
    fn union_of(&self, res: ResId, kind: LinkKind) -> Link {
        let links: Vec<&Link> = self.resolved.all_of(res, kind).collect();
        union(&links)
    }

    pub fn compute_view(&self, r: &Resource<'a>) -> ComputeView {
        let (subnets, security_groups, instance_profile, launch_spec) = match r.kind {
            Kind::AutoscalingGroup => {
                let lt = self.link(r.id, LinkKind::LaunchTemplate);
                let spec = if lt.is_empty() { self.link(r.id, LinkKind::LaunchConfiguration) } else { lt };
                let sgs = self.through(&spec, |t| self.union_of(t, LinkKind::SecurityGroups));
                let profile = self.through(&spec, |t| self.link(t, LinkKind::InstanceProfile));
                let mut subnets = self.link(r.id, LinkKind::Subnets);
                if subnets.is_empty() {
                    subnets = self.through(&spec, |t| self.link(t, LinkKind::Subnet));
                }
                (subnets, sgs, profile, Some(spec))
            }
            _ => (
                self.link(r.id, LinkKind::Subnet),
                self.link(r.id, LinkKind::SecurityGroups),
                self.link(r.id, LinkKind::InstanceProfile),
                None,
            ),
        };
        let mut vpc = self.through(&subnets, |t| self.link(t, LinkKind::Vpc));
        if vpc.is_empty() {
            vpc = self.through(&security_groups, |t| self.link(t, LinkKind::Vpc));
        }
        let security_groups = self.default_group_if_unset(security_groups, &vpc);
        ComputeView { res: r.id, vpc, subnets, security_groups, instance_profile, launch_spec }
    }

    pub fn endpoint_view(&self, r: &Resource<'a>) -> EndpointView {
        let vpc = self.link(r.id, LinkKind::Vpc);
        let mut subnets = self.link(r.id, LinkKind::Subnets);
        let mut sgs = self.link(r.id, LinkKind::SecurityGroups);
        // Separate association resources add subnets and groups to an endpoint.
        for &assoc in self.pointing_at(LinkKind::VpcEndpoint, &Target::Resource(r.id)) {
            let kind = match self.model.resources[assoc].kind {
                Kind::VpcEndpointSubnetAssociation => LinkKind::Subnet,
                Kind::VpcEndpointSecurityGroupAssociation => LinkKind::SecurityGroup,
                _ => continue,
            };
            let added = self.link(assoc, kind);
            let into = if kind == LinkKind::Subnet { &mut subnets } else { &mut sgs };
            *into = union(&[&*into, &added]);
            into.unset = false;
        }
        let endpoint_type = r.attr::<String>("vpc_endpoint_type", Some("Gateway".into()));
        let interface = endpoint_type.value().is_some_and(|t| t.eq_ignore_ascii_case("interface"));
        let security_groups = if interface { self.default_group_if_unset(sgs, &vpc) } else { sgs };
        EndpointView { res: r.id, vpc, subnets, security_groups }
    }

    /// A network interface created without security groups gets its VPC's default group.
    fn default_group_if_unset(&self, sgs: Link, vpc: &Link) -> Link {
        if !(sgs.unset || (sgs.is_empty() && sgs.resolution == Resolution::Known)) {
            return sgs;
        }
        let vpcs: Vec<&Target> = vpc.targets();
        if vpcs.is_empty() {
            return sgs;
        }
        let options = vpcs
            .iter()
            .map(|t| match t {
                Target::Resource(v) => self.default_security_group_of(*v),
                other => (*other).clone(),
            })
            .collect::<Vec<_>>();
        let resolution = if options.len() > 1 { Resolution::Candidates } else { vpc.resolution };
        Link { resolution, slots: vec![Slot { options }], unset: true, dead_ends: Vec::new(), fallback: None }
    }

    /// The `aws_default_security_group` managing a VPC's default group, or the implicit one.
    pub fn default_security_group_of(&self, vpc: ResId) -> Target {
        self.pointing_at(LinkKind::Vpc, &Target::Resource(vpc))
            .iter()
            .find(|&&id| self.model.resources[id].kind == Kind::DefaultSecurityGroup)
            .map_or(Target::VpcDefault(VpcDefault::SecurityGroup, vpc), |&id| Target::Resource(id))
    }

    /// Follows `outer` and then, from each of its resource targets, `inner`.
    fn through(&self, outer: &Link, inner: impl Fn(ResId) -> Link) -> Link {
        let mut slots: Vec<Slot> = Vec::new();
        // Candidates that all lead to the same place decide it: only the outer link's own
        // doubts (fallbacks, dead ends) and the inner links' carry over.
        let mut resolution =
            if outer.resolution == Resolution::Candidates && outer.fallback.is_none() && outer.dead_ends.is_empty() {
                Resolution::Reference
            } else {
                outer.resolution
            };
        let mut dead_ends = outer.dead_ends.clone();
        let mut fallback = outer.fallback.clone();
        let mut any_set = false;
        let mut per_option: Vec<Link> = Vec::new();
        for slot in &outer.slots {
            let mut options: Vec<Target> = Vec::new();
            for t in &slot.options {
                let Target::Resource(id) = t else { continue };
                let l = inner(*id);
                any_set |= !l.unset;
                resolution = resolution.max(l.resolution);
                for d in &l.dead_ends {
                    if !dead_ends.contains(d) {
                        dead_ends.push(d.clone());
                    }
                }
                fallback = fallback.or_else(|| l.fallback.clone());
                for x in l.targets() {
                    if !options.contains(x) {
                        options.push(x.clone());
                    }
                }
                per_option.push(l);
            }
            if slot.options.len() > 1 && options.len() > 1 {
                resolution = resolution.max(Resolution::Candidates);
                slots.push(Slot { options });
            } else if let [only] = per_option.as_slice() {
                for s in &only.slots {
                    if !slots.contains(s) {
                        slots.push(s.clone());
                    }
                }
            } else {
                for o in options {
                    let s = Slot { options: vec![o] };
                    if !slots.contains(&s) {
                        slots.push(s);
                    }
                }
            }
            per_option.clear();
        }
        if outer.slots.is_empty() && outer.resolution != Resolution::Known {
            resolution = Resolution::Unresolved;
        }
        Link { resolution, slots, unset: outer.unset || (!any_set && !outer.slots.is_empty()), dead_ends, fallback }
    }
}

/// Merges links that together make one attribute (all their slots apply).
fn union(links: &[&Link]) -> Link {
    let set: Vec<&&Link> = links.iter().filter(|l| !l.unset).collect();
    if set.is_empty() {
        return links.first().map_or_else(Link::unset, |l| (*l).clone());
    }
    let mut out = Link::known_empty();
    for l in set {
        out.resolution = out.resolution.max(l.resolution);
        for s in &l.slots {
            if !out.slots.contains(s) {
                out.slots.push(s.clone());
            }
        }
        out.dead_ends.extend(l.dead_ends.iter().cloned());
        out.fallback = out.fallback.take().or_else(|| l.fallback.clone());
    }
    out
}
