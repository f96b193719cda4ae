//! A Go module proxy written as files, for `GOPROXY=file:///...`.
//!
//! Go reads a proxy through a fixed layout (the GOPROXY protocol, `go help
//! goproxy`): per module version `<module>/@v/<version>.info` (JSON with
//! `Version` and `Time`), `.mod` (its go.mod) and `.zip` (every file under
//! `<module>@<version>/`), plus `<module>/@v/list`, one version a line.
//! Capital letters in paths are written `!` and the lower-case letter.
//!
//! [`write_proxy`] makes that layout from module sources kept as folders
//! named `<module path>@<version>` (e.g. `example.org/textfmt@v1.2.0/`), so
//! that the tests and the demo build Go repositories without the network.
//! The bytes are reproducible (sorted entries, fixed times); Go checks the
//! modules against `go.sum`, whose hashes depend only on the files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `Time` of every version's `.info` (Go shows it, never checks it).
pub const INFO_TIME: &str = "2024-01-01T00:00:00Z";

/// Why a proxy could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] fs_error::FsError),
    /// A module source is not what its folder name says.
    #[error("{dir}: {detail}")]
    Source {
        /// The module's folder.
        dir: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },
    /// No module sources were found.
    #[error("{0}: no module sources (folders named <module path>@<version> holding a go.mod)")]
    Empty(PathBuf),
}

/// One module version written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleVersion {
    /// The module path, e.g. `example.org/textfmt`.
    pub path: String,
    /// Its version, e.g. `v1.2.0`.
    pub version: String,
    /// Files in its zip.
    pub files: usize,
}

/// Writes the proxy for every module source under `sources` into `out`
/// (created; files written whole, through a rename). Returns what it wrote,
/// sorted.
pub fn write_proxy(sources: &Path, out: &Path) -> Result<Vec<ModuleVersion>, ProxyError> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(sources).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(sources).to_owned();
            fs_error::FsError::new("cannot list", path, e.into())
        })?;
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_dir() && name.contains('@') {
            let rel = entry
                .path()
                .strip_prefix(sources)
                .expect("walked under sources")
                .to_string_lossy()
                .into_owned();
            let (path, version) = rel.rsplit_once('@').expect("the name holds an @");
            found.push((entry.path().to_owned(), path.to_owned(), version.to_owned()));
        }
    }
    if found.is_empty() {
        return Err(ProxyError::Empty(sources.to_owned()));
    }
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut written = Vec::new();
    for (dir, path, version) in found {
        let files = write_version(&dir, &path, &version, out)?;
        versions
            .entry(path.clone())
            .or_default()
            .push(version.clone());
        written.push(ModuleVersion {
            path,
            version,
            files,
        });
    }
    for (path, vs) in versions {
        let list: String = vs.iter().map(|v| format!("{v}\n")).collect();
        write_file(&version_dir(out, &path).join("list"), list.as_bytes())?;
    }
    Ok(written)
}

/// `<out>/<escaped module>/@v`.
pub fn version_dir(out: &Path, module: &str) -> PathBuf {
    out.join(escape(module)).join("@v")
}

/// Go's case encoding of module paths and versions: `!` then the lower-case
/// letter for each capital.
pub fn escape(s: &str) -> String {
    let mut e = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            e.push('!');
            e.push(c.to_ascii_lowercase());
        } else {
            e.push(c);
        }
    }
    e
}

