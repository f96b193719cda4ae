//! The calendar version of Guest OS releases, `YYYYMMDD.NN`.
//!
//! This documentation is the specification: each rule below is a doctest, so
//! it cannot drift from the code.
//!
//! # The format
//!
//! The UTC day of the build, a dot, and the build number of that day. The
//! build number starts at `00`, is written with at least two digits and simply
//! grows past 99. Tags are the bare version, no `v` prefix.
//!
//! ```
//! use calver::Version;
//! let v: Version = "20261127.07".parse().unwrap();
//! assert_eq!(v.to_string(), "20261127.07");
//! assert_eq!(v.build(), 7);
//! assert_eq!(v.day().to_string(), "20261127");
//! assert_eq!("20261127.100".parse::<Version>().unwrap().to_string(), "20261127.100");
//! ```
//!
//! # Two questions: does a tag name look like a version, and is it one?
//!
//! The crate answers them with two types:
//!
//! - [`VersionTag`]: a tag **name** shaped like a version, exactly what the
//!   original release scripts accepted and repositories rely on: eight digits
//!   (any eight: not checked to be a date), a dot, one or more digits. This is
//!   the spec's table of "parsing a tag as a version"; it only classifies
//!   names.
//! - [`Version`]: a release version. Its date part is a **real calendar
//!   day**, always: [`Version::parse`], [`FromStr`], serde and
//!   [`Version::new`] all guarantee it, so a value of this type can be tagged
//!   or built. A name shaped like a version whose date is not a real day
//!   (`20261302.00`, month 13; `12345678.05`) is *not* a version.
//!
//! Why two types rather than one lenient `Version` with an optional date: a
//! caller cannot forget the date check. Whatever holds a [`Version`] (the
//! next version, the version to tag, a builder's version through
//! [`BuildVersion`]) holds a real day, and a typo'd tag is classified, not
//! silently used: [`next_version`] ignores and reports it.
//!
//! ```
//! use calver::{Version, VersionTag};
//! let shape = |s: &str| s.parse::<VersionTag>().map(|t| t.to_string()).ok();
//! assert_eq!(shape("20190515.23").as_deref(), Some("20190515.23"));
//! assert_eq!(shape("12345678.05").as_deref(), Some("12345678.05")); // leading zero kept
//! assert_eq!(shape("03221432.2").as_deref(), Some("03221432.02"));  // padded
//! for bad in ["234232.3", "2026112.00", "abcd1234.4", "abcd-123.32", "20190515.23.2",
//!             "12345678.", "-12345678.98", "12345678.-98", "", "v20190515.23",
//!             "20190515.23-rc1", " 20190515.23", "20190515.+1"] {
//!     assert!(bad.parse::<VersionTag>().is_err(), "{bad:?} is not shaped like a version");
//!     assert!(bad.parse::<Version>().is_err(), "{bad:?} is not a version");
//! }
//!
//! // Shaped like versions, but their dates do not exist: not versions.
//! for bad_date in ["20261302.00", "20261327.00", "20261100.00", "20230229.00",
//!                  "12345678.05", "03221432.2"] {
//!     let tag: VersionTag = bad_date.parse().unwrap();
//!     assert_eq!(tag.version(), None, "{bad_date}");
//!     let err = bad_date.parse::<Version>().unwrap_err();
//!     assert!(err.is_bad_date(), "{bad_date}");
//!     assert!(err.to_string().contains("not a real calendar date"), "{err}");
//! }
//! assert_eq!(Version::parse("20240229.03").unwrap().to_string(), "20240229.03"); // a leap day
//! ```
//!
//! # Ordering
//!
//! Versions compare by day, then by build number **as integers**: the shell
//! version of the original sorted names as strings and put `.100` before `.99`.
//!
//! ```
//! use calver::Version;
//! let v = |s: &str| s.parse::<Version>().unwrap();
//! assert!(v("20261127.99") < v("20261127.100"));
//! assert!(v("20261126.500") < v("20261127.00"));
//! assert_eq!(v("20261127.7"), v("20261127.07"));
//! ```
//!
//! # The next version
//!
//! Given the repository's tags and today's UTC day `D`: `D.00` when no version
//! tag of day `D` exists, else `D.(highest build of D + 1)`. All tags count,
//! whatever their number; tags that are not versions (`v1.2.3`, `latest`,
//! `20190515.23-rc1`) are ignored, never an error.
//!
//! ```
//! use calver::{next_version, Day};
//! let d = Day::parse("20261127").unwrap();
//! let next = |tags: &[&str]| next_version(tags.iter().copied(), d).unwrap().version.to_string();
//! assert_eq!(next(&[]), "20261127.00");
//! assert_eq!(next(&["20261126.04", "v1.2.3", "latest"]), "20261127.00"); // a day without tags
//! assert_eq!(next(&["20261127.00", "20261127.01"]), "20261127.02");
//! assert_eq!(next(&["20261127.99", "20261127.98"]), "20261127.100");   // not .9a, not .990
//! assert_eq!(next(&["20261127.100", "20261127.99"]), "20261127.101");
//! assert_eq!(next(&["20261127.3", "20261127.10-rc1"]), "20261127.04");
//! ```
//!
//! A tag shaped like a version whose date is not a real day (a typo'd
//! `20261302.00` that was pushed) is not a version either: it is ignored, so
//! it cannot block every later release, and [`Next::ignored`] names it so
//! that the caller can warn and tell how to delete it.
//!
//! ```
//! use calver::{next_version, Day};
//! let d = Day::parse("20261127").unwrap();
//! let next = next_version(["20261127.00", "20261302.00", "12345678.05"], d).unwrap();
//! assert_eq!(next.version.to_string(), "20261127.01");
//! assert_eq!(next.ignored, ["20261302.00", "12345678.05"]);
//! ```
//!
//! # Never going backwards
//!
//! A version tag dated after `D` (clock skew, a wrong `--date`, or a
//! mistaken tag) is refused: handing out `D.NN` would sort below a version
//! that already exists.
//!
//! ```
//! use calver::{next_version, Day, NextError};
//! let d = Day::parse("20261127").unwrap();
//! let err = next_version(["20261127.01", "20261128.00"], d).unwrap_err();
//! assert!(matches!(err, NextError::TagAfterToday { .. }));
//! assert!(err.to_string().contains("20261128.00"));
//! ```
//!
//! # Not too far ahead
//!
//! A version to be tagged may be dated at most [`MAX_DAYS_AHEAD`] day after
//! today (UTC): the clock of the machine that computed it may be a little
//! ahead, but a version of next month is a typo, and once tagged it would
//! block every release until that day.
//!
//! ```
//! use calver::{Day, Version, is_too_far_ahead};
//! let today = Day::parse("20261127").unwrap();
//! let v = |s: &str| s.parse::<Version>().unwrap();
//! assert!(!is_too_far_ahead(v("20200101.00"), today)); // the past: backfills, repairs
//! assert!(!is_too_far_ahead(v("20261127.05"), today));
//! assert!(!is_too_far_ahead(v("20261128.00"), today)); // one day: clock skew
//! assert!(is_too_far_ahead(v("20261129.00"), today));
//! assert!(is_too_far_ahead(v("99991231.00"), today));
//! ```
//!
//! # The day is a UTC calendar day
//!
//! [`Day::parse`] takes `YYYYMMDD` and requires a real calendar date;
//! [`Day::today_utc`] reads the clock in UTC, never in the machine's time
//! zone.
//!
//! ```
//! use calver::Day;
//! assert_eq!(Day::parse("20240229").unwrap().to_string(), "20240229");
//! assert!(Day::parse("20230229").is_err());
//! assert!(Day::parse("20261302").is_err());
//! assert!(Day::parse("2026-11-27").is_err());
//! ```
//!
//! # Development versions
//!
//! Presubmits build with `0.YYYYMMDDHHMMSS` (UTC): it needs no tag, sorts
//! below every release version as a Debian upstream version, an RPM `Version:`
//! and, with `.0@1` appended, a googet version (`0.YYYYMMDDHHMMSS.0` against
//! `YYYYMMDD.NN.0`), and later builds sort above earlier ones. It is never a
//! valid release tag.
//!
//! ```
//! use calver::{dev_version, Version};
//! use chrono::{TimeZone, Utc};
//! let dev = dev_version(Utc.with_ymd_and_hms(2026, 11, 27, 16, 5, 9).unwrap());
//! assert_eq!(dev.to_string(), "0.20261127160509");
//! assert!(dev.to_string().parse::<Version>().is_err());
//! ```
//!
//! # What a package may be built as
//!
//! A builder takes a release version or a development version, nothing else:
//! [`BuildVersion::parse`] decides, with the same real-date rule for both.
//!
//! ```
//! use calver::BuildVersion;
//! assert!(matches!(BuildVersion::parse("20261127.00"), Ok(BuildVersion::Release(_))));
//! assert!(matches!(BuildVersion::parse("0.20261127160509"), Ok(BuildVersion::Dev(_))));
//! for bad in ["2026112.00", "20261327.00", "0.20261327160509", "0.2026112716050",
//!             "0.20261127250000", "1.2.3", "v1.0", ""] {
//!     assert!(BuildVersion::parse(bad).is_err(), "{bad:?}");
//! }
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most digits a build number may have (keeps it inside `u64`).
const MAX_BUILD_DIGITS: usize = 18;

