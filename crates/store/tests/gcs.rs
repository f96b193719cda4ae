//! The GCS backend against the fake GCS XML API server.

mod common;

use bytes::Bytes;
use common::{Fixture, MIB};
use store::{GcsServiceAccount, PutOutcome, Store, StoreOptions};
use testsupport::gcs::FakeGcs;

fn options(gcs: &FakeGcs) -> StoreOptions {
    StoreOptions {
        gcs_base_url: Some(gcs.url()),
        gcs_service_account: Some(GcsServiceAccount::Json(gcs.service_account_json())),
        ..StoreOptions::default()
    }
}

async fn setup() -> (FakeGcs, Fixture) {
    let gcs = FakeGcs::start().await.unwrap();
    // `-` arrives percent-encoded in the path: the fake must decode it.
    let fx = Fixture::new("gs://guest-os-pkgs/prefix", options(&gcs));
    (gcs, fx)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_land_under_the_bucket_and_prefix() {
    let (gcs, fx) = setup().await;
    let s = fx.store("stage");
    s.put_bytes("a b/c+d.deb", Bytes::from_static(b"x"))
        .await
        .unwrap();
    assert_eq!(
        gcs.object("guest-os-pkgs", "prefix/stage/a b/c+d.deb"),
        Some(b"x".to_vec())
    );
    assert_eq!(s.list().await.unwrap()[0].name, "a b/c+d.deb");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_uses_parts_and_leaves_no_temporary_object() {
    let (gcs, fx) = setup().await;
    let s = fx.multipart_store("mp");
    let before = gcs.completed_multipart_uploads();
    s.put_bytes("big", common::content(11 * MIB, 1))
        .await
        .unwrap();
    assert_eq!(gcs.completed_multipart_uploads(), before + 1);
    assert!(
        s.put_bytes("big", common::content(11 * MIB, 2))
            .await
            .unwrap_err()
            .is_conflict()
    );
    assert_eq!(gcs.object_names("guest-os-pkgs"), ["prefix/mp/big"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried() {
    let (gcs, fx) = setup().await;
    let s = fx.store("retry");
    gcs.inject(503);
    gcs.inject(503);
    let before = gcs.requests();
    assert_eq!(
        s.put_bytes("a", Bytes::from_static(b"a")).await.unwrap(),
        PutOutcome::Created
    );
    assert_eq!(gcs.requests(), before + 3);
    assert_eq!(
        gcs.object("guest-os-pkgs", "prefix/retry/a"),
        Some(b"a".to_vec())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_are_a_backend_error_naming_the_object() {
    let (gcs, fx) = setup().await;
    let s = fx.store("fail");
    for _ in 0..3 {
        gcs.inject(503);
    }
    let e = s
        .put_bytes("a", Bytes::from_static(b"a"))
        .await
        .unwrap_err();
    assert!(matches!(e, store::StoreError::Backend { .. }), "{e:?}");
    assert!(
        e.to_string().contains("gs://guest-os-pkgs/prefix/fail/a"),
        "{e}"
    );
    assert_eq!(gcs.object("guest-os-pkgs", "prefix/fail/a"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_to_and_from_a_local_store() {
    let (_gcs, fx) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let local = Store::open(dir.path().to_str().unwrap(), &fx.opts).unwrap();
    common::copy_across_backends(&fx, &local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_account_file_works_like_the_json() {
    let (gcs, fx) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("sa.json");
    std::fs::write(&key, gcs.service_account_json()).unwrap();
    let opts = StoreOptions {
        gcs_service_account: Some(GcsServiceAccount::File(key)),
        // The base URL comes from the key file's `gcs_base_url`.
        gcs_base_url: None,
        ..fx.opts.clone()
    };
    let s = Store::open("gs://b2", &opts).unwrap();
    s.put_bytes("x", Bytes::from_static(b"1")).await.unwrap();
    assert_eq!(gcs.object("b2", "x"), Some(b"1".to_vec()));
}

#[test]
fn the_fake_serves_synchronous_tests_from_its_own_thread() {
    let gcs = FakeGcs::spawn().unwrap();
    let opts = options(&gcs);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = Store::open("gs://sync", &opts).unwrap();
    let outcome = rt
        .block_on(s.put_bytes("k", Bytes::from_static(b"v")))
        .unwrap();
    assert_eq!(outcome, PutOutcome::Created);
    assert_eq!(gcs.object("sync", "k"), Some(b"v".to_vec()));
    assert!(gcs.requests() >= 1);
}
