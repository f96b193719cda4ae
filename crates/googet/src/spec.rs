//! The goospec model, its decoding with Go's rules, the checks goopack
//! makes (and the path checks it lacks), and the embedded `.pkgspec`.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;

use crate::json::{self, Indented, Json, Num};
use crate::{Error, Version, render};

/// The architectures googet knows.
pub const ARCHES: [&str; 5] = ["noarch", "x86_64", "x86_32", "arm", "arm64"];
/// At most this many tags.
pub const MAX_TAGS: usize = 10;
/// A tag key is at most this many bytes.
pub const MAX_TAG_KEY: usize = 127;
/// A tag value is at most this many bytes.
pub const MAX_TAG_VALUE: usize = 10 * 1024;

/// A script or program googet runs: `install`, `uninstall`, `verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecFile {
    /// Relative to the package; `install`/`uninstall` paths are cleaned
    /// (`./a/../b.ps1` is `b.ps1`).
    pub path: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Exit codes that count as success (besides 0).
    pub exit_codes: Vec<i64>,
}

/// The command run before packing, one per host OS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Build {
    /// The command on Windows hosts.
    pub windows: String,
    /// Its arguments.
    pub windows_args: Vec<String>,
    /// The command on Linux hosts; relative to the spec's folder unless
    /// absolute.
    pub linux: String,
    /// Its arguments.
    pub linux_args: Vec<String>,
}

/// Which files go into the package, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// Literal paths or globs (`*` within a folder name, `**` across
    /// folders), relative to `root`.
    pub include: Vec<String>,
    /// Globs relative to `root` removing files that globs included.
    pub exclude: Vec<String>,
    /// The folder the includes are relative to, relative to the working
    /// folder (empty: the working folder).
    pub root: String,
    /// The folder in the package the files land in (empty: the top).
    pub target: String,
}

/// A goospec: the package's fields (stored in the package as
/// `<name>.pkgspec`) plus `build` and `sources`, which drive packing and
/// are not stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    /// The package name (required).
    pub name: String,
    /// The googet version as written (required), e.g. `20240101.00@1`.
    pub version: String,
    /// One of [`ARCHES`] (required).
    pub arch: String,
    /// Keeps an installed package on its architecture.
    pub lock_arch: bool,
    /// Release notes, one string per note.
    pub release_notes: Vec<String>,
    /// What the package is.
    pub description: String,
    /// Its license.
    pub license: String,
    /// Its authors.
    pub authors: String,
    /// Its owners.
    pub owners: String,
    /// Where its source lives.
    pub source: String,
    /// Free-form tags (bytes; base64 in JSON); `None` for a JSON `null`.
    pub tags: BTreeMap<String, Option<Vec<u8>>>,
    /// Package name to minimum version.
    pub pkg_dependencies: BTreeMap<String, String>,
    /// Packages this one replaces; `None` when not given (stored as `null`).
    pub replaces: Option<Vec<String>>,
    /// Packages this one conflicts with.
    pub conflicts: Option<Vec<String>>,
    /// Packages this one provides.
    pub provides: Option<Vec<String>>,
    /// Run on install.
    pub install: ExecFile,
    /// Run on removal.
    pub uninstall: ExecFile,
    /// Run to verify an installation.
    pub verify: ExecFile,
    /// Path in the package to destination (may start with `<EnvVar>`; a
    /// trailing `/` means a folder).
    pub files: BTreeMap<String, String>,
    /// The "Add/Remove programs" entry this package owns.
    pub external_program_name: String,
    /// The build command (not stored in the package).
    pub build: Build,
    /// The files to pack (not stored in the package).
    pub sources: Vec<Source>,
    /// Keys this packer does not know (goopack ignores them silently; the
    /// builder warns), e.g. `sources[0].incldue`.
    pub unknown_keys: Vec<String>,
}

