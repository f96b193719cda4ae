//! The source a package is built from.
//!
//! [`SourceTree::from_dir`] takes a folder as it is (in a Prow pod, the
//! repository clonerefs checked out); [`SourceTree::clone_at`] clones a URL
//! at a ref. Either way the tree knows its build folder, its commit (when it
//! is a git checkout) and the time to stamp reproducible files with.

mod tarball;

use std::path::{Component, Path, PathBuf};

use git_cmd::{GitError, Repo};
use tracing::{info, warn};

pub use tarball::{TarballStats, write_orig_tarball};

/// What can go wrong preparing the source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source folder does not exist or is not a folder.
    #[error(
        "source folder {path} does not exist or is not a folder: pass --source DIR (default: the current folder)"
    )]
    NoSource {
        /// The folder.
        path: PathBuf,
    },
    /// `--build-dir` is not a plain relative path inside the repository.
    #[error(
        "--build-dir {value:?} {reason}: give a folder relative to the repository root, e.g. agent"
    )]
    BadBuildDir {
        /// The value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// There is no `packaging/` folder.
    #[error(
        "no packaging/ folder in {path}: the builders read packaging/debian, packaging/*.spec and packaging/googet; run from the repository root or pass --source DIR (the repository), and --build-dir SUB if the package lives in a subfolder"
    )]
    NoPackaging {
        /// The build folder.
        path: PathBuf,
    },
    /// Cloning or checking out failed.
    #[error("cannot get {url} at {reference}: {}{hint}", last_line(source))]
    Clone {
        /// The URL, credentials redacted.
        url: String,
        /// The ref.
        reference: String,
        /// The git command that failed (boxed: it is large, and rare).
        source: Box<GitError>,
        /// What to check, if anything (starts with `; `).
        hint: &'static str,
    },
    /// No temporary folder to clone into.
    #[error("cannot create a temporary folder to clone {url} into: {source}")]
    CloneDir {
        /// The URL, credentials redacted.
        url: String,
        /// The cause.
        source: std::io::Error,
    },
    /// git is not installed.
    #[error("cannot run git: {0}; install it (apt-get install git)")]
    GitMissing(std::io::Error),
    /// Writing the tarball failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// git could not list the tree's files or changes.
    #[error("cannot read {path}: git: {}", last_line(source))]
    GitRead {
        /// The build folder.
        path: PathBuf,
        /// The git command that failed (boxed: it is large, and rare).
        source: Box<GitError>,
    },
    /// Reading the tree failed.
    #[error("cannot read {path}: {detail}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        detail: String,
    },
    /// The tree has local changes that are not in its commit.
    #[error(
        "{path} has local changes that are not in commit {commit}: {}{}; the packages would record the commit but hold other files. Commit or remove them (the build output folder too, unless it is ignored by .gitignore), or pass --allow-dirty to build the tree as it is (the result records it as dirty)",
        changes.join(", "),
        if *more > 0 { format!(" and {more} more") } else { String::new() }
    )]
    Dirty {
        /// The build folder.
        path: PathBuf,
        /// The commit.
        commit: String,
        /// The first changes, as `git status --short` shows them.
        changes: Vec<String>,
        /// How many more.
        more: usize,
    },
    /// `SOURCE_DATE_EPOCH` is not a number.
    #[error("SOURCE_DATE_EPOCH={0:?} is not a number of seconds since 1970")]
    BadEpoch(String),
}

/// A source tree ready to build from.
#[derive(Debug)]
pub struct SourceTree {
    root: PathBuf,
    build_dir: PathBuf,
    commit: Option<String>,
    commit_time: Option<u64>,
    origin: Option<String>,
    selection: Selection,
    // Keeps a clone alive as long as the tree.
    _clone: Option<tempfile::TempDir>,
}

/// What of the build folder goes into source tarballs (see
/// [`SourceTree::select`]).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The files git knows (tracked, and untracked ones not ignored), as
    /// `/`-separated paths relative to the build folder; `None` packs every
    /// file (not a git checkout).
    files: Option<std::collections::BTreeSet<String>>,
    /// Folders never packed (a `--out` inside the tree), absolute.
    excluded: Vec<PathBuf>,
    /// The local changes packed anyway (`--allow-dirty`).
    dirty: Vec<String>,
}

