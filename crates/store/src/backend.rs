//! Building the object_store client for a location.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, S3CopyIfNotExists};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::local::LocalFileSystem;
use object_store::{ClientConfigKey, ObjectStore, RetryConfig};

use crate::location::{Location, Scheme};
use crate::{StoreError, StoreOptions};

/// S3 keys given explicitly instead of through the environment.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Credentials {
    /// `AWS_ACCESS_KEY_ID`'s equivalent.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`'s equivalent; never printed (see `Debug`).
    pub secret_access_key: String,
}

impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("S3Credentials { .. }")
    }
}

/// A GCS service-account key given explicitly instead of through
/// `GOOGLE_APPLICATION_CREDENTIALS`.
#[derive(Clone, PartialEq, Eq)]
pub enum GcsServiceAccount {
    /// Path of the service-account JSON file.
    File(PathBuf),
    /// The service-account JSON itself.
    Json(String),
}

impl fmt::Debug for GcsServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GcsServiceAccount::File(p) => f.debug_tuple("File").field(p).finish(),
            GcsServiceAccount::Json(_) => f.write_str("Json(<redacted>)"),
        }
    }
}

/// Identifies one bucket on one service: two stores with equal keys can copy
/// server-side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BackendKey {
    Local,
    S3 {
        bucket: String,
        endpoint: Option<String>,
    },
    Gcs {
        bucket: String,
        base_url: Option<String>,
    },
}

type Built = (Arc<dyn ObjectStore>, BackendKey);

pub(crate) fn build(loc: &Location, opts: &StoreOptions) -> Result<Built, StoreError> {
    let config_err = |e: object_store::Error| StoreError::Config {
        url: loc.url(),
        detail: e.to_string(),
    };
    let retry = RetryConfig {
        max_retries: opts.max_retries,
        ..RetryConfig::default()
    };
    match &loc.scheme {
        // Rooted at `/` (not at the base folder) so the folder need not exist
        // until the first write, and any two local stores can hard-link.
        Scheme::Local => Ok((Arc::new(LocalFileSystem::new()), BackendKey::Local)),
        Scheme::S3 { bucket } => s3(bucket, opts, retry).map_err(config_err),
        Scheme::Gcs { bucket } => gcs(bucket, opts, retry).map_err(config_err),
    }
}

/// S3 (or an S3 look-alike such as moto): the endpoint from the options or
/// `AWS_ENDPOINT_URL`, credentials from the options or the environment.
fn s3(bucket: &str, opts: &StoreOptions, retry: RetryConfig) -> Result<Built, object_store::Error> {
    let endpoint = opts
        .s3_endpoint
        .clone()
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
        .or_else(|| env_nonempty("AWS_ENDPOINT"));
    let mut b = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_retry(retry);
    if let Some(endpoint) = &endpoint {
        b = b.with_endpoint(endpoint);
    }
    if opts.allow_http
        || endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"))
    {
        b = b.with_allow_http(true);
    }
    if let Some(c) = &opts.s3_credentials {
        b = b
            .with_access_key_id(&c.access_key_id)
            .with_secret_access_key(&c.secret_access_key);
    }
    if b.get_config_value(&AmazonS3ConfigKey::Region).is_none() {
        b = b.with_region("us-east-1");
    }
    // Create-only copies need this; a value from the environment wins
    // for S3 look-alikes that offer a header-based variant.
    if b.get_config_value(&AmazonS3ConfigKey::CopyIfNotExists)
        .is_none()
    {
        b = b.with_copy_if_not_exists(S3CopyIfNotExists::Multipart);
    }
    Ok((
        Arc::new(b.build()?),
        BackendKey::S3 {
            bucket: bucket.to_owned(),
            endpoint,
        },
    ))
}

/// Google Cloud Storage: the base URL from the options or `GCS_BASE_URL`
/// (the fake GCS in tests), the service account from the options, else
/// `GOOGLE_APPLICATION_CREDENTIALS`.
fn gcs(
    bucket: &str,
    opts: &StoreOptions,
    retry: RetryConfig,
) -> Result<Built, object_store::Error> {
    let base_url = opts
        .gcs_base_url
        .clone()
        .or_else(|| env_nonempty("GCS_BASE_URL"));
    let mut b = GoogleCloudStorageBuilder::from_env()
        .with_bucket_name(bucket)
        .with_retry(retry);
    if let Some(url) = &base_url {
        b = b.with_base_url(url);
    }
    if opts.allow_http
        || base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("http://"))
    {
        b = b.with_config(GoogleConfigKey::Client(ClientConfigKey::AllowHttp), "true");
    }
    match &opts.gcs_service_account {
        Some(GcsServiceAccount::File(p)) => {
            b = b.with_service_account_path(p.to_string_lossy());
        }
        Some(GcsServiceAccount::Json(json)) => b = b.with_service_account_key(json),
        None => {
            if let Some(path) = service_account_from_adc_env()
                && b.get_config_value(&GoogleConfigKey::ServiceAccount)
                    .is_none()
                && b.get_config_value(&GoogleConfigKey::ServiceAccountKey)
                    .is_none()
            {
                b = b.with_service_account_path(path);
            }
        }
    }
    Ok((
        Arc::new(b.build()?),
        BackendKey::Gcs {
            bucket: bucket.to_owned(),
            base_url,
        },
    ))
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `GOOGLE_APPLICATION_CREDENTIALS` when it names a service-account key file.
/// object_store reads such a file as "application default credentials",
/// which ignores `disable_oauth` and `gcs_base_url`; loading it as a service
/// account honours them, so the same variable works in prod and against the
/// fake. Other ADC kinds (user credentials) are left to object_store.
fn service_account_from_adc_env() -> Option<String> {
    let path = env_nonempty("GOOGLE_APPLICATION_CREDENTIALS")?;
    let text = std::fs::read_to_string(&path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let is_sa = json.get("type").and_then(|t| t.as_str()) == Some("service_account")
        || json.get("disable_oauth").and_then(|d| d.as_bool()) == Some(true);
    is_sa.then_some(path)
}
