//! An in-memory fake of the GitHub REST API, for tests, benchmarks and the
//! demo.
//!
//! It follows GitHub's documented behaviour for exactly the endpoints the
//! release tools use:
//!
//! | request | answer |
//! |---|---|
//! | `GET /repos/{o}/{r}/tags?per_page&page` | tags, name descending, `Link` pagination |
//! | `GET /repos/{o}/{r}/git/matching-refs/{ref}?per_page&page` | every ref starting with `refs/{ref}`, ascending, `Link` pagination |
//! | `GET /repos/{o}/{r}/git/ref/{ref}` | one ref, or 404 |
//! | `GET /repos/{o}/{r}/git/tags/{sha}` | an annotated tag object, or 404 |
//! | `POST /repos/{o}/{r}/git/tags` | 201 new tag object (no ref); 422 unknown object |
//! | `POST /repos/{o}/{r}/git/refs` | 201 new ref; 422 when it exists or the sha is unknown |
//! | `GET /repos/{o}/{r}/commits/{ref}` | the commit; 422 `No commit found for SHA` |
//!
//! Every API request needs a `User-Agent` (403 otherwise) and the configured
//! token as `Authorization: Bearer <token>` or `token <token>` (401
//! otherwise). Requests are counted, and queued [`Fault`]s are answered
//! instead of (or, for [`Fault::Delay`], before) the real answer, one per
//! request. Admin endpoints (not counted, no auth) let a separate process
//! drive the `fake-github` binary the same way: `GET /_fake/stats` →
//! `{"requests": N, "queued_faults": K}`; `POST /_fake/faults` with a JSON
//! list of faults; `POST /_fake/random-faults` with
//! `{"probability": 0.1, "seed": 1, "kinds": [...]}`;
//! `POST /_fake/reset-requests`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::server::Server;
use anyhow::Context as _;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the fake serves at start.
#[derive(Debug, Clone, Default)]
pub struct FakeConfig {
    /// The only token accepted.
    pub token: String,
    /// The repositories that exist; any other answers 404.
    pub repos: Vec<FakeRepo>,
}

/// One repository of the fake.
#[derive(Debug, Clone, Default)]
pub struct FakeRepo {
    /// The owner (user or organisation).
    pub owner: String,
    /// The repository name.
    pub repo: String,
    /// Full shas of the commits that exist (tags' commits are added too).
    pub commits: Vec<String>,
    /// Lightweight tags: (tag name, commit sha).
    pub tags: Vec<(String, String)>,
}

/// The seed file's shape (JSON).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    token: String,
    #[serde(default)]
    repos: Vec<SeedRepo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRepo {
    owner: String,
    repo: String,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

impl FakeConfig {
    /// Reads a seed file:
    /// `{"token": "...", "repos": [{"owner": "o", "repo": "r", "commits": ["<sha>"], "tags": {"20240101.00": "<sha>"}}]}`.
    pub fn from_seed_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read seed file {}", path.display()))?;
        let seed: SeedFile = serde_json::from_str(&text)
            .with_context(|| format!("seed file {} is not valid seed JSON", path.display()))?;
        let mut repos = Vec::with_capacity(seed.repos.len());
        for r in seed.repos {
            let shas = r.commits.iter().chain(r.tags.values());
            if let Some(bad) = shas.into_iter().find(|s| !is_full_sha(s)) {
                anyhow::bail!(
                    "seed file {}: {bad:?} in {}/{} is not a 40-hex commit sha",
                    path.display(),
                    r.owner,
                    r.repo
                );
            }
            repos.push(FakeRepo {
                owner: r.owner,
                repo: r.repo,
                commits: r.commits,
                tags: r.tags.into_iter().collect(),
            });
        }
        Ok(FakeConfig {
            token: seed.token,
            repos,
        })
    }
}

/// A repository with `count` version tags `YYYYMMDD.NN`, `per_day` of them
/// a day (the last day may have fewer), on consecutive days ending the day
/// before `today`; each tag on its own commit. `commits[0]` is an extra,
/// untagged head commit to release from. Deterministic, for benchmarks.
pub fn generate_version_tags(
    owner: &str,
    repo: &str,
    count: usize,
    per_day: usize,
    today: chrono::NaiveDate,
) -> FakeRepo {
    let per_day = per_day.max(1);
    let days = count.div_ceil(per_day);
    let first = today - chrono::Days::new(days as u64);
    let mut commits = vec![fake_sha(&format!("{owner}/{repo}@head"))];
    let mut tags = Vec::with_capacity(count);
    for i in 0..count {
        let day = first + chrono::Days::new((i / per_day) as u64);
        let name = format!("{}.{:02}", day.format("%Y%m%d"), i % per_day);
        let sha = fake_sha(&format!("{owner}/{repo}@{name}"));
        commits.push(sha.clone());
        tags.push((name, sha));
    }
    FakeRepo {
        owner: owner.to_owned(),
        repo: repo.to_owned(),
        commits,
        tags,
    }
}