impl Selection {
    /// Everything under the build folder but `excluded` folders.
    pub fn everything_but(excluded: Vec<PathBuf>) -> Selection {
        Selection {
            files: None,
            excluded,
            dirty: Vec::new(),
        }
    }

    /// Whether the entry at `rel` (relative to the build folder; `abs` the
    /// same path) is packed: folders are entered when they hold a packed file.
    pub(crate) fn includes(&self, rel: &str, abs: &Path, is_dir: bool) -> bool {
        if self.excluded.iter().any(|x| abs.starts_with(x)) {
            return false;
        }
        let Some(files) = &self.files else {
            return true;
        };
        if files.contains(rel) {
            return true;
        }
        if !is_dir {
            return false;
        }
        let prefix = format!("{rel}/");
        files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|f| f.starts_with(&prefix))
    }

    /// The local changes that were packed (empty for a clean tree).
    pub fn dirty(&self) -> &[String] {
        &self.dirty
    }
}

impl SourceTree {
    /// The tree in folder `dir` (the repository root), building from
    /// `build_dir` inside it when given.
    pub async fn from_dir(dir: &Path, build_dir: Option<&str>) -> Result<SourceTree, SourceError> {
        if !dir.is_dir() {
            return Err(SourceError::NoSource {
                path: dir.to_owned(),
            });
        }
        let root = dir.canonicalize().map_err(|_| SourceError::NoSource {
            path: dir.to_owned(),
        })?;
        let build = resolve_build_dir(&root, build_dir)?;
        // One git call for the commit and its time, one for origin, at once.
        let (head, origin) = tokio::join!(
            git(&root, &["log", "-1", "--format=%H %ct", "HEAD"]),
            git(&root, &["remote", "get-url", "origin"])
        );
        let (commit, commit_time) = match head
            .ok()
            .as_deref()
            .map(str::trim)
            .and_then(|l| l.split_once(' '))
        {
            Some((sha, time)) => (Some(sha.to_owned()), time.parse().ok()),
            None => (None, None),
        };
        Ok(SourceTree {
            root,
            build_dir: build,
            commit,
            commit_time,
            // Kept redacted: a checkout's origin may carry a token, and
            // whatever records or logs the origin must not.
            origin: origin.ok().map(|o| git_cmd::redact_url(o.trim())),
            selection: Selection::default(),
            _clone: None,
        })
    }

    /// A fresh clone of `url` at `reference` (a branch, tag, sha or a ref
    /// such as `pull/17/head`), in a temporary folder removed with the tree.
    pub async fn clone_at(
        url: &str,
        reference: &str,
        build_dir: Option<&str>,
    ) -> Result<SourceTree, SourceError> {
        // A token in the URL must not reach logs or errors.
        let shown = git_cmd::redact_url(url);
        let err = |hint: &'static str| {
            let shown = shown.clone();
            move |e: GitError| match e {
                GitError::Spawn { source, .. } => SourceError::GitMissing(source),
                e => SourceError::Clone {
                    url: shown,
                    reference: reference.to_owned(),
                    source: Box::new(e),
                    hint,
                },
            }
        };
        let tmp = tempfile::Builder::new()
            .prefix("packagebuild-src-")
            .tempdir()
            .map_err(|source| SourceError::CloneDir {
                url: shown.clone(),
                source,
            })?;
        let dir = tmp.path().to_owned();
        info!("cloning {shown} at {reference}");
        git(&dir, &["init", "--quiet", "."])
            .await
            .map_err(err(""))?;
        // Fetch exactly the ref asked for, as Prow's clonerefs does; a sha
        // is fetched directly (servers allow reachable shas).
        git(&dir, &["fetch", "--quiet", "--tags", "--", url, reference])
            .await
            .map_err(err(
                "; check --repo-url and --ref (a branch, tag, sha or pull/N/head)",
            ))?;
        git(
            &dir,
            &[
                "-c",
                "advice.detachedHead=false",
                "checkout",
                "--quiet",
                "FETCH_HEAD",
            ],
        )
        .await
        .map_err(err(""))?;
        let mut tree = SourceTree::from_dir(&dir, build_dir).await?;
        tree.origin = Some(shown);
        tree._clone = Some(tmp);
        Ok(tree)
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder packages are built from (the root, or `build_dir`).
    pub fn build_dir(&self) -> &Path {
        &self.build_dir
    }

