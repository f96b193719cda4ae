//! `repo-tagger`: tags a release commit atomically, after its builds.

use std::process::ExitCode;
use std::time::Duration;

use calver::Day;
use clap::Parser;
use cli::{Verbosity, parse_duration};
use forge::Tagger;
use handoff::{TagStatus, Workspace};
use release::cli::{ForgeArgs, ForgeChoice, parse_day};
use release::publish::{NoPublish, Publisher, StorePublisher};
use release::stage::StageRoot;
use release::tagger::{DEFAULT_TAGGER_EMAIL, DEFAULT_TAGGER_NAME, TagOptions};
use release::{ReleaseError, tagger};

const AFTER_HELP: &str = "\
Creating the tag ref is the atomic commit point of a release: of several runs
tagging one version, exactly one succeeds. Re-running for a tag that already
points at the same commit succeeds and says so. The version must be a release
version (its date a real calendar day) dated at most 1 day after today (UTC);
past dates are fine (backfills, repairs), later ones need --allow-future.

Examples:
  repo-tagger --version 20261127.00                      # tag HEAD of the current repository
  repo-tagger --remote /srv/repo.git --version 20261127.00 --sha 3f2c...
  repo-tagger --workspace /workspace --expect deb12,el9,goo --verify-next
  repo-tagger --workspace /workspace --expect deb12,el9 --publish gs://releases/guest-agent \
              --stage-root gs://staging/guest-agent
  repo-tagger --forge github --owner o --repo r --token-file /etc/github-access-token/token.txt \\
              --workspace /workspace --expect deb12
  repo-tagger -V                                         # this tool's own version

Publishing trusts no result record: every staged URL must lie under
--stage-root and end in /<target>/<file> (checked before tagging), every
record must name the commit being tagged, and each package's name and
version are read back from the staged file.

Exit codes: 0 tagged (or already tagged on this commit), 1 failure,
2 usage error, 3 conflict: the tag exists on another commit, with
--verify-next the version is no longer the next one, or with --publish the
release path already holds other bytes for this version.";

/// Creates the annotated release tag <version> on a commit, atomically.
#[derive(Debug, Parser)]
#[command(
    name = "repo-tagger",
    version,
    // --version is the version to tag; the tool's own is -V/--tool-version.
    disable_version_flag = true,
    after_help = AFTER_HELP
)]
struct Cli {
    /// The version to tag (YYYYMMDD.NN); or give --workspace to read DIR/version.
    #[arg(long, value_name = "V", required_unless_present = "workspace")]
    version: Option<String>,

    /// The shared workspace: DIR/version is read when --version is not given, DIR/results/<T>.json for --expect, and DIR/tag.json is written. A store URL (gs://, s3://, file://) keyed by the commit is shared by every run of it (re-runs, the arm64 job): results of another version there count as missing, and --verify-next accepts the commit's own claimed version on a later day.
    #[arg(long, env = "RELEASE_WORKSPACE", value_name = "DIR|URL")]
    workspace: Option<String>,

    /// The commit to tag [git default: HEAD of the current repository; required for github].
    #[arg(long, env = "PULL_BASE_SHA", value_name = "SHA")]
    sha: Option<String>,

    /// The tag message [default: "Release <version>"].
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,

    /// The tagger's name.
    #[arg(long, default_value = DEFAULT_TAGGER_NAME, value_name = "NAME")]
    tagger_name: String,

    /// The tagger's e-mail address.
    #[arg(long, default_value = DEFAULT_TAGGER_EMAIL, value_name = "EMAIL")]
    tagger_email: String,

    /// Refuse (exit 3) unless the version is still the next one for today.
    #[arg(long)]
    verify_next: bool,

    /// Tag a version dated more than 1 day after today (UTC) anyway, e.g. to repair a release; without it such a version is refused (exit 2) as a likely typo.
    #[arg(long)]
    allow_future: bool,

    /// Build targets whose DIR/results/<T>.json must exist and be ok before tagging (comma-separated, e.g. deb12,el9,goo).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "T1,T2,...",
        requires = "workspace"
    )]
    expect: Vec<String>,

    /// How long to wait for DIR/version and the expected results, e.g. 90s, 30m, 2h.
    #[arg(long, default_value = "60m", value_parser = parse_duration, value_name = "DURATION")]
    wait_timeout: Duration,

    /// After tagging, publish the expected builds' staged artifacts to this store URL (gs://, s3://, file:// or a path): <URL>/<version>/<target>/<file>, then SHA256SUMS and manifest.json last. Create-only; re-running converges.
    #[arg(long, value_name = "URL", requires = "expect")]
    publish: Option<String>,

    /// Where the builders stage (needed with --publish): only artifacts staged under URL, as <URL>/.../<target>/<file>, are published; a record naming any other URL is refused before tagging. E.g. gs://staging/guest-agent when the builders run with --stage gs://staging/guest-agent/$BUILD_ID/<target>.
    #[arg(long, env = "STAGE_ROOT", value_name = "URL")]
    stage_root: Option<String>,

    /// The UTC day for --verify-next [default: today in UTC, read just before tagging].
    #[arg(long, value_name = "YYYYMMDD", value_parser = parse_day)]
    date: Option<Day>,

    /// Print tag.json's record on stdout instead of a sentence.
    #[arg(long)]
    json: bool,

    /// Print repo-tagger's own version and exit.
    #[arg(short = 'V', long = "tool-version", action = clap::ArgAction::Version)]
    tool_version: (),

    #[command(flatten)]
    forge: ForgeArgs,

    #[command(flatten)]
    verbosity: Verbosity,
}

