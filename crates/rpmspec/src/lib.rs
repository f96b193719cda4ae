//! A Guest OS RPM spec, as text: the spec file names per EL release
//! (`<stem>.spec`, `<stem>.el<N>.spec`), the package name with simple
//! macros expanded, the `Vcs:` line the release adds after `Version:`, the
//! `BuildRequires:` as written, and the build host every package records.
//! Pure functions; the builder that runs rpmbuild is `packagebuild-rpm`'s
//! library.

use std::path::{Path, PathBuf};

/// A spec that says something the builder cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// What is wrong with the spec, and what to do.
    #[error("{path}: {detail}")]
    Packaging {
        /// The spec.
        path: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },
}

/// The build host recorded in every package (`_buildhost`).
pub const BUILD_HOST: &str = "guest-os-build";

/// The stem of a spec file name: without `.spec` and any `.el<digits>`.
pub fn spec_stem(file_name: &str) -> Option<&str> {
    let base = file_name.strip_suffix(".spec")?;
    if let Some((stem, el)) = base.rsplit_once(".el")
        && !el.is_empty()
        && el.bytes().all(|b| b.is_ascii_digit())
    {
        return Some(stem);
    }
    Some(base)
}

/// The value of the `Name:` tag, with simple `%define`/`%global` macros of
/// the spec expanded.
pub fn spec_name(path: &Path, text: &str) -> Result<String, Error> {
    let bad = |detail: String| Error::Packaging {
        path: path.to_owned(),
        detail,
    };
    let mut defines: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        for kw in ["%define", "%global"] {
            if let Some(rest) = t.strip_prefix(kw) {
                let mut parts = rest.split_whitespace();
                if let (Some(k), Some(v)) = (parts.next(), parts.next()) {
                    defines.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        if let Some(value) = header_value(t, "Name") {
            let mut name = value.to_owned();
            for (k, v) in &defines {
                name = name
                    .replace(&format!("%{{{k}}}"), v)
                    .replace(&format!("%{k}"), v);
            }
            if name.is_empty() {
                return Err(bad("Name: is empty".into()));
            }
            if name.contains('%') || name.contains(char::is_whitespace) || name.contains('/') {
                return Err(bad(format!(
                    "Name: {value:?} is not a plain package name (macros other than simple %define/%global are not expanded)"
                )));
            }
            return Ok(name);
        }
    }
    Err(bad(
        "the spec has no Name: tag; add `Name: <package>` to its preamble".into(),
    ))
}

/// The value of the preamble tag `tag` on `line` (tags are case-insensitive).
fn header_value<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
    let (k, v) = line.split_once(':')?;
    k.trim().eq_ignore_ascii_case(tag).then(|| v.trim())
}

/// The spec with `Vcs: <url>` inserted after its first `Version:` line.
pub fn spec_with_vcs(path: &Path, text: &str, url: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(text.len() + url.len() + 8);
    let mut done = false;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if !done && header_value(line.trim_start(), "Version").is_some() {
            if !line.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("Vcs: {url}\n"));
            done = true;
        }
    }
    if done {
        Ok(out)
    } else {
        Err(Error::Packaging {
            path: path.to_owned(),
            detail: "the spec has no Version: tag; Guest OS specs use `Version: %{_version}`"
                .into(),
        })
    }
}

/// The `BuildRequires:` of a spec as written (macros unexpanded, every
/// conditional branch), in order, without repeats.
pub fn build_requires(text: &str) -> Vec<String> {
    let mut deps: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some(value) = header_value(line, "BuildRequires") else {
            continue;
        };
        // Separated by commas or blanks; `name >= 1.2` is one dependency.
        let mut tokens = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty());
        let mut line_deps: Vec<String> = Vec::new();
        while let Some(t) = tokens.next() {
            match line_deps.last_mut() {
                Some(last) if ["<", "<=", "=", ">=", ">"].contains(&t) => {
                    last.push_str(&format!(" {t} {}", tokens.next().unwrap_or_default()));
                }
                _ => line_deps.push(t.to_owned()),
            }
        }
        for dep in line_deps {
            if !deps.contains(&dep) {
                deps.push(dep);
            }
        }
    }
    deps
}

#[cfg(test)]
mod tests;
