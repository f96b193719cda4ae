//! `check-prow`: the strict checker of the Prow job configs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

const AFTER_HELP: &str = "\
Every .yaml/.yml file under --config is read with typed structs that reject
unknown keys (Prow silently ignores them), then checked against Prow's
load-time rules (names, containers, reserved env, volumes and labels,
triggers, duplicates, `checkconfig --strict`'s warnings) and this project's:
each image is us-docker.pkg.dev/gcp-guest/release/<name>:<pinned tag> built
from containers/<name>/Dockerfile and runs its tool; a release's repo-tagger
expects exactly the targets its builders build; the workspace volume is
mounted in every container; a release cannot be restarted by its own tag push.

Output: one line per problem, `file: job: message`.

Exit codes: 0 no problem, 1 problems (or a file that cannot be read), 2 usage error.";

/// Checks the Prow job configs strictly.
#[derive(Debug, Parser)]
#[command(name = "check-prow", version, after_help = AFTER_HELP)]
struct Cli {
    /// The folder of job config files (read recursively).
    #[arg(long, default_value = "prow/jobs", value_name = "DIR")]
    config: PathBuf,

    /// The folder holding one <image name>/Dockerfile per image.
    #[arg(long, default_value = "containers", value_name = "DIR")]
    containers: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match prowcfg::Config::load(&cli.config) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors.0 {
                println!("{e}");
            }
            eprintln!(
                "check-prow: {} file error(s) in {}; nothing else was checked",
                errors.0.len(),
                cli.config.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let problems = prowcfg::check(&config, &cli.containers);
    for p in &problems {
        println!("{p}");
    }
    let summary = format!(
        "{} jobs in {} files under {}",
        config.jobs.len(),
        config.files.len(),
        cli.config.display()
    );
    if problems.is_empty() {
        eprintln!("check-prow: {summary}: no problems");
        ExitCode::SUCCESS
    } else {
        eprintln!("check-prow: {summary}: {} problem(s)", problems.len());
        ExitCode::FAILURE
    }
}
