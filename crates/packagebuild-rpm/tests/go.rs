//! packagebuild-rpm on the Go example, offline: a spec that calls %{_go}
//! with GOPATH %{_gopath}, and the extra repo as Source1.

use std::path::Path;
use std::process::Command;

use testsupport::cli::stderr;
use testsupport::go::{self, assert_reports_version};

const BIN: &str = env!("CARGO_BIN_EXE_packagebuild-rpm");
const V: &str = "20261127.00";

/// `rpm2cpio RPM | cpio -idm` into `into`.
fn unpack_rpm(rpm: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("rpm2cpio '{}' | cpio -idm --quiet", rpm.display()))
        .current_dir(into)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn rpm_files(rpm: &Path) -> String {
    let o = Command::new("rpm").arg("-qpl").arg(rpm).output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_go_example_with_its_extra_repo_builds_with_two_sources() {
    let b = go::run(BIN);
    let (main, plugins) = go::repos(b.dir());
    let o = b.build(
        &main,
        &[
            "--version",
            V,
            "--target",
            "el9",
            "--extra-repo",
            plugins.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rpm = b.out().join(format!("go-agent-{V}-g1.el9.x86_64.rpm"));
    let x = b.dir().join("x");
    unpack_rpm(&rpm, &x);
    assert_reports_version(&x, "go_agent", V);
    assert_reports_version(&x, "go-agent-plugins", V);
    // The source package carries both tarballs.
    let srpm = rpm_files(&b.out().join(format!("go-agent-{V}-g1.el9.src.rpm")));
    assert!(
        srpm.contains(&format!("go-agent_{V}.orig.tar.gz")),
        "{srpm}"
    );
    assert!(
        srpm.contains(&format!("go-agent-plugins_extra-{V}.orig.tar.gz")),
        "{srpm}"
    );
    let r = b.result("el9");
    assert_eq!(r["extra_repo"]["name"], "go-agent-plugins");
    assert_eq!(r["go"]["modules"], 2);
}

#[test]
fn without_the_extra_repo_has_extra_source_is_0() {
    let b = go::run(BIN);
    let (main, _) = go::repos(b.dir());
    let o = b.build(&main, &["--version", V, "--target", "el9"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rpm = b.out().join(format!("go-agent-{V}-g1.el9.x86_64.rpm"));
    assert_eq!(rpm_files(&rpm).trim(), "/usr/bin/go_agent");
    let srpm = rpm_files(&b.out().join(format!("go-agent-{V}-g1.el9.src.rpm")));
    assert!(!srpm.contains("_extra-"), "{srpm}");
}

/// The dry run shows the macros rpmbuild gets: `_go` is the Go at the
/// packaging's place, `has_extra_source` says whether Source1 is given.
#[test]
fn the_plan_defines_the_go_macros_and_the_extra_source() {
    let b = go::run(BIN);
    let (main, plugins) = go::repos(b.dir());
    let o = b.run(
        &main,
        &[
            "--version",
            V,
            "--target",
            "el9",
            "--dry-run",
            "--extra-repo",
            plugins.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = testsupport::cli::stdout(&o);
    assert!(plan.contains("--define 'has_extra_source 1'"), "{plan}");
    assert!(
        plan.contains(&format!(
            "write SOURCES/go-agent-plugins_extra-{V}.orig.tar.gz from the extra repository"
        )),
        "{plan}"
    );
    assert!(plan.contains("run: go mod download -json in"), "{plan}");
}
