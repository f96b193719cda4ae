//! Every shell block of the project's Markdown runs as written.
//!
//! Each document gets a sandbox shaped like the machine the docs talk to: a
//! `$HOME` whose `~/src/guest-agent` is a git repository (examples/shell-tool
//! on branch `main`) with a bare `origin` and `~/src/google-guest-agent` one
//! (its extra repository, a README only), the workspace's binaries on `PATH`,
//! GitHub token files in `~/.config/` and the fake GitHub behind
//! `GITHUB_API_URL`, `TMPDIR` inside the sandbox. The blocks of one document
//! run in order (a later block may use an earlier one's output), each with
//! `bash -e -o pipefail`, from `~/src/guest-agent` or, when the block says
//! `<!-- doc-test: in the project -->`, from this checkout. A block that
//! cannot run here says why with `<!-- doc-test: skip: REASON -->`.
//!
//! The clock is pinned to 2026-11-27 12:00:00 UTC (faketime, wall clock
//! only), the day the docs' example versions name, so the result does not
//! depend on the day or the hour it runs: `make test-clock` leaves this
//! package out for that reason.
//!
//! `cargo build --workspace --bins`, which the docs say to run first, is
//! done by `make unit` before the tests (cargo's lock is held while tests
//! run): a `cargo` on the sandbox's `PATH` accepts exactly that command and
//! checks that the binaries are there.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use doc_blocks::{Block, Run};
use testsupport::cli::{run, run_at, stderr, stdout, utc, workspace_bins};
use testsupport::git::{copy_dir, examples_dir, git};
use testsupport::github::{FakeConfig, FakeGitHub};

/// The instant every block's processes start at (UTC).
const NOW: &str = "2026-11-27 12:00:00";
const TOKEN: &str = "doc-test-token";
const TOOLS: &[&str] = &[
    "version-gen",
    "repo-tagger",
    "packagebuild-deb",
    "packagebuild-rpm",
    "packagebuild-googet",
    "pj-local",
    "check-prow",
    "gomodproxy",
];

/// The documents with shell blocks, each run by the test of the same name.
const DOCUMENTS: &[&str] = &[
    "README.md",
    "containers/README.md",
    "docs/googet.md",
    "docs/operating.md",
    "docs/packagebuild.md",
    "examples/README.md",
    "examples/go-modules/README.md",
    "prow/README.md",
];

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

