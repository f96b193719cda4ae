//! `repo-tagger`: the commit point of a release.
//!
//! 1. the version: given, or read from the workspace (waiting for it); it
//!    must be a release version (a real calendar date) dated at most
//!    [`calver::MAX_DAYS_AHEAD`] day after today, UTC (unless
//!    `allow_future`);
//! 2. the builds: wait for `results/<target>.json` of every expected target;
//!    any failure, absence or version mismatch refuses the tag;
//!    each record must be of the target its file is named after;
//! 3. the commit is resolved on the forge (an unknown commit is an error);
//!    every record must name it as the commit built, and the publisher
//!    must accept every staged URL (under its stage root);
//! 4. a tag already there on this commit is a finished re-run (exit 0); on
//!    another commit it is a conflict (exit 3);
//! 5. `--verify-next`: the version must still be the next one for today;
//! 6. the tag is created; the forge makes this atomic, so of concurrent runs
//!    for one version exactly one wins and the others get a conflict;
//! 7. the publisher runs (only when the tag points at our commit);
//! 8. `tag.json` is written to the workspace and `$ARTIFACTS`, whatever
//!    happened.

use std::path::PathBuf;
use std::time::Duration;

use calver::{BuildVersion, Day, Version};
use chrono::{DateTime, Utc};
use forge::{Forge, ForgeError, NewTag, TagOutcome, Tagger};
use handoff::{BuildResult, Record, Recorder, Status, Step, TagRecord, TagStatus, Workspace};
use tracing::{info, warn};

use crate::ReleaseError;
use crate::publish::{PublishRequest, Publisher};

/// Default tagger name.
pub const DEFAULT_TAGGER_NAME: &str = "Guest OS Release";
/// Default tagger e-mail.
pub const DEFAULT_TAGGER_EMAIL: &str = "guest-os-release@noreply.github.com";

/// What to tag, and how.
#[derive(Debug, Clone)]
pub struct TagOptions {
    /// The version; `None` reads it from the workspace.
    pub version: Option<String>,
    /// The shared workspace, if any.
    pub workspace: Option<Workspace>,
    /// Build targets whose results must be present and ok.
    pub expect: Vec<String>,
    /// Bound on every wait.
    pub wait_timeout: Duration,
    /// The commit (a sha, or for git any revision such as `HEAD`).
    pub rev: String,
    /// The tag message; default `Release <version>`.
    pub message: Option<String>,
    /// Who tags.
    pub tagger: Tagger,
    /// Refuse unless the version is still the next one for today.
    pub verify_next: bool,
    /// Tag a version dated more than [`calver::MAX_DAYS_AHEAD`] day after
    /// today (a repair); refused otherwise.
    pub allow_future: bool,
    /// The day `verify_next` checks against (`--date`); `None` reads the
    /// clock when checking, since a run may wait past midnight before it.
    pub date: Option<Day>,
    /// The wall clock, read when the tag is made (its tagger date, and
    /// today for `verify_next`); tests pass a fixed one.
    pub clock: fn() -> DateTime<Utc>,
    /// Prow's BUILD_ID.
    pub build_id: Option<String>,
    /// `$ARTIFACTS`.
    pub artifacts: Option<PathBuf>,
}

/// Runs the tagger; `tag.json` is written whatever the outcome.
pub async fn run(
    forge: &dyn Forge,
    publisher: &dyn Publisher,
    opts: &TagOptions,
) -> Result<TagRecord, ReleaseError> {
    let mut record = failed_record(opts, Some(forge.describe()));
    let outcome = tag(forge, publisher, opts, &mut record).await;
    if let Err(e) = &outcome {
        record.status = match e {
            ReleaseError::Forge(ForgeError::TagConflict { existing, .. }) => {
                record.existing_commit = Some(existing.clone());
                TagStatus::Conflict
            }
            ReleaseError::NotNext(n) if n.is_overtaken() => TagStatus::Conflict,
            _ => TagStatus::Failed,
        };
        record.error = Some(e.to_string());
    }
    // A record that cannot be written is logged; the tag is what counts.
    let _ = recorder(opts).record(Record::Tag(&record)).await;
    outcome.map(|()| record)
}

