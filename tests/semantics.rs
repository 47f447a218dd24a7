//! What tfreach must conclude on the plans real teams write (the scenarios of the semantics
//! issue, each a real Terraform plan with its README): every instance's verdict, and the
//! exact set of findings — rule, resource and certainty. Any other finding is a failure.

mod common;

use tfreach::reach::Verdict::{self, Reachable, Unknown, Unreachable};

/// `(rule, resource, definite)`.
type Expected = (&'static str, &'static str, bool);

fn check(name: &str, verdicts: &[(&str, Verdict)], expected: &[Expected]) {
    let report = common::analyze_scenario(name);
    let got: Vec<(&str, Verdict)> = report.instances.iter().map(|i| (i.resource.as_str(), i.verdict)).collect();
    let mut want: Vec<(&str, Verdict)> = verdicts.to_vec();
    want.sort_by_key(|(r, _)| *r);
    assert_eq!(got, want, "{name}: verdicts");
    let mut findings: Vec<(String, String, bool)> = report
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.resource.clone(), f.certainty == tfreach::reach::Certainty::Definite))
        .collect();
    findings.sort();
    let mut expected: Vec<(String, String, bool)> =
        expected.iter().map(|(r, res, d)| (r.to_string(), res.to_string(), *d)).collect();
    expected.sort();
    assert_eq!(findings, expected, "{name}: findings (rule, resource, definite)");
}

macro_rules! semantics {
    ($($name:ident: [$($v:expr),* $(,)?] => [$($f:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name), &[$($v),*], &[$($f),*]);
            }
        )*
    };
}

const D: bool = true;
const P: bool = false;

