use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sourcetree::SourceTree;

use crate::{BuildError, ReadBackError};

/// Everything a builder needs to build.
#[derive(Debug)]
pub struct BuildContext<'a> {
    /// The source.
    pub tree: &'a SourceTree,
    /// The version to build, e.g. `20261127.00`.
    pub version: String,
    /// The build target, e.g. `deb12`.
    pub target: String,
    /// A scratch folder, removed afterwards.
    pub scratch: PathBuf,
    /// The commit URL to record in the packages, if any.
    pub commit_url: Option<String>,
    /// Extra variables for the build environment: Go's (`GOMODCACHE`,
    /// `GOFLAGS`) when Go is set up, then the `--env` pairs (which win).
    pub env: Vec<(String, String)>,
    /// The second repository (`--extra-repo`), to place as the format expects.
    pub extra: Option<ExtraRepo>,
    /// The Go this build uses, when the source or its packaging needs Go.
    pub go: Option<GoSetup>,
    /// The timestamp of reproducible files.
    pub source_date_epoch: u64,
}

/// The second repository a build uses (`--extra-repo`).
#[derive(Debug)]
pub struct ExtraRepo {
    /// The folder name it is placed under (`google-guest-agent`).
    pub name: String,
    /// Its source, at the commit to build.
    pub tree: SourceTree,
    /// Where it came from, as given (credentials hidden).
    pub shown: String,
}

/// The Go a build uses.
#[derive(Debug, Clone)]
pub struct GoSetup {
    /// The toolchain (the packaging's `/tmp/go/bin/go`).
    pub toolchain: go_cmd::Toolchain,
    /// The module cache the build sees (`GOMODCACHE`).
    pub mod_cache: PathBuf,
    /// Modules prefetched.
    pub modules: usize,
    /// How long the prefetch took.
    pub prefetch: std::time::Duration,
}

/// How the release field must look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseRule {
    /// Exactly this (deb: `g1` or `g1+deb12`).
    Exact(String),
    /// Starting with this (rpm: `g1`, then `%{?dist}`).
    Prefix(String),
}

/// What every produced package must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The epoch (the Guest OS packages use 1).
    pub epoch: Option<u32>,
    /// The upstream version.
    pub version: String,
    /// The release.
    pub release: ReleaseRule,
    /// The package names the packaging declares; `None` to accept any.
    pub names: Option<Vec<String>>,
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Built {
    /// Packages to verify and upload (binary and source packages).
    pub packages: Vec<PathBuf>,
    /// Other artifacts to upload unverified (orig tarballs, debian.tar.xz).
    pub extra: Vec<PathBuf>,
    /// What the packages must be.
    pub expect: Expectation,
}

/// One package format's build.
#[async_trait]
pub trait PackageBuilder: Send + Sync {
    /// The tool's name for messages, e.g. `packagebuild-deb`.
    fn tool(&self) -> &'static str;

    /// The target of this host when `--target` is not given, e.g. `deb12`.
    fn default_target(&self) -> Result<String, BuildError>;

    /// The distribution of this host, recorded in the result (`deb12`,
    /// `el9`); `None` when unknown or irrelevant.
    fn host(&self) -> Option<String> {
        None
    }

    /// The steps `build` would take, for `--dry-run`: commands, files,
    /// in order. Reads the packaging (and fails like `build` on bad input),
    /// changes nothing.
    async fn plan(&self, ctx: &BuildContext<'_>) -> Result<Vec<String>, BuildError>;

    /// Builds in `ctx.scratch`.
    async fn build(&self, ctx: &BuildContext<'_>) -> Result<Built, BuildError>;

    /// Reads a produced package back, for verification. The default reads
    /// .deb, .dsc and .rpm files; other formats override it.
    fn read_back(&self, path: &Path) -> Result<pkgread::PackageMeta, ReadBackError> {
        Ok(pkgread::read_package(path)?)
    }

    /// The fields that verification reads back, for `--dry-run`'s plan.
    fn checked_fields(&self) -> &'static str {
        "name, epoch, version and release"
    }

    /// What the package at `path` (one of `built.packages`) must be. The
    /// default is `built.expect` for every package; a format whose packages
    /// of one build carry different versions (googet: each goospec renders
    /// its own) overrides it.
    fn expectation(&self, path: &Path, built: &Built) -> Expectation {
        let _ = path;
        built.expect.clone()
    }
}
