//! Go for the package builds.
//!
//! guest-agent's and osconfig's packaging expects Go at `/tmp/go/bin` (the
//! original builders installed it there): `debian/rules` puts it first on
//! `PATH`, the googet build script calls `/tmp/go/bin/go` by its full path.
//! [`Toolchain::locate`] finds the Go a build uses and, on a host without
//! `/tmp/go` (a laptop, CI), links `/tmp/go` to the Go on `PATH` so that
//! those paths resolve, saying so in the log.
//!
//! [`Toolchain::download`] is the module prefetch: `go mod download` into a
//! module cache that the package build then sees through `GOMODCACHE`, so
//! packaging that hard-codes `GOPROXY=https://proxy.golang.org` builds
//! without reaching it. A module the proxy lacks fails here, before any
//! package is built, naming the module, its version and the proxy.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::process::Command;
use tracing::info;

/// Where the packaging expects Go: `<this>/bin/go`.
pub const PACKAGING_GOROOT: &str = "/tmp/go";

/// Overrides [`PACKAGING_GOROOT`] (tests; a host whose `/tmp` is not
/// writable). The packaging still says `/tmp/go`: only a build that does not
/// hard-code it can use another place.
pub const GOROOT_LINK_ENV: &str = "PACKAGEBUILD_GO_LINK";

/// How to install Go where the builders run (Debian 12; Debian's registry
/// serves bookworm-backports).
pub const INSTALL_HINT: &str = "install Go 1.23 (Debian 12, as root: echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list && apt-get update && apt-get install -y -t bookworm-backports golang-1.23-go golang-go; in this project `make deps` does it), or put Go at /tmp/go";

/// Why Go could not be set up or the modules could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum GoError {
    /// The build needs Go and there is none.
    #[error("{why}, but Go is not installed (no {link}/bin/go, no go on PATH): {INSTALL_HINT}")]
    Missing {
        /// What needs Go (`go.mod in ...`, `packaging/debian/rules calls Go`).
        why: String,
        /// Where the packaging expects Go.
        link: String,
    },

    /// `/tmp/go` exists but holds no Go.
    #[error(
        "{link} exists but {link}/bin/go is not a program: remove {link} (the builder then links it to the Go on PATH) or install Go there"
    )]
    BadLink {
        /// The path.
        link: String,
    },

    /// `/tmp/go` could not be linked to the Go found.
    #[error(
        "cannot link {link} to {goroot} (the packaging calls {link}/bin/go): {source}; create it yourself (ln -s {goroot} {link}) or install Go at {link}"
    )]
    Link {
        /// The link.
        link: String,
        /// The Go it would point at.
        goroot: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// The go command could not run or said something unexpected.
    #[error("{go} {args}: {detail}")]
    Command {
        /// The program.
        go: String,
        /// Its arguments.
        args: String,
        /// What went wrong.
        detail: String,
    },

    /// A module could not be downloaded from the proxy.
    #[error(
        "module {module}@{version} could not be downloaded for {dir} from the module proxy {proxy}: {detail}; \
         nothing was built. Check the module's version in go.mod, or that the proxy serves it (GOPROXY; for private modules GOPRIVATE/GONOSUMDB)"
    )]
    Module {
        /// The module path.
        module: String,
        /// Its version.
        version: String,
        /// The proxy asked (`GOPROXY`, credentials hidden).
        proxy: String,
        /// The module root whose go.mod needs it.
        dir: PathBuf,
        /// Go's words.
        detail: String,
    },

    /// `go mod download` failed for another reason.
    #[error("go mod download failed in {dir}: {detail}; nothing was built")]
    Download {
        /// The module root.
        dir: PathBuf,
        /// Go's words.
        detail: String,
    },
}

/// The Go a build uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// The program the builder runs and the packaging calls:
    /// `<link>/bin/go`.
    pub go: PathBuf,
    /// Its GOROOT, resolved (e.g. `/usr/lib/go-1.23`).
    pub goroot: PathBuf,
    /// `go1.23.5`.
    pub version: String,
    /// Its `GOPATH` (`go env GOPATH`: the variable, else `$HOME/go`); `None`
    /// when Go has none (no `HOME`).
    pub gopath: Option<PathBuf>,
    /// When this run made the link: where it points.
    pub linked: Option<PathBuf>,
}

/// Flags added to the inherited `GOFLAGS`: `-modcacherw` so that a scratch
/// module cache can be removed, `-trimpath` so that a program does not
/// record the folder it was built in (a retried build in another scratch
/// folder gives the same bytes, as dh-golang does for Debian).
pub const ADDED_GOFLAGS: &[&str] = &["-modcacherw", "-trimpath"];

