//! What every tool's command line shares.
//!
//! Exit codes are the same for every tool:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (including a re-run that found its work already done) |
//! | 1 | failure: the message says what and what to do |
//! | 2 | usage error: a missing, malformed or contradictory option |
//! | 3 | conflict: the version or an object is taken, or no longer the next one |

pub mod logging;

use std::time::Duration;

use clap::Args;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code: usage error (what clap also uses).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: lost the race / conflict.
pub const EXIT_CONFLICT: i32 = 3;

/// `-v` / `-q`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct Verbosity {
    /// More log detail on stderr (-vv for even more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less log detail on stderr (-qq for errors only).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub quiet: u8,
}

impl Verbosity {
    /// Sets up logging at this verbosity ([`logging::init`]).
    pub fn init_logging(&self) {
        logging::init(self.verbose, self.quiet);
    }
}

/// Parses a duration such as `90s`, `30m`, `2h` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(s).map_err(|e| format!("{e} (expected e.g. 90s, 30m, 2h)"))
}

/// The tokio runtime every tool's `main` runs its work on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_seconds_or_with_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        let e = parse_duration("soon").unwrap_err();
        assert!(e.ends_with("(expected e.g. 90s, 30m, 2h)"), "{e}");
    }
}
