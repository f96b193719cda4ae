//! `pj-local`: runs a Prow job on this machine.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use prow_env::{JobType, Pull};
use prowrun::{Options, RepoArg, Runtime, Sink};

const AFTER_HELP: &str = "\
What it does, like Prow for a decorated pod: clones the repository like
clonerefs (the base ref with tags, the base sha, pulls merged --no-ff), then
each of the job's extra_refs (its base_ref) beside it, where clonerefs puts it
(/home/prow/go/src/github.com/<org>/<repo>, or its path_alias), gives
every container Prow's variables (JOB_SPEC, PULL_REFS, BUILD_ID...), backs
each emptyDir with <out>/<job>/<build id>/volumes/<name>/, each secret
volume with --secret and each hostPath folder with <out>/host-paths/<path>/
(kept for later runs, as a node keeps it), starts all containers at once,
prefixes each log line with the container's name, and writes started.json,
finished.json, <container>-build-log.txt and artifacts/ under
<out>/<job>/<build id>/.

Runtime local runs each container's command as this workspace's binary
(--bin-dir). The pod's paths (/workspace, /logs/artifacts, /home/prow/go,
secret mounts) cannot exist on the host, so each mount path found in args,
env values and the working directory is rewritten to its host folder.

Repositories: --repo PATH|URL is the job's own; every repository in the
job's extra_refs needs its source as --repo ORG/REPO=PATH|URL (a local clone
or a URL; pj-local never fetches one from GitHub by itself, and says which
are missing). The commit cloned of each is in the log and in started.json's
repos. A folder of the job's own whose path looks like ORG/REPO=... is
written ./ORG/REPO=...

Without touching production: --forge-remote turns the job's `--forge github`
into `--forge git --remote <it>`; --bucket turns gs://<bucket>/<path> into
<DIR>/<bucket>/<path>. The YAML is not edited.

Prow runs a postsubmit for a push to a branch (a presubmit for a pull
request against one) only if the job's `branches` regexes match it and its
`skip_branches` do not, unanchored. pj-local runs the job on the base branch
it is given anyway, and warns on stderr when Prow would not.

Examples:
  pj-local --job guest-agent-release --repo ~/src/guest-agent --base-ref main \\
           --repo GoogleCloudPlatform/google-guest-agent=$HOME/src/google-guest-agent \\
           --forge-remote ~/src/guest-agent --bucket /tmp/bucket --out /tmp/pj
  pj-local --job guest-agent-packagebuild --repo ~/src/guest-agent --base-ref main \\
           --repo GoogleCloudPlatform/google-guest-agent=$HOME/src/google-guest-agent \\
           --pull 17:3f2c9e1 --out /tmp/pj
  pj-local --job guest-agent-release --runtime podman --secret github-access-token=token.txt ...

Output: every container's log lines, prefixed `[name] `, and pj-local's own
(`[pj-local] `) on stdout; warnings and errors on stderr.

Exit codes: 0 every container passed, 1 a container failed (or the run could
not start), 2 usage error.";

/// Runs a Prow job from prow/jobs on this machine, emulating a merge (or a pull request).
#[derive(Debug, Parser)]
#[command(name = "pj-local", version, after_help = AFTER_HELP)]
struct Cli {
    /// The job's name.
    #[arg(long, value_name = "NAME")]
    job: String,

    /// The folder of job configs.
    #[arg(long, default_value = "prow/jobs", value_name = "DIR")]
    config: PathBuf,

    /// PATH|URL: the job's own repository, whose merge is emulated [default: the job's clone_uri, else https://github.com/<org>/<repo>.git]. ORG/REPO=PATH|URL: the source of the repository ORG/REPO that the job clones; each of its extra_refs needs one, e.g. GoogleCloudPlatform/google-guest-agent=$HOME/src/google-guest-agent (the shell expands no ~ after the =) (repeatable).
    #[arg(long, value_name = "[ORG/REPO=]PATH|URL", value_parser = prowrun::parse_repo)]
    repo: Vec<RepoArg>,

    /// The base branch: a branch of --repo, or, when --repo is a local clone without it, its remote-tracking <remote>/<branch> [default: the repository's default branch]. pj-local warns when the job's branches/skip_branches would keep Prow from running it there.
    #[arg(long, value_name = "REF")]
    base_ref: Option<String>,

