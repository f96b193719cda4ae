//! The environment Prow gives each job container.
//!
//! Read with [`ProwEnv::from_env`] (or [`ProwEnv::from_lookup`] in tests);
//! produced for emulated jobs with [`ProwEnv::to_vars`]. Facts from Prow's
//! `pkg/pod-utils/downwardapi`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A malformed Prow variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {name}={value:?} is malformed: {reason}")]
pub struct EnvError {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

/// `JOB_TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobType {
    /// On a pull request.
    Presubmit,
    /// After a merge (or a tag push).
    Postsubmit,
    /// On a timer.
    Periodic,
    /// Several pull requests together.
    Batch,
}

impl JobType {
    /// The variable's value.
    pub fn as_str(&self) -> &'static str {
        match self {
            JobType::Presubmit => "presubmit",
            JobType::Postsubmit => "postsubmit",
            JobType::Periodic => "periodic",
            JobType::Batch => "batch",
        }
    }

    /// Whether jobs of this type get `REPO_OWNER`, `PULL_BASE_SHA`...
    pub fn has_refs(&self) -> bool {
        !matches!(self, JobType::Periodic)
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "presubmit" => Ok(JobType::Presubmit),
            "postsubmit" => Ok(JobType::Postsubmit),
            "periodic" => Ok(JobType::Periodic),
            "batch" => Ok(JobType::Batch),
            _ => Err("expected presubmit, postsubmit, periodic or batch".into()),
        }
    }
}

/// A pull request inside [`Refs`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pull {
    /// The PR number.
    pub number: u64,
    /// Its author.
    #[serde(default)]
    pub author: String,
    /// Its head sha.
    #[serde(default)]
    pub sha: String,
}

/// The refs of a job (`JOB_SPEC.refs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Refs {
    /// Organisation / owner.
    pub org: String,
    /// Repository.
    pub repo: String,
    /// Link to the repository.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub repo_link: String,
    /// Base branch.
    pub base_ref: String,
    /// Base commit.
    #[serde(default)]
    pub base_sha: String,
    /// Link to the base commit.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base_link: String,
    /// Pull requests merged on top (presubmits).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pulls: Vec<Pull>,
    /// Where the repository is cloned under `/home/prow/go/src`, if not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_alias: Option<String>,
    /// Whether this repository is the working directory.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub workdir: bool,
}

impl Refs {
    /// `PULL_REFS`: `<base_ref>:<base_sha>` then `,<number>:<sha>` per pull.
    pub fn pull_refs(&self) -> String {
        let mut s = format!("{}:{}", self.base_ref, self.base_sha);
        for p in &self.pulls {
            s.push_str(&format!(",{}:{}", p.number, p.sha));
        }
        s
    }

    /// Parses `PULL_REFS` (org and repo come from elsewhere).
    pub fn parse_pull_refs(value: &str) -> Result<Refs, EnvError> {
        let err = |reason: &str| EnvError {
            name: "PULL_REFS",
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let mut parts = value.split(',');
        let base = parts
            .next()
            .filter(|b| !b.is_empty())
            .ok_or_else(|| err("empty"))?;
        let (base_ref, base_sha) = base.split_once(':').unwrap_or((base, ""));
        if base_ref.is_empty() {
            return Err(err("no base ref before ':'"));
        }
        let mut pulls = Vec::new();
        for p in parts {
            let (n, sha) = p
                .split_once(':')
                .ok_or_else(|| err("a pull is not <number>:<sha>"))?;
            let number = n
                .parse()
                .map_err(|_| err("a pull number is not a number"))?;
            pulls.push(Pull {
                number,
                author: String::new(),
                sha: sha.to_owned(),
            });
        }
        Ok(Refs {
            base_ref: base_ref.to_owned(),
            base_sha: base_sha.to_owned(),
            pulls,
            ..Refs::default()
        })
    }
}

/// `JOB_SPEC`: the JSON description of the running job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    /// Job type.
    #[serde(rename = "type")]
    pub job_type: JobType,
    /// Job name.
    pub job: String,
    /// `BUILD_ID`.
    pub buildid: String,
    /// `PROW_JOB_ID`.
    pub prowjobid: String,
    /// The main repository (absent for periodics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refs: Option<Refs>,
    /// Further repositories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_refs: Vec<Refs>,
    /// Decoration settings, kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoration_config: Option<serde_json::Value>,
}

