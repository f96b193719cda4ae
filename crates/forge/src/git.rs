//! The git forge: any git remote, by URL or path, through the `git` command
//! line.
//!
//! Nothing here touches the caller's repository: commits are fetched
//! (shallow, by sha) into a scratch bare repository, the annotated tag is
//! written there as an object with `git mktag` (no local ref), and pushed to
//! `refs/tags/<name>` on the remote. git refuses to push a tag that already
//! exists, so the push is the atomic commit point.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use calver::Day;
use git_cmd::redact_url;
use git_cmd::{GitError, Repo};
use tokio::sync::OnceCell;
use tracing::{debug, instrument};

use crate::{Forge, ForgeError, ForgeKind, NewTag, TagOutcome, tag_outcome};

/// How many trailing lines of git's stderr an error keeps.
const STDERR_TAIL_LINES: usize = 8;

/// A git remote holding release tags.
pub struct GitForge {
    /// The remote as git is given it (an absolute path for local folders).
    remote: String,
    /// The remote for messages, credentials redacted.
    display: String,
    /// The name of the remote in the repository around the current folder
    /// (`origin`), when the remote was found that way.
    remote_name: Option<String>,
    /// The repository the command was started in, if any; used to resolve
    /// revisions such as `HEAD`.
    local: Option<PathBuf>,
    /// A scratch bare repository for fetched commits and new tag objects.
    scratch: OnceCell<tempfile::TempDir>,
    requests: AtomicU64,
}

impl std::fmt::Debug for GitForge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitForge")
            .field("remote", &self.display)
            .finish_non_exhaustive()
    }
}

impl GitForge {
    /// A forge for `remote`, or when `None` for the repository around `cwd`:
    /// its `origin` remote if it has one, else the repository itself.
    ///
    /// The remote is not contacted here; a bad remote shows up at the first
    /// request as [`ForgeError::NotARepository`].
    pub async fn open(remote: Option<&str>, cwd: &Path) -> Result<GitForge, ForgeError> {
        let local = toplevel(cwd).await?;
        let mut remote_name = None;
        let remote = match remote {
            Some(r) if r.trim().is_empty() => {
                return Err(ForgeError::InvalidInput(
                    "--remote is empty: pass a repository path or URL".into(),
                ));
            }
            Some(r) => absolutize(r, cwd),
            None => {
                let Some(top) = &local else {
                    return Err(ForgeError::NotARepository {
                        remote: cwd.display().to_string(),
                        detail: "no --remote given and the current folder is not inside a git repository".into(),
                    });
                };
                match git_output(top, &["remote", "get-url", "origin"]).await {
                    Ok(url) => {
                        remote_name = Some("origin".to_owned());
                        absolutize(url.trim(), top)
                    }
                    Err(ForgeError::Git { .. }) => top.display().to_string(),
                    Err(e) => return Err(e),
                }
            }
        };
        Ok(GitForge {
            display: redact_url(&remote),
            remote,
            remote_name,
            local,
            scratch: OnceCell::new(),
            requests: AtomicU64::new(0),
        })
    }

    /// The remote, credentials redacted.
    pub fn remote_display(&self) -> &str {
        &self.display
    }

