//! Bad-input corpus for packagebuild-deb: broken control files, hostile
//! paths. Each gives a clear error naming the input and leaves nothing
//! behind: no staged file, no ok result.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use testsupport::cli::{run, stderr};
use testsupport::git::GitFixture;

const BIN: &str = env!("CARGO_BIN_EXE_packagebuild-deb");
const V: &str = "20261127.00";

fn with_control(bytes: &[u8]) -> GitFixture {
    GitFixture::from_example_with("shell-tool", |w| {
        std::fs::write(w.join("packaging/debian/control"), bytes).unwrap()
    })
}

fn build_into(f: &GitFixture, dir: &Path) -> std::process::Output {
    let (stage, ws) = (dir.join("stage"), dir.join("ws"));
    run(
        BIN,
        &f.work(),
        &[
            "--version",
            V,
            "--stage",
            stage.to_str().unwrap(),
            "--workspace",
            ws.to_str().unwrap(),
        ],
        &[],
    )
}

fn assert_nothing_left(dir: &Path) {
    let staged: Vec<_> = std::fs::read_dir(dir.join("stage"))
        .map(|r| r.collect())
        .unwrap_or_default();
    assert!(staged.is_empty(), "staged: {staged:?}");
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ws/results/deb12.json")).unwrap()).unwrap();
    assert_eq!(rec["status"], "failed");
}

#[test]
fn broken_control_files() {
    let huge = format!(
        "Source: xy\nDescription: {}\n\nPackage: x\n",
        "y".repeat(5_000_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "binary garbage",
            vec![0, 1, 2, 3, 0, 27, 91, 50, 74],
            "not a valid control file",
        ),
        (
            "not UTF-8",
            b"Source: caf\xe9\n\nPackage: x\n".to_vec(),
            "is not UTF-8 text (invalid byte at offset 11)",
        ),
        (
            "duplicate Source",
            b"Source: a1\nSource: b1\n\nPackage: x\n".to_vec(),
            "not a valid control file",
        ),
        (
            "continuation first",
            b" leading continuation\nSource: x\n".to_vec(),
            "not a valid control file",
        ),
        (
            "hostile name",
            b"Source: ../../evil\n\nPackage: x\n".to_vec(),
            "is not a valid Debian package name",
        ),
        (
            "shell in name",
            b"Source: a$(reboot)\n\nPackage: x\n".to_vec(),
            "is not a valid Debian package name",
        ),
        (
            "huge field, no Package",
            huge.replace("\n\nPackage: x\n", "\n").into_bytes(),
            "declares no binary package",
        ),
    ];
    for (name, bytes, want) in cases {
        let f = with_control(&bytes);
        let d = tempfile::tempdir().unwrap();
        let o = build_into(&f, d.path());
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("packaging/debian/control") && err.contains(want),
            "{name}: {err}"
        );
        assert!(
            err.len() < 10_000,
            "{name}: the error must not echo a huge input ({} bytes)",
            err.len()
        );
        assert_nothing_left(d.path());
    }
}

#[test]
fn a_file_name_that_is_not_utf8_is_named() {
    let f = GitFixture::from_example("shell-tool");
    let name = std::ffi::OsStr::from_bytes(b"bad-\xff-name.txt");
    std::fs::write(f.work().join("src").join(name), "x").unwrap();
    commit_all(&f);
    let d = tempfile::tempdir().unwrap();
    let o = build_into(&f, d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bad-") && stderr(&o).contains("is not UTF-8"),
        "{}",
        stderr(&o)
    );
    assert_nothing_left(d.path());
}

#[test]
fn long_paths_and_outward_symlinks_are_packed_safely() {
    let f = GitFixture::from_example("shell-tool");
    // A 250-byte name under a deep folder: over the 100-byte ustar field.
    let deep = f
        .work()
        .join("src")
        .join("d".repeat(120))
        .join("e".repeat(120));
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("f".repeat(250)), "long").unwrap();
    // A link leaving the tree is stored as a link, never followed.
    std::os::unix::fs::symlink("/etc/passwd", f.work().join("src/outside")).unwrap();
    commit_all(&f);
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let o = run(
        BIN,
        &f.work(),
        &["--version", V, "--out", out.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let list = std::process::Command::new("tar")
        .args(["-tvzf"])
        .arg(out.join("guest-hello_20261127.00.orig.tar.gz"))
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains(&"f".repeat(250)), "{list}");
    assert!(list.contains("src/outside -> /etc/passwd"), "{list}");
}

#[test]
fn hostile_build_dirs() {
    let f = GitFixture::from_example("shell-tool");
    std::os::unix::fs::symlink("/", f.work().join("root-link")).unwrap();
    for (bd, want) in [
        ("../..", "leaves the repository"),
        ("/etc", "is absolute"),
        ("root-link", "leaves the repository (through a symlink)"),
        ("nope", "does not exist"),
    ] {
        let o = run(BIN, &f.work(), &["--version", V, "--build-dir", bd], &[]);
        assert_eq!(o.status.code(), Some(2), "{bd}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(want) && stderr(&o).contains(bd),
            "{bd}: {}",
            stderr(&o)
        );
    }
}

/// Commits every file of the work tree: the builders pack only what the
/// commit holds.
fn commit_all(f: &GitFixture) {
    testsupport::git::git(&f.work(), &["add", "-A"]);
    f.commit("hostile names");
}
