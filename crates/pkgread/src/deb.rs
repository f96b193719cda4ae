//! `.deb`: an ar archive holding debian-binary, control.tar.*, data.tar.*.

use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::{Fail, Format, PackageMeta, Problem, split_debian_version, word_field};

const AR_MAGIC: &[u8; 8] = b"!<arch>\n";
const AR_HEADER: u64 = 60;
/// Compressed and decompressed control tarballs are a few KiB; these caps
/// only stop hostile input from exhausting memory.
const MAX_CONTROL_MEMBER: u64 = 16 << 20;
const MAX_CONTROL_TAR: u64 = 64 << 20;
const MAX_CONTROL_FILE: u64 = 1 << 20;

const CONTROL_FILE: &str = "control file";

struct Member {
    name: String,
    offset: u64,
    size: u64,
}

/// Reads the next ar member header at `*pos`, moving `*pos` past the member.
fn next_member<R: Read + Seek>(r: &mut R, pos: &mut u64, len: u64) -> Result<Option<Member>, Fail> {
    if *pos >= len {
        return Ok(None);
    }
    if len - *pos < AR_HEADER {
        return Err(Problem::BadArHeader { offset: *pos }.into());
    }
    let mut header = [0u8; AR_HEADER as usize];
    r.seek(SeekFrom::Start(*pos))?;
    r.read_exact(&mut header)?;
    let bad = || Problem::BadArHeader { offset: *pos };
    if &header[58..60] != b"`\n" {
        return Err(bad().into());
    }
    // GNU ar ends names with `/`; dpkg writes both forms.
    let name = std::str::from_utf8(&header[..16]).map_err(|_| bad())?;
    let name = name.trim_end_matches(' ');
    let name = name.strip_suffix('/').unwrap_or(name).to_string();
    let size = std::str::from_utf8(&header[48..58])
        .ok()
        .map(|s| s.trim_end_matches(' '))
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(bad)?;
    let offset = *pos + AR_HEADER;
    if size > len - offset {
        return Err(Problem::ArTruncated {
            member: name,
            size,
            offset,
            len,
        }
        .into());
    }
    // Members are padded to an even size; a missing final pad byte is
    // harmless, so the position is only clamped to the end.
    *pos = (offset + size + size % 2).min(len);
    Ok(Some(Member { name, offset, size }))
}

fn read_member<R: Read + Seek>(r: &mut R, m: &Member, limit: u64) -> Result<Vec<u8>, Fail> {
    if m.size > limit {
        return Err(Problem::MemberTooLarge {
            member: m.name.clone(),
            size: m.size,
            limit,
        }
        .into());
    }
    r.seek(SeekFrom::Start(m.offset))?;
    let mut data = vec![0; m.size as usize];
    r.read_exact(&mut data)?;
    Ok(data)
}

fn compression_known(suffix: &str, data: bool) -> bool {
    // dpkg accepts bzip2 and lzma for data.tar only.
    matches!(suffix, "" | ".gz" | ".xz" | ".zst") || (data && matches!(suffix, ".bz2" | ".lzma"))
}

pub(crate) fn read<R: Read + Seek>(r: &mut R, len: u64) -> Result<PackageMeta, Fail> {
    let mut magic = [0u8; 8];
    if len < 8 {
        return Err(Problem::NotAr.into());
    }
    r.read_exact(&mut magic)?;
    if &magic != AR_MAGIC {
        return Err(Problem::NotAr.into());
    }
    let mut pos = 8;

    let first = next_member(r, &mut pos, len)?.ok_or(Problem::NotDebianBinaryFirst {
        found: String::new(),
    })?;
    if first.name != "debian-binary" {
        return Err(Problem::NotDebianBinaryFirst { found: first.name }.into());
    }
    // Anything longer than a version line is not a format this reads.
    if first.size > 16 {
        return Err(Problem::BadDebianBinary {
            found: format!("{} bytes long", first.size),
        }
        .into());
    }
    let version = read_member(r, &first, 16)?;
    if version != b"2.0\n" {
        return Err(Problem::BadDebianBinary {
            found: format!("{:?}", String::from_utf8_lossy(&version)),
        }
        .into());
    }

    let control = loop {
        let m = next_member(r, &mut pos, len)?.ok_or(Problem::NoControlTar)?;
        if let Some(suffix) = m.name.strip_prefix("control.tar") {
            if !compression_known(suffix, false) {
                return Err(unexpected(m.name, "control.tar, .gz, .xz or .zst"));
            }
            break m;
        }
        if m.name.starts_with("data.tar") {
            return Err(Problem::NoControlTar.into());
        }
        if !m.name.starts_with('_') {
            return Err(unexpected(m.name, "control.tar"));
        }
    };
    loop {
        let m = next_member(r, &mut pos, len)?.ok_or(Problem::NoDataTar)?;
        if let Some(suffix) = m.name.strip_prefix("data.tar") {
            if !compression_known(suffix, true) {
                return Err(unexpected(
                    m.name,
                    "data.tar, .gz, .xz, .zst, .bz2 or .lzma",
                ));
            }
            break;
        }
        if !m.name.starts_with('_') {
            return Err(unexpected(m.name, "data.tar"));
        }
    }

    let compressed = read_member(r, &control, MAX_CONTROL_MEMBER)?;
    let tarball = decompress(&control.name, &compressed)?;
    let text = control_file(&control.name, &tarball)?;
    Ok(meta(&text)?)
}

