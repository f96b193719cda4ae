//! `test-at`: runs the workspace's tests with the wall clock moved.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use test_at::{Clock, TestExe};

const AFTER_HELP: &str = "\
Builds the tests with `cargo test --no-run` (cargo itself never runs under a
moved clock), then runs every test executable under faketime at each --at
instant, from its package folder, as cargo test would. Only the wall clock
moves: monotonic time, timeouts and file times stay real. Every process a test
starts (git, dpkg-buildpackage, the tools) inherits the moved clock. Doctests
are not run. Needs the Debian package faketime (make deps installs it).

Examples:
  test-at --at '2027-02-28 23:59:50'                       # the whole suite, UTC
  test-at --at '2028-02-29 12:00:00' --tz America/Adak     # a leap day, far west of UTC
  test-at --at '2027-12-31 23:59:50' -p calver -p version-gen
  test-at --at '2027-02-28 23:59:50' --exclude doc-blocks  # all but one package
  test-at --at '2027-02-28 23:59:50' -p version-gen -- errors_on_git

Exit codes: 0 every executable passed at every instant, 1 a test failed,
2 usage error or the tests do not build.";

/// Runs the workspace's built tests with the wall clock moved (faketime).
#[derive(Debug, Parser)]
#[command(name = "test-at", version, after_help = AFTER_HELP)]
struct Cli {
    /// A UTC instant each test process starts at, 'YYYY-MM-DD HH:MM:SS' (repeat for several runs).
    #[arg(long, value_name = "UTC", required = true, value_parser = Clock::parse_utc)]
    at: Vec<chrono::DateTime<chrono::Utc>>,

    /// The time zone the tests see (TZ); versions must not depend on it.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    tz: String,

    /// Only this package's tests (repeatable) [default: the whole workspace].
    #[arg(short, long = "package", value_name = "NAME")]
    packages: Vec<String>,

    /// Leave this package's tests out of the whole workspace (repeatable), e.g. a package whose tests pin their own clock.
    #[arg(long, value_name = "NAME", conflicts_with = "packages")]
    exclude: Vec<String>,

    /// Arguments for every test executable (after --), e.g. a name filter.
    #[arg(last = true, value_name = "TEST_ARGS")]
    test_args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("test-at: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<bool> {
    let clocks = cli
        .at
        .iter()
        .map(|at| Clock::new(*at, &cli.tz))
        .collect::<Result<Vec<_>, _>>()?;
    let faketime = test_at::find_faketime()?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let root = test_at::workspace_root(&cargo)?;
    let exes = test_at::list_test_executables(&cargo, &cli.packages, &cli.exclude)
        .context("listing the test executables")?;
    let mut failed: Vec<String> = Vec::new();
    for clock in &clocks {
        println!("== {} test executables at {clock}", exes.len());
        for exe in &exes {
            let outcome = test_at::run(&faketime, exe, clock, &root, &cli.test_args)?;
            let secs = outcome.elapsed.as_secs_f64();
            if outcome.passed {
                println!("ok     {secs:6.1}s  {}", exe.label());
            } else {
                println!("FAILED {secs:6.1}s  {}", exe.label());
                println!("{}", test_at::tail(&outcome.output, 200));
                failed.push(format!("{} at {clock}", describe(exe)));
            }
        }
    }
    if failed.is_empty() {
        println!("== every test passed at every instant");
        return Ok(true);
    }
    println!(
        "== {} failed (run an executable by hand under `faketime -f @EPOCH` to debug):",
        failed.len()
    );
    for f in &failed {
        println!("  {f}");
    }
    Ok(false)
}

/// What failed, with the executable to run again by hand.
fn describe(exe: &TestExe) -> String {
    format!("{} ({})", exe.label(), exe.path.display())
}