    /// Runs a git command that talks to the remote, counting it, and maps a
    /// failure to "not a repository" when git says so.
    async fn remote_cmd(&self, dir: &Path, args: &[&str]) -> Result<String, ForgeError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        git_output(dir, args)
            .await
            .map_err(|e| self.not_a_repo_or(e))
    }

    fn not_a_repo_or(&self, e: ForgeError) -> ForgeError {
        match e {
            ForgeError::Git { stderr, .. } if looks_like_not_a_repo(&stderr) => {
                ForgeError::NotARepository {
                    remote: self.display.clone(),
                    detail: redact_url(first_fatal(&stderr)),
                }
            }
            ForgeError::Git {
                command,
                dir,
                stderr,
            } => ForgeError::Git {
                command: redact_url(&command),
                dir,
                stderr: redact_url(&stderr),
            },
            other => other,
        }
    }

    async fn scratch(&self) -> Result<&Path, ForgeError> {
        let dir = self
            .scratch
            .get_or_try_init(|| async {
                let dir = tempfile::Builder::new()
                    .prefix("forge-git-")
                    .tempdir()
                    .map_err(|e| {
                        ForgeError::InvalidInput(format!("cannot create a temporary folder: {e}"))
                    })?;
                git_output(dir.path(), &["init", "--quiet", "--bare", "."]).await?;
                Ok::<_, ForgeError>(dir)
            })
            .await?;
        Ok(dir.path())
    }

    /// Fetches `sha` (shallow) from the remote into the scratch repository.
    async fn fetch_commit(&self, sha: &str) -> Result<(), ForgeError> {
        let scratch = self.scratch().await?;
        if git_output(scratch, &["cat-file", "-e", &format!("{sha}^{{commit}}")])
            .await
            .is_ok()
        {
            return Ok(());
        }
        match self
            .remote_cmd(
                scratch,
                &[
                    "fetch",
                    "--quiet",
                    "--no-tags",
                    "--depth=1",
                    "--",
                    &self.remote,
                    sha,
                ],
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(ForgeError::Git { stderr, .. })
                if stderr.contains("not our ref")
                    || stderr.contains("couldn't find remote ref")
                    || stderr.contains("no such remote ref") =>
            {
                Err(ForgeError::UnknownCommit {
                    rev: sha.to_owned(),
                    forge: self.describe(),
                })
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Forge for GitForge {
    fn kind(&self) -> ForgeKind {
        ForgeKind::Git
    }

    fn describe(&self) -> String {
        format!("git remote {}", self.display)
    }

    fn delete_tag_hint(&self, tag: &str) -> String {
        let tag = shell_word(tag);
        match &self.remote_name {
            Some(name) => format!(
                "`git push --delete {} refs/tags/{tag}` in this repository, and `git tag -d {tag}` \
                 in every clone that fetched it",
                shell_word(name)
            ),
            // A folder: delete the tag there, from anywhere.
            None if is_local_path(&self.remote) => {
                format!("`git -C {} tag -d {tag}`", shell_word(&self.display))
            }
            None => format!(
                "`git push --delete {} refs/tags/{tag}` from a clone, and `git tag -d {tag}` in \
                 every clone that fetched it",
                shell_word(&self.display)
            ),
        }
    }

    #[instrument(skip(self), fields(remote = %self.display))]
    async fn tags_for_day(&self, _day: Day) -> Result<Vec<String>, ForgeError> {
        // One round trip lists every tag: exact, and cheap at any count.
        let dir = self.run_dir();
        let out = self
            .remote_cmd(&dir, &["ls-remote", "--tags", "--refs", "--", &self.remote])
            .await?;
        let tags: Vec<String> = out
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .filter_map(|(_, r)| r.strip_prefix("refs/tags/"))
            .map(str::to_owned)
            .collect();
        debug!(count = tags.len(), "listed tags");
        Ok(tags)
    }

    #[instrument(skip(self), fields(remote = %self.display))]
    async fn resolve_commit(&self, rev: &str) -> Result<String, ForgeError> {
        let unknown = || ForgeError::UnknownCommit {
            rev: rev.to_owned(),
            forge: self.describe(),
        };
        if rev.is_empty() || rev.starts_with('-') || rev.contains(char::is_whitespace) {
            return Err(unknown());
        }
        let sha = if is_full_sha(rev) {
            rev.to_ascii_lowercase()
        } else if let Some(local) = &self.local {
            // HEAD, a branch or a short sha: what the caller's checkout means.
            git_output(
                local,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    "--end-of-options",
                    &format!("{rev}^{{commit}}"),
                ],
            )
            .await
            .map(|s| s.trim().to_owned())
            .map_err(|_| unknown())?
        } else {
            // No checkout: a ref name on the remote.
            let out = self
                .remote_cmd(&self.run_dir(), &["ls-remote", "--", &self.remote, rev])
                .await?;
            out.lines()
                .find_map(|l| l.split_once('\t').map(|(sha, _)| sha.to_owned()))
                .ok_or_else(unknown)?
        };
        // The commit must be on the remote, or the tag push would upload it.
        self.fetch_commit(&sha).await?;
        Ok(sha)
    }

    #[instrument(skip(self), fields(remote = %self.display))]
    async fn tag_commit(&self, name: &str) -> Result<Option<String>, ForgeError> {
        let refname = format!("refs/tags/{name}");
        let out = self
            .remote_cmd(
                &self.run_dir(),
                &[
                    "ls-remote",
                    "--tags",
                    "--",
                    &self.remote,
                    &refname,
                    &format!("{refname}^{{}}"),
                ],
            )
            .await?;
        let mut direct = None;
        let mut peeled = None;
        for (sha, r) in out.lines().filter_map(|l| l.split_once('\t')) {
            if r == refname {
                direct = Some(sha.to_owned());
            } else if r.strip_suffix("^{}") == Some(refname.as_str()) {
                peeled = Some(sha.to_owned());
            }
        }
        // An annotated tag lists its peeled commit; a lightweight one does not.
        Ok(peeled.or(direct))
    }

    #[instrument(skip(self, tag), fields(remote = %self.display, tag = %tag.name, commit = %tag.commit))]
    async fn create_tag(&self, tag: &NewTag) -> Result<TagOutcome, ForgeError> {
        if let Some(existing) = self.tag_commit(&tag.name).await? {
            return tag_outcome(&tag.name, &existing, &tag.commit);
        }
        self.fetch_commit(&tag.commit).await?;
        let scratch = self.scratch().await?;
        let object = mktag(scratch, tag).await?;
        let refspec = format!("{object}:refs/tags/{}", tag.name);
        match self
            .remote_cmd(
                scratch,
                &[
                    "push",
                    "--quiet",
                    "--no-verify",
                    "--",
                    &self.remote,
                    &refspec,
                ],
            )
            .await
        {
            Ok(_) => Ok(TagOutcome::Created { tag_object: object }),
            Err(push_err) => match self.tag_commit(&tag.name).await? {
                // Someone else created it between our look and our push.
                Some(existing) => tag_outcome(&tag.name, &existing, &tag.commit),
                None => Err(push_err),
            },
        }
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl GitForge {
    /// Where commands that only talk to the remote run: any existing folder.
    fn run_dir(&self) -> PathBuf {
        self.local.clone().unwrap_or_else(std::env::temp_dir)
    }
}

/// Writes the annotated tag object; no ref is created.
async fn mktag(dir: &Path, tag: &NewTag) -> Result<String, ForgeError> {
    for (what, v) in [
        ("tagger name", &tag.tagger.name),
        ("tagger email", &tag.tagger.email),
    ] {
        if v.is_empty() || v.contains(['<', '>', '\n']) {
            return Err(ForgeError::InvalidInput(format!(
                "{what} {v:?} cannot be used in a git tag: it must be non-empty, on one line, without < or >"
            )));
        }
    }
    let mut message = tag.message.clone();
    if !message.ends_with('\n') {
        message.push('\n');
    }
    let body = format!(
        "object {}\ntype commit\ntag {}\ntagger {} <{}> {} +0000\n\n{}",
        tag.commit,
        tag.name,
        tag.tagger.name,
        tag.tagger.email,
        tag.date.timestamp(),
        message
    );
    let out = Repo::new(dir)
        .run_with_input(&["mktag"], body.as_bytes())
        .await
        .map_err(forge_error)?;
    Ok(out.trim().to_owned())
}

/// The top folder of the repository around `cwd`, if there is one (the git
/// folder itself for a bare repository or when run inside `.git`).
async fn toplevel(cwd: &Path) -> Result<Option<PathBuf>, ForgeError> {
    for query in ["--show-toplevel", "--absolute-git-dir"] {
        match git_output(cwd, &["rev-parse", query]).await {
            Ok(s) if !s.trim().is_empty() => return Ok(Some(PathBuf::from(s.trim()))),
            Ok(_) | Err(ForgeError::Git { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

async fn git_output(dir: &Path, args: &[&str]) -> Result<String, ForgeError> {
    Repo::new(dir).run(args).await.map_err(forge_error)
}

/// git_cmd's failure as ours; git_cmd has already redacted credentials.
fn forge_error(e: GitError) -> ForgeError {
    match e {
        GitError::Spawn { source, .. } => ForgeError::GitMissing(source),
        GitError::Failed {
            command,
            dir,
            stderr,
            ..
        } => ForgeError::Git {
            command,
            dir: dir.unwrap_or_default(),
            stderr: tail(&stderr, STDERR_TAIL_LINES),
        },
    }
}

fn looks_like_not_a_repo(stderr: &str) -> bool {
    [
        "does not appear to be a git repository",
        "not a git repository",
        "Could not read from remote repository",
        "repository not found",
        "Repository not found",
        "unable to access",
        "not found",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A relative local path becomes absolute so that git can use it from the
/// scratch repository; URLs and scp-like remotes stay as they are.
fn absolutize(remote: &str, base: &Path) -> String {
    if remote.contains("://")
        || (remote.contains(':') && !remote.starts_with('/') && !remote.starts_with('.'))
    {
        return remote.to_owned();
    }
    let p = Path::new(remote);
    let abs = if p.is_absolute() {
        p.to_owned()
    } else {
        base.join(p)
    };
    abs.canonicalize().unwrap_or(abs).display().to_string()
}

/// Whether the remote (as [`absolutize`] leaves it) is a local folder.
fn is_local_path(remote: &str) -> bool {
    remote.starts_with('/')
}

/// `s` as one shell word: as it is when it holds only safe characters, else
/// single-quoted.
fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b));
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// git's first `fatal:` line (the cause; later lines are generic advice).
fn first_fatal(s: &str) -> &str {
    s.lines()
        .find_map(|l| l.trim().strip_prefix("fatal:"))
        .or_else(|| s.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or(s)
        .trim()
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials() {
        assert_eq!(
            redact_url("fetch https://x-access-token:ghp_secret@github.com/o/r.git failed"),
            "fetch https://***@github.com/o/r.git failed"
        );
        assert_eq!(
            redact_url("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(redact_url("/srv/repo.git"), "/srv/repo.git");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("/srv/repo.git"), "/srv/repo.git");
        assert_eq!(
            shell_word("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
        assert_eq!(shell_word("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("https://***@h/r"), "'https://***@h/r'");
    }

    #[test]
    fn absolutize_keeps_urls() {
        let base = Path::new("/base");
        assert_eq!(absolutize("https://h/r.git", base), "https://h/r.git");
        assert_eq!(
            absolutize("git@github.com:o/r.git", base),
            "git@github.com:o/r.git"
        );
        assert_eq!(absolutize("sub/remote.git", base), "/base/sub/remote.git");
    }
}
