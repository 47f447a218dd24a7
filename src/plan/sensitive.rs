//! What Terraform marks sensitive, and the values under those marks.
//!
//! `terraform show -json` prints sensitive values in clear and marks where they are: a
//! resource change's `after_sensitive` / `before_sensitive`, a state resource's
//! `sensitive_values` (a value's shape with `true` where it is sensitive: `true` for the
//! whole object, `{"tags": true}`, `{"ingress": [{"cidr_blocks": [true]}]}`), an output's
//! `sensitive` flag (`after_sensitive` in `output_changes`), a variable declared
//! `sensitive = true` in the configuration. Terraform redacts them in its own output, and so
//! must tfreach: [`SensitivePaths`] lets the model mark its typed values, and
//! [`SensitiveValues`] feeds the output filter ([`crate::redact`]).

use std::collections::BTreeSet;

use serde_json::value::RawValue;

use super::scan::{Leaf, Step, leaves};

/// One step of a path into a value: an object field or a list element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// Which parts of one resource's values Terraform marks sensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SensitivePaths {
    /// Each marked path; an empty path marks the whole object.
    paths: Vec<Vec<PathStep>>,
}

impl SensitivePaths {
    /// Reads marks such as `after_sensitive`; anything but `true`, objects and arrays marks
    /// nothing.
    pub fn of(marks: Option<&RawValue>) -> SensitivePaths {
        // Marks are `true`, `false`, objects and arrays: without `true`, nothing is marked.
        let Some(marks) = marks.filter(|m| m.get().contains("true")) else {
            return SensitivePaths::default();
        };
        let mut paths = Vec::new();
        leaves(marks.get(), |path, leaf| {
            if matches!(leaf, Leaf::Bool(true)) {
                paths.push(path.iter().map(Step::to_path_step).collect());
            }
        });
        SensitivePaths { paths }
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Every marked path, in the order the marks list them.
    pub fn paths(&self) -> &[Vec<PathStep>] {
        &self.paths
    }

    /// Whether the value at `path` is sensitive: it or something that contains it is marked.
    pub fn covers(&self, path: &[PathStep]) -> bool {
        self.covers_by(path, |step, marked| step == marked)
    }

    /// [`SensitivePaths::covers`] for a path of other steps, `same` telling a step from a
    /// marked one.
    fn covers_by<S>(&self, path: &[S], same: impl Fn(&S, &PathStep) -> bool) -> bool {
        self.paths.iter().any(|marked| {
            marked.len() <= path.len() && marked.iter().zip(path).all(|(marked, step)| same(step, marked))
        })
    }

    /// Whether the whole top-level attribute `name` is sensitive.
    pub fn attribute(&self, name: &str) -> bool {
        self.covers(&[PathStep::Key(name.to_string())])
    }

    /// Whether anything at or under the top-level attribute `name` is sensitive.
    pub fn within(&self, name: &str) -> bool {
        self.paths.iter().any(|marked| match marked.first() {
            None => true,
            Some(PathStep::Key(k)) => k == name,
            Some(PathStep::Index(_)) => false,
        })
    }

    /// Adds the leaves of `value` under these marks to `out`.
    fn collect_values(&self, value: Option<&RawValue>, out: &mut SensitiveValues) {
        let Some(value) = value.filter(|_| !self.is_empty()) else { return };
        leaves(value.get(), |path, leaf| {
            if self.covers_by(path, Step::is) {
                out.add_leaf(leaf);
            }
        });
    }
}

/// Every value a document marks sensitive, as text: strings as they are, numbers and booleans
/// as JSON writes them and as Rust prints them, CIDRs and IP addresses also in canonical
/// form and as their network address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SensitiveValues {
    values: BTreeSet<String>,
}