    /// `<build dir>/packaging`, which must exist.
    pub fn packaging(&self) -> Result<PathBuf, SourceError> {
        let p = self.build_dir.join("packaging");
        if p.is_dir() {
            Ok(p)
        } else {
            Err(SourceError::NoPackaging {
                path: self.build_dir.clone(),
            })
        }
    }

    /// Decides what the source tarballs hold, before anything is built.
    ///
    /// In a git checkout: the files of the commit, so that "the same commit
    /// gives the same bytes" holds; local changes (modified, deleted or
    /// untracked files not ignored by `.gitignore`) are refused unless
    /// `allow_dirty`, and then packed as they are and listed in
    /// [`Selection::dirty`]; ignored files are never packed. Outside git:
    /// every file. Folders in `exclude` (a `--out` inside the tree) are never
    /// packed nor count as changes.
    pub async fn select(
        &mut self,
        allow_dirty: bool,
        exclude: &[PathBuf],
    ) -> Result<&Selection, SourceError> {
        let mut excluded = self.excluded_inside(exclude);
        let Some(commit) = self.commit.clone() else {
            self.selection = Selection::everything_but(excluded);
            return Ok(&self.selection);
        };
        let (entries, listed) = self.git_status_and_files().await?;
        excluded.extend(self.earlier_outputs_of(&entries));
        let outside = |rel: &str| {
            let abs = self.build_dir.join(rel);
            excluded.iter().any(|x| abs.starts_with(x))
        };
        let changes: Vec<String> = entries
            .iter()
            .filter(|(_, path)| !outside(path))
            .map(|(code, path)| format!("{code}{path}"))
            .collect();
        let files: std::collections::BTreeSet<String> = listed
            .split('\0')
            .filter(|f| !f.is_empty() && !outside(f))
            .map(str::to_owned)
            .collect();
        let dirty = self.allow_changes(changes, allow_dirty, commit)?;
        self.selection = Selection {
            files: Some(files),
            excluded,
            dirty,
        };
        Ok(&self.selection)
    }

    /// The `exclude` folders that are inside the build folder, resolved.
    fn excluded_inside(&self, exclude: &[PathBuf]) -> Vec<PathBuf> {
        exclude
            .iter()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
            .filter(|p| p.starts_with(&self.build_dir))
            .collect()
    }

    /// `git status` as (code, path) entries and `git ls-files` (NUL-separated)
    /// of the build folder, both relative to it.
    async fn git_status_and_files(&self) -> Result<(Vec<(String, String)>, String), SourceError> {
        let read_err = |e: GitError| match e {
            GitError::Spawn { source, .. } => SourceError::GitMissing(source),
            e => SourceError::GitRead {
                path: self.build_dir.clone(),
                source: Box::new(e),
            },
        };
        // Paths relative to the build folder, NUL-separated: any name works.
        let (status, listed) = tokio::join!(
            git(
                &self.build_dir,
                &[
                    "-c",
                    "status.relativePaths=true",
                    "status",
                    "--porcelain=v1",
                    "-z",
                    "--untracked-files=all",
                    "--",
                    "."
                ]
            ),
            git(
                &self.build_dir,
                &[
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                    "--",
                    "."
                ]
            )
        );
        let entries = status_entries(&status.map_err(read_err)?);
        Ok((entries, listed.map_err(read_err)?))
    }

    /// The folders of earlier builds' outputs among the status entries, said
    /// in the log: they are neither packed nor local changes.
    fn earlier_outputs_of(&self, entries: &[(String, String)]) -> Vec<PathBuf> {
        let dirs = earlier_outputs(&self.build_dir, entries);
        for dir in &dirs {
            info!(
                "not packed, not a local change: {}/ holds the outputs of an earlier build",
                dir.strip_prefix(&self.build_dir).unwrap_or(dir).display()
            );
        }
        dirs
    }

