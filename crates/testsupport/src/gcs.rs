//! A fake Google Cloud Storage speaking the subset of the **XML** API that
//! object_store's GCS backend uses (no emulator that installs here does):
//!
//! - `PUT /<bucket>/<key>`: upload; answers `ETag` and `x-goog-generation`;
//!   with `x-goog-copy-source: <bucket>/<key>` a server-side copy;
//! - `GET` / `HEAD /<bucket>/<key>`: download (single `Range` supported) with
//!   `ETag`, `Last-Modified`, `x-goog-generation`;
//! - `x-goog-if-generation-match` on writes: `0` means "must not exist"
//!   (create-only), `N` means "current generation is N"; else 412;
//! - `GET /<bucket>?list-type=2`: S3-style `ListBucketResult` with `prefix`,
//!   `delimiter`, `max-keys`, `start-after` and continuation tokens;
//! - multipart: `POST ?uploads` (UploadId), `PUT ?partNumber=N&uploadId=U`
//!   (ETag), `POST ?uploadId=U` (complete, XML body), `DELETE ?uploadId=U`;
//! - `DELETE /<bucket>/<key>`.
//!
//! Bucket and key arrive percent-encoded (object_store encodes every
//! non-alphanumeric byte, `/` included). Buckets exist implicitly. Every
//! request is counted, and queued statuses ([`FakeGcs::inject`]) answer the
//! next requests, one each, for fault-injection tests. Authentication is not
//! checked (object_store sends an empty bearer token with `disable_oauth`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::server::Server;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use chrono::{DateTime, Utc};

/// A running fake GCS. Dropping it stops the server.
pub struct FakeGcs {
    shared: Arc<Shared>,
    server: Server,
}

impl std::fmt::Debug for FakeGcs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGcs")
            .field("url", &self.server.url)
            .finish()
    }
}

struct Shared {
    requests: AtomicU64,
    completed_uploads: AtomicU64,
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking handler must not wedge every later request.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Default)]
struct Inner {
    /// (bucket, key) → object; ordered so listing is by key.
    objects: BTreeMap<(String, String), Object>,
    uploads: HashMap<String, Upload>,
    faults: VecDeque<u16>,
    next_generation: u64,
    next_upload: u64,
}

#[derive(Clone)]
struct Object {
    data: Bytes,
    generation: u64,
    etag: String,
    updated: DateTime<Utc>,
    content_type: String,
}

struct Upload {
    bucket: String,
    key: String,
    content_type: String,
    parts: BTreeMap<u32, (String, Bytes)>,
}

impl Inner {
    fn store(&mut self, bucket: &str, key: &str, data: Bytes, content_type: String) -> Object {
        self.next_generation += 1;
        let obj = Object {
            etag: etag_of(&data),
            data,
            generation: self.next_generation,
            updated: Utc::now(),
            content_type,
        };
        self.objects
            .insert((bucket.to_string(), key.to_string()), obj.clone());
        obj
    }
}

