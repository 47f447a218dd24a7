//! `.tf` sources: what the plan JSON lacks (`locals`) and where each resource block is.
//!
//! The plan's `configuration` section summarises each expression as a list of references and
//! leaves out `locals` and every source position. [`SourceTree::discover`] finds the `.tf`
//! files of the root module and of every module call the plan names, parses them once with
//! `hcl-edit` (which keeps byte spans) and answers:
//!
//! - what a `local.NAME` refers to ([`crate::resolve::LocalSource`]);
//! - where a resource block and its attributes are ([`SourceTree::resource_block`],
//!   [`SourceTree::attribute`]), for diagnostics that point into the source;
//! - whether an attribute selects another resource's instance by this one's key
//!   ([`SourceTree::index_selector`]), which the plan JSON cannot tell;
//! - which inline `tfreach:ignore[…]` suppressions apply to a block ([`SourceTree::ignores`]).
//!
//! Modules are named by their config path: the call names from the root (`["app", "sg"]`;
//! the root module is `[]`). Files that cannot be read or parsed are skipped and noted
//! ([`SourceTree::notes`]); nothing here panics on bad input.

mod discover;
mod file;
mod ignore;
mod index;
mod references;
mod selector;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use file::{BlockLocation, Location, TfFile};
pub use ignore::{IgnoreProblem, InlineIgnore, InlineIgnoreError};
pub use references::references;
pub use selector::{IndexSelector, Selector, SelectorForm};

use discover::ModuleSources;
use index::ResourceBlock;

/// The parsed `.tf` sources of a configuration, indexed by module config path.
#[derive(Debug, Default)]
pub struct SourceTree {
    root_dir: PathBuf,
    modules: Vec<ModuleSources>,
    by_path: std::collections::HashMap<String, usize>,
    notes: Vec<String>,
}

impl SourceTree {
    /// Finds and parses the sources of the root module in `root_dir` (its `*.tf` files, not
    /// recursive) and of every module call in `configuration`: through
    /// `.terraform/modules/modules.json` when `terraform init` wrote it, else, for local
    /// sources (`./x`, `../x`), relative to the calling module's directory.
    pub fn discover(root_dir: &Path, configuration: &crate::plan::config::Configuration<'_>) -> SourceTree {
        let found = discover::discover(root_dir, configuration);
        SourceTree {
            root_dir: root_dir.to_path_buf(),
            modules: found.modules,
            by_path: found.by_path,
            notes: found.notes,
        }
    }

    /// The directory the root module was read from.
    pub fn root_dir(&self) -> &Path {
        &self.root_dir
    }

    /// Why files or modules have no sources: unreadable or unparseable files, module sources
    /// that `terraform init` has not fetched. Lowercase sentences, in discovery order.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Whether no `.tf` file was found at all.
    pub fn is_empty(&self) -> bool {
        self.modules.iter().all(|m| m.files.is_empty())
    }

    /// Every parsed file, each once, root module first.
    pub fn files(&self) -> impl Iterator<Item = &Arc<TfFile>> {
        self.modules.iter().flat_map(|m| &m.files)
    }

    /// The block of `config_address` (`aws_instance.app`, `data.aws_subnet.x`) in the module
    /// at `config_path`.
    pub fn resource_block(&self, config_path: &[&str], config_address: &str) -> Option<BlockLocation> {
        let block = self.block(config_path, config_address)?;
        Some(BlockLocation { header: Location::new(&block.file, block.header.clone()), block: block.block.clone() })
    }

    /// A top-level attribute of that block (`vpc_security_group_ids`): the span runs from the
    /// attribute name to the end of its value.
    pub fn attribute(&self, config_path: &[&str], config_address: &str, attr: &str) -> Option<Location> {
        let block = self.block(config_path, config_address)?;
        let attribute = block.attributes.iter().find(|a| a.name == attr)?;
        Some(Location::new(&block.file, attribute.span.clone()))
    }

    /// Whether that attribute's expression picks one instance of another resource by this
    /// instance's key (`aws_subnet.private[count.index].id`); see [`IndexSelector`].
    pub fn index_selector(&self, config_path: &[&str], config_address: &str, attr: &str) -> Option<IndexSelector> {
        let block = self.block(config_path, config_address)?;
        block.attributes.iter().find(|a| a.name == attr)?.selector.clone()
    }

    /// The `tfreach:ignore[…]` directives inside the block or directly above it, in source
    /// order. Malformed ones are not here but in [`SourceTree::ignore_errors`].
    pub fn ignores(&self, config_path: &[&str], config_address: &str) -> Vec<InlineIgnore> {
        self.block(config_path, config_address).map(|b| b.ignores.clone()).unwrap_or_default()
    }

    /// Every malformed or misplaced `tfreach:ignore` directive, each once (a module used by
    /// several calls is parsed once), by file and offset.
    pub fn ignore_errors(&self) -> Vec<&InlineIgnoreError> {
        let mut errors: Vec<&InlineIgnoreError> = self.modules.iter().flat_map(|m| &m.ignore_errors).collect();
        errors.sort_by(|a, b| {
            (a.location.file.relative_path(), a.location.span.start)
                .cmp(&(b.location.file.relative_path(), b.location.span.start))
        });
        errors
    }

    /// The addresses of the `resource`, `data` and `module` blocks the root module's files
    /// declare (`aws_instance.app`, `data.aws_ami.x`, `module.vpc`), as a plan's configuration
    /// names them; `None` when the root module has no usable file.
    pub fn root_declarations(&self) -> Option<std::collections::BTreeSet<String>> {
        let root = self.module(&[])?;
        if root.files.is_empty() {
            return None;
        }
        Some(root.resources.keys().filter(|a| !a.starts_with("ephemeral.")).cloned().collect())
    }

    fn module(&self, config_path: &[&str]) -> Option<&ModuleSources> {
        self.modules.get(*self.by_path.get(&config_path.join("."))?)
    }

    fn block(&self, config_path: &[&str], config_address: &str) -> Option<&ResourceBlock> {
        self.module(config_path)?.resources.get(config_address)
    }
}

impl crate::resolve::LocalSource for SourceTree {
    fn local_references(&self, config_path: &[&str], name: &str) -> Option<Vec<String>> {
        self.module(config_path)?.locals.get(name).cloned()
    }

    fn key_selection(
        &self,
        config_path: &[&str],
        config_address: &str,
        attr: &str,
    ) -> Option<crate::resolve::KeySelection> {
        let sel = self.index_selector(config_path, config_address, attr)?;
        Some(crate::resolve::KeySelection {
            resource: sel.resource,
            wraps: sel.form == SelectorForm::Element,
            attribute: sel.attribute,
        })
    }
}
