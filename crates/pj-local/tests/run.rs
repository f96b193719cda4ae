//! pj-local end to end with runtime local: a production-shaped release of
//! examples/shell-tool (version, deb12 + el9, tag, publish), a presubmit
//! (nothing tagged or published), a failing builder (no tag, the failure in
//! finished.json and the result records), Prow's variables as a container
//! sees them, and containers starting at once.
//!
//! The tools are the workspace's binaries beside pj-local (target/debug, or
//! $CARGO_TARGET_DIR/debug): build them first with
//! `cargo build --workspace --bins` (`make unit` does).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use testsupport::cli::{run, stderr, stdout};
use testsupport::git::{GitFixture, git};

const BIN: &str = env!("CARGO_BIN_EXE_pj-local");

fn jobs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jobs")
}

fn env_jobs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/env-job")
}

/// The folder of the workspace's binaries.
fn tools_dir() -> PathBuf {
    testsupport::cli::workspace_bins(&[
        "version-gen",
        "repo-tagger",
        "packagebuild-deb",
        "packagebuild-rpm",
    ])
}

struct Run {
    output: Output,
    dir: PathBuf,
}

impl Run {
    fn json(&self, file: &str) -> Value {
        let p = self.dir.join(file);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap()
    }

    fn text(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file)).unwrap()
    }

    fn build_id(&self) -> String {
        self.dir.file_name().unwrap().to_string_lossy().into_owned()
    }
}

/// Runs pj-local in `cwd` and finds the run's output folder.
fn pj_local(cwd: &Path, job: &str, args: &[&str]) -> Run {
    let out = cwd.join("out");
    let mut all = vec!["--job", job, "--out", out.to_str().unwrap()];
    all.extend(args);
    let output = run(BIN, cwd, &all, &[]);
    let runs: Vec<PathBuf> = std::fs::read_dir(out.join(job))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert_eq!(
        runs.len(),
        1,
        "one run of {job} expected; pj-local said:\n{}{}",
        stdout(&output),
        stderr(&output)
    );
    Run {
        output,
        dir: runs[0].clone(),
    }
}

