//! Every scenario in `testdata/` (real Terraform output), each its own test, against its
//! reviewed snapshot: the instances' verdicts per service, how each instance and endpoint
//! link was resolved, and the findings. A change here is a change in what users see: review
//! it like code.

mod common;

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        /// Every scenario directory has its test above.
        #[test]
        fn every_scenario_has_a_test() {
            let listed: Vec<&str> = vec![$(stringify!($name)),*];
            let found: Vec<String> = common::scenarios().into_iter().map(|(name, _)| name).collect();
            assert_eq!(found, listed, "add the new scenario to the list in tests/scenarios.rs");
        }
    };
}

fn check(name: &str) {
    let report = common::analyze_scenario(name);
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, common::snapshot_text(&report)));
}

scenarios! {
    asg_az_gap,
    asg_launch_configuration,
    asg_launch_template,
    asg_lt_network_interfaces,
    asg_lt_network_interfaces_private,
    asg_one_subnet_blocked,
    baseline_endpoints,
    baseline_nat,
    dhmc_in_plan,
    dhmc_role_without_policy,
    ec2messages_only_new_agent,
    egress_ipv6_only,
    egress_managed_prefix_list_ok,
    egress_s3_prefix_list_only,
    eks_node_group,
    eks_node_group_lt,
    eni_eip,
    eni_primary,
    eni_primary_no_egress,
    eni_sg_attachment,
    eni_sg_attachment_missing,
    hub_spoke_no_return_route,
    hub_spoke_peering,
    hub_spoke_tgw,
    hub_spoke_zone_not_associated,
    iam_lacks_registration,
    iam_lacks_sessions,
    iam_policy_in_plan_ok,
    module_stack,
    nat_gateway,
    nat_instance,
    nat_instance_source_dest_check,
    net002_ssh_vpc,
    net002_ssh_world,
    net003_endpoint_sg_broad,
    net004_eip,
    net004_public_ip,
    net005_key_pair,
    possible_subnet_choice,
    possible_subnet_choice_ok,
    provider_alias_region,
    region_from_variable,
    region_from_variable_ok,
    region_module_alias,
    region_module_alias_ok,
    seed000_module,
    seed001_for_each,
    seed003_hardened,
    seed003_pitfall,
    seed003_pitfall_inline,
    seed004_custom_role,
    sensitive_state,
    sensitive_values,
    sensitive_values_plain,
    spot_instance,
    ssm001_no_path,
    ssm001_no_ssmmessages,
    ssm002_no_ec2messages,
    ssm003_private_dns_unset,
    ssm003_private_zone,
    ssm003_ssm004_dns_both_off,
    ssm004_dns_hostnames_unset,
    ssm005_egress_port_80,
    ssm006_default_sg,
    ssm006_default_sg_managed,
    ssm006_ingress_other_cidr,
    ssm007_nacl_no_ephemeral,
    ssm007_nacl_ok,
    ssm008_region_mismatch,
    ssm009_az_gap,
    ssm010_custom_policy_ok,
    ssm010_no_profile,
    ssm010_policy_lacks_ssmmessages,
    ssm010_policy_outside_plan,
    ssm011_imds_disabled,
    ssm012_endpoint_policy,
    ssm013_session_logging,
    ssm013_session_logging_ok,
    state,
    tam_stack,
    tam_stack_no_egress,
    tam_stack_v2,
    tam_stack_v2_no_profile,
    tfr001_default_vpc_instance,
    tfr001_external_subnet,
    tfr001_subnet_unresolvable,
    tfr001_unknown_cidr,
    unmodelled_compute,
    update_delete_egress_rule,
    update_drift_egress_revoked,
    update_prior_state,
    update_replace_egress_rule,
    update_replace_egress_rule_cbd,
    update_rule_copies,
}
