//! Borrowed, lazily-typed views of JSON objects inside the plan.
//!
//! A resource's `after`, `before` and `after_unknown` objects are kept as raw slices of the
//! input and split into their top-level fields only when a modelled resource asks for them;
//! fields are typed on access. Nothing is copied.

use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use smallvec::SmallVec;

/// A JSON string borrowed from the input when it has no escapes. (serde's own `Cow<str>`
/// always copies, except for struct fields marked `#[serde(borrow)]`.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CowStr<'a>(pub Cow<'a, str>);

impl std::ops::Deref for CowStr<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor(std::marker::PhantomData))
    }
}

/// The fields of one JSON object, each still raw.
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Values<'a> {
    /// Splits a raw JSON object; anything else (null, `true`, arrays) gives no fields.
    pub fn of(raw: Option<&'a RawValue>) -> Values<'a> {
        match raw {
            Some(raw) if raw.get().starts_with('{') => serde_json::from_str(raw.get()).unwrap_or_default(),
            _ => Values::default(),
        }
    }

    /// Splits an `after_unknown` object, keeping only the fields that mark something unknown:
    /// the others answer [`Values::is_true`] and [`Values::any_true`] alike whether kept or not.
    pub fn markers(raw: Option<&'a RawValue>) -> Values<'a> {
        // Nothing unknown: nothing to keep, and no need to split.
        let Some(raw) = raw.filter(|r| contains_true(r.get())) else { return Values::default() };
        let mut de = serde_json::Deserializer::from_str(raw.get());
        de.deserialize_map(FieldsVisitor { keep: |v| contains_true(v.get()) }).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(k, _)| k.as_ref())
    }

    pub fn raw(&self, key: &str) -> Option<&'a RawValue> {
        self.fields.iter().find(|(k, _)| same_key(k, key)).map(|(_, v)| *v)
    }

    /// The field typed as `T`; `None` when absent, null or of another type.
    pub fn get<T: Deserialize<'a>>(&self, key: &str) -> Option<T> {
        let raw = self.raw(key)?;
        if raw.get() == "null" {
            return None;
        }
        serde_json::from_str(raw.get()).ok()
    }

    pub fn str(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get::<CowStr<'a>>(key).map(|s| s.0)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get::<bool>(key)
    }

    pub fn i64(&self, key: &str) -> Option<i64> {
        self.get::<i64>(key)
    }

    /// A list or set of strings (nulls inside are skipped).
    pub fn strings(&self, key: &str) -> Option<Vec<Cow<'a, str>>> {
        let items: Vec<Option<CowStr<'a>>> = self.get(key)?;
        Some(items.into_iter().flatten().map(|s| s.0).collect())
    }

    /// A nested object, or the first element of a single nested block (`[ {...} ]`).
    pub fn object(&self, key: &str) -> Values<'a> {
        let Some(raw) = self.raw(key) else {
            return Values::default();
        };
        if raw.get().starts_with('[') {
            return self.blocks(key).into_iter().next().unwrap_or_default();
        }
        Values::of(Some(raw))
    }

    /// Every element of a list of nested blocks.
    pub fn blocks(&self, key: &str) -> Vec<Values<'a>> {
        let Some(raw) = self.raw(key) else {
            return Vec::new();
        };
        let items: Vec<&'a RawValue> = serde_json::from_str(raw.get()).unwrap_or_default();
        items.into_iter().map(|r| Values::of(Some(r))).collect()
    }

    /// In an `after_unknown` object: is this whole field unknown (`true`)?
    pub fn is_true(&self, key: &str) -> bool {
        self.raw(key).is_some_and(|r| r.get() == "true")
    }

    /// In an `after_unknown` object: is anything under this field unknown?
    pub fn any_true(&self, key: &str) -> bool {
        self.raw(key).is_some_and(|r| contains_true(r.get()))
    }
}

