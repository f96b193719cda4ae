//! Go builds in tests, offline: the example module proxy and the Go
//! example repositories (`examples/go-agent`, `examples/go-agent-plugins`).
//!
//! ```no_run
//! # let bin = "packagebuild-deb";
//! let b = testsupport::go::run(bin);
//! let (main, plugins) = testsupport::go::repos(b.dir());
//! let o = b.build(&main, &["--version", "20261127.00", "--extra-repo", plugins.to_str().unwrap()]);
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::builds::BuildRun;
use crate::git::{copy_dir, examples_dir, git};

/// The module the Go examples import, as `go.mod` requires it.
pub const THIRD_PARTY: (&str, &str) = ("example.org/textfmt", "v1.2.0");

/// Writes the module proxy of `examples/go-modules` into `dir/goproxy`
/// and returns it.
pub fn write_proxy(dir: &Path) -> PathBuf {
    let proxy = dir.join("goproxy");
    gomodproxy::write_proxy(&examples_dir().join("go-modules"), &proxy).expect("module proxy");
    proxy
}

/// A run of the builder `bin` that reaches modules only through its own
/// file proxy (`GOPROXY=file://<dir>/goproxy`), with the local Go
/// (`GOTOOLCHAIN=local`: no toolchain download).
pub fn run(bin: &str) -> BuildRun {
    let b = BuildRun::new(bin);
    let proxy = write_proxy(b.dir());
    let url = format!("file://{}", proxy.display());
    b.env("GOPROXY", &url)
        .env("GOTOOLCHAIN", "local")
        .env("GONOSUMDB", "")
        .env("GOFLAGS", "")
}

/// `examples/<name>` as a git repository of one commit at `at` (the folder
/// name is the repository's name: an extra repo is placed under it).
pub fn example_repo(name: &str, at: &Path) -> String {
    copy_dir(&examples_dir().join(name), at);
    git(at, &["init", "--quiet", "--initial-branch=main"]);
    git(at, &["add", "-A"]);
    git(
        at,
        &["commit", "--quiet", "-m", &format!("import example {name}")],
    );
    git(at, &["rev-parse", "HEAD"]).trim().to_owned()
}

/// The Go example and its extra repository, side by side under `dir`:
/// `dir/go-agent`, `dir/go-agent-plugins`.
pub fn repos(dir: &Path) -> (PathBuf, PathBuf) {
    let (main, plugins) = (dir.join("go-agent"), dir.join("go-agent-plugins"));
    example_repo("go-agent", &main);
    example_repo("go-agent-plugins", &plugins);
    (main, plugins)
}

/// Asserts that the unpacked package at `root` holds `usr/bin/<program>`
/// and that it prints `<program> version <version>` for `--version`.
pub fn assert_reports_version(root: &Path, program: &str, version: &str) {
    let path = root.join("usr/bin").join(program);
    let o = Command::new(&path)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", path.display()));
    assert!(o.status.success(), "{} --version failed", path.display());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("{program} version {version}"),
        "{}",
        path.display()
    );
}

/// Whether `bytes` are a Windows PE executable (the `MZ` header, and the
/// `PE\0\0` signature where the header points).
pub fn is_windows_exe(bytes: &[u8]) -> bool {
    if bytes.len() < 0x40 || &bytes[..2] != b"MZ" {
        return false;
    }
    let at = u32::from_le_bytes(bytes[0x3c..0x40].try_into().expect("4 bytes")) as usize;
    bytes.get(at..at + 4) == Some(b"PE\0\0")
}

/// Whether the executable `bytes` holds `text` (a version stamped in with
/// `-X main.version=...`, for a program that cannot run here).
pub fn contains(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}
