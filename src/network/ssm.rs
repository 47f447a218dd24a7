//! Systems Manager settings in the plan: Session Manager preferences (which services
//! session logging and encryption need).

use serde_json::Value;

use super::Service;
use super::graph::NodeId;
use crate::model::{Attr, Resource};

/// The document Session Manager reads its preferences from.
pub const PREFERENCES: &str = "SSM-SessionManagerRunShell";

/// Session Manager preferences and the services they make sessions need.
#[derive(Debug, Clone)]
pub struct SessionPreferences {
    pub node: NodeId,
    pub needs: Vec<Service>,
}

/// Whether an `aws_ssm_document` is the Session Manager preferences document.
pub fn is_preferences(r: &Resource<'_>) -> bool {
    r.attr_str("document_type").value().is_some_and(|t| t == "Session")
        && r.attr_str("name").value().is_some_and(|n| n == PREFERENCES)
}

/// Which services the preferences need: from the content when it is known, else from what
/// the content expression refers to.
pub fn needs(doc: &Resource<'_>) -> Vec<Service> {
    let mut out = Vec::new();
    match doc.attr_str("content") {
        Attr::Known(text) => {
            let inputs = serde_json::from_str::<Value>(&text).ok().and_then(|v| v.get("inputs").cloned());
            let set = |key: &str| -> bool {
                match &inputs {
                    Some(i) => i.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
                    // YAML preferences: look for a non-empty `key: value` line.
                    None => text.lines().any(|l| {
                        l.trim()
                            .strip_prefix(key)
                            .and_then(|r| r.trim_start().strip_prefix(':'))
                            .is_some_and(|v| !v.trim().trim_matches(['"', '\'']).is_empty())
                    }),
                }
            };
            for (key, service) in
                [("s3BucketName", Service::S3), ("cloudWatchLogGroupName", Service::Logs), ("kmsKeyId", Service::Kms)]
            {
                if set(key) {
                    out.push(service);
                }
            }
        }
        _ => {
            let refs: Vec<String> = doc
                .fields
                .config_expr("content")
                .map(|e| e.references().iter().map(|r| r.to_string()).collect())
                .unwrap_or_default();
            let mentions = |prefixes: &[&str]| refs.iter().any(|r| prefixes.iter().any(|p| r.contains(p)));
            if mentions(&["aws_s3_bucket"]) {
                out.push(Service::S3);
            }
            if mentions(&["aws_cloudwatch_log_group"]) {
                out.push(Service::Logs);
            }
            if mentions(&["aws_kms_key", "aws_kms_alias"]) {
                out.push(Service::Kms);
            }
        }
    }
    out
}
