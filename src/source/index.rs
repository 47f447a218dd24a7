//! What one parsed `.tf` file holds for tfreach: `locals`, `resource` and `data` blocks with
//! their top-level attributes, and the inline suppressions around those blocks.

use std::ops::Range;
use std::sync::Arc;

use hcl_edit::Span;
use hcl_edit::structure::{Block, Body};

use super::file::TfFile;
use super::ignore::{self, IgnoreProblem, InlineIgnore, InlineIgnoreError};
use super::references::references;
use super::selector::{IndexSelector, index_selector};

/// The index of one file.
#[derive(Debug, Default)]
pub(crate) struct FileIndex {
    /// `locals` entries in file order: name and the references of its expression.
    pub locals: Vec<(String, Vec<String>)>,
    pub blocks: Vec<ResourceBlock>,
    /// Malformed directives, and well-formed ones attached to no resource or data block.
    pub ignore_errors: Vec<InlineIgnoreError>,
}

/// A `resource`, `data` or `ephemeral` block.
#[derive(Debug)]
pub(crate) struct ResourceBlock {
    /// `aws_instance.app`, `data.aws_subnet.x`.
    pub address: String,
    pub file: Arc<TfFile>,
    pub header: Range<usize>,
    pub block: Range<usize>,
    pub attributes: Vec<BlockAttribute>,
    pub ignores: Vec<InlineIgnore>,
}

/// A top-level attribute of a resource block.
#[derive(Debug)]
pub(crate) struct BlockAttribute {
    pub name: String,
    /// `name = value`, from the name to the end of the value.
    pub span: Range<usize>,
    pub selector: Option<IndexSelector>,
}

/// Indexes a parsed file.
pub(crate) fn index_file(file: &Arc<TfFile>, body: &Body) -> FileIndex {
    let comments = ignore::comments(file.text(), &ignore::literal_spans(body));
    let mut used = vec![false; comments.len()];
    let mut index = FileIndex::default();
    let mut prev_end = 0;
    for structure in body.iter() {
        let Some(span) = structure.span() else { continue };
        if let Some(block) = structure.as_block() {
            if block.ident.as_str() == "locals" && block.labels.is_empty() {
                for attr in block.body.attributes() {
                    index.locals.push((attr.key.as_str().to_string(), references(&attr.value)));
                }
            } else if let Some(mut resource) = resource_block(file, block, span.clone()) {
                // A module block is indexed for its arguments' selectors only: findings are
                // never about a module call, so a directive there suppresses nothing.
                let is_module = block.ident.as_str() == "module";
                for i in ignore::attached(file, &comments, &span, prev_end).into_iter().filter(|_| !is_module) {
                    used[i] = true;
                    for directive in ignore::directives(file, comments[i].clone()) {
                        match directive {
                            Ok(ignore) => resource.ignores.push(ignore),
                            Err(err) => index.ignore_errors.push(err),
                        }
                    }
                }
                index.blocks.push(resource);
            }
        }
        prev_end = span.end;
    }
    for (i, comment) in comments.into_iter().enumerate() {
        if used[i] {
            continue;
        }
        for directive in ignore::directives(file, comment) {
            index.ignore_errors.push(match directive {
                Ok(ignore) => InlineIgnoreError { location: ignore.location, problem: IgnoreProblem::NotAttached },
                Err(err) => err,
            });
        }
    }
    index.ignore_errors.sort_by_key(|e| e.location.span.start);
    index
}

