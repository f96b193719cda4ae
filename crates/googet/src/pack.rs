//! Writing a `.goo`: the payload files in package-path order, then
//! `<name>.pkgspec`, as a tar stream compressed on all cores; every file is
//! streamed, so memory stays bounded whatever the payload.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::gzip::{CompressError, GzOptions, GzStats, compress};
use crate::sources::PackageEntry;
use crate::tar::TarWriter;
use crate::{Error, Spec};

/// How to pack.
#[derive(Debug, Clone, Copy)]
pub struct PackOptions {
    /// Every entry's modification time (`SOURCE_DATE_EPOCH`, else the
    /// commit time), so that the same inputs give the same bytes.
    pub mtime: u64,
    /// Compression level and threads.
    pub gzip: GzOptions,
}

/// A written package.
#[derive(Debug, Clone)]
pub struct Packed {
    /// The `.goo` file.
    pub file: PathBuf,
    /// Payload files (the `.pkgspec` not counted).
    pub files: usize,
    /// Sizes of the tar stream and of the file.
    pub stats: GzStats,
}

/// Copy buffer size.
const BUF: usize = 256 * 1024;

/// Writes the package of `spec` to `out`: each of `entries` (files relative
/// to `work`) with mode 0755 if executable on disk else 0644, owner 0/0,
/// no user names, mtime `opts.mtime`; then `<name>.pkgspec` (0644) last.
/// `label` names the output in errors.
pub fn write_package<W: Write + Send>(
    out: W,
    label: &Path,
    spec: &Spec,
    work: &Path,
    entries: &[PackageEntry],
    opts: &PackOptions,
) -> Result<(W, GzStats), Error> {
    let json = spec.pkgspec_json();
    let result = compress(out, opts.gzip, |sink| -> Result<(), Error> {
        let mut tar = TarWriter::new(sink);
        let write_err = |e: std::io::Error| fs_error::at("cannot write", label)(e);
        let mut buf = vec![0u8; BUF];
        for entry in entries {
            let path = work.join(&entry.source);
            let mut file = File::open(&path).map_err(fs_error::at("cannot read", &path))?;
            let meta = file
                .metadata()
                .map_err(fs_error::at("cannot read", &path))?;
            if !meta.is_file() {
                return Err(Error::NotRegularFile {
                    path: entry.source.clone(),
                });
            }
            let size = meta.len();
            tar.file_header(&entry.path, mode_of(&meta), size, opts.mtime)
                .map_err(write_err)?;
            let mut left = size;
            while left > 0 {
                let want = left.min(BUF as u64) as usize;
                let n = match file.read(&mut buf[..want]) {
                    Ok(0) => {
                        return Err(Error::FileChanged {
                            path,
                            expected: size,
                        });
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(fs_error::at("cannot read", &path)(e).into()),
                };
                tar.inner().write_all(&buf[..n]).map_err(write_err)?;
                left -= n as u64;
            }
            if file
                .read(&mut buf[..1])
                .map_err(fs_error::at("cannot read", &path))?
                != 0
            {
                return Err(Error::FileChanged {
                    path,
                    expected: size,
                });
            }
            tar.pad(size).map_err(write_err)?;
        }
        tar.bytes(&spec.pkgspec_name(), 0o644, json.as_bytes(), opts.mtime)
            .map_err(write_err)?;
        tar.finish().map_err(write_err)?;
        Ok(())
    });
    match result {
        Ok(((), out, stats)) => Ok((out, stats)),
        Err(CompressError::Produce(e)) => Err(e),
        Err(CompressError::Output(e)) => Err(fs_error::at("cannot write", label)(e).into()),
    }
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    }
}

#[cfg(not(unix))]
fn mode_of(_: &std::fs::Metadata) -> u32 {
    0o644
}

/// Writes `<dir>/<name>.<arch>.<version>.goo` atomically: to a temporary
/// name in `dir`, renamed on success, removed on any failure, so that no
/// partial package is ever left behind.
pub fn pack(
    spec: &Spec,
    work: &Path,
    entries: &[PackageEntry],
    dir: &Path,
    opts: &PackOptions,
) -> Result<Packed, Error> {
    let name = spec.file_name();
    let dest = dir.join(&name);
    // parse_spec refused names with separators; make sure anyway.
    if dest.parent() != Some(dir) || dest.file_name().and_then(|n| n.to_str()) != Some(&name) {
        return Err(Error::BadName {
            name: spec.name.clone(),
            reason: "would leave the output folder",
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(fs_error::at("cannot create a file in", dir))?;
    let file = tmp
        .reopen()
        .map_err(fs_error::at("cannot write", tmp.path()))?;
    let (file, stats) = write_package(
        std::io::BufWriter::with_capacity(1 << 20, file),
        &dest,
        spec,
        work,
        entries,
        opts,
    )?;
    let file = file
        .into_inner()
        .map_err(|e| fs_error::at("cannot write", &dest)(e.into_error()))?;
    file.sync_all()
        .map_err(fs_error::at("cannot write", &dest))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(fs_error::at("cannot write", &dest))?;
    }
    tmp.persist(&dest)
        .map_err(|e| fs_error::at("cannot rename the package to", &dest)(e.error))?;
    Ok(Packed {
        file: dest,
        files: entries.len(),
        stats,
    })
}