impl SensitiveValues {
    pub const fn new() -> SensitiveValues {
        SensitiveValues { values: BTreeSet::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn contains(&self, text: &str) -> bool {
        self.values.contains(text)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }

    /// Takes every value of `other` (moved, not copied).
    pub fn extend(&mut self, mut other: SensitiveValues) {
        self.values.append(&mut other.values);
    }

    /// Adds the leaves of `value` at the paths `marks` marks.
    pub fn add_marked(&mut self, value: Option<&RawValue>, marks: &SensitivePaths) {
        marks.collect_values(value, self);
    }

    /// Adds every leaf of a value that is sensitive as a whole (an output, a variable).
    pub fn add_raw(&mut self, value: Option<&RawValue>) {
        if let Some(value) = value {
            leaves(value.get(), |_, leaf| self.add_leaf(leaf));
        }
    }

    fn add_leaf(&mut self, leaf: Leaf<'_>) {
        match leaf {
            Leaf::Null => {}
            Leaf::Bool(b) => {
                self.values.insert(b.to_string());
            }
            Leaf::Number(text) => {
                if let Ok(n) = serde_json::from_str::<serde_json::Number>(text) {
                    self.add_number(&n);
                }
            }
            Leaf::Str(s) => self.add_string(&s),
        }
    }

    fn add_number(&mut self, n: &serde_json::Number) {
        self.values.insert(n.to_string());
        if let Some(f) = n.as_f64() {
            self.values.insert(f.to_string());
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                self.values.insert(format!("{}", f as i64));
            }
        }
    }

    fn add_string(&mut self, s: &str) {
        // Copied only when new: the same secret is often marked in many resources.
        if !self.values.contains(s) {
            self.values.insert(s.to_string());
        }
        if let Ok(net) = s.parse::<ipnet::IpNet>() {
            self.values.insert(net.to_string());
            self.values.insert(net.trunc().to_string());
            self.values.insert(net.addr().to_string());
        } else if let Ok(addr) = s.parse::<std::net::IpAddr>() {
            self.values.insert(addr.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> &RawValue {
        serde_json::from_str(json).unwrap()
    }

    fn key(k: &str) -> PathStep {
        PathStep::Key(k.to_string())
    }

    #[test]
    fn reads_nested_marks() {
        let marks = SensitivePaths::of(Some(raw(
            r#"{"ami":true,"ingress":[{"cidr_blocks":[false,true]}],"tags":{},"ebs":[],"x":false}"#,
        )));
        assert_eq!(
            marks.paths(),
            [vec![key("ami")], vec![key("ingress"), PathStep::Index(0), key("cidr_blocks"), PathStep::Index(1)]]
        );
        assert!(marks.attribute("ami"));
        assert!(!marks.attribute("ingress") && marks.within("ingress"));
        assert!(marks.covers(&[key("ingress"), PathStep::Index(0), key("cidr_blocks"), PathStep::Index(1)]));
        assert!(!marks.covers(&[key("ingress"), PathStep::Index(0), key("cidr_blocks"), PathStep::Index(0)]));
        assert!(!marks.within("tags"));
    }

    #[test]
    fn a_whole_object_mark_covers_everything() {
        let marks = SensitivePaths::of(Some(raw("true")));
        assert!(marks.attribute("anything") && marks.within("tags"));
        assert!(SensitivePaths::of(Some(raw(r#"{"a":[],"b":{"c":false}}"#))).is_empty());
        assert!(SensitivePaths::of(None).is_empty());
    }

    #[test]
    fn collects_the_leaves_under_marks() {
        let after = raw(
            r#"{"ami":"ami-0123","ingress":[{"cidr_blocks":["10.0.0.0/8","10.20.0.1/16"],"from_port":22}],"tags":{"Name":"x","Pw":"hunter2!"},"port":443.0}"#,
        );
        let marks =
            SensitivePaths::of(Some(raw(r#"{"ingress":[{"cidr_blocks":[false,true]}],"tags":true,"port":true}"#)));
        let mut values = SensitiveValues::default();
        values.add_marked(Some(after), &marks);
        let all: Vec<&str> = values.iter().collect();
        assert_eq!(all, ["10.20.0.0/16", "10.20.0.1", "10.20.0.1/16", "443", "443.0", "hunter2!", "x"]);
        assert!(!values.contains("10.0.0.0/8") && !values.contains("ami-0123"));
    }

    #[test]
    fn values_nested_deeper_than_any_parser_reads_are_found() {
        let deep = |leaf: &str| format!("{}{leaf}{}", "[".repeat(5000), "]".repeat(5000));
        let after = format!(r#"{{"policy":{},"name":"app"}}"#, deep("\"s3cr3t-deep\""));
        let marks = format!(r#"{{"policy":{}}}"#, deep("true"));
        let marks = SensitivePaths::of(Some(&RawValue::from_string(marks).unwrap()));
        let mut values = SensitiveValues::default();
        values.add_marked(Some(&RawValue::from_string(after).unwrap()), &marks);
        assert_eq!(values.iter().collect::<Vec<_>>(), ["s3cr3t-deep"]);
    }

    #[test]
    fn whole_values_and_booleans() {
        let mut values = SensitiveValues::default();
        values.add_raw(Some(raw(r#"{"a":[true,null,"s3cr3t-value"],"n":1.5}"#)));
        assert_eq!(values.iter().collect::<Vec<_>>(), ["1.5", "s3cr3t-value", "true"]);
    }
}
