//! The `.rpm` builder behind `packagebuild-rpm`: packages from
//! `packaging/*.spec`, read with the format crate `rpmspec`.
//!
//! The steps, as the original Guest OS scripts took them (packaging.md):
//!
//! 1. the EL major version N: `--dist elN`, else `VERSION_ID` of
//!    `/etc/os-release` on an EL host, else 9 (said in the log);
//! 2. for each distinct spec stem (file name without `.spec` and
//!    `.el<digits>`), `<stem>.el<N>.spec` if it exists, else `<stem>.spec`;
//! 3. per spec: `NAME` from `Name:`; the spec copied to `SPECS/` with
//!    `Vcs: <commit URL>` after `Version:`; `packaging/*.tar.gz` and
//!    `*.patch` copied to `SOURCES/`; `SOURCES/<NAME>_<VERSION>.orig.tar.gz`
//!    with top folder `<NAME>-<VERSION>/`;
//! 4. with an extra repository (`--extra-repo`), its tarball
//!    `SOURCES/<name>_extra-<VERSION>.orig.tar.gz`, top folder
//!    `<name>-extra-<VERSION>/`;
//! 5. `rpmbuild -ba` with `_topdir`, `_version`, `_go` (the Go the build
//!    uses), `_gopath` and `has_extra_source` (1 with an extra repository,
//!    else 0) defined;
//! 6. the outputs: the binary RPMs and the `.src.rpm`.
//!
//! On a host that is not RPM-based (Debian, for developers and CI) it also
//! builds with `--nodeps` (the rpm database is empty), bash as build shell,
//! the EL systemd and udev macros, its own `_tmppath`, and `dist` set to
//! `.el<N>`, and says so in the log.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use packagebuild::process::{find_on_path, repository_command, require_tool, run_logged};
use packagebuild::{
    BuildContext, BuildError, Built, Expectation, PackageBuilder, ReleaseRule, StableDir, file_name,
};
use rpmspec::{BUILD_HOST, build_requires, spec_name, spec_stem, spec_with_vcs};
use tracing::info;

/// The EL values of macros Debian's rpm lacks.
pub const COMPAT_MACROS: &str = include_str!("macros.guest-compat");

/// The EL major version used when nothing says otherwise.
pub const DEFAULT_EL: u32 = 9;

/// What kind of host this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// An EL-like host whose rpm database knows the installed packages.
    pub rpm_based: bool,
    /// Its EL major version, when it is one.
    pub el_major: Option<u32>,
    /// Its distribution as a target label (`el9`, `deb12`, else
    /// `<ID><major>`), recorded in the result; `None` when unknown.
    pub label: Option<String>,
}

impl Host {
    /// Reads `/etc/os-release`.
    pub fn detect() -> Host {
        Host::from_os_release(&std::fs::read_to_string("/etc/os-release").unwrap_or_default())
    }

    /// Parses the text of `/etc/os-release`.
    pub fn from_os_release(text: &str) -> Host {
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_owned())
                .unwrap_or_default()
        };
        let ids = format!("{} {}", field("ID"), field("ID_LIKE"));
        let rpm_based = ids
            .split_whitespace()
            .any(|id| ["rhel", "centos", "fedora", "rocky", "almalinux", "ol"].contains(&id));
        let el_major = rpm_based
            .then(|| {
                field("VERSION_ID")
                    .split('.')
                    .next()
                    .and_then(|m| m.parse().ok())
            })
            .flatten();
        let major = field("VERSION_ID")
            .split('.')
            .next()
            .unwrap_or_default()
            .to_owned();
        let label = match (el_major, field("ID").as_str()) {
            (Some(n), _) => Some(format!("el{n}")),
            (None, "") => None,
            (None, _) if major.is_empty() => None,
            (None, "debian") => Some(format!("deb{major}")),
            (None, id) => Some(format!("{id}{major}")),
        };
        Host {
            rpm_based,
            el_major,
            label,
        }
    }
}

