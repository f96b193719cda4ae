//! The googet step of the build: [`GooBuilder`] packs a repository's
//! `packaging/googet/*.goospec` (or the specs given) into `.goo` files
//! with the [`googet`] crate, and [`inspect`] shows an existing package.
//!
//! Per spec, in file-name order:
//!
//! 1. render it with the variables (`version` is the build's version,
//!    the others come from `--var NAME=VALUE`), parse and check it; its
//!    version must contain the build's version;
//! 2. run its `build.linux` command with `build.linuxArgs` (relative to the
//!    spec's folder unless absolute) in the build folder; a Windows-only
//!    build command is skipped on this Linux host, with a note; with an
//!    extra repository (`--extra-repo`) it is beside the build folder as
//!    `../<name>/` (copied there with the source when it is elsewhere);
//! 3. map `sources` to package paths (no file outside the source tree, no
//!    path outside the package) and check `files`;
//! 4. pack `<name>.<arch>.<version>.goo` atomically in the scratch folder,
//!    mtime `SOURCE_DATE_EPOCH` else the commit time, on all cores;
//! 5. (packagebuild) read it back: a package whose name, version or arch
//!    differs from its spec, or with any problem the reader finds, is
//!    never uploaded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use googet::gzip::GzOptions;
use googet::{DiskTree, PackOptions, Spec};
use packagebuild::process::{repository_command, run_logged};
use packagebuild::{
    BuildContext, BuildError, Built, Expectation, PackageBuilder, ReadBackError, ReleaseRule,
};
use tracing::{info, warn};

/// The folder the build step runs in and the root its sources may come
/// from. With an extra repository the packaging reads it beside the source
/// (`../<name>`, guest-agent's `../google-guest-agent`): when it is already
/// there (Prow's clonerefs puts extra_refs beside the repository) the build
/// runs in place; else the source and the extra repository are copied side
/// by side into the scratch folder, leaving the checkout untouched.
fn work_folders(ctx: &BuildContext<'_>) -> Result<(PathBuf, PathBuf), BuildError> {
    let Some(e) = &ctx.extra else {
        return Ok((ctx.tree.build_dir().to_owned(), ctx.tree.root().to_owned()));
    };
    if extra_in_place(ctx, e) {
        info!(
            "the extra repository {} is beside the source already: building in place",
            e.shown
        );
        return Ok((ctx.tree.build_dir().to_owned(), ctx.tree.root().to_owned()));
    }
    let src = ctx.scratch.join("src");
    std::fs::create_dir_all(&src).map_err(fs_error::at("cannot create", &src))?;
    let copy = copy_root(ctx);
    let own = packagebuild::file_name(&copy);
    for (tree, top) in [(ctx.tree, own.as_str()), (&e.tree, e.name.as_str())] {
        let tarball = src.join(format!("{top}.tar.gz"));
        tree.write_whole_tarball(&tarball, top, ctx.source_date_epoch)?;
        packagebuild::unpack(&tarball, &src)?;
        std::fs::remove_file(&tarball).map_err(fs_error::at("cannot remove", &tarball))?;
    }
    info!(
        "copied the source to {} and the extra repository {} beside it",
        copy.display(),
        e.shown
    );
    Ok((copy.clone(), copy))
}

/// Whether the extra repository is the folder beside the source that the
/// packaging reads.
fn extra_in_place(ctx: &BuildContext<'_>, e: &packagebuild::ExtraRepo) -> bool {
    let beside = ctx.tree.root().parent().map(|p| p.join(&e.name));
    let canon = |p: &Path| p.canonicalize().ok();
    beside
        .as_deref()
        .and_then(canon)
        .is_some_and(|b| Some(b) == canon(e.tree.root()))
}

/// Where the source is copied when the extra repository is not beside it:
/// `<scratch>/src/<the build folder's name>`.
fn copy_root(ctx: &BuildContext<'_>) -> PathBuf {
    let name = packagebuild::file_name(ctx.tree.build_dir());
    ctx.scratch.join("src").join(if name.is_empty() {
        "source".into()
    } else {
        name
    })
}

/// Where the specs live, under the build folder.
pub const SPEC_DIR: &str = "packaging/googet";

/// The `.goo` builder.
#[derive(Debug, Default)]
pub struct GooBuilder {
    /// Template variables besides `version` (`--var`).
    pub vars: Vec<(String, String)>,
    /// Specs to pack, relative to the build folder; empty: every
    /// `packaging/googet/*.goospec`.
    pub specs: Vec<PathBuf>,
    /// Compression threads; `None`: all cores.
    pub jobs: Option<usize>,
    /// What each built package must be (each spec renders its own version).
    expectations: Mutex<BTreeMap<PathBuf, Expectation>>,
}