/// One injected fault, consumed by one API request.
///
/// JSON (for `POST /_fake/faults`): `{"status": 500}`,
/// `{"rate_limit_429": {"retry_after_secs": 1}}`,
/// `{"rate_limit_403": {"reset_in_secs": 60}}`, `{"delay_ms": 1500}`,
/// `"drop_connection"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status and a JSON message (e.g. 500, 502, 503).
    Status(u16),
    /// 429 with `retry-after: <secs>` (a secondary rate limit).
    #[serde(rename = "rate_limit_429")]
    RateLimit429 {
        /// The `retry-after` value.
        retry_after_secs: u64,
    },
    /// 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0` and
    /// `x-ratelimit-reset` this many seconds from now.
    #[serde(rename = "rate_limit_403")]
    RateLimit403 {
        /// Seconds until the advertised reset.
        reset_in_secs: u64,
    },
    /// Wait this long, then answer normally.
    #[serde(rename = "delay_ms", with = "millis")]
    Delay(Duration),
    /// Close the connection without a valid HTTP answer.
    DropConnection,
}

/// `Duration` as whole milliseconds in JSON.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// A deterministic 40-hex "sha" for `seed`: stable across runs and builds, so
/// tests and seed files can name commits.
pub fn fake_sha(seed: &str) -> String {
    let mut out = String::with_capacity(48);
    for round in 0u64..3 {
        // FNV-1a, salted per round, then a splitmix64 finaliser so that
        // similar seeds differ in every digit.
        let mut h = 0xcbf2_9ce4_8422_2325u64 ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        let _ = write!(out, "{h:016x}");
    }
    out.truncate(40);
    out
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

// ---------------------------------------------------------------- state

const RATE_LIMIT: u64 = 5000;
const DOCS: &str = "https://docs.github.com/rest";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjKind {
    Commit,
    Tag,
}

impl ObjKind {
    fn as_str(self) -> &'static str {
        match self {
            ObjKind::Commit => "commit",
            ObjKind::Tag => "tag",
        }
    }
}

#[derive(Debug, Clone)]
struct RefTarget {
    sha: String,
    kind: ObjKind,
}

#[derive(Debug, Clone)]
struct TagObject {
    tag: String,
    message: String,
    tagger: Value,
    object: RefTarget,
}

#[derive(Debug, Default)]
struct RepoState {
    owner: String,
    repo: String,
    commits: BTreeSet<String>,
    /// Full ref name (`refs/tags/X`) to target; ordered for prefix scans.
    refs: BTreeMap<String, RefTarget>,
    tag_objects: HashMap<String, TagObject>,
}

impl RepoState {
    fn new(owner: &str, repo: &str) -> Self {
        RepoState {
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            ..RepoState::default()
        }
    }

    fn object_kind(&self, sha: &str) -> Option<ObjKind> {
        if self.commits.contains(sha) {
            Some(ObjKind::Commit)
        } else if self.tag_objects.contains_key(sha) {
            Some(ObjKind::Tag)
        } else {
            None
        }
    }

    /// The commit a ref target finally points at, through tag objects.
    fn peel(&self, target: &RefTarget) -> Option<String> {
        let mut t = target.clone();
        // Bounded: tag objects are only created on existing objects, so a
        // cycle cannot exist, but a bound costs nothing.
        for _ in 0..16 {
            match t.kind {
                ObjKind::Commit => return Some(t.sha),
                ObjKind::Tag => t = self.tag_objects.get(&t.sha)?.object.clone(),
            }
        }
        None
    }

    fn tag_refs(&self) -> impl DoubleEndedIterator<Item = (&String, &RefTarget)> {
        self.refs_with_prefix("refs/tags/")
    }

    fn refs_with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl DoubleEndedIterator<Item = (&'a String, &'a RefTarget)> + 'a {
        let end = match prefix_end(prefix) {
            Some(end) => std::ops::Bound::Excluded(end),
            None => std::ops::Bound::Unbounded,
        };
        self.refs
            .range::<String, _>((std::ops::Bound::Included(prefix.to_owned()), end))
    }
}

