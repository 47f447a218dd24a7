//! Terraform resource addresses, and the grammar they share with expression references
//! (read in `reference.rs`): names separated by `.`, with `[0]` or `["key"]` instance keys,
//! e.g. `module.app["web"].aws_instance.this[0]` or `module.vpc.private_subnets`.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// A `count` or `for_each` instance key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Str(String),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(i) => write!(f, "[{i}]"),
            Key::Str(s) => {
                f.write_str("[\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"]")
            }
        }
    }
}

/// One step of an address or reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Name(&'a str),
    Index(Index<'a>),
    /// An index that is not a literal, e.g. `[count.index]` in HCL source.
    Dynamic,
}

/// A literal instance key as an address writes it: a string key without escapes is borrowed
/// from the text, so that reading an address copies only the keys it keeps (a module
/// instance already parsed keeps none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Index<'a> {
    Int(i64),
    Str(Cow<'a, str>),
}

impl Index<'_> {
    pub fn to_key(&self) -> Key {
        match self {
            Index::Int(n) => Key::Int(*n),
            Index::Str(s) => Key::Str(s.to_string()),
        }
    }
}

/// The segments of one address or reference; the usual `module.a[k].module.b.type.name[k].attr`
/// fits without allocating.
pub type Segments<'s> = SmallVec<[Segment<'s>; 10]>;

/// Splits `module.a["x"].aws_vpc.this[0].id` into names and keys; `None` when malformed.
pub fn tokenize(s: &str) -> Option<Segments<'_>> {
    let bytes = s.as_bytes();
    let mut out = Segments::new();
    let mut i = 0;
    let mut expect_name = true;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                if expect_name {
                    return None;
                }
                expect_name = true;
                i += 1;
            }
            b'[' => {
                if expect_name && !out.is_empty() {
                    return None;
                }
                let (seg, next) = parse_index(s, i + 1)?;
                out.push(seg);
                i = next;
                expect_name = false;
            }
            _ => {
                if !expect_name {
                    return None;
                }
                let start = i;
                while i < bytes.len() && bytes[i] != b'.' && bytes[i] != b'[' {
                    i += 1;
                }
                out.push(Segment::Name(&s[start..i]));
                expect_name = false;
            }
        }
    }
    if expect_name && !out.is_empty() {
        return None;
    }
    Some(out)
}

fn parse_index(s: &str, mut i: usize) -> Option<(Segment<'_>, usize)> {
    let bytes = s.as_bytes();
    if i < bytes.len() && bytes[i] == b'"' {
        i += 1;
        let (key, close) = match s[i..].find(['"', '\\']) {
            // Most keys have no escapes: copied in one piece.
            Some(len) if bytes[i + len] == b'"' => (Cow::Borrowed(&s[i..i + len]), i + len),
            _ => unescape_key(s, i).map(|(key, close)| (Cow::Owned(key), close))?,
        };
        if bytes.get(close + 1) != Some(&b']') {
            return None;
        }
        Some((Segment::Index(Index::Str(key)), close + 2))
    } else {
        let end = i + s[i..].find(']')?;
        let inner = s[i..end].trim();
        let seg = match inner.parse::<i64>() {
            Ok(n) => Segment::Index(Index::Int(n)),
            Err(_) if !inner.is_empty() => Segment::Dynamic,
            Err(_) => return None,
        };
        Some((seg, end + 1))
    }
}

/// The string key starting at byte `i` of `s`, unescaped, and the position of its closing
/// quote.
fn unescape_key(s: &str, i: usize) -> Option<(String, usize)> {
    let mut key = String::new();
    let mut chars = s[i..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '"' => return Some((key, i + off)),
            '\\' => match chars.next()?.1 {
                'n' => key.push('\n'),
                't' => key.push('\t'),
                'r' => key.push('\r'),
                other => key.push(other),
            },
            c => key.push(c),
        }
    }
    None
}

/// `managed` resources and `data` sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

/// A module instance such as `module.app["web"].module.sg`; the root module is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleInstance {
    pub steps: Vec<ModuleStep>,
}

/// One `module.NAME[KEY]` step of a module instance's address. Instances of one call share
/// its name.
pub type ModuleStep = (Arc<str>, Option<Key>);

impl ModuleInstance {
    pub fn root() -> Self {
        ModuleInstance::default()
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// The module's path in the configuration: call names without instance keys.
    pub fn config_path(&self) -> Vec<&str> {
        self.steps.iter().map(|(n, _)| n.as_ref()).collect()
    }

    pub fn child(&self, name: &str, key: Option<Key>) -> ModuleInstance {
        let mut steps = self.steps.clone();
        steps.push((Arc::from(name), key));
        ModuleInstance { steps }
    }

    /// The last call's instance key (`each.key` / `count.index` of this module instance).
    pub fn last_key(&self) -> Option<&Key> {
        self.steps.last().and_then(|(_, k)| k.as_ref())
    }

    /// Parses `module.a["x"].module.b` (or "" for the root).
    pub fn parse(s: &str) -> Option<ModuleInstance> {
        let segs = tokenize(s)?;
        let (module, rest) = take_module_prefix(&segs, &mut Names::default());
        rest.is_empty().then_some(module)
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, key)) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}")?;
            if let Some(k) = key {
                write!(f, "{k}")?;
            }
        }
        Ok(())
    }
}