/// How many days after today (UTC) a version to tag may be dated: the clock
/// of the machine that computed it may be that far ahead. See
/// [`is_too_far_ahead`].
pub const MAX_DAYS_AHEAD: u64 = 1;

/// A tag name shaped like a version: eight digits, a dot, one or more digits.
///
/// This is what the original release scripts accepted (the spec's table of
/// "parsing a tag as a version"): the eight digits are not checked to be a
/// date. It classifies tag names; only [`VersionTag::version`] (a real date)
/// makes a [`Version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionTag {
    digits: u32,
    build: u64,
}

/// A release version `YYYYMMDD.NN` whose date is a real calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    // Field order matters: the derived ordering is (day, build).
    day: Day,
    build: u64,
}

/// Why a string is not a version (or not shaped like one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a {what}: {reason} (expected {expected})")]
pub struct ParseError {
    input: String,
    what: &'static str,
    reason: &'static str,
    expected: &'static str,
}

const RELEASE: &str = "release version";
const RELEASE_FORM: &str = "YYYYMMDD.NN, e.g. 20261127.00";
const BAD_DATE: &str = "the date part is not a real calendar date";
const DEV: &str = "development version";
const DEV_FORM: &str = "0.YYYYMMDDHHMMSS, a UTC date and time, e.g. 0.20261127160509";

