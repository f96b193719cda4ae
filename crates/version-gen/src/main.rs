//! `version-gen`: prints the next release version of a repository.

use std::path::PathBuf;
use std::process::ExitCode;

use calver::Day;
use clap::Parser;
use handoff::{VersionRecord, Workspace};
use release::cli::{ForgeArgs, Verbosity, parse_day};
use release::{ReleaseError, version};

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

    /// Also write DIR/version and DIR/version.json (atomically) for the next steps; on failure write the failed status there.
    #[arg(long, env = "RELEASE_WORKSPACE", value_name = "DIR")]
    workspace: Option<PathBuf>,

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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // A usage error in a release pod must still tell the builders
            // waiting for the version, or they wait out their timeout.
            if e.use_stderr()
                && let Some(dir) = workspace_from_raw_args()
            {
                let _ = Workspace::new(dir).write_version(&VersionRecord::failed(format!(
                    "version-gen: usage error: {}",
                    e.render().to_string().lines().next().unwrap_or_default()
                )));
            }
            e.exit();
        }
    };
    release::logging::init(cli.verbosity.verbose, cli.verbosity.quiet);
    let runtime = release::runtime();
    let artifacts = std::env::var_os("ARTIFACTS")
        .filter(|a| !a.is_empty())
        .map(PathBuf::from);
    let workspace = cli.workspace.as_ref().map(Workspace::new);
    let result = runtime.block_on(run(&cli));
    let record = match &result {
        Ok(rec) => rec.clone(),
        Err(e) => VersionRecord::failed(e.to_string()),
    };
    // Record the outcome for the next steps, failure included, so that no
    // builder waits in vain.
    let mut handoff_error = None;
    if let Some(ws) = &workspace
        && let Err(e) = ws.write_version(&record)
    {
        handoff_error = Some(e);
    }
    let _ = handoff::publish_to_artifacts(
        artifacts.as_deref(),
        handoff::VERSION_JSON,
        &record,
        "version-gen",
        record.error.as_deref(),
    );
    match (result, handoff_error) {
        (Ok(rec), None) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string(&rec).expect("record serialises")
                );
            } else {
                println!("{}", rec.version.as_deref().unwrap_or_default());
            }
            ExitCode::SUCCESS
        }
        (Ok(_), Some(e)) => report(&ReleaseError::Handoff(e)),
        (Err(e), _) => report(&e),
    }
}

async fn run(cli: &Cli) -> Result<VersionRecord, ReleaseError> {
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
    version::generate(forge.as_ref(), day).await
}

fn report(e: &ReleaseError) -> ExitCode {
    eprintln!("version-gen: error: {e}");
    ExitCode::from(e.exit_code() as u8)
}

/// `--workspace DIR` (or `RELEASE_WORKSPACE`) read without clap, for when
/// the arguments do not parse.
fn workspace_from_raw_args() -> Option<PathBuf> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    for (i, a) in args.iter().enumerate() {
        let a = a.to_string_lossy();
        if a == "--workspace" {
            return args.get(i + 1).map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--workspace=") {
            return Some(PathBuf::from(v));
        }
    }
    std::env::var_os("RELEASE_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
