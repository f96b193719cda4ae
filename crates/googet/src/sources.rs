//! Mapping a spec's `sources` to package paths.
//!
//! For each source: base = `root` (relative to the working folder; empty
//! or `.` is the working folder). An include without `*` is a path
//! relative to base; an include with `*` is a glob where `*` matches
//! within one path component and `**` matches anything, `/` included (so
//! `**.pdb` is every `.pdb` below base, and `**/x` needs at least one
//! folder, as in goopack). Excludes are globs relative to base that remove
//! files the globs found (a literal include is kept, as in goopack). Each
//! file lands at `target/<its path relative to base>`.
//!
//! The mapping itself ([`map_sources`]) is pure over a [`FileTree`];
//! [`DiskTree`] is the real file system, which refuses files that resolve
//! outside the source tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::spec::{Source, Spec, clean};

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (after following symlinks).
    File,
    /// A folder.
    Dir,
}

/// The files the sources are looked up in. Paths are relative to the
/// working folder, `/`-separated, without `.` or `..` parts (`""` is the
/// working folder).
pub trait FileTree {
    /// What is at `path`, or `None` if nothing is.
    fn kind(&self, path: &str) -> Result<Option<Kind>, Error>;

    /// Every file below folder `dir` (recursively, `.git` folders skipped),
    /// as paths relative to the working folder; empty if `dir` does not exist.
    fn files_under(&self, dir: &str) -> Result<Vec<String>, Error>;

    /// What makes two paths the same file (a symlink and its target are).
    fn identity(&self, path: &str) -> Result<PathBuf, Error>;
}

/// One file of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageEntry {
    /// The path in the package (`/`-separated).
    pub path: String,
    /// The file, relative to the working folder.
    pub source: String,
}

/// A compiled include or exclude pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: anything but `/`.
    Star,
    /// `**`: anything.
    Any,
}

impl Glob {
    /// Compiles `pattern`; `None` for `***` (malformed, as in goopack).
    pub fn new(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '*' {
                let run = chars[i..].iter().take_while(|c| **c == '*').count();
                match run {
                    1 => tokens.push(Token::Star),
                    2 => tokens.push(Token::Any),
                    _ => return None,
                }
                i += run;
            } else {
                tokens.push(Token::Char(chars[i]));
                i += 1;
            }
        }
        Some(Glob { tokens })
    }

    /// Whether the whole of `path` matches (linear in `path` times the
    /// pattern, whatever the stars).
    pub fn matches(&self, path: &str) -> bool {
        let m = self.tokens.len();
        let mut cur = vec![false; m + 1];
        cur[0] = true;
        for j in 1..=m {
            cur[j] = cur[j - 1] && matches!(self.tokens[j - 1], Token::Star | Token::Any);
        }
        let mut next = vec![false; m + 1];
        for c in path.chars() {
            next[0] = false;
            for j in 1..=m {
                next[j] = match self.tokens[j - 1] {
                    Token::Char(x) => cur[j - 1] && c == x,
                    Token::Star => next[j - 1] || (cur[j] && c != '/'),
                    Token::Any => next[j - 1] || cur[j],
                };
            }
            std::mem::swap(&mut cur, &mut next);
        }
        cur[m]
    }
}

/// `a` joined with `b` (either may be empty).
fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}/{b}"),
    }
}

/// Maps every source of `spec` to package paths over `tree`: sorted by
/// package path, the same file found twice kept once, two different files
/// at one path refused, no payload path ending in `.pkgspec`.
pub fn map_sources(spec: &Spec, tree: &dyn FileTree) -> Result<Vec<PackageEntry>, Error> {
    let mut by_path: BTreeMap<String, (String, PathBuf)> = BTreeMap::new();
    for (i, source) in spec.sources.iter().enumerate() {
        for (package_path, file) in map_source(i, source, tree)? {
            let id = tree.identity(&file)?;
            match by_path.get(&package_path) {
                Some((_, other)) if *other == id => {}
                Some((first, _)) => {
                    return Err(Error::DuplicatePath {
                        package_path,
                        first: first.clone(),
                        second: file,
                    });
                }
                None => {
                    if package_path.ends_with(".pkgspec") {
                        return Err(Error::PkgspecPayload {
                            package_path,
                            source_file: file,
                        });
                    }
                    by_path.insert(package_path, (file, id));
                }
            }
        }
    }
    Ok(by_path
        .into_iter()
        .map(|(path, (source, _))| PackageEntry { path, source })
        .collect())
}

