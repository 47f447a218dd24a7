//! One phase of the pipeline in a process of its own, for its peak memory: the benchmark runs
//! this binary again as `--phase NAME FILE`, and the child prints `key=value` pairs.

use std::process::Command;

use serde::de::IgnoredAny;
use tfreach::model::Model;
use tfreach::network::Network;
use tfreach::plan::{self, SourceFile};
use tfreach::reach::{Assumptions, Reach};

use crate::analyze;
use crate::measure::{self, Heap, mb};

const CHILD_PHASES: &[(&str, &str)] = &[
    ("floor", "process floor"),
    ("read", "SourceFile::read"),
    ("parse", "(a) read + serde_json → IgnoredAny"),
    ("load", "(b) read + plan::load"),
    ("network", "(c) read + load + model + network + reach"),
    ("analyze", "(d) read + analysis::analyze"),
];

/// Peak RSS of the phases the targets are about.
pub struct PeakRss {
    /// (c): read + load + model + network + reach.
    pub network: u64,
    /// (d): the whole analysis.
    pub analyze: u64,
}

/// Runs each phase in a child process and prints its peak RSS and heap.
pub fn memory(path: &str, size: u64) -> Result<PeakRss, String> {
    println!("\npeak memory: one child process per phase (file {:.1} MB)", mb(size));
    println!("  {:<40} {:>8} {:>8} {:>10} {:>12}", "phase", "RSS MB", "× file", "heap MB", "allocations");
    let mut peak = PeakRss { network: 0, analyze: 0 };
    for (phase, label) in CHILD_PHASES {
        let out = child(phase, path)?;
        let rss = out.get("rss");
        match *phase {
            "network" => peak.network = rss,
            "analyze" => peak.analyze = rss,
            _ => {}
        }
        println!(
            "  {label:<40} {:>8.1} {:>7.2}× {:>10.1} {:>12}",
            mb(rss),
            rss as f64 / size as f64,
            mb(out.get("heap_peak")),
            out.get("allocations")
        );
        if *phase == "network" {
            println!(
                "    live heap after read {:.1} MB, load {:.1} MB, model {:.1} MB, network {:.1} MB, reach {:.1} MB",
                mb(out.get("after_read")),
                mb(out.get("after_load")),
                mb(out.get("after_model")),
                mb(out.get("after_network")),
                mb(out.get("after_reach"))
            );
        }
    }
    Ok(peak)
}

/// `key=value` pairs a child phase printed.
pub struct PhaseOutput(Vec<(String, u64)>);

impl PhaseOutput {
    pub fn get(&self, key: &str) -> u64 {
        self.0.iter().find(|(k, _)| k == key).map_or(0, |(_, v)| *v)
    }
}

pub fn child(phase: &str, path: &str) -> Result<PhaseOutput, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe).args(["--phase", phase, path]).output().map_err(|e| format!("phase {phase}: {e}"))?;
    if !out.status.success() {
        return Err(format!("phase {phase} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(PhaseOutput(
        text.split_whitespace()
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect(),
    ))
}

/// A child process: runs one phase on `FILE` and prints its peak RSS and heap.
pub fn run(args: &[String]) -> Result<(), String> {
    let [phase, path] = args else {
        return Err("usage: --phase floor|read|parse|load|network|analyze FILE".into());
    };
    measure::start_counting();
    let mut marks: Vec<(&str, Heap)> = Vec::new();
    if phase != "floor" {
        let source = SourceFile::read(path).map_err(|e| e.to_string())?;
        marks.push(("after_read", measure::heap()));
        match phase.as_str() {
            "read" => {}
            "parse" => {
                serde_json::from_str::<IgnoredAny>(&source.text).map_err(|e| e.to_string())?;
            }
            "load" => {
                std::hint::black_box(plan::load(&source).map_err(|e| e.to_string())?);
            }
            "network" => {
                let doc = plan::load(&source).map_err(|e| e.to_string())?;
                marks.push(("after_load", measure::heap()));
                let model = Model::build(&doc);
                marks.push(("after_model", measure::heap()));
                let net = Network::build(&model, None);
                marks.push(("after_network", measure::heap()));
                let reach = Reach::new(&net, Assumptions::default()).instances();
                marks.push(("after_reach", measure::heap()));
                std::hint::black_box(&reach);
            }
            "analyze" => {
                std::hint::black_box(analyze(&source).map_err(|e| e.to_string())?);
            }
            other => return Err(format!("unknown phase {other}")),
        }
    }
    let heap = measure::heap();
    let mut line = format!("rss={} heap_peak={} allocations={}", measure::peak_rss(), heap.peak, heap.allocations);
    for (name, h) in marks {
        line.push_str(&format!(" {name}={} {name}_allocations={}", h.live, h.allocations));
    }
    println!("{line}");
    Ok(())
}
