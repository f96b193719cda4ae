//! The fake GCS server itself, over raw HTTP: what object_store relies on.

use reqwest::{Client, Method, StatusCode};
use testsupport::gcs::FakeGcs;

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn put_get_head_range_and_create_only() {
    let gcs = FakeGcs::start().await.unwrap();
    let http = Client::new();
    let url = format!("{}/a%2Db/x%2Fy%2Edeb", gcs.url());

    let r = http.put(&url).body("hello world").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let etag = header(&r, "etag").to_string();
    let generation = header(&r, "x-goog-generation").to_string();
    assert_eq!(gcs.object("a-b", "x/y.deb"), Some(b"hello world".to_vec()));

    let r = http.head(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-length"), "11");
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(header(&r, "x-goog-generation"), generation);
    chrono::DateTime::parse_from_rfc2822(header(&r, "last-modified")).unwrap();

    let r = http
        .get(&url)
        .header("range", "bytes=6-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&r, "content-range"), "bytes 6-10/11");
    assert_eq!(r.text().await.unwrap(), "world");

    // Create-only on an existing object: 412, original kept.
    let r = http
        .put(&url)
        .header("x-goog-if-generation-match", "0")
        .body("other")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(gcs.object("a-b", "x/y.deb"), Some(b"hello world".to_vec()));
    // Matching the current generation replaces it.
    let r = http
        .put(&url)
        .header("x-goog-if-generation-match", &generation)
        .body("v2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(header(&r, "x-goog-generation"), generation);

    let missing = format!("{}/a%2Db/nope", gcs.url());
    assert_eq!(
        http.get(&missing).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        http.head(&missing).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn copy_honours_the_create_only_precondition() {
    let gcs = FakeGcs::start().await.unwrap();
    gcs.put_object("b", "src", b"S");
    gcs.put_object("b", "taken", b"T");
    let http = Client::new();
    let copy = |to: &str| {
        http.put(format!("{}/b/{to}", gcs.url()))
            .header("x-goog-copy-source", "b/src")
            .header("x-goog-if-generation-match", "0")
            .send()
    };
    assert_eq!(copy("new").await.unwrap().status(), StatusCode::OK);
    assert_eq!(gcs.object("b", "new"), Some(b"S".to_vec()));
    assert_eq!(
        copy("taken").await.unwrap().status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(gcs.object("b", "taken"), Some(b"T".to_vec()));
}

#[tokio::test]
async fn multipart_checks_part_etags() {
    let gcs = FakeGcs::start().await.unwrap();
    let http = Client::new();
    let url = format!("{}/b/obj", gcs.url());
    let r = http.post(format!("{url}?uploads")).send().await.unwrap();
    let body = r.text().await.unwrap();
    let id = body
        .split("<UploadId>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let mut etags = Vec::new();
    for (n, data) in [(1, "one-"), (2, "two")] {
        let r = http
            .put(format!("{url}?partNumber={n}&uploadId={id}"))
            .body(data)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        etags.push(header(&r, "etag").to_string());
    }
    let complete = |e2: &str| {
        format!(
            "<CompleteMultipartUpload><Part><ETag>{}</ETag><PartNumber>1</PartNumber></Part>\
             <Part><ETag>{e2}</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>",
            etags[0]
        )
    };
    let r = http
        .post(format!("{url}?uploadId={id}"))
        .body(complete("\"wrong\""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(gcs.object("b", "obj"), None);
    let r = http
        .post(format!("{url}?uploadId={id}"))
        .body(complete(&etags[1]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-goog-generation"));
    assert!(r.text().await.unwrap().contains("<ETag>"));
    assert_eq!(gcs.object("b", "obj"), Some(b"one-two".to_vec()));
    assert_eq!(gcs.completed_multipart_uploads(), 1);
}

#[tokio::test]
async fn list_pages_with_continuation_tokens_and_delimiters() {
    let gcs = FakeGcs::start().await.unwrap();
    for k in ["p/a", "p/b", "p/d/1", "p/d/2", "p/e", "q/x"] {
        gcs.put_object("b", k, b"1");
    }
    let http = Client::new();
    let list = |extra: String| {
        let url = format!("{}/b?list-type=2&prefix=p%2F{extra}", gcs.url());
        let http = http.clone();
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let keys = |xml: &str| -> Vec<String> {
        xml.split("<Key>")
            .skip(1)
            .map(|s| s.split('<').next().unwrap().to_string())
            .collect()
    };

    let mut seen = Vec::new();
    let mut token = None::<String>;
    for _ in 0..10 {
        let extra = match &token {
            Some(t) => format!("&max-keys=2&continuation-token={t}"),
            None => "&max-keys=2".to_string(),
        };
        let xml = list(extra).await;
        let page = keys(&xml);
        assert!(page.len() <= 2, "{xml}");
        seen.extend(page);
        token = xml
            .split("<NextContinuationToken>")
            .nth(1)
            .map(|s| s.split('<').next().unwrap().to_string());
        assert_eq!(xml.contains("<IsTruncated>true"), token.is_some(), "{xml}");
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["p/a", "p/b", "p/d/1", "p/d/2", "p/e"]);

    let xml = list("&delimiter=%2F".into()).await;
    assert_eq!(keys(&xml), ["p/a", "p/b", "p/e"]);
    assert!(
        xml.contains("<CommonPrefixes><Prefix>p/d/</Prefix></CommonPrefixes>"),
        "{xml}"
    );
}

#[tokio::test]
async fn injected_faults_answer_one_request_each_and_all_are_counted() {
    let gcs = FakeGcs::start().await.unwrap();
    gcs.put_object("b", "k", b"v");
    let http = Client::new();
    let url = format!("{}/b/k", gcs.url());
    gcs.inject(503);
    gcs.inject(429);
    let statuses: Vec<StatusCode> = futures::future::join_all((0..3).map(|_| async {
        http.request(Method::GET, &url)
            .send()
            .await
            .unwrap()
            .status()
    }))
    .await;
    let mut codes: Vec<u16> = statuses.iter().map(|s| s.as_u16()).collect();
    codes.sort();
    assert_eq!(codes, [200, 429, 503]);
    assert_eq!(gcs.requests(), 3);
}

#[tokio::test]
async fn object_store_lists_past_one_page() {
    let gcs = FakeGcs::start().await.unwrap();
    for i in 0..1500 {
        gcs.put_object("big", &format!("p/{i:05}"), b"x");
    }
    let opts = store::StoreOptions {
        gcs_base_url: Some(gcs.url()),
        gcs_service_account: Some(store::GcsServiceAccount::Json(gcs.service_account_json())),
        progress: store::Progress::Never,
        ..Default::default()
    };
    let s = store::Store::open("gs://big/p", &opts).unwrap();
    let names: Vec<String> = s
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names.len(), 1500);
    assert_eq!(names[1499], "01499");
    assert!(gcs.requests() >= 2);
}
