//! Security groups with their effective rules, merged from inline blocks and rule resources.

use rayon::prelude::*;

use super::Builder;
use crate::model::{Kind, Lifecycle, Resource};
use crate::network::Node;
use crate::network::graph::NodeId;
use crate::network::routing::Membership;
use crate::network::security::{self, RuleLinks, SecurityGroup, SgRule};
use crate::network::traffic::Direction;
use crate::resolve::{LinkKind, VpcDefault};

const RULE_KINDS: &[Kind] = &[Kind::SecurityGroupRule, Kind::SecurityGroupIngressRule, Kind::SecurityGroupEgressRule];

impl Builder<'_, '_> {
    pub(super) fn security_groups(&mut self) {
        // Groups that rule resources name: their own `ingress`/`egress` then lists copies.
        let mut with_rule_resources: rustc_hash::FxHashSet<NodeId> = Default::default();
        let mut standalone: Vec<(NodeId, SgRule)> = Vec::new();
        // Each rule resource and each group is read on its own: in parallel, then added in order.
        let rule_resources: Vec<&Resource<'_>> = RULE_KINDS.iter().flat_map(|kind| self.managed(*kind)).collect();
        let rules: Vec<Option<SgRule>> = rule_resources.par_iter().map(|r| self.rule_resource(r)).collect();
        for (r, rule) in rule_resources.into_iter().zip(rules) {
            let Some(rule) = rule else { continue };
            let Some(owner) = self.link(r.id, LinkKind::SecurityGroup) else { continue };
            let link = self.net.graph.link(owner);
            for slot in &link.slots {
                let membership = Membership::of_slot(link, slot);
                for &g in slot.options().iter() {
                    with_rule_resources.insert(g);
                    standalone.push((g, SgRule { membership, ..rule.clone() }));
                }
            }
        }
        // Rule resources the plan deletes still name their group: its refreshed lists hold
        // their copies, which go away with them.
        for d in &self.model.doc.deleted {
            if !RULE_KINDS.contains(&Kind::from_type(&d.addr.type_)) {
                continue;
            }
            let Some(group_id) = crate::plan::Values::of(d.before).str("security_group_id") else { continue };
            let groups: Vec<NodeId> = self
                .model
                .with_value(&group_id)
                .filter(|&id| matches!(self.model[id].kind, Kind::SecurityGroup | Kind::DefaultSecurityGroup))
                .map(|id| self.node(id))
                .collect();
            with_rule_resources.extend(groups);
        }
        let groups: Vec<&Resource<'_>> =
            self.all_of(Kind::SecurityGroup).into_iter().chain(self.all_of(Kind::DefaultSecurityGroup)).collect();
        let groups = self.read_each(&groups, |r, node| {
            let vpc = self.link(r.id, LinkKind::Vpc);
            if r.is_data() {
                SecurityGroup {
                    vpc,
                    ..SecurityGroup::opaque(format!("{} is read from AWS; its rules are not in the plan", r.address()))
                }
            } else {
                let rules = self.inline_rules(r, with_rule_resources.contains(&node));
                SecurityGroup { vpc, rules, opaque: None }
            }
        });
        self.net.groups.extend(groups);
        // Groups named only by an external id: the plan does not hold their rules.
        let externals: Vec<NodeId> = self
            .net
            .graph
            .graph
            .node_indices()
            .filter(|&n| matches!(self.net.graph.weight(n), Node::External(_)))
            .collect();
        for n in externals {
            let named = [LinkKind::SecurityGroups, LinkKind::SecurityGroup, LinkKind::SourceSecurityGroup]
                .into_iter()
                .any(|k| !self.net.graph.pointing(n, k).is_empty());
            if named {
                let why = format!("security group {} is not in the plan", self.net.name(n));
                self.net.groups.entry(n).or_insert_with(|| SecurityGroup::opaque(why));
            }
        }
        for (g, rule) in standalone {
            if let Node::VpcDefault(VpcDefault::SecurityGroup, vpc) = *self.net.graph.weight(g) {
                // Rules added to a default group Terraform does not manage add to AWS's.
                self.vpc_default(VpcDefault::SecurityGroup, vpc);
            }
            let why = format!("security group {} is not in the plan", self.net.name(g));
            self.net.groups.entry(g).or_insert_with(|| SecurityGroup::opaque(why)).rules.push(rule);
        }
        let graph = &self.net.graph;
        for g in self.net.groups.values_mut() {
            g.dedup(graph);
        }
    }