async fn tag(
    forge: &dyn Forge,
    publisher: &dyn Publisher,
    opts: &TagOptions,
    record: &mut TagRecord,
) -> Result<(), ReleaseError> {
    // Parsed once, here: a tag is a release version.
    let version = match (&opts.version, &opts.workspace) {
        (Some(v), _) => Version::parse(v)?,
        (None, Some(ws)) => match ws.wait_version(opts.wait_timeout).await? {
            BuildVersion::Release(v) => v,
            // A presubmit's version: refused with the parser's words.
            dev => Version::parse(&dev.to_string())?,
        },
        (None, None) => {
            return Err(ReleaseError::Usage(
                "no version: pass --version V, or --workspace DIR holding the file `version`"
                    .into(),
            ));
        }
    };
    record.version = Some(version);
    let version_text = version.to_string();
    check_not_too_far_ahead(opts, version)?;

    let results = wait_for_builds(opts, version).await?;

    let commit = forge.resolve_commit(&opts.rev).await?;
    record.commit = Some(commit.clone());
    for r in &results {
        let Some(built) = &r.commit else {
            return Err(ReleaseError::NoCommit {
                target: r.target.clone(),
                commit: commit.clone(),
            });
        };
        if !built.eq_ignore_ascii_case(&commit) {
            return Err(ReleaseError::Usage(format!(
                "build {} was made from commit {built}, but the tag would go on {commit}: pass the same --sha (PULL_BASE_SHA) to every step",
                r.target
            )));
        }
    }
    // Before the tag: a record naming files outside the stage root must
    // not get a version tagged, whatever happens to the publishing.
    publisher
        .check(&results)
        .map_err(|e| ReleaseError::Untrusted(Box::new(e)))?;

    let outcome = match forge.tag_commit(&version_text).await? {
        Some(existing) => forge::tag_outcome(&version_text, &existing, &commit)?,
        None => {
            let now = (opts.clock)();
            if opts.verify_next && !claimed_for(opts, version, &commit).await? {
                let today = opts.date.unwrap_or_else(|| Day::from_utc(now));
                verify_next(forge, version, today).await?;
            }
            let message = opts
                .message
                .clone()
                .unwrap_or_else(|| format!("Release {version_text}"));
            forge
                .create_tag(&NewTag {
                    name: version_text.clone(),
                    commit: commit.clone(),
                    message,
                    tagger: opts.tagger.clone(),
                    date: now,
                })
                .await?
        }
    };
    match &outcome {
        TagOutcome::Created { tag_object } => {
            info!(
                "created tag {version_text} on {commit} in {}",
                forge.describe()
            );
            record.status = TagStatus::Created;
            record.tag_object = Some(tag_object.clone());
        }
        TagOutcome::AlreadyExists => {
            info!("tag {version_text} already points at {commit}: nothing to do (a re-run)");
            record.status = TagStatus::AlreadyExists;
        }
    }

    let summary = publisher
        .publish(&PublishRequest {
            version: &version_text,
            commit: &commit,
            results: &results,
            build_id: opts.build_id.as_deref(),
        })
        .await
        .map_err(|source| ReleaseError::Publish {
            version: version_text.clone(),
            source: Box::new(source),
        })?;
    info!("{summary}");
    Ok(())
}

/// Waits for the expected results and checks them.
async fn wait_for_builds(
    opts: &TagOptions,
    version: Version,
) -> Result<Vec<BuildResult>, ReleaseError> {
    if opts.expect.is_empty() {
        return Ok(Vec::new());
    }
    let Some(ws) = &opts.workspace else {
        return Err(ReleaseError::Usage(
            "--expect needs --workspace DIR: the build results are read from DIR/results".into(),
        ));
    };
    // In a store workspace, an earlier run's results of another version
    // (a replaced claim) are not this release's: they count as missing.
    let this_version = BuildVersion::Release(version);
    let results = ws
        .wait_results(
            &opts.expect,
            ws.is_store().then_some(&this_version),
            opts.wait_timeout,
        )
        .await?;
    for r in &results {
        if r.status == Status::Failed {
            return Err(ReleaseError::BuildFailed {
                target: r.target.clone(),
                error: r
                    .error
                    .clone()
                    .unwrap_or_else(|| "no error recorded".into()),
            });
        }
        if r.version != Some(BuildVersion::Release(version)) {
            return Err(ReleaseError::VersionMismatch {
                target: r.target.clone(),
                built: r
                    .version
                    .map_or_else(|| "no version".into(), |v| v.to_string()),
                tagging: version.to_string(),
            });
        }
    }
    // Ready results come in the order asked, one per results/<target>.json.
    for (expected, r) in opts.expect.iter().zip(&results) {
        if r.target != *expected {
            return Err(ReleaseError::WrongTarget {
                expected: expected.clone(),
                recorded: r.target.clone(),
            });
        }
    }
    info!(
        "all {} expected builds succeeded: {}",
        results.len(),
        opts.expect.join(", ")
    );
    Ok(results)
}

