//! The checks: Prow's load-time rules (prow.md), `checkconfig --strict`'s
//! warnings, and this project's rules for its release chain.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::images::{ImageRef, Tool, image_tool};
use crate::{
    Brancher, Config, HOST_PATH_TYPES, Job, JobKind, JobType, POD_GOPATH, PodSpec, VolumeSource,
    podargs,
};

/// One thing wrong with a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// The job, when the problem is about one.
    pub job: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.job {
            Some(job) => write!(f, "{}: {job}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// A version tag, as the release's own tag push would name its "branch".
pub const VERSION_TAG_EXAMPLE: &str = "20261127.00";

/// Container names Prow's decoration uses.
const RESERVED_CONTAINER_NAMES: [&str; 4] =
    ["clonerefs", "initupload", "place-entrypoint", "sidecar"];
/// Volume names Prow's decoration uses.
const RESERVED_VOLUME_NAMES: [&str; 5] =
    ["logs", "code", "tools", "gcs-credentials", "s3-credentials"];
/// Mount paths Prow's decoration uses in the test container.
const RESERVED_MOUNT_PATHS: [&str; 3] = ["/logs", "/home/prow/go", "/tools"];
/// Labels Prow sets on its pods.
const RESERVED_LABELS: [&str; 3] = ["created-by-prow", "prow.k8s.io/type", "prow.k8s.io/id"];
/// The name of the shared workspace volume (design.md, the step handoff).
pub const WORKSPACE_VOLUME: &str = "workspace";

static JOB_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9-._]+$").expect("valid regex"));
static LABEL_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$").expect("valid regex")
});
static DNS_SUBDOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
        .expect("valid regex")
});
static QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$",
    )
    .expect("valid regex")
});
static ENV_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$").expect("valid regex"));

/// Checks every job of `config`; images must have a Dockerfile in
/// `containers_dir/<name>/`. Returns every problem, in file order.
pub fn check(config: &Config, containers_dir: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_basenames(config, &mut problems);
    for job in &config.jobs {
        let mut msgs = Vec::new();
        check_job(config, job, containers_dir, &mut msgs);
        problems.extend(msgs.into_iter().map(|message| Problem {
            file: job.file.clone(),
            job: Some(job.name().to_owned()),
            message,
        }));
    }
    check_duplicates(config, &mut problems);
    check_host_path_trust(config, &mut problems);
    problems
}

fn check_basenames(config: &Config, problems: &mut Vec<Problem>) {
    let mut seen: BTreeMap<&std::ffi::OsStr, &PathBuf> = BTreeMap::new();
    for f in &config.files {
        let Some(base) = f.file_name() else { continue };
        if let Some(first) = seen.insert(base, f) {
            problems.push(Problem {
                file: f.clone(),
                job: None,
                message: format!(
                    "the file name is also used by {}: Prow needs job file names unique across the tree; rename one",
                    first.display()
                ),
            });
        }
    }
}

/// Two jobs of one repository and kind with the same name or context on
/// intersecting branches; duplicate periodic names.
fn check_duplicates(config: &Config, problems: &mut Vec<Problem>) {
    let jobs = &config.jobs;
    for (i, job) in jobs.iter().enumerate() {
        for earlier in &jobs[..i] {
            if std::mem::discriminant(&earlier.kind) != std::mem::discriminant(&job.kind) {
                continue;
            }
            let kind = job.job_type();
            let where_ = if earlier.file == job.file {
                String::new()
            } else {
                format!(" (in {})", earlier.file.display())
            };
            if kind == JobType::Periodic {
                if earlier.name() == job.name() {
                    problems.push(job_problem(
                        job,
                        format!("duplicate periodic name: another periodic has it too{where_}; rename one"),
                    ));
                }
                continue;
            }
            if earlier.repo != job.repo || !branches_intersect(earlier, job) {
                continue;
            }
            let repo = job.repo.as_deref().unwrap_or_default();
            if earlier.name() == job.name() {
                problems.push(job_problem(
                    job,
                    format!(
                        "duplicate {kind} name for {repo} on intersecting branches{where_}: rename one"
                    ),
                ));
            } else if earlier.context() == job.context() {
                problems.push(job_problem(
                    job,
                    format!(
                        "{kind} context {:?} is also used by {} for {repo} on intersecting branches{where_}: set a distinct context",
                        job.context().unwrap_or_default(),
                        earlier.name()
                    ),
                ));
            }
        }
    }
}

fn branches_intersect(a: &Job, b: &Job) -> bool {
    let (ab, askip) = a.branch_lists();
    let (bb, bskip) = b.branch_lists();
    match (Brancher::new(ab, askip), Brancher::new(bb, bskip)) {
        (Ok(x), Ok(y)) => x.intersects(&y),
        // A bad regex is reported on its own; compare the lists as text.
        _ => ab == bb,
    }
}

