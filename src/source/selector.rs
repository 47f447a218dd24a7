//! Attributes that pick one instance of another resource by this instance's own key:
//! `subnet_id = aws_subnet.private[count.index].id`.
//!
//! The plan JSON reduces such an expression to `aws_subnet.private` and `count.index`, losing
//! the pairing; the source keeps it, so the resolver can narrow the candidates to the one
//! instance with the same key instead of reporting every subnet as possible.

use hcl_edit::expr::{Expression, TraversalOperator};

use super::references::{Step, static_steps};

/// Which of this instance's own values indexes the other resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Selector {
    /// `count.index`: the instance's integer key.
    CountIndex,
    /// `each.key`: the instance's string key.
    EachKey,
    /// `each.value`: the value of this instance's `for_each` element (the key itself when
    /// `for_each` is a set of strings).
    EachValue,
}

/// How the selector is applied to the other resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectorForm {
    /// `aws_subnet.private[count.index].id`: the instance whose key equals the selector.
    Key,
    /// `aws_subnet.private.*.id[count.index]`: the selector-th element of the splat list. A
    /// splat lists a `count` resource's instances in index order, so this is again the
    /// instance whose key equals the selector.
    Position,
    /// `element(aws_subnet.private.*.id, count.index)`: like [`Position`](Self::Position),
    /// but `element` wraps around, so the key is the selector modulo the instance count.
    Element,
}

/// An attribute whose expression selects one instance of a resource by this instance's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSelector {
    /// The selected resource's address in its module: `aws_subnet.private`,
    /// `data.aws_subnet.selected`.
    pub resource: String,
    /// The value that selects.
    pub selector: Selector,
    /// How it selects.
    pub form: SelectorForm,
    /// The attribute path read from the selected instance: `["id"]`.
    pub attribute: Vec<String>,
}

/// Recognises `expr` as a selection, also inside one pair of list brackets
/// (`vpc_security_group_ids = [aws_security_group.app[count.index].id]`) or parentheses.
pub fn index_selector(expr: &Expression) -> Option<IndexSelector> {
    match expr {
        Expression::Parenthesis(inner) => index_selector(inner.inner()),
        Expression::Array(items) if items.len() == 1 => index_selector(items.get(0)?),
        Expression::FuncCall(call) if call.name.namespace.is_empty() && call.name.name.as_str() == "element" => {
            if call.args.len() != 2 || call.args.expand_final() {
                return None;
            }
            let (list, index) = (call.args.get(0)?, call.args.get(1)?);
            let (resource, steps, rest) = resource_traversal(list)?;
            if !steps.is_empty()
                || !matches!(rest.split_first()?.0, TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_))
            {
                return None;
            }
            let attribute = attr_names(&rest[1..])?;
            Some(IndexSelector { resource, selector: selector(index)?, form: SelectorForm::Element, attribute })
        }
        _ => {
            let (resource, steps, rest) = resource_traversal(expr)?;
            if !steps.is_empty() {
                return None;
            }
            match rest.split_first()? {
                (TraversalOperator::Index(index), tail) => Some(IndexSelector {
                    resource,
                    selector: selector(index)?,
                    form: SelectorForm::Key,
                    attribute: attr_names(tail)?,
                }),
                // Only the attribute-only splat ends before an index: after `[*]` an index
                // would apply to every element instead of the list.
                (TraversalOperator::AttrSplat(_), tail) => {
                    let (last, attrs) = tail.split_last()?;
                    let TraversalOperator::Index(index) = last else { return None };
                    Some(IndexSelector {
                        resource,
                        selector: selector(index)?,
                        form: SelectorForm::Position,
                        attribute: attr_names(attrs)?,
                    })
                }
                _ => None,
            }
        }
    }
}

/// A traversal rooted at a resource or data source: its address, any static steps after the
/// name, and the operators from the first computed index or splat on.
fn resource_traversal(expr: &Expression) -> Option<(String, Vec<Step>, Vec<&TraversalOperator>)> {
    let Expression::Traversal(traversal) = expr else { return None };
    let Expression::Variable(root) = &traversal.expr else { return None };
    let (steps, rest) = static_steps(&traversal.operators);
    let rest: Vec<&TraversalOperator> = rest.iter().map(|op| op.value()).collect();
    let names: Vec<&str> =
        steps.iter().map_while(|s| if let Step::Attr(name) = s { Some(name.as_str()) } else { None }).collect();
    let (resource, used) = match (root.as_str(), names.as_slice()) {
        ("data", [type_, name, ..]) => (format!("data.{type_}.{name}"), 2),
        // In a module call's arguments: `module.sg[each.key].security_group_id`.
        ("module", [name, ..]) => (format!("module.{name}"), 1),
        (type_, [name, ..]) if type_.contains('_') => (format!("{type_}.{name}"), 1),
        _ => return None,
    };
    Some((resource, steps[used..].to_vec(), rest))
}

