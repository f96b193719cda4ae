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
mounted in every container; a release cannot be restarted by its own tag push;
each extra_refs entry has org, repo and base_ref, and no two refs of a job
clone to one folder; a builder's --extra-repo below /home/prow/go/src is where
one of the job's extra_refs is cloned; its --go-mod-cache is on a volume it
mounts; no presubmit mounts a hostPath that a postsubmit or periodic mounts.

With --dockerfiles (`make check-containers`), only the images' Dockerfiles
under --containers are checked, not the job configs: every FROM pinned (a
digest, or a tag with a date or version in it), every file copied into
/usr/local/bin/ a binary of this workspace (`cargo metadata`, or
--workspace-bins), every image listed in the folder's README.md.

Output: one line per problem, `file: job: message` (`file: message` for a
Dockerfile).

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

    /// Check the Dockerfiles under --containers instead of the job configs.
    #[arg(long)]
    dockerfiles: bool,

    /// With --dockerfiles: the binaries the workspace builds [default: the
    /// bin targets `cargo metadata` lists for the current folder].
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        requires = "dockerfiles"
    )]
    workspace_bins: Option<Vec<String>>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.dockerfiles {
        return check_dockerfiles(&cli);
    }
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

fn check_dockerfiles(cli: &Cli) -> ExitCode {
    let bins = match &cli.workspace_bins {
        Some(b) => b.clone(),
        None => match workspace_bins() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("check-prow: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let checked = prowcfg::dockerfile::check_dir(&cli.containers, &bins);
    for p in &checked.problems {
        println!("{p}");
    }
    let summary = format!(
        "{} Dockerfiles under {}",
        checked.dockerfiles.len(),
        cli.containers.display()
    );
    if checked.problems.is_empty() {
        eprintln!(
            "check-prow: {summary}: no problems (bases pinned, binaries from this workspace)"
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "check-prow: {summary}: {} problem(s)",
            checked.problems.len()
        );
        ExitCode::FAILURE
    }
}

/// The bin targets of the workspace holding the current folder, from
/// `cargo metadata` ($CARGO when cargo runs this, else cargo on PATH).
fn workspace_bins() -> Result<Vec<String>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let o = std::process::Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| {
            format!(
                "cannot run {} metadata: {e}; give the binaries with --workspace-bins",
                cargo.to_string_lossy()
            )
        })?;
    if !o.status.success() {
        return Err("cargo metadata failed (above): the workspace does not load".into());
    }
    let m: serde_json::Value = serde_json::from_slice(&o.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let mut bins: Vec<String> = m["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    bins.sort();
    Ok(bins)
}
