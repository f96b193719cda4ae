//! Prow job configs, read strictly and checked.
//!
//! - [`Config::load`] reads every `.yaml`/`.yml` file under a folder
//!   (recursively, in name order) into typed jobs. Unlike Prow, which drops
//!   unknown keys silently, every struct here rejects them, and an error names
//!   the file, the line and the key.
//! - [`Config::pod_spec`] is a job's pod with the matching presets merged the
//!   way Prow merges them (env and volume mounts appended to every container,
//!   volumes to the pod; a duplicate is an error).
//! - [`check`] applies Prow's load-time rules (prow.md) and this project's
//!   rules, and returns every [`Problem`] found.
//! - [`images`] knows the project's images and which tool each one runs.
//! - [`dockerfile`] checks their Dockerfiles: bases pinned, binaries of the
//!   workspace copied in.

mod branches;
mod check;
pub mod dockerfile;
pub mod images;
mod model;
pub mod podargs;

use std::path::{Path, PathBuf};

pub use branches::Brancher;
pub use check::{Problem, VERSION_TAG_EXAMPLE, WORKSPACE_VOLUME, check};
pub use model::{
    Container, DecorationConfig, EmptyDir, EnvVar, ExtraRef, GcsConfiguration, HOST_PATH_TYPES,
    HostPathVolume, JobBase, KeyToPath, PeriodicFields, PodSpec, PostsubmitFields, Preset,
    PresubmitFields, Quantity, ReporterConfig, Resources, SecretVolume, SlackReporter,
    UtilityImages, Volume, VolumeMount, VolumeSource,
};
pub use prow_env::JobType;

/// Prow's GOPATH in a decorated pod: clonerefs clones every ref of the job
/// below it ([`clone_path`]).
pub const POD_GOPATH: &str = "/home/prow/go";

/// Where clonerefs clones a repository below Prow's GOPATH, as Prow's
/// `clone.PathForRefs`: `src/<path_alias>`; else `src/<repo_link without its
/// scheme>`; else `src/github.com/<org>/<repo>`.
pub fn clone_path(
    org: &str,
    repo: &str,
    path_alias: Option<&str>,
    repo_link: Option<&str>,
) -> String {
    if let Some(alias) = path_alias.filter(|a| !a.is_empty()) {
        return format!("src/{alias}");
    }
    if let Some(link) = repo_link.filter(|l| !l.is_empty()) {
        let host_path = link.rsplit("://").next().unwrap_or(link);
        return format!("src/{host_path}");
    }
    format!("src/github.com/{org}/{repo}")
}

/// A job config could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The config folder is missing or unreadable.
    #[error(
        "{}: cannot read the job config folder: {source}; pass the folder holding the job YAML files (e.g. --config prow/jobs)",
        path.display()
    )]
    Dir {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid YAML of the job config shape (an unknown key, a
    /// wrong type...).
    #[error("{}{}: {message}; fix the file (keys are case-sensitive here; Prow would silently ignore an unknown one)", path.display(), location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Line and column (1-based), when known.
        location: Option<(usize, usize)>,
        /// What is wrong, with the key path (e.g.
        /// `postsubmits.o/r[0].spec.containers[1]: unknown field ...`).
        message: String,
    },
}

/// Every error of one load, in file order.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct LoadErrors(pub Vec<LoadError>);

/// A preset merge conflict (Prow refuses the job).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    /// A preset sets a variable a container already has.
    #[error(
        "env var duplicated in pod spec: {0} (a preset selected by the job's labels sets it too)"
    )]
    Env(String),
    /// A preset adds a volume the pod already has.
    #[error(
        "volume duplicated in pod spec: {0} (a preset selected by the job's labels adds it too)"
    )]
    Volume(String),
    /// A preset adds a mount a container already has.
    #[error(
        "volume mount duplicated in pod spec: {0} (a preset selected by the job's labels adds it too)"
    )]
    VolumeMount(String),
}

/// What kind of job, with the fields only that kind has.
#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Runs on pull requests.
    Presubmit(PresubmitFields),
    /// Runs after pushes (merges and tag pushes).
    Postsubmit(PostsubmitFields),
    /// Runs on a timer.
    Periodic(PeriodicFields),
}

