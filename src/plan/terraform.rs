//! `terraform show -json` on a saved plan, under control.
//!
//! Terraform can hang (a state lock, a credentials prompt, a provider that never answers):
//! it runs with a timeout ([`DEFAULT_TIMEOUT`], `TFREACH_TERRAFORM_TIMEOUT` seconds), in a
//! process group of its own so that stopping it also stops the provider plugins it
//! started. The plan's name is passed as `./NAME`, never as something terraform could read
//! as a flag (`-help`). What went wrong is told in terraform's words: its exit status or
//! signal, and its standard error, bounded.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::plan::error::LoadError;

/// How long `terraform show -json` may take, unless `TFREACH_TERRAFORM_TIMEOUT` says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// How much of terraform's standard error is kept, and how much of it is repeated.
const STDERR_KEPT: usize = 64 * 1024;
const STDERR_SHOWN: usize = 1000;

const HELP: &str = "tfreach runs `terraform show -json` on saved plans, in the plan's (initialised) directory; put terraform on PATH (or set TFREACH_TERRAFORM), or pass the JSON: `terraform show -json tfplan > plan.json`";

/// The JSON of the saved plan at `path` (named `name` on the command line), as `terraform
/// show -json` prints it in the plan's directory (which must be initialised, as terraform
/// needs the providers' schemas).
pub fn show_json(name: &str, path: &Path) -> Result<Vec<u8>, LoadError> {
    let shown = format!("`terraform show -json {name}`");
    let failed = |reason: String, help: &str| LoadError::SavedPlan { reason, help: help.to_string() };
    let timeout = timeout().map_err(|reason| failed(reason, HELP))?;
    let terraform = std::env::var_os("TFREACH_TERRAFORM").unwrap_or_else(|| "terraform".into());
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file = Path::new(".").join(path.file_name().unwrap_or(path.as_os_str()));
    let mut command = Command::new(&terraform);
    command
        .args(["show", "-no-color", "-json"])
        .arg(&file)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| {
        failed(format!("cannot run `{}` for the saved plan {name}: {e}", terraform.to_string_lossy()), HELP)
    })?;

    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (out_tx, out_rx) = mpsc::channel();
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let result = stdout.map_or(Ok(0), |mut s| s.read_to_end(&mut bytes));
        let _ = out_tx.send(result.map(|_| bytes));
    });
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(s) = stderr {
            let mut s = s;
            let _ = s.by_ref().take(STDERR_KEPT as u64).read_to_end(&mut kept);
            // Drain the rest so that terraform never blocks on a full pipe.
            let _ = std::io::copy(&mut s, &mut std::io::sink());
        }
        let _ = err_tx.send(kept);
    });

    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                stop(&mut child);
                let reason = format!(
                    "{shown} (for the saved plan) did not finish within {}; tfreach stopped it",
                    seconds(timeout)
                );
                return Err(failed(
                    reason,
                    "terraform may be waiting for a state lock, a prompt or the network; set TFREACH_TERRAFORM_TIMEOUT (seconds) to wait longer, or pass the JSON: `terraform show -json tfplan > plan.json`",
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                stop(&mut child);
                return Err(failed(format!("cannot wait for {shown}: {e}"), HELP));
            }
        }
    };
    // A process terraform started may still hold its output open: wait a little, then stop
    // the whole group.
    let grace = deadline.saturating_duration_since(Instant::now()).min(Duration::from_secs(5));
    let stdout = out_rx.recv_timeout(grace).or_else(|_| {
        stop(&mut child);
        out_rx.recv_timeout(Duration::from_secs(1))
    });
    let stderr = err_rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default();
    let stderr = words(&stderr);
    if !status.success() {
        return Err(failed(format!("{shown} {}", ended(status, &stderr)), HELP));
    }
    match stdout {
        Ok(Ok(bytes)) if bytes.iter().all(u8::is_ascii_whitespace) => {
            Err(failed(format!("{shown} produced no output{}", said(&stderr)), HELP))
        }
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(failed(format!("cannot read the output of {shown}: {e}"), HELP)),
        Err(_) => Err(failed(format!("the output of {shown} did not end; tfreach stopped it"), HELP)),
    }
}

/// `TFREACH_TERRAFORM_TIMEOUT`, in seconds, or the default.
fn timeout() -> Result<Duration, String> {
    let Some(raw) = std::env::var_os("TFREACH_TERRAFORM_TIMEOUT") else { return Ok(DEFAULT_TIMEOUT) };
    let text = raw.to_string_lossy();
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() && s < 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("TFREACH_TERRAFORM_TIMEOUT must be a positive number of seconds, not `{text}`")),
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s} s") }
}

/// Kills terraform and everything it started (its process group), and reaps it.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group terraform leads
        // (`process_group(0)` above); it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// How terraform ended, with what it said.
fn ended(status: ExitStatus, stderr: &str) -> String {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        let name = match signal {
            libc::SIGKILL => " (SIGKILL)",
            libc::SIGTERM => " (SIGTERM)",
            libc::SIGINT => " (SIGINT)",
            libc::SIGSEGV => " (SIGSEGV)",
            libc::SIGABRT => " (SIGABRT)",
            _ => "",
        };
        return format!("was killed by signal {signal}{name}{}", said(stderr));
    }
    match status.code() {
        Some(code) if stderr.is_empty() => format!("exited with status {code} and printed nothing to say why"),
        Some(code) => format!("exited with status {code}: {stderr}"),
        None => format!("failed{}", said(stderr)),
    }
}

fn said(stderr: &str) -> String {
    if stderr.is_empty() { String::new() } else { format!("; it said: {stderr}") }
}

/// Terraform's words, without the box drawing that frames its diagnostics, on one line,
/// at most [`STDERR_SHOWN`] characters.
fn words(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let joined = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || matches!(c, '│' | '╷' | '╵')))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let clean: String = joined.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if clean.chars().count() > STDERR_SHOWN {
        clean.chars().take(STDERR_SHOWN).collect::<String>() + "…"
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_terraforms_words_without_the_frame() {
        let stderr = "╷\n│ Error: Failed to load plan\n│ \n│   the plan file is corrupt\n╵\n";
        assert_eq!(words(stderr.as_bytes()), "Error: Failed to load plan the plan file is corrupt");
        assert_eq!(words("x".repeat(5000).as_bytes()).chars().count(), STDERR_SHOWN + 1);
        assert_eq!(words(b"a\x1b[31mb"), "a [31mb");
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(Duration::from_secs(300)), "300 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