/// The least string above every string that starts with `prefix` (`None`:
/// no such bound), so a prefix scan is one ordered range.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut end: Vec<char> = prefix.chars().collect();
    while let Some(last) = end.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            end.push(next);
            return Some(end.into_iter().collect());
        }
    }
    None
}

struct RandomFaults {
    probability: f64,
    rng: StdRng,
    kinds: Vec<Fault>,
}

#[derive(Default)]
struct Inner {
    repos: HashMap<String, RepoState>,
    faults: VecDeque<Fault>,
    random: Option<RandomFaults>,
    /// Makes every created tag object's sha unique.
    created: u64,
}

fn repo_key(owner: &str, repo: &str) -> String {
    // GitHub's owner and repository names are case-insensitive.
    format!(
        "{}/{}",
        owner.to_ascii_lowercase(),
        repo.to_ascii_lowercase()
    )
}

impl Inner {
    fn repo_mut(&mut self, owner: &str, repo: &str) -> &mut RepoState {
        self.repos
            .entry(repo_key(owner, repo))
            .or_insert_with(|| RepoState::new(owner, repo))
    }

    fn repo(&self, owner: &str, repo: &str) -> Option<&RepoState> {
        self.repos.get(&repo_key(owner, repo))
    }

    fn next_fault(&mut self) -> Option<Fault> {
        if let Some(f) = self.faults.pop_front() {
            return Some(f);
        }
        let r = self.random.as_mut()?;
        if r.kinds.is_empty() || !r.rng.random_bool(r.probability.clamp(0.0, 1.0)) {
            return None;
        }
        let i = r.rng.random_range(0..r.kinds.len());
        Some(r.kinds[i].clone())
    }
}

struct Shared {
    token: String,
    base_url: String,
    requests: AtomicU64,
    /// The advertised rate-limit window end (epoch seconds).
    reset_epoch: u64,
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking handler must not take the whole fake down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

// ---------------------------------------------------------------- handle

/// A running fake GitHub. Dropping it stops the server.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    server: Server,
}

impl std::fmt::Debug for FakeGitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGitHub")
            .field("url", &self.server.url)
            .finish()
    }
}

impl FakeGitHub {
    /// Serves on `127.0.0.1:<free port>` in the current tokio runtime.
    pub async fn start(config: FakeConfig) -> io::Result<FakeGitHub> {
        FakeGitHub::start_at(0, config).await
    }

