//! The references an HCL expression makes, written the way Terraform writes the `references`
//! of an expression in plan JSON.
//!
//! Terraform (`internal/command/jsonconfig/expression.go`) lists, for every traversal rooted
//! at a known name, the traversal itself and each shorter prefix down to the referenced
//! object (`aws_subnet.a[0].id`, `aws_subnet.a[0]`), then the object without its instance key
//! (`aws_subnet.a`), or for a module output the module call (`module.vpc`). HCL's traversal
//! analysis only follows attribute names and literal keys: it stops at a computed index or a
//! splat, whose expression is analysed on its own (`aws_subnet.a[count.index].id` gives
//! `aws_subnet.a` and `count.index`).

use hcl_edit::Decorated;
use hcl_edit::expr::{Expression, ForExpr, Traversal, TraversalOperator};
use hcl_edit::template::ForTemplateExpr;
use hcl_edit::visit::{self, Visit};

use crate::plan::Key;

/// The references `expr` makes, in source order, one entry per occurrence: Terraform does
/// not deduplicate (`lookup(each.value, "a", each.value)` lists `each.value` twice).
pub fn references(expr: &Expression) -> Vec<String> {
    let mut collector = Collector::default();
    collector.visit_expr(expr);
    collector.out
}

/// One static step of a traversal: `.name` or a literal `[key]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Attr(String),
    Key(Key),
}

/// The literal key of an index operator (`[0]`, `["ssm"]`, legacy `.0`); `None` when the
/// index is computed.
pub(crate) fn literal_key(op: &TraversalOperator) -> Option<Key> {
    match op {
        TraversalOperator::LegacyIndex(i) => i64::try_from(*i.value()).ok().map(Key::Int),
        TraversalOperator::Index(Expression::Number(n)) => n.as_i64().map(Key::Int),
        TraversalOperator::Index(Expression::String(s)) => Some(Key::Str(s.value().clone())),
        _ => None,
    }
}

/// The leading attribute names and literal keys of a traversal, and the operators after them.
pub(crate) fn static_steps(operators: &[Decorated<TraversalOperator>]) -> (Vec<Step>, &[Decorated<TraversalOperator>]) {
    let mut steps = Vec::new();
    let mut rest = operators;
    while let Some((op, tail)) = rest.split_first() {
        let step = match op.value() {
            TraversalOperator::GetAttr(name) => Step::Attr(name.value().to_string()),
            other => match literal_key(other) {
                Some(key) => Step::Key(key),
                None => break,
            },
        };
        steps.push(step);
        rest = tail;
    }
    (steps, rest)
}

/// Renders `root` followed by `steps`: `aws_subnet.a[0].id`.
fn render(root: &str, steps: &[Step]) -> String {
    let mut s = root.to_string();
    for step in steps {
        match step {
            Step::Attr(name) => {
                s.push('.');
                s.push_str(name);
            }
            Step::Key(key) => s.push_str(&key.to_string()),
        }
    }
    s
}

/// How many steps name the referenced object (Terraform's "subject") and the extra, shorter
/// address Terraform appends; `None` when `root` is not a reference or is incomplete.
fn subject(root: &str, steps: &[Step]) -> Option<(usize, Option<String>)> {
    let is_attr = |i: usize| matches!(steps.get(i), Some(Step::Attr(_)));
    let has_key = |i: usize| matches!(steps.get(i), Some(Step::Key(_)));
    match root {
        "self" => Some((0, None)),
        "var" | "local" | "count" | "each" | "path" | "terraform" => is_attr(0).then_some((1, None)),
        "module" => {
            if !is_attr(0) {
                return None;
            }
            let call = if has_key(1) { 2 } else { 1 };
            if is_attr(call) {
                // An output's subject is `module.NAME[KEY].OUTPUT`; Terraform adds the call.
                Some((call + 1, Some(render(root, &steps[..call]))))
            } else {
                Some((call, (call == 2).then(|| render(root, &steps[..1]))))
            }
        }
        "data" | "ephemeral" => {
            if !(is_attr(0) && is_attr(1)) {
                return None;
            }
            Some(if has_key(2) { (3, Some(render(root, &steps[..2]))) } else { (2, None) })
        }
        // Terraform reads any other root as a managed resource type; provider-prefixed type
        // names always contain an underscore, which keeps typos such as `vars.x` out.
        _ if root.contains('_') => {
            if !is_attr(0) {
                return None;
            }
            Some(if has_key(1) { (2, Some(render(root, &steps[..1]))) } else { (1, None) })
        }
        _ => None,
    }
}