impl ParseError {
    fn release(input: &str, reason: &'static str) -> Self {
        ParseError {
            input: input.to_owned(),
            what: RELEASE,
            reason,
            expected: RELEASE_FORM,
        }
    }

    /// Whether the input is shaped like a version ([`VersionTag`]) and only
    /// its date is wrong (`20261302.00`).
    pub fn is_bad_date(&self) -> bool {
        self.reason == BAD_DATE
    }

    /// The input as given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl VersionTag {
    /// Parses a tag name; see the crate documentation for what is accepted.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let err = |reason| ParseError::release(input, reason);
        let (day, build) = input.split_once('.').ok_or_else(|| err("no dot"))?;
        if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the date part must be 8 digits"));
        }
        if build.is_empty() {
            return Err(err("the build number is empty"));
        }
        if !build.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the build number must be digits only"));
        }
        let build = build.trim_start_matches('0');
        if build.len() > MAX_BUILD_DIGITS {
            return Err(err("the build number is too large"));
        }
        Ok(VersionTag {
            digits: day
                .parse()
                .map_err(|_| err("the date part must be 8 digits"))?,
            build: if build.is_empty() {
                0
            } else {
                build
                    .parse()
                    .map_err(|_| err("the build number is too large"))?
            },
        })
    }

    /// The eight date digits as a number (`20261127`), a date or not.
    pub fn day_number(&self) -> u32 {
        self.digits
    }

    /// The build number.
    pub fn build(&self) -> u64 {
        self.build
    }

    /// The date, when the eight digits are a real calendar day.
    pub fn date(&self) -> Option<Day> {
        Day::from_number(self.digits)
    }

    /// The release version, when the date is a real calendar day; `None`
    /// for a name like `20261302.00`, which is not a version.
    pub fn version(&self) -> Option<Version> {
        self.date().map(|day| Version::new(day, self.build))
    }
}

impl fmt::Display for VersionTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}.{:02}", self.digits, self.build)
    }
}

impl FromStr for VersionTag {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VersionTag::parse(s)
    }
}

impl Version {
    /// The version `day.build`.
    pub fn new(day: Day, build: u64) -> Self {
        Version { day, build }
    }

    /// Parses a release version: shaped like a version ([`VersionTag`]) and
    /// dated on a real calendar day.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        VersionTag::parse(input)?
            .version()
            .ok_or_else(|| ParseError::release(input, BAD_DATE))
    }

    /// The day of the version.
    pub fn day(&self) -> Day {
        self.day
    }

    /// The eight date digits as a number (`20261127`).
    pub fn day_number(&self) -> u32 {
        self.day.as_u32()
    }

    /// The build number of the day.
    pub fn build(&self) -> u64 {
        self.build
    }

    /// The following build of the same day.
    pub fn successor(&self) -> Version {
        Version {
            day: self.day,
            build: self.build + 1,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.day, self.build)
    }
}

