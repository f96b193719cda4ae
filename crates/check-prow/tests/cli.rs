//! check-prow end to end: the real configs pass; broken ones fail with one
//! line per problem (`file: job: message`) or the file error with its line.

use std::path::{Path, PathBuf};

use testsupport::cli::{run, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_check-prow");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_real_configs_pass() {
    let o = run(BIN, &root(), &[], &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "check-prow: 7 jobs in 5 files under prow/jobs: no problems\n"
    );
}

const JOB: &str = r#"postsubmits:
  o/r:
  - name: r-release
    decorate: true
    branches: [^master$]
    spec:
      containers:
      - name: version-gen
        image: us-docker.pkg.dev/gcp-guest/release/version-gen:v1
        command: [version-gen]
        args: [--workspace, /workspace]
        env:
        - {name: JOB_NAME, value: x}
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
      - name: repo-tagger
        image: us-docker.pkg.dev/gcp-guest/release/repo-tagger:v1
        command: [repo-tagger]
        args: [--workspace, /workspace, --expect, deb12]
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
      volumes:
      - name: workspace
        emptyDir: {}
"#;

fn tree(job: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("jobs")).unwrap();
    std::fs::write(dir.path().join("jobs/r.yaml"), job).unwrap();
    std::fs::create_dir_all(dir.path().join("containers/version-gen")).unwrap();
    std::fs::write(
        dir.path().join("containers/version-gen/Dockerfile"),
        "FROM x\n",
    )
    .unwrap();
    dir
}

#[test]
fn problems_are_listed_and_fail() {
    let dir = tree(JOB);
    let o = run(
        BIN,
        dir.path(),
        &["--config", "jobs", "--containers", "containers"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o), @r"
    jobs/r.yaml: r-release: container version-gen: env JOB_NAME is reserved: Prow sets it itself (in every job)
    jobs/r.yaml: r-release: container repo-tagger: image repo-tagger is built from no Dockerfile: containers/repo-tagger/Dockerfile does not exist
    jobs/r.yaml: r-release: a release job sets max_concurrency: 1 (further merges queue behind it)
    jobs/r.yaml: r-release: container repo-tagger: --expect deb12 does not match the builders' targets (none) (expected but not built: deb12); add the builders or drop --expect
    ");
    assert_eq!(
        stderr(&o),
        "check-prow: 1 jobs in 1 files under jobs: 4 problem(s)\n"
    );
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let dir = tree(&JOB.replace(
        "mountPath: /workspace}\n      - name: repo",
        "mountpath: /workspace}\n      - name: repo",
    ));
    let o = run(
        BIN,
        dir.path(),
        &["--config", "jobs", "--containers", "containers"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o), @"jobs/r.yaml:15:29: postsubmits.o/r[0].spec.containers[0].volumeMounts[0]: unknown field `mountpath`, expected one of `name`, `mountPath`, `readOnly`, `subPath`; fix the file (keys are case-sensitive here; Prow would silently ignore an unknown one)");
    assert_eq!(
        stderr(&o),
        "check-prow: 1 file error(s) in jobs; nothing else was checked\n"
    );
}

#[test]
fn a_missing_config_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(BIN, dir.path(), &[], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("prow/jobs: cannot read the job config folder:"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn help() {
    let o = run(BIN, &root(), &["--help"], &[]);
    assert!(o.status.success());
    insta::assert_snapshot!(stdout(&o));
    let o = run(BIN, &root(), &["--bogus"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

/// `make check-containers`: the real Dockerfiles pass. The binaries are
/// given (make check-containers asks `cargo metadata`): cargo never runs
/// under test-at's moved clock.
#[test]
fn the_real_dockerfiles_pass() {
    let tools = "version-gen,packagebuild-deb,packagebuild-rpm,packagebuild-googet,repo-tagger";
    let o = run(
        BIN,
        &root(),
        &["--dockerfiles", "--workspace-bins", tools],
        &[],
    );
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).starts_with("check-prow: 9 Dockerfiles under containers: no problems"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn dockerfile_problems_are_listed_and_fail() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "version-gen",
            "FROM docker.io/library/debian:bookworm-20251117-slim\nCOPY version-gen /usr/local/bin/\n",
        ),
        (
            "repo-tagger",
            "FROM docker.io/library/debian:latest\nCOPY repo-tagger tagger-helper /usr/local/bin/\n",
        ),
    ] {
        std::fs::create_dir_all(dir.path().join("containers").join(name)).unwrap();
        std::fs::write(
            dir.path().join("containers").join(name).join("Dockerfile"),
            text,
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("containers/README.md"), "`version-gen`\n").unwrap();
    let o = run(
        BIN,
        dir.path(),
        &[
            "--dockerfiles",
            "--workspace-bins",
            "version-gen,repo-tagger",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o), @r"
    containers/repo-tagger/Dockerfile: FROM docker.io/library/debian:latest uses :latest
    containers/repo-tagger/Dockerfile: copies tagger-helper, which is not a binary of this workspace (it builds: version-gen repo-tagger)
    containers/README.md: the image repo-tagger is not listed
    ");
    assert_eq!(
        stderr(&o),
        "check-prow: 2 Dockerfiles under containers: 3 problem(s)\n"
    );
    // --workspace-bins belongs to --dockerfiles.
    let o = run(BIN, dir.path(), &["--workspace-bins", "x"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
