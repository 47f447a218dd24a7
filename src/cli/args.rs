//! Command-line arguments. Every flag is documented where it is defined.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tfreach",
    version,
    about = "Will AWS Session Manager reach each EC2 instance in a Terraform plan? Offline, before apply."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse plans (or state) and report findings and instance reachability.
    Check(CheckArgs),
    /// Show, per instance and service, the Session Manager path hop by hop.
    Reach(ReachArgs),
    /// Print the resolved network graph of a plan.
    Graph(GraphArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// List every rule: id, name, default severity, summary.
    Rules(RulesArgs),
    /// The pre-commit hook: check the configured plans (and staged ones) when `.tf` files or
    /// plans change, and say when a plan is stale.
    Hook(HookArgs),
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// The files pre-commit passes (staged `.tf`, `.tfvars` and plan files).
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// A plan to check whatever changed (repeatable); also `[hook] plans` in tfreach.toml.
    #[arg(long = "plan", value_name = "PLAN")]
    pub plans: Vec<String>,
    /// Exit with status 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Findings recorded in this report do not count (see `tfreach check --baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id, e.g. SSM005.
    #[arg(value_name = "RULE")]
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// An aligned table.
    Human,
    /// A JSON array.
    Json,
    /// A Markdown table (the one in README.md).
    Markdown,
}

#[derive(Debug, Args)]
pub struct ReachArgs {
    /// Plan or state JSON file; `-` reads standard input.
    #[arg(value_name = "PLAN.json|-")]
    pub plan: String,
    /// Only this instance (its address as the plan writes it).
    #[arg(long, value_name = "ADDRESS")]
    pub instance: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReachFormat::Human)]
    pub format: ReachFormat,
    /// Exit with status 1 when an instance has this verdict (or, for `unknown`, is not
    /// reachable).
    #[arg(long, value_enum, default_value_t = ReachFailOn::Unreachable, value_name = "VERDICT")]
    pub fail_on: ReachFailOn,
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReachFailOn {
    /// An instance Session Manager certainly does not reach.
    Unreachable,
    /// Also an instance whose verdict the plan leaves open.
    Unknown,
    /// Always exit 0 unless the input is unusable.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReachFormat {
    /// Hop by hop, with the blocking hop's code and fix.
    Human,
    /// The same as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Plan or state JSON (`terraform show -json`), or saved plans (`terraform plan -out`,
    /// read through `terraform show -json`); `-` reads JSON from standard input.
    #[arg(value_name = "PLAN.json|-", required = true)]
    pub plans: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Exit with status 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Which findings count for `--fail-on`: `definite` ones only (the plan fails in every
    /// way it can be read), or `possible` ones too (it fails in some). Possible findings come
    /// from what the plan leaves open — a missing module source, a reference with several
    /// candidates — so by default they are reported but do not fail the gate.
    #[arg(long, value_enum, default_value_t = FailOnCertainty::Definite, value_name = "CERTAINTY")]
    pub fail_on_certainty: FailOnCertainty,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Findings recorded in this report (written by `tfreach check --format json`) do not
    /// count: adopt the gate on an existing estate and fail only on new findings.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
    /// Run only these rules: comma-separated ids or prefixes (`SSM005,NET`).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,
    /// Do not run these rules: comma-separated ids or prefixes.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Human output: also how every instance's and endpoint's links were resolved.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Configuration file [default: the nearest tfreach.toml from the plan's directory up to
    /// the repository root; from the working directory for standard input].
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The root module's directory, to read `locals` and locate resource blocks in `.tf`
    /// files [default: the plan file's directory, then the working directory].
    #[arg(long, value_name = "DIR")]
    pub source_dir: Option<std::path::PathBuf>,
    /// What file locations are relative to in every format [default: the git top level
    /// above the plan, else the working directory].
    #[arg(long, value_name = "DIR")]
    pub repo_root: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnCertainty {
    /// Only findings that hold in every resolution of the plan.
    Definite,
    /// Also findings that hold in some resolutions.
    Possible,
}

impl CheckArgs {
    /// Whether a finding fails the run.
    pub fn fails(&self, f: &crate::engine::FindingReport) -> bool {
        self.fail_on.fails(f.severity)
            && (f.certainty == crate::reach::Certainty::Definite || self.fail_on_certainty == FailOnCertainty::Possible)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    /// Always exit 0 unless the input is unusable.
    Never,
}

impl FailOn {
    pub fn fails(self, severity: crate::rules::Severity) -> bool {
        use crate::rules::Severity as S;
        match self {
            FailOn::Error => severity == S::Error,
            FailOn::Warning => matches!(severity, S::Error | S::Warning),
            FailOn::Note => true,
            FailOn::Never => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Readable report: each instance's verdict and the findings that explain it, then the
    /// findings as diagnostics on the `.tf` source (colour only on a terminal without
    /// NO_COLOR); `--verbose` adds how the links were resolved.
    Human,
    /// The stable machine schema (see README).
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps) and IDE viewers.
    Sarif,
    /// JUnit XML: a test case per instance and per finding, for CI test reports.
    Junit,
    /// GitHub Actions annotations (`::error file=…,line=…::message`).
    Github,
    /// GitLab Code Quality JSON (`artifacts: reports: codequality`).
    Gitlab,
    /// One `file:line:col: error: message [RULE]` line per finding, for editors.
    Gcc,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Plan or state JSON file; `-` reads standard input.
    #[arg(value_name = "PLAN.json|-")]
    pub plan: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Json)]
    pub format: GraphFormat,
    #[command(flatten)]
    pub sources: SourceArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Nodes and edges with how each edge was resolved.
    Json,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}
