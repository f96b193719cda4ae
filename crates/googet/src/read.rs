//! Reading a `.goo`: its entries, and the embedded spec, found the way
//! googet finds it (the first entry ending in `.pkgspec`) and checked the
//! way googet checks it.

use std::collections::BTreeSet;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::spec::{is_absolute, leaves};
use crate::tar::{EntryInfo, EntryKind, TarReader};
use crate::{Error, Spec, parse_spec};

/// The largest embedded spec read.
pub const MAX_PKGSPEC_BYTES: u64 = 1 << 20;
/// The most entries read.
pub const MAX_ENTRIES: usize = 1_000_000;

/// What a `.goo` holds.
#[derive(Debug, Clone)]
pub struct GooPackage {
    /// Every entry, in archive order.
    pub entries: Vec<EntryInfo>,
    /// The index in `entries` of the embedded spec.
    pub spec_index: usize,
    /// The embedded spec's text.
    pub spec_json: String,
    /// The embedded spec, parsed and checked.
    pub spec: Spec,
}

impl GooPackage {
    /// What is wrong with the package beyond what googet itself refuses:
    /// entries that would leave the package, entries that are not regular
    /// files, duplicates, more than one `.pkgspec`, a spec that is not the
    /// last entry or not named `<name>.pkgspec`, a spec not in goopack's
    /// exact form. Empty for a package this crate wrote.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.path.is_empty() || is_absolute(&e.path) || leaves(&e.path) {
                out.push(format!(
                    "entry {:?} would be written outside the package folder",
                    e.path
                ));
            }
            if e.kind != EntryKind::File {
                out.push(format!(
                    "entry {:?} is a {}, not a regular file",
                    e.path,
                    e.kind.name()
                ));
            }
            if !seen.insert(e.path.as_str()) {
                out.push(format!("entry {:?} appears twice", e.path));
            }
            if i != self.spec_index && e.path.ends_with(".pkgspec") {
                out.push(format!(
                    "entry {:?} ends in .pkgspec but is not the spec googet reads",
                    e.path
                ));
            }
        }
        let spec_entry = &self.entries[self.spec_index].path;
        if self.spec_index + 1 != self.entries.len() {
            out.push(format!("the spec {spec_entry:?} is not the last entry"));
        }
        if *spec_entry != self.spec.pkgspec_name() {
            out.push(format!(
                "the spec entry is {spec_entry:?}, expected {:?}",
                self.spec.pkgspec_name()
            ));
        }
        if self.spec_json != self.spec.pkgspec_json() {
            out.push(
                "the embedded spec is not written as goopack writes it (Go's indented JSON)".into(),
            );
        }
        out
    }

    /// The payload: every entry but the spec.
    pub fn payload(&self) -> impl Iterator<Item = &EntryInfo> {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != self.spec_index)
            .map(|(_, e)| e)
    }
}

/// Reads the package at `path`.
pub fn read_package(path: &Path) -> Result<GooPackage, Error> {
    let file = std::fs::File::open(path).map_err(fs_error::at("cannot open", path))?;
    read_package_from(BufReader::with_capacity(1 << 20, file), path)
}

/// Reads a package from `r`; `label` names it in errors. Takes untrusted
/// bytes: anything malformed is an [`Error::Corrupt`], never a panic.
pub fn read_package_from(r: impl Read, label: &Path) -> Result<GooPackage, Error> {
    let corrupt = |detail: String| Error::Corrupt {
        path: PathBuf::from(label),
        detail,
    };
    let mut r = r;
    let mut magic = Vec::with_capacity(2);
    (&mut r)
        .take(2)
        .read_to_end(&mut magic)
        .map_err(fs_error::at("cannot read", label))?;
    match magic.as_slice() {
        [] => return Err(corrupt("the file is empty".into())),
        [0x1f, 0x8b] => {}
        _ => {
            return Err(corrupt(
                "not gzip: a .goo is a gzip-compressed tar, starting with the bytes 1f 8b".into(),
            ));
        }
    }
    let gz = flate2::read::MultiGzDecoder::new((&magic[..]).chain(r));
    let mut tar = TarReader::new(gz);
    let mut entries = Vec::new();
    let mut spec: Option<(usize, Vec<u8>)> = None;
    while let Some(e) = tar.next_entry().map_err(|d| corrupt(gzip_words(d)))? {
        if entries.len() >= MAX_ENTRIES {
            return Err(corrupt(format!("more than {MAX_ENTRIES} entries")));
        }
        if spec.is_none() && e.path.ends_with(".pkgspec") {
            if e.kind != EntryKind::File {
                return Err(corrupt(format!(
                    "the spec entry {:?} is not a regular file",
                    e.path
                )));
            }
            let data = tar
                .read_data(MAX_PKGSPEC_BYTES)
                .map_err(|d| corrupt(format!("the spec entry {:?}: {}", e.path, gzip_words(d))))?;
            spec = Some((entries.len(), data));
        }
        entries.push(e);
    }
    tar.drain().map_err(|d| corrupt(gzip_words(d)))?;
    let Some((spec_index, data)) = spec else {
        return Err(corrupt(
            "no entry ending in .pkgspec: googet finds a package's spec in <name>.pkgspec".into(),
        ));
    };
    let spec_json = String::from_utf8(data).map_err(|_| {
        corrupt(format!(
            "the spec {:?} is not UTF-8",
            entries[spec_index].path
        ))
    })?;
    let spec = parse_spec(&spec_json)
        .map_err(|e| corrupt(format!("the spec {:?}: {e}", entries[spec_index].path)))?;
    Ok(GooPackage {
        entries,
        spec_index,
        spec_json,
        spec,
    })
}

/// Says "gzip" where the decoder's words do not.
fn gzip_words(detail: String) -> String {
    if detail == "unexpected end of file" {
        "the gzip stream ends unexpectedly (the file is cut short, or has bytes after its end)"
            .into()
    } else if detail.contains("gzip") || detail.contains("deflate") {
        format!("{detail} (the file is not an intact gzip stream)")
    } else {
        detail
    }
}