impl FromStr for Version {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Version::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A UTC calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(NaiveDate);

/// Why a `--date` value is not a day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a date: expected YYYYMMDD, a real calendar day (e.g. 20261127)")]
pub struct DayError {
    input: String,
}

impl Day {
    /// Parses `YYYYMMDD`; the date must exist.
    pub fn parse(input: &str) -> Result<Self, DayError> {
        let err = || DayError {
            input: input.to_owned(),
        };
        if input.len() != 8 || !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        NaiveDate::parse_from_str(input, "%Y%m%d")
            .map(Day)
            .map_err(|_| err())
    }

    /// The day `YYYYMMDD` given as a number, when it exists.
    fn from_number(n: u32) -> Option<Self> {
        let (year, month, day) = (n / 10_000, n / 100 % 100, n % 100);
        NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day).map(Day)
    }

    /// The day of `now` in UTC.
    pub fn from_utc(now: DateTime<Utc>) -> Self {
        Day(now.date_naive())
    }

    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Self {
        Day::from_utc(Utc::now())
    }

    /// The date as the number `YYYYMMDD`.
    pub fn as_u32(&self) -> u32 {
        let d = self.0;
        d.year() as u32 * 10_000 + d.month() * 100 + d.day()
    }

    /// The next calendar day.
    pub fn succ(&self) -> Day {
        Day(self.0.succ_opt().expect("date range ends in year 262143"))
    }

    /// The underlying date.
    pub fn date(&self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.as_u32())
    }
}

impl FromStr for Day {
    type Err = DayError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Day::parse(s)
    }
}

/// The outcome of [`next_version`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// The version to release.
    pub version: Version,
    /// The highest existing version of the same day, if any (what `version`
    /// follows); `None` when this is the day's first build.
    pub previous: Option<Version>,
    /// How many tags were looked at (versions or not).
    pub tags_seen: usize,
    /// The tags shaped like versions whose date is not a real calendar day
    /// (`20261302.00`), as given: not versions, so ignored; the caller
    /// should say so, they are most likely typos to delete.
    pub ignored: Vec<String>,
}

/// Why no next version can be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NextError {
    /// A version tag is dated after today.
    #[error(
        "tag {tag} is dated after today ({today}, UTC): refusing to hand out a version that sorts \
         below an existing one. If the clock is behind or --date is wrong, check the machine's \
         clock or pass --date {tag_day} or later; if the tag is a mistake, delete it"
    )]
    TagAfterToday {
        /// The latest such tag.
        tag: Version,
        /// The day that was asked for.
        today: Day,
        /// The tag's date digits.
        tag_day: String,
    },
}

/// The next release version for `today` given every tag of the repository.
///
/// `tags` must hold at least every tag of `today` and of the days after it
/// that the caller wants checked (see the crate docs); other tags are
/// ignored. Tags shaped like versions whose date is not a real day are
/// ignored too, and listed in [`Next::ignored`].
pub fn next_version<'a, I>(tags: I, today: Day) -> Result<Next, NextError>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut previous: Option<Version> = None;
    let mut latest_future: Option<Version> = None;
    let mut tags_seen = 0;
    let mut ignored = Vec::new();
    for tag in tags {
        tags_seen += 1;
        let Ok(shape) = VersionTag::parse(tag) else {
            continue;
        };
        let Some(v) = shape.version() else {
            ignored.push(tag.to_owned());
            continue;
        };
        if v.day == today {
            previous = previous.max(Some(v));
        } else if v.day > today {
            latest_future = latest_future.max(Some(v));
        }
    }
    if let Some(tag) = latest_future {
        return Err(NextError::TagAfterToday {
            tag,
            today,
            tag_day: tag.day.to_string(),
        });
    }
    let version = match previous {
        Some(p) => p.successor(),
        None => Version::new(today, 0),
    };
    Ok(Next {
        version,
        previous,
        tags_seen,
        ignored,
    })
}

/// Whether `version` is dated more than [`MAX_DAYS_AHEAD`] days after
/// `today`: too far ahead to be clock skew, so most likely a typo. Versions
/// of the past are never too far ahead (backfills, repairs).
pub fn is_too_far_ahead(version: Version, today: Day) -> bool {
    let latest = today
        .0
        .checked_add_days(chrono::Days::new(MAX_DAYS_AHEAD))
        .unwrap_or(NaiveDate::MAX);
    version.day.0 > latest
}

