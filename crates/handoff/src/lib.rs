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
        /// The file.
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
    /// A target name that cannot be a file name.
    #[error(
        "invalid build target {0:?}: use lower-case letters, digits, '.', '_' or '-' (e.g. deb12, el9, goo)"
    )]
    InvalidTarget(String),
}

/// The workspace of one release run.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    poll: Duration,
    report_every: Duration,
}

impl Workspace {
    /// The workspace in `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Workspace {
            root: root.into(),
            // Cheap (a few stats), and it bounds how long a step idles
            // after the one before it finished.
            poll: Duration::from_millis(50),
            report_every: Duration::from_secs(30),
        }
    }

    /// Sets how often waits look for files (default 50 ms) and how often
    /// they say what they still wait for (default 30 s).
    pub fn with_polling(mut self, poll: Duration, report_every: Duration) -> Self {
        self.poll = poll;
        self.report_every = report_every;
        self
    }

    /// The workspace folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `results/<target>.json`.
    pub fn result_path(&self, target: &str) -> Result<PathBuf, HandoffError> {
        validate_target(target)?;
        Ok(self.root.join(RESULTS_DIR).join(format!("{target}.json")))
    }

    /// Records the version: `version.json` first, then `version`, so whoever
    /// sees `version` also finds the record. A failed record writes only
    /// `version.json`.
    pub fn write_version(&self, rec: &VersionRecord) -> Result<(), HandoffError> {
        write_json(&self.root.join(VERSION_JSON), rec)?;
        if let (Status::Ok, Some(v)) = (rec.status, &rec.version) {
            write_atomic(&self.root.join(VERSION_FILE), format!("{v}\n").as_bytes())?;
        }
        Ok(())
    }

    /// The version record if one was written: `version.json`, or a bare
    /// `version` file written by hand.
    pub fn read_version(&self) -> Result<Option<VersionRecord>, HandoffError> {
        if let Some(rec) = read_json::<VersionRecord>(&self.root.join(VERSION_JSON))? {
            // version.json comes first; an ok record counts once `version` exists.
            if rec.status == Status::Failed || self.root.join(VERSION_FILE).exists() {
                return Ok(Some(rec));
            }
            return Ok(None);
        }
        let path = self.root.join(VERSION_FILE);
        match std::fs::read_to_string(&path) {
            Ok(s) if !s.trim().is_empty() => {
                // Written by hand: parsed here, once, like version.json.
                let v =
                    calver::BuildVersion::parse(s.trim()).map_err(|e| HandoffError::Invalid {
                        path: path.clone(),
                        detail: e.to_string(),
                    })?;
                Ok(Some(VersionRecord::ok_plain(v)))
            }
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(fs_error::at("cannot read", path)(e).into()),
        }
    }

    /// Waits (at most `timeout`) for the version. A failed version-gen is an
    /// error at once.
    pub async fn wait_version(
        &self,
        timeout: Duration,
    ) -> Result<calver::BuildVersion, HandoffError> {
        let hint = "is version-gen running with the same --workspace?";
        let rec = self
            .wait_until(timeout, hint, || {
                Ok(match self.read_version()? {
                    Some(rec) => Probe::Ready(rec),
                    None => {
                        Probe::Missing(vec![self.root.join(VERSION_FILE).display().to_string()])
                    }
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

    /// Writes `results/<target>.json`.
    pub fn write_result(&self, result: &BuildResult) -> Result<PathBuf, HandoffError> {
        let path = self.result_path(&result.target)?;
        write_json(&path, result)?;
        Ok(path)
    }

    /// Reads `results/<target>.json`, if present.
    pub fn read_result(&self, target: &str) -> Result<Option<BuildResult>, HandoffError> {
        read_json(&self.result_path(target)?)
    }

    /// Waits (at most `timeout`) until every target has a result, and
    /// returns them in the order asked. Returns early with just the failed
    /// result as soon as one build failed: there is no point waiting for the
    /// others.
    pub async fn wait_results(
        &self,
        targets: &[String],
        timeout: Duration,
    ) -> Result<Vec<BuildResult>, HandoffError> {
        for t in targets {
            validate_target(t)?;
        }
        let hint = format!(
            "in {}; did every builder run with this workspace, and is --wait-timeout long enough?",
            self.root.display()
        );
        self.wait_until(timeout, &hint, || {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for t in targets {
                match self.read_result(t)? {
                    Some(r) if r.status == Status::Failed => return Ok(Probe::Ready(vec![r])),
                    Some(r) => found.push(r),
                    None => missing.push(format!("{RESULTS_DIR}/{t}.json")),
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

    /// Writes `tag.json`.
    pub fn write_tag(&self, rec: &TagRecord) -> Result<PathBuf, HandoffError> {
        let path = self.root.join(TAG_JSON);
        write_json(&path, rec)?;
        Ok(path)
    }

    /// Polls `probe` until it is ready or `timeout` passes, saying what it
    /// still waits for at the start and every `report_every`.
    async fn wait_until<T>(
        &self,
        timeout: Duration,
        hint: &str,
        mut probe: impl FnMut() -> Result<Probe<T>, HandoffError>,
    ) -> Result<T, HandoffError> {
        let start = tokio::time::Instant::now();
        let mut last_report: Option<tokio::time::Instant> = None;
        loop {
            let missing = match probe()? {
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
            tokio::time::sleep(self.poll.min(timeout.saturating_sub(waited))).await;
        }
    }
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
    tmp.persist(path)
        .map_err(|e| io("cannot rename into")(e.error))?;
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
