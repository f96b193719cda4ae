//! The tar layer: a writer of reproducible USTAR entries (long names in the
//! prefix field or a PAX record, as Go's `archive/tar` writes them) and a
//! reader that takes untrusted bytes (USTAR, PAX, GNU long names, base-256
//! numbers) and never allocates more than it caps.

use std::io::{self, Read, Write};

pub(crate) const BLOCK: usize = 512;
/// The largest PAX or GNU long-name record read.
const MAX_EXTENSION: u64 = 1 << 20;
/// The largest number an 11-digit octal field holds.
const MAX_OCTAL_11: u64 = 0o77777777777;

/// Writes tar entries into `w`.
pub(crate) struct TarWriter<W: Write> {
    w: W,
}

impl<W: Write> TarWriter<W> {
    pub(crate) fn new(w: W) -> TarWriter<W> {
        TarWriter { w }
    }

    pub(crate) fn inner(&mut self) -> &mut W {
        &mut self.w
    }

    /// Writes the header of a regular file of `size` bytes, with owner 0/0
    /// and no user names; the caller writes the data, then [`Self::pad`].
    pub(crate) fn file_header(
        &mut self,
        path: &str,
        mode: u32,
        size: u64,
        mtime: u64,
    ) -> io::Result<()> {
        let mut pax: Vec<(&str, String)> = Vec::new();
        let (prefix, name) = match split_ustar(path) {
            Some(pn) => pn,
            None => {
                pax.push(("path", path.to_owned()));
                ("", path)
            }
        };
        if size > MAX_OCTAL_11 {
            pax.push(("size", size.to_string()));
        }
        if mtime > MAX_OCTAL_11 {
            pax.push(("mtime", mtime.to_string()));
        }
        if !pax.is_empty() {
            let mut data = String::new();
            for (k, v) in &pax {
                data.push_str(&pax_record(k, v));
            }
            let (dir, file) = match path.rsplit_once('/') {
                Some((d, f)) => (format!("{d}/"), f),
                None => (String::new(), path),
            };
            let pax_name = format!("{dir}PaxHeaders.0/{file}");
            let block = header(&ascii(&pax_name), "", 0, data.len() as u64, 0, b'x');
            self.w.write_all(&block)?;
            self.w.write_all(data.as_bytes())?;
            self.pad(data.len() as u64)?;
        }
        let name = if pax.iter().any(|(k, _)| *k == "path") {
            ascii(name)
        } else {
            name.to_owned()
        };
        let block = header(
            &name,
            prefix,
            mode,
            if size > MAX_OCTAL_11 { 0 } else { size },
            if mtime > MAX_OCTAL_11 { 0 } else { mtime },
            b'0',
        );
        self.w.write_all(&block)
    }

    /// Pads data of `size` bytes to a whole block.
    pub(crate) fn pad(&mut self, size: u64) -> io::Result<()> {
        let rem = (size % BLOCK as u64) as usize;
        if rem != 0 {
            self.w.write_all(&[0u8; BLOCK][..BLOCK - rem])?;
        }
        Ok(())
    }

    /// A whole file from memory.
    pub(crate) fn bytes(
        &mut self,
        path: &str,
        mode: u32,
        data: &[u8],
        mtime: u64,
    ) -> io::Result<()> {
        self.file_header(path, mode, data.len() as u64, mtime)?;
        self.w.write_all(data)?;
        self.pad(data.len() as u64)
    }

    /// The end-of-archive marker: two zero blocks (no record padding, as Go).
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.w.write_all(&[0u8; 2 * BLOCK])?;
        Ok(self.w)
    }
}

/// The ASCII bytes of `s` (Go's `toASCII`), cut to 100 bytes.
fn ascii(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii() && *c != '\0')
        .take(100)
        .collect()
}

/// Go's `splitUSTARPath`: `(prefix, name)` when `path` fits USTAR.
fn split_ustar(path: &str) -> Option<(&str, &str)> {
    if !path.is_ascii() || path.contains('\0') {
        return None;
    }
    if path.len() <= 100 {
        return Some(("", path));
    }
    let mut len = path.len().min(156);
    if len == path.len() && path.ends_with('/') {
        len -= 1;
    }
    let i = path[..len].rfind('/')?;
    let (plen, nlen) = (i, path.len() - i - 1);
    if i == 0 || nlen > 100 || nlen == 0 || plen > 155 {
        return None;
    }
    Some((&path[..i], &path[i + 1..]))
}

