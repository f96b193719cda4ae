//! The workspace's test suite with the wall clock moved.
//!
//! Versions are calendar days, so a test that reads the clock without fixing
//! it passes on the day it is written and fails on the next one (a snapshot
//! holding its day once broke every CI run from the following day on). This
//! crate runs the workspace's *built* test executables under libfaketime at
//! chosen instants (the last seconds of a UTC day, a leap day, a year end)
//! and in a chosen time zone, so that such a test fails in `make test` on the
//! day it is written.
//!
//! How, and why so:
//! - cargo and rustc never run under faketime (rustc hangs there): the
//!   executables are listed first by `cargo test --no-run
//!   --message-format=json` ([`list_test_executables`]), then each runs from
//!   its package folder as `cargo test` would run it ([`command`]).
//! - Only the wall clock moves (`FAKETIME_DONT_FAKE_MONOTONIC=1`): timeouts,
//!   backoff and tokio timers keep real time. File times are not faked
//!   (`NO_FAKE_STAT=1`).
//! - The instant is given to libfaketime as epoch seconds
//!   (`FAKETIME_FMT=%s`), so the time zone changes what the local clock
//!   reads, never the UTC instant.
//! - Every process the tests start (git, dpkg-buildpackage, rpmbuild, our
//!   binaries) inherits the moved clock; each starts at the instant and runs
//!   on from there.
//! - Snapshots are compared, never written (`INSTA_UPDATE=no`).
//! - A program that sets `TZ` itself before reading the clock (`date -u`)
//!   sees the instant shifted by the zone's offset when the zone is not UTC;
//!   our tools, git and the package builders do not.
//!
//! Doctests do not run here: they are text with their dates written out.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};

/// What can go wrong before a test runs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An `--at` value that is not a UTC date and time.
    #[error(
        "{input:?} is not a UTC date and time: expected 'YYYY-MM-DD HH:MM:SS', e.g. '2028-02-29 12:00:00'"
    )]
    BadInstant {
        /// What was given.
        input: String,
    },
    /// `faketime` is not installed.
    #[error(
        "faketime is not on PATH: install the Debian package faketime (`make deps` does, as root: apt-get install -y faketime)"
    )]
    NoFaketime,
    /// A `--tz` zone this machine does not know (it would silently be UTC).
    #[error(
        "unknown time zone {tz:?}: no /usr/share/zoneinfo/{tz}; install the Debian package tzdata (`make deps` does)"
    )]
    UnknownZone {
        /// The zone.
        tz: String,
    },
    /// A program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// cargo failed to build the tests.
    #[error("`{command}` failed ({status}); fix the build first:\n{stderr}")]
    Build {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// The end of its stderr.
        stderr: String,
    },
    /// cargo's JSON output could not be read.
    #[error("cannot read cargo's message {line:?}: {source}")]
    Message {
        /// The line.
        line: String,
        /// Why.
        source: serde_json::Error,
    },
}

/// A moment to run the tests at: a UTC instant and the machine's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// The UTC instant each test process starts at.
    pub at: DateTime<Utc>,
    /// The `TZ` the processes see (`UTC`, `Pacific/Kiritimati`...).
    pub tz: String,
}

impl Clock {
    /// Parses `YYYY-MM-DD HH:MM:SS` as a UTC instant.
    pub fn parse_utc(input: &str) -> Result<DateTime<Utc>, Error> {
        NaiveDateTime::parse_from_str(input.trim(), "%Y-%m-%d %H:%M:%S")
            .map(|t| t.and_utc())
            .map_err(|_| Error::BadInstant {
                input: input.to_owned(),
            })
    }

    /// The variables that move the clock of a process started by `faketime`.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("FAKETIME_FMT", "%s".to_owned()),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
            ("NO_FAKE_STAT", "1".to_owned()),
            ("TZ", self.tz.clone()),
        ]
    }

    /// The clock at `at` in the zone `tz`, which the machine must know:
    /// an unknown `TZ` would silently be UTC and prove nothing.
    pub fn new(at: DateTime<Utc>, tz: &str) -> Result<Clock, Error> {
        let known = tz == "UTC" || Path::new("/usr/share/zoneinfo").join(tz).is_file();
        if !known || tz.contains("..") {
            return Err(Error::UnknownZone { tz: tz.to_owned() });
        }
        Ok(Clock {
            at,
            tz: tz.to_owned(),
        })
    }

    /// Sets [`Clock::env`] on `c`, and drops a libfaketime that `c` would
    /// inherit (a test that moves the clock itself while the whole suite
    /// runs under `test-at`): loaded twice, or started with the outer
    /// `FAKETIME_SHARED`, faketime warns on stderr and the clock is
    /// undefined.
    pub fn apply(&self, c: &mut Command) {
        if let Some(preload) = std::env::var_os("LD_PRELOAD") {
            let kept: Vec<PathBuf> = std::env::split_paths(&preload)
                .filter(|p| !p.to_string_lossy().contains("libfaketime"))
                .collect();
            match std::env::join_paths(kept) {
                Ok(v) if !v.is_empty() => c.env("LD_PRELOAD", v),
                _ => c.env_remove("LD_PRELOAD"),
            };
        }
        c.env_remove("FAKETIME")
            .env_remove("FAKETIME_SHARED")
            .envs(self.env());
    }

    /// `faketime`'s arguments before the program: the instant as epoch
    /// seconds (see [`Clock::env`]).
    pub fn faketime_args(&self) -> Vec<String> {
        vec!["-f".to_owned(), format!("@{}", self.at.timestamp())]
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} UTC (TZ={})",
            self.at.format("%Y-%m-%d %H:%M:%S"),
            self.tz
        )
    }
}

