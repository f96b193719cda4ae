//! The GitHub forge against the fake GitHub of `testsupport`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use calver::Day;
use chrono::TimeZone;
use forge::github::{Client, ClientConfig, RetryPolicy, Token};
use forge::{Forge, ForgeError, ForgeKind, GitHubForge, NewTag, TagOutcome, Tagger};
use testsupport::github::{
    FakeConfig, FakeGitHub, FakeRepo, Fault, fake_sha, generate_version_tags,
};

/// Distinctive, so a leak anywhere is found by a plain substring search.
const TOKEN: &str = "ghp_TOPSECRET_zq81x_do_not_print";
const SECRET_PART: &str = "TOPSECRET_zq81x";

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_wait: Duration::from_secs(5),
    }
}

fn day() -> Day {
    Day::parse("20261127").unwrap()
}

fn commit(n: u32) -> String {
    fake_sha(&format!("commit-{n}"))
}

fn repo_with(tags: &[&str]) -> FakeRepo {
    FakeRepo {
        owner: "o".into(),
        repo: "r".into(),
        commits: (0..10).map(commit).collect(),
        tags: tags.iter().map(|t| (t.to_string(), commit(0))).collect(),
    }
}

async fn fake_with(repo: FakeRepo) -> FakeGitHub {
    FakeGitHub::start(FakeConfig {
        token: TOKEN.into(),
        repos: vec![repo],
    })
    .await
    .unwrap()
}

fn forge_with(fake: &FakeGitHub, token: &str, repo: &str, policy: RetryPolicy) -> GitHubForge {
    let client = Client::new(&fake.url(), Token::new(token.into()), policy).unwrap();
    GitHubForge::new(client, "o", repo).unwrap()
}

fn forge(fake: &FakeGitHub) -> GitHubForge {
    forge_with(fake, TOKEN, "r", fast_policy())
}

fn new_tag(name: &str, commit: &str) -> NewTag {
    NewTag {
        name: name.into(),
        commit: commit.into(),
        message: format!("Release {name}"),
        tagger: Tagger {
            name: "Release Bot".into(),
            email: "bot@example.com".into(),
        },
        date: chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
            .unwrap(),
    }
}

async fn next_version(forge: &GitHubForge) -> Result<calver::Next, calver::NextError> {
    let tags = forge.tags_for_day(day()).await.unwrap();
    calver::next_version(tags.iter().map(String::as_str), day())
}

// ------------------------------------------------------------ listing

#[tokio::test]
async fn next_version_among_5000_tags_costs_two_requests() {
    let mut repo = generate_version_tags("o", "r", 5000, 7, day().date());
    assert!(
        repo.tags.len() == 5000 && repo.tags[0].0.starts_with("2024"),
        "{:?}",
        repo.tags[0]
    );
    for t in [
        "20261127.00",
        "20261127.01",
        "20261127.99",
        "20261127.100",
        "20261127.05-rc1",
        "v1.2.3",
        "latest",
    ] {
        repo.tags.push((t.into(), repo.commits[0].clone()));
    }
    let fake = fake_with(repo).await;
    let forge = forge(&fake);

    let next = next_version(&forge).await.unwrap();
    assert_eq!(next.version.to_string(), "20261127.101");
    assert_eq!(next.previous.unwrap().to_string(), "20261127.100");
    assert!(forge.requests() <= 2, "{} requests", forge.requests());
    assert_eq!(fake.requests(), forge.requests());
}

#[tokio::test]
async fn first_build_of_the_day_is_00() {
    let repo = generate_version_tags("o", "r", 300, 3, day().date());
    let fake = fake_with(repo).await;
    let forge = forge(&fake);
    let next = next_version(&forge).await.unwrap();
    assert_eq!(next.version.to_string(), "20261127.00");
    assert_eq!(next.previous, None);
    assert_eq!(forge.requests(), 2);
}