/// The Prow environment of the current container. Every field is optional:
/// the same command runs in a pod and in a shell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProwEnv {
    /// `CI=true`.
    pub ci: bool,
    /// `JOB_NAME`.
    pub job_name: Option<String>,
    /// `JOB_TYPE`.
    pub job_type: Option<JobType>,
    /// `BUILD_ID`.
    pub build_id: Option<String>,
    /// `PROW_JOB_ID`.
    pub prow_job_id: Option<String>,
    /// `REPO_OWNER`.
    pub repo_owner: Option<String>,
    /// `REPO_NAME`.
    pub repo_name: Option<String>,
    /// `PULL_BASE_REF`.
    pub pull_base_ref: Option<String>,
    /// `PULL_BASE_SHA`.
    pub pull_base_sha: Option<String>,
    /// `PULL_NUMBER`.
    pub pull_number: Option<u64>,
    /// `PULL_PULL_SHA`.
    pub pull_pull_sha: Option<String>,
    /// `ARTIFACTS`.
    pub artifacts: Option<PathBuf>,
    /// `JOB_SPEC`, parsed.
    pub job_spec: Option<JobSpec>,
}

impl ProwEnv {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads variables through `get` (empty values count as unset).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        let job_type = match get("JOB_TYPE") {
            Some(v) => Some(v.parse().map_err(|reason| EnvError {
                name: "JOB_TYPE",
                value: v.clone(),
                reason,
            })?),
            None => None,
        };
        let pull_number = match get("PULL_NUMBER") {
            Some(v) => Some(v.parse().map_err(|_| EnvError {
                name: "PULL_NUMBER",
                value: v.clone(),
                reason: "not a number".into(),
            })?),
            None => None,
        };
        let job_spec = match get("JOB_SPEC") {
            Some(v) => Some(serde_json::from_str(&v).map_err(|e| EnvError {
                name: "JOB_SPEC",
                value: v.clone(),
                reason: e.to_string(),
            })?),
            None => None,
        };
        Ok(ProwEnv {
            ci: get("CI").as_deref() == Some("true"),
            job_name: get("JOB_NAME"),
            job_type,
            build_id: get("BUILD_ID"),
            prow_job_id: get("PROW_JOB_ID"),
            repo_owner: get("REPO_OWNER"),
            repo_name: get("REPO_NAME"),
            pull_base_ref: get("PULL_BASE_REF"),
            pull_base_sha: get("PULL_BASE_SHA"),
            pull_number,
            pull_pull_sha: get("PULL_PULL_SHA"),
            artifacts: get("ARTIFACTS").map(PathBuf::from),
            job_spec,
        })
    }

    /// The variables Prow would set for `spec` in a decorated pod, in a
    /// stable order (what pj-local gives each container).
    pub fn vars_for(spec: &JobSpec, artifacts: &str) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = vec![
            ("CI".into(), "true".into()),
            ("JOB_NAME".into(), spec.job.clone()),
            ("JOB_TYPE".into(), spec.job_type.as_str().into()),
            (
                "JOB_SPEC".into(),
                serde_json::to_string(spec).expect("JobSpec serialises"),
            ),
            ("BUILD_ID".into(), spec.buildid.clone()),
            ("BUILD_NUMBER".into(), spec.buildid.clone()),
            ("PROW_JOB_ID".into(), spec.prowjobid.clone()),
            ("ARTIFACTS".into(), artifacts.into()),
            ("GOPATH".into(), "/home/prow/go".into()),
        ];
        if let (true, Some(refs)) = (spec.job_type.has_refs(), &spec.refs) {
            v.push(("REPO_OWNER".into(), refs.org.clone()));
            v.push(("REPO_NAME".into(), refs.repo.clone()));
            v.push(("PULL_BASE_REF".into(), refs.base_ref.clone()));
            v.push(("PULL_BASE_SHA".into(), refs.base_sha.clone()));
            v.push(("PULL_REFS".into(), refs.pull_refs()));
            if spec.job_type == JobType::Presubmit
                && let Some(p) = refs.pulls.first()
            {
                v.push(("PULL_NUMBER".into(), p.number.to_string()));
                v.push(("PULL_PULL_SHA".into(), p.sha.clone()));
            }
        }
        v
    }
}