fn job_problem(job: &Job, message: String) -> Problem {
    Problem {
        file: job.file.clone(),
        job: Some(job.name().to_owned()),
        message,
    }
}

fn check_job(config: &Config, job: &Job, containers_dir: &Path, out: &mut Vec<String>) {
    let base = &job.base;
    // Names.
    if !JOB_NAME.is_match(&base.name) {
        out.push(format!(
            "name {:?} does not match ^[A-Za-z0-9-._]+$",
            base.name
        ));
    }
    if base.name.len() > 63 {
        out.push(format!(
            "name is {} characters long, over 63 (checkconfig --strict refuses it; it names pods and labels)",
            base.name.len()
        ));
    }
    if base.max_concurrency.is_some_and(|m| m < 0) {
        out.push("max_concurrency is negative; use 0 (no limit) or more".into());
    }
    check_labels(&base.labels, out);
    check_triggers(job, out);
    check_extra_refs(job, out);

    if let Some(agent) = base.agent.as_deref().filter(|a| *a != "kubernetes") {
        out.push(format!(
            "agent {agent:?} is not used here: the jobs run pods on the build cluster (agent: kubernetes, the default)"
        ));
        return;
    }
    if !job.decorated() {
        out.push(
            "not decorated: set decorate: true (checkconfig --strict refuses undecorated jobs; the release chain needs Prow's clone, log upload and $ARTIFACTS)".into(),
        );
    }
    let spec = match config.pod_spec(job) {
        Ok(Some(spec)) => spec,
        Ok(None) => {
            out.push("agent kubernetes needs a spec (the pod to run)".into());
            return;
        }
        Err(e) => {
            out.push(e.to_string());
            job.base.spec.clone().unwrap_or_default()
        }
    };
    if spec.containers.is_empty() {
        out.push("spec has no containers".into());
        return;
    }
    if !job.decorated() && spec.containers.len() > 1 {
        out.push(format!(
            "an undecorated job may have only one container, this one has {}",
            spec.containers.len()
        ));
    }
    check_pod(job, &spec, out);
    check_builder_secrets(&spec, out);
    check_extra_repo_args(job, &spec, out);
    check_go_mod_cache(&spec, out);
    check_images(&spec, containers_dir, out);
    check_workspace(&spec, out);
    check_chain(job, &spec, out);
}

fn check_labels(labels: &BTreeMap<String, String>, out: &mut Vec<String>) {
    for (k, v) in labels {
        if RESERVED_LABELS.contains(&k.as_str()) {
            out.push(format!("label {k} is reserved: Prow sets it on its pods"));
            continue;
        }
        let (prefix, name) = match k.rsplit_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, k.as_str()),
        };
        let key_ok = !name.is_empty()
            && name.len() <= 63
            && LABEL_NAME.is_match(name)
            && prefix.is_none_or(|p| p.len() <= 253 && DNS_SUBDOMAIN.is_match(p));
        if !key_ok {
            out.push(format!(
                "label key {k:?} is not a valid Kubernetes label key ([prefix/]name, name at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric)"
            ));
        }
        if v.len() > 63 || !LABEL_NAME.is_match(v) {
            out.push(format!(
                "label {k}: value {v:?} is not a valid Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric)"
            ));
        }
    }
}

