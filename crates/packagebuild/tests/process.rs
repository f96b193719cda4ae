//! A real child of `repository_command` sees only the allow-list.
//!
//! An integration test, not a unit test beside the code: the library's own
//! tests take `StableDir` locks (flock), and a child forked by a test
//! running beside them holds a copy of those lock files until it execs,
//! which made a lock look taken.

use packagebuild::process::{output, passes_through, repository_command};

/// A real child: the test runner's own variables (cargo's CARGO_*,
/// whatever the shell has) do not reach it.
#[tokio::test]
async fn the_child_sees_only_the_allow_list() {
    let mut cmd = repository_command("env");
    cmd.env("VERSION", "20261127.00");
    let out = output(cmd, "env").await.unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, _)| k)
        .collect();
    assert!(names.contains(&"VERSION"), "{text}");
    for name in names.iter().filter(|n| **n != "VERSION") {
        assert!(passes_through(name), "{name} reached the child:\n{text}");
    }
    // What the runner had and the list refuses (cargo sets CARGO_* for tests).
    assert!(std::env::vars().any(|(k, _)| !passes_through(&k)));
}
