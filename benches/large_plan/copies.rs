//! Checks that a generated plan resolves like its seed, copy by copy: a benchmark on a plan
//! that tfreach reads differently (links across copies, lost module inputs) would time the
//! wrong work.

use std::collections::HashMap;

use tfreach::engine::{FileReport, InstanceReport, LinkReport};

use crate::genplan::{Renames, copy_module};

/// Compares the analysis of `copies` copies with the analysis of their seed.
pub fn check(seed: &FileReport, big: &FileReport, copies: usize, renames: &Renames) -> Result<String, String> {
    if big.resources != copies * seed.resources {
        return Err(format!("{} resources, expected {copies} × {}", big.resources, seed.resources));
    }
    if big.instances.len() != copies * seed.instances.len() {
        return Err(format!("{} instances, expected {copies} × {}", big.instances.len(), seed.instances.len()));
    }
    // Compared as JSON so that new kinds of counts are covered without listing them.
    let counts = |r: &FileReport| {
        let c = &r.counts;
        json(&[c.instance_subnet, c.instance_security_group, c.endpoint_subnet, c.endpoint_security_group])
    };
    let (one, all) = (counts(seed)?, counts(big)?);
    if all != times(&one, copies) {
        return Err(format!("links resolved {all}, expected {copies} × {one}"));
    }

    let by_address: HashMap<&str, &InstanceReport> = seed.instances.iter().map(|i| (i.resource.as_str(), i)).collect();
    let mut unrenames: HashMap<usize, HashMap<String, String>> = HashMap::new();
    let mut problems = Vec::new();
    for inst in &big.instances {
        let Some((c, inner)) = split_copy(&inst.resource) else {
            problems.push(format!("{} is outside every copy", inst.resource));
            continue;
        };
        let Some(orig) = by_address.get(inner) else {
            problems.push(format!("{} has no counterpart in the seed", inst.resource));
            continue;
        };
        let unrename = unrenames.entry(c).or_insert_with(|| renames.reverse(c));
        for (name, got, want) in [
            ("vpc", &inst.vpc, &orig.vpc),
            ("subnets", &inst.subnets, &orig.subnets),
            ("security_groups", &inst.security_groups, &orig.security_groups),
            ("instance_profile", &inst.instance_profile, &orig.instance_profile),
        ] {
            if let Err(e) = same_link(got, want, c, unrename) {
                problems.push(format!("{} {name}: {e}", inst.resource));
            }
        }
    }
    if let Some(first) = problems.first() {
        return Err(format!("{} link(s) resolve differently from the seed; first: {first}", problems.len()));
    }
    Ok(format!(
        "{} resources and {} instances = {copies} × the seed's; every instance link resolves as \
         in the seed and stays inside its own copy",
        big.resources,
        big.instances.len()
    ))
}

fn json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// Every count in `v` multiplied by `n`.
fn times(v: &serde_json::Value, n: usize) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(c) => c.as_u64().map_or_else(|| v.clone(), |c| Value::from(c * n as u64)),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), times(x, n))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(|x| times(x, n)).collect()),
        other => other.clone(),
    }
}

/// `module.copy_3.module.vpc.aws_subnet.a` → (3, `module.vpc.aws_subnet.a`).
fn split_copy(address: &str) -> Option<(usize, &str)> {
    let rest = address.strip_prefix("module.copy_")?;
    let (digits, inner) = rest.split_once('.')?;
    Some((digits.parse().ok()?, inner))
}

fn same_link(got: &LinkReport, want: &LinkReport, c: usize, unrename: &HashMap<String, String>) -> Result<(), String> {
    let mut targets = Vec::with_capacity(got.targets().len());
    for t in &got.targets() {
        match split_copy(t) {
            Some((other, _)) if other != c => {
                return Err(format!("links to {t} in another copy"));
            }
            Some((_, inner)) => targets.push(inner.to_string()),
            None => targets.push(unrename.get(t.as_str()).cloned().unwrap_or_else(|| t.clone())),
        }
    }
    let prefix = format!("{}.", copy_module(c));
    let unresolved: Vec<String> = got.unresolved.iter().map(|u| u.replace(&prefix, "")).collect();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let same = got.resolution == want.resolution
        && got.candidates() == want.candidates()
        && got.unset == want.unset
        && got.fallback == want.fallback
        && sorted(targets.clone()) == sorted(want.targets())
        && sorted(unresolved.clone()) == sorted(want.unresolved.clone());
    if same {
        Ok(())
    } else {
        Err(format!(
            "{:?} {targets:?} (unresolved {unresolved:?}), seed {:?} {:?} (unresolved {:?})",
            got.resolution,
            want.resolution,
            want.targets(),
            want.unresolved
        ))
    }
}