/// How many leading segments are `module.NAME[KEY]` steps.
fn module_prefix_len(segs: &[Segment<'_>]) -> usize {
    let mut n = 0;
    while let [Segment::Name("module"), Segment::Name(_), tail @ ..] = &segs[n..] {
        n += 2 + usize::from(matches!(tail.first(), Some(Segment::Index(_))));
    }
    n
}

/// Consumes leading `module.NAME[KEY]` steps, taking call names from `names`.
fn take_module_prefix<'s, 'a>(segs: &'s [Segment<'a>], names: &mut Names) -> (ModuleInstance, &'s [Segment<'a>]) {
    let mut module = ModuleInstance::root();
    let mut rest = segs;
    while let [Segment::Name("module"), Segment::Name(name), tail @ ..] = rest {
        let (key, tail) = match tail {
            [Segment::Index(k), t @ ..] => (Some(k.to_key()), t),
            t => (None, t),
        };
        module.steps.push((names.get(name), key));
        rest = tail;
    }
    (module, rest)
}

/// Module call names, each kept once.
#[derive(Default)]
struct Names(rustc_hash::FxHashSet<Arc<str>>);

impl Names {
    fn get(&mut self, name: &str) -> Arc<str> {
        match self.0.get(name) {
            Some(kept) => Arc::clone(kept),
            None => {
                let kept: Arc<str> = Arc::from(name);
                self.0.insert(Arc::clone(&kept));
                kept
            }
        }
    }
}

/// A parsed resource instance address. Its module instance is shared among the resources
/// of that module (see [`ModuleCache`]); type and name borrow from the address text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddress<'a> {
    pub module: Arc<ModuleInstance>,
    pub mode: Mode,
    pub type_: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub key: Option<Key>,
}

/// Module instances already parsed, by the text of their address prefix
/// (`module.app["web"].module.sg`), so that resources of one module share one; and the
/// call names their steps share.
#[derive(Default)]
pub struct ModuleCache {
    instances: FxHashMap<Box<str>, Arc<ModuleInstance>>,
    names: Names,
}

/// One thread's view of a [`ModuleCache`] shared among threads.
pub struct SharedModules<'c> {
    shared: &'c Mutex<ModuleCache>,
    last: Option<(String, Arc<ModuleInstance>)>,
}

impl<'c> SharedModules<'c> {
    pub fn new(shared: &'c Mutex<ModuleCache>) -> Self {
        SharedModules { shared, last: None }
    }
}

impl<'a> ResourceAddress<'a> {
    pub fn parse(s: &'a str) -> Option<ResourceAddress<'a>> {
        Self::parse_in(s, |_, prefix| Arc::new(take_module_prefix(prefix, &mut Names::default()).0))
    }

    /// The same with a cache shared among threads, through `local`, which remembers the last
    /// module it returned (resources of one module are mostly adjacent); the shared lock is
    /// held to look up, and to add a module instance not seen before.
    pub fn parse_shared(s: &'a str, local: &mut SharedModules<'_>) -> Option<ResourceAddress<'a>> {
        Self::parse_in(s, |text, prefix| {
            if let Some((last, m)) = &local.last
                && **last == *text
            {
                return Arc::clone(m);
            }
            let mut cache = local.shared.lock().unwrap_or_else(|e| e.into_inner());
            let m = match cache.instances.get(text) {
                Some(m) => Arc::clone(m),
                None => {
                    let m = Arc::new(take_module_prefix(prefix, &mut cache.names).0);
                    cache.instances.insert(text.into(), Arc::clone(&m));
                    m
                }
            };
            drop(cache);
            // The text's buffer is reused: a run of resources moves through many modules.
            match &mut local.last {
                Some((last, last_module)) => {
                    last.clear();
                    last.push_str(text);
                    *last_module = Arc::clone(&m);
                }
                None => local.last = Some((text.to_string(), Arc::clone(&m))),
            }
            m
        })
    }

    /// Parses `s`, asking `module` for the module instance named by the text and segments
    /// of its `module.…` prefix (the empty text and no segments for the root).
    fn parse_in(
        s: &'a str,
        module: impl FnOnce(&str, &[Segment<'a>]) -> Arc<ModuleInstance>,
    ) -> Option<ResourceAddress<'a>> {
        let segs = tokenize(s)?;
        let prefix_steps = module_prefix_len(&segs);
        let (prefix, rest) = segs.split_at(prefix_steps);
        let module = match rest.first() {
            _ if prefix.is_empty() => module("", prefix),
            // The text before the first segment after the prefix, without its `.`.
            Some(Segment::Name(first)) => {
                let end = (first.as_ptr() as usize - s.as_ptr() as usize).saturating_sub(1);
                module(&s[..end], prefix)
            }
            _ => return None,
        };
        let (mode, rest) = match rest {
            [Segment::Name("data"), tail @ ..] => (Mode::Data, tail),
            other => (Mode::Managed, other),
        };
        let (type_, name, key) = match rest {
            [Segment::Name(t), Segment::Name(n)] => (*t, *n, None),
            [Segment::Name(t), Segment::Name(n), Segment::Index(k)] => (*t, *n, Some(k.to_key())),
            _ => return None,
        };
        Some(ResourceAddress { module, mode, type_: Cow::Borrowed(type_), name: Cow::Borrowed(name), key })
    }

    /// The same address, owning its text.
    pub fn into_owned(self) -> ResourceAddress<'static> {
        ResourceAddress {
            module: self.module,
            mode: self.mode,
            type_: Cow::Owned(self.type_.into_owned()),
            name: Cow::Owned(self.name.into_owned()),
            key: self.key,
        }
    }