fn write_version(dir: &Path, path: &str, version: &str, out: &Path) -> Result<usize, ProxyError> {
    let bad = |detail: String| ProxyError::Source {
        dir: dir.to_owned(),
        detail,
    };
    if !version.starts_with('v') || version.contains('/') {
        return Err(bad(format!(
            "{version:?} is not a module version: name the folder <module path>@vX.Y.Z"
        )));
    }
    let go_mod_path = dir.join("go.mod");
    let go_mod = std::fs::read_to_string(&go_mod_path).map_err(|e| {
        bad(format!(
            "cannot read go.mod ({e}): a module source holds its go.mod"
        ))
    })?;
    let declared = go_mod
        .lines()
        .find_map(|l| l.trim().strip_prefix("module "))
        .map(|m| m.trim().trim_matches('"'));
    if declared != Some(path) {
        return Err(bad(format!(
            "its go.mod declares module {:?}, but the folder names {path:?}: rename one of them",
            declared.unwrap_or("(none)")
        )));
    }
    let vdir = version_dir(out, path);
    let escaped = escape(version);
    let info = serde_json::json!({ "Version": version, "Time": INFO_TIME }).to_string();
    write_file(&vdir.join(format!("{escaped}.info")), info.as_bytes())?;
    write_file(&vdir.join(format!("{escaped}.mod")), go_mod.as_bytes())?;
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry =
            entry.map_err(|e| fs_error::FsError::new("cannot list", dir.to_owned(), e.into()))?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("walked under dir")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((rel, entry.path().to_owned()));
        }
    }
    let zip_path = vdir.join(format!("{escaped}.zip"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let zerr = |e: zip::result::ZipError| bad(format!("cannot write its zip: {e}"));
    for (rel, abs) in &files {
        let bytes = std::fs::read(abs).map_err(fs_error::at("cannot read", abs))?;
        zip.start_file(format!("{path}@{version}/{rel}"), options)
            .map_err(zerr)?;
        zip.write_all(&bytes)
            .map_err(|e| bad(format!("cannot write its zip: {e}")))?;
    }
    let bytes = zip.finish().map_err(zerr)?.into_inner();
    write_file(&zip_path, &bytes)?;
    Ok(files.len())
}

/// Writes `path` whole: a temporary file beside it, renamed.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ProxyError> {
    let dir = path.parent().expect("proxy files are in folders");
    std::fs::create_dir_all(dir).map_err(fs_error::at("cannot create", dir))?;
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(fs_error::at("cannot write in", dir))?;
    tmp.write_all(bytes)
        .map_err(fs_error::at("cannot write", path))?;
    tmp.persist(path)
        .map_err(|e| fs_error::FsError::new("cannot write", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(root: &Path, path: &str, version: &str, files: &[(&str, &str)]) {
        let dir = root.join(format!("{path}@{version}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("go.mod"), format!("module {path}\n\ngo 1.21\n")).unwrap();
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    #[test]
    fn the_layout_is_the_goproxy_protocol() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        module(
            &src,
            "example.org/Text",
            "v1.0.0",
            &[("a.go", "package text\n")],
        );
        module(
            &src,
            "example.org/Text",
            "v1.1.0",
            &[("a.go", "package text\n"), ("sub/b.go", "package sub\n")],
        );
        let out = tmp.path().join("proxy");
        let written = write_proxy(&src, &out).unwrap();
        assert_eq!(
            written
                .iter()
                .map(|m| (m.version.as_str(), m.files))
                .collect::<Vec<_>>(),
            vec![("v1.0.0", 2), ("v1.1.0", 3)]
        );
        let v = out.join("example.org/!text/@v");
        assert_eq!(
            std::fs::read_to_string(v.join("list")).unwrap(),
            "v1.0.0\nv1.1.0\n"
        );
        assert_eq!(
            std::fs::read_to_string(v.join("v1.1.0.info")).unwrap(),
            r#"{"Time":"2024-01-01T00:00:00Z","Version":"v1.1.0"}"#
        );
        assert!(
            std::fs::read_to_string(v.join("v1.1.0.mod"))
                .unwrap()
                .starts_with("module example.org/Text\n")
        );
        let zip = zip::ZipArchive::new(std::fs::File::open(v.join("v1.1.0.zip")).unwrap()).unwrap();
        let names: Vec<&str> = zip.file_names().collect();
        assert_eq!(
            names,
            vec![
                "example.org/Text@v1.1.0/a.go",
                "example.org/Text@v1.1.0/go.mod",
                "example.org/Text@v1.1.0/sub/b.go"
            ]
        );

        // Reproducible: the same sources give the same bytes.
        let again = tmp.path().join("again");
        write_proxy(&src, &again).unwrap();
        let zip_bytes =
            |root: &Path| std::fs::read(root.join("example.org/!text/@v/v1.1.0.zip")).unwrap();
        assert_eq!(zip_bytes(&out), zip_bytes(&again));
    }

    #[test]
    fn a_source_that_is_not_its_module_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        module(&src, "example.org/a", "v1.0.0", &[]);
        std::fs::write(
            src.join("example.org/a@v1.0.0/go.mod"),
            "module example.org/b\n",
        )
        .unwrap();
        let e = write_proxy(&src, &tmp.path().join("p"))
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with(r#"its go.mod declares module "example.org/b", but the folder names "example.org/a": rename one of them"#),
            "{e}"
        );
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(matches!(
            write_proxy(&empty, &tmp.path().join("q")),
            Err(ProxyError::Empty(_))
        ));
    }
}