/// A spec file, rendered and parsed.
struct Loaded {
    file: PathBuf,
    spec: Spec,
}

fn packaging_error(file: &Path, e: &googet::Error) -> BuildError {
    BuildError::Packaging {
        path: file.to_owned(),
        detail: e.inner().to_string(),
    }
}

impl GooBuilder {
    /// A builder with these variables, specs and threads.
    pub fn new(vars: Vec<(String, String)>, specs: Vec<PathBuf>, jobs: Option<usize>) -> Self {
        GooBuilder {
            vars,
            specs,
            jobs,
            expectations: Mutex::new(BTreeMap::new()),
        }
    }

    /// The spec files to pack, sorted when found in `packaging/googet`.
    pub fn spec_files(&self, build_dir: &Path) -> Result<Vec<PathBuf>, BuildError> {
        if !self.specs.is_empty() {
            return self
                .specs
                .iter()
                .map(|s| {
                    let p = build_dir.join(s);
                    if p.is_file() {
                        Ok(p)
                    } else {
                        Err(BuildError::Usage(format!(
                            "{}: no such goospec: give spec files relative to the build folder, e.g. packaging/googet/<name>.goospec",
                            p.display()
                        )))
                    }
                })
                .collect();
        }
        let dir = build_dir.join(SPEC_DIR);
        let mut found: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "goospec"))
                .collect(),
            Err(_) => Vec::new(),
        };
        found.sort();
        if found.is_empty() {
            return Err(BuildError::Packaging {
                path: dir,
                detail: "no .goospec file: packagebuild-googet packs packaging/googet/<name>.goospec (or the specs given as arguments)".into(),
            });
        }
        Ok(found)
    }

    /// The template variables: `version` and the `--var`s.
    pub fn variables(&self, version: &str) -> Result<BTreeMap<String, String>, BuildError> {
        let mut vars = BTreeMap::new();
        for (k, v) in &self.vars {
            if k == "version" {
                return Err(BuildError::Usage(
                    "--var version=... is not allowed: the version comes from --version or the workspace".into(),
                ));
            }
            vars.insert(k.clone(), v.clone());
        }
        vars.insert("version".to_owned(), version.to_owned());
        Ok(vars)
    }

    fn load(&self, ctx: &BuildContext<'_>) -> Result<Vec<Loaded>, BuildError> {
        let vars = self.variables(&ctx.version)?;
        let mut out = Vec::new();
        for file in self.spec_files(ctx.tree.build_dir())? {
            let spec = googet::load_spec(&file, &vars).map_err(|e| packaging_error(&file, &e))?;
            for k in &spec.unknown_keys {
                warn!(
                    "{}: unknown key {k:?} ignored (goopack ignores it too); check its spelling",
                    file.display()
                );
            }
            if !spec.version.contains(&ctx.version) {
                return Err(BuildError::Packaging {
                    path: file,
                    detail: format!(
                        "\"version\" renders to {:?}, which does not hold the build version {}: stamp it with {{{{.version}}}}, e.g. \"{{{{.version}}}}@1\"",
                        spec.version, ctx.version
                    ),
                });
            }
            out.push(Loaded { file, spec });
        }
        Ok(out)
    }

    fn gzip(&self) -> GzOptions {
        let mut g = GzOptions::default();
        if let Some(j) = self.jobs {
            g.threads = j.max(1);
        }
        g
    }
}

/// The host's build command of a spec, if any: (command, args).
fn host_command(l: &Loaded) -> Option<(PathBuf, &[String])> {
    let b = &l.spec.build;
    if b.linux.is_empty() {
        return None;
    }
    let cmd = Path::new(&b.linux);
    let cmd = if cmd.is_absolute() {
        cmd.to_owned()
    } else {
        l.file.parent().unwrap_or(Path::new(".")).join(cmd)
    };
    Some((cmd, &b.linux_args))
}

