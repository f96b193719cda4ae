//! `started.json` and `finished.json`, as Prow's pod utilities write them
//! next to the build logs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `started.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    /// Unix seconds.
    pub timestamp: i64,
    /// The pull request number (presubmits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<String>,
    /// `org/repo` → `PULL_REFS`.
    #[serde(default)]
    pub repos: BTreeMap<String, String>,
    /// The commit tested (the base sha; for presubmits the pull's sha).
    #[serde(rename = "repo-commit", default)]
    pub repo_commit: String,
    /// Free-form.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// `finished.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    /// Unix seconds.
    pub timestamp: i64,
    /// Whether every container exited 0.
    pub passed: bool,
    /// `SUCCESS` or `FAILURE`.
    pub result: String,
    /// The commit tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Per container: exit code and duration; and what the steps recorded in
    /// the workspace (version, build results, tag).
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl Finished {
    /// A record for `passed`.
    pub fn new(
        passed: bool,
        revision: Option<String>,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Finished {
        Finished {
            timestamp: chrono::Utc::now().timestamp(),
            passed,
            result: if passed { "SUCCESS" } else { "FAILURE" }.into(),
            revision,
            metadata,
        }
    }
}
