//! SSM005 instance-egress-blocked: the instance's security groups allow no TCP 443 egress
//! toward the Session Manager path — most often the Terraform default-egress pitfall: a new
//! `aws_security_group` has no egress rule unless the configuration declares one.
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group>

use super::{Finding, Rule, RuleContext, RuleMeta, Severity, blocked_services, overall, service_list};
use crate::reach::{Code, Service};

pub struct InstanceEgressBlocked;

static META: RuleMeta = RuleMeta {
    id: "SSM005",
    name: "instance-egress-blocked",
    severity: Severity::Error,
    summary: "the instance's security groups allow no TCP 443 egress toward the SSM path",
    doc: include_str!("../../rules/SSM005.md"),
};

impl Rule for InstanceEgressBlocked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in ctx.instances {
            let blocked =
                blocked_services(inst, &Service::SESSION, &[Code::SgNoEgressRules, Code::InstanceSgEgressMismatch]);
            if blocked.is_empty() {
                continue;
            }
            let services: Vec<Service> = blocked.iter().map(|(s, _)| *s).collect();
            let s = inst.service(services[0]).expect("blocked service");
            let (hop, _) = s.blocked.as_ref().expect("blocked");
            let name = ctx.net.model.resources[inst.res].address();
            let groups = ctx.reach.names(&inst.view.security_groups);
            let toward = match s.path.endpoint {
                Some(e) => format!("the interface endpoint {}", ctx.net.model.resources[e].address()),
                None => "the internet (there is no interface endpoint with private DNS)".to_string(),
            };
            let no_egress = hop.code == Some(Code::SgNoEgressRules);
            let message = if no_egress {
                format!(
                    "{name} cannot reach {} over TCP 443: {groups} {} no egress rule at all — unlike the AWS console, Terraform removes the default allow-all egress rule from every security group it creates",
                    service_list(&services),
                    if inst.view.security_groups.targets().len() > 1 { "have" } else { "has" },
                )
            } else {
                format!(
                    "{name} cannot reach {} over TCP 443: no egress rule of {groups} allows it toward {toward}",
                    service_list(&services)
                )
            };
            let mut finding = Finding::new(&META, inst.res, message, hop.fix.clone().unwrap_or_default())
                .certainty(overall(blocked.iter().map(|(_, c)| *c)))
                .related(inst.view.security_groups.targets().into_iter().cloned());
            if let Some(e) = s.path.endpoint {
                finding = finding.related([crate::resolve::Target::Resource(e)]);
            }
            out.push(finding.code(hop.code.unwrap_or(Code::InstanceSgEgressMismatch)));
        }
        out
    }
}