impl FakeGcs {
    /// Serves on `127.0.0.1:<free port>` in the current tokio runtime.
    pub async fn start() -> io::Result<FakeGcs> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let shared = Arc::new(Shared {
            requests: AtomicU64::new(0),
            completed_uploads: AtomicU64::new(0),
            inner: Mutex::new(Inner::default()),
        });
        let app = Router::new()
            .fallback(handle)
            // Multipart parts are several MiB; axum's default limit is 2 MB.
            .layer(DefaultBodyLimit::max(1 << 30))
            .with_state(shared.clone());
        let server = Server::serve(listener, app, "fake GCS")?;
        Ok(FakeGcs { shared, server })
    }

    /// Serves from its own thread and runtime, for synchronous tests. Stops
    /// (and joins the thread) on drop.
    pub fn spawn() -> io::Result<FakeGcs> {
        let (shared, server) = Server::spawn_thread("fake-gcs", || async {
            let FakeGcs { shared, server } = FakeGcs::start().await?;
            Ok((shared, server))
        })?;
        Ok(FakeGcs { shared, server })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        self.server.url.clone()
    }

    /// Requests received so far, fault answers included.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Multipart uploads completed so far (shows a test took that path).
    pub fn completed_multipart_uploads(&self) -> u64 {
        self.shared.completed_uploads.load(Ordering::SeqCst)
    }

    /// Queues an HTTP status (e.g. 503) that answers the next request not
    /// already given one, instead of serving it.
    pub fn inject(&self, status: u16) {
        self.shared.lock().faults.push_back(status);
    }

    /// How many injected statuses are still waiting for a request.
    pub fn queued_faults(&self) -> usize {
        self.shared.lock().faults.len()
    }

    /// Drops the injected statuses not used yet.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// The bytes of an object, if it exists.
    pub fn object(&self, bucket: &str, name: &str) -> Option<Vec<u8>> {
        self.shared
            .lock()
            .objects
            .get(&(bucket.to_string(), name.to_string()))
            .map(|o| o.data.to_vec())
    }

    /// Names of the objects in a bucket, sorted.
    pub fn object_names(&self, bucket: &str) -> Vec<String> {
        self.shared
            .lock()
            .objects
            .keys()
            .filter(|(b, _)| b == bucket)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Creates or replaces an object directly (test setup).
    pub fn put_object(&self, bucket: &str, name: &str, data: &[u8]) {
        self.shared.lock().store(
            bucket,
            name,
            Bytes::copy_from_slice(data),
            "application/octet-stream".into(),
        );
    }

    /// A service-account key JSON that makes object_store talk to this
    /// server without OAuth (`disable_oauth`, `gcs_base_url`).
    pub fn service_account_json(&self) -> String {
        serde_json::json!({
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": "fake",
            "private_key": "",
            "client_email": "fake@fake-project.iam.gserviceaccount.com",
            "disable_oauth": true,
            "gcs_base_url": self.server.url,
        })
        .to_string()
    }
}

// ---------------------------------------------------------------- handlers

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let fault = shared.lock().faults.pop_front();
    if let Some(status) = fault {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return error(status, "InjectedFault", "fault injected by the test");
    }

    let path = uri.path().trim_start_matches('/');
    let (bucket, key) = match path.split_once('/') {
        Some((b, k)) => (percent_decode(b, false), percent_decode(k, false)),
        None => (percent_decode(path, false), String::new()),
    };
    let query = parse_query(uri.query().unwrap_or(""));
    if bucket.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidBucketName",
            "no bucket in the path",
        );
    }
    if key.is_empty() {
        return match method {
            Method::GET if query.get("list-type").map(String::as_str) == Some("2") => {
                list(&shared, &bucket, &query)
            }
            _ => error(
                StatusCode::NOT_IMPLEMENTED,
                "NotImplemented",
                "only `GET ?list-type=2` is served on a bucket",
            ),
        };
    }

    match method {
        Method::GET | Method::HEAD => get(&shared, &bucket, &key, &headers, method == Method::HEAD),
        Method::PUT => match (query.get("uploadId"), query.get("partNumber")) {
            (Some(id), Some(n)) => put_part(&shared, &bucket, &key, id, n, body),
            _ => match headers.get("x-goog-copy-source") {
                Some(src) => copy(&shared, &bucket, &key, src, &headers),
                None => put(&shared, &bucket, &key, &headers, body),
            },
        },
        Method::POST if query.contains_key("uploads") => initiate(&shared, &bucket, &key, &headers),
        Method::POST => match query.get("uploadId") {
            Some(id) => complete(&shared, &bucket, &key, id, &headers, &body),
            None => error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "POST needs ?uploads or ?uploadId",
            ),
        },
        Method::DELETE => match query.get("uploadId") {
            Some(id) => {
                shared.lock().uploads.remove(id);
                empty(StatusCode::NO_CONTENT)
            }
            None => {
                let removed = shared.lock().objects.remove(&(bucket, key));
                match removed {
                    Some(_) => empty(StatusCode::NO_CONTENT),
                    None => no_such_key(),
                }
            }
        },
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "unsupported method",
        ),
    }
}