    /// Serves on `127.0.0.1:<port>` (0: any free port) in the current tokio
    /// runtime.
    pub async fn start_at(port: u16, config: FakeConfig) -> io::Result<FakeGitHub> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let mut inner = Inner::default();
        for r in config.repos {
            let state = inner.repo_mut(&r.owner, &r.repo);
            state
                .commits
                .extend(r.commits.iter().map(|c| c.to_ascii_lowercase()));
            for (name, commit) in r.tags {
                let sha = commit.to_ascii_lowercase();
                state.commits.insert(sha.clone());
                state.refs.insert(
                    format!("refs/tags/{name}"),
                    RefTarget {
                        sha,
                        kind: ObjKind::Commit,
                    },
                );
            }
        }
        let shared = Arc::new(Shared {
            token: config.token,
            base_url: url.clone(),
            requests: AtomicU64::new(0),
            reset_epoch: epoch_now() + 3600,
            inner: Mutex::new(inner),
        });
        let server = Server::serve(listener, router(shared.clone()), "fake GitHub")?;
        Ok(FakeGitHub { shared, server })
    }

    /// Serves from its own thread and runtime, for synchronous tests that run
    /// binaries as subprocesses. Stops (and joins the thread) on drop.
    pub fn spawn(config: FakeConfig) -> io::Result<FakeGitHub> {
        let (shared, server) = Server::spawn_thread("fake-github", || async {
            let FakeGitHub { shared, server } = FakeGitHub::start(config).await?;
            Ok((shared, server))
        })?;
        Ok(FakeGitHub { shared, server })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        self.server.url.clone()
    }

    /// API requests received so far (fault answers included, `/_fake/` not).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Sets the request count back to 0.
    pub fn reset_requests(&self) {
        self.shared.requests.store(0, Ordering::SeqCst);
    }

    /// Queues a fault for the next API request not already given one.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// After the queue is empty, answers each API request with a fault of
    /// `kinds` (picked at random) with `probability`; seeded, so a run can be
    /// repeated.
    pub fn set_random_faults(&self, probability: f64, seed: u64, kinds: Vec<Fault>) {
        self.shared.lock().random = Some(RandomFaults {
            probability,
            rng: StdRng::seed_from_u64(seed),
            kinds,
        });
    }

    /// How many queued faults are still waiting for a request.
    pub fn queued_faults(&self) -> usize {
        self.shared.lock().faults.len()
    }

    /// Empties the fault queue and stops random faults.
    pub fn clear_faults(&self) {
        let mut inner = self.shared.lock();
        inner.faults.clear();
        inner.random = None;
    }

    /// Adds a commit (creating the repository if needed).
    pub fn add_commit(&self, owner: &str, repo: &str, sha: &str) {
        self.shared
            .lock()
            .repo_mut(owner, repo)
            .commits
            .insert(sha.to_ascii_lowercase());
    }

    /// Adds (or moves) a lightweight tag, adding the commit if needed.
    pub fn add_tag(&self, owner: &str, repo: &str, name: &str, commit: &str) {
        let mut inner = self.shared.lock();
        let state = inner.repo_mut(owner, repo);
        let sha = commit.to_ascii_lowercase();
        state.commits.insert(sha.clone());
        state.refs.insert(
            format!("refs/tags/{name}"),
            RefTarget {
                sha,
                kind: ObjKind::Commit,
            },
        );
    }

    /// The commit the tag `name` points at (peeled), if the tag exists.
    pub fn tag_commit(&self, owner: &str, repo: &str, name: &str) -> Option<String> {
        let inner = self.shared.lock();
        let state = inner.repo(owner, repo)?;
        state.peel(state.refs.get(&format!("refs/tags/{name}"))?)
    }

    /// All tag names, ascending.
    pub fn tag_names(&self, owner: &str, repo: &str) -> Vec<String> {
        let inner = self.shared.lock();
        let Some(state) = inner.repo(owner, repo) else {
            return Vec::new();
        };
        state
            .tag_refs()
            .map(|(r, _)| r["refs/tags/".len()..].to_owned())
            .collect()
    }

    /// The annotated tag object (as GitHub's JSON) the tag `name` points at,
    /// or `None` when the tag is missing or lightweight.
    pub fn tag_object(&self, owner: &str, repo: &str, name: &str) -> Option<Value> {
        let inner = self.shared.lock();
        let state = inner.repo(owner, repo)?;
        let target = state.refs.get(&format!("refs/tags/{name}"))?;
        if target.kind != ObjKind::Tag {
            return None;
        }
        let obj = state.tag_objects.get(&target.sha)?;
        Some(tag_object_json(
            &self.shared.base_url,
            state,
            &target.sha,
            obj,
        ))
    }
}

// ---------------------------------------------------------------- HTTP

fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/repos/{owner}/{repo}/tags", get(list_tags))
        .route(
            "/repos/{owner}/{repo}/git/matching-refs/{*ref}",
            get(matching_refs),
        )
        .route("/repos/{owner}/{repo}/git/ref/{*ref}", get(get_ref))
        .route("/repos/{owner}/{repo}/git/tags", post(create_tag_object))
        .route("/repos/{owner}/{repo}/git/tags/{sha}", get(get_tag_object))
        .route("/repos/{owner}/{repo}/git/refs", post(create_ref))
        .route("/repos/{owner}/{repo}/commits/{*ref}", get(get_commit))
        .fallback(|| async { not_found() })
        .layer(middleware::from_fn_with_state(shared.clone(), api_gate));
    let admin = Router::new()
        .route("/_fake/stats", get(admin_stats))
        .route("/_fake/faults", post(admin_faults))
        .route("/_fake/random-faults", post(admin_random_faults))
        .route("/_fake/reset-requests", post(admin_reset_requests));
    admin.merge(api).with_state(shared)
}

fn message(status: StatusCode, msg: &str) -> Response {
    let body = json!({
        "message": msg,
        "documentation_url": DOCS,
        "status": status.as_u16().to_string(),
    });
    (status, axum::Json(body)).into_response()
}

fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "Not Found")
}

fn unprocessable(msg: &str) -> Response {
    message(StatusCode::UNPROCESSABLE_ENTITY, msg)
}

