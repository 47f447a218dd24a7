//! The region of every resource, from its provider configuration: the provider block it
//! uses (`provider_config_key`, aliases passed into modules included), its `region` as a
//! constant or a root variable, or — with provider 6 — the resource's own `region`. Without a
//! configuration (a state file), the resource's known `arn` or availability zone tells.

use crate::model::Model;
use crate::model::Resource;

/// The region a resource is created in, when the plan tells.
pub fn region_of(model: &Model<'_>, r: &Resource<'_>) -> Option<String> {
    if let Some(region) = r.fields.after().str("region").filter(|s| !s.is_empty()) {
        return Some(region.into_owned());
    }
    from_config(model, r).or_else(|| from_values(r))
}

/// `arn:aws:ec2:us-east-1:…` or `availability_zone = "us-east-1a"`.
fn from_values(r: &Resource<'_>) -> Option<String> {
    let after = r.fields.after();
    if let Some(region) = after.str("arn").and_then(|arn| arn.split(':').nth(3).map(str::to_string)) {
        return (!region.is_empty()).then_some(region);
    }
    let az = after.str("availability_zone")?;
    let region = az.trim_end_matches(|c: char| c.is_ascii_lowercase());
    (region.len() < az.len() && region.ends_with(|c: char| c.is_ascii_digit())).then(|| region.to_string())
}

fn from_config(model: &Model<'_>, r: &Resource<'_>) -> Option<String> {
    let doc = model.doc;
    let key = r.config.and_then(|c| c.provider_config_key.as_deref()).unwrap_or("aws");
    let providers = &doc.configuration.provider_config;
    let pc = providers
        .get(key)
        .or_else(|| key.rsplit_once(':').and_then(|(_, root)| providers.get(root)))
        .or_else(|| providers.get("aws"))?;
    let expr = pc.expressions.expr("region")?;
    if let Some(s) = expr.constant::<String>() {
        return Some(s);
    }
    let in_root = pc.module_address.as_deref().is_none_or(str::is_empty);
    let from_variable = |reference: &str| {
        let name = reference.strip_prefix("var.")?;
        if in_root { serde_json::from_str::<String>(doc.variable(name)?.get()).ok() } else { None }
    };
    // Mostly `var.region` alone, read without splitting the list.
    match expr.only_reference() {
        Some(reference) => from_variable(reference),
        None => expr.references().iter().find_map(|reference| from_variable(reference)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testkit::Plan;

    #[test]
    fn without_a_provider_region_the_arn_or_the_zone_tells() {
        Plan::new()
            .region(None)
            .resource(
                "aws_vpc.main",
                json!({"cidr_block": "10.0.0.0/16", "arn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1"}),
            )
            .resource("aws_vpc.other", json!({"cidr_block": "10.1.0.0/16"}))
            .resource("aws_subnet.a", json!({"cidr_block": "10.0.1.0/24", "availability_zone": "ap-southeast-2b"}))
            .check(|t| {
                assert_eq!(t.net.vpcs[&t.node("aws_vpc.main")].region.as_deref(), Some("eu-west-1"));
                assert_eq!(t.net.vpcs[&t.node("aws_vpc.other")].region, None);
                let model = t.net.model();
                let subnet = model.get("aws_subnet.a").unwrap();
                assert_eq!(super::region_of(model, subnet).as_deref(), Some("ap-southeast-2"));
            });
    }

    #[test]
    fn the_provider_region_comes_first() {
        Plan::new()
            .resource(
                "aws_vpc.main",
                json!({"cidr_block": "10.0.0.0/16", "arn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1"}),
            )
            .check(|t| assert_eq!(t.net.vpcs[&t.node("aws_vpc.main")].region.as_deref(), Some("us-east-1")));
    }
}
