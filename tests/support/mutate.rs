//! Structured mutations of real plans, for `tests/fuzz.rs`: each case is a seed plan with a
//! few changes a fuzzer (or a bad day in CI) makes — a type swapped, a key gone, a huge
//! number, an odd CIDR or port, deep nesting, an odd string, a broken address, a sensitive
//! mark — then written compact or pretty, and sometimes cut, corrupted or re-encoded.

#![allow(dead_code)]

use serde_json::{Value, json};

/// SplitMix64: a small, fast generator whose sequence is fixed forever, so that a seed
/// names a case.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The kinds of mutation, for the statistics.
pub const KINDS: [&str; 10] = [
    "type-swap",
    "key-deletion",
    "huge-number",
    "odd-cidr",
    "odd-port",
    "deep-nesting",
    "odd-string",
    "address",
    "duplicate",
    "sensitive-mark",
];

/// Stands for a number too large for any Rust type: JSON allows it, `Value` cannot hold it.
const HUGE: &str = "__TFREACH_FUZZ_HUGE_NUMBER__";

/// Applies 1 to 3 structured mutations to `doc`; returns the kinds applied.
pub fn mutate(doc: &mut Value, rng: &mut Rng) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let kind = *rng.pick(&KINDS);
        if apply(doc, kind, rng) {
            kinds.push(kind);
        }
    }
    kinds
}

fn apply(doc: &mut Value, kind: &str, rng: &mut Rng) -> bool {
    if kind == "sensitive-mark" {
        return mark_sensitive(doc, rng);
    }
    let pointers = nodes(doc);
    let wanted: Vec<&String> = pointers
        .iter()
        .filter(|p| {
            let v = doc.pointer(p).unwrap_or(&Value::Null);
            let key = p.rsplit('/').next().unwrap_or("");
            match kind {
                "key-deletion" => !p.is_empty() && !key.chars().all(|c| c.is_ascii_digit()),
                "huge-number" => v.is_number(),
                "odd-cidr" => v.as_str().is_some_and(|s| s.contains('/') && s.contains('.')),
                "odd-port" => key.ends_with("port") || key == "protocol",
                "odd-string" => v.is_string(),
                "address" => key == "address",
                "duplicate" => v.is_array() && !v.as_array().unwrap().is_empty(),
                _ => true,
            }
        })
        .collect();
    if wanted.is_empty() {
        return false;
    }
    let pointer = rng.pick(&wanted).to_string();
    if kind == "key-deletion" {
        let (parent, key) = pointer.rsplit_once('/').expect("not the root");
        let key = key.replace("~1", "/").replace("~0", "~");
        if let Some(Value::Object(fields)) = doc.pointer_mut(parent) {
            fields.remove(&key);
        }
        return true;
    }
    let Some(node) = doc.pointer_mut(&pointer) else { return false };
    *node = match kind {
        "type-swap" => swap_type(node, rng),
        "huge-number" => rng
            .pick(&[
                json!(1.7976931348623157e308),
                json!(-1e308),
                json!(u64::MAX),
                json!(i64::MIN),
                json!(4.9e-324),
                json!(HUGE),
            ])
            .clone(),
        "odd-cidr" => json!(rng.pick(&[
            "10.0.0.0/33",
            "::/0",
            "300.1.1.1/8",
            "10.0.0.0",
            "",
            "0.0.0.0/0 ",
            "10.0.0.1/8",
            "10.0.0.0/-1",
            "2001:db8::/129",
            "fe80::1%eth0/64",
            "10.0.0.0/08",
            "1.2.3.4/32/5",
        ])),
        "odd-port" => rng
            .pick(&[
                json!(-1),
                json!(65536),
                json!(70000),
                json!(2147483648u64),
                json!(1.5),
                json!("22"),
                json!(null),
                json!("-1"),
                json!("icmpv6"),
            ])
            .clone(),
        "deep-nesting" => {
            let levels = *rng.pick(&[40, 130, 300, 1200, 5000]);
            let mut v = node.take();
            // Built by hand: `json!` would copy the whole value at every level.
            for i in 0..levels {
                v = if i % 2 == 0 {
                    Value::Array(vec![v])
                } else {
                    Value::Object(std::iter::once(("x".to_string(), v)).collect())
                };
            }
            v
        }
        "odd-string" => json!(rng.pick(&[
            "k\u{FFFE}\u{FFFF}",
            "\u{0}\u{1}\u{1b}[31m",
            "\"'<&>]]>",
            "\u{202E}rtl",
            "é\u{301}漢字🙂",
            "\\u0000",
            "aws_instance.x[\"a\"]",
            " ",
        ]))
        .as_str()
        .map(|s| if rng.chance(10) { json!(s.repeat(20_000)) } else { json!(s) })
        .unwrap_or_default(),
        "address" => json!(rng.pick(&[
            "aws_vpc..x",
            "module.",
            "aws_instance",
            "module.m[\"a\"].aws_vpc.v[\"b\"",
            "data.",
            "aws_vpc.v[1e9]",
            "module.m[99999999999999999999].aws_vpc.v",
            "aws_vpc.\u{FFFE}",
        ])),
        "duplicate" => {
            let items = node.as_array().unwrap();
            let mut items = items.clone();
            items.push(items[rng.below(items.len())].clone());
            Value::Array(items)
        }
        _ => return false,
    };
    true
}

fn swap_type(node: &Value, rng: &mut Rng) -> Value {
    let options = [
        json!(null),
        json!(true),
        json!(0),
        json!(-7.5),
        json!("x"),
        json!([]),
        json!({}),
        json!([null]),
        json!({"": null}),
    ];
    loop {
        let v = rng.pick(&options).clone();
        if std::mem::discriminant(&v) != std::mem::discriminant(node) {
            return v;
        }
    }
}

