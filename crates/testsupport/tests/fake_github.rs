//! The fake GitHub answers like GitHub for the endpoints it serves.

use std::collections::HashSet;
use std::io::BufRead as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde_json::{Value, json};
use testsupport::github::{
    FakeConfig, FakeGitHub, FakeRepo, Fault, fake_sha, generate_version_tags,
};

const TOKEN: &str = "fake-token-123";

fn config(tags: Vec<(String, String)>) -> FakeConfig {
    let commits = vec![fake_sha("c1"), fake_sha("c2"), fake_sha("c3")];
    FakeConfig {
        token: TOKEN.into(),
        repos: vec![FakeRepo {
            owner: "o".into(),
            repo: "r".into(),
            commits,
            tags,
        }],
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("fake-github-test")
        .build()
        .unwrap()
}

async fn get(fake: &FakeGitHub, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let resp = http()
        .get(format!("{}{path}", fake.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}

async fn post(fake: &FakeGitHub, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = http()
        .post(format!("{}{path}", fake.url()))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json::<Value>().await.unwrap_or(Value::Null))
}

fn names(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

fn ref_names(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|t| t["ref"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn auth_is_checked_like_github() {
    let fake = FakeGitHub::start(config(vec![])).await.unwrap();
    let url = format!("{}/repos/o/r/tags", fake.url());

    let missing = http().get(&url).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["message"],
        "Requires authentication"
    );

    let wrong = http().get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["message"],
        "Bad credentials"
    );

    let token_scheme = http()
        .get(&url)
        .header("authorization", format!("token {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(token_scheme.status(), StatusCode::OK);
    assert!(token_scheme.headers().contains_key("x-ratelimit-remaining"));
    assert!(token_scheme.headers().contains_key("x-ratelimit-reset"));
    assert_eq!(token_scheme.headers()["x-ratelimit-limit"], "5000");

    // reqwest sends no User-Agent unless told to.
    let no_agent = reqwest::Client::new()
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(no_agent.status(), StatusCode::FORBIDDEN);
    assert!(
        no_agent.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("User-Agent")
    );
    assert_eq!(fake.requests(), 4);
}

#[tokio::test]
async fn unknown_repo_is_404_with_githubs_body() {
    let fake = FakeGitHub::start(config(vec![])).await.unwrap();
    for path in [
        "/repos/o/missing/tags",
        "/repos/o/missing/git/matching-refs/tags/2026",
        "/repos/x/r/git/ref/tags/a",
        "/repos/o/missing/commits/abcdef0",
        "/repos/o/r/not-an-endpoint",
    ] {
        let (status, _, body) = get(&fake, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["message"], "Not Found", "{path}");
        assert_eq!(
            body["documentation_url"], "https://docs.github.com/rest",
            "{path}"
        );
    }
    // Owner and repository names are case-insensitive, as on GitHub.
    let (status, _, _) = get(&fake, "/repos/O/R/tags").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn tags_are_paginated_with_githubs_link_header() {
    let tags: Vec<(String, String)> = (0..250)
        .map(|i| (format!("tag-{i:03}"), fake_sha("c1")))
        .collect();
    let fake = FakeGitHub::start(config(tags)).await.unwrap();
    let base = fake.url();

    let (status, headers, body) = get(&fake, "/repos/o/r/tags?per_page=100&page=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["link"].to_str().unwrap(),
        format!(
            "<{base}/repos/o/r/tags?per_page=100&page=2>; rel=\"next\", \
             <{base}/repos/o/r/tags?per_page=100&page=3>; rel=\"last\""
        )
    );
    let first = names(&body);
    assert_eq!(first.len(), 100);
    assert_eq!(first[0], "tag-249", "name descending");
    assert_eq!(body[0]["commit"]["sha"], fake_sha("c1"));

    // Follow the Link header to the end: every tag exactly once.
    let mut all = Vec::new();
    let mut next = Some(format!("{base}/repos/o/r/tags?per_page=100"));
    let mut pages = 0;
    while let Some(url) = next {
        let resp = http().get(&url).bearer_auth(TOKEN).send().await.unwrap();
        next = resp.headers().get("link").and_then(|l| {
            l.to_str()
                .unwrap()
                .split(", ")
                .find(|p| p.ends_with("rel=\"next\""))
                .map(|p| p[1..p.find('>').unwrap()].to_owned())
        });
        all.extend(names(&resp.json::<Value>().await.unwrap()));
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(all.len(), 250);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 250);
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(all, sorted);

    let (_, headers, body) = get(&fake, "/repos/o/r/tags?per_page=100&page=3").await;
    assert_eq!(names(&body).len(), 50);
    let link = headers["link"].to_str().unwrap();
    assert!(link.contains("page=2>; rel=\"prev\""), "{link}");
    assert!(!link.contains("rel=\"next\""), "{link}");

    // Default 30 a page, at most 100.
    let (_, _, body) = get(&fake, "/repos/o/r/tags").await;
    assert_eq!(names(&body).len(), 30);
    let (_, headers, body) = get(&fake, "/repos/o/r/tags?per_page=1000").await;
    assert_eq!(names(&body).len(), 100);
    assert!(
        headers["link"]
            .to_str()
            .unwrap()
            .contains("per_page=100&page=3>; rel=\"last\"")
    );
}

#[tokio::test]
async fn a_single_page_has_no_link_header() {
    let fake = FakeGitHub::start(config(vec![("a".into(), fake_sha("c1"))]))
        .await
        .unwrap();
    let (_, headers, body) = get(&fake, "/repos/o/r/tags").await;
    assert_eq!(names(&body), ["a"]);
    assert!(!headers.contains_key("link"));
}

#[tokio::test]
async fn matching_refs_returns_every_ref_with_the_prefix() {
    let tags = [
        "20261126.03",
        "20261127.00",
        "20261127.01",
        "20261127.100",
        "20261128.00",
        "v1.0",
    ]
    .iter()
    .map(|t| (t.to_string(), fake_sha("c1")))
    .collect();
    let fake = FakeGitHub::start(config(tags)).await.unwrap();
    let (status, headers, body) = get(&fake, "/repos/o/r/git/matching-refs/tags/20261127.").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!headers.contains_key("link"));
    assert_eq!(
        ref_names(&body),
        [
            "refs/tags/20261127.00",
            "refs/tags/20261127.01",
            "refs/tags/20261127.100"
        ]
    );
    assert_eq!(body[0]["object"]["type"], "commit");
    assert_eq!(body[0]["object"]["sha"], fake_sha("c1"));
    assert!(
        body[0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/repos/o/r/git/refs/tags/20261127.00")
    );

    let (status, _, body) = get(&fake, "/repos/o/r/git/matching-refs/tags/20300101.").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!([]));
}

/// GitHub paginates matching-refs like its other listings: at most 100 a
/// page, the rest behind `Link: rel="next"`.
#[tokio::test]
async fn matching_refs_are_paginated_with_githubs_link_header() {
    let mut tags: Vec<(String, String)> = (0..250)
        .map(|n| (format!("20261127.{n:02}"), fake_sha("c1")))
        .collect();
    tags.push(("20261128.00".into(), fake_sha("c1")));
    let fake = FakeGitHub::start(config(tags)).await.unwrap();
    let base = fake.url();
    let path = "/repos/o/r/git/matching-refs/tags/20261127.";

    let (status, headers, body) = get(&fake, &format!("{path}?per_page=100")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["link"].to_str().unwrap(),
        format!(
            "<{base}{path}?per_page=100&page=2>; rel=\"next\", \
             <{base}{path}?per_page=100&page=3>; rel=\"last\""
        )
    );
    assert_eq!(ref_names(&body).len(), 100);

    // Follow the Link header to the end: every ref of the day exactly once.
    let mut all = Vec::new();
    let mut next = Some(format!("{base}{path}?per_page=100"));
    let mut pages = 0;
    while let Some(url) = next {
        let resp = http().get(&url).bearer_auth(TOKEN).send().await.unwrap();
        next = resp.headers().get("link").and_then(|l| {
            l.to_str()
                .unwrap()
                .split(", ")
                .find(|p| p.ends_with("rel=\"next\""))
                .map(|p| p[1..p.find('>').unwrap()].to_owned())
        });
        all.extend(ref_names(&resp.json::<Value>().await.unwrap()));
        pages += 1;
    }
    assert_eq!(pages, 3);
    let want: HashSet<String> = (0..250)
        .map(|n| format!("refs/tags/20261127.{n:02}"))
        .collect();
    assert_eq!(all.len(), 250);
    assert_eq!(all.iter().cloned().collect::<HashSet<_>>(), want);

    // Default 30 a page, at most 100; exactly 100 is one page.
    let (_, _, body) = get(&fake, path).await;
    assert_eq!(ref_names(&body).len(), 30);
    let (_, _, body) = get(&fake, &format!("{path}?per_page=1000&page=3")).await;
    assert_eq!(ref_names(&body).len(), 50);
    let (_, headers, body) = get(&fake, &format!("{path}?per_page=50&page=5")).await;
    assert_eq!(ref_names(&body).len(), 50);
    assert!(!headers["link"].to_str().unwrap().contains("rel=\"next\""));
}

#[tokio::test]
async fn get_ref_is_exact() {
    let fake = FakeGitHub::start(config(vec![("20261127.00".into(), fake_sha("c2"))]))
        .await
        .unwrap();
    let (status, _, body) = get(&fake, "/repos/o/r/git/ref/tags/20261127.00").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ref"], "refs/tags/20261127.00");
    assert_eq!(body["object"]["sha"], fake_sha("c2"));
    let (status, _, body) = get(&fake, "/repos/o/r/git/ref/tags/20261127.0").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "Not Found");
}

#[tokio::test]
async fn annotated_tag_then_ref() {
    let fake = FakeGitHub::start(config(vec![])).await.unwrap();
    let tagger = json!({"name": "Bot", "email": "bot@example.com", "date": "2026-11-27T10:00:00Z"});
    let (status, tag) = post(
        &fake,
        "/repos/o/r/git/tags",
        json!({"tag": "20261127.00", "message": "release", "object": fake_sha("c1"), "type": "commit", "tagger": tagger}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{tag}");
    let sha = tag["sha"].as_str().unwrap().to_owned();
    assert!(
        sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
        "{sha}"
    );
    assert_eq!(
        tag["object"],
        json!({"sha": fake_sha("c1"), "type": "commit", "url": tag["object"]["url"]})
    );
    assert_eq!(tag["tagger"], tagger);
    // A tag object alone creates no ref.
    assert!(fake.tag_names("o", "r").is_empty());

    let (status, _, got) = get(&fake, &format!("/repos/o/r/git/tags/{sha}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["tag"], "20261127.00");
    assert_eq!(got["message"], "release");

    let (status, r) = post(
        &fake,
        "/repos/o/r/git/refs",
        json!({"ref": "refs/tags/20261127.00", "sha": sha}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["object"]["type"], "tag");
    assert_eq!(fake.tag_names("o", "r"), ["20261127.00"]);
    assert_eq!(
        fake.tag_commit("o", "r", "20261127.00"),
        Some(fake_sha("c1"))
    );
    assert_eq!(
        fake.tag_object("o", "r", "20261127.00").unwrap()["sha"],
        sha
    );

    let (status, r) = post(
        &fake,
        "/repos/o/r/git/refs",
        json!({"ref": "refs/tags/20261127.00", "sha": fake_sha("c2")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r["message"], "Reference already exists");
    assert_eq!(
        fake.tag_commit("o", "r", "20261127.00"),
        Some(fake_sha("c1"))
    );

    let (status, r) = post(
        &fake,
        "/repos/o/r/git/refs",
        json!({"ref": "refs/tags/x", "sha": fake_sha("unknown")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r["message"], "Object does not exist");

    let (status, r) = post(
        &fake,
        "/repos/o/r/git/tags",
        json!({"tag": "x", "message": "m", "object": fake_sha("unknown"), "type": "commit"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r["message"], "Object does not exist");

    let (status, _, _) = get(&fake, &format!("/repos/o/r/git/tags/{}", fake_sha("c1"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A lightweight tag has no tag object.
    fake.add_tag("o", "r", "light", &fake_sha("c3"));
    assert_eq!(fake.tag_object("o", "r", "light"), None);
    assert_eq!(fake.tag_commit("o", "r", "light"), Some(fake_sha("c3")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ref_creation_has_exactly_one_winner() {
    let fake = FakeGitHub::start(config(vec![])).await.unwrap();
    let url = format!("{}/repos/o/r/git/refs", fake.url());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let url = url.clone();
        let sha = fake_sha(["c1", "c2", "c3"][i % 3]);
        tasks.spawn(async move {
            http()
                .post(url)
                .bearer_auth(TOKEN)
                .json(&json!({"ref": "refs/tags/20261127.00", "sha": sha}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses: Vec<StatusCode> = tasks.join_all().await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
            .count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(fake.tag_names("o", "r"), ["20261127.00"]);
}

#[tokio::test]
async fn commits_resolve_by_sha_or_prefix() {
    let fake = FakeGitHub::start(config(vec![("t".into(), fake_sha("c2"))]))
        .await
        .unwrap();
    let full = fake_sha("c1");
    let (status, _, body) = get(&fake, &format!("/repos/o/r/commits/{full}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["sha"], full);
    let (_, _, body) = get(&fake, &format!("/repos/o/r/commits/{}", &full[..7])).await;
    assert_eq!(body["sha"], full);
    let (_, _, body) = get(&fake, "/repos/o/r/commits/t").await;
    assert_eq!(body["sha"], fake_sha("c2"));

    let unknown = fake_sha("nope");
    let (status, _, body) = get(&fake, &format!("/repos/o/r/commits/{unknown}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        format!("No commit found for SHA: {unknown}")
    );
    // Too short to be a prefix.
    let (status, _, _) = get(&fake, &format!("/repos/o/r/commits/{}", &full[..6])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn faults_are_served_in_order_then_normal_answers() {
    let fake = FakeGitHub::start(config(vec![])).await.unwrap();
    let path = "/repos/o/r/tags";

    fake.inject(Fault::Status(503));
    fake.inject(Fault::Status(500));
    let (status, _, body) = get(&fake, path).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["message"], "Service Unavailable");
    let (status, _, _) = get(&fake, path).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _, _) = get(&fake, path).await;
    assert_eq!(status, StatusCode::OK);

    fake.inject(Fault::RateLimit429 {
        retry_after_secs: 7,
    });
    let (status, headers, _) = get(&fake, path).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "7");

    fake.inject(Fault::RateLimit403 { reset_in_secs: 600 });
    let (status, headers, body) = get(&fake, path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let reset: u64 = headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        (now + 595..=now + 605).contains(&reset),
        "reset {reset}, now {now}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded")
    );

    fake.inject(Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let (status, _, _) = get(&fake, path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    fake.inject(Fault::DropConnection);
    let result = http()
        .get(format!("{}{path}", fake.url()))
        .bearer_auth(TOKEN)
        .send()
        .await;
    let err = match result {
        Err(e) => e,
        Ok(resp) => resp.bytes().await.expect_err("the connection should break"),
    };
    assert!(!err.is_status(), "{err}");
    let (status, _, _) = get(&fake, path).await;
    assert_eq!(status, StatusCode::OK);

    // Fault answers count as requests.
    assert_eq!(fake.requests(), 8);
    fake.reset_requests();
    assert_eq!(fake.requests(), 0);
}

#[tokio::test]
async fn random_faults_are_seeded() {
    async fn run(seed: u64) -> Vec<u16> {
        let fake = FakeGitHub::start(config(vec![])).await.unwrap();
        fake.set_random_faults(0.5, seed, vec![Fault::Status(502), Fault::Status(503)]);
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(get(&fake, "/repos/o/r/tags").await.0.as_u16());
        }
        out
    }
    let a = run(7).await;
    assert_eq!(a, run(7).await);
    assert!(
        a.contains(&200) && a.contains(&502) && a.contains(&503),
        "{a:?}"
    );

    let fake = FakeGitHub::start(config(vec![])).await.unwrap();
    fake.set_random_faults(1.0, 1, vec![Fault::Status(502)]);
    assert_eq!(
        get(&fake, "/repos/o/r/tags").await.0,
        StatusCode::BAD_GATEWAY
    );
    fake.clear_faults();
    assert_eq!(get(&fake, "/repos/o/r/tags").await.0, StatusCode::OK);
}

#[tokio::test]
async fn admin_endpoints_drive_faults_and_counts() {
    let fake = FakeGitHub::start(config(vec![])).await.unwrap();
    let admin = |p: &str| format!("{}/_fake/{p}", fake.url());
    let resp = http()
        .post(admin("faults"))
        .json(&json!([{"status": 500}, {"rate_limit_429": {"retry_after_secs": 1}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        get(&fake, "/repos/o/r/tags").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        get(&fake, "/repos/o/r/tags").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(get(&fake, "/repos/o/r/tags").await.0, StatusCode::OK);

    let stats: Value = http()
        .get(admin("stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"], 3, "admin requests are not counted");
    let resp = http().post(admin("reset-requests")).send().await.unwrap();
    assert!(resp.status().is_success());
    let stats: Value = http()
        .get(admin("stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"], 0);

    let resp = http()
        .post(admin("faults"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ten_thousand_tags_are_served_quickly() {
    let today = chrono_day(2026, 11, 27);
    let repo = generate_version_tags("o", "big", 10_000, 5, today);
    assert_eq!(repo.tags.len(), 10_000);
    assert_eq!(
        repo.tags.last().unwrap().0,
        "20261126.04",
        "ends the day before today"
    );
    let fake = FakeGitHub::start(FakeConfig {
        token: TOKEN.into(),
        repos: vec![repo],
    })
    .await
    .unwrap();
    let (_, _, body) = get(&fake, "/repos/o/big/git/matching-refs/tags/20261126.").await;
    assert_eq!(ref_names(&body).len(), 5);
    let (_, headers, body) = get(&fake, "/repos/o/big/tags?per_page=100&page=100").await;
    assert_eq!(names(&body).len(), 100);
    assert!(!headers["link"].to_str().unwrap().contains("rel=\"next\""));
}

fn chrono_day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn spawned_server_serves_sync_callers_and_stops_on_drop() {
    let fake = FakeGitHub::spawn(config(vec![("a".into(), fake_sha("c1"))])).unwrap();
    let url = fake.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        http()
            .get(format!("{url}/repos/o/r/git/ref/tags/a"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fake.requests(), 1);
    drop(fake);
    let addr = url.trim_start_matches("http://");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening after drop"
    );
}

#[test]
fn binary_generates_tags_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let addr_file = dir.path().join("addr");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fake-github"))
        .args([
            "--generate-tags",
            "12",
            "--owner",
            "o",
            "--repo",
            "r",
            "--token",
            TOKEN,
        ])
        .args(["--today", "20261127", "--tags-per-day", "5", "--addr-file"])
        .arg(&addr_file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    // The first stdout line is written once the port is bound.
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect(&line)
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(std::fs::read_to_string(&addr_file).unwrap().trim(), url);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tags, day) = rt.block_on(async {
        let all: Value = http()
            .get(format!("{url}/repos/o/r/tags?per_page=100"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let day: Value = http()
            .get(format!("{url}/repos/o/r/git/matching-refs/tags/20261126."))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (names(&all), ref_names(&day))
    });
    assert_eq!(tags.len(), 12);
    assert_eq!(tags[0], "20261126.01");
    assert_eq!(tags[11], "20261124.00");
    assert_eq!(day, ["refs/tags/20261126.00", "refs/tags/20261126.01"]);

    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn binary_requires_a_seed_or_generated_tags() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fake-github"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--seed"), "{err}");
}
