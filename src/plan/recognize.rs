//! Inputs that are often passed by mistake, recognised so that the error says what they are
//! and how to get the plan JSON instead of where the JSON parser stopped.
//!
//! Only consulted once the input has failed to load (or is not JSON at all), so a good plan
//! costs nothing here.

use super::LoadError;

const SHOW_JSON: &str =
    "save the plan and convert it: `terraform plan -out tfplan`, then `terraform show -json tfplan > plan.json`";

/// What `text` is, when it is one of the usual wrong inputs.
pub(super) fn recognise(name: &str, text: &str) -> Option<LoadError> {
    if let Some(at) = wrapper_line(text) {
        return Some(LoadError::shape(
            name,
            text,
            at,
            "this is a log of hashicorp/setup-terraform's wrapper (`[command]` and `::debug::` lines around terraform's output), not plan JSON",
            "set `terraform_wrapper: false` on the hashicorp/setup-terraform step, so that `terraform show -json tfplan > plan.json` writes the JSON alone",
        ));
    }
    let first_line = text.trim_start_matches('\u{feff}').trim_start().lines().next().unwrap_or("");
    if first_line.starts_with('{') && first_line.contains("\"@level\"") && first_line.contains("\"@message\"") {
        return Some(LoadError::shape(
            name,
            text,
            text.len() - text.trim_start().len(),
            "this is the event stream of `terraform plan -json` (one log message per line), not a plan",
            SHOW_JSON,
        ));
    }
    let start = text.len() - text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}').len();
    if is_hcl(&text[start..]) {
        return Some(LoadError::shape(
            name,
            text,
            start,
            "this is Terraform configuration (HCL), not plan JSON",
            format!(
                "tfreach reads a plan and finds the .tf files next to it by itself; {SHOW_JSON}, then `tfreach check plan.json`"
            ),
        ));
    }
    if is_human_output(&text[start..]) {
        return Some(LoadError::shape(
            name,
            text,
            start,
            "this is terraform's human-readable output, not JSON",
            "add -json: `terraform show -json tfplan > plan.json`",
        ));
    }
    None
}

/// The offset of the first line that setup-terraform's wrapper adds.
fn wrapper_line(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("[command]") || trimmed.starts_with("::debug::") || trimmed.starts_with("::set-output") {
            return Some(offset + line.len() - trimmed.len());
        }
        offset += line.len();
    }
    None
}

/// Whether the text starts like a `.tf` file: a comment (JSON has none) or a top-level block.
fn is_hcl(text: &str) -> bool {
    const BLOCKS: [&str; 13] = [
        "resource",
        "data",
        "module",
        "variable",
        "output",
        "locals",
        "provider",
        "terraform",
        "moved",
        "import",
        "check",
        "removed",
        "ephemeral",
    ];
    if text.starts_with('#') || text.starts_with("//") || text.starts_with("/*") {
        return true;
    }
    let word_end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    let after = text[word_end..].trim_start_matches([' ', '\t']);
    BLOCKS.contains(&&text[..word_end]) && (after.starts_with('"') || after.starts_with('{'))
}

/// Whether the text starts like `terraform plan` or `terraform show` without `-json`.
fn is_human_output(text: &str) -> bool {
    ["Terraform used the selected providers", "Terraform will perform", "No changes.", "Plan:"]
        .iter()
        .any(|p| text.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what(text: &str) -> Option<String> {
        recognise("in", text).map(|e| e.to_string())
    }

    #[test]
    fn recognises_a_setup_terraform_capture() {
        let capture = "[command]/home/runner/work/_temp/abc/terraform-bin show -json tfplan\n{\"format_version\":\"1.2\"}\n::debug::stdout: {}\n";
        let e = what(capture).unwrap();
        assert!(e.starts_with("in:1:1: this is a log of hashicorp/setup-terraform's wrapper"), "{e}");
        let later = "{\"format_version\":\"1.2\"}\n::debug::Terraform exited with code 0.\n";
        assert!(what(later).unwrap().starts_with("in:2:1: this is a log"));
    }

    #[test]
    fn recognises_the_plan_event_stream() {
        let stream =
            "{\"@level\":\"info\",\"@message\":\"Terraform 1.15.5\",\"type\":\"version\"}\n{\"@level\":\"info\"}\n";
        assert!(what(stream).unwrap().contains("the event stream of `terraform plan -json`"));
    }

    #[test]
    fn recognises_hcl_and_human_output() {
        assert!(what("# network\nresource \"aws_vpc\" \"a\" {}").unwrap().contains("(HCL)"));
        assert!(what("\n\nterraform {\n}").unwrap().contains("(HCL)"));
        assert!(what("Terraform will perform the following actions:").unwrap().contains("human-readable"));
    }

    #[test]
    fn plain_json_mistakes_are_not_recognised() {
        assert_eq!(what("{\"format_version\": \"1.2\", x}"), None);
        assert_eq!(what("[1, 2]"), None);
        assert_eq!(what("resources = 1"), None);
    }
}
