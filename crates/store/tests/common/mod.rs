//! Scenarios every backend must pass; each test file supplies a [`Fixture`]
//! for its backend (a local folder, moto, the fake GCS).

#![allow(dead_code)] // each test binary uses a different subset

use bytes::Bytes;
use store::{ObjectInfo, Progress, PutOutcome, Store, StoreError, StoreOptions};

pub const MIB: usize = 1024 * 1024;

/// Where a backend's stores live.
pub struct Fixture {
    /// Base URL without trailing slash, e.g. `s3://bucket`.
    pub base: String,
    pub opts: StoreOptions,
}

impl Fixture {
    pub fn new(base: impl Into<String>, opts: StoreOptions) -> Fixture {
        Fixture {
            base: base.into(),
            opts: StoreOptions {
                progress: Progress::Never,
                max_retries: 2,
                ..opts
            },
        }
    }

    pub fn store(&self, sub: &str) -> Store {
        Store::open(&format!("{}/{sub}", self.base), &self.opts).expect("open store")
    }

    /// Multipart above 5 MiB, in 5 MiB parts (S3's minimum for all but the last).
    pub fn multipart_store(&self, sub: &str) -> Store {
        let opts = StoreOptions {
            multipart_threshold: 5 * MIB as u64,
            part_size: 5 * MIB,
            ..self.opts.clone()
        };
        Store::open(&format!("{}/{sub}", self.base), &opts).expect("open store")
    }
}