/// One PAX record, `"<len> key=value\n"` where len counts itself.
fn pax_record(k: &str, v: &str) -> String {
    let mut size = k.len() + v.len() + 3;
    size += size.to_string().len();
    let mut record = format!("{size} {k}={v}\n");
    if record.len() != size {
        size = record.len();
        record = format!("{size} {k}={v}\n");
    }
    record
}

fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let s = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(&s.as_bytes()[s.len() - digits..]);
    field[digits] = 0;
}

/// A USTAR header block.
fn header(name: &str, prefix: &str, mode: u32, size: u64, mtime: u64, typeflag: u8) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    let n = name.len().min(100);
    b[..n].copy_from_slice(&name.as_bytes()[..n]);
    octal(&mut b[100..108], u64::from(mode));
    octal(&mut b[108..116], 0);
    octal(&mut b[116..124], 0);
    octal(&mut b[124..136], size);
    octal(&mut b[136..148], mtime);
    b[156] = typeflag;
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    octal(&mut b[329..337], 0);
    octal(&mut b[337..345], 0);
    let p = prefix.len().min(155);
    b[345..345 + p].copy_from_slice(&prefix.as_bytes()[..p]);
    b[148..156].fill(b' ');
    let sum: u32 = b.iter().map(|x| u32::from(*x)).sum();
    octal(&mut b[148..155], u64::from(sum));
    b[155] = b' ';
    b
}

// --- reading -----------------------------------------------------------------

/// What kind of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link.
    Hardlink,
    /// Anything else (devices, fifos...).
    Other,
}

impl EntryKind {
    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "folder",
            EntryKind::Symlink => "symlink",
            EntryKind::Hardlink => "hard link",
            EntryKind::Other => "special file",
        }
    }
}

/// One entry of a tar stream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryInfo {
    /// The path as stored.
    pub path: String,
    /// Its kind.
    pub kind: EntryKind,
    /// Data bytes.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// Owner id.
    pub uid: u64,
    /// Group id.
    pub gid: u64,
    /// Owner name.
    pub uname: String,
    /// Group name.
    pub gname: String,
    /// Modification time, seconds since 1970.
    pub mtime: i64,
    /// A symlink's or hard link's target.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub link: String,
}

/// Reads entries one by one from an uncompressed tar stream.
pub(crate) struct TarReader<R: Read> {
    r: R,
    /// Bytes of the current entry's data not yet read or skipped.
    left: u64,
    /// Padding after the current entry's data.
    pad: u64,
    offset: u64,
    done: bool,
}

fn field_str(b: &[u8]) -> String {
    let end = b.iter().position(|x| *x == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// An octal (NUL/space-padded) or base-256 number.
fn field_num(b: &[u8]) -> Result<u64, String> {
    if b.first().is_some_and(|x| x & 0x80 != 0) {
        if b[0] == 0xff {
            return Err("negative base-256 number".into());
        }
        let mut v: u64 = u64::from(b[0] & 0x7f);
        for x in &b[1..] {
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(*x)))
                .ok_or("base-256 number out of range")?;
        }
        return Ok(v);
    }
    let s = field_str(b);
    let s = s.trim_matches(|c| c == ' ' || c == '\0');
    if s.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(s, 8).map_err(|_| format!("bad octal number {s:?}"))
}

impl<R: Read> TarReader<R> {
    pub(crate) fn new(r: R) -> TarReader<R> {
        TarReader {
            r,
            left: 0,
            pad: 0,
            offset: 0,
            done: false,
        }
    }