    /// A group's inline `ingress`/`egress` rules. Blocks count when the configuration
    /// declares them; a group that declares none but is named by rule resources lists copies
    /// of those rules (after a refresh), which are not rules of their own.
    fn inline_rules(&self, r: &Resource<'_>, has_rule_resources: bool) -> Vec<SgRule> {
        let node = self.node(r.id);
        let mut out = Vec::new();
        for (attr, direction) in [("ingress", Direction::Ingress), ("egress", Direction::Egress)] {
            let declared = r.configures(attr);
            if r.config.is_some() && !declared && has_rule_resources {
                continue;
            }
            let blocks = r.fields.blocks(attr);
            if declared && blocks.is_empty() && r.fields.blocks_unknown(attr) {
                let why = format!("{}.{attr} is unknown until apply", r.address());
                out.push(security::unknown_rules(direction, node, why));
                continue;
            }
            if !declared && r.fields.lifecycle() == Lifecycle::Creates {
                // Terraform removes AWS's default egress rule: nothing unless declared.
                continue;
            }
            for (i, block) in blocks.iter().enumerate() {
                let links = RuleLinks {
                    groups: self.block_link(r.id, attr, i, "security_groups"),
                    prefix_lists: self.block_link(r.id, attr, i, "prefix_list_ids"),
                };
                out.push(security::rule(&self.net.graph, block, &security::INLINE, direction, links, node));
            }
        }
        out
    }

    /// `aws_security_group_rule` and `aws_vpc_security_group_{ingress,egress}_rule`.
    fn rule_resource(&self, r: &Resource<'_>) -> Option<SgRule> {
        let (direction, shape, peer) = match r.kind {
            Kind::SecurityGroupRule => {
                let d = match r.attr_str("type").value().map(String::as_str) {
                    Some("egress") => Direction::Egress,
                    Some("ingress") => Direction::Ingress,
                    _ => return None,
                };
                (d, &security::INLINE, "source_security_group_id")
            }
            Kind::SecurityGroupIngressRule => (Direction::Ingress, &security::V5, "referenced_security_group_id"),
            Kind::SecurityGroupEgressRule => (Direction::Egress, &security::V5, "referenced_security_group_id"),
            _ => return None,
        };
        let groups = self.link_at(r.id, &[peer]).filter(|l| !self.net.graph.link(*l).unset);
        let prefix_lists = self.link(r.id, LinkKind::PrefixLists);
        let links = RuleLinks { groups, prefix_lists };
        Some(security::rule(&self.net.graph, &r.fields, shape, direction, links, self.node(r.id)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::network::traffic::Direction;
    use crate::testkit::baseline;

    /// The baseline's app group as it exists already, declaring no `egress`: the refreshed
    /// plan lists what AWS has there (`copy`).
    fn refreshed(copy: serde_json::Value) -> crate::testkit::Plan {
        baseline()
            .set("aws_security_group.app", "id", json!({"$default": "sg-app"}))
            .set("aws_security_group.app", "egress", json!({"$default": copy}))
            .existing("aws_security_group.app")
    }

    fn egress_rules(t: &crate::testkit::Fixture<'_, '_, '_>) -> usize {
        let g = &t.net.groups[&t.node("aws_security_group.app")];
        g.rules.iter().filter(|r| r.direction == Direction::Egress).count()
    }

    #[test]
    fn copies_of_a_rule_being_deleted_do_not_count() {
        let copy = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]}]);
        let rule = json!({"type": "egress", "security_group_id": "sg-app", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]});
        refreshed(copy)
            .deleting("aws_security_group_rule.https_out", rule)
            .check(|t| assert_eq!(egress_rules(t), 0, "the copy goes with the rule"));
    }

    #[test]
    fn a_refreshed_list_counts_when_no_rule_resource_names_the_group() {
        let inline = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]}]);
        refreshed(inline).check(|t| assert_eq!(egress_rules(t), 1));
    }
}