#[tokio::test]
async fn a_tag_of_the_next_day_is_seen() {
    let fake = fake_with(repo_with(&["20261127.03", "20261128.00"])).await;
    let forge = forge(&fake);
    let err = next_version(&forge).await.unwrap_err();
    assert!(
        matches!(err, calver::NextError::TagAfterToday { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("20261128.00"), "{err}");
    assert_eq!(forge.requests(), 2);
}

/// More than a page of tags on one day (`.00` to `.249`): every page of the
/// day's listing counts, so the next is `.250`, at one request a further
/// 100 tags.
#[tokio::test]
async fn a_day_with_more_than_a_page_of_tags() {
    let names: Vec<String> = (0..250).map(|n| format!("20261127.{n:02}")).collect();
    let mut repo = generate_version_tags("o", "r", 500, 10, day().date());
    for n in &names {
        repo.tags.push((n.clone(), repo.commits[0].clone()));
    }
    let fake = fake_with(repo).await;
    let forge = forge(&fake);
    let next = next_version(&forge).await.unwrap();
    assert_eq!(next.version.to_string(), "20261127.250");
    assert_eq!(next.previous.unwrap().to_string(), "20261127.249");
    assert_eq!(next.tags_seen, 250);
    // Day D: 3 pages of 100; day D+1: 1.
    assert_eq!(forge.requests(), 4);
    assert_eq!(fake.requests(), 4);
}

#[tokio::test]
async fn client_follows_link_pagination() {
    let tags: Vec<String> = (0..250).map(|i| format!("t{i:03}")).collect();
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let fake = fake_with(repo_with(&tags)).await;
    let client = Client::new(&fake.url(), Token::new(TOKEN.into()), fast_policy()).unwrap();
    let items = client.get_all_pages("/repos/o/r/tags").await.unwrap();
    assert_eq!(items.len(), 250);
    let mut names: Vec<&str> = items.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 250);
    assert_eq!(client.requests(), 3, "100 a page");
}

// ------------------------------------------------------------ errors

#[tokio::test]
async fn wrong_token_is_unauthorized() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge_with(&fake, "ghp_wrong", "r", fast_policy());
    let err = forge.tags_for_day(day()).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Unauthorized { message, .. } if message == "Bad credentials"),
        "{err:?}"
    );
    assert_eq!(forge.requests(), 1, "401 is not retried");
}

#[tokio::test]
async fn unknown_repository_is_not_found() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge_with(&fake, TOKEN, "missing", fast_policy());
    let err = forge.tags_for_day(day()).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::NotFound { repo, .. } if repo == "o/missing"),
        "{err:?}"
    );
    assert!(err.to_string().contains("o/missing"), "{err}");
    assert_eq!(forge.requests(), 1, "404 is not retried");

    let err = forge
        .create_tag(&new_tag("20261127.00", &commit(1)))
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn server_errors_are_retried() {
    let fake = fake_with(repo_with(&["20261127.00"])).await;
    let forge = forge(&fake);
    fake.inject(Fault::Status(500));
    fake.inject(Fault::Status(502));
    let tags = forge.tags_for_day(day()).await.unwrap();
    assert_eq!(tags, ["20261127.00"]);
    assert_eq!(forge.requests(), 4, "two failures, then the two listings");
    assert_eq!(fake.requests(), 4);
}

#[tokio::test]
async fn exhausted_retries_fail_with_the_status() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    for _ in 0..4 {
        fake.inject(Fault::Status(503));
    }
    let err = forge.tags_for_day(day()).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Http { status: 503, attempts: 4, message, .. } if message == "Service Unavailable"),
        "{err:?}"
    );
    assert_eq!(forge.requests(), 4, "max_retries 3: four attempts");
}

