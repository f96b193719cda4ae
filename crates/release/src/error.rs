use forge::ForgeError;
use handoff::HandoffError;

use crate::{EXIT_CONFLICT, EXIT_FAILURE, EXIT_USAGE};

/// Why a release step failed. The binary prints it and exits with
/// [`ReleaseError::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A missing, malformed or contradictory option.
    #[error("{0}")]
    Usage(String),

    /// The forge failed (or the tag is taken).
    #[error(transparent)]
    Forge(#[from] ForgeError),

    /// The workspace handoff failed.
    #[error(transparent)]
    Handoff(#[from] HandoffError),

    /// The next version cannot be computed.
    #[error(transparent)]
    Next(#[from] calver::NextError),

    /// The version to tag is not a release version.
    #[error(
        "{source}; only release versions are tagged (development versions of presubmits never are)"
    )]
    NotARelease {
        /// Why it does not parse.
        #[from]
        source: calver::ParseError,
    },

    /// A build recorded a failure.
    #[error("build {target} failed, so nothing is tagged: {error}")]
    BuildFailed {
        /// The target.
        target: String,
        /// Its recorded error.
        error: String,
    },

    /// A build made a different version than the one to tag.
    #[error(
        "build {target} made version {built}, not {tagging}: the steps of this run disagree; nothing is tagged"
    )]
    VersionMismatch {
        /// The target.
        target: String,
        /// What it built.
        built: String,
        /// What we tag.
        tagging: String,
    },

    /// `--verify-next`: the version is no longer (or not) the next one.
    #[error("{0}; nothing is tagged")]
    NotNext(#[from] calver::NotNext),

    /// Publishing after the tag failed (re-running converges).
    #[error(
        "publishing {version} failed after tagging: {detail}; re-run repo-tagger with the same options to finish"
    )]
    Publish {
        /// The version.
        version: String,
        /// What failed.
        detail: String,
    },
}

impl ReleaseError {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            ReleaseError::Usage(_) | ReleaseError::NotARelease { .. } => EXIT_USAGE,
            ReleaseError::Forge(e) if e.is_conflict() => EXIT_CONFLICT,
            ReleaseError::Forge(ForgeError::InvalidInput(_) | ForgeError::NoToken) => EXIT_USAGE,
            // Overtaken by time or another release: a conflict, as for a
            // taken tag; a version ahead of the next is a wrong input.
            ReleaseError::NotNext(n) if n.is_overtaken() => EXIT_CONFLICT,
            ReleaseError::NotNext(_) => EXIT_USAGE,
            _ => EXIT_FAILURE,
        }
    }
}
