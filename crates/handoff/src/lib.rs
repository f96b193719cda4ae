//! The step handoff: how the steps of one release run hand over work.
//!
//! Prow starts every container of a pod at once, so the steps chain through a
//! shared folder, the *workspace*:
//!
//! | file | written by | read by |
//! |---|---|---|
//! | `version`, `version.json` | `version-gen` | builders, `repo-tagger` |
//! | `results/<target>.json` | each builder | `repo-tagger`, `pj-local` |
//! | `tag.json` | `repo-tagger` | `pj-local`, people |
//!
//! Every file is written atomically (a temporary file in the same folder,
//! then a rename), so a reader never sees half a file. A failed step still
//! writes its record with `status: "failed"` so that nobody waits in vain:
//! every step writes through a [`Recorder`], and argument errors are recorded
//! too ([`parse_args`]). Every wait is bounded and reports what it is waiting
//! for.

mod guard;
mod junit;
mod records;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::info;

pub use guard::{Record, Recorder, Step, StepArgs, parse_args};
pub use junit::junit_summary;
pub use records::{
    Artifact, BuildResult, ExtraRepoRecord, GoRecord, PackageInfo, Status, TagRecord, TagStatus,
    VersionRecord,
};

/// File name of the plain version.
pub const VERSION_FILE: &str = "version";
/// File name of the version record.
pub const VERSION_JSON: &str = "version.json";
/// Folder of the build results.
pub const RESULTS_DIR: &str = "results";
/// File name of the tag record.
pub const TAG_JSON: &str = "tag.json";

/// What can go wrong in the handoff.
#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] fs_error::FsError),
    /// A record is not valid JSON of the expected shape.
    #[error("{path} is not a valid record: {detail}; it was written by another tool or damaged")]
    Invalid {
        /// The file (a path or URL).
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Waited too long.
    #[error("gave up after {waited:?} waiting for {}: {hint}", missing.join(", "))]
    WaitTimeout {
        /// The files still missing.
        missing: Vec<String>,
        /// How long we waited.
        waited: Duration,
        /// What to do.
        hint: String,
    },
    /// `version-gen` recorded a failure.
    #[error("version-gen failed, so there is no version to use: {error}")]
    VersionFailed {
        /// Its error.
        error: String,
    },
    /// The store workspace could not be read or written.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A store workspace without a run name.
    #[error(
        "the workspace {url} is a store URL, shared by every run of the commit: each run's own files go under runs/<BUILD_ID>/, but BUILD_ID is not set (Prow sets it; by hand, set it to a name unique to this run, e.g. BUILD_ID=$(date +%s))"
    )]
    NoRun {
        /// The workspace (credentials hidden).
        url: String,
    },
    /// A run name that cannot be a folder name.
    #[error("BUILD_ID={0:?} cannot name a folder: use letters, digits, '.', '_' or '-'")]
    BadRun(String),
    /// A target name that cannot be a file name.
    #[error(
        "invalid build target {0:?}: use lower-case letters, digits, '.', '_' or '-' (e.g. deb12, el9, goo)"
    )]
    InvalidTarget(String),
}

/// Where a workspace lives.
#[derive(Debug, Clone)]
enum Location {
    /// A folder: a pod's emptyDir, a laptop's folder. The flat layout.
    Folder(PathBuf),
    /// A store URL keyed by the commit, shared by every run of that commit
    /// (re-runs, other pods, other architectures); this run's own files are
    /// under `runs/<run>/`.
    Store {
        /// The workspace's base.
        store: store::Store,
        /// This run (Prow's `BUILD_ID`).
        run: String,
    },
}

/// The workspace of one release run.
#[derive(Debug, Clone)]
pub struct Workspace {
    loc: Location,
    poll: Duration,
    report_every: Duration,
    /// Whether waits back off (a remote store is asked over the network).
    backoff: bool,
}

