//! The one place the workspace runs `git`.
//!
//! Every command gets the same environment, whoever runs it:
//!
//! - `LC_ALL=C`, `LANGUAGE` removed: git's messages are the English ones
//!   callers recognise (`not our ref`, `does not appear to be a git
//!   repository`); `LANGUAGE` would otherwise win over a non-C locale;
//! - `GIT_TERMINAL_PROMPT=0`, `GIT_ASKPASS=true`: a missing credential
//!   fails at once instead of waiting for a password nobody will type (in a
//!   Prow pod, in CI) or opening a desktop's askpass window;
//! - stdin closed unless the caller gives input.
//!
//! The user's global and system config are read as git always does: the
//! callers rely on credential helpers and `url.<base>.insteadOf` for
//! private remotes, and none of them ever avoided it.
//!
//! A failure ([`GitError`]) carries the command line, the folder and git's
//! stderr, each with the `user:password@` of URLs redacted
//! ([`redact_url`]), so errors can be printed as they are. Nothing is
//! logged here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

/// The environment variables set on every git command, in order.
pub const ENV: &[(&str, &str)] = &[
    ("LC_ALL", "C"),
    ("GIT_TERMINAL_PROMPT", "0"),
    ("GIT_ASKPASS", "true"),
];

/// The environment variables removed from every git command.
pub const ENV_REMOVED: &[&str] = &["LANGUAGE"];

/// A git command could not be started, or failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The `git` program could not be started (not installed, or the
    /// folder does not exist).
    #[error("cannot run git{}: {source}", in_dir(dir))]
    Spawn {
        /// The folder it was to run in; `None` for the current folder.
        dir: Option<PathBuf>,
        /// Why.
        source: std::io::Error,
    },
    /// git ran and exited with a failure.
    #[error("`{command}` failed{}: {stderr}", in_dir(dir))]
    Failed {
        /// The command line, `git <args>` (without the caller's `-c`
        /// settings), credentials redacted.
        command: String,
        /// The folder it ran in; `None` for the current folder.
        dir: Option<PathBuf>,
        /// The exit code; `None` when killed by a signal.
        code: Option<i32>,
        /// git's stderr, trimmed, credentials redacted.
        stderr: String,
    },
}

impl GitError {
    /// git's stderr for [`GitError::Failed`], empty otherwise.
    pub fn stderr(&self) -> &str {
        match self {
            GitError::Failed { stderr, .. } => stderr,
            GitError::Spawn { .. } => "",
        }
    }
}

fn in_dir(dir: &Option<PathBuf>) -> String {
    dir.as_ref()
        .map(|d| format!(" in {}", d.display()))
        .unwrap_or_default()
}

/// Where git commands run, and the `-c key=value` settings they get.
#[derive(Debug, Clone, Default)]
pub struct Repo {
    dir: Option<PathBuf>,
    config: Vec<String>,
}

impl Repo {
    /// Commands run in `dir` (which need not be a repository: `git init`,
    /// `git ls-remote`).
    pub fn new(dir: impl Into<PathBuf>) -> Repo {
        Repo {
            dir: Some(dir.into()),
            config: Vec::new(),
        }
    }

    /// Commands run in the process's current folder, so relative remote
    /// paths mean what the user typed.
    pub fn current_dir() -> Repo {
        Repo::default()
    }

    /// Adds `-c key=value` before every command.
    pub fn with_config(mut self, key: &str, value: &str) -> Repo {
        self.config.push(format!("{key}={value}"));
        self
    }

    /// The folder commands run in; `None` for the current folder.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The command for `args`, environment applied, output captured.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new("git");
        for c in &self.config {
            cmd.arg("-c").arg(c);
        }
        cmd.args(args);
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        for (k, v) in ENV {
            cmd.env(k, v);
        }
        for k in ENV_REMOVED {
            cmd.env_remove(k);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs `git <args>`; its stdout on success.
    pub async fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let out = self
            .tokio_command(args)
            .output()
            .await
            .map_err(|e| self.spawn_error(e))?;
        self.finish(args, out)
    }

    /// Runs `git <args>` with `input` on its stdin; its stdout on success.
    pub async fn run_with_input(&self, args: &[&str], input: &[u8]) -> Result<String, GitError> {
        use tokio::io::AsyncWriteExt;
        let mut cmd = self.tokio_command(args);
        cmd.stdin(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| self.spawn_error(e))?;
        let Some(mut pipe) = child.stdin.take() else {
            return Err(self.spawn_error(std::io::Error::other("git's stdin was not piped")));
        };
        // Written while the output is read, so a large input cannot
        // deadlock against a full stdout pipe.
        let write = async move {
            let r = pipe.write_all(input).await;
            drop(pipe);
            r
        };
        let (written, out) = tokio::join!(write, child.wait_with_output());
        let out = out.map_err(|e| self.spawn_error(e))?;
        // git stopping early (a broken pipe) is reported by its exit status.
        if out.status.success() {
            written.map_err(|e| self.spawn_error(e))?;
        }
        self.finish(args, out)
    }

    /// Runs `git <args>`, blocking; its stdout on success. For callers
    /// without an async runtime.
    pub fn run_blocking(&self, args: &[&str]) -> Result<String, GitError> {
        let out = self
            .command(args)
            .output()
            .map_err(|e| self.spawn_error(e))?;
        self.finish(args, out)
    }

    fn tokio_command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::from(self.command(args));
        // A cancelled caller (a timeout, ^C) leaves no git behind.
        cmd.kill_on_drop(true);
        cmd
    }

    fn spawn_error(&self, source: std::io::Error) -> GitError {
        GitError::Spawn {
            dir: self.dir.clone(),
            source,
        }
    }

    fn finish(&self, args: &[&str], out: Output) -> Result<String, GitError> {
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        Err(GitError::Failed {
            command: redact_url(&command_line(args)),
            dir: self.dir.clone(),
            code: out.status.code(),
            stderr: redact_url(String::from_utf8_lossy(&out.stderr).trim()),
        })
    }
}