/// Counts the request, applies a queued fault, then checks `User-Agent` and
/// the token the way GitHub does, and adds the rate-limit headers.
async fn api_gate(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let n = s.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let fault = s.lock().next_fault();
    match fault {
        None => {}
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("Injected fault");
            return message(status, reason);
        }
        Some(Fault::RateLimit429 { retry_after_secs }) => {
            let mut resp = message(
                StatusCode::TOO_MANY_REQUESTS,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return resp;
        }
        Some(Fault::RateLimit403 { reset_in_secs }) => {
            let mut resp = message(
                StatusCode::FORBIDDEN,
                "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
            );
            let h = resp.headers_mut();
            h.insert("x-ratelimit-limit", HeaderValue::from(RATE_LIMIT));
            h.insert("x-ratelimit-remaining", HeaderValue::from(0u64));
            h.insert("x-ratelimit-used", HeaderValue::from(RATE_LIMIT));
            h.insert(
                "x-ratelimit-reset",
                HeaderValue::from(epoch_now() + reset_in_secs),
            );
            h.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
            return resp;
        }
        Some(Fault::DropConnection) => return dropped_connection(),
    }
    if !req.headers().contains_key(header::USER_AGENT) {
        return message(
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.",
        );
    }
    let mut resp = match presented_token(req.headers()) {
        None => message(StatusCode::UNAUTHORIZED, "Requires authentication"),
        Some(t) if t != s.token => message(StatusCode::UNAUTHORIZED, "Bad credentials"),
        Some(_) => next.run(req).await,
    };
    let used = (n - 1) % RATE_LIMIT + 1;
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(RATE_LIMIT));
    h.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(RATE_LIMIT - used),
    );
    h.insert("x-ratelimit-used", HeaderValue::from(used));
    h.insert("x-ratelimit-reset", HeaderValue::from(s.reset_epoch));
    h.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
    resp
}

/// The token of `Authorization: Bearer <t>` or `token <t>`.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
        Some(token.trim())
    } else {
        None
    }
}

/// A response whose body fails at once: hyper then closes the connection
/// without having flushed the head, so the client sees a broken connection
/// instead of an HTTP answer.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::other("fault injected: drop connection"))
    });
    Response::new(Body::from_stream(stream))
}

fn ref_json(base: &str, state: &RepoState, name: &str, target: &RefTarget) -> Value {
    let object_path = match target.kind {
        ObjKind::Commit => "commits",
        ObjKind::Tag => "tags",
    };
    json!({
        "ref": name,
        "node_id": format!("REF_{}", &fake_sha(name)[..20]),
        "url": format!("{base}/repos/{}/{}/git/{}", state.owner, state.repo, name),
        "object": {
            "sha": target.sha,
            "type": target.kind.as_str(),
            "url": format!("{base}/repos/{}/{}/git/{object_path}/{}", state.owner, state.repo, target.sha),
        },
    })
}

fn tag_object_json(base: &str, state: &RepoState, sha: &str, obj: &TagObject) -> Value {
    json!({
        "node_id": format!("TAG_{}", &sha[..20]),
        "sha": sha,
        "url": format!("{base}/repos/{}/{}/git/tags/{sha}", state.owner, state.repo),
        "tag": obj.tag,
        "message": obj.message,
        "tagger": obj.tagger,
        "object": {
            "sha": obj.object.sha,
            "type": obj.object.kind.as_str(),
            "url": format!("{base}/repos/{}/{}/git/commits/{}", state.owner, state.repo, obj.object.sha),
        },
        "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null},
    })
}

/// Link URLs use the host the client asked for, like GitHub does.
fn request_base(s: &Shared, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| s.base_url.clone())
}

