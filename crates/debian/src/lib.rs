//! The Debian packaging of a Guest OS repository, as text: what
//! `packaging/debian/control` declares, the `+deb<N>` release rule, the
//! regenerated one-entry changelog, `dpkg-checkbuilddeps`' list of unmet
//! dependencies and `/etc/debian_version`. Pure functions; the builder that
//! runs dpkg-buildpackage is `packagebuild-deb`'s library.

mod changelog;
mod version;

use std::path::{Path, PathBuf};

pub use changelog::{changelog, rfc2822};
pub use version::parse_debian_version;

/// A packaging file that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The file says something the builder cannot use.
    #[error("{path}: {detail}")]
    Packaging {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },
}

/// What `packaging/debian/control` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// `Source:`.
    pub source: String,
    /// `Maintainer:` of the source paragraph.
    pub maintainer: Option<String>,
    /// The binary packages (`Package:` of the other paragraphs).
    pub packages: Vec<String>,
    /// `Build-Depends` (and `-Indep`, `-Arch`), as written.
    pub build_depends: Vec<String>,
    /// The file's text.
    pub text: String,
}

/// Reads and checks `debian/control`.
pub fn read_control(path: &Path) -> Result<Control, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::Packaging {
        path: path.to_owned(),
        detail: if e.kind() == std::io::ErrorKind::NotFound {
            "no debian/control: packagebuild-deb builds from packaging/debian (control, rules, ...)"
                .into()
        } else {
            format!("cannot read it: {e}")
        },
    })?;
    let text = String::from_utf8(bytes).map_err(|e| Error::Packaging {
        path: path.to_owned(),
        detail: format!(
            "is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })?;
    parse_control(path, &text)
}

/// Parses the text of `debian/control`.
pub fn parse_control(path: &Path, text: &str) -> Result<Control, Error> {
    let bad = |detail: String| Error::Packaging {
        path: path.to_owned(),
        detail,
    };
    let paras = deb822::parse(text).map_err(|e| bad(format!("not a valid control file: {e}")))?;
    let first = paras
        .first()
        .ok_or_else(|| bad("is empty: it needs a Source: paragraph".into()))?;
    let source = first
        .get("Source")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            bad("the first paragraph has no Source: field; add `Source: <name>`".into())
        })?
        .to_owned();
    if !valid_package_name(&source) {
        return Err(bad(format!(
            "Source: {source:?} is not a valid Debian package name (lower-case letters, digits, + - ., at least 2 characters)"
        )));
    }
    let mut packages = Vec::new();
    for p in &paras[1..] {
        if let Some(name) = p.get("Package") {
            packages.push(name.trim().to_owned());
        }
    }
    if packages.is_empty() {
        return Err(bad(
            "declares no binary package (no paragraph with Package:)".into(),
        ));
    }
    let build_depends = ["Build-Depends", "Build-Depends-Indep", "Build-Depends-Arch"]
        .iter()
        .filter_map(|f| first.get(f))
        .flat_map(|v| v.split(','))
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .collect();
    Ok(Control {
        source,
        maintainer: first.get("Maintainer").map(|m| m.trim().to_owned()),
        packages,
        build_depends,
        text: text.to_owned(),
    })
}

fn valid_package_name(n: &str) -> bool {
    n.len() >= 2
        && n.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
}

/// `debian/control` with `XB-Git: <url>` right after `Source:`.
pub fn control_with_git(control: &Control, url: &str) -> Result<String, Error> {
    deb822::insert_after_field(&control.text, 0, "Source", &format!("XB-Git: {url}")).map_err(|e| {
        Error::Packaging {
            path: PathBuf::from("debian/control"),
            detail: e.to_string(),
        }
    })
}

/// The release: `g1`, or `g1+deb<N>` when the repository's changelog asks
/// for it with the text `+deb`.
pub fn release_for(changelog_text: Option<&str>, debian_major: u32) -> String {
    match changelog_text {
        Some(t) if t.contains("+deb") => format!("g1+deb{debian_major}"),
        _ => "g1".to_owned(),
    }
}

/// Parses `dpkg-checkbuilddeps: error: Unmet build dependencies: a (>= 1) b`
/// into `["a (>= 1)", "b"]`.
pub fn parse_unmet(stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in stderr.lines() {
        for marker in ["Unmet build dependencies: ", "Build conflicts: "] {
            if let Some(rest) = line.split_once(marker).map(|(_, r)| r) {
                let mut cur = String::new();
                let mut depth = 0;
                for tok in rest.split_whitespace() {
                    if !cur.is_empty()
                        && depth == 0
                        && !tok.starts_with('(')
                        && !tok.starts_with('|')
                        && !cur.ends_with('|')
                    {
                        out.push(std::mem::take(&mut cur));
                    }
                    if !cur.is_empty() {
                        cur.push(' ');
                    }
                    cur.push_str(tok);
                    depth += tok.matches('(').count() as i32 - tok.matches(')').count() as i32;
                }
                if !cur.is_empty() {
                    out.push(cur);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