fn shell_words(cmd: &Path, args: &[String]) -> String {
    let mut out = vec![quote(&cmd.display().to_string())];
    out.extend(args.iter().map(|a| quote(a)));
    out.join(" ")
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@+,%".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[async_trait]
impl PackageBuilder for GooBuilder {
    fn tool(&self) -> &'static str {
        "packagebuild-googet"
    }

    fn default_target(&self) -> Result<String, BuildError> {
        Ok("goo".into())
    }

    async fn plan(&self, ctx: &BuildContext<'_>) -> Result<Vec<String>, BuildError> {
        let work = ctx.tree.build_dir();
        let mut plan = Vec::new();
        if let Some(e) = &ctx.extra {
            plan.push(match extra_in_place(ctx, e) {
                true => format!(
                    "the extra repository {} is already beside the source: build in place",
                    e.shown
                ),
                false => format!(
                    "copy the source to {}/ and the extra repository {} beside it, as {}/ (without .git); build there",
                    copy_root(ctx).display(),
                    e.shown,
                    ctx.scratch.join("src").join(&e.name).display()
                ),
            });
        }
        for l in self.load(ctx)? {
            let s = &l.spec;
            plan.push(format!(
                "goospec {}: {} {} ({}), {} source(s)",
                l.file.display(),
                s.name,
                s.version,
                s.arch,
                s.sources.len()
            ));
            let builds = host_command(&l);
            match &builds {
                Some((cmd, args)) => plan.push(format!(
                    "run: {} (in {})",
                    shell_words(cmd, args),
                    work.display()
                )),
                None if !s.build.windows.is_empty() => plan.push(format!(
                    "build.windows {:?} is for Windows hosts: not run here",
                    s.build.windows
                )),
                None => {}
            }
            let dest = ctx.scratch.join(s.file_name());
            let tree =
                DiskTree::new(work, ctx.tree.root()).map_err(|e| packaging_error(&l.file, &e))?;
            let mapped = googet::map_sources(s, &tree)
                .and_then(|entries| googet::check_files(s, &entries).map(|()| entries));
            match mapped {
                Ok(entries) => {
                    let mut step = format!(
                        "pack {} file(s) and {} into {}, mtime {}:",
                        entries.len(),
                        s.pkgspec_name(),
                        dest.display(),
                        ctx.source_date_epoch
                    );
                    for e in &entries {
                        step.push_str(&format!("\n      {}  <-  {}", e.path, e.source));
                    }
                    step.push_str(&format!("\n      {}  (the spec, last)", s.pkgspec_name()));
                    plan.push(step);
                }
                Err(e) if builds.is_some() => plan.push(format!(
                    "pack the files the build command makes into {} (not listed before it runs: {e})",
                    dest.display()
                )),
                Err(e) => return Err(packaging_error(&l.file, &e)),
            }
        }
        Ok(plan)
    }

    async fn build(&self, ctx: &BuildContext<'_>) -> Result<Built, BuildError> {
        let (work, root) = work_folders(ctx)?;
        let out = ctx.scratch.join("goo");
        std::fs::create_dir_all(&out).map_err(fs_error::at("cannot create", &out))?;
        let mut packages = Vec::new();
        let mut first = None;
        for l in self.load(ctx)? {
            if let Some((cmd, args)) = host_command(&l) {
                if !cmd.is_file() {
                    return Err(BuildError::Packaging {
                        path: l.file.clone(),
                        detail: format!(
                            "\"build.linux\": {} does not exist (a relative command is relative to the spec's folder)",
                            cmd.display()
                        ),
                    });
                }
                // The build step is the repository's code: no inherited
                // secrets.
                let mut c = repository_command(&cmd);
                c.args(args).current_dir(&work);
                for (k, v) in &ctx.env {
                    c.env(k, v);
                }
                c.env("SOURCE_DATE_EPOCH", ctx.source_date_epoch.to_string());
                let log = ctx.scratch.join(format!("build-{}.log", l.spec.name));
                info!("{}: running {}", l.file.display(), shell_words(&cmd, args));
                run_logged(
                    c,
                    &format!("the build command of {}", l.file.display()),
                    &log,
                )
                .await?;
            } else if !l.spec.build.windows.is_empty() {
                info!(
                    "{}: build.windows is for Windows hosts, not run here",
                    l.file.display()
                );
            }
            let tree = DiskTree::new(&work, &root).map_err(|e| packaging_error(&l.file, &e))?;
            let entries = googet::map_sources(&l.spec, &tree)
                .and_then(|entries| googet::check_files(&l.spec, &entries).map(|()| entries))
                .map_err(|e| packaging_error(&l.file, &e))?;
            let opts = PackOptions {
                mtime: ctx.source_date_epoch,
                gzip: self.gzip(),
            };
            let (spec, dir, tree_work) = (l.spec.clone(), out.clone(), tree.work().to_owned());
            let packed = tokio::task::spawn_blocking(move || {
                googet::pack(&spec, &tree_work, &entries, &dir, &opts)
            })
            .await
            .map_err(|e| BuildError::Packaging {
                path: l.file.clone(),
                detail: format!("packing stopped: {e}"),
            })?
            .map_err(|e| packaging_error(&l.file, &e))?;
            info!(
                "packed {}: {} file(s), {} bytes of tar in {} bytes",
                packed.file.display(),
                packed.files,
                packed.stats.uncompressed,
                packed.stats.compressed
            );
            let expect = Expectation {
                epoch: None,
                version: l.spec.version.clone(),
                release: ReleaseRule::Exact(String::new()),
                names: Some(vec![l.spec.name.clone()]),
            };
            self.expectations
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(packed.file.clone(), expect.clone());
            first.get_or_insert(expect);
            packages.push(packed.file);
        }
        let expect = first.ok_or_else(|| BuildError::Usage("no goospec to pack".into()))?;
        Ok(Built {
            packages,
            extra: vec![],
            expect,
        })
    }

    fn read_back(&self, path: &Path) -> Result<pkgread::PackageMeta, ReadBackError> {
        let pkg = googet::read_package(path)
            .map_err(|e| ReadBackError::Format(Box::new(e.into_inner())))?;
        let problems = pkg.problems();
        if !problems.is_empty() {
            return Err(ReadBackError::Problems(problems));
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name != pkg.spec.file_name() {
            return Err(ReadBackError::FileName {
                found: name.to_owned(),
                expected: pkg.spec.file_name(),
            });
        }
        Ok(pkgread::PackageMeta {
            name: pkg.spec.name,
            epoch: None,
            version: pkg.spec.version,
            release: String::new(),
            arch: pkg.spec.arch,
            format: pkgread::Format::Goo,
        })
    }

    // googet packages have neither an epoch nor a release.
    fn checked_fields(&self) -> &'static str {
        "name, version, architecture and file name"
    }

    fn expectation(&self, path: &Path, built: &Built) -> Expectation {
        self.expectations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
            .cloned()
            .unwrap_or_else(|| built.expect.clone())
    }
}

