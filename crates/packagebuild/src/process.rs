//! Running a build tool with its output captured to a log file, so that a
//! failure can quote the end of the log.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;
use tracing::info;

use crate::BuildError;

/// Lines of the log quoted in an error.
pub const TAIL_LINES: usize = 30;

/// Runs `cmd` with stdout and stderr appended to `log`; on failure returns
/// [`BuildError::ToolFailed`] with the last lines of the log.
pub async fn run_logged(mut cmd: Command, tool: &str, log: &Path) -> Result<(), BuildError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(fs_error::at("cannot create the log", log))?;
    let err_file = file
        .try_clone()
        .map_err(fs_error::at("cannot create the log", log))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err_file))
        .kill_on_drop(true);
    info!("running {tool} (log: {})", log.display());
    let status = match cmd.status().await {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BuildError::ToolMissing {
                tool: tool.to_owned(),
                install: install_hint(tool),
            });
        }
        Err(e) => return Err(fs_error::at("cannot start", tool)(e).into()),
    };
    if status.success() {
        return Ok(());
    }
    Err(BuildError::ToolFailed {
        tool: tool.to_owned(),
        code: status.code().unwrap_or(-1),
        log: log.to_owned(),
        tail: tail(log, TAIL_LINES),
        note: None,
    })
}

/// Runs `cmd` and returns its stdout; stderr is returned in the error.
pub async fn output(mut cmd: Command, tool: &str) -> Result<std::process::Output, BuildError> {
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    match cmd.output().await {
        Ok(o) => Ok(o),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(BuildError::ToolMissing {
            tool: tool.to_owned(),
            install: install_hint(tool),
        }),
        Err(e) => Err(fs_error::at("cannot start", tool)(e).into()),
    }
}

/// Fails with the install command when `tool` is not on PATH.
pub fn require_tool(tool: &str) -> Result<(), BuildError> {
    if find_on_path(tool).is_some() {
        Ok(())
    } else {
        Err(BuildError::ToolMissing {
            tool: tool.to_owned(),
            install: install_hint(tool),
        })
    }
}

/// Where `tool` is on `PATH`, if it is.
pub fn find_on_path(tool: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// How to install a build tool on Debian.
pub fn install_hint(tool: &str) -> String {
    let pkg = match tool {
        "dpkg-buildpackage" | "dpkg-checkbuilddeps" | "dpkg-source" => {
            "dpkg-dev debhelper fakeroot"
        }
        "rpmbuild" | "rpm" => "rpm (on EL: rpm-build)",
        "fakeroot" => "fakeroot",
        "git" => "git",
        other => other,
    };
    format!("install it (as root: apt-get install -y {pkg})")
}

/// The last `n` non-empty lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
