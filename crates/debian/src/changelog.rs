use chrono::{DateTime, Utc};

/// The maintainer line when the control file names none.
const DEFAULT_MAINTAINER: &str = "Google Cloud Team <gc-team@google.com>";

/// The one-entry `debian/changelog` the original made with `dch --create`:
/// package `source`, `version` (with epoch), distribution `stable`, urgency
/// `medium`, one line, the maintainer, and an RFC 2822 date. The date comes
/// from `epoch` (the commit time) so the same commit gives the same file.
pub fn changelog(source: &str, version: &str, maintainer: Option<&str>, epoch: u64) -> String {
    let maintainer = maintainer
        .filter(|m| !m.is_empty())
        .unwrap_or(DEFAULT_MAINTAINER);
    format!(
        "{source} ({version}) stable; urgency=medium\n\n  * Debian packaging for {source}\n\n -- {maintainer}  {}\n",
        rfc2822(epoch)
    )
}

/// `Fri, 27 Nov 2026 16:05:09 +0000`, as Debian changelogs write dates.
pub fn rfc2822(epoch: u64) -> String {
    let t =
        DateTime::<Utc>::from_timestamp(epoch.min(i64::MAX as u64) as i64, 0).unwrap_or_default();
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}