/// Parses a rendered goospec (or an embedded `.pkgspec`): one JSON object
/// whose keys match the field names case-insensitively, as Go's decoder
/// does; then normalises the script paths and checks every field, in
/// goopack's order first, then the path checks goopack lacks.
///
/// ```
/// let spec = googet::parse_spec(r#"{"name":"p","version":"1.2.3","arch":"noarch"}"#).unwrap();
/// assert_eq!(spec.file_name(), "p.noarch.1.2.3.goo");
/// assert_eq!(spec.pkgspec_json().len(), 201);
/// let err = googet::parse_spec(r#"{"name":"p","version":"1","arch":"x86"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("invalid architecture: \"x86\""));
/// ```
pub fn parse_spec(text: &str) -> Result<Spec, Error> {
    let fields = match json::parse(text)? {
        Json::Object(fields) => fields,
        other => {
            return Err(Error::NotAnObject {
                found: other.kind(),
            });
        }
    };
    let mut spec = Spec::default();
    decode(&mut spec, fields)?;
    spec.normalize()?;
    spec.verify()?;
    Ok(spec)
}

/// Reads, renders and parses a goospec file; errors name the file.
pub fn load_spec(path: &Path, vars: &BTreeMap<String, String>) -> Result<Spec, Error> {
    let size = std::fs::metadata(path)
        .map_err(fs_error::at("cannot read", path))?
        .len();
    if size > crate::MAX_SPEC_BYTES as u64 {
        return Err(Error::SpecTooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit: crate::MAX_SPEC_BYTES,
        }
        .in_spec(path));
    }
    let bytes = std::fs::read(path).map_err(fs_error::at("cannot read", path))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::TemplateSyntax {
            line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count(),
            column: 1,
            message: "the file is not UTF-8 text".into(),
        }
        .in_spec(path)
    })?;
    let rendered = render(&text, vars).map_err(|e| e.in_spec(path))?;
    parse_spec(&rendered).map_err(|e| e.in_spec(path))
}

impl Spec {
    /// `<name>.<arch>.<version>.goo`, the version exactly as written.
    pub fn file_name(&self) -> String {
        format!("{}.{}.{}.goo", self.name, self.arch, self.version)
    }

    /// `<name>.pkgspec`, the last entry of the package.
    pub fn pkgspec_name(&self) -> String {
        format!("{}.pkgspec", self.name)
    }

    /// The parsed version (valid once [`parse_spec`] accepted the spec).
    pub fn parsed_version(&self) -> Result<Version, Error> {
        Version::parse(&self.version).map_err(|reason| Error::BadVersion {
            field: "version".into(),
            version: self.version.clone(),
            reason,
        })
    }

    /// The embedded `<name>.pkgspec`, byte for byte as goopack writes it:
    /// Go's `json.MarshalIndent(spec, "", "  ")` of googet's `PkgSpec`
    /// without a trailing newline.
    pub fn pkgspec_json(&self) -> String {
        let mut w = Indented::new();
        w.open('{');
        w.key("Name");
        w.string(&self.name);
        w.key("Version");
        w.string(&self.version);
        w.key("Arch");
        w.string(&self.arch);
        if self.lock_arch {
            w.key("LockArch");
            w.raw("true");
        }
        if !self.release_notes.is_empty() {
            w.key("ReleaseNotes");
            w.strings(Some(&self.release_notes));
        }
        for (k, v) in [
            ("Description", &self.description),
            ("License", &self.license),
            ("Authors", &self.authors),
            ("Owners", &self.owners),
            ("Source", &self.source),
        ] {
            if !v.is_empty() {
                w.key(k);
                w.string(v);
            }
        }
        if !self.tags.is_empty() {
            w.key("Tags");
            w.open('{');
            for (k, v) in &self.tags {
                w.key(k);
                match v {
                    None => w.raw("null"),
                    Some(b) => w.string(&base64::engine::general_purpose::STANDARD.encode(b)),
                }
            }
            w.close('}');
        }
        if !self.pkg_dependencies.is_empty() {
            w.key("PkgDependencies");
            string_map(&mut w, &self.pkg_dependencies);
        }
        w.key("Replaces");
        w.strings(self.replaces.as_deref());
        w.key("Conflicts");
        w.strings(self.conflicts.as_deref());
        w.key("Provides");
        w.strings(self.provides.as_deref());
        for (k, e) in [
            ("Install", &self.install),
            ("Uninstall", &self.uninstall),
            ("Verify", &self.verify),
        ] {
            w.key(k);
            w.open('{');
            if !e.path.is_empty() {
                w.key("Path");
                w.string(&e.path);
            }
            if !e.args.is_empty() {
                w.key("Args");
                w.strings(Some(&e.args));
            }
            if !e.exit_codes.is_empty() {
                w.key("ExitCodes");
                w.open('[');
                for c in &e.exit_codes {
                    w.element();
                    w.raw(&c.to_string());
                }
                w.close(']');
            }
            w.close('}');
        }
        if !self.files.is_empty() {
            w.key("Files");
            string_map(&mut w, &self.files);
        }
        w.key("ExternalProgramName");
        w.string(&self.external_program_name);
        w.close('}');
        w.out
    }

