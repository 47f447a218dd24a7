//! Unit tests build a network, and reachability over it, from a small fragment: resources and
//! their attributes, written the way a plan shows them. The fragment becomes the JSON of a
//! real plan (`resource_changes` and `configuration`) and goes through the whole loader, so
//! nothing downstream can tell it from Terraform's output.
//!
//! In a resource's attributes:
//! - a plain value is known in the plan and set in the configuration;
//! - `{"$ref": "aws_vpc.main"}` (or a list of addresses) is unknown until apply and set
//!   through those references; `{"$ref": "aws_vpc.main.cidr_block"}` refers to an attribute;
//!   with `"$value": v` beside it, the plan knows the value (`v`) all the same;
//! - `{"$unknown": true}` is unknown and unset (computed by the provider);
//! - `{"$default": v}` is known in the plan but not set in the configuration;
//! - a list of objects is a list of nested blocks, each written the same way.

use serde_json::{Map, Value, json};

use crate::model::Model;
use crate::network::Network;
use crate::plan::{self, SourceFile};
use crate::reach::change::Before;
use crate::reach::{Assumptions, InstanceReach, Reach};
use crate::rules::{AnyRule, Finding, RuleContext, Settings};

/// A plan under construction.
#[derive(Default, Clone)]
pub struct Plan {
    /// Resources by address, with their attributes as the fragment writes them.
    resources: Vec<(String, Value)>,
    region: Option<String>,
    /// Aliased provider configurations (`aws.west`) and their regions.
    providers: Vec<(String, String)>,
    /// Resources that use an aliased configuration, by configuration address.
    provider_keys: Vec<(String, String)>,
    /// Resources that exist already and stay as they are (`no-op`).
    existing: Vec<String>,
    /// Resources the plan deletes, with their values before (the configuration no longer
    /// declares them).
    deleted: Vec<(String, Value)>,
    /// Attributes Terraform marks sensitive (`after_sensitive`), by resource.
    sensitive: Vec<(String, String)>,
    assumptions: Assumptions,
    settings: Settings,
}

/// One attribute's parts: planned value, unknown marker, configuration expression.
struct Parts {
    after: Option<Value>,
    unknown: Option<Value>,
    config: Option<Value>,
}

fn references(target: &str) -> Vec<Value> {
    // Terraform lists every prefix of a traversal: `aws_vpc.a.id`, `aws_vpc.a`.
    let parts: Vec<&str> = target.split('.').collect();
    let base = if parts.first() == Some(&"data") { 3 } else { 2 };
    let mut out: Vec<Value> = Vec::new();
    if parts.len() == base {
        out.push(json!(format!("{target}.id")));
    }
    for n in (base..=parts.len()).rev() {
        out.push(json!(parts[..n].join(".")));
    }
    out
}

fn parts(v: &Value) -> Parts {
    match v {
        Value::Object(o) if o.contains_key("$ref") => {
            let refs: Vec<Value> = match &o["$ref"] {
                Value::String(s) => references(s),
                Value::Array(list) => list.iter().filter_map(Value::as_str).flat_map(references).collect(),
                _ => Vec::new(),
            };
            match o.get("$value") {
                Some(v) => Parts { after: Some(v.clone()), unknown: None, config: Some(json!({ "references": refs })) },
                None => Parts { after: None, unknown: Some(json!(true)), config: Some(json!({ "references": refs })) },
            }
        }
        Value::Object(o) if o.contains_key("$unknown") => {
            Parts { after: None, unknown: Some(json!(true)), config: None }
        }
        Value::Object(o) if o.contains_key("$default") => {
            Parts { after: Some(o["$default"].clone()), unknown: None, config: None }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let blocks: Vec<(Value, Value, Value)> =
                items.iter().map(|b| block(b.as_object().expect("checked"))).collect();
            Parts {
                after: Some(Value::Array(blocks.iter().map(|b| b.0.clone()).collect())),
                unknown: Some(Value::Array(blocks.iter().map(|b| b.1.clone()).collect())),
                config: Some(Value::Array(blocks.iter().map(|b| b.2.clone()).collect())),
            }
        }
        other => Parts { after: Some(other.clone()), unknown: None, config: Some(json!({ "constant_value": other })) },
    }
}

