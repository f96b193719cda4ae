//! Where the builders stage: the only place the tagger publishes from.
//!
//! A result record is written by a builder, which runs the repository's
//! code, so its `staged_url` is not trusted: an artifact is published only
//! when its URL, normalised, lies under the stage root given to repo-tagger
//! (`--stage-root`) and ends in `/<target>/<file>` for the record's own
//! target and the artifact's own file name. Checked before tagging.

use handoff::{Artifact, BuildResult};

use crate::publish::PublishError;

/// The folder under which every builder of a release stages, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRoot {
    url: String,
}

/// A staged artifact whose URL was checked: its folder and object name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedObject {
    /// The folder's normalised URL, under the stage root.
    pub dir: String,
    /// The object name in it (the artifact's file name).
    pub name: String,
}

impl StagedObject {
    /// The object's normalised URL.
    pub fn url(&self) -> String {
        format!("{}/{}", self.dir, self.name)
    }
}

impl StageRoot {
    /// The stage root `url` (a store URL or path), normalised.
    pub fn parse(url: &str) -> Result<StageRoot, store::StoreError> {
        let url = store::normalise_url(url)?;
        // `file:///` (the root folder) is the one normalised URL ending in `/`.
        Ok(StageRoot {
            url: url.trim_end_matches('/').to_owned(),
        })
    }

    /// The normalised URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where `a` of build `r` is staged, when that is under this root as
    /// `.../<target>/<file>`; otherwise an error naming the record and the
    /// URL (never anything read from it: nothing is read).
    pub fn check(&self, r: &BuildResult, a: &Artifact) -> Result<StagedObject, PublishError> {
        let target = &r.target;
        let staged = a
            .staged_url
            .as_deref()
            .ok_or_else(|| PublishError::NotStaged {
                target: target.clone(),
                file: a.file.clone(),
            })?;
        let outside = || PublishError::OutsideStageRoot {
            target: target.clone(),
            url: staged.to_owned(),
            root: self.url.clone(),
        };
        let (dir, name) = staged.rsplit_once('/').ok_or_else(outside)?;
        let wrong_place = || PublishError::NotTargetPath {
            target: target.clone(),
            url: staged.to_owned(),
            expected: format!("/{target}/{}", a.file),
        };
        // Normalising resolves `.` and `..` (or refuses them in a bucket
        // URL), so the prefix test below cannot be escaped.
        let dir = store::normalise_url(dir).map_err(|_| outside())?;
        let under = dir
            .strip_prefix(&self.url)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|rest| !rest.is_empty());
        let Some(rest) = under else {
            return Err(outside());
        };
        if name != a.file || (rest != target.as_str() && !rest.ends_with(&format!("/{target}"))) {
            return Err(wrong_place());
        }
        Ok(StagedObject {
            dir,
            name: name.to_owned(),
        })
    }

    /// Checks every artifact of every result.
    pub fn check_all(&self, results: &[BuildResult]) -> Result<(), PublishError> {
        for r in results {
            for a in &r.artifacts {
                self.check(r, a)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handoff::Status;

    fn result(target: &str, file: &str, url: &str) -> BuildResult {
        BuildResult {
            target: target.into(),
            status: Status::Ok,
            version: None,
            commit: None,
            artifacts: vec![Artifact {
                file: file.into(),
                sha256: "0".repeat(64),
                size: 1,
                staged_url: Some(url.into()),
                package: None,
            }],
            error: None,
            host: None,
            local_changes: Vec::new(),
            extra_repo: None,
            go: None,
            run: None,
        }
    }

    fn check(root: &str, target: &str, file: &str, url: &str) -> Result<String, String> {
        let r = result(target, file, url);
        StageRoot::parse(root)
            .unwrap()
            .check(&r, &r.artifacts[0])
            .map(|o| o.url())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_artifact_under_the_root_in_its_target_folder_is_accepted() {
        assert_eq!(
            check(
                "gs://staging/guest-agent/",
                "deb12",
                "a.deb",
                "gs://staging/guest-agent/42/deb12/a.deb"
            ),
            Ok("gs://staging/guest-agent/42/deb12/a.deb".into())
        );
        assert_eq!(
            check("/s/./x", "el9", "a.rpm", "file:///s/x/7/../8/el9/a.rpm"),
            Ok("file:///s/x/8/el9/a.rpm".into())
        );
        assert_eq!(
            check("/", "el9", "a.rpm", "/el9/a.rpm"),
            Ok("file:///el9/a.rpm".into())
        );
    }

    #[test]
    fn anything_else_is_refused_naming_the_record_and_the_url() {
        let root = "gs://staging/guest-agent";
        for (url, why) in [
            // Another repository's staging.
            ("gs://staging/osconfig/42/deb12/a.deb", "not under"),
            ("gs://staging/guest-agent-x/42/deb12/a.deb", "not under"),
            (
                "gs://staging/guest-agent/42/../../osconfig/deb12/a.deb",
                "not under",
            ),
            ("gs://other/guest-agent/42/deb12/a.deb", "not under"),
            ("s3://staging/guest-agent/42/deb12/a.deb", "not under"),
            ("file:///etc/deb12/a.deb", "not under"),
            ("a.deb", "not under"),
            // Right root, wrong place in it.
            (
                "gs://staging/guest-agent/42/el9/a.deb",
                "does not end in /deb12/a.deb",
            ),
            (
                "gs://staging/guest-agent/42/deb12/b.deb",
                "does not end in /deb12/a.deb",
            ),
            (
                "gs://staging/guest-agent/42/xdeb12/a.deb",
                "does not end in /deb12/a.deb",
            ),
        ] {
            let e = check(root, "deb12", "a.deb", url).unwrap_err();
            assert!(e.contains(why), "{url}: {e}");
            assert!(e.contains(url), "{url}: {e}");
            assert!(e.contains("results/deb12.json"), "{url}: {e}");
        }
        let e = check("/s", "deb12", "a.deb", "/s/x/../../etc/deb12/a.deb").unwrap_err();
        assert!(e.contains("not under the stage root file:///s/"), "{e}");
        // The root itself is not a target folder.
        let e = check("/s/deb12", "deb12", "a.deb", "/s/deb12/a.deb").unwrap_err();
        assert!(e.contains("not under"), "{e}");
    }
}