    /// goopack's `normalize`, refusing script paths that climb out of the
    /// package (goopack would silently drop the `..`).
    fn normalize(&mut self) -> Result<(), Error> {
        for (field, e) in [
            ("install.path", &mut self.install),
            ("uninstall.path", &mut self.uninstall),
        ] {
            if is_absolute(&e.path) {
                continue; // refused by verify, with goopack's words
            }
            check_inside(field, &e.path, "the package")?;
            e.path = clean(&e.path);
        }
        Ok(())
    }

    /// goopack's checks in goopack's order, then the path checks it lacks.
    fn verify(&self) -> Result<(), Error> {
        if self.name.is_empty() {
            return Err(Error::NoName);
        }
        if !ARCHES.contains(&self.arch.as_str()) {
            return Err(Error::InvalidArch {
                arch: self.arch.clone(),
            });
        }
        if self.version.is_empty() {
            return Err(Error::EmptyVersion);
        }
        self.parsed_version()?;
        if self.tags.len() > MAX_TAGS {
            return Err(Error::TooManyTags {
                count: self.tags.len(),
            });
        }
        for (k, v) in &self.tags {
            if k.len() > MAX_TAG_KEY {
                return Err(Error::TagKeyTooLarge {
                    key: k.chars().take(40).collect(),
                    len: k.len(),
                });
            }
            let len = v.as_ref().map_or(0, Vec::len);
            if len > MAX_TAG_VALUE {
                return Err(Error::TagTooLarge {
                    key: k.clone(),
                    len,
                });
            }
        }
        for (k, v) in &self.pkg_dependencies {
            Version::parse(v).map_err(|reason| Error::BadVersion {
                field: format!("pkgDependencies.{k}"),
                version: v.clone(),
                reason,
            })?;
        }
        for k in self.files.keys() {
            if is_absolute(k) {
                return Err(Error::AbsolutePath {
                    field: "files".into(),
                    path: k.clone(),
                });
            }
        }
        for (field, e) in [
            ("install.path", &self.install),
            ("uninstall.path", &self.uninstall),
            ("verify.path", &self.verify),
        ] {
            if is_absolute(&e.path) {
                return Err(Error::AbsolutePath {
                    field: field.into(),
                    path: e.path.clone(),
                });
            }
        }
        // What goopack does not check.
        check_name(&self.name)?;
        check_inside("verify.path", &self.verify.path, "the package")?;
        for k in self.files.keys() {
            check_text("files", k)?;
            if k.is_empty() {
                return Err(Error::BadPath {
                    field: "files".into(),
                    path: k.clone(),
                    reason: "is empty: a key of \"files\" is a path in the package",
                });
            }
            check_inside("files", k, "the package")?;
        }
        for (i, s) in self.sources.iter().enumerate() {
            let field = |f: &str| format!("sources[{i}].{f}");
            check_relative(&field("root"), &s.root, "the working folder")?;
            check_relative(&field("target"), &s.target, "the package")?;
            for (j, p) in s.include.iter().enumerate() {
                let f = format!("{}[{j}]", field("include"));
                check_pattern(&f, p)?;
            }
            for (j, p) in s.exclude.iter().enumerate() {
                let f = format!("{}[{j}]", field("exclude"));
                check_pattern(&f, p)?;
            }
        }
        Ok(())
    }
}

