//! One repository, its forge and its bucket, and release runs against them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use rand::Rng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};
use store::{GcsServiceAccount, Store, StoreOptions};
use testsupport::gcs::FakeGcs;
use testsupport::git::git;
use testsupport::github::{FakeConfig, FakeGitHub, FakeRepo, Fault};
use tokio::process::{Child, Command};

const OWNER: &str = "stress";
const REPO: &str = "repo";
const TOKEN: &str = "stress-token";
/// Every run versions for the same UTC day, so build numbers pass 99.
const DAY: &str = "20261127";

/// Faults of one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunFaults {
    /// Kill the builder this long after it starts.
    pub kill_builder: Option<Duration>,
    /// Kill the tagger as soon as the tag exists.
    pub kill_tagger_after_tag: bool,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// Tagged and published.
    Published,
    /// Another run took the version (exit 3): re-run.
    Conflict,
    /// Something failed before the tag: re-run.
    Failed(String),
}

/// The shared world of one stress pass.
#[derive(Clone)]
pub struct World(Arc<Inner>);

struct Inner {
    dir: tempfile::TempDir,
    remote: PathBuf,
    commits: Vec<String>,
    github: Option<FakeGitHub>,
    gcs: Option<FakeGcs>,
    gcs_creds: PathBuf,
    token_file: PathBuf,
    bin_dir: PathBuf,
    attempts: AtomicUsize,
    /// Every run of a commit shares one store workspace keyed by it, and a
    /// failed attempt is re-run whole (a fresh pod), two jobs at once.
    per_commit: bool,
}