    /// The local changes that may be packed: none refused unless
    /// `allow_dirty`, and then warned about.
    fn allow_changes(
        &self,
        mut changes: Vec<String>,
        allow_dirty: bool,
        commit: String,
    ) -> Result<Vec<String>, SourceError> {
        if changes.is_empty() {
            return Ok(changes);
        }
        if !allow_dirty {
            let more = changes.len().saturating_sub(10);
            changes.truncate(10);
            return Err(SourceError::Dirty {
                path: self.build_dir.clone(),
                commit,
                changes,
                more,
            });
        }
        warn!(
            "building with local changes not in commit {commit} (--allow-dirty): {}",
            changes.join(", ")
        );
        Ok(changes)
    }

    /// What the source tarballs hold ([`SourceTree::select`]; every file
    /// until it is called).
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// Writes the reproducible source tarball of the build folder's
    /// [`selection`](SourceTree::selection); see [`write_orig_tarball`].
    pub fn write_orig_tarball(
        &self,
        dest: &Path,
        top: &str,
        mtime: u64,
    ) -> Result<TarballStats, SourceError> {
        tarball::write_selected(&[self.part(top.to_owned(), true)], dest, mtime)
    }

    /// [`write_orig_tarball`](SourceTree::write_orig_tarball) with other
    /// trees inside: each `(name, tree)` as `top/name/`, the whole of its
    /// build folder (its `packaging` too) but `.git`. Debian builds an extra
    /// repository from inside the source (guest-agent's `google-guest-agent/`).
    pub fn write_orig_tarball_with(
        &self,
        dest: &Path,
        top: &str,
        mtime: u64,
        inside: &[(&str, &SourceTree)],
    ) -> Result<TarballStats, SourceError> {
        let mut parts = vec![self.part(top.to_owned(), true)];
        parts.extend(
            inside
                .iter()
                .map(|(name, tree)| tree.part(format!("{top}/{name}"), false)),
        );
        tarball::write_selected(&parts, dest, mtime)
    }

    /// The tarball of the whole build folder (its `packaging` too) but
    /// `.git`, under `top/`: an extra repository's own source tarball (rpm's
    /// `Source1`).
    pub fn write_whole_tarball(
        &self,
        dest: &Path,
        top: &str,
        mtime: u64,
    ) -> Result<TarballStats, SourceError> {
        tarball::write_selected(&[self.part(top.to_owned(), false)], dest, mtime)
    }

    fn part(&self, top: String, skip_packaging: bool) -> tarball::Part<'_> {
        tarball::Part {
            dir: &self.build_dir,
            selection: &self.selection,
            top,
            skip_packaging,
        }
    }

    /// The full sha of the checked-out commit, when the tree is a git checkout.
    pub fn commit(&self) -> Option<&str> {
        self.commit.as_deref()
    }

    /// The URL of the `origin` remote (or of the clone), when known, its
    /// credentials redacted (`https://***@host/...`).
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The timestamp for reproducible files: `SOURCE_DATE_EPOCH` when given,
    /// else the commit time, else 0 (said in the log).
    pub fn source_date_epoch(&self, env_value: Option<&str>) -> Result<u64, SourceError> {
        if let Some(v) = env_value.filter(|v| !v.is_empty()) {
            return v
                .trim()
                .parse()
                .map_err(|_| SourceError::BadEpoch(v.to_owned()));
        }
        Ok(self.commit_time.unwrap_or_else(|| {
            warn!("not a git checkout and no SOURCE_DATE_EPOCH: file times in the tarball are 1970-01-01");
            0
        }))
    }
}

/// `git status --porcelain=v1 -z` as (code with its space, path) entries.
fn status_entries(status: &str) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    let mut fields = status.split('\0');
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let (code, path) = entry.split_at(3);
        // A rename or copy is followed by its source path.
        if code.starts_with('R') || code.starts_with('C') {
            fields.next();
        }
        entries.push((code.to_owned(), path.to_owned()));
    }
    entries
}

