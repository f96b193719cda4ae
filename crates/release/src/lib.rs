//! The release steps behind `version-gen` and `repo-tagger`.
//!
//! The binaries parse their arguments into the option types here, call
//! [`version::generate`] or [`tagger::run`], print the result and exit with
//! [`ReleaseError::exit_code`]. Exit codes are the same for every tool:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (including a re-run that found its work already done) |
//! | 1 | failure: the message says what and what to do |
//! | 2 | usage error: a missing, malformed or contradictory option |
//! | 3 | conflict: the version is taken by another commit, or no longer the next one |

pub mod cli;
mod error;
pub mod logging;
pub mod publish;
pub mod tagger;
pub mod version;

pub use error::ReleaseError;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code: usage error (what clap also uses).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: lost the race / conflict.
pub const EXIT_CONFLICT: i32 = 3;

/// The tokio runtime every tool's `main` runs its work on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
}
