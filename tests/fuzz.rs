//! A structured mutation fuzzer over the real plans in `testdata/`, run against the built
//! binary (issue 10). Every case must keep the contract:
//!
//! - exit status 0, 1 or 2, never an internal error (101), a signal or a hang;
//! - standard error at most [`MAX_STDERR`] bytes;
//! - no value the (mutated) plan marks sensitive in any output (but for words of letters
//!   alone, which tfreach's own messages may hold);
//! - the same output when run again.
//!
//! ```text
//! cargo test --test fuzz                                        # 3,000 cases, fixed seed
//! TFREACH_FUZZ_CASES=100000 cargo test --release --test fuzz -- --nocapture
//! TFREACH_FUZZ_SEED=7 TFREACH_FUZZ_CASES=500 cargo test --test fuzz -- --nocapture
//! TFREACH_FUZZ_BINARY=/path/to/other/tfreach cargo test --test fuzz   # judge another build
//! ```
//!
//! A failing case is written to `target/tmp/fuzz-failures/` and named by seed and number;
//! `--nocapture` prints the statistics (runs, exit statuses, mutation kinds, time).

mod common;
#[path = "support/mutate.rs"]
mod mutate;
#[path = "support/sensitive.rs"]
mod sensitive;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mutate::Rng;
use serde_json::Value;

const DEFAULT_CASES: usize = 3000;
const DEFAULT_SEED: u64 = 0x7F5E_ACE1_0000_0010;
/// A bounded diagnostic: the window, the message, the help.
const MAX_STDERR: usize = 16 * 1024;
/// No single run of a small plan takes this long, even in a debug build.
const HANG: Duration = Duration::from_secs(30);
/// A run that takes longer is a failure too: the seeds are small, so this is quadratic work.
const SLOW: Duration = Duration::from_secs(5);
/// Every how many cases the run is repeated to check determinism.
const REPEAT_EVERY: usize = 7;

const INVOCATIONS: [&[&str]; 11] = [
    &["check", "--format", "human"],
    &["check", "--format", "json"],
    &["check", "--format", "sarif"],
    &["check", "--format", "junit"],
    &["check", "--format", "github"],
    &["check", "--format", "gcc"],
    &["reach", "--format", "human"],
    &["reach", "--format", "json"],
    &["graph", "--format", "json"],
    &["graph", "--format", "dot"],
    &["graph", "--format", "mermaid"],
];

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Every plan and state of the scenarios and of the real-plan corpus.
fn seeds() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = common::scenarios().into_iter().map(|(_, p)| p).collect();
    let mut stack = vec![common::root().join("testdata/realplans")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).expect("seed is JSON");
            (p.strip_prefix(common::root()).unwrap().display().to_string(), v)
        })
        .collect()
}

struct Outcome {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn run(dir: &Path, args: &[&str]) -> Result<Outcome, String> {
    let binary = std::env::var_os("TFREACH_FUZZ_BINARY").unwrap_or_else(|| env!("CARGO_BIN_EXE_tfreach").into());
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Both pipes are drained on threads of their own, so that the wait below can time out.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            pipe.read_to_end(&mut b).map(|_| b)
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("hangs: no exit after {HANG:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = stdout.join().unwrap().map_err(|e| e.to_string())?;
    let stderr = stderr.join().unwrap().map_err(|e| e.to_string())?;
    Ok(Outcome { code: status.code(), stdout, stderr })
}

/// What is wrong with one case's outcome, if anything.
fn violation(o: &Outcome, secrets: &[String]) -> Option<String> {
    let err = String::from_utf8_lossy(&o.stderr);
    if !matches!(o.code, Some(0..=2)) {
        return Some(format!("exit status {:?}: {err}", o.code));
    }
    if err.contains("internal error") || err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        return Some(format!("internal error: {err}"));
    }
    if o.stderr.len() > MAX_STDERR {
        return Some(format!("{} bytes of stderr", o.stderr.len()));
    }
    let out = String::from_utf8_lossy(&o.stdout);
    secrets
        .iter()
        .find(|s| sensitive::written(&out, s) || sensitive::written(&err, s))
        .map(|s| format!("the sensitive value `{s}` is written"))
}

#[derive(Default)]
struct Stats {
    codes: BTreeMap<String, usize>,
    kinds: BTreeMap<&'static str, usize>,
    runs: usize,
    failures: Vec<String>,
    /// The slowest case: its time and what it was.
    slowest: (Duration, String),
}

#[test]
fn mutated_real_plans_keep_the_contract() {
    let cases: usize = env_number("TFREACH_FUZZ_CASES", DEFAULT_CASES);
    let seed: u64 = env_number("TFREACH_FUZZ_SEED", DEFAULT_SEED);
    let seeds = seeds();
    let workdir = tempfile::tempdir().unwrap();
    let failures_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let next = AtomicUsize::new(0);
    let stats = Mutex::new(Stats::default());
    let started = Instant::now();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            // Deep mutations nest thousands of levels: serialising and dropping them recurses.
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(scope, || {
                    loop {
                        let case = next.fetch_add(1, Ordering::Relaxed);
                        if case >= cases {
                            break;
                        }
                        one_case(case, seed, &seeds, workdir.path(), &failures_dir, &stats);
                    }
                })
                .unwrap();
        }
    });
    let stats = stats.into_inner().unwrap();
    eprintln!(
        "fuzz: {cases} cases, {} runs of tfreach in {:.1} s (seed {seed:#x}); exit statuses {:?}; mutations {:?}; slowest case {:?}: {}",
        stats.runs,
        started.elapsed().as_secs_f64(),
        stats.codes,
        stats.kinds,
        stats.slowest.0,
        stats.slowest.1
    );
    assert!(stats.failures.is_empty(), "{} failing cases:\n{}", stats.failures.len(), stats.failures.join("\n"));
    // Every kind of outcome occurs: a fuzzer that never reaches the analysis tests nothing.
    for code in ["0", "1", "2"] {
        assert!(stats.codes.get(code).is_some_and(|n| *n > 0), "no run ended with {code}: {:?}", stats.codes);
    }
}

