//! Per-object progress: a bar on a terminal, a log line otherwise (Prow logs).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::PutOutcome;

/// How transfers report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// A bar when stderr is a terminal, else one `tracing` info line per object.
    #[default]
    Auto,
    /// No bar; only a `tracing` debug line per object.
    Never,
}

/// Reports one transfer.
pub(crate) struct Reporter {
    url: String,
    size: u64,
    mode: Mode,
}

enum Mode {
    Bar(ProgressBar),
    Log,
    Quiet,
}

impl Reporter {
    pub fn start(progress: Progress, url: &str, size: u64) -> Reporter {
        let mode = match progress {
            Progress::Never => Mode::Quiet,
            Progress::Auto if std::io::stderr().is_terminal() => {
                let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_message(url.to_string());
                bar.enable_steady_tick(Duration::from_millis(200));
                Mode::Bar(bar)
            }
            Progress::Auto => Mode::Log,
        };
        Reporter {
            url: url.to_string(),
            size,
            mode,
        }
    }

    pub fn inc(&self, n: u64) {
        if let Mode::Bar(bar) = &self.mode {
            bar.inc(n);
        }
    }

    /// Ends without reporting (the transfer is retried another way).
    pub fn abandon(self) {
        if let Mode::Bar(bar) = self.mode {
            bar.finish_and_clear();
        }
    }

    pub fn finish(self, result: Result<PutOutcome, &crate::StoreError>) {
        let outcome = match result {
            Ok(PutOutcome::Created) => "created",
            Ok(PutOutcome::AlreadyIdentical) => "already identical",
            Err(e) if e.is_conflict() => "conflict",
            Err(_) => "failed",
        };
        let (url, size) = (&self.url, self.size);
        match self.mode {
            Mode::Bar(bar) => {
                bar.set_position(size);
                bar.finish_with_message(format!("{url} ({outcome})"));
            }
            Mode::Log => tracing::info!(object = %url, size, outcome, "store"),
            Mode::Quiet => tracing::debug!(object = %url, size, outcome, "store"),
        }
    }
}
