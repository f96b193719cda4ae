use std::path::PathBuf;

/// Everything that can go wrong talking to a forge. Messages say what was
/// wrong, with which input, and what to do; none holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// The `git` program could not be started.
    #[error("cannot run git: {0}; install git (apt-get install git) or put it on PATH")]
    GitMissing(std::io::Error),

    /// The remote is not a git repository (or cannot be reached).
    #[error(
        "{remote} is not a git repository (or cannot be reached): {detail}; pass --remote with a repository path or URL"
    )]
    NotARepository {
        /// The remote as given.
        remote: String,
        /// git's own words.
        detail: String,
    },

    /// A git command failed.
    #[error("`{command}` failed in {dir}: {stderr}")]
    Git {
        /// The command line (no secrets: remotes with credentials are redacted).
        command: String,
        /// The folder it ran in.
        dir: PathBuf,
        /// The last lines of git's stderr.
        stderr: String,
    },

    /// No commit has this name.
    #[error(
        "unknown commit {rev} in {forge}: check --sha (or PULL_BASE_SHA) and that the commit was pushed"
    )]
    UnknownCommit {
        /// The revision asked for.
        rev: String,
        /// Where it was looked up.
        forge: String,
    },

    /// The tag exists on a different commit: this run lost the race.
    #[error(
        "tag {tag} already exists on commit {existing}, not on {requested}: another release took this version; nothing was tagged"
    )]
    TagConflict {
        /// The tag name.
        tag: String,
        /// The commit the existing tag points at.
        existing: String,
        /// The commit this run wanted to tag.
        requested: String,
    },

    /// The token file is missing, unreadable or empty.
    #[error(
        "GitHub token file {path}: {problem}; point --token-file (or GITHUB_ACCESS_TOKEN) at a readable file holding the token, or set GITHUB_TOKEN"
    )]
    TokenFile {
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// No token was given at all.
    #[error(
        "no GitHub token: pass --token-file PATH (or set GITHUB_ACCESS_TOKEN to the file's path), or set GITHUB_TOKEN"
    )]
    NoToken,

    /// 401 from GitHub.
    #[error(
        "GitHub refused the credentials (401 {message}) for {method} {path}: the token is invalid or expired; check the token file"
    )]
    Unauthorized {
        /// HTTP method.
        method: String,
        /// Request path (no query secrets; the token is never in the URL).
        path: String,
        /// GitHub's message.
        message: String,
    },

    /// 404 from GitHub.
    #[error(
        "GitHub answered 404 Not Found for {method} {path}: the repository {repo} does not exist or the token cannot see it; check --owner/--repo (REPO_OWNER/REPO_NAME) and the token's access"
    )]
    NotFound {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// `owner/repo`.
        repo: String,
    },

    /// Rate limited, and waiting longer is past the retry budget.
    #[error(
        "GitHub rate limit for {method} {path} after {attempts} attempt(s): {detail}; wait and re-run (or raise --max-retries / --max-rate-limit-wait)"
    )]
    RateLimited {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// How many attempts were made.
        attempts: u32,
        /// When the limit resets, or how long GitHub asked to wait.
        detail: String,
    },

    /// Any other HTTP error status (after the retries for 5xx).
    #[error("GitHub answered {status} for {method} {path} after {attempts} attempt(s): {message}")]
    Http {
        /// The status code.
        status: u16,
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// How many attempts were made.
        attempts: u32,
        /// GitHub's message.
        message: String,
    },

    /// The request could not be sent or the connection broke (after retries).
    #[error(
        "cannot reach GitHub at {url} for {method} {path} after {attempts} attempt(s): {detail}; check --api-url (GITHUB_API_URL) and the network"
    )]
    Transport {
        /// The API base URL.
        url: String,
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// How many attempts were made.
        attempts: u32,
        /// What failed.
        detail: String,
    },

    /// GitHub's answer was not what its documentation says.
    #[error("unexpected answer from GitHub for {method} {path}: {detail}")]
    InvalidResponse {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// What was wrong.
        detail: String,
    },

    /// A bad argument (an invalid API URL, a malformed owner...).
    #[error("{0}")]
    InvalidInput(String),
}

impl ForgeError {
    /// True when the error means "another run holds this version": the
    /// caller should exit with the conflict code.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ForgeError::TagConflict { .. })
    }
}
