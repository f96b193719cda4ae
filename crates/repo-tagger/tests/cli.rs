//! repo-tagger end to end: the real binary against real git repositories
//! and the fake GitHub.

use std::path::Path;
use std::process::Output;

use testsupport::cli::{command, read_json, run, stderr, stdout};
use testsupport::git::GitFixture;
use testsupport::github::{FakeConfig, FakeGitHub, FakeRepo, Fault, fake_sha};

const BIN: &str = env!("CARGO_BIN_EXE_repo-tagger");
const TOKEN: &str = "ghp_TESTTOKEN_must_never_be_printed_0123456789";
const OWNER: &str = "GoogleCloudPlatform";
const REPO: &str = "guest-agent";

fn tagger(cwd: &Path, args: &[&str]) -> Output {
    run(BIN, cwd, args, &[])
}

fn settings(dirs: &[&Path]) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    for (pattern, with) in testsupport::cli::snapshot_filters(dirs) {
        s.add_filter(&pattern, with);
    }
    s.add_filter(r"after \d+(\.\d+)?m?s", "after [DURATION]");
    s
}

/// A builder's record; an ok one names the commit it was built from, as
/// every builder records it.
fn write_result(ws: &Path, target: &str, status: &str, version: &str, error: Option<&str>) {
    write_result_of(ws, target, status, version, error, None);
}

fn write_result_of(
    ws: &Path,
    target: &str,
    status: &str,
    version: &str,
    error: Option<&str>,
    commit: Option<&str>,
) {
    std::fs::create_dir_all(ws.join("results")).unwrap();
    let mut v = serde_json::json!({"target": target, "status": status, "version": version, "artifacts": []});
    if let Some(e) = error {
        v["error"] = e.into();
    }
    if let Some(c) = commit {
        v["commit"] = c.into();
    }
    std::fs::write(ws.join(format!("results/{target}.json")), v.to_string()).unwrap();
}