/// The names of a run of `.name` operators; `None` if anything else is among them.
fn attr_names(ops: &[&TraversalOperator]) -> Option<Vec<String>> {
    ops.iter()
        .map(|op| match op {
            TraversalOperator::GetAttr(name) => Some(name.as_str().to_string()),
            _ => None,
        })
        .collect()
}

/// `count.index`, `each.key` or `each.value`, exactly.
fn selector(expr: &Expression) -> Option<Selector> {
    let Expression::Traversal(traversal) = expr else { return None };
    let Expression::Variable(root) = &traversal.expr else { return None };
    let [op] = traversal.operators.as_slice() else { return None };
    let TraversalOperator::GetAttr(attr) = op.value() else { return None };
    match (root.as_str(), attr.as_str()) {
        ("count", "index") => Some(Selector::CountIndex),
        ("each", "key") => Some(Selector::EachKey),
        ("each", "value") => Some(Selector::EachValue),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(src: &str) -> Option<IndexSelector> {
        index_selector(&hcl_edit::parser::parse_expr(src).unwrap_or_else(|e| panic!("{src}: {e}")))
    }

    fn sel(resource: &str, selector: Selector, form: SelectorForm, attribute: &[&str]) -> Option<IndexSelector> {
        Some(IndexSelector {
            resource: resource.to_string(),
            selector,
            form,
            attribute: attribute.iter().map(|a| a.to_string()).collect(),
        })
    }

    #[test]
    fn indexes_by_the_instance_key() {
        use {Selector::*, SelectorForm::*};
        assert_eq!(select("aws_subnet.private[count.index].id"), sel("aws_subnet.private", CountIndex, Key, &["id"]));
        assert_eq!(select("aws_subnet.public[each.key].id"), sel("aws_subnet.public", EachKey, Key, &["id"]));
        assert_eq!(
            select("data.aws_subnet.selected[each.value].id"),
            sel("data.aws_subnet.selected", EachValue, Key, &["id"])
        );
        assert_eq!(
            select("[aws_security_group.app[count.index].id]"),
            sel("aws_security_group.app", CountIndex, Key, &["id"])
        );
        assert_eq!(select("aws_subnet.private[count.index]"), sel("aws_subnet.private", CountIndex, Key, &[]));
    }

    #[test]
    fn positional_and_wrapping_forms() {
        use {Selector::*, SelectorForm::*};
        assert_eq!(
            select("aws_subnet.private.*.id[count.index]"),
            sel("aws_subnet.private", CountIndex, Position, &["id"])
        );
        assert_eq!(
            select("element(aws_subnet.private.*.id, count.index)"),
            sel("aws_subnet.private", CountIndex, Element, &["id"])
        );
        assert_eq!(
            select("element(aws_subnet.private[*].id, count.index)"),
            sel("aws_subnet.private", CountIndex, Element, &["id"])
        );
        // In a module call's arguments: the module instance with the caller's key, and the
        // output read from it.
        assert_eq!(select("module.vpc[count.index].id"), sel("module.vpc", CountIndex, Key, &["id"]));
        assert_eq!(
            select("[module.app_sg[each.key].security_group_id]"),
            sel("module.app_sg", EachKey, Key, &["security_group_id"])
        );
    }

    #[test]
    fn anything_else_is_not_a_selection() {
        for src in [
            "aws_subnet.private[0].id",
            "aws_subnet.private[count.index + 1].id",
            "aws_subnet.private[each.value.az].id",
            "aws_subnet.private[count.index][0]",
            "aws_subnet.private[*].id[count.index]",
            "element(var.subnet_ids, count.index)",
            "element(aws_subnet.private.*.id, 0)",
            "element(aws_subnet.private.*.id, count.index, 1)",
            "var.ids[count.index]",
            "[aws_subnet.a[count.index].id, aws_subnet.b[count.index].id]",
            "local.x",
        ] {
            assert_eq!(select(src), None, "{src}");
        }
    }
}