/// (after, after_unknown, expressions) of an object of attributes.
fn block(attrs: &Map<String, Value>) -> (Value, Value, Value) {
    let (mut after, mut unknown, mut config) = (Map::new(), Map::new(), Map::new());
    for (k, v) in attrs {
        let p = parts(v);
        if let Some(a) = p.after {
            after.insert(k.clone(), a);
        }
        if let Some(u) = p.unknown {
            unknown.insert(k.clone(), u);
        }
        if let Some(c) = p.config {
            config.insert(k.clone(), c);
        }
    }
    (Value::Object(after), Value::Object(unknown), Value::Object(config))
}

impl Plan {
    pub fn new() -> Plan {
        Plan { region: Some("us-east-1".into()), ..Plan::default() }
    }

    /// A resource the plan creates (`data.…` addresses are data sources read while planning).
    pub fn resource(mut self, address: &str, attrs: Value) -> Plan {
        assert!(attrs.is_object(), "attributes are an object");
        self.resources.retain(|(a, _)| a != address);
        self.resources.push((address.to_string(), attrs));
        self
    }

    /// Sets one attribute of a resource already in the plan.
    pub fn set(mut self, address: &str, key: &str, value: Value) -> Plan {
        let (_, attrs) =
            self.resources.iter_mut().find(|(a, _)| a == address).unwrap_or_else(|| panic!("no {address}"));
        attrs[key] = value;
        self
    }

    /// Removes an attribute of a resource, or the whole resource (`key` `None`).
    pub fn without(mut self, address: &str, key: Option<&str>) -> Plan {
        match key {
            Some(k) => {
                let (_, attrs) =
                    self.resources.iter_mut().find(|(a, _)| a == address).unwrap_or_else(|| panic!("no {address}"));
                attrs.as_object_mut().expect("an object").remove(k);
            }
            None => self.resources.retain(|(a, _)| a != address),
        }
        self
    }

    fn change_and_config(address: &str, attrs: &Value) -> (Value, String, Value) {
        let data = address.starts_with("data.");
        let rest = address.strip_prefix("data.").unwrap_or(address);
        let (type_, name_key) = rest.split_once('.').expect("type.name");
        let (name, index) = match name_key.split_once('[') {
            Some((n, k)) => (n, serde_json::from_str::<Value>(k.trim_end_matches(']')).ok()),
            None => (name_key, None),
        };
        let (after, unknown, config) = block(attrs.as_object().expect("attributes are an object"));
        let mode = if data { "data" } else { "managed" };
        let config_address = if data { format!("data.{type_}.{name}") } else { format!("{type_}.{name}") };
        let mut change = json!({
            "address": address, "mode": mode, "type": type_, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": { "actions": [if data { "read" } else { "create" }], "before": null, "after": after, "after_unknown": unknown },
        });
        if let Some(i) = index {
            change["index"] = i;
        }
        let config = json!({
            "address": config_address, "mode": mode, "type": type_, "name": name,
            "provider_config_key": "aws", "expressions": config,
        });
        (change, config_address, config)
    }

    /// Makes the resource at `address` one that exists already and does not change.
    pub fn existing(mut self, address: &str) -> Plan {
        self.existing.push(address.into());
        self
    }

    /// Marks the attribute `key` of the resource at `address` sensitive.
    pub fn sensitive(mut self, address: &str, key: &str) -> Plan {
        self.sensitive.push((address.into(), key.into()));
        self
    }

    /// A resource the plan deletes, with its values before (plain JSON).
    pub fn deleting(mut self, address: &str, before: Value) -> Plan {
        self.deleted.push((address.into(), before));
        self
    }

    /// The region of the default provider configuration (`None`: not set).
    pub fn region(mut self, region: Option<&str>) -> Plan {
        self.region = region.map(str::to_string);
        self
    }

    /// An aliased provider configuration (`aws.west`) in `region`.
    pub fn provider(mut self, key: &str, region: &str) -> Plan {
        self.providers.push((key.into(), region.into()));
        self
    }

    /// Makes the resource at `address` use provider configuration `key`.
    pub fn provider_of(mut self, address: &str, key: &str) -> Plan {
        let base = address.split('[').next().unwrap_or(address);
        self.provider_keys.push((base.into(), key.into()));
        self
    }

    pub fn assume(mut self, assumptions: Assumptions) -> Plan {
        self.assumptions = assumptions;
        self
    }