/// A claim of a version for a commit (`claims/<n>.json`): the first run
/// that finds none writes `claims/0000.json` create-only; every later run of
/// the commit uses the newest claim, unless another commit took its tag,
/// when it writes the next claim, create-only again, so that racing runs
/// agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Claim {
    /// The version claimed.
    pub version: calver::Version,
    /// The commit it is claimed for.
    pub commit: String,
    /// The run that claimed it (`BUILD_ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The version record of the run that claimed it.
    pub record: VersionRecord,
}

/// The folder of the claims, in any workspace.
pub const CLAIMS_DIR: &str = "claims";
/// The folder of each run's own files in a store workspace.
pub const RUNS_DIR: &str = "runs";

impl Workspace {
    /// The workspace in the folder `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Workspace {
            loc: Location::Folder(root.into()),
            // Cheap (a few stats), and it bounds how long a step idles
            // after the one before it finished.
            poll: Duration::from_millis(50),
            report_every: Duration::from_secs(30),
            backoff: false,
        }
    }

    /// The workspace `spec`: a store URL (`gs://`, `s3://`, `file://`) for
    /// run `run` (Prow's `BUILD_ID`), or else a folder.
    pub fn open(spec: &str, run: Option<&str>) -> Result<Self, HandoffError> {
        if !spec.contains("://") {
            return Ok(Workspace::new(spec));
        }
        let run = run
            .filter(|r| !r.is_empty())
            .ok_or_else(|| HandoffError::NoRun {
                url: git_cmd::redact_url(spec),
            })?;
        validate_target(run).map_err(|_| HandoffError::BadRun(run.to_owned()))?;
        let store = store::Store::open(spec, &store::StoreOptions::default())?;
        // A remote store is asked over the network: polled less, with
        // backoff. A file:// one is a folder.
        let remote = !spec.starts_with("file://");
        Ok(Workspace {
            loc: Location::Store {
                store,
                run: run.to_owned(),
            },
            poll: Duration::from_millis(if remote { 250 } else { 50 }),
            report_every: Duration::from_secs(30),
            backoff: remote,
        })
    }

    /// Sets how often waits look for files (default 50 ms for a folder or a
    /// file:// store, 250 ms doubling to 5 s for a remote store) and how often they say what they
    /// still wait for (default 30 s).
    pub fn with_polling(mut self, poll: Duration, report_every: Duration) -> Self {
        self.poll = poll;
        self.report_every = report_every;
        self
    }

    /// The workspace folder, for a folder workspace.
    pub fn folder(&self) -> Option<&Path> {
        match &self.loc {
            Location::Folder(p) => Some(p),
            Location::Store { .. } => None,
        }
    }

    /// Whether the workspace is in a store (shared by every run of a commit).
    pub fn is_store(&self) -> bool {
        matches!(self.loc, Location::Store { .. })
    }

    /// The folder or URL, for messages.
    pub fn describe(&self) -> String {
        match &self.loc {
            Location::Folder(p) => p.display().to_string(),
            Location::Store { store, .. } => store.url().to_owned(),
        }
    }

    /// Where the file `name` of the workspace is, for messages.
    pub fn location_of(&self, name: &str) -> String {
        match &self.loc {
            Location::Folder(p) => p.join(name).display().to_string(),
            Location::Store { store, .. } => store.object_url(name),
        }
    }

    /// The name of `results/<target>.json`.
    pub fn result_name(&self, target: &str) -> Result<String, HandoffError> {
        validate_target(target)?;
        Ok(format!("{RESULTS_DIR}/{target}.json"))
    }

    /// Where `results/<target>.json` is (a path or URL), for messages.
    pub fn result_path(&self, target: &str) -> Result<String, HandoffError> {
        Ok(self.location_of(&self.result_name(target)?))
    }

    /// This run's name for `file` (`version`, `version.json`): the
    /// workspace's own in a folder, `runs/<run>/<file>` in a store.
    fn run_file(&self, file: &str) -> String {
        match &self.loc {
            Location::Folder(_) => file.to_owned(),
            Location::Store { run, .. } => format!("{RUNS_DIR}/{run}/{file}"),
        }
    }

    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, HandoffError> {
        match &self.loc {
            Location::Folder(root) => {
                let path = root.join(name);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(fs_error::at("cannot read", path)(e).into()),
                }
            }
            Location::Store { store, .. } => Ok(store.get(name).await?.map(|b| b.to_vec())),
        }
    }

    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), HandoffError> {
        match &self.loc {
            Location::Folder(root) => write_atomic(&root.join(name), &bytes),
            Location::Store { store, .. } => {
                Ok(store.put_bytes_overwrite(name, bytes.into()).await?)
            }
        }
    }

    /// Writes `name` only if it does not exist; whether this call wrote it.
    async fn create(&self, name: &str, bytes: Vec<u8>) -> Result<bool, HandoffError> {
        match &self.loc {
            Location::Folder(root) => create_only(&root.join(name), &bytes),
            Location::Store { store, .. } => match store.put_bytes(name, bytes.into()).await {
                Ok(store::PutOutcome::Created) => Ok(true),
                Ok(store::PutOutcome::AlreadyIdentical) => Ok(false),
                Err(e) if e.is_conflict() => Ok(false),
                Err(e) => Err(e.into()),
            },
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, HandoffError> {
        let Some(bytes) = self.get(name).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| HandoffError::Invalid {
                path: self.location_of(name).into(),
                detail: e.to_string(),
            })
    }

    fn json<T: Serialize>(value: &T) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(value).expect("records serialise");
        s.push('\n');
        s.into_bytes()
    }

    /// Records the version: `version.json` first, then `version`, so whoever
    /// sees `version` also finds the record. A failed record writes only
    /// `version.json`. In a store these are this run's (`runs/<run>/`).
    pub async fn write_version(&self, rec: &VersionRecord) -> Result<(), HandoffError> {
        self.put(&self.run_file(VERSION_JSON), Self::json(rec))
            .await?;
        if let (Status::Ok, Some(v)) = (rec.status, &rec.version) {
            self.put(&self.run_file(VERSION_FILE), format!("{v}\n").into_bytes())
                .await?;
        }
        Ok(())
    }

    /// The version record if one was written: `version.json`, or a bare
    /// `version` file written by hand.
    pub async fn read_version(&self) -> Result<Option<VersionRecord>, HandoffError> {
        let (json, plain) = (self.run_file(VERSION_JSON), self.run_file(VERSION_FILE));
        if let Some(rec) = self.get_json::<VersionRecord>(&json).await? {
            // version.json comes first; an ok record counts once `version` exists.
            if rec.status == Status::Failed || self.get(&plain).await?.is_some() {
                return Ok(Some(rec));
            }
            return Ok(None);
        }
        match self.get(&plain).await? {
            Some(b) if !String::from_utf8_lossy(&b).trim().is_empty() => {
                let s = String::from_utf8_lossy(&b);
                // Written by hand: parsed here, once, like version.json.
                let v =
                    calver::BuildVersion::parse(s.trim()).map_err(|e| HandoffError::Invalid {
                        path: self.location_of(&plain).into(),
                        detail: e.to_string(),
                    })?;
                Ok(Some(VersionRecord::ok_plain(v)))
            }
            _ => Ok(None),
        }
    }

    /// Waits (at most `timeout`) for the version. A failed version-gen is an
    /// error at once.
    pub async fn wait_version(
        &self,
        timeout: Duration,
    ) -> Result<calver::BuildVersion, HandoffError> {
        let hint = "is version-gen running with the same --workspace?";
        let missing = vec![self.location_of(&self.run_file(VERSION_FILE))];
        let rec = self
            .wait_until(timeout, hint, || async {
                Ok(match self.read_version().await? {
                    Some(rec) => Probe::Ready(rec),
                    None => Probe::Missing(missing.clone()),
                })
            })
            .await?;
        match (rec.status, rec.version) {
            (Status::Ok, Some(v)) => Ok(v),
            (_, _) => Err(HandoffError::VersionFailed {
                error: rec.error.unwrap_or_else(|| "no error recorded".into()),
            }),
        }
    }

    /// This run's name (`BUILD_ID`), in a store workspace.
    pub fn run(&self) -> Option<&str> {
        match &self.loc {
            Location::Folder(_) => None,
            Location::Store { run, .. } => Some(run),
        }
    }

    /// Writes `results/<target>.json` (replacing an earlier run's; in a
    /// store, stamped with this run); returns where it is.
    pub async fn write_result(&self, result: &BuildResult) -> Result<String, HandoffError> {
        let name = self.result_name(&result.target)?;
        let mut result = result.clone();
        if let Some(run) = self.run() {
            result.run = Some(run.to_owned());
        }
        self.put(&name, Self::json(&result)).await?;
        Ok(self.location_of(&name))
    }

    /// Reads `results/<target>.json`, if present.
    pub async fn read_result(&self, target: &str) -> Result<Option<BuildResult>, HandoffError> {
        self.get_json(&self.result_name(target)?).await
    }

    /// Waits (at most `timeout`) until every target has a result for
    /// `version`, and returns them in the order asked (a result of another
    /// version, an earlier run's, counts as missing). Returns early with just
    /// the failed result as soon as one build of `version` failed: there is
    /// no point waiting for the others.
    pub async fn wait_results(
        &self,
        targets: &[String],
        version: Option<&calver::BuildVersion>,
        timeout: Duration,
    ) -> Result<Vec<BuildResult>, HandoffError> {
        for t in targets {
            validate_target(t)?;
        }
        let hint = format!(
            "in {}; did every builder run with this workspace, and is --wait-timeout long enough?",
            self.describe()
        );
        self.wait_until(timeout, &hint, || async {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for t in targets {
                let Some(r) = self.read_result(t).await? else {
                    missing.push(format!("{RESULTS_DIR}/{t}.json"));
                    continue;
                };
                // In a store, another run's failure may be rebuilt by a
                // re-run: only this run's counts (a folder is one run's).
                let ours = self.run().is_none() || r.run.as_deref() == self.run();
                match r.status {
                    Status::Failed if ours => return Ok(Probe::Ready(vec![r])),
                    Status::Failed => missing.push(format!(
                        "{RESULTS_DIR}/{t}.json (failed in run {}; waiting for a re-run)",
                        r.run.as_deref().unwrap_or("unknown")
                    )),
                    _ if version.is_some() && r.version.as_ref() != version => {
                        missing.push(format!("{RESULTS_DIR}/{t}.json (of this version)"))
                    }
                    _ => found.push(r),
                }
            }
            Ok(if missing.is_empty() {
                Probe::Ready(found)
            } else {
                Probe::Missing(missing)
            })
        })
        .await
    }

    /// Writes `tag.json`; returns where it is.
    pub async fn write_tag(&self, rec: &TagRecord) -> Result<String, HandoffError> {
        self.put(TAG_JSON, Self::json(rec)).await?;
        Ok(self.location_of(TAG_JSON))
    }

    /// The newest claim (its number and content), if any.
    pub async fn latest_claim(&self) -> Result<Option<(u32, Claim)>, HandoffError> {
        let mut n = 0;
        let mut latest = None;
        // Claims are numbered from 0 without gaps (each is written only
        // after the one before it exists): probe upwards.
        while let Some(c) = self.get_json::<Claim>(&claim_name(n)).await? {
            latest = Some((n, c));
            n += 1;
        }
        Ok(latest)
    }

    /// Writes claim number `n` if nobody did; whether this call wrote it.
    pub async fn create_claim(&self, n: u32, claim: &Claim) -> Result<bool, HandoffError> {
        self.create(&claim_name(n), Self::json(claim)).await
    }

    /// Polls `probe` until it is ready or `timeout` passes, saying what it
    /// still waits for at the start and every `report_every`. A remote store
    /// is polled with backoff (the interval doubles up to 5 s).
    async fn wait_until<T, F, Fut>(
        &self,
        timeout: Duration,
        hint: &str,
        mut probe: F,
    ) -> Result<T, HandoffError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Probe<T>, HandoffError>>,
    {
        let start = tokio::time::Instant::now();
        let mut last_report: Option<tokio::time::Instant> = None;
        let mut poll = self.poll;
        loop {
            let missing = match probe().await? {
                Probe::Ready(v) => return Ok(v),
                Probe::Missing(m) => m,
            };
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(HandoffError::WaitTimeout {
                    missing,
                    waited,
                    hint: hint.to_owned(),
                });
            }
            if last_report.is_none_or(|t| t.elapsed() >= self.report_every) {
                info!(
                    "waiting for {} ({}s of {}s)",
                    missing.join(", "),
                    waited.as_secs(),
                    timeout.as_secs()
                );
                last_report = Some(tokio::time::Instant::now());
            }
            tokio::time::sleep(poll.min(timeout.saturating_sub(waited))).await;
            if self.backoff {
                poll = (poll * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// `claims/<n>.json`, zero-padded so that they list in order.
fn claim_name(n: u32) -> String {
    format!("{CLAIMS_DIR}/{n:04}.json")
}

/// Writes `path` only if it does not exist, atomically (a temporary file
/// hard-linked to the name, which fails when the name exists); whether this
/// call wrote it.
fn create_only(path: &Path, bytes: &[u8]) -> Result<bool, HandoffError> {
    let tmp = temp_beside(path, bytes)?;
    match std::fs::hard_link(tmp.path(), path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(fs_error::at("cannot create", path)(e).into()),
    }
}

/// `bytes` in a flushed temporary file in `path`'s folder (created if
/// needed), removed when dropped: what an atomic write renames or links.
fn temp_beside(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, HandoffError> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let io = |action| fs_error::at(action, path);
    std::fs::create_dir_all(dir).map_err(io("cannot create the folder of"))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io("cannot create a temporary file beside"))?;
    tmp.write_all(bytes).map_err(io("cannot write"))?;
    tmp.as_file().sync_all().map_err(io("cannot flush"))?;
    Ok(tmp)
}

/// One look at the workspace: what was found, or what is still missing.
enum Probe<T> {
    Ready(T),
    Missing(Vec<String>),
}

/// Target names become file names (`results/<target>.json`,
/// `<target>.SHA256SUMS`, in the workspace and in `$ARTIFACTS`): keep them
/// tame. [`HandoffError::InvalidTarget`] when `t` is not.
pub fn validate_target(t: &str) -> Result<(), HandoffError> {
    let ok = !t.is_empty()
        && t.len() <= 64
        && t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(HandoffError::InvalidTarget(t.to_owned()))
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed, then renamed over `path`. Creates the folder if needed. On error
/// nothing is left behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), HandoffError> {
    temp_beside(path, bytes)?
        .persist(path)
        .map_err(|e| fs_error::at("cannot rename into", path)(e.error))?;
    Ok(())
}

/// Serialises `value` as pretty JSON (with a final newline) to `path`,
/// atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), HandoffError> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| HandoffError::Invalid {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    s.push('\n');
    write_atomic(path, s.as_bytes())
}

/// Reads a JSON record; `None` when the file does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, HandoffError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fs_error::at("cannot read", path)(e).into()),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| HandoffError::Invalid {
            path: path.to_owned(),
            detail: e.to_string(),
        })
}

/// Copies a step's record into `$ARTIFACTS` (Prow uploads that folder), with
/// its JUnit summary. Does nothing when `artifacts` is `None`.
pub fn publish_to_artifacts<T: Serialize>(
    artifacts: Option<&Path>,
    file_name: &str,
    record: &T,
    step: &str,
    failure: Option<&str>,
) -> Result<(), HandoffError> {
    let Some(dir) = artifacts else { return Ok(()) };
    write_json(&dir.join(file_name), record)?;
    write_atomic(
        &dir.join(format!("junit_{step}.xml")),
        junit_summary(step, failure).as_bytes(),
    )
}

#[cfg(test)]
mod tests;
