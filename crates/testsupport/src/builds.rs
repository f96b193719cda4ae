//! One builder run in a test (as ripgrep's `tests/util.rs`): the temporary
//! folders a build writes to, the binary run with them, and the record it
//! leaves. The three builders' tests share it, so each test shows only its
//! own arguments and checks.
//!
//! ```no_run
//! # let (bin, repo) = ("packagebuild-deb", std::path::Path::new("."));
//! let b = testsupport::builds::BuildRun::new(bin);
//! let o = b.build(repo, &["--version", "20261127.00"]);
//! assert!(o.status.success());
//! assert_eq!(b.result("deb12")["status"], "ok");
//! ```

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::cli;

/// A builder binary and one temporary folder holding its `out/`, `stage/`
/// and `ws/` (removed on drop). The folders are not created: the builder
/// makes what it writes, so a test can assert that a run wrote nothing.
pub struct BuildRun {
    bin: String,
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

impl BuildRun {
    /// Runs of `bin` with fresh folders.
    pub fn new(bin: &str) -> BuildRun {
        BuildRun {
            bin: bin.to_owned(),
            env: Vec::new(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Every run also gets `key=value` in its environment.
    pub fn env(mut self, key: &str, value: &str) -> BuildRun {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The temporary folder holding the others, for a test's own files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `--out`.
    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// `--stage`.
    pub fn stage(&self) -> PathBuf {
        self.dir.path().join("stage")
    }

    /// `--workspace`.
    pub fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// `bin args...` in `cwd`: only the given arguments.
    pub fn run(&self, cwd: &Path, args: &[&str]) -> Output {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        cli::run(&self.bin, cwd, args, &env)
    }

    /// `bin args... --out <out> --stage <stage> --workspace <ws>` in `cwd`.
    pub fn build(&self, cwd: &Path, args: &[&str]) -> Output {
        let (out, stage, ws) = (self.out(), self.stage(), self.ws());
        let mut all = args.to_vec();
        all.extend([
            "--out",
            path_str(&out),
            "--stage",
            path_str(&stage),
            "--workspace",
            path_str(&ws),
        ]);
        self.run(cwd, &all)
    }

    /// The record `results/<target>.json` in the workspace; panics when it
    /// is missing or not JSON.
    pub fn result(&self, target: &str) -> serde_json::Value {
        cli::read_json(&self.ws().join(format!("results/{target}.json")))
    }

    /// The sorted file names in `--out` (none when it does not exist).
    pub fn out_files(&self) -> Vec<String> {
        cli::files(&self.out())
    }

    /// The sorted file names in `--stage` (none when it does not exist).
    pub fn stage_files(&self) -> Vec<String> {
        cli::files(&self.stage())
    }
}

/// Credentials a Prow pod or a developer's shell may hold, with made-up
/// values: a build step (the repository's code) must see none of them.
pub const SECRETS: &[(&str, &str)] = &[
    ("GITHUB_TOKEN", "ghp_h7secretgithubtoken"),
    ("GITHUB_ACCESS_TOKEN", "ghp_h7secretaccesstoken"),
    (
        "GOOGLE_APPLICATION_CREDENTIALS",
        "/h7/secret/service-account.json",
    ),
    ("AWS_SECRET_ACCESS_KEY", "h7secretawssecretkey"),
    ("AWS_ACCESS_KEY_ID", "AKIAH7SECRETKEYID"),
    ("SECRET_X", "h7secretmadeup"),
];

impl BuildRun {
    /// Every run also gets the [`SECRETS`] in its environment.
    pub fn with_secrets(self) -> BuildRun {
        SECRETS.iter().fold(self, |b, (k, v)| b.env(k, v))
    }
}

/// Panics when `env_dump` (the output of `env` in a build step) holds any
/// of the [`SECRETS`], by name or by value.
pub fn assert_no_secrets(env_dump: &str) {
    for (name, value) in SECRETS {
        assert!(
            !env_dump.contains(name) && !env_dump.contains(value),
            "the build step saw {name}:\n{env_dump}"
        );
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}