fn get(shared: &Shared, bucket: &str, key: &str, headers: &HeaderMap, head: bool) -> Response {
    let obj = shared
        .lock()
        .objects
        .get(&(bucket.to_string(), key.to_string()))
        .cloned();
    let Some(obj) = obj else {
        return no_such_key();
    };
    if let Some(inm) = header_str(headers, header::IF_NONE_MATCH.as_str())
        && (inm == "*" || inm == obj.etag)
    {
        return object_headers(Response::builder(), &obj)
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    if let Some(im) = header_str(headers, header::IF_MATCH.as_str())
        && im != "*"
        && im != obj.etag
    {
        return error(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "If-Match failed",
        );
    }
    let total = obj.data.len() as u64;
    let (status, range) = match header_str(headers, header::RANGE.as_str()) {
        None => (StatusCode::OK, None),
        Some(r) => match parse_range(r, total) {
            Some(range) => (StatusCode::PARTIAL_CONTENT, Some(range)),
            None => {
                return Response::builder()
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .header(header::CONTENT_RANGE, format!("bytes */{total}"))
                    .body(Body::empty())
                    .unwrap_or_default();
            }
        },
    };
    let data = match range {
        Some((start, end)) => obj.data.slice(start as usize..=end as usize),
        None => obj.data.clone(),
    };
    let mut builder = object_headers(Response::builder(), &obj)
        .status(status)
        .header(header::CONTENT_LENGTH, data.len())
        .header(header::CONTENT_TYPE, &obj.content_type);
    if let Some((start, end)) = range {
        builder = builder.header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{total}"),
        );
    }
    let body = if head {
        Body::empty()
    } else {
        Body::from(data)
    };
    builder.body(body).unwrap_or_default()
}

fn put(shared: &Shared, bucket: &str, key: &str, headers: &HeaderMap, body: Bytes) -> Response {
    let mut inner = shared.lock();
    if let Some(r) = check_generation(&inner, bucket, key, headers) {
        return r;
    }
    let obj = inner.store(bucket, key, body, content_type(headers));
    drop(inner);
    object_headers(Response::builder(), &obj)
        .status(StatusCode::OK)
        .body(Body::empty())
        .unwrap_or_default()
}

fn copy(
    shared: &Shared,
    bucket: &str,
    key: &str,
    src: &HeaderValue,
    headers: &HeaderMap,
) -> Response {
    let Ok(src) = src.to_str() else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "bad x-goog-copy-source",
        );
    };
    let src = src.trim_start_matches('/');
    let Some((src_bucket, src_key)) = src.split_once('/') else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "x-goog-copy-source needs bucket/key",
        );
    };
    let source = (
        percent_decode(src_bucket, false),
        percent_decode(src_key, false),
    );
    let mut inner = shared.lock();
    let Some(from) = inner.objects.get(&source).cloned() else {
        return no_such_key();
    };
    if let Some(r) = check_generation(&inner, bucket, key, headers) {
        return r;
    }
    let obj = inner.store(bucket, key, from.data, from.content_type);
    drop(inner);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult><LastModified>{}</LastModified><ETag>{}</ETag></CopyObjectResult>",
        rfc3339(&obj.updated),
        xml_escape(&obj.etag)
    );
    xml(
        object_headers(Response::builder(), &obj).status(StatusCode::OK),
        body,
    )
}

fn initiate(shared: &Shared, bucket: &str, key: &str, headers: &HeaderMap) -> Response {
    let mut inner = shared.lock();
    inner.next_upload += 1;
    let id = format!("upload-{}", inner.next_upload);
    inner.uploads.insert(
        id.clone(),
        Upload {
            bucket: bucket.to_string(),
            key: key.to_string(),
            content_type: content_type(headers),
            parts: BTreeMap::new(),
        },
    );
    drop(inner);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId></InitiateMultipartUploadResult>",
        xml_escape(bucket),
        xml_escape(key),
        id
    );
    xml(Response::builder().status(StatusCode::OK), body)
}

fn put_part(shared: &Shared, bucket: &str, key: &str, id: &str, n: &str, body: Bytes) -> Response {
    let Ok(n) = n.parse::<u32>() else {
        return error(StatusCode::BAD_REQUEST, "InvalidArgument", "bad partNumber");
    };
    let mut inner = shared.lock();
    let Some(upload) = inner.uploads.get_mut(id) else {
        return error(StatusCode::NOT_FOUND, "NoSuchUpload", "unknown uploadId");
    };
    if upload.bucket != bucket || upload.key != key {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "uploadId is for another object",
        );
    }
    let etag = etag_of(&body);
    upload.parts.insert(n, (etag.clone(), body));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::ETAG, etag)
        .body(Body::empty())
        .unwrap_or_default()
}

