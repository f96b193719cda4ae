//! packagebuild-deb on the Go example, offline: real dh-golang builds with
//! the modules from a local file proxy, prefetched into GOMODCACHE.

use std::path::Path;

use testsupport::cli::{path_with_only, stderr};
use testsupport::go::{self, THIRD_PARTY, assert_reports_version};

const BIN: &str = env!("CARGO_BIN_EXE_packagebuild-deb");
const V: &str = "20261127.00";

fn unpack_deb(deb: &Path, into: &Path) {
    let o = std::process::Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(into)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn tar_list(tarball: &Path) -> Vec<String> {
    let o = std::process::Command::new("tar")
        .arg("tzf")
        .arg(tarball)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_go_example_with_its_extra_repo_builds_offline_and_reports_the_version() {
    let b = go::run(BIN);
    let (main, plugins) = go::repos(b.dir());
    let plugins_commit = testsupport::git::git(&plugins, &["rev-parse", "HEAD"]);
    let cache = b.dir().join("modcache");
    let o = b.build(
        &main,
        &[
            "--version",
            V,
            "--target",
            "deb12",
            "--extra-repo",
            plugins.to_str().unwrap(),
            "--go-mod-cache",
            cache.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("prefetched 1 module(s) for"), "{err}");

    // Both programs, each stamped with the version, the second built from
    // the extra repo placed inside the source.
    let x = b.dir().join("x");
    unpack_deb(&b.out().join(format!("go-agent_{V}-g1_amd64.deb")), &x);
    assert_reports_version(&x, "go_agent", V);
    assert_reports_version(&x, "go-agent-plugins", V);
    let orig = tar_list(&b.out().join(format!("go-agent_{V}.orig.tar.gz")));
    assert!(
        orig.contains(&format!("go-agent-{V}/go-agent-plugins/main.go")),
        "{orig:?}"
    );
    assert!(!orig.iter().any(|e| e.contains("/.git/")), "{orig:?}");

    // The record names the extra repo's commit and what Go did; the cache
    // persists and holds the third-party module.
    let r = b.result("deb12");
    assert_eq!(r["extra_repo"]["name"], "go-agent-plugins");
    assert_eq!(r["extra_repo"]["commit"], plugins_commit.trim());
    assert_eq!(r["go"]["modules"], 2, "one module per module root: {r}");
    assert!(
        r["go"]["version"].as_str().unwrap().starts_with("go1."),
        "{r}"
    );
    assert_eq!(r["go"]["mod_cache"], cache.to_str().unwrap());
    let (module, version) = THIRD_PARTY;
    assert!(
        cache
            .join(format!("cache/download/{module}/@v/{version}.zip"))
            .is_file()
    );
}

#[test]
fn without_the_extra_repo_only_the_agent_is_packaged() {
    let b = go::run(BIN);
    let (main, _) = go::repos(b.dir());
    let o = b.build(&main, &["--version", V, "--target", "deb12"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let x = b.dir().join("x");
    unpack_deb(&b.out().join(format!("go-agent_{V}-g1_amd64.deb")), &x);
    assert_reports_version(&x, "go_agent", V);
    assert!(!x.join("usr/bin/go-agent-plugins").exists());
    let r = b.result("deb12");
    assert!(r.get("extra_repo").is_none(), "{r}");
    assert_eq!(r["go"]["modules"], 1);
    // A scratch module cache is not recorded: it is gone.
    assert!(r["go"].get("mod_cache").is_none(), "{r}");
}

/// The proxy lacks the module: the prefetch fails before the package
/// build, naming the module, its version and the proxy; nothing is staged.
#[test]
fn a_module_the_proxy_lacks_fails_before_the_build() {
    let b = go::run(BIN);
    let (main, _) = go::repos(b.dir());
    std::fs::remove_dir_all(b.dir().join("goproxy/example.org")).unwrap();
    let o = b.build(&main, &["--version", V, "--target", "deb12"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    let proxy = format!("file://{}", b.dir().join("goproxy").display());
    assert!(
        err.contains(&format!(
            "module example.org/textfmt@v1.2.0 could not be downloaded for {} from the module proxy {proxy}: ",
            main.canonicalize().unwrap().display()
        )),
        "{err}"
    );
    assert!(
        !err.contains("dpkg-buildpackage"),
        "no package build ran: {err}"
    );
    assert!(b.out_files().is_empty() && b.stage_files().is_empty());
    let r = b.result("deb12");
    assert_eq!(r["status"], "failed");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("example.org/textfmt@v1.2.0")
    );
}

#[test]
fn an_extra_repo_or_ref_that_does_not_exist_is_refused() {
    let b = go::run(BIN);
    let (main, plugins) = go::repos(b.dir());
    let missing = b.dir().join("no-such-repo");
    let o = b.build(
        &main,
        &[
            "--version",
            V,
            "--target",
            "deb12",
            "--extra-repo",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "--extra-repo {}: no such folder, and not a URL: give the folder of a clone",
            missing.display()
        )),
        "{}",
        stderr(&o)
    );
    let o = b.build(
        &main,
        &[
            "--version",
            V,
            "--target",
            "deb12",
            "--extra-repo",
            plugins.to_str().unwrap(),
            "--extra-ref",
            "no-such-branch",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no-such-branch"), "{err}");
    assert!(b.out_files().is_empty() && b.stage_files().is_empty());
    assert_eq!(b.result("deb12")["status"], "failed");
}

/// No Go at the packaging's place and none on PATH: the error names what
/// needs Go and the install command.
#[test]
fn packaging_that_calls_go_without_go_installed_names_the_install_command() {
    let b = go::run(BIN).env("PACKAGEBUILD_GO_LINK", "/nonexistent/go-link");
    let (main, _) = go::repos(b.dir());
    let path = path_with_only(&[
        "git",
        "dpkg-buildpackage",
        "fakeroot",
        "dpkg-checkbuilddeps",
    ]);
    let b = b.env("PATH", path.path().to_str().unwrap());
    let o = b.build(&main, &["--version", V, "--target", "deb12"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "has a go.mod, but Go is not installed (no /nonexistent/go-link/bin/go, no go on PATH)"
        ),
        "{err}"
    );
    assert!(
        err.contains("apt-get install -y -t bookworm-backports golang-1.23-go golang-go"),
        "{err}"
    );
    assert!(b.out_files().is_empty() && b.stage_files().is_empty());
}
