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
    // A usage error in a release pod still tells the builders waiting for
    // the version, or they wait out their timeout.
    let cli: Cli = handoff::parse_args(TOOL, |_| Some(Step::Version));
    cli.verbosity.init_logging();
    let runtime = cli::runtime();
    let artifacts = std::env::var_os("ARTIFACTS")
        .filter(|a| !a.is_empty())
        .map(PathBuf::from);
    let recorder = Recorder::new(
        TOOL,
        Step::Version,
        cli.workspace.as_ref().map(Workspace::new),
        artifacts,
    );
    let result = runtime.block_on(run(&cli));
    let record = match &result {
        Ok(rec) => rec.clone(),
        Err(e) => VersionRecord::failed(e.to_string()),
    };
    // Record the outcome for the next steps, failure included, so that no
    // builder waits in vain.
    let handoff_error = recorder.record(Record::Version(&record)).err();
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
    eprintln!("{TOOL}: error: {e}");
    ExitCode::from(e.exit_code() as u8)
}
