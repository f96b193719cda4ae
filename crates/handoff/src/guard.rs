//! Every step leaves its record, however it ends.
//!
//! The steps chain through the workspace: builders wait for `version`, the
//! tagger for `results/<target>.json`. A step that ends without its record
//! leaves the others waiting out their timeouts (an hour in the jobs). So
//! every binary writes its records through one [`Recorder`], and parses its
//! arguments with [`parse_args`], which records an argument error before
//! clap exits: a builder given a bad flag still writes a failed
//! `results/<target>.json`, and the tagger stops at once on it.

use std::ffi::OsString;
use std::path::PathBuf;

use calver::BuildVersion;
use tracing::warn;

use crate::{
    BuildResult, HandoffError, RESULTS_DIR, Status, TAG_JSON, TagRecord, TagStatus, VERSION_JSON,
    VersionRecord, Workspace,
};

/// The record a step leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// version-gen: `version` and `version.json`.
    Version,
    /// A builder: `results/<target>.json`.
    Build {
        /// The target (names the file).
        target: String,
        /// The host distribution, recorded in the result.
        host: Option<String>,
    },
    /// repo-tagger: `tag.json`.
    Tag {
        /// The targets it expects.
        targets: Vec<String>,
        /// Prow's BUILD_ID.
        build_id: Option<String>,
    },
}

