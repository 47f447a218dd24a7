//! Reading Terraform's `references` lists and known JSON values.

use serde_json::value::RawValue;

use crate::plan::Reference;

/// Terraform lists every prefix of a traversal (`aws_vpc.v.id`, `aws_vpc.v`;
/// `aws_subnet.a[0].id`, `aws_subnet.a[0]`, `aws_subnet.a`). Keep the most specific
/// reference per object: keyed over unkeyed, longer attribute paths over shorter.
pub fn most_specific<S: AsRef<str>>(refs: &[S]) -> Vec<Reference> {
    let parsed: Vec<Reference> = refs.iter().filter_map(|r| Reference::parse(r.as_ref())).collect();
    let mut out: Vec<Reference> = Vec::new();
    for r in &parsed {
        let dominated = parsed.iter().any(|o| o != r && dominates(o, r));
        if !dominated && !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// Whether `a` says more about the same object than `b` does.
fn dominates(a: &Reference, b: &Reference) -> bool {
    match (a, b) {
        (
            Reference::Resource { mode: m1, type_: t1, name: n1, key: k1, attr: a1 },
            Reference::Resource { mode: m2, type_: t2, name: n2, key: k2, attr: a2 },
        ) if m1 == m2 && t1 == t2 && n1 == n2 => {
            (k1.is_some() && k2.is_none()) || (k1 == k2 && a1.len() > a2.len() && a1.starts_with(a2))
        }
        (
            Reference::Module { name: n1, key: k1, output: o1, index: i1 },
            Reference::Module { name: n2, key: k2, output: o2, index: i2 },
        ) if n1 == n2 => {
            (k1.is_some() && k2.is_none())
                || (k1 == k2 && o1.is_some() && o2.is_none())
                || (k1 == k2 && o1 == o2 && i1.is_some() && i2.is_none())
        }
        (Reference::Var { name: n1, path: p1, index: i1 }, Reference::Var { name: n2, path: p2, index: i2 })
            if n1 == n2 =>
        {
            p1.len() > p2.len() || (p1 == p2 && i1.is_some() && i2.is_none())
        }
        (Reference::Local { name: n1, index: i1, .. }, Reference::Local { name: n2, index: i2, .. }) if n1 == n2 => {
            i1.is_some() && i2.is_none()
        }
        (Reference::Each { value: v1, path: p1 }, Reference::Each { value: v2, path: p2 }) => {
            v1 == v2 && p1.len() > p2.len()
        }
        _ => false,
    }
}

/// Every string in a JSON value (a string, or lists of them), in order.
pub fn known_strings(raw: &RawValue) -> Vec<String> {
    known_strings_at(raw, &[])
}

/// Like [`known_strings`] after following object keys along `path`.
pub fn known_strings_at(raw: &RawValue, path: &[String]) -> Vec<String> {
    // Most link attributes hold nothing or one plain string: no need to build a value.
    match raw.get() {
        "null" | "\"\"" | "[]" | "{}" => return Vec::new(),
        text if path.is_empty() => {
            if let Some(s) = crate::model::attr::borrowed_str(text) {
                return vec![s.to_string()];
            }
        }
        _ => {}
    }
    let mut v: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null);
    for p in path {
        v = match v {
            serde_json::Value::Object(mut m) => m.remove(p).unwrap_or(serde_json::Value::Null),
            _ => return Vec::new(),
        };
    }
    let mut out = Vec::new();
    collect_strings(&v, &mut out);
    out
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_specific_reference() {
        let refs = [
            "aws_subnet.a[0].id",
            "aws_subnet.a[0]",
            "aws_subnet.a",
            "module.vpc.private_subnets",
            "module.vpc",
            "var.x.y",
            "var.x",
        ];
        let kept: Vec<String> = most_specific(&refs).iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert!(kept[0].contains("Int(0)") && kept[0].contains("\"id\""));
        assert!(kept[1].contains("private_subnets"));
        assert!(kept[2].contains("\"y\""));
    }

    #[test]
    fn a_projection_dominates_the_bare_resource() {
        let kept = most_specific(&["aws_subnet.a.vpc_id", "aws_subnet.a"]);
        assert_eq!(kept.len(), 1);
        assert!(matches!(&kept[0], Reference::Resource { attr, .. } if attr == &["vpc_id"]));
    }

    #[test]
    fn reads_strings_in_lists_and_objects() {
        let raw: &RawValue = serde_json::from_str(r#"{"a":["x",["y"],1,null],"b":"z"}"#).unwrap();
        assert_eq!(known_strings_at(raw, &["a".into()]), ["x", "y"]);
        assert_eq!(known_strings_at(raw, &["b".into()]), ["z"]);
        assert!(known_strings(raw).is_empty());
    }
}
