//! packagebuild-googet end to end: the real binary on the example
//! repositories, read back by our reader and by GNU tar.

use std::path::Path;
use std::process::{Command, Output};

use sha2::{Digest, Sha256};
use testsupport::builds::{BuildRun, assert_no_secrets};
use testsupport::cli::{files, run, stderr, stdout};
use testsupport::git::{GitFixture, git};

const BIN: &str = env!("CARGO_BIN_EXE_packagebuild-googet");
const V: &str = "20261127.00";
const EPOCH: &str = "1700000000";

fn build(cwd: &Path, args: &[&str]) -> Output {
    run(BIN, cwd, args, &[("SOURCE_DATE_EPOCH", EPOCH)])
}

/// Runs with their own folders and the environment of [`build`].
fn builder() -> BuildRun {
    BuildRun::new(BIN).env("SOURCE_DATE_EPOCH", EPOCH)
}

fn sha256(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

fn tar_list(goo: &Path) -> Vec<String> {
    let o = Command::new("tar").arg("-tzf").arg(goo).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn inspect_json(goo: &Path) -> serde_json::Value {
    let o = run(
        BIN,
        Path::new("/"),
        &["inspect", "--json", goo.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn entry_paths(inspection: &serde_json::Value) -> Vec<String> {
    inspection["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `--version` is the version to build, so the builder's own version is
/// `-V` or `--tool-version`.
#[test]
fn tool_version() {
    testsupport::cli::assert_tool_version(BIN, "packagebuild-googet", env!("CARGO_PKG_VERSION"));
}

#[test]
fn help() {
    let o = build(Path::new("/"), &["--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!(stdout(&o));
    let o = build(Path::new("/"), &["inspect", "--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!("inspect_help", stdout(&o));
}

#[test]
fn shell_tool_builds_verifies_stages_and_records() {
    let f = GitFixture::from_example("shell-tool");
    let b = builder();
    let (out, stage) = (b.out(), b.stage());
    let o = b.build(&f.work(), &["--version", V]);
    assert!(o.status.success(), "{}", stderr(&o));
    let name = "guest-hello.noarch.20261127.00@1.goo";
    assert_eq!(files(&stage), [name]);
    assert_eq!(files(&out), ["goo.SHA256SUMS", name]);
    let goo = stage.join(name);
    assert_eq!(tar_list(&goo), ["bin/guest-hello", "guest-hello.pkgspec"]);

    let rec = b.result("goo");
    assert_eq!(rec["status"], "ok");
    assert_eq!(rec["target"], "goo");
    assert_eq!(rec["version"], V);
    assert_eq!(rec["commit"], f.head().as_str());
    let a = &rec["artifacts"][0];
    assert_eq!(a["file"], name);
    assert_eq!(a["package"]["name"], "guest-hello");
    assert_eq!(a["package"]["version"], "20261127.00@1");
    assert_eq!(a["package"]["arch"], "noarch");
    assert_eq!(a["package"]["format"], "goo");
    assert_eq!(a["sha256"], sha256(&goo).as_str());
    assert!(stdout(&o).contains(name), "{}", stdout(&o));

    // The script keeps its mode, the spec stamps the version.
    let i = inspect_json(&goo);
    assert_eq!(i["entries"][0]["mode"], 0o755);
    assert_eq!(i["entries"][0]["mtime"], 1_700_000_000);
    assert_eq!(i["spec"]["Version"], "20261127.00@1");
    assert_eq!(i["problems"].as_array().unwrap().len(), 0);

    // The same commit again: the same bytes, so staging counts as done.
    let o2 = b.run(
        &f.work(),
        &["--version", V, "--stage", stage.to_str().unwrap(), "--json"],
    );
    assert!(o2.status.success(), "{}", stderr(&o2));
    let rec2: serde_json::Value = serde_json::from_str(&stdout(&o2)).unwrap();
    assert_eq!(
        rec2["artifacts"][0]["sha256"],
        rec["artifacts"][0]["sha256"]
    );
}

#[test]
fn reproducible_across_checkouts_and_thread_counts() {
    let a = GitFixture::from_example("googet-sources");
    let b = GitFixture::from_example("googet-sources");
    let d = tempfile::tempdir().unwrap();
    let (oa, ob) = (d.path().join("a"), d.path().join("b"));
    // Without SOURCE_DATE_EPOCH, the commit time (the fixtures' clock is
    // fixed: 2026-01-01T00:00:00Z).
    let no_epoch = |cwd: &Path, args: &[&str]| run(BIN, cwd, args, &[]);
    let o = no_epoch(
        &a.work(),
        &["--version", V, "--out", oa.to_str().unwrap(), "--jobs", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // Other file times on disk, other thread count: same bytes.
    let st = Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(b.work().join("stage/docs/README.txt"))
        .status()
        .unwrap();
    assert!(st.success());
    let o = no_epoch(
        &b.work(),
        &["--version", V, "--out", ob.to_str().unwrap(), "--jobs", "3"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let name = "google-sources-demo.x86_64.20261127.00@1.goo";
    assert_eq!(sha256(&oa.join(name)), sha256(&ob.join(name)));
    let i = inspect_json(&oa.join(name));
    assert_eq!(
        entry_paths(&i),
        [
            "app/bin/sources-demo.exe",
            "app/lib/helper.dll",
            "app/lib/plugins/plugin.dll",
            "docs/README.txt",
            "install.ps1",
            "uninstall.ps1",
            "google-sources-demo.pkgspec"
        ]
    );
    assert_eq!(tar_list(&oa.join(name)), entry_paths(&i));
    for e in i["entries"].as_array().unwrap() {
        assert_eq!(e["mtime"], 1_767_225_600, "{e}");
    }
    assert_eq!(i["spec"]["PkgDependencies"]["googet"], "2.18.0@1");
    assert_eq!(i["spec"]["Install"]["ExitCodes"][0], 3010);
}

#[test]
fn osconfig_style_versions_and_variables() {
    let f = GitFixture::from_example("googet-osconfig-style");
    let b = builder();
    let o = b.build(&f.work(), &["--version", V, "--var", "channel=beta"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let goo = b
        .out()
        .join("google-osconfig-demo.x86_64.20261127.00.0+win@1.goo");
    let i = inspect_json(&goo);
    assert_eq!(i["spec"]["Version"], "20261127.00.0+win@1");
    assert_eq!(
        i["spec"]["ReleaseNotes"][0],
        "20261127.00.0+win@1 - beta build"
    );
    assert_eq!(
        entry_paths(&i),
        [
            "install.ps1",
            "osconfig_demo.exe",
            "uninstall.ps1",
            "google-osconfig-demo.pkgspec"
        ]
    );
}

#[test]
fn the_build_step_makes_what_is_packed() {
    let f = GitFixture::from_example("googet-build-step");
    let b = builder();
    let o = b.build(&f.work(), &["--version", V]);
    assert!(o.status.success(), "{}", stderr(&o));
    let goo = b.out().join("google-build-demo.noarch.20261127.00@1.goo");
    assert_eq!(
        tar_list(&goo),
        ["build-demo.cmd", "install.ps1", "google-build-demo.pkgspec"]
    );
    let x = tempfile::tempdir().unwrap();
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(&goo)
        .arg("-C")
        .arg(x.path())
        .status()
        .unwrap();
    assert!(st.success());
    let cmd = std::fs::read_to_string(x.path().join("build-demo.cmd")).unwrap();
    assert!(
        cmd.contains("google-build-demo version 20261127.00"),
        "{cmd}"
    );
}

#[test]
fn specs_of_one_repository_may_render_different_versions() {
    // Each package is checked against its own spec's version.
    let f = GitFixture::from_example_with("googet-osconfig-style", |w| {
        write(
            w,
            "packaging/googet/plain.goospec",
            r#"{"name":"plain","version":"{{.version}}@1","arch":"noarch","sources":[{"root":"agent","include":["install.ps1"]}]}"#,
        );
    });
    let b = builder();
    let o = b.build(&f.work(), &["--version", V]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        b.out_files(),
        [
            "goo.SHA256SUMS",
            "google-osconfig-demo.x86_64.20261127.00.0+win@1.goo",
            "plain.noarch.20261127.00@1.goo"
        ]
    );
    // Specs given as arguments: only those.
    let b2 = builder();
    let o = b2.build(
        &f.work(),
        &["--version", V, "packaging/googet/plain.goospec"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        b2.out_files(),
        ["goo.SHA256SUMS", "plain.noarch.20261127.00@1.goo"]
    );
}

/// Without a commit URL the packages do not link to their source: usual on
/// a laptop (said at debug level only), a warning in a Prow job.
#[test]
fn a_missing_commit_url_is_a_warning_only_in_a_prow_job() {
    let f = GitFixture::from_example("shell-tool");
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let args = ["--version", V, "--out", out.to_str().unwrap()];
    let o = build(&f.work(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("no commit URL"), "{}", stderr(&o));
    let in_job = d.path().join("in-job");
    let args = ["--version", V, "--out", in_job.to_str().unwrap()];
    let o = run(
        BIN,
        &f.work(),
        &args,
        &[("JOB_NAME", "guest-hello-release")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("WARN no commit URL"), "{}", stderr(&o));
}

#[test]
fn dry_run_lists_every_entry_and_destination_and_changes_nothing() {
    let f = GitFixture::from_example("googet-sources");
    let b = builder();
    let (stage, ws) = (b.stage(), b.ws());
    let o = b.build(&f.work(), &["--version", V, "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "google-sources-demo 20261127.00@1 (x86_64)",
        "pack 6 file(s) and google-sources-demo.pkgspec into ",
        "google-sources-demo.x86_64.20261127.00@1.goo, mtime 1700000000",
        "app/bin/sources-demo.exe  <-  stage/bin/sources-demo.exe",
        "app/lib/plugins/plugin.dll  <-  stage/lib/plugins/plugin.dll",
        "docs/README.txt  <-  stage/docs/README.txt",
        "install.ps1  <-  scripts/install.ps1",
        "google-sources-demo.pkgspec  (the spec, last)",
        "upload create-only to file://",
        "results/goo.json",
        "check name, version, architecture and file name",
    ] {
        assert!(text.contains(want), "{want} missing in:\n{text}");
    }
    // googet packages have no epoch or release: the plan does not promise them.
    assert!(
        !text.contains("epoch") && !text.contains("release"),
        "{text}"
    );
    assert!(
        !text.contains(".pdb") && !text.contains("cache.tmp"),
        "{text}"
    );
    assert!(!stage.exists() && !ws.exists());

    // With a build step, the command is shown and nothing runs.
    let f = GitFixture::from_example("googet-build-step");
    let o = build(&f.work(), &["--version", V, "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("packaging/googet/build.sh 20261127.00 out (in "),
        "{text}"
    );
    assert!(text.contains("not listed before it runs"), "{text}");
    assert!(!f.work().join("out").exists());
}

#[test]
fn a_failed_build_command_records_the_failure_and_uploads_nothing() {
    let f = GitFixture::from_example_with("googet-build-step", |w| {
        write(
            w,
            "packaging/googet/build.sh",
            "#!/bin/sh\necho 'compiling...'\necho 'compiler exploded' >&2\nexit 7\n",
        );
    });
    let b = builder();
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("exit code 7") && err.contains("compiler exploded"),
        "{err}"
    );
    assert!(b.stage_files().is_empty() && b.out_files().is_empty());
    let rec = b.result("goo");
    assert_eq!(rec["status"], "failed");
    assert!(rec["error"].as_str().unwrap().contains("compiler exploded"));
}

#[test]
fn a_conflicting_object_exits_3_and_stays() {
    let f = GitFixture::from_example("shell-tool");
    let b = builder();
    let name = "guest-hello.noarch.20261127.00@1.goo";
    std::fs::create_dir_all(b.stage()).unwrap();
    std::fs::write(b.stage().join(name), "someone else's bytes").unwrap();
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(b.stage().join(name)).unwrap(),
        b"someone else's bytes"
    );
}

/// A package that carries another version than asked is never uploaded.
/// googet packs from the spec it checked, so only a later step can swap the
/// package: here the second spec's build command replaces the first spec's
/// packed .goo (in the scratch folder under $TMPDIR) with an older build.
#[test]
fn a_package_with_another_version_is_never_uploaded() {
    let first = r#"{"name":"first","version":"{{.version}}@1","arch":"noarch","sources":[{"root":"src","include":["**"]}]}"#;
    let f = GitFixture::new();
    write(&f.work(), "packaging/googet/a.goospec", first);
    write(&f.work(), "src/hello.txt", "hello");
    git(&f.work(), &["add", "-A"]);
    f.commit("first spec");
    let old = builder();
    let o = old.build(&f.work(), &["--version", "20250101.00"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let asked = "first.noarch.20261127.00@1.goo";
    std::fs::copy(
        old.out().join("first.noarch.20250101.00@1.goo"),
        f.work().join("older.bin"),
    )
    .unwrap();
    write(
        &f.work(),
        "packaging/googet/b.goospec",
        r#"{"name":"second","version":"{{.version}}@1","arch":"noarch","build":{"linux":"swap.sh"}}"#,
    );
    write(
        &f.work(),
        "packaging/googet/swap.sh",
        &format!(
            r#"#!/bin/sh
set -e
for f in "$TMPDIR"/packagebuild-*/goo/{asked}; do cp older.bin "$f"; done
"#
        ),
    );
    std::fs::set_permissions(
        f.work().join("packaging/googet/swap.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    git(&f.work(), &["add", "-A"]);
    f.commit("a build step that swaps the first package");

    let tmp = tempfile::tempdir().unwrap();
    let b = builder().env("TMPDIR", tmp.path().to_str().unwrap());
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Read-back refuses it twice over: the file name is not the one its spec
    // makes (googet's read-back), and the version is not the asked one
    // (packagebuild's check). Either message will do.
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{asked}: ")) && err.contains("20250101.00@1"),
        "{err}"
    );
    assert!(err.contains("; nothing was uploaded"), "{err}");
    assert!(b.stage_files().is_empty(), "{:?}", b.stage_files());
    assert!(b.out_files().is_empty(), "{:?}", b.out_files());
    let rec = b.result("goo");
    assert_eq!(rec["status"], "failed");
    assert!(
        rec["error"].as_str().unwrap().contains("20250101.00@1"),
        "{rec}"
    );
}

/// Runs the binary on a repository where `packaging/googet/x.goospec` is
/// `spec` and the files `extra` exist.
fn spec_case(spec: &str, extra: &[(&str, &str)]) -> (GitFixture, Output) {
    let f = GitFixture::new();
    write(&f.work(), "packaging/googet/x.goospec", spec);
    for (p, t) in extra {
        write(&f.work(), p, t);
    }
    git(&f.work(), &["add", "-A"]);
    f.commit("spec");
    let o = build(&f.work(), &["--version", V]);
    (f, o)
}

#[test]
fn errors() {
    let ok_files = [
        ("stage/a.exe", "a"),
        ("stage/sub/b.txt", "b"),
        ("stage/sub/a.exe", "another a"),
    ];
    let cases: Vec<(&str, String, i32)> = vec![
        ("undefined variable", "{\n\"name\": \"x\",\n\"version\": \"{{.version}}@1\",\n\"arch\": \"{{.arch}}\"\n}".into(), 1),
        ("template syntax", "{\"name\": \"x\",\n \"version\": \"{{.version\"}".into(), 1),
        ("invalid JSON after rendering", "{\"name\": \"x\",\n \"version\": \"{{.version}}@1\"\n \"arch\": \"noarch\"}".into(), 1),
        ("no name", r#"{"version":"{{.version}}@1","arch":"noarch"}"#.into(), 1),
        ("invalid architecture", r#"{"name":"x","version":"{{.version}}@1","arch":"x86"}"#.into(), 1),
        ("version without the build version", r#"{"name":"x","version":"1.0.0@1","arch":"noarch"}"#.into(), 1),
        ("name leaves the output folder", r#"{"name":"../evil","version":"{{.version}}@1","arch":"noarch"}"#.into(), 1),
        ("absolute install path", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","install":{"path":"/bin/sh"}}"#.into(), 1),
        ("include matches nothing", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","sources":[{"root":"stage","include":["*.msi"]}]}"#.into(), 1),
        ("include leaves its root", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","sources":[{"root":"stage","include":["../outer/o.txt"]}]}"#.into(), 1),
        ("target leaves the package", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","sources":[{"root":"stage","include":["a.exe"],"target":"../up"}]}"#.into(), 1),
        ("files not in package", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","files":{"b.txt":"<ProgramFiles>/b.txt"},"sources":[{"root":"stage","include":["**"]}]}"#.into(), 1),
        ("two files at one path", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","sources":[{"root":"stage","include":["a.exe"]},{"root":"stage/sub","include":["*.exe"],"target":"."}]}"#.into(), 1),
        ("build command fails", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","build":{"linux":"/bin/sh","linuxArgs":["-c","echo compiling; echo 'error: boom' >&2; exit 3"]}}"#.into(), 1),
        ("build command missing", r#"{"name":"x","version":"{{.version}}@1","arch":"noarch","build":{"linux":"nope.sh"}}"#.into(), 1),
    ];
    let mut all = String::new();
    for (name, spec, code) in cases {
        let (f, o) = spec_case(&spec, &ok_files);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", stderr(&o));
        let text = stderr(&o).replace(f.work().to_str().unwrap(), "[REPO]");
        all.push_str(&format!("## {name} (exit {code})\n{}\n", text.trim_end()));
    }
    // Usage errors.
    let f = GitFixture::from_example("shell-tool");
    for (name, args) in [
        ("--var version", vec!["--version", V, "--var", "version=1"]),
        ("bad --var", vec!["--version", V, "--var", "no-equals"]),
        (
            "spec argument missing",
            vec!["--version", V, "packaging/googet/nope.goospec"],
        ),
    ] {
        let o = build(&f.work(), &args);
        let code = o.status.code().unwrap();
        let text = stderr(&o).replace(f.work().to_str().unwrap(), "[REPO]");
        all.push_str(&format!("## {name} (exit {code})\n{}\n", text.trim_end()));
    }
    // No googet packaging.
    let f = GitFixture::from_example("multi-deb");
    let o = build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1));
    let text = stderr(&o).replace(f.work().to_str().unwrap(), "[REPO]");
    all.push_str(&format!(
        "## no packaging/googet (exit 1)\n{}\n",
        text.trim_end()
    ));

    let mut s = insta::Settings::clone_current();
    s.add_filter(r"/tmp/packagebuild-[^/\s:;]+", "[SCRATCH]");
    s.bind(|| insta::assert_snapshot!(all));
}

#[test]
fn a_symlink_out_of_the_repository_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let f = GitFixture::from_example_with("googet-sources", |w| {
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            w.join("stage/lib/secret.dll"),
        )
        .unwrap();
    });
    let b = builder();
    let o = b.build(&f.work(), &["--version", V]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("stage/lib/secret.dll resolves to"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("outside the source tree"),
        "{}",
        stderr(&o)
    );
    assert!(b.out_files().is_empty());
}

#[test]
fn inspect_shows_entries_and_the_spec() {
    let f = GitFixture::from_example("shell-tool");
    let d = tempfile::tempdir().unwrap();
    let o = build(
        &f.work(),
        &["--version", V, "--out", d.path().to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let goo = d.path().join("guest-hello.noarch.20261127.00@1.goo");
    let o = run(
        BIN,
        d.path(),
        &["inspect", "guest-hello.noarch.20261127.00@1.goo"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));

    // Not a package: exit 1 and why.
    let bogus = d.path().join("bogus.goo");
    std::fs::write(&bogus, "not gzip").unwrap();
    let o = run(BIN, d.path(), &["inspect", "bogus.goo"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "packagebuild-googet: error: bogus.goo: not a valid .goo package: not gzip: a .goo is a gzip-compressed tar, starting with the bytes 1f 8b"
    );
    // No file: a usage error.
    let o = run(BIN, d.path(), &["inspect"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(goo.exists());
}

#[test]
fn stages_names_with_plus_and_at_to_s3_and_gcs() {
    // `+` and `@` in object names: the osconfig-style file name.
    let f = GitFixture::from_example("googet-osconfig-style");
    let name = "google-osconfig-demo.x86_64.20261127.00.0+win@1.goo";
    let moto = testsupport::moto::MotoServer::start().expect("moto (run `make deps`)");
    moto.create_bucket("staging");
    let env: Vec<(&str, String)> = moto.env();
    let mut env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env_refs.push(("SOURCE_DATE_EPOCH", EPOCH));
    for _ in 0..2 {
        // The second time: identical bytes count as done.
        let o = run(
            BIN,
            &f.work(),
            &[
                "--version",
                V,
                "--stage",
                "s3://staging/run-1/goo",
                "--json",
            ],
            &env_refs,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let rec: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(
            rec["artifacts"][0]["staged_url"],
            format!("s3://staging/run-1/goo/{name}").as_str()
        );
    }

    let gcs = testsupport::gcs::FakeGcs::spawn().unwrap();
    let d = tempfile::tempdir().unwrap();
    let sa = d.path().join("creds.json");
    std::fs::write(&sa, gcs.service_account_json()).unwrap();
    let o = run(
        BIN,
        &f.work(),
        &["--version", V, "--stage", "gs://guest-staging/run-1/goo"],
        &[
            ("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap()),
            ("SOURCE_DATE_EPOCH", EPOCH),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let staged = gcs
        .object("guest-staging", &format!("run-1/goo/{name}"))
        .unwrap_or_else(|| panic!("{:?}", gcs.object_names("guest-staging")));
    let local = tempfile::tempdir().unwrap();
    let o = build(
        &f.work(),
        &["--version", V, "--out", local.path().to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(staged, std::fs::read(local.path().join(name)).unwrap());
}

/// The build step is the repository's code: it sees the build's own
/// variables, never the builder's credentials.
#[test]
fn the_build_step_sees_no_inherited_secrets() {
    let dump_dir = tempfile::tempdir().unwrap();
    let dump = dump_dir.path().join("env");
    let f = GitFixture::from_example_with("googet-build-step", |w| {
        let script = w.join("packaging/googet/build.sh");
        let text = std::fs::read_to_string(&script).unwrap();
        std::fs::write(&script, format!("{text}env > '{}'\n", dump.display())).unwrap();
    });
    let b = builder().with_secrets();
    let o = b.build(&f.work(), &["--version", V, "--env", "H7_PAIR=seen"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = std::fs::read_to_string(&dump).unwrap();
    assert_no_secrets(&seen);
    assert!(seen.lines().any(|l| l == "H7_PAIR=seen"), "{seen}");
    assert!(
        seen.lines().any(|l| l == "SOURCE_DATE_EPOCH=1700000000"),
        "{seen}"
    );
    assert!(seen.lines().any(|l| l.starts_with("PATH=")), "{seen}");
}

/// Every file under `dir`, recursively, as paths relative to it.
fn all_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().to_owned();
                found.push(rel.display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// The target names files in $ARTIFACTS and --out: one that leaves them is
/// refused before anything is written, with or without --workspace, and an
/// argument error does not record under it either.
#[test]
fn a_target_that_leaves_the_artifacts_folder_is_refused() {
    let f = GitFixture::from_example("shell-tool");
    let d = tempfile::tempdir().unwrap();
    let art = d.path().join("a/b/c/artifacts");
    std::fs::create_dir_all(&art).unwrap();
    let (out, ws) = (d.path().join("out"), d.path().join("ws"));
    let (out, ws) = (out.to_str().unwrap(), ws.to_str().unwrap());
    let target = "../../../escape";
    let runs: [Vec<&str>; 3] = [
        vec!["--version", V, "--target", target, "--out", out],
        vec!["--version", V, "--target", target, "--workspace", ws],
        vec!["--version", V, "--target", target, "--no-such-option"],
    ];
    for args in runs {
        let o = run(
            BIN,
            &f.work(),
            &args,
            &[
                ("SOURCE_DATE_EPOCH", EPOCH),
                ("ARTIFACTS", art.to_str().unwrap()),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(all_files(d.path()), Vec::<String>::new(), "{args:?}");
    }
    let o = build(&f.work(), &["--version", V, "--target", target]);
    assert!(
        stderr(&o).contains("invalid build target \"../../../escape\""),
        "{}",
        stderr(&o)
    );
}
