//! packagebuild-deb end to end: real dpkg-buildpackage builds of the
//! example repositories.

use std::path::Path;
use std::process::Output;

use testsupport::builds::{BuildRun, assert_no_secrets};
use testsupport::cli::{files, path_with_only, run, stderr, stdout};
use testsupport::git::GitFixture;

const BIN: &str = env!("CARGO_BIN_EXE_packagebuild-deb");
const V: &str = "20261127.00";
const COMMIT_URL: &str =
    "https://github.com/GoogleCloudPlatform/example/tree/0123456789abcdef0123456789abcdef01234567";

fn build(cwd: &Path, args: &[&str]) -> Output {
    run(BIN, cwd, args, &[])
}

fn deb_field(deb: &Path, field: &str) -> String {
    let o = std::process::Command::new("dpkg-deb")
        .arg("-f")
        .arg(deb)
        .arg(field)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// `--version` is the version to build, so the builder's own version is
/// `-V` or `--tool-version`.
#[test]
fn tool_version() {
    testsupport::cli::assert_tool_version(BIN, "packagebuild-deb", env!("CARGO_PKG_VERSION"));
}

#[test]
fn help() {
    let o = build(Path::new("/"), &["--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn shell_tool_builds_verifies_stages_and_records() {
    let f = GitFixture::from_example("shell-tool");
    let b = BuildRun::new(BIN);
    let (out, stage) = (b.out(), b.stage());
    let o = b.build(&f.work(), &["--version", V, "--commit-url", COMMIT_URL]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = [
        "guest-hello_20261127.00-g1.debian.tar.xz",
        "guest-hello_20261127.00-g1.dsc",
        "guest-hello_20261127.00-g1_all.deb",
        "guest-hello_20261127.00.orig.tar.gz",
    ];
    assert_eq!(files(&stage), expected);
    let mut with_sums = expected.to_vec();
    with_sums.insert(0, "deb12.SHA256SUMS");
    assert_eq!(files(&out), with_sums);
    let deb = stage.join("guest-hello_20261127.00-g1_all.deb");
    assert_eq!(deb_field(&deb, "Version"), "1:20261127.00-g1");
    assert_eq!(deb_field(&deb, "Git"), COMMIT_URL);
    let meta = pkgread::read_deb(&deb).unwrap();
    assert_eq!(meta.full_version(), "1:20261127.00-g1");

    let rec = b.result("deb12");
    assert_eq!(rec["status"], "ok");
    assert_eq!(rec["version"], V);
    assert_eq!(rec["commit"], f.head().as_str());
    let arts = rec["artifacts"].as_array().unwrap();
    assert_eq!(arts.len(), 4);
    let deb_rec = arts
        .iter()
        .find(|a| a["file"] == "guest-hello_20261127.00-g1_all.deb")
        .unwrap();
    assert_eq!(deb_rec["package"]["version"], "1:20261127.00-g1");
    assert_eq!(deb_rec["package"]["arch"], "all");
    assert!(
        deb_rec["staged_url"]
            .as_str()
            .unwrap()
            .starts_with("file://")
    );
    // stdout is the artifact table.
    assert!(
        stdout(&o).contains("guest-hello_20261127.00-g1_all.deb"),
        "{}",
        stdout(&o)
    );

    // The same commit again: the same orig tarball bytes, and the staged
    // files count as done (nothing overwritten, exit 0).
    let o2 = b.run(
        &f.work(),
        &[
            "--version",
            V,
            "--stage",
            stage.to_str().unwrap(),
            "--json",
            "--commit-url",
            COMMIT_URL,
        ],
    );
    assert!(o2.status.success(), "{}", stderr(&o2));
    let rec2: serde_json::Value = serde_json::from_str(&stdout(&o2)).unwrap();
    let sha = |r: &serde_json::Value, f: &str| {
        r["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["file"] == f)
            .unwrap()["sha256"]
            .clone()
    };
    assert_eq!(
        sha(&rec, "guest-hello_20261127.00.orig.tar.gz"),
        sha(&rec2, "guest-hello_20261127.00.orig.tar.gz")
    );
}

#[test]
fn two_binary_packages_and_the_deb_suffix() {
    let f = GitFixture::from_example("multi-deb");
    let b = BuildRun::new(BIN);
    let o = b.build(&f.work(), &["--version", V]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fs = b.out_files();
    for want in [
        "guest-configs-common_20261127.00-g1+deb12_all.deb",
        "guest-configs-extra_20261127.00-g1+deb12_all.deb",
        "guest-configs_20261127.00-g1+deb12.dsc",
    ] {
        assert!(fs.contains(&want.to_string()), "{want} not in {fs:?}");
    }
    assert_eq!(
        deb_field(
            &b.out()
                .join("guest-configs-extra_20261127.00-g1+deb12_all.deb"),
            "Version"
        ),
        "1:20261127.00-g1+deb12"
    );
}

#[test]
fn compiled_program_reads_version_and_env() {
    let f = GitFixture::from_example("c-hello");
    let b = BuildRun::new(BIN);
    let o = b.build(
        &f.work(),
        &["--version", V, "--env", "TARGET_VERSION=bookworm"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = b.out().join("c-hello_20261127.00-g1_amd64.deb");
    assert!(deb.exists(), "{:?}", b.out_files());
    // The program has the version compiled in.
    let x = tempfile::tempdir().unwrap();
    let st = std::process::Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(x.path())
        .status()
        .unwrap();
    assert!(st.success());
    let out = std::process::Command::new(x.path().join("usr/bin/c-hello"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(V));
}

#[test]
fn build_dir_and_clone_at_a_ref() {
    let f = GitFixture::from_example("monorepo");
    let b = BuildRun::new(BIN);
    let elsewhere = tempfile::tempdir().unwrap();
    let o = b.build(
        elsewhere.path(),
        &[
            "--repo-url",
            f.remote().to_str().unwrap(),
            "--ref",
            "master",
            "--build-dir",
            "agent",
            "--version",
            V,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        b.out_files()
            .contains(&"guest-monoagent_20261127.00-g1_all.deb".to_string()),
        "{:?}",
        b.out_files()
    );
    // Only the build folder went into the tarball.
    let list = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(b.out().join("guest-monoagent_20261127.00.orig.tar.gz"))
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        !list.contains("tools/") && !list.contains("packaging"),
        "{list}"
    );
}

#[test]
fn dry_run_changes_nothing() {
    let f = GitFixture::from_example("shell-tool");
    let b = BuildRun::new(BIN);
    let (stage, ws) = (b.stage(), b.ws());
    let o = b.build(
        &f.work(),
        &["--version", V, "--dry-run", "--commit-url", COMMIT_URL],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "dpkg-buildpackage -us -uc",
        "XB-Git: https://github.com",
        "1:20261127.00-g1",
        "upload create-only to file://",
        "results/deb12.json",
    ] {
        assert!(text.contains(want), "{want} missing in:\n{text}");
    }
    assert!(!stage.exists() && !ws.exists());
}

#[test]
fn failed_build_writes_a_failed_record_and_uploads_nothing() {
    let f = GitFixture::from_example_with("shell-tool", |w| {
        let rules = w.join("packaging/debian/rules");
        let text = std::fs::read_to_string(&rules).unwrap();
        std::fs::write(
            &rules,
            format!("{text}\noverride_dh_auto_build:\n\techo 'compiler exploded' >&2; exit 7\n"),
        )
        .unwrap();
    });
    let b = BuildRun::new(BIN);
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("dpkg-buildpackage failed") && stderr(&o).contains("compiler exploded"),
        "{}",
        stderr(&o)
    );
    assert!(b.stage_files().is_empty());
    let rec = b.result("deb12");
    assert_eq!(rec["status"], "failed");
    assert!(rec["error"].as_str().unwrap().contains("compiler exploded"));
}

#[test]
fn a_package_with_another_version_is_never_uploaded() {
    let f = GitFixture::from_example_with("shell-tool", |w| {
        let rules = w.join("packaging/debian/rules");
        let text = std::fs::read_to_string(&rules).unwrap();
        std::fs::write(
            &rules,
            format!("{text}\noverride_dh_gencontrol:\n\tdh_gencontrol -- -v1:9.9-g1\n"),
        )
        .unwrap();
    });
    let b = BuildRun::new(BIN);
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("version is \"9.9\", expected \"20261127.00\""),
        "{}",
        stderr(&o)
    );
    assert!(b.stage_files().is_empty());
    // Nor copied to --out, and the record says the build failed.
    assert!(b.out_files().is_empty(), "{:?}", b.out_files());
    let rec = b.result("deb12");
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
fn a_conflicting_object_exits_3_and_stays() {
    let f = GitFixture::from_example("shell-tool");
    let b = BuildRun::new(BIN);
    let stage = b.stage();
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(
        stage.join("guest-hello_20261127.00-g1_all.deb"),
        "someone else's bytes",
    )
    .unwrap();
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("guest-hello_20261127.00-g1_all.deb"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(stage.join("guest-hello_20261127.00-g1_all.deb")).unwrap(),
        b"someone else's bytes"
    );
    // Every destination is checked before anything is written: none of
    // the other artifacts was staged, and the message says what to do.
    assert_eq!(files(&stage), ["guest-hello_20261127.00-g1_all.deb"]);
    assert!(
        stderr(&o).contains("already exists with different content: another build of guest-hello_20261127.00-g1_all.deb is there; nothing was copied or staged")
            && stderr(&o).contains("stage each run to its own folder"),
        "{}",
        stderr(&o)
    );
}

/// Local changes are not in the commit the packages record: refused, or
/// built with --allow-dirty and recorded; ignored files are never packed.
#[test]
fn a_dirty_tree_is_refused_unless_allowed_and_then_recorded() {
    let f = GitFixture::from_example("shell-tool");
    std::fs::write(f.work().join("src/notes.txt"), "not committed").unwrap();
    std::fs::write(f.work().join(".gitignore"), "*.o\n").unwrap();
    let b = BuildRun::new(BIN);
    let out = b.out();
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("has local changes that are not in commit")
            && stderr(&o).contains("?? .gitignore, ?? src/notes.txt")
            && stderr(&o).contains("--allow-dirty"),
        "{}",
        stderr(&o)
    );
    assert!(files(&out).is_empty(), "nothing built or copied");

    testsupport::git::git(&f.work(), &["add", ".gitignore"]);
    f.commit("ignore objects");
    std::fs::write(f.work().join("src/left-over.o"), "ignored").unwrap();
    let o = b.build(&f.work(), &["--version", V, "--allow-dirty"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec = b.result("deb12");
    assert_eq!(
        rec["local_changes"],
        serde_json::json!(["?? src/notes.txt"])
    );
    assert_eq!(rec["host"], "deb12");
    let list = tar_list(&out.join("guest-hello_20261127.00.orig.tar.gz"));
    assert!(list.contains("src/notes.txt"), "{list}");
    assert!(
        !list.contains("left-over.o"),
        "ignored files are never packed: {list}"
    );
}

/// The docs' way: --out ./out inside the repository, built twice. The
/// second build neither packs the first one's outputs nor counts them as
/// local changes, and rebuilds the same bytes.
#[test]
fn an_out_folder_inside_the_repository_is_never_packed() {
    let f = GitFixture::from_example("shell-tool");
    for round in ["first", "second"] {
        let o = build(&f.work(), &["--version", V, "--out", "./out"]);
        assert!(o.status.success(), "{round}: {}", stderr(&o));
    }
    let list = tar_list(&f.work().join("out/guest-hello_20261127.00.orig.tar.gz"));
    assert!(!list.contains("out/"), "{list}");
    assert!(list.contains("guest-hello-20261127.00/src/"), "{list}");

    // The next build without --out (the docs' workspace chain after their
    // --out ./out block) knows ./out and ./out.logs for an earlier build's.
    std::fs::create_dir(f.work().join("out.logs")).unwrap();
    std::fs::write(f.work().join("out.logs/deb12-dpkg-buildpackage.log"), "log").unwrap();
    let b = BuildRun::new(BIN);
    let ws = b.ws();
    let o = b.run(
        &f.work(),
        &["--version", V, "--workspace", ws.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("out/ holds the outputs of an earlier build")
            && stderr(&o).contains("out.logs/ holds the outputs of an earlier build"),
        "{}",
        stderr(&o)
    );
    let rec = b.result("deb12");
    assert!(
        rec["local_changes"].as_array().is_none_or(|c| c.is_empty()),
        "no local changes recorded: {rec}"
    );

    // A file no checksum lists makes it a folder of local changes again.
    std::fs::write(f.work().join("out/notes.txt"), "mine").unwrap();
    let o = b.run(
        &f.work(),
        &["--version", V, "--workspace", ws.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("?? out/notes.txt"), "{}", stderr(&o));
}

/// A debN target on a host of another Debian release would file this
/// host's packages under debN: refused unless allowed, and then recorded.
#[test]
fn a_foreign_debian_target_is_refused_unless_allowed() {
    let f = GitFixture::from_example("shell-tool");
    let b = BuildRun::new(BIN);
    let host = deb_host();
    let foreign = if host == "deb11" { "deb13" } else { "deb11" };
    let args = ["--version", V, "--target", foreign];
    let o = b.build(&f.work(), &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("target {foreign} asks for Debian"))
            && stderr(&o).contains("--allow-foreign-target"),
        "{}",
        stderr(&o)
    );
    let mut allowed = args.to_vec();
    allowed.push("--allow-foreign-target");
    let o = b.build(&f.work(), &allowed);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec = b.result(foreign);
    assert_eq!(rec["target"], foreign);
    assert_eq!(rec["host"], host.as_str());
}

/// `deb<major>` of this machine.
fn deb_host() -> String {
    let v = std::fs::read_to_string("/etc/debian_version").unwrap();
    format!("deb{}", v.trim().split('.').next().unwrap())
}

fn tar_list(tarball: &Path) -> String {
    let o = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(tarball)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn errors() {
    let nopkg = GitFixture::new();
    let noctl = GitFixture::from_example_with("shell-tool", |w| {
        std::fs::remove_file(w.join("packaging/debian/control")).unwrap()
    });
    let nosrc = GitFixture::from_example_with("shell-tool", |w| {
        let c = w.join("packaging/debian/control");
        let t = std::fs::read_to_string(&c)
            .unwrap()
            .replace("Source: guest-hello\n", "");
        std::fs::write(c, t).unwrap();
    });
    let deps = GitFixture::from_example_with("shell-tool", |w| {
        let c = w.join("packaging/debian/control");
        let t = std::fs::read_to_string(&c).unwrap().replace(
            "Build-Depends: ",
            "Build-Depends: guest-no-such-package (>= 3), another-missing-dev, ",
        );
        std::fs::write(c, t).unwrap();
    });
    let ro = tempfile::tempdir().unwrap();
    let file_in_the_way = ro.path().join("blocker");
    std::fs::write(&file_in_the_way, "x").unwrap();
    let blocked = file_in_the_way.join("stage");
    let cases: Vec<(&str, std::path::PathBuf, Vec<&str>, i32)> = vec![
        ("no packaging folder", nopkg.work(), vec!["--version", V], 1),
        ("no debian/control", noctl.work(), vec!["--version", V], 1),
        ("no Source: field", nosrc.work(), vec!["--version", V], 1),
        (
            "missing build dependencies",
            deps.work(),
            vec!["--version", V],
            1,
        ),
        ("no version", noctl.work(), vec![], 2),
        ("bad version", noctl.work(), vec!["--version", "v1.0"], 2),
        (
            "unknown store scheme",
            noctl.work(),
            vec!["--version", V, "--stage", "ftp://x/y"],
            2,
        ),
        (
            "bad --env",
            noctl.work(),
            vec!["--version", V, "--env", "NOEQUALS"],
            2,
        ),
    ];
    let mut all = String::new();
    for (name, cwd, args, code) in cases {
        let o = build(&cwd, &args);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", stderr(&o));
        all.push_str(&format!("## {name} (exit {code})\n{}\n", errors_only(&o)));
    }
    // A file is in the way of the stage folder: said before anything is
    // built (it used to fail at the first copy with "File exists").
    let f = GitFixture::from_example("shell-tool");
    let o = build(
        &f.work(),
        &["--version", V, "--stage", blocked.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("dpkg-buildpackage"), "{}", stderr(&o));
    all.push_str(&format!(
        "## a file in the way of the stage folder (exit 2)\n{}\n",
        errors_only(&o)
    ));

    let mut s = insta::Settings::clone_current();
    s.add_filter(r"/tmp/[^/\s:]+", "[TMP]");
    s.add_filter(r"\[TMP\](/[^\s:;]*)?", "[TMP]");
    s.bind(|| insta::assert_snapshot!(all));
}

#[test]
fn stages_to_s3_and_to_gcs() {
    let f = GitFixture::from_example("shell-tool");
    // S3: the real emulator.
    let moto = testsupport::moto::MotoServer::start().expect("moto (run `make deps`)");
    moto.create_bucket("staging");
    let env: Vec<(&str, String)> = moto.env();
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = run(
        BIN,
        &f.work(),
        &[
            "--version",
            V,
            "--stage",
            "s3://staging/run-1/deb12",
            "--json",
        ],
        &env_refs,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rec: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let urls: Vec<&str> = rec["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["staged_url"].as_str().unwrap())
        .collect();
    assert!(
        urls.contains(&"s3://staging/run-1/deb12/guest-hello_20261127.00-g1_all.deb"),
        "{urls:?}"
    );
    // Again: identical bytes count as done.
    let o = run(
        BIN,
        &f.work(),
        &["--version", V, "--stage", "s3://staging/run-1/deb12"],
        &env_refs,
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // GCS: the fake XML API, through a service-account file as in production.
    let gcs = testsupport::gcs::FakeGcs::spawn().unwrap();
    let d = tempfile::tempdir().unwrap();
    let sa = d.path().join("creds.json");
    std::fs::write(&sa, gcs.service_account_json()).unwrap();
    let o = run(
        BIN,
        &f.work(),
        &["--version", V, "--stage", "gs://guest-staging/run-1/deb12"],
        &[("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap())],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let names = gcs.object_names("guest-staging");
    assert!(
        names.contains(&"run-1/deb12/guest-hello_20261127.00-g1_all.deb".to_string()),
        "{names:?}"
    );
    // A different object already there: exit 3, untouched.
    gcs.put_object(
        "guest-staging",
        "run-2/deb12/guest-hello_20261127.00-g1_all.deb",
        b"other",
    );
    let o = run(
        BIN,
        &f.work(),
        &["--version", V, "--stage", "gs://guest-staging/run-2/deb12"],
        &[("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        gcs.object(
            "guest-staging",
            "run-2/deb12/guest-hello_20261127.00-g1_all.deb"
        )
        .unwrap(),
        b"other"
    );
}

#[test]
fn missing_build_tool_names_the_install_command() {
    let f = GitFixture::from_example("shell-tool");
    // A PATH with git only: dpkg-buildpackage is "not installed".
    let bin = path_with_only(&["git"]);
    let d = tempfile::tempdir().unwrap();
    let o = run(
        BIN,
        &f.work(),
        &["--version", V, "--stage", d.path().to_str().unwrap()],
        &[("PATH", bin.path().to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("dpkg-buildpackage is not installed: install it (as root: apt-get install -y dpkg-dev debhelper fakeroot)"),
        "{}",
        stderr(&o)
    );
    assert!(files(d.path()).is_empty());
}

/// stderr without the progress log lines: the error is what the snapshot
/// is about, and log details (sizes, counts) change with the examples.
fn errors_only(o: &Output) -> String {
    stderr(o)
        .lines()
        .filter(|l| !l.trim_start().starts_with("INFO"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// debian/rules is the repository's code: it sees the build's own
/// variables, never the builder's credentials.
#[test]
fn debian_rules_sees_no_inherited_secrets() {
    let dump_dir = tempfile::tempdir().unwrap();
    let dump = dump_dir.path().join("env");
    let f = GitFixture::from_example_with("shell-tool", |w| {
        let rules = format!(
            "#!/usr/bin/make -f\n\n%:\n\tdh $@\n\noverride_dh_auto_build:\n\tenv > '{}'\n",
            dump.display()
        );
        std::fs::write(w.join("packaging/debian/rules"), rules).unwrap();
    });
    let b = BuildRun::new(BIN).with_secrets();
    let o = b.build(&f.work(), &["--version", V, "--env", "H7_PAIR=seen"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = std::fs::read_to_string(&dump).unwrap();
    assert_no_secrets(&seen);
    for want in ["VERSION=20261127.00", "RELEASE=g1", "H7_PAIR=seen"] {
        assert!(seen.lines().any(|l| l == want), "{want}:\n{seen}");
    }
}

/// Every file under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if std::fs::read(&p)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(p);
            }
        }
    }
    found
}

/// A token in --repo-url or --commit-url reaches none of stderr, the
/// result records, the JUnit file or the packages, on success or failure.
#[test]
fn url_credentials_are_never_logged_or_recorded() {
    const SECRET: &str = "ghp_h7urlsecret";
    let f = GitFixture::from_example("shell-tool");
    let repo_url = format!(
        "file://x-access-token:{SECRET}@localhost{}",
        f.remote().display()
    );
    let commit_url = format!("https://x-access-token:{SECRET}@github.com/o/r/tree/abc");
    let d = tempfile::tempdir().unwrap();
    let art = d.path().join("artifacts");
    let art_env = [("ARTIFACTS", art.to_str().unwrap())];
    let b = BuildRun::new(BIN).env("ARTIFACTS", art.to_str().unwrap());
    let o = b.build(
        Path::new("/"),
        &[
            "--version",
            V,
            "--repo-url",
            &repo_url,
            "--ref",
            "master",
            "--commit-url",
            &commit_url,
            "-v",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cloning file://***@localhost"),
        "{}",
        stderr(&o)
    );
    let deb = b.out().join("guest-hello_20261127.00-g1_all.deb");
    assert_eq!(
        deb_field(&deb, "Git"),
        "https://***@github.com/o/r/tree/abc"
    );

    // Failures: a clone of a missing ref, a bad --stage URL, and a value
    // clap refuses (its message quotes it).
    let ws = d.path().join("ws");
    let bad_stage = format!("ftp://u:{SECRET}@host/x");
    let failures: [(Vec<&str>, i32); 3] = [
        (vec!["--repo-url", &repo_url, "--ref", "no-such-ref"], 1),
        (vec!["--wait-timeout", &repo_url], 2),
        (
            vec![
                "--repo-url",
                &repo_url,
                "--ref",
                "master",
                "--stage",
                &bad_stage,
            ],
            2,
        ),
    ];
    for (extra, code) in failures {
        let mut args = vec!["--version", V, "--workspace", ws.to_str().unwrap()];
        args.extend(extra);
        let o = run(BIN, Path::new("/"), &args, &art_env);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains(SECRET), "{}", stderr(&o));
        assert!(stderr(&o).contains("://***@"), "{}", stderr(&o));
        let rec = testsupport::cli::read_json(&ws.join("results/deb12.json"));
        assert_eq!(rec["status"], "failed");
        assert!(rec["error"].as_str().unwrap().contains("://***@"), "{rec}");
        assert!(art.join("junit_packagebuild-deb.xml").is_file());
    }
    assert!(!stdout(&o).contains(SECRET));
    for dir in [d.path(), b.dir()] {
        assert_eq!(
            files_containing(dir, SECRET),
            Vec::<std::path::PathBuf>::new()
        );
    }
}
