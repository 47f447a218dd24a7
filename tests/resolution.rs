//! Exact link resolution on real plans. Where the plan decides a link (a known id, a
//! reference to one resource instance) the test names that resource; where it cannot, the
//! exact candidate set — with and without the `.tf` sources.

mod common;

use std::path::Path;

use tfreach::engine::{LinkReport, Options, with_context};
use tfreach::plan::SourceFile;
use tfreach::resolve::{LinkKind, Resolution};

/// `(resolution, slots)` of one link, each slot as its sorted option names.
type Resolved = (Resolution, Vec<Vec<String>>);

/// The resolved links of an instance (`vpc`, `subnets`, `security_groups`,
/// `instance_profile`) or an endpoint (`vpc`, `subnets`, `security_groups`).
fn links(plan: &Path, resource: &str, with_sources: bool) -> Vec<(&'static str, Resolved, LinkReport)> {
    let options = if with_sources {
        Options::default()
    } else {
        // A directory without .tf files: no sources.
        Options { source_dir: Some(common::root().join("tests")), ..Options::default() }
    };
    let report = common::analyze_with(plan, options);
    let entity = report
        .resolution
        .iter()
        .find(|e| e.address == resource)
        .unwrap_or_else(|| panic!("{resource} in {}", plan.display()));
    entity
        .links
        .iter()
        .filter(|(name, _)| *name != "launch_spec")
        .map(|(name, l)| {
            let slots = l
                .slots
                .iter()
                .map(|s| {
                    let mut names = s.clone();
                    names.sort();
                    names
                })
                .collect();
            (*name, (l.resolution, slots), l.clone())
        })
        .collect()
}

fn link(plan: &Path, resource: &str, which: &str, with_sources: bool) -> (Resolved, LinkReport) {
    links(plan, resource, with_sources).into_iter().find(|(n, _, _)| *n == which).map(|(_, r, l)| (r, l)).unwrap()
}

fn one(name: &str) -> Vec<String> {
    vec![name.to_string()]
}

fn each(names: &[&str]) -> Vec<Vec<String>> {
    names.iter().map(|n| one(n)).collect()
}

fn choice(names: &[&str]) -> Vec<Vec<String>> {
    vec![names.iter().map(|n| n.to_string()).collect()]
}

