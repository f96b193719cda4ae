//! The local backend: `file://` URLs and plain paths.

mod common;

use bytes::Bytes;
use common::{Fixture, MIB};
use store::{PutOutcome, Store, StoreError, StoreOptions};

async fn setup() -> (tempfile::TempDir, Fixture) {
    let dir = tempfile::tempdir().unwrap();
    let base = format!("file://{}", dir.path().display());
    (dir, Fixture::new(base, StoreOptions::default()))
}

scenario_tests!(setup();
    put_is_create_only,
    put_file_is_create_only,
    multipart_is_create_only,
    multipart_race_has_one_winner,
    copy_is_create_only,
    list_get_exists_join,
    bad_names_are_rejected,
    names_are_kept_verbatim,
);

/// Every file under `dir`, relative, sorted.
fn files(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn plain_paths_and_file_urls_are_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/stage");
    let opts = StoreOptions::default();
    let by_path = Store::open(path.to_str().unwrap(), &opts).unwrap();
    let by_url = Store::open(&format!("file://{}/", path.display()), &opts).unwrap();
    assert_eq!(by_path.url(), format!("file://{}", path.display()));
    assert_eq!(by_path.url(), by_url.url());
    assert_eq!(
        by_path.object_url("a/b.deb"),
        format!("file://{}/a/b.deb", path.display())
    );

    // The folder is created on the first write.
    assert!(!path.exists());
    assert_eq!(by_path.list().await.unwrap(), vec![]);
    by_path
        .put_bytes("a/b.deb", Bytes::from_static(b"x"))
        .await
        .unwrap();
    assert_eq!(std::fs::read(path.join("a/b.deb")).unwrap(), b"x");
    assert_eq!(
        by_url.get("a/b.deb").await.unwrap().as_deref(),
        Some(&b"x"[..])
    );
}

#[test]
fn relative_paths_resolve_against_the_current_dir() {
    let s = Store::open("some/rel/../dir", &StoreOptions::default()).unwrap();
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(s.url(), format!("file://{}/some/dir", cwd.display()));
}

#[test]
fn unknown_schemes_are_refused_with_the_accepted_ones() {
    for url in ["ftp://host/x", "http://example.com/b", "az://c/p"] {
        let e = Store::open(url, &StoreOptions::default()).unwrap_err();
        assert!(
            matches!(e, StoreError::UnknownScheme { .. }),
            "{url}: {e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(url) && msg.contains("gs://") && msg.contains("s3://"),
            "{msg}"
        );
        assert!(msg.contains("file://") && msg.contains("path"), "{msg}");
    }
}

#[tokio::test]
async fn a_file_in_the_way_is_not_writable_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("blocker");
    let target = blocker.join("stage");
    let opts = StoreOptions {
        multipart_threshold: 5 * MIB as u64,
        part_size: 5 * MIB,
        ..StoreOptions::default()
    };
    // A file that is there already is refused when the store is opened...
    std::fs::write(&blocker, b"i am a file").unwrap();
    let e = Store::open(target.to_str().unwrap(), &opts).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("{} is a file, not a folder", blocker.display())),
        "{e}"
    );
    // ...and one that appears after it, at the write.
    std::fs::remove_file(&blocker).unwrap();
    let s = Store::open(target.to_str().unwrap(), &opts).unwrap();
    std::fs::write(&blocker, b"i am a file").unwrap();
    for bytes in [Bytes::from_static(b"small"), common::content(6 * MIB, 1)] {
        match s.put_bytes("a.deb", bytes).await {
            Err(e @ StoreError::NotWritable { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(&target.display().to_string()), "{msg}");
            }
            other => panic!("expected NotWritable, got {other:?}"),
        }
    }
    assert_eq!(files(dir.path()), ["blocker"]);
}

