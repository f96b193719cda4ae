//! Parsing store URLs and object names.

use std::path::{Component, Path, PathBuf};

use crate::StoreError;

/// Folder (under a store's base) that holds multipart uploads until they are
/// copied into place. Hidden from `list` and refused as a name part.
pub(crate) const TMP_DIR: &str = ".upload-tmp";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scheme {
    Local,
    S3 { bucket: String },
    Gcs { bucket: String },
}

/// A parsed store URL: the backend and the prefix inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    pub scheme: Scheme,
    /// `/`-joined parts under the bucket (for local stores: under `/`), no
    /// leading or trailing `/`; empty for the bucket root.
    pub prefix: String,
}

impl Location {
    pub fn parse(url: &str) -> Result<Location, StoreError> {
        let invalid = |reason: &str| StoreError::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        if url.trim().is_empty() {
            return Err(invalid("it is empty"));
        }
        let Some((scheme, rest)) = split_scheme(url) else {
            return Self::local(url, Path::new(url));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                let parsed = url::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
                if parsed
                    .host_str()
                    .is_some_and(|h| !h.is_empty() && h != "localhost")
                {
                    return Err(invalid(
                        "file URLs must not name a host; use file:///ABSOLUTE/PATH",
                    ));
                }
                let path = parsed
                    .to_file_path()
                    .map_err(|()| invalid("not an absolute local path"))?;
                Self::local(url, &path)
            }
            "s3" | "gs" => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(invalid("the bucket name is missing"));
                }
                if !bucket
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                {
                    return Err(invalid(
                        "the bucket name has characters buckets cannot have",
                    ));
                }
                let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
                if !prefix.is_empty() {
                    validate_name(prefix).map_err(|reason| invalid(&reason))?;
                }
                let bucket = bucket.to_string();
                let scheme = if scheme.eq_ignore_ascii_case("s3") {
                    Scheme::S3 { bucket }
                } else {
                    Scheme::Gcs { bucket }
                };
                Ok(Location {
                    scheme,
                    prefix: prefix.to_string(),
                })
            }
            _ => Err(StoreError::UnknownScheme {
                url: url.to_string(),
            }),
        }
    }

    fn local(url: &str, path: &Path) -> Result<Location, StoreError> {
        let invalid = |reason: String| StoreError::InvalidUrl {
            url: url.to_string(),
            reason,
        };
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| invalid(format!("cannot resolve a relative path: {e}")))?
                .join(path)
        };
        // Lexical normalisation: the folder may not exist yet, so it cannot be
        // canonicalised, and object_store paths must not contain `.` or `..`.
        let mut parts: Vec<String> = Vec::new();
        for component in absolute.components() {
            match component {
                Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(p) => parts.push(
                    p.to_str()
                        .ok_or_else(|| invalid("the path is not valid UTF-8".into()))?
                        .to_string(),
                ),
            }
        }
        let prefix = parts.join("/");
        if !prefix.is_empty() {
            validate_name(&prefix).map_err(invalid)?;
        }
        // The folder is created on the first write; a file in its place (or
        // in a parent's) would fail there with a bare "File exists".
        let normalised = Path::new("/").join(&prefix);
        if let Some(file) = normalised
            .ancestors()
            .find(|p| p.exists())
            .filter(|p| !p.is_dir())
        {
            return Err(invalid(format!(
                "{} is a file, not a folder: give a folder (it is created when missing) or move the file away",
                file.display()
            )));
        }
        Ok(Location {
            scheme: Scheme::Local,
            prefix,
        })
    }

    /// The normalised URL of the base: `file:///a/b`, `s3://bucket/p`, `gs://bucket`.
    pub fn url(&self) -> String {
        match &self.scheme {
            Scheme::Local => {
                let path = self.local_path();
                match url::Url::from_file_path(&path) {
                    Ok(u) => u.to_string(),
                    Err(()) => format!("file://{}", path.display()),
                }
            }
            Scheme::S3 { bucket } => join_url(&format!("s3://{bucket}"), &self.prefix),
            Scheme::Gcs { bucket } => join_url(&format!("gs://{bucket}"), &self.prefix),
        }
    }

    pub fn local_path(&self) -> PathBuf {
        PathBuf::from(format!("/{}", self.prefix))
    }

    /// Key of an object relative to the bucket (or to `/` for local stores).
    pub fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }

    pub fn join(&self, sub: &str) -> Location {
        Location {
            scheme: self.scheme.clone(),
            prefix: self.key(sub),
        }
    }
}

