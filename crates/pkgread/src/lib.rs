//! Reads what a built package says about itself: name, epoch, version,
//! release and architecture, from `.deb`, `.rpm`, `.src.rpm` and `.dsc`
//! files, in pure Rust (no `dpkg-deb` or `rpm` needed). The release system
//! uses it to check every package before uploading it.
//!
//! The readers take untrusted bytes: every offset and count is checked
//! against the data, sizes are capped, and anything malformed is a
//! [`ReadError`] naming the file and what is wrong, never a panic.
//!
//! # `.deb`
//!
//! An `ar` archive (`!<arch>\n`, then members with 60-byte headers, each
//! padded to an even size) whose members are, in this order:
//! `debian-binary` (exactly `2.0\n`), `control.tar` (uncompressed, `.gz`,
//! `.xz` or `.zst`) and `data.tar.*`; members whose names start with `_` may
//! sit between them and are skipped. `./control` in the control tarball is a
//! deb822 paragraph with `Package`, `Version` (`[epoch:]upstream[-revision]`)
//! and `Architecture`. The data tarball is not unpacked, only checked to be
//! wholly present.
//!
//! # `.rpm` and `.src.rpm`
//!
//! A 96-byte lead (magic `ed ab ee db`; its type is 1 for a source package),
//! then the signature header, padded to a multiple of 8 bytes, then the main
//! header, then the payload. A header is a 16-byte preamble (magic
//! `8e ad e8 01`, 4 reserved bytes, the number of index entries, the size of
//! the data store), the index entries (tag, type, offset, count, 16 bytes
//! each), then the data store the entries point into. The main header gives
//! `NAME` (1000), `VERSION` (1001), `RELEASE` (1002), `EPOCH` (1003, an
//! INT32, often absent), `ARCH` (1022) and `SOURCERPM` (1044), which binary
//! packages have and source packages lack. When the signature header gives
//! the size of the header and payload, a shorter file is reported as
//! truncated.
//!
//! # `.dsc`
//!
//! A deb822 paragraph, usually in a clear-signed PGP wrapper (removed, not
//! checked), with `Source`, `Version` and the `Files` list (`md5 size name`
//! per line), optionally `Checksums-Sha256` (`sha256 size name`); see
//! [`read_dsc_files`].
//!
//! # Versions
//!
//! ```
//! use pkgread::{Format, PackageMeta};
//! let meta = PackageMeta {
//!     name: "google-guest-agent".into(),
//!     epoch: Some(1),
//!     version: "20261127.00".into(),
//!     release: "g1".into(),
//!     arch: "amd64".into(),
//!     format: Format::Deb,
//! };
//! assert_eq!(meta.full_version(), "1:20261127.00-g1");
//! let native = PackageMeta { epoch: None, release: String::new(), ..meta };
//! assert_eq!(native.full_version(), "20261127.00");
//! assert_eq!(Format::Srpm.to_string(), "srpm");
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

mod deb;
mod dsc;
mod rpm;

pub use dsc::{DscFile, read_dsc_files, read_dsc_files_str};

/// The kind of package file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A binary `.deb`.
    Deb,
    /// A Debian source package's `.dsc`.
    Dsc,
    /// A binary `.rpm`.
    Rpm,
    /// A `.src.rpm`.
    Srpm,
    /// A googet package; read by the googet crate, which fills this in.
    Goo,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Deb => "deb",
            Format::Dsc => "dsc",
            Format::Rpm => "rpm",
            Format::Srpm => "srpm",
            Format::Goo => "goo",
        })
    }
}

/// What a package says about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageMeta {
    /// The package name.
    pub name: String,
    /// The epoch, when the package has one.
    pub epoch: Option<u32>,
    /// The upstream version, without epoch or release.
    pub version: String,
    /// The Debian revision or the rpm release; empty for a native Debian
    /// version.
    pub release: String,
    /// `source` for a `.dsc`; for rpms whatever the header says (`noarch`,
    /// `x86_64`, ...).
    pub arch: String,
    /// The kind of file it was read from.
    pub format: Format,
}

