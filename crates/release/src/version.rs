//! `version-gen`: the next release version from the forge's tags.

use calver::Day;
use chrono::{DateTime, Utc};
use forge::Forge;
use handoff::{Status, VersionRecord};
use tracing::info;

use crate::ReleaseError;

/// The next release version of day `day` from `forge`'s tags.
///
/// All tags count; the forge decides how to list them cheaply (one
/// `git ls-remote`, or two GitHub requests). A failed listing is an error,
/// never a fallback to `<day>.00`.
pub async fn generate(forge: &dyn Forge, day: Day) -> Result<VersionRecord, ReleaseError> {
    info!(
        "computing the next version for {day} from {}",
        forge.describe()
    );
    let tags = forge.tags_for_day(day).await?;
    let next = calver::next_version(tags.iter().map(String::as_str), day)?;
    info!(
        tags = tags.len(),
        requests = forge.requests(),
        "next version {} (previous of the day: {})",
        next.version,
        next.previous.map_or("none".to_string(), |p| p.to_string())
    );
    Ok(VersionRecord {
        status: Status::Ok,
        version: Some(next.version.to_string()),
        date: Some(day.to_string()),
        build_number: Some(next.version.build()),
        previous: next.previous.map(|p| p.to_string()),
        forge: Some(forge.kind().to_string()),
        requests: forge.requests(),
        dev: false,
        error: None,
    })
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