fn join_url(base: &str, rest: &str) -> String {
    if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{rest}")
    }
}

/// `scheme://rest` when `url` starts like a URL, else None (a plain path).
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some((scheme, rest))
}

/// Checks an object name or sub-prefix; returns why it is refused.
pub(crate) fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("it is empty".into());
    }
    if name.starts_with('/') {
        return Err("it is absolute (starts with `/`)".into());
    }
    for part in name.split('/') {
        match part {
            "" => return Err("it has an empty part (`//` or a trailing `/`)".into()),
            "." | ".." => return Err(format!("it has a `{part}` part")),
            TMP_DIR => return Err(format!("`{TMP_DIR}` is reserved for uploads in progress")),
            _ => {}
        }
        if let Some((_, digits)) = part.rsplit_once('#')
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            // object_store's local backend uses `NAME#N` for files being written.
            return Err(format!("`{part}` ends like a temporary upload file (`#N`)"));
        }
    }
    object_store::path::Path::parse(name).map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloud_urls() {
        let l = Location::parse("s3://b/p/q/").unwrap();
        assert_eq!(l.scheme, Scheme::S3 { bucket: "b".into() });
        assert_eq!(l.prefix, "p/q");
        assert_eq!(l.url(), "s3://b/p/q");
        assert_eq!(Location::parse("gs://b").unwrap().url(), "gs://b");
        assert_eq!(l.key("x.deb"), "p/q/x.deb");
    }

    #[test]
    fn parses_local_paths_and_file_urls() {
        let l = Location::parse("/tmp/x/../y/./stage").unwrap();
        assert_eq!(l.url(), "file:///tmp/y/stage");
        let l = Location::parse("file:///tmp/a%20b").unwrap();
        assert_eq!(l.local_path(), PathBuf::from("/tmp/a b"));
        let rel = Location::parse("out/stage").unwrap();
        let expected = std::env::current_dir().unwrap().join("out/stage");
        assert_eq!(rel.local_path(), expected);
    }

    /// An `--out` that is a file used to fail at the first write with
    /// "File exists (os error 17)".
    #[test]
    fn refuses_a_local_path_that_is_a_file_or_under_one() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("out");
        std::fs::write(&file, "x").unwrap();
        for path in [file.clone(), file.join("deb12")] {
            let e = Location::parse(path.to_str().unwrap()).unwrap_err();
            assert!(
                e.to_string()
                    .contains(&format!("{} is a file, not a folder", file.display())),
                "{e}"
            );
        }
        // Missing folders are fine: they are created on the first write.
        assert!(Location::parse(d.path().join("new/a").to_str().unwrap()).is_ok());
    }

    #[test]
    fn refuses_bad_urls() {
        assert!(matches!(
            Location::parse("ftp://h/x"),
            Err(StoreError::UnknownScheme { .. })
        ));
        assert!(matches!(
            Location::parse("s3:///p"),
            Err(StoreError::InvalidUrl { .. })
        ));
        assert!(matches!(
            Location::parse("gs://b/a//c"),
            Err(StoreError::InvalidUrl { .. })
        ));
        assert!(matches!(
            Location::parse("file://host/x"),
            Err(StoreError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn refuses_bad_names() {
        for bad in [
            "",
            "/abs",
            "a/../b",
            "..",
            "a//b",
            "a/",
            "./a",
            ".upload-tmp/x",
            "x.deb#3",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["a", "a/b.deb", "pkg_1.0-1_amd64.deb", "x#y", "..a"] {
            assert!(validate_name(good).is_ok(), "{good:?} refused");
        }
    }
}
