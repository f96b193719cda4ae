//! The job configs against the default branches documented in
//! prow/README.md ("Default branches"): a job whose `branches` miss its
//! repository's default branch never triggers, and neither Prow nor its
//! checkconfig says so (guest-agent's default branch is `main`, the others'
//! `master`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prowcfg::{Brancher, Config};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A documented row: the default branch and the `branches` list of its jobs.
struct Row {
    default: String,
    branches: Vec<String>,
}

/// The rows of the table under `## Default branches` in prow/README.md:
/// `| org/repo | `branch` | `[^branch$]` |`.
fn documented() -> BTreeMap<String, Row> {
    let path = root().join("prow/README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let section = text
        .split("\n## Default branches\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{} has no `## Default branches` section", path.display()));
    let section = section.split("\n## ").next().unwrap();
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        let [repo, default, branches] = cells[..] else {
            panic!("{line}: expected | repository | default branch | branches |");
        };
        if repo == "repository" || repo.starts_with("---") {
            continue;
        }
        let branches = branches
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|b| b.trim().to_owned())
            .collect();
        rows.insert(
            repo.to_owned(),
            Row {
                default: default.to_owned(),
                branches,
            },
        );
    }
    assert!(!rows.is_empty(), "no rows in the Default branches table");
    rows
}

#[test]
fn every_job_runs_on_its_default_branch() {
    let rows = documented();
    assert_eq!(
        rows["GoogleCloudPlatform/guest-agent"].default, "main",
        "guest-agent has no master branch"
    );
    let config = Config::load(&root().join("prow/jobs")).unwrap_or_else(|e| panic!("{e}"));
    let mut problems = Vec::new();
    for job in &config.jobs {
        let Some(repo) = job.repo.as_deref() else {
            continue;
        };
        let Some(row) = rows.get(repo) else {
            problems.push(format!(
                "{}: {repo} is not in prow/README.md's Default branches table",
                job.name()
            ));
            continue;
        };
        let (branches, skip) = job.branch_lists();
        let b = Brancher::new(branches, skip).unwrap();
        if !b.should_run(&row.default) {
            problems.push(format!(
                "{}: branches {branches:?} (skip_branches {skip:?}) never match {repo}'s default branch {}: the job would never trigger",
                job.name(),
                row.default
            ));
        }
        if branches != row.branches.as_slice() {
            problems.push(format!(
                "{}: branches {branches:?}, but prow/README.md documents {:?} for {repo}",
                job.name(),
                row.branches
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
