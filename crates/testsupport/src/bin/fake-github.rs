//! `fake-github`: the fake GitHub REST API as a process, for benchmarks and
//! the demo. See `testsupport::github` for what it serves.
//!
//! ```text
//! fake-github --seed seed.json [--port P] [--addr-file PATH]
//! fake-github --generate-tags 10000 --owner O --repo R --token T --today 20261127
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` and serves until SIGTERM or
//! ctrl-c. Drive it with `GET /_fake/stats`, `POST /_fake/faults` (a JSON list
//! of faults) and `POST /_fake/reset-requests`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Parser;
use testsupport::github::{FakeConfig, FakeGitHub, generate_version_tags};

#[derive(Debug, Parser)]
#[command(
    name = "fake-github",
    about = "An in-memory fake of the GitHub REST API (tags, refs, tag objects, commits)"
)]
struct Args {
    /// Seed file (JSON): {"token": "...", "repos": [{"owner", "repo", "commits": [...], "tags": {"NAME": "SHA"}}]}.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "generate_tags",
        conflicts_with = "generate_tags"
    )]
    seed: Option<PathBuf>,

    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// Also write the URL to this file (atomically), for scripts to wait on.
    #[arg(long, value_name = "PATH")]
    addr_file: Option<PathBuf>,

    /// Instead of a seed file: one repository with N version tags over the
    /// days before --today.
    #[arg(long, value_name = "N", requires_all = ["owner", "repo", "token", "today"])]
    generate_tags: Option<usize>,

    /// Owner of the generated repository.
    #[arg(long, requires = "generate_tags")]
    owner: Option<String>,

    /// Name of the generated repository.
    #[arg(long, requires = "generate_tags")]
    repo: Option<String>,

    /// The token the fake accepts (with --generate-tags).
    #[arg(long, requires = "generate_tags")]
    token: Option<String>,

    /// The generated tags end the day before this one (YYYYMMDD).
    #[arg(long, value_name = "YYYYMMDD", requires = "generate_tags")]
    today: Option<String>,

    /// Generated tags per day.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    tags_per_day: u32,
}

fn config(args: &Args) -> anyhow::Result<FakeConfig> {
    if let Some(seed) = &args.seed {
        return FakeConfig::from_seed_file(seed);
    }
    // clap guarantees these with --generate-tags.
    let (Some(n), Some(owner), Some(repo), Some(token), Some(today)) = (
        args.generate_tags,
        &args.owner,
        &args.repo,
        &args.token,
        &args.today,
    ) else {
        anyhow::bail!("--generate-tags needs --owner, --repo, --token and --today");
    };
    let today = chrono::NaiveDate::parse_from_str(today, "%Y%m%d")
        .with_context(|| format!("--today {today:?} is not a date (YYYYMMDD)"))?;
    let repo = generate_version_tags(owner, repo, n, args.tags_per_day as usize, today);
    eprintln!(
        "seeded {owner}/{} with {} tags before {today}; untagged head commit {}",
        repo.repo,
        repo.tags.len(),
        repo.commits[0]
    );
    Ok(FakeConfig {
        token: token.clone(),
        repos: vec![repo],
    })
}

/// Writes `url` to `path` through a temporary file and a rename, so a reader
/// never sees half a URL.
fn write_addr_file(path: &Path, url: &str) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, format!("{url}\n"))
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

async fn until_stopped() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::select! {
        _ = term.recv() => {}
        r = tokio::signal::ctrl_c() => r.context("cannot listen for ctrl-c")?,
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = Args::parse();
    let config = config(&args)?;
    let server = FakeGitHub::start_at(args.port, config)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let url = server.url();
    // The file first: whoever reads the stdout line may then rely on it.
    if let Some(path) = &args.addr_file {
        write_addr_file(path, &url)?;
    }
    println!("listening on {url}");
    std::io::stdout()
        .flush()
        .context("cannot write to stdout")?;
    until_stopped().await?;
    drop(server);
    Ok(())
}