fn string_map(w: &mut Indented, m: &BTreeMap<String, String>) {
    w.open('{');
    for (k, v) in m {
        w.key(k);
        w.string(v);
    }
    w.close('}');
}

fn check_name(name: &str) -> Result<(), Error> {
    let bad = |reason| {
        Err(Error::BadName {
            name: name.to_owned(),
            reason,
        })
    };
    if name == "." || name == ".." {
        return bad("is not a name");
    }
    if name.contains(['/', '\\']) {
        return bad("contains a path separator");
    }
    if name.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    if name.len() > 200 {
        return bad("is longer than 200 bytes");
    }
    Ok(())
}

fn check_text(field: &str, p: &str) -> Result<(), Error> {
    if p.contains('\0') {
        return Err(Error::BadPath {
            field: field.into(),
            path: p.to_owned(),
            reason: "contains a NUL character",
        });
    }
    Ok(())
}

fn check_relative(field: &str, p: &str, scope: &'static str) -> Result<(), Error> {
    check_text(field, p)?;
    if is_absolute(p) {
        return Err(Error::AbsolutePath {
            field: field.into(),
            path: p.to_owned(),
        });
    }
    check_inside(field, p, scope)
}

fn check_pattern(field: &str, p: &str) -> Result<(), Error> {
    check_relative(field, p, "its root")?;
    if p.contains("***") {
        return Err(Error::MalformedGlob {
            field: field.into(),
            pattern: p.to_owned(),
        });
    }
    if p.is_empty() {
        return Err(Error::BadPath {
            field: field.into(),
            path: p.to_owned(),
            reason: "is empty: give a file, or a glob such as \"**\"",
        });
    }
    Ok(())
}

/// Absolute on Linux or on Windows (`/x`, `\x`, `C:x`).
pub(crate) fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with(['/', '\\']) || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Whether `p` (relative) climbs above where it starts, taking both `/`
/// and `\` as separators.
pub(crate) fn leaves(p: &str) -> bool {
    let mut depth = 0usize;
    for part in p.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if depth == 0 {
                    return true;
                }
                depth -= 1;
            }
            _ => depth += 1,
        }
    }
    false
}

fn check_inside(field: &str, p: &str, scope: &'static str) -> Result<(), Error> {
    if leaves(p) {
        return Err(Error::PathLeaves {
            field: field.into(),
            path: p.to_owned(),
            scope,
        });
    }
    Ok(())
}

/// Go's `path.Clean("/" + p)[1:]` for a relative `p` that does not leave:
/// no empty or `.` parts, `..` applied; `""` for the top.
pub(crate) fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    parts.join("/")
}

// --- decoding with Go's rules ---------------------------------------------

fn type_err(field: &str, expected: &'static str, found: &Json) -> Error {
    Error::FieldType {
        field: field.to_owned(),
        expected,
        found: found.kind(),
    }
}

/// Which known field `key` is (Go matches case-insensitively).
fn known<'a>(key: &str, names: &[&'a str]) -> Option<&'a str> {
    names.iter().find(|n| n.eq_ignore_ascii_case(key)).copied()
}

const TOP: [&str; 22] = [
    "name",
    "version",
    "arch",
    "lockArch",
    "releaseNotes",
    "description",
    "license",
    "authors",
    "owners",
    "source",
    "tags",
    "pkgDependencies",
    "replaces",
    "conflicts",
    "provides",
    "install",
    "uninstall",
    "verify",
    "files",
    "externalProgramName",
    "build",
    "sources",
];