fn check_triggers(job: &Job, out: &mut Vec<String>) {
    let (branches, skip) = job.branch_lists();
    if let Err((re, e)) = Brancher::new(branches, skip) {
        out.push(format!(
            "branch regex {re:?} does not compile: {}",
            first_line(&e)
        ));
    }
    let (always_run, run_if_changed, skip_if_only_changed) = match &job.kind {
        JobKind::Presubmit(p) => (p.always_run, &p.run_if_changed, &p.skip_if_only_changed),
        JobKind::Postsubmit(p) => (p.always_run, &p.run_if_changed, &p.skip_if_only_changed),
        JobKind::Periodic(p) => {
            let set = [&p.interval, &p.minimum_interval, &p.cron]
                .iter()
                .filter(|x| x.as_deref().is_some_and(|s| !s.is_empty()))
                .count();
            if set != 1 {
                out.push(format!(
                    "a periodic needs exactly one of interval, minimum_interval and cron; it has {set}"
                ));
            }
            return;
        }
    };
    for (key, re) in [
        ("run_if_changed", run_if_changed),
        ("skip_if_only_changed", skip_if_only_changed),
    ] {
        if let Some(re) = re
            && let Err(e) = Regex::new(re)
        {
            out.push(format!("{key} {re:?} does not compile: {}", first_line(&e)));
        }
    }
    if always_run == Some(true) {
        for (key, re) in [
            ("run_if_changed", run_if_changed),
            ("skip_if_only_changed", skip_if_only_changed),
        ] {
            if re.is_some() {
                out.push(format!(
                    "always_run and {key} together: a job that always runs cannot also depend on the changed files; drop one"
                ));
            }
        }
    }
    if run_if_changed.is_some() && skip_if_only_changed.is_some() {
        out.push("run_if_changed and skip_if_only_changed together: keep one".into());
    }
    if let JobKind::Presubmit(p) = &job.kind {
        match (&p.trigger, &p.rerun_command) {
            (Some(_), None) => out.push(
                "trigger without rerun_command: give the comment that re-runs the job (e.g. /packagebuild)".into(),
            ),
            (None, Some(_)) => out.push(
                "rerun_command without trigger: give the trigger regex that matches it".into(),
            ),
            (Some(t), Some(r)) => match Regex::new(t) {
                Err(e) => out.push(format!("trigger {t:?} does not compile: {}", first_line(&e))),
                Ok(re) if !re.is_match(r) => out.push(format!(
                    "rerun_command {r:?} does not match trigger {t:?}: the advertised comment would not start the job"
                )),
                Ok(_) => {}
            },
            (None, None) => {}
        }
    }
}

fn first_line(e: &regex::Error) -> String {
    let s = e.to_string();
    s.lines().last().unwrap_or_default().trim().to_owned()
}

/// Kubernetes and Prow rules on the pod.
fn check_pod(job: &Job, spec: &PodSpec, out: &mut Vec<String>) {
    let mut names = BTreeSet::new();
    let reserved_env = prow_env::reserved_vars(JobType::Presubmit, true);
    for (i, c) in spec.containers.iter().enumerate() {
        if c.name.is_empty() {
            out.push(format!("container {} has no name", i + 1));
        } else if !names.insert(c.name.as_str()) {
            out.push(format!("duplicate container name {}", c.name));
        }
        if RESERVED_CONTAINER_NAMES.contains(&c.name.as_str()) {
            out.push(format!(
                "container name {} is reserved for Prow's decoration",
                c.name
            ));
        }
        let who = container_label(c, i);
        if c.image.is_empty() {
            out.push(format!("{who}: no image"));
        }
        if job.decorated() && c.command.is_empty() {
            out.push(format!(
                "{who}: no command; a decorated container needs one (Prow's entrypoint runs it)"
            ));
        }
        for e in &c.env {
            if reserved_env.contains(&e.name.as_str()) {
                let types = reserved_for(&e.name);
                out.push(format!(
                    "{who}: env {} is reserved: Prow sets it itself ({types})",
                    e.name
                ));
            } else if !ENV_NAME.is_match(&e.name) {
                out.push(format!("{who}: env name {:?} is not valid", e.name));
            }
        }
        for m in &c.volume_mounts {
            if !spec.volumes.iter().any(|v| v.name == m.name) {
                out.push(format!(
                    "{who}: volumeMount {} names no volume of the pod",
                    m.name
                ));
            }
            if RESERVED_VOLUME_NAMES.contains(&m.name.as_str()) {
                out.push(format!(
                    "{who}: volumeMount name {} is reserved for Prow's decoration",
                    m.name
                ));
            }
            for p in RESERVED_MOUNT_PATHS {
                if m.mount_path.starts_with(p) || p.starts_with(m.mount_path.as_str()) {
                    out.push(format!(
                        "{who}: mount {} at {} conflicts with Prow's decoration mount at {p}",
                        m.name, m.mount_path
                    ));
                }
            }
        }
        if let Some(r) = &c.resources {
            for (kind, map) in [("requests", &r.requests), ("limits", &r.limits)] {
                for (k, q) in map {
                    if !QUANTITY.is_match(&q.0) {
                        out.push(format!(
                            "{who}: resources.{kind}.{k} {:?} is not a Kubernetes quantity (e.g. 2, 500m, 4Gi)",
                            q.0
                        ));
                    }
                }
            }
        }
    }
    let mut vols = BTreeSet::new();
    for v in &spec.volumes {
        if !vols.insert(v.name.as_str()) {
            out.push(format!("duplicate volume name {}", v.name));
        }
        if RESERVED_VOLUME_NAMES.contains(&v.name.as_str()) {
            out.push(format!(
                "volume name {} is reserved for Prow's decoration",
                v.name
            ));
        }
        match v.source() {
            None => out.push(format!(
                "volume {} needs exactly one source (emptyDir, secret or hostPath)",
                v.name
            )),
            Some(VolumeSource::HostPath(h)) => {
                if !h.path.starts_with('/') || h.path.trim_end_matches('/').is_empty() {
                    out.push(format!(
                        "volume {}: hostPath path {:?} is not an absolute folder of the node below / (e.g. /var/cache/<name>)",
                        v.name, h.path
                    ));
                }
                if let Some(t) = h.kind.as_deref()
                    && !HOST_PATH_TYPES.contains(&t)
                {
                    out.push(format!(
                        "volume {}: hostPath type {t:?} is not one of Kubernetes' ({}); a cache folder is DirectoryOrCreate",
                        v.name,
                        HOST_PATH_TYPES[1..].join(", ")
                    ));
                }
            }
            Some(_) => {}
        }
    }
}