#[tokio::test]
async fn exhausted_retries_while_tagging_create_no_tag() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    // The ref lookup and the tag object go through; the ref creation fails.
    fake.inject(Fault::Delay(Duration::ZERO));
    fake.inject(Fault::Delay(Duration::ZERO));
    for _ in 0..4 {
        fake.inject(Fault::Status(500));
    }
    let err = forge
        .create_tag(&new_tag("20261127.00", &commit(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ForgeError::Http { status: 500, method, path, .. } if method == "POST" && path.ends_with("/git/refs")),
        "{err:?}"
    );
    assert!(fake.tag_names("o", "r").is_empty());
    assert_eq!(forge.requests(), 6);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = fake_with(repo_with(&["20261127.00"])).await;
    let forge = forge(&fake);
    fake.inject(Fault::RateLimit429 {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let tags = forge.tags_for_day(day()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(tags, ["20261127.00"]);
    assert_eq!(forge.requests(), 3);
}

#[tokio::test]
async fn rate_limit_reset_is_waited_for() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    fake.inject(Fault::RateLimit403 { reset_in_secs: 0 });
    let started = Instant::now();
    forge.tags_for_day(day()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waits until the reset plus a second"
    );
    assert_eq!(forge.requests(), 3);
}

#[tokio::test]
async fn rate_limit_resetting_too_late_fails_at_once() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    fake.inject(Fault::RateLimit403 {
        reset_in_secs: 3600,
    });
    let started = Instant::now();
    let err = forge.tags_for_day(day()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(&err, ForgeError::RateLimited { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("resets at"), "{err}");
    assert_eq!(forge.requests(), 1);

    fake.inject(Fault::RateLimit429 {
        retry_after_secs: 600,
    });
    let err = forge.tags_for_day(day()).await.unwrap_err();
    assert!(err.to_string().contains("600s"), "{err}");
}

#[tokio::test]
async fn exhausted_rate_limit_retries_are_rate_limited() {
    let fake = fake_with(repo_with(&[])).await;
    let policy = RetryPolicy {
        max_retries: 1,
        ..fast_policy()
    };
    let forge = forge_with(&fake, TOKEN, "r", policy);
    fake.inject(Fault::RateLimit429 {
        retry_after_secs: 0,
    });
    fake.inject(Fault::RateLimit429 {
        retry_after_secs: 0,
    });
    let err = forge.tags_for_day(day()).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::RateLimited { attempts: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let fake = fake_with(repo_with(&["20261127.00"])).await;
    let forge = forge(&fake);
    fake.inject(Fault::DropConnection);
    assert_eq!(forge.tags_for_day(day()).await.unwrap(), ["20261127.00"]);
    assert_eq!(forge.requests(), 3);
    assert_eq!(fake.requests(), 3);
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let fake = fake_with(repo_with(&["20261127.00"])).await;
    let config = ClientConfig {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_millis(300),
    };
    let client =
        Client::with_config(&fake.url(), Token::new(TOKEN.into()), fast_policy(), config).unwrap();
    let forge = GitHubForge::new(client, "o", "r").unwrap();
    fake.inject(Fault::Delay(Duration::from_secs(30)));
    assert_eq!(forge.tags_for_day(day()).await.unwrap(), ["20261127.00"]);
    assert_eq!(forge.requests(), 3);
}

#[tokio::test]
async fn unreachable_api_is_a_transport_error_after_retries() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(
        &format!("http://127.0.0.1:{port}"),
        Token::new(TOKEN.into()),
        fast_policy(),
    )
    .unwrap();
    let forge = GitHubForge::new(client, "o", "r").unwrap();
    let err = forge.tags_for_day(day()).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(forge.requests(), 4);
}

// ------------------------------------------------------------ commits and tags

#[tokio::test]
async fn commits_resolve_and_unknown_ones_are_errors() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    assert_eq!(forge.resolve_commit(&commit(3)).await.unwrap(), commit(3));
    assert_eq!(
        forge.resolve_commit(&commit(3)[..10]).await.unwrap(),
        commit(3)
    );
    let unknown = fake_sha("never-pushed");
    let err = forge.resolve_commit(&unknown).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::UnknownCommit { rev, forge } if *rev == unknown && forge == "github o/r"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_tag_then_rerun() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    let tag = new_tag("20261127.00", &commit(1));

    let TagOutcome::Created { tag_object } = forge.create_tag(&tag).await.unwrap() else {
        panic!("expected Created");
    };
    assert_eq!(fake.tag_commit("o", "r", "20261127.00"), Some(commit(1)));
    let object = fake
        .tag_object("o", "r", "20261127.00")
        .expect("an annotated tag");
    assert_eq!(object["sha"], tag_object.as_str());
    assert_eq!(object["message"], "Release 20261127.00");
    assert_eq!(object["tagger"]["name"], "Release Bot");
    assert_eq!(object["tagger"]["email"], "bot@example.com");
    assert_eq!(object["tagger"]["date"], "2026-11-27T12:00:00Z");
    assert_eq!(
        forge.tag_commit("20261127.00").await.unwrap(),
        Some(commit(1)),
        "peeled"
    );
    assert_eq!(forge.tag_commit("20261127.01").await.unwrap(), None);

    assert_eq!(
        forge.create_tag(&tag).await.unwrap(),
        TagOutcome::AlreadyExists
    );
    assert_eq!(fake.tag_names("o", "r"), ["20261127.00"]);
}

#[tokio::test]
async fn tag_on_another_commit_is_a_conflict_naming_both() {
    let fake = fake_with(repo_with(&[])).await;
    fake.add_tag("o", "r", "20261127.00", &commit(2));
    let forge = forge(&fake);
    let err = forge
        .create_tag(&new_tag("20261127.00", &commit(1)))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&commit(1)) && text.contains(&commit(2)),
        "{text}"
    );
    assert_eq!(
        fake.tag_commit("o", "r", "20261127.00"),
        Some(commit(2)),
        "untouched"
    );
}

