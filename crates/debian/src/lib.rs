//! Building `.deb` packages from `packaging/debian`.
//!
//! The steps, as the original Guest OS scripts took them (packaging.md):
//!
//! 1. `SOURCE` is the `Source:` of `packaging/debian/control`;
//! 2. `RELEASE` is `g1`, or `g1+deb<N>` when the repository's changelog
//!    contains `+deb` (N: this host's Debian major version);
//! 3. `<SOURCE>_<VERSION>.orig.tar.gz`: the build folder without `.git` and
//!    `packaging`, under `<SOURCE>-<VERSION>/` (written reproducibly);
//! 4. unpacked in a scratch folder, with `packaging/debian` as `debian/`;
//! 5. `XB-Git: <commit URL>` right after `Source:`;
//! 6. a fresh one-entry changelog, version `1:<VERSION>-<RELEASE>`;
//! 7. `dpkg-buildpackage -us -uc` with `DEB_BUILD_OPTIONS="noautodbgsym
//!    nocheck"`, `VERSION` and `RELEASE` (and `--env` extras) in the
//!    environment;
//! 8. missing build dependencies are listed (and installed with
//!    `--install-build-deps`);
//! 9. the outputs: every `.deb`, the `.dsc`, the orig tarball and the
//!    `.debian.tar.*` or `.diff.gz`.

mod changelog;
mod host;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use packagebuild::process::{output, require_tool, run_logged};
use packagebuild::{
    BuildContext, BuildError, Built, Expectation, PackageBuilder, ReleaseRule, file_name,
};
use tokio::process::Command;
use tracing::{info, warn};

pub use changelog::{changelog, rfc2822};
pub use host::{debian_major, parse_debian_version};

/// What `packaging/debian/control` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// `Source:`.
    pub source: String,
    /// `Maintainer:` of the source paragraph.
    pub maintainer: Option<String>,
    /// The binary packages (`Package:` of the other paragraphs).
    pub packages: Vec<String>,
    /// `Build-Depends` (and `-Indep`, `-Arch`), as written.
    pub build_depends: Vec<String>,
    /// The file's text.
    pub text: String,
}

