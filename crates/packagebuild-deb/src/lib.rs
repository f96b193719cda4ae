//! The `.deb` builder behind `packagebuild-deb`: packages from
//! `packaging/debian`, read with the format crate `debian`.
//!
//! The steps, as the original Guest OS scripts took them (packaging.md):
//!
//! 1. `SOURCE` is the `Source:` of `packaging/debian/control`;
//! 2. `RELEASE` is `g1`, or `g1+deb<N>` when the repository's changelog
//!    contains `+deb` (N: this host's Debian major version);
//! 3. `<SOURCE>_<VERSION>.orig.tar.gz`: the build folder without `.git` and
//!    `packaging`, under `<SOURCE>-<VERSION>/` (written reproducibly), with
//!    the extra repository (`--extra-repo`) inside as `<name>/`;
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

mod host;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use debian::{Control, changelog, control_with_git, parse_unmet, release_for};
use packagebuild::process::{output, repository_command, require_tool, run_logged};
use packagebuild::{
    BuildContext, BuildError, Built, Expectation, PackageBuilder, ReleaseRule, file_name,
};
use tokio::process::Command;
use tracing::{info, warn};

pub use host::debian_major;

/// A packaging file the format crate found wrong, as a build error.
fn packaging_error(e: debian::Error) -> BuildError {
    match e {
        debian::Error::Packaging { path, detail } => BuildError::Packaging { path, detail },
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
        let control = debian::read_control(&debian.join("control")).map_err(packaging_error)?;
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
        if let Some(e) = &ctx.extra
            && std::fs::symlink_metadata(ctx.tree.build_dir().join(&e.name)).is_ok()
        {
            return Err(BuildError::ExtraRepo {
                repo: e.shown.clone(),
                detail: format!(
                    "the source already has {}/{}: the extra repository is placed there (debian/rules tests `[ -d {} ]`); remove or rename it",
                    ctx.tree.build_dir().display(),
                    e.name,
                    e.name
                ),
            });
        }
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
            match &ctx.extra {
                Some(e) => format!(
                    "with the extra repository {} inside, as {}/{}/ (without .git)",
                    e.shown, p.top, e.name
                ),
                None => "no extra repository".into(),
            },
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
        // The extra repository goes inside the source, so that the source
        // package holds what the binary packages were built from.
        let inside: Vec<(&str, &packagebuild::SourceTree)> = ctx
            .extra
            .iter()
            .map(|e| (e.name.as_str(), &e.tree))
            .collect();
        let stats =
            ctx.tree
                .write_orig_tarball_with(&p.orig, &p.top, ctx.source_date_epoch, &inside)?;
        info!(
            "wrote {} ({} files, {} bytes)",
            p.orig.display(),
            stats.files,
            stats.bytes
        );
        packagebuild::unpack(&p.orig, &ctx.scratch)?;
        copy_tree(
            &ctx.tree.packaging()?.join("debian"),
            &p.src_dir.join("debian"),
        )?;

        let control_path = p.src_dir.join("debian/control");
        if let Some(url) = &ctx.commit_url {
            let edited = control_with_git(&p.control, url).map_err(packaging_error)?;
            std::fs::write(&control_path, edited)
                .map_err(fs_error::at("cannot write", &control_path))?;
        }
        let log_path = p.src_dir.join("debian/changelog");
        let text = changelog(
            &p.control.source,
            &format!("1:{}-{}", ctx.version, p.release),
            p.control.maintainer.as_deref(),
            ctx.source_date_epoch,
        );
        std::fs::write(&log_path, text).map_err(fs_error::at("cannot write", &log_path))?;

        self.check_build_deps(&p.src_dir).await?;

        // debian/rules is the repository's code: no inherited secrets.
        let mut cmd = repository_command("dpkg-buildpackage");
        cmd.args(["-us", "-uc"]).current_dir(&p.src_dir);
        for (k, v) in Self::build_env(ctx, &p.release) {
            cmd.env(k, v);
        }
        let log = ctx.scratch.join("dpkg-buildpackage.log");
        run_logged(cmd, "dpkg-buildpackage", &log).await?;

        let mut packages = Vec::new();
        let mut extra = Vec::new();
        for entry in
            std::fs::read_dir(&ctx.scratch).map_err(fs_error::at("cannot list", &ctx.scratch))?
        {
            let path = entry
                .map_err(fs_error::at("cannot list", &ctx.scratch))?
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
            std::fs::create_dir_all(&dest).map_err(fs_error::at("cannot create", &dest))?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(entry.path())
                .map_err(fs_error::at("cannot read", entry.path()))?;
            std::os::unix::fs::symlink(target, &dest)
                .map_err(fs_error::at("cannot create", &dest))?;
        } else {
            std::fs::copy(entry.path(), &dest).map_err(fs_error::at("cannot copy to", &dest))?;
        }
    }
    Ok(())
}
