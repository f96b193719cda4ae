//! `packagebuild-deb`: .deb packages from a repository's packaging/debian.

use std::process::ExitCode;

use clap::Parser;
use cli::Verbosity;
use packagebuild::CommonArgs;
use packagebuild_deb::DebBuilder;

const AFTER_HELP: &str = "\
The packages get version 1:<VERSION>-g1, or 1:<VERSION>-g1+deb<N> when the
repository's packaging/debian/changelog contains \"+deb\" (N: this host's Debian
major version). The changelog is regenerated; VERSION and RELEASE are in the
build environment for debian/rules. Every package is read back and checked
before anything is uploaded; uploads never overwrite (identical bytes count as
done, different bytes are a conflict).

Examples:
  packagebuild-deb --version 20261127.00 --out ./out           # build the current repository
  packagebuild-deb --version 20261127.00 --dry-run             # show every step
  packagebuild-deb --repo-url https://github.com/o/r --ref pull/17/head --version 0.20261127160509
  packagebuild-deb --workspace /workspace --stage gs://staging/$BUILD_ID/deb12   # in a release pod

Exit codes: 0 ok, 1 build or upload failure, 2 usage error, 3 conflict (an
object with different bytes exists at the destination).";

/// Builds .deb packages (and the Debian source package) from packaging/debian.
#[derive(Debug, Parser)]
#[command(
    name = "packagebuild-deb",
    version,
    // --version is the version to build; the tool's own is -V/--tool-version.
    disable_version_flag = true,
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    /// Install missing build dependencies with apt-get (as root) instead of failing with their list.
    #[arg(long, help_heading = "Build")]
    install_build_deps: bool,

    /// Build a --target debN on a host of another Debian release; the packages are the host's release's, and the result records the host. Without it such a build is refused.
    #[arg(
        long,
        env = "PACKAGEBUILD_ALLOW_FOREIGN_TARGET",
        help_heading = "Build"
    )]
    allow_foreign_target: bool,

    #[command(flatten)]
    verbosity: Verbosity,
}

fn main() -> ExitCode {
    let mut builder = DebBuilder {
        install_build_deps: false,
        debian_major: None,
        allow_foreign_target: false,
    };
    let cli: Cli = packagebuild::parse_args(&builder);
    cli.verbosity.init_logging();
    builder.install_build_deps = cli.install_build_deps;
    builder.allow_foreign_target = cli.allow_foreign_target;
    packagebuild::main_with(&builder, &cli.common)
}
