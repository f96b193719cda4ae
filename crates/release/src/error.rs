use forge::{Forge, ForgeError};
use handoff::HandoffError;

use crate::publish::PublishError;

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
    #[error("{source}: {remedy}")]
    Next {
        /// Why.
        source: calver::NextError,
        /// How to delete the tag on this forge (see [`ReleaseError::next`]).
        remedy: String,
    },

    /// The version to tag is dated too far after today (see
    /// [`calver::is_too_far_ahead`]), and `--allow-future` was not given.
    #[error(
        "version {version} is dated more than {max_days} day after today ({today}, UTC): check the \
         version (a typo?); a tag dated in the future blocks every release until that day. \
         Nothing is tagged; to tag it anyway (a repair), pass --allow-future"
    )]
    FutureVersion {
        /// The version to tag.
        version: String,
        /// Today (UTC) when it was checked.
        today: String,
        /// How far ahead a version may be ([`calver::MAX_DAYS_AHEAD`]).
        max_days: u64,
    },

    /// The version to tag is not a release version.
    #[error(
        "{source}; only release versions are tagged (development versions of presubmits never are)"
    )]
    NotARelease {
        /// Why it does not parse.
        #[from]
        source: calver::ParseError,
    },

    /// A build recorded a failure. The message holds the first line of the
    /// recorded error and points to the result record for the rest (a
    /// builder's error ends with its log tail, which tag.json, the
    /// tagger's log and pj-local's finished.json would otherwise repeat).
    #[error(
        "build {target} failed, so nothing is tagged: {}",
        summary(target, error)
    )]
    BuildFailed {
        /// The target.
        target: String,
        /// Its recorded error, whole.
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

    /// A result record is not the expected target's: read from
    /// `results/<expected>.json`, it names another target.
    #[error(
        "results/{expected}.json is the record of build {recorded}, not {expected}: a builder \
         writes results/<its --target>.json; nothing is tagged"
    )]
    WrongTarget {
        /// The expected target (the file name).
        expected: String,
        /// The target the record names.
        recorded: String,
    },

    /// A result record names no commit, so it cannot be shown to be built
    /// from the commit being tagged.
    #[error(
        "build {target}'s record (results/{target}.json) names no commit, so it cannot be shown to \
         be built from {commit}, the commit being tagged: the builders record the commit they \
         build; nothing is tagged"
    )]
    NoCommit {
        /// The target.
        target: String,
        /// The commit being tagged.
        commit: String,
    },

    /// A result record names an artifact the publisher would refuse
    /// (staged outside the stage root); checked before tagging.
    #[error("{0}; nothing is tagged")]
    Untrusted(#[source] Box<PublishError>),

    /// `--verify-next`: the version is no longer (or not) the next one.
    #[error("{0}; nothing is tagged")]
    NotNext(#[from] calver::NotNext),

    /// Publishing after the tag failed; the tag stays.
    #[error(
        "publishing {version} failed after tagging: {source}{}",
        if source.rerun_finishes() {
            "; re-run repo-tagger with the same options to finish"
        } else {
            ""
        }
    )]
    Publish {
        /// The version.
        version: String,
        /// What failed (boxed: the largest error, kept off every `Result`).
        source: Box<PublishError>,
    },

    /// The `--publish` store cannot be set up (other than a malformed URL,
    /// which is [`ReleaseError::Usage`]); checked before tagging.
    #[error("cannot open the release path given with --publish: {0}; nothing is tagged")]
    PublishStore(#[source] store::StoreError),
}

/// The first line of a build's recorded error; when more follows (the log
/// tail), where to read it instead of a copy.
fn summary(target: &str, error: &str) -> String {
    let mut lines = error.lines();
    let first = lines.next().unwrap_or_default().trim_end();
    let more = lines.filter(|l| !l.trim().is_empty()).count();
    if more == 0 {
        return first.to_owned();
    }
    format!(
        "{} (the rest, {more} line{}, is in its result record results/{target}.json)",
        first.trim_end_matches(':').trim_end(),
        if more == 1 { "" } else { "s" }
    )
}

impl ReleaseError {
    /// [`ReleaseError::Next`], saying how to delete the offending tag on
    /// `forge` (when it is a mistake rather than a clock behind).
    pub fn next(source: calver::NextError, forge: &dyn Forge) -> Self {
        let remedy = match &source {
            calver::NextError::TagAfterToday { tag, .. } => forge.delete_tag_hint(&tag.to_string()),
        };
        ReleaseError::Next { source, remedy }
    }

    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            ReleaseError::Usage(_)
            | ReleaseError::NotARelease { .. }
            | ReleaseError::FutureVersion { .. } => EXIT_USAGE,
            ReleaseError::Forge(e) if e.is_conflict() => EXIT_CONFLICT,
            ReleaseError::Forge(ForgeError::InvalidInput(_) | ForgeError::NoToken) => EXIT_USAGE,
            // Overtaken by time or another release: a conflict, as for a
            // taken tag; a version ahead of the next is a wrong input.
            ReleaseError::NotNext(n) if n.is_overtaken() => EXIT_CONFLICT,
            ReleaseError::NotNext(_) => EXIT_USAGE,
            // The release path holds other bytes for this version: a
            // conflict, as for a tag on another commit.
            ReleaseError::Publish { source, .. } if source.is_conflict() => EXIT_CONFLICT,
            _ => EXIT_FAILURE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_failed(error: &str) -> String {
        ReleaseError::BuildFailed {
            target: "el9".into(),
            error: error.into(),
        }
        .to_string()
    }

    #[test]
    fn a_build_failure_points_to_its_record_instead_of_repeating_the_log_tail() {
        assert_eq!(
            build_failed("rpmbuild exited with 1"),
            "build el9 failed, so nothing is tagged: rpmbuild exited with 1"
        );
        let error = "rpmbuild failed (exit code 1); full log: /tmp/b/rpmbuild.log; last lines:\n+ make\nTAIL-LINE\n\nRPM build errors:";
        assert_eq!(
            build_failed(error),
            "build el9 failed, so nothing is tagged: rpmbuild failed (exit code 1); full log: /tmp/b/rpmbuild.log; last lines (the rest, 3 lines, is in its result record results/el9.json)"
        );
    }

    #[test]
    fn a_publish_conflict_exits_3_and_other_publish_failures_1() {
        let publish = |source| ReleaseError::Publish {
            version: "20261127.00".into(),
            source: Box::new(source),
        };
        let conflict = publish(PublishError::Conflict {
            url: "file:///r/20261127.00/el9/x.rpm".into(),
        });
        assert_eq!(conflict.exit_code(), EXIT_CONFLICT);
        // Its own remedy, not the re-run hint that would meet it again.
        assert!(!conflict.to_string().ends_with("to finish"), "{conflict}");
        let gone = publish(PublishError::StagedGone {
            url: "file:///s/x.rpm".into(),
        });
        assert_eq!(gone.exit_code(), EXIT_FAILURE);
        assert!(
            gone.to_string()
                .ends_with("re-run repo-tagger with the same options to finish"),
            "{gone}"
        );
        let setup = ReleaseError::PublishStore(store::StoreError::Config {
            url: "gs://b/r".into(),
            detail: "no credentials".into(),
        });
        assert_eq!(setup.exit_code(), EXIT_FAILURE);
    }
}
