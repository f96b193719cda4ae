use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use cli::parse_duration;

/// The options every package builder shares.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// The repository to build from (in a Prow pod, the cloned repository).
    #[arg(long, default_value = ".", value_name = "DIR", help_heading = "Source")]
    pub source: PathBuf,

    /// Clone this repository instead of using --source.
    #[arg(long, value_name = "URL", help_heading = "Source")]
    pub repo_url: Option<String>,

    /// With --repo-url: the branch, tag, sha or pull/N/head to build.
    #[arg(
        long = "ref",
        value_name = "REF",
        default_value = "HEAD",
        requires = "repo_url",
        help_heading = "Source"
    )]
    pub reference: String,

    /// Build the working tree even when it has changes that are not in its commit (modified or untracked files); the result records them. Without it such a tree is refused: the packages would name a commit but hold other files.
    #[arg(long, help_heading = "Source")]
    pub allow_dirty: bool,

    /// A second repository the packaging builds with this one (guest-agent builds google-guest-agent with it): a clone's folder or a git URL. Placed as the format expects: deb inside the source (<source>/<name>/), rpm as SOURCES/<name>_extra-<version>.orig.tar.gz with has_extra_source 1, goo beside the source (../<name>/).
    #[arg(
        long,
        env = "EXTRA_REPO",
        value_name = "PATH|URL",
        help_heading = "Source"
    )]
    pub extra_repo: Option<String>,

    /// With --extra-repo: the branch, tag or sha to build [default: a folder's checkout as it is, a URL's HEAD].
    #[arg(
        long,
        env = "EXTRA_REF",
        value_name = "REF",
        requires = "extra_repo",
        help_heading = "Source"
    )]
    pub extra_ref: Option<String>,

    /// Build from this subfolder of the repository (it holds packaging/).
    #[arg(long, value_name = "SUB", help_heading = "Source")]
    pub build_dir: Option<String>,

    /// The version to build, e.g. 20261127.00; or give --workspace to read DIR/version.
    #[arg(long, value_name = "V", help_heading = "Version")]
    pub version: Option<String>,

    /// The shared workspace: DIR/version is read (waiting for it), DIR/results/<target>.json is written. A store URL (gs://, s3://, file://), e.g. gs://bucket/<repo>/commits/$(PULL_BASE_SHA), is shared by every run of the commit: the version is this run's (runs/$BUILD_ID/version), and a target with an ok result for that version there is not built again.
    #[arg(
        long,
        env = "RELEASE_WORKSPACE",
        value_name = "DIR|URL",
        help_heading = "Version"
    )]
    pub workspace: Option<String>,

    /// How long to wait for DIR/version, e.g. 90s, 30m.
    #[arg(long, default_value = "30m", value_parser = parse_duration, value_name = "DURATION", help_heading = "Version")]
    pub wait_timeout: Duration,

    /// Upload the artifacts (create-only) directly under this store URL: gs://, s3://, file:// or a path.
    #[arg(long, value_name = "URL", help_heading = "Output")]
    pub stage: Option<String>,

    /// Also keep local copies of the artifacts (and SHA256SUMS) in this folder.
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: Option<PathBuf>,

    /// The commit URL recorded in the packages [default: from REPO_OWNER/REPO_NAME, else a GitHub origin].
    #[arg(long, value_name = "URL", help_heading = "Build")]
    pub commit_url: Option<String>,

    /// An extra variable for the build environment, NAME=VALUE (repeatable), e.g. TARGET_VERSION=bookworm.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env_pair, help_heading = "Build")]
    pub env: Vec<(String, String)>,

    /// The Go module cache for the prefetch (go mod download) and the build, kept across runs, e.g. a Prow volume [default: a scratch folder, removed afterwards].
    #[arg(long, env = "GOMODCACHE", value_name = "DIR", help_heading = "Build")]
    pub go_mod_cache: Option<PathBuf>,

    /// The build target label recorded in the result [default: detected, e.g. deb12, el9].
    #[arg(long, value_name = "LABEL", help_heading = "Build")]
    pub target: Option<String>,

    /// Show every step (commands, files, destinations) without building or uploading.
    #[arg(long, help_heading = "Output")]
    pub dry_run: bool,

    /// Print the result record as JSON on stdout.
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    /// Print the builder's own version and exit (--version is the version to build).
    #[arg(short = 'V', long = "tool-version", action = clap::ArgAction::Version)]
    pub tool_version: (),
}

/// Parses `NAME=VALUE`.
pub fn parse_env_pair(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or("expected NAME=VALUE")?;
    let valid = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(format!("{k:?} is not a variable name (letters, digits, _)"));
    }
    Ok((k.to_owned(), v.to_owned()))
}