fn resource_block(file: &Arc<TfFile>, block: &Block, span: Range<usize>) -> Option<ResourceBlock> {
    let (address, last) = match (block.ident.as_str(), block.labels.as_slice()) {
        ("resource", [t, n]) => (format!("{}.{}", t.as_str(), n.as_str()), n),
        ("data", [t, n]) => (format!("data.{}.{}", t.as_str(), n.as_str()), n),
        ("ephemeral", [t, n]) => (format!("ephemeral.{}.{}", t.as_str(), n.as_str()), n),
        ("module", [n]) => (format!("module.{}", n.as_str()), n),
        _ => return None,
    };
    let header = block.ident.span()?.start..last.span()?.end;
    let attributes = block
        .body
        .attributes()
        .filter_map(|attr| {
            Some(BlockAttribute {
                name: attr.key.as_str().to_string(),
                span: attr.span()?,
                selector: index_selector(&attr.value),
            })
        })
        .collect();
    Some(ResourceBlock { address, file: Arc::clone(file), header, block: span, attributes, ignores: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::selector::{Selector, SelectorForm};
    use std::path::PathBuf;

    fn index(src: &str) -> (Arc<TfFile>, FileIndex) {
        let file = Arc::new(TfFile::new(PathBuf::from("/m/main.tf"), PathBuf::from("main.tf"), src.to_string()));
        let body = hcl_edit::parser::parse_body(src).unwrap();
        let index = index_file(&file, &body);
        (file, index)
    }

    const SRC: &str = r#"locals {
  private_subnet_ids = [for key in sort(keys(aws_subnet.private_subnet)) : aws_subnet.private_subnet[key].id]
  name               = "app"
}

# tfreach:ignore[NET005] key pair kept for break-glass
resource "aws_instance" "app" {
  count     = 2
  subnet_id = aws_subnet.private[count.index].id
  user_data = <<-EOT
    # tfreach:ignore[SSM001] this is shell, not HCL
  EOT
}

data "aws_subnet" "x" {
  id = "subnet-1" // tfreach:ignore[SSM009]
}

module "vpc" { # tfreach:ignore[SSM001] misplaced
  source = "./vpc"
}
"#;

    #[test]
    fn indexes_locals_and_blocks() {
        let (_, index) = index(SRC);
        assert_eq!(
            index.locals,
            [
                ("private_subnet_ids".to_string(), vec!["aws_subnet.private_subnet".to_string(); 2]),
                ("name".to_string(), vec![])
            ]
        );
        let addresses: Vec<&str> = index.blocks.iter().map(|b| b.address.as_str()).collect();
        // Module blocks are indexed too, for the selectors in their arguments.
        assert_eq!(addresses, ["aws_instance.app", "data.aws_subnet.x", "module.vpc"]);
        let vpc = &index.blocks[2];
        assert_eq!(&SRC[vpc.header.clone()], r#"module "vpc""#);
        assert!(vpc.ignores.is_empty(), "a directive on a module block suppresses nothing");
        let app = &index.blocks[0];
        assert_eq!(&SRC[app.header.clone()], r#"resource "aws_instance" "app""#);
        assert!(SRC[app.block.clone()].starts_with("resource") && SRC[app.block.clone()].ends_with("EOT\n}"));
        let names: Vec<&str> = app.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["count", "subnet_id", "user_data"]);
        assert_eq!(&SRC[app.attributes[1].span.clone()], "subnet_id = aws_subnet.private[count.index].id");
        let selector = app.attributes[1].selector.as_ref().unwrap();
        assert_eq!(
            (selector.resource.as_str(), selector.selector, selector.form),
            ("aws_subnet.private", Selector::CountIndex, SelectorForm::Key)
        );
    }

    #[test]
    fn attaches_ignores_and_reports_misplaced_ones() {
        let (_, index) = index(SRC);
        let app: Vec<(&[String], &str, usize)> =
            index.blocks[0].ignores.iter().map(|i| (i.rules.as_slice(), i.reason.as_str(), i.location.line)).collect();
        assert_eq!(app, [(&["NET005".to_string()][..], "key pair kept for break-glass", 6)]);
        let data: Vec<(&[String], usize, usize)> =
            index.blocks[1].ignores.iter().map(|i| (i.rules.as_slice(), i.location.line, i.location.column)).collect();
        assert_eq!(data, [(&["SSM009".to_string()][..], 16, 22)]);
        let errors: Vec<(usize, &IgnoreProblem)> =
            index.ignore_errors.iter().map(|e| (e.location.line, &e.problem)).collect();
        assert_eq!(errors, [(19, &IgnoreProblem::NotAttached)]);
    }
}
