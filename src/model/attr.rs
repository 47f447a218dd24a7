//! Reading an attribute's value as it will be after apply.
//!
//! A plan marks many attributes unknown that are not: with the AWS provider, an Optional +
//! Computed attribute the configuration leaves unset (a VPC's `enable_dns_hostnames`, a new
//! group's `egress`, an instance's `metadata_options`) appears in `after_unknown`, yet on
//! create it takes its default. Only an unknown the configuration sets through a reference
//! is truly unknown.

use serde::Serialize;

/// An attribute's value after apply, and where that knowledge comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", content = "value", rename_all = "lowercase")]
pub enum Attr<T> {
    /// The plan, state or configuration gives the value.
    Known(T),
    /// The configuration leaves it unset; this is the provider's or AWS's default.
    Default(T),
    /// Set through a reference that is unknown until apply.
    Unknown,
    /// Unset, with no default that tfreach knows.
    Absent,
}

impl<T> Attr<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Attr::Known(v) | Attr::Default(v) => Some(v),
            Attr::Unknown | Attr::Absent => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attr<U> {
        match self {
            Attr::Known(v) => Attr::Known(f(v)),
            Attr::Default(v) => Attr::Default(f(v)),
            Attr::Unknown => Attr::Unknown,
            Attr::Absent => Attr::Absent,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }
}

impl<T: PartialEq> Attr<T> {
    /// `Some(true)` when the value is known (or defaulted) to equal `v`, `None` when unknown.
    pub fn is(&self, v: &T) -> Option<bool> {
        match self {
            Attr::Known(x) | Attr::Default(x) => Some(x == v),
            Attr::Unknown => None,
            Attr::Absent => Some(false),
        }
    }
}
