//! SSM002 missing-ec2messages: no path to `ec2messages`. SSM Agent before 3.3.40.0 needs it;
//! newer agents fall back to `ssmmessages`.
//! <https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-setting-up-messageAPIs.html>

use super::ssm001_missing_endpoint::{NO_ROUTE, serves_nothing};
use super::{Finding, Rule, RuleContext, RuleMeta, Severity, blocked_services};
use crate::reach::Service;

pub struct MissingEc2messages;

static META: RuleMeta = RuleMeta {
    id: "SSM002",
    name: "missing-ec2messages",
    severity: Severity::Warning,
    summary: "no path to ec2messages (SSM Agent before 3.3.40.0 needs it; newer agents fall back to ssmmessages)",
    doc: include_str!("../../rules/SSM002.md"),
};

/// The first agent version that no longer needs `ec2messages`.
const FALLBACK_VERSION: [u64; 4] = [3, 3, 40, 0];

fn agent_falls_back(version: &str) -> bool {
    let parts: Vec<u64> = version.split('.').map(|p| p.trim().parse().unwrap_or(0)).collect();
    let mut v = [0u64; 4];
    for (i, p) in parts.iter().take(4).enumerate() {
        v[i] = *p;
    }
    v >= FALLBACK_VERSION
}

impl Rule for MissingEc2messages {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        if ctx.settings.ssm_agent_version.as_deref().is_some_and(agent_falls_back) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for inst in ctx.instances {
            let blocked = blocked_services(inst, &[Service::Ec2messages], NO_ROUTE);
            let Some((_, certainty)) =
                blocked.into_iter().find(|(s, _)| inst.service(*s).is_some_and(|r| serves_nothing(&r.path)))
            else {
                continue;
            };
            let name = ctx.net.model.resources[inst.res].address();
            // Say which services do have a path, when some do.
            let served: Vec<&str> = [Service::Ssm, Service::Ssmmessages]
                .iter()
                .filter(|s| inst.service(**s).is_some_and(|r| r.outcome == crate::reach::Tri::Yes))
                .map(|s| s.name())
                .collect();
            let others =
                if served.is_empty() { String::new() } else { format!(" (it reaches {})", served.join(" and ")) };
            let finding = Finding::new(
                &META,
                inst.res,
                format!(
                    "{name} has no path to ec2messages{others}: no interface endpoint in its VPC serves it and there is no internet path; SSM Agent before 3.3.40.0 needs it to register"
                ),
                "add an interface endpoint for com.amazonaws.<region>.ec2messages with private DNS, or set [assume] ssm_agent_version = \"3.3.40.0\" (or later) in tfreach.toml if every instance runs a newer agent".into(),
            )
            .certainty(certainty)
            .related(inst.view.vpc.targets().into_iter().cloned());
            out.push(finding);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::agent_falls_back;

    #[test]
    fn compares_agent_versions_numerically() {
        assert!(agent_falls_back("3.3.40.0"));
        assert!(agent_falls_back("3.3.1142.0"));
        assert!(agent_falls_back("4.0"));
        assert!(!agent_falls_back("3.2.582.0"));
        assert!(!agent_falls_back("3.3.9.0"));
    }
}