/// The untracked folders of `build_dir` that hold only what an earlier build
/// wrote there with `--out`: the builders' `<target>.SHA256SUMS` files and
/// the files they list, or the `<out>.logs/` folder of its failed builds'
/// logs. They are never packed, and a tree that has them is not dirty: the
/// docs' `--out ./out` must not make the next build refuse the tree. A
/// folder with anything else in it is left to the dirty-tree check.
fn earlier_outputs(build_dir: &Path, status: &[(String, String)]) -> Vec<PathBuf> {
    let untracked_dirs: std::collections::BTreeSet<PathBuf> = status
        .iter()
        .filter(|(code, _)| code.starts_with("??"))
        .filter_map(|(_, path)| {
            Path::new(path.trim_end_matches('/'))
                .parent()
                .map(Path::to_owned)
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect();
    untracked_dirs
        .into_iter()
        .map(|dir| build_dir.join(dir))
        .filter(|dir| is_output_folder(dir) || is_log_folder(dir))
        .collect()
}

/// Every file is a `*.SHA256SUMS` or listed in one, and there is one.
fn is_output_folder(dir: &Path) -> bool {
    let Some(names) = file_names(dir) else {
        return false;
    };
    let (sums, others): (Vec<&String>, Vec<&String>) =
        names.iter().partition(|n| n.ends_with(".SHA256SUMS"));
    let mut listed = std::collections::BTreeSet::new();
    for s in &sums {
        let Ok(text) = std::fs::read_to_string(dir.join(s)) else {
            return false;
        };
        // `<sha256>  <file>` lines, as sha256sum writes them.
        listed.extend(
            text.lines()
                .filter_map(|l| l.split_once("  ").map(|(_, f)| f.to_owned())),
        );
    }
    !sums.is_empty() && others.iter().all(|o| listed.contains(*o))
}

/// `<name>.logs/` holding only `*.log` files.
fn is_log_folder(dir: &Path) -> bool {
    dir.extension().is_some_and(|e| e == "logs")
        && file_names(dir).is_some_and(|n| !n.is_empty() && n.iter().all(|f| f.ends_with(".log")))
}

/// The names in `dir`, when it holds only regular files.
fn file_names(dir: &Path) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        if !e.file_type().ok()?.is_file() {
            return None;
        }
        names.push(e.file_name().into_string().ok()?);
    }
    Some(names)
}

/// The commit URL recorded in packages (`XB-Git:`, `Vcs:`): `explicit` when
/// given, else `https://github.com/<owner>/<repo>/tree/<commit>` from
/// Prow's `REPO_OWNER`/`REPO_NAME`, else from a GitHub `origin`. `None` when
/// none can be derived (the caller says so in the log).
pub fn commit_url(
    explicit: Option<&str>,
    owner_repo: Option<(&str, &str)>,
    origin: Option<&str>,
    commit: Option<&str>,
) -> Option<String> {
    if let Some(u) = explicit.filter(|u| !u.is_empty()) {
        return Some(u.to_owned());
    }
    let commit = commit?;
    if let Some((o, r)) = owner_repo.filter(|(o, r)| !o.is_empty() && !r.is_empty()) {
        return Some(format!("https://github.com/{o}/{r}/tree/{commit}"));
    }
    let (o, r) = github_owner_repo(origin?)?;
    Some(format!("https://github.com/{o}/{r}/tree/{commit}"))
}

/// `owner` and `repo` of a GitHub remote URL (https, ssh or scp-like).
fn github_owner_repo(url: &str) -> Option<(String, String)> {
    let url = without_userinfo(url);
    let rest = url
        .strip_prefix("https://github.com/")
        .or_else(|| url.strip_prefix("http://github.com/"))
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| url.strip_prefix("git@github.com:"))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (o, r) = rest.split_once('/')?;
    (!o.is_empty() && !r.is_empty() && !r.contains('/')).then(|| (o.to_owned(), r.to_owned()))
}

/// An http(s) URL without its `user:password@` (redacted or not):
/// credentials do not change which repository it is.
fn without_userinfo(url: &str) -> std::borrow::Cow<'_, str> {
    let Some((scheme, rest)) = url
        .split_once("://")
        .filter(|(s, _)| *s == "https" || *s == "http")
    else {
        return url.into();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]).into(),
        None => url.into(),
    }
}