/// Parses `--dist elN`.
pub fn parse_dist(s: &str) -> Result<u32, String> {
    s.strip_prefix("el")
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?} is not an EL release: expected elN, e.g. el9"))
}

/// The specs to build for EL `el`, sorted.
pub fn select_specs(packaging: &Path, el: u32) -> Result<Vec<PathBuf>, BuildError> {
    let mut names: Vec<String> = std::fs::read_dir(packaging)
        .map_err(fs_error::at("cannot list", packaging))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.ends_with(".spec"))
        .collect();
    names.sort();
    let mut stems: Vec<&str> = names.iter().filter_map(|n| spec_stem(n)).collect();
    stems.dedup();
    let mut chosen = Vec::new();
    for stem in stems {
        let variant = format!("{stem}.el{el}.spec");
        let plain = format!("{stem}.spec");
        if names.contains(&variant) {
            chosen.push(packaging.join(variant));
        } else if names.contains(&plain) {
            chosen.push(packaging.join(plain));
        } else {
            info!(
                "{stem}: only variants for other EL releases, none for el{el} and no {plain}: skipped"
            );
        }
    }
    if chosen.is_empty() {
        return Err(BuildError::Packaging {
            path: packaging.to_owned(),
            detail: format!(
                "no RPM spec to build for el{el}: packagebuild-rpm builds packaging/<name>.spec (or <name>.el{el}.spec)"
            ),
        });
    }
    Ok(chosen)
}

/// A spec the format crate found wrong, as a build error.
fn packaging_error(e: rpmspec::Error) -> BuildError {
    match e {
        rpmspec::Error::Packaging { path, detail } => BuildError::Packaging { path, detail },
    }
}

/// The `.rpm` builder.
#[derive(Debug, Clone)]
pub struct RpmBuilder {
    /// `--dist elN`, when given.
    pub dist: Option<u32>,
    /// Extra `--define NAME=VALUE`s.
    pub defines: Vec<(String, String)>,
    /// This host.
    pub host: Host,
}

struct SpecPlan {
    spec: PathBuf,
    name: String,
    text: String,
}

impl RpmBuilder {
    /// The EL major version to build for.
    pub fn el(&self) -> u32 {
        self.dist.or(self.host.el_major).unwrap_or(DEFAULT_EL)
    }

    fn specs(&self, ctx: &BuildContext<'_>) -> Result<Vec<SpecPlan>, BuildError> {
        let packaging = ctx.tree.packaging()?;
        let mut plans = Vec::new();
        for spec in select_specs(&packaging, self.el())? {
            let text =
                std::fs::read_to_string(&spec).map_err(fs_error::at("cannot read", &spec))?;
            let name = spec_name(&spec, &text).map_err(packaging_error)?;
            let text = match &ctx.commit_url {
                Some(url) => spec_with_vcs(&spec, &text, url).map_err(packaging_error)?,
                None => text,
            };
            plans.push(SpecPlan { spec, name, text });
        }
        Ok(plans)
    }

