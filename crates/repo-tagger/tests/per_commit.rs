//! One release per commit across re-runs, pods and days (issue 14): the
//! workspace in a store keyed by the commit, the version claimed there once,
//! re-runs converging on the first run's builds and tag. Real binaries
//! (version-gen, packagebuild-googet on examples/shell-tool, repo-tagger)
//! with the git forge, on a file:// workspace, moto S3 and the fake GCS.

use std::path::{Path, PathBuf};
use std::process::Output;

use testsupport::cli::{run, stderr, stdout, workspace_bins};
use testsupport::git::{GitFixture, git};

/// One day after the version's; the clock of these runs is real, so every
/// version is computed for an explicit `--date`.
const DAY: &str = "20261127";
const NEXT_DAY: &str = "20261128";

/// A repository at a commit and a workspace for it in one of the stores.
struct Chain {
    f: GitFixture,
    dir: tempfile::TempDir,
    commit: String,
    /// The workspace URL (`.../commits/<sha>`).
    ws: String,
    /// Environment for the store (moto's AWS variables, GCS credentials).
    env: Vec<(String, String)>,
    bins: PathBuf,
    _servers: Servers,
}

#[derive(Default)]
struct Servers {
    _moto: Option<testsupport::moto::MotoServer>,
    _gcs: Option<testsupport::gcs::FakeGcs>,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    File,
    S3,
    Gcs,
}

impl Chain {
    fn new(kind: Kind) -> Chain {
        let f = GitFixture::from_example("shell-tool");
        let commit = f.head();
        let dir = tempfile::tempdir().unwrap();
        let mut env = Vec::new();
        let mut servers = Servers::default();
        let base = match kind {
            Kind::File => format!("file://{}/bucket", dir.path().display()),
            Kind::S3 => {
                let moto = testsupport::moto::MotoServer::start().expect("moto (run `make deps`)");
                moto.create_bucket("staging");
                env.extend(moto.env().into_iter().map(|(k, v)| (k.to_owned(), v)));
                servers._moto = Some(moto);
                "s3://staging".to_owned()
            }
            Kind::Gcs => {
                let gcs = testsupport::gcs::FakeGcs::spawn().unwrap();
                let sa = dir.path().join("sa.json");
                std::fs::write(&sa, gcs.service_account_json()).unwrap();
                env.push((
                    "GOOGLE_APPLICATION_CREDENTIALS".into(),
                    sa.display().to_string(),
                ));
                servers._gcs = Some(gcs);
                "gs://staging".to_owned()
            }
        };
        let ws = format!("{base}/shell-tool/commits/{commit}");
        let bins = workspace_bins(&["version-gen", "packagebuild-googet", "repo-tagger"]);
        Chain {
            f,
            dir,
            commit,
            ws,
            env,
            bins,
            _servers: servers,
        }
    }

    fn tool(&self, tool: &str, build_id: &str, args: &[&str]) -> Output {
        let mut env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.push(("BUILD_ID", build_id));
        let bin = self.bins.join(tool);
        run(bin.to_str().unwrap(), &self.f.work(), args, &env)
    }

    fn remote(&self) -> String {
        self.f.remote().display().to_string()
    }

    fn version_gen(&self, build_id: &str, day: &str) -> Output {
        let remote = self.remote();
        self.tool(
            "version-gen",
            build_id,
            &[
                "--forge",
                "git",
                "--remote",
                &remote,
                "--workspace",
                &self.ws,
                "--sha",
                &self.commit,
                "--date",
                day,
            ],
        )
    }

    fn stage(&self, build_id: &str, target: &str) -> String {
        format!(
            "file://{}/stage/{build_id}/{target}",
            self.dir.path().display()
        )
    }

    /// packagebuild-googet for `target`; `bad` gives it a spec that does not
    /// exist, so that it fails.
    fn build(&self, build_id: &str, target: &str, bad: bool) -> Output {
        let stage = self.stage(build_id, target);
        let mut args = vec![
            "--workspace",
            &self.ws,
            "--target",
            target,
            "--stage",
            &stage,
            "--wait-timeout",
            "60s",
        ];
        if bad {
            args.push("packaging/googet/missing.goospec");
        }
        self.tool("packagebuild-googet", build_id, &args)
    }