/// `a == b` for field names, looking at the length and the first byte before the rest:
/// most names of an object differ there, and a library `memcmp` call for each costs more.
#[inline]
pub(crate) fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// `after_unknown` values are made of `true`, `false`, arrays and objects only, so the text
/// holds `true` exactly when some leaf is unknown.
fn contains_true(json: &str) -> bool {
    json.contains("true")
}

impl<'de: 'a, 'a> Deserialize<'de> for Values<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor { keep: |_| true })
    }
}

/// Splits an object into the fields `keep` accepts.
struct FieldsVisitor {
    keep: fn(&RawValue) -> bool,
}

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Values<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        // Gathered on the stack, then kept for the whole analysis in one allocation of the
        // exact size.
        let mut fields: SmallVec<[(Cow<'de, str>, &'de RawValue); 64]> = SmallVec::new();
        while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            if (self.keep)(value) {
                fields.push((key, value));
            }
        }
        let mut fields = fields.into_vec();
        fields.shrink_to_fit();
        Ok(Values { fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_fields_on_access() {
        let raw: &RawValue = serde_json::from_str(
            r#"{"cidr_block":"10.0.0.0/16","enable_dns_support":true,"ids":["a",null,"b"],"metadata_options":[{"http_endpoint":"disabled"}],"n":null}"#,
        )
        .unwrap();
        let v = Values::of(Some(raw));
        assert_eq!(v.str("cidr_block").as_deref(), Some("10.0.0.0/16"));
        assert_eq!(v.bool("enable_dns_support"), Some(true));
        assert_eq!(v.strings("ids").unwrap(), vec!["a", "b"]);
        assert_eq!(v.object("metadata_options").str("http_endpoint").as_deref(), Some("disabled"));
        assert_eq!(v.str("n"), None);
        assert!(v.raw("n").is_some());
        assert_eq!(v.str("missing"), None);
    }

    #[test]
    fn finds_the_first_field_of_a_name() {
        for json in [r#"{"a":1,"b":2,"c":3}"#, r#"{"c":3,"a":1,"b":2}"#, r#"{"b":2,"a":1,"c":3,"a":9}"#] {
            let raw: &RawValue = serde_json::from_str(json).unwrap();
            let v = Values::of(Some(raw));
            assert_eq!(v.i64("a"), Some(1), "{json}: the first of repeated names");
            assert_eq!(v.i64("b"), Some(2), "{json}");
            assert_eq!(v.i64("c"), Some(3), "{json}");
            assert!(v.raw("d").is_none(), "{json}");
            assert!(v.raw("").is_none(), "{json}");
        }
    }

    #[test]
    fn borrows_strings_without_escapes() {
        let raw: &RawValue = serde_json::from_str(r#"{"a":"plain","b\u0041":"x\"y","l":["p","q\n"]}"#).unwrap();
        let v = Values::of(Some(raw));
        assert!(matches!(v.str("a"), Some(Cow::Borrowed("plain"))));
        assert!(matches!(v.str("bA"), Some(Cow::Owned(s)) if s == "x\"y"));
        let l = v.strings("l").unwrap();
        assert!(matches!(&l[0], Cow::Borrowed("p")) && matches!(&l[1], Cow::Owned(s) if s == "q\n"));
        assert!(v.fields.iter().any(|(k, _)| matches!(k, Cow::Borrowed("a"))));
    }

    #[test]
    fn reads_unknown_markers() {
        let raw: &RawValue =
            serde_json::from_str(r#"{"egress":true,"ingress":[{"cidr_blocks":[false]}],"tags":{}}"#).unwrap();
        for u in [Values::of(Some(raw)), Values::markers(Some(raw))] {
            assert!(u.is_true("egress"));
            assert!(!u.is_true("ingress"));
            assert!(!u.any_true("ingress"));
            assert!(!u.is_true("absent"));
            assert!(u.blocks("ingress").iter().all(|b| !b.any_true("cidr_blocks")));
        }
        assert_eq!(Values::markers(Some(raw)).keys().collect::<Vec<_>>(), ["egress"]);
    }
}