fn main() -> ExitCode {
    // An argument error still leaves tag.json, as every other failure does.
    let cli: Cli = handoff::parse_args("repo-tagger", |raw| {
        Some(handoff::Step::Tag {
            targets: raw.expect.clone(),
            build_id: std::env::var("BUILD_ID").ok().filter(|b| !b.is_empty()),
        })
    });
    cli.verbosity.init_logging();
    let runtime = cli::runtime();
    let outcome = runtime.block_on(run(&cli));
    log_peak_memory();
    match outcome {
        Ok(record) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string(&record).expect("record serialises")
                );
            } else {
                let what = match record.status {
                    TagStatus::Created => "created tag",
                    _ => "tag already there:",
                };
                println!(
                    "{what} {} on {}",
                    record.version.map(|v| v.to_string()).unwrap_or_default(),
                    record.commit.as_deref().unwrap_or_default()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("repo-tagger: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

async fn run(cli: &Cli) -> Result<handoff::TagRecord, ReleaseError> {
    let prow = prow_env::ProwEnv::from_env().map_err(|e| ReleaseError::Usage(e.to_string()))?;
    let rev = match (&cli.sha, cli.forge.forge) {
        (Some(s), _) if !s.is_empty() => s.clone(),
        (_, ForgeChoice::Git) => "HEAD".to_owned(),
        (_, ForgeChoice::Github) => {
            return Err(ReleaseError::Usage(
                "--sha (or PULL_BASE_SHA) is required with --forge github".into(),
            ));
        }
    };
    let opts = TagOptions {
        version: cli.version.clone(),
        workspace: cli
            .workspace
            .as_deref()
            .map(|w| Workspace::open(w, prow.build_id.as_deref()))
            .transpose()?,
        expect: cli
            .expect
            .iter()
            .filter(|t| !t.is_empty())
            .cloned()
            .collect(),
        wait_timeout: cli.wait_timeout,
        rev,
        message: cli.message.clone(),
        tagger: Tagger {
            name: cli.tagger_name.clone(),
            email: cli.tagger_email.clone(),
        },
        verify_next: cli.verify_next,
        allow_future: cli.allow_future,
        date: cli.date,
        clock: chrono::Utc::now,
        build_id: prow.build_id.clone(),
        artifacts: prow.artifacts.clone(),
    };
    let cwd = std::env::current_dir()
        .map_err(|e| ReleaseError::Usage(format!("cannot read the current folder: {e}")))?;
    let forge = match cli
        .forge
        .open(&cwd, std::env::var("GITHUB_TOKEN").ok())
        .await
    {
        Ok(f) => f,
        Err(e) => {
            tagger::record_failure(&opts, &e).await;
            return Err(e);
        }
    };
    let publisher = match publisher(cli) {
        Ok(p) => p,
        Err(e) => {
            tagger::record_failure(&opts, &e).await;
            return Err(e);
        }
    };
    tagger::run(forge.as_ref(), publisher.as_ref(), &opts).await
}

/// The publisher `--publish` and `--stage-root` ask for.
fn publisher(cli: &Cli) -> Result<Box<dyn Publisher>, ReleaseError> {
    let Some(url) = &cli.publish else {
        return Ok(Box::new(NoPublish));
    };
    let root = cli
        .stage_root
        .as_deref()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            ReleaseError::Usage(
                "--publish needs --stage-root URL (or STAGE_ROOT): the folder the builders stage \
             under, the only place repo-tagger publishes from; nothing is tagged"
                    .into(),
            )
        })?;
    let root = StageRoot::parse(root)
        .map_err(|e| ReleaseError::Usage(format!("--stage-root: {e}; nothing is tagged")))?;
    let p = StorePublisher::open(url, root, store::StoreOptions::default())
        .map_err(publish_store_error)?;
    Ok(Box::new(p))
}

/// Logs (with -v) the peak resident memory, Linux's VmHWM: publishing
/// streams, so it must not grow with the size of the artifacts.
fn log_peak_memory() {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return;
    };
    if let Some(peak) = status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
        tracing::debug!("peak resident memory: {}", peak.trim());
    }
}

/// A malformed `--publish` URL is a usage error (exit 2); a store that
/// cannot be set up (credentials, backend configuration) is a failure to
/// fix there, not in the command line.
fn publish_store_error(e: store::StoreError) -> ReleaseError {
    use store::StoreError;
    match e {
        StoreError::UnknownScheme { .. }
        | StoreError::InvalidUrl { .. }
        | StoreError::InvalidName { .. } => ReleaseError::Usage(e.to_string()),
        e => ReleaseError::PublishStore(e),
    }
}
