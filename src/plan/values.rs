//! Borrowed, lazily-typed views of JSON objects inside the plan.
//!
//! A resource's `after`, `before` and `after_unknown` objects are kept as raw slices of the
//! input and split into their top-level fields only when a modelled resource asks for them;
//! fields are typed on access. Nothing is copied.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use memchr::memmem;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
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

/// One field of an object: its name and its raw value.
type Field<'a> = (Cow<'a, str>, &'a RawValue);

/// Fields gathered on the stack before they are kept in one allocation of the exact size.
type Gathered<'a> = SmallVec<[Field<'a>; 128]>;

/// The fields of one JSON object, each still raw. Objects split together (a resource's
/// planned values and its unknown markers, the blocks of one list) share one allocation:
/// each `Values` is a range of it.
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    all: Option<Arc<[Field<'a>]>>,
    start: u32,
    end: u32,
}

impl<'a> Values<'a> {
    /// Splits a raw JSON object; anything else (null, `true`, arrays) gives no fields.
    pub fn of(raw: Option<&'a RawValue>) -> Values<'a> {
        let mut gathered = Gathered::new();
        let range = split_object(raw, &mut gathered, |_| true);
        Values::shared(&gathered, [range]).next().unwrap_or_default()
    }

    /// A resource's planned values and its unknown markers (as [`Values::of`] and
    /// [`Markers::of`] split them), kept together.
    pub fn with_markers(after: Option<&'a RawValue>, unknown: Option<&'a RawValue>) -> (Values<'a>, Markers<'a>) {
        let mut gathered = Gathered::new();
        let after = split_object(after, &mut gathered, |_| true);
        let unknown = split_markers(unknown, &mut gathered);
        let mut split = Values::shared(&gathered, [after, unknown]);
        (split.next().unwrap_or_default(), Markers(split.next().unwrap_or_default()))
    }

    /// The `Values` of each range of `gathered`, in one allocation unless all are empty.
    fn shared(
        gathered: &[Field<'a>],
        ranges: impl IntoIterator<Item = (u32, u32)>,
    ) -> impl Iterator<Item = Values<'a>> {
        let all: Option<Arc<[Field<'a>]>> = (!gathered.is_empty()).then(|| Arc::from(gathered));
        ranges.into_iter().map(move |(start, end)| match &all {
            Some(all) if start < end => Values { all: Some(Arc::clone(all)), start, end },
            _ => Values::default(),
        })
    }

    fn fields(&self) -> &[Field<'a>] {
        match &self.all {
            Some(all) => &all[self.start as usize..self.end as usize],
            None => &[],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields().iter().map(|(k, _)| k.as_ref())
    }

    pub fn raw(&self, key: &str) -> Option<&'a RawValue> {
        self.fields().iter().find(|(k, _)| same_key(k, key)).map(|(_, v)| *v)
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

    /// Every element of a list of nested blocks, kept together.
    pub fn blocks(&self, key: &str) -> Vec<Values<'a>> {
        self.blocks_keeping(key, |_| true)
    }

    /// [`Values::blocks`], each keeping the fields `keep` accepts.
    fn blocks_keeping(&self, key: &str, keep: fn(&RawValue) -> bool) -> Vec<Values<'a>> {
        let Some(raw) = self.raw(key) else {
            return Vec::new();
        };
        let mut split = Items { gathered: Gathered::new(), ranges: SmallVec::new(), keep };
        let mut de = serde_json::Deserializer::from_str(raw.get());
        if de.deserialize_seq(&mut split).is_err() {
            // Not a list (null): no blocks.
            return Vec::new();
        }
        Values::shared(&split.gathered, split.ranges).collect()
    }
}

/// The fields of an `after_unknown` object that mark something unknown (hold a `true`);
/// the others say nothing, so they are not kept. Every field kept marks something.
#[derive(Debug, Clone, Default)]
pub struct Markers<'a>(Values<'a>);

impl<'a> Markers<'a> {
    /// Splits an `after_unknown` object.
    pub fn of(raw: Option<&'a RawValue>) -> Markers<'a> {
        let mut gathered = Gathered::new();
        let range = split_markers(raw, &mut gathered);
        Markers(Values::shared(&gathered, [range]).next().unwrap_or_default())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys()
    }

    /// Is this whole field unknown (`true`)?
    pub fn is_true(&self, key: &str) -> bool {
        self.0.raw(key).is_some_and(|r| r.get() == "true")
    }

    /// Is anything under this field unknown? Only such fields are kept.
    pub fn any_true(&self, key: &str) -> bool {
        self.0.raw(key).is_some()
    }

    /// The markers of each block of the list `key`, in order.
    pub fn blocks(&self, key: &str) -> Vec<Markers<'a>> {
        self.0.blocks_keeping(key, marks).into_iter().map(Markers).collect()
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
    static TRUE: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("true"));
    // Most markers are a bare `true` or `false`; one searcher serves the rest.
    json == "true" || (json.len() > "true".len() && TRUE.find(json.as_bytes()).is_some())
}

/// Whether a marker marks something unknown: the fields [`Markers`] keeps.
fn marks(marker: &RawValue) -> bool {
    contains_true(marker.get())
}

/// Splits the object `raw` into `gathered`, keeping the fields `keep` accepts: the range of
/// `gathered` they take. Anything but an object, or an object that does not parse, adds none.
fn split_object<'a>(raw: Option<&'a RawValue>, gathered: &mut Gathered<'a>, keep: fn(&RawValue) -> bool) -> (u32, u32) {
    let start = gathered.len();
    if let Some(raw) = raw.filter(|r| r.get().starts_with('{')) {
        let mut de = serde_json::Deserializer::from_str(raw.get());
        if de.deserialize_map(FieldsVisitor { gathered: &mut *gathered, keep }).is_err() {
            gathered.truncate(start);
        }
    }
    let index = |n: usize| u32::try_from(n).expect("fewer than 2^32 fields");
    (index(start), index(gathered.len()))
}

