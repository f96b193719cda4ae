//! What a build needs besides its own source: the extra repository
//! (`--extra-repo`) and, for Go, the toolchain and the module prefetch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use go_cmd::Toolchain;
use handoff::{ExtraRepoRecord, GoRecord};
use sourcetree::SourceTree;
use tracing::info;

use crate::process::repository_command;
use crate::{BuildError, CommonArgs, ExtraRepo, GoSetup};

/// The extra repository at the commit to build: a folder as it is checked
/// out (or a clone of it at `--extra-ref`), or a clone of a URL.
pub(crate) async fn extra_repo(args: &CommonArgs) -> Result<Option<ExtraRepo>, BuildError> {
    let Some(given) = args.extra_repo.as_deref() else {
        return Ok(None);
    };
    let shown = git_cmd::redact_url(given);
    let err = |detail: String| BuildError::ExtraRepo {
        repo: shown.clone(),
        detail,
    };
    let name = repo_name(given).ok_or_else(|| {
        err(
            "no repository name in it (its last path element names the folder it is placed in)"
                .into(),
        )
    })?;
    let is_url = given.contains("://") || given.starts_with("git@");
    let mut tree = match (is_url, args.extra_ref.as_deref()) {
        (false, _) if !Path::new(given).is_dir() => {
            return Err(err(
                "no such folder, and not a URL: give the folder of a clone (in Prow, the extra_refs clone, /home/prow/go/src/github.com/<org>/<repo>) or a git URL (https://..., file://...)".into(),
            ));
        }
        (false, None) => SourceTree::from_dir(Path::new(given), None).await?,
        (_, reference) => SourceTree::clone_at(given, reference.unwrap_or("HEAD"), None).await?,
    };
    if tree.commit().is_none() {
        return Err(err(
            "not a git checkout with a commit: the packages must record the extra repository's commit; give a clone".into(),
        ));
    }
    tree.select(args.allow_dirty, &[]).await?;
    info!(
        "extra repository {name}: {shown} at {}",
        tree.commit().unwrap_or_default()
    );
    Ok(Some(ExtraRepo { name, tree, shown }))
}

/// The folder name of a repository path or URL: its last element without
/// `.git`.
fn repo_name(given: &str) -> Option<String> {
    let last = given
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()?
        .trim_end_matches(".git");
    let ok = !last.is_empty()
        && last != "."
        && last != ".."
        && last
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then(|| last.to_owned())
}

/// The record of the extra repository for the result.
pub(crate) fn extra_record(extra: &ExtraRepo) -> ExtraRepoRecord {
    ExtraRepoRecord {
        name: extra.name.clone(),
        url: extra.shown.clone(),
        commit: extra.tree.commit().unwrap_or_default().to_owned(),
    }
}

/// The folder whose `go.mod` governs a tree's build folder: the build
/// folder, else (a `--build-dir` inside a module) the repository root.
fn module_root(tree: &SourceTree) -> Option<PathBuf> {
    [tree.build_dir(), tree.root()]
        .into_iter()
        .find(|d| d.join("go.mod").is_file())
        .map(Path::to_owned)
}

/// Where the packaging expects Go ([`go_cmd::PACKAGING_GOROOT`], or the
/// override for tests).
fn goroot_link() -> PathBuf {
    std::env::var_os(go_cmd::GOROOT_LINK_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(go_cmd::PACKAGING_GOROOT))
}

/// What needs Go in this build, if anything.
pub(crate) fn go_needed(tree: &SourceTree, extra: Option<&ExtraRepo>) -> Option<String> {
    let own = tree
        .packaging()
        .ok()
        .and_then(|p| go_cmd::needs_go(tree.build_dir(), &p));
    own.or_else(|| {
        let e = extra?;
        go_cmd::needs_go(e.tree.root(), &e.tree.root().join("packaging"))
            .map(|why| format!("the extra repository: {why}"))
    })
}

/// The module roots a prefetch runs in.
pub(crate) fn prefetch_roots(tree: &SourceTree, extra: Option<&ExtraRepo>) -> Vec<PathBuf> {
    module_root(tree)
        .into_iter()
        .chain(extra.and_then(|e| module_root(&e.tree)))
        .filter(|d| go_cmd::needs_prefetch(d))
        .collect()
}

/// The module cache: `--go-mod-cache`, else a folder in the scratch folder.
pub(crate) fn mod_cache(args: &CommonArgs, scratch: &Path) -> PathBuf {
    args.go_mod_cache
        .clone()
        .map(|p| std::path::absolute(&p).unwrap_or(p))
        .unwrap_or_else(|| scratch.join("go-mod-cache"))
}