/// One built test executable, as `cargo test` would run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestExe {
    /// The package's folder (the tests' working directory and
    /// `CARGO_MANIFEST_DIR`).
    pub package_dir: PathBuf,
    /// The test target's name (`cli`, or the crate's for unit tests).
    pub target: String,
    /// The target's kind (`lib`, `bin`, `test`...).
    pub kind: String,
    /// The executable.
    pub path: PathBuf,
}

impl TestExe {
    /// `<package folder name> <kind> <target>`, for reports.
    pub fn label(&self) -> String {
        let package = self
            .package_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{package} {} {}", self.kind, self.target)
    }
}

#[derive(serde::Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    executable: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Profile {
    test: bool,
}

/// The test executables in cargo's `--message-format=json` output (one
/// JSON object a line; lines that are not JSON objects are ignored).
pub fn parse_cargo_messages(output: &str) -> Result<Vec<TestExe>, Error> {
    let mut exes = Vec::new();
    for line in output.lines().filter(|l| l.starts_with('{')) {
        let m: Message = serde_json::from_str(line).map_err(|source| Error::Message {
            line: line.chars().take(200).collect(),
            source,
        })?;
        if m.reason != "compiler-artifact" || !m.profile.is_some_and(|p| p.test) {
            continue;
        }
        let (Some(path), Some(manifest), Some(target)) = (m.executable, m.manifest_path, m.target)
        else {
            continue;
        };
        exes.push(TestExe {
            package_dir: manifest.parent().map(Path::to_path_buf).unwrap_or_default(),
            target: target.name,
            kind: target.kind.join(","),
            path,
        });
    }
    exes.sort_by(|a, b| {
        (&a.package_dir, &a.kind, &a.target).cmp(&(&b.package_dir, &b.kind, &b.target))
    });
    Ok(exes)
}

/// Builds the tests with `cargo test --no-run` (every package of the
/// workspace but `exclude`, or those named) and lists their executables.
pub fn list_test_executables(
    cargo: &OsString,
    packages: &[String],
    exclude: &[String],
) -> Result<Vec<TestExe>, Error> {
    let mut c = build_tests_command(cargo, packages, exclude);
    let command = format!("{} {}", cargo.to_string_lossy(), {
        let args: Vec<String> = c
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args.join(" ")
    });
    // cargo's progress and errors go straight to our stderr.
    let out = c
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| Error::Spawn {
            program: command.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::Build {
            command,
            status: out.status,
            stderr: "(cargo's messages are above)".into(),
        });
    }
    parse_cargo_messages(&String::from_utf8_lossy(&out.stdout))
}

/// `cargo test --no-run` for [`list_test_executables`].
fn build_tests_command(cargo: &OsString, packages: &[String], exclude: &[String]) -> Command {
    let mut c = Command::new(cargo);
    c.args(["test", "--no-run", "--message-format=json"]);
    if packages.is_empty() {
        c.arg("--workspace");
        for p in exclude {
            c.args(["--exclude", p]);
        }
    }
    for p in packages {
        c.args(["-p", p]);
    }
    c
}

/// The workspace root, from `cargo locate-project --workspace`.
pub fn workspace_root(cargo: &OsString) -> Result<PathBuf, Error> {
    let out = Command::new(cargo)
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            program: "cargo locate-project".into(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::Build {
            command: "cargo locate-project --workspace".into(),
            status: out.status,
            stderr: tail(&String::from_utf8_lossy(&out.stderr), 40),
        });
    }
    let manifest = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(manifest.parent().map(Path::to_path_buf).unwrap_or(manifest))
}

/// `faketime` on `PATH`.
pub fn find_faketime() -> Result<PathBuf, Error> {
    let path = std::env::var_os("PATH").ok_or(Error::NoFaketime)?;
    std::env::split_paths(&path)
        .map(|d| d.join("faketime"))
        .find(|p| p.is_file())
        .ok_or(Error::NoFaketime)
}

/// The command that runs `exe` (with `args`, e.g. `--skip name`) at
/// `clock`, from its package folder, as `cargo test` would.
pub fn command(
    faketime: &Path,
    exe: &TestExe,
    clock: &Clock,
    root: &Path,
    args: &[String],
) -> Command {
    let mut c = Command::new(faketime);
    c.args(clock.faketime_args())
        .arg(&exe.path)
        .args(args)
        .current_dir(&exe.package_dir)
        .env("CARGO_MANIFEST_DIR", &exe.package_dir)
        // insta would otherwise run `cargo metadata` (under the moved clock)
        // to find the workspace, and write `.snap.new` files on mismatch.
        .env("INSTA_WORKSPACE_ROOT", root)
        .env("INSTA_UPDATE", "no")
        .stdin(Stdio::null());
    clock.apply(&mut c);
    c
}