/// For which job types Prow sets a variable.
fn reserved_for(name: &str) -> &'static str {
    let has = |t, d| prow_env::reserved_vars(t, d).contains(&name);
    if has(JobType::Periodic, false) {
        "in every job"
    } else if has(JobType::Postsubmit, false) {
        "in presubmits and postsubmits"
    } else if has(JobType::Presubmit, false) {
        "in presubmits"
    } else {
        "in decorated jobs"
    }
}

/// The tool a container runs: by its command, else (no command, reported on
/// its own) by its image.
fn tool_of(c: &crate::Container) -> Option<Tool> {
    if c.command.is_empty() {
        ImageRef::parse(&c.image).ok()?.tool().map(|t| t.0)
    } else {
        Tool::from_command(&c.command)
    }
}

fn container_label(c: &crate::Container, i: usize) -> String {
    if c.name.is_empty() {
        format!("container {}", i + 1)
    } else {
        format!("container {}", c.name)
    }
}

/// Ours: images of this project, pinned, built from a Dockerfile in
/// `containers/`, running their tool.
fn check_images(spec: &PodSpec, containers_dir: &Path, out: &mut Vec<String>) {
    for (i, c) in spec.containers.iter().enumerate() {
        if c.image.is_empty() {
            continue;
        }
        let who = container_label(c, i);
        let image = match ImageRef::parse(&c.image) {
            Ok(r) => r,
            Err(e) => {
                out.push(format!("{who}: {e}"));
                continue;
            }
        };
        let dockerfile = containers_dir.join(&image.name).join("Dockerfile");
        if !dockerfile.is_file() {
            out.push(format!(
                "{who}: image {} is built from no Dockerfile: {} does not exist",
                image.name,
                dockerfile.display()
            ));
        }
        let Some((tool, image_target)) = image_tool(&image.name) else {
            continue;
        };
        if !c.command.is_empty() && Tool::from_command(&c.command) != Some(tool) {
            out.push(format!(
                "{who}: command {:?} does not run image {}'s tool; use command: [{}]",
                c.command,
                image.name,
                tool.binary()
            ));
            continue;
        }
        let Some(image_target) = image_target else {
            continue;
        };
        if let Some(t) = podargs::value(&c.args, "--target")
            && t != image_target
        {
            out.push(format!(
                "{who}: --target {t}, but its image {} builds {image_target}",
                image.name
            ));
        }
        if tool == Tool::PackagebuildRpm
            && let Some(d) = podargs::value(&c.args, "--dist")
            && d != image_target
        {
            out.push(format!(
                "{who}: --dist {d}, but its image {} is {image_target}",
                image.name
            ));
        }
    }
}

/// Ours: the steps chain through an emptyDir named `workspace`, mounted in
/// every container, and every tool is told where (`--workspace`).
fn check_workspace(spec: &PodSpec, out: &mut Vec<String>) {
    let uses_tools = spec.containers.iter().any(|c| tool_of(c).is_some());
    if !uses_tools {
        return;
    }
    match spec.volumes.iter().find(|v| v.name == WORKSPACE_VOLUME) {
        None => {
            out.push(format!(
                "no volume named {WORKSPACE_VOLUME}: the steps chain through a shared emptyDir (add volumes: [{{name: {WORKSPACE_VOLUME}, emptyDir: {{}}}}])"
            ));
            return;
        }
        Some(v) if !matches!(v.source(), Some(VolumeSource::EmptyDir(_))) => {
            out.push(format!(
                "volume {WORKSPACE_VOLUME} must be an emptyDir (a scratch folder shared by the pod's containers)"
            ));
        }
        Some(_) => {}
    }
    for (i, c) in spec.containers.iter().enumerate() {
        let who = container_label(c, i);
        let mount = c.volume_mounts.iter().find(|m| m.name == WORKSPACE_VOLUME);
        let Some(mount) = mount else {
            out.push(format!(
                "{who} does not mount the {WORKSPACE_VOLUME} volume: it cannot hand over to the other steps"
            ));
            continue;
        };
        if tool_of(c).is_none() {
            continue;
        }
        match podargs::value(&c.args, "--workspace") {
            None => out.push(format!(
                "{who}: no --workspace {}: its step would not hand over through the workspace",
                mount.mount_path
            )),
            Some(w) if w.trim_end_matches('/') != mount.mount_path.trim_end_matches('/') => {
                out.push(format!(
                    "{who}: --workspace {w} is not where it mounts the {WORKSPACE_VOLUME} volume ({})",
                    mount.mount_path
                ))
            }
            Some(_) => {}
        }
    }
}

