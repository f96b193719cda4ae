//! A build folder whose path depends only on what is built, so that tools
//! that record their build path in the package (rpmbuild: the compiler's
//! debug paths, the `%prep` script of the source rpm) make the same bytes
//! when the same commit, version and target are built again.
//!
//! The folder is `<temp>/<prefix>-<key>`, where the key is a hash of what
//! identifies the build. A lock file beside it (`<folder>.lock`, held with
//! an advisory lock for the folder's life) keeps two builds of the same
//! thing apart; a folder left by a killed build is removed when the next
//! build takes the lock, and the folder is removed when dropped.

use std::fs::File;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::BuildError;

/// A locked build folder at a stable path; removed on drop.
#[derive(Debug)]
pub struct StableDir {
    path: PathBuf,
    // Held for the folder's life: the advisory lock ends when it closes.
    _lock: File,
}

impl StableDir {
    /// Takes `<base>/<prefix>-<hash of parts>`, fresh and empty. Fails at
    /// once, naming the folder, when another build of the same parts holds
    /// it.
    pub fn acquire(base: &Path, prefix: &str, parts: &[&str]) -> Result<StableDir, BuildError> {
        let mut h = Sha256::new();
        for p in parts {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        let key = hex::encode(&h.finalize()[..8]);
        let path = base.join(format!("{prefix}-{key}"));
        let lock_path = base.join(format!("{prefix}-{key}.lock"));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(fs_error::at("cannot create the lock file", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(BuildError::Usage(format!(
                    "another build of the same commit, version and target is running in {} (it holds {}); wait for it to finish, then re-run",
                    path.display(),
                    lock_path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(fs_error::at("cannot lock", &lock_path)(e).into());
            }
        }
        // Ours now: whatever is there was left by a build that was killed.
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(fs_error::at("cannot remove the leftover folder", &path))?;
        }
        std::fs::create_dir(&path).map_err(fs_error::at("cannot create", &path))?;
        Ok(StableDir { path, _lock: lock })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StableDir {
    fn drop(&mut self) {
        // Best effort; the next build of the same parts removes leftovers.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_parts_same_path_other_parts_other_path() {
        let base = tempfile::tempdir().unwrap();
        let a = StableDir::acquire(base.path(), "b", &["el9", "20261127.00", "abc"]).unwrap();
        let a_path = a.path().to_owned();
        assert!(a_path.is_dir());
        let other = StableDir::acquire(base.path(), "b", &["el8", "20261127.00", "abc"]).unwrap();
        assert_ne!(other.path(), a_path);
        drop(a);
        assert!(!a_path.exists(), "removed on drop");
        let again = StableDir::acquire(base.path(), "b", &["el9", "20261127.00", "abc"]).unwrap();
        assert_eq!(again.path(), a_path);
        // Splitting the same text differently is another build.
        let split = StableDir::acquire(base.path(), "b", &["el9", "20261127.00a", "bc"]).unwrap();
        assert_ne!(split.path(), a_path);
    }

    #[test]
    fn a_second_build_of_the_same_parts_is_refused_while_the_first_runs() {
        let base = tempfile::tempdir().unwrap();
        let first = StableDir::acquire(base.path(), "b", &["x"]).unwrap();
        let e = StableDir::acquire(base.path(), "b", &["x"]).unwrap_err();
        assert!(
            e.to_string().contains("another build of the same commit"),
            "{e}"
        );
        assert!(first.path().is_dir(), "the running build keeps its folder");
    }

    #[test]
    fn a_folder_left_by_a_killed_build_is_replaced() {
        let base = tempfile::tempdir().unwrap();
        let first = StableDir::acquire(base.path(), "b", &["x"]).unwrap();
        let path = first.path().to_owned();
        drop(first);
        // What a killed build leaves: the folder with its files and the lock
        // file, but no lock (the kernel releases it with the process).
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("stale"), "x").unwrap();
        let again = StableDir::acquire(base.path(), "b", &["x"]).unwrap();
        assert_eq!(again.path(), path);
        assert!(!path.join("stale").exists(), "a fresh, empty folder");
    }
}