    fn read_block(&mut self) -> Result<Option<[u8; BLOCK]>, String> {
        let mut b = [0u8; BLOCK];
        let mut got = 0;
        while got < BLOCK {
            match self.r.read(&mut b[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        self.offset += got as u64;
        match got {
            0 => Ok(None),
            BLOCK => Ok(Some(b)),
            n => Err(format!(
                "truncated: a header block has only {n} bytes at byte {}",
                self.offset - n as u64
            )),
        }
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        let copied =
            io::copy(&mut (&mut self.r).take(n), &mut io::sink()).map_err(|e| e.to_string())?;
        self.offset += copied;
        if copied < n {
            return Err(format!(
                "truncated: an entry's data ends at byte {}, {} bytes short",
                self.offset,
                n - copied
            ));
        }
        Ok(())
    }

    fn read_exact_vec(&mut self, n: u64) -> Result<Vec<u8>, String> {
        let mut v = Vec::with_capacity(n.min(MAX_EXTENSION) as usize);
        (&mut self.r)
            .take(n)
            .read_to_end(&mut v)
            .map_err(|e| e.to_string())?;
        self.offset += v.len() as u64;
        if (v.len() as u64) < n {
            return Err(format!("truncated: data ends at byte {}", self.offset));
        }
        Ok(v)
    }

    /// Skips what is left of the current entry and reads the next header;
    /// `None` at the end of the archive.
    ///
    /// Long for a reason: it is the tar header parser, one check per field
    /// in the order of the format (ustar and PAX records, GNU long names),
    /// each with its own error; split up, the order would be harder to see.
    pub(crate) fn next_entry(&mut self) -> Result<Option<EntryInfo>, String> {
        if self.done {
            return Ok(None);
        }
        let (left, pad) = (self.left, self.pad);
        self.skip(left.saturating_add(pad))?;
        self.left = 0;
        self.pad = 0;
        let mut long_name: Option<String> = None;
        let mut long_link: Option<String> = None;
        let mut pax: Vec<(String, String)> = Vec::new();
        loop {
            let Some(b) = self.read_block()? else {
                self.done = true;
                return Ok(None);
            };
            if b.iter().all(|x| *x == 0) {
                self.done = true;
                return Ok(None);
            }
            let at = self.offset - BLOCK as u64;
            let stored = field_num(&b[148..156])
                .map_err(|e| format!("header at byte {at}: checksum: {e}"))?;
            let mut unsigned: u64 = 0;
            let mut signed: i64 = 0;
            for (i, x) in b.iter().enumerate() {
                let x = if (148..156).contains(&i) { b' ' } else { *x };
                unsigned += u64::from(x);
                signed += i64::from(x as i8);
            }
            if stored != unsigned && stored as i64 != signed {
                return Err(format!(
                    "header at byte {at}: bad checksum (not a tar archive, or corrupt)"
                ));
            }
            let num = |r: std::ops::Range<usize>, what: &str| {
                field_num(&b[r]).map_err(|e| format!("header at byte {at}: {what}: {e}"))
            };
            let mut size = num(124..136, "size")?;
            let typeflag = b[156];
            match typeflag {
                b'x' | b'g' | b'L' | b'K' => {
                    if size > MAX_EXTENSION {
                        return Err(format!(
                            "header at byte {at}: a {}-byte extension record is too large",
                            size
                        ));
                    }
                    let data = self.read_exact_vec(size)?;
                    self.skip((BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64)?;
                    match typeflag {
                        b'x' => {
                            pax = parse_pax(&data)
                                .map_err(|e| format!("PAX header at byte {at}: {e}"))?
                        }
                        b'L' => long_name = Some(field_str(&data)),
                        b'K' => long_link = Some(field_str(&data)),
                        _ => {}
                    }
                    continue;
                }
                _ => {}
            }
            let magic = &b[257..263];
            let mut path = field_str(&b[..100]);
            if magic == b"ustar\0" || magic == b"ustar " {
                let prefix = field_str(&b[345..500]);
                if magic == b"ustar\0" && !prefix.is_empty() {
                    path = format!("{prefix}/{path}");
                }
            }
            let mut link = field_str(&b[157..257]);
            let mut mtime = num(136..148, "mtime")? as i64;
            let mut uid = num(108..116, "uid")?;
            let mut gid = num(116..124, "gid")?;
            let (mut uname, mut gname) = (field_str(&b[265..297]), field_str(&b[297..329]));
            if let Some(n) = long_name {
                path = n;
            }
            if let Some(l) = long_link {
                link = l;
            }
            for (k, v) in &pax {
                let bad = || format!("PAX header at byte {at}: bad {k} {v:?}");
                match k.as_str() {
                    "path" => path = v.clone(),
                    "linkpath" => link = v.clone(),
                    "size" => size = v.parse().map_err(|_| bad())?,
                    "uid" => uid = v.parse().map_err(|_| bad())?,
                    "gid" => gid = v.parse().map_err(|_| bad())?,
                    "uname" => uname = v.clone(),
                    "gname" => gname = v.clone(),
                    "mtime" => {
                        let whole = v.split('.').next().unwrap_or("");
                        mtime = whole.parse().map_err(|_| bad())?;
                    }
                    _ => {}
                }
            }
            let kind = match typeflag {
                b'0' | 0 | b'7' => EntryKind::File,
                b'5' => EntryKind::Dir,
                b'2' => EntryKind::Symlink,
                b'1' => EntryKind::Hardlink,
                _ => EntryKind::Other,
            };
            // Only regular files carry data (GNU sparse files are not read).
            let data = match kind {
                EntryKind::File | EntryKind::Other => size,
                _ => 0,
            };
            self.left = data;
            self.pad = (BLOCK as u64 - data % BLOCK as u64) % BLOCK as u64;
            return Ok(Some(EntryInfo {
                path,
                kind,
                size,
                mode: (num(100..108, "mode")? & 0o7777) as u32,
                uid,
                gid,
                uname,
                gname,
                mtime,
                link,
            }));
        }
    }

    /// Reads the rest of the stream after the end of the archive (zero
    /// padding), so that the layer below checks its end (gzip's CRC).
    pub(crate) fn drain(&mut self) -> Result<(), String> {
        io::copy(&mut self.r, &mut io::sink())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Reads the current entry's data, at most `limit` bytes (more is an error).
    pub(crate) fn read_data(&mut self, limit: u64) -> Result<Vec<u8>, String> {
        if self.left > limit {
            return Err(format!(
                "an entry of {} bytes is larger than the {limit}-byte limit",
                self.left
            ));
        }
        let n = self.left;
        let v = self.read_exact_vec(n)?;
        self.left = 0;
        Ok(v)
    }
}

/// PAX records: `"<len> key=value\n"`, each length counting itself.
fn parse_pax(mut data: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let sp = data
            .iter()
            .position(|x| *x == b' ')
            .ok_or("a record without a length")?;
        let len: usize = std::str::from_utf8(&data[..sp])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a record with a bad length")?;
        if len <= sp + 1 || len > data.len() || data[len - 1] != b'\n' {
            return Err("a record with a wrong length".into());
        }
        let rec = &data[sp + 1..len - 1];
        let eq = rec
            .iter()
            .position(|x| *x == b'=')
            .ok_or("a record without '='")?;
        out.push((
            String::from_utf8_lossy(&rec[..eq]).into_owned(),
            String::from_utf8_lossy(&rec[eq + 1..]).into_owned(),
        ));
        data = &data[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(bytes: &[u8]) -> Result<Vec<EntryInfo>, String> {
        let mut r = TarReader::new(bytes);
        let mut v = Vec::new();
        while let Some(e) = r.next_entry()? {
            v.push(e);
        }
        Ok(v)
    }

    #[test]
    fn long_names_use_the_prefix_or_pax_and_read_back() {
        let short = "a/b.txt".to_string();
        let prefixed = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        let pax = "x".repeat(300);
        let unicode = "données/é.txt".to_string();
        let mut w = TarWriter::new(Vec::new());
        for p in [&short, &prefixed, &pax, &unicode] {
            w.bytes(p, 0o644, b"hello", 1_700_000_000).unwrap();
        }
        w.bytes("big-time", 0o755, b"", MAX_OCTAL_11 + 1).unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(bytes.len() % BLOCK, 0);
        let got = list(&bytes).unwrap();
        let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [short.as_str(), &prefixed, &pax, &unicode, "big-time"]
        );
        assert!(
            got.iter()
                .all(|e| e.uid == 0 && e.gid == 0 && e.uname.is_empty())
        );
        assert_eq!(got[0].mode, 0o644);
        assert_eq!(got[4].mode, 0o755);
        assert_eq!(got[4].mtime, (MAX_OCTAL_11 + 1) as i64);
        assert_eq!(got[1].size, 5);
    }

    #[test]
    fn the_pax_record_length_counts_itself() {
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        let r = pax_record("path", &"x".repeat(92));
        assert_eq!(r.len(), 102);
        assert!(r.starts_with("102 "));
    }

    #[test]
    fn corrupt_headers_are_errors() {
        let mut w = TarWriter::new(Vec::new());
        w.bytes("a", 0o644, b"data", 0).unwrap();
        let good = w.finish().unwrap();
        let mut bad = good.clone();
        bad[10] ^= 1;
        assert!(list(&bad).unwrap_err().contains("checksum"));
        assert!(list(&good[..700]).unwrap_err().contains("truncated"));
        assert!(list(&good[..100]).unwrap_err().contains("truncated"));
        // Ends after the data without the end marker: accepted, as Go does.
        assert_eq!(list(&good[..1024]).unwrap().len(), 1);
    }
}
