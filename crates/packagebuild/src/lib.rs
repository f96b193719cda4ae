//! The package build step shared by every builder.
//!
//! A builder implements [`PackageBuilder`]: how to plan (for `--dry-run`)
//! and how to build in a scratch folder. [`run`] does the rest, the same for
//! every format:
//!
//! 1. the version: `--version`, or `DIR/version` waited for (bounded) in the
//!    workspace; a failed version-gen stops the build at once;
//! 2. the source: `--source DIR` or a clone of `--repo-url` at `--ref`,
//!    narrowed to `--build-dir`;
//! 3. the build, in a scratch folder;
//! 4. verification: every produced package is read back and its name,
//!    epoch, version and release checked; a mismatch uploads nothing;
//! 5. sha256 of every artifact and a `SHA256SUMS`;
//! 6. create-only upload to `--stage` (identical bytes count as done,
//!    different bytes are a conflict, exit 3), and copies in `--out`;
//! 7. the result record `results/<target>.json` (and `$ARTIFACTS`), written
//!    on failure too so that repo-tagger never waits in vain.

mod args;
mod builder;
mod error;
mod flow;
mod prepare;
pub mod process;
mod stable_dir;
mod verify;

pub use args::{CommonArgs, parse_env_pair};
pub use builder::{
    BuildContext, Built, Expectation, ExtraRepo, GoSetup, PackageBuilder, ReleaseRule,
};
pub use error::{BuildError, ReadBackError};
pub use flow::{Outcome, run};
pub use sourcetree::SourceTree;
pub use stable_dir::StableDir;
pub use verify::verify_packages;

/// The last component of `p` as text (empty when there is none): artifact
/// names are file names.
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Unpacks a `.tar.gz` into the folder `into`, keeping modes (a
/// `debian/rules` or build script stays executable).
pub fn unpack(tarball: &std::path::Path, into: &std::path::Path) -> Result<(), BuildError> {
    let f = std::fs::File::open(tarball).map_err(fs_error::at("cannot read", tarball))?;
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    a.set_preserve_permissions(true);
    Ok(a.unpack(into)
        .map_err(fs_error::at("cannot unpack", tarball))?)
}

/// Parses a builder's command line. An argument error is recorded as the
/// target's failed `results/<target>.json` (the target from `--target`,
/// else this host's default, as [`run`] picks it) before clap exits, so a
/// waiting repo-tagger stops at once instead of waiting out its timeout.
/// `defaults` is a builder with default options, asked only for the target.
pub fn parse_args<C: clap::Parser>(defaults: &dyn PackageBuilder) -> C {
    handoff::parse_args(defaults.tool(), |raw| {
        let target = raw
            .target
            .clone()
            .or_else(|| defaults.default_target().ok())
            // A target that cannot be a file name names no record: writing
            // one would put it wherever the name points.
            .filter(|t| handoff::validate_target(t).is_ok())?;
        Some(handoff::Step::Build {
            target,
            host: defaults.host(),
        })
    })
}

/// Runs `builder` with `args` on a fresh runtime and reports the outcome
/// the way every builder binary does: the artifact table (or `--json`, or
/// the `--dry-run` plan) on stdout, errors on stderr, the documented exit
/// code.
pub fn main_with(builder: &dyn PackageBuilder, args: &CommonArgs) -> std::process::ExitCode {
    let tool = builder.tool();
    let runtime = cli::runtime();
    let result = runtime.block_on(async {
        let prow = prow_env::ProwEnv::from_env().map_err(|e| BuildError::Usage(e.to_string()))?;
        run(builder, args, &prow).await
    });
    match result {
        Ok(outcome) => {
            if let Some(plan) = &outcome.plan {
                println!(
                    "dry run of {tool} for {} (nothing is built or uploaded):",
                    outcome.result.target
                );
                for (i, step) in plan.iter().enumerate() {
                    println!("{:>2}. {step}", i + 1);
                }
            } else if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&outcome.result).expect("record serialises")
                );
            } else {
                print!("{}", outcome.table());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            // The job log is public for a presubmit: no URL credentials.
            eprintln!("{tool}: error: {}", git_cmd::redact_url(&e.to_string()));
            std::process::ExitCode::from(e.exit_code() as u8)
        }
    }
}