/// The (package path, file) pairs of one source.
fn map_source(
    i: usize,
    source: &Source,
    tree: &dyn FileTree,
) -> Result<Vec<(String, String)>, Error> {
    let base = clean(&source.root);
    let target = clean(&source.target);
    let mut excludes = Vec::new();
    for (j, e) in source.exclude.iter().enumerate() {
        excludes.push(Glob::new(&clean(e)).ok_or_else(|| Error::MalformedGlob {
            field: format!("sources[{i}].exclude[{j}]"),
            pattern: e.clone(),
        })?);
    }
    let shown_base = if base.is_empty() {
        "the working folder".to_owned()
    } else {
        format!("{base}/")
    };
    let mut out = Vec::new();
    for (j, include) in source.include.iter().enumerate() {
        let field = format!("sources[{i}].include[{j}]");
        let pattern = clean(include);
        if !pattern.contains('*') {
            let file = join(&base, &pattern);
            match tree.kind(&file)? {
                Some(Kind::File) => out.push((join(&target, &pattern), file)),
                Some(Kind::Dir) => {
                    return Err(Error::IncludeIsFolder {
                        field,
                        include: include.clone(),
                    });
                }
                None => {
                    return Err(Error::IncludeMatchesNothing {
                        field,
                        include: include.clone(),
                        base: shown_base,
                    });
                }
            }
            continue;
        }
        let glob = Glob::new(&pattern).ok_or_else(|| Error::MalformedGlob {
            field: field.clone(),
            pattern: include.clone(),
        })?;
        // Walk from the folders before the first one with a star.
        let fixed: Vec<&str> = pattern
            .split('/')
            .take_while(|p| !p.contains('*'))
            .collect();
        let walk = join(&base, &fixed.join("/"));
        let mut found = 0usize;
        for file in tree.files_under(&walk)? {
            let rel = if base.is_empty() {
                file.as_str()
            } else {
                match file.strip_prefix(&base).and_then(|r| r.strip_prefix('/')) {
                    Some(r) => r,
                    None => continue,
                }
            };
            if !glob.matches(rel) {
                continue;
            }
            found += 1;
            if excludes.iter().any(|e| e.matches(rel)) {
                continue;
            }
            out.push((join(&target, rel), file.clone()));
        }
        if found == 0 {
            return Err(Error::IncludeMatchesNothing {
                field,
                include: include.clone(),
                base: shown_base,
            });
        }
    }
    Ok(out)
}

/// Checks that every key of `files` is a file of the package or a folder
/// holding some (goopack's rule: the key is compared as written).
pub fn check_files(spec: &Spec, entries: &[PackageEntry]) -> Result<(), Error> {
    let mut known: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for e in entries {
        known.insert(&e.path);
        let mut p = e.path.as_str();
        while let Some((dir, _)) = p.rsplit_once('/') {
            known.insert(dir);
            p = dir;
        }
    }
    let missing: Vec<String> = spec
        .files
        .keys()
        .filter(|k| !known.contains(k.as_str()))
        .cloned()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::FilesNotInPackage { missing })
    }
}

/// The file system under a working folder, refusing anything that
/// resolves outside `boundary` (the source tree).
#[derive(Debug, Clone)]
pub struct DiskTree {
    work: PathBuf,
    boundary: PathBuf,
}

impl DiskTree {
    /// The files under `work`, which must resolve inside `boundary`.
    pub fn new(work: &Path, boundary: &Path) -> Result<DiskTree, Error> {
        let work = work
            .canonicalize()
            .map_err(fs_error::at("cannot open the working folder", work))?;
        let boundary = boundary
            .canonicalize()
            .map_err(fs_error::at("cannot open the source tree", boundary))?;
        Ok(DiskTree { work, boundary })
    }

    /// The working folder.
    pub fn work(&self) -> &Path {
        &self.work
    }

    /// `path` relative to the working folder, as a file-system path.
    pub fn abs(&self, path: &str) -> PathBuf {
        if path.is_empty() {
            self.work.clone()
        } else {
            self.work.join(path)
        }
    }

