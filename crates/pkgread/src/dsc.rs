//! `.dsc`: the deb822 description of a Debian source package.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::{
    Fail, Format, MEMORY, PackageMeta, Problem, ReadError, open, split_debian_version, word_field,
};

const DSC: &str = ".dsc";
/// A .dsc is a few KiB; the cap only stops a wrong or hostile file.
const MAX_DSC: u64 = 4 << 20;

/// One file of the source package, from `Files` and `Checksums-Sha256`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DscFile {
    /// The file name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Lowercase hex, from `Files`.
    pub md5: String,
    /// Lowercase hex, from `Checksums-Sha256` when the .dsc has it.
    pub sha256: Option<String>,
}

/// The files a `.dsc` lists, in `Files` order, with their checksums.
pub fn read_dsc_files(path: &Path) -> Result<Vec<DscFile>, ReadError> {
    let text = load(path)?;
    files_of(&text).map_err(|f| f.at(path))
}

/// The files a `.dsc` held in memory lists.
pub fn read_dsc_files_str(text: &str) -> Result<Vec<DscFile>, ReadError> {
    files_of(text).map_err(|f| f.at(Path::new(MEMORY)))
}

pub(crate) fn load(path: &Path) -> Result<String, ReadError> {
    let (file, len) = open(path)?;
    let fail = |f: Fail| f.at(path);
    if len > MAX_DSC {
        return Err(fail(
            Problem::FileTooLarge {
                size: len,
                limit: MAX_DSC,
            }
            .into(),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_DSC)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.into()))?;
    String::from_utf8(bytes).map_err(|_| fail(Problem::NotUtf8 { file: DSC }.into()))
}

fn paragraph(text: &str) -> Result<deb822::Paragraph, Problem> {
    let paragraphs = deb822::parse(text).map_err(|error| Problem::Syntax { file: DSC, error })?;
    paragraphs
        .into_iter()
        .next()
        .ok_or(Problem::NoParagraph { file: DSC })
}

pub(crate) fn read(text: &str) -> Result<PackageMeta, Fail> {
    let para = paragraph(text)?;
    let name = word_field(&para, DSC, "Source")?;
    let version = word_field(&para, DSC, "Version")?;
    let (epoch, version, release) = split_debian_version(&version)?;
    // A .dsc without a valid file list cannot be unpacked: not a package.
    files(&para)?;
    Ok(PackageMeta {
        name,
        epoch,
        version,
        release,
        arch: "source".to_string(),
        format: Format::Dsc,
    })
}

fn files_of(text: &str) -> Result<Vec<DscFile>, Fail> {
    Ok(files(&paragraph(text)?)?)
}

