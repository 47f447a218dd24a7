//! `tfreach.toml`: rule severities and disabling, assumptions, which instances must be
//! reachable, and per-resource waivers. Errors point at the offending key or value.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::rules::{self, Severity};

/// The name tfreach looks for, walking up from the working directory.
pub const FILE_NAME: &str = "tfreach.toml";

/// A rule's configured state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    Severity(Severity),
}

/// A per-resource exception with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver stops applying after this day.
    pub expires: Option<time::Date>,
}

impl Waiver {
    /// Whether the waiver still applies on `today`.
    pub fn active(&self, today: time::Date) -> bool {
        self.expires.is_none_or(|d| today <= d)
    }
}

/// The parsed configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from (`None` for the defaults).
    pub path: Option<PathBuf>,
    pub ssm_agent_version: Option<String>,
    pub default_host_management: bool,
    pub require_tags: BTreeMap<String, String>,
    pub rules: BTreeMap<&'static str, RuleSetting>,
    pub waivers: Vec<Waiver>,
    /// `[hook] plans`: the plans the pre-commit hook checks, relative to this file's
    /// directory.
    pub hook_plans: Vec<PathBuf>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(tfreach::config::io))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidConfig>),
}

/// A configuration value or key that tfreach cannot use, shown in the file.
#[derive(Debug, Error, Diagnostic)]
#[error("{path}:{line}:{column}: {message}")]
#[diagnostic(code(tfreach::config::invalid))]
pub struct InvalidConfig {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[help]
    pub help: Option<String>,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    span: SourceSpan,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    assume: Option<RawAssume>,
    #[serde(default)]
    instances: Option<RawInstances>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    waiver: Vec<RawWaiver>,
    #[serde(default)]
    hook: Option<RawHook>,
}

/// `[hook]`: what `tfreach hook` (the pre-commit hook) checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHook {
    #[serde(default)]
    plans: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssume {
    ssm_agent_version: Option<Spanned<String>>,
    default_host_management: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstances {
    #[serde(default)]
    require_tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: Spanned<String>,
    resource: String,
    reason: Spanned<String>,
    expires: Option<Spanned<String>>,
}

impl Config {
    /// Reads `--config FILE`, or the nearest `tfreach.toml` from the working directory up;
    /// the defaults when there is none.
    /// The configuration for a plan at `plan` (none: standard input): `explicit` when given,
    /// else the nearest `tfreach.toml` from the plan's directory (the working directory for
    /// standard input) up to the repository root `root`, as cargo and ruff look for theirs.
    pub fn discover(explicit: Option<&Path>, plan: Option<&Path>, root: &Path) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::read(path);
        }
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let start = plan
            .and_then(Path::parent)
            .map(|p| if p.as_os_str().is_empty() { cwd.clone() } else { cwd.join(p) })
            .unwrap_or(cwd);
        let start = start.canonicalize().unwrap_or(start);
        for d in start.ancestors() {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Config::read(&candidate);
            }
            if d == root {
                break;
            }
        }
        Ok(Config::default())
    }

    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        let mut config = Config::parse(&path.display().to_string(), &text)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses configuration text; `name` is used in diagnostics.
    pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
        let invalid = |span: Range<usize>, message: String, help: Option<String>| {
            let (line, column) = crate::plan::error::line_column(text, span.start);
            ConfigError::Invalid(Box::new(InvalidConfig {
                path: name.to_string(),
                line,
                column,
                message,
                help,
                src: NamedSource::new(name, text.to_string()),
                span: (span.start, span.end.saturating_sub(span.start).max(1)).into(),
            }))
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            invalid(
                span,
                e.message().trim_end_matches('\n').to_string(),
                Some("see README.md, \"Configuration\", for the keys tfreach reads".into()),
            )
        })?;

        let mut config = Config::default();
        if let Some(a) = raw.assume {
            if let Some(v) = a.ssm_agent_version {
                let ok = !v.get_ref().is_empty() && v.get_ref().split('.').all(|p| p.parse::<u64>().is_ok());
                if !ok {
                    return Err(invalid(
                        v.span(),
                        format!("`{}` is not an SSM Agent version", v.get_ref()),
                        Some("write it like \"3.3.40.0\"".into()),
                    ));
                }
                config.ssm_agent_version = Some(v.into_inner());
            }
            config.default_host_management = a.default_host_management.unwrap_or(false);
        }
        if let Some(i) = raw.instances {
            config.require_tags = i.require_tags;
        }
        for (id, value) in raw.rules {
            let rule = known_rule(id.get_ref())
                .ok_or_else(|| invalid(id.span(), format!("unknown rule `{}`", id.get_ref()), Some(rule_help())))?;
            let setting = match value.get_ref().as_str() {
                "off" => RuleSetting::Off,
                other => RuleSetting::Severity(Severity::parse(other).ok_or_else(|| {
                    invalid(
                        value.span(),
                        format!("`{other}` is not a rule setting"),
                        Some("use \"off\", \"error\", \"warning\" or \"note\"".into()),
                    )
                })?),
            };
            config.rules.insert(rule, setting);
        }
        for w in raw.waiver {
            let rule = known_rule(w.rule.get_ref()).ok_or_else(|| {
                invalid(w.rule.span(), format!("unknown rule `{}`", w.rule.get_ref()), Some(rule_help()))
            })?;
            if w.reason.get_ref().trim().is_empty() {
                return Err(invalid(
                    w.reason.span(),
                    "a waiver needs a reason".into(),
                    Some("say why the finding is accepted, e.g. a ticket".into()),
                ));
            }
            let expires = match w.expires {
                None => None,
                Some(e) => Some(parse_date(e.get_ref()).ok_or_else(|| {
                    invalid(
                        e.span(),
                        format!("`{}` is not a date", e.get_ref()),
                        Some("write it as \"YYYY-MM-DD\"".into()),
                    )
                })?),
            };
            config.waivers.push(Waiver {
                rule: rule.to_string(),
                resource: w.resource,
                reason: w.reason.into_inner(),
                expires,
            });
        }
        if let Some(h) = raw.hook {
            config.hook_plans = h.plans.into_iter().map(PathBuf::from).collect();
        }
        Ok(config)
    }

    pub fn setting(&self, rule: &str) -> Option<RuleSetting> {
        self.rules.get(rule).copied()
    }
}

