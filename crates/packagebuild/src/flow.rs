use std::path::{Path, PathBuf};

use calver::BuildVersion;
use handoff::{Artifact, BuildResult, PackageInfo, Record, Recorder, Status, Step, Workspace};
use prow_env::{JobType, ProwEnv};
use sha2::{Digest, Sha256};
use sourcetree::SourceTree;
use store::{PutOutcome, Store, StoreOptions};
use tracing::{debug, info, warn};

use crate::{
    BuildContext, BuildError, Built, CommonArgs, PackageBuilder, file_name, prepare,
    verify_packages,
};

/// What a build step did.
#[derive(Debug)]
pub struct Outcome {
    /// The result record (also written to the workspace).
    pub result: BuildResult,
    /// For `--dry-run`: the steps that would run; nothing was built.
    pub plan: Option<Vec<String>>,
}

impl Outcome {
    /// A table of the artifacts for people: file, package, version, size, sha256.
    pub fn table(&self) -> String {
        let mut rows = vec![[
            "file".to_string(),
            "package".into(),
            "version".into(),
            "size".into(),
            "sha256".into(),
        ]];
        for a in &self.result.artifacts {
            let (name, version) = a.package.as_ref().map_or(("-".into(), "-".into()), |p| {
                (
                    format!("{} ({}, {})", p.name, p.format, p.arch),
                    p.version.clone(),
                )
            });
            rows.push([
                a.file.clone(),
                name,
                version,
                a.size.to_string(),
                a.sha256.clone(),
            ]);
        }
        let widths: Vec<usize> = (0..5)
            .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
            .collect();
        rows.iter()
            .map(|r| {
                let line: Vec<String> = r
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                line.join("  ").trim_end().to_owned() + "\n"
            })
            .collect()
    }
}

/// Runs one package build step; see the crate documentation.
pub async fn run(
    builder: &dyn PackageBuilder,
    args: &CommonArgs,
    prow: &ProwEnv,
) -> Result<Outcome, BuildError> {
    let workspace = args
        .workspace
        .as_deref()
        .map(|w| Workspace::open(w, prow.build_id.as_deref()))
        .transpose()?;
    let target = match &args.target {
        Some(t) => t.clone(),
        None => builder.default_target()?,
    };
    // A bad target must fail before anything else, workspace or not: it
    // names files in the workspace, in $ARTIFACTS and in --out.
    handoff::validate_target(&target)?;
    let recorder = Recorder::new(
        builder.tool(),
        Step::Build {
            target: target.clone(),
            host: builder.host(),
        },
        workspace.clone(),
        prow.artifacts.clone(),
    );
    let outcome = match resolve_version(args, workspace.as_ref()).await {
        Ok(version) => match already_built(workspace.as_ref(), &target, version, args).await {
            Ok(Some(done)) => return Ok(done),
            Ok(None) => build(builder, args, prow, &recorder, &target, version)
                .await
                .map_err(|e| (e, Some(version))),
            Err(e) => Err((e, Some(version))),
        },
        Err(e) => Err((e, None)),
    };
    match outcome {
        Ok(o) => Ok(o),
        Err((e, version)) => {
            // A failure is recorded (not for a dry run, which writes
            // nothing), so that repo-tagger stops at once instead of
            // waiting. The record goes to $ARTIFACTS (public for a
            // presubmit): the recorder hides URL credentials.
            if !args.dry_run {
                recorder.failed(&e.to_string(), version).await;
            }
            Err(e)
        }
    }
}