impl World {
    /// A repository with `commits` commits (one per run) pushed to a bare
    /// remote; with `github`, the fake GitHub and fake GCS too.
    pub async fn new(
        github: bool,
        commits: usize,
        bin_dir: PathBuf,
        _seed: u64,
        per_commit: bool,
    ) -> anyhow::Result<World> {
        let dir = tempfile::Builder::new()
            .prefix("release-stress-")
            .tempdir()?;
        let work = dir.path().join("work");
        let example = testsupport::git::examples_dir().join("shell-tool");
        testsupport::git::copy_dir(&example, &work);
        git(
            dir.path(),
            &[
                "init",
                "--quiet",
                "--initial-branch=master",
                work.to_str().unwrap(),
            ],
        );
        git(&work, &["add", "-A"]);
        let mut shas = Vec::with_capacity(commits);
        for i in 0..commits {
            std::fs::write(work.join("CHANGES"), format!("change {i}\n"))?;
            git(&work, &["add", "-A"]);
            git(&work, &["commit", "--quiet", "-m", &format!("change {i}")]);
            shas.push(git(&work, &["rev-parse", "HEAD"]).trim().to_owned());
        }
        let remote = dir.path().join("remote.git");
        git(
            dir.path(),
            &[
                "clone",
                "--quiet",
                "--bare",
                work.to_str().unwrap(),
                remote.to_str().unwrap(),
            ],
        );
        let (gh, gcs) = if github {
            let gh = FakeGitHub::start(FakeConfig {
                token: TOKEN.into(),
                repos: vec![FakeRepo {
                    owner: OWNER.into(),
                    repo: REPO.into(),
                    commits: shas.clone(),
                    tags: vec![],
                }],
            })
            .await?;
            (Some(gh), Some(FakeGcs::start().await?))
        } else {
            (None, None)
        };
        let gcs_creds = dir.path().join("creds.json");
        if let Some(g) = &gcs {
            std::fs::write(&gcs_creds, g.service_account_json())?;
        }
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, TOKEN)?;
        Ok(World(Arc::new(Inner {
            dir,
            remote,
            commits: shas,
            github: gh,
            gcs,
            gcs_creds,
            token_file,
            bin_dir,
            attempts: AtomicUsize::new(0),
            per_commit,
        })))
    }

    fn forge_args(&self) -> Vec<String> {
        match &self.0.github {
            Some(gh) => vec![
                "--forge".into(),
                "github".into(),
                "--owner".into(),
                OWNER.into(),
                "--repo".into(),
                REPO.into(),
                "--api-url".into(),
                gh.url(),
                "--token-file".into(),
                self.0.token_file.display().to_string(),
            ],
            None => vec!["--remote".into(), self.0.remote.display().to_string()],
        }
    }

    fn bucket(&self) -> String {
        match &self.0.gcs {
            Some(_) => "gs://stress-bucket".into(),
            None => self.0.dir.path().join("bucket").display().to_string(),
        }
    }

    fn command(&self, tool: &str, cwd: &Path) -> Command {
        let mut c = Command::new(self.0.bin_dir.join(tool));
        c.current_dir(cwd)
            .env("GOOGLE_APPLICATION_CREDENTIALS", &self.0.gcs_creds)
            .env_remove("GITHUB_TOKEN")
            .env_remove("RELEASE_WORKSPACE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    /// repo-tagger for the run with workspace `ws` on commit `sha`,
    /// publishing to the bucket's release path.
    fn tagger(&self, ws: &str, sha: &str) -> Command {
        let mut c = self.command("repo-tagger", self.0.dir.path());
        c.args(self.forge_args()).arg("--workspace").arg(ws).args([
            "--expect",
            "goo",
            "--sha",
            sha,
            "--publish",
            &format!("{}/release", self.bucket()),
            // Where release() has the builder stage.
            "--stage-root",
            &format!("{}/staging", self.bucket()),
            "-q",
        ]);
        c
    }

    /// The workspace of attempt `attempt` of commit `sha`: its own folder,
    /// or the commit's store workspace (a file:// URL, or on the fake GCS).
    fn workspace(&self, run: usize, attempt: usize, sha: &str) -> String {
        match (self.0.per_commit, &self.0.gcs) {
            (false, _) => self
                .0
                .dir
                .path()
                .join(format!("ws/{run}-{attempt}"))
                .display()
                .to_string(),
            (true, Some(_)) => format!("{}/ws/commits/{sha}", self.bucket()),
            (true, None) => format!("file://{}/ws/commits/{sha}", self.bucket()),
        }
    }

    /// The version file attempt `build_id` reads, as a local path when the
    /// workspace is a folder, else read through the store.
    async fn run_version(&self, ws: &str, build_id: &str) -> anyhow::Result<String> {
        if !self.0.per_commit {
            return Ok(std::fs::read_to_string(Path::new(ws).join("version")).unwrap_or_default());
        }
        Ok(self
            .store(ws)?
            .get(&format!("runs/{build_id}/version"))
            .await
            .ok()
            .flatten()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default())
    }

    /// The store at `url` as the harness reads it (the fake GCS's
    /// credentials when there is one, no progress bars).
    fn store(&self, url: &str) -> anyhow::Result<Store> {
        let opts = StoreOptions {
            gcs_service_account: self
                .0
                .gcs
                .as_ref()
                .map(|_| GcsServiceAccount::File(self.0.gcs_creds.clone())),
            progress: store::Progress::Never,
            ..StoreOptions::default()
        };
        Ok(Store::open(url, &opts)?)
    }

    /// One release run of commit `run`, its three steps started at once;
    /// with a per-commit workspace, two such jobs of the commit at once (the
    /// amd64 and arm64 jobs of one merge).
    pub async fn release(&self, run: usize, faults: RunFaults) -> anyhow::Result<Outcome> {
        if !self.0.per_commit {
            return self.job(run, faults).await;
        }
        // The same faults in both jobs: a kill of both makes the next
        // attempt a whole-job re-run of a commit that may hold its tag.
        let (a, b) = tokio::join!(self.job(run, faults), self.job(run, faults));
        Ok(match (a?, b?) {
            (Outcome::Published, _) | (_, Outcome::Published) => Outcome::Published,
            (Outcome::Conflict, _) | (_, Outcome::Conflict) => Outcome::Conflict,
            (Outcome::Failed(why), _) => Outcome::Failed(why),
        })
    }

    /// One job of commit `run`.
    async fn job(&self, run: usize, faults: RunFaults) -> anyhow::Result<Outcome> {
        let attempt = self.0.attempts.fetch_add(1, Ordering::SeqCst);
        let sha = self.0.commits[run].clone();
        let w = self.workspace(run, attempt, &sha);
        if !self.0.per_commit {
            std::fs::create_dir_all(&w)?;
        }
        let build_id = format!("{run}-{attempt}");
        let bucket = self.bucket();

        let mut vg = self.command("version-gen", self.0.dir.path());
        vg.args(self.forge_args())
            .args(["--date", DAY, "--workspace", &w, "--sha", &sha, "-q"]);
        let mut builder = self.command("packagebuild-googet", self.0.dir.path());
        builder
            .args(["--workspace", &w, "--target", "goo", "--repo-url"])
            .arg(&self.0.remote)
            .args([
                "--ref",
                &sha,
                "--stage",
                &format!("{bucket}/staging/{run}-{attempt}/goo"),
                "-q",
            ]);
        let mut tagger = self.tagger(&w, &sha);
        tagger.args(["--verify-next", "--date", DAY, "--wait-timeout", "60s"]);
        for c in [&mut vg, &mut builder, &mut tagger] {
            c.env("BUILD_ID", &build_id);
        }

        let mut vg = vg.spawn().context("version-gen")?;
        let mut builder = builder.spawn().context("packagebuild-googet")?;
        let mut tagger = tagger.spawn().context("repo-tagger")?;

        let builder_status = match faults.kill_builder {
            Some(after) => {
                tokio::select! {
                    s = builder.wait() => s?,
                    _ = tokio::time::sleep(after) => {
                        let _ = builder.start_kill();
                        builder.wait().await?
                    }
                }
            }
            None => builder.wait().await?,
        };
        // (A per-commit workspace may hold another attempt's result, which
        // does not count for this run.)
        if !builder_status.success()
            && (self.0.per_commit || !Path::new(&w).join("results/goo.json").exists())
        {
            // The pod failed: Prow would show it failed; the tagger cannot
            // tag without the result, so stop it instead of letting it
            // wait out its timeout.
            let _ = tagger.start_kill();
        }
        let tag_status = if faults.kill_tagger_after_tag {
            self.kill_after_tag(&mut tagger, &w, &build_id, &sha)
                .await?
        } else {
            tagger.wait().await?
        };
        let _ = vg.wait().await?;
        match tag_status.code() {
            Some(0) => return Ok(Outcome::Published),
            Some(3) => return Ok(Outcome::Conflict),
            _ => {}
        }
        // The tag may exist (the tagger died after it): re-running the
        // tagger alone, with the same workspace, must finish the release.
        // With a per-commit workspace the whole job is re-run instead (a
        // fresh pod): the caller does that.
        let version = self.run_version(&w, &build_id).await?;
        let version = version.trim();
        if !self.0.per_commit
            && !version.is_empty()
            && self.tag_commit(version).await?.as_deref() == Some(sha.as_str())
        {
            for _ in 0..5 {
                let mut again = self.tagger(&w, &sha);
                again.args(["--wait-timeout", "10s"]);
                if again.status().await?.success() {
                    return Ok(Outcome::Published);
                }
            }
            return Ok(Outcome::Failed(format!(
                "run {run}: tagged {version} but the publish did not converge"
            )));
        }
        Ok(Outcome::Failed(format!(
            "run {run} attempt {attempt}: tagger exit {:?}",
            tag_status.code()
        )))
    }

    /// Waits until the tag of this run's version points at `sha`, then
    /// kills the tagger: between tag and manifest, when it is quick enough.
    async fn kill_after_tag(
        &self,
        tagger: &mut Child,
        ws: &str,
        build_id: &str,
        sha: &str,
    ) -> anyhow::Result<ExitStatus> {
        loop {
            if let Some(status) = tagger.try_wait()? {
                return Ok(status);
            }
            let version = self.run_version(ws, build_id).await?;
            if !version.trim().is_empty()
                && self.tag_commit(version.trim()).await?.as_deref() == Some(sha)
            {
                let _ = tagger.start_kill();
                return Ok(tagger.wait().await?);
            }
            // Harness polling, not test synchronisation: it only decides
            // when to inject the fault.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    async fn tag_commit(&self, version: &str) -> anyhow::Result<Option<String>> {
        if let Some(gh) = &self.0.github {
            return Ok(gh.tag_commit(OWNER, REPO, version));
        }
        let out = Command::new("git")
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/tags/{version}^{{commit}}"),
            ])
            .current_dir(&self.0.remote)
            .output()
            .await?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }

    /// Queues GitHub 5xx/429 answers and GCS errors for the next attempt;
    /// returns how many of each were queued.
    pub fn inject_service_faults(
        &self,
        rng: &mut StdRng,
        rate: f64,
        runs: usize,
    ) -> (usize, usize) {
        let n = (runs as f64 * rate).ceil() as usize;
        let mut queued = (0, 0);
        if let Some(gh) = &self.0.github {
            queued.0 = rng.random_range(0..=n);
            for _ in 0..queued.0 {
                gh.inject(match rng.random_range(0..3) {
                    0 => Fault::Status(502),
                    1 => Fault::Status(503),
                    _ => Fault::RateLimit429 {
                        retry_after_secs: 0,
                    },
                });
            }
        }
        if let Some(gcs) = &self.0.gcs {
            queued.1 = rng.random_range(0..=n);
            for _ in 0..queued.1 {
                gcs.inject(503);
            }
        }
        queued
    }

    /// Drops the faults no request used; returns how many were left.
    pub fn clear_service_faults(&self) -> (usize, usize) {
        let left = (
            self.0.github.as_ref().map_or(0, |g| g.queued_faults()),
            self.0.gcs.as_ref().map_or(0, |g| g.queued_faults()),
        );
        if let Some(gh) = &self.0.github {
            gh.clear_faults();
        }
        if let Some(gcs) = &self.0.gcs {
            gcs.clear_faults();
        }
        left
    }

    fn release_store(&self) -> anyhow::Result<Store> {
        self.store(&format!("{}/release", self.bucket()))
    }

    /// Every object of the release path with its sha256.
    pub async fn release_objects(&self) -> anyhow::Result<Vec<(String, String)>> {
        let store = self.release_store()?;
        let mut out = Vec::new();
        for o in store.list().await? {
            let bytes = store
                .get(&o.name)
                .await?
                .with_context(|| format!("{} vanished", o.name))?;
            out.push((o.name, hex::encode(Sha256::digest(&bytes))));
        }
        Ok(out)
    }

    /// The end-of-pass invariants (1, 3, 4 and 5).
    pub async fn check_final(&self, runs: usize) -> anyhow::Result<Vec<String>> {
        let mut v = Vec::new();
        let objects: BTreeMap<String, String> = self.release_objects().await?.into_iter().collect();
        let store = self.release_store()?;
        let mut versions: BTreeMap<String, String> = BTreeMap::new();
        for name in objects.keys() {
            let Some((version, rest)) = name.split_once('/') else {
                v.push(format!("{name}: not under a version folder"));
                continue;
            };
            if rest != "manifest.json" {
                continue;
            }
            let m: serde_json::Value =
                serde_json::from_slice(&store.get(name).await?.context("manifest")?)?;
            let commit = m["commit"].as_str().unwrap_or_default().to_owned();
            match self.tag_commit(version).await? {
                Some(c) if c == commit => {}
                other => v.push(format!(
                    "{version}: manifest for {commit}, but the tag points at {other:?}"
                )),
            }
            for a in m["artifacts"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let path = format!("{version}/{}", a["path"].as_str().unwrap_or_default());
                match objects.get(&path) {
                    Some(sha) if a["sha256"].as_str() == Some(sha.as_str()) => {}
                    Some(_) => v.push(format!("{path}: sha256 differs from the manifest")),
                    None => v.push(format!("{path}: in the manifest but not published")),
                }
            }
            if let Some(prev) = versions.insert(commit.clone(), version.to_owned()) {
                v.push(format!(
                    "commit {commit} was released twice: {prev} and {version}"
                ));
            }
        }
        for name in objects.keys() {
            let version = name.split('/').next().unwrap_or_default();
            if !objects.contains_key(&format!("{version}/manifest.json")) {
                v.push(format!(
                    "{name}: published, but {version} has no manifest (incomplete version)"
                ));
            }
        }
        for (i, sha) in self.0.commits.iter().enumerate().take(runs) {
            if !versions.contains_key(sha) {
                v.push(format!(
                    "run {i} (commit {sha}) ended without a published version"
                ));
            }
        }
        if versions.len() != runs {
            v.push(format!(
                "{} versions published for {runs} runs",
                versions.len()
            ));
        }
        // Tags: each names one commit by construction; check none is
        // missing a release and that every version tag was published.
        let tags = self.version_tags().await?;
        let mut tags_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in &tags {
            if !versions.values().any(|v| v == t) {
                v.push(format!(
                    "tag {t} exists but its version was never published"
                ));
            }
            if let Some(c) = self.tag_commit(t).await? {
                tags_of.entry(c).or_default().push(t.clone());
            }
        }
        // Invariant 5: one version per commit, re-runs and second jobs
        // included.
        for (commit, ts) in tags_of {
            if ts.len() > 1 {
                v.push(format!(
                    "commit {commit} has {} version tags: {}",
                    ts.len(),
                    ts.join(", ")
                ));
            }
        }
        Ok(v)
    }

    async fn version_tags(&self) -> anyhow::Result<Vec<String>> {
        if let Some(gh) = &self.0.github {
            return Ok(gh.tag_names(OWNER, REPO));
        }
        let out = Command::new("git")
            .arg("tag")
            .current_dir(&self.0.remote)
            .output()
            .await?;
        if !out.status.success() {
            bail!("git tag failed");
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect())
    }
}
