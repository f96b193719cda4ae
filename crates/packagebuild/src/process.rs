//! Running a build tool with its output captured to a log file, so that a
//! failure can quote the end of the log, and with only the environment it
//! needs ([`repository_command`]).

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;
use tracing::info;

use crate::BuildError;

/// Inherited variables a child that runs repository code keeps, by exact
/// name. Everything else (tokens, cloud credentials, Prow's variables) is
/// dropped: debian/rules, spec scriptlets and goospec build steps are the
/// repository's code and may print or send anything they can read.
pub const PASSED_VARS: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TERM",
    "SOURCE_DATE_EPOCH",
    // Go builds (GOPATH also picks rpm's %{_gopath}); GOAUTH is left out,
    // it names a credential helper.
    "GOPATH",
    "GOROOT",
    "GOBIN",
    "GOCACHE",
    "GOMODCACHE",
    "GOTMPDIR",
    "GOENV",
    "GOFLAGS",
    "GOPROXY",
    "GONOPROXY",
    "GOPRIVATE",
    "GOSUMDB",
    "GONOSUMDB",
    "GOINSECURE",
    "GOTOOLCHAIN",
    "GOTELEMETRY",
    "GOWORK",
    "GO111MODULE",
    "GOOS",
    "GOARCH",
    "GOAMD64",
    "GOARM",
    "GOARM64",
    "GO386",
    "GOEXPERIMENT",
    "GODEBUG",
    "CGO_ENABLED",
    // libfaketime: `make test-clock` (test-at) runs the tests with the
    // wall clock moved through these; without them a build step would see
    // the real clock while the builder sees the moved one.
    "LD_PRELOAD",
    "FAKETIME",
    "NO_FAKE_STAT",
    "DONT_FAKE_MONOTONIC",
];

/// Prefixes of inherited variables a child that runs repository code
/// keeps: the locale (`LC_ALL`, `LC_CTYPE`...), dpkg's settings
/// (`DEB_BUILD_OPTIONS`...), libfaketime's (`FAKETIME_FMT`...).
pub const PASSED_PREFIXES: &[&str] = &["LC_", "DEB_", "FAKETIME_"];

/// Whether the inherited variable `name` reaches a child that runs
/// repository code ([`PASSED_VARS`], [`PASSED_PREFIXES`]).
pub fn passes_through(name: &str) -> bool {
    PASSED_VARS.contains(&name) || PASSED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// A command for `program` that starts from a cleared environment plus the
/// inherited variables that [`passes_through`] allows. The builder then adds
/// the build's own variables (`VERSION`, `RELEASE`, `--env` pairs) with
/// `.env()`. Every child that runs repository code starts here.
pub fn repository_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for (name, value) in std::env::vars_os() {
        if name.to_str().is_some_and(passes_through) {
            cmd.env(name, value);
        }
    }
    cmd
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_allow_list_passes() {
        for name in [
            "PATH",
            "HOME",
            "LC_ALL",
            "LC_CTYPE",
            "DEB_BUILD_OPTIONS",
            "GOPATH",
            "GOFLAGS",
            "LD_PRELOAD",
            "FAKETIME",
            "FAKETIME_FMT",
            "FAKETIME_DONT_FAKE_MONOTONIC",
            "NO_FAKE_STAT",
        ] {
            assert!(passes_through(name), "{name}");
        }
        for name in [
            "GITHUB_TOKEN",
            "GITHUB_ACCESS_TOKEN",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "GOAUTH",
            "REPO_OWNER",
            "ARTIFACTS",
            "RUST_LOG",
            "path",
            "",
        ] {
            assert!(!passes_through(name), "{name}");
        }
    }
}
