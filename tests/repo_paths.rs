//! Locations in a repository shaped like real ones: a git work tree with the plan and its
//! `.tf` in `infra/envs/prod/`. Every format that points at a file — SARIF, GitHub
//! annotations, GitLab Code Quality, gcc — must name `infra/envs/prod/main.tf` relative to
//! the repository root, at the line of the resource's block, whatever the working directory
//! and whether the plan comes from a file or from standard input.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NESTED: &str = "infra/envs/prod";

/// A git repository (inside a temporary directory) holding `seed003_pitfall` (plan and `.tf`) in `infra/envs/prod/`.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().canonicalize().unwrap().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let status = Command::new("git").args(["init", "-q"]).current_dir(&repo).status().expect("git runs");
    assert!(status.success());
    let dir = repo.join(NESTED);
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = common::root().join("testdata/seed003_pitfall");
    for f in ["plan.json", "main.tf"] {
        std::fs::copy(scenario.join(f), dir.join(f)).unwrap();
    }
    (tmp, repo)
}

fn run(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tfreach"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// The line of `aws_instance.my-ec2-1`'s block in the copied `main.tf`.
fn instance_line(repo: &Path) -> usize {
    let tf = std::fs::read_to_string(repo.join(NESTED).join("main.tf")).unwrap();
    tf.lines().position(|l| l.starts_with("resource \"aws_instance\" \"my-ec2-1\"")).unwrap() + 1
}

/// Each file location a format prints, as (path, line).
fn locations(format: &str, out: &str) -> Vec<(String, usize)> {
    match format {
        "gcc" => out
            .lines()
            .filter_map(|l| {
                let mut parts = l.splitn(3, ':');
                Some((parts.next()?.to_string(), parts.next()?.parse().ok()?))
            })
            .collect(),
        "github" => out
            .lines()
            .filter_map(|l| {
                let file = l.split("file=").nth(1)?.split(',').next()?.to_string();
                let line = l.split("line=").nth(1)?.split(',').next()?.parse().ok()?;
                Some((file, line))
            })
            .collect(),
        "gitlab" => {
            let v: serde_json::Value = serde_json::from_str(out).unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let loc = &i["location"];
                    (loc["path"].as_str().unwrap().to_string(), loc["lines"]["begin"].as_u64().unwrap() as usize)
                })
                .collect()
        }
        "sarif" => {
            let v: serde_json::Value = serde_json::from_str(out).unwrap();
            let run = &v["runs"][0];
            run["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let p = &r["locations"][0]["physicalLocation"];
                    assert_eq!(p["artifactLocation"]["uriBaseId"], "%SRCROOT%");
                    (
                        p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                        p["region"]["startLine"].as_u64().unwrap() as usize,
                    )
                })
                .collect()
        }
        _ => unreachable!(),
    }
}

fn assert_points_into_the_nested_folder(repo: &Path, format: &str, out: &Output) {
    let text = String::from_utf8_lossy(&out.stdout);
    let found = locations(format, &text);
    assert!(!found.is_empty(), "{format}: no locations in\n{text}");
    let expected = format!("{NESTED}/main.tf");
    for (file, line) in &found {
        assert_eq!(file, &expected, "{format}: {text}");
        // The line opens a resource block of the copied file.
        let tf = std::fs::read_to_string(repo.join(file)).unwrap();
        assert!(tf.lines().nth(line - 1).unwrap().starts_with("resource "), "{format}: {file}:{line}");
    }
    assert!(found.iter().any(|(_, l)| *l == instance_line(repo)), "{format}: the instance's block");
}

#[test]
fn every_format_points_at_the_repository_path_from_the_root_and_from_a_subfolder() {
    let (_tmp, repo) = repository();
    let plan = format!("{NESTED}/plan.json");
    for format in ["sarif", "github", "gitlab", "gcc"] {
        let out = run(&repo, &["check", &plan, "--format", format], None);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert_points_into_the_nested_folder(&repo, format, &out);
        // From a subfolder, with the plan path relative to it: the same locations.
        let out = run(&repo.join("infra"), &["check", "envs/prod/plan.json", "--format", format], None);
        assert_points_into_the_nested_folder(&repo, format, &out);
    }
}

#[test]
fn standard_input_points_at_the_repository_path_too() {
    let (_tmp, repo) = repository();
    let plan = std::fs::read(repo.join(NESTED).join("plan.json")).unwrap();
    for format in ["sarif", "github", "gitlab", "gcc"] {
        let out = run(&repo, &["check", "-", "--source-dir", NESTED, "--format", format], Some(&plan));
        assert_eq!(out.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert_points_into_the_nested_folder(&repo, format, &out);
    }
}

#[test]
fn sarif_declares_the_repository_root_and_lists_its_artifacts() {
    let (_tmp, repo) = repository();
    let out = run(&repo, &["check", &format!("{NESTED}/plan.json"), "--format", "sarif"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v["runs"][0];
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap();
    assert_eq!(base, format!("file://{}/", repo.display()));
    let artifacts: Vec<&str> =
        run["artifacts"].as_array().unwrap().iter().map(|a| a["location"]["uri"].as_str().unwrap()).collect();
    assert_eq!(artifacts, [format!("{NESTED}/main.tf")]);
}

#[test]
fn repo_root_overrides_the_git_top_level() {
    let (_tmp, repo) = repository();
    let out = run(&repo, &["check", &format!("{NESTED}/plan.json"), "--format", "gcc", "--repo-root", "infra"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().all(|l| l.starts_with("envs/prod/main.tf:")), "{text}");
}

#[test]
fn the_config_beside_the_plan_or_above_it_in_the_repository_is_found() {
    let (tmp, repo) = repository();
    let plan = format!("{NESTED}/plan.json");
    let rules = |out: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
    };
    let all = rules(&run(&repo, &["check", &plan, "--format", "json"], None));
    assert!(all.contains(&"SSM005".to_string()));
    // Above the repository root: not this repository's configuration.
    std::fs::write(tmp.path().join("tfreach.toml"), "[rules]\nSSM010 = \"off\"\n").unwrap();
    std::fs::write(repo.join("infra/tfreach.toml"), "[rules]\nSSM005 = \"off\"\n").unwrap();
    for cwd in [repo.clone(), repo.join(NESTED), repo.join("infra")] {
        let plan_arg = repo.join(&plan);
        let found = rules(&run(&cwd, &["check", plan_arg.to_str().unwrap(), "--format", "json"], None));
        assert!(!found.contains(&"SSM005".to_string()), "infra/tfreach.toml applies from {}", cwd.display());
        assert!(found.contains(&"SSM010".to_string()), "a tfreach.toml outside the repository does not");
    }
}
