//! Where release tags live: a git remote or a GitHub repository, behind one
//! trait.
//!
//! - [`GitForge`]: any git remote, by URL or path, driven with the `git`
//!   command line. Listing is one `git ls-remote`; the tag is created as an
//!   object without touching local refs and pushed to `refs/tags/<version>`,
//!   which git refuses when the tag exists: that refusal is the atomic commit
//!   point.
//! - [`GitHubForge`]: the GitHub REST API through one [`github::Client`].
//!   The tags of one day come from `git/matching-refs/tags/<day>.` (every
//!   page of it), so the next version costs two requests whatever the number
//!   of tags, plus one per further 100 tags of the day; the ref creation
//!   answers 422 when the tag exists.

mod error;
pub mod git;
pub mod github;

use async_trait::async_trait;
use calver::Day;
use chrono::{DateTime, Utc};

pub use error::ForgeError;
pub use git::GitForge;
pub use github::GitHubForge;

/// Which kind of forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    /// A git remote.
    Git,
    /// The GitHub REST API.
    Github,
}

impl std::fmt::Display for ForgeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ForgeKind::Git => "git",
            ForgeKind::Github => "github",
        })
    }
}

/// Who signs a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagger {
    /// The tagger's name.
    pub name: String,
    /// The tagger's e-mail address.
    pub email: String,
}

/// An annotated tag to create.
#[derive(Debug, Clone)]
pub struct NewTag {
    /// The tag name, e.g. `20261127.00`.
    pub name: String,
    /// The full sha of the commit to tag.
    pub commit: String,
    /// The tag message.
    pub message: String,
    /// The tagger.
    pub tagger: Tagger,
    /// The tagger date.
    pub date: DateTime<Utc>,
}

/// What [`Forge::create_tag`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagOutcome {
    /// The tag was created; the sha of the new tag object.
    Created {
        /// The sha of the annotated tag object.
        tag_object: String,
    },
    /// The tag already existed and already points at the requested commit
    /// (a re-run): nothing was changed.
    AlreadyExists,
}

/// What a tag `name` found on `existing` means to a run that wants it on
/// `requested`: the same commit is a finished re-run
/// ([`TagOutcome::AlreadyExists`]), another is [`ForgeError::TagConflict`].
/// The one rule for both forges and the tagger; shas compare
/// case-insensitively and the conflict names them lower-cased.
pub fn tag_outcome(name: &str, existing: &str, requested: &str) -> Result<TagOutcome, ForgeError> {
    if existing.eq_ignore_ascii_case(requested) {
        Ok(TagOutcome::AlreadyExists)
    } else {
        Err(ForgeError::TagConflict {
            tag: name.to_owned(),
            existing: existing.to_ascii_lowercase(),
            requested: requested.to_ascii_lowercase(),
        })
    }
}

/// Access to the tags of one repository.
#[async_trait]
pub trait Forge: Send + Sync {
    /// Which kind of forge this is.
    fn kind(&self) -> ForgeKind;

    /// A short description for logs and errors, e.g. `github owner/repo` or
    /// `git remote /srv/repo.git`. Never holds a secret.
    fn describe(&self) -> String;

    /// How to delete the tag `tag` on this forge by hand, for messages: the
    /// exact command (`git push --delete origin refs/tags/<tag>`; on GitHub
    /// the API call `DELETE /repos/{o}/{r}/git/refs/tags/<tag>`). The tools
    /// never delete tags themselves; this is the way out of a mistaken one.
    fn delete_tag_hint(&self, tag: &str) -> String;

    /// The tag names that decide the next version of `day`: at least every
    /// tag whose name starts with `<day>.`; where cheap, also the tags of
    /// later days (so a clock behind the tags is noticed). Other tags may be
    /// included and are ignored by the caller.
    async fn tags_for_day(&self, day: Day) -> Result<Vec<String>, ForgeError>;

    /// The full sha of the commit `rev` names (a sha, or for git any
    /// revision). [`ForgeError::UnknownCommit`] when there is none.
    async fn resolve_commit(&self, rev: &str) -> Result<String, ForgeError>;

    /// The commit the tag `name` points at (peeled through an annotated tag),
    /// or `None` when no such tag exists.
    async fn tag_commit(&self, name: &str) -> Result<Option<String>, ForgeError>;

    /// Creates the annotated tag `tag.name` on `tag.commit`, atomically.
    ///
    /// - the tag does not exist: it is created, [`TagOutcome::Created`];
    /// - it exists on the same commit: [`TagOutcome::AlreadyExists`];
    /// - it exists on another commit: [`ForgeError::TagConflict`], nothing
    ///   changed.
    async fn create_tag(&self, tag: &NewTag) -> Result<TagOutcome, ForgeError>;

    /// How many requests (HTTP requests, or git round trips to the remote)
    /// this forge has made so far, retries included.
    fn requests(&self) -> u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_outcome_same_commit_or_conflict() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            tag_outcome("20261127.00", sha, &sha.to_ascii_uppercase()).unwrap(),
            TagOutcome::AlreadyExists
        );
        let other = "ABCDEF0123456789abcdef0123456789abcdef01";
        match tag_outcome("20261127.00", other, &sha.to_ascii_uppercase()) {
            Err(ForgeError::TagConflict {
                tag,
                existing,
                requested,
            }) => {
                assert_eq!(tag, "20261127.00");
                assert_eq!(existing, other.to_ascii_lowercase());
                assert_eq!(requested, sha);
            }
            r => panic!("{r:?}"),
        }
    }
}