/// Every string Terraform writes for one reference: longest first, then the extra address.
pub(crate) fn reference_strings(root: &str, steps: &[Step]) -> Vec<String> {
    let Some((subject_len, extra)) = subject(root, steps) else {
        return Vec::new();
    };
    let mut out: Vec<String> = (subject_len..=steps.len()).rev().map(|n| render(root, &steps[..n])).collect();
    out.extend(extra);
    out
}

/// Walks an expression, keeping the names that `for` expressions and template `for`
/// directives bind: inside `[for key in … : aws_subnet.x[key].id]`, `key` is not a reference.
#[derive(Default)]
struct Collector {
    bound: Vec<String>,
    out: Vec<String>,
}

impl Collector {
    fn push(&mut self, strings: Vec<String>) {
        self.out.extend(strings);
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|b| b == name)
    }

    /// Binds the loop variables; returns the depth to truncate back to.
    fn bind(&mut self, key: Option<&Decorated<hcl_edit::Ident>>, value: &Decorated<hcl_edit::Ident>) -> usize {
        let depth = self.bound.len();
        self.bound.extend(key.map(|k| k.as_str().to_string()));
        self.bound.push(value.as_str().to_string());
        depth
    }

    fn traversal(&mut self, traversal: &Traversal) {
        let Expression::Variable(root) = &traversal.expr else {
            // `(expr)[0].id`: HCL analyses the inner expression; the traversal adds nothing.
            self.visit_expr(&traversal.expr);
            for op in &traversal.operators {
                self.operator(op.value());
            }
            return;
        };
        let (steps, rest) = static_steps(&traversal.operators);
        if !self.is_bound(root.as_str()) {
            self.push(reference_strings(root.as_str(), &steps));
        }
        for op in rest {
            self.operator(op.value());
        }
    }

    fn operator(&mut self, op: &TraversalOperator) {
        if let TraversalOperator::Index(index) = op {
            self.visit_expr(index);
        }
    }

    fn for_expr(&mut self, for_expr: &ForExpr) {
        self.visit_expr(&for_expr.intro.collection_expr);
        let depth = self.bind(for_expr.intro.key_var.as_ref(), &for_expr.intro.value_var);
        if let Some(key_expr) = &for_expr.key_expr {
            self.visit_expr(key_expr);
        }
        self.visit_expr(&for_expr.value_expr);
        if let Some(cond) = &for_expr.cond {
            self.visit_expr(&cond.expr);
        }
        self.bound.truncate(depth);
    }
}