#[test]
fn direct_references_resolve_to_the_instance_they_name() {
    let plan = common::plan_of("seed003_pitfall");
    let l = links(&plan, "aws_instance.my-ec2-1", true);
    assert_eq!(l[0].1, (Resolution::Reference, each(&["aws_vpc.vpc-1"])));
    assert_eq!(l[1].1, (Resolution::Reference, each(&["aws_subnet.subnet-1a"])));
    assert_eq!(l[2].1, (Resolution::Reference, each(&["aws_security_group.sg-ec2"])));
    assert_eq!(l[3].1, (Resolution::Known, vec![]), "no instance profile: known to be absent");
    let e = links(&plan, r#"aws_vpc_endpoint.interface["ssm"]"#, true);
    assert_eq!(e[1].1, (Resolution::Reference, each(&["aws_subnet.subnet-1a"])));
    assert_eq!(e[2].1, (Resolution::Reference, each(&["aws_security_group.endpoint-sg"])));
}

#[test]
fn a_literal_index_into_a_module_output_picks_that_instance() {
    // subnet_ids = [module.vpc.private_subnets[1]], private_subnets = aws_subnet.private[*].id
    let plan = common::plan_of("module_stack");
    let (subnets, _) = link(&plan, "module.batch[0].aws_instance.this[0]", "subnets", false);
    assert_eq!(subnets, (Resolution::Reference, each(&["module.vpc.aws_subnet.private[1]"])));
}

#[test]
fn element_over_another_modules_list_is_the_exact_candidate_set() {
    // subnet_id = element(var.subnet_ids, count.index), subnet_ids = module.vpc.private_subnets
    let plan = common::plan_of("module_stack");
    for with_sources in [false, true] {
        let (subnets, report) = link(&plan, r#"module.app["web"].aws_instance.this[1]"#, "subnets", with_sources);
        assert_eq!(
            subnets,
            (Resolution::Candidates, choice(&["module.vpc.aws_subnet.private[0]", "module.vpc.aws_subnet.private[1]"]))
        );
        assert!(report.candidates());
    }
}

#[test]
fn module_call_selections_narrow_with_sources() {
    // vpc_security_group_ids = [module.app_sg[each.key].security_group_id]: the plan keeps
    // only `module.app_sg` and `each.key`.
    let plan = common::plan_of("module_stack");
    let (without, _) = link(&plan, r#"module.app["api"].aws_instance.this[0]"#, "security_groups", false);
    assert_eq!(
        without,
        (
            Resolution::Candidates,
            choice(&[
                r#"module.app_sg["api"].aws_security_group.this_name_prefix[0]"#,
                r#"module.app_sg["web"].aws_security_group.this_name_prefix[0]"#
            ])
        )
    );
    let (with, _) = link(&plan, r#"module.app["api"].aws_instance.this[0]"#, "security_groups", true);
    assert_eq!(
        with,
        (Resolution::Reference, each(&[r#"module.app_sg["api"].aws_security_group.this_name_prefix[0]"#]))
    );
}

#[test]
fn endpoint_subnet_lists_are_all_attached() {
    let plan = common::plan_of("module_stack");
    let (subnets, _) = link(&plan, r#"module.vpc_endpoints.aws_vpc_endpoint.this["ssm"]"#, "subnets", true);
    assert_eq!(
        subnets,
        (Resolution::Reference, each(&["module.vpc.aws_subnet.private[0]", "module.vpc.aws_subnet.private[1]"]))
    );
}

#[test]
fn locals_come_from_sources_else_a_marked_fallback() {
    // subnet_ids = local.private_subnet_ids = [for key in sort(keys(aws_subnet.private_subnet)) : …]
    let plan = common::plan_of("seed001_for_each");
    let endpoint = r#"module.network.aws_vpc_endpoint.ssm["ssm"]"#;
    let (with, report) = link(&plan, endpoint, "subnets", true);
    assert_eq!(
        with,
        (
            Resolution::Reference,
            each(&[
                r#"module.network.aws_subnet.private_subnet["a"]"#,
                r#"module.network.aws_subnet.private_subnet["b"]"#
            ])
        )
    );
    assert_eq!(report.fallback, None);
    let (without, report) = link(&plan, endpoint, "subnets", false);
    assert_eq!(without.0, Resolution::Candidates);
    let mut all: Vec<String> = without.1.concat();
    all.sort();
    assert_eq!(
        all,
        [
            r#"module.network.aws_subnet.private_subnet["a"]"#,
            r#"module.network.aws_subnet.private_subnet["b"]"#,
            r#"module.network.aws_subnet.public_subnet["a"]"#
        ]
    );
    assert_eq!(report.fallback.as_deref(), Some("local.private_subnet_ids"));
}

#[test]
fn a_data_source_read_at_apply_stands_for_the_object_its_id_names() {
    // vpc_id = local.vpc_id = data.aws_subnet.selected.vpc_id, whose id = var.subnet_ids[0]
    let plan = common::plan_of("seed000_module");
    let endpoint = "module.session_manager_endpoints.aws_vpc_endpoint.ssm[0]";
    let (vpc, _) = link(&plan, endpoint, "vpc", true);
    assert_eq!(vpc, (Resolution::Reference, each(&["aws_vpc.main"])));
    let (vpc, report) = link(&plan, endpoint, "vpc", false);
    assert_eq!(vpc, (Resolution::Unresolved, vec![]), "no VPC in the module: the local cannot stand in");
    assert_eq!((report.fallback, report.unresolved), (None, vec!["local.vpc_id".to_string()]));
}

#[test]
fn known_ids_in_state_and_update_plans() {
    let state = common::plan_of("state");
    for (which, expect) in [
        ("vpc", "aws_vpc.main"),
        ("subnets", "aws_subnet.private_b"),
        ("security_groups", "aws_security_group.app"),
        ("instance_profile", "aws_iam_instance_profile.app"),
    ] {
        assert_eq!(link(&state, "aws_instance.app", which, false).0, (Resolution::Known, each(&[expect])), "{which}");
    }
    let update = common::plan_of("update_prior_state");
    assert_eq!(link(&update, "aws_instance.app", "subnets", false).0.0, Resolution::Known);
    assert_eq!(link(&update, "aws_instance.app", "security_groups", false).0.0, Resolution::Known);
}

#[test]
fn ids_the_plan_does_not_manage_stay_external() {
    let plan = common::plan_of("seed004_custom_role");
    let (subnets, _) = link(&plan, "aws_instance.custom_example", "subnets", true);
    assert_eq!(subnets, (Resolution::Known, each(&["subnet-0123456789abcdef0"])));
}

#[test]
fn autoscaling_groups_take_groups_and_profile_from_the_launch_template() {
    let plan = common::plan_of("asg_launch_template");
    let l = links(&plan, "aws_autoscaling_group.app", true);
    assert_eq!(l[1].1, (Resolution::Reference, each(&["aws_subnet.private_a", "aws_subnet.private_b"])));
    assert_eq!(l[2].1, (Resolution::Reference, each(&["aws_security_group.app"])));
    assert_eq!(l[3].1, (Resolution::Reference, each(&["aws_iam_instance_profile.app"])));
    assert_eq!(l[0].1, (Resolution::Reference, each(&["aws_vpc.main"])), "both subnets are in one VPC");
}

#[test]
fn for_each_over_a_module_aligns_instance_keys() {
    // gjkraken: module "compute" { for_each = module.vpcs; vpc_subnets = each.value.… }
    let plan =
        common::root().join("testdata/realplans/gjkraken__aws-site-to-site-vpn-private-ip-vpn/terraform__plan.json");
    for spoke in ["spoke-vpc-a", "spoke-vpc-b"] {
        let (subnets, _) =
            link(&plan, &format!(r#"module.compute["{spoke}"].aws_instance.ec2_instance[0]"#), "subnets", false);
        assert_eq!(
            subnets,
            (Resolution::Reference, each(&[&format!(r#"module.vpcs["{spoke}"].aws_subnet.private["eu-central-1a"]"#)]))
        );
    }
}

#[test]
fn route_targets_resolve_through_the_graph() {
    let plan = common::plan_of("nat_gateway");
    let source = SourceFile::read(&plan.display().to_string()).unwrap();
    with_context(&source, &Options::default(), |ctx| {
        let route = ctx.net.node_of(ctx.model.get("aws_route.private_default").unwrap().id);
        let names = |l| ctx.net.link(l).targets().iter().map(|t| ctx.net.name(**t)).collect::<Vec<_>>();
        let nat = ctx.net.link_of(route, LinkKind::NatGateway).unwrap();
        assert_eq!(names(nat), ["aws_nat_gateway.nat"]);
        assert_eq!(ctx.net.link(nat).resolution, Resolution::Reference);
        let table = ctx.net.link_of(route, LinkKind::RouteTable).unwrap();
        assert_eq!(names(table), ["aws_route_table.private"]);
    })
    .unwrap();
}
