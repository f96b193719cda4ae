//! repo-tagger --publish: staged artifacts reach the release path only
//! after the tag, create-only, with the manifest last; re-runs converge.

use std::path::{Path, PathBuf};
use std::process::Output;

use testsupport::cli::{run, stderr};
use testsupport::git::GitFixture;

const BIN: &str = env!("CARGO_BIN_EXE_repo-tagger");
const V: &str = "20261127.00";

struct Setup {
    f: GitFixture,
    dir: tempfile::TempDir,
    commit: String,
}

impl Setup {
    /// A pushed commit, a workspace with version and two ok results whose
    /// artifacts are staged in a local bucket folder.
    fn new() -> Setup {
        let f = GitFixture::new();
        let commit = f.commit_and_push("release me");
        let dir = tempfile::tempdir().unwrap();
        let s = Setup { f, dir, commit };
        std::fs::create_dir_all(s.ws()).unwrap();
        std::fs::write(s.ws().join("version"), format!("{V}\n")).unwrap();
        s.stage_result(
            "deb12",
            &[
                ("hello_20261127.00-g1_all.deb", b"deb bytes".as_slice()),
                ("hello_20261127.00.orig.tar.gz", b"orig".as_slice()),
            ],
        );
        s.stage_result(
            "el9",
            &[(
                "hello-20261127.00-g1.el9.noarch.rpm",
                b"rpm bytes".as_slice(),
            )],
        );
        s
    }
    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }
    fn release(&self) -> PathBuf {
        self.dir.path().join("bucket/release")
    }
    fn stage(&self, target: &str) -> PathBuf {
        self.dir.path().join("bucket/staging/7").join(target)
    }
    fn stage_result(&self, target: &str, files: &[(&str, &[u8])]) {
        use sha2::{Digest, Sha256};
        std::fs::create_dir_all(self.stage(target)).unwrap();
        let artifacts: Vec<serde_json::Value> = files
            .iter()
            .map(|(name, bytes)| {
                std::fs::write(self.stage(target).join(name), bytes).unwrap();
                serde_json::json!({
                    "file": name, "sha256": hex::encode(Sha256::digest(bytes)), "size": bytes.len(),
                    "staged_url": format!("file://{}/{name}", self.stage(target).display()),
                    "package": {"name": "hello", "version": "1:20261127.00-g1", "arch": "all", "format": "deb"}
                })
            })
            .collect();
        std::fs::create_dir_all(self.ws().join("results")).unwrap();
        let rec = serde_json::json!({"target": target, "status": "ok", "version": V, "commit": self.commit, "artifacts": artifacts});
        std::fs::write(
            self.ws().join(format!("results/{target}.json")),
            rec.to_string(),
        )
        .unwrap();
    }
    fn tag(&self, extra: &[&str]) -> Output {
        self.tag_to(self.release().to_str().unwrap(), extra)
    }
    fn tag_to(&self, publish: &str, extra: &[&str]) -> Output {
        let ws = self.ws();
        let mut args = vec![
            "--workspace",
            ws.to_str().unwrap(),
            "--expect",
            "deb12,el9",
            "--wait-timeout",
            "5s",
        ];
        args.extend(["--publish", publish]);
        args.extend(extra);
        run(BIN, &self.f.work(), &args, &[("BUILD_ID", "7")])
    }
    fn snapshot_release(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        walk(&self.release(), &self.release(), &mut out);
        out.sort();
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push((
                p.strip_prefix(root).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn publish_after_tag_then_rerun_changes_nothing() {
    let s = Setup::new();
    let o = s.tag(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(s.f.remote_tag_commit(V), Some(s.commit.clone()));
    let first = s.snapshot_release();
    assert_eq!(
        names(&first),
        [
            "20261127.00/SHA256SUMS",
            "20261127.00/deb12/hello_20261127.00-g1_all.deb",
            "20261127.00/deb12/hello_20261127.00.orig.tar.gz",
            "20261127.00/el9/hello-20261127.00-g1.el9.noarch.rpm",
            "20261127.00/manifest.json",
        ]
    );
    let manifest: serde_json::Value = serde_json::from_slice(&first[4].1).unwrap();
    assert_eq!(manifest["commit"], s.commit.as_str());
    assert_eq!(manifest["tag"], V);
    assert_eq!(manifest["build_id"], "7");
    assert_eq!(manifest["artifacts"].as_array().unwrap().len(), 3);
    assert_eq!(
        manifest["artifacts"][0]["path"],
        "deb12/hello_20261127.00-g1_all.deb"
    );
    let sums = String::from_utf8(first[0].1.clone()).unwrap();
    assert!(
        sums.contains("  el9/hello-20261127.00-g1.el9.noarch.rpm\n"),
        "{sums}"
    );

    let o = s.tag(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("already published completely"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.snapshot_release(), first);
}

#[test]
fn interrupted_publish_converges_on_rerun() {
    let s = Setup::new();
    // A previous run tagged, copied one artifact and died before the rest
    // and before the manifest.
    let o = run(BIN, &s.f.work(), &["--version", V], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let partial = s.release().join("20261127.00/deb12");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::copy(
        s.stage("deb12").join("hello_20261127.00-g1_all.deb"),
        partial.join("hello_20261127.00-g1_all.deb"),
    )
    .unwrap();

    let o = s.tag(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 copied, 1 already there"),
        "{}",
        stderr(&o)
    );
    let files = s.snapshot_release();
    assert_eq!(files.len(), 5);
    assert!(names(&files).contains(&"20261127.00/manifest.json"));
}

#[test]
fn a_tag_conflict_publishes_nothing() {
    let s = Setup::new();
    let other = s.f.commit_and_push("another commit");
    s.f.remote_tags(&[V.to_string()], &other);
    let o = s.tag(&["--sha", &s.commit]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(s.snapshot_release().is_empty());
}

#[test]
fn changed_staging_or_a_clobbering_object_stops_before_the_manifest() {
    let s = Setup::new();
    std::fs::write(
        s.stage("el9").join("hello-20261127.00-g1.el9.noarch.rpm"),
        b"tampered",
    )
    .unwrap();
    let o = s.tag(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("staging was changed"), "{}", stderr(&o));
    assert!(!names(&s.snapshot_release()).contains(&"20261127.00/manifest.json"));
    // The tag exists now; the version is incomplete until a re-run.
    assert_eq!(s.f.remote_tag_commit(V), Some(s.commit.clone()));

    let s = Setup::new();
    let dest = s.release().join("20261127.00/el9");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(
        dest.join("hello-20261127.00-g1.el9.noarch.rpm"),
        b"different bytes",
    )
    .unwrap();
    let o = s.tag(&[]);
    // A conflict, as for a tag on another commit (this was exit 1).
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("re-run repo-tagger"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(dest.join("hello-20261127.00-g1.el9.noarch.rpm")).unwrap(),
        b"different bytes"
    );
    assert!(!names(&s.snapshot_release()).contains(&"20261127.00/manifest.json"));
}

#[test]
fn a_published_object_with_other_bytes_is_a_conflict_naming_it_and_what_to_do() {
    let s = Setup::new();
    let dest = s.release().join("20261127.00/deb12");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join("hello_20261127.00-g1_all.deb"), b"other bytes").unwrap();
    let o = s.tag(&[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    let object = format!(
        "file://{}/hello_20261127.00-g1_all.deb already exists with different content",
        dest.display()
    );
    assert!(err.contains(&object), "{err}");
    assert!(
        err.contains("published objects are never overwritten"),
        "{err}"
    );
    assert!(
        err.contains("remove it by hand and re-run repo-tagger with the same options"),
        "{err}"
    );
    assert!(
        err.contains("otherwise build and release a new version"),
        "{err}"
    );
    // Not the generic hint: re-running as is meets the same object.
    assert!(!err.contains("to finish"), "{err}");
    assert_eq!(
        std::fs::read(dest.join("hello_20261127.00-g1_all.deb")).unwrap(),
        b"other bytes"
    );
    assert!(!names(&s.snapshot_release()).contains(&"20261127.00/manifest.json"));
    // The tag stays: the conflict is on the release path only.
    assert_eq!(s.f.remote_tag_commit(V), Some(s.commit.clone()));
}

#[test]
fn a_manifest_of_another_commit_is_a_conflict() {
    let s = Setup::new();
    let dest = s.release().join("20261127.00");
    std::fs::create_dir_all(&dest).unwrap();
    let other = "0".repeat(40);
    let manifest = serde_json::json!({
        "version": V, "tag": V, "commit": other, "artifacts": []
    });
    std::fs::write(dest.join("manifest.json"), manifest.to_string()).unwrap();
    let o = s.tag(&[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "manifest.json is already published from commit {other}, not {}",
            s.commit
        )),
        "{err}"
    );
    assert!(err.contains("check that --publish"), "{err}");
    assert_eq!(names(&s.snapshot_release()), ["20261127.00/manifest.json"]);
}

#[test]
fn a_publish_store_that_cannot_be_set_up_is_a_failure_not_a_usage_error() {
    let s = Setup::new();
    // A service account file the GCS client cannot use.
    let creds = s.dir.path().join("sa.json");
    std::fs::write(&creds, r#"{"type": "service_account"}"#).unwrap();
    let ws = s.ws();
    let o = run(
        BIN,
        &s.f.work(),
        &[
            "--workspace",
            ws.to_str().unwrap(),
            "--expect",
            "deb12,el9",
            "--wait-timeout",
            "5s",
            "--publish",
            "gs://releases/guest-agent",
        ],
        &[("GOOGLE_APPLICATION_CREDENTIALS", creds.to_str().unwrap())],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot open the release path given with --publish: cannot set up the store gs://releases/guest-agent"),
        "{err}"
    );
    assert!(err.contains("check the URL and the credentials"), "{err}");
    assert!(err.contains("nothing is tagged"), "{err}");
    assert!(s.f.remote_tag_names().is_empty());
}

#[test]
fn publish_needs_expect_and_a_known_scheme() {
    let s = Setup::new();
    let o = run(
        BIN,
        &s.f.work(),
        &["--version", V, "--publish", "/tmp/x"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = s.tag_to("ftp://nowhere/x", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("unknown store"), "{}", stderr(&o));
    assert!(
        s.f.remote_tag_names().is_empty(),
        "nothing tagged on a bad publish URL"
    );
}