impl PackageMeta {
    /// `[epoch:]version[-release]`: the Debian version for deb and dsc, the
    /// rpm EVR for rpm and srpm (`1:20261127.00-g1.el9`).
    pub fn full_version(&self) -> String {
        let mut out = String::new();
        if let Some(epoch) = self.epoch {
            out.push_str(&format!("{epoch}:"));
        }
        out.push_str(&self.version);
        if !self.release.is_empty() {
            out.push('-');
            out.push_str(&self.release);
        }
        out
    }
}

/// Why a package could not be read.
// Each variant's `#[error]` message is its documentation.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{}: unknown package kind: expected a file name ending in .deb, .rpm, .src.rpm or .dsc",
        path.display()
    )]
    UnknownKind { path: PathBuf },
    #[error("{}: {problem}", path.display())]
    Invalid { path: PathBuf, problem: Problem },
}

impl ReadError {
    /// The file the error is about (`<memory>` for the `_bytes`/`_str`
    /// readers).
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. }
            | ReadError::UnknownKind { path }
            | ReadError::Invalid { path, .. } => path,
        }
    }

    /// What is wrong with the content, when it is the content.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ReadError::Invalid { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// What is wrong with a package's content.
// Each variant's `#[error]` message is its documentation.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    // The file as a whole.
    #[error("the file is {size} bytes, more than the {limit}-byte limit for this kind")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("file name says {named} but the content is a {found}")]
    KindMismatch { named: Format, found: Format },

    // .deb
    #[error("not an ar archive (a .deb starts with \"!<arch>\\n\")")]
    NotAr,
    #[error("malformed ar member header at byte {offset}")]
    BadArHeader { offset: u64 },
    #[error(
        "truncated: ar member {member:?} needs {size} bytes at byte {offset}, the file ends at byte {len}"
    )]
    ArTruncated {
        member: String,
        size: u64,
        offset: u64,
        len: u64,
    },
    #[error("first ar member is {found:?}, expected \"debian-binary\"")]
    NotDebianBinaryFirst { found: String },
    #[error("debian-binary is {found}, expected \"2.0\\n\"")]
    BadDebianBinary { found: String },
    #[error("unexpected ar member {member:?} (expected {expected})")]
    UnexpectedMember {
        member: String,
        expected: &'static str,
    },
    #[error("no control.tar member")]
    NoControlTar,
    #[error("no data.tar member")]
    NoDataTar,
    #[error("{member} is {size} bytes, more than the {limit}-byte limit")]
    MemberTooLarge {
        member: String,
        size: u64,
        limit: u64,
    },
    #[error("{member} cannot be decompressed: {detail}")]
    Decompress { member: String, detail: String },
    #[error("{member} decompresses to more than {limit} bytes")]
    DecompressedTooLarge { member: String, limit: u64 },
    #[error("{member} is not a valid tar archive: {detail}")]
    BadTar { member: String, detail: String },
    #[error("{member} has no ./control file")]
    NoControlFile { member: String },

    // Control files (.deb control, .dsc).
    #[error("{file}: {error}")]
    Syntax {
        file: &'static str,
        error: deb822::ParseError,
    },
    #[error("{file} is not UTF-8")]
    NotUtf8 { file: &'static str },
    #[error("{file} has no paragraph")]
    NoParagraph { file: &'static str },
    #[error("{file} has no {field} field")]
    MissingField {
        file: &'static str,
        field: &'static str,
    },
    #[error("{file} has a bad {field} field: {value:?}")]
    BadField {
        file: &'static str,
        field: &'static str,
        value: String,
    },
    #[error("version {version:?} {reason}")]
    BadVersion {
        version: String,
        reason: &'static str,
    },
    #[error("{field}: malformed entry {entry:?} (expected `{checksum} size name`)")]
    BadFileEntry {
        field: &'static str,
        checksum: &'static str,
        entry: String,
    },
    #[error("{field} lists no files")]
    NoFiles { field: &'static str },
    #[error("{field} lists {name:?} twice")]
    DuplicateFile { field: &'static str, name: String },
    #[error("Checksums-Sha256 lists {name:?} {detail}")]
    ChecksumMismatch { name: String, detail: &'static str },

    // .rpm
    #[error("not an rpm (no ed ab ee db lead magic)")]
    NotRpm,
    #[error(
        "truncated: the {what} needs {needs} bytes at byte {offset}, the file ends at byte {len}"
    )]
    Truncated {
        what: &'static str,
        needs: u64,
        offset: u64,
        len: u64,
    },
    #[error("no rpm {header} header magic (8e ad e8 01) at byte {offset}")]
    BadHeaderMagic { header: &'static str, offset: u64 },
    #[error(
        "rpm {header} header is too large: {entries} index entries and {bytes} data bytes (limits: {} entries, {} bytes)",
        rpm::MAX_ENTRIES,
        rpm::MAX_STORE
    )]
    HeaderTooLarge {
        header: &'static str,
        entries: u32,
        bytes: u32,
    },
    #[error(
        "rpm header index out of bounds: {header} header tag {tag} (type {kind}, count {count}) at offset {offset} runs past its {store}-byte data store"
    )]
    IndexOutOfBounds {
        header: &'static str,
        tag: u32,
        kind: u32,
        offset: u32,
        count: u32,
        store: u32,
    },
    #[error("rpm {header} header tag {tag} has a count of 0")]
    EmptyTag { header: &'static str, tag: u32 },
    #[error("rpm {header} header tag {tag} has unknown type {kind}")]
    UnknownTagType {
        header: &'static str,
        tag: u32,
        kind: u32,
    },
    #[error("rpm header has no {tag} tag")]
    MissingTag { tag: &'static str },
    #[error("rpm header tag {tag} has type {kind}, expected {expected}")]
    TagType {
        tag: &'static str,
        kind: u32,
        expected: &'static str,
    },
    #[error("rpm header tag {tag} {detail}")]
    BadString {
        tag: &'static str,
        detail: &'static str,
    },
    #[error(
        "truncated: the signature gives {needs} bytes of header and payload, the file has {has}"
    )]
    PayloadTruncated { needs: u64, has: u64 },
}