fn one_case(case: usize, seed: u64, seeds: &[(String, Value)], workdir: &Path, failures: &Path, stats: &Mutex<Stats>) {
    let case_started = Instant::now();
    let mut rng = Rng::new(seed ^ (case as u64).wrapping_mul(0xA076_1D64_78BD_642F));
    let (origin, base) = &seeds[rng.below(seeds.len())];
    let mut doc = base.clone();
    let mut kinds = mutate::mutate(&mut doc, &mut rng);
    // A secret made of letters alone (`Terraform`, `default`) may be a word of tfreach's own
    // messages, which it writes even for an input it cannot read: such words are not
    // checked. Canaries (`s3cr3t-…`) and values with digits or punctuation are.
    let secrets: Vec<String> = sensitive::printable(&sensitive::sensitive_values(&doc))
        .into_iter()
        .filter(|s| !s.chars().all(char::is_alphabetic))
        .collect();
    let (bytes, byte_kind) = mutate::encode(&doc, kinds.contains(&"deep-nesting"), &mut rng);
    kinds.extend(byte_kind);
    let dir = workdir.join(format!("case{case}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plan.json"), &bytes).unwrap();
    let invocation = *rng.pick(&INVOCATIONS);
    let args: Vec<&str> = [&invocation[..1], &["plan.json"], &invocation[1..]].concat();
    let mut problems = Vec::new();
    let mut runs = 1;
    let mut code = "none".to_string();
    match run(&dir, &args) {
        Ok(first) => {
            code = first.code.map_or("signal".into(), |c| c.to_string());
            problems.extend(violation(&first, &secrets));
            if case.is_multiple_of(REPEAT_EVERY) {
                runs += 1;
                match run(&dir, &args) {
                    Ok(again) if again.stdout != first.stdout || again.stderr != first.stderr => {
                        problems.push("not deterministic: a second run wrote something else".into());
                    }
                    Ok(_) => {}
                    Err(e) => problems.push(e),
                }
            }
        }
        Err(e) => problems.push(e),
    }
    let took = case_started.elapsed();
    if took > SLOW * runs as u32 {
        problems.push(format!("slow: {took:?} for {runs} run(s) on {} bytes", bytes.len()));
    }
    let mut s = stats.lock().unwrap();
    if took > s.slowest.0 {
        s.slowest = (took, format!("case {case} from {origin}, {kinds:?}, {} bytes", bytes.len()));
    }
    s.runs += runs;
    *s.codes.entry(code).or_default() += 1;
    for k in &kinds {
        *s.kinds.entry(k).or_default() += 1;
    }
    if !problems.is_empty() {
        std::fs::create_dir_all(failures).unwrap();
        let saved = failures.join(format!("seed{seed:x}-case{case}.json"));
        std::fs::write(&saved, &bytes).unwrap();
        s.failures.push(format!(
            "case {case} (from {origin}, {kinds:?}, `tfreach {}`, saved as {}): {}",
            args.join(" "),
            saved.display(),
            problems.join("; ").chars().take(2000).collect::<String>()
        ));
    }
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
