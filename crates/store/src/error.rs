use std::io;
use std::path::PathBuf;

/// Everything that can go wrong with a store. Each variant names the URL or
/// file involved and says what to do; none ever carries a secret.
// Each variant's `#[error]` message is its documentation.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unknown store `{url}`: use gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, file:///ABSOLUTE/PATH or a plain path"
    )]
    UnknownScheme { url: String },

    #[error("invalid store URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error(
        "invalid object name `{name}`: {reason}; use a relative name of non-empty `/`-separated parts, none of them `.` or `..`"
    )]
    InvalidName { name: String, reason: String },

    #[error(
        "{url} already exists with different content; published objects are never overwritten: \
         build a new version (or, if that object is known to be bad, remove it by hand first)"
    )]
    Conflict { url: String },

    #[error(
        "cannot write {url}: {detail}; make sure the path is a writable folder (not a file) \
         or one that can be created"
    )]
    NotWritable { url: String, detail: String },

    #[error("cannot read the local file {}: {source}; check that it exists and is readable", path.display())]
    LocalFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{url} does not exist; check the name and that it was uploaded")]
    NotFound { url: String },

    #[error(
        "cannot set up the store {url}: {detail}; check the URL and the credentials \
         (S3: AWS_* variables; GCS: GOOGLE_APPLICATION_CREDENTIALS)"
    )]
    Config { url: String, detail: String },

    #[error(
        "storage request for {url} failed: {detail}; check connectivity and permissions, \
         then re-run (writes are create-only, so re-running is safe)"
    )]
    Backend { url: String, detail: String },
}

impl StoreError {
    /// True when an object exists with other bytes than the ones being written:
    /// the "lost the race / would overwrite" case, which callers report with
    /// their own exit code.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}