/// Why a version about to be tagged is not the next one (see
/// [`check_is_next`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotNext {
    /// The version is of an earlier day: the UTC day changed since it was
    /// computed (a release that ran over midnight).
    #[error(
        "version {version} is of {version_day}, but today is {today} (UTC): the day changed since it \
         was computed, so it is no longer the next version ({next} is); re-run the release, which \
         computes a version of {today}"
    )]
    DayChanged {
        /// The version to tag.
        version: Version,
        /// Its date digits.
        version_day: String,
        /// Today.
        today: String,
        /// The next version now.
        next: Version,
    },
    /// Another release took the version (or a later one of the day) since it
    /// was computed.
    #[error(
        "version {version} is no longer the next one for {today} (the next is {next}): another \
         release happened since it was computed; re-run the release"
    )]
    Taken {
        /// The version to tag.
        version: Version,
        /// Today.
        today: String,
        /// The next version now.
        next: Version,
    },
    /// The version is ahead of the next one: nothing made the versions in
    /// between, so it is most likely a typo.
    #[error(
        "version {version} is ahead of the next one for {today} ({next}): no release made the \
         versions in between; check the version (a typo?)"
    )]
    Ahead {
        /// The version to tag.
        version: Version,
        /// Today.
        today: String,
        /// The next version now.
        next: Version,
    },
    /// The version is dated after today.
    #[error(
        "version {version} is dated after today ({today}, UTC): check the version (a typo?) and the \
         machine's clock"
    )]
    AfterToday {
        /// The version to tag.
        version: Version,
        /// Today.
        today: String,
    },
}

impl NotNext {
    /// Whether the version was valid when computed and time or another
    /// release overtook it (re-running the release helps), rather than a
    /// wrong version (a typo; re-running does not help).
    pub fn is_overtaken(&self) -> bool {
        matches!(self, NotNext::DayChanged { .. } | NotNext::Taken { .. })
    }
}

/// Checks that `version` is `next`, the next version of today as
/// [`next_version`] computed it; otherwise says why not.
///
/// ```
/// use calver::{check_is_next, next_version, Day, NotNext, Version};
/// let v = |s: &str| s.parse::<Version>().unwrap();
/// let today = Day::parse("20261128").unwrap();
/// let next = next_version(["20261127.04"], today).unwrap().version; // 20261128.00
/// assert!(check_is_next(v("20261128.00"), next).is_ok());
/// // Computed at 23:59:59 on the 27th, tagged after midnight: refused.
/// assert!(matches!(check_is_next(v("20261127.05"), next), Err(NotNext::DayChanged { .. })));
/// assert!(matches!(check_is_next(v("20261128.03"), next), Err(NotNext::Ahead { .. })));
/// assert!(matches!(check_is_next(v("20261129.00"), next), Err(NotNext::AfterToday { .. })));
/// let next = next_version(["20261128.00", "20261128.01"], today).unwrap().version;
/// assert!(matches!(check_is_next(v("20261128.01"), next), Err(NotNext::Taken { .. })));
/// ```
pub fn check_is_next(version: Version, next: Version) -> Result<(), NotNext> {
    let today = next.day.to_string();
    match version.day.cmp(&next.day) {
        std::cmp::Ordering::Less => Err(NotNext::DayChanged {
            version,
            version_day: version.day.to_string(),
            today,
            next,
        }),
        std::cmp::Ordering::Greater => Err(NotNext::AfterToday { version, today }),
        std::cmp::Ordering::Equal => match version.build.cmp(&next.build) {
            std::cmp::Ordering::Equal => Ok(()),
            std::cmp::Ordering::Less => Err(NotNext::Taken {
                version,
                today,
                next,
            }),
            std::cmp::Ordering::Greater => Err(NotNext::Ahead {
                version,
                today,
                next,
            }),
        },
    }
}

/// The development version for a presubmit built at `now`: `0.YYYYMMDDHHMMSS`
/// (to the second).
pub fn dev_version(now: DateTime<Utc>) -> BuildVersion {
    let seconds = DateTime::<Utc>::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    BuildVersion::Dev(seconds)
}

/// A version a package may be built as: a release version, or the
/// development version of a presubmit (see [`dev_version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildVersion {
    /// `YYYYMMDD.NN`, dated on a real calendar day.
    Release(Version),
    /// `0.YYYYMMDDHHMMSS`, a real UTC date and time.
    Dev(DateTime<Utc>),
}