impl Visit for Collector {
    fn visit_expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Variable(name) if name.as_str() == "self" && !self.is_bound("self") => {
                self.push(vec!["self".to_string()]);
            }
            Expression::Traversal(traversal) => self.traversal(traversal),
            Expression::ForExpr(for_expr) => self.for_expr(for_expr),
            // Function names, object keys written as names and bare variables are not
            // references; the default walk never reports them, as only the arms above do.
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_for_template_expr(&mut self, node: &ForTemplateExpr) {
        self.visit_expr(&node.collection_expr);
        let depth = self.bind(node.key_var.as_ref(), &node.value_var);
        self.visit_template(&node.template);
        self.bound.truncate(depth);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let expr = hcl_edit::parser::parse_expr(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        references(&expr)
    }

    #[test]
    fn for_expression_binds_its_variables() {
        let src =
            "[\n\t  for key in sort(keys(aws_subnet.private_subnet)) :\n\t  aws_subnet.private_subnet[key].id\n  ]";
        assert_eq!(refs(src), ["aws_subnet.private_subnet", "aws_subnet.private_subnet"]);
        assert_eq!(
            refs("{ for k, v in var.subnets : k => v.id if v.public && k != local.skip }"),
            ["var.subnets", "local.skip"]
        );
        // The binding ends with the for expression.
        assert_eq!(refs("concat([for v in var.a : v], [v.id])"), ["var.a"]);
    }

    #[test]
    fn conditionals_and_function_calls() {
        let src = r#"var.enable_ssm_vpc_endpoints ? toset(["ssm", "ssmmessages", "ec2messages"]) : toset([])"#;
        assert_eq!(refs(src), ["var.enable_ssm_vpc_endpoints"]);
        assert_eq!(refs("element(var.subnet_ids, count.index)"), ["var.subnet_ids", "count.index"]);
        assert_eq!(refs("provider::aws::arn_parse(var.arn).region"), ["var.arn"]);
    }

    #[test]
    fn splats_stop_the_traversal() {
        let src = r#"concat(aws_security_group.this.*.id, aws_security_group.this_name_prefix.*.id, [""])[0]"#;
        assert_eq!(refs(src), ["aws_security_group.this", "aws_security_group.this_name_prefix"]);
        assert_eq!(refs("aws_subnet.a[*].id"), ["aws_subnet.a"]);
        assert_eq!(refs("aws_subnet.a[*].id[count.index]"), ["aws_subnet.a", "count.index"]);
    }

    #[test]
    fn literal_keys_are_kept_and_computed_ones_stop() {
        assert_eq!(refs("aws_subnet.a[0].id"), ["aws_subnet.a[0].id", "aws_subnet.a[0]", "aws_subnet.a"]);
        assert_eq!(refs("aws_subnet.a.0.id"), ["aws_subnet.a[0].id", "aws_subnet.a[0]", "aws_subnet.a"]);
        assert_eq!(
            refs(r#"aws_vpc_endpoint.x["ssm"].id"#),
            [r#"aws_vpc_endpoint.x["ssm"].id"#, r#"aws_vpc_endpoint.x["ssm"]"#, "aws_vpc_endpoint.x"]
        );
        assert_eq!(refs("aws_subnet.a[count.index].id"), ["aws_subnet.a", "count.index"]);
        assert_eq!(refs("aws_subnet.a[each.key].id"), ["aws_subnet.a", "each.key"]);
    }

    #[test]
    fn every_root_kind() {
        assert_eq!(refs("var.tags.Name"), ["var.tags.Name", "var.tags"]);
        assert_eq!(refs("local.x"), ["local.x"]);
        assert_eq!(refs("module.vpc.private_subnets"), ["module.vpc.private_subnets", "module.vpc"]);
        assert_eq!(refs(r#"module.sg["web"].id"#), [r#"module.sg["web"].id"#, r#"module.sg["web"]"#]);
        assert_eq!(refs(r#"module.sg["web"]"#), [r#"module.sg["web"]"#, "module.sg"]);
        assert_eq!(refs("module.vpc"), ["module.vpc"]);
        assert_eq!(
            refs(r#"data.aws_subnet.x["a"].vpc_id"#),
            [r#"data.aws_subnet.x["a"].vpc_id"#, r#"data.aws_subnet.x["a"]"#, "data.aws_subnet.x"]
        );
        assert_eq!(refs("data.aws_vpc.main.id"), ["data.aws_vpc.main.id", "data.aws_vpc.main"]);
        assert_eq!(refs("each.value.subnet_id"), ["each.value.subnet_id", "each.value"]);
        assert_eq!(refs("path.module"), ["path.module"]);
        assert_eq!(refs("terraform.workspace"), ["terraform.workspace"]);
        assert_eq!(refs("self.private_ip"), ["self.private_ip", "self"]);
        assert_eq!(refs("self"), ["self"]);
    }

    #[test]
    fn incomplete_or_unknown_roots_are_not_references() {
        assert!(refs("var").is_empty());
        assert!(refs("data.aws_vpc").is_empty());
        assert!(refs("module[0]").is_empty());
        assert!(refs("foo.bar").is_empty());
        assert!(refs("aws_instance").is_empty());
        assert!(refs(r#"{ name = "x", (var.k) = 1 }"#) == ["var.k"]);
    }

    #[test]
    fn templates_and_heredocs() {
        assert_eq!(refs(r#""${var.name}-${each.key}""#), ["var.name", "each.key"]);
        let heredoc = "<<-EOT\n  #!/bin/bash\n  echo ${aws_vpc.main.cidr_block}\n  %{ for s in var.subnets ~}\n  ${s} ${local.x}\n  %{ endfor ~}\n  %{ if var.debug }on%{ else }off%{ endif }\nEOT";
        assert_eq!(refs(heredoc), ["aws_vpc.main.cidr_block", "aws_vpc.main", "var.subnets", "local.x", "var.debug"]);
    }

    #[test]
    fn operations_parentheses_and_objects() {
        assert_eq!(
            refs("!(var.a || length(local.b) > 0) ? -var.n : (aws_subnet.x).id"),
            ["var.a", "local.b", "var.n", "aws_subnet.x"]
        );
        assert_eq!(
            refs(r#"merge(local.tags, { Name = "${var.project_name}-ssm_endpoint", id = aws_vpc.main.id })"#),
            ["local.tags", "var.project_name", "aws_vpc.main.id", "aws_vpc.main"]
        );
    }

    #[test]
    fn every_occurrence_is_listed_like_terraform() {
        assert_eq!(refs("[var.a, var.a, var.a.b]"), ["var.a", "var.a", "var.a.b", "var.a"]);
    }
}
