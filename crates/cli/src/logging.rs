//! Logs go to stderr (stdout carries results), plain lines for Prow logs.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Sets up logging: `verbose` and `quiet` are the counts of `-v` and `-q`.
/// `RUST_LOG` overrides them.
pub fn init(verbose: u8, quiet: u8) {
    let level = match (verbose as i8) - (quiet as i8) {
        i8::MIN..=-2 => "error",
        -1 => "warn",
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .try_init();
}