    pub fn settings(mut self, settings: Settings) -> Plan {
        self.settings = settings;
        self
    }

    /// The plan's JSON, as `terraform show -json` writes it.
    pub fn json(&self) -> String {
        let mut provider =
            json!({ "name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "expressions": {} });
        if let Some(r) = &self.region {
            provider["expressions"]["region"] = json!({ "constant_value": r });
        }
        let mut changes = Vec::new();
        let mut config: Vec<(String, Value)> = Vec::new();
        for (address, attrs) in &self.resources {
            let (mut change, config_address, c) = Plan::change_and_config(address, attrs);
            for (_, key) in self.sensitive.iter().filter(|(a, _)| a == address) {
                change["change"]["after_sensitive"][key] = json!(true);
            }
            if self.existing.contains(address) {
                change["change"]["actions"] = json!(["no-op"]);
                change["change"]["before"] = change["change"]["after"].clone();
            }
            changes.push(change);
            if !config.iter().any(|(a, _)| *a == config_address) {
                config.push((config_address, c));
            }
        }
        for (address, before) in &self.deleted {
            let (type_, name) = address.split_once('.').expect("type.name");
            changes.push(json!({
                "address": address, "mode": "managed", "type": type_, "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": { "actions": ["delete"], "before": before, "after": null, "after_unknown": {} },
            }));
        }
        let config: Vec<Value> = config
            .into_iter()
            .map(|(address, mut c)| {
                if let Some((_, key)) = self.provider_keys.iter().find(|(a, _)| *a == address) {
                    c["provider_config_key"] = json!(key);
                }
                c
            })
            .collect();
        let mut provider_config = json!({ "aws": provider });
        for (key, region) in &self.providers {
            let alias = key.split_once('.').map_or(key.as_str(), |(_, a)| a);
            provider_config[key] = json!({
                "name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "alias": alias,
                "expressions": { "region": { "constant_value": region } },
            });
        }
        json!({
            "format_version": "1.2",
            "terraform_version": "1.15.5",
            "variables": {},
            "resource_changes": changes,
            "configuration": { "provider_config": provider_config, "root_module": { "resources": config } },
        })
        .to_string()
    }

    /// Builds the network and reachability and hands them to `f`.
    pub fn check<T>(&self, f: impl FnOnce(&Fixture<'_, '_, '_>) -> T) -> T {
        self.check_with(None, f)
    }

    /// Like [`Plan::check`], as a change from the world `before` describes.
    pub fn check_after<T>(&self, before: &Plan, f: impl FnOnce(&Fixture<'_, '_, '_>) -> T) -> T {
        let world = before.check(|t| Before::of(t.net, &t.instances));
        self.check_with(Some(&world), f)
    }

    fn check_with<T>(&self, before: Option<&Before>, f: impl FnOnce(&Fixture<'_, '_, '_>) -> T) -> T {
        let source = SourceFile::from_string("fragment.json", self.json());
        let doc = plan::load(&source).expect("the fragment is a plan");
        let model = Model::build(&doc);
        let net = Network::build(&model, None);
        let reach = Reach::new(&net, self.assumptions.clone());
        let instances = reach.instances();
        f(&Fixture { net: &net, reach: &reach, instances, settings: &self.settings, before })
    }
}

/// A network built from a fragment, with every instance's reachability.
pub struct Fixture<'n, 'm, 'a> {
    pub net: &'n Network<'m, 'a>,
    pub reach: &'n Reach<'n, 'm, 'a>,
    pub instances: Vec<InstanceReach>,
    settings: &'n Settings,
    before: Option<&'n Before>,
}

impl Fixture<'_, '_, '_> {
    /// The node of the resource at `address`.
    pub fn node(&self, address: &str) -> crate::network::NodeId {
        let id = self.net.model().get(address).unwrap_or_else(|| panic!("no {address} in the fragment")).id;
        self.net.node_of(id)
    }

    /// The reachability of the instance at `address`.
    pub fn instance(&self, address: &str) -> &InstanceReach {
        let n = self.node(address);
        self.instances.iter().find(|i| i.node == n).unwrap_or_else(|| panic!("{address} is not compute"))
    }

    /// What `rule` finds.
    pub fn run(&self, rule: &dyn AnyRule) -> Vec<Finding> {
        let ctx = RuleContext { net: self.net, reach: self.reach, instances: &self.instances, before: self.before };
        rule.run(&ctx, self.settings)
    }

    /// What `rule` finds, each as (resource address, message, certainty).
    pub fn findings(&self, rule: &dyn AnyRule) -> Vec<(String, String, crate::reach::Certainty)> {
        let found: Vec<Finding> = self.run(rule);
        let mut out: Vec<_> = found
            .iter()
            .map(|f| {
                let id = self.net.owner(f.resource).expect("a resource");
                (self.net.address(id).to_string(), f.message(self.net), f.certainty)
            })
            .collect();
        out.sort();
        out
    }

    /// The resources `rule` flags.
    pub fn flagged(&self, rule: &dyn AnyRule) -> Vec<String> {
        self.findings(rule).into_iter().map(|(r, _, _)| r).collect()
    }
}

/// `{"$ref": target}`.
pub fn r(target: &str) -> Value {
    json!({ "$ref": target })
}

/// `{"$ref": [targets]}`.
pub fn refs(targets: &[&str]) -> Value {
    json!({ "$ref": targets })
}

/// `{"$unknown": true}`.
pub fn unknown() -> Value {
    json!({ "$unknown": true })
}

/// A VPC with DNS on, two private subnets (in two zones), interface endpoints for the three
/// Session Manager services with private DNS in both subnets, an endpoint group admitting
/// TCP 443 from the VPC, and an instance with the core policy whose group allows TCP 443 to
/// the endpoints' group: the reachable baseline unit tests vary.
pub fn baseline() -> Plan {
    let mut p = Plan::new()
        .resource("aws_vpc.main", json!({"cidr_block": "10.0.0.0/16", "enable_dns_support": true, "enable_dns_hostnames": true}))
        .resource("aws_subnet.a", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a"}))
        .resource("aws_subnet.b", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.2.0/24", "availability_zone": "us-east-1b"}))
        .resource(
            "aws_security_group.endpoints",
            json!({"vpc_id": r("aws_vpc.main"), "ingress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]}]}),
        )
        .resource(
            "aws_security_group.app",
            json!({"vpc_id": r("aws_vpc.main"), "egress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "security_groups": r("aws_security_group.endpoints")}]}),
        )
        .resource("aws_iam_role.app", json!({"name": "app", "managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]}))
        .resource("aws_iam_instance_profile.app", json!({"name": "app", "role": r("aws_iam_role.app")}))
        .resource(
            "aws_instance.app",
            json!({"subnet_id": r("aws_subnet.a"), "vpc_security_group_ids": r("aws_security_group.app"), "iam_instance_profile": r("aws_iam_instance_profile.app")}),
        );
    for service in ["ssm", "ssmmessages", "ec2messages"] {
        p = p.resource(
            &format!("aws_vpc_endpoint.{service}"),
            json!({
                "vpc_id": r("aws_vpc.main"),
                "service_name": format!("com.amazonaws.us-east-1.{service}"),
                "vpc_endpoint_type": "Interface",
                "private_dns_enabled": true,
                "subnet_ids": refs(&["aws_subnet.a", "aws_subnet.b"]),
                "security_group_ids": r("aws_security_group.endpoints"),
            }),
        );
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reach::Verdict;

    #[test]
    fn the_baseline_is_reachable() {
        baseline().check(|t| {
            let app = t.instance("aws_instance.app");
            assert_eq!(app.verdict(), Verdict::Reachable, "{:?}", app.unresolved);
        });
    }

    #[test]
    fn fragments_are_real_plan_json() {
        let json = Plan::new()
            .resource("aws_subnet.a", json!({"vpc_id": r("aws_vpc.main"), "cidr_block": "10.0.1.0/24"}))
            .json();
        let v: Value = serde_json::from_str(&json).unwrap();
        let change = &v["resource_changes"][0]["change"];
        assert_eq!(change["after"]["cidr_block"], "10.0.1.0/24");
        assert_eq!(change["after_unknown"]["vpc_id"], true);
        let expr = &v["configuration"]["root_module"]["resources"][0]["expressions"]["vpc_id"];
        assert_eq!(expr["references"], json!(["aws_vpc.main.id", "aws_vpc.main"]));
    }
}
