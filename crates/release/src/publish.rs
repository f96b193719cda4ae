//! Publishing a tagged version's packages to the release path.
//!
//! repo-tagger calls a [`Publisher`] only once the tag points at the commit
//! the packages were built from (created now, or found there by a re-run),
//! never after a conflict. [`StorePublisher`] copies every staged artifact
//! to the release path, create-only, then writes `SHA256SUMS` and, last,
//! `manifest.json`: the manifest's presence means the version is complete.
//!
//! Release path layout (under the `--publish` URL):
//!
//! ```text
//! <version>/<target>/<file>      every artifact of every expected build
//! <version>/SHA256SUMS           "<sha256>  <target>/<file>" per artifact
//! <version>/manifest.json        written last: version, commit, tag, build id, artifacts
//! ```
//!
//! Every step is create-only: an object with identical bytes counts as
//! done, different bytes are an error and nothing is overwritten. A re-run
//! after any failure therefore converges; a present manifest for the same
//! commit means there is nothing left to do.

use async_trait::async_trait;
use handoff::{Artifact, BuildResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::{PutOutcome, Store, StoreOptions};
use tracing::info;

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

/// One artifact in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The build target.
    pub target: String,
    /// Its path under the version folder, `<target>/<file>`.
    pub path: String,
    /// The artifact as the build recorded it (file, sha256, size, package).
    #[serde(flatten)]
    pub artifact: Artifact,
}

/// `<version>/manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The version.
    pub version: String,
    /// The tag (the version).
    pub tag: String,
    /// The commit the tag points at.
    pub commit: String,
    /// The BUILD_ID of the run that published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    /// Every artifact, sorted by path.
    pub artifacts: Vec<ManifestEntry>,
}

/// Publishes to a store URL.
pub struct StorePublisher {
    release: Store,
    options: StoreOptions,
}

impl StorePublisher {
    /// A publisher to the release path `url`.
    pub fn open(url: &str, options: StoreOptions) -> Result<Self, store::StoreError> {
        Ok(StorePublisher {
            release: Store::open(url, &options)?,
            options,
        })
    }

    /// The release path.
    pub fn url(&self) -> &str {
        self.release.url()
    }

    async fn publish_inner(&self, req: &PublishRequest<'_>) -> Result<String, String> {
        let dest = self.release.join(req.version).map_err(|e| e.to_string())?;
        if let Some(existing) = dest.get("manifest.json").await.map_err(|e| e.to_string())? {
            let m: Manifest = serde_json::from_slice(&existing).map_err(|e| {
                format!(
                    "{} exists but is not a manifest: {e}",
                    dest.object_url("manifest.json")
                )
            })?;
            if m.commit != req.commit {
                return Err(format!(
                    "{} is already published from commit {}, not {}; nothing was changed",
                    dest.object_url("manifest.json"),
                    m.commit,
                    req.commit
                ));
            }
            return Ok(format!(
                "{} was already published completely ({} artifacts)",
                req.version,
                m.artifacts.len()
            ));
        }

        let mut entries = Vec::new();
        let mut sources: std::collections::HashMap<String, Store> =
            std::collections::HashMap::new();
        let (mut created, mut present) = (0, 0);
        for r in req.results {
            for a in &r.artifacts {
                let staged = a.staged_url.as_deref().ok_or_else(|| {
                    format!(
                        "build {} did not stage {}: run the builders with --stage",
                        r.target, a.file
                    )
                })?;
                let (dir, name) = staged
                    .rsplit_once('/')
                    .ok_or_else(|| format!("staged URL {staged} has no file name"))?;
                // One client per staging folder (a target's artifacts share one).
                let source = match sources.entry(dir.to_owned()) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(Store::open(dir, &self.options).map_err(|e| e.to_string())?)
                    }
                };
                let bytes = source
                    .get(name)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("{staged} is gone from staging: re-run the build"))?;
                let sha = hex::encode(Sha256::digest(&bytes));
                if sha != a.sha256 {
                    return Err(format!(
                        "{staged} has sha256 {sha}, but build {} recorded {}: staging was changed",
                        r.target, a.sha256
                    ));
                }
                let path = format!("{}/{}", r.target, a.file);
                match dest
                    .copy_from(source, name, &path)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    PutOutcome::Created => created += 1,
                    PutOutcome::AlreadyIdentical => present += 1,
                }
                entries.push(ManifestEntry {
                    target: r.target.clone(),
                    path,
                    artifact: Artifact {
                        staged_url: None,
                        ..a.clone()
                    },
                });
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let sums: String = entries
            .iter()
            .map(|e| format!("{}  {}\n", e.artifact.sha256, e.path))
            .collect();
        dest.put_bytes("SHA256SUMS", sums.into_bytes().into())
            .await
            .map_err(|e| e.to_string())?;
        let manifest = Manifest {
            version: req.version.to_owned(),
            tag: req.version.to_owned(),
            commit: req.commit.to_owned(),
            build_id: req.build_id.map(str::to_owned),
            artifacts: entries,
        };
        let mut json = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
        json.push('\n');
        dest.put_bytes("manifest.json", json.into_bytes().into())
            .await
            .map_err(|e| e.to_string())?;
        info!("published {} to {}", req.version, dest.url());
        Ok(format!(
            "published {} artifact(s) of {} to {} ({created} copied, {present} already there)",
            manifest.artifacts.len(),
            req.version,
            dest.url()
        ))
    }
}

#[async_trait]
impl Publisher for StorePublisher {
    async fn publish(&self, req: &PublishRequest<'_>) -> Result<String, String> {
        self.publish_inner(req).await
    }
}