/// A version dated more than [`calver::MAX_DAYS_AHEAD`] day after today
/// (UTC, from the clock; `--date` does not move it) is refused unless
/// `allow_future`: once tagged it would block every release until that day.
/// Versions of the past are fine (backfills, repairs).
fn check_not_too_far_ahead(opts: &TagOptions, version: Version) -> Result<(), ReleaseError> {
    let today = Day::from_utc((opts.clock)());
    if !calver::is_too_far_ahead(version, today) {
        return Ok(());
    }
    if opts.allow_future {
        warn!("tagging {version}, dated after today ({today}, UTC), as --allow-future asks");
        return Ok(());
    }
    Err(ReleaseError::FutureVersion {
        version: version.to_string(),
        today: today.to_string(),
        max_days: calver::MAX_DAYS_AHEAD,
    })
}

/// `--verify-next`: one look at today's tags, no retry loop; a version the
/// day or another release overtook is refused (a re-run computes a new one).
async fn verify_next(forge: &dyn Forge, version: Version, today: Day) -> Result<(), ReleaseError> {
    let tags = forge.tags_for_day(today).await?;
    let next = crate::version::next_version(forge, &tags, today)?;
    calver::check_is_next(version, next.version)?;
    info!("{version} is still the next version for {today}");
    Ok(())
}

/// Whether `version` is the store workspace's claim for `commit`: then
/// `--verify-next` checks only that no other commit holds its tag (done by
/// the caller: the tag is absent), not that it is today's next version, so
/// that a re-run on a later day finishes the commit's own release.
async fn claimed_for(
    opts: &TagOptions,
    version: Version,
    commit: &str,
) -> Result<bool, ReleaseError> {
    let Some(ws) = opts.workspace.as_ref().filter(|w| w.is_store()) else {
        return Ok(false);
    };
    let claimed = match ws.latest_claim().await? {
        Some((_, c)) => c.version == version && c.commit.eq_ignore_ascii_case(commit),
        None => false,
    };
    if claimed {
        info!(
            "{version} is claimed for {commit} ({}): no other commit holds its tag",
            ws.describe()
        );
    }
    Ok(claimed)
}

/// Records a failure that happened before [`run`] could start (e.g. the
/// forge could not be opened), so that tag.json always tells.
pub async fn record_failure(opts: &TagOptions, error: &ReleaseError) {
    let version = given_version(opts).map(BuildVersion::from);
    recorder(opts).failed(&error.to_string(), version).await;
}

/// The record before anything happened: failed until shown otherwise.
fn failed_record(opts: &TagOptions, forge: Option<String>) -> TagRecord {
    TagRecord {
        status: TagStatus::Failed,
        version: given_version(opts),
        commit: None,
        tag_object: None,
        existing_commit: None,
        forge,
        targets: opts.expect.clone(),
        build_id: opts.build_id.clone(),
        error: None,
    }
}

/// `--version`, when it is a release version (the record holds only
/// versions; a bad one is in the error).
fn given_version(opts: &TagOptions) -> Option<Version> {
    opts.version.as_deref().and_then(|v| Version::parse(v).ok())
}

/// Where repo-tagger's records go: the workspace and `$ARTIFACTS`.
fn recorder(opts: &TagOptions) -> Recorder {
    Recorder::new(
        "repo-tagger",
        Step::Tag {
            targets: opts.expect.clone(),
            build_id: opts.build_id.clone(),
        },
        opts.workspace.clone(),
        opts.artifacts.clone(),
    )
}