#[tokio::test]
async fn unknown_commit_cannot_be_tagged() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    let err = forge
        .create_tag(&new_tag("20261127.00", &fake_sha("nope")))
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::UnknownCommit { .. }), "{err:?}");
    assert!(fake.tag_names("o", "r").is_empty());
}

#[tokio::test]
async fn a_dropped_ref_creation_is_retried() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = forge(&fake);
    fake.inject(Fault::Delay(Duration::ZERO));
    fake.inject(Fault::Delay(Duration::ZERO));
    fake.inject(Fault::DropConnection);
    let outcome = forge
        .create_tag(&new_tag("20261127.00", &commit(1)))
        .await
        .unwrap();
    assert!(matches!(outcome, TagOutcome::Created { .. }), "{outcome:?}");
    assert_eq!(fake.tag_commit("o", "r", "20261127.00"), Some(commit(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creators_of_one_tag_get_one_winner() {
    let fake = fake_with(repo_with(&[])).await;
    let forge = Arc::new(forge(&fake));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let forge = forge.clone();
        tasks.spawn(async move {
            (
                n,
                forge.create_tag(&new_tag("20261127.00", &commit(n))).await,
            )
        });
    }
    let results = tasks.join_all().await;
    let winners: Vec<u32> = results
        .iter()
        .filter(|(_, r)| matches!(r, Ok(TagOutcome::Created { .. })))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner = commit(winners[0]);
    let conflicts = results
        .iter()
        .filter(|(_, r)| matches!(r, Err(ForgeError::TagConflict { existing, .. }) if *existing == winner))
        .count();
    assert_eq!(conflicts, 7, "{results:?}");
    assert_eq!(fake.tag_commit("o", "r", "20261127.00"), Some(winner));
}

// ------------------------------------------------------------ inputs and secrets

#[test]
fn bad_inputs_are_refused() {
    let token = || Token::new(TOKEN.into());
    for url in ["ftp://example.com", "not a url", "example.com"] {
        let err = Client::new(url, token(), RetryPolicy::default()).unwrap_err();
        assert!(matches!(err, ForgeError::InvalidInput(_)), "{url}: {err:?}");
    }
    let client = || Client::new("http://127.0.0.1:1", token(), RetryPolicy::default()).unwrap();
    for (owner, repo, named) in [
        ("", "r", "\"\""),
        ("o", "a/b", "a/b"),
        ("o w", "r", "o w"),
        ("o", "..", ".."),
    ] {
        let err = GitHubForge::new(client(), owner, repo).unwrap_err();
        assert!(
            matches!(&err, ForgeError::InvalidInput(m) if m.contains(named)),
            "{err:?}"
        );
    }
    let forge = GitHubForge::new(client(), "my-org", "guest.agent_2").unwrap();
    assert_eq!(forge.describe(), "github my-org/guest.agent_2");
    assert_eq!(forge.kind(), ForgeKind::Github);
}

#[test]
fn token_file_problems_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let problem = |path: &std::path::Path| match Token::from_file(path) {
        Err(ForgeError::TokenFile { problem, .. }) => problem,
        other => panic!("{other:?}"),
    };
    assert_eq!(problem(&dir.path().join("missing")), "does not exist");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, " \n\t\n").unwrap();
    assert_eq!(problem(&empty), "is empty");
    // Tests run as root, which reads any file: a folder is what cannot be read.
    let p = problem(dir.path());
    assert!(p.starts_with("cannot be read: "), "{p}");

    let good = dir.path().join("token");
    std::fs::write(&good, format!("  {TOKEN}\n")).unwrap();
    let token = Token::from_file(&good).unwrap();
    assert_eq!(token, Token::new(TOKEN.into()), "trimmed");
    assert_eq!(format!("{token:?}"), "Token(***)");
    assert_eq!(format!("{token}"), "Token(***)");
}

