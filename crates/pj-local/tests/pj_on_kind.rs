//! prow/pj-on-kind.sh without kind or a Docker engine: it says what is
//! missing and prints the equivalent pj-local command.

use std::path::Path;
use std::process::Command;

#[test]
fn without_kind_it_prints_the_pj_local_command() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // A PATH with the basics only: no kind, kubectl or docker.
    let bin = testsupport::cli::path_with_only(&[
        "bash", "env", "dirname", "cat", "grep", "sed", "awk", "tr", "head", "git", "mktemp", "rm",
        "mkdir", "basename", "printf",
    ]);
    let o = Command::new(root.join("prow/pj-on-kind.sh"))
        .args([
            "guest-agent-release",
            "main",
            "0123456789abcdef0123456789abcdef01234567",
        ])
        .current_dir(&root)
        .env("PATH", bin.path())
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(all.contains("kind"), "names what is missing: {all}");
    assert!(
        all.contains("pj-local --job guest-agent-release")
            && all.contains("--base-ref main")
            && all.contains("--base-sha 0123456789abcdef0123456789abcdef01234567"),
        "{all}"
    );
}

const PJ_LOCAL: &str = env!("CARGO_BIN_EXE_pj-local");

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn jobs() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jobs")
}

#[test]
fn print_job_info_gives_the_repo_and_the_files_read_from_each_secret() {
    let jobs = jobs();
    let o = Command::new(PJ_LOCAL)
        .args(["--config", jobs.to_str().unwrap()])
        .args(["--job", "shell-tool-release", "--print-job-info"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The secret volume comes from a preset; the file name from its env.
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "job=shell-tool-release\ntype=postsubmit\nrepo=example/shell-tool\n\
         secret=github-access-token\nsecret_file=github-access-token/token.txt\n"
    );
    let o = Command::new(PJ_LOCAL)
        .args(["--config", jobs.to_str().unwrap()])
        .args(["--job", "no-such-job", "--print-job-info"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no job no-such-job"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn without_kind_the_repo_comes_from_pj_local() {
    let bin = testsupport::cli::path_with_only(&[
        "bash", "env", "dirname", "cat", "grep", "sed", "tr", "head", "mktemp", "rm", "mkdir",
        "basename", "printf",
    ]);
    std::os::unix::fs::symlink(PJ_LOCAL, bin.path().join("pj-local")).unwrap();
    let o = Command::new(root().join("prow/pj-on-kind.sh"))
        .args(["shell-tool-release", "master", "0123456"])
        .current_dir(root())
        .env("PATH", bin.path())
        .env("JOB_CONFIG_PATH", jobs())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.starts_with("pj-local --job shell-tool-release --repo https://github.com/example/shell-tool.git --base-ref master --base-sha 0123456 ")
            && out.contains(" --config "),
        "{out}"
    );
}

/// Stand-ins for kind, kubectl and docker: a cluster that exists, mkpj and
/// mkpod that ask for the one secret volume, and a pod that has succeeded.
/// The second mkpod run records the secret folders it is given in `record`.
fn fake_cluster_tools(dir: &Path, record: &Path) {
    let tools = [
        ("kind", "[[ $1 == get ]] && echo mkpod\nexit 0\n".to_owned()),
        (
            "kubectl",
            "case \"$*\" in\n  *' create '*) echo pod/pj ;;\n  *status.phase*) printf Succeeded ;;\n  *) echo 'test: exit 0' ;;\nesac\n"
                .to_owned(),
        ),
        (
            "docker",
            format!(
                r#"case "$*" in
  info*) exit 0 ;;
  inspect*) exit 0 ;;
  image\ inspect*) exit 1 ;;
  *mkpj:*) echo 'kind: ProwJob' ;;
  *mkpod:*)
    answered=
    while IFS= read -r dir; do
      answered=1
      for f in "$dir"/*; do echo "${{f#"$dir"/}}: $(cat "$f")" >>'{}'; done
    done
    if [[ -z $answered ]]; then printf 'Volume "github-access-token": ' >&2; fi
    echo 'kind: Pod' ;;
  *) echo "docker $*: unexpected" >&2; exit 1 ;;
esac
"#,
                record.display()
            ),
        ),
    ];
    for (name, body) in tools {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/usr/bin/env bash\n{body}")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_single_file_secret_gets_the_name_the_job_reads() {
    let bin = testsupport::cli::path_with_only(&[
        "bash", "env", "dirname", "cat", "grep", "sed", "tr", "sort", "mktemp", "rm", "mkdir",
        "basename", "printf", "date", "id", "cp", "chmod",
    ]);
    std::os::unix::fs::symlink(PJ_LOCAL, bin.path().join("pj-local")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let record = tmp.path().join("secrets-given.txt");
    fake_cluster_tools(bin.path(), &record);
    let config = tmp.path().join("config.yaml");
    std::fs::write(&config, "prowjob_namespace: default\n").unwrap();
    let token = tmp.path().join("my-token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let o = Command::new(root().join("prow/pj-on-kind.sh"))
        .args([
            "--secret",
            &format!("github-access-token={}", token.display()),
        ])
        .args(["shell-tool-release", "master", "0123456"])
        .current_dir(root())
        .env_clear()
        .env("PATH", bin.path())
        .env("TMPDIR", tmp.path())
        .env("CONFIG_PATH", &config)
        .env("JOB_CONFIG_PATH", jobs())
        .env("OUT_DIR", tmp.path().join("out"))
        .env("NODE_DIR", tmp.path().join("node"))
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{all}");
    // token.txt: the job reads /etc/github-access-token/token.txt.
    assert_eq!(
        std::fs::read_to_string(&record).unwrap_or_else(|e| panic!("{e}: {all}")),
        "token.txt: s3cret\n",
        "{all}"
    );
}

/// The printed pj-local command gives every repository of the job's
/// extra_refs a source: the one passed as --repo ORG/REPO=..., else GitHub.
#[test]
fn without_kind_the_extra_refs_get_a_source() {
    let bin = testsupport::cli::path_with_only(&[
        "bash", "env", "dirname", "cat", "grep", "sed", "tr", "head", "mktemp", "rm", "mkdir",
        "basename", "printf",
    ]);
    std::os::unix::fs::symlink(PJ_LOCAL, bin.path().join("pj-local")).unwrap();
    let env_jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/env-job");
    let printed = |extra: &[&str]| -> String {
        let o = Command::new(root().join("prow/pj-on-kind.sh"))
            .args(extra)
            .args(["shell-tool-extra", "master", "0123456"])
            .current_dir(root())
            .env("PATH", bin.path())
            .env("JOB_CONFIG_PATH", &env_jobs)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = printed(&[]);
    assert!(
        out.starts_with("pj-local --job shell-tool-extra --repo https://github.com/example/shell-tool.git --repo example/plugins=https://github.com/example/plugins.git --base-ref master "),
        "{out}"
    );
    let out = printed(&[
        "--repo",
        "/src/shell-tool",
        "--repo",
        "example/plugins=/src/plugins",
    ]);
    assert!(
        out.starts_with("pj-local --job shell-tool-extra --repo /src/shell-tool --repo example/plugins=/src/plugins --base-ref master "),
        "{out}"
    );
}
