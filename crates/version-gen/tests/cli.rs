//! version-gen end to end: the real binary against real git repositories
//! and the fake GitHub.

use std::path::Path;

use testsupport::cli::{run, stderr, stdout};
use testsupport::git::GitFixture;
use testsupport::github::{FakeConfig, FakeGitHub, FakeRepo, Fault, fake_sha};

const BIN: &str = env!("CARGO_BIN_EXE_version-gen");
const TOKEN: &str = "ghp_TESTTOKEN_must_never_be_printed_0123456789";

fn vg(cwd: &Path, args: &[&str]) -> std::process::Output {
    run(BIN, cwd, args, &[])
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// Filters temp paths and shas out of messages for snapshots.
fn settings(dirs: &[&Path]) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    for (pattern, with) in testsupport::cli::snapshot_filters(dirs) {
        s.add_filter(&pattern, with);
    }
    s
}

#[test]
fn help() {
    let o = vg(Path::new("/"), &["--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn first_version_of_a_day_and_increments() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let o = vg(&f.work(), &["--date", "20261127"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "20261127.00\n");
    f.remote_tags(
        &[
            "20261127.00".into(),
            "20261127.01".into(),
            "20261126.07".into(),
            "v1.0.0".into(),
        ],
        &head,
    );
    assert_eq!(
        stdout(&vg(&f.work(), &["--date", "20261127"])),
        "20261127.02\n"
    );
    // A day without tags starts again at 00.
    assert_eq!(
        stdout(&vg(&f.work(), &["--date", "20261128"])),
        "20261128.00\n"
    );
}

#[test]
fn build_numbers_compare_as_integers() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    let names: Vec<String> = (0..=99).map(|i| format!("20261127.{i:02}")).collect();
    f.remote_tags(&names, &head);
    assert_eq!(
        stdout(&vg(&f.work(), &["--date", "20261127"])),
        "20261127.100\n"
    );
    f.remote_tags(&["20261127.100".into()], &head);
    assert_eq!(
        stdout(&vg(&f.work(), &["--date", "20261127"])),
        "20261127.101\n"
    );
}

#[test]
fn json_output() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(&["20261127.04".into()], &head);
    let o = vg(&f.work(), &["--date", "20261127", "--json"]);
    let v = json(&o);
    assert_eq!(v["version"], "20261127.05");
    assert_eq!(v["date"], "20261127");
    assert_eq!(v["build_number"], 5);
    assert_eq!(v["previous"], "20261127.04");
    assert_eq!(v["forge"], "git");
    assert_eq!(v["requests"], 1);
}

#[test]
fn remote_by_path_from_any_folder() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(&["20261127.00".into()], &head);
    let elsewhere = tempfile::tempdir().unwrap();
    let o = vg(
        elsewhere.path(),
        &[
            "--remote",
            f.remote().to_str().unwrap(),
            "--date",
            "20261127",
        ],
    );
    assert_eq!(stdout(&o), "20261127.01\n", "{}", stderr(&o));
}

#[test]
fn workspace_files_are_written() {
    let f = GitFixture::new();
    let ws = tempfile::tempdir().unwrap();
    let o = vg(
        &f.work(),
        &[
            "--date",
            "20261127",
            "--workspace",
            ws.path().to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(ws.path().join("version")).unwrap(),
        "20261127.00\n"
    );
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.path().join("version.json")).unwrap()).unwrap();
    assert_eq!(rec["status"], "ok");
    assert_eq!(rec["version"], "20261127.00");
}

#[test]
fn failure_is_recorded_in_the_workspace_and_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let artifacts = dir.path().join("artifacts");
    let o = run(
        BIN,
        dir.path(),
        &[
            "--remote",
            dir.path().to_str().unwrap(),
            "--workspace",
            ws.to_str().unwrap(),
        ],
        &[("ARTIFACTS", artifacts.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!ws.join("version").exists());
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("version.json")).unwrap()).unwrap();
    assert_eq!(rec["status"], "failed");
    assert!(
        rec["error"]
            .as_str()
            .unwrap()
            .contains("is not a git repository")
    );
    assert!(artifacts.join("version.json").exists());
    assert!(
        std::fs::read_to_string(artifacts.join("junit_version-gen.xml"))
            .unwrap()
            .contains("failures=\"1\"")
    );
}