/// The environment variables a module prefetch and the package build share:
/// the module cache, and [`ADDED_GOFLAGS`] added to the inherited `GOFLAGS`.
pub fn build_env(mod_cache: &Path, inherited_goflags: Option<&str>) -> Vec<(String, String)> {
    let mut flags: Vec<&str> = inherited_goflags
        .unwrap_or("")
        .split_whitespace()
        .filter(|f| !ADDED_GOFLAGS.contains(f))
        .collect();
    flags.extend(ADDED_GOFLAGS);
    vec![
        ("GOMODCACHE".into(), mod_cache.display().to_string()),
        ("GOFLAGS".into(), flags.join(" ")),
    ]
}

impl Toolchain {
    /// The Go at `link/bin/go`, or else the `go` found on `path` with
    /// `link` made a symbolic link to its GOROOT. `why` says what needs Go,
    /// for the error when there is none.
    pub async fn locate(
        link: &Path,
        path: Option<OsString>,
        why: &str,
    ) -> Result<Toolchain, GoError> {
        let at_link = link.join("bin").join("go");
        let shown = link.display().to_string();
        if at_link.is_file() {
            let env = go_env(&at_link).await?;
            return Ok(Toolchain {
                go: at_link,
                goroot: env.goroot,
                version: env.version,
                gopath: env.gopath,
                linked: None,
            });
        }
        if std::fs::symlink_metadata(link).is_ok() && !is_dangling(link) {
            return Err(GoError::BadLink { link: shown });
        }
        let Some(found) = path
            .as_deref()
            .into_iter()
            .flat_map(std::env::split_paths)
            .map(|d| d.join("go"))
            .find(|p| p.is_file())
        else {
            return Err(GoError::Missing {
                why: why.to_owned(),
                link: shown,
            });
        };
        let GoEnv {
            goroot,
            version,
            gopath,
        } = go_env(&found).await?;
        if is_dangling(link) {
            // A link left by an uninstalled Go: replaced, it names nothing.
            let _ = std::fs::remove_file(link);
        }
        match std::os::unix::fs::symlink(&goroot, link) {
            Ok(()) => {}
            // Another builder on this host linked it at the same moment.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && at_link.is_file() => {}
            Err(source) => {
                return Err(GoError::Link {
                    link: shown,
                    goroot: goroot.display().to_string(),
                    source,
                });
            }
        }
        info!(
            "no Go at {shown}: linked {shown} -> {} ({version} from {}), as the packaging calls {shown}/bin/go",
            goroot.display(),
            found.display()
        );
        Ok(Toolchain {
            go: at_link,
            goroot: goroot.clone(),
            version,
            gopath,
            linked: Some(goroot),
        })
    }

    /// `go mod download -json` in `dir` (a module root), into `mod_cache`.
    /// `cmd` is a command for [`Toolchain::go`] with the environment the
    /// caller allows (the builders clear it); this adds the arguments, the
    /// folder and [`build_env`]. Returns how many modules the cache holds
    /// for `dir`'s build list.
    pub async fn download(
        &self,
        mut cmd: Command,
        dir: &Path,
        mod_cache: &Path,
    ) -> Result<Downloaded, GoError> {
        let start = Instant::now();
        let goflags = std::env::var("GOFLAGS").ok();
        cmd.args(["mod", "download", "-json"])
            .current_dir(dir)
            .envs(build_env(mod_cache, goflags.as_deref()))
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let out = cmd.output().await.map_err(|e| GoError::Command {
            go: self.go.display().to_string(),
            args: "mod download -json".into(),
            detail: e.to_string(),
        })?;
        let modules = parse_download(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let proxy = proxy_shown(std::env::var("GOPROXY").ok().as_deref());
        if let Some(m) = modules.iter().find(|m| m.error.is_some()) {
            return Err(GoError::Module {
                module: m.path.clone(),
                version: m.version.clone(),
                proxy,
                dir: dir.to_owned(),
                detail: git_cmd::redact_url(m.error.as_deref().unwrap_or_default()),
            });
        }
        if !out.status.success() {
            return Err(match module_error(&stderr) {
                Some((module, version, detail)) => GoError::Module {
                    module,
                    version,
                    proxy,
                    dir: dir.to_owned(),
                    detail: git_cmd::redact_url(&detail),
                },
                None => GoError::Download {
                    dir: dir.to_owned(),
                    detail: git_cmd::redact_url(stderr.trim()),
                },
            });
        }
        Ok(Downloaded {
            modules: modules.len(),
            elapsed: start.elapsed(),
        })
    }
}

/// What a prefetch fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    /// Modules in the build list (now in the cache).
    pub modules: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// One object of `go mod download -json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ModuleDownload {
    /// The module path.
    #[serde(rename = "Path", default)]
    pub path: String,
    /// Its version.
    #[serde(rename = "Version", default)]
    pub version: String,
    /// Why it could not be downloaded.
    #[serde(rename = "Error", default)]
    pub error: Option<String>,
}

