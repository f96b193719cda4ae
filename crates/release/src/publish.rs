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
//! done, different bytes are a [`PublishError::Conflict`] (exit 3) and
//! nothing is overwritten. A re-run after any other failure therefore
//! converges; a present manifest for the same commit means there is
//! nothing left to do.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use async_trait::async_trait;
use handoff::{Artifact, BuildResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::{PutOutcome, Store, StoreError, StoreOptions};
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
    /// Publishes; the summary's `Display` is the line for the log.
    async fn publish(&self, req: &PublishRequest<'_>) -> Result<PublishSummary, PublishError>;
}

/// What a publish did. Its `Display` is one line for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishSummary {
    /// The version.
    pub version: String,
    /// What happened to it.
    pub outcome: PublishOutcome,
}

/// How a publish ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// No release path was given.
    NothingToPublish,
    /// Its manifest was already there for this commit (a re-run).
    AlreadyComplete {
        /// How many artifacts the manifest lists.
        artifacts: usize,
    },
    /// Every artifact is on the release path, then SHA256SUMS and the manifest.
    Published {
        /// The version's folder on the release path.
        url: String,
        /// How many artifacts the manifest lists.
        artifacts: usize,
        /// Copied by this run.
        copied: usize,
        /// Found with identical bytes (an earlier, interrupted run).
        already_there: usize,
    },
}

impl fmt::Display for PublishSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = &self.version;
        match &self.outcome {
            PublishOutcome::NothingToPublish => {
                write!(f, "nothing to publish (no --publish given)")
            }
            PublishOutcome::AlreadyComplete { artifacts } => write!(
                f,
                "{version} was already published completely ({artifacts} artifacts)"
            ),
            PublishOutcome::Published {
                url,
                artifacts,
                copied,
                already_there,
            } => write!(
                f,
                "published {artifacts} artifact(s) of {version} to {url} \
                 ({copied} copied, {already_there} already there)"
            ),
        }
    }
}

/// Why publishing failed. Nothing published is ever overwritten, whatever
/// the error.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// An object of the release path holds other bytes than this run's.
    #[error(
        "{url} already exists with different content; published objects are never overwritten, \
         so nothing was changed: if that object is known to be bad, remove it by hand and re-run \
         repo-tagger with the same options; otherwise build and release a new version"
    )]
    Conflict {
        /// The object's URL.
        url: String,
    },

    /// The version's manifest was written by a release of another commit.
    #[error(
        "{url} is already published from commit {published}, not {commit}; nothing was changed: \
         check that --publish is this repository's release path (if the tag was moved on \
         purpose, the other commit's release must be removed by hand first)"
    )]
    OtherCommit {
        /// The manifest's URL.
        url: String,
        /// The commit it names.
        published: String,
        /// The commit the tag points at.
        commit: String,
    },

    /// The version's `manifest.json` does not parse.
    #[error("{url} exists but is not a manifest: {source}")]
    NotAManifest {
        /// The manifest's URL.
        url: String,
        /// Why it does not parse.
        #[source]
        source: serde_json::Error,
    },

    /// A build's record has an artifact without a staged URL.
    #[error("build {target} did not stage {file}: run the builders with --stage")]
    NotStaged {
        /// The build target.
        target: String,
        /// The artifact's file name.
        file: String,
    },

    /// A staged URL without a `/`.
    #[error("staged URL {url} has no file name")]
    StagedUrl {
        /// The URL as recorded.
        url: String,
    },

    /// A staged file no longer exists.
    #[error("{url} is gone from staging: re-run the build")]
    StagedGone {
        /// The staged URL.
        url: String,
    },

    /// A staged file's bytes are not the ones the build recorded.
    #[error(
        "{url} has sha256 {actual}, but build {target} recorded {recorded}: staging was changed"
    )]
    StagedChanged {
        /// The staged URL.
        url: String,
        /// The build target.
        target: String,
        /// The staged file's sha256 now.
        actual: String,
        /// The sha256 in the build's record.
        recorded: String,
    },

    /// The store failed (not a conflict: those are [`PublishError::Conflict`]).
    #[error("{context}: {source}")]
    Store {
        /// The step that failed.
        context: String,
        /// What the store said.
        #[source]
        source: StoreError,
    },
}

impl PublishError {
    /// True when the release path already holds something else for this
    /// version: reported as a conflict (exit 3), like a taken tag.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            PublishError::Conflict { .. } | PublishError::OtherCommit { .. }
        )
    }

    /// False when re-running with the same options meets the same error;
    /// those errors say themselves what to do.
    pub fn rerun_finishes(&self) -> bool {
        !self.is_conflict()
    }
}

