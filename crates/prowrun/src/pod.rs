//! The pod as Prow would run it, per container: command, args and env after
//! Prow's decoration and Kubernetes' `$(VAR)` expansion, the working
//! directory, and which host folder backs each path of the pod. Pure: the
//! host folders are given.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use prow_env::{JobSpec, ProwEnv, Refs};
use prowcfg::{Job, PodSpec};

use crate::rewrite::{expand_vars, map_buckets, map_forge};

/// Where Prow puts `$ARTIFACTS` in the pod.
pub const POD_ARTIFACTS: &str = "/logs/artifacts";
/// Prow's GOPATH in the pod; the clones are below it.
pub const POD_GOPATH: &str = prowcfg::POD_GOPATH;

/// A host folder mounted into the pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The path in the container.
    pub pod: String,
    /// The host folder (or file).
    pub host: PathBuf,
    /// Mounted read-only.
    pub read_only: bool,
}

/// One container, ready for a runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPlan {
    /// Its name (prefixes its log lines).
    pub name: String,
    /// Its image.
    pub image: String,
    /// `command` as the pod sees it (expanded, rewritten).
    pub command: Vec<String>,
    /// `args` as the pod sees it (expanded, rewritten).
    pub args: Vec<String>,
    /// Prow's variables, then the container's, expanded.
    pub env: Vec<(String, String)>,
    /// The working directory in the pod, if the job or Prow sets one.
    pub working_dir: Option<String>,
    /// The mounts, the pod's decoration mounts first.
    pub mounts: Vec<Mount>,
}

/// The host folders backing the pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostDirs {
    /// `$ARTIFACTS` (`<out>/<job>/<build id>/artifacts`).
    pub artifacts: PathBuf,
    /// Prow's GOPATH; the clone is in `src/<path>` below it.
    pub gopath: PathBuf,
    /// Each volume of the pod by name (emptyDir folders, secret folders).
    pub volumes: BTreeMap<String, PathBuf>,
}

/// How the job's arguments are changed so that nothing in production is
/// touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redirects {
    /// `--forge github` becomes `--forge git --remote <this>`.
    pub forge_remote: Option<String>,
    /// `gs://<bucket>/<path>` becomes `<this>/<bucket>/<path>`.
    pub bucket: Option<PathBuf>,
}

/// The folder of the job's own clone below GOPATH: `src/<path_alias>` or
/// `src/github.com/<org>/<repo>` ([`prowcfg::clone_path`]).
pub fn clone_subdir(job: &Job) -> Option<String> {
    job.clone_path()
}

/// The folder below GOPATH where clonerefs clones `refs`
/// ([`prowcfg::clone_path`]: `path_alias`, else the repository link, else
/// `github.com/<org>/<repo>`).
pub fn refs_subdir(refs: &Refs) -> String {
    prowcfg::clone_path(
        &refs.org,
        &refs.repo,
        refs.path_alias.as_deref(),
        Some(refs.repo_link.as_str()),
    )
}

/// The working directory Prow gives a decorated pod's containers, below
/// GOPATH (Prow's `DetermineWorkDir`): the clone of the first ref with
/// `workdir: true` (the job's refs, then its `extra_refs`), else of the
/// first ref; `None` when the job clones nothing.
pub fn workdir_subdir(job_spec: &JobSpec) -> Option<String> {
    let refs: Vec<&Refs> = job_spec.refs.iter().chain(&job_spec.extra_refs).collect();
    refs.iter()
        .find(|r| r.workdir)
        .or(refs.first())
        .map(|r| refs_subdir(r))
}

