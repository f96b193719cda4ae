//! Runs one Prow job on this machine: the engine of `pj-local`.
//!
//! [`run`] does what Prow does for a decorated pod, locally:
//!
//! 1. reads the job from the config folder (strictly, presets merged);
//! 2. resolves the refs (`--base-ref`: the remote's default branch,
//!    `--base-sha`: its head) and clones like clonerefs into a temporary
//!    GOPATH (`src/github.com/<org>/<repo>`), merging pulls for presubmits;
//!    then each of the job's `extra_refs` (its `base_ref`, from the source
//!    given as `ORG/REPO=PATH|URL`) to where clonerefs puts it beside the
//!    main clone;
//! 3. gives every container Prow's variables (`JOB_SPEC`, `PULL_REFS`,
//!    `BUILD_ID` (unix milliseconds), `PROW_JOB_ID` (a UUID)...), expands
//!    `$(VAR)` in command, args and env like Kubernetes;
//! 4. backs each `emptyDir` with `<out>/<job>/<build id>/volumes/<name>/`
//!    (kept, so the handoff can be read afterwards), each secret with the
//!    file or folder given by `--secret NAME=PATH` (else an empty folder),
//!    each `hostPath` folder with `<out>/host-paths/<path>/` (kept across
//!    runs under the same output root, as a node keeps it);
//! 5. optionally redirects production: `--forge github` becomes `--forge git
//!    --remote <forge_remote>`, `gs://<bucket>/<path>` becomes
//!    `<bucket dir>/<bucket>/<path>`;
//! 6. starts all containers at once ([`Runtime`]); with runtime `local` each
//!    is the binary its command names, from `bin_dir`, and since the pod's
//!    paths (`/workspace`, `/logs/artifacts`, `/home/prow/go`, secret mounts)
//!    cannot exist on the host, every occurrence of a mount path in args, env
//!    values and the working directory is rewritten to its host folder;
//! 7. streams each container's output prefixed `[name] `, writes
//!    `started.json`, `finished.json`, `<name>-build-log.txt` (or
//!    `build-log.txt`) and `artifacts/` under `<out>/<job>/<build id>/`.
//!
//! [`job_info`] reads what `prow/pj-on-kind.sh` needs of a job (its
//! repository, its secret volumes and the files it reads from them).

mod exec;
pub mod git;
mod info;
pub mod pod;
pub mod records;
pub mod rewrite;
pub mod runtime;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use prow_env::{JobSpec, JobType, Pull, Refs};
use prowcfg::{Config, Job, VolumeSource};

pub use exec::{ContainerResult, log_file_name};
pub use info::{JobInfo, SecretVolume, job_info};
pub use runtime::Runtime;

/// Where container logs and pj-local's own lines go (stdout in pj-local).
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// Variables of this machine that local processes keep (everything else is
/// what the pod would have).
pub const HOST_ENV_PASSTHROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TZ",
    "RUST_LOG",
    "RUST_BACKTRACE",
];

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The job's name.
    pub job: String,
    /// The job config folder.
    pub config: PathBuf,
    /// The repository whose merge is emulated (path or URL) [default: the
    /// job's `clone_uri`, else `https://github.com/<org>/<repo>.git`].
    pub repo: Option<String>,
    /// The base branch [default: the remote's default branch].
    pub base_ref: Option<String>,
    /// The base commit [default: the branch's head].
    pub base_sha: Option<String>,
    /// The output root; the run writes `<out>/<job>/<build id>/`.
    pub out: PathBuf,
    /// What runs the containers.
    pub runtime: Runtime,
    /// `NAME=PATH`: the secret volume NAME (volume or secret name) is this
    /// file or folder.
    pub secrets: Vec<(String, PathBuf)>,
    /// Redirect `--forge github` to this git remote.
    pub forge_remote: Option<String>,
    /// Redirect `gs://` to folders below this one.
    pub bucket: Option<PathBuf>,
    /// Runtime local: where the tool binaries are.
    pub bin_dir: PathBuf,
    /// Which job when several kinds share the name; must match the job.
    pub job_type: Option<JobType>,
    /// Presubmits: the pulls merged on top of the base (`N:SHA`).
    pub pulls: Vec<Pull>,
    /// `(ORG/REPO, PATH|URL)`: where a repository the job clones comes
    /// from: each of its `extra_refs` needs one; the job's own may be given
    /// so too instead of with `repo`.
    pub repo_sources: Vec<(String, String)>,
}

/// A `--repo` value: the job's own repository, or `ORG/REPO=PATH|URL`, the
/// source of the repository the job clones as `ORG/REPO` (one of its
/// `extra_refs`, or its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoArg {
    /// A path or URL of the job's own repository.
    Own(String),
    /// `ORG/REPO=PATH|URL`.
    Named {
        /// `ORG/REPO`.
        repo: String,
        /// The path or URL.
        source: String,
    },
}

