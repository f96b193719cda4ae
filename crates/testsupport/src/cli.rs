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
    "PACKAGEBUILD_ALLOW_FOREIGN_TARGET",
    "EXTRA_REPO",
    "EXTRA_REF",
    "GOMODCACHE",
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

/// Runs `bin args...` like [`run`], with the wall clock starting at `at`
/// (UTC) and the time zone `tz`, under libfaketime as `test-at` runs the
/// suite (only the wall clock moves). Panics naming the package when
/// `faketime` is missing: `make deps` installs it.
pub fn run_at(
    at: chrono::DateTime<chrono::Utc>,
    tz: &str,
    bin: &str,
    cwd: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let faketime = test_at::find_faketime().unwrap_or_else(|e| panic!("{e}"));
    let clock = test_at::Clock::new(at, tz).unwrap_or_else(|e| panic!("{e}"));
    let mut c = command(faketime.to_str().expect("a UTF-8 path"), cwd);
    c.args(clock.faketime_args()).arg(bin).args(args);
    clock.apply(&mut c);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("faketime runs")
}

/// `YYYY-MM-DD HH:MM:SS` as a UTC instant, for [`run_at`].
pub fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
    test_at::Clock::parse_utc(text).unwrap_or_else(|e| panic!("{e}"))
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

/// The sorted file names in `dir` (none when it does not exist).
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The JSON document in the file `p`; panics naming the file when it is
/// missing or not JSON.
pub fn read_json(p: &Path) -> serde_json::Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A folder for `PATH` holding links to only these tools (those found on
/// the current `PATH`): what a machine without the others looks like.
pub fn path_with_only(tools: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for tool in tools {
        let found = std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(tool))
                .find(|p| p.is_file())
        });
        if let Some(path) = found {
            std::os::unix::fs::symlink(path, dir.path().join(tool)).expect("symlink");
        }
    }
    dir
}

/// Asserts that `bin -V` and `bin --tool-version` print `<name> <version>`:
/// tools whose `--version` names the version to build or tag print their own
/// this way.
pub fn assert_tool_version(bin: &str, name: &str, version: &str) {
    for flag in ["-V", "--tool-version"] {
        let o = run(bin, Path::new("/"), &[flag], &[]);
        assert!(o.status.success(), "{name} {flag}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("{name} {version}\n"), "{name} {flag}");
    }
}

/// The folder of the workspace's binaries, for a test that runs several of
/// them: integration tests run from `<target>/debug/deps/`, and the binaries
/// are one folder up. Panics naming the command to run when one of `tools`
/// is missing (`cargo test` builds only the binaries of the package under
/// test; `make unit` builds them all first).
pub fn workspace_bins(tools: &[&str]) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from <target>/debug/deps")
        .to_owned();
    for tool in tools {
        assert!(
            dir.join(tool).is_file(),
            "{} is missing: run `cargo build --workspace --bins` before these tests",
            dir.join(tool).display()
        );
    }
    dir
}