/// Parses `checksum size name` lines, checking the checksum's hex length.
fn entries(
    value: &str,
    field: &'static str,
    checksum: &'static str,
    hex_len: usize,
) -> Result<Vec<(String, u64, String)>, Problem> {
    let mut out: Vec<(String, u64, String)> = Vec::new();
    for line in value.lines().filter(|l| !l.trim().is_empty()) {
        let bad = || Problem::BadFileEntry {
            field,
            checksum,
            entry: line.trim().to_string(),
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let [sum, size, name] = words[..] else {
            return Err(bad());
        };
        if sum.len() != hex_len || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let size = size.parse::<u64>().map_err(|_| bad())?;
        // Names are plain file names next to the .dsc.
        if name.contains('/') || name == "." || name == ".." {
            return Err(bad());
        }
        if out.iter().any(|(_, _, n)| n == name) {
            return Err(Problem::DuplicateFile {
                field,
                name: name.to_string(),
            });
        }
        out.push((sum.to_ascii_lowercase(), size, name.to_string()));
    }
    if out.is_empty() {
        return Err(Problem::NoFiles { field });
    }
    Ok(out)
}

fn files(para: &deb822::Paragraph) -> Result<Vec<DscFile>, Problem> {
    let listed = para.get("Files").ok_or(Problem::MissingField {
        file: DSC,
        field: "Files",
    })?;
    let mut files: Vec<DscFile> = entries(listed, "Files", "md5", 32)?
        .into_iter()
        .map(|(md5, size, name)| DscFile {
            name,
            size,
            md5,
            sha256: None,
        })
        .collect();
    if let Some(sums) = para.get("Checksums-Sha256") {
        let index: HashMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        for (sha256, size, name) in entries(sums, "Checksums-Sha256", "sha256", 64)? {
            let mismatch = |detail| Problem::ChecksumMismatch {
                name: name.clone(),
                detail,
            };
            let Some(file) = index.get(&name).and_then(|&i| files.get_mut(i)) else {
                return Err(mismatch("which is not in Files"));
            };
            if file.size != size {
                return Err(mismatch("with another size than Files"));
            }
            file.sha256 = Some(sha256);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSC_TEXT: &str = "\
Format: 3.0 (quilt)
Source: google-guest-agent
Binary: google-guest-agent
Architecture: any
Version: 1:20261127.00-g1
Checksums-Sha256:
 0000000000000000000000000000000000000000000000000000000000000001 100 google-guest-agent_20261127.00.orig.tar.gz
Files:
 d41d8cd98f00b204e9800998ecf8427e 100 google-guest-agent_20261127.00.orig.tar.gz
 D41D8CD98F00B204E9800998ECF8427F 20 google-guest-agent_20261127.00-g1.debian.tar.xz
";

    #[test]
    fn files_are_merged() {
        let files = files_of(DSC_TEXT).ok().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].size, 100);
        assert_eq!(files[0].sha256.as_deref().map(str::len), Some(64));
        assert_eq!(files[1].md5, "d41d8cd98f00b204e9800998ecf8427f");
        assert_eq!(files[1].sha256, None);
    }

    fn problem(text: &str) -> String {
        match read(text) {
            Err(Fail::Bad(p)) => p.to_string(),
            Err(Fail::Io(e)) => panic!("io: {e}"),
            Ok(m) => panic!("read: {m:?}"),
        }
    }

    #[test]
    fn errors() {
        let edit = |from: &str, to: &str| DSC_TEXT.replace(from, to);
        assert_eq!(
            problem(&edit("Source: google-guest-agent\n", "")),
            ".dsc has no Source field"
        );
        assert_eq!(
            problem(&edit("Source: google-guest-agent", "Source:")),
            ".dsc has a bad Source field: \"\""
        );
        assert_eq!(
            problem(&edit("1:2026", "x:2026")),
            "version \"x:20261127.00-g1\" has an epoch that is not a number"
        );
        assert_eq!(
            problem(&edit("001 100 google", "001 1x0 google")),
            "Checksums-Sha256: malformed entry \"0000000000000000000000000000000000000000000000000000000000000001 1x0 google-guest-agent_20261127.00.orig.tar.gz\" (expected `sha256 size name`)"
        );
        assert_eq!(
            problem(&edit("d41d8cd98f00b204e9800998ecf8427e", "d41d8")),
            "Files: malformed entry \"d41d8 100 google-guest-agent_20261127.00.orig.tar.gz\" (expected `md5 size name`)"
        );
        assert_eq!(
            problem(&edit("427e 100", "427e 101")),
            "Checksums-Sha256 lists \"google-guest-agent_20261127.00.orig.tar.gz\" with another size than Files"
        );
        assert_eq!(
            problem(&edit("001 100 google", "001 100 x")),
            "Checksums-Sha256 lists \"x-guest-agent_20261127.00.orig.tar.gz\" which is not in Files"
        );
        assert_eq!(
            problem(&edit(
                "427F 20 google-guest-agent_20261127.00-g1.debian",
                "427F 20 ../etc"
            )),
            "Files: malformed entry \"D41D8CD98F00B204E9800998ECF8427F 20 ../etc.tar.xz\" (expected `md5 size name`)"
        );
        let no_files = DSC_TEXT.split("Files:").next().unwrap_or_default();
        assert_eq!(problem(no_files), ".dsc has no Files field");
        assert_eq!(
            problem(&format!("{no_files}Files:\n")),
            "Files lists no files"
        );
        assert_eq!(problem("# only a comment\n"), ".dsc has no paragraph");
        assert_eq!(
            problem("Source x\n"),
            ".dsc: line 1: expected `Field: value`, found \"Source x\""
        );
    }
}
