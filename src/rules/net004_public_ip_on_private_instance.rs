//! NET004 public-ip-on-private-instance: an instance that Session Manager serves through
//! interface endpoints still gets a public IP address.

use super::{Finding, Rule, RuleContext, RuleMeta, Severity};
use crate::reach::{Service, Tri, Via};

pub struct PublicIpOnPrivateInstance;

static META: RuleMeta = RuleMeta {
    id: "NET004",
    name: "public-ip-on-private-instance",
    severity: Severity::Warning,
    summary: "an instance that Session Manager serves through endpoints gets a public IP",
    doc: include_str!("../../rules/NET004.md"),
};

impl Rule for PublicIpOnPrivateInstance {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext<'_, '_, '_, '_>) -> Vec<Finding> {
        ctx.instances
            .iter()
            .filter(|i| i.public_ip == Tri::Yes)
            .filter(|i| i.service(Service::Ssm).is_some_and(|s| s.outcome == Tri::Yes && s.path.via == Via::Endpoint))
            .map(|inst| {
                let name = ctx.net.model.resources[inst.res].address();
                Finding::new(
                    &META,
                    inst.res,
                    format!("{name} reaches Session Manager through interface endpoints yet gets a public IP address, which only widens its exposure"),
                    public_ip_help(ctx, inst.res),
                )
            })
            .collect()
    }
}

/// The fix depends on where the address comes from.
fn public_ip_help(ctx: &RuleContext<'_, '_, '_, '_>, instance: crate::model::ResId) -> String {
    let eips: Vec<&str> = ctx
        .net
        .model
        .resources
        .iter()
        .filter(|e| e.kind == crate::model::Kind::Eip)
        .filter(|e| {
            ctx.net
                .link(e.id, crate::resolve::LinkKind::Instance)
                .targets()
                .contains(&&crate::resolve::Target::Resource(instance))
        })
        .map(|e| e.address())
        .collect();
    if eips.is_empty() {
        "set associate_public_ip_address = false (and map_public_ip_on_launch = false on its subnet)".into()
    } else {
        format!("remove {} (an Elastic IP associated with the instance)", eips.join(", "))
    }
}