    /// The `--define`s and other arguments of `rpmbuild -ba`, in order.
    fn rpmbuild_args(&self, ctx: &BuildContext<'_>, topdir: &Path, macros: &Path) -> Vec<String> {
        let mut args = vec!["-ba".to_owned()];
        let mut defines: Vec<(String, String)> = vec![
            ("_topdir".into(), topdir.display().to_string()),
            ("_version".into(), ctx.version.clone()),
            // As the original: the Go the build uses (the packaging's
            // /tmp/go/bin/go when Go was set up), its GOPATH, and whether a
            // second source (Source1) is given.
            (
                "_go".into(),
                ctx.go
                    .as_ref()
                    .map(|g| g.toolchain.go.clone())
                    .or_else(|| find_on_path("go"))
                    .map_or("UNSET".into(), |p| p.display().to_string()),
            ),
            (
                "_gopath".into(),
                std::env::var("GOPATH")
                    .ok()
                    .filter(|g| !g.is_empty())
                    .or_else(|| {
                        let go = ctx.go.as_ref()?;
                        Some(go.toolchain.gopath.as_ref()?.display().to_string())
                    })
                    .unwrap_or_else(|| "UNSET".into()),
            ),
            (
                "has_extra_source".into(),
                if ctx.extra.is_some() { "1" } else { "0" }.into(),
            ),
            // Reproducible packages: a retried build of the same commit and
            // version must give the same bytes (create-only staging treats
            // other bytes as a conflict). The build time is the commit's
            // (SOURCE_DATE_EPOCH), file times are clamped to it, and the
            // build host is not this machine's name.
            ("use_source_date_epoch_as_buildtime".into(), "1".into()),
            ("clamp_mtime_to_source_date_epoch".into(), "1".into()),
            ("_buildhost".into(), BUILD_HOST.into()),
        ];
        if !self.host.rpm_based {
            args.push("--nodeps".into());
            args.push("--load".into());
            args.push(macros.display().to_string());
            defines.push(("_buildshell".into(), "/bin/bash".into()));
            defines.push(("_tmppath".into(), topdir.join("tmp").display().to_string()));
        }
        if !self.host.rpm_based || self.dist.is_some() {
            defines.push(("dist".into(), format!(".el{}", self.el())));
        }
        defines.extend(self.defines.iter().cloned());
        for (k, v) in defines {
            args.push("--define".into());
            args.push(format!("{k} {v}"));
        }
        args
    }
}

