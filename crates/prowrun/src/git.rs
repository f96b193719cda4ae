//! The git side: finding the base ref and sha of a remote, and cloning the
//! way Prow's clonerefs does.

use std::path::{Path, PathBuf};

use git_cmd::{GitError, Repo};
use prow_env::Refs;

use crate::RunError;

/// Prow's clonerefs commits merges as this identity.
const CI_NAME: &str = "ci-robot";
const CI_EMAIL: &str = "ci-robot@k8s.io";

/// Runs git in `dir` (the current folder when `None`) through git_cmd,
/// as clonerefs' identity and without the detached-HEAD advice.
fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, RunError> {
    let repo = match dir {
        Some(d) => Repo::new(d),
        None => Repo::current_dir(),
    };
    repo.with_config("user.name", CI_NAME)
        .with_config("user.email", CI_EMAIL)
        .with_config("advice.detachedHead", "false")
        .run_blocking(args)
        .map_err(|e| match e {
            GitError::Spawn { dir, source } => RunError::Io(fs_error::FsError::new(
                "cannot run git (is it installed?) in",
                dir.unwrap_or_else(|| PathBuf::from(".")),
                source,
            )),
            GitError::Failed {
                command,
                dir,
                stderr,
                ..
            } => RunError::Git {
                command,
                dir,
                stderr,
            },
        })
}

/// The full sha of the commit `rev` names in the clone `dir`; `None` when
/// it names none.
pub(crate) fn full_commit(dir: &Path, rev: &str) -> Result<Option<String>, RunError> {
    match git(Some(dir), &["rev-parse", &format!("{rev}^{{commit}}")]) {
        Ok(sha) => Ok(Some(sha.trim().to_owned())),
        Err(RunError::Git { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The default branch of a remote (where its `HEAD` points).
pub fn default_branch(url: &str) -> Result<String, RunError> {
    let out = git(None, &["ls-remote", "--symref", url, "HEAD"])?;
    out.lines()
        .find_map(|l| {
            l.strip_prefix("ref: refs/heads/")
                .and_then(|r| r.split_whitespace().next())
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            RunError::Usage(format!(
                "cannot tell the default branch of {url} (its HEAD names no branch); pass --base-ref"
            ))
        })
}

/// A branch of the repository to clone, as pj-local found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// Its name: Prow's `PULL_BASE_REF` (`dev`).
    pub name: String,
    /// The ref fetched: `refs/heads/dev`, or in a local clone that has no
    /// such branch, the remote-tracking `refs/remotes/origin/dev`.
    pub refname: String,
    /// The commit it points at.
    pub sha: String,
}

impl Branch {
    /// Whether it is a remote-tracking branch of the repository (a local
    /// clone's `origin/dev`), not one of its own branches.
    pub fn is_remote_tracking(&self) -> bool {
        self.refname.starts_with("refs/remotes/")
    }
}

/// `(sha, refname)` of every ref `git ls-remote` lists for `patterns`.
fn ls_remote(url: &str, patterns: &[&str]) -> Result<Vec<(String, String)>, RunError> {
    let mut args = vec!["ls-remote", url];
    args.extend(patterns);
    let out = git(None, &args)?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let (sha, name) = l.split_once('\t')?;
            Some((sha.to_owned(), name.to_owned()))
        })
        .collect())
}

/// The remote and branch of a remote-tracking ref `refs/remotes/<remote>/<branch>`
/// (remote names have no `/`); `None` for the remote's `HEAD`.
fn remote_tracking(refname: &str) -> Option<(&str, &str)> {
    let (remote, branch) = refname.strip_prefix("refs/remotes/")?.split_once('/')?;
    (branch != "HEAD").then_some((remote, branch))
}

