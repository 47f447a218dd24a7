//! Finding and parsing each module's `.tf` files: the root directory, local module sources,
//! and what `terraform init` recorded in `.terraform/modules/modules.json` for the rest.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Deserialize;

use super::file::TfFile;
use super::ignore::InlineIgnoreError;
use super::index::{FileIndex, ResourceBlock, index_file};
use crate::plan::config::{ConfigModule, Configuration};

/// The sources of one module directory, shared by every call that uses it.
#[derive(Debug, Default)]
pub(crate) struct ModuleSources {
    pub files: Vec<Arc<TfFile>>,
    /// Name → references. An override file's definition replaces the primary one.
    pub locals: HashMap<String, Vec<String>>,
    /// Config address → the block in the primary files (the first one, if duplicated).
    pub resources: HashMap<String, ResourceBlock>,
    pub ignore_errors: Vec<InlineIgnoreError>,
}

/// Everything discovery found.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    pub modules: Vec<ModuleSources>,
    /// Config path joined with `.` (`""` for the root, `app.sg`) → index into `modules`.
    pub by_path: HashMap<String, usize>,
    pub notes: Vec<String>,
}

/// `.terraform/modules/modules.json`, written by `terraform init`.
#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "Modules", default)]
    modules: Vec<ManifestEntry>,
}

#[derive(Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Dir")]
    dir: String,
}

/// Finds every module's directory, then reads and indexes all their files in parallel.
pub(crate) fn discover(root_dir: &Path, configuration: &Configuration<'_>) -> Discovered {
    let mut notes = Vec::new();
    let manifest = read_manifest(root_dir, &mut notes);
    let mut dirs = vec![(String::new(), PathBuf::new())];
    collect_calls(&configuration.root_module, "", Some(Path::new("")), &manifest, &mut dirs, &mut notes);

    // Several calls may use one directory (`./modules/sg` twice, or a registry module that
    // `init` unpacked once): parse it once and point every call at it.
    let mut found = Discovered::default();
    let mut by_dir: HashMap<PathBuf, usize> = HashMap::new();
    let mut module_dirs: Vec<PathBuf> = Vec::new();
    for (key, rel_dir) in dirs {
        let full = root_dir.join(&rel_dir);
        let identity = full.canonicalize().unwrap_or_else(|_| normalize(&full));
        let index = match by_dir.entry(identity) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                module_dirs.push(rel_dir);
                *e.insert(module_dirs.len() - 1)
            }
        };
        found.by_path.insert(key, index);
    }

    let mut jobs: Vec<(usize, PathBuf)> = Vec::new();
    for (module, rel_dir) in module_dirs.iter().enumerate() {
        match tf_files(&root_dir.join(rel_dir)) {
            Ok(names) => jobs.extend(names.into_iter().map(|name| (module, rel_dir.join(name)))),
            Err(err) => notes.push(format!("cannot read source directory {}: {err}", display_dir(rel_dir))),
        }
    }
    let attempted = jobs.len();
    let parsed: Vec<(usize, Loaded)> =
        jobs.into_par_iter().map(|(module, rel)| (module, load(root_dir, rel))).collect();

    found.modules = module_dirs.iter().map(|_| ModuleSources::default()).collect();
    for (module, result) in parsed {
        match result {
            Ok((file, index)) => add_file(&mut found.modules[module], file, index),
            Err(note) => notes.push(note),
        }
    }
    if attempted > 0 && found.modules.iter().all(|m| m.files.is_empty()) {
        notes.push(format!(
            "none of the {attempted} .tf file(s) could be used (see the notes above), so findings point into the plan JSON and `local.` references fall back to candidate sets; fix the files or pass --source-dir"
        ));
    }
    found.notes = notes;
    found
}

fn add_file(module: &mut ModuleSources, file: Arc<TfFile>, index: FileIndex) {
    module.files.push(file);
    module.locals.extend(index.locals);
    for block in index.blocks {
        module.resources.entry(block.address.clone()).or_insert(block);
    }
    module.ignore_errors.extend(index.ignore_errors);
}

/// A file read and indexed, or why it was skipped.
type Loaded = Result<(Arc<TfFile>, FileIndex), String>;

/// Larger `.tf` files are skipped: parsing keeps dozens of bytes per byte of source, and a
/// file this size is generated, not the configuration a finding should point into.
pub(crate) const MAX_TF_BYTES: u64 = 10 * 1024 * 1024;

fn load(root_dir: &Path, rel: PathBuf) -> Loaded {
    let path = root_dir.join(&rel);
    let shown = rel.display().to_string();
    let too_big = |size: u64| {
        format!(
            "skipped {shown}: it holds {:.1} MB, more than the {} MB tfreach reads from one .tf file; the resources declared in it are located in the plan JSON",
            size as f64 / 1e6,
            MAX_TF_BYTES / (1024 * 1024)
        )
    };
    let file = std::fs::File::open(&path).map_err(|err| format!("skipped {shown}: {err}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_TF_BYTES {
        return Err(too_big(size));
    }
    // Never more than the limit, even if the file grows meanwhile (or is not a regular file).
    let mut bytes = Vec::with_capacity(size as usize);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_TF_BYTES + 1), &mut bytes)
        .map_err(|err| format!("skipped {shown}: {err}"))?;
    if bytes.len() as u64 > MAX_TF_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    // The same decoding as plan files: a UTF-8 BOM or UTF-16 from a Windows editor is fine.
    let text = crate::plan::input::decode(&shown, bytes).map_err(|err| format!("skipped {err}"))?;
    let body = hcl_edit::parser::parse_body(&text).map_err(|err| {
        let at = err.location();
        format!("skipped {shown}:{}:{}: not valid HCL: {}", at.line(), at.column(), err.message())
    })?;
    let file = Arc::new(TfFile::new(path, rel, text));
    let index = index_file(&file, &body);
    Ok((file, index))
}