/// What `inspect` shows of a package, for `--json`.
#[derive(Debug, serde::Serialize)]
pub struct Inspection {
    /// The file.
    pub file: PathBuf,
    /// Its entries.
    pub entries: Vec<googet::EntryInfo>,
    /// The embedded spec (parsed from its JSON).
    pub spec: serde_json::Value,
    /// What is wrong with it (empty for a sound package).
    pub problems: Vec<String>,
}

/// Reads `path` and describes it: as a table of entries and the embedded
/// spec, or as JSON. The `bool` says whether the package has problems.
pub fn inspect(path: &Path, json: bool) -> Result<(String, bool), googet::Error> {
    let pkg = googet::read_package(path)?;
    let problems = pkg.problems();
    let bad = !problems.is_empty();
    if json {
        let i = Inspection {
            file: path.to_owned(),
            entries: pkg.entries.clone(),
            spec: serde_json::from_str(&pkg.spec_json).unwrap_or(serde_json::Value::Null),
            problems,
        };
        return Ok((
            serde_json::to_string_pretty(&i).unwrap_or_default() + "\n",
            bad,
        ));
    }
    let s = &pkg.spec;
    let payload: u64 = pkg.payload().map(|e| e.size).sum();
    let mut out = format!(
        "{}: googet package {} {} ({}), {} file(s), {} bytes\n",
        path.display(),
        s.name,
        s.version,
        s.arch,
        pkg.entries.len() - 1,
        payload
    );
    let width = pkg
        .entries
        .iter()
        .map(|e| e.size.to_string().len())
        .max()
        .unwrap_or(1);
    for e in &pkg.entries {
        out.push_str(&format!(
            "{} {}/{} {:>width$} {}\n",
            mode_string(e),
            e.uid,
            e.gid,
            e.size,
            e.path
        ));
    }
    out.push_str(&format!(
        "\n{} ({} bytes):\n{}\n",
        pkg.entries[pkg.spec_index].path,
        pkg.spec_json.len(),
        pkg.spec_json
    ));
    if bad {
        out.push_str("\nproblems:\n");
        for p in &problems {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    Ok((out, bad))
}

fn mode_string(e: &googet::EntryInfo) -> String {
    let kind = match e.kind {
        googet::EntryKind::File => '-',
        googet::EntryKind::Dir => 'd',
        googet::EntryKind::Symlink => 'l',
        googet::EntryKind::Hardlink => 'h',
        googet::EntryKind::Other => '?',
    };
    let mut s = String::from(kind);
    for shift in [6, 3, 0] {
        let bits = (e.mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}