struct Sandbox {
    _dir: tempfile::TempDir,
    home: PathBuf,
    repo: PathBuf,
    remote: PathBuf,
    tmp: PathBuf,
    path: String,
    github: FakeGitHub,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let repo = home.join("src/guest-agent");
        let remote = dir.path().join("remote/guest-agent.git");
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::create_dir_all(home.join(".config")).unwrap();
        // A user's git knows who they are; repo-tagger's tags need no more.
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Doc Reader\n\temail = reader@example.com\n",
        )
        .unwrap();
        for name in ["github-token", "gh-token"] {
            std::fs::write(home.join(".config").join(name), format!("{TOKEN}\n")).unwrap();
        }

        copy_dir(&examples_dir().join("shell-tool"), &repo);
        git(&repo, &["init", "--quiet", "--initial-branch=main"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "--quiet", "-m", "guest-hello"]);
        git(
            dir.path(),
            &[
                "clone",
                "--quiet",
                "--bare",
                repo.to_str().unwrap(),
                remote.to_str().unwrap(),
            ],
        );
        git(
            &repo,
            &["remote", "add", "origin", remote.to_str().unwrap()],
        );
        git(&repo, &["fetch", "--quiet", "origin"]);
        let head = git(&repo, &["rev-parse", "HEAD"]).trim().to_owned();
        // guest-agent's jobs clone google-guest-agent beside it (extra_refs):
        // the docs' pj-local runs give it as --repo ORG/REPO=PATH. Not a Go
        // module: the sandbox has no module proxy (the Go builds are tested
        // in the builders' own tests).
        let extra = home.join("src/google-guest-agent");
        std::fs::create_dir_all(&extra).unwrap();
        std::fs::write(
            extra.join("README.md"),
            "# google-guest-agent (doc sandbox)\n",
        )
        .unwrap();
        git(&extra, &["init", "--quiet", "--initial-branch=main"]);
        git(&extra, &["add", "-A"]);
        git(&extra, &["commit", "--quiet", "-m", "google-guest-agent"]);

        let github = FakeGitHub::spawn(FakeConfig {
            token: TOKEN.into(),
            repos: vec![],
        })
        .unwrap();
        github.add_commit("GoogleCloudPlatform", "guest-agent", &head);

        let shims = dir.path().join("shims");
        std::fs::create_dir_all(&shims).unwrap();
        let bins = workspace_bins(TOOLS);
        let cargo = shims.join("cargo");
        std::fs::write(&cargo, cargo_shim(&bins)).unwrap();
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}:{}",
            shims.display(),
            bins.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Sandbox {
            _dir: dir,
            home,
            repo,
            remote,
            tmp,
            path,
            github,
        }
    }

    /// Runs one block; panics with the document, the line, the block and
    /// what it printed when it fails.
    fn run(&self, doc: &str, block: &Block) {
        let cwd = match &block.run {
            Run::InRepository => self.repo.clone(),
            Run::InProject => project(),
            Run::Skip(reason) => {
                eprintln!("{doc}:{}: skipped: {reason}", block.line);
                return;
            }
        };
        eprintln!("{doc}:{}: running in {}", block.line, cwd.display());
        let github = self.github.url();
        let env = [
            ("HOME", self.home.to_str().unwrap()),
            ("TMPDIR", self.tmp.to_str().unwrap()),
            ("PATH", self.path.as_str()),
            ("GITHUB_API_URL", github.as_str()),
        ];
        let args = ["-e", "-o", "pipefail", "-c", block.text.as_str()];
        let o = run_at(utc(NOW), "UTC", "bash", &cwd, &args, &env);
        assert!(
            o.status.success(),
            "{doc}:{}: the block failed ({}), run in {}:\n{}\n--- stdout\n{}\n--- stderr\n{}",
            block.line,
            o.status,
            cwd.display(),
            block.text,
            stdout(&o),
            stderr(&o)
        );
    }

    fn remote_tags(&self) -> Vec<String> {
        git(&self.remote, &["tag", "--list"])
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// `cargo` for the blocks: the build the docs ask for is already done.
fn cargo_shim(bins: &Path) -> String {
    let tools: Vec<String> = TOOLS
        .iter()
        .map(|t| format!("{}/{t}", bins.display()))
        .collect();
    format!(
        "#!/bin/sh\n\
         # doc-blocks: make unit has run `cargo build --workspace --bins`.\n\
         [ \"$*\" = 'build --workspace --bins' ] || {{ echo \"doc test: cargo $* is not a command the docs run\" >&2; exit 1; }}\n\
         for t in {}; do [ -x \"$t\" ] || {{ echo \"doc test: $t is missing\" >&2; exit 1; }}; done\n",
        tools.join(" ")
    )
}

/// Runs every block of `doc` in one sandbox; returns it for checks.
fn run_document(doc: &str) -> Sandbox {
    let path = project().join(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let blocks = doc_blocks::command_blocks(&text).unwrap_or_else(|e| panic!("{doc}: {e}"));
    assert!(!blocks.is_empty(), "{doc} has no shell blocks");
    let sandbox = Sandbox::new();
    for b in &blocks {
        sandbox.run(doc, b);
    }
    sandbox
}

#[test]
fn every_document_with_shell_blocks_is_run() {
    let files = run("git", &project(), &["ls-files", "--", "*.md"], &[]);
    assert!(files.status.success(), "{}", stderr(&files));
    let with_blocks: BTreeSet<String> = stdout(&files)
        .lines()
        .filter(|f| {
            let text = std::fs::read_to_string(project().join(f)).unwrap();
            !doc_blocks::command_blocks(&text)
                .unwrap_or_else(|e| panic!("{f}: {e}"))
                .is_empty()
        })
        .map(str::to_owned)
        .collect();
    let tested: BTreeSet<String> = DOCUMENTS.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        with_blocks, tested,
        "a document with shell blocks needs a test here (DOCUMENTS and a #[test])"
    );
}

#[test]
fn readme() {
    let s = run_document("README.md");
    // `repo-tagger --version 20261127.00` pushed its tag; the workspace
    // chain tagged the next one.
    assert_eq!(s.remote_tags(), ["20261127.00", "20261127.01"]);
}

#[test]
fn containers_readme() {
    run_document("containers/README.md");
}

#[test]
fn docs_googet() {
    let s = run_document("docs/googet.md");
    assert!(s.repo.join("out/goo.SHA256SUMS").is_file());
}

#[test]
fn docs_operating() {
    let s = run_document("docs/operating.md");
    for sums in ["deb12", "el9", "goo"] {
        let p = s.repo.join(format!("out/{sums}.SHA256SUMS"));
        assert!(p.is_file(), "{} is missing", p.display());
    }
    // On origin: the chain by hand, then the version tagged by hand.
    assert_eq!(s.remote_tags(), ["20261127.00", "20261127.01"]);
    // The emulated merge tags the clone it was given as its forge.
    let local = git(&s.repo, &["tag", "--points-at", "HEAD"]);
    assert!(
        !local.trim().is_empty(),
        "pj-local's release tagged nothing"
    );
    // And the one tagged by hand on GitHub.
    assert_eq!(
        s.github.tag_names("GoogleCloudPlatform", "guest-agent"),
        ["20261127.00"]
    );
}

#[test]
fn docs_packagebuild() {
    let s = run_document("docs/packagebuild.md");
    assert!(s.repo.join("out/deb12.SHA256SUMS").is_file());
    assert!(s.repo.join("out/el9.SHA256SUMS").is_file());
}

#[test]
fn examples_readme() {
    run_document("examples/README.md");
}

#[test]
fn examples_go_modules_readme() {
    run_document("examples/go-modules/README.md");
}

#[test]
fn prow_readme() {
    run_document("prow/README.md");
}
