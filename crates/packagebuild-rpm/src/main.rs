//! `packagebuild-rpm`: .rpm packages from a repository's packaging/*.spec.

use std::process::ExitCode;

use clap::Parser;
use cli::Verbosity;
use packagebuild::{CommonArgs, parse_env_pair};
use packagebuild_rpm::{Host, RpmBuilder, parse_dist};

const AFTER_HELP: &str = "\
For each spec stem in packaging/, <stem>.el<N>.spec is built if it exists,
else <stem>.spec. rpmbuild gets _version (Version: %{_version}), _go, _gopath
and has_extra_source. On a host that is not RPM-based (e.g. Debian) it builds
with --nodeps, bash as build shell, the EL systemd/udev macros and dist .el<N>,
and says so. Every package is read back (epoch 1, version, release g1...) before
anything is uploaded; uploads never overwrite.

Examples:
  packagebuild-rpm --version 20261127.00 --out ./out
  packagebuild-rpm --version 20261127.00 --dist el8 --dry-run
  packagebuild-rpm --workspace /workspace --stage gs://staging/$BUILD_ID/el9

Exit codes: 0 ok, 1 build or upload failure, 2 usage error, 3 conflict (an
object with different bytes exists at the destination).";

/// Builds .rpm and .src.rpm packages from packaging/*.spec.
#[derive(Debug, Parser)]
#[command(
    name = "packagebuild-rpm",
    version,
    // --version is the version to build; the tool's own is -V/--tool-version.
    disable_version_flag = true,
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    /// The EL release to build for, e.g. el9 [default: from /etc/os-release on an EL host, else el9].
    #[arg(long, value_name = "elN", value_parser = parse_dist, help_heading = "Build")]
    dist: Option<u32>,

    /// An extra rpmbuild macro definition, NAME=VALUE (repeatable).
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_env_pair, help_heading = "Build")]
    define: Vec<(String, String)>,

    #[command(flatten)]
    verbosity: Verbosity,
}

fn main() -> ExitCode {
    let mut builder = RpmBuilder {
        dist: None,
        defines: vec![],
        host: Host::detect(),
    };
    let cli: Cli = packagebuild::parse_args(&builder);
    cli.verbosity.init_logging();
    builder.dist = cli.dist;
    builder.defines = cli.define.clone();
    packagebuild::main_with(&builder, &cli.common)
}