#[test]
fn a_usage_error_is_recorded_for_the_waiting_steps() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let o = vg(
        dir.path(),
        &["--workspace", ws.to_str().unwrap(), "--date", "tomorrow"],
    );
    assert_eq!(o.status.code(), Some(2));
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("version.json")).unwrap()).unwrap();
    assert_eq!(rec["status"], "failed");
    assert!(rec["error"].as_str().unwrap().contains("tomorrow"), "{rec}");
    assert!(!ws.join("version").exists());
}

#[test]
fn errors_on_git() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(&["20261128.00".into()], &head);
    let notrepo = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<&str>, i32)> = vec![
        ("malformed date", vec!["--date", "2026-11-27"], 2),
        ("impossible date", vec!["--date", "20260231"], 2),
        ("tag after today", vec!["--date", "20261127"], 1),
        (
            "remote not a repository",
            vec![
                "--remote",
                notrepo.path().to_str().unwrap(),
                "--date",
                "20261127",
            ],
            1,
        ),
        ("unknown forge", vec!["--forge", "gitlab"], 2),
        (
            "github without owner",
            vec!["--forge", "github", "--repo", "r"],
            2,
        ),
        (
            "github without token",
            vec!["--forge", "github", "--owner", "o", "--repo", "r"],
            2,
        ),
        (
            "remote with github",
            vec![
                "--forge", "github", "--remote", "x", "--owner", "o", "--repo", "r",
            ],
            2,
        ),
    ];
    let mut all = String::new();
    for (name, args, code) in cases {
        let o = vg(&f.work(), &args);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{name}: nothing on stdout");
        all.push_str(&format!(
            "## {name} (exit {code})\n{}\n",
            stderr(&o).trim_end()
        ));
    }
    settings(&[f.root(), notrepo.path()]).bind(|| insta::assert_snapshot!(all));
}