/// Reads and checks `debian/control`.
pub fn read_control(path: &Path) -> Result<Control, BuildError> {
    let bytes = std::fs::read(path).map_err(|e| BuildError::Packaging {
        path: path.to_owned(),
        detail: if e.kind() == std::io::ErrorKind::NotFound {
            "no debian/control: packagebuild-deb builds from packaging/debian (control, rules, ...)"
                .into()
        } else {
            format!("cannot read it: {e}")
        },
    })?;
    let text = String::from_utf8(bytes).map_err(|e| BuildError::Packaging {
        path: path.to_owned(),
        detail: format!(
            "is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })?;
    parse_control(path, &text)
}

/// Parses the text of `debian/control`.
pub fn parse_control(path: &Path, text: &str) -> Result<Control, BuildError> {
    let bad = |detail: String| BuildError::Packaging {
        path: path.to_owned(),
        detail,
    };
    let paras = deb822::parse(text).map_err(|e| bad(format!("not a valid control file: {e}")))?;
    let first = paras
        .first()
        .ok_or_else(|| bad("is empty: it needs a Source: paragraph".into()))?;
    let source = first
        .get("Source")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            bad("the first paragraph has no Source: field; add `Source: <name>`".into())
        })?
        .to_owned();
    if !valid_package_name(&source) {
        return Err(bad(format!(
            "Source: {source:?} is not a valid Debian package name (lower-case letters, digits, + - ., at least 2 characters)"
        )));
    }
    let mut packages = Vec::new();
    for p in &paras[1..] {
        if let Some(name) = p.get("Package") {
            packages.push(name.trim().to_owned());
        }
    }
    if packages.is_empty() {
        return Err(bad(
            "declares no binary package (no paragraph with Package:)".into(),
        ));
    }
    let build_depends = ["Build-Depends", "Build-Depends-Indep", "Build-Depends-Arch"]
        .iter()
        .filter_map(|f| first.get(f))
        .flat_map(|v| v.split(','))
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .collect();
    Ok(Control {
        source,
        maintainer: first.get("Maintainer").map(|m| m.trim().to_owned()),
        packages,
        build_depends,
        text: text.to_owned(),
    })
}

fn valid_package_name(n: &str) -> bool {
    n.len() >= 2
        && n.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
}

/// `debian/control` with `XB-Git: <url>` right after `Source:`.
pub fn control_with_git(control: &Control, url: &str) -> Result<String, BuildError> {
    deb822::insert_after_field(&control.text, 0, "Source", &format!("XB-Git: {url}")).map_err(|e| {
        BuildError::Packaging {
            path: PathBuf::from("debian/control"),
            detail: e.to_string(),
        }
    })
}

/// The release: `g1`, or `g1+deb<N>` when the repository's changelog asks
/// for it with the text `+deb`.
pub fn release_for(changelog_text: Option<&str>, debian_major: u32) -> String {
    match changelog_text {
        Some(t) if t.contains("+deb") => format!("g1+deb{debian_major}"),
        _ => "g1".to_owned(),
    }
}

/// The `.deb` builder.
#[derive(Debug, Clone, Default)]
pub struct DebBuilder {
    /// Install missing build dependencies with apt (as root) instead of
    /// failing.
    pub install_build_deps: bool,
    /// The Debian major version; detected from `/etc/debian_version` when
    /// `None`.
    pub debian_major: Option<u32>,
    /// Build a `debN` target on a host of another Debian release (the
    /// packages are then the host's; the result records the host).
    pub allow_foreign_target: bool,
}

/// What a deb build will do, computed before doing it.
struct Prepared {
    control: Control,
    release: String,
    top: String,
    src_dir: PathBuf,
    orig: PathBuf,
}

impl DebBuilder {
    fn major(&self) -> Result<u32, BuildError> {
        match self.debian_major {
            Some(n) => Ok(n),
            None => debian_major(Path::new("/etc/debian_version")),
        }
    }

    fn prepare(&self, ctx: &BuildContext<'_>) -> Result<Prepared, BuildError> {
        let packaging = ctx.tree.packaging()?;
        let debian = packaging.join("debian");
        if !debian.is_dir() {
            return Err(BuildError::Packaging {
                path: packaging,
                detail: "no debian/ folder: packagebuild-deb builds from packaging/debian".into(),
            });
        }
        let control = read_control(&debian.join("control"))?;
        let changelog = std::fs::read_to_string(debian.join("changelog")).ok();
        let major = self.major()?;
        if let Some(n) = ctx
            .target
            .strip_prefix("deb")
            .and_then(|n| n.parse::<u32>().ok())
            && n != major
        {
            if !self.allow_foreign_target {
                return Err(BuildError::Usage(format!(
                    "target {} asks for Debian {n}, but this host is Debian {major}: its packages would be Debian {major}'s (+deb{major}) filed under {}. Build on Debian {n} (the builder-deb{n} image), or pass --allow-foreign-target to build Debian {major} packages anyway (the result records host deb{major})",
                    ctx.target, ctx.target
                )));
            }
            warn!(
                "target {} on a Debian {major} host (--allow-foreign-target): the packages are built for Debian {major}",
                ctx.target
            );
        }
        let release = release_for(changelog.as_deref(), major);
        let top = format!("{}-{}", control.source, ctx.version);
        Ok(Prepared {
            src_dir: ctx.scratch.join(&top),
            orig: ctx
                .scratch
                .join(format!("{}_{}.orig.tar.gz", control.source, ctx.version)),
            control,
            release,
            top,
        })
    }

    fn build_env(ctx: &BuildContext<'_>, release: &str) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "DEB_BUILD_OPTIONS".to_owned(),
                "noautodbgsym nocheck".to_owned(),
            ),
            ("VERSION".to_owned(), ctx.version.clone()),
            ("RELEASE".to_owned(), release.to_owned()),
        ];
        env.extend(ctx.env.iter().cloned());
        env
    }

    /// Checks build dependencies; installs them when asked.
    async fn check_build_deps(&self, dir: &Path) -> Result<(), BuildError> {
        let unmet = unmet_build_deps(dir).await?;
        if unmet.is_empty() {
            return Ok(());
        }
        if !self.install_build_deps {
            return Err(BuildError::MissingBuildDeps { deps: unmet });
        }
        info!("installing build dependencies: {}", unmet.join(", "));
        let mut cmd = Command::new("apt-get");
        cmd.args([
            "satisfy",
            "-y",
            "--no-install-recommends",
            &unmet.join(", "),
        ])
        .env("DEBIAN_FRONTEND", "noninteractive");
        let log = dir.with_extension("build-deps.log");
        run_logged(cmd, "apt-get satisfy", &log).await?;
        let still = unmet_build_deps(dir).await?;
        if still.is_empty() {
            Ok(())
        } else {
            Err(BuildError::MissingBuildDeps { deps: still })
        }
    }
}

