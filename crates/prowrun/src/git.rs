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

/// Refuses a URL, ref, branch or sha that git would read as an option: a
/// repository (its remote's HEAD, a pull's sha) or a typo must not run
/// commands through `--upload-pack=...` on the machine of whoever emulates
/// its merge. Every git call below also puts `--end-of-options` before such
/// values.
fn not_an_option<'a>(what: &str, value: &'a str) -> Result<&'a str, RunError> {
    if value.starts_with('-') {
        return Err(RunError::Usage(format!(
            "{what} {value:?} starts with '-', which git would read as an option: give a branch, sha or repository that does not"
        )));
    }
    Ok(value)
}

/// The full sha of the commit `rev` names in the clone `dir`; `None` when
/// it names none.
pub(crate) fn full_commit(dir: &Path, rev: &str) -> Result<Option<String>, RunError> {
    let rev = not_an_option("the revision", rev)?;
    let spec = format!("{rev}^{{commit}}");
    match git(
        Some(dir),
        &["rev-parse", "--verify", "--end-of-options", &spec],
    ) {
        Ok(sha) => Ok(Some(sha.trim().to_owned())),
        Err(RunError::Git { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The default branch of a remote (where its `HEAD` points).
pub fn default_branch(url: &str) -> Result<String, RunError> {
    let url = not_an_option("the repository", url)?;
    let out = git(
        None,
        &["ls-remote", "--symref", "--end-of-options", url, "HEAD"],
    )?;
    let branch = out
        .lines()
        .find_map(|l| {
            l.strip_prefix("ref: refs/heads/")
                .and_then(|r| r.split_whitespace().next())
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            RunError::Usage(format!(
                "cannot tell the default branch of {url} (its HEAD names no branch); pass --base-ref"
            ))
        })?;
    // The repository chose this name: it is input like any other.
    not_an_option(&format!("the default branch of {url}"), &branch)?;
    Ok(branch)
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
    let url = not_an_option("the repository", url)?;
    let mut args = vec!["ls-remote", "--end-of-options", url];
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
    find_branch_or(url, name, None)
}

/// [`find_branch`], for a branch the job config names (an `extra_refs`
/// entry's `base_ref`): when it is missing or ambiguous, the error ends with
/// `fix` (what to pass instead) rather than pointing at `--base-ref`.
pub fn find_extra_branch(url: &str, name: &str, fix: &str) -> Result<Branch, RunError> {
    find_branch_or(url, name, Some(fix))
}

fn find_branch_or(url: &str, name: &str, fix: Option<&str>) -> Result<Branch, RunError> {
    not_an_option("the base ref", name)?;
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
        let pick = format!("pass --base-ref <remote>/{name} to pick one");
        return Err(RunError::Usage(format!(
            "{url} has no branch {name}, and several remote-tracking branches of that name ({}): {}",
            candidates
                .iter()
                .filter_map(|(_, r)| r.strip_prefix("refs/remotes/"))
                .collect::<Vec<_>>()
                .join(", "),
            fix.unwrap_or(&pick)
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
        "{url} has no branch {name} (nor a remote-tracking branch <remote>/{name}); {}{}",
        if known.is_empty() {
            String::new()
        } else {
            format!("its branches: {}; ", known.join(", "))
        },
        fix.unwrap_or("pass an existing --base-ref")
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
            "--end-of-options",
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
    not_an_option("the repository", url)?;
    not_an_option("the base ref", &refs.base_ref)?;
    not_an_option("the base sha", &refs.base_sha)?;
    not_an_option("the base ref", &base.refname)?;
    for p in &refs.pulls {
        not_an_option(&format!("the sha of pull {}", p.number), &p.sha)?;
    }
    std::fs::create_dir_all(dest).map_err(fs_error::at("cannot create the clone folder", dest))?;
    let d = Some(dest);
    const EOO: &str = "--end-of-options";
    git(d, &["init", "--quiet"])?;
    git(d, &["fetch", "--quiet", "--tags", "--prune", EOO, url])?;
    git(d, &["fetch", "--quiet", EOO, url, &base.refname])?;
    let base_sha = if refs.base_sha.is_empty() {
        "FETCH_HEAD".to_owned()
    } else {
        refs.base_sha.clone()
    };
    git(d, &["checkout", "--quiet", EOO, &base_sha])?;
    git(d, &["branch", "--force", EOO, &refs.base_ref, &base_sha])?;
    git(d, &["checkout", "--quiet", EOO, &refs.base_ref])?;
    for p in &mut refs.pulls {
        let pull_ref = format!("pull/{}/head", p.number);
        if git(d, &["fetch", "--quiet", EOO, url, &pull_ref]).is_err() {
            // A plain git remote has no pull refs: fetch the commit itself.
            if let Some(full) = full_sha_in_local(url, &p.sha) {
                p.sha = full;
            }
            git(d, &["fetch", "--quiet", EOO, url, &p.sha])?;
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
                EOO,
                target,
            ],
        )?;
    }
    Ok(git(d, &["rev-parse", "HEAD"])?.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bare repository with one commit on `main`, its HEAD on `head`.
    fn remote(dir: &Path, head: &str) -> String {
        let work = dir.join("work");
        let bare = dir.join("remote.git");
        let run = |cwd: &Path, args: &[&str]| {
            let o = std::process::Command::new("git")
                .args(args)
                .current_dir(cwd)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        };
        std::fs::create_dir_all(&work).unwrap();
        run(&work, &["init", "--quiet", "--initial-branch=main"]);
        run(&work, &["commit", "--quiet", "--allow-empty", "-m", "c"]);
        run(dir, &["clone", "--quiet", "--bare", "work", "remote.git"]);
        // `git branch` refuses such names; a remote can still have them.
        run(
            &bare,
            &[
                "update-ref",
                &format!("refs/heads/{head}"),
                "refs/heads/main",
            ],
        );
        run(
            &bare,
            &["symbolic-ref", "HEAD", &format!("refs/heads/{head}")],
        );
        bare.to_str().unwrap().to_owned()
    }

    /// What the injection would run: it creates `marker`.
    fn upload_pack(marker: &Path) -> String {
        format!(
            "--upload-pack=touch${{IFS}}{};git-upload-pack",
            marker.display()
        )
    }

    fn assert_refused(r: Result<impl std::fmt::Debug, RunError>, marker: &Path) {
        match r {
            Err(RunError::Usage(m)) => assert!(m.contains("starts with '-'"), "{m}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
        assert!(!marker.exists(), "git ran the injected command");
    }

    #[test]
    fn a_base_ref_that_is_an_option_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let url = remote(d.path(), "main");
        let marker = d.path().join("ran");
        assert_refused(find_branch(&url, &upload_pack(&marker)), &marker);
    }

    #[test]
    fn a_repository_url_that_is_an_option_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let marker = d.path().join("ran");
        let url = upload_pack(&marker);
        assert_refused(default_branch(&url), &marker);
        assert_refused(find_branch(&url, "main"), &marker);
        assert_refused(branch_names(&url), &marker);
    }

    /// A repository whose HEAD names a branch that looks like an option:
    /// the default-branch lookup refuses it rather than passing it on.
    #[test]
    fn a_default_branch_that_is_an_option_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let marker = d.path().join("ran");
        let url = remote(d.path(), "--upload-pack=false");
        assert_refused(default_branch(&url), &marker);
    }

    #[test]
    fn a_pull_sha_or_base_that_is_an_option_is_refused_before_cloning() {
        let d = tempfile::tempdir().unwrap();
        let url = remote(d.path(), "main");
        let marker = d.path().join("ran");
        let base = find_branch(&url, "main").unwrap();
        let mut refs = Refs::parse_pull_refs(&format!("main:{}", base.sha)).unwrap();
        refs.pulls.push(prow_env::Pull {
            number: 17,
            author: String::new(),
            sha: upload_pack(&marker),
        });
        let dest = d.path().join("clone");
        assert_refused(clone_refs(&url, &mut refs, &base, &dest), &marker);
        assert!(!dest.exists(), "nothing cloned");
        // The well-formed refs clone, with the separators in place.
        refs.pulls.clear();
        let head = clone_refs(&url, &mut refs, &base, &dest).unwrap();
        assert_eq!(head, base.sha);
    }
}