/// The variables Prow sets itself for a job type; a job config may not set
/// them ("env X is reserved"). Decorated jobs also get `ARTIFACTS` and
/// `GOPATH`.
pub fn reserved_vars(job_type: JobType, decorated: bool) -> Vec<&'static str> {
    let mut v = vec![
        "CI",
        "JOB_NAME",
        "JOB_TYPE",
        "JOB_SPEC",
        "BUILD_ID",
        "BUILD_NUMBER",
        "PROW_JOB_ID",
    ];
    if job_type.has_refs() {
        v.extend([
            "REPO_OWNER",
            "REPO_NAME",
            "PULL_BASE_REF",
            "PULL_BASE_SHA",
            "PULL_REFS",
        ]);
    }
    if job_type == JobType::Presubmit {
        v.extend([
            "PULL_NUMBER",
            "PULL_PULL_SHA",
            "PULL_HEAD_REF",
            "PULL_TITLE",
        ]);
    }
    if decorated {
        v.extend(["ARTIFACTS", "GOPATH"]);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn spec(job_type: JobType) -> JobSpec {
        JobSpec {
            job_type,
            job: "guest-agent-release".into(),
            buildid: "1001".into(),
            prowjobid: "5d8f6e2c-0000-4000-8000-000000000001".into(),
            refs: Some(Refs {
                org: "GoogleCloudPlatform".into(),
                repo: "guest-agent".into(),
                base_ref: "master".into(),
                base_sha: "abc123".into(),
                pulls: if job_type == JobType::Presubmit {
                    vec![Pull {
                        number: 17,
                        author: "me".into(),
                        sha: "def456".into(),
                    }]
                } else {
                    vec![]
                },
                ..Refs::default()
            }),
            extra_refs: vec![],
            decoration_config: None,
        }
    }

    #[test]
    fn pull_refs_forms() {
        assert_eq!(
            spec(JobType::Postsubmit).refs.unwrap().pull_refs(),
            "master:abc123"
        );
        assert_eq!(
            spec(JobType::Presubmit).refs.unwrap().pull_refs(),
            "master:abc123,17:def456"
        );
        let r = Refs::parse_pull_refs("master:abc123,17:def456").unwrap();
        assert_eq!((r.base_ref.as_str(), r.pulls[0].number), ("master", 17));
        assert!(Refs::parse_pull_refs("master:abc,x:1").is_err());
        assert!(Refs::parse_pull_refs("").is_err());
    }

    #[test]
    fn vars_round_trip_through_from_lookup() {
        let s = spec(JobType::Presubmit);
        let vars: HashMap<_, _> = ProwEnv::vars_for(&s, "/logs/artifacts")
            .into_iter()
            .collect();
        let env = ProwEnv::from_lookup(|k| vars.get(k).cloned()).unwrap();
        assert_eq!(env.job_type, Some(JobType::Presubmit));
        assert_eq!(env.pull_number, Some(17));
        assert_eq!(env.pull_base_sha.as_deref(), Some("abc123"));
        assert_eq!(env.job_spec, Some(s));
        assert_eq!(env.artifacts, Some(PathBuf::from("/logs/artifacts")));
    }

    #[test]
    fn postsubmit_has_no_pull_number() {
        let vars = ProwEnv::vars_for(&spec(JobType::Postsubmit), "/a");
        assert!(!vars.iter().any(|(k, _)| k == "PULL_NUMBER"));
        for (k, _) in &vars {
            assert!(
                reserved_vars(JobType::Postsubmit, true).contains(&k.as_str()),
                "{k}"
            );
        }
    }

    #[test]
    fn job_spec_json_shape() {
        insta::assert_snapshot!(serde_json::to_string(&spec(JobType::Postsubmit)).unwrap(), @r#"{"type":"postsubmit","job":"guest-agent-release","buildid":"1001","prowjobid":"5d8f6e2c-0000-4000-8000-000000000001","refs":{"org":"GoogleCloudPlatform","repo":"guest-agent","base_ref":"master","base_sha":"abc123"}}"#);
    }

    #[test]
    fn malformed_values_name_the_variable() {
        let e =
            ProwEnv::from_lookup(|k| (k == "JOB_TYPE").then(|| "nightly".to_string())).unwrap_err();
        assert_eq!(e.name, "JOB_TYPE");
        let e = ProwEnv::from_lookup(|k| (k == "JOB_SPEC").then(|| "{".to_string())).unwrap_err();
        assert!(
            e.to_string().starts_with("environment variable JOB_SPEC="),
            "{e}"
        );
    }
}
