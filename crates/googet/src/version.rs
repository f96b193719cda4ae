//! googet versions: `[semver-ish]@[release]`, parsed and ordered as
//! googet's `goolib.ParseVersion` and `goolib.Compare` do.

use std::cmp::Ordering;
use std::fmt;

/// A parsed googet version.
///
/// Equality and order ignore build metadata, as googet does; [`Version::raw`]
/// keeps the text as written (the file name uses it).
#[derive(Debug, Clone)]
pub struct Version {
    raw: String,
    /// Semver major (the first of three numbers after filling on the left).
    pub major: u64,
    /// Semver minor.
    pub minor: u64,
    /// Semver patch.
    pub patch: u64,
    /// Pre-release identifiers (`-rc.1` gives `rc` and `1`).
    pub pre: Vec<Prerelease>,
    /// Build metadata identifiers (`+win` gives `win`); ignored in comparisons.
    pub build: Vec<String>,
    /// The number after `@` (0 when there is none).
    pub release: i64,
}

/// One pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prerelease {
    /// All digits, compared numerically.
    Numeric(u64),
    /// Letters, digits and `-`, compared as bytes.
    Alpha(String),
}

impl PartialOrd for Prerelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Prerelease {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Prerelease::Numeric(a), Prerelease::Numeric(b)) => a.cmp(b),
            (Prerelease::Numeric(_), Prerelease::Alpha(_)) => Ordering::Less,
            (Prerelease::Alpha(_), Prerelease::Numeric(_)) => Ordering::Greater,
            (Prerelease::Alpha(a), Prerelease::Alpha(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl fmt::Display for Prerelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prerelease::Numeric(n) => write!(f, "{n}"),
            Prerelease::Alpha(s) => f.write_str(s),
        }
    }
}

impl Version {
    /// Parses a googet version:
    ///
    /// - split at the first `@`; the right part is the release, a base-10
    ///   integer with an optional sign (none: 0);
    /// - on the left, from the first `+` or `-` on is pre-release and build
    ///   metadata;
    /// - the rest is up to 3 dotted numbers, leading zeros dropped, missing
    ///   parts filled **on the left** (`1.2` is 0.1.2);
    /// - the result must be valid semver.
    ///
    /// ```
    /// use googet::Version;
    /// let v = Version::parse("20240101.00@1").unwrap();
    /// assert_eq!((v.major, v.minor, v.patch, v.release), (0, 20240101, 0, 1));
    /// assert!(Version::parse("1.2.3.4").is_err());
    /// assert!(Version::parse("v1.2.3").is_err());
    /// assert!(Version::parse("1.2.3-rc.01").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Version, String> {
        let (left, release) = match text.split_once('@') {
            Some((l, r)) => (l, parse_release(r)?),
            None => (text, 0),
        };
        let (nums, suffix) = match left.find(['+', '-']) {
            Some(i) => left.split_at(i),
            None => (left, ""),
        };
        let mut out = ["0"; 3];
        let parts: Vec<&str> = nums.splitn(3, '.').collect();
        let offset = 3 - parts.len();
        for (i, p) in parts.iter().enumerate() {
            let trimmed = p.trim_start_matches('0');
            out[i + offset] = if trimmed.is_empty() { "0" } else { trimmed };
        }
        let semver = format!("{}.{}.{}{}", out[0], out[1], out[2], suffix);
        let (major, minor, patch, pre, build) = parse_semver(&semver)?;
        Ok(Version {
            raw: text.to_owned(),
            major,
            minor,
            patch,
            pre,
            build,
            release,
        })
    }

    /// The version as written.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The normalised form: `major.minor.patch[-pre][+build]@release`.
    pub fn normalized(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            let pre: Vec<String> = self.pre.iter().map(|p| p.to_string()).collect();
            s.push('-');
            s.push_str(&pre.join("."));
        }
        if !self.build.is_empty() {
            s.push('+');
            s.push_str(&self.build.join("."));
        }
        s.push_str(&format!("@{}", self.release));
        s
    }
}

/// Compares two version strings as googet does; an error names the one
/// that does not parse.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    let va = Version::parse(a).map_err(|e| format!("{a:?}: {e}"))?;
    let vb = Version::parse(b).map_err(|e| format!("{b:?}: {e}"))?;
    Ok(va.cmp(&vb))
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
            .then_with(|| self.release.cmp(&other.release))
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn parse_release(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the release after '@' must be a whole number, e.g. @1; found {s:?}"
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("the release after '@' is out of range: {s:?}"))
}

type Semver = (u64, u64, u64, Vec<Prerelease>, Vec<String>);

/// blang/semver's `Parse`, which googet uses.
fn parse_semver(s: &str) -> Result<Semver, String> {
    let parts: Vec<&str> = s.splitn(3, '.').collect();
    if parts.len() != 3 {
        return Err("no major.minor.patch numbers".into());
    }
    let major = number(parts[0], "major")?;
    let minor = number(parts[1], "minor")?;
    let mut patch_str = parts[2];
    let mut build = Vec::new();
    if let Some((p, b)) = patch_str.split_once('+') {
        for id in b.split('.') {
            if id.is_empty() {
                return Err("empty build metadata identifier after '+'".into());
            }
            if !id.bytes().all(is_alphanum) {
                return Err(format!(
                    "build metadata {id:?} may hold only letters, digits and '-'"
                ));
            }
            build.push(id.to_owned());
        }
        patch_str = p;
    }
    let mut pre = Vec::new();
    if let Some((p, r)) = patch_str.split_once('-') {
        for id in r.split('.') {
            pre.push(prerelease(id)?);
        }
        patch_str = p;
    }
    let patch = number(patch_str, "patch")?;
    Ok((major, minor, patch, pre, build))
}

fn number(s: &str, what: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the {what} number {s:?} is not a number (at most three dotted numbers, e.g. 20240101.00.0)"
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("the {what} number {s:?} has a leading zero"));
    }
    s.parse()
        .map_err(|_| format!("the {what} number {s:?} is too large"))
}

fn prerelease(id: &str) -> Result<Prerelease, String> {
    if id.is_empty() {
        return Err("empty pre-release identifier after '-'".into());
    }
    if id.bytes().all(|b| b.is_ascii_digit()) {
        if id.len() > 1 && id.starts_with('0') {
            return Err(format!(
                "numeric pre-release {id:?} must not have leading zeros"
            ));
        }
        return id
            .parse()
            .map(Prerelease::Numeric)
            .map_err(|_| format!("numeric pre-release {id:?} is too large"));
    }
    if id.bytes().all(is_alphanum) {
        return Ok(Prerelease::Alpha(id.to_owned()));
    }
    Err(format!(
        "pre-release {id:?} may hold only letters, digits and '-'"
    ))
}

fn is_alphanum(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}
