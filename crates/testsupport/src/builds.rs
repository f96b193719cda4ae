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

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}
