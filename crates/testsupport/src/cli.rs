//! Running the tools' binaries in tests with a clean, predictable
//! environment.

use std::path::Path;
use std::process::{Command, Output};

/// Variables that Prow or a developer's shell may set and that would change
/// what the tools do; tests start without them.
pub const SCRUBBED_VARS: &[&str] = &[
    "REPO_OWNER",
    "REPO_NAME",
    "PULL_BASE_SHA",
    "PULL_BASE_REF",
    "PULL_REFS",
    "PULL_NUMBER",
    "JOB_NAME",
    "JOB_TYPE",
    "JOB_SPEC",
    "BUILD_ID",
    "PROW_JOB_ID",
    "ARTIFACTS",
    "GITHUB_TOKEN",
    "GITHUB_ACCESS_TOKEN",
    "GITHUB_API_URL",
    "RELEASE_WORKSPACE",
    "RUST_LOG",
];

/// A command for `bin` in `cwd` without the [`SCRUBBED_VARS`].
pub fn command(bin: &str, cwd: &Path) -> Command {
    let mut c = Command::new(bin);
    c.current_dir(cwd);
    for v in SCRUBBED_VARS {
        c.env_remove(v);
    }
    c
}

/// Runs `bin args...` in `cwd` with extra `env`.
pub fn run(bin: &str, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = command(bin, cwd);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Regex filters that make messages stable for snapshots: the given
/// temporary folders (as given and canonicalised) become `[TMP]`, loopback
/// ports `[PORT]`, 40-hex shas `[SHA]`. Returns (pattern, replacement) pairs
/// for `insta::Settings::add_filter`.
pub fn snapshot_filters(dirs: &[&Path]) -> Vec<(String, String)> {
    let mut f = Vec::new();
    for d in dirs {
        let canon = d.canonicalize().unwrap_or(d.to_path_buf());
        f.push((regex_escape(&canon.to_string_lossy()), "[TMP]".to_owned()));
        f.push((regex_escape(&d.to_string_lossy()), "[TMP]".to_owned()));
    }
    f.push((
        r"127\.0\.0\.1:\d+".to_owned(),
        "127.0.0.1:[PORT]".to_owned(),
    ));
    f.push((r"\b[0-9a-f]{40}\b".to_owned(), "[SHA]".to_owned()));
    f
}

/// `s` with regex metacharacters escaped.
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