/// Internal failure: the file could not be read, or its content is wrong.
enum Fail {
    Io(io::Error),
    Bad(Problem),
}

impl From<Problem> for Fail {
    fn from(p: Problem) -> Self {
        Fail::Bad(p)
    }
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail::Io(e)
    }
}

impl Fail {
    fn at(self, path: &Path) -> ReadError {
        let path = path.to_path_buf();
        match self {
            Fail::Io(source) => ReadError::Io { path, source },
            Fail::Bad(problem) => ReadError::Invalid { path, problem },
        }
    }
}

/// The path shown for in-memory input.
const MEMORY: &str = "<memory>";

fn open(path: &Path) -> Result<(std::fs::File, u64), ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    Ok((file, len))
}

/// Reads a `.deb`.
pub fn read_deb(path: &Path) -> Result<PackageMeta, ReadError> {
    let (file, len) = open(path)?;
    deb::read(&mut io::BufReader::new(file), len).map_err(|f| f.at(path))
}

/// Reads a `.deb` held in memory.
pub fn read_deb_bytes(bytes: &[u8]) -> Result<PackageMeta, ReadError> {
    deb::read(&mut io::Cursor::new(bytes), bytes.len() as u64).map_err(|f| f.at(Path::new(MEMORY)))
}

/// Reads a binary or source rpm; the content decides which
/// ([`Format::Rpm`] or [`Format::Srpm`]).
pub fn read_rpm(path: &Path) -> Result<PackageMeta, ReadError> {
    let (file, len) = open(path)?;
    rpm::read(&mut io::BufReader::new(file), len).map_err(|f| f.at(path))
}

/// Reads an rpm held in memory.
pub fn read_rpm_bytes(bytes: &[u8]) -> Result<PackageMeta, ReadError> {
    rpm::read(&mut io::Cursor::new(bytes), bytes.len() as u64).map_err(|f| f.at(Path::new(MEMORY)))
}

/// Reads a `.dsc`.
pub fn read_dsc(path: &Path) -> Result<PackageMeta, ReadError> {
    let text = dsc::load(path)?;
    dsc::read(&text).map_err(|f| f.at(path))
}

/// Reads a `.dsc` held in memory.
pub fn read_dsc_str(text: &str) -> Result<PackageMeta, ReadError> {
    dsc::read(text).map_err(|f| f.at(Path::new(MEMORY)))
}