/// The unmet build dependencies, as `dpkg-checkbuilddeps` lists them.
async fn unmet_build_deps(dir: &Path) -> Result<Vec<String>, BuildError> {
    let mut cmd = Command::new("dpkg-checkbuilddeps");
    cmd.current_dir(dir).env("LC_ALL", "C");
    let out = output(cmd, "dpkg-checkbuilddeps").await?;
    if out.status.success() {
        return Ok(vec![]);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let unmet = parse_unmet(&err);
    if unmet.is_empty() {
        return Err(BuildError::ToolFailed {
            tool: "dpkg-checkbuilddeps".into(),
            code: out.status.code().unwrap_or(-1),
            log: dir.join("debian/control"),
            tail: err.trim().to_owned(),
            note: None,
        });
    }
    Ok(unmet)
}

/// Parses `dpkg-checkbuilddeps: error: Unmet build dependencies: a (>= 1) b`
/// into `["a (>= 1)", "b"]`.
pub fn parse_unmet(stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in stderr.lines() {
        for marker in ["Unmet build dependencies: ", "Build conflicts: "] {
            if let Some(rest) = line.split_once(marker).map(|(_, r)| r) {
                let mut cur = String::new();
                let mut depth = 0;
                for tok in rest.split_whitespace() {
                    if !cur.is_empty()
                        && depth == 0
                        && !tok.starts_with('(')
                        && !tok.starts_with('|')
                        && !cur.ends_with('|')
                    {
                        out.push(std::mem::take(&mut cur));
                    }
                    if !cur.is_empty() {
                        cur.push(' ');
                    }
                    cur.push_str(tok);
                    depth += tok.matches('(').count() as i32 - tok.matches(')').count() as i32;
                }
                if !cur.is_empty() {
                    out.push(cur);
                }
            }
        }
    }
    out
}

#[async_trait]
impl PackageBuilder for DebBuilder {
    fn tool(&self) -> &'static str {
        "packagebuild-deb"
    }

    fn default_target(&self) -> Result<String, BuildError> {
        Ok(format!("deb{}", self.major()?))
    }

    fn host(&self) -> Option<String> {
        self.major().ok().map(|m| format!("deb{m}"))
    }

    async fn plan(&self, ctx: &BuildContext<'_>) -> Result<Vec<String>, BuildError> {
        let p = self.prepare(ctx)?;
        let v = &ctx.version;
        let mut plan = vec![
            format!(
                "source package {}, binary packages {}",
                p.control.source,
                p.control.packages.join(", ")
            ),
            format!("version 1:{v}-{}", p.release),
            format!(
                "write {} from {} (without .git and packaging), top folder {}/",
                p.orig.display(),
                ctx.tree.build_dir().display(),
                p.top
            ),
            format!(
                "unpack into {} and copy packaging/debian to debian/",
                p.src_dir.display()
            ),
            match &ctx.commit_url {
                Some(u) => format!("debian/control: add `XB-Git: {u}` after Source:"),
                None => "debian/control: unchanged (no commit URL)".into(),
            },
            format!(
                "debian/changelog: regenerate as {} (1:{v}-{}) stable",
                p.control.source, p.release
            ),
            format!(
                "check build dependencies: {}",
                if p.control.build_depends.is_empty() {
                    "none".into()
                } else {
                    p.control.build_depends.join(", ")
                }
            ),
        ];
        let env: Vec<String> = Self::build_env(ctx, &p.release)
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        plan.push(format!(
            "run in {}: {} dpkg-buildpackage -us -uc",
            p.src_dir.display(),
            env.join(" ")
        ));
        plan.push(format!(
            "collect from {}: *.deb, *.dsc, {}, *.debian.tar.* / *.diff.gz",
            ctx.scratch.display(),
            file_name(&p.orig)
        ));
        Ok(plan)
    }

    async fn build(&self, ctx: &BuildContext<'_>) -> Result<Built, BuildError> {
        let p = self.prepare(ctx)?;
        require_tool("dpkg-buildpackage")?;
        require_tool("fakeroot")?;
        let stats = ctx
            .tree
            .write_orig_tarball(&p.orig, &p.top, ctx.source_date_epoch)?;
        info!(
            "wrote {} ({} files, {} bytes)",
            p.orig.display(),
            stats.files,
            stats.bytes
        );
        unpack(&p.orig, &ctx.scratch)?;
        copy_tree(
            &ctx.tree.packaging()?.join("debian"),
            &p.src_dir.join("debian"),
        )?;

        let control_path = p.src_dir.join("debian/control");
        if let Some(url) = &ctx.commit_url {
            let edited = control_with_git(&p.control, url)?;
            std::fs::write(&control_path, edited)
                .map_err(BuildError::io("cannot write", &control_path))?;
        }
        let log_path = p.src_dir.join("debian/changelog");
        let text = changelog(
            &p.control.source,
            &format!("1:{}-{}", ctx.version, p.release),
            p.control.maintainer.as_deref(),
            ctx.source_date_epoch,
        );
        std::fs::write(&log_path, text).map_err(BuildError::io("cannot write", &log_path))?;

        self.check_build_deps(&p.src_dir).await?;

        let mut cmd = Command::new("dpkg-buildpackage");
        cmd.args(["-us", "-uc"]).current_dir(&p.src_dir);
        for (k, v) in Self::build_env(ctx, &p.release) {
            cmd.env(k, v);
        }
        let log = ctx.scratch.join("dpkg-buildpackage.log");
        run_logged(cmd, "dpkg-buildpackage", &log).await?;

        let mut packages = Vec::new();
        let mut extra = Vec::new();
        for entry in
            std::fs::read_dir(&ctx.scratch).map_err(BuildError::io("cannot list", &ctx.scratch))?
        {
            let path = entry
                .map_err(BuildError::io("cannot list", &ctx.scratch))?
                .path();
            let name = file_name(&path);
            if name.ends_with(".deb") || name.ends_with(".dsc") {
                packages.push(path);
            } else if name.ends_with(".orig.tar.gz")
                || name.contains(".debian.tar.")
                || name.ends_with(".diff.gz")
            {
                extra.push(path);
            }
        }
        packages.sort();
        extra.sort();
        if !packages.iter().any(|p| file_name(p).ends_with(".deb")) {
            return Err(BuildError::ToolFailed {
                tool: "dpkg-buildpackage".into(),
                code: 0,
                log: log.clone(),
                tail: "it succeeded but produced no .deb".into(),
                note: None,
            });
        }
        let mut names = p.control.packages.clone();
        names.push(p.control.source.clone());
        Ok(Built {
            packages,
            extra,
            expect: Expectation {
                epoch: Some(1),
                version: ctx.version.clone(),
                release: ReleaseRule::Exact(p.release.clone()),
                names: Some(names),
            },
        })
    }
}

fn unpack(tarball: &Path, into: &Path) -> Result<(), BuildError> {
    let f = std::fs::File::open(tarball).map_err(BuildError::io("cannot read", tarball))?;
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    a.set_preserve_permissions(true);
    a.unpack(into)
        .map_err(BuildError::io("cannot unpack", tarball))
}

/// Copies a folder, keeping modes and symlinks (debian/rules must stay
/// executable).
fn copy_tree(from: &Path, to: &Path) -> Result<(), BuildError> {
    for entry in walkdir::WalkDir::new(from)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| BuildError::Packaging {
            path: from.to_owned(),
            detail: format!("cannot read: {e}"),
        })?;
        let rel = entry.path().strip_prefix(from).expect("under the root");
        let dest = to.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&dest).map_err(BuildError::io("cannot create", &dest))?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(entry.path())
                .map_err(BuildError::io("cannot read", entry.path()))?;
            std::os::unix::fs::symlink(target, &dest)
                .map_err(BuildError::io("cannot create", &dest))?;
        } else {
            std::fs::copy(entry.path(), &dest).map_err(BuildError::io("cannot copy to", &dest))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
