//! Plans made to stress one dimension, each at two sizes, to show that cost grows linearly:
//!
//! - `subnets`: one VPC with N subnets and 10 instances whose `subnet_id` is a `local` (no
//!   `.tf` sources), so each instance's subnet is the candidate set of all N subnets;
//! - `groups`: N security groups with `count`, each admitting TCP 443 from the next one
//!   (`aws_security_group.g[(count.index + 1) % N]`, which the plan JSON reduces to the whole
//!   block: N candidates per rule), and 10 instances whose group is one of them;
//! - `known groups`: the same N groups as existing objects with known ids, each rule naming
//!   the next group by id, and N instances, one in each.
//!
//! (An instance with N candidates is reported with N candidates: N such instances make an
//! output of N² names, whatever the analysis costs; so the candidate-set plans have a fixed
//! number of instances.)
//!
//! The plans are written as `terraform show -json` writes a plan (format 1.2).

use serde_json::{Value, json};

fn plan(changes: Vec<Value>, config: Vec<Value>) -> String {
    json!({
        "format_version": "1.2",
        "terraform_version": "1.15.5",
        "variables": {},
        "resource_changes": changes,
        "configuration": {
            "provider_config": { "aws": { "name": "aws", "expressions": { "region": { "constant_value": "us-east-1" } } } },
            "root_module": { "resources": config },
        },
    })
    .to_string()
}

fn change(address: &str, type_: &str, name: &str, index: Option<usize>, after: Value, unknown: Value) -> Value {
    let mut c = json!({
        "address": address, "mode": "managed", "type": type_, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": { "actions": ["create"], "before": null, "after": after, "after_unknown": unknown },
    });
    if let Some(i) = index {
        c["index"] = json!(i);
    }
    c
}

fn existing(address: &str, type_: &str, name: &str, index: Option<usize>, values: Value) -> Value {
    let mut c = change(address, type_, name, index, values.clone(), json!({}));
    c["change"]["actions"] = json!(["no-op"]);
    c["change"]["before"] = values;
    c
}

fn config(type_: &str, name: &str, expressions: Value, count: bool) -> Value {
    let mut c = json!({
        "address": format!("{type_}.{name}"), "mode": "managed", "type": type_, "name": name,
        "provider_config_key": "aws", "expressions": expressions,
    });
    if count {
        c["count_expression"] = json!({ "constant_value": 1 });
    }
    c
}

fn refs(target: &str) -> Value {
    json!({ "references": [format!("{target}.id"), target] })
}

/// The VPC, the three Session Manager endpoints and their group: the same in every plan.
fn network(changes: &mut Vec<Value>, configs: &mut Vec<Value>) {
    changes.push(change(
        "aws_vpc.main",
        "aws_vpc",
        "main",
        None,
        json!({ "cidr_block": "10.0.0.0/8", "enable_dns_support": true, "enable_dns_hostnames": true }),
        json!({ "id": true }),
    ));
    configs.push(config(
        "aws_vpc",
        "main",
        json!({ "cidr_block": { "constant_value": "10.0.0.0/8" }, "enable_dns_support": { "constant_value": true }, "enable_dns_hostnames": { "constant_value": true } }),
        false,
    ));
    changes.push(change(
        "aws_security_group.endpoints",
        "aws_security_group",
        "endpoints",
        None,
        json!({ "ingress": [{ "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"], "security_groups": [], "self": false }] }),
        json!({ "id": true, "vpc_id": true, "egress": true }),
    ));
    configs.push(config(
        "aws_security_group",
        "endpoints",
        json!({ "vpc_id": refs("aws_vpc.main"), "ingress": { "constant_value": [{ "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"] }] } }),
        false,
    ));
    changes.push(change(
        "aws_subnet.endpoints",
        "aws_subnet",
        "endpoints",
        None,
        json!({ "cidr_block": "10.255.0.0/24", "availability_zone": "us-east-1a" }),
        json!({ "id": true, "vpc_id": true }),
    ));
    configs.push(config(
        "aws_subnet",
        "endpoints",
        json!({ "vpc_id": refs("aws_vpc.main"), "cidr_block": { "constant_value": "10.255.0.0/24" } }),
        false,
    ));
    for service in ["ssm", "ssmmessages", "ec2messages"] {
        changes.push(change(
            &format!("aws_vpc_endpoint.{service}"),
            "aws_vpc_endpoint",
            service,
            None,
            json!({ "service_name": format!("com.amazonaws.us-east-1.{service}"), "vpc_endpoint_type": "Interface", "private_dns_enabled": true }),
            json!({ "id": true, "vpc_id": true, "subnet_ids": true, "security_group_ids": true }),
        ));
        configs.push(config(
            "aws_vpc_endpoint",
            service,
            json!({
                "vpc_id": refs("aws_vpc.main"),
                "service_name": { "constant_value": format!("com.amazonaws.us-east-1.{service}") },
                "vpc_endpoint_type": { "constant_value": "Interface" },
                "private_dns_enabled": { "constant_value": true },
                "subnet_ids": { "references": ["aws_subnet.endpoints.id", "aws_subnet.endpoints"] },
                "security_group_ids": { "references": ["aws_security_group.endpoints.id", "aws_security_group.endpoints"] },
            }),
            false,
        ));
    }
}