/// Reads a package, choosing the reader by file name: `.deb`, `.dsc`,
/// `.src.rpm` (must be a source rpm), `.rpm` (must be a binary rpm).
pub fn read_package(path: &Path) -> Result<PackageMeta, ReadError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let named = if name.ends_with(".deb") {
        return read_deb(path);
    } else if name.ends_with(".dsc") {
        return read_dsc(path);
    } else if name.ends_with(".src.rpm") {
        Format::Srpm
    } else if name.ends_with(".rpm") {
        Format::Rpm
    } else {
        return Err(ReadError::UnknownKind {
            path: path.to_path_buf(),
        });
    };
    let meta = read_rpm(path)?;
    if meta.format != named {
        return Err(Fail::Bad(Problem::KindMismatch {
            named,
            found: meta.format,
        })
        .at(path));
    }
    Ok(meta)
}

/// Splits a Debian version `[epoch:]upstream[-revision]`.
fn split_debian_version(version: &str) -> Result<(Option<u32>, String, String), Problem> {
    let bad = |reason| Problem::BadVersion {
        version: version.to_string(),
        reason,
    };
    if version.is_empty() {
        return Err(bad("is empty"));
    }
    if version.contains(char::is_whitespace) {
        return Err(bad("contains whitespace"));
    }
    let (epoch, rest) = match version.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("has an epoch that is not a number"));
            }
            (
                Some(e.parse().map_err(|_| bad("has an epoch too large"))?),
                rest,
            )
        }
        None => (None, version),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((_, "")) => return Err(bad("has an empty revision")),
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err(bad("has an empty upstream version"));
    }
    Ok((epoch, upstream.to_string(), revision.to_string()))
}

/// A required single-word field of a control paragraph.
fn word_field(
    para: &deb822::Paragraph,
    file: &'static str,
    field: &'static str,
) -> Result<String, Problem> {
    let value = para
        .get(field)
        .ok_or(Problem::MissingField { file, field })?;
    if value.is_empty() || value.contains(char::is_whitespace) {
        return Err(Problem::BadField {
            file,
            field,
            value: value.to_string(),
        });
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_versions() {
        let ok = |v: &str| split_debian_version(v).unwrap();
        assert_eq!(
            ok("1:20261127.00-g1"),
            (Some(1), "20261127.00".into(), "g1".into())
        );
        assert_eq!(
            ok("20261127.00"),
            (None, "20261127.00".into(), String::new())
        );
        assert_eq!(ok("1.0-2-3"), (None, "1.0-2".into(), "3".into()));
        assert_eq!(ok("0:1:2-3"), (Some(0), "1:2".into(), "3".into()));
        assert_eq!(
            ok("2.0-1+deb12u1"),
            (None, "2.0".into(), "1+deb12u1".into())
        );
        let err = |v: &str| split_debian_version(v).unwrap_err().to_string();
        assert_eq!(err(""), "version \"\" is empty");
        assert_eq!(
            err("a:1"),
            "version \"a:1\" has an epoch that is not a number"
        );
        assert_eq!(
            err(":1"),
            "version \":1\" has an epoch that is not a number"
        );
        assert_eq!(
            err("99999999999:1"),
            "version \"99999999999:1\" has an epoch too large"
        );
        assert_eq!(err("1.0-"), "version \"1.0-\" has an empty revision");
        assert_eq!(
            err("1:-1"),
            "version \"1:-1\" has an empty upstream version"
        );
        assert_eq!(err("1 .0"), "version \"1 .0\" contains whitespace");
    }

    #[test]
    fn full_version_shapes() {
        let meta = PackageMeta {
            name: "x".into(),
            epoch: Some(0),
            version: "1".into(),
            release: "g1.el9".into(),
            arch: "noarch".into(),
            format: Format::Rpm,
        };
        assert_eq!(meta.full_version(), "0:1-g1.el9");
    }

    #[test]
    fn serializes_like_it_displays() {
        let meta = PackageMeta {
            name: "x".into(),
            epoch: None,
            version: "1".into(),
            release: String::new(),
            arch: "source".into(),
            format: Format::Srpm,
        };
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"name":"x","epoch":null,"version":"1","release":"","arch":"source","format":"srpm"}"#
        );
    }
}