/// Deterministic, non-repeating-looking test content.
pub fn content(len: usize, seed: u8) -> Bytes {
    let mut x: u32 = 0x9e37_79b9 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

fn assert_conflict(r: Result<PutOutcome, StoreError>, url: &str) {
    match r {
        Err(e @ StoreError::Conflict { .. }) => {
            assert!(e.is_conflict());
            assert!(e.to_string().contains(url), "{e} does not name {url}");
        }
        other => panic!("expected a conflict on {url}, got {other:?}"),
    }
}

pub async fn put_is_create_only(fx: &Fixture) {
    let s = fx.store("create-only");
    let v1 = Bytes::from_static(b"version one");
    assert_eq!(
        s.put_bytes("pool/a.deb", v1.clone()).await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(
        s.put_bytes("pool/a.deb", v1.clone()).await.unwrap(),
        PutOutcome::AlreadyIdentical
    );
    let r = s
        .put_bytes("pool/a.deb", Bytes::from_static(b"version two"))
        .await;
    assert_conflict(r, &s.object_url("pool/a.deb"));
    assert_eq!(s.get("pool/a.deb").await.unwrap(), Some(v1));

    // Same size, different bytes: the hash decides, not the size.
    let r = s
        .put_bytes("pool/a.deb", Bytes::from_static(b"version uno"))
        .await;
    assert_conflict(r, &s.object_url("pool/a.deb"));

    // Empty objects work too.
    assert_eq!(
        s.put_bytes("empty", Bytes::new()).await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(
        s.put_bytes("empty", Bytes::new()).await.unwrap(),
        PutOutcome::AlreadyIdentical
    );
    assert_eq!(s.get("empty").await.unwrap(), Some(Bytes::new()));
}

pub async fn put_file_is_create_only(fx: &Fixture) {
    let s = fx.store("files");
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    std::fs::write(&one, content(10_000, 1)).unwrap();
    std::fs::write(&two, content(10_000, 2)).unwrap();
    assert_eq!(
        s.put_file("x.rpm", &one).await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(
        s.put_file("x.rpm", &one).await.unwrap(),
        PutOutcome::AlreadyIdentical
    );
    assert_conflict(s.put_file("x.rpm", &two).await, &s.object_url("x.rpm"));
    assert_eq!(s.get("x.rpm").await.unwrap(), Some(content(10_000, 1)));

    let missing = dir.path().join("missing");
    match s.put_file("y.rpm", &missing).await {
        Err(e @ StoreError::LocalFile { .. }) => {
            assert!(
                e.to_string().contains(&missing.display().to_string()),
                "{e}"
            )
        }
        other => panic!("expected LocalFile, got {other:?}"),
    }
    assert!(!s.exists("y.rpm").await.unwrap());
}

/// 11 MiB in 5 MiB parts: the multipart path, still create-only.
pub async fn multipart_is_create_only(fx: &Fixture) {
    let s = fx.multipart_store("multipart");
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let big1 = content(11 * MIB, 1);
    std::fs::write(&one, &big1).unwrap();
    std::fs::write(&two, content(11 * MIB, 2)).unwrap();

    assert_eq!(
        s.put_file("big.goo", &one).await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(s.get("big.goo").await.unwrap().as_deref(), Some(&big1[..]));
    assert_eq!(
        s.put_file("big.goo", &one).await.unwrap(),
        PutOutcome::AlreadyIdentical
    );
    assert_conflict(s.put_file("big.goo", &two).await, &s.object_url("big.goo"));
    assert_eq!(s.get("big.goo").await.unwrap().as_deref(), Some(&big1[..]));

    // A different size is a conflict as well (decided without hashing).
    let r = s.put_bytes("big.goo", content(6 * MIB, 3)).await;
    assert_conflict(r, &s.object_url("big.goo"));

    // put_bytes above the threshold takes the same path.
    let b = content(6 * MIB, 4);
    assert_eq!(
        s.put_bytes("b6", b.clone()).await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(
        s.put_bytes("b6", b.clone()).await.unwrap(),
        PutOutcome::AlreadyIdentical
    );

    // No temporary upload remains visible.
    let names: Vec<String> = s
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["b6", "big.goo"]);
}

/// Two writers race for one name with different bytes: one creates, the
/// other gets a conflict, and the object holds the creator's bytes. Both pass
/// the existence pre-check, so the conditional copy is what decides.
pub async fn multipart_race_has_one_winner(fx: &Fixture) {
    let s = fx.multipart_store("race");
    let (a, b) = (content(6 * MIB, 5), content(6 * MIB, 6));
    let (ra, rb) = tokio::join!(
        s.put_bytes("r.deb", a.clone()),
        s.put_bytes("r.deb", b.clone())
    );
    let stored = s
        .get("r.deb")
        .await
        .unwrap()
        .expect("one writer created it");
    match (ra, rb) {
        (Ok(PutOutcome::Created), Err(e)) => {
            assert!(e.is_conflict(), "{e}");
            assert_eq!(stored, a);
        }
        (Err(e), Ok(PutOutcome::Created)) => {
            assert!(e.is_conflict(), "{e}");
            assert_eq!(stored, b);
        }
        other => panic!("expected one Created and one Conflict, got {other:?}"),
    }
}

pub async fn copy_is_create_only(fx: &Fixture) {
    let stage = fx.store("copy/staging/run1");
    let release = fx.store("copy/release");
    stage
        .put_bytes("p/a.deb", Bytes::from_static(b"aaa"))
        .await
        .unwrap();
    stage
        .put_bytes("p/b.deb", Bytes::from_static(b"bbb"))
        .await
        .unwrap();

    assert_eq!(
        release.copy_from(&stage, "p/a.deb", "a.deb").await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(
        release.get("a.deb").await.unwrap().as_deref(),
        Some(&b"aaa"[..])
    );
    assert_eq!(
        release.copy_from(&stage, "p/a.deb", "a.deb").await.unwrap(),
        PutOutcome::AlreadyIdentical
    );
    assert_conflict(
        release.copy_from(&stage, "p/b.deb", "a.deb").await,
        &release.object_url("a.deb"),
    );
    assert_eq!(
        release.get("a.deb").await.unwrap().as_deref(),
        Some(&b"aaa"[..])
    );
    // The source is untouched by copying.
    assert_eq!(
        stage.get("p/a.deb").await.unwrap().as_deref(),
        Some(&b"aaa"[..])
    );

    match release.copy_from(&stage, "p/missing.deb", "m.deb").await {
        Err(e @ StoreError::NotFound { .. }) => {
            assert!(
                e.to_string().contains(&stage.object_url("p/missing.deb")),
                "{e}"
            )
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(!release.exists("m.deb").await.unwrap());
}

/// Copies between this backend and another store (streamed through the
/// process), small and multipart-sized, in both directions.
pub async fn copy_across_backends(fx: &Fixture, other: &Store) {
    let here = fx.multipart_store("across");
    let small = Bytes::from_static(b"small package");
    let big = content(6 * MIB, 7);
    other.put_bytes("small", small.clone()).await.unwrap();
    other.put_bytes("big", big.clone()).await.unwrap();

    for name in ["small", "big"] {
        assert_eq!(
            here.copy_from(other, name, name).await.unwrap(),
            PutOutcome::Created
        );
        assert_eq!(
            here.copy_from(other, name, name).await.unwrap(),
            PutOutcome::AlreadyIdentical
        );
    }
    assert_eq!(here.get("big").await.unwrap(), Some(big.clone()));
    assert_conflict(
        here.copy_from(other, "small", "big").await,
        &here.object_url("big"),
    );
    assert_conflict(
        here.copy_from(other, "big", "small").await,
        &here.object_url("small"),
    );

    assert_eq!(
        other.copy_from(&here, "big", "big2").await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(other.get("big2").await.unwrap(), Some(big));
}

pub async fn list_get_exists_join(fx: &Fixture) {
    let s = fx.store("listing");
    assert_eq!(s.list().await.unwrap(), Vec::<ObjectInfo>::new());
    s.put_bytes("b/c.rpm", Bytes::from_static(b"12345"))
        .await
        .unwrap();
    s.put_bytes("a.deb", Bytes::from_static(b"1"))
        .await
        .unwrap();
    // A sibling whose name extends the prefix must not be listed.
    fx.store("listing-other")
        .put_bytes("z", Bytes::from_static(b"z"))
        .await
        .unwrap();
    assert_eq!(
        s.list().await.unwrap(),
        vec![
            ObjectInfo {
                name: "a.deb".into(),
                size: 1
            },
            ObjectInfo {
                name: "b/c.rpm".into(),
                size: 5
            },
        ]
    );
    let sub = s.join("b").unwrap();
    assert_eq!(sub.url(), format!("{}/b", s.url()));
    assert_eq!(sub.object_url("c.rpm"), s.object_url("b/c.rpm"));
    assert_eq!(
        sub.list().await.unwrap(),
        vec![ObjectInfo {
            name: "c.rpm".into(),
            size: 5
        }]
    );
    assert_eq!(
        sub.get("c.rpm").await.unwrap().as_deref(),
        Some(&b"12345"[..])
    );
    assert!(sub.exists("c.rpm").await.unwrap());
    assert!(!sub.exists("nope").await.unwrap());
    assert_eq!(s.get("nope").await.unwrap(), None);
}

/// Names are keys verbatim, with the characters package file names have.
pub const ODD_NAME: &str = "v/pkg_1.0~rc1+g%1#2 [x]_amd64.deb";

pub async fn names_are_kept_verbatim(fx: &Fixture) {
    let s = fx.store("verbatim");
    s.put_bytes(ODD_NAME, Bytes::from_static(b"odd"))
        .await
        .unwrap();
    assert_eq!(
        s.put_bytes(ODD_NAME, Bytes::from_static(b"odd"))
            .await
            .unwrap(),
        PutOutcome::AlreadyIdentical
    );
    let names: Vec<String> = s
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, [ODD_NAME]);
    assert_eq!(s.get(ODD_NAME).await.unwrap().as_deref(), Some(&b"odd"[..]));
    let copy = fx.store("verbatim-copy");
    assert_eq!(
        copy.copy_from(&s, ODD_NAME, ODD_NAME).await.unwrap(),
        PutOutcome::Created
    );
    assert!(copy.exists(ODD_NAME).await.unwrap());
}

pub async fn bad_names_are_rejected(fx: &Fixture) {
    let s = fx.store("names");
    for bad in [
        "../x",
        "a/../../x",
        "/abs",
        "a//b",
        "",
        "a/",
        ".upload-tmp/x",
    ] {
        let r = s.put_bytes(bad, Bytes::from_static(b"x")).await;
        assert!(
            matches!(r, Err(StoreError::InvalidName { .. })),
            "{bad:?}: {r:?}"
        );
        assert!(
            matches!(s.join(bad), Err(StoreError::InvalidName { .. })),
            "{bad:?}"
        );
        assert!(
            matches!(s.get(bad).await, Err(StoreError::InvalidName { .. })),
            "{bad:?}"
        );
    }
    assert!(matches!(
        s.copy_from(&s, "../a", "b").await,
        Err(StoreError::InvalidName { .. })
    ));
    assert_eq!(s.list().await.unwrap(), Vec::<ObjectInfo>::new());
}

/// Declares one `#[tokio::test]` per scenario, each with a fresh fixture from
/// `$setup` (an async expression yielding `(guard, Fixture)`).
#[macro_export]
macro_rules! scenario_tests {
    ($setup:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_guard, fx) = $setup.await;
                common::$name(&fx).await;
            }
        )*
    };
}
