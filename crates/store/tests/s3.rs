//! The S3 backend against moto (a real S3 emulator).

mod common;

use common::Fixture;
use store::{S3Credentials, Store, StoreOptions};
use testsupport::moto::{ACCESS_KEY_ID, MotoServer, SECRET_ACCESS_KEY};

fn options(moto: &MotoServer) -> StoreOptions {
    StoreOptions {
        s3_endpoint: Some(moto.endpoint()),
        s3_credentials: Some(S3Credentials {
            access_key_id: ACCESS_KEY_ID.into(),
            secret_access_key: SECRET_ACCESS_KEY.into(),
        }),
        ..StoreOptions::default()
    }
}

async fn setup() -> (MotoServer, Fixture) {
    let moto = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap()
        .expect("moto_server");
    moto.create_bucket("pkgs");
    let fx = Fixture::new("s3://pkgs/prefix", options(&moto));
    (moto, fx)
}

// No race test here: moto's conditional CompleteMultipartUpload checks and
// writes without a lock (its server is threaded), so two racing completions
// can both succeed on moto, where S3 itself decides atomically. The race is
// tested on the local and GCS backends; on S3 it rests on S3's documented
// If-None-Match semantics.
scenario_tests!(setup();
    put_is_create_only,
    put_file_is_create_only,
    multipart_is_create_only,
    copy_is_create_only,
    list_get_exists_join,
    bad_names_are_rejected,
    names_are_kept_verbatim,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_to_and_from_a_local_store() {
    let (_moto, fx) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let local = Store::open(dir.path().to_str().unwrap(), &fx.opts).unwrap();
    common::copy_across_backends(&fx, &local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_between_buckets_are_streamed_and_create_only() {
    let (moto, fx) = setup().await;
    moto.create_bucket("other-bucket");
    let other = Store::open("s3://other-bucket", &fx.opts).unwrap();
    common::copy_across_backends(&fx, &other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_is_a_backend_error_naming_the_object() {
    let (_moto, fx) = setup().await;
    // moto takes any keys; a recognisable secret shows it is never echoed.
    let opts = StoreOptions {
        s3_credentials: Some(S3Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "do-not-print-this-secret".into(),
        }),
        ..fx.opts.clone()
    };
    let s = Store::open("s3://no-such-bucket/p", &opts).unwrap();
    let e = s
        .put_bytes("a.deb", bytes::Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert!(matches!(e, store::StoreError::Backend { .. }), "{e:?}");
    assert!(e.to_string().contains("s3://no-such-bucket/p/a.deb"), "{e}");
    assert!(
        !format!("{e} {e:?}").contains("do-not-print-this-secret"),
        "{e:?}"
    );
}