fn decode(spec: &mut Spec, fields: Vec<(String, Json)>) -> Result<(), Error> {
    for (key, v) in fields {
        let Some(name) = known(&key, &TOP) else {
            spec.unknown_keys.push(key);
            continue;
        };
        let f = name;
        match name {
            "name" => string(f, v, &mut spec.name)?,
            "version" => string(f, v, &mut spec.version)?,
            "arch" => string(f, v, &mut spec.arch)?,
            "lockArch" => match v {
                Json::Null => {}
                Json::Bool(b) => spec.lock_arch = b,
                other => return Err(type_err(f, "true or false", &other)),
            },
            "releaseNotes" => {
                let mut o = None;
                strings(f, v, &mut o)?;
                spec.release_notes = o.unwrap_or_default();
            }
            "description" => string(f, v, &mut spec.description)?,
            "license" => string(f, v, &mut spec.license)?,
            "authors" => string(f, v, &mut spec.authors)?,
            "owners" => string(f, v, &mut spec.owners)?,
            "source" => string(f, v, &mut spec.source)?,
            "tags" => tags(v, &mut spec.tags)?,
            "pkgDependencies" => string_map_field(f, v, &mut spec.pkg_dependencies)?,
            "replaces" => strings(f, v, &mut spec.replaces)?,
            "conflicts" => strings(f, v, &mut spec.conflicts)?,
            "provides" => strings(f, v, &mut spec.provides)?,
            "install" => exec_file(f, v, &mut spec.install, &mut spec.unknown_keys)?,
            "uninstall" => exec_file(f, v, &mut spec.uninstall, &mut spec.unknown_keys)?,
            "verify" => exec_file(f, v, &mut spec.verify, &mut spec.unknown_keys)?,
            "files" => string_map_field(f, v, &mut spec.files)?,
            "externalProgramName" => string(f, v, &mut spec.external_program_name)?,
            "build" => build(v, &mut spec.build, &mut spec.unknown_keys)?,
            _ => sources(v, &mut spec.sources, &mut spec.unknown_keys)?,
        }
    }
    Ok(())
}

/// A string field: `null` leaves it as it was, as in Go.
fn string(field: &str, v: Json, slot: &mut String) -> Result<(), Error> {
    match v {
        Json::Null => Ok(()),
        Json::String(s) => {
            *slot = s;
            Ok(())
        }
        other => Err(type_err(field, "a string", &other)),
    }
}

/// A `[]string`: `null` makes it nil; a `null` element is `""`.
fn strings(field: &str, v: Json, slot: &mut Option<Vec<String>>) -> Result<(), Error> {
    match v {
        Json::Null => {
            *slot = None;
            Ok(())
        }
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.into_iter().enumerate() {
                match x {
                    Json::Null => out.push(String::new()),
                    Json::String(s) => out.push(s),
                    other => return Err(type_err(&format!("{field}[{i}]"), "a string", &other)),
                }
            }
            *slot = Some(out);
            Ok(())
        }
        other => Err(type_err(field, "an array of strings", &other)),
    }
}

fn string_list(field: &str, v: Json, slot: &mut Vec<String>) -> Result<(), Error> {
    let mut o = None;
    strings(field, v, &mut o)?;
    *slot = o.unwrap_or_default();
    Ok(())
}

/// A `map[string]string`: `null` empties it, an object adds to it, a
/// `null` value is `""`.
fn string_map_field(
    field: &str,
    v: Json,
    slot: &mut BTreeMap<String, String>,
) -> Result<(), Error> {
    match v {
        Json::Null => {
            slot.clear();
            Ok(())
        }
        Json::Object(items) => {
            for (k, x) in items {
                match x {
                    Json::Null => slot.insert(k, String::new()),
                    Json::String(s) => slot.insert(k, s),
                    other => return Err(type_err(&format!("{field}.{k}"), "a string", &other)),
                };
            }
            Ok(())
        }
        other => Err(type_err(field, "an object of strings", &other)),
    }
}

fn tags(v: Json, slot: &mut BTreeMap<String, Option<Vec<u8>>>) -> Result<(), Error> {
    match v {
        Json::Null => {
            slot.clear();
            Ok(())
        }
        Json::Object(items) => {
            for (k, x) in items {
                match x {
                    Json::Null => {
                        slot.insert(k, None);
                    }
                    Json::String(s) => {
                        // Go's decoder ignores \r and \n inside base64.
                        let compact: String =
                            s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(compact.as_bytes())
                            .map_err(|_| Error::BadBase64 { key: k.clone() })?;
                        slot.insert(k, Some(bytes));
                    }
                    other => {
                        return Err(type_err(&format!("tags.{k}"), "a base64 string", &other));
                    }
                }
            }
            Ok(())
        }
        other => Err(type_err("tags", "an object of base64 strings", &other)),
    }
}