fn known_rule(id: &str) -> Option<&'static str> {
    rules::by_id(id).map(|r| r.meta().id)
}

fn rule_help() -> String {
    let ids: Vec<&str> = rules::all().iter().map(|r| r.meta().id).collect();
    format!("rules are {}", ids.join(", "))
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Today's date (UTC), for waiver expiry.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spec_example() {
        let c = Config::parse(
            "tfreach.toml",
            r#"
[assume]
ssm_agent_version = "3.3.40.0"
default_host_management = false

[instances]
require_tags = { ssm = "enabled" }

[rules]
NET001 = "off"
SSM009 = "error"

[[waiver]]
rule = "NET002"
resource = "aws_security_group.bastion"
reason = "break-glass access, ticket OPS-123"
expires = "2027-03-31"
"#,
        )
        .unwrap();
        assert_eq!(c.ssm_agent_version.as_deref(), Some("3.3.40.0"));
        assert_eq!(c.require_tags.get("ssm").map(String::as_str), Some("enabled"));
        assert_eq!(c.setting("NET001"), Some(RuleSetting::Off));
        assert_eq!(c.setting("SSM009"), Some(RuleSetting::Severity(Severity::Error)));
        assert_eq!(c.waivers.len(), 1);
        let w = &c.waivers[0];
        assert!(w.active(parse_date("2027-03-31").unwrap()));
        assert!(!w.active(parse_date("2027-04-01").unwrap()));
    }

    fn error_of(text: &str) -> (usize, usize, String) {
        match Config::parse("tfreach.toml", text) {
            Err(ConfigError::Invalid(e)) => (e.line, e.column, e.message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn points_at_unknown_rules_and_bad_values() {
        assert_eq!(error_of("[rules]\nSSM099 = \"off\"\n"), (2, 1, "unknown rule `SSM099`".into()));
        assert_eq!(error_of("[rules]\nSSM001 = \"loud\"\n"), (2, 10, "`loud` is not a rule setting".into()));
        let (line, _, msg) =
            error_of("[[waiver]]\nrule = \"NET002\"\nresource = \"x\"\nreason = \"r\"\nexpires = \"31/03/2027\"\n");
        assert_eq!((line, msg.as_str()), (5, "`31/03/2027` is not a date"));
        let (line, _, msg) = error_of("[[waiver]]\nrule = \"NET002\"\nresource = \"x\"\nreason = \"  \"\n");
        assert_eq!((line, msg.as_str()), (4, "a waiver needs a reason"));
    }

    #[test]
    fn rejects_unknown_keys_and_bad_toml() {
        let (line, _, msg) = error_of("[assume]\nssm_agent = \"3\"\n");
        assert_eq!(line, 2);
        assert!(msg.contains("unknown field `ssm_agent`"), "{msg}");
        let (line, _, _) = error_of("[rules\n");
        assert_eq!(line, 1);
    }
}