/// Instances in the candidate-set plans.
const INSTANCES: usize = 10;

/// N subnets and 10 instances whose subnet is `local.subnet_id`: N candidates each.
pub fn subnets(n: usize) -> String {
    let (mut changes, mut configs) = (Vec::new(), Vec::new());
    network(&mut changes, &mut configs);
    for i in 0..n {
        let cidr = format!("10.{}.{}.0/24", i / 256, i % 256);
        changes.push(change(
            &format!("aws_subnet.s[{i}]"),
            "aws_subnet",
            "s",
            Some(i),
            json!({ "cidr_block": cidr, "availability_zone": "us-east-1a" }),
            json!({ "id": true, "vpc_id": true }),
        ));
    }
    for i in 0..INSTANCES {
        changes.push(change(
            &format!("aws_instance.app[{i}]"),
            "aws_instance",
            "app",
            Some(i),
            json!({ "ami": "ami-0123456789abcdef0" }),
            json!({ "id": true, "subnet_id": true, "vpc_security_group_ids": true }),
        ));
    }
    configs.push(config("aws_subnet", "s", json!({ "vpc_id": refs("aws_vpc.main") }), true));
    configs.push(config(
        "aws_instance",
        "app",
        json!({ "subnet_id": { "references": ["local.subnet_id"] }, "vpc_security_group_ids": { "references": ["aws_security_group.endpoints.id", "aws_security_group.endpoints"] } }),
        true,
    ));
    plan(changes, configs)
}

/// N groups, each admitting TCP 443 from the next through a `count.index` expression the
/// plan reduces to the whole block, and 10 instances in one of them each.
pub fn groups(n: usize) -> String {
    let (mut changes, mut configs) = (Vec::new(), Vec::new());
    network(&mut changes, &mut configs);
    for i in 0..n {
        changes.push(change(
            &format!("aws_security_group.g[{i}]"),
            "aws_security_group",
            "g",
            Some(i),
            json!({ "egress": [{ "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"], "security_groups": [], "self": false }] }),
            json!({ "id": true, "vpc_id": true, "ingress": [{ "security_groups": true }] }),
        ));
    }
    for i in 0..INSTANCES {
        changes.push(change(
            &format!("aws_instance.app[{i}]"),
            "aws_instance",
            "app",
            Some(i),
            json!({ "subnet_id": "subnet-0123456789abcdef0" }),
            json!({ "id": true, "vpc_security_group_ids": true }),
        ));
    }
    configs.push(config(
        "aws_security_group",
        "g",
        json!({
            "vpc_id": refs("aws_vpc.main"),
            "ingress": { "references": ["aws_security_group.g", "count.index"] },
            "egress": { "constant_value": [{ "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"] }] },
        }),
        true,
    ));
    configs.push(config(
        "aws_instance",
        "app",
        json!({ "subnet_id": { "constant_value": "subnet-0123456789abcdef0" }, "vpc_security_group_ids": { "references": ["aws_security_group.g", "count.index"] } }),
        true,
    ));
    plan(changes, configs)
}

/// N existing groups with known ids, each admitting TCP 443 from the next by id, and N
/// existing instances, one in each.
pub fn known_groups(n: usize) -> String {
    let (mut changes, mut configs) = (Vec::new(), Vec::new());
    network(&mut changes, &mut configs);
    let id = |i: usize| format!("sg-{:017x}", i + 1);
    for i in 0..n {
        let next = id((i + 1) % n);
        changes.push(existing(
            &format!("aws_security_group.g[{i}]"),
            "aws_security_group",
            "g",
            Some(i),
            json!({
                "id": id(i), "vpc_id": "vpc-0123456789abcdef0",
                "ingress": [{ "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [], "security_groups": [next], "self": false }],
                "egress": [{ "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"], "security_groups": [], "self": false }],
            }),
        ));
        changes.push(existing(
            &format!("aws_instance.app[{i}]"),
            "aws_instance",
            "app",
            Some(i),
            json!({ "id": format!("i-{:017x}", i + 1), "subnet_id": "subnet-0123456789abcdef0", "vpc_security_group_ids": [id(i)] }),
        ));
    }
    configs.push(config("aws_security_group", "g", json!({ "vpc_id": refs("aws_vpc.main") }), true));
    configs.push(config("aws_instance", "app", json!({}), true));
    plan(changes, configs)
}