/// The secrets only trusted steps may see: the GitHub token (version-gen
/// and repo-tagger) and the release bucket's key (repo-tagger).
const TRUSTED_ONLY_SECRETS: &[&str] = &["github-access-token", "release-service-account"];

/// Variables that carry the GitHub token, or the path of its file.
const TOKEN_VARS: &[&str] = &["GITHUB_TOKEN", "GITHUB_ACCESS_TOKEN"];

/// Ours (design.md, "Trust boundaries"): a builder runs the repository's
/// code, so it may see neither the GitHub token nor the release bucket's
/// key, whether the job or a preset (which Prow applies to every container)
/// put it there.
fn check_builder_secrets(spec: &PodSpec, out: &mut Vec<String>) {
    for (i, c) in spec.containers.iter().enumerate() {
        if !tool_of(c).is_some_and(|t| t.is_builder()) {
            continue;
        }
        let who = container_label(c, i);
        for e in c
            .env
            .iter()
            .filter(|e| TOKEN_VARS.contains(&e.name.as_str()))
        {
            out.push(format!(
                "{who}: env {} gives a builder the GitHub token, and builders run the repository's code: give it to version-gen and repo-tagger only (mount the secret in those containers; a preset reaches every container of the pod)",
                e.name
            ));
        }
        for m in &c.volume_mounts {
            let secret = spec
                .volumes
                .iter()
                .find(|v| v.name == m.name)
                .and_then(|v| v.secret.as_ref())
                .filter(|s| TRUSTED_ONLY_SECRETS.contains(&s.secret_name.as_str()));
            if let Some(s) = secret {
                out.push(format!(
                    "{who}: mounts the secret {} at {}, and builders run the repository's code: only version-gen and repo-tagger may see it (builders stage with a key of their own, e.g. the secret release-staging-service-account)",
                    s.secret_name, m.mount_path
                ));
            }
        }
    }
}

/// A ref of the job, as a message names it: `the job's own repository o/r`,
/// `extra_refs[0] (o/x)`.
fn ref_label(job: &Job, index: usize) -> String {
    let own = job.clone_path().is_some();
    match (own, index) {
        (true, 0) => format!(
            "the job's own repository {}",
            job.repo.as_deref().unwrap_or_default()
        ),
        (true, i) => extra_ref_label(job, i - 1),
        (false, i) => extra_ref_label(job, i),
    }
}

fn extra_ref_label(job: &Job, i: usize) -> String {
    let e = &job.base.extra_refs[i];
    format!("extra_refs[{i}] ({})", e.name())
}

/// Prow's and clonerefs' rules on `extra_refs`: each names a repository and
/// the branch to clone; no repository is cloned twice (Prow's
/// `ValidateRefs`); no two refs clone to the same folder, or one inside
/// another (clonerefs would clone one into the other's tree).
fn check_extra_refs(job: &Job, out: &mut Vec<String>) {
    for (i, e) in job.base.extra_refs.iter().enumerate() {
        let missing: Vec<&str> = [
            ("org", &e.org),
            ("repo", &e.repo),
            ("base_ref", &e.base_ref),
        ]
        .iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| *k)
        .collect();
        if !missing.is_empty() {
            out.push(format!(
                "extra_refs[{i}] has no {}: clonerefs needs the repository's org, its repo and the branch to clone (e.g. {{org: GoogleCloudPlatform, repo: google-guest-agent, base_ref: main}})",
                missing.join(", no ")
            ));
        }
    }
    // Refs missing their org or repo are reported above.
    let complete = |n: &str| {
        n.split_once('/')
            .is_some_and(|(o, r)| !o.is_empty() && !r.is_empty())
    };
    let refs = job.cloned_repos();
    for (i, (name, path)) in refs.iter().enumerate() {
        for (j, (earlier_name, earlier_path)) in refs[..i].iter().enumerate() {
            if !complete(name) || !complete(earlier_name) {
                continue;
            }
            let (a, b) = (ref_label(job, j), ref_label(job, i));
            if name == earlier_name {
                out.push(format!(
                    "{b} is {a} again: Prow refuses a job that clones a repository twice (\"refs specified more than once\"); remove one"
                ));
            } else if path == earlier_path {
                out.push(format!(
                    "{b} and {a} both clone to {POD_GOPATH}/{path}: clonerefs would clone one over the other; give one a path_alias of its own"
                ));
            } else {
                let (inner, inner_path, outer, outer_path) = if nested(earlier_path, path) {
                    (&b, path, &a, earlier_path)
                } else if nested(path, earlier_path) {
                    (&a, earlier_path, &b, path)
                } else {
                    continue;
                };
                out.push(format!(
                    "{inner} clones inside {outer} ({POD_GOPATH}/{inner_path} is below {POD_GOPATH}/{outer_path}): its clone would sit in the other's working tree; give it a path_alias beside it"
                ));
            }
        }
    }
}