/// In a store workspace (shared by every run of the commit), a target that
/// already has an ok result for this version is not built again: a re-run
/// converges on what the first run staged. A failed result is rebuilt.
async fn already_built(
    workspace: Option<&Workspace>,
    target: &str,
    version: BuildVersion,
    args: &CommonArgs,
) -> Result<Option<Outcome>, BuildError> {
    let Some(ws) = workspace.filter(|w| w.is_store() && !args.dry_run) else {
        return Ok(None);
    };
    match ws.read_result(target).await? {
        Some(r) if r.status == Status::Ok && r.version == Some(version) => {
            info!(
                "{target} already has an ok result for {version} ({}): not built again",
                ws.result_path(target)?
            );
            Ok(Some(Outcome {
                result: r,
                plan: None,
            }))
        }
        Some(r) if r.status == Status::Failed => {
            info!(
                "{target} failed before (run {}): building it again",
                r.run.as_deref().unwrap_or("unknown")
            );
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// `--version` (parsed here, once), or the workspace's `version` waited
/// for (parsed when read).
async fn resolve_version(
    args: &CommonArgs,
    workspace: Option<&Workspace>,
) -> Result<BuildVersion, BuildError> {
    match (&args.version, workspace) {
        (Some(v), _) => validate_version(v),
        (None, Some(ws)) => Ok(ws.wait_version(args.wait_timeout).await?),
        (None, None) => Err(BuildError::Usage(
            "no version: pass --version V (e.g. 20261127.00), or --workspace DIR holding the file `version`".into(),
        )),
    }
}

/// The build proper, with the version known: the steps of the crate
/// documentation, each a function below.
async fn build(
    builder: &dyn PackageBuilder,
    args: &CommonArgs,
    prow: &ProwEnv,
    recorder: &Recorder,
    target: &str,
    version: BuildVersion,
) -> Result<Outcome, BuildError> {
    let tree = prepare_source(args).await?;
    let extra = prepare::extra_repo(args).await?;
    let epoch = tree.source_date_epoch(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())?;
    let destinations = Destinations::open(args)?;
    let scratch = tempfile::Builder::new()
        .prefix("packagebuild-")
        .tempdir()
        .map_err(fs_error::at(
            "cannot create a scratch folder in",
            std::env::temp_dir(),
        ))?;
    // A dry run links nothing and fetches nothing: its plan says what would.
    let go = match args.dry_run {
        true => None,
        false => prepare::go_setup(args, &tree, extra.as_ref(), scratch.path()).await?,
    };
    let extra_record = extra.as_ref().map(prepare::extra_record);
    let go_record = go.as_ref().map(|g| prepare::go_record(args, g));
    // Go's variables first: an --env pair of the same name wins.
    let mut env = go.as_ref().map(prepare::go_env).unwrap_or_default();
    env.extend(args.env.iter().cloned());
    let ctx = BuildContext {
        tree: &tree,
        version: version.to_string(),
        target: target.to_owned(),
        scratch: scratch.path().to_owned(),
        commit_url: commit_url(args, prow, &tree),
        env,
        extra,
        go,
        source_date_epoch: epoch,
    };
    let result = |artifacts: Vec<Artifact>| BuildResult {
        target: target.to_owned(),
        status: Status::Ok,
        version: Some(version),
        commit: tree.commit().map(str::to_owned),
        artifacts,
        error: None,
        host: builder.host(),
        local_changes: tree.selection().dirty().to_vec(),
        extra_repo: extra_record.clone(),
        go: go_record.clone(),
        run: None,
    };

    if args.dry_run {
        let mut plan = prepare::plan(args, ctx.tree, ctx.extra.as_ref(), &ctx.scratch);
        plan.extend(dry_run_plan(builder, &ctx, &destinations, recorder).await?);
        return Ok(Outcome {
            result: result(vec![]),
            plan: Some(plan),
        });
    }

    destinations.create_local_folders(args)?;
    let built = match builder.build(&ctx).await {
        Ok(b) => b,
        // The scratch folder (and the log in it) is kept or moved here.
        Err(e) => return Err(keep_log(e, scratch, args, prow, target)),
    };
    let artifacts = hash_artifacts(builder, &built)?;
    let sums: String = artifacts
        .iter()
        .map(|(_, a)| format!("{}  {}\n", a.sha256, a.file))
        .collect();
    // One checksum file per target: builders of several targets share an
    // --out folder.
    let sums_name = format!("{target}.SHA256SUMS");
    check_destinations(
        destinations.stage.as_ref(),
        destinations.out.as_ref(),
        &artifacts,
        &sums_name,
        &sums,
    )
    .await?;
    let artifacts = distribute(&destinations, prow, artifacts, &sums_name, &sums).await?;

    let result = result(artifacts);
    // A record that cannot be written is logged; the packages are staged.
    let _ = recorder.record(Record::Build(&result)).await;
    Ok(Outcome { result, plan: None })
}

/// The source tree, checked for packaging/ and narrowed to what the
/// commit holds.
async fn prepare_source(args: &CommonArgs) -> Result<SourceTree, BuildError> {
    let mut tree = match &args.repo_url {
        Some(url) => SourceTree::clone_at(url, &args.reference, args.build_dir.as_deref()).await?,
        None => SourceTree::from_dir(&args.source, args.build_dir.as_deref()).await?,
    };
    tree.packaging()?;
    // Local destinations inside the tree hold earlier builds' outputs:
    // never packed, never counted as changes.
    let destinations: Vec<PathBuf> = [
        args.out.clone(),
        args.stage.as_deref().and_then(local_folder),
    ]
    .into_iter()
    .flatten()
    .map(|p| std::path::absolute(&p).unwrap_or(p))
    .collect();
    tree.select(args.allow_dirty, &destinations).await?;
    Ok(tree)
}

/// The commit URL the packages record, when one is known.
fn commit_url(args: &CommonArgs, prow: &ProwEnv, tree: &SourceTree) -> Option<String> {
    let owner_repo = prow.repo_owner.as_deref().zip(prow.repo_name.as_deref());
    // The packages and their logs carry it: never a token.
    let url = sourcetree::commit_url(
        args.commit_url.as_deref(),
        owner_repo,
        tree.origin(),
        tree.commit(),
    )
    .map(|u| git_cmd::redact_url(&u));
    if url.is_none() {
        // Usual for a local build; in a Prow job it means the packages lose
        // their link to the source, so say it there.
        let why = "no commit URL: not given (--commit-url), no REPO_OWNER/REPO_NAME, no GitHub origin; the packages will not record one";
        if prow.job_name.is_some() {
            warn!("{why}");
        } else {
            debug!("{why}");
        }
    }
    url
}

/// Where the artifacts go: `--stage` and `--out`.
struct Destinations {
    stage: Option<Store>,
    out: Option<Store>,
}

impl Destinations {
    /// Opens the stores before building, so that a bad URL fails in a
    /// second, not after the build.
    fn open(args: &CommonArgs) -> Result<Destinations, BuildError> {
        let open = |url: &str| Store::open(url, &StoreOptions::default());
        Ok(Destinations {
            stage: args.stage.as_deref().map(open).transpose()?,
            out: args
                .out
                .as_ref()
                .map(|dir| open(&dir.to_string_lossy()))
                .transpose()?,
        })
    }

    /// A local destination that cannot be created fails now, not after the
    /// build.
    fn create_local_folders(&self, args: &CommonArgs) -> Result<(), BuildError> {
        if let Some(u) = args.stage.as_deref() {
            ensure_local_folder(u)?;
        }
        if let Some(dir) = &args.out {
            ensure_local_folder(&dir.to_string_lossy())?;
        }
        Ok(())
    }
}

/// `--dry-run`: the builder's steps, then ours; nothing is built or written.
async fn dry_run_plan(
    builder: &dyn PackageBuilder,
    ctx: &BuildContext<'_>,
    destinations: &Destinations,
    recorder: &Recorder,
) -> Result<Vec<String>, BuildError> {
    let mut plan = builder.plan(ctx).await?;
    plan.push(format!(
        "read back every package and check {}",
        builder.checked_fields()
    ));
    match &destinations.stage {
        Some(s) => plan.push(format!("upload create-only to {}/<file>", s.url())),
        None => plan.push("no --stage: nothing uploaded".into()),
    }
    if let Some(o) = &destinations.out {
        plan.push(format!(
            "copy to {} with {}.SHA256SUMS",
            o.url(),
            ctx.target
        ));
    }
    if let Some(ws) = recorder.workspace() {
        plan.push(format!("write {}", ws.result_path(&ctx.target)?));
    }
    Ok(plan)
}

/// Verifies the packages, then the record of every artifact (packages
/// with what they are, extras without), sorted by file name, names unique.
fn hash_artifacts(
    builder: &dyn PackageBuilder,
    built: &Built,
) -> Result<Vec<(PathBuf, Artifact)>, BuildError> {
    let metas = verify_packages(builder, built)?;
    info!(
        "verified {} package(s): {}",
        metas.len(),
        built.expect.version
    );
    let mut files: Vec<(PathBuf, Option<PackageInfo>)> = metas
        .into_iter()
        .map(|(p, m)| {
            let info = PackageInfo {
                name: m.name.clone(),
                version: m.full_version(),
                arch: m.arch.clone(),
                format: m.format.to_string(),
            };
            (p, Some(info))
        })
        .collect();
    files.extend(built.extra.iter().map(|p| (p.clone(), None)));
    files.sort_by_key(|f| file_name(&f.0));
    let mut artifacts = Vec::with_capacity(files.len());
    for (path, package) in files {
        let (sha256, size) = sha256_file(&path)?;
        artifacts.push((
            path.clone(),
            Artifact {
                file: file_name(&path),
                sha256,
                size,
                staged_url: None,
                package,
            },
        ));
    }
    for w in artifacts.windows(2) {
        if w[0].1.file == w[1].1.file {
            return Err(BuildError::Usage(format!(
                "two artifacts are named {}",
                w[0].1.file
            )));
        }
    }
    Ok(artifacts)
}

/// Uploads to `--stage`, copies to `--out` (with the checksums), and in a
/// Prow job copies to `$ARTIFACTS`; returns the artifacts with their staged
/// URLs.
async fn distribute(
    destinations: &Destinations,
    prow: &ProwEnv,
    mut artifacts: Vec<(PathBuf, Artifact)>,
    sums_name: &str,
    sums: &str,
) -> Result<Vec<Artifact>, BuildError> {
    if let Some(stage) = &destinations.stage {
        let uploads = artifacts.iter().map(|(path, a)| async move {
            let outcome = stage.put_file(&a.file, path).await?;
            log_put(&stage.object_url(&a.file), outcome);
            Ok::<_, BuildError>(stage.object_url(&a.file))
        });
        let urls = futures::future::try_join_all(uploads).await?;
        for ((_, a), url) in artifacts.iter_mut().zip(urls) {
            a.staged_url = Some(url);
        }
    }
    if let Some(out) = &destinations.out {
        for (path, a) in &artifacts {
            out.put_file(&a.file, path).await?;
        }
        out.put_bytes(sums_name, sums.to_owned().into_bytes().into())
            .await?;
        info!("copies in {}", out.url());
    }
    if let (Some(JobType::Presubmit), Some(dir)) = (prow.job_type, &prow.artifacts) {
        // As the original did: a reviewer downloads the packages of a pull
        // request from its job page.
        let pkgs = dir.join("packages");
        std::fs::create_dir_all(&pkgs).map_err(fs_error::at("cannot create", &pkgs))?;
        for (path, a) in &artifacts {
            std::fs::copy(path, pkgs.join(&a.file))
                .map_err(fs_error::at("cannot copy into", &pkgs))?;
        }
    }
    if let Some(dir) = &prow.artifacts {
        handoff::write_atomic(&dir.join(sums_name), sums.as_bytes())?;
    }
    Ok(artifacts.into_iter().map(|(_, a)| a).collect())
}

/// Checks every destination before writing any, so that a conflict leaves
/// them as they were: an object of the same name with other bytes is an
/// error naming it; identical bytes are fine (a re-run).
async fn check_destinations(
    stage: Option<&Store>,
    out: Option<&Store>,
    artifacts: &[(PathBuf, Artifact)],
    sums_name: &str,
    sums: &str,
) -> Result<(), BuildError> {
    let conflict = |store: &Store, file: &str, hint| BuildError::Destination {
        url: store.object_url(file),
        file: file.to_owned(),
        hint,
    };
    let digest = |hex_sha: &str| -> [u8; 32] {
        let mut d = [0u8; 32];
        hex::decode_to_slice(hex_sha, &mut d).expect("sha256_file gives 64 hex digits");
        d
    };
    for (store, hint) in [
        (
            stage,
            "Staged objects are never overwritten: stage each run to its own folder (e.g. .../$BUILD_ID/<target>), or build a new version.",
        ),
        (
            out,
            "Files in --out are never overwritten: remove the old file, or use another --out folder.",
        ),
    ] {
        let Some(store) = store else { continue };
        for (_, a) in artifacts {
            match store.check_put(&a.file, a.size, digest(&a.sha256)).await {
                Ok(_) => {}
                Err(e) if e.is_conflict() => return Err(conflict(store, &a.file, hint)),
                Err(e) => return Err(e.into()),
            }
        }
    }
    if let Some(out) = out {
        let sha: [u8; 32] = Sha256::digest(sums.as_bytes()).into();
        match out.check_put(sums_name, sums.len() as u64, sha).await {
            Ok(_) => {}
            Err(e) if e.is_conflict() => {
                return Err(conflict(
                    out,
                    sums_name,
                    "It lists other packages of this target: remove the old files, or use another --out folder.",
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A failed build's log outlives the scratch folder: copied to
/// `$ARTIFACTS` when set, else to `<out>.logs/` beside the `--out` folder
/// (which holds only packages), else the scratch folder is kept; the error
/// names where it is.
fn keep_log(
    mut e: BuildError,
    scratch: tempfile::TempDir,
    args: &CommonArgs,
    prow: &ProwEnv,
    target: &str,
) -> BuildError {
    let BuildError::ToolFailed { log, .. } = &mut e else {
        return e;
    };
    if !log.starts_with(scratch.path()) || !log.is_file() {
        return e;
    }
    let name = format!("{target}.{}", file_name(log));
    let beside_out = args.out.as_deref().and_then(|out| {
        let name = out.file_name()?.to_string_lossy().into_owned();
        Some(out.with_file_name(format!("{name}.logs")))
    });
    let folder = prow.artifacts.clone().or(beside_out);
    if let Some(dir) = folder {
        let dest = dir.join(&name);
        let copied = std::fs::create_dir_all(&dir).and_then(|()| std::fs::copy(&*log, &dest));
        match copied {
            Ok(_) => {
                *log = dest;
                return e;
            }
            Err(err) => warn!("cannot keep the log in {}: {err}", dir.display()),
        }
    }
    // Nowhere else to put it: the scratch folder stays, as the message says.
    let _kept = scratch.keep();
    e
}

/// The folder of a local `--stage` URL (a path or `file://`).
fn local_folder(url: &str) -> Option<PathBuf> {
    if url.contains("://") {
        url.strip_prefix("file://").map(PathBuf::from)
    } else {
        Some(PathBuf::from(url))
    }
}

fn log_put(url: &str, outcome: PutOutcome) {
    match outcome {
        PutOutcome::Created => info!("staged {url}"),
        PutOutcome::AlreadyIdentical => info!("{url} already staged with identical bytes"),
    }
}

/// A local destination that cannot be created fails now, not after the
/// build; remote stores are checked by their first write.
fn ensure_local_folder(url: &str) -> Result<(), BuildError> {
    if url.contains("://") && !url.starts_with("file://") {
        return Ok(());
    }
    let path = Path::new(url.strip_prefix("file://").unwrap_or(url));
    Ok(std::fs::create_dir_all(path)
        .map_err(fs_error::at("cannot create the destination folder", path))?)
}

/// A version must be usable as a Debian upstream version, an RPM
/// `Version:` and a file name, and be what calver says a build may be: a
/// release version `YYYYMMDD.NN` dated on a real calendar day, or a
/// development version `0.YYYYMMDDHHMMSS`.
fn validate_version(v: &str) -> Result<BuildVersion, BuildError> {
    let ok = v.starts_with(|c: char| c.is_ascii_digit())
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+~".contains(&b));
    if !ok {
        return Err(BuildError::Usage(format!(
            "version {v:?} cannot be a package version: it must start with a digit and hold only letters, digits, '.', '+', '~' or '_' (e.g. 20261127.00)"
        )));
    }
    BuildVersion::parse(v).map_err(|e| {
        BuildError::Usage(format!(
            "version {v:?} cannot be built: {e}; builds take a release version or a development version (version-gen --dev)"
        ))
    })
}

fn sha256_file(path: &Path) -> Result<(String, u64), BuildError> {
    let mut f = std::fs::File::open(path).map_err(fs_error::at("cannot read", path))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h).map_err(fs_error::at("cannot read", path))?;
    Ok((hex::encode(h.finalize()), n))
}

#[cfg(test)]
mod validate_version_tests {
    use super::validate_version;

    #[test]
    fn release_and_development_versions_are_built() {
        for v in [
            "20261127.00",
            "20261127.100",
            "20280229.07",
            "0.20261127160509",
        ] {
            assert!(validate_version(v).is_ok(), "{v}");
        }
    }

    /// The issue: builders accepted a 7-digit date and a month 27.
    #[test]
    fn a_version_whose_date_is_not_a_real_day_is_refused() {
        for (v, says) in [
            ("2026112.00", "the date part must be 8 digits"),
            ("20261327.00", "the date part is not a real calendar date"),
            ("20261302.00", "the date part is not a real calendar date"),
            (
                "0.20261327160509",
                "the time stamp is not a real date and time",
            ),
            ("1.2.3", "is not a release version"),
        ] {
            let e = validate_version(v).unwrap_err().to_string();
            assert!(
                e.contains(&format!("version {v:?} cannot be built: ")) && e.contains(says),
                "{v}: {e}"
            );
        }
        // The shape check comes first, with its own message.
        let e = validate_version("v1.0").unwrap_err().to_string();
        assert!(
            e.contains("cannot be a package version: it must start with a digit"),
            "{e}"
        );
    }
}
