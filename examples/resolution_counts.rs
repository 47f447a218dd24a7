//! How the four links the foundation issue tracks were resolved over a set of plans:
//! instance → subnet, instance → security groups, endpoint → subnets, endpoint → security
//! groups, each counted as known / reference / candidates / unresolved, or unset when the
//! configuration leaves the attribute to AWS.
//!
//! `cargo run --release --example resolution_counts -- [--no-sources] testdata/*/plan.json testdata/*/state.json`
//!
//! `--no-sources` reads only the plan JSON, as when no `.tf` files are at hand.

use tfreach::engine::{LinkCounts, Options, analyze};
use tfreach::network::ResolutionCounts;
use tfreach::plan::SourceFile;

fn add(into: &mut ResolutionCounts, from: &ResolutionCounts) {
    into.known += from.known;
    into.reference += from.reference;
    into.candidates += from.candidates;
    into.unresolved += from.unresolved;
    into.unset += from.unset;
}

fn main() {
    let mut total = LinkCounts::default();
    let mut files = 0;
    let mut options = Options::default();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--no-sources") {
        args.remove(0);
        // A directory without .tf files: no sources are found.
        let empty = std::env::temp_dir().join("tfreach-no-sources");
        std::fs::create_dir_all(&empty).expect("temp dir");
        options.source_dir = Some(empty);
    }
    for path in args {
        let source = match SourceFile::read(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        match analyze(&source, &options) {
            Ok(r) => {
                files += 1;
                add(&mut total.instance_subnet, &r.counts.instance_subnet);
                add(&mut total.instance_security_group, &r.counts.instance_security_group);
                add(&mut total.endpoint_subnet, &r.counts.endpoint_subnet);
                add(&mut total.endpoint_security_group, &r.counts.endpoint_security_group);
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        }
    }
    println!("{files} files");
    println!("| link | known | reference | candidates | unresolved | unset |\n|---|---|---|---|---|---|");
    for (name, c) in [
        ("instance → subnet", total.instance_subnet),
        ("instance → security group", total.instance_security_group),
        ("endpoint → subnet", total.endpoint_subnet),
        ("endpoint → security group", total.endpoint_security_group),
    ] {
        println!("| {name} | {} | {} | {} | {} | {} |", c.known, c.reference, c.candidates, c.unresolved, c.unset);
    }
}