/// Whether folder `inner` is strictly below folder `outer`.
fn nested(outer: &str, inner: &str) -> bool {
    let outer = outer.trim_end_matches('/');
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Where builders are told to find an extra repository: `--extra-repo` and
/// `EXTRA_REPO`, with how each is named in a message.
fn extra_repo_values(c: &crate::Container) -> Vec<(String, &str)> {
    podargs::values(&c.args, "--extra-repo")
        .into_iter()
        .map(|v| (format!("--extra-repo {v}"), v))
        .chain(
            c.env
                .iter()
                .filter(|e| e.name == "EXTRA_REPO")
                .map(|e| (format!("env EXTRA_REPO={}", e.value), e.value.as_str())),
        )
        .collect()
}

/// Ours: a builder's `--extra-repo` (or `EXTRA_REPO`) that is a path below
/// Prow's clone root must be where one of the job's `extra_refs` is cloned:
/// clonerefs clones nothing else there, and the build would fail in the pod
/// only. A URL or another path is the builder's to fetch.
fn check_extra_repo_args(job: &Job, spec: &PodSpec, out: &mut Vec<String>) {
    let src_root = format!("{POD_GOPATH}/src");
    let extra: Vec<(String, String)> = job
        .base
        .extra_refs
        .iter()
        .map(|e| (e.name(), format!("{POD_GOPATH}/{}", e.clone_path())))
        .collect();
    let own = job.clone_path().map(|p| {
        (
            job.repo.clone().unwrap_or_default(),
            format!("{POD_GOPATH}/{p}"),
        )
    });
    for (i, c) in spec.containers.iter().enumerate() {
        if !tool_of(c).is_some_and(|t| t.is_builder()) {
            continue;
        }
        let who = container_label(c, i);
        for (what, value) in extra_repo_values(c) {
            let path = value.trim_end_matches('/');
            if path != src_root && !path.starts_with(&format!("{src_root}/")) {
                continue;
            }
            if extra.iter().any(|(_, p)| p == path) {
                continue;
            }
            let theirs = if extra.is_empty() {
                "the job has no extra_refs".to_owned()
            } else {
                format!(
                    "its extra_refs: {}",
                    extra
                        .iter()
                        .map(|(n, p)| format!("{n} at {p}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            if let Some((name, _)) = own.as_ref().filter(|(_, p)| p == path) {
                out.push(format!(
                    "{who}: {what} is where the job's own repository {name} is cloned, not an extra repository ({theirs}); point it at one of the job's extra_refs"
                ));
                continue;
            }
            let add = match path
                .strip_prefix(&format!("{src_root}/github.com/"))
                .and_then(|r| r.split_once('/'))
                .filter(|(_, repo)| !repo.is_empty() && !repo.contains('/'))
            {
                Some((org, repo)) => format!(
                    "add {{org: {org}, repo: {repo}, base_ref: <branch>}} to the job's extra_refs"
                ),
                None => "add an extra_refs entry whose path_alias puts it there".to_owned(),
            };
            let or_point = if extra.is_empty() {
                ""
            } else {
                ", or point it at one of those paths"
            };
            out.push(format!(
                "{who}: {what} is not where any of the job's extra_refs is cloned, so nothing would be there ({theirs}); {add}{or_point}"
            ));
        }
    }
}

/// Ours: a builder's Go module cache (`--go-mod-cache`, `GOMODCACHE`) is
/// on a volume it mounts, or the modules it downloads are lost with the pod.
fn check_go_mod_cache(spec: &PodSpec, out: &mut Vec<String>) {
    for (i, c) in spec.containers.iter().enumerate() {
        if !tool_of(c).is_some_and(|t| t.is_builder()) {
            continue;
        }
        let who = container_label(c, i);
        let given = podargs::values(&c.args, "--go-mod-cache")
            .into_iter()
            .map(|v| (format!("--go-mod-cache {v}"), v))
            .chain(
                c.env
                    .iter()
                    .filter(|e| e.name == "GOMODCACHE")
                    .map(|e| (format!("env GOMODCACHE={}", e.value), e.value.as_str())),
            );
        for (what, dir) in given {
            let dir = dir.trim_end_matches('/');
            let mounted = c.volume_mounts.iter().any(|m| {
                let mp = m.mount_path.trim_end_matches('/');
                dir == mp || nested(mp, dir)
            });
            if dir.starts_with('/') && !mounted {
                out.push(format!(
                    "{who}: {what} is on no volume the container mounts: the modules it downloads would be lost with the pod; mount a volume there (a hostPath, kept on the node)"
                ));
            }
        }
    }
}

/// Ours: a presubmit runs a pull request's code, which can write anything
/// into the node folders it mounts; a release that mounts the same hostPath
/// would build with what it left (e.g. a tampered Go module cache, which Go
/// does not re-verify). Presubmits get hostPaths of their own.
fn check_host_path_trust(config: &Config, problems: &mut Vec<Problem>) {
    let host_paths = |job: &Job| -> Vec<(String, String)> {
        job.base
            .spec
            .iter()
            .flat_map(|s| &s.volumes)
            .filter_map(|v| match v.source() {
                Some(VolumeSource::HostPath(h)) => {
                    Some((v.name.clone(), h.path.trim_end_matches('/').to_owned()))
                }
                _ => None,
            })
            .collect()
    };
    for pre in config
        .jobs
        .iter()
        .filter(|j| j.job_type() == JobType::Presubmit)
    {
        for (volume, path) in host_paths(pre) {
            for other in config
                .jobs
                .iter()
                .filter(|j| j.job_type() != JobType::Presubmit)
            {
                let shared = host_paths(other)
                    .into_iter()
                    .find(|(_, p)| *p == path || nested(p, &path) || nested(&path, p));
                if let Some((_, theirs)) = shared {
                    let relation = if theirs == path {
                        "is also"
                    } else if nested(&theirs, &path) {
                        "is inside"
                    } else {
                        "holds"
                    };
                    let where_ = if other.file == pre.file {
                        String::new()
                    } else {
                        format!(" (in {})", other.file.display())
                    };
                    problems.push(job_problem(
                        pre,
                        format!(
                            "volume {volume}: hostPath {path} {relation} the {} {}'s hostPath {theirs}{where_}: a presubmit runs a pull request's code, which could leave files there that the {1} then builds with; give presubmits a hostPath of their own",
                            other.name(),
                            other.job_type()
                        ),
                    ));
                }
            }
        }
    }
}

/// One container of the chain: its label, its tool, the container.
type ChainStep<'a> = (String, Tool, &'a crate::Container);

/// Ours: the release chain (version-gen, builders, repo-tagger) and the
/// presubmit build.
fn check_chain(job: &Job, spec: &PodSpec, out: &mut Vec<String>) {
    let steps: Vec<ChainStep> = spec
        .containers
        .iter()
        .enumerate()
        .filter_map(|(i, c)| tool_of(c).map(|t| (container_label(c, i), t, c)))
        .collect();
    let version_gens: Vec<_> = steps.iter().filter(|s| s.1 == Tool::VersionGen).collect();
    let taggers: Vec<_> = steps.iter().filter(|s| s.1 == Tool::RepoTagger).collect();
    let builders: Vec<_> = steps.iter().filter(|s| s.1.is_builder()).collect();

    // Whoever waits for the version needs someone to write it.
    if version_gens.is_empty() {
        for (who, tool, c) in &steps {
            if *tool != Tool::VersionGen && podargs::value(&c.args, "--version").is_none() {
                out.push(format!(
                    "{who} waits for a version that no container writes: add a version-gen container (or give --version)"
                ));
            }
        }
    }
    if job.job_type() == JobType::Presubmit {
        check_presubmit(&taggers, &version_gens, out);
        return;
    }
    if taggers.is_empty() {
        return;
    }
    if job.job_type() != JobType::Postsubmit {
        out.push("runs repo-tagger, but only a release postsubmit may tag".into());
        return;
    }
    check_release_job(job, taggers.len(), out);
    let targets = builder_targets(&builders, out);
    check_expect(taggers[0], &targets, out);
    if podargs::value(&taggers[0].2.args, "--publish").is_some() {
        check_staging(&builders, out);
        check_stage_root(taggers[0], &builders, out);
    }
}

/// A presubmit builds with a development version and tags nothing.
fn check_presubmit(taggers: &[&ChainStep], version_gens: &[&ChainStep], out: &mut Vec<String>) {
    for (who, _, _) in taggers {
        out.push(format!(
            "{who}: repo-tagger in a presubmit; a presubmit tags and publishes nothing, remove it"
        ));
    }
    for (who, _, c) in version_gens {
        if !podargs::flag(&c.args, "--dev") {
            out.push(format!(
                "{who}: version-gen needs --dev in a presubmit (release versions are for merged commits only)"
            ));
        }
    }
}

/// A release tags once, one run at a time, and its own tag push must not
/// start another release.
fn check_release_job(job: &Job, taggers: usize, out: &mut Vec<String>) {
    if taggers > 1 {
        out.push(format!(
            "{taggers} repo-tagger containers: a release tags once"
        ));
    }
    if job.base.max_concurrency != Some(1) {
        out.push("a release job sets max_concurrency: 1 (further merges queue behind it)".into());
    }
    let (branches, skip) = job.branch_lists();
    if let Ok(b) = Brancher::new(branches, skip)
        && b.should_run(VERSION_TAG_EXAMPLE)
    {
        out.push(format!(
            "its branches let the push of its own version tag (e.g. {VERSION_TAG_EXAMPLE}) start another release: use branches that match only the default branch, anchored: [^master$] (or [^main$], ...)"
        ));
    }
}

/// Each builder's `--target`, once each: target to the builder's label.
fn builder_targets<'a>(
    builders: &[&'a ChainStep],
    out: &mut Vec<String>,
) -> BTreeMap<&'a str, &'a str> {
    let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
    for (who, _, c) in builders {
        match podargs::value(&c.args, "--target") {
            None => out.push(format!(
                "{who}: no --target: repo-tagger --expect names each builder's target"
            )),
            Some(t) => {
                if let Some(first) = targets.insert(t, who) {
                    out.push(format!("{first} and {who} both build target {t}"));
                }
            }
        }
    }
    targets
}

/// The tagger expects exactly the builders' targets.
fn check_expect(tagger: &ChainStep, targets: &BTreeMap<&str, &str>, out: &mut Vec<String>) {
    let (who, _, tagger) = tagger;
    let expected: BTreeSet<&str> = podargs::list(&tagger.args, "--expect")
        .into_iter()
        .collect();
    let built: BTreeSet<&str> = targets.keys().copied().collect();
    if expected == built {
        return;
    }
    let missing: Vec<_> = expected.difference(&built).copied().collect();
    let extra: Vec<_> = built.difference(&expected).copied().collect();
    let mut detail = Vec::new();
    if !missing.is_empty() {
        detail.push(format!("expected but not built: {}", missing.join(",")));
    }
    if !extra.is_empty() {
        detail.push(format!("built but not expected: {}", extra.join(",")));
    }
    let advice = if built.is_empty() {
        "add the builders or drop --expect".to_owned()
    } else {
        format!("give --expect {}", show_set(&built))
    };
    out.push(format!(
        "{who}: --expect {} does not match the builders' targets {} ({}); {advice}",
        show_set(&expected),
        show_set(&built),
        detail.join("; "),
    ));
}

/// `--publish` copies what the builders staged, each run to its own folder.
fn check_staging(builders: &[&ChainStep], out: &mut Vec<String>) {
    for (who, _, c) in builders {
        match podargs::value(&c.args, "--stage") {
            None => out.push(format!(
                "{who}: no --stage: repo-tagger --publish copies the staged artifacts"
            )),
            Some(s) if !s.contains("$(BUILD_ID)") => out.push(format!(
                "{who}: --stage {s} is not per run: put $(BUILD_ID) in it so that runs never share a staging folder"
            )),
            Some(_) => {}
        }
    }
}

/// `--publish` publishes only what was staged under the tagger's
/// `--stage-root`: it must be there, and hold every builder's `--stage`.
fn check_stage_root(tagger: &ChainStep, builders: &[&ChainStep], out: &mut Vec<String>) {
    let (who, _, tagger) = tagger;
    let Some(root) = podargs::value(&tagger.args, "--stage-root") else {
        out.push(format!(
            "{who}: --publish without --stage-root: repo-tagger publishes only what its builders staged under that root; give the prefix of their --stage URLs"
        ));
        return;
    };
    let prefix = format!("{}/", root.trim_end_matches('/'));
    for (b, _, c) in builders {
        if let Some(stage) = podargs::value(&c.args, "--stage")
            && !stage.starts_with(&prefix)
        {
            out.push(format!(
                "{b}: --stage {stage} is not under repo-tagger's --stage-root {root}: the tagger would refuse its packages"
            ));
        }
    }
}

fn show_set(s: &BTreeSet<&str>) -> String {
    if s.is_empty() {
        "(none)".into()
    } else {
        s.iter().copied().collect::<Vec<_>>().join(",")
    }
}