fn complete(
    shared: &Shared,
    bucket: &str,
    key: &str,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let Ok(body) = std::str::from_utf8(body) else {
        return error(StatusCode::BAD_REQUEST, "MalformedXML", "body is not UTF-8");
    };
    let wanted = parse_complete(body);
    if wanted.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "MalformedXML",
            "no <Part> in the body",
        );
    }
    let mut inner = shared.lock();
    let Some(upload) = inner.uploads.get(id) else {
        return error(StatusCode::NOT_FOUND, "NoSuchUpload", "unknown uploadId");
    };
    if upload.bucket != bucket || upload.key != key {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "uploadId is for another object",
        );
    }
    let mut data = Vec::new();
    for (n, etag) in &wanted {
        match upload.parts.get(n) {
            Some((have, bytes)) if have.trim_matches('"') == etag.trim_matches('"') => {
                data.extend_from_slice(bytes)
            }
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidPart",
                    "a listed part is missing or its ETag differs",
                );
            }
        }
    }
    let content_type = upload.content_type.clone();
    if let Some(r) = check_generation(&inner, bucket, key, headers) {
        return r;
    }
    inner.uploads.remove(id);
    let obj = inner.store(bucket, key, Bytes::from(data), content_type);
    drop(inner);
    shared.completed_uploads.fetch_add(1, Ordering::SeqCst);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location>/{b}/{k}</Location><Bucket>{b}</Bucket><Key>{k}</Key><ETag>{e}</ETag></CompleteMultipartUploadResult>",
        b = xml_escape(bucket),
        k = xml_escape(key),
        e = xml_escape(&obj.etag)
    );
    xml(
        object_headers(Response::builder(), &obj).status(StatusCode::OK),
        body,
    )
}

fn list(shared: &Shared, bucket: &str, query: &HashMap<String, String>) -> Response {
    let prefix = query.get("prefix").cloned().unwrap_or_default();
    let delimiter = query.get("delimiter").filter(|d| !d.is_empty()).cloned();
    let max_keys = query
        .get("max-keys")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    // The continuation token is the hex of the last key (or prefix) returned.
    let after = match query.get("continuation-token") {
        Some(t) => match hex_decode(t) {
            Some(k) => Some(k),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidArgument",
                    "bad continuation-token",
                );
            }
        },
        None => query.get("start-after").cloned(),
    };

    let inner = shared.lock();
    let mut contents = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut last = None;
    let mut truncated = false;
    for ((b, k), obj) in inner.objects.range((bucket.to_string(), String::new())..) {
        if b != bucket {
            break;
        }
        if !k.starts_with(&prefix) || after.as_ref().is_some_and(|a| k <= a) {
            continue;
        }
        let entry = match &delimiter {
            Some(d) => match k[prefix.len()..].find(d.as_str()) {
                Some(i) => Err(k[..prefix.len() + i + d.len()].to_string()),
                None => Ok((k, obj)),
            },
            None => Ok((k, obj)),
        };
        if let Err(p) = &entry
            && prefixes.last() == Some(p)
        {
            continue;
        }
        if contents.len() + prefixes.len() == max_keys {
            truncated = true;
            break;
        }
        match entry {
            Ok((k, obj)) => {
                last = Some(k.clone());
                contents.push(format!(
                    "<Contents><Key>{}</Key><Generation>{}</Generation><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size></Contents>",
                    xml_escape(k),
                    obj.generation,
                    rfc3339(&obj.updated),
                    xml_escape(&obj.etag),
                    obj.data.len()
                ));
            }
            Err(p) => {
                // Resume after every key under this prefix.
                last = Some(format!("{p}\u{10FFFF}"));
                prefixes.push(p);
            }
        }
    }
    drop(inner);
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://doc.s3.amazonaws.com/2006-03-01\"><Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{}</MaxKeys><IsTruncated>{}</IsTruncated>",
        xml_escape(bucket),
        xml_escape(&prefix),
        contents.len() + prefixes.len(),
        max_keys,
        truncated
    );
    for c in &contents {
        body.push_str(c);
    }
    for p in &prefixes {
        body.push_str(&format!(
            "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>",
            xml_escape(p)
        ));
    }
    if truncated && let Some(last) = last {
        body.push_str(&format!(
            "<NextContinuationToken>{}</NextContinuationToken>",
            hex_encode(last.as_bytes())
        ));
    }
    body.push_str("</ListBucketResult>");
    xml(Response::builder().status(StatusCode::OK), body)
}

// ---------------------------------------------------------------- helpers