semantics! {
    // Candidate sets that stay open.
    possible_subnet_choice: [("aws_instance.app", Unknown)] => [("SSM007", "aws_network_acl.private_b", P)];
    possible_subnet_choice_ok: [("aws_instance.app", Reachable)] => [];

    // Sensitive values (the values are checked by the redaction tests).
    sensitive_values: [("aws_instance.app", Unreachable), ("aws_instance.reporting", Unknown)] => [
        ("SSM001", "aws_instance.app", D),
        ("SSM008", "aws_vpc_endpoint.ssm", D),
        ("NET002", "aws_security_group_rule.app_ssh_from_office", D),
        ("TFR001", "aws_instance.reporting", D),
    ];
    sensitive_values_plain: [("aws_instance.app", Unreachable), ("aws_instance.reporting", Unknown)] => [
        ("SSM001", "aws_instance.app", D),
        ("SSM008", "aws_vpc_endpoint.ssm", D),
        ("NET002", "aws_security_group_rule.app_ssh_from_office", D),
        ("TFR001", "aws_instance.reporting", D),
    ];
    sensitive_state: [("aws_instance.app", Unreachable)] => [
        ("SSM001", "aws_instance.app", D),
        ("SSM008", "aws_vpc_endpoint.ssm", D),
        ("NET002", "aws_security_group_rule.app_ssh_from_office", D),
    ];

    // Rules copied back by refresh, and rules being deleted or replaced.
    update_rule_copies: [("aws_instance.app", Reachable)] => [
        ("NET001", "aws_security_group_rule.app_https_out", D),
        ("NET002", "aws_security_group_rule.app_ssh_in", D),
    ];
    update_delete_egress_rule: [("aws_instance.app", Unreachable)] => [
        ("SSM014", "aws_instance.app", D),
        ("SSM005", "aws_instance.app", D),
    ];
    update_replace_egress_rule: [("aws_instance.app", Reachable)] => [];
    update_replace_egress_rule_cbd: [("aws_instance.app", Reachable)] => [];
    update_drift_egress_revoked: [("aws_instance.app", Reachable)] => [];

    // Instances placed through network interfaces.
    eni_primary: [("aws_instance.app", Reachable)] => [];
    eni_primary_no_egress: [("aws_instance.app", Unreachable)] => [("SSM005", "aws_instance.app", D)];
    eni_eip: [("aws_instance.app", Reachable)] => [("NET004", "aws_instance.app", D)];
    eni_sg_attachment: [("aws_instance.app", Reachable)] => [];
    eni_sg_attachment_missing: [("aws_instance.app", Unreachable)] => [
        ("SSM005", "aws_instance.app", D),
        ("SSM006", "aws_vpc_endpoint.ssm[\"ec2messages\"]", D),
        ("SSM006", "aws_vpc_endpoint.ssm[\"ssm\"]", D),
        ("SSM006", "aws_vpc_endpoint.ssm[\"ssmmessages\"]", D),
    ];
    asg_lt_network_interfaces: [("aws_autoscaling_group.app", Reachable)] => [("NET004", "aws_autoscaling_group.app", D)];
    asg_lt_network_interfaces_private: [("aws_autoscaling_group.app", Reachable)] => [];
    tfr001_subnet_unresolvable: [("aws_instance.app", Unknown)] => [("TFR001", "aws_instance.app", D)];

    // Regions from provider configurations.
    region_module_alias: [("aws_instance.app", Unreachable)] => [
        ("SSM001", "aws_instance.app", D),
        ("SSM002", "aws_instance.app", D),
        ("SSM008", "module.endpoints.aws_vpc_endpoint.this[\"ec2messages\"]", D),
        ("SSM008", "module.endpoints.aws_vpc_endpoint.this[\"ssm\"]", D),
        ("SSM008", "module.endpoints.aws_vpc_endpoint.this[\"ssmmessages\"]", D),
    ];
    region_module_alias_ok: [("aws_instance.app", Reachable)] => [];
    region_from_variable: [("aws_instance.app", Unreachable)] => [
        ("SSM001", "aws_instance.app", D),
        ("SSM002", "aws_instance.app", D),
        ("SSM008", "aws_vpc_endpoint.ssm[\"ec2messages\"]", D),
        ("SSM008", "aws_vpc_endpoint.ssm[\"ssm\"]", D),
        ("SSM008", "aws_vpc_endpoint.ssm[\"ssmmessages\"]", D),
    ];
    region_from_variable_ok: [("aws_instance.app", Reachable)] => [];

    // Default Host Management set in the plan.
    dhmc_in_plan: [("aws_instance.app", Reachable)] => [];
    dhmc_role_without_policy: [("aws_instance.app", Unreachable)] => [("SSM010", "aws_instance.app", D)];

    // IAM as AWS evaluates it.
    iam_policy_in_plan_ok: [("aws_instance.app", Reachable)] => [];
    iam_lacks_registration: [("aws_instance.app", Unreachable)] => [("SSM015", "aws_instance.app", D)];
    iam_lacks_sessions: [("aws_instance.app", Unreachable)] => [("SSM015", "aws_instance.app", D)];

    // Destinations that AWS semantics decide.
    egress_s3_prefix_list_only: [("aws_instance.app", Unreachable)] => [("SSM005", "aws_instance.app", D)];
    egress_managed_prefix_list_ok: [("aws_instance.app", Reachable)] => [];
    egress_ipv6_only: [("aws_instance.app", Unreachable)] => [("SSM005", "aws_instance.app", D)];

    // Severity that matches the verdict.
    ec2messages_only_new_agent: [("aws_instance.app", Reachable)] => [];
    nat_instance: [("aws_instance.app", Reachable), ("aws_instance.nat", Reachable)] => [
        ("NET001", "aws_security_group.app", D),
        ("NET001", "aws_security_group.nat", D),
    ];
    nat_instance_source_dest_check: [("aws_instance.app", Unreachable), ("aws_instance.nat", Reachable)] => [
        ("SSM001", "aws_instance.app", D),
        ("SSM002", "aws_instance.app", D),
        ("NET001", "aws_security_group.app", D),
        ("NET001", "aws_security_group.nat", D),
    ];

    // All the compute.
    eks_node_group: [("aws_eks_node_group.default", Reachable)] => [];
    eks_node_group_lt: [("aws_eks_node_group.default", Unreachable)] => [("SSM005", "aws_eks_node_group.default", D)];
    unmodelled_compute: [("aws_instance.app", Reachable)] => [("TFR002", "aws_batch_compute_environment.reports", D)];

    // Hub-and-spoke endpoints.
    hub_spoke_tgw: [("aws_instance.app", Reachable)] => [];
    hub_spoke_peering: [("aws_instance.app", Reachable)] => [];
    hub_spoke_no_return_route: [("aws_instance.app", Unreachable)] => [
        ("SSM001", "aws_instance.app", D),
        ("SSM002", "aws_instance.app", D),
    ];
    hub_spoke_zone_not_associated: [("aws_instance.app", Unreachable)] => [
        ("SSM003", "aws_vpc_endpoint.hub[\"ec2messages\"]", D),
        ("SSM003", "aws_vpc_endpoint.hub[\"ssm\"]", D),
        ("SSM003", "aws_vpc_endpoint.hub[\"ssmmessages\"]", D),
    ];

    // terraform-aws-modules, from the plan JSON alone (their sources are not in the tests).
    tam_stack: [("module.app.aws_instance.this[0]", Reachable)] => [];
    tam_stack_no_egress: [("module.app.aws_instance.this[0]", Unreachable)] => [
        ("SSM005", "module.app.aws_instance.this[0]", D),
    ];
    tam_stack_v2: [("module.app.aws_instance.this[0]", Reachable), ("module.app.aws_instance.this[1]", Reachable)] => [];
    tam_stack_v2_no_profile: [
        ("module.app.aws_instance.this[0]", Unreachable),
        ("module.app.aws_instance.this[1]", Unreachable),
    ] => [
        ("SSM010", "module.app.aws_instance.this[0]", D),
        ("SSM010", "module.app.aws_instance.this[1]", D),
    ];
}
