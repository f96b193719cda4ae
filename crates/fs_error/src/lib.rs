//! An I/O error that says what was being done and to which file.
//!
//! `std::io::Error` says neither ("Permission denied"), so every failed
//! file operation is wrapped where it happens:
//!
//! ```
//! # fn make(dir: &std::path::Path) -> Result<(), fs_error::FsError> {
//! std::fs::create_dir_all(dir).map_err(fs_error::at("cannot create", dir))?;
//! # Ok(())
//! # }
//! ```
//!
//! which reads `cannot create out/pkgs: Permission denied (os error 13)`.
//! The crates' error enums hold it as `Io(#[from] FsError)`, shown as it
//! is, so `?` converts it. The path is given by the caller on purpose, not
//! taken from a wrapping file API (`fs-err`): the operations wrapped include
//! starting programs, locking and unpacking, and a bare `io::Error` cannot
//! reach an enum through `?` without a path.

use std::path::PathBuf;

/// A file operation failed: `{action} {path}: {source}`.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct FsError {
    /// What was being done, e.g. `cannot create`.
    pub action: &'static str,
    /// The file or folder (or program, for `cannot start`).
    pub path: PathBuf,
    /// The cause.
    pub source: std::io::Error,
}

impl FsError {
    /// The error `source` while doing `action` to `path`.
    pub fn new(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> FsError {
        FsError {
            action,
            path: path.into(),
            source,
        }
    }

    /// The kind of the cause (`NotFound`...).
    pub fn kind(&self) -> std::io::ErrorKind {
        self.source.kind()
    }
}

/// Wraps an I/O error with `action` and `path`, for `map_err`.
pub fn at(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> FsError {
    let path = path.into();
    move |source| FsError {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_and_where() {
        let e = at("cannot create", "out/pkgs")(std::io::Error::from(
            std::io::ErrorKind::PermissionDenied,
        ));
        assert_eq!(e.to_string(), "cannot create out/pkgs: permission denied");
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
    }
}
