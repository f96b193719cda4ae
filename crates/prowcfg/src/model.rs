//! The typed shape of a job config file. Every struct rejects unknown keys:
//! Prow reads YAML through Go's JSON decoder, which drops unknown keys (and
//! matches keys case-insensitively), so a typo would be lost quietly. Field
//! names are Prow's (snake_case) for job fields and Kubernetes' (camelCase)
//! inside `spec`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

/// One job config file: the top-level keys Prow reads from a job file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobFile {
    #[serde(default)]
    pub presets: Vec<Preset>,
    #[serde(default)]
    pub presubmits: BTreeMap<String, Vec<RawPresubmit>>,
    #[serde(default)]
    pub postsubmits: BTreeMap<String, Vec<RawPostsubmit>>,
    #[serde(default)]
    pub periodics: Vec<RawPeriodic>,
}

/// A preset: when every one of its labels is on a job (same value), its env
/// and volume mounts are appended to each container and its volumes to the
/// pod.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Preset {
    /// The labels a job must carry.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Appended to every container.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Appended to the pod.
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// Appended to every container.
    #[serde(default)]
    pub volume_mounts: Vec<VolumeMount>,
}

/// The fields every job has (Prow's `JobBase`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobBase {
    /// The job name.
    pub name: String,
    /// Kubernetes labels (also select presets).
    pub labels: BTreeMap<String, String>,
    /// Annotations (free-form).
    pub annotations: BTreeMap<String, String>,
    /// Further runs queue while this many run; 0 or unset: no limit.
    pub max_concurrency: Option<i64>,
    /// `kubernetes` when unset.
    pub agent: Option<String>,
    /// The build cluster.
    pub cluster: Option<String>,
    /// The namespace of the pods.
    pub namespace: Option<String>,
    /// The pod.
    pub spec: Option<PodSpec>,
    /// Whether Prow decorates the pod (clone, log upload, entrypoint).
    pub decorate: Option<bool>,
    /// Decoration settings.
    pub decoration_config: Option<DecorationConfig>,
    /// Clone under `/home/prow/go/src/<path_alias>` instead of `github.com/<org>/<repo>`.
    pub path_alias: Option<String>,
    /// Clone from here instead of GitHub.
    pub clone_uri: Option<String>,
    /// Shallow clone depth.
    pub clone_depth: Option<u32>,
    /// Skip submodules when cloning.
    pub skip_submodules: Option<bool>,
    /// Further repositories to clone.
    pub extra_refs: Vec<ExtraRef>,
    /// Reporting (Slack).
    pub reporter_config: Option<ReporterConfig>,
    /// Hidden from the job pages.
    pub hidden: Option<bool>,
}

