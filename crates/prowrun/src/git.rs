//! The git side: finding the base ref and sha of a remote, and cloning the
//! way Prow's clonerefs does.

use std::path::{Path, PathBuf};
use std::process::Command;

use prow_env::Refs;

use crate::RunError;

/// Prow's clonerefs commits merges as this identity.
const CI_NAME: &str = "ci-robot";
const CI_EMAIL: &str = "ci-robot@k8s.io";

fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, RunError> {
    let mut c = Command::new("git");
    c.args(["-c", &format!("user.name={CI_NAME}")])
        .args(["-c", &format!("user.email={CI_EMAIL}")])
        .args(["-c", "advice.detachedHead=false"])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null());
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let out = c.output().map_err(|source| RunError::Io {
        action: "cannot run git (is it installed?) in",
        path: dir
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from(".")),
        source,
    })?;
    if !out.status.success() {
        return Err(RunError::Git {
            command: format!("git {}", args.join(" ")),
            dir: dir.map(Path::to_owned),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
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

/// The commit a branch of a remote points at.
pub fn branch_head(url: &str, branch: &str) -> Result<String, RunError> {
    let refname = format!("refs/heads/{branch}");
    let out = git(None, &["ls-remote", url, &refname])?;
    out.lines()
        .find_map(|l| {
            let (sha, name) = l.split_once('\t')?;
            (name == refname).then(|| sha.to_owned())
        })
        .ok_or_else(|| {
            RunError::Usage(format!(
                "{url} has no branch {branch}; pass an existing --base-ref (or --base-sha)"
            ))
        })
}

/// Clones `refs` from `url` into `dest` like clonerefs: `git init`, fetch
/// the tags and the base ref, check out the base sha, make the base branch
/// there, and merge each pull with `--no-ff`. Returns the commit checked out
/// (the merge for presubmits).
pub fn clone_refs(url: &str, refs: &Refs, dest: &Path) -> Result<String, RunError> {
    std::fs::create_dir_all(dest).map_err(|source| RunError::Io {
        action: "cannot create the clone folder",
        path: dest.to_owned(),
        source,
    })?;
    let d = Some(dest);
    git(d, &["init", "--quiet"])?;
    git(d, &["fetch", "--quiet", "--tags", "--prune", url])?;
    git(d, &["fetch", "--quiet", url, &refs.base_ref])?;
    let base = if refs.base_sha.is_empty() {
        "FETCH_HEAD"
    } else {
        refs.base_sha.as_str()
    };
    git(d, &["checkout", "--quiet", base])?;
    git(d, &["branch", "--force", &refs.base_ref, base])?;
    git(d, &["checkout", "--quiet", &refs.base_ref])?;
    for p in &refs.pulls {
        let pull_ref = format!("pull/{}/head", p.number);
        if git(d, &["fetch", "--quiet", url, &pull_ref]).is_err() {
            // A plain git remote has no pull refs: fetch the commit itself.
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
