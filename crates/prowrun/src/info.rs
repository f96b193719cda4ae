//! What `prow/pj-on-kind.sh` needs to know of a job, read as pj-local reads
//! it (presets merged), so that the script does not parse YAML itself.

use std::fmt::Write as _;
use std::path::Path;

use prow_env::JobType;
use prowcfg::{Config, VolumeSource};

use crate::{RunError, pod, select_job};

/// A job's repository and secret volumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// The job's name.
    pub name: String,
    /// Its type.
    pub job_type: JobType,
    /// Its repository, `org/repo` (none for a periodic).
    pub repo: Option<String>,
    /// Its `extra_refs`, `org/repo` each, in order.
    pub extra_refs: Vec<String>,
    /// Its secret volumes, in the spec's order.
    pub secrets: Vec<SecretVolume>,
}

/// A secret volume of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVolume {
    /// The volume's name (what mkpod asks about).
    pub volume: String,
    /// The Kubernetes secret's name.
    pub secret: String,
    /// The file names the job reads below the volume's mount paths: the
    /// names a secret given as a single file gets (none: its own name).
    pub files: Vec<String>,
}

/// Reads job `name` (of `job_type`, when several share the name) from the
/// job configs in `config_dir`.
pub fn job_info(
    config_dir: &Path,
    name: &str,
    job_type: Option<JobType>,
) -> Result<JobInfo, RunError> {
    let config = Config::load(config_dir)?;
    let job = select_job(&config, name, job_type)?;
    let spec = config.pod_spec(job).map_err(|source| RunError::Preset {
        job: job.name().to_owned(),
        source,
    })?;
    let secrets = spec
        .iter()
        .flat_map(|spec| {
            spec.volumes.iter().filter_map(move |v| match v.source() {
                Some(VolumeSource::Secret(s)) => Some(SecretVolume {
                    volume: v.name.clone(),
                    secret: s.secret_name.clone(),
                    files: pod::files_read_from(spec, &v.name),
                }),
                _ => None,
            })
        })
        .collect();
    Ok(JobInfo {
        name: job.name().to_owned(),
        job_type: job.job_type(),
        repo: job.org_repo().map(|(org, repo)| format!("{org}/{repo}")),
        extra_refs: job.base.extra_refs.iter().map(|e| e.name()).collect(),
        secrets,
    })
}

impl JobInfo {
    /// `key=value` lines, for a shell to read: `job=`, `type=`, `repo=`
    /// (when there is one), `extra_ref=ORG/REPO` per `extra_refs` entry
    /// (each needs `--repo ORG/REPO=PATH|URL`), then per secret volume
    /// `secret=VOLUME` and one
    /// `secret_file=VOLUME/FILE` per file the job reads from it. Volume and
    /// file names hold no `/`, `=` or newline (Kubernetes names; files as
    /// [`pod::referenced_files`] finds them).
    pub fn to_lines(&self) -> String {
        let mut out = format!("job={}\ntype={}\n", self.name, self.job_type);
        if let Some(r) = &self.repo {
            let _ = writeln!(out, "repo={r}");
        }
        for e in &self.extra_refs {
            let _ = writeln!(out, "extra_ref={e}");
        }
        for s in &self.secrets {
            let _ = writeln!(out, "secret={}", s.volume);
            for f in &s.files {
                let _ = writeln!(out, "secret_file={}/{f}", s.volume);
            }
        }
        out
    }
}
