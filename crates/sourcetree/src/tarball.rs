//! The reproducible upstream tarball, written natively.
//!
//! Same content rule as the original `tar --exclude .git --exclude
//! packaging`: everything under the build folder but `.git` (at any depth:
//! submodules) and the top-level `packaging` folder, inside one top folder
//! `<name>-<version>/`. What the original left to chance is fixed here, so
//! that the same commit gives the same bytes: entries sorted by name, owner
//! 0/0 without user names, every mtime set to one timestamp, modes reduced
//! to 0644/0755 (git only tracks the executable bit), and a gzip header
//! without a name or time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use tar::{EntryType, Header};

use crate::{Selection, SourceError};

/// What went into a tarball.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TarballStats {
    /// Regular files.
    pub files: u64,
    /// Their total size.
    pub bytes: u64,
}

/// Writes `dest` (a `.tar.gz`) from `build_dir`, with every entry under
/// `top/` and every mtime `mtime`. Written to a temporary file beside
/// `dest` and renamed, so a failure leaves nothing behind.
pub fn write_orig_tarball(
    build_dir: &Path,
    dest: &Path,
    top: &str,
    mtime: u64,
) -> Result<TarballStats, SourceError> {
    let part = Part {
        dir: build_dir,
        selection: &Selection::default(),
        top: top.to_owned(),
        skip_packaging: true,
    };
    write_selected(&[part], dest, mtime)
}

/// One tree in a tarball: the entries of `dir` that `selection` includes,
/// under `top/`.
pub(crate) struct Part<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) selection: &'a Selection,
    pub(crate) top: String,
    /// Leave out the top-level `packaging` folder (the build folder's own;
    /// an extra repository's is kept).
    pub(crate) skip_packaging: bool,
}

/// Writes `dest` from `parts`, in order, each as [`write_orig_tarball`]
/// writes one tree.
pub(crate) fn write_selected(
    parts: &[Part<'_>],
    dest: &Path,
    mtime: u64,
) -> Result<TarballStats, SourceError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let werr = |source| SourceError::Write {
        path: dest.to_owned(),
        source,
    };
    let tmp = tempfile::Builder::new()
        .prefix(".orig-")
        .tempfile_in(dir)
        .map_err(werr)?;
    // Compressed on every core (deterministic whatever their number), so
    // the tarball costs no more than `tar | gzip` while staying reproducible.
    let result = pgzip::compress(
        BufWriter::new(tmp.as_file()),
        pgzip::GzOptions::default(),
        |gz| -> Result<TarballStats, SourceError> {
            let mut builder = tar::Builder::new(gz);
            builder.follow_symlinks(false);
            let mut stats = TarballStats { files: 0, bytes: 0 };
            for part in parts {
                let s = append_tree(&mut builder, part, mtime).map_err(|e| match e {
                    SourceError::Write { source, .. } => werr(source),
                    other => other,
                })?;
                stats.files += s.files;
                stats.bytes += s.bytes;
            }
            builder.finish().map_err(werr)?;
            Ok(stats)
        },
    );
    let (stats, mut w, _) = result.map_err(|e| match e {
        pgzip::CompressError::Produce(e) => e,
        pgzip::CompressError::Output(e) => werr(e),
    })?;
    w.flush().map_err(werr)?;
    drop(w);
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(dest).map_err(|e| werr(e.error))?;
    Ok(stats)
}

/// Appends `top/` and everything under the part's folder (but `.git` and,
/// when asked, the top-level `packaging`) in name order. Write errors come
/// back as [`SourceError::Write`] naming the folder; the caller renames them.
fn append_tree<W: Write>(
    builder: &mut tar::Builder<W>,
    part: &Part<'_>,
    mtime: u64,
) -> Result<TarballStats, SourceError> {
    let (build_dir, selection, top) = (part.dir, part.selection, part.top.as_str());
    let werr = |source| SourceError::Write {
        path: build_dir.to_owned(),
        source,
    };
    let mut stats = TarballStats { files: 0, bytes: 0 };
    append_dir(builder, &format!("{top}/"), mtime).map_err(werr)?;
    let walker = walkdir::WalkDir::new(build_dir)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name();
            if name == ".git" || (part.skip_packaging && e.depth() == 1 && name == "packaging") {
                return false;
            }
            let rel = e.path().strip_prefix(build_dir).ok().and_then(Path::to_str);
            // A name that is not UTF-8 passes, to be refused below by name.
            rel.is_none_or(|rel| selection.includes(rel, e.path(), e.file_type().is_dir()))
        });
    for entry in walker {
        let entry = entry.map_err(|e| SourceError::Read {
            path: e
                .path()
                .map(Path::to_owned)
                .unwrap_or_else(|| build_dir.to_owned()),
            detail: e.to_string(),
        })?;
        let rel = entry
            .path()
            .strip_prefix(build_dir)
            .expect("walkdir yields paths under its root");
        let Some(rel) = rel.to_str() else {
            return Err(SourceError::Read {
                path: entry.path().to_owned(),
                detail: "the file name is not UTF-8; rename it".into(),
            });
        };
        let name = format!("{top}/{rel}");
        let ft = entry.file_type();
        let rerr = |e: std::io::Error| SourceError::Read {
            path: entry.path().to_owned(),
            detail: e.to_string(),
        };
        if ft.is_dir() {
            append_dir(builder, &format!("{name}/"), mtime).map_err(werr)?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(rerr)?;
            let mut h = header(EntryType::Symlink, 0o777, 0, mtime);
            builder.append_link(&mut h, &name, &target).map_err(werr)?;
        } else if ft.is_file() {
            let meta = entry.metadata().map_err(|e| SourceError::Read {
                path: entry.path().to_owned(),
                detail: e.to_string(),
            })?;
            use std::os::unix::fs::PermissionsExt;
            let mode = if meta.permissions().mode() & 0o111 != 0 {
                0o755
            } else {
                0o644
            };
            let mut h = header(EntryType::Regular, mode, meta.len(), mtime);
            let f = File::open(entry.path()).map_err(rerr)?;
            builder.append_data(&mut h, &name, f).map_err(werr)?;
            stats.files += 1;
            stats.bytes += meta.len();
        }
        // Sockets, fifos and devices have no place in a source tarball.
    }
    Ok(stats)
}

fn header(kind: EntryType, mode: u32, size: u64, mtime: u64) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h
}

fn append_dir<W: Write>(b: &mut tar::Builder<W>, name: &str, mtime: u64) -> std::io::Result<()> {
    let mut h = header(EntryType::Directory, 0o755, 0, mtime);
    b.append_data(&mut h, name, std::io::empty())
}
