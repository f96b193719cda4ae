//! `version-gen`: the next release version from the forge's tags.

use calver::Day;
use chrono::{DateTime, Utc};
use forge::Forge;
use handoff::{Claim, Status, VersionRecord, Workspace};
use tracing::{info, warn};

use crate::ReleaseError;

/// The next release version of day `day` from `forge`'s tags.
///
/// All tags count; the forge decides how to list them cheaply (one
/// `git ls-remote`, or two GitHub requests, plus one per further 100 tags of
/// a day). A failed listing is an error, never a fallback to `<day>.00`.
/// Tags shaped like versions whose date is not a real calendar day are not
/// versions: they are ignored, with a warning naming them.
pub async fn generate(forge: &dyn Forge, day: Day) -> Result<VersionRecord, ReleaseError> {
    info!(
        "computing the next version for {day} from {}",
        forge.describe()
    );
    let tags = forge.tags_for_day(day).await?;
    let next = next_version(forge, &tags, day)?;
    info!(
        tags = tags.len(),
        requests = forge.requests(),
        "next version {} (previous of the day: {})",
        next.version,
        next.previous.map_or("none".to_string(), |p| p.to_string())
    );
    Ok(VersionRecord {
        status: Status::Ok,
        version: Some(next.version.into()),
        date: Some(day.to_string()),
        build_number: Some(next.version.build()),
        previous: next.previous.map(|p| p.to_string()),
        forge: Some(forge.kind().to_string()),
        requests: forge.requests(),
        dev: false,
        error: None,
    })
}

/// How many times a claim is tried before giving up: each try either wins
/// a create-only write or reads another run's winning claim, so more than a
/// few means something else keeps writing claims.
const CLAIM_TRIES: u32 = 8;

/// The version of `commit` in the store workspace `ws`, one per commit
/// across re-runs, pods and days (see [`Claim`]):
///
/// - no claim yet: the next version of `day` from the forge, claimed with a
///   create-only `claims/0000.json`; a run that loses the race uses the
///   winner's;
/// - a claim whose tag is absent, or on this commit: that version, whatever
///   the day;
/// - a claim whose tag another commit took (this commit's builds failed and
///   a later commit released that version): the next version, claimed as
///   the next `claims/<n>.json`, create-only again, so that racing re-runs
///   agree; said in the log.
pub async fn claim(
    ws: &Workspace,
    forge: &dyn Forge,
    commit: &str,
    day: Day,
    run: Option<&str>,
) -> Result<VersionRecord, ReleaseError> {
    for _ in 0..CLAIM_TRIES {
        let latest = ws.latest_claim().await?;
        let next_number = match &latest {
            None => 0,
            Some((n, c)) => {
                let tag = c.version.to_string();
                match forge.tag_commit(&tag).await? {
                    Some(other) if !other.eq_ignore_ascii_case(&c.commit) => {
                        warn!(
                            "{tag}, claimed for {commit} ({}), was tagged on {other} since: claiming the next version",
                            ws.describe()
                        );
                        n + 1
                    }
                    _ => {
                        info!(
                            "{tag} is claimed for {commit} (claim {n} in {}): using it",
                            ws.describe()
                        );
                        return Ok(c.record.clone());
                    }
                }
            }
        };
        let rec = generate(forge, day).await?;
        let Some(version) = rec.version.and_then(|v| v.release()) else {
            return Err(ReleaseError::Usage(
                "the next version is not a release version".into(),
            ));
        };
        let claim = Claim {
            version,
            commit: commit.to_owned(),
            run: run.map(str::to_owned),
            record: rec.clone(),
        };
        if ws.create_claim(next_number, &claim).await? {
            info!(
                "claimed {version} for {commit} (claim {next_number} in {})",
                ws.describe()
            );
            return Ok(rec);
        }
        // Another run claimed first: read its claim.
    }
    Err(ReleaseError::Usage(format!(
        "could not claim a version for {commit} in {} after {CLAIM_TRIES} tries: other runs keep writing claims; look at {}/claims/",
        ws.describe(),
        ws.describe()
    )))
}

/// Most tags with an impossible date that are named one by one in the log.
const MAX_IGNORED_NAMED: usize = 10;

/// [`calver::next_version`] of `tags`, warning about the tags it ignored as
/// not real dates and saying on failure how to delete a mistaken tag.
pub(crate) fn next_version(
    forge: &dyn Forge,
    tags: &[String],
    day: Day,
) -> Result<calver::Next, ReleaseError> {
    let next = calver::next_version(tags.iter().map(String::as_str), day)
        .map_err(|e| ReleaseError::next(e, forge))?;
    for tag in next.ignored.iter().take(MAX_IGNORED_NAMED) {
        warn!(
            "ignoring tag {tag}: it looks like a version, but its date is not a real calendar \
             day, so it is not one (a typo?); delete it with {}",
            forge.delete_tag_hint(tag)
        );
    }
    if next.ignored.len() > MAX_IGNORED_NAMED {
        warn!(
            "ignoring {} more tags whose dates are not real calendar days",
            next.ignored.len() - MAX_IGNORED_NAMED
        );
    }
    Ok(next)
}

/// The development version of a presubmit built at `now`; asks no forge.
pub fn generate_dev(now: DateTime<Utc>) -> VersionRecord {
    VersionRecord {
        status: Status::Ok,
        version: Some(calver::dev_version(now)),
        date: Some(Day::from_utc(now).to_string()),
        build_number: None,
        previous: None,
        forge: None,
        requests: 0,
        dev: true,
        error: None,
    }
}