    fn tag(&self, build_id: &str, expect: &str, day: &str) -> Output {
        let remote = self.remote();
        let release = self.release().display().to_string();
        let stage_root = format!("file://{}/stage", self.dir.path().display());
        self.tool(
            "repo-tagger",
            build_id,
            &[
                "--forge",
                "git",
                "--remote",
                &remote,
                "--workspace",
                &self.ws,
                "--sha",
                &self.commit,
                "--expect",
                expect,
                "--verify-next",
                "--date",
                day,
                "--wait-timeout",
                "60s",
                "--publish",
                &release,
                "--stage-root",
                &stage_root,
            ],
        )
    }

    fn release(&self) -> PathBuf {
        self.dir.path().join("release")
    }

    /// The whole job of one run: version, the build, the tag and publish.
    fn job(&self, build_id: &str, day: &str) -> (String, Output, Output) {
        let v = self.version_gen(build_id, day);
        assert!(v.status.success(), "version-gen: {}", stderr(&v));
        let b = self.build(build_id, "goo", false);
        assert!(b.status.success(), "build: {}", stderr(&b));
        let t = self.tag(build_id, "goo", day);
        (stdout(&v).trim().to_owned(), b, t)
    }

    fn tags_on_commit(&self) -> Vec<String> {
        git(&self.f.remote(), &["tag", "--points-at", &self.commit])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The claims folder of a file:// workspace.
    fn claims(&self) -> Vec<String> {
        let dir = Path::new(self.ws.strip_prefix("file://").unwrap()).join("claims");
        testsupport::cli::files(&dir)
    }
}

fn concurrent_claims_agree(kind: Kind) {
    let c = Chain::new(kind);
    let versions: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..8)
            .map(|i| {
                let c = &c;
                s.spawn(move || c.version_gen(&format!("run-{i}"), DAY))
            })
            .collect();
        runs.into_iter()
            .map(|h| {
                let o = h.join().unwrap();
                assert!(o.status.success(), "{kind:?}: {}", stderr(&o));
                stdout(&o).trim().to_owned()
            })
            .collect()
    });
    assert_eq!(versions.len(), 8);
    assert!(
        versions.iter().all(|v| *v == versions[0]),
        "{kind:?}: 8 runs for one commit gave {versions:?}"
    );
    assert_eq!(versions[0], format!("{DAY}.00"));
}

/// Eight version-gen runs racing for one commit's claim agree on one
/// version, on each store.
#[test]
fn eight_concurrent_runs_for_one_commit_claim_one_version() {
    concurrent_claims_agree(Kind::File);
    let c = Chain::new(Kind::File);
    let _ = c.version_gen("a", DAY);
    let _ = c.version_gen("b", DAY);
    assert_eq!(
        c.claims(),
        vec!["0000.json"],
        "one claim, whatever the runs"
    );
}

#[test]
fn eight_concurrent_runs_claim_one_version_on_s3() {
    concurrent_claims_agree(Kind::S3);
}

#[test]
fn eight_concurrent_runs_claim_one_version_on_gcs() {
    concurrent_claims_agree(Kind::Gcs);
}

/// The tagger died between the tag and the manifest: a whole new run (a new
/// pod, a new BUILD_ID) of the same commit finds the claim, builds nothing,
/// finds its tag and writes the manifest. One tag on the commit.
#[test]
fn a_rerun_after_a_crash_between_tag_and_manifest_completes_the_same_release() {
    let c = Chain::new(Kind::File);
    let (v1, _, t1) = c.job("1001", DAY);
    assert!(t1.status.success(), "{}", stderr(&t1));
    let manifest = c.release().join(&v1).join("manifest.json");
    let complete = std::fs::read(&manifest).unwrap();
    // What a kill between the tag and the manifest leaves: the tag, the
    // copies, no manifest.
    std::fs::remove_file(&manifest).unwrap();

    let (v2, b2, t2) = c.job("1002", DAY);
    assert_eq!(v2, v1, "the re-run releases the claimed version");
    assert!(
        stderr(&b2).contains("already has an ok result for"),
        "the build is not done again: {}",
        stderr(&b2)
    );
    assert!(t2.status.success(), "{}", stderr(&t2));
    assert!(stderr(&t2).contains("already points at"), "{}", stderr(&t2));
    let again: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let first: serde_json::Value = serde_json::from_slice(&complete).unwrap();
    assert_eq!(
        again["artifacts"], first["artifacts"],
        "the same, complete manifest"
    );
    assert_eq!(c.tags_on_commit(), vec![v1]);
}

