//! SSM002 missing-ec2messages: no path to `ec2messages`. SSM Agent before 3.3.40.0 needs it;
//! newer agents fall back to `ssmmessages`.
//! <https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-setting-up-messageAPIs.html>

use super::helpers::{NO_ROUTE, blocked_services, serves_nothing};
use super::{Finding, Message, Rule, RuleContext, RuleMeta, Settings};
use crate::network::graph::NodeId;
use crate::network::{Network, Service};
use crate::reach::Tri;

declare_rule!(MissingEc2messages {
    id: "SSM002",
    name: "missing-ec2messages",
    severity: Warning,
    category: Reachability,
    summary: "no path to ec2messages (SSM Agent before 3.3.40.0 needs it; newer agents fall back to ssmmessages)",
});

/// The first agent version that no longer needs `ec2messages`.
const FALLBACK_VERSION: [u64; 4] = [3, 3, 40, 0];

/// Whether the fleet's agent falls back to `ssmmessages` (`[assume] ssm_agent_version`).
#[derive(Debug, Default, Clone, Copy)]
pub struct AgentConfig {
    pub falls_back: bool,
}

fn agent_falls_back(version: &str) -> bool {
    let mut v = [0u64; 4];
    for (i, p) in version.split('.').take(4).enumerate() {
        v[i] = p.trim().parse().unwrap_or(0);
    }
    v >= FALLBACK_VERSION
}

#[derive(Debug)]
struct NoEc2messages {
    instance: NodeId,
    /// The Session Manager services it does reach.
    served: Vec<Service>,
    /// The endpoint in another VPC the path leads to, and the hop that blocks it.
    remote: Option<(NodeId, crate::reach::Hop)>,
}

impl Message for NoEc2messages {
    fn message(&self, net: &Network<'_, '_>) -> String {
        let names: Vec<&str> = self.served.iter().map(|s| s.name()).collect();
        let others = if names.is_empty() { String::new() } else { format!(" (it reaches {})", names.join(" and ")) };
        if let Some((e, hop)) = &self.remote {
            return format!(
                "{} has no path to ec2messages{others} through {} in another VPC: {}; SSM Agent before 3.3.40.0 needs it to register",
                net.describe(self.instance),
                net.describe(*e),
                crate::reach::explain::detail(net, hop)
            );
        }
        format!(
            "{} has no path to ec2messages{others}: no interface endpoint in its VPC serves it and there is no internet path; SSM Agent before 3.3.40.0 needs it to register",
            net.describe(self.instance)
        )
    }

    fn help(&self, _net: &Network<'_, '_>) -> String {
        "add an interface endpoint for com.amazonaws.<region>.ec2messages with private DNS, or set [assume] ssm_agent_version = \"3.3.40.0\" (or later) in tfreach.toml if every instance runs a newer agent".into()
    }
}

impl Rule for MissingEc2messages {
    type Config = AgentConfig;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn config(&self, settings: &Settings) -> AgentConfig {
        AgentConfig { falls_back: settings.ssm_agent_version.as_deref().is_some_and(agent_falls_back) }
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>, config: &AgentConfig) -> Vec<Finding> {
        if config.falls_back {
            return Vec::new();
        }
        let mut out = Vec::new();
        for inst in ctx.instances {
            let blocked = blocked_services(inst, &[Service::Ec2messages], NO_ROUTE);
            let Some((_, hop, certainty)) =
                blocked.into_iter().find(|(s, _, _)| inst.service(*s).is_some_and(|r| serves_nothing(&r.path)))
            else {
                continue;
            };
            let served = [Service::Ssm, Service::Ssmmessages]
                .into_iter()
                .filter(|s| inst.service(*s).is_some_and(|r| r.outcome == Tri::Yes))
                .collect();
            let vpc = ctx.net.compute[inst.compute].placement.vpc;
            let remote = inst.service(Service::Ec2messages).and_then(|s| s.path.endpoint).map(|e| (e, hop.clone()));
            let related: Vec<NodeId> =
                remote.iter().flat_map(|(e, h)| h.resources.iter().copied().chain([*e])).collect();
            out.push(
                Finding::new(&META, inst.node, NoEc2messages { instance: inst.node, served, remote })
                    .related(related)
                    .certainty(certainty)
                    .related(ctx.net.link(vpc).targets().into_iter().copied())
                    .context(hop),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::baseline;

    use super::super::Settings;

    #[test]
    fn fires_without_an_ec2messages_endpoint() {
        baseline().without("aws_vpc_endpoint.ec2messages", None).check(|t| {
            let f = t.findings(&MissingEc2messages);
            assert_eq!(f.len(), 1, "{f:?}");
            assert!(f[0].1.contains("(it reaches ssm and ssmmessages)"), "{}", f[0].1);
        });
    }

    #[test]
    fn silent_with_the_endpoint_or_a_newer_agent() {
        baseline().check(|t| assert!(t.findings(&MissingEc2messages).is_empty()));
        let newer = Settings { ssm_agent_version: Some("3.3.40.0".into()) };
        baseline()
            .without("aws_vpc_endpoint.ec2messages", None)
            .settings(newer)
            .check(|t| assert!(t.findings(&MissingEc2messages).is_empty()));
    }

    #[test]
    fn compares_agent_versions_numerically() {
        assert!(agent_falls_back("3.3.40.0"));
        assert!(agent_falls_back("3.3.1142.0"));
        assert!(agent_falls_back("4.0"));
        assert!(!agent_falls_back("3.2.582.0"));
        assert!(!agent_falls_back("3.3.9.0"));
    }
}