fn read_manifest(root_dir: &Path, notes: &mut Vec<String>) -> HashMap<String, PathBuf> {
    let path = root_dir.join(".terraform").join("modules").join("modules.json");
    let Ok(bytes) = std::fs::read(&path) else { return HashMap::new() };
    match serde_json::from_slice::<Manifest>(&bytes) {
        Ok(manifest) => manifest.modules.into_iter().map(|m| (m.key, normalize(Path::new(&m.dir)))).collect(),
        Err(err) => {
            notes.push(format!("ignored .terraform/modules/modules.json: {err}"));
            HashMap::new()
        }
    }
}

/// Adds `(key, directory relative to the root)` for every call under `module`.
fn collect_calls(
    module: &ConfigModule<'_>,
    parent_key: &str,
    parent_dir: Option<&Path>,
    manifest: &HashMap<String, PathBuf>,
    out: &mut Vec<(String, PathBuf)>,
    notes: &mut Vec<String>,
) {
    for (name, call) in &module.module_calls {
        let key = if parent_key.is_empty() { name.to_string() } else { format!("{parent_key}.{name}") };
        // Terraform reads a local source relative to the calling module's directory and
        // copies nothing; every other source is fetched by `init` and listed in the manifest.
        let dir = manifest.get(&key).cloned().or_else(|| {
            let local = is_local(&call.source).then(|| parent_dir.map(|p| normalize(&p.join(call.source.as_ref()))));
            if local.is_none() {
                let shown = format!("module.{}", key.replace('.', ".module."));
                notes.push(format!(
                    "no sources for {shown} (source \"{}\"): .terraform/modules/modules.json does not list it; run `terraform init` in the source directory",
                    call.source
                ));
            }
            local.flatten()
        });
        if let Some(dir) = &dir {
            out.push((key.clone(), dir.clone()));
        }
        collect_calls(&call.module, &key, dir.as_deref(), manifest, out, notes);
    }
}

/// Terraform treats only `./` and `../` prefixes as local paths.
fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// The `.tf` files of a directory in Terraform's order: primary files by name, then override
/// files (`override.tf`, `*_override.tf`), which Terraform merges last.
fn tf_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".tf") && !is_ignored(name))
        .collect();
    names.sort_by_key(|name| (is_override(name), name.clone()));
    Ok(names)
}

/// Editor backups and hidden files, which Terraform skips (`configs.IsIgnoredFile`).
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

fn is_override(name: &str) -> bool {
    let stem = name.trim_end_matches(".tf");
    stem == "override" || stem.ends_with("_override")
}

/// Resolves `.` and `..` without touching the file system; leading `..` are kept.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn display_dir(rel_dir: &Path) -> String {
    if rel_dir.as_os_str().is_empty() { ".".to_string() } else { rel_dir.display().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("./modules/app/../sg")), PathBuf::from("modules/sg"));
        assert_eq!(normalize(Path::new("../shared/./x")), PathBuf::from("../shared/x"));
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
        assert_eq!(normalize(Path::new(".")), PathBuf::new());
    }

    #[test]
    fn a_tf_file_over_the_limit_is_skipped_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), "locals {\n  x = var.y\n}\n").unwrap();
        // Sparse: the size is there without writing it, and tfreach must not read it.
        let big = std::fs::File::create(dir.path().join("generated.tf")).unwrap();
        big.set_len(MAX_TF_BYTES + 1).unwrap();
        let found = discover(dir.path(), &Configuration::default());
        assert_eq!(found.modules[0].files.len(), 1);
        assert_eq!(
            found.notes,
            [
                "skipped generated.tf: it holds 10.5 MB, more than the 10 MB tfreach reads from one .tf file; the resources declared in it are located in the plan JSON"
            ]
        );
        std::fs::File::create(dir.path().join("generated.tf")).unwrap().set_len(MAX_TF_BYTES).unwrap();
        let found = discover(dir.path(), &Configuration::default());
        assert!(found.notes[0].starts_with("skipped generated.tf:1:1: not valid HCL"), "{:?}", found.notes);
    }

    #[test]
    fn orders_files_like_terraform() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["z.tf", "override.tf", "a_override.tf", "main.tf", ".hidden.tf", "main.tf~", "x.tf.json", "#a.tf#"]
        {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("dir.tf")).unwrap();
        assert_eq!(tf_files(dir.path()).unwrap(), ["main.tf", "z.tf", "a_override.tf", "override.tf"]);
    }
}
