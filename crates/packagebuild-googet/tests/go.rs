//! packagebuild-googet on the Go example, offline: a build step that calls
//! /tmp/go/bin/go with GOOS=windows and reads the extra repo beside the
//! source (../go-agent-plugins).

use std::path::Path;

use testsupport::cli::stderr;
use testsupport::go::{self, contains, is_windows_exe};

const BIN: &str = env!("CARGO_BIN_EXE_packagebuild-googet");
const V: &str = "20261127.00";
const GOO: &str = "google-compute-engine-go-agent.x86_64.20261127.00@1.goo";

/// The files of a .goo (a tar.gz), by name.
fn goo_files(goo: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(goo).unwrap();
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

fn assert_both_programs(goo: &Path) {
    let files = goo_files(goo);
    for exe in ["GoAgent.exe", "GoAgentPlugins.exe"] {
        let bytes = &files[exe];
        assert!(is_windows_exe(bytes), "{exe} is a Windows executable");
        assert!(contains(bytes, V), "{exe} holds the version {V}");
    }
}

/// Elsewhere than beside the source, the extra repo is copied beside a copy
/// of the source; the checkout is left as it was.
#[test]
fn an_extra_repo_elsewhere_is_placed_beside_a_copy_of_the_source() {
    let b = go::run(BIN);
    let (main, _) = go::repos(b.dir());
    let elsewhere = b.dir().join("elsewhere/go-agent-plugins");
    go::example_repo("go-agent-plugins", &elsewhere);
    let o = b.build(
        &main,
        &["--version", V, "--extra-repo", elsewhere.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("copied the source to"),
        "{}",
        stderr(&o)
    );
    assert_both_programs(&b.out().join(GOO));
    assert!(
        !main.join("GoAgent.exe").exists(),
        "the checkout is untouched"
    );
    assert_eq!(b.result("goo")["extra_repo"]["name"], "go-agent-plugins");
}

/// Beside the source already (Prow's clonerefs puts extra_refs there):
/// built in place.
#[test]
fn an_extra_repo_beside_the_source_is_built_in_place() {
    let b = go::run(BIN);
    let (main, plugins) = go::repos(b.dir());
    let o = b.build(
        &main,
        &["--version", V, "--extra-repo", plugins.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("beside the source already: building in place"),
        "{}",
        stderr(&o)
    );
    assert_both_programs(&b.out().join(GOO));
    assert!(main.join("GoAgent.exe").is_file());
}

#[test]
fn without_the_extra_repo_the_placeholder_is_packed() {
    let b = go::run(BIN);
    let main = b.dir().join("go-agent");
    go::example_repo("go-agent", &main);
    let o = b.build(&main, &["--version", V]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = goo_files(&b.out().join(GOO));
    assert!(is_windows_exe(&files["GoAgent.exe"]));
    assert!(
        String::from_utf8_lossy(&files["GoAgentPlugins.exe"]).starts_with("This is a placeholder")
    );
    assert_eq!(b.result("goo")["go"]["modules"], 1);
}

/// The same commits built from two other folders give the same bytes: Go
/// records no build folder (-trimpath), so a retried build in another
/// scratch folder stages identical files.
#[test]
fn the_same_commits_in_other_folders_give_the_same_goo() {
    let b = go::run(BIN);
    let extra = b.dir().join("elsewhere/go-agent-plugins");
    go::example_repo("go-agent-plugins", &extra);
    let sha = |n: &str| {
        let main = b.dir().join(n).join("go-agent");
        go::example_repo("go-agent", &main);
        let out = b.dir().join(n).join("out");
        let o = b.run(
            &main,
            &[
                "--version",
                V,
                "--out",
                out.to_str().unwrap(),
                "--extra-repo",
                extra.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out.join(GOO)).unwrap()
    };
    assert!(sha("one") == sha("two"), "the .goo bytes differ");
}