/// Maps a store error of the step `context`; a create-only write that met
/// other bytes becomes [`PublishError::Conflict`].
fn store_err(context: impl Into<String>) -> impl FnOnce(StoreError) -> PublishError {
    move |source| match source {
        StoreError::Conflict { url } => PublishError::Conflict { url },
        source => PublishError::Store {
            context: context.into(),
            source,
        },
    }
}

/// Publishes nothing (no `--publish` given).
pub struct NoPublish;

#[async_trait]
impl Publisher for NoPublish {
    async fn publish(&self, req: &PublishRequest<'_>) -> Result<PublishSummary, PublishError> {
        Ok(PublishSummary {
            version: req.version.to_owned(),
            outcome: PublishOutcome::NothingToPublish,
        })
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

/// One store client per staging folder (a target's artifacts share one).
type Sources = HashMap<String, Store>;

/// How many artifacts a run copied and found already there.
#[derive(Default)]
struct Counts {
    copied: usize,
    already_there: usize,
}

impl StorePublisher {
    /// A publisher to the release path `url`.
    pub fn open(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        Ok(StorePublisher {
            release: Store::open(url, &options)?,
            options,
        })
    }

    /// The release path.
    pub fn url(&self) -> &str {
        self.release.url()
    }

    /// The manifest already published for this version, when there is one
    /// for this commit; an error when it names another.
    async fn existing_manifest(
        dest: &Store,
        req: &PublishRequest<'_>,
    ) -> Result<Option<Manifest>, PublishError> {
        let url = dest.object_url("manifest.json");
        let Some(existing) = dest.get("manifest.json").await.map_err(store_err(format!(
            "checking whether {} is already published",
            req.version
        )))?
        else {
            return Ok(None);
        };
        let m: Manifest =
            serde_json::from_slice(&existing).map_err(|source| PublishError::NotAManifest {
                url: url.clone(),
                source,
            })?;
        if m.commit != req.commit {
            return Err(PublishError::OtherCommit {
                url,
                published: m.commit,
                commit: req.commit.to_owned(),
            });
        }
        Ok(Some(m))
    }

    /// The staged URL of `a`, its staging store and object name, opening
    /// the store once per folder.
    fn staged_source<'s>(
        &self,
        sources: &'s mut Sources,
        target: &str,
        a: &'s Artifact,
    ) -> Result<(&'s str, &'s Store, &'s str), PublishError> {
        let staged = a
            .staged_url
            .as_deref()
            .ok_or_else(|| PublishError::NotStaged {
                target: target.to_owned(),
                file: a.file.clone(),
            })?;
        let (dir, name) = staged
            .rsplit_once('/')
            .ok_or_else(|| PublishError::StagedUrl {
                url: staged.to_owned(),
            })?;
        let source = match sources.entry(dir.to_owned()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(Store::open(dir, &self.options).map_err(store_err(
                format!("opening the staging folder of build {target}"),
            ))?),
        };
        Ok((staged, source, name))
    }

    /// Copies one artifact from staging to `<target>/<file>`, after checking
    /// the staged bytes are the ones the build recorded.
    async fn copy_artifact(
        &self,
        dest: &Store,
        sources: &mut Sources,
        r: &BuildResult,
        a: &Artifact,
    ) -> Result<(ManifestEntry, PutOutcome), PublishError> {
        let (staged, source, name) = self.staged_source(sources, &r.target, a)?;
        let bytes = source
            .get(name)
            .await
            .map_err(store_err(format!(
                "reading {staged}, staged by build {}",
                r.target
            )))?
            .ok_or_else(|| PublishError::StagedGone {
                url: staged.to_owned(),
            })?;
        let sha = hex::encode(Sha256::digest(&bytes));
        if sha != a.sha256 {
            return Err(PublishError::StagedChanged {
                url: staged.to_owned(),
                target: r.target.clone(),
                actual: sha,
                recorded: a.sha256.clone(),
            });
        }
        let path = format!("{}/{}", r.target, a.file);
        let outcome = dest
            .copy_from(source, name, &path)
            .await
            .map_err(store_err(format!(
                "copying {staged} to {}",
                dest.object_url(&path)
            )))?;
        let entry = ManifestEntry {
            target: r.target.clone(),
            path,
            artifact: Artifact {
                staged_url: None,
                ..a.clone()
            },
        };
        Ok((entry, outcome))
    }

    /// Copies every artifact of every result; the entries sorted by path.
    async fn copy_artifacts(
        &self,
        dest: &Store,
        results: &[BuildResult],
    ) -> Result<(Vec<ManifestEntry>, Counts), PublishError> {
        let mut sources = Sources::new();
        let mut entries = Vec::new();
        let mut counts = Counts::default();
        for r in results {
            for a in &r.artifacts {
                let (entry, outcome) = self.copy_artifact(dest, &mut sources, r, a).await?;
                match outcome {
                    PutOutcome::Created => counts.copied += 1,
                    PutOutcome::AlreadyIdentical => counts.already_there += 1,
                }
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((entries, counts))
    }
}

/// Writes `SHA256SUMS`, then `manifest.json`: last, since its presence means
/// the version is complete.
async fn write_index(dest: &Store, manifest: &Manifest) -> Result<(), PublishError> {
    let sums: String = manifest
        .artifacts
        .iter()
        .map(|e| format!("{}  {}\n", e.artifact.sha256, e.path))
        .collect();
    dest.put_bytes("SHA256SUMS", sums.into_bytes().into())
        .await
        .map_err(store_err("writing SHA256SUMS"))?;
    let mut json = serde_json::to_string_pretty(manifest).expect("manifest serialises");
    json.push('\n');
    dest.put_bytes("manifest.json", json.into_bytes().into())
        .await
        .map_err(store_err("writing manifest.json"))?;
    Ok(())
}

#[async_trait]
impl Publisher for StorePublisher {
    async fn publish(&self, req: &PublishRequest<'_>) -> Result<PublishSummary, PublishError> {
        let version = req.version.to_owned();
        let dest = self.release.join(req.version).map_err(store_err(format!(
            "finding the release folder of {version}"
        )))?;
        if let Some(m) = Self::existing_manifest(&dest, req).await? {
            return Ok(PublishSummary {
                version,
                outcome: PublishOutcome::AlreadyComplete {
                    artifacts: m.artifacts.len(),
                },
            });
        }
        let (artifacts, counts) = self.copy_artifacts(&dest, req.results).await?;
        let manifest = Manifest {
            version: version.clone(),
            tag: version.clone(),
            commit: req.commit.to_owned(),
            build_id: req.build_id.map(str::to_owned),
            artifacts,
        };
        write_index(&dest, &manifest).await?;
        info!("published {version} to {}", dest.url());
        Ok(PublishSummary {
            version,
            outcome: PublishOutcome::Published {
                url: dest.url().to_owned(),
                artifacts: manifest.artifacts.len(),
                copied: counts.copied,
                already_there: counts.already_there,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(outcome: PublishOutcome) -> String {
        PublishSummary {
            version: "20261127.00".into(),
            outcome,
        }
        .to_string()
    }

    #[test]
    fn a_summary_displays_as_the_log_line() {
        assert_eq!(
            summary(PublishOutcome::NothingToPublish),
            "nothing to publish (no --publish given)"
        );
        assert_eq!(
            summary(PublishOutcome::AlreadyComplete { artifacts: 3 }),
            "20261127.00 was already published completely (3 artifacts)"
        );
        assert_eq!(
            summary(PublishOutcome::Published {
                url: "gs://b/release/20261127.00".into(),
                artifacts: 3,
                copied: 2,
                already_there: 1,
            }),
            "published 3 artifact(s) of 20261127.00 to gs://b/release/20261127.00 \
             (2 copied, 1 already there)"
        );
    }

    #[test]
    fn a_store_conflict_is_a_publish_conflict_naming_the_object() {
        let url = "gs://b/release/20261127.00/el9/x.rpm";
        let e = store_err("copying")(StoreError::Conflict { url: url.into() });
        assert!(e.is_conflict());
        assert!(!e.rerun_finishes());
        let text = e.to_string();
        assert!(text.starts_with(url), "{text}");
        assert!(text.contains("remove it by hand"), "{text}");

        let e = store_err("writing SHA256SUMS")(StoreError::Backend {
            url: "gs://b/release/20261127.00/SHA256SUMS".into(),
            detail: "503".into(),
        });
        assert!(!e.is_conflict());
        assert!(e.rerun_finishes());
        assert!(
            e.to_string()
                .starts_with("writing SHA256SUMS: storage request for gs://b/"),
            "{e}"
        );
    }
}
