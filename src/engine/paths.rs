//! Where locations are relative to: the repository root — `--repo-root`, else the top level
//! of the git work tree that holds the plan (the directory with `.git`, a directory or, in a
//! worktree or submodule, a file), else the working directory. Code scanning, GitHub
//! annotations and GitLab resolve paths against the repository, so a plan in
//! `infra/envs/prod/` points at `infra/envs/prod/main.tf`, not at `main.tf`.

use std::path::{Component, Path, PathBuf};

/// The repository root for a plan at `plan` (none: standard input).
pub fn repo_root(explicit: Option<&Path>, plan: Option<&Path>) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(dir) = explicit {
        return absolute(dir, &cwd);
    }
    let start = plan.and_then(Path::parent).map_or_else(|| cwd.clone(), |p| absolute(p, &cwd));
    start.ancestors().find(|d| d.join(".git").exists()).map_or(cwd, Path::to_path_buf)
}

/// `path` relative to `root`, with `/` separators; the absolute path when it is outside.
pub fn relative(root: &Path, path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let abs = absolute(path, &cwd);
    let text = match abs.strip_prefix(root) {
        Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => abs.display().to_string(),
    };
    if text.is_empty() { ".".into() } else { text }
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved (through symlinks when the
/// path exists, so that a root found by walking up compares equal).
fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let joined = if path.is_absolute() { path.to_path_buf() } else { cwd.join(path) };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_git_top_level_above_the_plan_is_the_root() {
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("infra/prod")).unwrap();
        let plan = root.join("infra/prod/plan.json");
        std::fs::write(&plan, "{}").unwrap();
        assert_eq!(repo_root(None, Some(&plan)), root);
        assert_eq!(relative(&root, &root.join("infra/prod/main.tf")), "infra/prod/main.tf");
        assert_eq!(repo_root(Some(&root.join("infra")), Some(&plan)), root.join("infra"));
    }

    #[test]
    fn a_path_outside_the_root_stays_absolute() {
        let root = Path::new("/nonexistent/repo");
        assert_eq!(relative(root, Path::new("/elsewhere/main.tf")), "/elsewhere/main.tf");
        assert_eq!(relative(root, Path::new("/nonexistent/repo/a/../b/main.tf")), "b/main.tf");
    }
}