/// One job, as read from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The file it came from (the config folder joined with its relative path).
    pub file: PathBuf,
    /// `org/repo` for presubmits and postsubmits.
    pub repo: Option<String>,
    /// The fields every job has.
    pub base: JobBase,
    /// The kind and its own fields.
    pub kind: JobKind,
}

impl Job {
    /// The name.
    pub fn name(&self) -> &str {
        &self.base.name
    }

    /// `JOB_TYPE` of its runs.
    pub fn job_type(&self) -> JobType {
        match self.kind {
            JobKind::Presubmit(_) => JobType::Presubmit,
            JobKind::Postsubmit(_) => JobType::Postsubmit,
            JobKind::Periodic(_) => JobType::Periodic,
        }
    }

    /// Whether Prow decorates it (`decorate: true`).
    pub fn decorated(&self) -> bool {
        self.base.decorate == Some(true)
    }

    /// `branches` and `skip_branches` (empty for periodics).
    pub fn branch_lists(&self) -> (&[String], &[String]) {
        match &self.kind {
            JobKind::Presubmit(p) => (&p.branches, &p.skip_branches),
            JobKind::Postsubmit(p) => (&p.branches, &p.skip_branches),
            JobKind::Periodic(_) => (&[], &[]),
        }
    }

    /// The status context: `context`, else the name (none for periodics).
    pub fn context(&self) -> Option<&str> {
        let c = match &self.kind {
            JobKind::Presubmit(p) => p.context.as_deref(),
            JobKind::Postsubmit(p) => p.context.as_deref(),
            JobKind::Periodic(_) => return None,
        };
        Some(c.filter(|c| !c.is_empty()).unwrap_or(self.name()))
    }

    /// The repository split into org and repo.
    pub fn org_repo(&self) -> Option<(&str, &str)> {
        self.repo.as_deref().and_then(|r| r.split_once('/'))
    }

    /// Where clonerefs clones the job's own repository below Prow's GOPATH
    /// ([`clone_path`]; Prow links the main repository on GitHub). `None`
    /// for a job without a repository (a periodic).
    pub fn clone_path(&self) -> Option<String> {
        let (org, repo) = self.org_repo()?;
        Some(clone_path(org, repo, self.base.path_alias.as_deref(), None))
    }

    /// Every repository the job clones, as `(org/repo, clone path)`: its
    /// own (if any) first, then its `extra_refs` in order.
    pub fn cloned_repos(&self) -> Vec<(String, String)> {
        let own = self
            .clone_path()
            .map(|p| (self.repo.clone().unwrap_or_default(), p));
        own.into_iter()
            .chain(
                self.base
                    .extra_refs
                    .iter()
                    .map(|e| (e.name(), e.clone_path())),
            )
            .collect()
    }
}

/// A preset and the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetDef {
    /// The file.
    pub file: PathBuf,
    /// The preset.
    pub preset: Preset,
}

/// All job config files of a folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The folder given to [`Config::load`].
    pub root: PathBuf,
    /// Every file read, in order.
    pub files: Vec<PathBuf>,
    /// Presets of every file (Prow applies them to every job).
    pub presets: Vec<PresetDef>,
    /// Every job, in file order.
    pub jobs: Vec<Job>,
}