/// A re-run the next day keeps the commit's version, and --verify-next
/// accepts it: it is this commit's claim, and no other commit holds its tag.
#[test]
fn a_rerun_the_next_day_keeps_the_version() {
    let c = Chain::new(Kind::File);
    let v = c.version_gen("2001", DAY);
    assert!(v.status.success(), "{}", stderr(&v));
    let b = c.build("2001", "goo", true);
    assert!(!b.status.success(), "the first build fails");
    let t = c.tag("2001", "goo", DAY);
    assert!(!t.status.success());
    assert!(c.tags_on_commit().is_empty());

    let (v2, _, t2) = c.job("2002", NEXT_DAY);
    assert_eq!(v2, format!("{DAY}.00"), "the next day, the claimed version");
    assert!(t2.status.success(), "{}", stderr(&t2));
    assert!(stderr(&t2).contains("is claimed for"), "{}", stderr(&t2));
    assert_eq!(c.tags_on_commit(), vec![format!("{DAY}.00")]);
    assert!(
        c.release()
            .join(format!("{DAY}.00/manifest.json"))
            .is_file()
    );
}

/// One of two targets fails: nothing is tagged; the re-run rebuilds only the
/// failed one and completes the release.
#[test]
fn a_failed_build_tags_nothing_and_its_rerun_completes_the_release() {
    let c = Chain::new(Kind::File);
    let v = c.version_gen("3001", DAY);
    assert!(v.status.success(), "{}", stderr(&v));
    assert!(c.build("3001", "goo", false).status.success());
    assert!(!c.build("3001", "goo-b", true).status.success());
    let t = c.tag("3001", "goo,goo-b", DAY);
    assert!(!t.status.success());
    assert!(stderr(&t).contains("build goo-b failed"), "{}", stderr(&t));
    assert!(c.tags_on_commit().is_empty(), "nothing is tagged");

    assert!(c.version_gen("3002", DAY).status.success());
    let again = c.build("3002", "goo", false);
    assert!(
        stderr(&again).contains("already has an ok result for"),
        "{}",
        stderr(&again)
    );
    let fixed = c.build("3002", "goo-b", false);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(
        stderr(&fixed).contains("goo-b failed before (run 3001): building it again"),
        "{}",
        stderr(&fixed)
    );
    let t = c.tag("3002", "goo,goo-b", DAY);
    assert!(t.status.success(), "{}", stderr(&t));
    assert_eq!(c.tags_on_commit(), vec![format!("{DAY}.00")]);
}

/// A claim is not a tag: commit A claimed N and failed, commit B released N;
/// a re-run of A claims the next version (claims/0001.json) and says so.
#[test]
fn a_claim_whose_tag_another_commit_took_is_replaced_by_the_next_version() {
    let c = Chain::new(Kind::File);
    let v = c.version_gen("4001", DAY);
    assert_eq!(stdout(&v).trim(), format!("{DAY}.00"));
    // Commit B takes DAY.00.
    let b = c.f.commit_and_push("another commit");
    git(&c.f.work(), &["tag", &format!("{DAY}.00"), &b]);
    git(
        &c.f.work(),
        &["push", "--quiet", "origin", &format!("{DAY}.00")],
    );

    let again = c.version_gen("4002", DAY);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again).trim(), format!("{DAY}.01"));
    assert!(
        stderr(&again).contains("was tagged on"),
        "{}",
        stderr(&again)
    );
    assert_eq!(c.claims(), vec!["0000.json", "0001.json"]);
    // Later runs keep the new claim.
    assert_eq!(
        stdout(&c.version_gen("4003", NEXT_DAY)).trim(),
        format!("{DAY}.01")
    );
}

/// A store workspace needs the run's name.
#[test]
fn a_store_workspace_without_build_id_is_refused() {
    let c = Chain::new(Kind::File);
    let remote = c.remote();
    let o = run(
        c.bins.join("version-gen").to_str().unwrap(),
        &c.f.work(),
        &[
            "--forge",
            "git",
            "--remote",
            &remote,
            "--workspace",
            &c.ws,
            "--date",
            DAY,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("but BUILD_ID is not set"),
        "{}",
        stderr(&o)
    );
}