/// How one executable did.
#[derive(Debug)]
pub struct Outcome {
    /// Exit 0.
    pub passed: bool,
    /// stdout then stderr.
    pub output: String,
    /// Wall time (real, not faked).
    pub elapsed: Duration,
}

/// Runs `exe` at `clock` and waits for it.
pub fn run(
    faketime: &Path,
    exe: &TestExe,
    clock: &Clock,
    root: &Path,
    args: &[String],
) -> Result<Outcome, Error> {
    let start = Instant::now();
    let out: Output = command(faketime, exe, clock, root, args)
        .output()
        .map_err(|source| Error::Spawn {
            program: exe.path.display().to_string(),
            source,
        })?;
    Ok(Outcome {
        passed: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        elapsed: start.elapsed(),
    })
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(c: &Command) -> Vec<String> {
        c.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn builds_the_workspace_but_the_excluded_or_only_the_named() {
        let cargo = OsString::from("cargo");
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            args(&build_tests_command(&cargo, &[], &s(&["doc-blocks"]))),
            s(&[
                "test",
                "--no-run",
                "--message-format=json",
                "--workspace",
                "--exclude",
                "doc-blocks"
            ])
        );
        assert_eq!(
            args(&build_tests_command(&cargo, &s(&["calver"]), &[])),
            s(&["test", "--no-run", "--message-format=json", "-p", "calver"])
        );
    }

    #[test]
    fn instants_are_utc_and_strict() {
        let t = Clock::parse_utc("2028-02-29 12:00:00").unwrap();
        assert_eq!(t.timestamp(), 1_835_438_400);
        for bad in [
            "2027-02-29 12:00:00",
            "2028-02-29",
            "2028-02-29T12:00:00Z",
            "tomorrow",
        ] {
            let e = Clock::parse_utc(bad).unwrap_err();
            assert!(e.to_string().contains("YYYY-MM-DD HH:MM:SS"), "{e}");
        }
    }

    #[test]
    fn unknown_zones_are_refused() {
        let at = Clock::parse_utc("2028-02-29 12:00:00").unwrap();
        assert!(Clock::new(at, "UTC").is_ok());
        assert!(Clock::new(at, "America/Adak").is_ok());
        for bad in ["Mars/Olympus_Mons", "../../etc/passwd", ""] {
            let e = Clock::new(at, bad).unwrap_err();
            assert!(e.to_string().contains("tzdata"), "{e}");
        }
    }

    #[test]
    fn faketime_gets_epoch_seconds_whatever_the_zone() {
        let clock = Clock {
            at: Clock::parse_utc("2027-02-28 23:59:50").unwrap(),
            tz: "Pacific/Kiritimati".into(),
        };
        assert_eq!(clock.faketime_args(), ["-f", "@1803859190"]);
        let env = clock.env();
        assert!(env.contains(&("FAKETIME_FMT", "%s".into())));
        assert!(env.contains(&("FAKETIME_DONT_FAKE_MONOTONIC", "1".into())));
        assert!(env.contains(&("TZ", "Pacific/Kiritimati".into())));
        assert_eq!(
            clock.to_string(),
            "2027-02-28 23:59:50 UTC (TZ=Pacific/Kiritimati)"
        );
    }

    #[test]
    fn only_test_executables_are_listed() {
        let out = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/crates/calver#0.1.0","manifest_path":"/w/crates/calver/Cargo.toml","target":{"kind":["lib"],"name":"calver"},"profile":{"test":true},"executable":"/w/target/debug/deps/calver-1"}
{"reason":"compiler-artifact","manifest_path":"/w/crates/calver/Cargo.toml","target":{"kind":["lib"],"name":"calver"},"profile":{"test":false},"executable":null}
{"reason":"compiler-artifact","manifest_path":"/w/crates/version-gen/Cargo.toml","target":{"kind":["bin"],"name":"version-gen"},"profile":{"test":false},"executable":"/w/target/debug/version-gen"}
{"reason":"compiler-artifact","manifest_path":"/w/crates/version-gen/Cargo.toml","target":{"kind":["test"],"name":"cli"},"profile":{"test":true},"executable":"/w/target/debug/deps/cli-2"}
{"reason":"build-script-executed","package_id":"x"}
{"reason":"build-finished","success":true}
   Compiling calver v0.1.0
"#;
        let exes = parse_cargo_messages(out).unwrap();
        let labels: Vec<String> = exes.iter().map(TestExe::label).collect();
        assert_eq!(labels, ["calver lib calver", "version-gen test cli"]);
        assert_eq!(exes[1].path, Path::new("/w/target/debug/deps/cli-2"));
        assert_eq!(exes[1].package_dir, Path::new("/w/crates/version-gen"));
        assert!(parse_cargo_messages("{not json").is_err());
    }
}
