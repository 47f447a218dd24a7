//! Systems Manager settings in the plan: Session Manager preferences (which services
//! session logging and encryption need), and Default Host Management Configuration (the role
//! SSM Agent uses on instances without an instance profile).

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

/// The `setting_id` of Default Host Management Configuration ends with this path.
pub const HOST_MANAGEMENT_SETTING: &str = "/ssm/managed-instance/default-ec2-instance-management-role";

/// Default Host Management Configuration turned on in the plan: in `region`, instances
/// without an instance profile get the credentials of `role` (via `ssm.amazonaws.com`).
#[derive(Debug, Clone)]
pub struct HostManagement {
    /// The `aws_ssm_service_setting`.
    pub node: NodeId,
    /// The role its `setting_value` names.
    pub role: Option<super::graph::LinkId>,
    pub region: Option<String>,
}

/// Whether an `aws_ssm_service_setting` sets the Default Host Management role.
pub fn is_host_management(r: &Resource<'_>) -> bool {
    r.attr_str("setting_id").value().is_some_and(|id| id.ends_with(HOST_MANAGEMENT_SETTING))
}

/// The region of a service setting: its ARN's when known (`arn:aws:ssm:REGION:…`).
pub fn setting_region(r: &Resource<'_>) -> Option<String> {
    let id = r.attr_str("setting_id").into_value()?;
    let region = id.strip_prefix("arn:")?.split(':').nth(2)?;
    (!region.is_empty()).then(|| region.to_string())
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