impl BuildVersion {
    /// Parses a release version or a development version; anything else
    /// (`1.2.3`, `2026112.00`, `20261327.00`) is an error naming the input.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let Some(stamp) = input.strip_prefix("0.") else {
            return Version::parse(input).map(BuildVersion::Release);
        };
        let err = |reason| ParseError {
            input: input.to_owned(),
            what: DEV,
            reason,
            expected: DEV_FORM,
        };
        if stamp.len() != 14 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the time stamp must be 14 digits"));
        }
        NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S")
            .map(|t| BuildVersion::Dev(t.and_utc()))
            .map_err(|_| err("the time stamp is not a real date and time"))
    }

    /// The release version, when this is one.
    pub fn release(&self) -> Option<Version> {
        match self {
            BuildVersion::Release(v) => Some(*v),
            BuildVersion::Dev(_) => None,
        }
    }
}

impl From<Version> for BuildVersion {
    fn from(v: Version) -> Self {
        BuildVersion::Release(v)
    }
}

impl fmt::Display for BuildVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildVersion::Release(v) => v.fmt(f),
            BuildVersion::Dev(t) => write!(f, "0.{}", t.format("%Y%m%d%H%M%S")),
        }
    }
}

impl FromStr for BuildVersion {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BuildVersion::parse(s)
    }
}

