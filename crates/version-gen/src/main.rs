//! `version-gen`: prints the next release version of a repository.

use std::path::PathBuf;
use std::process::ExitCode;

use calver::Day;
use clap::Parser;
use cli::Verbosity;
use handoff::{Record, Recorder, Step, VersionRecord, Workspace};
use release::cli::{ForgeArgs, parse_day};
use release::{ReleaseError, version};

const TOOL: &str = "version-gen";

const AFTER_HELP: &str = "\
The version is YYYYMMDD.NN: the UTC day and the build number of that day,
starting at 00 and growing past 99 (.99 is followed by .100). Every version
tag of the repository counts; other tags are ignored. A version tag dated
after today is refused rather than going backwards.

Examples:
  version-gen                                   # the repository in the current folder
  version-gen --remote https://github.com/o/r.git
  version-gen --forge github --owner o --repo r --token-file /etc/github-access-token/token.txt
  version-gen --workspace /workspace --json     # first step of a release pod
  version-gen --dev                             # presubmit: 0.YYYYMMDDHHMMSS, asks no forge

Exit codes: 0 ok, 1 failure, 2 usage error.";

/// Prints the next release version (YYYYMMDD.NN) of a repository on stdout.
#[derive(Debug, Parser)]
#[command(name = "version-gen", version, after_help = AFTER_HELP)]
struct Cli {
    /// The UTC day to version for [default: today in UTC].
    #[arg(long, value_name = "YYYYMMDD", value_parser = parse_day)]
    date: Option<Day>,

    /// Also write DIR/version and DIR/version.json (atomically) for the next steps; on failure write the failed status there. A store URL (gs://, s3://, file://) keyed by the commit, e.g. gs://bucket/<repo>/commits/$(PULL_BASE_SHA), gives the commit one version across re-runs, pods and days: the first run claims it (claims/0000.json, create-only), later runs use the claim (a new one if another commit took its tag), and this run's version goes to runs/$BUILD_ID/.
    #[arg(long, env = "RELEASE_WORKSPACE", value_name = "DIR|URL")]
    workspace: Option<String>,

    /// With a store --workspace: the commit the version is claimed for [default: HEAD of the current repository; required with --forge github].
    #[arg(long, env = "PULL_BASE_SHA", value_name = "SHA")]
    sha: Option<String>,

    /// Print a JSON object (version, date, build_number, previous, forge, requests) instead of the bare version.
    #[arg(long)]
    json: bool,

    /// Print a development version for presubmits (0.YYYYMMDDHHMMSS, UTC) that sorts below every release version; asks no forge.
    #[arg(long)]
    dev: bool,

    #[command(flatten)]
    forge: ForgeArgs,

    #[command(flatten)]
    verbosity: Verbosity,
}

fn main() -> ExitCode {
    // A usage error in a release pod still tells the builders waiting for
    // the version, or they wait out their timeout.
    let cli: Cli = handoff::parse_args(TOOL, |_| Some(Step::Version));
    cli.verbosity.init_logging();
    let runtime = cli::runtime();
    let artifacts = std::env::var_os("ARTIFACTS")
        .filter(|a| !a.is_empty())
        .map(PathBuf::from);
    let build_id = std::env::var("BUILD_ID").ok().filter(|b| !b.is_empty());
    let workspace = cli
        .workspace
        .as_deref()
        .map(|w| Workspace::open(w, build_id.as_deref()))
        .transpose();
    let workspace = match workspace {
        Ok(w) => w,
        Err(e) => return report(&ReleaseError::Handoff(e)),
    };
    let recorder = Recorder::new(TOOL, Step::Version, workspace.clone(), artifacts);
    let result = runtime.block_on(run(&cli, workspace.as_ref(), build_id.as_deref()));
    let record = match &result {
        Ok(rec) => rec.clone(),
        Err(e) => VersionRecord::failed(e.to_string()),
    };
    // Record the outcome for the next steps, failure included, so that no
    // builder waits in vain.
    let handoff_error = runtime
        .block_on(recorder.record(Record::Version(&record)))
        .err();
    match (result, handoff_error) {
        (Ok(rec), None) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string(&rec).expect("record serialises")
                );
            } else {
                println!("{}", rec.version.map(|v| v.to_string()).unwrap_or_default());
            }
            ExitCode::SUCCESS
        }
        (Ok(_), Some(e)) => report(&ReleaseError::Handoff(e)),
        (Err(e), _) => report(&e),
    }
}

async fn run(
    cli: &Cli,
    workspace: Option<&Workspace>,
    build_id: Option<&str>,
) -> Result<VersionRecord, ReleaseError> {
    let now = chrono::Utc::now();
    if cli.dev {
        let now = match cli.date {
            Some(day) => day.date().and_time(now.time()).and_utc(),
            None => now,
        };
        return Ok(version::generate_dev(now));
    }
    let day = cli.date.unwrap_or_else(|| Day::from_utc(now));
    let cwd = std::env::current_dir()
        .map_err(|e| ReleaseError::Usage(format!("cannot read the current folder: {e}")))?;
    let forge = cli
        .forge
        .open(&cwd, std::env::var("GITHUB_TOKEN").ok())
        .await?;
    match workspace.filter(|w| w.is_store()) {
        Some(ws) => {
            let rev = match (
                cli.sha.as_deref().filter(|s| !s.is_empty()),
                cli.forge.forge,
            ) {
                (Some(s), _) => s,
                (None, release::cli::ForgeChoice::Git) => "HEAD",
                (None, release::cli::ForgeChoice::Github) => {
                    return Err(ReleaseError::Usage(
                        "a store --workspace claims the version for a commit: pass --sha (or PULL_BASE_SHA) with --forge github".into(),
                    ));
                }
            };
            let commit = forge.resolve_commit(rev).await?;
            version::claim(ws, forge.as_ref(), &commit, day, build_id).await
        }
        None => version::generate(forge.as_ref(), day).await,
    }
}

fn report(e: &ReleaseError) -> ExitCode {
    eprintln!("{TOOL}: error: {e}");
    ExitCode::from(e.exit_code() as u8)
}
