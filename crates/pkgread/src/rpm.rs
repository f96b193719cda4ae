//! `.rpm` and `.src.rpm`: lead, signature header, main header, payload.

use std::io::Read;

use crate::{Fail, Format, PackageMeta, Problem};

const LEAD: u64 = 96;
const LEAD_MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];
const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];
/// rpm's own limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`): nothing rpm
/// writes is larger, and nothing larger is allocated for hostile input.
pub(crate) const MAX_ENTRIES: u32 = 0xffff;
pub(crate) const MAX_STORE: u32 = 0x0fff_ffff;

const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

const SIGTAG_SIZE: u32 = 1000;
const SIGTAG_LONGSIZE: u32 = 270;

const TAG_NAME: (u32, &str) = (1000, "NAME");
const TAG_VERSION: (u32, &str) = (1001, "VERSION");
const TAG_RELEASE: (u32, &str) = (1002, "RELEASE");
const TAG_EPOCH: (u32, &str) = (1003, "EPOCH");
const TAG_ARCH: (u32, &str) = (1022, "ARCH");
const TAG_SOURCERPM: (u32, &str) = (1044, "SOURCERPM");

struct Entry {
    tag: u32,
    kind: u32,
    offset: u32,
    count: u32,
}

struct Header {
    entries: Vec<Entry>,
    store: Vec<u8>,
}

/// Tracks the read position against the known length, so that nothing is
/// allocated for data the file does not have.
struct Input<'a, R> {
    r: &'a mut R,
    pos: u64,
    len: u64,
}

impl<R: Read> Input<'_, R> {
    fn take(&mut self, what: &'static str, needs: u64) -> Result<Vec<u8>, Fail> {
        if needs > self.len - self.pos {
            return Err(Problem::Truncated {
                what,
                needs,
                offset: self.pos,
                len: self.len,
            }
            .into());
        }
        let mut buf = vec![0; needs as usize];
        self.r.read_exact(&mut buf)?;
        self.pos += needs;
        Ok(buf)
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    // Callers pass slices whose length was checked; a short one reads as 0
    // rather than panicking.
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_be_bytes)
        .unwrap_or(0)
}

fn read_header<R: Read>(
    input: &mut Input<'_, R>,
    header: &'static str,
    what: &'static str,
) -> Result<Header, Fail> {
    let offset = input.pos;
    let intro = input.take(what, 16)?;
    if intro[..4] != HEADER_MAGIC {
        return Err(Problem::BadHeaderMagic { header, offset }.into());
    }
    let count = be32(&intro, 8);
    let size = be32(&intro, 12);
    if count > MAX_ENTRIES || size > MAX_STORE {
        return Err(Problem::HeaderTooLarge {
            header,
            entries: count,
            bytes: size,
        }
        .into());
    }
    let index = input.take(what, u64::from(count) * 16 + u64::from(size))?;
    let (index, store) = index.split_at(count as usize * 16);
    let entries = index
        .chunks_exact(16)
        .map(|e| Entry {
            tag: be32(e, 0),
            kind: be32(e, 4),
            offset: be32(e, 8),
            count: be32(e, 12),
        })
        .collect::<Vec<_>>();
    for e in &entries {
        check_entry(header, e, size)?;
    }
    Ok(Header {
        entries,
        store: store.to_vec(),
    })
}

/// Checks that an entry's data lies inside the store, as rpm does before
/// trusting a header.
fn check_entry(header: &'static str, e: &Entry, store: u32) -> Result<(), Problem> {
    let width: u64 = match e.kind {
        0 => return Ok(()),
        1 | 2 | 7 => 1,
        3 => 2,
        4 => 4,
        5 => 8,
        // Strings take at least their NUL each.
        6 | 8 | 9 => 1,
        kind => {
            return Err(Problem::UnknownTagType {
                header,
                tag: e.tag,
                kind,
            });
        }
    };
    if e.count == 0 {
        return Err(Problem::EmptyTag { header, tag: e.tag });
    }
    let end = u64::from(e.offset) + u64::from(e.count) * width;
    if end > u64::from(store) {
        return Err(Problem::IndexOutOfBounds {
            header,
            tag: e.tag,
            kind: e.kind,
            offset: e.offset,
            count: e.count,
            store,
        });
    }
    Ok(())
}