/// Finds the branch `name` of the repository at `url` the way a person
/// means it: its own branch `refs/heads/<name>`; else, for a local clone
/// given as the repository, a remote-tracking branch `<remote>/<name>`
/// (`origin` first), so that `--base-ref dev` works where `dev` was only
/// fetched; `<remote>/<name>` itself (`--base-ref origin/dev`) names the
/// branch `<name>`.
pub fn find_branch(url: &str, name: &str) -> Result<Branch, RunError> {
    let own = format!("refs/heads/{name}");
    let tracking = format!("refs/remotes/*/{name}");
    let qualified = format!("refs/remotes/{name}");
    let refs = ls_remote(url, &[&own, &tracking, &qualified])?;
    if let Some((sha, _)) = refs.iter().find(|(_, r)| *r == own) {
        return Ok(Branch {
            name: name.to_owned(),
            refname: own,
            sha: sha.clone(),
        });
    }
    let candidates: Vec<&(String, String)> = refs
        .iter()
        .filter(|(_, r)| remote_tracking(r).is_some_and(|(_, b)| b == name))
        .collect();
    let pick = candidates
        .iter()
        .find(|(_, r)| remote_tracking(r).is_some_and(|(remote, _)| remote == "origin"))
        .or(match candidates.as_slice() {
            [one] => Some(one),
            _ => None,
        });
    if let Some((sha, refname)) = pick {
        return Ok(Branch {
            name: name.to_owned(),
            refname: refname.clone(),
            sha: sha.clone(),
        });
    }
    if !candidates.is_empty() {
        return Err(RunError::Usage(format!(
            "{url} has no branch {name}, and several remote-tracking branches of that name ({}): pass --base-ref <remote>/{name} to pick one",
            candidates
                .iter()
                .filter_map(|(_, r)| r.strip_prefix("refs/remotes/"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some((sha, refname)) = refs.iter().find(|(_, r)| *r == qualified)
        && let Some((_, branch)) = remote_tracking(refname)
    {
        return Ok(Branch {
            name: branch.to_owned(),
            refname: refname.clone(),
            sha: sha.clone(),
        });
    }
    let known = branch_names(url).unwrap_or_default();
    Err(RunError::Usage(format!(
        "{url} has no branch {name} (nor a remote-tracking branch <remote>/{name}); {}pass an existing --base-ref",
        if known.is_empty() {
            String::new()
        } else {
            format!("its branches: {}; ", known.join(", "))
        }
    )))
}

/// The branches of the repository at `url`: its own, then (for a local
/// clone) the remote-tracking ones it has no branch of its own for, each
/// once.
pub fn branch_names(url: &str) -> Result<Vec<String>, RunError> {
    let refs = ls_remote(url, &["refs/heads/*", "refs/remotes/*"])?;
    let mut names: Vec<String> = refs
        .iter()
        .filter_map(|(_, r)| r.strip_prefix("refs/heads/"))
        .map(str::to_owned)
        .collect();
    for (_, r) in &refs {
        if let Some((_, b)) = remote_tracking(r)
            && !names.iter().any(|n| n == b)
        {
            names.push(b.to_owned());
        }
    }
    Ok(names)
}

/// The full sha of `rev` in the repository at `url` when it is a folder on
/// this machine (`None` for a URL, or if it names no commit there): a
/// short sha cannot be fetched, a full one can.
fn full_sha_in_local(url: &str, rev: &str) -> Option<String> {
    if !Path::new(url).is_dir() {
        return None;
    }
    git(
        Some(Path::new(url)),
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .ok()
    .map(|s| s.trim().to_owned())
    .filter(|s| !s.is_empty())
}

/// Clones `refs` from `url` into `dest` like clonerefs: `git init`, fetch
/// the tags and the base branch (`base`, see [`find_branch`]), check out the
/// base sha, make the base branch there, and merge each pull with
/// `--no-ff`. A pull's short sha is made the full one when `url` is a local
/// repository (a plain git remote has no pull refs, and a short sha cannot
/// be fetched). Returns the commit checked out (the merge for presubmits).
pub fn clone_refs(
    url: &str,
    refs: &mut Refs,
    base: &Branch,
    dest: &Path,
) -> Result<String, RunError> {
    std::fs::create_dir_all(dest).map_err(fs_error::at("cannot create the clone folder", dest))?;
    let d = Some(dest);
    git(d, &["init", "--quiet"])?;
    git(d, &["fetch", "--quiet", "--tags", "--prune", url])?;
    git(d, &["fetch", "--quiet", url, &base.refname])?;
    let base_sha = if refs.base_sha.is_empty() {
        "FETCH_HEAD".to_owned()
    } else {
        refs.base_sha.clone()
    };
    git(d, &["checkout", "--quiet", &base_sha])?;
    git(d, &["branch", "--force", &refs.base_ref, &base_sha])?;
    git(d, &["checkout", "--quiet", &refs.base_ref])?;
    for p in &mut refs.pulls {
        let pull_ref = format!("pull/{}/head", p.number);
        if git(d, &["fetch", "--quiet", url, &pull_ref]).is_err() {
            // A plain git remote has no pull refs: fetch the commit itself.
            if let Some(full) = full_sha_in_local(url, &p.sha) {
                p.sha = full;
            }
            git(d, &["fetch", "--quiet", url, &p.sha])?;
        }
        let target = if p.sha.is_empty() {
            "FETCH_HEAD"
        } else {
            p.sha.as_str()
        };
        git(
            d,
            &[
                "merge",
                "--quiet",
                "--no-ff",
                "-m",
                &format!("Merge pull request #{} ({})", p.number, target),
                target,
            ],
        )?;
    }
    Ok(git(d, &["rev-parse", "HEAD"])?.trim().to_owned())
}
