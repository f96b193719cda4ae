//! The records the steps write. Field names are part of the interface (Prow
//! artifacts, pj-local, people's scripts): change them only compatibly.

use calver::{BuildVersion, Version};
use serde::{Deserialize, Serialize};

/// Whether a step succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It did what it should.
    Ok,
    /// It failed; `error` says why.
    Failed,
}

/// `version.json`: what version-gen decided (and what `--json` prints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// ok or failed.
    pub status: Status,
    /// The version, e.g. `20261127.00` (absent when failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<BuildVersion>,
    /// The UTC day used, `YYYYMMDD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The build number of the day (absent for development versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_number: Option<u64>,
    /// The highest existing version of the same day, if any.
    #[serde(default)]
    pub previous: Option<String>,
    /// `git` or `github` (absent for development versions, which ask no forge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forge: Option<String>,
    /// Requests made to the forge.
    #[serde(default)]
    pub requests: u64,
    /// True for a presubmit development version.
    #[serde(default)]
    pub dev: bool,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl VersionRecord {
    /// A record for a version file written by hand (no details known).
    pub fn ok_plain(version: BuildVersion) -> Self {
        VersionRecord {
            status: Status::Ok,
            version: Some(version),
            date: None,
            build_number: None,
            previous: None,
            forge: None,
            requests: 0,
            dev: false,
            error: None,
        }
    }

    /// A failed record.
    pub fn failed(error: impl Into<String>) -> Self {
        VersionRecord {
            status: Status::Failed,
            version: None,
            date: None,
            build_number: None,
            previous: None,
            forge: None,
            requests: 0,
            dev: false,
            error: Some(error.into()),
        }
    }
}

/// The package inside an artifact, read back from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageInfo {
    /// Package name.
    pub name: String,
    /// Full version as the package manager sees it (e.g. `1:20261127.00-g1`).
    pub version: String,
    /// Architecture (`all`, `amd64`, `x86_64`, `noarch`...).
    pub arch: String,
    /// `deb`, `dsc`, `rpm`, `srpm`, `goo`...
    pub format: String,
}

/// One file a build produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The file name (no folder).
    pub file: String,
    /// Lower-case hex sha256 of its bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Where it was staged (a store URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged_url: Option<String>,
    /// The package in it, when it is a package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageInfo>,
}

/// `results/<target>.json`: what one build produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildResult {
    /// The build target, e.g. `deb12`.
    pub target: String,
    /// ok or failed.
    pub status: Status,
    /// The version built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<BuildVersion>,
    /// The commit built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Every artifact, in a stable order.
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The distribution of the machine that built, e.g. `deb12` (for a
    /// deb, what the packages are really for, whatever the target label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Local changes that were built although not in `commit`
    /// (`--allow-dirty`), as `git status --short` shows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_changes: Vec<String>,
    /// The second repository built with this one (`--extra-repo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_repo: Option<ExtraRepoRecord>,
    /// The Go toolchain and module prefetch, for a Go build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go: Option<GoRecord>,
    /// The run that wrote it (`BUILD_ID`), in a store workspace shared by
    /// every run of the commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

/// The extra repository a build used (guest-agent's google-guest-agent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraRepoRecord {
    /// Its name, the folder it was placed in (`google-guest-agent`).
    pub name: String,
    /// Where it came from (a path or URL, credentials hidden).
    pub url: String,
    /// The commit built.
    pub commit: String,
}

/// What Go a build used and what its module prefetch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoRecord {
    /// `go1.23.5`.
    pub version: String,
    /// Modules in the build lists, fetched into the module cache.
    pub modules: usize,
    /// How long the prefetch took, in milliseconds.
    pub prefetch_ms: u64,
    /// The module cache the build saw (GOMODCACHE), when it persists
    /// (`--go-mod-cache`); a scratch cache is not recorded (it is gone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mod_cache: Option<String>,
}

/// What happened to the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagStatus {
    /// This run created the tag.
    Created,
    /// The tag already pointed at this commit (a re-run).
    AlreadyExists,
    /// The tag exists on another commit: another run took this version.
    Conflict,
    /// Something else failed before or while tagging.
    Failed,
}

/// `tag.json`: what repo-tagger did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRecord {
    /// What happened.
    pub status: TagStatus,
    /// The version (= the tag name), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Version>,
    /// The commit tagged (or meant to be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The sha of the annotated tag object, when this run created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_object: Option<String>,
    /// On conflict: the commit the existing tag points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_commit: Option<String>,
    /// `git` or `github`, and where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forge: Option<String>,
    /// The build targets whose results were checked.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Prow's BUILD_ID, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