fn release_args<'a>(f: &'a GitFixture, bucket: &'a str) -> Vec<String> {
    let remote = f.remote().to_str().unwrap().to_owned();
    vec![
        "--config".into(),
        jobs().to_str().unwrap().into(),
        "--repo".into(),
        remote.clone(),
        "--forge-remote".into(),
        remote,
        "--bucket".into(),
        bucket.into(),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_release_versions_builds_tags_and_publishes() {
    tools_dir();
    let f = GitFixture::from_example("shell-tool");
    let head = f.head();
    let tmp = tempfile::tempdir().unwrap();
    let bucket = tmp.path().join("bucket");
    let args = release_args(&f, bucket.to_str().unwrap());
    let r = pj_local(tmp.path(), "shell-tool-release", &strs(&args));
    let out = stdout(&r.output);
    assert!(r.output.status.success(), "{out}{}", stderr(&r.output));

    // The version, from the workspace (an emptyDir kept under the run).
    let version = std::fs::read_to_string(r.dir.join("volumes/workspace/version"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        version.len() == 11
            && version.ends_with(".00")
            && version[..8].bytes().all(|b| b.is_ascii_digit()),
        "{version}"
    );
    // The tag, in the git remote that replaced GitHub.
    assert_eq!(f.remote_tag_commit(&version), Some(head.clone()));
    assert_eq!(f.remote_tag_type(&version), "tag");
    // Staged per run ($(BUILD_ID) expanded), published with its manifest.
    let staged = bucket.join(format!("test-staging/shell-tool/{}", r.build_id()));
    assert!(
        staged
            .join(format!("deb12/guest-hello_{version}-g1_all.deb"))
            .is_file()
    );
    assert!(
        staged
            .join(format!("el9/guest-hello-{version}-g1.el9.noarch.rpm"))
            .is_file()
    );
    let release = bucket.join(format!("test-releases/shell-tool/{version}"));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(release.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["version"], version.as_str());
    let paths: Vec<&str> = manifest["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&format!("deb12/guest-hello_{version}-g1_all.deb").as_str()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&format!("el9/guest-hello-{version}-g1.el9.noarch.rpm").as_str()),
        "{paths:?}"
    );
    assert!(release.join("SHA256SUMS").is_file());

    // Prow's layout.
    let started = r.json("started.json");
    assert_eq!(
        started["repos"]["example/shell-tool"],
        format!("master:{head}")
    );
    assert_eq!(started["repo-commit"], head.as_str());
    assert!(started["timestamp"].as_i64().unwrap() > 0);
    let finished = r.json("finished.json");
    assert_eq!(finished["passed"], true);
    assert_eq!(finished["result"], "SUCCESS");
    assert_eq!(finished["revision"], head.as_str());
    for c in ["version-gen", "build-deb12", "build-el9", "repo-tagger"] {
        assert_eq!(finished["metadata"]["containers"][c]["exit_code"], 0, "{c}");
        let log = r.text(&format!("{c}-build-log.txt"));
        assert!(!log.is_empty(), "{c}");
        // Streamed too, prefixed with the container's name.
        let first = log.lines().next().unwrap();
        assert!(out.contains(&format!("[{c}] {first}")), "{c}: {first}");
    }
    assert!(!r.dir.join("build-log.txt").exists());
    assert_eq!(
        r.text("version-gen-build-log.txt").lines().last(),
        Some(version.as_str())
    );
    assert!(
        r.text("repo-tagger-build-log.txt")
            .contains(&format!("created tag {version} on {head}"))
    );
    assert_eq!(finished["metadata"]["version"]["version"], version.as_str());
    assert_eq!(finished["metadata"]["tag"]["status"], "created");
    assert_eq!(finished["metadata"]["results"]["el9"]["status"], "ok");
    // $ARTIFACTS: the steps' records.
    for a in [
        "artifacts/version.json",
        "artifacts/tag.json",
        "artifacts/results/deb12.json",
        "artifacts/results/el9.json",
    ] {
        assert!(r.dir.join(a).is_file(), "{a}");
    }
    assert!(
        out.contains("[pj-local] shell-tool-release SUCCESS"),
        "{out}"
    );

    // The next merge gets the next version.
    let next = f.commit_and_push("a merged change");
    let r2 = {
        let tmp2 = tmp.path().join("second");
        std::fs::create_dir_all(&tmp2).unwrap();
        pj_local(&tmp2, "shell-tool-release", &strs(&args))
    };
    assert!(r2.output.status.success(), "{}", stdout(&r2.output));
    let v2 = format!("{}.01", &version[..8]);
    assert_eq!(f.remote_tag_commit(&v2), Some(next));
}

#[test]
fn a_presubmit_builds_but_tags_and_publishes_nothing() {
    tools_dir();
    let f = GitFixture::from_example("shell-tool");
    let base = f.head();
    git(&f.work(), &["checkout", "--quiet", "-b", "pr"]);
    std::fs::write(f.work().join("NEWS"), "a change under review\n").unwrap();
    git(&f.work(), &["add", "NEWS"]);
    let pr = f.commit("a change under review");
    git(&f.work(), &["push", "--quiet", "origin", "pr"]);
    let tmp = tempfile::tempdir().unwrap();
    let bucket = tmp.path().join("bucket");
    let mut args = release_args(&f, bucket.to_str().unwrap());
    let pull = format!("7:{pr}");
    args.extend(["--pull".into(), pull]);
    let r = pj_local(tmp.path(), "shell-tool-packagebuild", &strs(&args));
    assert!(
        r.output.status.success(),
        "{}{}",
        stdout(&r.output),
        stderr(&r.output)
    );

    assert_eq!(f.remote_tag_names(), Vec::<String>::new());
    assert_eq!(
        std::fs::read_dir(&bucket).unwrap().count(),
        0,
        "nothing in the bucket"
    );
    let version = std::fs::read_to_string(r.dir.join("volumes/workspace/version")).unwrap();
    assert!(
        version.starts_with("0."),
        "a development version: {version}"
    );
    let started = r.json("started.json");
    assert_eq!(started["pull"], "7");
    assert_eq!(
        started["repos"]["example/shell-tool"],
        format!("master:{base},7:{pr}")
    );
    let finished = r.json("finished.json");
    assert_eq!(finished["result"], "SUCCESS");
    assert!(finished["metadata"].get("tag").is_none());
    // The packages of the pull request, for reviewers ($ARTIFACTS/packages).
    let pkgs: Vec<String> = std::fs::read_dir(r.dir.join("artifacts/packages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(pkgs.iter().any(|p| p.ends_with("_all.deb")), "{pkgs:?}");
}

#[test]
fn a_failing_builder_stops_the_tag_and_shows_in_the_records() {
    tools_dir();
    let f = GitFixture::from_example("shell-tool");
    let tmp = tempfile::tempdir().unwrap();
    let bucket = tmp.path().join("bucket");
    let args = release_args(&f, bucket.to_str().unwrap());
    let r = pj_local(tmp.path(), "shell-tool-release-broken", &strs(&args));
    assert_eq!(r.output.status.code(), Some(1), "{}", stdout(&r.output));

    assert_eq!(f.remote_tag_names(), Vec::<String>::new());
    assert!(!bucket.join("test-releases").exists(), "nothing published");
    let finished = r.json("finished.json");
    assert_eq!(finished["passed"], false);
    assert_eq!(finished["result"], "FAILURE");
    let containers = &finished["metadata"]["containers"];
    assert_eq!(containers["build-el9"]["passed"], false);
    assert_ne!(containers["build-el9"]["exit_code"], 0);
    assert_eq!(containers["repo-tagger"]["passed"], false);
    assert_eq!(containers["build-deb12"]["exit_code"], 0);
    let el9 = &finished["metadata"]["results"]["el9"];
    assert_eq!(el9["status"], "failed");
    assert!(
        el9["error"].as_str().unwrap().contains("no-such-folder"),
        "{el9}"
    );
    let result = r.json("volumes/workspace/results/el9.json");
    assert_eq!(result["status"], "failed");
    let tag = r.json("volumes/workspace/tag.json");
    assert_ne!(tag["status"], "created");
    assert!(stdout(&r.output).contains("[pj-local] build-el9: FAILED"));
    assert!(stdout(&r.output).contains("[pj-local] shell-tool-release-broken FAILURE"));
}

/// A bin folder of small scripts standing in for tools.
fn script_bin() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let scripts = [
        (
            "env-dump",
            "#!/bin/sh\necho \"cwd=$(pwd)\"\necho \"args=$*\"\nenv | sort\necho \"token=$(cat \"$GITHUB_ACCESS_TOKEN\")\"\ngit log --format=%s -n 1\n",
        ),
        (
            "wait-for",
            "#!/bin/sh\n# bounded poll (30 s) for the file the other container writes\ni=0\nwhile [ ! -f \"$1\" ]; do i=$((i+1)); [ $i -gt 300 ] && { echo \"no $1\"; exit 1; }; sleep 0.1; done\necho \"found $1\"\n",
        ),
        (
            "write-file",
            "#!/bin/sh\necho ready > \"$1\"\necho \"wrote $1\"\n",
        ),
        (
            // --extra-repo DIR --go-mod-cache DIR: what is in each.
            "extra-dump",
            "#!/bin/sh\necho \"cwd=$(pwd)\"\necho \"extra=$2\"\n\
             echo \"extra_head=$(git -C \"$2\" rev-parse HEAD)\"\n\
             echo \"extra_branch=$(git -C \"$2\" rev-parse --abbrev-ref HEAD)\"\n\
             echo \"extra_subject=$(git -C \"$2\" log --format=%s -n 1)\"\n\
             echo \"cache=$4\"\nn=$(cat \"$4/runs\" 2>/dev/null || echo 0)\n\
             echo $((n+1)) > \"$4/runs\"\necho \"runs=$((n+1))\"\necho \"JOB_SPEC=$JOB_SPEC\"\n",
        ),
    ];
    for (name, text) in scripts {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn var<'a>(log: &'a str, name: &str) -> &'a str {
    log.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in\n{log}"))
}

#[test]
fn containers_get_prows_variables_and_local_paths() {
    let f = GitFixture::from_example("shell-tool");
    let base = f.head();
    git(&f.work(), &["checkout", "--quiet", "-b", "pr"]);
    let pr = f.commit("the pull request");
    git(&f.work(), &["push", "--quiet", "origin", "pr"]);
    let tmp = tempfile::tempdir().unwrap();
    let token = tmp.path().join("my-token");
    std::fs::write(&token, "s3cr3t\n").unwrap();
    let bins = script_bin();
    let bucket = tmp.path().join("bucket");
    let (config, remote) = (env_jobs(), f.remote());
    let common = [
        "--config",
        config.to_str().unwrap(),
        "--repo",
        remote.to_str().unwrap(),
        "--bin-dir",
        bins.path().to_str().unwrap(),
        "--bucket",
        bucket.to_str().unwrap(),
    ];

    // A presubmit and a postsubmit share the name: --type picks one.
    let o = run(
        BIN,
        tmp.path(),
        &[&common[..], &["--job", "shell-tool-env"]].concat(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("2 jobs are called shell-tool-env"),
        "{}",
        stderr(&o)
    );

    let secret = format!("github-access-token={}", token.display());
    let pull = format!("7:{pr}");
    let args = [
        &common[..],
        &["--type", "presubmit", "--pull", &pull, "--secret", &secret],
    ]
    .concat();
    let r = pj_local(tmp.path(), "shell-tool-env", &args);
    assert!(r.output.status.success(), "{}", stdout(&r.output));
    let log = r.text("build-log.txt");
    let build_id = r.build_id();

    assert_eq!(var(&log, "CI"), "true");
    assert_eq!(var(&log, "JOB_NAME"), "shell-tool-env");
    assert_eq!(var(&log, "JOB_TYPE"), "presubmit");
    assert_eq!(var(&log, "BUILD_ID"), build_id);
    assert_eq!(var(&log, "BUILD_NUMBER"), build_id);
    assert_eq!(var(&log, "REPO_OWNER"), "example");
    assert_eq!(var(&log, "REPO_NAME"), "shell-tool");
    assert_eq!(var(&log, "PULL_BASE_REF"), "master");
    assert_eq!(var(&log, "PULL_BASE_SHA"), base);
    assert_eq!(var(&log, "PULL_NUMBER"), "7");
    assert_eq!(var(&log, "PULL_PULL_SHA"), pr);
    assert_eq!(var(&log, "PULL_REFS"), format!("master:{base},7:{pr}"));
    let spec: Value = serde_json::from_str(var(&log, "JOB_SPEC")).unwrap();
    assert_eq!(spec["type"], "presubmit");
    assert_eq!(spec["job"], "shell-tool-env");
    assert_eq!(spec["buildid"], build_id.as_str());
    assert_eq!(spec["prowjobid"], var(&log, "PROW_JOB_ID"));
    assert_eq!(spec["prowjobid"].as_str().unwrap().len(), 36);
    assert_eq!(spec["refs"]["org"], "example");
    assert_eq!(spec["refs"]["repo"], "shell-tool");
    assert_eq!(spec["refs"]["base_ref"], "master");
    assert_eq!(spec["refs"]["base_sha"], base.as_str());
    assert_eq!(spec["refs"]["pulls"][0]["number"], 7);
    assert_eq!(spec["refs"]["pulls"][0]["sha"], pr.as_str());
    // The tools read the same variables back.
    let env = prow_env::ProwEnv::from_lookup(|k| {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")).map(str::to_owned))
    })
    .unwrap();
    assert_eq!(env.job_spec.unwrap().refs.unwrap().pulls[0].number, 7);

    // Pod paths became host folders; gs:// became the bucket folder;
    // $(VAR) expanded, $$ escaped.
    assert_eq!(
        var(&log, "ARTIFACTS"),
        r.dir.join("artifacts").to_str().unwrap()
    );
    assert!(
        !var(&log, "GOPATH").starts_with("/home/prow"),
        "{}",
        var(&log, "GOPATH")
    );
    assert!(var(&log, "cwd").ends_with("/go/src/github.com/example/shell-tool"));
    assert!(var(&log, "cwd").starts_with(var(&log, "GOPATH")));
    assert_eq!(
        var(&log, "args"),
        format!(
            "--stage {}/test-staging/shell-tool/{build_id}/deb12 --workspace={} $(BUILD_ID)",
            bucket.canonicalize().unwrap().display(),
            r.dir.join("volumes/workspace").display()
        )
    );
    assert_eq!(
        var(&log, "STAGE"),
        format!(
            "{}/test-staging/shell-tool-env",
            bucket.canonicalize().unwrap().display()
        )
    );
    // The secret file is where the job's variable points.
    assert!(var(&log, "GITHUB_ACCESS_TOKEN").ends_with("/github-access-token/token.txt"));
    assert_eq!(var(&log, "token"), "s3cr3t");
    // clonerefs merged the pull request.
    assert!(
        log.lines()
            .last()
            .unwrap()
            .starts_with("Merge pull request #7"),
        "{log}"
    );

    // The postsubmit of the same name: no pull, PULL_REFS is the base only.
    std::fs::remove_dir_all(tmp.path().join("out")).unwrap();
    let args = [&common[..], &["--type", "postsubmit"]].concat();
    let r = pj_local(tmp.path(), "shell-tool-env", &args);
    assert!(r.output.status.success(), "{}", stdout(&r.output));
    let log = r.text("build-log.txt");
    assert_eq!(var(&log, "JOB_TYPE"), "postsubmit");
    assert_eq!(var(&log, "PULL_REFS"), format!("master:{base}"));
    assert!(!log.contains("PULL_NUMBER="));
    let spec: Value = serde_json::from_str(var(&log, "JOB_SPEC")).unwrap();
    assert!(spec["refs"].get("pulls").is_none());
}

#[test]
fn all_containers_start_at_once() {
    let f = GitFixture::from_example("shell-tool");
    let tmp = tempfile::tempdir().unwrap();
    let bins = script_bin();
    let (config, remote) = (env_jobs(), f.remote());
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--repo",
        remote.to_str().unwrap(),
        "--bin-dir",
        bins.path().to_str().unwrap(),
    ];
    // `first` waits for the file `second` writes: run one after the other,
    // the job would fail.
    let r = pj_local(tmp.path(), "two-steps", &args);
    assert!(r.output.status.success(), "{}", stdout(&r.output));
    let ws = r.dir.join("volumes/workspace");
    assert_eq!(
        r.text("first-build-log.txt"),
        format!("found {}/ready\n", ws.display())
    );
    assert_eq!(
        r.text("second-build-log.txt"),
        format!("wrote {}/ready\n", ws.display())
    );
}

#[test]
fn usage_errors_say_what_to_do() {
    let f = GitFixture::from_example("shell-tool");
    let tmp = tempfile::tempdir().unwrap();
    let config = jobs();
    let remote = f.remote();
    let out = tmp.path().join("out");
    let base = [
        "--config",
        config.to_str().unwrap(),
        "--repo",
        remote.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let err = |extra: &[&str]| -> (Option<i32>, String) {
        let o = run(BIN, tmp.path(), &[&base[..], extra].concat(), &[]);
        let e = stderr(&o)
            .replace(config.to_str().unwrap(), "[CONFIG]")
            .replace(remote.to_str().unwrap(), "[REMOTE]")
            .replace(tmp.path().to_str().unwrap(), "[TMP]");
        (o.status.code(), e)
    };
    insta::assert_debug_snapshot!([
        err(&["--job", "nope"]),
        err(&["--job", "shell-tool-packagebuild"]),
        err(&["--job", "shell-tool-release", "--pull", "1:abc"]),
        err(&[
            "--job",
            "shell-tool-release",
            "--secret",
            "nope=/etc/hostname"
        ]),
        err(&[
            "--job",
            "shell-tool-release",
            "--secret",
            "github-access-token=/no/such/file"
        ]),
        err(&[
            "--job",
            "shell-tool-release",
            "--bin-dir",
            tmp.path().to_str().unwrap()
        ]),
        err(&["--job", "shell-tool-release", "--base-ref", "main"]),
    ]);
    // Only the run that got as far as starting containers left a record:
    // a failed finished.json saying why.
    let runs: Vec<_> = std::fs::read_dir(out.join("shell-tool-release"))
        .unwrap()
        .collect();
    assert_eq!(runs.len(), 1);
    let finished =
        std::fs::read_to_string(runs[0].as_ref().unwrap().path().join("finished.json")).unwrap();
    let finished: Value = serde_json::from_str(&finished).unwrap();
    assert_eq!(finished["result"], "FAILURE");
    assert!(
        finished["metadata"]["error"]
            .as_str()
            .unwrap()
            .contains("build the tools first")
    );
}

#[test]
fn the_test_jobs_are_production_shaped() {
    let config = prowcfg::Config::load(&jobs()).unwrap_or_else(|e| panic!("{e}"));
    let containers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../containers");
    let problems = prowcfg::check(&config, &containers);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn help() {
    let o = run(BIN, Path::new("."), &["--help"], &[]);
    assert!(o.status.success());
    insta::assert_snapshot!(stdout(&o));
}

/// A release whose el9 build fails in rpmbuild with a log tail: each record
/// holds the tail once (the builder's result); the tagger's error names
/// the target and points to that record instead of repeating it, so
/// finished.json, tag.json and the tagger's log and junit hold no copy.
#[test]
fn a_failing_builders_log_tail_is_recorded_once() {
    tools_dir();
    const MARK: &str = "TAIL-MARK";
    let f = GitFixture::from_example_with("shell-tool", |w| {
        let spec = w.join("packaging/guest-hello.spec");
        let text = std::fs::read_to_string(&spec).unwrap();
        // printf's trace (`+ printf 'TAIL%s\n' -MARK`) does not hold the
        // mark, only its output does.
        let failing = "%build\nfor i in 1 2 3 4 5 6 7 8; do echo \"build step $i\"; done\nprintf 'TAIL%s\\n' -MARK\nexit 1\n";
        std::fs::write(&spec, text.replace("%build\n", failing)).unwrap();
    });
    git(&f.work(), &["push", "--quiet", "origin", "master"]);
    let tmp = tempfile::tempdir().unwrap();
    let bucket = tmp.path().join("bucket");
    let args = release_args(&f, bucket.to_str().unwrap());
    let r = pj_local(tmp.path(), "shell-tool-release", &strs(&args));
    assert_eq!(r.output.status.code(), Some(1), "{}", stdout(&r.output));
    assert_eq!(f.remote_tag_names(), Vec::<String>::new());

    let result = r.json("volumes/workspace/results/el9.json");
    assert_eq!(result["status"], "failed");
    let el9_error = result["error"].as_str().unwrap();
    assert_eq!(el9_error.matches(MARK).count(), 1, "{el9_error}");
    assert!(el9_error.lines().count() > 5, "a log tail: {el9_error}");

    let finished_text = r.text("finished.json");
    assert_eq!(
        finished_text.matches(MARK).count(),
        1,
        "the log tail once in finished.json:\n{finished_text}"
    );
    let finished = r.json("finished.json");
    assert_eq!(finished["metadata"]["results"]["el9"]["error"], el9_error);
    let tag_error = finished["metadata"]["tag"]["error"].as_str().unwrap();
    assert!(
        tag_error.starts_with("build el9 failed, so nothing is tagged: rpmbuild failed")
            && tag_error.contains("results/el9.json")
            && !tag_error.contains('\n'),
        "{tag_error}"
    );
    assert_eq!(r.json("volumes/workspace/tag.json")["error"], tag_error);
    for file in [
        "repo-tagger-build-log.txt",
        "artifacts/tag.json",
        "artifacts/junit_repo-tagger.xml",
    ] {
        assert!(!r.text(file).contains(MARK), "{file}:\n{}", r.text(file));
    }
    for file in [
        "artifacts/results/el9.json",
        "artifacts/junit_packagebuild-rpm.xml",
    ] {
        assert_eq!(r.text(file).matches(MARK).count(), 1, "{file}");
    }
}

/// A repository with the branches master (its default) and dev, and the
/// options that run the env-job's postsubmit shell-tool-env (which runs on
/// `^master$`) on it with the env-dump script.
fn branch_fixture() -> (GitFixture, String) {
    let f = GitFixture::from_example("shell-tool");
    git(&f.work(), &["checkout", "--quiet", "-b", "dev"]);
    let dev = f.commit("on dev");
    git(&f.work(), &["push", "--quiet", "origin", "dev"]);
    git(&f.work(), &["checkout", "--quiet", "master"]);
    (f, dev)
}

fn env_postsubmit(repo: &Path, bins: &Path, extra: &[&str]) -> Vec<String> {
    let config = env_jobs();
    let mut args: Vec<String> = [
        "--config",
        config.to_str().unwrap(),
        "--repo",
        repo.to_str().unwrap(),
        "--bin-dir",
        bins.to_str().unwrap(),
        "--type",
        "postsubmit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn a_base_branch_the_job_does_not_run_on_is_warned_about() {
    let (f, dev) = branch_fixture();
    let bins = script_bin();
    let remote = f.remote();
    let warning =
        |r: &Run| -> String { stderr(&r.output).replace(remote.to_str().unwrap(), "[REMOTE]") };

    // Prow runs shell-tool-env (branches: [^master$]) on master: no warning.
    let tmp = tempfile::tempdir().unwrap();
    let args = env_postsubmit(&remote, bins.path(), &["--base-ref", "master"]);
    let r = pj_local(tmp.path(), "shell-tool-env", &strs(&args));
    assert!(r.output.status.success(), "{}", stdout(&r.output));
    assert_eq!(warning(&r), "");

    // Not on dev: pj-local says so on stderr, and runs it anyway.
    let tmp = tempfile::tempdir().unwrap();
    let args = env_postsubmit(&remote, bins.path(), &["--base-ref", "dev"]);
    let r = pj_local(tmp.path(), "shell-tool-env", &strs(&args));
    assert!(r.output.status.success(), "{}", stdout(&r.output));
    insta::assert_snapshot!(warning(&r), @r"
    pj-local: warning: Prow would not run shell-tool-env for a push to dev (--base-ref dev): its branches [^master$] (regexes matched unanchored, as Prow does); no branches regex matches it.
    pj-local: warning: Running it anyway, on dev. To run it as Prow would, pass --base-ref master.
    ");
    let log = r.text("build-log.txt");
    assert_eq!(var(&log, "PULL_BASE_REF"), "dev");
    assert_eq!(var(&log, "PULL_BASE_SHA"), dev);

    // The repository's default branch is where the base comes from without
    // --base-ref; the warning says so.
    git(&remote, &["symbolic-ref", "HEAD", "refs/heads/dev"]);
    let tmp = tempfile::tempdir().unwrap();
    let args = env_postsubmit(&remote, bins.path(), &[]);
    let r = pj_local(tmp.path(), "shell-tool-env", &strs(&args));
    assert!(r.output.status.success(), "{}", stdout(&r.output));
    assert!(
        warning(&r).starts_with("pj-local: warning: Prow would not run shell-tool-env for a push to dev (the default branch of [REMOTE]): its branches [^master$]"),
        "{}",
        warning(&r)
    );
}

#[test]
fn a_base_ref_that_is_only_a_remote_tracking_branch_of_the_clone() {
    // `work` is a clone whose dev exists only as origin/dev.
    let (f, dev) = branch_fixture();
    git(&f.work(), &["branch", "--quiet", "-D", "dev"]);
    git(&f.work(), &["fetch", "--quiet", "origin"]);
    assert_eq!(
        git(&f.work(), &["rev-parse", "origin/dev"]).trim(),
        dev.as_str()
    );
    let bins = script_bin();
    for base_ref in ["dev", "origin/dev"] {
        let tmp = tempfile::tempdir().unwrap();
        let args = env_postsubmit(&f.work(), bins.path(), &["--base-ref", base_ref]);
        let r = pj_local(tmp.path(), "shell-tool-env", &strs(&args));
        assert!(
            r.output.status.success(),
            "{}{}",
            stdout(&r.output),
            stderr(&r.output)
        );
        assert!(
            stdout(&r.output).contains(&format!(
                "has no branch dev: cloning its remote-tracking branch origin/dev ({dev}) as dev"
            )),
            "{}",
            stdout(&r.output)
        );
        let log = r.text("build-log.txt");
        assert_eq!(var(&log, "PULL_BASE_REF"), "dev");
        assert_eq!(var(&log, "PULL_BASE_SHA"), dev);
        assert_eq!(var(&log, "PULL_REFS"), format!("dev:{dev}"));
        assert_eq!(log.lines().last().unwrap(), "on dev", "{log}");
    }
}

/// docs/operating.md's presubmit: an empty secret from /dev/null, the pull
/// request's short sha in a local repository.
#[test]
fn dev_null_is_an_empty_secret_and_a_short_pull_sha_is_resolved() {
    let f = GitFixture::from_example("shell-tool");
    git(&f.work(), &["checkout", "--quiet", "-b", "pr"]);
    let pr = f.commit("the pull request");
    let tmp = tempfile::tempdir().unwrap();
    let bins = script_bin();
    let (config, work) = (env_jobs(), f.work());
    let pull = format!("17:{}", &pr[..7]);
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--repo",
        work.to_str().unwrap(),
        "--base-ref",
        "master",
        "--bin-dir",
        bins.path().to_str().unwrap(),
        "--type",
        "presubmit",
        "--pull",
        &pull,
        "--secret",
        "github-access-token=/dev/null",
    ];
    let r = pj_local(tmp.path(), "shell-tool-env", &args);
    assert!(
        r.output.status.success(),
        "{}{}",
        stdout(&r.output),
        stderr(&r.output)
    );
    let log = r.text("build-log.txt");
    assert!(var(&log, "GITHUB_ACCESS_TOKEN").ends_with("/github-access-token/token.txt"));
    assert_eq!(var(&log, "token"), "");
    assert_eq!(var(&log, "PULL_PULL_SHA"), pr);
    assert!(
        log.lines()
            .last()
            .unwrap()
            .starts_with("Merge pull request #17"),
        "{log}"
    );
}

/// A repository with a branch `main` whose head is "plugins on main", to be
/// the job's extra repository; its remote and that head.
fn plugins_fixture() -> (GitFixture, String) {
    let f = GitFixture::new();
    git(&f.work(), &["checkout", "--quiet", "-b", "main"]);
    std::fs::write(f.work().join("plugin.txt"), "a plugin\n").unwrap();
    git(&f.work(), &["add", "plugin.txt"]);
    let head = f.commit("plugins on main");
    git(&f.work(), &["push", "--quiet", "origin", "main"]);
    (f, head)
}

/// The job's extra_refs entry is cloned from the source given with
/// `--repo ORG/REPO=PATH`, beside the job's own clone, where the
/// container's --extra-repo points; its commit is in the log and in
/// started.json; JOB_SPEC carries the entry as Prow gives it; the hostPath
/// cache is kept for the next run.
#[test]
fn an_extra_ref_is_cloned_beside_the_repository() {
    let f = GitFixture::from_example("shell-tool");
    let (plugins, plugins_head) = plugins_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let bins = script_bin();
    let (config, remote, extra) = (env_jobs(), f.remote(), plugins.remote());
    let extra_source = format!("example/plugins={}", extra.display());
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--repo",
        remote.to_str().unwrap(),
        "--repo",
        &extra_source,
        "--bin-dir",
        bins.path().to_str().unwrap(),
    ];
    let r = pj_local(tmp.path(), "shell-tool-extra", &args);
    let out = stdout(&r.output);
    assert!(r.output.status.success(), "{out}{}", stderr(&r.output));
    let log = r.text("build-log.txt");

    // Beside the job's own clone, where clonerefs puts it, on its branch.
    let cwd = Path::new(var(&log, "cwd"));
    let extra_dir = Path::new(var(&log, "extra"));
    assert!(
        cwd.ends_with("go/src/github.com/example/shell-tool"),
        "{log}"
    );
    assert_eq!(extra_dir, cwd.parent().unwrap().join("plugins"), "{log}");
    assert_eq!(var(&log, "extra_head"), plugins_head);
    assert_eq!(var(&log, "extra_branch"), "main");
    assert_eq!(var(&log, "extra_subject"), "plugins on main");
    assert!(
        out.contains(&format!(
            "[pj-local] cloning {} main:{plugins_head} into {} (extra_refs: example/plugins)",
            extra.display(),
            extra_dir.display()
        )),
        "{out}"
    );
    // started.json: every ref cloned, with its commit.
    let started = r.json("started.json");
    assert_eq!(
        started["repos"]["example/plugins"],
        format!("main:{plugins_head}")
    );
    assert_eq!(
        started["repos"]["example/shell-tool"],
        format!("master:{}", f.head())
    );
    assert_eq!(
        started["metadata"]["pj-local"]["extra_refs"]["example/plugins"],
        extra.to_str().unwrap()
    );
    // JOB_SPEC: the entry as the job config has it (Prow resolves no commit).
    let spec: Value = serde_json::from_str(var(&log, "JOB_SPEC")).unwrap();
    assert_eq!(
        spec["extra_refs"],
        serde_json::json!([{"org": "example", "repo": "plugins", "base_ref": "main", "base_sha": ""}])
    );

    // The hostPath: a folder under the output root, kept for the next run.
    let cache = tmp
        .path()
        .join("out/host-paths/var/cache/pj-local-test/go-mod-cache");
    assert_eq!(var(&log, "cache"), cache.to_str().unwrap());
    assert_eq!(var(&log, "runs"), "1");
    std::fs::remove_dir_all(tmp.path().join("out/shell-tool-extra")).unwrap();
    let r = pj_local(tmp.path(), "shell-tool-extra", &args);
    assert!(r.output.status.success(), "{}", stdout(&r.output));
    assert_eq!(var(&r.text("build-log.txt"), "runs"), "2");
}

/// An extra_refs entry without a source, a source for a repository the job
/// does not clone, a source without the entry's branch, the job's own
/// repository twice: usage errors (exit 2) that say what to pass, before
/// anything is cloned or written.
#[test]
fn extra_refs_need_a_source_of_their_own() {
    let f = GitFixture::from_example("shell-tool");
    let tmp = tempfile::tempdir().unwrap();
    let bins = script_bin();
    let (config, remote) = (env_jobs(), f.remote());
    let out = tmp.path().join("out");
    let base = [
        "--config",
        config.to_str().unwrap(),
        "--job",
        "shell-tool-extra",
        "--out",
        out.to_str().unwrap(),
        "--bin-dir",
        bins.path().to_str().unwrap(),
        "--repo",
        remote.to_str().unwrap(),
    ];
    let err = |extra: &[&str]| -> (Option<i32>, String) {
        let o = run(BIN, tmp.path(), &[&base[..], extra].concat(), &[]);
        let e = stderr(&o).replace(remote.to_str().unwrap(), "[REMOTE]");
        (o.status.code(), e)
    };
    let no_main = format!("example/plugins={}", remote.display());
    insta::assert_debug_snapshot!([
        err(&[]),
        err(&["--repo", "example/nope=/src/nope"]),
        err(&["--repo", &no_main]),
        err(&["--repo", "example/shell-tool=/src/shell-tool"]),
        err(&["--repo", "/src/other"]),
    ], @r#"
    [
        (
            Some(
                2,
            ),
            "pj-local: error: shell-tool-extra clones example/plugins (branch main, at /home/prow/go/src/github.com/example/plugins) beside its own repository (extra_refs), and pj-local clones them only from a source you give: pass --repo example/plugins=PATH|URL (a local clone or a URL, e.g. https://github.com/example/plugins.git)\n",
        ),
        (
            Some(
                2,
            ),
            "pj-local: error: --repo example/nope=/src/nope: shell-tool-extra clones no repository example/nope (it clones example/shell-tool (its own), example/plugins (extra_refs)); name one of those, or, for a folder of the job's own repository whose path looks like ORG/REPO=..., write it as ./example/nope=/src/nope\n",
        ),
        (
            Some(
                2,
            ),
            "pj-local: error: [REMOTE] has no branch main (nor a remote-tracking branch <remote>/main); its branches: master; shell-tool-extra's extra_refs[0] clones example/plugins at branch main: give --repo example/plugins= a repository that has it\n",
        ),
        (
            Some(
                2,
            ),
            "pj-local: error: --repo example/shell-tool=/src/shell-tool: example/shell-tool is shell-tool-extra's own repository, already given as --repo [REMOTE]: give it once\n",
        ),
        (
            Some(
                2,
            ),
            "pj-local: error: --repo [REMOTE] and --repo /src/other: the job's own repository is given twice; give it once, and the other repositories the job clones as ORG/REPO=PATH|URL\n",
        ),
    ]
    "#);
    assert!(!out.exists(), "nothing written: {}", out.display());
}

#[test]
fn print_job_info_lists_the_extra_refs() {
    let o = run(
        BIN,
        Path::new("."),
        &[
            "--config",
            env_jobs().to_str().unwrap(),
            "--job",
            "shell-tool-extra",
            "--print-job-info",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "job=shell-tool-extra\ntype=postsubmit\nrepo=example/shell-tool\nextra_ref=example/plugins\n"
    );
}
