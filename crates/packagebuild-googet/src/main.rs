//! `packagebuild-googet`: .goo packages from a repository's
//! packaging/googet/*.goospec, packed natively (no goopack).

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cli::Verbosity;
use packagebuild::{CommonArgs, parse_env_pair};
use packagebuild_googet::{GooBuilder, inspect};

const AFTER_HELP: &str = "\
Each goospec is a Go text/template rendered with the variables (version is the
build's version; an undefined variable is an error), then checked. Its build
command for Linux (build.linux, relative to the spec's folder) runs in the build
folder, its sources are packed (sorted, owner 0/0, mtime SOURCE_DATE_EPOCH else
the commit time) into <name>.<arch>.<version>.goo with <name>.pkgspec last,
compressed on all cores. Every package is read back before anything is
uploaded; uploads never overwrite.

Examples:
  packagebuild-googet --version 20261127.00 --out ./out
  packagebuild-googet --version 20261127.00 --dry-run      # every entry and destination
  packagebuild-googet --version 20261127.00 --var arch=x86_64 packaging/googet/agent.goospec
  packagebuild-googet --workspace /workspace --stage gs://staging/$BUILD_ID/goo
  packagebuild-googet inspect out/guest-hello.noarch.20261127.00@1.goo

Exit codes: 0 ok, 1 build or upload failure (inspect: an unreadable package or
one with problems), 2 usage error, 3 conflict (an object with different bytes
exists at the destination).";

/// Builds .goo packages (googet) from packaging/googet/*.goospec.
#[derive(Debug, Parser)]
#[command(
    name = "packagebuild-googet",
    version,
    // --version is the version to build; the tool's own is -V/--tool-version.
    disable_version_flag = true,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,

    #[command(flatten)]
    common: CommonArgs,

    /// A goospec template variable, NAME=VALUE (repeatable); version comes from --version or the workspace.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var, help_heading = "Build")]
    vars: Vec<(String, String)>,

    /// Compression threads [default: all cores].
    #[arg(long, value_name = "N", help_heading = "Build")]
    jobs: Option<NonZeroUsize>,

    /// The goospecs to pack, relative to the build folder [default: packaging/googet/*.goospec].
    #[arg(value_name = "SPEC")]
    specs: Vec<PathBuf>,

    #[command(flatten)]
    verbosity: Verbosity,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Shows a .goo package: its entries (mode, owner, size, path), its embedded spec, and any problem.
    Inspect {
        /// The packages.
        #[arg(required = true, value_name = "FILE.goo")]
        files: Vec<PathBuf>,

        /// Print JSON (entries with mtimes, the spec, problems) instead.
        #[arg(long)]
        json: bool,
    },
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (k, v) = parse_env_pair(s)?;
    if k == "version" {
        return Err("the version comes from --version or the workspace, not --var".into());
    }
    Ok((k, v))
}

fn main() -> ExitCode {
    let cli: Cli = packagebuild::parse_args(&GooBuilder::new(vec![], vec![], None));
    cli.verbosity.init_logging();
    if let Some(Cmd::Inspect { files, json }) = &cli.command {
        let mut code = ExitCode::SUCCESS;
        for f in files {
            match inspect(f, *json) {
                Ok((text, bad)) => {
                    print!("{text}");
                    if bad {
                        code = ExitCode::FAILURE;
                    }
                }
                Err(e) => {
                    eprintln!("packagebuild-googet: error: {e}");
                    code = ExitCode::FAILURE;
                }
            }
        }
        return code;
    }
    let builder = GooBuilder::new(
        cli.vars.clone(),
        cli.specs.clone(),
        cli.jobs.map(NonZeroUsize::get),
    );
    packagebuild::main_with(&builder, &cli.common)
}