/// Parses `--repo [ORG/REPO=]PATH|URL`. The value names a repository when
/// what comes before its first `=` is `ORG/REPO` (one `/`, GitHub's
/// characters, not starting with `.`); anything else is a path or URL of
/// the job's own repository (`./a/b=c` for a folder that looks like it).
pub fn parse_repo(s: &str) -> Result<RepoArg, String> {
    if s.is_empty() {
        return Err("expected a path or URL, or ORG/REPO=PATH|URL".into());
    }
    let github_name = |n: &str| {
        !n.is_empty()
            && !n.starts_with('.')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if let Some((name, source)) = s.split_once('=')
        && let Some((org, repo)) = name.split_once('/')
        && github_name(org)
        && github_name(repo)
    {
        if source.is_empty() {
            return Err(format!(
                "{name}= needs the repository's path or URL after '=' (e.g. {name}=$HOME/src/{repo})"
            ));
        }
        return Ok(RepoArg::Named {
            repo: name.to_owned(),
            source: source.to_owned(),
        });
    }
    Ok(RepoArg::Own(s.to_owned()))
}

/// Why a run could not happen (a failing container is not an error: see
/// [`RunOutcome::passed`]).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The config could not be read.
    #[error("the job config cannot be read:\n{0}")]
    Config(#[from] prowcfg::LoadErrors),
    /// No such job.
    #[error("no job {name} in {}; jobs there: {}", config.display(), available.join(", "))]
    NoSuchJob {
        /// The name asked for.
        name: String,
        /// The folder.
        config: PathBuf,
        /// Every job name there.
        available: Vec<String>,
    },
    /// A wrong option or combination.
    #[error("{0}")]
    Usage(String),
    /// The job uses something pj-local cannot emulate.
    #[error("job {job}: {what}")]
    Unsupported {
        /// The job.
        job: String,
        /// What and what to do.
        what: String,
    },
    /// A preset conflict (Prow refuses the job too).
    #[error("job {job}: {source}")]
    Preset {
        /// The job.
        job: String,
        /// The conflict.
        source: prowcfg::PresetError,
    },
    /// A container cannot be started.
    #[error(transparent)]
    Launch(#[from] runtime::LaunchError),
    /// git failed.
    #[error("{command}{} failed: {stderr}", dir.as_ref().map(|d| format!(" in {}", d.display())).unwrap_or_default())]
    Git {
        /// The command.
        command: String,
        /// Where.
        dir: Option<PathBuf>,
        /// git's message.
        stderr: String,
    },
    /// A file or folder could not be used.
    #[error(transparent)]
    Io(#[from] fs_error::FsError),
}

impl RunError {
    /// pj-local's exit code: 2 for usage errors, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::NoSuchJob { .. } | RunError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The job.
    pub job: String,
    /// Its `BUILD_ID`.
    pub build_id: String,
    /// `<out>/<job>/<build id>`.
    pub out_dir: PathBuf,
    /// Whether every container exited 0.
    pub passed: bool,
    /// Each container's end.
    pub containers: Vec<ContainerResult>,
}

/// Parses `--pull N:SHA`.
pub fn parse_pull(s: &str) -> Result<Pull, String> {
    let (n, sha) = s
        .split_once(':')
        .ok_or("expected N:SHA, the pull request number and its head commit, e.g. 17:3f2c9e1")?;
    let number = n
        .parse()
        .map_err(|_| format!("{n:?} is not a pull request number"))?;
    if sha.is_empty() {
        return Err("the SHA after ':' is empty".into());
    }
    Ok(Pull {
        number,
        author: "pj-local".into(),
        sha: sha.to_owned(),
    })
}

/// Parses `--secret NAME=PATH`.
pub fn parse_secret(s: &str) -> Result<(String, PathBuf), String> {
    let (n, p) = s
        .split_once('=')
        .ok_or("expected NAME=PATH, a secret volume (or secret) name and a file or folder")?;
    if n.is_empty() || p.is_empty() {
        return Err("expected NAME=PATH with both parts".into());
    }
    Ok((n.to_owned(), PathBuf::from(p)))
}

/// Finds the job to run.
pub fn select_job<'a>(
    config: &'a Config,
    name: &str,
    job_type: Option<JobType>,
) -> Result<&'a Job, RunError> {
    let named = config.jobs_named(name);
    if named.is_empty() {
        let mut available: Vec<String> = config.jobs.iter().map(|j| j.name().to_owned()).collect();
        available.sort();
        available.dedup();
        return Err(RunError::NoSuchJob {
            name: name.to_owned(),
            config: config.root.clone(),
            available,
        });
    }
    let fitting: Vec<&Job> = named
        .iter()
        .copied()
        .filter(|j| job_type.is_none_or(|t| j.job_type() == t))
        .collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        [] => Err(RunError::Usage(format!(
            "job {name} is a {}, not a {}; drop --type or pass --type {0}",
            named[0].job_type(),
            job_type.map(|t| t.as_str()).unwrap_or_default()
        ))),
        many => Err(RunError::Usage(format!(
            "{} jobs are called {name} ({}); pick one with --type",
            many.len(),
            many.iter()
                .map(|j| format!("{} in {}", j.job_type(), j.file.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Runs the job; see the crate documentation. Container logs and
/// pj-local's own lines (prefixed `[pj-local]`) go to `sink`, warnings
/// (`pj-local: warning: ...`) to `err` (stderr in pj-local).
pub fn run(opts: &Options, sink: &Sink, err: &Sink) -> Result<RunOutcome, RunError> {
    let config = Config::load(&opts.config)?;
    let (job, spec) = select_and_validate(&config, opts)?;
    let (name, job_type) = (job.name().to_owned(), job.job_type());
    let cwd = std::env::current_dir().map_err(fs_error::at(
        "cannot read the current folder",
        Path::new("."),
    ))?;
    let sources = repo_sources(opts, job)?;
    check_secret_names(opts, &spec, &name)?;
    let (source, mut refs) = resolve_refs(opts, sources.own.as_deref(), job, &cwd, sink, err)?;
    let mut extras = resolve_extra_refs(job, &sources.extras, &cwd, sink)?;
    // Containers run in the clone: every host path they get is absolute.
    let (build_id, out_dir) = new_run_dir(&cwd.join(&opts.out).join(&name))?;
    let artifacts = out_dir.join("artifacts");
    create_shared_dir(&artifacts)?;
    say(
        sink,
        &format!(
            "running {job_type} {name} (build {build_id}) with runtime {}; output in {}",
            opts.runtime,
            out_dir.display()
        ),
    );
    let scratch = tempfile::Builder::new()
        .prefix("pj-local-")
        .tempdir()
        .map_err(fs_error::at(
            "cannot create a temporary folder in",
            &std::env::temp_dir(),
        ))?;
    let gopath = scratch.path().join("go");
    let clone_dir = pod::clone_subdir(job).map(|sub| gopath.join(sub));

    // started.json, then the clones (a failed clone fails the run, as in Prow).
    let url = source.as_ref().map(|(u, _)| u.as_str());
    write_started(opts, job_type, url, refs.as_ref(), &extras, &out_dir)?;
    // From here on a run that cannot go on still finishes, as a failure.
    let fail = |e: RunError| -> RunError {
        let mut meta = serde_json::Map::new();
        meta.insert("error".into(), e.to_string().into());
        let finished = records::Finished::new(false, None, meta);
        let _ = write_record(&out_dir.join("finished.json"), &finished);
        e
    };
    if let (Some((url, branch)), Some(refs), Some(dir)) = (&source, refs.as_mut(), &clone_dir) {
        say(
            sink,
            &format!("cloning {url} {} into {}", refs.pull_refs(), dir.display()),
        );
        clone(url, refs, branch, dir).map_err(fail)?;
    }
    for x in &mut extras {
        let dir = gopath.join(pod::refs_subdir(&x.refs));
        say(
            sink,
            &format!(
                "cloning {} {} into {} (extra_refs: {}/{})",
                x.url,
                x.refs.pull_refs(),
                dir.display(),
                x.refs.org,
                x.refs.repo
            ),
        );
        clone(&x.url, &mut x.refs, &x.branch, &dir).map_err(fail)?;
    }

    let job_spec = prow_job_spec(job, &build_id, refs.clone());
    let out_root = cwd.join(&opts.out);
    let host = pod::HostDirs {
        artifacts,
        volumes: volume_dirs(opts, &spec, &out_dir, &out_root, scratch.path(), sink)
            .map_err(fail)?,
        gopath,
    };
    let redirects = redirects(opts, &cwd, sink).map_err(fail)?;
    let plans = plan_containers(opts, job, &spec, &job_spec, &host, &redirects);
    // The containers' working directory, as Prow picks it (the main clone,
    // or the ref with `workdir: true`).
    let default_cwd = pod::workdir_subdir(&job_spec)
        .map(|sub| host.gopath.join(sub))
        .or(clone_dir)
        .unwrap_or_else(|| scratch.path().to_owned());
    let ctx = launch_context(opts, &cwd, &build_id, default_cwd);
    let launches = launch(opts, &plans, &ctx, sink).map_err(|e| fail(e.into()))?;
    let n = launches.len();
    let results = exec::run_all(&launches, |c| out_dir.join(log_file_name(c, n)), sink)
        .map_err(fs_error::at("cannot write the build logs in", &out_dir))?;

    let passed = results.iter().all(|r| r.passed);
    let revision = refs.as_ref().map(|r| r.base_sha.clone());
    write_finished(&spec, &host, &results, revision, &out_dir)?;
    report(sink, &name, &results, &out_dir);
    Ok(RunOutcome {
        job: name,
        build_id,
        out_dir,
        passed,
        containers: results,
    })
}

/// Step 1: the job, and its pod spec with the presets merged, if pj-local
/// can run it with these options.
fn select_and_validate<'a>(
    config: &'a Config,
    opts: &Options,
) -> Result<(&'a Job, prowcfg::PodSpec), RunError> {
    let job = select_job(config, &opts.job, opts.job_type)?;
    let name = job.name();
    let unsupported = |what: String| RunError::Unsupported {
        job: name.to_owned(),
        what,
    };
    if let Some(agent) = job.base.agent.as_deref().filter(|a| *a != "kubernetes") {
        return Err(unsupported(format!(
            "agent {agent} is not emulated; pj-local runs kubernetes pods"
        )));
    }
    let spec = config
        .pod_spec(job)
        .map_err(|source| RunError::Preset {
            job: name.to_owned(),
            source,
        })?
        .ok_or_else(|| unsupported("it has no spec".into()))?;
    if spec.containers.is_empty() {
        return Err(unsupported("its spec has no containers".into()));
    }
    let job_type = job.job_type();
    if job_type != JobType::Presubmit && !opts.pulls.is_empty() {
        return Err(RunError::Usage(format!(
            "--pull is for presubmits; {name} is a {job_type}"
        )));
    }
    if job_type == JobType::Presubmit && opts.pulls.is_empty() {
        return Err(RunError::Usage(format!(
            "{name} is a presubmit: give the pull request to merge with --pull N:SHA"
        )));
    }
    Ok((job, spec))
}

/// The repository to clone (its URL) and the base branch found there.
type Source = (String, git::Branch);

/// Where the job's repositories come from: its own (`--repo`), and one
/// source per `extra_refs` entry, in order.
struct Sources {
    own: Option<String>,
    extras: Vec<String>,
}

/// Matches the `ORG/REPO=PATH|URL` sources to the job's repositories: each
/// names one the job clones, once; each of its `extra_refs` has one (they
/// are never fetched from GitHub behind the user's back).
fn repo_sources(opts: &Options, job: &Job) -> Result<Sources, RunError> {
    let name = job.name();
    let own_name = job.repo.as_deref().filter(|_| job.job_type().has_refs());
    let mut own = opts.repo.clone();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (repo, source) in &opts.repo_sources {
        if let Some((_, first)) = seen.iter().find(|(r, _)| r == repo) {
            return Err(RunError::Usage(format!(
                "--repo {repo}= is given twice ({first} and {source}): give each repository once"
            )));
        }
        seen.push((repo, source));
        if Some(repo.as_str()) == own_name {
            if let Some(r) = &opts.repo {
                return Err(RunError::Usage(format!(
                    "--repo {repo}={source}: {repo} is {name}'s own repository, already given as --repo {r}: give it once"
                )));
            }
            own = Some(source.clone());
        } else if !job.base.extra_refs.iter().any(|e| e.name() == *repo) {
            let mut clones: Vec<String> = own_name
                .map(|r| format!("{r} (its own)"))
                .into_iter()
                .chain(
                    job.base
                        .extra_refs
                        .iter()
                        .map(|e| format!("{} (extra_refs)", e.name())),
                )
                .collect();
            if clones.is_empty() {
                clones.push("nothing".into());
            }
            return Err(RunError::Usage(format!(
                "--repo {repo}={source}: {name} clones no repository {repo} (it clones {}); name one of those, or, for a folder of the job's own repository whose path looks like ORG/REPO=..., write it as ./{repo}={source}",
                clones.join(", ")
            )));
        }
    }
    let mut extras = Vec::new();
    let mut missing = Vec::new();
    for e in &job.base.extra_refs {
        match opts.repo_sources.iter().find(|(r, _)| *r == e.name()) {
            Some((_, source)) => extras.push(source.clone()),
            None => missing.push(e),
        }
    }
    if let Some(first) = missing.first() {
        return Err(RunError::Usage(format!(
            "{name} clones {} beside its own repository (extra_refs), and pj-local clones them only from a source you give: pass {} (a local clone or a URL, e.g. https://github.com/{}.git)",
            missing
                .iter()
                .map(|e| format!(
                    "{} (branch {}, at {}/{})",
                    e.name(),
                    e.base_ref,
                    pod::POD_GOPATH,
                    e.clone_path()
                ))
                .collect::<Vec<_>>()
                .join(", "),
            missing
                .iter()
                .map(|e| format!("--repo {}=PATH|URL", e.name()))
                .collect::<Vec<_>>()
                .join(" "),
            first.name()
        )));
    }
    Ok(Sources { own, extras })
}

/// One of the job's `extra_refs`, resolved: where it is cloned from, its
/// branch there and the refs cloned (`base_sha` the branch's head unless
/// the job fixes one).
struct ExtraClone {
    url: String,
    branch: git::Branch,
    refs: Refs,
}

/// Step 2 for the `extra_refs`: each one's branch in its source.
fn resolve_extra_refs(
    job: &Job,
    sources: &[String],
    cwd: &Path,
    sink: &Sink,
) -> Result<Vec<ExtraClone>, RunError> {
    let mut out = Vec::new();
    for (i, (e, source)) in job.base.extra_refs.iter().zip(sources).enumerate() {
        let url = pod::absolute(source, cwd);
        let fix = format!(
            "{}'s extra_refs[{i}] clones {} at branch {}: give --repo {1}= a repository that has it",
            job.name(),
            e.name(),
            e.base_ref
        );
        let branch = git::find_extra_branch(&url, &e.base_ref, &fix)?;
        if branch.is_remote_tracking() {
            say(
                sink,
                &format!(
                    "{url} has no branch {}: cloning its remote-tracking branch {} ({}) as {0}",
                    branch.name,
                    branch.refname.trim_start_matches("refs/remotes/"),
                    branch.sha
                ),
            );
        }
        let base_sha = e
            .base_sha
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| branch.sha.clone());
        let refs = Refs {
            base_ref: branch.name.clone(),
            base_sha,
            ..spec_extra_ref(e)
        };
        out.push(ExtraClone { url, branch, refs });
    }
    Ok(out)
}

/// An `extra_refs` entry as Prow puts it in `JOB_SPEC`: as the job config
/// says (no `base_sha` unless the job fixes one: clonerefs fetches the
/// branch when the pod starts).
fn spec_extra_ref(e: &prowcfg::ExtraRef) -> Refs {
    Refs {
        org: e.org.clone(),
        repo: e.repo.clone(),
        repo_link: e.repo_link.clone().unwrap_or_default(),
        base_ref: e.base_ref.clone(),
        base_sha: e.base_sha.clone().unwrap_or_default(),
        base_link: e.base_link.clone().unwrap_or_default(),
        pulls: vec![],
        path_alias: e.path_alias.clone(),
        workdir: e.workdir == Some(true),
    }
}

/// Step 2, the refs, as Prow would get them from the GitHub event: the
/// repository's URL and base branch (for the clone) and the refs (none for
/// a job without a repository, such as a periodic).
fn resolve_refs(
    opts: &Options,
    own: Option<&str>,
    job: &Job,
    cwd: &Path,
    sink: &Sink,
    err: &Sink,
) -> Result<(Option<Source>, Option<Refs>), RunError> {
    let (true, Some((org, repo))) = (job.job_type().has_refs(), job.org_repo()) else {
        return Ok((None, None));
    };
    let url = match (own, &job.base.clone_uri) {
        (Some(r), _) => pod::absolute(r, cwd),
        (None, Some(u)) => u.clone(),
        (None, None) => format!("https://github.com/{org}/{repo}.git"),
    };
    let (asked, from) = match &opts.base_ref {
        Some(r) => (r.clone(), format!("--base-ref {r}")),
        None => (
            git::default_branch(&url)?,
            format!("the default branch of {url}"),
        ),
    };
    let branch = git::find_branch(&url, &asked)?;
    if branch.is_remote_tracking() {
        say(
            sink,
            &format!(
                "{url} has no branch {}: cloning its remote-tracking branch {} ({}) as {0}",
                branch.name,
                branch.refname.trim_start_matches("refs/remotes/"),
                branch.sha
            ),
        );
    }
    if let Some(w) = branch_warning(job, &branch.name, &from, || {
        git::branch_names(&url).unwrap_or_default()
    }) {
        warn(err, &w);
    }
    let base_sha = match &opts.base_sha {
        Some(s) => s.clone(),
        None => branch.sha.clone(),
    };
    let refs = Refs {
        org: org.to_owned(),
        repo: repo.to_owned(),
        repo_link: format!("https://github.com/{org}/{repo}"),
        base_ref: branch.name.clone(),
        base_link: format!("https://github.com/{org}/{repo}/commit/{base_sha}"),
        base_sha,
        pulls: opts.pulls.clone(),
        path_alias: job.base.path_alias.clone(),
        workdir: false,
    };
    Ok((Some((url, branch)), Some(refs)))
}

/// The run's `BUILD_ID` (unix milliseconds, the next free one) and its
/// folder below `job_root`.
fn new_run_dir(job_root: &Path) -> Result<(String, PathBuf), RunError> {
    let build_id_base = chrono::Utc::now().timestamp_millis();
    (0..1000)
        .map(|i| (build_id_base + i).to_string())
        .map(|id| (id.clone(), job_root.join(&id)))
        .find(|(_, d)| !d.exists())
        .ok_or_else(|| RunError::Usage(format!("{} is full of runs", job_root.display())))
}

/// Step 7, first record: `started.json`, before the clone.
fn write_started(
    opts: &Options,
    job_type: JobType,
    url: Option<&str>,
    refs: Option<&Refs>,
    extras: &[ExtraClone],
    out_dir: &Path,
) -> Result<(), RunError> {
    let mut started_meta = serde_json::Map::new();
    let mut pj_local = serde_json::json!({
        "runtime": opts.runtime.as_str(),
        "repo": url,
        "job_type": job_type.as_str(),
        "config": opts.config,
    });
    if !extras.is_empty() {
        let sources: serde_json::Map<String, serde_json::Value> = extras
            .iter()
            .map(|x| {
                (
                    format!("{}/{}", x.refs.org, x.refs.repo),
                    x.url.clone().into(),
                )
            })
            .collect();
        pj_local["extra_refs"] = sources.into();
    }
    started_meta.insert("pj-local".into(), pj_local);
    let started = records::Started {
        timestamp: chrono::Utc::now().timestamp(),
        pull: refs
            .and_then(|r| r.pulls.first())
            .map(|p| p.number.to_string()),
        // The commit of each ref cloned, extra_refs too (Prow writes only
        // their branch, having resolved no commit yet when it writes this).
        repos: refs
            .into_iter()
            .chain(extras.iter().map(|x| &x.refs))
            .map(|r| (format!("{}/{}", r.org, r.repo), r.pull_refs()))
            .collect(),
        repo_commit: refs
            .map(|r| {
                r.pulls
                    .first()
                    .map_or(r.base_sha.clone(), |p| p.sha.clone())
            })
            .unwrap_or_default(),
        metadata: started_meta,
    };
    write_record(&out_dir.join("started.json"), &started)
}

/// Step 3: the `JOB_SPEC` every container gets (the other variables are
/// derived from it).
fn prow_job_spec(job: &Job, build_id: &str, refs: Option<Refs>) -> JobSpec {
    JobSpec {
        job_type: job.job_type(),
        job: job.name().to_owned(),
        buildid: build_id.to_owned(),
        prowjobid: uuid_v4(),
        refs,
        extra_refs: job.base.extra_refs.iter().map(spec_extra_ref).collect(),
        decoration_config: None,
    }
}

/// Step 5: where production is redirected to, said in the log; the bucket
/// folder is created.
fn redirects(opts: &Options, cwd: &Path, sink: &Sink) -> Result<pod::Redirects, RunError> {
    let bucket = match &opts.bucket {
        Some(b) => {
            std::fs::create_dir_all(b)
                .map_err(fs_error::at("cannot create the bucket folder", b))?;
            Some(
                b.canonicalize()
                    .map_err(fs_error::at("cannot resolve", b))?,
            )
        }
        None => None,
    };
    let redirects = pod::Redirects {
        forge_remote: opts.forge_remote.as_deref().map(|r| pod::absolute(r, cwd)),
        bucket,
    };
    if let Some(r) = &redirects.forge_remote {
        say(
            sink,
            &format!("--forge github is redirected to the git remote {r}"),
        );
    }
    if let Some(b) = &redirects.bucket {
        say(
            sink,
            &format!(
                "gs://<bucket>/<path> is redirected to {}/<bucket>/<path>",
                b.display()
            ),
        );
    }
    Ok(redirects)
}

/// Steps 3 to 6 for each container: its command, env and mounts.
fn plan_containers(
    opts: &Options,
    job: &Job,
    spec: &prowcfg::PodSpec,
    job_spec: &JobSpec,
    host: &pod::HostDirs,
    redirects: &pod::Redirects,
) -> Vec<pod::ContainerPlan> {
    let mut plans = pod::plan(job, spec, job_spec, host, redirects);
    if opts.runtime != Runtime::Local {
        // The redirect targets are host paths: mount them at the same place.
        let extra: Vec<PathBuf> = redirects
            .bucket
            .iter()
            .cloned()
            .chain(
                redirects
                    .forge_remote
                    .iter()
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute()),
            )
            .collect();
        for p in &mut plans {
            for dir in &extra {
                p.mounts.push(pod::Mount {
                    pod: dir.to_string_lossy().into_owned(),
                    host: dir.clone(),
                    read_only: false,
                });
            }
        }
    }
    plans
}

/// What the runtime needs of this machine.
fn launch_context(
    opts: &Options,
    cwd: &Path,
    build_id: &str,
    default_cwd: PathBuf,
) -> runtime::LaunchContext {
    runtime::LaunchContext {
        run_name: format!("pj-{build_id}"),
        bin_dir: cwd.join(&opts.bin_dir),
        default_cwd,
        host_env: HOST_ENV_PASSTHROUGH
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
            .collect(),
        buildah_storage_driver: std::env::var("BUILDAH_STORAGE_DRIVER")
            .unwrap_or_else(|_| "vfs".into()),
    }
}

/// Step 6: every container made ready to start at once, said in the log.
fn launch(
    opts: &Options,
    plans: &[pod::ContainerPlan],
    ctx: &runtime::LaunchContext,
    sink: &Sink,
) -> Result<Vec<(String, runtime::Launch)>, runtime::LaunchError> {
    let launches = plans
        .iter()
        .map(|p| runtime::launch(opts.runtime, p, ctx).map(|l| (p.name.clone(), l)))
        .collect::<Result<Vec<_>, _>>()?;
    say(
        sink,
        &format!(
            "starting {} containers at once: {}",
            launches.len(),
            launches
                .iter()
                .map(|l| l.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    Ok(launches)
}

/// Step 7, last record: `finished.json`, with each container's end and
/// what the steps recorded in the workspace.
fn write_finished(
    spec: &prowcfg::PodSpec,
    host: &pod::HostDirs,
    results: &[ContainerResult],
    revision: Option<String>,
    out_dir: &Path,
) -> Result<(), RunError> {
    let mut meta = serde_json::Map::new();
    let containers: serde_json::Map<String, serde_json::Value> = results
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                serde_json::json!({"exit_code": r.exit_code, "passed": r.passed, "seconds": r.seconds}),
            )
        })
        .collect();
    meta.insert("containers".into(), containers.into());
    if let Some(ws) = spec
        .volumes
        .iter()
        .find(|v| v.name == prowcfg::WORKSPACE_VOLUME && v.empty_dir.is_some())
        .and_then(|v| host.volumes.get(&v.name))
    {
        handoff_metadata(ws, &mut meta);
    }
    let passed = results.iter().all(|r| r.passed);
    write_record(
        &out_dir.join("finished.json"),
        &records::Finished::new(passed, revision, meta),
    )
}

/// The end of the log: each container's result, then the run's.
fn report(sink: &Sink, name: &str, results: &[ContainerResult], out_dir: &Path) {
    for r in results {
        let code = r.exit_code.map_or("none".to_owned(), |c| c.to_string());
        say(
            sink,
            &format!(
                "{}: {} (exit code {code}, {:.1}s), log {}",
                r.name,
                if r.passed { "passed" } else { "FAILED" },
                r.seconds,
                r.log.display()
            ),
        );
    }
    let passed = results.iter().all(|r| r.passed);
    say(
        sink,
        &format!(
            "{name} {}: {}",
            if passed { "SUCCESS" } else { "FAILURE" },
            out_dir.display()
        ),
    );
}

fn say(sink: &Sink, line: &str) {
    exec::say(sink, "pj-local", line);
}

fn warn(err: &Sink, text: &str) {
    if let Ok(mut w) = err.lock() {
        for line in text.lines() {
            let _ = writeln!(w, "pj-local: warning: {line}");
        }
        let _ = w.flush();
    }
}

/// The warning when Prow would not run `job` for `branch` (the base branch
/// of a push or of a pull request; `from` says where it came from):
/// its `branches` / `skip_branches` regexes, matched as Prow does
/// (unanchored, `skip_branches` winning), let `branch` through or not.
/// `branches_of_repo` lists the repository's branches, to suggest those
/// that match; it is only called when warning.
pub fn branch_warning(
    job: &Job,
    branch: &str,
    from: &str,
    branches_of_repo: impl FnOnce() -> Vec<String>,
) -> Option<String> {
    let (branches, skip) = job.branch_lists();
    let b = prowcfg::Brancher::new(branches, skip).ok()?;
    if b.should_run(branch) {
        return None;
    }
    let show = |l: &[String]| format!("[{}]", l.join(", "));
    let mut filters = Vec::new();
    if !branches.is_empty() {
        filters.push(format!("branches {}", show(branches)));
    }
    if !skip.is_empty() {
        filters.push(format!("skip_branches {}", show(skip)));
    }
    let why = if skip.iter().any(|r| {
        prowcfg::Brancher::new(&[], std::slice::from_ref(r)).is_ok_and(|s| !s.should_run(branch))
    }) {
        "skip_branches matches it"
    } else {
        "no branches regex matches it"
    };
    let event = match job.job_type() {
        JobType::Presubmit => "a pull request against",
        _ => "a push to",
    };
    let matching: Vec<String> = branches_of_repo()
        .into_iter()
        .filter(|n| b.should_run(n))
        .take(5)
        .collect();
    let suggestion = match matching.first() {
        Some(m) => format!(
            "pass --base-ref {m}{}",
            if matching.len() > 1 {
                format!(
                    " (the repository's branches it would run on: {})",
                    matching.join(", ")
                )
            } else {
                String::new()
            }
        ),
        None => "pass --base-ref with a branch they match (the repository has none)".to_owned(),
    };
    Some(format!(
        "Prow would not run {} for {event} {branch} ({from}): its {} (regexes matched unanchored, as Prow does); {why}.\n\
         Running it anyway, on {branch}. To run it as Prow would, {suggestion}.",
        job.name(),
        filters.join(" and "),
    ))
}

fn clone(url: &str, refs: &mut Refs, base: &git::Branch, dir: &Path) -> Result<(), RunError> {
    git::clone_refs(url, refs, base, dir)?;
    // A short --base-sha becomes the full one Prow would give.
    if let Some(sha) = git::full_commit(dir, &refs.base_sha)? {
        refs.base_link = refs.base_link.replace(&refs.base_sha, &sha);
        refs.base_sha = sha;
    }
    Ok(())
}

/// Every `--secret` must name a secret volume of the job.
fn check_secret_names(opts: &Options, spec: &prowcfg::PodSpec, job: &str) -> Result<(), RunError> {
    let secret_volumes: Vec<(&str, &str)> = spec
        .volumes
        .iter()
        .filter_map(|v| match v.source() {
            Some(VolumeSource::Secret(s)) => Some((v.name.as_str(), s.secret_name.as_str())),
            _ => None,
        })
        .collect();
    for (n, p) in &opts.secrets {
        if !secret_volumes.iter().any(|(v, s)| v == n || s == n) {
            return Err(RunError::Usage(format!(
                "--secret {n}={}: {job} has no secret volume called {n} (its secret volumes: {})",
                p.display(),
                if secret_volumes.is_empty() {
                    "none".into()
                } else {
                    secret_volumes
                        .iter()
                        .map(|(v, _)| *v)
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
        if !p.exists() {
            return Err(RunError::Usage(format!(
                "--secret {n}={}: no such file or folder",
                p.display()
            )));
        }
    }
    Ok(())
}

/// Host folders for the pod's volumes: emptyDirs under the run's output
/// (kept), secrets from `--secret` (a folder as is; a file copied into a
/// folder under every name the job refers to below the mount, else its own
/// name), else empty; hostPath folders under `<out root>/host-paths/`,
/// shared by every run there as a node's folder is by its pods.
fn volume_dirs(
    opts: &Options,
    spec: &prowcfg::PodSpec,
    out_dir: &Path,
    out_root: &Path,
    scratch: &Path,
    sink: &Sink,
) -> Result<BTreeMap<String, PathBuf>, RunError> {
    let mut dirs = BTreeMap::new();
    for v in &spec.volumes {
        let dir = match v.source() {
            Some(VolumeSource::HostPath(h)) => {
                let d = host_path_dir(&opts.job, &v.name, h, out_root)?;
                create_shared_dir(&d)?;
                say(
                    sink,
                    &format!(
                        "hostPath volume {} ({} on the node) is {}, kept for the next runs under this --out as a node keeps it",
                        v.name,
                        h.path,
                        d.display()
                    ),
                );
                d
            }
            Some(VolumeSource::EmptyDir(_)) => {
                let d = out_dir.join("volumes").join(&v.name);
                create_shared_dir(&d)?;
                d
            }
            Some(VolumeSource::Secret(s)) => {
                let given = opts
                    .secrets
                    .iter()
                    .find(|(n, _)| *n == v.name || *n == s.secret_name)
                    .map(|(_, p)| p);
                match given {
                    Some(p) if p.is_dir() => p
                        .canonicalize()
                        .map_err(fs_error::at("cannot resolve", p))?,
                    Some(file) => {
                        let d = scratch.join("secrets").join(&v.name);
                        std::fs::create_dir_all(&d).map_err(fs_error::at("cannot create", &d))?;
                        let mut names = pod::files_read_from(spec, &v.name);
                        if names.is_empty()
                            && let Some(base) = file.file_name()
                        {
                            names.push(base.to_string_lossy().into_owned());
                        }
                        let content = read_secret(file)?;
                        for n in &names {
                            let dest = d.join(n);
                            std::fs::write(&dest, &content)
                                .map_err(fs_error::at("cannot write the secret", &dest))?;
                        }
                        d
                    }
                    None => {
                        let d = scratch.join("secrets").join(&v.name);
                        std::fs::create_dir_all(&d).map_err(fs_error::at("cannot create", &d))?;
                        say(
                            sink,
                            &format!(
                                "secret volume {} (secret {}) is empty: give it with --secret {}=PATH",
                                v.name, s.secret_name, v.name
                            ),
                        );
                        d
                    }
                }
            }
            None => {
                return Err(RunError::Unsupported {
                    job: opts.job.clone(),
                    what: format!(
                        "volume {} needs exactly one source (emptyDir, secret or hostPath); check-prow says what is wrong with it",
                        v.name
                    ),
                });
            }
        };
        dirs.insert(v.name.clone(), dir);
    }
    Ok(dirs)
}

/// The host folder backing hostPath `h` of volume `volume`:
/// `<out root>/host-paths/<its path>`. Only folders (a cache): a path with
/// `..` or another type is refused.
fn host_path_dir(
    job: &str,
    volume: &str,
    h: &prowcfg::HostPathVolume,
    out_root: &Path,
) -> Result<PathBuf, RunError> {
    use std::path::Component;
    let unsupported = |what: String| RunError::Unsupported {
        job: job.to_owned(),
        what,
    };
    if !h.is_directory() {
        return Err(unsupported(format!(
            "volume {volume}: hostPath type {} is not emulated; pj-local backs hostPath folders only (type DirectoryOrCreate, Directory or unset)",
            h.kind.as_deref().unwrap_or_default()
        )));
    }
    let path = Path::new(&h.path);
    let mut rel = PathBuf::new();
    for c in path.components() {
        match c {
            Component::RootDir => {}
            Component::Normal(p) => rel.push(p),
            _ => {
                return Err(unsupported(format!(
                    "volume {volume}: hostPath {:?} is not an absolute path without '.' or '..' parts; give the node folder as /var/cache/<name>",
                    h.path
                )));
            }
        }
    }
    if !path.is_absolute() || rel.as_os_str().is_empty() {
        return Err(unsupported(format!(
            "volume {volume}: hostPath {:?} is not an absolute folder below /; give the node folder as /var/cache/<name>",
            h.path
        )));
    }
    Ok(out_root.join("host-paths").join(rel))
}

/// The most a `--secret` that is not a regular file (a device, a pipe) may
/// hold: Kubernetes refuses secrets over 1 MiB.
const SECRET_MAX_BYTES: u64 = 1 << 20;

/// The content of a `--secret` file: a regular file, or anything else
/// readable that ends, such as `/dev/null` (an empty secret) or a pipe
/// (`<(pass show token)`).
fn read_secret(file: &Path) -> Result<Vec<u8>, RunError> {
    use std::io::Read;
    let f = std::fs::File::open(file).map_err(fs_error::at("cannot read the secret", file))?;
    let mut content = Vec::new();
    f.take(SECRET_MAX_BYTES + 1)
        .read_to_end(&mut content)
        .map_err(fs_error::at("cannot read the secret", file))?;
    if content.len() as u64 > SECRET_MAX_BYTES {
        return Err(RunError::Usage(format!(
            "--secret {}: more than 1 MiB (Kubernetes refuses secrets that large); give a file or folder that holds the secret",
            file.display()
        )));
    }
    Ok(content)
}

/// A folder every container user can write, like an emptyDir (0777).
fn create_shared_dir(d: &Path) -> Result<(), RunError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(d).map_err(fs_error::at("cannot create", d))?;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777))
        .map_err(fs_error::at("cannot open up", d))?;
    Ok(())
}

fn write_record<T: serde::Serialize>(path: &Path, record: &T) -> Result<(), RunError> {
    handoff::write_json(path, record).map_err(|e| {
        RunError::Io(fs_error::FsError::new(
            "cannot write",
            path,
            std::io::Error::other(e.to_string()),
        ))
    })
}

/// What the steps recorded in the workspace: the version, each build
/// result's status (and error), the tag.
fn handoff_metadata(ws: &Path, meta: &mut serde_json::Map<String, serde_json::Value>) {
    // A pod's workspace is a folder: its records are read as files.
    if let Ok(Some(v)) =
        handoff::read_json::<handoff::VersionRecord>(&ws.join(handoff::VERSION_JSON))
    {
        meta.insert(
            "version".into(),
            serde_json::to_value(&v).unwrap_or_default(),
        );
    }
    let mut results = serde_json::Map::new();
    if let Ok(entries) = std::fs::read_dir(ws.join(handoff::RESULTS_DIR)) {
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".json")
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        for t in names {
            let path = ws.join(handoff::RESULTS_DIR).join(format!("{t}.json"));
            if let Ok(Some(r)) = handoff::read_json::<handoff::BuildResult>(&path) {
                results.insert(
                    t,
                    serde_json::json!({"status": r.status, "version": r.version, "error": r.error}),
                );
            }
        }
    }
    if !results.is_empty() {
        meta.insert("results".into(), results.into());
    }
    if let Ok(Some(tag)) = handoff::read_json::<serde_json::Value>(&ws.join(handoff::TAG_JSON)) {
        meta.insert("tag".into(), tag);
    }
}

/// A random (version 4) UUID, as Prow's `PROW_JOB_ID`.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]), "{u}");
        assert_ne!(u, uuid_v4());
    }

    #[test]
    fn option_parsers() {
        assert_eq!(parse_pull("17:abc").unwrap().number, 17);
        assert!(parse_pull("x:abc").is_err());
        assert!(parse_pull("17").is_err());
        assert!(parse_pull("17:").is_err());
        assert_eq!(
            parse_secret("github-access-token=/tmp/t").unwrap(),
            ("github-access-token".into(), PathBuf::from("/tmp/t"))
        );
        assert!(parse_secret("x").is_err());
    }

    #[test]
    fn repo_values_name_a_repository_or_are_the_jobs_own() {
        let named = |repo: &str, source: &str| RepoArg::Named {
            repo: repo.into(),
            source: source.into(),
        };
        let own = |s: &str| RepoArg::Own(s.into());
        assert_eq!(
            parse_repo("GoogleCloudPlatform/google-guest-agent=/src/gga").unwrap(),
            named("GoogleCloudPlatform/google-guest-agent", "/src/gga")
        );
        assert_eq!(
            parse_repo("o/r.go=https://h/o/r.git?x=1").unwrap(),
            named("o/r.go", "https://h/o/r.git?x=1")
        );
        for path in [
            "/src/guest-agent",
            "../guest-agent",
            "./a/b=c",
            "a/b/c=d",
            "https://github.com/o/r.git",
            "file:///x/y=z",
            "~/a=b",
            "a=b",
        ] {
            assert_eq!(parse_repo(path).unwrap(), own(path), "{path}");
        }
        let e = parse_repo("o/r=").unwrap_err();
        assert_eq!(
            e,
            "o/r= needs the repository's path or URL after '=' (e.g. o/r=$HOME/src/r)"
        );
        assert!(parse_repo("").is_err());
    }

    #[test]
    fn skip_branches_are_matched_as_prow_does() {
        let job = |branches: &str, skip: &str| -> Job {
            let dir = tempfile::tempdir().unwrap();
            let yaml = format!(
                "postsubmits:\n  o/r:\n  - name: j\n    decorate: true\n    branches: {branches}\n    skip_branches: {skip}\n    spec:\n      containers:\n      - {{name: c, image: i, command: [c]}}\n"
            );
            std::fs::write(dir.path().join("j.yaml"), yaml).unwrap();
            let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            config.jobs[0].clone()
        };
        let none = Vec::new;
        // Unanchored, as Prow matches: `main` lets `not-main` through.
        let j = job("[main]", "[]");
        assert!(branch_warning(&j, "not-main", "--base-ref not-main", none).is_none());
        // skip_branches wins over branches.
        let j = job("['^release-']", "['^release-old$']");
        assert!(branch_warning(&j, "release-1", "x", none).is_none());
        let w = branch_warning(&j, "release-old", "--base-ref release-old", || {
            vec!["master".into(), "release-1".into(), "release-2".into()]
        })
        .unwrap();
        assert!(
            w.contains("its branches [^release-] and skip_branches [^release-old$]")
                && w.contains("skip_branches matches it")
                && w.contains("pass --base-ref release-1 (the repository's branches it would run on: release-1, release-2)"),
            "{w}"
        );
    }
}