fn unexpected(member: String, expected: &'static str) -> Fail {
    Problem::UnexpectedMember { member, expected }.into()
}

/// A writer that refuses to grow past a limit, for decoders that push.
struct Capped {
    data: Vec<u8>,
    limit: u64,
    exceeded: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.data.len() as u64 + buf.len() as u64 > self.limit {
            self.exceeded = true;
            return Err(io::Error::other("size limit"));
        }
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn decompress(member: &str, data: &[u8]) -> Result<Vec<u8>, Problem> {
    let limit = MAX_CONTROL_TAR;
    let too_large = || Problem::DecompressedTooLarge {
        member: member.to_string(),
        limit,
    };
    let failed = |detail: String| Problem::Decompress {
        member: member.to_string(),
        detail,
    };
    let read_capped = |reader: &mut dyn Read| -> Result<Vec<u8>, Problem> {
        let mut out = Vec::new();
        reader
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| failed(e.to_string()))?;
        if out.len() as u64 > limit {
            return Err(too_large());
        }
        Ok(out)
    };
    let suffix = member.strip_prefix("control.tar").unwrap_or_default();
    // Checking the magic first gives a plain message instead of each
    // decoder's own wording for "this is not my format".
    let magic: &[u8] = match suffix {
        ".gz" => &[0x1f, 0x8b],
        ".xz" => &[0xfd, b'7', b'z', b'X', b'Z', 0],
        ".zst" => &[0x28, 0xb5, 0x2f, 0xfd],
        _ => &[],
    };
    if !data.starts_with(magic) {
        return Err(failed(format!(
            "not {} data",
            &suffix[1..].replace("gz", "gzip").replace("zst", "zstd")
        )));
    }
    match suffix {
        ".gz" => read_capped(&mut flate2::read::MultiGzDecoder::new(data)),
        ".xz" => {
            let mut out = Capped {
                data: Vec::new(),
                limit,
                exceeded: false,
            };
            match lzma_rs::xz_decompress(&mut &data[..], &mut out) {
                Ok(()) => Ok(out.data),
                Err(_) if out.exceeded => Err(too_large()),
                Err(e) => Err(failed(e.to_string())),
            }
        }
        ".zst" => {
            let mut decoder =
                ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| failed(e.to_string()))?;
            read_capped(&mut decoder)
        }
        _ => Ok(data.to_vec()),
    }
}

/// Finds `./control` in the control tarball.
fn control_file(member: &str, tarball: &[u8]) -> Result<String, Problem> {
    let bad = |e: io::Error| Problem::BadTar {
        member: member.to_string(),
        // dpkg writes ustar/GNU tarballs; without that magic the tar
        // crate's own message (about checksum fields) only confuses.
        detail: if tarball.get(257..262) == Some(b"ustar") {
            e.to_string()
        } else {
            "no tar header at byte 0".to_string()
        },
    };
    let mut archive = tar::Archive::new(tarball);
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let path = entry.path_bytes();
        let path = path.strip_prefix(b"./").unwrap_or(&path);
        if path != b"control" || !entry.header().entry_type().is_file() {
            continue;
        }
        if entry.size() > MAX_CONTROL_FILE {
            return Err(Problem::MemberTooLarge {
                member: format!("{member} ./control"),
                size: entry.size(),
                limit: MAX_CONTROL_FILE,
            });
        }
        let mut data = Vec::new();
        entry
            .take(MAX_CONTROL_FILE)
            .read_to_end(&mut data)
            .map_err(bad)?;
        return String::from_utf8(data).map_err(|_| Problem::NotUtf8 { file: CONTROL_FILE });
    }
    Err(Problem::NoControlFile {
        member: member.to_string(),
    })
}

fn meta(text: &str) -> Result<PackageMeta, Problem> {
    let paragraphs = deb822::parse(text).map_err(|error| Problem::Syntax {
        file: CONTROL_FILE,
        error,
    })?;
    let para = paragraphs
        .first()
        .ok_or(Problem::NoParagraph { file: CONTROL_FILE })?;
    let name = word_field(para, CONTROL_FILE, "Package")?;
    let version = word_field(para, CONTROL_FILE, "Version")?;
    let arch = word_field(para, CONTROL_FILE, "Architecture")?;
    let (epoch, version, release) = split_debian_version(&version)?;
    Ok(PackageMeta {
        name,
        epoch,
        version,
        release,
        arch,
        format: Format::Deb,
    })
}
