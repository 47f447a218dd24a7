//! NET004 public-ip-on-private-instance: an instance that Session Manager serves through
//! interface endpoints still gets a public IP address.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::{Tri, Via};

declare_rule!(PublicIpOnPrivateInstance {
    id: "NET004",
    name: "public-ip-on-private-instance",
    severity: Warning,
    category: Hygiene,
    summary: "an instance that Session Manager serves through endpoints gets a public IP",
});

#[derive(Debug)]
struct NeedlessPublicIp {
    instance: NodeId,
    /// The Elastic IP that gives the address, when one does.
    eip: Option<NodeId>,
}

impl Message for NeedlessPublicIp {
    fn message(&self, net: &Network<'_, '_>) -> String {
        format!(
            "{} reaches Session Manager through interface endpoints yet gets a public IP address, which only widens its exposure",
            net.describe(self.instance)
        )
    }

    fn help(&self, net: &Network<'_, '_>) -> String {
        match self.eip {
            Some(e) => format!("remove {} (an Elastic IP associated with the instance)", net.describe(e)),
            None => "set associate_public_ip_address = false (and map_public_ip_on_launch = false on its subnet)".into(),
        }
    }
}

impl Rule for PublicIpOnPrivateInstance {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        ctx.instances
            .iter()
            .filter(|i| i.public_ip == Tri::Yes)
            // A NAT instance needs its public address: it is the subnet's way out.
            .filter(|i| !(ctx.net.compute[i.compute].forwards && ctx.net.compute[i.compute].route_target))
            .filter(|i| i.service(Service::Ssm).is_some_and(|s| s.outcome == Tri::Yes && s.path.via == Via::Endpoint))
            .map(|inst| {
                let eip = ctx.net.compute[inst.compute].public_ip.eip;
                Finding::new(&META, inst.node, NeedlessPublicIp { instance: inst.node, eip }).related(eip)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::baseline;

    #[test]
    fn fires_on_a_public_address() {
        baseline().set("aws_instance.app", "associate_public_ip_address", json!(true)).check(|t| {
            assert_eq!(t.flagged(&PublicIpOnPrivateInstance), ["aws_instance.app"]);
        });
    }

    #[test]
    fn names_the_elastic_ip_in_the_fix() {
        let eip = json!({"instance": crate::testkit::r("aws_instance.app"), "vpc": true});
        baseline().resource("aws_eip.app", eip).check(|t| {
            let f = t.run(&PublicIpOnPrivateInstance);
            assert_eq!(f[0].help(t.net), "remove aws_eip.app (an Elastic IP associated with the instance)");
        });
    }

    #[test]
    fn silent_on_a_nat_instance() {
        let nat = json!({"subnet_id": crate::testkit::r("aws_subnet.b"), "vpc_security_group_ids": crate::testkit::r("aws_security_group.app"), "iam_instance_profile": crate::testkit::r("aws_iam_instance_profile.app"), "associate_public_ip_address": true, "source_dest_check": false});
        let table = json!({"vpc_id": crate::testkit::r("aws_vpc.main"), "route": [{"cidr_block": "0.0.0.0/0", "network_interface_id": crate::testkit::r("aws_instance.nat")}]});
        let plan = baseline().resource("aws_instance.nat", nat).resource("aws_route_table.private", table);
        plan.check(|t| assert!(t.findings(&PublicIpOnPrivateInstance).is_empty()));
        // The same instance that forwards nothing for anyone keeps the finding.
        plan.without("aws_route_table.private", None)
            .check(|t| assert_eq!(t.flagged(&PublicIpOnPrivateInstance), ["aws_instance.nat"]));
    }

    #[test]
    fn silent_without_one() {
        baseline().check(|t| assert!(t.findings(&PublicIpOnPrivateInstance).is_empty()));
    }
}
