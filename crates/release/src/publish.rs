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
//!
//! The records are not trusted (a builder runs the repository's code):
//! only artifacts staged under the [`StageRoot`] are read, each is streamed
//! to a local temporary file while hashed (memory does not grow with its
//! size), its sha256 and the package name, version, architecture and
//! format read back from the file must be the record's, and only then,
//! once every artifact checked out, are those verified files uploaded.
//! Nothing on this path holds a whole artifact: the read-back reads a
//! package's headers or control member, or streams a `.goo` through its
//! decoder, and the upload sends the file in parts ([`Store::put_file`]
//! holds at most `store::PARTS_IN_FLIGHT` parts of it), so a 2 GB artifact
//! costs as much memory as a 20 MB one.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use handoff::{Artifact, BuildResult, PackageInfo};
use serde::{Deserialize, Serialize};
use store::{PutOutcome, Store, StoreError, StoreOptions};
use tracing::info;

use crate::stage::{StageRoot, StagedObject};

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
    /// Refuses, before anything is tagged, results this publisher would not
    /// publish from (see [`StageRoot::check`]). Reads nothing.
    fn check(&self, _results: &[BuildResult]) -> Result<(), PublishError> {
        Ok(())
    }

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

    /// A staged URL outside the stage root: the record is not trusted.
    #[error(
        "build {target}'s record (results/{target}.json) names the staged URL {url}, which is not \
         under the stage root {root}/: repo-tagger publishes only what the builders staged there \
         (check --stage-root and the builders' --stage)"
    )]
    OutsideStageRoot {
        /// The build target.
        target: String,
        /// The URL as recorded.
        url: String,
        /// The stage root, normalised.
        root: String,
    },

    /// A staged URL under the stage root but not in the record's own target
    /// folder, or not named as the artifact.
    #[error(
        "build {target}'s record (results/{target}.json) names the staged URL {url}, which does not \
         end in {expected}: a builder stages its artifacts in a folder named after its target"
    )]
    NotTargetPath {
        /// The build target.
        target: String,
        /// The URL as recorded.
        url: String,
        /// `/<target>/<file>`.
        expected: String,
    },

    /// The package read back from a staged file is not the one recorded.
    #[error(
        "build {target}'s record (results/{target}.json) says {url} is {recorded}, but the file is \
         {found}: nothing is published"
    )]
    PackageMismatch {
        /// The build target.
        target: String,
        /// The staged URL.
        url: String,
        /// The package as recorded.
        recorded: String,
        /// The package as read back.
        found: String,
    },

    /// A staged package cannot be read back.
    #[error(
        "build {target}'s record (results/{target}.json) names {url}, which cannot be read back as \
         a package: {detail}; nothing is published"
    )]
    NotReadable {
        /// The build target.
        target: String,
        /// The staged URL.
        url: String,
        /// What the reader said.
        detail: String,
    },

    /// The local folder that holds the staged files while they are checked.
    #[error("cannot use a temporary folder for the staged files ({detail}): check TMPDIR")]
    TempDir {
        /// What failed.
        detail: String,
    },

    /// A staged file no longer exists.
    #[error("{url} is gone from staging: re-run the build")]
    StagedGone {
        /// The staged URL.
        url: String,
    },

    /// A staged file's bytes are not the ones the build recorded (only
    /// files under the stage root are ever read, so the hash tells nothing
    /// about any other file).
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
    /// The extra repository each target was built with (`--extra-repo`),
    /// sorted by target; none for a repository built alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_repos: Vec<ManifestExtraRepo>,
}

/// A target's extra repository in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestExtraRepo {
    /// The build target.
    pub target: String,
    /// The repository and the commit built.
    #[serde(flatten)]
    pub repo: handoff::ExtraRepoRecord,
}

/// The extra repositories of `results`, sorted by target.
pub fn extra_repos(results: &[BuildResult]) -> Vec<ManifestExtraRepo> {
    let mut v: Vec<ManifestExtraRepo> = results
        .iter()
        .filter_map(|r| {
            Some(ManifestExtraRepo {
                target: r.target.clone(),
                repo: r.extra_repo.clone()?,
            })
        })
        .collect();
    v.sort_by(|a, b| a.target.cmp(&b.target));
    v
}

/// Publishes to a store URL, from the stage root only.
pub struct StorePublisher {
    release: Store,
    stage: StageRoot,
    options: StoreOptions,
}