fn ints(field: &str, v: Json, slot: &mut Vec<i64>) -> Result<(), Error> {
    match v {
        Json::Null => {
            slot.clear();
            Ok(())
        }
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.into_iter().enumerate() {
                match x {
                    Json::Null => out.push(0),
                    Json::Number(Num::I(n)) => out.push(n),
                    Json::Number(Num::U(n)) if i64::try_from(n).is_ok() => out.push(n as i64),
                    other => {
                        return Err(type_err(&format!("{field}[{i}]"), "a whole number", &other));
                    }
                }
            }
            *slot = out;
            Ok(())
        }
        other => Err(type_err(field, "an array of whole numbers", &other)),
    }
}

/// An object decoded into an existing struct: keys it lacks keep their
/// values, as in Go.
fn object(field: &str, v: Json, what: &'static str) -> Result<Option<Vec<(String, Json)>>, Error> {
    match v {
        Json::Null => Ok(None),
        Json::Object(items) => Ok(Some(items)),
        other => Err(type_err(field, what, &other)),
    }
}

fn exec_file(
    field: &str,
    v: Json,
    slot: &mut ExecFile,
    unknown: &mut Vec<String>,
) -> Result<(), Error> {
    let Some(items) = object(field, v, "an object {\"path\": ..., \"args\": [...]}")? else {
        return Ok(());
    };
    for (k, x) in items {
        match known(&k, &["path", "args", "exitCodes"]) {
            Some("path") => string(&format!("{field}.path"), x, &mut slot.path)?,
            Some("args") => string_list(&format!("{field}.args"), x, &mut slot.args)?,
            Some(_) => ints(&format!("{field}.exitCodes"), x, &mut slot.exit_codes)?,
            None => unknown.push(format!("{field}.{k}")),
        }
    }
    Ok(())
}

fn build(v: Json, slot: &mut Build, unknown: &mut Vec<String>) -> Result<(), Error> {
    let Some(items) = object(
        "build",
        v,
        "an object {\"linux\": ..., \"linuxArgs\": [...]}",
    )?
    else {
        return Ok(());
    };
    for (k, x) in items {
        match known(&k, &["windows", "windowsArgs", "linux", "linuxArgs"]) {
            Some("windows") => string("build.windows", x, &mut slot.windows)?,
            Some("windowsArgs") => string_list("build.windowsArgs", x, &mut slot.windows_args)?,
            Some("linux") => string("build.linux", x, &mut slot.linux)?,
            Some(_) => string_list("build.linuxArgs", x, &mut slot.linux_args)?,
            None => unknown.push(format!("build.{k}")),
        }
    }
    Ok(())
}

fn sources(v: Json, slot: &mut Vec<Source>, unknown: &mut Vec<String>) -> Result<(), Error> {
    let items = match v {
        Json::Null => {
            slot.clear();
            return Ok(());
        }
        Json::Array(items) => items,
        other => return Err(type_err("sources", "an array of objects", &other)),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.into_iter().enumerate() {
        let field = format!("sources[{i}]");
        let mut s = Source::default();
        if let Some(fields) = object(&field, x, "an object {\"include\": [...], ...}")? {
            for (k, x) in fields {
                match known(&k, &["include", "exclude", "root", "target"]) {
                    Some("include") => string_list(&format!("{field}.include"), x, &mut s.include)?,
                    Some("exclude") => string_list(&format!("{field}.exclude"), x, &mut s.exclude)?,
                    Some("root") => string(&format!("{field}.root"), x, &mut s.root)?,
                    Some(_) => string(&format!("{field}.target"), x, &mut s.target)?,
                    None => unknown.push(format!("{field}.{k}")),
                }
            }
        }
        out.push(s);
    }
    *slot = out;
    Ok(())
}