#[async_trait]
impl PackageBuilder for RpmBuilder {
    fn tool(&self) -> &'static str {
        "packagebuild-rpm"
    }

    fn default_target(&self) -> Result<String, BuildError> {
        Ok(format!("el{}", self.el()))
    }

    fn host(&self) -> Option<String> {
        self.host.label.clone()
    }

    async fn plan(&self, ctx: &BuildContext<'_>) -> Result<Vec<String>, BuildError> {
        let specs = self.specs(ctx)?;
        let topdir = std::env::temp_dir()
            .join(format!("{WORK_PREFIX}-<hash of target, version, commit>"))
            .join("rpmbuild");
        let mut plan = vec![self.host_note()];
        for s in &specs {
            plan.push(format!("spec {} (Name: {})", s.spec.display(), s.name));
            let deps = build_requires(&s.text);
            plan.push(match (deps.is_empty(), self.host.rpm_based) {
                (true, _) => "BuildRequires: none".into(),
                (false, true) => format!("BuildRequires (rpmbuild checks them): {}", deps.join(", ")),
                (false, false) => format!(
                    "BuildRequires, NOT checked on this host (--nodeps); install their Debian equivalents: {}",
                    deps.join(", ")
                ),
            });
            plan.push(match &ctx.commit_url {
                Some(u) => format!("copy to SPECS/ with `Vcs: {u}` after Version:"),
                None => "copy to SPECS/ unchanged (no commit URL)".into(),
            });
            plan.push(format!(
                "write SOURCES/{}_{}.orig.tar.gz from {}, top folder {}-{}/",
                s.name,
                ctx.version,
                ctx.tree.build_dir().display(),
                s.name,
                ctx.version
            ));
            let args = self.rpmbuild_args(ctx, &topdir, &topdir.join("macros.guest-compat"));
            plan.push(format!(
                "run: rpmbuild {} SPECS/{}",
                shell_words(&args),
                file_name(&s.spec)
            ));
        }
        plan.insert(
            1,
            "copy packaging/*.tar.gz and packaging/*.patch to SOURCES/".into(),
        );
        if let Some(e) = &ctx.extra {
            let (file, top) = extra_tarball(&e.name, &ctx.version);
            plan.insert(
                2,
                format!(
                    "write SOURCES/{file} from the extra repository {} (without .git), top folder {top}/; has_extra_source 1",
                    e.shown
                ),
            );
        }
        plan.push(format!(
            "collect {}/RPMS/*/*.rpm and {}/SRPMS/*.src.rpm",
            topdir.display(),
            topdir.display()
        ));
        Ok(plan)
    }

    async fn build(&self, ctx: &BuildContext<'_>) -> Result<Built, BuildError> {
        let specs = self.specs(ctx)?;
        require_tool("rpmbuild")?;
        info!("{}", self.host_note());
        // rpmbuild records its build path in the packages (debug paths of
        // compiled programs, the source rpm's %prep): a path that depends
        // only on what is built keeps rebuilds byte-identical.
        let work = StableDir::acquire(&std::env::temp_dir(), WORK_PREFIX, &work_key(ctx))?;
        let topdir = work.path().join("rpmbuild");
        for d in ["SPECS", "SOURCES", "tmp"] {
            let p = topdir.join(d);
            std::fs::create_dir_all(&p).map_err(fs_error::at("cannot create", &p))?;
        }
        let macros = topdir.join("macros.guest-compat");
        std::fs::write(&macros, COMPAT_MACROS).map_err(fs_error::at("cannot write", &macros))?;
        let packaging = ctx.tree.packaging()?;
        for entry in
            std::fs::read_dir(&packaging).map_err(fs_error::at("cannot list", &packaging))?
        {
            let p = entry
                .map_err(fs_error::at("cannot list", &packaging))?
                .path();
            let n = file_name(&p);
            if p.is_file() && (n.ends_with(".tar.gz") || n.ends_with(".patch")) {
                let dest = topdir.join("SOURCES").join(&n);
                std::fs::copy(&p, &dest).map_err(fs_error::at("cannot copy to", &dest))?;
            }
        }
        if let Some(e) = &ctx.extra {
            let (file, top) = extra_tarball(&e.name, &ctx.version);
            let dest = topdir.join("SOURCES").join(&file);
            let stats = e
                .tree
                .write_whole_tarball(&dest, &top, ctx.source_date_epoch)?;
            info!(
                "wrote SOURCES/{file} from the extra repository {} ({} files)",
                e.shown, stats.files
            );
        }
        for s in &specs {
            let spec_dest = topdir.join("SPECS").join(file_name(&s.spec));
            std::fs::write(&spec_dest, &s.text)
                .map_err(fs_error::at("cannot write", &spec_dest))?;
            let orig = topdir
                .join("SOURCES")
                .join(format!("{}_{}.orig.tar.gz", s.name, ctx.version));
            ctx.tree.write_orig_tarball(
                &orig,
                &format!("{}-{}", s.name, ctx.version),
                ctx.source_date_epoch,
            )?;
            // The spec's scriptlets are the repository's code: no
            // inherited secrets.
            let mut cmd = repository_command("rpmbuild");
            cmd.args(self.rpmbuild_args(ctx, &topdir, &macros))
                .arg(&spec_dest)
                .current_dir(&topdir);
            for (k, v) in &ctx.env {
                cmd.env(k, v);
            }
            cmd.env("SOURCE_DATE_EPOCH", ctx.source_date_epoch.to_string());
            let log = ctx.scratch.join(format!("rpmbuild-{}.log", s.name));
            run_logged(cmd, "rpmbuild", &log)
                .await
                .map_err(|e| self.unchecked_deps_note(e, &s.text))?;
        }
        // The packages leave the stable folder, which goes with `work`.
        let outputs = ctx.scratch.join("rpms");
        std::fs::create_dir_all(&outputs).map_err(fs_error::at("cannot create", &outputs))?;
        let mut packages = Vec::new();
        for sub in ["RPMS", "SRPMS"] {
            let dir = topdir.join(sub);
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir) {
                let entry = entry.map_err(|e| BuildError::Packaging {
                    path: dir.clone(),
                    detail: format!("cannot list the rpmbuild outputs: {e}"),
                })?;
                if entry.file_type().is_file() && file_name(entry.path()).ends_with(".rpm") {
                    let dest = outputs.join(entry.file_name());
                    move_file(entry.path(), &dest)?;
                    packages.push(dest);
                }
            }
        }
        packages.sort_by_key(|p| file_name(p));
        if packages.is_empty() {
            return Err(BuildError::ToolFailed {
                tool: "rpmbuild".into(),
                code: 0,
                log: ctx.scratch.clone(),
                tail: "it succeeded but produced no .rpm".into(),
                note: None,
            });
        }
        Ok(Built {
            packages,
            extra: vec![],
            expect: Expectation {
                epoch: Some(1),
                version: ctx.version.clone(),
                release: ReleaseRule::Prefix("g1".into()),
                // Subpackages are named freely (%package -n), so names are
                // not checked; the version is what matters.
                names: None,
            },
        })
    }
}