/// The issue: `repo-tagger --version 20261302.00` (month 13) pushed a tag,
/// and from then on every run failed with "dated after today ... pass
/// --date 20261302", a date --date rejects. A tag whose date is not a real
/// calendar day is not a version: ignored, with a warning that names it and
/// says how to delete it.
#[test]
fn a_tag_whose_date_does_not_exist_is_ignored_with_a_warning() {
    use testsupport::cli::{run_at, utc};
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(
        &[
            "20261127.03".into(),
            "20261302.00".into(),
            "20261327.00".into(),
            "2026112.00".into(),
        ],
        &head,
    );
    let o = vg(&f.work(), &["--date", "20261127"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "20261127.04\n");
    let err = stderr(&o);
    for tag in ["20261302.00", "20261327.00"] {
        assert!(
            err.contains(&format!(
                "ignoring tag {tag}: it looks like a version, but its date is not a real calendar day"
            )) && err.contains(&format!(
                "`git push --delete origin refs/tags/{tag}` in this repository, and `git tag -d {tag}`"
            )),
            "{err}"
        );
    }
    // Seven digits do not even look like a version: no warning.
    assert!(!err.contains("2026112.00"), "{err}");
    // Without --date, on any day after the typo was made.
    let o = run_at(utc("2026-12-05 08:00:00"), "UTC", BIN, &f.work(), &[], &[]);
    assert_eq!(stdout(&o), "20261205.00\n", "{}", stderr(&o));
    // The warning names the tags even with -q (warnings), not with -qq.
    let o = vg(&f.work(), &["--date", "20261127", "-q"]);
    assert!(
        stderr(&o).contains("ignoring tag 20261302.00"),
        "{}",
        stderr(&o)
    );
    let o = vg(&f.work(), &["--date", "20261127", "-qq"]);
    assert_eq!(stderr(&o), "");
}

/// A real tag dated after today refuses (never backwards), and the message
/// gives the way out for a mistaken tag: the exact command, which works.
#[test]
fn a_tag_dated_after_today_says_how_to_delete_it() {
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(&["20261127.02".into(), "20271127.00".into()], &head);
    let o = vg(&f.work(), &["--date", "20261127"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    let (_, rest) = err
        .split_once("if the tag is a mistake, delete it: `")
        .unwrap_or_else(|| panic!("no way out in: {err}"));
    let command = &rest[..rest.find('`').unwrap()];
    assert_eq!(command, "git push --delete origin refs/tags/20271127.00");
    let done = std::process::Command::new("sh")
        .args(["-c", command])
        .current_dir(f.work())
        .output()
        .unwrap();
    assert!(done.status.success(), "{}", stderr(&done));
    assert_eq!(f.remote_tag_commit("20271127.00"), None);
    let o = vg(&f.work(), &["--date", "20261127"]);
    assert_eq!(stdout(&o), "20261127.03\n", "{}", stderr(&o));
}

/// The day is the UTC day whatever the machine's time zone: at each of
/// these instants the local date differs from UTC's.
#[test]
fn the_day_is_the_utc_day_in_any_time_zone() {
    use testsupport::cli::{run_at, utc};
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(&["20261127.03".into()], &head);
    let cases = [
        // 02:00 on the 28th in Kiritimati (UTC+14).
        ("2026-11-27 12:00:00", "Pacific/Kiritimati", "20261127.04"),
        // 14:30 on the 27th in Adak (UTC-10).
        ("2026-11-28 00:30:00", "America/Adak", "20261128.00"),
        ("2026-11-28 00:30:00", "UTC", "20261128.00"),
        // A release computed in the last second of the day.
        ("2026-11-27 23:59:59", "UTC", "20261127.04"),
    ];
    for (at, tz, want) in cases {
        let o = run_at(utc(at), tz, BIN, &f.work(), &[], &[]);
        assert!(o.status.success(), "{at} {tz}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("{want}\n"), "{at} {tz}");
    }
    // The development version is UTC too.
    let o = run_at(
        utc("2026-11-27 12:00:00"),
        "Pacific/Kiritimati",
        BIN,
        &f.work(),
        &["--dev"],
        &[],
    );
    assert!(stdout(&o).starts_with("0.2026112712"), "{}", stdout(&o));
}

/// A leap day is a day like any other, and the next day starts at .00.
#[test]
fn a_leap_day_and_the_day_after() {
    use testsupport::cli::{run_at, utc};
    let f = GitFixture::new();
    let head = f.commit_and_push("c");
    f.remote_tags(&["20280229.00".into(), "20280228.07".into()], &head);
    let o = run_at(utc("2028-02-29 12:00:00"), "UTC", BIN, &f.work(), &[], &[]);
    assert_eq!(stdout(&o), "20280229.01\n", "{}", stderr(&o));
    let o = run_at(utc("2028-03-01 00:00:00"), "UTC", BIN, &f.work(), &[], &[]);
    assert_eq!(stdout(&o), "20280301.00\n", "{}", stderr(&o));
    assert_eq!(
        stdout(&vg(&f.work(), &["--date", "20280229"])),
        "20280229.01\n"
    );
}

#[test]
fn dev_version_asks_no_forge_and_has_its_form() {
    let dir = tempfile::tempdir().unwrap();
    // Not a repository, no remote: --dev needs neither.
    let o = vg(dir.path(), &["--dev", "--date", "20261127"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = stdout(&o);
    let v = v.trim();
    assert!(
        v.starts_with("0.20261127") && v.len() == "0.20261127HHMMSS".len(),
        "{v}"
    );
    assert!(v[2..].bytes().all(|b| b.is_ascii_digit()), "{v}");
    let j = json(&vg(dir.path(), &["--dev", "--json"]));
    assert_eq!(j["dev"], true);
    assert_eq!(j["requests"], 0);
}

// ---- GitHub forge, against the fake ----

fn fake_with_tags(tags: Vec<(String, String)>) -> FakeGitHub {
    FakeGitHub::spawn(FakeConfig {
        token: TOKEN.into(),
        repos: vec![FakeRepo {
            owner: "GoogleCloudPlatform".into(),
            repo: "guest-agent".into(),
            commits: vec![fake_sha("c1")],
            tags,
        }],
    })
    .unwrap()
}

fn gh_args<'a>(fake_url: &'a str, token_file: &'a str) -> Vec<&'a str> {
    vec![
        "--forge",
        "github",
        "--owner",
        "GoogleCloudPlatform",
        "--repo",
        "guest-agent",
        "--api-url",
        fake_url,
        "--token-file",
        token_file,
    ]
}

fn token_file(dir: &Path, content: &str) -> String {
    let p = dir.join("token.txt");
    std::fs::write(&p, content).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn github_5000_tags_in_at_most_two_requests() {
    let c = fake_sha("c1");
    let mut tags: Vec<(String, String)> = Vec::new();
    // 5,000 version tags over 500 days, plus noise.
    for d in 0..500u32 {
        let day =
            chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap() + chrono::Days::new(d as u64);
        for n in 0..10 {
            tags.push((format!("{}.{n:02}", day.format("%Y%m%d")), c.clone()));
        }
    }
    let last_day = tags.last().unwrap().0[..8].to_string();
    tags.push(("v1.2.3".into(), c.clone()));
    tags.push((format!("{last_day}.99"), c.clone()));
    let fake = fake_with_tags(tags);
    let dir = tempfile::tempdir().unwrap();
    let tf = token_file(dir.path(), &format!("{TOKEN}\n"));
    let url = fake.url();
    let mut args = gh_args(&url, &tf);
    args.extend(["--date", &last_day, "--json"]);
    let o = vg(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["version"], format!("{last_day}.100"));
    assert!(j["requests"].as_u64().unwrap() <= 2, "{j}");
    assert!(fake.requests() <= 2, "fake counted {}", fake.requests());
    assert!(!stderr(&o).contains(TOKEN) && !stdout(&o).contains(TOKEN));
}

/// More than a page (100) of tags on one day: every page counts, so .00 to
/// .249 give .250, in one more request per further 100 tags.
#[test]
fn github_a_day_with_more_than_a_page_of_tags() {
    let c = fake_sha("c1");
    let mut tags: Vec<(String, String)> = (0..250)
        .map(|n| (format!("20261127.{n:02}"), c.clone()))
        .collect();
    tags.push(("20261126.07".into(), c.clone()));
    let fake = fake_with_tags(tags);
    let dir = tempfile::tempdir().unwrap();
    let tf = token_file(dir.path(), TOKEN);
    let url = fake.url();
    let mut args = gh_args(&url, &tf);
    args.extend(["--date", "20261127", "--json"]);
    let o = vg(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["version"], "20261127.250");
    assert_eq!(j["previous"], "20261127.249");
    // Day D: 3 pages; day D+1: 1.
    assert_eq!(j["requests"], 4, "{j}");
    assert_eq!(fake.requests(), 4);
}

#[test]
fn github_token_from_environment_and_a_tag_of_tomorrow() {
    let fake = fake_with_tags(vec![("20261128.00".into(), fake_sha("c1"))]);
    let dir = tempfile::tempdir().unwrap();
    let url = fake.url();
    let args = [
        "--forge",
        "github",
        "--owner",
        "GoogleCloudPlatform",
        "--repo",
        "guest-agent",
        "--api-url",
        &url,
        "--date",
        "20261127",
    ];
    let o = run(BIN, dir.path(), &args, &[("GITHUB_TOKEN", TOKEN)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("tag 20261128.00 is dated after today"),
        "{}",
        stderr(&o)
    );
    // The way out on GitHub: delete the tag's ref.
    assert!(
        stderr(&o).contains(&format!(
            "if the tag is a mistake, delete it: the API call `DELETE {url}/repos/GoogleCloudPlatform/guest-agent/git/refs/tags/20261128.00`"
        )) && stderr(&o).contains(
            "`gh api --hostname 127.0.0.1 -X DELETE repos/GoogleCloudPlatform/guest-agent/git/refs/tags/20261128.00`"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn github_errors() {
    let fake = fake_with_tags(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let good = token_file(dir.path(), TOKEN);
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "ghp_wrong_token_also_secret").unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "\n").unwrap();
    let missing = dir.path().join("missing.txt");
    let url = fake.url();
    let mut all = String::new();
    // Every case names the day: the messages quote it, and a snapshot must
    // not depend on the day the test runs.
    let mut case = |name: &str, mut args: Vec<&str>, code: i32| {
        args.extend(["--date", "20261127"]);
        let o = vg(dir.path(), &args);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", stderr(&o));
        for secret in [TOKEN, "ghp_wrong_token_also_secret"] {
            assert!(
                !stderr(&o).contains(secret) && !stdout(&o).contains(secret),
                "{name} leaked the token"
            );
        }
        all.push_str(&format!(
            "## {name} (exit {code})\n{}\n",
            stderr(&o).trim_end()
        ));
    };
    case(
        "401 bad credentials",
        gh_args(&url, bad.to_str().unwrap()),
        1,
    );
    let mut a = gh_args(&url, &good);
    a[5] = "no-such-repo";
    case("404 unknown repository", a, 1);
    case(
        "token file missing",
        gh_args(&url, missing.to_str().unwrap()),
        1,
    );
    case(
        "token file empty",
        gh_args(&url, empty.to_str().unwrap()),
        1,
    );
    case(
        "token file unreadable (a folder)",
        gh_args(&url, dir.path().to_str().unwrap()),
        1,
    );
    // Rate-limited past the retry budget: the limit resets in an hour,
    // longer than we accept to wait.
    for _ in 0..3 {
        fake.inject(Fault::RateLimit403 {
            reset_in_secs: 3600,
        });
    }
    let mut a = gh_args(&url, &good);
    a.extend(["--max-rate-limit-wait", "5s"]);
    case("rate limited past the budget", a, 1);
    settings(&[dir.path()]).bind(|| {
        let mut s = insta::Settings::clone_current();
        s.add_filter(r"resets at [^;]+\(in \d+s\)", "resets at [TIME]");
        s.bind(|| insta::assert_snapshot!(all));
    });
}

#[test]
fn github_transient_errors_are_retried() {
    let fake = fake_with_tags(vec![("20261127.00".into(), fake_sha("c1"))]);
    let dir = tempfile::tempdir().unwrap();
    let tf = token_file(dir.path(), TOKEN);
    fake.inject(Fault::Status(502));
    fake.inject(Fault::Status(503));
    let url = fake.url();
    let mut args = gh_args(&url, &tf);
    args.extend(["--date", "20261127", "--json"]);
    let o = vg(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["version"], "20261127.01");
    assert_eq!(
        j["requests"], 4,
        "two failed attempts and two answered requests"
    );
}

#[test]
fn github_exhausted_retries_is_an_error_not_a_fallback() {
    let fake = fake_with_tags(vec![("20261127.00".into(), fake_sha("c1"))]);
    let dir = tempfile::tempdir().unwrap();
    let tf = token_file(dir.path(), TOKEN);
    for _ in 0..10 {
        fake.inject(Fault::Status(500));
    }
    let url = fake.url();
    let mut args = gh_args(&url, &tf);
    args.extend(["--date", "20261127", "--max-retries", "2"]);
    let o = vg(dir.path(), &args);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).is_empty(),
        "never falls back to a version: {}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("500"), "{}", stderr(&o));
    assert_eq!(fake.requests(), 3);
}
