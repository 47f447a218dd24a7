//! Turning rule findings into the findings a team gates on: configured severities, waivers
//! (with expiry), inline `tfreach:ignore` comments and a baseline of accepted findings.
//! Suppressed findings are kept, with why, so that reports can show them.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Config, RuleSetting};
use crate::engine::FindingReport;
use crate::plan::{LoadError, SourceFile};
use crate::rules::{self, AnyRule};
use crate::source::{IgnoreProblem, InlineIgnoreError, SourceTree};

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Suppression {
    /// `# tfreach:ignore[ID] reason` in the resource's block.
    Inline { reason: String, file: String, line: usize },
    /// A `[[waiver]]` in the configuration.
    Waiver {
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
    /// Listed in the `--baseline` file.
    Baseline,
}

/// Findings accepted earlier: `(rule, resource)` pairs from a `--format json` report.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    accepted: BTreeSet<(String, String)>,
}

#[derive(Deserialize)]
struct BaselineFile {
    findings: Vec<BaselineFinding>,
}

#[derive(Deserialize)]
struct BaselineFinding {
    rule: String,
    resource: String,
}

impl Baseline {
    /// Reads a report written by `tfreach check --format json`.
    pub fn read(path: &Path) -> Result<Baseline, LoadError> {
        let source = SourceFile::read(&path.display().to_string())?;
        let text = source.text.as_str();
        let file: BaselineFile = serde_json::from_str(text).map_err(|e| {
            let offset = crate::plan::error::offset_of(text, e.line(), e.column());
            LoadError::shape(
                &source.name,
                text,
                offset,
                format!("not a tfreach JSON report: {}", strip_position(&e.to_string())),
                "write the baseline with `tfreach check --format json PLAN.json > baseline.json`",
            )
        })?;
        Ok(Baseline { accepted: file.findings.into_iter().map(|f| (f.rule, f.resource)).collect() })
    }

    pub fn accepts(&self, rule: &str, resource: &str) -> bool {
        self.accepted.contains(&(rule.to_string(), resource.to_string()))
    }

    pub fn len(&self) -> usize {
        self.accepted.len()
    }

    /// Every accepted (rule, resource).
    pub fn entries(&self) -> impl Iterator<Item = &(String, String)> {
        self.accepted.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }
}

fn strip_position(message: &str) -> &str {
    message.rfind(" at line ").map_or(message, |p| &message[..p])
}

/// The rules to run: `--select` (ids or prefixes such as `NET`) or every rule, minus those
/// the configuration turns off (unless selected by name), minus `--ignore`.
pub fn select_rules(
    config: &Config,
    select: &[String],
    ignore: &[String],
) -> Result<Vec<&'static dyn AnyRule>, String> {
    let matching = |pattern: &str| -> Result<Vec<&'static dyn AnyRule>, String> {
        let p = pattern.trim().to_ascii_uppercase();
        let found: Vec<&'static dyn AnyRule> =
            rules::all().iter().copied().filter(|r| r.meta().id.starts_with(&p)).collect();
        if p.is_empty() || found.is_empty() {
            let ids: Vec<&str> = rules::all().iter().map(|r| r.meta().id).collect();
            return Err(format!("unknown rule or prefix `{pattern}`; rules are {}", ids.join(", ")));
        }
        Ok(found)
    };
    let explicitly: Vec<&'static dyn AnyRule> =
        select.iter().map(|s| matching(s)).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
    let ignored: Vec<&'static dyn AnyRule> =
        ignore.iter().map(|s| matching(s)).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
    let named = |r: &&'static dyn AnyRule| select.iter().any(|s| s.eq_ignore_ascii_case(r.meta().id));
    // Selecting and ignoring the same rule contradicts itself: say so rather than run less.
    if let Some(both) =
        explicitly.iter().filter(|r| named(r)).find(|r| ignored.iter().any(|i| i.meta().id == r.meta().id))
    {
        return Err(format!(
            "`{}` is both selected (--select {}) and ignored (--ignore {}); drop one of them",
            both.meta().id,
            select.join(","),
            ignore.join(",")
        ));
    }
    let base: Vec<&'static dyn AnyRule> = if select.is_empty() { rules::all().to_vec() } else { explicitly };
    let chosen: Vec<&'static dyn AnyRule> = base
        .into_iter()
        .filter(|r| named(r) || config.setting(r.meta().id) != Some(RuleSetting::Off))
        .filter(|r| !ignored.iter().any(|i| i.meta().id == r.meta().id))
        .fold(Vec::new(), |mut acc, r| {
            if !acc.iter().any(|a: &&'static dyn AnyRule| a.meta().id == r.meta().id) {
                acc.push(r);
            }
            acc
        });
    if chosen.is_empty() && !select.is_empty() {
        return Err(format!("--select {} --ignore {} leaves no rule to run", select.join(","), ignore.join(",")));
    }
    Ok(chosen)
}

