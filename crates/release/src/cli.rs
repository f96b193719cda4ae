//! Command-line options shared by the release tools.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ::cli::parse_duration;
use clap::{Args, ValueEnum};
use forge::github::{Client, RetryPolicy, Token};
use forge::{Forge, ForgeError, GitForge, GitHubForge};

use crate::ReleaseError;

/// Which forge holds the tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForgeChoice {
    /// Any git remote, by path or URL (needs no account).
    Git,
    /// The GitHub REST API (needs a token).
    Github,
}

/// Where the tags live.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Forge (where the tags live)")]
pub struct ForgeArgs {
    /// `git`: any git remote (the default, needs no account); `github`: the GitHub REST API.
    #[arg(long, value_enum, default_value_t = ForgeChoice::Git)]
    pub forge: ForgeChoice,

    /// [git] The remote holding the tags, a path or URL [default: the current repository's `origin`, else the current repository].
    #[arg(long, value_name = "URL|PATH")]
    pub remote: Option<String>,

    /// [github] Repository owner.
    #[arg(long, env = "REPO_OWNER", value_name = "OWNER")]
    pub owner: Option<String>,

    /// [github] Repository name.
    #[arg(long = "repo", env = "REPO_NAME", value_name = "NAME")]
    pub repo: Option<String>,

    /// [github] API base URL (GitHub Enterprise, tests).
    #[arg(
        long,
        env = "GITHUB_API_URL",
        default_value = "https://api.github.com",
        value_name = "URL"
    )]
    pub api_url: String,

    /// [github] File holding the token (a mounted Prow secret); without it the token is read from GITHUB_TOKEN.
    #[arg(long, env = "GITHUB_ACCESS_TOKEN", value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// [github] Retries of a failed request (5xx, 429, rate limits, dropped connections) before giving up.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_retries: u32,

    /// [github] Longest single wait accepted for a rate limit to reset before failing, e.g. 2m.
    #[arg(long, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
    pub max_rate_limit_wait: Duration,
}

impl ForgeArgs {
    /// Opens the chosen forge. `cwd` is where a default git remote is looked
    /// for; `github_token` is the value of `GITHUB_TOKEN`, if set.
    pub async fn open(
        &self,
        cwd: &Path,
        github_token: Option<String>,
    ) -> Result<Box<dyn Forge>, ReleaseError> {
        match self.forge {
            ForgeChoice::Git => Ok(Box::new(GitForge::open(self.remote.as_deref(), cwd).await?)),
            ForgeChoice::Github => {
                if self.remote.is_some() {
                    return Err(ReleaseError::Usage(
                        "--remote is for --forge git; with --forge github pass --owner and --repo"
                            .into(),
                    ));
                }
                let owner = required(&self.owner, "--owner (or REPO_OWNER)")?;
                let repo = required(&self.repo, "--repo (or REPO_NAME)")?;
                let token = match (
                    &self.token_file,
                    github_token.filter(|t| !t.trim().is_empty()),
                ) {
                    (Some(path), _) => Token::from_file(path)?,
                    (None, Some(t)) => Token::new(t.trim().to_owned()),
                    (None, None) => return Err(ForgeError::NoToken.into()),
                };
                let policy = RetryPolicy {
                    max_retries: self.max_retries,
                    max_wait: self.max_rate_limit_wait,
                    ..RetryPolicy::default()
                };
                let client = Client::new(&self.api_url, token, policy)?;
                Ok(Box::new(GitHubForge::new(client, owner, repo)?))
            }
        }
    }
}

fn required<'a>(v: &'a Option<String>, what: &str) -> Result<&'a str, ReleaseError> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ReleaseError::Usage(format!("{what} is required with --forge github")))
}

/// Parses `--date YYYYMMDD`.
pub fn parse_day(s: &str) -> Result<calver::Day, String> {
    calver::Day::parse(s).map_err(|e| e.to_string())
}