fn command_line(args: &[&str]) -> String {
    let mut s = String::from("git");
    for a in args {
        let _ = write!(s, " {a}");
    }
    s
}

/// Hides `user:password@` in URLs found in `s` (`https://***@host/...`).
pub fn redact_url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***@");
                out.push_str(&authority[at + 1..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn repo() -> (tempfile::TempDir, Repo) {
        let d = tempfile::tempdir().unwrap();
        let r = Repo::new(d.path());
        r.run_blocking(&["init", "--quiet", "."]).unwrap();
        (d, r)
    }

    #[test]
    fn command_has_the_fixed_environment() {
        let cmd = Repo::new("/x")
            .with_config("user.name", "ci")
            .command(&["status"]);
        let envs: Vec<(&OsStr, Option<&OsStr>)> = cmd.get_envs().collect();
        for (k, v) in ENV {
            assert!(
                envs.contains(&(OsStr::new(k), Some(OsStr::new(v)))),
                "{k}: {envs:?}"
            );
        }
        assert!(envs.contains(&(OsStr::new("LANGUAGE"), None)), "{envs:?}");
        let args: Vec<&OsStr> = cmd.get_args().collect();
        assert_eq!(args, ["-c", "user.name=ci", "status"]);
        assert_eq!(cmd.get_current_dir(), Some(Path::new("/x")));
        assert_eq!(Repo::current_dir().command(&[]).get_current_dir(), None);
    }

    #[tokio::test]
    async fn git_sees_the_environment() {
        let (_d, r) = repo();
        // A shell alias prints the environment git runs with.
        let out = r
            .clone()
            .with_config("alias.env", "!env")
            .run(&["env"])
            .await
            .unwrap();
        let lines: Vec<&str> = out.lines().collect();
        for want in ["LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=true"] {
            assert!(lines.contains(&want), "{want}: {out}");
        }
        assert!(!lines.iter().any(|l| l.starts_with("LANGUAGE=")), "{out}");
    }

    #[tokio::test]
    async fn output_and_input() {
        let (_d, r) = repo();
        let sha = r
            .run_with_input(&["hash-object", "-w", "--stdin"], b"hello\n")
            .await
            .unwrap();
        assert_eq!(sha.trim(), "ce013625030ba8dba906f756967f9e9ca394464a");
        assert_eq!(
            r.run_blocking(&["cat-file", "-p", sha.trim()]).unwrap(),
            "hello\n"
        );
    }

    #[tokio::test]
    async fn failure_names_command_folder_and_stderr() {
        let d = tempfile::tempdir().unwrap();
        // A -c setting is left out of the message: the args are what matter.
        let r = Repo::new(d.path()).with_config("core.quotePath", "false");
        let e = r.run(&["rev-parse", "HEAD"]).await.unwrap_err();
        let GitError::Failed {
            command,
            dir,
            code,
            stderr,
        } = &e
        else {
            panic!("{e:?}");
        };
        assert_eq!(command, "git rev-parse HEAD");
        assert_eq!(dir.as_deref(), Some(d.path()));
        assert_eq!(*code, Some(128));
        // English, whatever the caller's locale: callers match these words.
        assert!(stderr.contains("not a git repository"), "{stderr}");
        assert_eq!(e.stderr(), stderr);
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "`git rev-parse HEAD` failed in {}: fatal: not a git repository",
                d.path().display()
            )),
            "{msg}"
        );
        // The blocking variant says the same.
        assert_eq!(
            r.run_blocking(&["rev-parse", "HEAD"])
                .unwrap_err()
                .to_string(),
            msg
        );
    }

    #[tokio::test]
    async fn spawn_failure_names_the_folder() {
        let e = Repo::new("/nonexistent/git_cmd/folder")
            .run(&["status"])
            .await
            .unwrap_err();
        assert!(matches!(e, GitError::Spawn { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("cannot run git in /nonexistent/git_cmd/folder: "),
            "{e}"
        );
    }

    #[tokio::test]
    async fn credentials_never_reach_errors() {
        let (_d, r) = repo();
        let url = "https://x-access-token:ghp_secret@github.com/o/r.git";
        // git echoes the argument in its message; no network is used.
        let e = r
            .run(&["ls-files", "--error-unmatch", url])
            .await
            .unwrap_err();
        let all = format!("{e} {e:?}");
        assert!(!all.contains("ghp_secret"), "{all}");
        assert!(
            all.contains("git ls-files --error-unmatch https://***@github.com/o/r.git"),
            "{all}"
        );
        assert!(
            e.stderr().contains("'https://***@github.com/o/r.git'"),
            "{e}"
        );
        // A remote helper that does not exist: the URL is only in the command.
        let e = Repo::current_dir()
            .run_blocking(&["ls-remote", "nosuch://user:pw@host/r"])
            .unwrap_err();
        assert!(!format!("{e} {e:?}").contains(":pw@"), "{e:?}");
    }

    #[test]
    fn redacts_credentials() {
        assert_eq!(
            redact_url("fetch https://x-access-token:ghp_secret@github.com/o/r.git failed"),
            "fetch https://***@github.com/o/r.git failed"
        );
        assert_eq!(
            redact_url("'https://a:b@h/r' and http://c@d"),
            "'https://***@h/r' and http://***@d"
        );
        assert_eq!(
            redact_url("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(redact_url("/srv/repo.git"), "/srv/repo.git");
        // Redacting twice changes nothing.
        assert_eq!(redact_url("https://***@h/r"), "https://***@h/r");
    }
}