/// Log lines written while a test runs, for checking what is logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The current-thread test runtime polls everything on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = fake_with(repo_with(&[])).await;
    fake.add_tag("o", "r", "20261127.00", &commit(2));
    let good = forge(&fake);
    let mut errors: Vec<ForgeError> = Vec::new();

    // The distinctive string presented as a wrong token...
    let fake_other = FakeGitHub::start(FakeConfig {
        token: "something-else".into(),
        repos: vec![repo_with(&[])],
    })
    .await
    .unwrap();
    errors.push(
        forge_with(&fake_other, TOKEN, "r", fast_policy())
            .tags_for_day(day())
            .await
            .unwrap_err(),
    );
    // ...and as the right one, in every other failure.
    errors.push(
        forge_with(&fake, TOKEN, "missing", fast_policy())
            .tags_for_day(day())
            .await
            .unwrap_err(),
    );
    for _ in 0..4 {
        fake.inject(Fault::Status(500));
    }
    errors.push(good.tags_for_day(day()).await.unwrap_err());
    fake.inject(Fault::RateLimit403 {
        reset_in_secs: 3600,
    });
    errors.push(good.tags_for_day(day()).await.unwrap_err());
    for _ in 0..4 {
        fake.inject(Fault::DropConnection);
    }
    errors.push(good.tags_for_day(day()).await.unwrap_err());
    errors.push(
        good.create_tag(&new_tag("20261127.00", &commit(1)))
            .await
            .unwrap_err(),
    );
    errors.push(good.resolve_commit(&fake_sha("nope")).await.unwrap_err());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable = Client::new(
        &format!("http://127.0.0.1:{port}"),
        Token::new(TOKEN.into()),
        fast_policy(),
    )
    .unwrap();
    errors.push(
        GitHubForge::new(unreachable, "o", "r")
            .unwrap()
            .tags_for_day(day())
            .await
            .unwrap_err(),
    );
    errors.push(
        Client::new(
            "https://x:y@example.com",
            Token::new(TOKEN.into()),
            fast_policy(),
        )
        .unwrap_err(),
    );

    assert_eq!(errors.len(), 9);
    for e in &errors {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(SECRET_PART), "token leaked: {text}");
        }
    }
    assert!(!format!("{good:?}").contains(SECRET_PART), "{good:?}");
    assert!(!format!("{:?}", good.client()).contains(SECRET_PART));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("retrying"),
        "the retries above were logged: {logs}"
    );
    assert!(
        !logs.contains(SECRET_PART),
        "token leaked into logs: {logs}"
    );
}

#[tokio::test]
async fn delete_tag_hint_is_the_api_call() {
    let fake = fake_with(repo_with(&[])).await;
    let hint = forge(&fake).delete_tag_hint("20261302.00");
    assert_eq!(
        hint,
        format!(
            "the API call `DELETE {}/repos/o/r/git/refs/tags/20261302.00` with a token that may \
             write the repository, e.g. `gh api --hostname 127.0.0.1 -X DELETE \
             repos/o/r/git/refs/tags/20261302.00`",
            fake.url()
        )
    );
    let client = Client::new(DEFAULT_API, Token::new(TOKEN.into()), fast_policy()).unwrap();
    let hint = GitHubForge::new(client, "o", "r")
        .unwrap()
        .delete_tag_hint("20261302.00");
    assert!(
        hint.ends_with("e.g. `gh api -X DELETE repos/o/r/git/refs/tags/20261302.00`"),
        "{hint}"
    );
    assert!(!hint.contains(SECRET_PART));
}

const DEFAULT_API: &str = forge::github::DEFAULT_API_URL;