#[test]
fn help() {
    let o = tagger(Path::new("/"), &["--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn tags_head_of_the_current_repository_and_rerun_succeeds() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let o = tagger(&f.work(), &["--version", "20261127.00"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("created tag 20261127.00 on {head}\n"));
    assert_eq!(f.remote_tag_commit("20261127.00"), Some(head.clone()));
    assert_eq!(f.remote_tag_type("20261127.00"), "tag");
    let o = tagger(&f.work(), &["--version", "20261127.00"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("tag already there: 20261127.00 on {head}\n")
    );
    assert!(stderr(&o).contains("already points at"), "{}", stderr(&o));
}

#[test]
fn works_from_any_folder_with_a_remote_path() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let elsewhere = tempfile::tempdir().unwrap();
    let o = tagger(
        elsewhere.path(),
        &[
            "--remote",
            f.remote().to_str().unwrap(),
            "--version",
            "20261127.03",
            "--sha",
            &head,
            "--message",
            "Guest agent 20261127.03",
            "--tagger-name",
            "Rel Eng",
            "--tagger-email",
            "releng@example.com",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rec: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rec["status"], "created");
    assert_eq!(f.remote_tag_commit("20261127.03"), Some(head));
    let shown = testsupport::git::git(
        &f.remote(),
        &[
            "tag",
            "-l",
            "--format=%(contents:subject)|%(taggername)|%(taggeremail)",
            "20261127.03",
        ],
    );
    assert_eq!(
        shown.trim(),
        "Guest agent 20261127.03|Rel Eng|<releng@example.com>"
    );
}

#[test]
fn conflict_exits_3_naming_both_commits() {
    let f = GitFixture::new();
    let first = f.commit_and_push("first");
    let second = f.commit_and_push("second");
    f.remote_tags(&["20261127.00".into()], &first);
    let ws = tempfile::tempdir().unwrap();
    let o = tagger(
        &f.work(),
        &[
            "--version",
            "20261127.00",
            "--sha",
            &second,
            "--workspace",
            ws.path().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&first) && stderr(&o).contains(&second),
        "{}",
        stderr(&o)
    );
    let rec = read_json(&ws.path().join("tag.json"));
    assert_eq!(rec["status"], "conflict");
    assert_eq!(rec["existing_commit"], first.as_str());
    assert_eq!(f.remote_tag_commit("20261127.00"), Some(first));
}

#[test]
fn verify_next_refuses_a_version_that_is_no_longer_next() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(&["20261127.00".into()], &head);
    let next = f.commit_and_push("d");
    let o = tagger(
        &f.work(),
        &[
            "--version",
            "20261127.00",
            "--sha",
            &next,
            "--verify-next",
            "--date",
            "20261127",
        ],
    );
    // 20261127.00 exists on another commit: that is a conflict already.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let o = tagger(
        &f.work(),
        &[
            "--version",
            "20261127.02",
            "--verify-next",
            "--date",
            "20261127",
        ],
    );
    // Ahead of the next one (20261127.01): a typo, not another release.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is ahead of the next one for 20261127 (20261127.01)")
            && stderr(&o).contains("a typo?"),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.remote_tag_commit("20261127.02"), None);
    let o = tagger(
        &f.work(),
        &[
            "--version",
            "20261127.01",
            "--verify-next",
            "--date",
            "20261127",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn verify_next_refuses_a_version_another_release_overtook() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    // .01 was computed, then another run released .02 first.
    f.remote_tags(&["20261127.00".into(), "20261127.02".into()], &head);
    let o = tagger(
        &f.work(),
        &[
            "--version",
            "20261127.01",
            "--verify-next",
            "--date",
            "20261127",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no longer the next one for 20261127 (the next is 20261127.03)")
            && stderr(&o).contains("another release happened"),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.remote_tag_commit("20261127.01"), None);
}

#[test]
fn verify_next_after_ninety_nine_builds_of_a_day() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let names: Vec<String> = (0..=99).map(|n| format!("20261127.{n:02}")).collect();
    f.remote_tags(&names, &head);
    let next = f.commit_and_push("d");
    let args = [
        "--version",
        "20261127.100",
        "--verify-next",
        "--date",
        "20261127",
    ];
    let o = tagger(&f.work(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(f.remote_tag_commit("20261127.100"), Some(next));
}

/// A release whose version was computed at 23:59:59 UTC (20261127.05, the
/// day's sixth) reaches the tagger after midnight. With --verify-next it is
/// refused at once (one look at the tags, no retry loop), nothing is
/// tagged, and the re-run, which computes a version of the new day, tags.
#[test]
fn a_release_that_runs_over_midnight_is_refused_and_its_rerun_tags_the_new_day() {
    use testsupport::cli::{run_at, utc};
    let f = GitFixture::new();
    let earlier = f.commit_and_push("c");
    let names: Vec<String> = (0..5).map(|n| format!("20261127.{n:02}")).collect();
    f.remote_tags(&names, &earlier);
    let merged = f.commit_and_push("d");
    let dir = tempfile::tempdir().unwrap();
    let tag_at = |at: &str, version: &str| {
        let ws = dir.path().join(version);
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::write(ws.join("version"), format!("{version}\n")).unwrap();
        write_result_of(&ws, "deb12", "ok", version, None, Some(&merged));
        let args = [
            "--workspace",
            ws.to_str().unwrap(),
            "--expect",
            "deb12",
            "--verify-next",
            "--wait-timeout",
            "60s",
        ];
        (run_at(utc(at), "UTC", BIN, &f.work(), &args, &[]), ws)
    };

    let (o, ws) = tag_at("2026-11-28 00:00:01", "20261127.05");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "version 20261127.05 is of 20261127, but today is 20261128 (UTC): the day changed"
        ) && stderr(&o).contains("(20261128.00 is); re-run the release"),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.remote_tag_commit("20261127.05"), None);
    assert_eq!(f.remote_tag_commit("20261128.00"), None);
    let rec = read_json(&ws.join("tag.json"));
    assert_eq!(rec["status"], "conflict");
    assert_eq!(rec["version"], "20261127.05");

    let (o, ws) = tag_at("2026-11-28 00:00:02", "20261128.00");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(f.remote_tag_commit("20261128.00"), Some(merged));
    assert_eq!(read_json(&ws.join("tag.json"))["status"], "created");
}

#[test]
fn workspace_flow_reads_version_waits_for_results_and_writes_tag_json() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let artifacts = dir.path().join("artifacts");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("version"), "20261127.00\n").unwrap();
    write_result_of(&ws, "deb12", "ok", "20261127.00", None, Some(&head));
    write_result_of(&ws, "el9", "ok", "20261127.00", None, Some(&head));
    let o = run(
        BIN,
        &f.work(),
        &["--workspace", ws.to_str().unwrap(), "--expect", "deb12,el9"],
        &[
            ("ARTIFACTS", artifacts.to_str().unwrap()),
            ("BUILD_ID", "4242"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rec = read_json(&ws.join("tag.json"));
    assert_eq!(rec["status"], "created");
    assert_eq!(rec["commit"], head.as_str());
    assert_eq!(rec["targets"], serde_json::json!(["deb12", "el9"]));
    assert_eq!(rec["build_id"], "4242");
    assert_eq!(read_json(&artifacts.join("tag.json")), rec);
    assert!(artifacts.join("junit_repo-tagger.xml").exists());
}

#[test]
fn a_failed_or_missing_build_refuses_the_tag() {
    let f = GitFixture::new();
    f.commit_and_push("c");
    let ws = tempfile::tempdir().unwrap();
    let w = ws.path().to_str().unwrap();
    std::fs::write(ws.path().join("version"), "20261127.00\n").unwrap();
    write_result(ws.path(), "deb12", "ok", "20261127.00", None);
    write_result(
        ws.path(),
        "el9",
        "failed",
        "20261127.00",
        Some("rpmbuild exited with 1"),
    );
    let o = tagger(
        &f.work(),
        &[
            "--workspace",
            w,
            "--expect",
            "deb12,el9",
            "--wait-timeout",
            "1s",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("build el9 failed") && stderr(&o).contains("rpmbuild exited with 1"),
        "{}",
        stderr(&o)
    );
    assert!(f.remote_tag_names().is_empty());
    assert_eq!(read_json(&ws.path().join("tag.json"))["status"], "failed");

    let o = tagger(
        &f.work(),
        &[
            "--workspace",
            w,
            "--expect",
            "deb12,goo",
            "--wait-timeout",
            "300ms",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("results/goo.json"), "{}", stderr(&o));
    assert!(f.remote_tag_names().is_empty());

    write_result(ws.path(), "el9", "ok", "20261127.01", None);
    let o = tagger(
        &f.work(),
        &[
            "--workspace",
            w,
            "--expect",
            "deb12,el9",
            "--wait-timeout",
            "1s",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("made version 20261127.01, not 20261127.00"),
        "{}",
        stderr(&o)
    );
    assert!(f.remote_tag_names().is_empty());
}

#[test]
fn errors() {
    let f = GitFixture::new();
    f.commit_and_push("c");
    let unpushed = f.commit("unpushed");
    let empty_ws = tempfile::tempdir().unwrap();
    let ew = empty_ws.path().to_str().unwrap();
    let failed_ws = tempfile::tempdir().unwrap();
    std::fs::write(
        failed_ws.path().join("version.json"),
        r#"{"status":"failed","error":"GitHub answered 401"}"#,
    )
    .unwrap();
    let fw = failed_ws.path().to_str().unwrap();
    let cases: Vec<(&str, Vec<&str>, i32)> = vec![
        ("no version", vec![], 2),
        (
            "not a release version",
            vec!["--version", "0.20261127101010"],
            2,
        ),
        ("malformed version", vec!["--version", "v1.2.3"], 2),
        (
            "unknown commit",
            vec!["--version", "20261127.00", "--sha", &unpushed],
            1,
        ),
        (
            "workspace without version",
            vec!["--workspace", ew, "--wait-timeout", "200ms"],
            1,
        ),
        ("version-gen failed", vec!["--workspace", fw], 1),
        (
            "expect without workspace",
            vec!["--version", "20261127.00", "--expect", "deb12"],
            2,
        ),
        (
            "bad target name",
            vec![
                "--workspace",
                ew,
                "--version",
                "20261127.00",
                "--expect",
                "../x",
            ],
            1,
        ),
        (
            "malformed wait timeout",
            vec!["--version", "20261127.00", "--wait-timeout", "soon"],
            2,
        ),
        (
            "github without sha",
            vec![
                "--forge",
                "github",
                "--owner",
                "o",
                "--repo",
                "r",
                "--version",
                "20261127.00",
            ],
            2,
        ),
    ];
    let mut all = String::new();
    for (name, args, code) in cases {
        let o = tagger(&f.work(), &args);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", stderr(&o));
        all.push_str(&format!(
            "## {name} (exit {code})\n{}\n",
            stderr(&o).trim_end()
        ));
    }
    assert!(f.remote_tag_names().is_empty());
    settings(&[f.root(), empty_ws.path(), failed_ws.path()]).bind(|| insta::assert_snapshot!(all));
}

/// Starts `n` taggers at once, each for the same version on its own commit.
fn race(
    n: usize,
    commits: &[String],
    args: impl Fn(&str) -> Vec<String>,
    env: &[(&str, &str)],
    cwd: &Path,
) -> Vec<Output> {
    let children: Vec<_> = (0..n)
        .map(|i| {
            let mut c = command(BIN, cwd);
            c.args(args(&commits[i]));
            for (k, v) in env {
                c.env(k, v);
            }
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn assert_one_winner(outs: &[Output]) {
    let codes: Vec<_> = outs.iter().map(|o| o.status.code()).collect();
    let wins = codes.iter().filter(|c| **c == Some(0)).count();
    let conflicts = codes.iter().filter(|c| **c == Some(3)).count();
    assert_eq!(
        (wins, conflicts),
        (1, outs.len() - 1),
        "exit codes {codes:?}\n{}",
        outs.iter().map(stderr).collect::<Vec<_>>().join("\n---\n")
    );
}

#[test]
fn race_on_git_exactly_one_tag() {
    let f = GitFixture::new();
    let commits: Vec<String> = (0..8)
        .map(|i| f.commit_and_push(&format!("c{i}")))
        .collect();
    let remote = f.remote().to_str().unwrap().to_owned();
    let outs = race(
        8,
        &commits,
        |sha| {
            [
                "--remote",
                &remote,
                "--version",
                "20261127.00",
                "--sha",
                sha,
            ]
            .map(String::from)
            .to_vec()
        },
        &[],
        f.root(),
    );
    assert_one_winner(&outs);
    let winner = outs.iter().position(|o| o.status.success()).unwrap();
    assert_eq!(
        f.remote_tag_commit("20261127.00").as_deref(),
        Some(commits[winner].as_str())
    );
}

fn fake(commits: &[String]) -> FakeGitHub {
    FakeGitHub::spawn(FakeConfig {
        token: TOKEN.into(),
        repos: vec![FakeRepo {
            owner: OWNER.into(),
            repo: REPO.into(),
            commits: commits.to_vec(),
            tags: vec![],
        }],
    })
    .unwrap()
}

fn gh(url: &str, token_file: &str, sha: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "--forge",
        "github",
        "--owner",
        OWNER,
        "--repo",
        REPO,
        "--api-url",
        url,
        "--token-file",
        token_file,
        "--sha",
        sha,
    ]
    .map(String::from)
    .to_vec();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

#[test]
fn race_on_github_exactly_one_tag() {
    let commits: Vec<String> = (0..8).map(|i| fake_sha(&format!("commit{i}"))).collect();
    let fake = fake(&commits);
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("token");
    std::fs::write(&tf, TOKEN).unwrap();
    let url = fake.url();
    let outs = race(
        8,
        &commits,
        |sha| {
            gh(
                &url,
                tf.to_str().unwrap(),
                sha,
                &["--version", "20261127.00"],
            )
        },
        &[],
        dir.path(),
    );
    assert_one_winner(&outs);
    let winner = outs.iter().position(|o| o.status.success()).unwrap();
    assert_eq!(
        fake.tag_commit(OWNER, REPO, "20261127.00"),
        Some(commits[winner].clone())
    );
}

#[test]
fn github_tagging() {
    let commits: Vec<String> = (0..2).map(|i| fake_sha(&format!("commit{i}"))).collect();
    let fake = fake(&commits);
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("token");
    std::fs::write(&tf, TOKEN).unwrap();
    let tf = tf.to_str().unwrap();
    let url = fake.url();
    let args = |sha: &str, extra: &[&str]| gh(&url, tf, sha, extra);
    let run_args = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = tagger(dir.path(), &refs);
        for s in [stdout(&o), stderr(&o)] {
            assert!(!s.contains(TOKEN), "token leaked: {s}");
        }
        o
    };

    // An exhausted retry budget: an error, and no tag.
    // The first request (looking for the ref) fails three times: 1 + 2 retries.
    for _ in 0..3 {
        fake.inject(Fault::Status(503));
    }
    let o = run_args(args(
        &commits[0],
        &["--version", "20261127.00", "--max-retries", "2"],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("503"), "{}", stderr(&o));
    assert_eq!(fake.tag_commit(OWNER, REPO, "20261127.00"), None);

    // Created, as an annotated tag with the tagger and message.
    let o = run_args(args(
        &commits[0],
        &[
            "--version",
            "20261127.00",
            "--date",
            "20261127",
            "--verify-next",
        ],
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fake.tag_commit(OWNER, REPO, "20261127.00"),
        Some(commits[0].clone())
    );
    let obj = fake
        .tag_object(OWNER, REPO, "20261127.00")
        .expect("annotated");
    assert_eq!(
        obj["message"].as_str().unwrap().trim(),
        "Release 20261127.00"
    );
    assert_eq!(obj["tagger"]["name"], "Guest OS Release");

    // Same commit again: exit 0; another commit: 422 → exit 3.
    let o = run_args(args(&commits[0], &["--version", "20261127.00"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_args(args(&commits[1], &["--version", "20261127.00"]));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains(&commits[0]) && stderr(&o).contains(&commits[1]));

    // Unknown commit.
    let o = run_args(args(&fake_sha("nope"), &["--version", "20261127.01"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown commit"), "{}", stderr(&o));
}

/// `--version` is the version to tag, so the tool's own version is `-V` or
/// `--tool-version`.
#[test]
fn tool_version() {
    testsupport::cli::assert_tool_version(BIN, "repo-tagger", env!("CARGO_PKG_VERSION"));
}

/// The issue: `--version 20261302.00` (month 13) was tagged, and blocked
/// every later release. A version's date must exist; even --allow-future
/// does not make it one.
#[test]
fn a_version_whose_date_does_not_exist_is_refused() {
    let f = GitFixture::new();
    f.commit_and_push("c");
    let ws = tempfile::tempdir().unwrap();
    for v in ["20261302.00", "20261327.00", "20261131.00", "20270229.00"] {
        let o = tagger(
            &f.work(),
            &[
                "--version",
                v,
                "--allow-future",
                "--workspace",
                ws.path().to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{v}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!(
                "{v:?} is not a release version: the date part is not a real calendar date"
            )),
            "{v}: {}",
            stderr(&o)
        );
        let rec = read_json(&ws.path().join("tag.json"));
        assert_eq!(rec["status"], "failed");
    }
    let o = tagger(&f.work(), &["--version", "2026112.00"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(f.remote_tag_names().is_empty());
}

/// A version dated more than a day after today is refused (exit 2, nothing
/// tagged) unless --allow-future; 9999-12-31 is after any today.
#[test]
fn a_version_dated_in_the_future_needs_allow_future() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let ws = tempfile::tempdir().unwrap();
    let w = ws.path().to_str().unwrap();
    let o = tagger(&f.work(), &["--version", "99991231.00", "--workspace", w]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("version 99991231.00 is dated more than 1 day after today (")
            && err.contains(", UTC): check the version (a typo?)")
            && err.contains("pass --allow-future"),
        "{err}"
    );
    assert!(f.remote_tag_names().is_empty());
    let rec = read_json(&ws.path().join("tag.json"));
    assert_eq!(rec["status"], "failed");
    assert_eq!(rec["version"], "99991231.00");
    assert!(rec["error"].as_str().unwrap().contains("--allow-future"));

    // --verify-next does not make it acceptable.
    let o = tagger(
        &f.work(),
        &[
            "--version",
            "99991231.00",
            "--verify-next",
            "--date",
            "99991231",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(f.remote_tag_names().is_empty());

    // A repair: told to, it tags.
    let o = tagger(&f.work(), &["--version", "99991231.00", "--allow-future"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("as --allow-future asks"),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.remote_tag_commit("99991231.00"), Some(head));
}

/// At a fixed instant: today and tomorrow (clock skew) are fine, the day
/// after is refused naming today; the past is fine (a backfill).
#[test]
fn future_means_more_than_one_day_after_today_utc() {
    use testsupport::cli::{run_at, utc};
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    // 23:30 UTC on the 27th is already the 28th in Kiritimati (UTC+14):
    // today is the UTC day.
    let at = |v: &str| {
        run_at(
            utc("2026-11-27 23:30:00"),
            "Pacific/Kiritimati",
            BIN,
            &f.work(),
            &["--version", v],
            &[],
        )
    };
    let o = at("20261129.00");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("version 20261129.00 is dated more than 1 day after today (20261127, UTC)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.remote_tag_commit("20261129.00"), None);
    for v in ["20261128.00", "20261127.00", "20200101.00"] {
        let o = at(v);
        assert!(o.status.success(), "{v}: {}", stderr(&o));
        assert_eq!(f.remote_tag_commit(v).as_deref(), Some(head.as_str()));
    }
}

/// Every step leaves its record, argument errors included: a builder given
/// a bad flag writes its failed `results/<target>.json`, and the tagger,
/// whose wait would otherwise last its whole timeout, stops on it at once,
/// naming the target; an argument error of the tagger itself leaves a
/// failed `tag.json`.
#[test]
fn a_builder_argument_error_is_recorded_and_stops_the_tagger() {
    let bins = testsupport::cli::workspace_bins(&[
        "packagebuild-deb",
        "packagebuild-rpm",
        "packagebuild-googet",
    ]);
    let f = GitFixture::new();
    f.commit_and_push("c");
    let d = tempfile::tempdir().unwrap();
    let ws = d.path().join("ws");
    let ws_arg = ws.to_str().unwrap();
    for (tool, target) in [
        ("packagebuild-deb", "deb12"),
        ("packagebuild-rpm", "el9"),
        ("packagebuild-googet", "goo"),
    ] {
        let bin = bins.join(tool);
        let o = run(
            bin.to_str().unwrap(),
            &f.work(),
            &["--workspace", ws_arg, "--target", target, "--no-such-flag"],
            &[],
        );
        assert_eq!(o.status.code(), Some(2), "{tool}: {}", stderr(&o));
        let rec = read_json(&ws.join(format!("results/{target}.json")));
        assert_eq!(rec["status"], "failed", "{tool}: {rec}");
        let error = rec["error"].as_str().unwrap();
        assert!(
            error.starts_with(&format!(
                "{tool}: usage error: unexpected argument '--no-such-flag'"
            )),
            "{tool}: {error}"
        );
    }
    let o = tagger(
        &f.work(),
        &[
            "--workspace",
            ws_arg,
            "--version",
            "20261127.00",
            "--expect",
            "deb12,el9,goo",
            "--wait-timeout",
            "60m",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("build deb12 failed, so nothing is tagged: packagebuild-deb: usage error"),
        "{}",
        stderr(&o)
    );
    assert!(f.remote_tag_names().is_empty());

    let o = tagger(
        &f.work(),
        &[
            "--workspace",
            ws_arg,
            "--expect",
            "deb12",
            "--wait-timeout",
            "never",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let rec = read_json(&ws.join("tag.json"));
    assert_eq!(rec["status"], "failed");
    assert_eq!(rec["targets"], serde_json::json!(["deb12"]));
    assert!(
        rec["error"]
            .as_str()
            .unwrap()
            .starts_with("repo-tagger: usage error: invalid value 'never' for '--wait-timeout"),
        "{rec}"
    );
}
