//! Bad-input corpus for the release tools: hostile versions and tags. Each
//! gives a clear error naming the input, and tags nothing.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use testsupport::cli::{command, run, stderr, stdout};
use testsupport::git::GitFixture;

const TAGGER: &str = env!("CARGO_BIN_EXE_repo-tagger");

fn version_gen() -> std::path::PathBuf {
    // Built beside this crate's binary by `cargo build --workspace --bins`.
    Path::new(TAGGER).with_file_name("version-gen")
}

#[test]
fn hostile_versions_are_refused_and_nothing_is_tagged() {
    let f = GitFixture::new();
    f.commit_and_push("c");
    let long = "9".repeat(10_000);
    let cases = [
        "20261127.00; rm -rf /",
        "../../etc/passwd",
        "20261127.00\n",
        "２０２６１１２７.００",
        "20261127.-1",
        "20261127.0x1",
        "20261127.00^{}",
        "20261127.999999999999999999999999",
        long.as_str(),
        "",
        " ",
    ];
    for v in cases {
        let o = run(TAGGER, &f.work(), &["--version", v], &[]);
        assert_eq!(o.status.code(), Some(2), "{v:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("is not a release version"), "{v:?}: {err}");
        // The input is named (quoted, so control characters are visible).
        let shown = format!("{:?}", v);
        assert!(
            err.contains(&shown[..shown.len().min(60)]),
            "{v:?} not named in: {err}"
        );
        assert!(stdout(&o).is_empty());
    }
    assert!(f.remote_tag_names().is_empty());
}

#[test]
fn non_utf8_arguments_are_usage_errors() {
    let f = GitFixture::new();
    let bad = std::ffi::OsStr::from_bytes(b"20261127.\xff\xfe");
    let o = command(TAGGER, &f.work())
        .arg("--version")
        .arg(bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("invalid UTF-8"), "{}", stderr(&o));
    assert!(f.remote_tag_names().is_empty());
}

#[test]
fn hostile_tags_in_the_remote_are_ignored_when_counting() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let names: Vec<String> = [
        "20261127.999999999999999999999999", // overflows: not a version
        "20261127.07-rc1",
        "v20261127.50",
        "20261127.5.1",
        "20261127.0a",
        "2026112.90",
        "ｖ1",
        "20261127.03",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    f.remote_tags(&names, &head);
    let o = run(
        version_gen().to_str().unwrap(),
        &f.work(),
        &["--date", "20261127"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "20261127.04\n");
}
