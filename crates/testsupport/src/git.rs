//! Real git repositories in temporary folders, for tests of the git forge
//! and the tools.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A working repository with a bare "remote" beside it, both in one
/// temporary folder that is removed on drop.
pub struct GitFixture {
    dir: tempfile::TempDir,
}

impl GitFixture {
    /// A new repository `work` (branch `master`, one commit) and a bare
    /// clone `remote.git` set as its `origin`.
    pub fn new() -> GitFixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = GitFixture { dir };
        git(
            f.dir.path(),
            &["init", "--quiet", "--initial-branch=master", "work"],
        );
        f.commit("initial");
        git(
            f.dir.path(),
            &["clone", "--quiet", "--bare", "work", "remote.git"],
        );
        git(
            &f.work(),
            &["remote", "add", "origin", f.remote().to_str().unwrap()],
        );
        f
    }

    /// Like [`GitFixture::new`], with the files of `examples/<name>` of this
    /// workspace committed in `work` and pushed.
    pub fn from_example(name: &str) -> GitFixture {
        let f = GitFixture::new();
        let src = examples_dir().join(name);
        assert!(src.is_dir(), "no example {}", src.display());
        copy_dir(&src, &f.work());
        git(&f.work(), &["add", "-A"]);
        f.commit_and_push(&format!("import example {name}"));
        f
    }

    /// Like [`GitFixture::from_example`], then `edit` applied to `work` and
    /// committed (not pushed).
    pub fn from_example_with(name: &str, edit: impl FnOnce(&Path)) -> GitFixture {
        let f = GitFixture::from_example(name);
        edit(&f.work());
        git(&f.work(), &["add", "-A"]);
        f.commit(&format!("edit example {name}"));
        f
    }

    /// The temporary folder holding everything.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The working repository.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// The bare remote.
    pub fn remote(&self) -> PathBuf {
        self.dir.path().join("remote.git")
    }

    /// Makes a commit in `work` and returns its sha (not pushed).
    pub fn commit(&self, message: &str) -> String {
        git(
            &self.work(),
            &["commit", "--quiet", "--allow-empty", "-m", message],
        );
        self.head()
    }

    /// Makes a commit and pushes `master` to the remote; returns its sha.
    pub fn commit_and_push(&self, message: &str) -> String {
        let sha = self.commit(message);
        git(&self.work(), &["push", "--quiet", "origin", "master"]);
        sha
    }

    /// HEAD of `work`.
    pub fn head(&self) -> String {
        git(&self.work(), &["rev-parse", "HEAD"]).trim().to_owned()
    }

    /// Creates lightweight tags on `commit` directly in the remote, fast
    /// even for thousands (one `git update-ref --stdin`).
    pub fn remote_tags(&self, names: &[String], commit: &str) {
        let input: String = names
            .iter()
            .map(|n| format!("create refs/tags/{n} {commit}\n"))
            .collect();
        run(
            &self.remote(),
            &["update-ref", "--stdin"],
            Some(input.as_bytes()),
        );
    }

    /// The commit each tag of the remote points at (peeled), by name.
    pub fn remote_tag_commit(&self, name: &str) -> Option<String> {
        let out = Command::new("git")
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/tags/{name}^{{commit}}"),
            ])
            .current_dir(self.remote())
            .output()
            .expect("git runs");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// All tag names of the remote.
    pub fn remote_tag_names(&self) -> Vec<String> {
        git(&self.remote(), &["tag", "--list"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The object type of `refs/tags/<name>` in the remote (`tag` when annotated).
    pub fn remote_tag_type(&self, name: &str) -> String {
        git(
            &self.remote(),
            &["cat-file", "-t", &format!("refs/tags/{name}")],
        )
        .trim()
        .to_owned()
    }
}

/// The `examples/` folder of this workspace.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Copies a folder tree, keeping file modes (scripts stay executable).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_dir(&e.path(), &dest);
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), dest).unwrap();
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

impl Default for GitFixture {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs git in `dir` with a fixed identity and clock; panics on failure
/// (fixtures are not under test).
pub fn git(dir: &Path, args: &[&str]) -> String {
    run(dir, args, None)
}

fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("git runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