    fn inside(&self, path: &str, abs: &Path) -> Result<PathBuf, Error> {
        let real = abs
            .canonicalize()
            .map_err(fs_error::at("cannot resolve", abs))?;
        if real.starts_with(&self.boundary) {
            Ok(real)
        } else {
            Err(Error::OutsideTree {
                path: path.to_owned(),
                target: real,
            })
        }
    }
}

impl FileTree for DiskTree {
    fn kind(&self, path: &str) -> Result<Option<Kind>, Error> {
        let abs = self.abs(path);
        let meta = match std::fs::metadata(&abs) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A dangling symlink is "nothing" too, but say where it points.
                return match std::fs::symlink_metadata(&abs) {
                    Ok(_) => Err(fs_error::at("cannot follow the symlink", &abs)(e).into()),
                    Err(_) => Ok(None),
                };
            }
            Err(e) => return Err(fs_error::at("cannot read", &abs)(e).into()),
        };
        self.inside(path, &abs)?;
        if meta.is_dir() {
            Ok(Some(Kind::Dir))
        } else if meta.is_file() {
            Ok(Some(Kind::File))
        } else {
            Err(Error::NotRegularFile {
                path: path.to_owned(),
            })
        }
    }

    fn files_under(&self, dir: &str) -> Result<Vec<String>, Error> {
        let start = self.abs(dir);
        if !start.is_dir() {
            return Ok(Vec::new());
        }
        self.inside(dir, &start)?;
        let mut out = Vec::new();
        let walker = walkdir::WalkDir::new(&start)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git");
        for entry in walker {
            let entry = entry.map_err(|e| {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| start.clone());
                let detail = e.to_string();
                Error::Io(fs_error::FsError::new(
                    "cannot walk",
                    path,
                    e.into_io_error()
                        .unwrap_or_else(|| std::io::Error::other(detail)),
                ))
            })?;
            let rel_path = entry
                .path()
                .strip_prefix(&self.work)
                .unwrap_or(entry.path());
            let rel = rel_path.to_str().ok_or_else(|| Error::NotUtf8 {
                path: rel_path.to_owned(),
            })?;
            if entry.path_is_symlink() {
                self.inside(rel, entry.path())?;
            }
            let ft = entry.file_type();
            if ft.is_dir() {
                continue;
            }
            if !ft.is_file() {
                return Err(Error::NotRegularFile {
                    path: rel.to_owned(),
                });
            }
            out.push(rel.to_owned());
        }
        Ok(out)
    }

    fn identity(&self, path: &str) -> Result<PathBuf, Error> {
        self.inside(path, &self.abs(path))
    }
}

/// An in-memory [`FileTree`] for tests and dry runs: a set of files, and
/// aliases (symlinks) that resolve to another file.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    files: std::collections::BTreeSet<String>,
    aliases: BTreeMap<String, String>,
}

impl MemoryTree {
    /// A tree holding `files`.
    pub fn new<I, S>(files: I) -> MemoryTree
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        MemoryTree {
            files: files.into_iter().map(Into::into).collect(),
            aliases: BTreeMap::new(),
        }
    }

    /// Adds `link`, the same file as `target`.
    pub fn alias(mut self, link: &str, target: &str) -> MemoryTree {
        self.files.insert(link.to_owned());
        self.aliases.insert(link.to_owned(), target.to_owned());
        self
    }
}

impl FileTree for MemoryTree {
    fn kind(&self, path: &str) -> Result<Option<Kind>, Error> {
        if self.files.contains(path) {
            return Ok(Some(Kind::File));
        }
        let prefix = format!("{path}/");
        Ok(
            (path.is_empty() || self.files.iter().any(|f| f.starts_with(&prefix)))
                .then_some(Kind::Dir),
        )
    }

    fn files_under(&self, dir: &str) -> Result<Vec<String>, Error> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        Ok(self
            .files
            .iter()
            .filter(|f| f.starts_with(&prefix))
            .filter(|f| !f[prefix.len()..].split('/').any(|p| p == ".git"))
            .cloned()
            .collect())
    }

    fn identity(&self, path: &str) -> Result<PathBuf, Error> {
        Ok(PathBuf::from(
            self.aliases.get(path).map_or(path, String::as_str),
        ))
    }
}