/// `x-goog-if-generation-match`: `0` = must not exist, `N` = generation is N.
/// Returns the refusal when the precondition does not hold.
fn check_generation(
    inner: &Inner,
    bucket: &str,
    key: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    let want = header_str(headers, "x-goog-if-generation-match")?;
    let Ok(want) = want.parse::<u64>() else {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "bad x-goog-if-generation-match",
        ));
    };
    let have = inner
        .objects
        .get(&(bucket.to_string(), key.to_string()))
        .map_or(0, |o| o.generation);
    (have != want).then(|| {
        error(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold.",
        )
    })
}

fn object_headers(
    builder: axum::http::response::Builder,
    obj: &Object,
) -> axum::http::response::Builder {
    builder
        .header(header::ETAG, &obj.etag)
        .header(
            header::LAST_MODIFIED,
            obj.updated.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        )
        .header("x-goog-generation", obj.generation.to_string())
        .header("x-goog-metageneration", "1")
        .header("x-goog-stored-content-length", obj.data.len().to_string())
}

fn content_type(headers: &HeaderMap) -> String {
    header_str(headers, header::CONTENT_TYPE.as_str())
        .unwrap_or("application/octet-stream")
        .to_string()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn xml(builder: axum::http::response::Builder, body: String) -> Response {
    builder
        .header(header::CONTENT_TYPE, "application/xml; charset=UTF-8")
        .body(Body::from(body))
        .unwrap_or_default()
}

fn empty(status: StatusCode) -> Response {
    Response::builder()
        .status(status)
        .body(Body::empty())
        .unwrap_or_default()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message></Error>",
        xml_escape(message)
    );
    xml(Response::builder().status(status), body)
}

fn no_such_key() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NoSuchKey",
        "The specified key does not exist.",
    )
}

fn etag_of(data: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    format!("\"{:016x}{:08x}\"", h.finish(), data.len())
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn xml_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `(PartNumber, ETag)` of each `<Part>` in a CompleteMultipartUpload body.
fn parse_complete(body: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("<Part>") {
        let Some(len) = rest[start..].find("</Part>") else {
            break;
        };
        let part = &rest[start..start + len];
        let n = element(part, "PartNumber").and_then(|n| n.trim().parse().ok());
        let etag = element(part, "ETag").map(|e| xml_unescape(e.trim()));
        if let (Some(n), Some(etag)) = (n, etag) {
            out.push((n, etag));
        }
        rest = &rest[start + len..];
    }
    out
}

fn element<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = s.find(&open)? + open.len();
    let end = s[start..].find(&close)? + start;
    Some(&s[start..end])
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` → inclusive (start, end).
fn parse_range(r: &str, total: u64) -> Option<(u64, u64)> {
    let spec = r.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (total.checked_sub(n.min(total))?, total.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, total.checked_sub(1)?),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.min(total.checked_sub(1)?),
        ),
    };
    (start <= end && end < total).then_some((start, end))
}

fn parse_query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Percent-decoding (and `+` as space in query strings); malformed escapes
/// are kept as they are.
fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%2Db%2Fc%2Edeb", false), "a-b/c.deb");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("a+b%", false), "a+b%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
    }

    #[test]
    fn parses_ranges() {
        assert_eq!(parse_range("bytes=2-5", 10), Some((2, 5)));
        assert_eq!(parse_range("bytes=2-", 10), Some((2, 9)));
        assert_eq!(parse_range("bytes=-3", 10), Some((7, 9)));
        assert_eq!(parse_range("bytes=9-20", 10), Some((9, 9)));
        assert_eq!(parse_range("bytes=10-", 10), None);
        assert_eq!(parse_range("bytes=0-0", 0), None);
    }

    #[test]
    fn parses_complete_body() {
        let body = r#"<CompleteMultipartUpload><Part><ETag>"a"</ETag><PartNumber>1</PartNumber></Part><Part><ETag>&quot;b&quot;</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>"#;
        assert_eq!(
            parse_complete(body),
            vec![(1, "\"a\"".to_string()), (2, "\"b\"".to_string())]
        );
    }

    #[test]
    fn continuation_tokens_round_trip() {
        assert_eq!(
            hex_decode(&hex_encode("a/b é".as_bytes())).as_deref(),
            Some("a/b é")
        );
        assert_eq!(hex_decode("zz"), None);
    }
}