/// GitHub's `Link` header: prev, next, last, first, as applicable.
fn link_header(
    base: &str,
    path: &str,
    per_page: usize,
    page: usize,
    last: usize,
) -> Option<String> {
    let link =
        |p: usize, rel: &str| format!("<{base}{path}?per_page={per_page}&page={p}>; rel=\"{rel}\"");
    let mut parts = Vec::new();
    if page > 1 {
        parts.push(link((page - 1).min(last), "prev"));
    }
    if page < last {
        parts.push(link(page + 1, "next"));
        parts.push(link(last, "last"));
    }
    if page > 1 {
        parts.push(link(1, "first"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `per_page` and `page` as GitHub reads them: unparsable values are
/// ignored, `per_page` defaults to 30 and is capped at 100, pages start at 1.
fn paging(q: &HashMap<String, String>) -> (usize, usize) {
    let per_page = match q.get("per_page").and_then(|v| v.parse::<usize>().ok()) {
        None | Some(0) => 30,
        Some(n) => n.min(100),
    };
    let page = q
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    (per_page, page)
}

/// A JSON list answer with its `Link` header, if any.
fn page_response(items: Vec<Value>, link: Option<String>) -> Response {
    let mut resp = axum::Json(Value::Array(items)).into_response();
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LINK, link);
    }
    resp
}

async fn list_tags(
    State(s): State<Arc<Shared>>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (per_page, page) = paging(&q);
    let inner = s.lock();
    let Some(state) = inner.repo(&owner, &repo) else {
        return not_found();
    };
    let total = state.tag_refs().count();
    let last = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = state
        .tag_refs()
        .rev()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|(name, target)| {
            let name = &name["refs/tags/".len()..];
            let commit = state.peel(target).unwrap_or_default();
            let base = &s.base_url;
            json!({
                "name": name,
                "commit": {
                    "sha": commit,
                    "url": format!("{base}/repos/{}/{}/commits/{commit}", state.owner, state.repo),
                },
                "zipball_url": format!("{base}/repos/{}/{}/zipball/refs/tags/{name}", state.owner, state.repo),
                "tarball_url": format!("{base}/repos/{}/{}/tarball/refs/tags/{name}", state.owner, state.repo),
                "node_id": format!("REF_{}", &fake_sha(name)[..20]),
            })
        })
        .collect();
    let path = format!("/repos/{owner}/{repo}/tags");
    let link = link_header(&request_base(&s, &headers), &path, per_page, page, last);
    page_response(items, link)
}

/// Paginated like GitHub's other listings (`per_page` up to 100, `Link`),
/// so that a client reading only the first page misses refs.
async fn matching_refs(
    State(s): State<Arc<Shared>>,
    UrlPath((owner, repo, r)): UrlPath<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (per_page, page) = paging(&q);
    let inner = s.lock();
    let Some(state) = inner.repo(&owner, &repo) else {
        return not_found();
    };
    let prefix = format!("refs/{r}");
    let total = state.refs_with_prefix(&prefix).count();
    let last = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = state
        .refs_with_prefix(&prefix)
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|(name, target)| ref_json(&s.base_url, state, name, target))
        .collect();
    let path = format!("/repos/{owner}/{repo}/git/matching-refs/{r}");
    let link = link_header(&request_base(&s, &headers), &path, per_page, page, last);
    page_response(items, link)
}

async fn get_ref(
    State(s): State<Arc<Shared>>,
    UrlPath((owner, repo, r)): UrlPath<(String, String, String)>,
) -> Response {
    let inner = s.lock();
    let Some(state) = inner.repo(&owner, &repo) else {
        return not_found();
    };
    let name = format!("refs/{r}");
    match state.refs.get(&name) {
        Some(target) => axum::Json(ref_json(&s.base_url, state, &name, target)).into_response(),
        None => not_found(),
    }
}

async fn get_tag_object(
    State(s): State<Arc<Shared>>,
    UrlPath((owner, repo, sha)): UrlPath<(String, String, String)>,
) -> Response {
    let inner = s.lock();
    let Some(state) = inner.repo(&owner, &repo) else {
        return not_found();
    };
    let sha = sha.to_ascii_lowercase();
    match state.tag_objects.get(&sha) {
        Some(obj) => axum::Json(tag_object_json(&s.base_url, state, &sha, obj)).into_response(),
        None => not_found(),
    }
}

/// A GitHub error answer (status and message), so handlers can use `?`.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        message(self.0, &self.1)
    }
}

fn invalid(msg: &str) -> ApiError {
    ApiError(StatusCode::UNPROCESSABLE_ENTITY, msg.to_owned())
}

/// The body as a JSON object, or GitHub's 400 answer.
fn json_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError(
            StatusCode::BAD_REQUEST,
            "Problems parsing JSON".into(),
        )),
    }
}

fn string_field<'a>(
    body: &'a serde_json::Map<String, Value>,
    field: &str,
) -> Result<&'a str, ApiError> {
    body.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&format!("Invalid request.\n\n\"{field}\" wasn't supplied.")))
}

