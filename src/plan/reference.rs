//! References in `configuration` expressions (`aws_subnet.a[0].id`, `module.vpc.x`,
//! `var.ids`), read with the address grammar of [`super::address`].

use super::address::{Key, Mode, Segment, tokenize};

/// What a reference in `configuration` points at, relative to the module it appears in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    /// `aws_subnet.a`, `aws_subnet.a[0].id`, `data.aws_vpc.x.id`
    Resource { mode: Mode, type_: String, name: String, key: Option<Key>, attr: Vec<String> },
    /// `var.subnet_ids` (with any trailing path); `index` is a literal index into the value
    /// (`var.subnet_ids[0]`).
    Var { name: String, path: Vec<String>, index: Option<Key> },
    /// `local.x`, `local.x[0]`
    Local { name: String, path: Vec<String>, index: Option<Key> },
    /// `module.vpc`, `module.vpc.private_subnets`, `module.app["x"].id`,
    /// `module.vpc.private_subnets[1]` (`index` into the output's value)
    Module { name: String, key: Option<Key>, output: Option<String>, index: Option<Key> },
    /// `count.index`
    CountIndex,
    /// `each.key` / `each.value...`
    Each { value: bool, path: Vec<String> },
    /// `self`, `path.*`, `terraform.*` and anything else that names no resource.
    Other,
}

impl Reference {
    pub fn parse(s: &str) -> Option<Reference> {
        let segs = tokenize(s)?;
        let names_after = |segs: &[Segment<'_>]| -> Vec<String> {
            segs.iter()
                .filter_map(|s| match s {
                    Segment::Name(n) => Some((*n).to_string()),
                    _ => None,
                })
                .collect()
        };
        let first_index = |segs: &[Segment<'_>]| -> Option<Key> {
            segs.iter().find_map(|s| match s {
                Segment::Index(k) => Some(k.to_key()),
                _ => None,
            })
        };
        Some(match segs.as_slice() {
            [Segment::Name("var"), Segment::Name(n), rest @ ..] => {
                Reference::Var { name: (*n).into(), path: names_after(rest), index: first_index(rest) }
            }
            [Segment::Name("local"), Segment::Name(n), rest @ ..] => {
                Reference::Local { name: (*n).into(), path: names_after(rest), index: first_index(rest) }
            }
            [Segment::Name("count"), ..] => Reference::CountIndex,
            [Segment::Name("each"), Segment::Name(which), rest @ ..] => {
                Reference::Each { value: *which == "value", path: names_after(rest) }
            }
            [Segment::Name("module"), Segment::Name(n), rest @ ..] => {
                let (key, rest) = match rest {
                    [Segment::Index(k), r @ ..] => (Some(k.to_key()), r),
                    r => (None, r),
                };
                let (output, index) = match rest {
                    [Segment::Name(o), tail @ ..] => (Some((*o).to_string()), first_index(tail)),
                    _ => (None, None),
                };
                Reference::Module { name: (*n).into(), key, output, index }
            }
            [Segment::Name("self" | "path" | "terraform"), ..] => Reference::Other,
            [Segment::Name("data"), Segment::Name(t), Segment::Name(n), rest @ ..] => {
                resource_ref(Mode::Data, t, n, rest)
            }
            [Segment::Name(t), Segment::Name(n), rest @ ..] if t.contains('_') => {
                resource_ref(Mode::Managed, t, n, rest)
            }
            _ => Reference::Other,
        })
    }
}

fn resource_ref(mode: Mode, type_: &str, name: &str, rest: &[Segment<'_>]) -> Reference {
    let (key, rest) = match rest {
        [Segment::Index(k), r @ ..] => (Some(k.to_key()), r),
        r => (None, r),
    };
    let attr = rest
        .iter()
        .map_while(|s| match s {
            Segment::Name(n) => Some((*n).to_string()),
            _ => None,
        })
        .collect();
    Reference::Resource { mode, type_: type_.into(), name: name.into(), key, attr }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_references() {
        assert_eq!(
            Reference::parse("aws_subnet.private[0].id"),
            Some(Reference::Resource {
                mode: Mode::Managed,
                type_: "aws_subnet".into(),
                name: "private".into(),
                key: Some(Key::Int(0)),
                attr: vec!["id".into()]
            })
        );
        assert_eq!(
            Reference::parse("module.vpc.private_subnets"),
            Some(Reference::Module {
                name: "vpc".into(),
                key: None,
                output: Some("private_subnets".into()),
                index: None
            })
        );
        assert_eq!(
            Reference::parse("module.vpc.private_subnets[1]"),
            Some(Reference::Module {
                name: "vpc".into(),
                key: None,
                output: Some("private_subnets".into()),
                index: Some(Key::Int(1))
            })
        );
        assert_eq!(
            Reference::parse(r#"local.subnet_names["public"]"#),
            Some(Reference::Local {
                name: "subnet_names".into(),
                path: vec![],
                index: Some(Key::Str("public".into()))
            })
        );
        assert_eq!(
            Reference::parse("var.subnet_ids[0]"),
            Some(Reference::Var { name: "subnet_ids".into(), path: vec![], index: Some(Key::Int(0)) })
        );
        assert_eq!(
            Reference::parse("each.value.vpc_attributes.id"),
            Some(Reference::Each { value: true, path: vec!["vpc_attributes".into(), "id".into()] })
        );
        assert_eq!(Reference::parse("count.index"), Some(Reference::CountIndex));
        assert_eq!(Reference::parse("path.module"), Some(Reference::Other));
    }
}
