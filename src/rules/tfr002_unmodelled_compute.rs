//! TFR002 unmodelled-compute: a resource launches EC2 instances that tfreach does not analyse.
//! The note keeps a summary from reading as if the plan's analysed instances were all of them.

use super::{Finding, Message, Rule, RuleContext, RuleMeta};
use crate::model::Kind;
use crate::network::Network;
use crate::network::graph::NodeId;

declare_rule!(UnmodelledCompute {
    id: "TFR002",
    name: "unmodelled-compute",
    severity: Note,
    category: Resolution,
    summary: "a resource launches EC2 instances tfreach does not analyse (Batch, EMR, fleets, Beanstalk, …)",
});

#[derive(Debug)]
struct Unmodelled {
    resource: NodeId,
}

/// Who launches the instances, in the words of the service.
fn launcher(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::BatchComputeEnvironment) => "AWS Batch",
        Some(Kind::EmrCluster) => "Amazon EMR",
        Some(Kind::SpotFleetRequest) => "a Spot Fleet",
        Some(Kind::Ec2Fleet) => "an EC2 Fleet",
        Some(Kind::ElasticBeanstalkEnvironment) => "Elastic Beanstalk",
        Some(Kind::OpsworksInstance) => "AWS OpsWorks",
        Some(Kind::Cloud9EnvironmentEc2) => "AWS Cloud9",
        Some(Kind::ImagebuilderInfrastructureConfiguration) => "EC2 Image Builder",
        _ => "another service",
    }
}

impl Message for Unmodelled {
    fn message(&self, net: &Network<'_, '_>) -> String {
        format!(
            "{} launches EC2 instances through {} that tfreach does not analyse: whether Session Manager reaches them is not checked",
            net.name(self.resource),
            launcher(net.kind(self.resource))
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "if those instances need Session Manager, give them the subnets, security groups and instance profile of an instance tfreach reports reachable; after apply, AWS Reachability Analyzer or Fleet Manager can confirm them".into()
    }
}

impl Rule for UnmodelledCompute {
    type Config = ();

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, _: &()) -> Vec<Finding> {
        ctx.net.unmodelled.iter().map(|&resource| Finding::new(&META, resource, Unmodelled { resource })).collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testkit::{baseline, r};

    fn batch(kind: &str, resources: &str) -> serde_json::Value {
        json!({"type": kind, "compute_resources": [{"type": resources, "max_vcpus": 16, "subnets": [r("aws_subnet.a")], "security_group_ids": [r("aws_security_group.app")]}]})
    }

    #[test]
    fn fires_on_a_managed_batch_environment_on_ec2() {
        baseline().resource("aws_batch_compute_environment.jobs", batch("MANAGED", "EC2")).check(|t| {
            let f = t.findings(&UnmodelledCompute);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].0, "aws_batch_compute_environment.jobs");
            assert!(f[0].1.contains("through AWS Batch that tfreach does not analyse"), "{}", f[0].1);
        });
        baseline().resource("aws_emr_cluster.etl", json!({"name": "etl"})).check(|t| {
            assert!(t.findings(&UnmodelledCompute)[0].1.contains("through Amazon EMR"));
        });
    }

    #[test]
    fn silent_on_fargate_unmanaged_and_plain_instances() {
        baseline().check(|t| assert!(t.findings(&UnmodelledCompute).is_empty()));
        baseline()
            .resource("aws_batch_compute_environment.jobs", batch("MANAGED", "FARGATE"))
            .resource("aws_batch_compute_environment.own", json!({"type": "UNMANAGED"}))
            .check(|t| assert!(t.findings(&UnmodelledCompute).is_empty()));
    }
}