async fn create_tag_object(
    State(s): State<Arc<Shared>>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut inner = s.lock();
    if inner.repo(&owner, &repo).is_none() {
        return Ok(not_found());
    }
    let body = json_object(&body)?;
    let tag = string_field(&body, "tag")?.to_owned();
    let msg = string_field(&body, "message")?.to_owned();
    let object = string_field(&body, "object")?.to_ascii_lowercase();
    let kind = string_field(&body, "type")?.to_owned();
    let tagger = match body.get("tagger") {
        Some(t @ Value::Object(m)) if m.contains_key("name") && m.contains_key("email") => {
            let mut t = t.clone();
            if !m.contains_key("date") {
                // GitHub stamps the current time.
                t["date"] = Value::String(
                    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                );
            }
            t
        }
        Some(_) => {
            return Err(invalid(
                "Invalid request.\n\n\"tagger\" needs name and email.",
            ));
        }
        None => {
            json!({"name": "fake", "email": "fake@example.com", "date": "1970-01-01T00:00:00Z"})
        }
    };
    inner.created += 1;
    let created = inner.created;
    let state = inner.repo_mut(&owner, &repo);
    let object_kind = match (kind.as_str(), state.object_kind(&object)) {
        ("commit", Some(k @ ObjKind::Commit)) | ("tag", Some(k @ ObjKind::Tag)) => k,
        _ => return Err(invalid("Object does not exist")),
    };
    let sha = fake_sha(&format!(
        "tag-object:{created}:{owner}/{repo}:{tag}:{object}:{msg}"
    ));
    let obj = TagObject {
        tag,
        message: msg,
        tagger,
        object: RefTarget {
            sha: object,
            kind: object_kind,
        },
    };
    let json = tag_object_json(&s.base_url, state, &sha, &obj);
    state.tag_objects.insert(sha, obj);
    Ok((StatusCode::CREATED, axum::Json(json)).into_response())
}

async fn create_ref(
    State(s): State<Arc<Shared>>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // One lock over check and insert: concurrent creators of the same ref
    // get exactly one 201, like GitHub.
    let mut inner = s.lock();
    let Some(state) = inner.repos.get_mut(&repo_key(&owner, &repo)) else {
        return Ok(not_found());
    };
    let body = json_object(&body)?;
    let name = string_field(&body, "ref")?.to_owned();
    let sha = string_field(&body, "sha")?.to_ascii_lowercase();
    if !name.starts_with("refs/") || name.matches('/').count() < 2 {
        return Err(invalid("Reference name is invalid"));
    }
    let Some(kind) = state.object_kind(&sha) else {
        return Err(invalid("Object does not exist"));
    };
    if state.refs.contains_key(&name) {
        return Err(invalid("Reference already exists"));
    }
    let target = RefTarget { sha, kind };
    let json = ref_json(&s.base_url, state, &name, &target);
    state.refs.insert(name, target);
    Ok((StatusCode::CREATED, axum::Json(json)).into_response())
}

async fn get_commit(
    State(s): State<Arc<Shared>>,
    UrlPath((owner, repo, r)): UrlPath<(String, String, String)>,
) -> Response {
    let inner = s.lock();
    let Some(state) = inner.repo(&owner, &repo) else {
        return not_found();
    };
    let wanted = r.to_ascii_lowercase();
    let by_sha =
        if wanted.len() >= 7 && wanted.len() <= 40 && wanted.bytes().all(|b| b.is_ascii_hexdigit())
        {
            let mut hits = state
                .commits
                .range::<str, _>((
                    std::ops::Bound::Included(wanted.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|c| c.starts_with(&wanted));
            match (hits.next(), hits.next()) {
                (Some(c), None) => Some(c.clone()),
                _ => None,
            }
        } else {
            None
        };
    // Like GitHub, a tag name (or `refs/tags/X`, `tags/X`) names its commit.
    let by_tag = || {
        let name = r.strip_prefix("refs/").unwrap_or(&r);
        let name = name.strip_prefix("tags/").unwrap_or(name);
        state.peel(state.refs.get(&format!("refs/tags/{name}"))?)
    };
    let Some(sha) = by_sha.or_else(by_tag) else {
        return unprocessable(&format!("No commit found for SHA: {r}"));
    };
    let base = &s.base_url;
    axum::Json(json!({
        "sha": sha,
        "node_id": format!("C_{}", &sha[..20]),
        "url": format!("{base}/repos/{}/{}/commits/{sha}", state.owner, state.repo),
        "commit": {
            "message": "fake commit",
            "url": format!("{base}/repos/{}/{}/git/commits/{sha}", state.owner, state.repo),
        },
        "parents": [],
    }))
    .into_response()
}

async fn admin_stats(State(s): State<Arc<Shared>>) -> Response {
    let queued = s.lock().faults.len();
    axum::Json(json!({
        "requests": s.requests.load(Ordering::SeqCst),
        "queued_faults": queued,
    }))
    .into_response()
}

async fn admin_faults(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let faults: Vec<Fault> = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return message(
                StatusCode::BAD_REQUEST,
                &format!("expected a JSON list of faults: {e}"),
            );
        }
    };
    let mut inner = s.lock();
    inner.faults.extend(faults);
    axum::Json(json!({"queued": inner.faults.len()})).into_response()
}