    /// The base commit [default: the head of --base-ref].
    #[arg(long, value_name = "SHA")]
    base_sha: Option<String>,

    /// Where runs are written: <DIR>/<job>/<build id>/ [default: $TMPDIR/pj-local].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// What runs the containers.
    #[arg(long, default_value = "local", value_parser = ["local", "buildah", "podman", "docker"])]
    runtime: String,

    /// A secret volume's content: NAME is the volume (or secret) name, PATH a folder of key files or a single file, placed under the name(s) the job reads (/dev/null: an empty secret) (repeatable).
    #[arg(long, value_name = "NAME=PATH", value_parser = prowrun::parse_secret)]
    secret: Vec<(String, PathBuf)>,

    /// Turn the job's `--forge github` into `--forge git --remote <this>` (nothing on GitHub is touched).
    #[arg(long, value_name = "PATH|URL")]
    forge_remote: Option<String>,

    /// Turn every gs://<bucket>/<path> in args and env into <DIR>/<bucket>/<path>.
    #[arg(long, value_name = "DIR")]
    bucket: Option<PathBuf>,

    /// Runtime local: the folder of the tool binaries [default: the folder of pj-local itself, e.g. target/debug].
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,

    /// The job type, when a presubmit and a postsubmit share the name [default: the job's].
    #[arg(long = "type", value_name = "TYPE", value_parser = ["presubmit", "postsubmit", "periodic"])]
    job_type: Option<String>,

    /// Presubmits: a pull request merged on top of the base, N:SHA (repeatable).
    #[arg(long, value_name = "N:SHA", value_parser = prowrun::parse_pull)]
    pull: Vec<Pull>,

    /// Run nothing: print what prow/pj-on-kind.sh reads of the job (from --config, presets merged) as key=value lines: job=, type=, repo=ORG/REPO (if any), extra_ref=ORG/REPO per extra_refs entry, and for each secret volume secret=VOLUME and secret_file=VOLUME/FILE per file the job reads from it.
    #[arg(long)]
    print_job_info: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let job_type = cli
        .job_type
        .as_deref()
        .and_then(|t| t.parse::<JobType>().ok());
    if cli.print_job_info {
        return match prowrun::job_info(&cli.config, &cli.job, job_type) {
            Ok(info) => {
                print!("{}", info.to_lines());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pj-local: error: {e}");
                ExitCode::from(e.exit_code())
            }
        };
    }
    let bin_dir = match cli.bin_dir.clone().or_else(own_dir) {
        Some(d) => d,
        None => {
            eprintln!("pj-local: error: cannot tell where pj-local is; pass --bin-dir");
            return ExitCode::from(2);
        }
    };
    let mut own = Vec::new();
    let mut repo_sources = Vec::new();
    for r in cli.repo {
        match r {
            RepoArg::Own(p) => own.push(p),
            RepoArg::Named { repo, source } => repo_sources.push((repo, source)),
        }
    }
    if own.len() > 1 {
        eprintln!(
            "pj-local: error: --repo {} and --repo {}: the job's own repository is given twice; give it once, and the other repositories the job clones as ORG/REPO=PATH|URL",
            own[0], own[1]
        );
        return ExitCode::from(2);
    }
    let opts = Options {
        job: cli.job,
        config: cli.config,
        repo: own.pop(),
        base_ref: cli.base_ref,
        base_sha: cli.base_sha,
        out: cli
            .out
            .unwrap_or_else(|| std::env::temp_dir().join("pj-local")),
        runtime: cli.runtime.parse::<Runtime>().unwrap_or(Runtime::Local),
        secrets: cli.secret,
        forge_remote: cli.forge_remote,
        bucket: cli.bucket,
        bin_dir,
        job_type,
        pulls: cli.pull,
        repo_sources,
    };
    let sink: Sink = Arc::new(Mutex::new(std::io::stdout()));
    let warnings: Sink = Arc::new(Mutex::new(std::io::stderr()));
    match prowrun::run(&opts, &sink, &warnings) {
        Ok(outcome) if outcome.passed => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("pj-local: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// The folder of this executable: the tools are built beside it.
fn own_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .parent()
        .map(std::path::Path::to_path_buf)
}
