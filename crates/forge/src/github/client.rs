//! One HTTP client for the GitHub REST API: GitHub's headers, `Link`
//! pagination, bounded retries with backoff, rate limits, timeouts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng as _;
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde_json::Value;
use tracing::{debug, warn};
use url::Url;

use super::Token;
use crate::ForgeError;

/// GitHub's public API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The REST API version this client is written against.
const API_VERSION: &str = "2022-11-28";

/// A page of at most this many items (GitHub's maximum).
const PER_PAGE: u32 = 100;

/// A listing stops with an error after this many pages rather than loop on a
/// server whose `Link` never ends.
const MAX_PAGES: usize = 10_000;

/// When to retry and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts).
    pub max_retries: u32,
    /// The first backoff; it doubles with every retry.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
    /// The longest single wait a rate limit may ask for; a longer one fails
    /// at once with [`ForgeError::RateLimited`].
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_wait: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (1-based): exponential,
    /// capped, with jitter so that parallel runs spread out.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        // Equal jitter: half fixed, half random.
        let half = full / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }
}

/// Timeouts of the HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for a whole request, answer included.
    pub request_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// An answer the caller handles: a 2xx, or a status it asked to see.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body (`Null` when empty or not JSON on a non-2xx status).
    pub body: Value,
    /// How many attempts it took.
    pub attempts: u32,
}

impl Answer {
    /// GitHub's `message` field, if any.
    pub fn message(&self) -> &str {
        self.body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// A GitHub REST API client. Cheap to share by reference; counts every
/// request it sends.
pub struct Client {
    http: reqwest::Client,
    base: Url,
    /// The base URL without a trailing slash, for joining paths.
    base_str: String,
    /// `Bearer <token>`, marked sensitive.
    auth: HeaderValue,
    policy: RetryPolicy,
    requests: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.base_str)
            .field("policy", &self.policy)
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

/// What one attempt came to.
enum Attempt {
    Done {
        status: u16,
        headers: HeaderMap,
        body: Value,
    },
    Retry {
        wait: Duration,
        reason: String,
    },
}

impl Client {
    /// A client for the API at `api_url` (e.g. [`DEFAULT_API_URL`], or
    /// `https://HOST/api/v3` for GitHub Enterprise) with default timeouts.
    pub fn new(api_url: &str, token: Token, policy: RetryPolicy) -> Result<Client, ForgeError> {
        Client::with_config(api_url, token, policy, ClientConfig::default())
    }

    /// Like [`Client::new`] with explicit timeouts.
    pub fn with_config(
        api_url: &str,
        token: Token,
        policy: RetryPolicy,
        config: ClientConfig,
    ) -> Result<Client, ForgeError> {
        let base = parse_api_url(api_url)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            ForgeError::InvalidInput(
                "the GitHub token holds characters not allowed in an HTTP header (a line break inside it?); \
                 check the token file"
                    .into(),
            )
        })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        let http = reqwest::Client::builder()
            .user_agent(concat!("guest-release/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| {
                ForgeError::InvalidInput(format!("cannot set up the HTTP client: {}", chain(&e)))
            })?;
        let base_str = base.as_str().trim_end_matches('/').to_owned();
        Ok(Client {
            http,
            base,
            base_str,
            auth,
            policy,
            requests: AtomicU64::new(0),
        })
    }