/// One record of a step, to write.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    /// version-gen's.
    Version(&'a VersionRecord),
    /// A builder's.
    Build(&'a BuildResult),
    /// repo-tagger's.
    Tag(&'a TagRecord),
}

/// Writes one step's records to the workspace (when there is one) and to
/// `$ARTIFACTS` (when set, with a JUnit summary), the same way for every
/// step.
#[derive(Debug, Clone)]
pub struct Recorder {
    tool: &'static str,
    step: Step,
    workspace: Option<Workspace>,
    artifacts: Option<PathBuf>,
}

impl Recorder {
    /// A recorder for `tool`'s `step`.
    pub fn new(
        tool: &'static str,
        step: Step,
        workspace: Option<Workspace>,
        artifacts: Option<PathBuf>,
    ) -> Recorder {
        Recorder {
            tool,
            step,
            workspace,
            artifacts,
        }
    }

    /// The step.
    pub fn step(&self) -> &Step {
        &self.step
    }

    /// The workspace the records go to, if any.
    pub fn workspace(&self) -> Option<&Workspace> {
        self.workspace.as_ref()
    }

    /// Writes `record`. A failure to write is logged and returned, so that
    /// a caller whose step succeeded can fail on it; a failed step's own
    /// error matters more than the record's.
    pub async fn record(&self, record: Record<'_>) -> Result<(), HandoffError> {
        let written = match (&self.workspace, record) {
            (None, _) => Ok(()),
            (Some(ws), Record::Version(r)) => ws.write_version(r).await,
            (Some(ws), Record::Build(r)) => ws.write_result(r).await.map(drop),
            (Some(ws), Record::Tag(r)) => ws.write_tag(r).await.map(drop),
        };
        if let Err(e) = &written {
            warn!("could not write the {} record: {e}", self.tool);
        }
        let artifacts = match record {
            Record::Version(r) => self.to_artifacts(VERSION_JSON, r, r.error.as_deref()),
            Record::Build(r) => self.to_artifacts(
                &format!("{RESULTS_DIR}/{}.json", r.target),
                r,
                r.error.as_deref(),
            ),
            Record::Tag(r) => self.to_artifacts(TAG_JSON, r, r.error.as_deref()),
        };
        if let Err(e) = artifacts {
            warn!("could not write to $ARTIFACTS: {e}");
        }
        written
    }

    /// Records the step as failed with `error`, for the version when it is
    /// known. Credentials in URLs the error quotes are hidden first
    /// (`https://***@host/...`): the records go to `$ARTIFACTS`, which Prow
    /// publishes.
    pub async fn failed(&self, error: &str, version: Option<BuildVersion>) {
        let error = git_cmd::redact_url(error);
        let error = error.as_str();
        // Logged inside; the step's own error is what it reports.
        let _ = match &self.step {
            Step::Version => {
                self.record(Record::Version(&VersionRecord::failed(error)))
                    .await
            }
            Step::Build { target, host } => {
                self.record(Record::Build(&BuildResult {
                    target: target.clone(),
                    status: Status::Failed,
                    version,
                    commit: None,
                    artifacts: vec![],
                    error: Some(error.to_owned()),
                    host: host.clone(),
                    local_changes: vec![],
                    extra_repo: None,
                    go: None,
                    run: None,
                }))
                .await
            }
            Step::Tag { targets, build_id } => {
                self.record(Record::Tag(&TagRecord {
                    status: TagStatus::Failed,
                    version: version.and_then(|v| v.release()),
                    commit: None,
                    tag_object: None,
                    existing_commit: None,
                    forge: None,
                    targets: targets.clone(),
                    build_id: build_id.clone(),
                    error: Some(error.to_owned()),
                }))
                .await
            }
        };
    }

    fn to_artifacts<T: serde::Serialize>(
        &self,
        name: &str,
        value: &T,
        error: Option<&str>,
    ) -> Result<(), HandoffError> {
        crate::publish_to_artifacts(self.artifacts.as_deref(), name, value, self.tool, error)
    }
}

/// What a step's arguments say about where its record goes, read leniently:
/// enough to record an argument error when the arguments do not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepArgs {
    /// `--workspace DIR|URL`, else `RELEASE_WORKSPACE`.
    pub workspace: Option<String>,
    /// `$BUILD_ID` (a store workspace's run).
    pub build_id: Option<String>,
    /// `--target LABEL`.
    pub target: Option<String>,
    /// `--version V`.
    pub version: Option<String>,
    /// `--expect a,b`.
    pub expect: Vec<String>,
    /// `$ARTIFACTS`.
    pub artifacts: Option<PathBuf>,
}

impl StepArgs {
    /// Reads `--name VALUE` and `--name=VALUE` for the few options above
    /// from `args` (the program name first), and the environment through
    /// `env`; everything else is ignored. clap cannot help here: these are
    /// exactly the arguments it refused.
    pub fn lenient(
        args: impl IntoIterator<Item = OsString>,
        env: impl Fn(&str) -> Option<String>,
    ) -> StepArgs {
        let args: Vec<String> = args
            .into_iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let value = |name: &str| -> Option<String> {
            let flag = format!("--{name}");
            let joined = format!("--{name}=");
            let mut found = None;
            for (i, a) in args.iter().enumerate() {
                if a == "--" {
                    break;
                }
                if *a == flag {
                    found = args.get(i + 1).cloned();
                } else if let Some(v) = a.strip_prefix(&joined) {
                    found = Some(v.to_owned());
                }
            }
            found.filter(|v| !v.is_empty())
        };
        let nonempty = |name: &str| env(name).filter(|v| !v.is_empty());
        StepArgs {
            workspace: value("workspace").or_else(|| nonempty("RELEASE_WORKSPACE")),
            build_id: nonempty("BUILD_ID"),
            target: value("target"),
            version: value("version"),
            expect: value("expect")
                .map(|e| {
                    e.split(',')
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            artifacts: nonempty("ARTIFACTS").map(PathBuf::from),
        }
    }
}

/// Parses the process's arguments as `C`. On an argument error (not
/// `--help` or a version flag), first records the step's failure where
/// `step` says (`None`: no record can be named, e.g. a builder whose target
/// is unknown), then exits as clap does (exit 2, its message on stderr,
/// credentials in URLs hidden).
pub fn parse_args<C: clap::Parser>(
    tool: &'static str,
    step: impl FnOnce(&StepArgs) -> Option<Step>,
) -> C {
    match C::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if !e.use_stderr() {
                // --help, -V: clap prints them as it should.
                e.exit()
            }
            let raw = StepArgs::lenient(std::env::args_os(), |k| std::env::var(k).ok());
            let message = e.render().to_string();
            record_usage_error(tool, &raw, step(&raw), &message);
            // clap quotes the refused value, which may be a credentialed URL.
            eprint!("{}", git_cmd::redact_url(&message));
            std::process::exit(e.exit_code())
        }
    }
}

fn record_usage_error(tool: &'static str, raw: &StepArgs, step: Option<Step>, message: &str) {
    let Some(step) = step else { return };
    let first = message
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    // A workspace that cannot be opened takes no record; the usage error
    // still goes to stderr and $ARTIFACTS.
    let workspace = raw
        .workspace
        .as_deref()
        .and_then(|w| Workspace::open(w, raw.build_id.as_deref()).ok());
    let recorder = Recorder::new(tool, step, workspace, raw.artifacts.clone());
    // A version that does not parse is part of the usage error.
    let version = raw
        .version
        .as_deref()
        .and_then(|v| BuildVersion::parse(v).ok());
    // Before any runtime exists (clap refused the arguments): a small one.
    let error = format!("{tool}: usage error: {first} (see {tool} --help)");
    let failed = recorder.failed(&error, version);
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(failed),
        Err(e) => warn!("could not record the usage error: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn reads_the_record_options_around_bad_ones() {
        let raw = StepArgs::lenient(
            os(&[
                "packagebuild-deb",
                "--bogus",
                "--workspace",
                "/ws",
                "--target=deb12",
                "--wait-timeout",
                "soon",
                "--expect",
                "deb12,,el9",
            ]),
            |_| None,
        );
        assert_eq!(
            raw,
            StepArgs {
                workspace: Some("/ws".into()),
                build_id: None,
                target: Some("deb12".into()),
                version: None,
                expect: vec!["deb12".into(), "el9".into()],
                artifacts: None,
            }
        );
    }

    #[test]
    fn falls_back_to_the_environment_and_stops_at_double_dash() {
        let env = |k: &str| match k {
            "RELEASE_WORKSPACE" => Some("/env-ws".to_owned()),
            "ARTIFACTS" => Some("/art".to_owned()),
            _ => None,
        };
        let raw = StepArgs::lenient(os(&["t", "--", "--workspace", "/no"]), env);
        assert_eq!(raw.workspace, Some("/env-ws".into()));
        assert_eq!(raw.artifacts, Some("/art".into()));
        // A flag without its value names nothing.
        let raw = StepArgs::lenient(os(&["t", "--target"]), |_| None);
        assert_eq!(raw.target, None);
    }

    #[test]
    fn a_usage_error_is_recorded_for_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join("artifacts");
        let raw = StepArgs {
            workspace: Some(dir.path().join("ws").display().to_string()),
            artifacts: Some(art.clone()),
            version: Some("20261127.00".into()),
            ..StepArgs::default()
        };
        let step = Step::Build {
            target: "el9".into(),
            host: None,
        };
        record_usage_error(
            "packagebuild-rpm",
            &raw,
            Some(step),
            "error: unexpected argument '--bogus' found\n\nUsage: ...",
        );
        let ws = Workspace::new(dir.path().join("ws"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let r = rt
            .block_on(ws.read_result("el9"))
            .unwrap()
            .expect("a result");
        assert_eq!(r.status, Status::Failed);
        assert_eq!(
            r.version.map(|v| v.to_string()).as_deref(),
            Some("20261127.00")
        );
        assert_eq!(
            r.error.as_deref(),
            Some(
                "packagebuild-rpm: usage error: unexpected argument '--bogus' found (see packagebuild-rpm --help)"
            )
        );
        assert!(art.join("results/el9.json").is_file());

        // A credentialed URL in the refused value is not recorded as given.
        record_usage_error(
            "packagebuild-deb",
            &raw,
            Some(Step::Build {
                target: "deb12".into(),
                host: None,
            }),
            "error: invalid value 'https://x-access-token:SECRET@github.com/o/r' for '--stage <URL>'",
        );
        let r = rt
            .block_on(ws.read_result("deb12"))
            .unwrap()
            .expect("a result");
        let error = r.error.unwrap();
        assert!(
            !error.contains("SECRET") && error.contains("https://***@github.com/o/r"),
            "{error}"
        );
        let junit = std::fs::read_to_string(art.join("junit_packagebuild-deb.xml")).unwrap();
        assert!(
            !junit.contains("SECRET") && junit.contains("***@"),
            "{junit}"
        );

        record_usage_error("version-gen", &raw, Some(Step::Version), "error: bad");
        let v = rt
            .block_on(ws.read_version())
            .unwrap()
            .expect("a version record");
        assert_eq!(
            v.error.as_deref(),
            Some("version-gen: usage error: bad (see version-gen --help)")
        );
    }
}