impl Header {
    fn find(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// The first string of a string tag; `None` when absent.
    fn string(&self, (tag, name): (u32, &'static str)) -> Result<Option<String>, Problem> {
        let Some(e) = self.find(tag) else {
            return Ok(None);
        };
        if !matches!(e.kind, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(Problem::TagType {
                tag: name,
                kind: e.kind,
                expected: "a string",
            });
        }
        // check_entry made sure the offset is inside the store.
        let rest = self.store.get(e.offset as usize..).unwrap_or_default();
        let Some(nul) = rest.iter().position(|&b| b == 0) else {
            return Err(Problem::BadString {
                tag: name,
                detail: "is not NUL-terminated",
            });
        };
        String::from_utf8(rest[..nul].to_vec())
            .map(Some)
            .map_err(|_| Problem::BadString {
                tag: name,
                detail: "is not UTF-8",
            })
    }

    fn required(&self, tag: (u32, &'static str)) -> Result<String, Problem> {
        let value = self
            .string(tag)?
            .ok_or(Problem::MissingTag { tag: tag.1 })?;
        if value.is_empty() {
            return Err(Problem::BadString {
                tag: tag.1,
                detail: "is empty",
            });
        }
        Ok(value)
    }

    /// The first number of an integer tag; `None` when absent.
    fn int(&self, (tag, name): (u32, &'static str)) -> Result<Option<u64>, Problem> {
        let Some(e) = self.find(tag) else {
            return Ok(None);
        };
        let width = match e.kind {
            TYPE_INT32 => 4,
            TYPE_INT64 => 8,
            kind => {
                return Err(Problem::TagType {
                    tag: name,
                    kind,
                    expected: "an integer",
                });
            }
        };
        let at = e.offset as usize;
        let bytes = self.store.get(at..at + width).unwrap_or_default();
        Ok(Some(bytes.iter().fold(0, |n, &b| n << 8 | u64::from(b))))
    }
}

pub(crate) fn read<R: Read>(r: &mut R, len: u64) -> Result<PackageMeta, Fail> {
    let mut input = Input { r, pos: 0, len };
    // Whether it is an rpm at all comes first, even for a short file.
    let magic = input.take("lead", len.min(4))?;
    if magic != LEAD_MAGIC {
        return Err(Problem::NotRpm.into());
    }
    if len < LEAD {
        return Err(Problem::Truncated {
            what: "lead",
            needs: LEAD,
            offset: 0,
            len,
        }
        .into());
    }
    let rest = input.take("lead", LEAD - 4)?;
    let lead: Vec<u8> = magic.into_iter().chain(rest).collect();
    let lead_source = u16::from_be_bytes([lead[6], lead[7]]) == 1;

    let sig = read_header(&mut input, "signature", "signature header")?;
    // The signature header is padded so that the main header is 8-aligned.
    let pad = (8 - sig.store.len() % 8) % 8;
    input.take("signature header padding", pad as u64)?;
    let start = input.pos;
    let main = read_header(&mut input, "main", "main header")?;

    let size = sig.int((SIGTAG_LONGSIZE, "SIGTAG_LONGSIZE"))?;
    let size = size.or(sig.int((SIGTAG_SIZE, "SIGTAG_SIZE"))?);
    if let Some(needs) = size {
        let has = len - start;
        if has < needs {
            return Err(Problem::PayloadTruncated { needs, has }.into());
        }
    }

    let name = main.required(TAG_NAME)?;
    let version = main.required(TAG_VERSION)?;
    let release = main.required(TAG_RELEASE)?;
    let arch = main.required(TAG_ARCH)?;
    let epoch = match main.find(TAG_EPOCH.0) {
        Some(e) if e.kind != TYPE_INT32 => {
            return Err(Problem::TagType {
                tag: TAG_EPOCH.1,
                kind: e.kind,
                expected: "INT32",
            }
            .into());
        }
        // An INT32 is 4 bytes, so the number fits.
        _ => main.int(TAG_EPOCH)?.map(|n| n as u32),
    };
    let source_rpm = main.string(TAG_SOURCERPM)?.unwrap_or_default();
    let format = if source_rpm.is_empty() || lead_source {
        Format::Srpm
    } else {
        Format::Rpm
    };
    Ok(PackageMeta {
        name,
        epoch,
        version,
        release,
        arch,
        format,
    })
}