/// Generates a raw job struct (the common fields plus the kind's own) and
/// its split into [`JobBase`] and the kind's field struct. `deny_unknown_fields`
/// does not work through `#[serde(flatten)]`, hence the macro.
macro_rules! job_kind {
    (
        $(#[$doc:meta])*
        $raw:ident => $fields:ident {
            $( $(#[$fdoc:meta])* $f:ident : $t:ty ),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $fields {
            $( $(#[$fdoc])* pub $f: $t, )*
        }

        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $raw {
            name: String,
            #[serde(default)]
            labels: BTreeMap<String, String>,
            #[serde(default)]
            annotations: BTreeMap<String, String>,
            #[serde(default)]
            max_concurrency: Option<i64>,
            #[serde(default)]
            agent: Option<String>,
            #[serde(default)]
            cluster: Option<String>,
            #[serde(default)]
            namespace: Option<String>,
            #[serde(default)]
            spec: Option<PodSpec>,
            #[serde(default)]
            decorate: Option<bool>,
            #[serde(default)]
            decoration_config: Option<DecorationConfig>,
            #[serde(default)]
            path_alias: Option<String>,
            #[serde(default)]
            clone_uri: Option<String>,
            #[serde(default)]
            clone_depth: Option<u32>,
            #[serde(default)]
            skip_submodules: Option<bool>,
            #[serde(default)]
            extra_refs: Vec<ExtraRef>,
            #[serde(default)]
            reporter_config: Option<ReporterConfig>,
            #[serde(default)]
            hidden: Option<bool>,
            $( #[serde(default)] $f: $t, )*
        }

        impl $raw {
            pub(crate) fn split(self) -> (JobBase, $fields) {
                (
                    JobBase {
                        name: self.name,
                        labels: self.labels,
                        annotations: self.annotations,
                        max_concurrency: self.max_concurrency,
                        agent: self.agent,
                        cluster: self.cluster,
                        namespace: self.namespace,
                        spec: self.spec,
                        decorate: self.decorate,
                        decoration_config: self.decoration_config,
                        path_alias: self.path_alias,
                        clone_uri: self.clone_uri,
                        clone_depth: self.clone_depth,
                        skip_submodules: self.skip_submodules,
                        extra_refs: self.extra_refs,
                        reporter_config: self.reporter_config,
                        hidden: self.hidden,
                    },
                    $fields { $( $f: self.$f, )* },
                )
            }
        }
    };
}

job_kind! {
    /// What only presubmits have.
    RawPresubmit => PresubmitFields {
        /// Run on every pull request.
        always_run: Option<bool>,
        /// Failure does not block merging.
        optional: Option<bool>,
        /// Comment regex that starts the job (default `/test <name>`).
        trigger: Option<String>,
        /// The comment that re-runs the job; must match `trigger`.
        rerun_command: Option<String>,
        /// Run just before merging (tide).
        run_before_merge: Option<bool>,
        /// Base branches (regexes, unanchored) the job runs for.
        branches: Vec<String>,
        /// Base branches it never runs for (wins over `branches`).
        skip_branches: Vec<String>,
        /// Run only when a changed file matches.
        run_if_changed: Option<String>,
        /// Skip when every changed file matches.
        skip_if_only_changed: Option<String>,
        /// The GitHub status context (default: the name).
        context: Option<String>,
        /// Report no status.
        skip_report: Option<bool>,
    }
}

job_kind! {
    /// What only postsubmits have.
    RawPostsubmit => PostsubmitFields {
        /// Base branches (regexes, unanchored; tag pushes count as branches).
        branches: Vec<String>,
        /// Branches it never runs for (wins over `branches`).
        skip_branches: Vec<String>,
        /// Run only when a changed file matches.
        run_if_changed: Option<String>,
        /// Skip when every changed file matches.
        skip_if_only_changed: Option<String>,
        /// Run on every push (with change filters: always).
        always_run: Option<bool>,
        /// The status context (default: the name).
        context: Option<String>,
        /// Report no status.
        skip_report: Option<bool>,
    }
}

job_kind! {
    /// What only periodics have (exactly one is required).
    RawPeriodic => PeriodicFields {
        /// A Go duration between runs, e.g. `24h`.
        interval: Option<String>,
        /// A Go duration between the end of a run and the next start.
        minimum_interval: Option<String>,
        /// A cron expression.
        cron: Option<String>,
    }
}

/// `decoration_config`: the parts this project may set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecorationConfig {
    /// Go duration after which the entrypoint kills the test (default 2h).
    #[serde(default)]
    pub timeout: Option<String>,
    /// Go duration between the interrupt and the kill.
    #[serde(default)]
    pub grace_period: Option<String>,
    /// The pod utility images.
    #[serde(default)]
    pub utility_images: Option<UtilityImages>,
    /// Where logs and artifacts are uploaded.
    #[serde(default)]
    pub gcs_configuration: Option<GcsConfiguration>,
    /// The secret holding the upload credentials.
    #[serde(default)]
    pub gcs_credentials_secret: Option<String>,
    /// The pod's service account when the job names none.
    #[serde(default)]
    pub default_service_account_name: Option<String>,
    /// Do not clone.
    #[serde(default)]
    pub skip_cloning: Option<bool>,
    /// Keep uploading after an interrupt.
    #[serde(default)]
    pub upload_ignores_interrupts: Option<bool>,
    /// Secrets with SSH keys for cloning.
    #[serde(default)]
    pub ssh_key_secrets: Vec<String>,
}

/// `decoration_config.utility_images`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UtilityImages {
    /// The clonerefs image.
    #[serde(default)]
    pub clonerefs: Option<String>,
    /// The initupload image.
    #[serde(default)]
    pub initupload: Option<String>,
    /// The entrypoint image.
    #[serde(default)]
    pub entrypoint: Option<String>,
    /// The sidecar image.
    #[serde(default)]
    pub sidecar: Option<String>,
}

/// `decoration_config.gcs_configuration`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GcsConfiguration {
    /// The bucket (`gs://...` or a name).
    #[serde(default)]
    pub bucket: Option<String>,
    /// A prefix inside it.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// `legacy`, `single` or `explicit`.
    #[serde(default)]
    pub path_strategy: Option<String>,
    /// For `legacy`/`single`: the default org.
    #[serde(default)]
    pub default_org: Option<String>,
    /// For `legacy`/`single`: the default repo.
    #[serde(default)]
    pub default_repo: Option<String>,
}

/// `reporter_config`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReporterConfig {
    /// Slack reporting.
    #[serde(default)]
    pub slack: Option<SlackReporter>,
}

/// `reporter_config.slack`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackReporter {
    /// The channel.
    #[serde(default)]
    pub channel: Option<String>,
    /// The Slack host.
    #[serde(default)]
    pub host: Option<String>,
    /// Job states reported (`success`, `failure`, ...).
    #[serde(default)]
    pub job_states_to_report: Vec<String>,
    /// The message template.
    #[serde(default)]
    pub report_template: Option<String>,
    /// Whether to report at all.
    #[serde(default)]
    pub report: Option<bool>,
}

/// An `extra_refs` entry: another repository cloned beside the main one,
/// by clonerefs, to `/home/prow/go/<clone_path>` ([`ExtraRef::clone_path`]).
/// `org`, `repo` and `base_ref` are required; check-prow says so when one
/// is missing or empty.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraRef {
    /// Organisation.
    #[serde(default)]
    pub org: String,
    /// Repository.
    #[serde(default)]
    pub repo: String,
    /// Branch to clone.
    #[serde(default)]
    pub base_ref: String,
    /// A fixed commit.
    #[serde(default)]
    pub base_sha: Option<String>,
    /// Link to the repository.
    #[serde(default)]
    pub repo_link: Option<String>,
    /// Link to the commit.
    #[serde(default)]
    pub base_link: Option<String>,
    /// Clone under `/home/prow/go/src/<path_alias>`.
    #[serde(default)]
    pub path_alias: Option<String>,
    /// Make this repository the working directory.
    #[serde(default)]
    pub workdir: Option<bool>,
    /// Clone from here instead of GitHub.
    #[serde(default)]
    pub clone_uri: Option<String>,
    /// Skip submodules.
    #[serde(default)]
    pub skip_submodules: Option<bool>,
    /// Shallow clone depth.
    #[serde(default)]
    pub clone_depth: Option<u32>,
    /// Do not fetch FETCH_HEAD.
    #[serde(default)]
    pub skip_fetch_head: Option<bool>,
}