/// The extra repository's tarball and its top folder, as the original
/// named them: `<name>_extra-<version>.orig.tar.gz`, `<name>-extra-<version>/`
/// (a spec's `Source1`, unpacked with `%autosetup -a 1`).
pub fn extra_tarball(name: &str, version: &str) -> (String, String) {
    (
        format!("{name}_extra-{version}.orig.tar.gz"),
        format!("{name}-extra-{version}"),
    )
}

/// Renames `from` to `to`, copying when they are on different file systems
/// (a `TMPDIR` elsewhere than the scratch folder).
fn move_file(from: &Path, to: &Path) -> Result<(), BuildError> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to).map_err(fs_error::at("cannot copy the package to", to))?;
    Ok(())
}

/// The stable build folder's name prefix, under the temp folder.
const WORK_PREFIX: &str = "packagebuild-rpm";

/// What identifies a build for its stable folder: the target, the version
/// and the source (the commit and the package's folder inside the
/// repository; without a commit, the folder itself), and the extra
/// repository's commit (another one is another build).
fn work_key<'a>(ctx: &'a BuildContext<'_>) -> [&'a str; 5] {
    let build_dir = ctx.tree.build_dir();
    let inside = build_dir
        .strip_prefix(ctx.tree.root())
        .unwrap_or(build_dir)
        .to_str()
        .unwrap_or_default();
    let source = match ctx.tree.commit() {
        Some(c) => c,
        None => build_dir.to_str().unwrap_or_default(),
    };
    let extra = ctx
        .extra
        .as_ref()
        .and_then(|e| e.tree.commit())
        .unwrap_or_default();
    [&ctx.target, &ctx.version, source, inside, extra]
}

impl RpmBuilder {
    /// On a host where rpmbuild ran with `--nodeps`, a failed build's error
    /// lists the spec's build dependencies: a missing one is the likely
    /// cause, and nothing checked them.
    fn unchecked_deps_note(&self, e: BuildError, spec_text: &str) -> BuildError {
        let deps = build_requires(spec_text);
        match e {
            BuildError::ToolFailed {
                tool,
                code,
                log,
                tail,
                note: None,
            } if !self.host.rpm_based && !deps.is_empty() => BuildError::ToolFailed {
                tool,
                code,
                log,
                tail,
                note: Some(format!(
                    "note: this host is not RPM-based, so rpmbuild ran with --nodeps and did not check the spec's BuildRequires: {}; a missing one is a likely cause: install its Debian equivalent, or build in the EL builder image, where rpmbuild checks them",
                    deps.join(", ")
                )),
            },
            other => other,
        }
    }

    fn host_note(&self) -> String {
        let el = self.el();
        let source = match (self.dist, self.host.el_major) {
            (Some(_), _) => "from --dist",
            (None, Some(_)) => "from /etc/os-release",
            (None, None) => "the default; pass --dist elN to choose",
        };
        if self.host.rpm_based {
            format!("EL {el} ({source}), RPM-based host: rpmbuild checks BuildRequires")
        } else {
            format!(
                "EL {el} ({source}); this host is not RPM-based: building with --nodeps, bash as build shell, the EL systemd/udev macros and dist .el{el}"
            )
        }
    }
}

/// Arguments quoted for display when they hold spaces.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