    /// The API base URL, without a trailing slash.
    pub fn api_url(&self) -> &str {
        &self.base_str
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `GET path` (e.g. `/repos/o/r/git/ref/tags/x`). A 2xx, or a status in
    /// `pass`, is returned; other statuses are errors (after retries where
    /// retrying makes sense).
    pub async fn get_json(&self, path: &str, pass: &[u16]) -> Result<Answer, ForgeError> {
        let url = self.url_for(path);
        let (answer, _) = self.execute(Method::GET, &url, path, None, pass).await?;
        Ok(answer)
    }

    /// `POST path` with a JSON body; like [`Client::get_json`].
    pub async fn post_json(
        &self,
        path: &str,
        body: &Value,
        pass: &[u16],
    ) -> Result<Answer, ForgeError> {
        let url = self.url_for(path);
        let (answer, _) = self
            .execute(Method::POST, &url, path, Some(body), pass)
            .await?;
        Ok(answer)
    }

    /// Every item of a paginated listing: `GET path` with `per_page=100`,
    /// then each `Link: <...>; rel="next"` until there is none.
    pub async fn get_all_pages(&self, path: &str) -> Result<Vec<Value>, ForgeError> {
        let mut url = self.url_for(path);
        if !path.contains("per_page=") {
            url.push(if path.contains('?') { '&' } else { '?' });
            url.push_str(&format!("per_page={PER_PAGE}"));
        }
        let mut page_path = path.to_owned();
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let (answer, headers) = self
                .execute(Method::GET, &url, &page_path, None, &[])
                .await?;
            match answer.body {
                Value::Array(page) => items.extend(page),
                other => {
                    return Err(ForgeError::InvalidResponse {
                        method: "GET".into(),
                        path: page_path,
                        detail: format!("expected a JSON list, got {}", kind_of(&other)),
                    });
                }
            }
            let Some(next) = next_link(&headers) else {
                return Ok(items);
            };
            // The token goes only to the configured API: a `Link` elsewhere
            // is refused, not followed.
            page_path = self
                .path_of(&next)
                .ok_or_else(|| ForgeError::InvalidResponse {
                    method: "GET".into(),
                    path: page_path.clone(),
                    detail: format!(
                        "the next-page link {next:?} is outside the API URL {}",
                        self.base_str
                    ),
                })?;
            if next == url {
                return Err(ForgeError::InvalidResponse {
                    method: "GET".into(),
                    path: page_path,
                    detail: "the next-page link points at the same page".into(),
                });
            }
            url = next;
        }
        Err(ForgeError::InvalidResponse {
            method: "GET".into(),
            path: page_path,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    fn url_for(&self, path: &str) -> String {
        format!("{}/{}", self.base_str, path.trim_start_matches('/'))
    }

    /// The path (and query) of `url` relative to the API base, when `url` is
    /// under it.
    fn path_of(&self, url: &str) -> Option<String> {
        let u = Url::parse(url).ok()?;
        let same_origin = u.scheme() == self.base.scheme()
            && u.host_str() == self.base.host_str()
            && u.port_or_known_default() == self.base.port_or_known_default();
        let base_path = self.base.path().trim_end_matches('/');
        let rest = u.path().strip_prefix(base_path)?;
        if !same_origin || !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        Some(match u.query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_owned(),
        })
    }

    /// Sends until an answer the caller takes, an error that retrying cannot
    /// fix, or the retry budget is spent.
    async fn execute(
        &self,
        method: Method,
        url: &str,
        path: &str,
        body: Option<&Value>,
        pass: &[u16],
    ) -> Result<(Answer, HeaderMap), ForgeError> {
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match self
                .attempt(&method, url, path, body, pass, attempts)
                .await?
            {
                Attempt::Done {
                    status,
                    headers,
                    body,
                } => {
                    debug!(%method, path, status, attempts, "GitHub answered");
                    return Ok((
                        Answer {
                            status,
                            body,
                            attempts,
                        },
                        headers,
                    ));
                }
                Attempt::Retry { wait, reason } => {
                    warn!(
                        %method,
                        path,
                        reason = %reason,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        attempt = attempts,
                        "GitHub request failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One request; `Err` ends the loop, `Retry` asks for another go.
    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        path: &str,
        body: Option<&Value>,
        pass: &[u16],
        attempts: u32,
    ) -> Result<Attempt, ForgeError> {
        let call = Call {
            method,
            path,
            attempts,
        };
        match self.send(method, url, body).await {
            Ok(reply) => self.judge(call, reply, pass),
            Err(detail) => self.transport_failure(call, detail),
        }
    }

    /// Sends the request and reads the whole answer; `Err` is why the
    /// transport failed.
    async fn send(
        &self,
        method: &Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let mut req = self
            .http
            .request(method.clone(), url)
            .header(header::AUTHORIZATION, self.auth.clone());
        if let Some(b) = body {
            req = req.json(b);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = req.send().await.map_err(|e| chain(&e.without_url()))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        // A connection that breaks mid-body is a transport failure too.
        let bytes = resp.bytes().await.map_err(|e| chain(&e.without_url()))?;
        Ok(Reply {
            status,
            headers,
            bytes: bytes.to_vec(),
        })
    }

    fn retries_left(&self, call: Call<'_>) -> bool {
        call.attempts <= self.policy.max_retries
    }

    /// A transport failure: retried while the budget lasts.
    fn transport_failure(&self, call: Call<'_>, detail: String) -> Result<Attempt, ForgeError> {
        if self.retries_left(call) {
            Ok(Attempt::Retry {
                wait: self.policy.backoff(call.attempts),
                reason: detail,
            })
        } else {
            Err(ForgeError::Transport {
                url: self.base_str.clone(),
                method: call.method.to_string(),
                path: call.path.to_owned(),
                attempts: call.attempts,
                detail,
            })
        }
    }

    /// What an answer means: a success (JSON), a rate limit, a status the
    /// caller takes (`pass`), else a refusal.
    fn judge(&self, call: Call<'_>, reply: Reply, pass: &[u16]) -> Result<Attempt, ForgeError> {
        let Reply {
            status,
            headers,
            bytes,
        } = reply;
        let json = if bytes.is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_slice::<Value>(&bytes)
        };

        if (200..300).contains(&status) {
            return match json {
                Ok(body) => Ok(Attempt::Done {
                    status,
                    headers,
                    body,
                }),
                Err(e) => Err(ForgeError::InvalidResponse {
                    method: call.method.to_string(),
                    path: call.path.to_owned(),
                    detail: format!("status {status} with a body that is not JSON: {e}"),
                }),
            };
        }
        let message = match &json {
            Ok(v) => v.get("message").and_then(Value::as_str).map(str::to_owned),
            Err(_) => None,
        }
        .unwrap_or_else(|| short_text(&bytes, status));

        if let Some(limit) = rate_limit(status, &headers, &message) {
            return self.rate_limited(call, status, limit);
        }
        if pass.contains(&status) {
            return Ok(Attempt::Done {
                status,
                headers,
                body: json.unwrap_or(Value::Null),
            });
        }
        self.refusal(call, status, message)
    }

    /// A rate limit: waited out when the wait is short enough and retries
    /// are left.
    fn rate_limited(
        &self,
        call: Call<'_>,
        status: u16,
        limit: RateLimit,
    ) -> Result<Attempt, ForgeError> {
        let wait = limit
            .wait
            .unwrap_or_else(|| self.policy.backoff(call.attempts));
        let rate_limited = |detail: String| ForgeError::RateLimited {
            method: call.method.to_string(),
            path: call.path.to_owned(),
            attempts: call.attempts,
            detail,
        };
        if wait > self.policy.max_wait {
            return Err(rate_limited(format!(
                "{}; that is longer than the {}s this run waits (--max-rate-limit-wait)",
                limit.detail,
                self.policy.max_wait.as_secs()
            )));
        }
        if !self.retries_left(call) {
            return Err(rate_limited(format!("{}; no retries left", limit.detail)));
        }
        Ok(Attempt::Retry {
            wait,
            reason: format!("{status}: {}", limit.detail),
        })
    }

    /// An error status: a server error is retried while the budget lasts.
    fn refusal(&self, call: Call<'_>, status: u16, message: String) -> Result<Attempt, ForgeError> {
        let (method, path) = (call.method.to_string(), call.path.to_owned());
        match status {
            500..=599 if self.retries_left(call) => Ok(Attempt::Retry {
                wait: self.policy.backoff(call.attempts),
                reason: format!("{status}: {message}"),
            }),
            401 => Err(ForgeError::Unauthorized {
                method,
                path,
                message,
            }),
            404 => Err(ForgeError::NotFound {
                method,
                repo: repo_of(&path),
                path,
            }),
            _ => Err(ForgeError::Http {
                status,
                method,
                path,
                attempts: call.attempts,
                message,
            }),
        }
    }
}

/// Which request, for errors and retries.
#[derive(Clone, Copy)]
struct Call<'a> {
    method: &'a Method,
    path: &'a str,
    attempts: u32,
}

/// An answer read in full.
struct Reply {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

/// Checks `api_url`: http or https, a host, no credentials, no query.
fn parse_api_url(api_url: &str) -> Result<Url, ForgeError> {
    let bad = |why: &str| {
        ForgeError::InvalidInput(format!(
            "API URL {api_url:?} {why}; pass e.g. --api-url {DEFAULT_API_URL}"
        ))
    };
    let url = Url::parse(api_url.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Said without echoing the URL: the credentials may be a secret.
        return Err(ForgeError::InvalidInput(
            "the API URL must not hold credentials (user:password@); pass the token with --token-file or GITHUB_TOKEN"
                .into(),
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(url)
}

/// A rate-limit answer: how long GitHub asked to wait (`None`: back off) and
/// why, for messages.
struct RateLimit {
    wait: Option<Duration>,
    detail: String,
}

/// GitHub's rate-limit signals: 403 or 429 with `retry-after` (seconds) or
/// `x-ratelimit-remaining: 0` (wait until `x-ratelimit-reset`, epoch
/// seconds); a bare 429; a 403 whose message names a rate limit (documented
/// wait: at least a minute).
fn rate_limit(status: u16, headers: &HeaderMap, message: &str) -> Option<RateLimit> {
    if status != 403 && status != 429 {
        return None;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(RateLimit {
            wait: Some(Duration::from_secs(secs)),
            detail: format!("GitHub asked to retry after {secs}s"),
        });
    }
    if header("x-ratelimit-remaining") == Some("0") {
        if let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let secs = reset.saturating_sub(now);
            let at = i64::try_from(reset)
                .ok()
                .and_then(|r| chrono::DateTime::from_timestamp(r, 0))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_else(|| format!("epoch {reset}"));
            return Some(RateLimit {
                // One more second so the retry lands after the reset.
                wait: Some(Duration::from_secs(secs + 1)),
                detail: format!("the rate limit is used up and resets at {at} (in {secs}s)"),
            });
        }
        return Some(RateLimit {
            wait: None,
            detail: "the rate limit is used up".into(),
        });
    }
    if status == 429 {
        return Some(RateLimit {
            wait: None,
            detail: format!("429 Too Many Requests: {message}"),
        });
    }
    if message.to_ascii_lowercase().contains("rate limit") {
        return Some(RateLimit {
            wait: Some(Duration::from_secs(60)),
            detail: format!("{message} (GitHub asks to wait at least a minute)"),
        });
    }
    None
}

/// The URL of `Link: <url>; rel="next"`, if any.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

/// `owner/repo` from `/repos/owner/repo/...`, else the path.
fn repo_of(path: &str) -> String {
    let mut parts = path.trim_start_matches('/').split(['/', '?']);
    match (parts.next(), parts.next(), parts.next()) {
        (Some("repos"), Some(owner), Some(repo)) if !owner.is_empty() && !repo.is_empty() => {
            format!("{owner}/{repo}")
        }
        _ => path.to_owned(),
    }
}

/// An error and its causes on one line; reqwest's own message alone says
/// little ("error sending request").
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        source = s.source();
    }
    out
}

/// A non-JSON error body, shortened for a message.
fn short_text(bytes: &[u8], status: u16) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no message")
            .to_owned();
    }
    let mut short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(800),
            max_wait: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(
                (Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first),
                "{first:?}"
            );
            let third = p.backoff(3);
            assert!(
                (Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third),
                "{third:?}"
            );
            let late = p.backoff(30);
            assert!(
                (Duration::from_millis(400)..=Duration::from_millis(800)).contains(&late),
                "{late:?}"
            );
        }
    }

    #[test]
    fn next_link_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::LINK,
            HeaderValue::from_static(
                "<https://api.github.com/repos/o/r/tags?page=1>; rel=\"prev\", \
                 <https://api.github.com/repos/o/r/tags?page=3>; rel=\"next\", \
                 <https://api.github.com/repos/o/r/tags?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/repos/o/r/tags?page=3")
        );
        h.insert(
            header::LINK,
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"first\""),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn api_urls_are_checked() {
        assert!(parse_api_url("https://api.github.com").is_ok());
        assert!(parse_api_url("http://127.0.0.1:8080/").is_ok());
        assert!(parse_api_url("https://ghe.example.com/api/v3").is_ok());
        for bad in [
            "ftp://x",
            "api.github.com",
            "",
            "https://x?y=1",
            "file:///tmp",
        ] {
            assert!(
                matches!(parse_api_url(bad), Err(ForgeError::InvalidInput(_))),
                "{bad}"
            );
        }
        let err = parse_api_url("https://user:s3cret@api.github.com").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn link_targets_must_stay_under_the_api_url() {
        let c = Client::new(
            "https://ghe.example.com/api/v3",
            Token::new("t".into()),
            RetryPolicy::default(),
        )
        .unwrap();
        assert_eq!(
            c.path_of("https://ghe.example.com/api/v3/repos/o/r/tags?page=2")
                .as_deref(),
            Some("/repos/o/r/tags?page=2")
        );
        assert_eq!(
            c.path_of("https://evil.example.com/api/v3/repos/o/r/tags"),
            None
        );
        assert_eq!(c.path_of("http://ghe.example.com/api/v3/repos"), None);
        assert_eq!(c.path_of("https://ghe.example.com/api/v30/repos"), None);
        assert_eq!(c.path_of("https://ghe.example.com/other"), None);
    }

    #[test]
    fn repo_is_named_from_the_path() {
        assert_eq!(repo_of("/repos/o/r/git/ref/tags/x"), "o/r");
        assert_eq!(repo_of("/repos/o/r?x"), "o/r");
        assert_eq!(repo_of("/user"), "/user");
    }

    #[test]
    fn rate_limit_signals() {
        let mut h = HeaderMap::new();
        assert!(rate_limit(403, &h, "Resource not accessible by integration").is_none());
        assert!(rate_limit(500, &h, "API rate limit").is_none());
        assert_eq!(rate_limit(429, &h, "slow down").unwrap().wait, None);
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            rate_limit(403, &h, "").unwrap().wait,
            Some(Duration::from_secs(3))
        );
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("0"));
        let r = rate_limit(403, &h, "API rate limit exceeded").unwrap();
        assert_eq!(
            r.wait,
            Some(Duration::from_secs(1)),
            "a past reset waits one second"
        );
        assert!(r.detail.contains("1970-01-01T00:00:00Z"), "{}", r.detail);
    }
}
