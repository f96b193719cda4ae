//! The seam where publishing plugs in after the tag exists.
//!
//! repo-tagger calls a [`Publisher`] only once the tag points at the commit
//! the packages were built from (created now, or found there by a re-run),
//! and never after a conflict. Copying staged artifacts to the release path
//! is a later step of the system; until then [`NoPublish`] is used.

use async_trait::async_trait;
use handoff::BuildResult;

/// What a publisher is given.
#[derive(Debug, Clone)]
pub struct PublishRequest<'a> {
    /// The version (= tag).
    pub version: &'a str,
    /// The commit the tag points at.
    pub commit: &'a str,
    /// The build results whose artifacts to publish.
    pub results: &'a [BuildResult],
    /// Prow's BUILD_ID, when set.
    pub build_id: Option<&'a str>,
}

/// Publishes a tagged version's artifacts. Must be idempotent: it is called
/// again by a re-run after any failure.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Publishes; returns a one-line summary for the log.
    async fn publish(&self, req: &PublishRequest<'_>) -> Result<String, String>;
}

/// Publishes nothing (no `--publish` given).
pub struct NoPublish;

#[async_trait]
impl Publisher for NoPublish {
    async fn publish(&self, _req: &PublishRequest<'_>) -> Result<String, String> {
        Ok("nothing to publish (no --publish given)".into())
    }
}
