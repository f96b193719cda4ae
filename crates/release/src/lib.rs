//! The release steps behind `version-gen` and `repo-tagger`.
//!
//! The binaries parse their arguments into the option types here, call
//! [`version::generate`] or [`tagger::run`], print the result and exit with
//! [`ReleaseError::exit_code`], one of the exit codes every tool shares
//! (crate `cli`).

pub mod cli;
mod error;
pub mod publish;
pub mod stage;
pub mod tagger;
pub mod version;

pub use error::ReleaseError;

use ::cli::{EXIT_CONFLICT, EXIT_FAILURE, EXIT_USAGE};