/// Finds Go (linking `/tmp/go` when absent) and prefetches the modules of
/// the source and the extra repository into the module cache. `None` when
/// nothing in the build needs Go.
pub(crate) async fn go_setup(
    args: &CommonArgs,
    tree: &SourceTree,
    extra: Option<&ExtraRepo>,
    scratch: &Path,
) -> Result<Option<GoSetup>, BuildError> {
    let Some(why) = go_needed(tree, extra) else {
        return Ok(None);
    };
    let toolchain = Toolchain::locate(&goroot_link(), std::env::var_os("PATH"), &why).await?;
    info!(
        "Go: {} ({}, GOROOT {})",
        toolchain.go.display(),
        toolchain.version,
        toolchain.goroot.display()
    );
    let mod_cache = mod_cache(args, scratch);
    std::fs::create_dir_all(&mod_cache)
        .map_err(fs_error::at("cannot create the module cache", &mod_cache))?;
    // A node's cache folder made by another user (Kubernetes makes a
    // hostPath DirectoryOrCreate as root) fails here, not inside go.
    tempfile::tempfile_in(&mod_cache).map_err(fs_error::at(
        "the Go module cache is not writable by this user (make it writable, or leave --go-mod-cache out for a scratch cache):",
        &mod_cache,
    ))?;
    let mut modules = 0;
    let mut prefetch = Duration::ZERO;
    for root in prefetch_roots(tree, extra) {
        let got = toolchain
            .download(repository_command(&toolchain.go), &root, &mod_cache)
            .await?;
        info!(
            "prefetched {} module(s) for {} into {} in {:.1}s",
            got.modules,
            root.display(),
            mod_cache.display(),
            got.elapsed.as_secs_f64()
        );
        modules += got.modules;
        prefetch += got.elapsed;
    }
    Ok(Some(GoSetup {
        toolchain,
        mod_cache,
        modules,
        prefetch,
    }))
}

/// The environment the package build adds for Go: the module cache and
/// [`go_cmd::ADDED_GOFLAGS`], as the prefetch had them.
pub(crate) fn go_env(go: &GoSetup) -> Vec<(String, String)> {
    go_cmd::build_env(&go.mod_cache, std::env::var("GOFLAGS").ok().as_deref())
}

/// The record of Go for the result.
pub(crate) fn go_record(args: &CommonArgs, go: &GoSetup) -> GoRecord {
    GoRecord {
        version: go.toolchain.version.clone(),
        modules: go.modules,
        prefetch_ms: u64::try_from(go.prefetch.as_millis()).unwrap_or(u64::MAX),
        mod_cache: args
            .go_mod_cache
            .is_some()
            .then(|| go.mod_cache.display().to_string()),
    }
}

/// The `--dry-run` lines for the extra repository and Go.
pub(crate) fn plan(
    args: &CommonArgs,
    tree: &SourceTree,
    extra: Option<&ExtraRepo>,
    scratch: &Path,
) -> Vec<String> {
    let mut plan = Vec::new();
    if let Some(e) = extra {
        plan.push(format!(
            "extra repository {} from {} at {}",
            e.name,
            e.shown,
            e.tree.commit().unwrap_or_default()
        ));
    }
    if let Some(why) = go_needed(tree, extra) {
        let link = goroot_link();
        plan.push(format!(
            "Go ({why}): {}/bin/go, linked to the Go on PATH when {} is absent",
            link.display(),
            link.display()
        ));
        let cache = mod_cache(args, scratch);
        for root in prefetch_roots(tree, extra) {
            plan.push(format!(
                "run: go mod download -json in {} with GOMODCACHE={}",
                root.display(),
                cache.display()
            ));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::repo_name;

    #[test]
    fn the_name_is_the_last_path_element() {
        for (given, name) in [
            (
                "/home/prow/go/src/github.com/GoogleCloudPlatform/google-guest-agent",
                Some("google-guest-agent"),
            ),
            (
                "https://github.com/GoogleCloudPlatform/google-guest-agent.git",
                Some("google-guest-agent"),
            ),
            ("git@github.com:org/plugins.git", Some("plugins")),
            ("../go-agent-plugins/", Some("go-agent-plugins")),
            ("/", None),
            ("..", None),
            ("https://x/a b", None),
        ] {
            assert_eq!(repo_name(given).as_deref(), name, "{given}");
        }
    }
}