impl Config {
    /// Reads every `.yaml` and `.yml` file under `dir` (recursively, sorted by
    /// path). All files are read; every error is returned.
    pub fn load(dir: &Path) -> Result<Config, LoadErrors> {
        let mut config = Config {
            root: dir.to_owned(),
            ..Config::default()
        };
        if let Err(source) = std::fs::read_dir(dir) {
            return Err(LoadErrors(vec![LoadError::Dir {
                path: dir.to_owned(),
                source,
            }]));
        }
        let mut errors = Vec::new();
        let walker = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().unwrap_or(dir).to_owned();
                    errors.push(LoadError::Read {
                        path,
                        source: e.into(),
                    });
                    continue;
                }
            };
            let path = entry.path();
            let is_yaml = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            );
            if !entry.file_type().is_file() || !is_yaml {
                continue;
            }
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(source) => {
                    errors.push(LoadError::Read {
                        path: path.to_owned(),
                        source,
                    });
                    continue;
                }
            };
            if let Err(e) = config.add_file(path, &text) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(LoadErrors(errors))
        }
    }

    /// Parses one file's text and adds its presets and jobs.
    pub fn add_file(&mut self, path: &Path, text: &str) -> Result<(), LoadError> {
        let file: model::JobFile = if text.trim().is_empty() {
            model::JobFile::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| parse_error(path, &e))?
        };
        self.files.push(path.to_owned());
        for preset in file.presets {
            self.presets.push(PresetDef {
                file: path.to_owned(),
                preset,
            });
        }
        for (repo, jobs) in file.presubmits {
            for raw in jobs {
                let (base, fields) = raw.split();
                self.jobs.push(Job {
                    file: path.to_owned(),
                    repo: Some(repo.clone()),
                    base,
                    kind: JobKind::Presubmit(fields),
                });
            }
        }
        for (repo, jobs) in file.postsubmits {
            for raw in jobs {
                let (base, fields) = raw.split();
                self.jobs.push(Job {
                    file: path.to_owned(),
                    repo: Some(repo.clone()),
                    base,
                    kind: JobKind::Postsubmit(fields),
                });
            }
        }
        for raw in file.periodics {
            let (base, fields) = raw.split();
            self.jobs.push(Job {
                file: path.to_owned(),
                repo: None,
                base,
                kind: JobKind::Periodic(fields),
            });
        }
        Ok(())
    }

    /// The jobs called `name`.
    pub fn jobs_named(&self, name: &str) -> Vec<&Job> {
        self.jobs.iter().filter(|j| j.name() == name).collect()
    }

    /// The presets whose labels all are on `job` with the same value.
    pub fn presets_for<'a>(&'a self, job: &Job) -> impl Iterator<Item = &'a Preset> {
        let labels = job.base.labels.clone();
        self.presets
            .iter()
            .map(|p| &p.preset)
            .filter(move |p| p.labels.iter().all(|(k, v)| labels.get(k) == Some(v)))
    }

    /// The job's pod with its presets merged, as Prow runs it. `None` when
    /// the job has no `spec`.
    pub fn pod_spec(&self, job: &Job) -> Result<Option<PodSpec>, PresetError> {
        let Some(mut spec) = job.base.spec.clone() else {
            return Ok(None);
        };
        for preset in self.presets_for(job) {
            merge_preset(preset, &mut spec)?;
        }
        Ok(Some(spec))
    }
}

/// Prow's `mergePreset`: env and mounts to every container, volumes to the
/// pod; anything already there by name is a conflict.
fn merge_preset(preset: &Preset, spec: &mut PodSpec) -> Result<(), PresetError> {
    for e in &preset.env {
        for c in &mut spec.containers {
            if c.env.iter().any(|x| x.name == e.name) {
                return Err(PresetError::Env(e.name.clone()));
            }
            c.env.push(e.clone());
        }
    }
    for v in &preset.volumes {
        if spec.volumes.iter().any(|x| x.name == v.name) {
            return Err(PresetError::Volume(v.name.clone()));
        }
        spec.volumes.push(v.clone());
    }
    for m in &preset.volume_mounts {
        for c in &mut spec.containers {
            if c.volume_mounts.iter().any(|x| x.name == m.name) {
                return Err(PresetError::VolumeMount(m.name.clone()));
            }
            c.volume_mounts.push(m.clone());
        }
    }
    Ok(())
}

fn parse_error(path: &Path, e: &serde_yaml_ng::Error) -> LoadError {
    let location = e.location().map(|l| (l.line(), l.column()));
    let mut message = e.to_string();
    if let Some((l, c)) = location {
        message = message.replacen(&format!(" at line {l} column {c}"), "", 1);
    }
    LoadError::Parse {
        path: path.to_owned(),
        location,
        message,
    }
}

#[cfg(test)]
mod tests;