impl ExtraRef {
    /// `org/repo`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.org, self.repo)
    }

    /// Where clonerefs clones it below Prow's GOPATH (`/home/prow/go`):
    /// see [`crate::clone_path`].
    pub fn clone_path(&self) -> String {
        crate::clone_path(
            &self.org,
            &self.repo,
            self.path_alias.as_deref(),
            self.repo_link.as_deref(),
        )
    }
}

/// The part of a Kubernetes PodSpec the jobs use.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSpec {
    /// The containers; Prow starts them all at once.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// The pod's volumes.
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// The Kubernetes service account.
    #[serde(default)]
    pub service_account_name: Option<String>,
    /// Node labels the pod must run on.
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
}

/// A container.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Container {
    /// Unique in the pod; names the container's log.
    #[serde(default)]
    pub name: String,
    /// The image.
    #[serde(default)]
    pub image: String,
    /// Replaces the image's entrypoint.
    #[serde(default)]
    pub command: Vec<String>,
    /// Its arguments (`$(VAR)` expands from the container's env).
    #[serde(default)]
    pub args: Vec<String>,
    /// The working directory (decorated jobs: the clone).
    #[serde(default)]
    pub working_dir: Option<String>,
    /// Environment variables.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Where volumes are mounted.
    #[serde(default)]
    pub volume_mounts: Vec<VolumeMount>,
    /// CPU and memory.
    #[serde(default)]
    pub resources: Option<Resources>,
}