/// [`split_object`] for `after_unknown` markers.
fn split_markers<'a>(raw: Option<&'a RawValue>, gathered: &mut Gathered<'a>) -> (u32, u32) {
    // Nothing unknown: nothing to keep, and no need to split.
    let raw = raw.filter(|r| marks(r));
    split_object(raw, gathered, marks)
}

/// Splits each object of a list into the fields `keep` accepts, without collecting the list.
struct Items<'a> {
    gathered: Gathered<'a>,
    /// Each item's range of `gathered`.
    ranges: SmallVec<[(u32, u32); 8]>,
    keep: fn(&RawValue) -> bool,
}

impl<'de> Visitor<'de> for &mut Items<'de> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            let range = split_object(Some(item), &mut self.gathered, self.keep);
            self.ranges.push(range);
        }
        Ok(())
    }
}

/// Splits an object into the fields `keep` accepts.
struct FieldsVisitor<'g, 'a> {
    gathered: &'g mut Gathered<'a>,
    keep: fn(&RawValue) -> bool,
}

impl<'de> Visitor<'de> for FieldsVisitor<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            if (self.keep)(value) {
                self.gathered.push((key, value));
            }
        }
        Ok(())
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
        assert!(v.fields().iter().any(|(k, _)| matches!(k, Cow::Borrowed("a"))));
    }

    #[test]
    fn planned_values_and_markers_split_together_answer_as_split_apart() {
        let after: &RawValue = serde_json::from_str(r#"{"cidr_block":"10.0.0.0/16","id":null,"tags":{}}"#).unwrap();
        let unknown: &RawValue = serde_json::from_str(r#"{"id":true,"ingress":[{"x":[true]}],"tags":{}}"#).unwrap();
        let (a, u) = Values::with_markers(Some(after), Some(unknown));
        let keys = |v: &Values| v.keys().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(keys(&a), keys(&Values::of(Some(after))));
        let marked = |m: &Markers| m.keys().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(marked(&u), ["id", "ingress"]);
        assert_eq!(marked(&u), marked(&Markers::of(Some(unknown))));
        assert!(Arc::ptr_eq(a.all.as_ref().unwrap(), u.0.all.as_ref().unwrap()), "one allocation");
        assert_eq!(a.str("cidr_block").as_deref(), Some("10.0.0.0/16"));
        assert!(u.is_true("id") && a.raw("id").is_some_and(|r| r.get() == "null"));
        // Nothing unknown: the markers are empty, the planned values whole.
        let (a, u) = Values::with_markers(Some(after), None);
        assert_eq!((keys(&a).len(), u.is_empty()), (3, true));
        let (a, u) = Values::with_markers(None, Some(unknown));
        assert_eq!((a.is_empty(), marked(&u)), (true, vec!["id".to_string(), "ingress".to_string()]));
    }

    #[test]
    fn blocks_of_one_list_are_split_in_order() {
        let raw: &RawValue = serde_json::from_str(r#"{"b":[{"p":1},null,{},{"p":3,"q":4}],"n":null}"#).unwrap();
        let v = Values::of(Some(raw));
        let blocks = v.blocks("b");
        let found: Vec<(Option<i64>, Option<i64>)> = blocks.iter().map(|b| (b.i64("p"), b.i64("q"))).collect();
        assert_eq!(found, [(Some(1), None), (None, None), (None, None), (Some(3), Some(4))]);
        assert!(blocks[1].is_empty() && blocks[2].is_empty());
        assert!(v.blocks("n").is_empty() && v.blocks("missing").is_empty());
    }

    #[test]
    fn reads_unknown_markers() {
        let raw: &RawValue = serde_json::from_str(
            r#"{"egress":true,"ingress":[{"cidr_blocks":[false],"self":false},{"cidr_blocks":[false,true]}],"tags":{},"t":{"a":true}}"#,
        )
        .unwrap();
        let u = Markers::of(Some(raw));
        assert_eq!(u.keys().collect::<Vec<_>>(), ["egress", "ingress", "t"]);
        assert!(u.is_true("egress") && u.any_true("egress"));
        assert!(!u.is_true("ingress") && u.any_true("ingress"));
        assert!(!u.is_true("t") && u.any_true("t"));
        assert!(!u.is_true("tags") && !u.any_true("tags"));
        assert!(!u.is_true("absent") && !u.any_true("absent"));
        let blocks = u.blocks("ingress");
        assert_eq!(blocks.len(), 2, "one per block, in order");
        assert!(blocks[0].is_empty() && !blocks[0].any_true("cidr_blocks") && !blocks[0].any_true("self"));
        assert!(blocks[1].any_true("cidr_blocks") && !blocks[1].is_true("cidr_blocks"));
        // Nothing unknown at all: no fields.
        let none: &RawValue = serde_json::from_str(r#"{"a":false,"b":[{"c":false}]}"#).unwrap();
        assert!(Markers::of(Some(none)).is_empty() && Markers::of(None).is_empty());
    }

    #[test]
    fn finds_a_true_at_any_depth() {
        for json in ["true", "[true]", "[false,true]", r#"{"a":{"b":[true]}}"#] {
            assert!(contains_true(json), "{json}");
        }
        for json in ["false", "[]", "{}", "[false]", r#"{"a":false}"#, "tru", ""] {
            assert!(!contains_true(json), "{json}");
        }
    }
}
