//! Fake servers and fixtures for tests, the demo and benchmarks.
//!
//! - [`github`]: an in-memory fake of the GitHub REST API endpoints the
//!   release tools use (tags, refs, tag objects, commits), with request
//!   counting and fault injection. Also runnable as the `fake-github` binary.

pub mod github;

/// Real git repositories in temporary folders.
pub mod git;

/// Running the tools in tests.
pub mod cli;

/// One builder run: its folders, the binary run with them, its record.
pub mod builds;

/// Go builds offline: the example module proxy and repositories.
pub mod go;

/// A fake Google Cloud Storage (XML API) for object_store's GCS backend.
pub mod gcs;

/// The moto S3 emulator, started per test.
pub mod moto;

mod server;
