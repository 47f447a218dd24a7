//! Copy k ≥ 1 of a generated plan gets its own identifiers: a real estate of N stacks has N
//! different subnet ids and IAM role names, and tfreach matches known values by exact
//! string, so N equal ids would link every copy to every other one. Copy 0 keeps the seed's.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

/// The attributes an AWS resource is referred to by, and the VPC attributes that name the
/// objects a VPC brings along: the values that must differ between copies.
const IDENTITY_KEYS: &[&str] = &[
    "id",
    "arn",
    "name",
    "unique_id",
    "zone_id",
    "allocation_id",
    "default_security_group_id",
    "main_route_table_id",
    "default_route_table_id",
    "default_network_acl_id",
];

/// The identifiers of the seed's objects, and how copy k spells them.
#[derive(Clone)]
pub struct Renames {
    identities: HashSet<String>,
}

impl Renames {
    /// Identity values of managed resources, and of data sources where they look like an AWS
    /// resource id (a data source may also be a region or an account, which copies share).
    pub fn collect(doc: &Map<String, Value>) -> Renames {
        let mut identities = HashSet::new();
        let mut add = |managed: bool, values: Option<&Value>| {
            let Some(Value::Object(values)) = values else {
                return;
            };
            for key in IDENTITY_KEYS {
                if let Some(Value::String(s)) = values.get(*key)
                    && s.len() >= 3
                    && (managed || aws_id_parts(s).is_some())
                {
                    identities.insert(s.clone());
                }
            }
        };
        if let Some(Value::Array(changes)) = doc.get("resource_changes") {
            for rc in changes {
                let managed = rc.get("mode").and_then(Value::as_str) != Some("data");
                if let Some(change) = rc.get("change") {
                    add(managed, change.get("before"));
                    add(managed, change.get("after"));
                }
            }
        }
        fn walk(m: &Value, add: &mut dyn FnMut(bool, Option<&Value>)) {
            for r in m.get("resources").and_then(Value::as_array).into_iter().flatten() {
                let managed = r.get("mode").and_then(Value::as_str) != Some("data");
                add(managed, r.get("values"));
            }
            for child in m.get("child_modules").and_then(Value::as_array).into_iter().flatten() {
                walk(child, add);
            }
        }
        for values in
            [doc.get("planned_values"), doc.get("prior_state").and_then(|p| p.get("values"))].into_iter().flatten()
        {
            if let Some(root) = values.get("root_module") {
                walk(root, &mut add);
            }
        }
        Renames { identities }
    }

    /// Renames nothing: every copy shares every name, as copies of one module whose names
    /// are literals do.
    pub fn none() -> Renames {
        Renames { identities: HashSet::new() }
    }

    /// How copy `c` spells the seed identifier `s`, when it renames it.
    pub fn rename(&self, s: &str, c: usize) -> Option<String> {
        if c == 0 || !self.identities.contains(s) {
            return None;
        }
        Some(match aws_id_parts(s) {
            // Same shape, other hex digits: `subnet-0a1b…` stays a plausible subnet id.
            Some((prefix, hex)) => {
                let mut h = fnv1a(s.as_bytes(), c as u64);
                let mut digits = String::with_capacity(hex.len());
                while digits.len() < hex.len() {
                    digits.push_str(&format!("{h:016x}"));
                    h = fnv1a(&h.to_le_bytes(), c as u64);
                }
                digits.truncate(hex.len());
                format!("{prefix}-{digits}")
            }
            None => format!("{s}-copy{c}"),
        })
    }

    /// Copy `c`'s spelling of each renamed identifier → the seed's.
    pub fn reverse(&self, c: usize) -> HashMap<String, String> {
        self.identities.iter().filter_map(|s| Some((self.rename(s, c)?, s.clone()))).collect()
    }

    /// Renames, for copy `c`, every string in `v` that is one of the seed's identifiers.
    pub fn apply(&self, v: &mut Value, c: usize) {
        if c == 0 {
            return;
        }
        match v {
            Value::String(s) => {
                if let Some(new) = self.rename(s, c) {
                    *s = new;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.apply(i, c)),
            Value::Object(m) => m.values_mut().for_each(|i| self.apply(i, c)),
            _ => {}
        }
    }

    /// [`Renames::apply`] under the `constant_value`s and variable `default`s of a
    /// configuration module, leaving names, addresses and references alone.
    pub fn apply_to_constants(&self, v: &mut Value, c: usize) {
        match v {
            Value::Array(items) => items.iter_mut().for_each(|i| self.apply_to_constants(i, c)),
            Value::Object(m) => {
                for (k, inner) in m.iter_mut() {
                    if k == "constant_value" || k == "default" {
                        self.apply(inner, c);
                    } else {
                        self.apply_to_constants(inner, c);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `subnet-0a1b2c3d` → (`subnet`, `0a1b2c3d`): AWS ids end in 8 or 17 hex digits (lowercase
/// from AWS, uppercase in some hand-edited plans).
fn aws_id_parts(s: &str) -> Option<(&str, &str)> {
    let (prefix, hex) = s.rsplit_once('-')?;
    let hex_ok = matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let prefix_ok =
        !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (hex_ok && prefix_ok).then_some((prefix, hex))
}

fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