#[tokio::test]
async fn an_unwritable_folder_is_reported_and_left_clean() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root ignores permission bits; the file-in-the-way test covers root.
    let writable = std::fs::write(locked.join("probe"), b"").is_ok();
    let s = Store::open(
        locked.join("stage").to_str().unwrap(),
        &StoreOptions::default(),
    )
    .unwrap();
    let r = s.put_bytes("a.deb", Bytes::from_static(b"x")).await;
    if writable {
        assert_eq!(r.unwrap(), PutOutcome::Created);
    } else {
        assert!(matches!(r, Err(StoreError::NotWritable { .. })), "{r:?}");
        assert_eq!(files(dir.path()), Vec::<String>::new());
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn odd_names_are_file_names_verbatim() {
    let (dir, fx) = setup().await;
    fx.store("odd")
        .put_bytes(common::ODD_NAME, Bytes::from_static(b"1"))
        .await
        .unwrap();
    assert_eq!(files(dir.path()), [format!("odd/{}", common::ODD_NAME)]);
}

#[tokio::test]
async fn multipart_leaves_no_temporary_files() {
    let (dir, fx) = setup().await;
    let s = fx.multipart_store("mp");
    s.put_bytes("big", common::content(11 * MIB, 9))
        .await
        .unwrap();
    let _ = s
        .put_bytes("big", common::content(11 * MIB, 8))
        .await
        .unwrap_err();
    assert_eq!(files(dir.path()), ["mp/big"]);
    assert!(!dir.path().join("mp/.upload-tmp").exists());
}

#[tokio::test]
async fn copies_between_local_stores_are_independent_of_the_source() {
    let (_dir, fx) = setup().await;
    let other_dir = tempfile::tempdir().unwrap();
    let other = Store::open(other_dir.path().to_str().unwrap(), &fx.opts).unwrap();
    common::copy_across_backends(&fx, &other).await;
}

#[test]
fn debug_shows_the_url_only() {
    let opts = StoreOptions {
        s3_credentials: Some(store::S3Credentials {
            access_key_id: "AKIDSECRETID".into(),
            secret_access_key: "SUPERSECRET".into(),
        }),
        gcs_service_account: Some(store::GcsServiceAccount::Json(
            "{\"private_key\":\"PRIVATEKEY\"}".into(),
        )),
        ..StoreOptions::default()
    };
    let s = Store::open("s3://bucket/prefix", &opts).unwrap();
    let text = format!("{s:?} {opts:?}");
    assert!(text.contains("s3://bucket/prefix"), "{text}");
    for secret in ["AKIDSECRETID", "SUPERSECRET", "PRIVATEKEY"] {
        assert!(!text.contains(secret), "{text}");
    }
}

/// Callers spawn transfers on tokio: the store and its futures must be Send.
#[test]
fn stores_and_their_futures_can_be_sent_to_tasks() {
    fn send<T: Send>(_: &T) {}
    fn shared<T: Send + Sync + Clone + std::fmt::Debug + 'static>() {}
    shared::<Store>();
    let s = Store::open("/nonexistent-never-written", &StoreOptions::default()).unwrap();
    let p = std::path::Path::new("x");
    send(&s.put_file("a", p));
    send(&s.put_bytes("a", Bytes::new()));
    send(&s.copy_from(&s, "a", "b"));
    send(&s.get("a"));
    send(&s.exists("a"));
    send(&s.list());
}

#[tokio::test]
async fn download_streams_to_a_file_with_size_and_sha256() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(
        dir.path().join("s").to_str().unwrap(),
        &StoreOptions::default(),
    )
    .unwrap();
    let bytes: Vec<u8> = (0..3 * MIB).map(|i| (i % 251) as u8).collect();
    s.put_bytes("a/x.deb", Bytes::from(bytes.clone()))
        .await
        .unwrap();
    let local = dir.path().join("copy");
    let (size, digest) = s.download("a/x.deb", &local).await.unwrap().unwrap();
    assert_eq!(size, bytes.len() as u64);
    assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(&bytes)));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    assert!(s.download("a/none", &local).await.unwrap().is_none());
    assert!(s.download("../x", &local).await.is_err());
}

#[test]
fn normalise_url_resolves_dots_and_refuses_them_in_buckets() {
    assert_eq!(
        store::normalise_url("/s/a/../b/./c/").unwrap(),
        "file:///s/b/c"
    );
    assert_eq!(
        store::normalise_url("file:///s/a/%2E%2E/b").unwrap(),
        "file:///s/b"
    );
    assert_eq!(store::normalise_url("gs://b/p/").unwrap(), "gs://b/p");
    assert!(store::normalise_url("gs://b/p/../q").is_err());
}