    /// `aws_vpc.this` / `data.aws_subnet.x`: the address inside its module, without key.
    pub fn config_address(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.type_, self.name),
            Mode::Data => format!("data.{}.{}", self.type_, self.name),
        }
    }
}

impl fmt::Display for ResourceAddress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_, self.name)?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_module_resource_addresses_with_keys() {
        let a =
            ResourceAddress::parse(r#"module.app["web"].module.sg.aws_security_group.this_name_prefix[0]"#).unwrap();
        assert_eq!(a.module.to_string(), r#"module.app["web"].module.sg"#);
        assert_eq!(a.module.config_path(), vec!["app", "sg"]);
        assert_eq!(a.type_, "aws_security_group");
        assert_eq!(a.name, "this_name_prefix");
        assert_eq!(a.key, Some(Key::Int(0)));
        assert_eq!(a.to_string(), r#"module.app["web"].module.sg.aws_security_group.this_name_prefix[0]"#);
    }

    #[test]
    fn parses_data_sources_and_escaped_keys() {
        let a = ResourceAddress::parse(r#"data.aws_iam_policy.core["a\"b"]"#).unwrap();
        assert_eq!(a.mode, Mode::Data);
        assert_eq!(a.key, Some(Key::Str("a\"b".into())));
        assert_eq!(a.to_string(), r#"data.aws_iam_policy.core["a\"b"]"#);
        let m = ResourceAddress::parse(r#"module.m["x\"y"].module.n["plain"].aws_vpc.v"#).unwrap();
        assert_eq!(m.module.steps[0].1, Some(Key::Str("x\"y".into())));
        assert_eq!(m.module.steps[1].1, Some(Key::Str("plain".into())));
        assert_eq!(m.to_string(), r#"module.m["x\"y"].module.n["plain"].aws_vpc.v"#);
    }

    #[test]
    fn rejects_malformed_addresses() {
        assert!(ResourceAddress::parse("aws_vpc").is_none());
        assert!(ResourceAddress::parse("aws_vpc..x").is_none());
        assert!(ResourceAddress::parse(r#"aws_vpc.x["open"#).is_none());
        assert!(ResourceAddress::parse(r#"aws_vpc.x["k"x]"#).is_none());
        assert!(ResourceAddress::parse(r#"aws_vpc.x["k"#).is_none());
        assert!(ResourceAddress::parse(r#"aws_vpc.x["a"b"x]"#).is_none());
        assert!(ResourceAddress::parse(r#"aws_vpc.x["a"#).is_none());
        assert!(ResourceAddress::parse("aws_vpc.x.y.z").is_none());
        assert!(ResourceAddress::parse("module.a").is_none());
        assert!(ResourceAddress::parse(r#"module.a["k"]"#).is_none());
    }

    #[test]
    fn resources_of_one_module_share_its_instance() {
        let cache = Mutex::new(ModuleCache::default());
        let (mut one, mut other) = (SharedModules::new(&cache), SharedModules::new(&cache));
        let a = ResourceAddress::parse_shared(r#"module.a["k"].module.b.aws_vpc.x"#, &mut one).unwrap();
        let b = ResourceAddress::parse_shared(r#"module.a["k"].module.b.data.aws_subnet.y[1]"#, &mut other).unwrap();
        let c = ResourceAddress::parse_shared(r#"module.a["j"].module.b.aws_vpc.x"#, &mut one).unwrap();
        assert!(Arc::ptr_eq(&a.module, &b.module));
        assert!(!Arc::ptr_eq(&a.module, &c.module));
        assert_eq!(b.module.to_string(), r#"module.a["k"].module.b"#);
        assert_eq!(
            (b.mode, b.type_.as_ref(), b.name.as_ref(), b.key),
            (Mode::Data, "aws_subnet", "y", Some(Key::Int(1)))
        );
        assert_eq!(cache.lock().unwrap().instances.len(), 2);
        // Instances of one call share its name.
        let names = |m: &ModuleInstance| m.steps.iter().map(|(n, _)| Arc::clone(n)).collect::<Vec<_>>();
        assert!(names(&a.module).iter().zip(names(&c.module)).all(|(x, y)| Arc::ptr_eq(x, &y)));
        assert_eq!(c.module.to_string(), r#"module.a["j"].module.b"#);
    }
}
