//! repo-tagger --publish: staged artifacts reach the release path only
//! after the tag, create-only, with the manifest last; re-runs converge.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
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
                (
                    "hello_20261127.00-g1_all.deb",
                    common::deb("hello", "1:20261127.00-g1", "all", b"deb bytes"),
                    Some(deb_package()),
                ),
                ("hello_20261127.00.orig.tar.gz", b"orig".to_vec(), None),
            ],
        );
        s.stage_result(
            "el9",
            &[(
                "hello-20261127.00-g1.el9.noarch.rpm",
                common::rpm("hello", "20261127.00", "g1.el9", "noarch", b"rpm bytes"),
                Some(json!({"name": "hello", "version": "20261127.00-g1.el9", "arch": "noarch", "format": "rpm"})),
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
    /// Where this repository's builders stage (`--stage-root`).
    fn stage_root(&self) -> PathBuf {
        self.dir.path().join("bucket/staging/hello")
    }
    fn stage(&self, target: &str) -> PathBuf {
        self.stage_root().join("7").join(target)
    }
    /// Stages the files as a builder does and writes its record: the
    /// package recorded is the one in the file, or None for other files.
    fn stage_result(&self, target: &str, files: &[(&str, Vec<u8>, Option<Value>)]) {
        std::fs::create_dir_all(self.stage(target)).unwrap();
        let artifacts: Vec<Value> = files
            .iter()
            .map(|(name, bytes, package)| {
                let path = self.stage(target).join(name);
                std::fs::write(&path, bytes).unwrap();
                artifact(
                    name,
                    bytes,
                    &format!("file://{}", path.display()),
                    package.clone(),
                )
            })
            .collect();
        self.write_record(target, json!({"target": target, "status": "ok", "version": V, "commit": self.commit, "artifacts": artifacts}));
    }
    fn write_record(&self, target: &str, rec: Value) {
        std::fs::create_dir_all(self.ws().join("results")).unwrap();
        std::fs::write(
            self.ws().join(format!("results/{target}.json")),
            rec.to_string(),
        )
        .unwrap();
    }
    fn record(&self, target: &str) -> Value {
        read_json(&self.ws().join(format!("results/{target}.json")))
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
        let root = self.stage_root();
        args.extend(["--publish", publish, "--stage-root", root.to_str().unwrap()]);
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

fn deb_package() -> Value {
    json!({"name": "hello", "version": "1:20261127.00-g1", "arch": "all", "format": "deb"})
}

fn artifact(name: &str, bytes: &[u8], url: &str, package: Option<Value>) -> Value {
    use sha2::{Digest, Sha256};
    let mut a = json!({
        "file": name, "sha256": hex::encode(Sha256::digest(bytes)), "size": bytes.len(),
        "staged_url": url,
    });
    if let Some(p) = package {
        a["package"] = p;
    }
    a
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
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
            "--stage-root",
            "gs://staging/guest-agent",
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

/// Refused before tagging: exit 1, no tag, tag.json failed with the error.
fn assert_refused_before_tagging(s: &Setup, o: &Output, says: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for text in says {
        assert!(err.contains(text), "{text:?} not in: {err}");
    }
    assert!(err.contains("nothing is tagged"), "{err}");
    assert!(s.f.remote_tag_names().is_empty(), "tagged: {err}");
    assert!(s.snapshot_release().is_empty());
    let rec = read_json(&s.ws().join("tag.json"));
    assert_eq!(rec["status"], "failed");
    for text in says {
        assert!(
            rec["error"].as_str().unwrap().contains(text),
            "{text:?} not in tag.json: {rec}"
        );
    }
    rec.to_string()
}

#[test]
fn a_record_naming_another_repository_s_staged_package_is_refused_before_tagging() {
    let s = Setup::new();
    // The other repository's builder staged a real package, sha and all.
    let other = s.dir.path().join("bucket/staging/osconfig/9/deb12");
    std::fs::create_dir_all(&other).unwrap();
    let name = "hello_20261127.00-g1_all.deb";
    let bytes = common::deb("hello", "1:20261127.00-g1", "all", b"another repository");
    std::fs::write(other.join(name), &bytes).unwrap();
    for url in [
        format!("file://{}/{name}", other.display()),
        // `..` does not escape the stage root.
        format!(
            "{}/7/deb12/../../../osconfig/9/deb12/{name}",
            s.stage_root().display()
        ),
    ] {
        let mut rec = s.record("deb12");
        rec["artifacts"] = json!([artifact(name, &bytes, &url, Some(deb_package()))]);
        s.write_record("deb12", rec);
        let o = s.tag(&[]);
        let root = format!(
            "not under the stage root file://{}/",
            s.stage_root().display()
        );
        assert_refused_before_tagging(&s, &o, &["results/deb12.json", &url, &root]);
    }
}

#[test]
fn a_record_naming_a_local_file_outside_the_stage_root_is_refused_before_tagging_without_its_hash()
{
    use sha2::{Digest, Sha256};
    let s = Setup::new();
    let secret = b"root:x:0:0:root:/root:/bin/bash\n";
    let sha = hex::encode(Sha256::digest(secret));
    let dir = s.dir.path().join("etc/deb12");
    std::fs::create_dir_all(&dir).unwrap();
    let name = "hello_20261127.00-g1_all.deb";
    // Named as the artifact (in a folder named after the target), and
    // as a bare path (/etc/passwd renamed .deb).
    std::fs::write(dir.join(name), secret).unwrap();
    std::fs::write(s.dir.path().join("etc/passwd"), secret).unwrap();
    for (url, why) in [
        (
            format!("file://{}/{name}", dir.display()),
            "not under the stage root",
        ),
        (
            s.dir.path().join("etc/passwd").display().to_string(),
            "not under the stage root",
        ),
    ] {
        let mut rec = s.record("deb12");
        // A recorded sha that differs: the old error then told the file's.
        rec["artifacts"] = json!([artifact(name, b"forged", &url, Some(deb_package()))]);
        s.write_record("deb12", rec);
        let o = s.tag(&[]);
        let text = assert_refused_before_tagging(&s, &o, &["results/deb12.json", &url, why]);
        for leak in [text.as_str(), &stderr(&o)] {
            assert!(!leak.contains(&sha), "the file's sha256 leaked: {leak}");
            assert!(
                !leak.contains("root:x:0"),
                "the file's contents leaked: {leak}"
            );
        }
    }
    // A name the record does not give is refused the same way.
    let mut rec = s.record("deb12");
    let url = format!("{}/7/deb12/other.deb", s.stage_root().display());
    rec["artifacts"] = json!([artifact(name, b"forged", &url, Some(deb_package()))]);
    s.write_record("deb12", rec);
    let o = s.tag(&[]);
    assert_refused_before_tagging(&s, &o, &[&url, &format!("does not end in /deb12/{name}")]);
}

#[test]
fn an_artifact_staged_in_another_target_s_folder_is_refused_before_tagging() {
    let s = Setup::new();
    let el9 = s.record("el9");
    let mut rec = s.record("deb12");
    rec["artifacts"] = el9["artifacts"].clone();
    s.write_record("deb12", rec);
    let o = s.tag(&[]);
    assert_refused_before_tagging(
        &s,
        &o,
        &[
            "results/deb12.json",
            "does not end in /deb12/hello-20261127.00-g1.el9.noarch.rpm",
        ],
    );
}

#[test]
fn a_record_without_commit_is_refused() {
    let s = Setup::new();
    let mut rec = s.record("el9");
    rec.as_object_mut().unwrap().remove("commit");
    s.write_record("el9", rec);
    let o = s.tag(&[]);
    assert_refused_before_tagging(
        &s,
        &o,
        &[&format!(
            "build el9's record (results/el9.json) names no commit, so it cannot be shown to be built from {}",
            s.commit
        )],
    );
}

#[test]
fn a_record_of_another_target_is_refused() {
    let s = Setup::new();
    // el9's own record, copied to deb12's file name.
    s.write_record("deb12", s.record("el9"));
    let o = s.tag(&[]);
    assert_refused_before_tagging(
        &s,
        &o,
        &["results/deb12.json is the record of build el9, not deb12"],
    );
    // A record whose target names no expected build.
    let mut rec = s.record("el9");
    rec["target"] = "el8".into();
    s.write_record("el9", rec);
    s.stage_result(
        "deb12",
        &[(
            "hello_20261127.00-g1_all.deb",
            common::deb("hello", "1:20261127.00-g1", "all", b"x"),
            Some(deb_package()),
        )],
    );
    let o = s.tag(&[]);
    assert_refused_before_tagging(
        &s,
        &o,
        &["results/el9.json is the record of build el8, not el9"],
    );
}

#[test]
fn a_staged_package_that_is_not_the_recorded_one_publishes_nothing() {
    let s = Setup::new();
    let name = "hello_20261127.00-g1_all.deb";
    // Staged under the right name and recorded with its real sha256, but
    // the package in it is another.
    s.stage_result(
        "deb12",
        &[(
            name,
            common::deb("evil", "2:99-1", "amd64", b"x"),
            Some(deb_package()),
        )],
    );
    let o = s.tag(&[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let url = format!("file://{}/{name}", s.stage("deb12").display());
    assert!(
        err.contains(&format!(
            "build deb12's record (results/deb12.json) says {url} is hello 1:20261127.00-g1 (all, deb), but the file is evil 2:99-1 (amd64, deb)"
        )),
        "{err}"
    );
    assert!(s.snapshot_release().is_empty(), "published: {err}");
    assert_eq!(read_json(&s.ws().join("tag.json"))["status"], "failed");

    // The same version with another name.
    s.stage_result(
        "deb12",
        &[(
            name,
            common::deb("hello", "1:20261127.01-g1", "all", b"x"),
            Some(deb_package()),
        )],
    );
    let o = s.tag(&[]);
    assert!(
        stderr(&o).contains("but the file is hello 1:20261127.01-g1 (all, deb)"),
        "{}",
        stderr(&o)
    );
    assert!(s.snapshot_release().is_empty());

    // Not a package at all, and a package recorded as none.
    s.stage_result(
        "deb12",
        &[(name, b"not a deb".to_vec(), Some(deb_package()))],
    );
    let o = s.tag(&[]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "names {url}, which cannot be read back as a package: not an ar archive"
        )),
        "{err}"
    );
    s.stage_result(
        "deb12",
        &[(
            name,
            common::deb("hello", "1:20261127.00-g1", "all", b"x"),
            None,
        )],
    );
    let o = s.tag(&[]);
    assert!(
        stderr(&o).contains("is not a package, but the file is hello 1:20261127.00-g1 (all, deb)"),
        "{}",
        stderr(&o)
    );
    assert!(s.snapshot_release().is_empty());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn publish_without_stage_root_is_a_usage_error_before_tagging() {
    let s = Setup::new();
    let ws = s.ws();
    let release = s.release();
    let o = run(
        BIN,
        &s.f.work(),
        &[
            "--workspace",
            ws.to_str().unwrap(),
            "--expect",
            "deb12,el9",
            "--publish",
            release.to_str().unwrap(),
        ],
        &[("STAGE_ROOT", "")],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--publish needs --stage-root URL (or STAGE_ROOT)"),
        "{err}"
    );
    assert!(s.f.remote_tag_names().is_empty());
    assert_eq!(read_json(&s.ws().join("tag.json"))["status"], "failed");
    // STAGE_ROOT is read as --stage-root.
    let root = s.stage_root();
    let o = run(
        BIN,
        &s.f.work(),
        &[
            "--workspace",
            ws.to_str().unwrap(),
            "--expect",
            "deb12,el9",
            "--publish",
            release.to_str().unwrap(),
        ],
        &[("STAGE_ROOT", root.to_str().unwrap())],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(s.snapshot_release().len(), 5);
}

/// Publishing streams: an artifact several times larger than the bound
/// leaves the tagger's peak resident memory (VmHWM, logged with -v) under
/// it. Reading whole artifacts held each in memory.
#[test]
fn publishing_a_large_artifact_does_not_hold_it_in_memory() {
    const MIB: usize = 1 << 20;
    const SIZE: usize = 192 * MIB;
    // Two 8 MiB parts in flight plus the process itself: 37 MiB measured
    // in a debug build (25 in release, docs/reliability.md); reading whole
    // artifacts took 192.
    const BOUND_KB: u64 = 48 * 1024;
    let s = Setup::new();
    let name = "hello_20261127.00.orig.tar.gz";
    let path = s.stage("deb12").join(name);
    // Varied bytes (a counter), so no layer can shortcut them.
    let mut big = Vec::with_capacity(SIZE);
    for i in 0..(SIZE / 8) as u64 {
        big.extend_from_slice(&i.to_le_bytes());
    }
    let mut rec = s.record("deb12");
    rec["artifacts"][1] = artifact(name, &big, &format!("file://{}", path.display()), None);
    std::fs::write(&path, &big).unwrap();
    drop(big);
    s.write_record("deb12", rec);

    let o = s.tag(&["-v"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let published = s.release().join("20261127.00/deb12").join(name);
    assert_eq!(std::fs::metadata(&published).unwrap().len(), SIZE as u64);
    let peak: u64 = err
        .lines()
        .find_map(|l| l.split("peak resident memory: ").nth(1))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory logged: {err}"));
    eprintln!("peak resident memory: {peak} kB");
    assert!(
        peak < BOUND_KB,
        "peak resident memory {peak} kB for a {} MiB artifact",
        SIZE / MIB
    );
}