/// The objects of `go mod download -json` (concatenated JSON objects);
/// anything that does not parse ends the list.
pub fn parse_download(stdout: &[u8]) -> Vec<ModuleDownload> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<ModuleDownload>()
        .map_while(Result::ok)
        .collect()
}

/// `go: <module>@<version>: <detail>` from go's stderr: the module go could
/// not load while reading the build list.
pub fn module_error(stderr: &str) -> Option<(String, String, String)> {
    stderr.lines().find_map(|l| {
        let rest = l.strip_prefix("go: ")?;
        let (module_at, detail) = rest.split_once(": ")?;
        let (module, version) = module_at.split_once('@')?;
        let plausible = !module.is_empty()
            && !module.contains(char::is_whitespace)
            && version.starts_with('v')
            && !version.contains(char::is_whitespace);
        plausible.then(|| (module.to_owned(), version.to_owned(), detail.to_owned()))
    })
}

/// `GOPROXY` as an error shows it: Go's default when unset, credentials hidden.
pub fn proxy_shown(goproxy: Option<&str>) -> String {
    match goproxy.filter(|p| !p.is_empty()) {
        Some(p) => git_cmd::redact_url(p),
        None => "https://proxy.golang.org,direct (Go's default; GOPROXY is not set)".into(),
    }
}

/// What in a build folder needs Go: a `go.mod` (the reason names it), or
/// packaging that calls Go (`/tmp/go/bin`, `%{_go}`, `golang` in a
/// Build-Depends, `go build`). `None` when nothing does.
pub fn needs_go(build_dir: &Path, packaging: &Path) -> Option<String> {
    if build_dir.join("go.mod").is_file() {
        return Some(format!("{} has a go.mod", build_dir.display()));
    }
    let mut stack = vec![(packaging.to_owned(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() && depth < 3 {
                stack.push((p, depth + 1));
            } else if p.is_file() && calls_go(&std::fs::read(&p).unwrap_or_default()) {
                return Some(format!("{} calls Go", p.display()));
            }
        }
    }
    None
}

fn calls_go(text: &[u8]) -> bool {
    let text = String::from_utf8_lossy(text);
    [
        "/tmp/go/bin",
        "%{_go}",
        "dh-golang",
        "golang-go",
        "go build ",
    ]
    .iter()
    .any(|s| text.contains(s))
}

/// The module roots a prefetch runs in: `dir` when it has a `go.mod` and no
/// `vendor/` folder (vendored modules need no download).
pub fn needs_prefetch(dir: &Path) -> bool {
    dir.join("go.mod").is_file() && !dir.join("vendor").is_dir()
}

fn is_dangling(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) && !p.exists()
}

struct GoEnv {
    goroot: PathBuf,
    version: String,
    gopath: Option<PathBuf>,
}

/// `go env GOROOT GOVERSION GOPATH` of the program `go`, run outside any
/// module with the local toolchain (a `go.mod` nearby must not make it
/// download another Go just to answer).
async fn go_env(go: &Path) -> Result<GoEnv, GoError> {
    let err = |detail: String| GoError::Command {
        go: go.display().to_string(),
        args: "env GOROOT GOVERSION GOPATH".into(),
        detail,
    };
    let out = Command::new(go)
        .args(["env", "GOROOT", "GOVERSION", "GOPATH"])
        .current_dir("/")
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| err(e.to_string()))?;
    if !out.status.success() {
        return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    match (lines.next(), lines.next(), lines.next()) {
        (Some(root), Some(version), gopath) if !root.is_empty() => {
            let root = PathBuf::from(root);
            Ok(GoEnv {
                goroot: root.canonicalize().unwrap_or(root),
                version: version.trim().to_owned(),
                gopath: gopath
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(PathBuf::from),
            })
        }
        _ => Err(err(format!("unexpected output {text:?}"))),
    }
}

#[cfg(test)]
mod tests;