/// What the policy did to one input's findings.
#[derive(Debug, Default)]
pub struct Applied {
    pub kept: Vec<FindingReport>,
    pub suppressed: Vec<(FindingReport, Suppression)>,
    /// Things worth saying: expired waivers, suppressions without a reason.
    pub notes: Vec<String>,
    /// Malformed inline directives: the run ends with status 2.
    pub errors: Vec<InlineIgnoreError>,
    /// Well-formed directives attached to no block: reported, not fatal.
    pub warnings: Vec<InlineIgnoreError>,
}

/// Applies configured severities, inline ignores, waivers and the baseline, in that order.
/// Where a policy is applied: the day waivers are checked against, every resource block
/// (module path, address), the `.tf` sources, and the repository root that paths in notes
/// and suppressions are relative to.
pub struct Scope<'s> {
    pub today: time::Date,
    pub blocks: &'s [(Vec<String>, String)],
    pub sources: Option<&'s SourceTree>,
    pub root: &'s std::path::Path,
}

pub fn apply(config: &Config, baseline: Option<&Baseline>, scope: &Scope<'_>, findings: Vec<FindingReport>) -> Applied {
    let Scope { today, blocks, sources, root } = *scope;
    let mut applied = Applied::default();
    if let Some(s) = sources {
        for e in s.ignore_errors() {
            match &e.problem {
                IgnoreProblem::NotAttached => applied.warnings.push(e.clone()),
                _ => applied.errors.push(e.clone()),
            }
        }
    }
    for mut f in findings {
        if let Some(RuleSetting::Severity(s)) = config.setting(f.rule) {
            f.severity = s;
        }
        let address = f.resource.clone();
        if let Some(s) = sources {
            let path: Vec<&str> = f.config_path.iter().map(String::as_str).collect();
            let ignores = s.ignores(&path, &f.config_address);
            if let Some(ig) = ignores.iter().find(|ig| ig.rules.iter().any(|id| id.eq_ignore_ascii_case(f.rule))) {
                if ig.reason.is_empty() {
                    let note = format!(
                        "{}:{}: tfreach:ignore[{}] gives no reason; say why the finding is accepted",
                        crate::engine::paths::relative(root, ig.location.file.path()),
                        ig.location.line,
                        f.rule
                    );
                    if !applied.notes.contains(&note) {
                        applied.notes.push(note);
                    }
                }
                let by = Suppression::Inline {
                    reason: ig.reason.clone(),
                    file: crate::engine::paths::relative(root, ig.location.file.path()),
                    line: ig.location.line,
                };
                applied.suppressed.push((f, by));
                continue;
            }
        }
        if let Some(w) = config.waivers.iter().find(|w| w.rule == f.rule && w.resource == address) {
            if w.active(today) {
                let by = Suppression::Waiver { reason: w.reason.clone(), expires: w.expires.map(|d| d.to_string()) };
                applied.suppressed.push((f, by));
                continue;
            }
            let note = format!(
                "the waiver of {} for {address} expired on {}; the finding counts again",
                w.rule,
                w.expires.map(|d| d.to_string()).unwrap_or_default()
            );
            if !applied.notes.contains(&note) {
                applied.notes.push(note);
            }
        }
        if baseline.is_some_and(|b| b.accepts(f.rule, &address)) {
            applied.suppressed.push((f, Suppression::Baseline));
            continue;
        }
        applied.kept.push(f);
    }
    // Inline ids that name no rule are mistakes worth failing on, once per directive.
    if let Some(s) = sources {
        let mut seen = BTreeSet::new();
        for (path, address) in blocks {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            for ig in s.ignores(&path, address) {
                for id in &ig.rules {
                    let key = (ig.location.file.relative_path().to_path_buf(), ig.location.span.start, id.clone());
                    if rules::by_id(id).is_none() && seen.insert(key) {
                        applied.errors.push(InlineIgnoreError {
                            location: ig.location.clone(),
                            problem: IgnoreProblem::InvalidRuleId(id.clone()),
                        });
                    }
                }
            }
        }
    }
    applied
}