/// Marks part of a resource (or an output, or a variable) sensitive as Terraform does.
fn mark_sensitive(doc: &mut Value, rng: &mut Rng) -> bool {
    if rng.chance(15) {
        let Some(vars) = doc.get("variables").and_then(Value::as_object).map(|v| v.keys().cloned().collect::<Vec<_>>())
        else {
            return false;
        };
        if vars.is_empty() {
            return false;
        }
        let name = rng.pick(&vars).clone();
        // Through objects only: indexing into anything else panics.
        let mut at = &mut *doc;
        for key in ["configuration", "root_module", "variables", name.as_str()] {
            let Some(fields) = at.as_object_mut() else { return false };
            at = fields.entry(key).or_insert_with(|| json!({}));
        }
        let Some(variable) = at.as_object_mut() else { return false };
        variable.insert("sensitive".into(), json!(true));
        return true;
    }
    let changes = doc.get_mut("resource_changes").and_then(Value::as_array_mut);
    let Some(changes) = changes.filter(|c| !c.is_empty()) else {
        return mark_state(doc, rng);
    };
    let i = rng.below(changes.len());
    let Some(change) = changes[i].get_mut("change").filter(|c| c.is_object()) else { return false };
    let Some(after) = change.get("after").and_then(Value::as_object) else { return false };
    let keys: Vec<String> = after.keys().cloned().collect();
    if keys.is_empty() || rng.chance(10) {
        change["after_sensitive"] = json!(true);
        return true;
    }
    let key = rng.pick(&keys).clone();
    // Half the time the marked value becomes a canary: a string that occurs nowhere else,
    // so that finding it in the output can only be a leak.
    if rng.chance(50) {
        let canary = format!("s3cr3t-{:016x}", rng.next());
        if let Some(v) = change.pointer_mut(&format!("/after/{}", key.replace('~', "~0").replace('/', "~1"))) {
            canaries(v, &canary);
        }
    }
    let after = change["after"].as_object().expect("still an object");
    let mark = match &after[&key] {
        Value::Array(items) if !items.is_empty() => {
            let mut marks = vec![json!(false); items.len()];
            marks[rng.below(items.len())] = json!(true);
            Value::Array(marks)
        }
        _ => json!(true),
    };
    if !change["after_sensitive"].is_object() {
        change["after_sensitive"] = json!({});
    }
    change["after_sensitive"][key.as_str()] = mark;
    true
}

/// Replaces every string under `v` with `canary` and a number.
fn canaries(v: &mut Value, canary: &str) {
    let mut n = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                *s = format!("{canary}-{n}");
                n += 1;
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(fields) => stack.extend(fields.values_mut()),
            _ => {}
        }
    }
}

fn mark_state(doc: &mut Value, rng: &mut Rng) -> bool {
    let Some(resources) = doc.pointer_mut("/values/root_module/resources").and_then(Value::as_array_mut) else {
        return false;
    };
    if resources.is_empty() {
        return false;
    }
    let i = rng.below(resources.len());
    let Some(r) = resources[i].as_object_mut() else { return false };
    let Some(key) = r.get("values").and_then(Value::as_object).and_then(|v| v.keys().next().cloned()) else {
        return false;
    };
    r.insert("sensitive_values".into(), json!({ key: true }));
    true
}

/// JSON pointers of the nodes, in document order: at most 20,000, and none deeper than 40
/// levels (real plans are shallower; a chain that a mutation nested deep is not walked,
/// as its pointers would grow with the square of its depth).
fn nodes(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        if out.len() >= 20_000 || at.matches('/').count() > 40 {
            return;
        }
        match v {
            Value::Object(fields) => {
                for (k, child) in fields {
                    walk(child, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }
    let mut out = Vec::new();
    walk(doc, String::new(), &mut out);
    out
}

/// The bytes of a mutated document: compact or pretty, and sometimes cut, corrupted,
/// misspelled or re-encoded as UTF-16. Returns the bytes and the byte-level kind, if any.
/// A deeply nested document is written compact: pretty, its indentation grows with the
/// square of the depth.
pub fn encode(doc: &Value, deep: bool, rng: &mut Rng) -> (Vec<u8>, Option<&'static str>) {
    let pretty = rng.chance(50) && !deep;
    let text = if pretty { serde_json::to_string_pretty(doc) } else { serde_json::to_string(doc) };
    let text = text.expect("a Value serialises").replace(&format!("\"{HUGE}\""), &format!("1{}", "0".repeat(400)));
    let mut bytes = text.into_bytes();
    let kind = match rng.below(10) {
        0 => {
            bytes.truncate(rng.below(bytes.len().max(1)));
            Some("truncation")
        }
        1 => {
            let at = rng.below(bytes.len().max(1));
            bytes.insert(at, *rng.pick(&[0xFF, 0xC3, 0x80, 0xED]));
            Some("invalid-utf8")
        }
        2 => {
            let little = rng.chance(50);
            let text = String::from_utf8(bytes).expect("serde writes UTF-8");
            let mut out = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
            for unit in text.encode_utf16() {
                out.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
            }
            if rng.chance(30) {
                out.pop();
            }
            bytes = out;
            Some("utf16")
        }
        3 => {
            let at = rng.below(bytes.len().max(1));
            if let Some(b) = bytes.get_mut(at) {
                *b = *rng.pick(b";}\"\\,[");
            }
            Some("typo")
        }
        _ => None,
    };
    (bytes, kind)
}