/// An environment variable with a literal value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvVar {
    /// The name.
    pub name: String,
    /// The value (`$(VAR)` expands from earlier variables).
    #[serde(default)]
    pub value: String,
}

/// A volume mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeMount {
    /// The volume's name.
    pub name: String,
    /// Where it appears in the container.
    pub mount_path: String,
    /// Mounted read-only.
    #[serde(default)]
    pub read_only: Option<bool>,
    /// A subfolder of the volume instead of its root.
    #[serde(default)]
    pub sub_path: Option<String>,
}

/// `resources`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// What the scheduler reserves.
    #[serde(default)]
    pub requests: BTreeMap<String, Quantity>,
    /// The most the container may use.
    #[serde(default)]
    pub limits: BTreeMap<String, Quantity>,
}

/// A Kubernetes quantity (`2`, `500m`, `4Gi`), written as a string or a
/// number in YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity(pub String);

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
            F(f64),
        }
        Ok(Quantity(match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::I(i) => i.to_string(),
            Raw::F(f) => f.to_string(),
        }))
    }
}

/// A volume: exactly one source (`emptyDir`, `secret` or `hostPath`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Volume {
    /// Unique in the pod.
    pub name: String,
    /// A scratch folder living as long as the pod.
    #[serde(default)]
    pub empty_dir: Option<EmptyDir>,
    /// A Kubernetes secret, one file per key.
    #[serde(default)]
    pub secret: Option<SecretVolume>,
    /// A folder of the node, kept across pods (a cache).
    #[serde(default)]
    pub host_path: Option<HostPathVolume>,
}

impl Volume {
    /// The source, if exactly one is set.
    pub fn source(&self) -> Option<VolumeSource<'_>> {
        match (&self.empty_dir, &self.secret, &self.host_path) {
            (Some(e), None, None) => Some(VolumeSource::EmptyDir(e)),
            (None, Some(s), None) => Some(VolumeSource::Secret(s)),
            (None, None, Some(h)) => Some(VolumeSource::HostPath(h)),
            _ => None,
        }
    }
}

/// Where a volume's files come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VolumeSource<'a> {
    /// `emptyDir`.
    EmptyDir(&'a EmptyDir),
    /// `secret`.
    Secret(&'a SecretVolume),
    /// `hostPath`.
    HostPath(&'a HostPathVolume),
}

/// `hostPath`: a path of the node.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostPathVolume {
    /// The path on the node (absolute).
    pub path: String,
    /// Kubernetes' `HostPathType`: `DirectoryOrCreate`, `Directory`, ...
    /// (unset or empty: no check).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// The `type` values Kubernetes accepts for a `hostPath` (`HostPathType`).
pub const HOST_PATH_TYPES: [&str; 8] = [
    "",
    "DirectoryOrCreate",
    "Directory",
    "FileOrCreate",
    "File",
    "Socket",
    "CharDevice",
    "BlockDevice",
];

impl HostPathVolume {
    /// Whether it is a folder (type unset, `Directory` or
    /// `DirectoryOrCreate`), as a cache is.
    pub fn is_directory(&self) -> bool {
        matches!(
            self.kind.as_deref().unwrap_or(""),
            "" | "Directory" | "DirectoryOrCreate"
        )
    }
}

/// `emptyDir`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EmptyDir {
    /// `Memory` for a tmpfs.
    #[serde(default)]
    pub medium: Option<String>,
    /// The most it may hold.
    #[serde(default)]
    pub size_limit: Option<Quantity>,
}

/// `secret`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretVolume {
    /// The Kubernetes secret.
    pub secret_name: String,
    /// Only these keys, under these file names.
    #[serde(default)]
    pub items: Vec<KeyToPath>,
    /// File mode of the files.
    #[serde(default)]
    pub default_mode: Option<u32>,
    /// The pod starts even without the secret.
    #[serde(default)]
    pub optional: Option<bool>,
}

/// A secret key and the file it becomes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyToPath {
    /// The key.
    pub key: String,
    /// The file name in the mount.
    pub path: String,
    /// Its mode.
    #[serde(default)]
    pub mode: Option<u32>,
}
