//! packagebuild-rpm end to end: real rpmbuild builds of the example
//! repositories on this (non-RPM) host.

use std::path::Path;
use std::process::Output;

use testsupport::builds::{BuildRun, assert_no_secrets};
use testsupport::cli::{files, path_with_only, run, stderr, stdout};
use testsupport::git::GitFixture;

const BIN: &str = env!("CARGO_BIN_EXE_packagebuild-rpm");
const V: &str = "20261127.00";
const COMMIT_URL: &str =
    "https://github.com/GoogleCloudPlatform/example/tree/0123456789abcdef0123456789abcdef01234567";

fn build(cwd: &Path, args: &[&str]) -> Output {
    run(BIN, cwd, args, &[])
}

fn rpm_query(rpm: &Path, fmt: &str) -> String {
    let o = std::process::Command::new("rpm")
        .args(["-qp", "--nosignature", "--qf", fmt])
        .arg(rpm)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `--version` is the version to build, so the builder's own version is
/// `-V` or `--tool-version`.
#[test]
fn tool_version() {
    testsupport::cli::assert_tool_version(BIN, "packagebuild-rpm", env!("CARGO_PKG_VERSION"));
}

#[test]
fn help() {
    let o = build(Path::new("/"), &["--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn shell_tool_rpm_with_systemd_macros() {
    let f = GitFixture::from_example("shell-tool");
    let b = BuildRun::new(BIN);
    let o = b.build(&f.work(), &["--version", V, "--commit-url", COMMIT_URL]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not RPM-based"),
        "the compatibility rules are said: {}",
        stderr(&o)
    );
    let out = b.out();
    assert_eq!(
        files(&out),
        [
            "el9.SHA256SUMS",
            "guest-hello-20261127.00-g1.el9.noarch.rpm",
            "guest-hello-20261127.00-g1.el9.src.rpm"
        ]
    );
    let rpm = out.join("guest-hello-20261127.00-g1.el9.noarch.rpm");
    assert_eq!(
        rpm_query(&rpm, "%{EPOCH}:%{VERSION}-%{RELEASE} %{VCS}"),
        format!("1:20261127.00-g1.el9 {COMMIT_URL}")
    );
    // The systemd scriptlet macros were expanded, not shipped as text.
    let scripts = rpm_query(&rpm, "%{POSTIN}\n%{PREUN}\n%{POSTUN}");
    assert!(
        scripts.contains("systemctl") && !scripts.contains("%systemd"),
        "{scripts}"
    );
    let meta = pkgread::read_rpm(&rpm).unwrap();
    assert_eq!(meta.full_version(), "1:20261127.00-g1.el9");
    let rec = b.result("el9");
    assert_eq!(rec["status"], "ok");
    assert_eq!(rec["artifacts"].as_array().unwrap().len(), 2);
}

#[test]
fn el_variant_is_chosen_for_its_release() {
    let f = GitFixture::from_example("el-variant");
    let el8 = BuildRun::new(BIN);
    let o = el8.build(&f.work(), &["--version", V, "--dist", "el8", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rec["target"], "el8");
    let rpm = el8.out().join("el-tool-20261127.00-g1.el8.noarch.rpm");
    assert!(
        rpm_query(&rpm, "[%{REQUIRENAME}\n]").contains("iptables"),
        "the .el8 spec was used"
    );
    let el9 = BuildRun::new(BIN);
    let o = el9.build(&f.work(), &["--version", V, "--dist", "el9"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rpm = el9.out().join("el-tool-20261127.00-g1.el9.noarch.rpm");
    assert!(
        rpm_query(&rpm, "[%{REQUIRENAME}\n]").contains("nftables"),
        "the plain spec was used"
    );
}

#[test]
fn compiled_program_and_build_dir() {
    let f = GitFixture::from_example("c-hello");
    let b = BuildRun::new(BIN);
    let o = b.build(&f.work(), &["--version", V, "--define", "extra_flag=1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        b.out_files()
            .iter()
            .any(|f| f.starts_with("c-hello-20261127.00-g1.el9.x86_64")),
        "{:?}",
        b.out_files()
    );

    let m = GitFixture::from_example("monorepo");
    let b = BuildRun::new(BIN);
    let o = b.build(&m.work(), &["--version", V, "--build-dir", "agent"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        b.out_files()
            .contains(&"guest-monoagent-20261127.00-g1.el9.noarch.rpm".to_string())
    );
}

/// A retried build must converge: rebuilding the same commit and version
/// gives the same bytes (a compiled program too, whose debug paths name the
/// build folder), so staging it again finds identical objects, not a
/// conflict.
#[test]
fn rebuilding_the_same_commit_and_version_gives_the_same_bytes() {
    let f = GitFixture::from_example("c-hello");
    let d = tempfile::tempdir().unwrap();
    let stage = d.path().join("stage");
    let mut bytes = Vec::new();
    for round in ["first", "second"] {
        let out = d.path().join(round);
        let o = build(
            &f.work(),
            &[
                "--version",
                V,
                "--out",
                out.to_str().unwrap(),
                "--stage",
                stage.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{round}: {}", stderr(&o));
        let rpms: Vec<(String, Vec<u8>)> = files(&out)
            .into_iter()
            .filter(|n| n.ends_with(".rpm"))
            .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
            .collect();
        assert_eq!(rpms.len(), 2, "{round}: the binary and the source rpm");
        if round == "second" {
            assert!(
                stderr(&o).contains("already staged with identical bytes"),
                "{}",
                stderr(&o)
            );
        }
        bytes.push(rpms);
    }
    assert!(bytes[0] == bytes[1], "the rebuild made other bytes");
    let rpm = d.path().join("first/c-hello-20261127.00-g1.el9.x86_64.rpm");
    let commit_time = testsupport::git::git(&f.work(), &["log", "-1", "--format=%ct"]);
    assert_eq!(
        rpm_query(&rpm, "%{BUILDHOST} %{BUILDTIME}"),
        format!("{} {}", rpmspec::BUILD_HOST, commit_time.trim())
    );
}

/// The docs' build block: builders of several targets into one --out. Each
/// keeps its own checksum file, so none collides with another.
#[test]
fn builders_of_several_targets_share_one_out_folder() {
    let f = GitFixture::from_example("el-variant");
    let b = BuildRun::new(BIN);
    let out = b.out();
    for dist in ["el8", "el9"] {
        let o = b.build(&f.work(), &["--version", V, "--dist", dist]);
        assert!(o.status.success(), "{dist}: {}", stderr(&o));
    }
    let names = files(&out);
    assert!(
        names.contains(&"el8.SHA256SUMS".to_owned())
            && names.contains(&"el9.SHA256SUMS".to_owned()),
        "{names:?}"
    );
    let el8 = std::fs::read_to_string(out.join("el8.SHA256SUMS")).unwrap();
    assert!(el8.contains(".el8.") && !el8.contains(".el9."), "{el8}");
}

/// A file of the same name with other bytes in --out: exit 3 before
/// anything is copied, the message names the file and what to do.
#[test]
fn an_out_conflict_copies_nothing_and_says_what_to_do() {
    let f = GitFixture::from_example("shell-tool");
    let b = BuildRun::new(BIN);
    let (out, stage) = (b.out(), b.stage());
    std::fs::create_dir_all(&out).unwrap();
    let taken = "guest-hello-20261127.00-g1.el9.src.rpm";
    std::fs::write(out.join(taken), "an older build").unwrap();
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "another build of {taken} is there; nothing was copied or staged"
        )) && stderr(&o).contains("remove the old file, or use another --out folder"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files(&out), [taken]);
    assert!(files(&stage).is_empty());
}

/// The full log of a failed build outlives the scratch folder: beside
/// --out, in $ARTIFACTS when set, else in the kept folder the message names.
#[test]
fn the_log_of_a_failed_build_is_kept_where_the_message_says() {
    let f = GitFixture::from_example_with("shell-tool", |w| {
        let p = w.join("packaging/guest-hello.spec");
        let t = std::fs::read_to_string(&p).unwrap().replace(
            "%install\n",
            "%install\necho 'the full log line' >&2; exit 9\n",
        );
        std::fs::write(p, t).unwrap();
    });
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let artifacts = d.path().join("artifacts");
    // (extra arguments, environment, where the log must be: None for the
    // kept scratch folder)
    type Case<'a> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        Option<std::path::PathBuf>,
    );
    let cases: [Case; 3] = [
        (
            &["--out", out.to_str().unwrap()],
            &[],
            Some(d.path().join("out.logs/el9.rpmbuild-guest-hello.log")),
        ),
        (
            &["--out", out.to_str().unwrap()],
            &[("ARTIFACTS", artifacts.to_str().unwrap())],
            Some(artifacts.join("el9.rpmbuild-guest-hello.log")),
        ),
        (&[], &[], None),
    ];
    for (extra, env, want) in cases {
        let mut args = vec!["--version", V];
        args.extend(extra);
        let o = run(BIN, &f.work(), &args, env);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        let named = err
            .split("full log: ")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .unwrap_or_else(|| panic!("no log named: {err}"));
        if let Some(want) = &want {
            assert_eq!(Path::new(named), want, "{err}");
        }
        let log = std::fs::read_to_string(named).unwrap_or_else(|e| panic!("{named}: {e}"));
        assert!(log.contains("the full log line"), "{log}");
        if want.is_none() {
            // The kept scratch folder is this test's to remove.
            let folder = Path::new(named).parent().unwrap();
            assert!(folder.starts_with(std::env::temp_dir()), "{named}");
            std::fs::remove_dir_all(folder).unwrap();
        }
    }
}

#[test]
fn dry_run_shows_the_rpmbuild_command() {
    let f = GitFixture::from_example("shell-tool");
    let o = build(
        &f.work(),
        &["--version", V, "--dry-run", "--commit-url", COMMIT_URL],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "rpmbuild -ba --nodeps",
        "'_version 20261127.00'",
        "'has_extra_source 0'",
        "'dist .el9'",
        "Vcs: https://github.com",
        "guest-hello_20261127.00.orig.tar.gz",
    ] {
        assert!(text.contains(want), "{want} missing in:\n{text}");
    }
    // This host is not RPM-based: the build dependencies are listed up
    // front, as not checked.
    let o = build(
        &GitFixture::from_example("c-hello").work(),
        &["--version", V, "--dry-run"],
    );
    assert!(
        stdout(&o).contains(
            "BuildRequires, NOT checked on this host (--nodeps); install their Debian equivalents: gcc, make"
        ),
        "{}",
        stdout(&o)
    );
}

/// With --nodeps (a Debian host), a build that fails for want of a build
/// dependency fails late and says only what the compiler said: the error
/// lists the spec's BuildRequires, which nothing checked.
#[test]
fn a_failed_build_on_a_debian_host_lists_the_unchecked_build_requires() {
    let f = GitFixture::from_example_with("c-hello", |w| {
        let p = w.join("packaging/c-hello.spec");
        let t = std::fs::read_to_string(&p)
            .unwrap()
            .replace(
                "BuildRequires: gcc make\n",
                "BuildRequires: gcc make\nBuildRequires: boost-devel >= 1.66, pkgconfig(dracut)\n",
            )
            .replace(
                "%build\n",
                "%build\necho '/usr/bin/ld: cannot find -lboost_regex' >&2; exit 1\n",
            );
        std::fs::write(p, t).unwrap();
    });
    let o = build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("cannot find -lboost_regex"), "{err}");
    assert!(
        err.contains(
            "rpmbuild ran with --nodeps and did not check the spec's BuildRequires: gcc, make, boost-devel >= 1.66, pkgconfig(dracut)"
        ),
        "{err}"
    );
}

/// A spec whose Version is not the build's: the rpm carries another
/// version than asked, so read-back refuses it before anything is copied or
/// staged, and the record says why.
#[test]
fn a_package_with_another_version_is_never_uploaded() {
    let f = GitFixture::from_example_with("shell-tool", |w| {
        let p = w.join("packaging/guest-hello.spec");
        // The source tarball and its folder still carry the build's version.
        let t = std::fs::read_to_string(&p)
            .unwrap()
            .replace("Version: %{_version}\n", "Version: 9.9\n")
            .replace("%{name}_%{version}.orig", "%{name}_%{_version}.orig")
            .replace("%autosetup\n", "%autosetup -n %{name}-%{_version}\n");
        std::fs::write(p, t).unwrap();
    });
    let b = BuildRun::new(BIN);
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("version is \"9.9\", expected \"20261127.00\""),
        "{}",
        stderr(&o)
    );
    assert!(b.stage_files().is_empty(), "{:?}", b.stage_files());
    assert!(b.out_files().is_empty(), "{:?}", b.out_files());
    let rec = b.result("el9");
    assert_eq!(rec["status"], "failed");
    assert!(
        rec["error"]
            .as_str()
            .unwrap()
            .contains("expected \"20261127.00\""),
        "{rec}"
    );
}

#[test]
fn errors() {
    let nospec = GitFixture::from_example_with("shell-tool", |w| {
        std::fs::remove_file(w.join("packaging/guest-hello.spec")).unwrap()
    });
    let noname = GitFixture::from_example_with("shell-tool", |w| {
        let p = w.join("packaging/guest-hello.spec");
        let t = std::fs::read_to_string(&p).unwrap();
        let t: String = t
            .lines()
            .filter(|l| !l.starts_with("Name:"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(p, t).unwrap();
    });
    let failing = GitFixture::from_example_with("shell-tool", |w| {
        let p = w.join("packaging/guest-hello.spec");
        let t = std::fs::read_to_string(&p).unwrap().replace(
            "%install\n",
            "%install\necho 'install step exploded' >&2; exit 9\n",
        );
        std::fs::write(p, t).unwrap();
    });
    let mut all = String::new();
    for (name, cwd, args, code) in [
        ("no spec", nospec.work(), vec!["--version", V], 1),
        ("spec without Name", noname.work(), vec!["--version", V], 1),
        (
            "bad --dist",
            nospec.work(),
            vec!["--version", V, "--dist", "centos9"],
            2,
        ),
        (
            "rpmbuild fails midway",
            failing.work(),
            vec!["--version", V],
            1,
        ),
    ] {
        let o = build(&cwd, &args);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        let err = err
            .lines()
            .filter(|l| !l.starts_with(" INFO") && !l.starts_with("INFO"))
            .collect::<Vec<_>>()
            .join("\n");
        all.push_str(&format!("## {name} (exit {code})\n{}\n", err.trim_end()));
    }
    assert!(all.contains("install step exploded"), "{all}");
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"/tmp/[^\s:;]+", "[TMP]");
    s.add_filter(r"(?m)^\+ .*\n", "");
    s.bind(|| {
        // The rpmbuild log tail varies with the machine; only its end is stable.
        let stable: String = all
            .lines()
            .filter(|l| {
                !l.starts_with('+')
                    && !l.contains("Executing(")
                    && !l.contains("RPM build errors")
                    && !l.contains("Bad exit status")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        insta::assert_snapshot!(stable)
    });
}

#[test]
fn missing_rpmbuild_names_the_install_command() {
    let f = GitFixture::from_example("shell-tool");
    let bin = path_with_only(&["git"]);
    let o = run(
        BIN,
        &f.work(),
        &["--version", V],
        &[("PATH", bin.path().to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("rpmbuild is not installed: install it (as root: apt-get install -y rpm (on EL: rpm-build))"), "{}", stderr(&o));
}

/// The spec's %build is the repository's code: it sees the build's own
/// variables, never the builder's credentials.
#[test]
fn the_spec_build_sees_no_inherited_secrets() {
    let dump_dir = tempfile::tempdir().unwrap();
    let dump = dump_dir.path().join("env");
    let f = GitFixture::from_example_with("shell-tool", |w| {
        let spec = w.join("packaging/guest-hello.spec");
        let text = std::fs::read_to_string(&spec).unwrap();
        let text = text.replace("%build\n", &format!("%build\nenv > '{}'\n", dump.display()));
        std::fs::write(&spec, text).unwrap();
    });
    let b = BuildRun::new(BIN).with_secrets();
    let o = b.build(&f.work(), &["--version", V, "--env", "H7_PAIR=seen"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = std::fs::read_to_string(&dump).unwrap();
    assert_no_secrets(&seen);
    assert!(seen.lines().any(|l| l == "H7_PAIR=seen"), "{seen}");
    assert!(
        seen.lines().any(|l| l.starts_with("SOURCE_DATE_EPOCH=")),
        "{seen}"
    );
}