/// Plans every container of `spec` (the job's pod, presets merged).
pub fn plan(
    job: &Job,
    spec: &PodSpec,
    job_spec: &JobSpec,
    host: &HostDirs,
    redirects: &Redirects,
) -> Vec<ContainerPlan> {
    let prow_vars = ProwEnv::vars_for(job_spec, POD_ARTIFACTS);
    let clone_dir = match (job.decorated(), workdir_subdir(job_spec)) {
        (true, Some(sub)) => Some(format!("{POD_GOPATH}/{sub}")),
        _ => None,
    };
    let rewrite = |s: String| match &redirects.bucket {
        Some(dir) => map_buckets(&s, dir),
        None => s,
    };
    spec.containers
        .iter()
        .map(|c| {
            // Earlier variables expand in later values (Prow's first).
            let mut vars: HashMap<String, String> = HashMap::new();
            let mut env = Vec::new();
            for (k, v) in &prow_vars {
                vars.insert(k.clone(), v.clone());
                env.push((k.clone(), v.clone()));
            }
            for e in &c.env {
                let v = rewrite(expand_vars(&e.value, &vars));
                vars.insert(e.name.clone(), v.clone());
                env.retain(|(k, _)| *k != e.name);
                env.push((e.name.clone(), v));
            }
            let expand = |list: &[String]| -> Vec<String> {
                list.iter()
                    .map(|a| rewrite(expand_vars(a, &vars)))
                    .collect()
            };
            let command = expand(&c.command);
            let mut args = expand(&c.args);
            if let Some(remote) = &redirects.forge_remote {
                args = map_forge(&args, remote).0;
            }
            let mut mounts = Vec::new();
            if job.decorated() {
                mounts.push(Mount {
                    pod: POD_ARTIFACTS.into(),
                    host: host.artifacts.clone(),
                    read_only: false,
                });
                mounts.push(Mount {
                    pod: POD_GOPATH.into(),
                    host: host.gopath.clone(),
                    read_only: false,
                });
            }
            for m in &c.volume_mounts {
                let Some(dir) = host.volumes.get(&m.name) else {
                    continue;
                };
                let dir = match m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                    Some(sub) => dir.join(sub),
                    None => dir.clone(),
                };
                mounts.push(Mount {
                    pod: m.mount_path.clone(),
                    host: dir,
                    read_only: m.read_only == Some(true),
                });
            }
            ContainerPlan {
                name: c.name.clone(),
                image: c.image.clone(),
                command,
                args,
                env,
                working_dir: c.working_dir.clone().or_else(|| clone_dir.clone()),
                mounts,
            }
        })
        .collect()
}

/// The file names below `mount_path` that the pod's env values and args
/// refer to (e.g. `token.txt` for `/etc/github-access-token/token.txt`):
/// how a secret given as a single file is named in its folder.
pub fn referenced_files(spec: &PodSpec, mount_path: &str) -> Vec<String> {
    let prefix = format!("{}/", mount_path.trim_end_matches('/'));
    let mut names = Vec::new();
    let texts = spec.containers.iter().flat_map(|c| {
        c.env
            .iter()
            .map(|e| e.value.as_str())
            .chain(c.args.iter().map(String::as_str))
            .chain(c.command.iter().map(String::as_str))
    });
    for t in texts {
        let mut rest = t;
        while let Some(i) = rest.find(&prefix) {
            let after = &rest[i + prefix.len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
            rest = after;
        }
    }
    names
}

/// The file names the pod reads below the mount paths of volume `volume`
/// ([`referenced_files`]), sorted.
pub fn files_read_from(spec: &PodSpec, volume: &str) -> Vec<String> {
    let mut names: Vec<String> = spec
        .containers
        .iter()
        .flat_map(|c| &c.volume_mounts)
        .filter(|m| m.name == volume)
        .flat_map(|m| referenced_files(spec, &m.mount_path))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Absolute form of a local path (a URL is returned as is).
pub fn absolute(s: &str, cwd: &Path) -> String {
    if s.contains("://") || s.starts_with("git@") {
        return s.to_owned();
    }
    let p = Path::new(s);
    let abs = if p.is_absolute() {
        p.to_owned()
    } else {
        cwd.join(p)
    };
    abs.canonicalize()
        .unwrap_or(abs)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(org: &str, repo: &str) -> Refs {
        Refs {
            org: org.into(),
            repo: repo.into(),
            base_ref: "main".into(),
            ..Refs::default()
        }
    }

    /// Prow's DetermineWorkDir: the first ref with workdir, else the first.
    #[test]
    fn the_working_directory_is_prows() {
        let mut spec = JobSpec {
            job_type: prow_env::JobType::Postsubmit,
            job: "j".into(),
            buildid: "1".into(),
            prowjobid: "x".into(),
            refs: Some(Refs {
                repo_link: "https://github.com/o/r".into(),
                ..refs("o", "r")
            }),
            extra_refs: vec![refs("o", "x"), refs("p", "y")],
            decoration_config: None,
        };
        assert_eq!(workdir_subdir(&spec).as_deref(), Some("src/github.com/o/r"));
        spec.extra_refs[1].workdir = true;
        spec.extra_refs[1].path_alias = Some("tools/y".into());
        assert_eq!(workdir_subdir(&spec).as_deref(), Some("src/tools/y"));
        // A periodic: its extra_refs only.
        spec.refs = None;
        spec.extra_refs[1].workdir = false;
        assert_eq!(workdir_subdir(&spec).as_deref(), Some("src/github.com/o/x"));
        spec.extra_refs.clear();
        assert_eq!(workdir_subdir(&spec), None);
    }
}
