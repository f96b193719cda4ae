//! `version-gen`: the next release version from the forge's tags.

use calver::Day;
use chrono::{DateTime, Utc};
use forge::Forge;
use handoff::{Status, VersionRecord};
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