fn resolve_build_dir(root: &Path, build_dir: Option<&str>) -> Result<PathBuf, SourceError> {
    let Some(sub) = build_dir.filter(|s| !s.is_empty() && *s != ".") else {
        return Ok(root.to_owned());
    };
    let bad = |reason| SourceError::BadBuildDir {
        value: sub.to_owned(),
        reason,
    };
    let p = Path::new(sub);
    for c in p.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(bad("leaves the repository")),
            Component::RootDir | Component::Prefix(_) => return Err(bad("is absolute")),
        }
    }
    let full = root.join(p);
    let canon = full.canonicalize().map_err(|_| bad("does not exist"))?;
    if !canon.starts_with(root) {
        return Err(bad("leaves the repository (through a symlink)"));
    }
    if !canon.is_dir() {
        return Err(bad("is not a folder"));
    }
    Ok(canon)
}

/// Runs git in `dir`.
async fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    Repo::new(dir).run(args).await
}

/// git's last non-empty line of stderr: the one that says what went wrong
/// (`fatal: couldn't find remote ref ...`), without the hints before it.
fn last_line(e: &GitError) -> &str {
    e.stderr()
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("git failed")
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_url_derivation() {
        let c = Some("0123456789abcdef0123456789abcdef01234567");
        assert_eq!(
            commit_url(Some("https://x/y"), None, None, c).as_deref(),
            Some("https://x/y")
        );
        assert_eq!(
            commit_url(None, Some(("GoogleCloudPlatform", "guest-agent")), None, c).as_deref(),
            Some(
                "https://github.com/GoogleCloudPlatform/guest-agent/tree/0123456789abcdef0123456789abcdef01234567"
            )
        );
        for origin in [
            "https://github.com/o/r.git",
            "git@github.com:o/r.git",
            "https://github.com/o/r",
            "ssh://git@github.com/o/r.git",
            // A credentialed clone URL, as kept (redacted) or as given.
            "https://***@github.com/o/r.git",
            "https://x-access-token:ghp_secret@github.com/o/r",
        ] {
            assert_eq!(
                commit_url(None, None, Some(origin), c).as_deref(),
                Some("https://github.com/o/r/tree/0123456789abcdef0123456789abcdef01234567"),
                "{origin}"
            );
        }
        assert_eq!(commit_url(None, None, Some("/srv/repo.git"), c), None);
        assert_eq!(commit_url(None, Some(("o", "r")), None, None), None);
    }

    // git's last line, as when the helper returned it as a string.
    #[test]
    fn git_failures_say_git_s_last_line() {
        let failed = || {
            Box::new(GitError::Failed {
                command: "git fetch".into(),
                dir: None,
                code: Some(128),
                stderr: "hint: a hint\nfatal: couldn't find remote ref nope\n".into(),
            })
        };
        let e = SourceError::Clone {
            url: "https://x/r".into(),
            reference: "nope".into(),
            source: failed(),
            hint: "; check --ref",
        };
        assert_eq!(
            e.to_string(),
            "cannot get https://x/r at nope: fatal: couldn't find remote ref nope; check --ref"
        );
        let e = SourceError::GitRead {
            path: "/src".into(),
            source: failed(),
        };
        assert_eq!(
            e.to_string(),
            "cannot read /src: git: fatal: couldn't find remote ref nope"
        );
    }

    #[test]
    fn build_dir_must_stay_inside() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("agent")).unwrap();
        let root = d.path().canonicalize().unwrap();
        assert_eq!(
            resolve_build_dir(&root, Some("agent")).unwrap(),
            root.join("agent")
        );
        assert_eq!(resolve_build_dir(&root, None).unwrap(), root);
        for bad in ["../x", "/etc", "missing"] {
            assert!(resolve_build_dir(&root, Some(bad)).is_err(), "{bad}");
        }
        std::os::unix::fs::symlink("/tmp", d.path().join("out")).unwrap();
        assert!(resolve_build_dir(&root, Some("out")).is_err());
    }
}