/// An artifact whose staged bytes and package were checked, held in a
/// local file until it is uploaded.
struct Verified {
    entry: ManifestEntry,
    local: PathBuf,
    staged: String,
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
    /// A publisher to the release path `url`, of artifacts staged under
    /// `stage`.
    pub fn open(url: &str, stage: StageRoot, options: StoreOptions) -> Result<Self, StoreError> {
        Ok(StorePublisher {
            release: Store::open(url, &options)?,
            stage,
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

    /// The staging store of `obj`'s folder, opened once per folder.
    fn source<'s>(
        &self,
        sources: &'s mut Sources,
        target: &str,
        obj: &StagedObject,
    ) -> Result<&'s Store, PublishError> {
        Ok(match sources.entry(obj.dir.clone()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(Store::open(&obj.dir, &self.options).map_err(
                store_err(format!("opening the staging folder of build {target}")),
            )?),
        })
    }

    /// Streams one staged artifact to `local`, then checks its bytes are
    /// the ones the build recorded and its package is the one recorded.
    async fn verify_artifact(
        &self,
        sources: &mut Sources,
        r: &BuildResult,
        a: &Artifact,
        local: PathBuf,
    ) -> Result<Verified, PublishError> {
        // Again, not only before tagging: never publish from elsewhere.
        let obj = self.stage.check(r, a)?;
        let staged = obj.url();
        let source = self.source(sources, &r.target, &obj)?;
        let (size, digest) = source
            .download(&obj.name, &local)
            .await
            .map_err(store_err(format!(
                "reading {staged}, staged by build {}",
                r.target
            )))?
            .ok_or_else(|| PublishError::StagedGone {
                url: staged.clone(),
            })?;
        let sha = hex::encode(digest);
        if sha != a.sha256 || size != a.size {
            return Err(PublishError::StagedChanged {
                url: staged,
                target: r.target.clone(),
                actual: sha,
                recorded: a.sha256.clone(),
            });
        }
        check_package(r, a, &staged, &local)?;
        let entry = ManifestEntry {
            target: r.target.clone(),
            path: format!("{}/{}", r.target, a.file),
            artifact: Artifact {
                staged_url: None,
                ..a.clone()
            },
        };
        Ok(Verified {
            entry,
            local,
            staged,
        })
    }

    /// Checks every artifact of every result into `tmp`, before any is
    /// uploaded: one that does not check out publishes nothing.
    async fn verify_artifacts(
        &self,
        tmp: &Path,
        results: &[BuildResult],
    ) -> Result<Vec<Verified>, PublishError> {
        let mut sources = Sources::new();
        let mut out = Vec::new();
        for r in results {
            for a in &r.artifacts {
                // A counter keeps same-named files of two targets apart.
                let local = tmp.join(format!("{}-{}", out.len(), a.file));
                out.push(self.verify_artifact(&mut sources, r, a, local).await?);
            }
        }
        Ok(out)
    }

    /// Uploads the verified files to `<target>/<file>`; the entries sorted
    /// by path. The bytes uploaded are the ones checked, not a second read
    /// of staging.
    async fn upload(
        &self,
        dest: &Store,
        verified: Vec<Verified>,
    ) -> Result<(Vec<ManifestEntry>, Counts), PublishError> {
        let mut entries = Vec::new();
        let mut counts = Counts::default();
        for v in verified {
            let path = &v.entry.path;
            let outcome = dest
                .put_file(path, &v.local)
                .await
                .map_err(store_err(format!(
                    "copying {} to {}",
                    v.staged,
                    dest.object_url(path)
                )))?;
            // Disk is freed as it goes; the folder goes at the end anyway.
            let _ = std::fs::remove_file(&v.local);
            match outcome {
                PutOutcome::Created => counts.copied += 1,
                PutOutcome::AlreadyIdentical => counts.already_there += 1,
            }
            entries.push(v.entry);
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((entries, counts))
    }
}

/// The kinds of file whose package is read back, by file name.
fn is_package_file(file: &str) -> bool {
    let file = file.to_ascii_lowercase();
    [".deb", ".dsc", ".rpm", ".goo"]
        .iter()
        .any(|ext| file.ends_with(ext))
}

/// The package in the file `local`, staged as `file`, as the builders
/// record it; None for a file that is not a package (a source tarball, a
/// checksum list).
fn read_package(file: &str, local: &Path) -> Result<Option<PackageInfo>, String> {
    if !is_package_file(file) {
        return Ok(None);
    }
    if file.to_ascii_lowercase().ends_with(".goo") {
        let pkg = googet::read_package(local).map_err(|e| e.to_string())?;
        let problems = pkg.problems();
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        if file != pkg.spec.file_name() {
            return Err(format!(
                "its spec names the file {}, not {file}",
                pkg.spec.file_name()
            ));
        }
        return Ok(Some(PackageInfo {
            name: pkg.spec.name,
            version: pkg.spec.version,
            arch: pkg.spec.arch,
            format: pkgread::Format::Goo.to_string(),
        }));
    }
    let meta = pkgread::read_package(local).map_err(|e| match e.problem() {
        Some(p) => p.to_string(),
        None => e.to_string(),
    })?;
    Ok(Some(PackageInfo {
        name: meta.name.clone(),
        version: meta.full_version(),
        arch: meta.arch.clone(),
        format: meta.format.to_string(),
    }))
}

fn describe(p: Option<&PackageInfo>) -> String {
    match p {
        Some(p) => format!("{} {} ({}, {})", p.name, p.version, p.arch, p.format),
        None => "not a package".into(),
    }
}

/// The package read back from `local` must be the one `a` records.
fn check_package(
    r: &BuildResult,
    a: &Artifact,
    staged: &str,
    local: &Path,
) -> Result<(), PublishError> {
    // The reader's words name the temporary file: say the URL instead.
    let found = read_package(&a.file, local).map_err(|detail| PublishError::NotReadable {
        target: r.target.clone(),
        url: staged.to_owned(),
        detail: detail.replace(&local.display().to_string(), staged),
    })?;
    if found.as_ref() != a.package.as_ref() {
        return Err(PublishError::PackageMismatch {
            target: r.target.clone(),
            url: staged.to_owned(),
            recorded: describe(a.package.as_ref()),
            found: describe(found.as_ref()),
        });
    }
    Ok(())
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
    fn check(&self, results: &[BuildResult]) -> Result<(), PublishError> {
        self.stage.check_all(results)
    }

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
        self.stage.check_all(req.results)?;
        let tmp = tempfile::Builder::new()
            .prefix("repo-tagger-")
            .tempdir()
            .map_err(|e| PublishError::TempDir {
                detail: e.to_string(),
            })?;
        let verified = self.verify_artifacts(tmp.path(), req.results).await?;
        let (artifacts, counts) = self.upload(&dest, verified).await?;
        let manifest = Manifest {
            version: version.clone(),
            tag: version.clone(),
            commit: req.commit.to_owned(),
            build_id: req.build_id.map(str::to_owned),
            artifacts,
            extra_repos: extra_repos(req.results),
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

    /// The manifest names each target's extra repository and commit, sorted
    /// by target, and leaves the field out for a repository built alone.
    #[test]
    fn the_manifest_lists_the_extra_repos_by_target() {
        let result = |target: &str, extra: Option<&str>| BuildResult {
            target: target.into(),
            status: handoff::Status::Ok,
            version: None,
            commit: Some("c0ffee".into()),
            artifacts: vec![],
            error: None,
            host: None,
            local_changes: vec![],
            extra_repo: extra.map(|commit| handoff::ExtraRepoRecord {
                name: "google-guest-agent".into(),
                url: "/home/prow/go/src/github.com/GoogleCloudPlatform/google-guest-agent".into(),
                commit: commit.into(),
            }),
            go: None,
            run: None,
        };
        let results = [
            result("goo", Some("bbb")),
            result("deb12", Some("aaa")),
            result("el9", None),
        ];
        let repos = extra_repos(&results);
        let m = Manifest {
            version: "20261127.00".into(),
            tag: "20261127.00".into(),
            commit: "c0ffee".into(),
            build_id: None,
            artifacts: vec![],
            extra_repos: repos,
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json["extra_repos"],
            serde_json::json!([
                {"target": "deb12", "name": "google-guest-agent", "url": "/home/prow/go/src/github.com/GoogleCloudPlatform/google-guest-agent", "commit": "aaa"},
                {"target": "goo", "name": "google-guest-agent", "url": "/home/prow/go/src/github.com/GoogleCloudPlatform/google-guest-agent", "commit": "bbb"},
            ])
        );
        let alone = Manifest {
            extra_repos: extra_repos(&results[2..]),
            ..m
        };
        assert!(
            serde_json::to_value(&alone)
                .unwrap()
                .get("extra_repos")
                .is_none()
        );
    }
}