#[derive(Deserialize)]
struct RandomFaultsBody {
    probability: f64,
    seed: u64,
    kinds: Vec<Fault>,
}

async fn admin_random_faults(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let b: RandomFaultsBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return message(
                StatusCode::BAD_REQUEST,
                &format!("expected {{\"probability\", \"seed\", \"kinds\"}}: {e}"),
            );
        }
    };
    s.lock().random = Some(RandomFaults {
        probability: b.probability,
        rng: StdRng::seed_from_u64(b.seed),
        kinds: b.kinds,
    });
    StatusCode::NO_CONTENT.into_response()
}

async fn admin_reset_requests(State(s): State<Arc<Shared>>) -> Response {
    s.requests.store(0, Ordering::SeqCst);
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_sha_is_stable_and_hex() {
        let a = fake_sha("commit-1");
        assert_eq!(a, fake_sha("commit-1"));
        assert_ne!(a, fake_sha("commit-2"));
        assert!(is_full_sha(&a), "{a}");
    }

    #[test]
    fn prefix_ranges_hold_exactly_the_prefixed_names() {
        assert_eq!(prefix_end("refs/tags/").as_deref(), Some("refs/tags0"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end(""), None);
        let mut repo = RepoState::new("o", "r");
        for name in [
            "refs/heads/main",
            "refs/tags/1",
            "refs/tags/2",
            "refs/tags0",
            "refs/tagsx",
        ] {
            let target = RefTarget {
                sha: fake_sha(name),
                kind: ObjKind::Commit,
            };
            repo.refs.insert(name.to_owned(), target);
        }
        let names: Vec<&str> = repo.tag_refs().rev().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["refs/tags/2", "refs/tags/1"]);
    }

    #[test]
    fn faults_have_the_documented_json() {
        let faults: Vec<Fault> = serde_json::from_str(
            r#"[{"status":500},{"rate_limit_429":{"retry_after_secs":1}},
                {"rate_limit_403":{"reset_in_secs":60}},{"delay_ms":1500},"drop_connection"]"#,
        )
        .unwrap();
        assert_eq!(
            faults,
            vec![
                Fault::Status(500),
                Fault::RateLimit429 {
                    retry_after_secs: 1
                },
                Fault::RateLimit403 { reset_in_secs: 60 },
                Fault::Delay(Duration::from_millis(1500)),
                Fault::DropConnection,
            ]
        );
    }

    #[test]
    fn link_header_is_formatted_like_github() {
        let base = "http://127.0.0.1:1";
        let path = "/repos/o/r/tags";
        assert_eq!(link_header(base, path, 100, 1, 1), None);
        assert_eq!(
            link_header(base, path, 100, 1, 3).unwrap(),
            "<http://127.0.0.1:1/repos/o/r/tags?per_page=100&page=2>; rel=\"next\", \
             <http://127.0.0.1:1/repos/o/r/tags?per_page=100&page=3>; rel=\"last\""
        );
        assert_eq!(
            link_header(base, path, 100, 3, 3).unwrap(),
            "<http://127.0.0.1:1/repos/o/r/tags?per_page=100&page=2>; rel=\"prev\", \
             <http://127.0.0.1:1/repos/o/r/tags?per_page=100&page=1>; rel=\"first\""
        );
    }

    #[test]
    fn seed_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.json");
        let sha = fake_sha("c");
        std::fs::write(
            &good,
            format!(r#"{{"token":"t","repos":[{{"owner":"o","repo":"r","commits":["{sha}"],"tags":{{"20240101.00":"{sha}"}}}}]}}"#),
        )
        .unwrap();
        let cfg = FakeConfig::from_seed_file(&good).unwrap();
        assert_eq!(cfg.token, "t");
        assert_eq!(
            cfg.repos[0].tags,
            vec![("20240101.00".to_owned(), sha.clone())]
        );
        let bad = dir.path().join("bad.json");
        std::fs::write(
            &bad,
            r#"{"token":"t","repos":[{"owner":"o","repo":"r","commits":["xyz"]}]}"#,
        )
        .unwrap();
        let err = FakeConfig::from_seed_file(&bad).unwrap_err();
        assert!(format!("{err:#}").contains("\"xyz\""), "{err:#}");
    }
}