// As text: the handoff records hold `"20261127.00"` or `"0.20261127160509"`,
// parsed once when read.
impl Serialize for BuildVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BuildVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        BuildVersion::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: u32) -> Day {
        Day::from_number(n).unwrap()
    }

    #[test]
    fn parse_error_names_input() {
        let e = Version::parse("20190515.23-rc1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"20190515.23-rc1\" is not a release version: the build number must be digits only \
             (expected YYYYMMDD.NN, e.g. 20261127.00)"
        );
        assert!(!e.is_bad_date());
    }

    #[test]
    fn a_date_that_does_not_exist_is_not_a_version() {
        // The issue: a typo'd tag of month 13, and days that do not exist.
        for bad in [
            "20261302.00",
            "20261327.00",
            "20261131.00",
            "20261100.05",
            "20270229.00",
        ] {
            let e = Version::parse(bad).unwrap_err();
            assert!(e.is_bad_date(), "{bad}");
            assert_eq!(e.input(), bad);
            assert_eq!(
                e.to_string(),
                format!(
                    "{bad:?} is not a release version: the date part is not a real calendar \
                     date (expected YYYYMMDD.NN, e.g. 20261127.00)"
                )
            );
            assert!(VersionTag::parse(bad).is_ok(), "{bad} is shaped like one");
            assert!(serde_json::from_str::<Version>(&format!("{bad:?}")).is_err());
        }
        // Seven digits are not even shaped like a version.
        let e = Version::parse("2026112.00").unwrap_err();
        assert!(!e.is_bad_date());
        assert!(e.to_string().contains("must be 8 digits"), "{e}");
        assert_eq!(Version::parse("20280229.00").unwrap().day(), day(20280229));
    }

    #[test]
    fn version_tag_keeps_its_digits() {
        let t = VersionTag::parse("12345678.5").unwrap();
        assert_eq!((t.day_number(), t.build()), (12345678, 5));
        assert_eq!(t.date(), None);
        let t = VersionTag::parse("20261127.5").unwrap();
        assert_eq!(t.version(), Some(Version::new(day(20261127), 5)));
    }

    #[test]
    fn huge_build_number_is_not_a_version() {
        assert!(Version::parse("20261127.1234567890123456789012").is_err());
        // Leading zeros do not count against the limit.
        assert_eq!(
            Version::parse("20261127.0000000000000000000000001")
                .unwrap()
                .build(),
            1
        );
    }

    #[test]
    fn previous_is_highest_of_the_day() {
        let d = Day::parse("20261127").unwrap();
        let n = next_version(["20261127.02", "20261127.10", "20261126.50"], d).unwrap();
        assert_eq!(n.previous.unwrap().to_string(), "20261127.10");
        assert_eq!(n.tags_seen, 3);
        assert!(n.ignored.is_empty());
        let n = next_version(["20261126.50"], d).unwrap();
        assert_eq!(n.previous, None);
    }

    #[test]
    fn future_error_names_latest_future_tag() {
        let d = Day::parse("20261127").unwrap();
        let e = next_version(["20261128.00", "20261201.03", "20261130.09"], d).unwrap_err();
        let NextError::TagAfterToday { tag, .. } = &e;
        assert_eq!(tag.to_string(), "20261201.03");
        assert!(e.to_string().contains("--date 20261201"));
    }

    /// The issue: `20261302.00` was tagged; every later run failed with
    /// "dated after today ... pass --date 20261302", a date that cannot be
    /// given. It is not a version, so it is ignored (and reported).
    #[test]
    fn a_typod_tag_does_not_block_later_releases() {
        let d = Day::parse("20261127").unwrap();
        let tags = ["20261127.04", "20261302.00", "20261327.00", "99999999.99"];
        let n = next_version(tags, d).unwrap();
        assert_eq!(n.version.to_string(), "20261127.05");
        assert_eq!(n.ignored, ["20261302.00", "20261327.00", "99999999.99"]);
        assert_eq!(n.tags_seen, 4);
        // A real date in the future still refuses.
        let e = next_version(["20261302.00", "20261203.00"], d).unwrap_err();
        assert!(e.to_string().contains("tag 20261203.00"), "{e}");
    }

    #[test]
    fn too_far_ahead_is_more_than_one_day() {
        let v = |s: &str| Version::parse(s).unwrap();
        // Across a month and a year end, and a leap day.
        assert!(!is_too_far_ahead(v("20270101.00"), day(20261231)));
        assert!(is_too_far_ahead(v("20270102.00"), day(20261231)));
        assert!(!is_too_far_ahead(v("20280301.00"), day(20280229)));
        assert!(is_too_far_ahead(v("20280301.00"), day(20280228)));
        assert!(!is_too_far_ahead(v("00010101.00"), day(20261127)));
        // The last day there is.
        assert!(!is_too_far_ahead(v("99991231.00"), day(99991231)));
    }

    #[test]
    fn build_versions() {
        assert_eq!(
            BuildVersion::parse("20261127.03"),
            Ok(BuildVersion::Release(Version::new(day(20261127), 3)))
        );
        let BuildVersion::Dev(t) = BuildVersion::parse("0.20280229235959").unwrap() else {
            panic!("a development version");
        };
        assert_eq!(t.to_rfc3339(), "2028-02-29T23:59:59+00:00");
        for (bad, says) in [
            (
                "2026112.00",
                "\"2026112.00\" is not a release version: the date part must be 8 digits",
            ),
            (
                "20261327.00",
                "\"20261327.00\" is not a release version: the date part is not a real calendar date",
            ),
            (
                "0.20261327160509",
                "\"0.20261327160509\" is not a development version: the time stamp is not a real \
                 date and time (expected 0.YYYYMMDDHHMMSS",
            ),
            (
                "0.2026",
                "\"0.2026\" is not a development version: the time stamp must be 14 digits",
            ),
            ("1.2.3", "\"1.2.3\" is not a release version"),
        ] {
            let e = BuildVersion::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with(says), "{bad}: {e}");
        }
        // What dev_version makes parses back.
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 27, 16, 5, 9).unwrap();
        assert_eq!(
            BuildVersion::parse(&dev_version(now).to_string()),
            Ok(BuildVersion::Dev(now))
        );
        // As text in records, both ways.
        for text in ["\"20261127.03\"", "\"0.20280229235959\""] {
            let v: BuildVersion = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&v).unwrap(), text);
        }
        assert!(serde_json::from_str::<BuildVersion>("\"20261327.00\"").is_err());
    }

    #[test]
    fn day_from_utc_ignores_local_offset() {
        use chrono::TimeZone;
        // 23:30 in UTC-5 is already the next day in UTC.
        let t = chrono::FixedOffset::west_opt(5 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 27, 23, 30, 0)
            .unwrap();
        assert_eq!(Day::from_utc(t.with_timezone(&Utc)).to_string(), "20261128");
    }

    #[test]
    fn serde_round_trip() {
        let v = Version::parse("20261127.3").unwrap();
        let s = serde_json::to_string(&v).unwrap();
        assert_eq!(s, "\"20261127.03\"");
        assert_eq!(serde_json::from_str::<Version>(&s).unwrap(), v);
        assert!(serde_json::from_str::<Version>("\"x\"").is_err());
    }

    /// The day the property tests call today.
    const TODAY: u32 = 20200110;

    fn arb_version() -> impl Strategy<Value = Version> {
        (20200101u32..20200110, 0u64..200).prop_map(|(d, build)| Version::new(day(d), build))
    }

    /// Build numbers of today: small ones, the `.99`/`.100` boundary, and
    /// gaps (any value up to 1,000), so that counting tags instead of taking
    /// the highest build number gives a wrong answer.
    fn arb_build_of_today() -> impl Strategy<Value = u64> {
        prop_oneof![0u64..5, 95u64..105, 0u64..1000]
    }

    /// Tags of earlier days and of today, in any order, each possibly written
    /// with extra leading zeros (`20200110.7`, `20200110.007`).
    fn arb_tags() -> impl Strategy<Value = (Vec<Version>, Vec<String>)> {
        let earlier = proptest::collection::vec(arb_version(), 0..40);
        let today = proptest::collection::vec(
            arb_build_of_today().prop_map(|build| Version::new(day(TODAY), build)),
            0..20,
        );
        (earlier, today, proptest::collection::vec(0usize..3, 60)).prop_flat_map(
            |(earlier, today, pads)| {
                let all: Vec<Version> = earlier.into_iter().chain(today).collect();
                let names: Vec<String> = all
                    .iter()
                    .zip(pads.iter().cycle())
                    .map(|(v, pad)| format!("{}.{}{}", v.day, "0".repeat(*pad), v.build))
                    .collect();
                (Just(all), Just(names).prop_shuffle())
            },
        )
    }

    #[test]
    fn ninety_nine_is_followed_by_one_hundred() {
        let d = Day::parse("20261127").unwrap();
        let tags: Vec<String> = (0..=99).map(|n| format!("20261127.{n:02}")).collect();
        let next = next_version(tags.iter().map(String::as_str), d).unwrap();
        assert_eq!(next.version.to_string(), "20261127.100");
        assert_eq!(next.previous.unwrap().to_string(), "20261127.99");
        let next = next_version(["20261127.100", "20261127.99", "20261127.05"], d).unwrap();
        assert_eq!(next.version.to_string(), "20261127.101");
    }

    proptest! {
        /// The next version is exactly today's highest build + 1 (or today's
        /// `.00`), so it is greater than every existing version (when none
        /// is after today) and is never one of them. Names shaped like
        /// versions with dates that do not exist (any eight digits) change
        /// nothing and are reported.
        #[test]
        fn next_is_greater_than_every_existing((tags, names) in arb_tags(),
                                               noise in proptest::collection::vec(
                                                   "[a-z0-9.\\-]{0,12}".prop_filter("not a version", |s| Version::parse(s).is_err()),
                                                   0..10),
                                               bad_dates in proptest::collection::vec(
                                                   (0u32..100_000_000, 0u64..300)
                                                       .prop_filter("not a date", |(d, _)| Day::from_number(*d).is_none())
                                                       .prop_map(|(d, b)| format!("{d:08}.{b:02}")),
                                                   0..5)) {
            let today = Day::parse(&TODAY.to_string()).unwrap();
            let mut names = names;
            names.extend(noise);
            names.extend(bad_dates.iter().cloned());
            let next = next_version(names.iter().map(String::as_str), today).unwrap();
            for t in &tags {
                prop_assert!(next.version > *t, "{} <= {}", next.version, t);
            }
            prop_assert_eq!(next.version.day_number(), today.as_u32());
            let highest_today = tags.iter().filter(|v| v.day == day(TODAY)).map(|v| v.build).max();
            prop_assert_eq!(next.version.build(), highest_today.map_or(0, |b| b + 1));
            prop_assert_eq!(next.previous.map(|p| p.build()), highest_today);
            for b in &bad_dates {
                prop_assert!(next.ignored.contains(b), "{} not reported", b);
            }
        }

        /// Display and parse are inverse.
        #[test]
        fn display_parse_round_trip(v in arb_version()) {
            prop_assert_eq!(Version::parse(&v.to_string()).unwrap(), v);
        }

        /// A real date is a version exactly when it is a `Day`.
        #[test]
        fn a_version_has_a_day(d in 0u32..100_000_000, b in 0u64..1000) {
            let name = format!("{d:08}.{b:02}");
            let tag = VersionTag::parse(&name).unwrap();
            prop_assert_eq!(tag.to_string(), name.clone());
            match Day::parse(&format!("{d:08}")) {
                Ok(day) => prop_assert_eq!(Version::parse(&name), Ok(Version::new(day, b))),
                Err(_) => prop_assert!(Version::parse(&name).unwrap_err().is_bad_date()),
            }
        }

        /// The numeric order agrees with the order of (day, build).
        #[test]
        fn order_is_numeric(a in arb_version(), b in arb_version()) {
            prop_assert_eq!(a.cmp(&b), (a.day_number(), a.build).cmp(&(b.day_number(), b.build)));
        }

        /// Parsing never panics.
        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Version::parse(&s);
            let _ = VersionTag::parse(&s);
            let _ = BuildVersion::parse(&s);
            let _ = Day::parse(&s);
        }
    }
}
