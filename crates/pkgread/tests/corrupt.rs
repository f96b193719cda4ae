//! Broken packages: each gives an error that says what is wrong, never a
//! panic. The messages are snapshotted as a user would read them.

mod common;

use common::{ar, build_deb, build_rpms, control_tar, deb_with_control, gzip, have};
use pkgread::{read_deb, read_deb_bytes, read_rpm, read_rpm_bytes};

fn deb_err(bytes: &[u8]) -> String {
    read_deb_bytes(bytes).unwrap_err().to_string()
}

fn rpm_err(bytes: &[u8]) -> String {
    read_rpm_bytes(bytes).unwrap_err().to_string()
}

const CONTROL: &str =
    "Package: hello-guest\nVersion: 1:20261127.00-g1\nArchitecture: all\nDescription: x\n";

#[test]
fn hand_made_deb_reads() {
    let got = read_deb_bytes(&deb_with_control(CONTROL)).unwrap();
    assert_eq!(got.full_version(), "1:20261127.00-g1");
}

#[test]
fn broken_debs() {
    let tar_gz = gzip(&control_tar(CONTROL));
    let data: &[u8] = b"data";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty file", vec![]),
        ("text file", b"Package: x\n".to_vec()),
        ("rpm", vec![0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 0, 0, 0]),
        ("only debian-binary", ar(&[("debian-binary", b"2.0\n")])),
        (
            "format 3.0",
            ar(&[("debian-binary", b"3.0\n"), ("control.tar.gz", &tar_gz)]),
        ),
        (
            "huge debian-binary",
            ar(&[("debian-binary", &[b'2'; 1000])]),
        ),
        (
            "control first",
            ar(&[("control.tar.gz", &tar_gz), ("debian-binary", b"2.0\n")]),
        ),
        (
            "data before control",
            ar(&[("debian-binary", b"2.0\n"), ("data.tar.gz", data)]),
        ),
        (
            "stray member",
            ar(&[("debian-binary", b"2.0\n"), ("README", data)]),
        ),
        (
            "bzip2 control",
            ar(&[("debian-binary", b"2.0\n"), ("control.tar.bz2", data)]),
        ),
        (
            "no data",
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("_extra", data),
                ("control.tar.gz", &tar_gz),
            ]),
        ),
        (
            "garbage control.tar.gz",
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar.gz", b"not gzip at all"),
                ("data.tar", data),
            ]),
        ),
        (
            "garbage control.tar.xz",
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar.xz", b"not xz at all"),
                ("data.tar", data),
            ]),
        ),
        (
            "garbage control.tar.zst",
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar.zst", b"not zstd at all"),
                ("data.tar", data),
            ]),
        ),
        (
            "garbage control.tar",
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar", &[7u8; 1024]),
                ("data.tar", data),
            ]),
        ),
        (
            "gzip of garbage",
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar.gz", &gzip(&[7u8; 1024])),
                ("data.tar", data),
            ]),
        ),
        (
            "no control file",
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar", &[0u8; 1024]),
                ("data.tar", data),
            ]),
        ),
        (
            "no Package",
            deb_with_control("Version: 1.0\nArchitecture: all\n"),
        ),
        (
            "empty Architecture",
            deb_with_control("Package: a\nVersion: 1.0\nArchitecture:\n"),
        ),
        (
            "bad epoch",
            deb_with_control("Package: a\nVersion: x:1.0\nArchitecture: all\n"),
        ),
        ("syntax", deb_with_control("Package: a\nVersion 1.0\n")),
        ("no paragraph", deb_with_control("# nothing\n")),
        ("not UTF-8", deb_with_control(b"Package: \xff\n")),
    ];
    let mut report = String::new();
    for (what, bytes) in &cases {
        report.push_str(&format!("{what}: {}\n", deb_err(bytes)));
    }
    insta::assert_snapshot!(report, @r#"
    empty file: <memory>: not an ar archive (a .deb starts with "!<arch>\n")
    text file: <memory>: not an ar archive (a .deb starts with "!<arch>\n")
    rpm: <memory>: not an ar archive (a .deb starts with "!<arch>\n")
    only debian-binary: <memory>: no control.tar member
    format 3.0: <memory>: debian-binary is "3.0\n", expected "2.0\n"
    huge debian-binary: <memory>: debian-binary is 1000 bytes long, expected "2.0\n"
    control first: <memory>: first ar member is "control.tar.gz", expected "debian-binary"
    data before control: <memory>: no control.tar member
    stray member: <memory>: unexpected ar member "README" (expected control.tar)
    bzip2 control: <memory>: unexpected ar member "control.tar.bz2" (expected control.tar, .gz, .xz or .zst)
    no data: <memory>: no data.tar member
    garbage control.tar.gz: <memory>: control.tar.gz cannot be decompressed: not gzip data
    garbage control.tar.xz: <memory>: control.tar.xz cannot be decompressed: not xz data
    garbage control.tar.zst: <memory>: control.tar.zst cannot be decompressed: not zstd data
    garbage control.tar: <memory>: control.tar is not a valid tar archive: no tar header at byte 0
    gzip of garbage: <memory>: control.tar.gz is not a valid tar archive: no tar header at byte 0
    no control file: <memory>: control.tar has no ./control file
    no Package: <memory>: control file has no Package field
    empty Architecture: <memory>: control file has a bad Architecture field: ""
    bad epoch: <memory>: version "x:1.0" has an epoch that is not a number
    syntax: <memory>: control file: line 2: expected `Field: value`, found "Version 1.0"
    no paragraph: <memory>: control file has no paragraph
    not UTF-8: <memory>: control file is not UTF-8
    "#);
}

#[test]
fn malformed_ar_headers() {
    let mut bytes = deb_with_control(CONTROL);
    bytes[8 + 58] = b'X'; // the header's closing "`\n"
    assert_eq!(
        deb_err(&bytes),
        "<memory>: malformed ar member header at byte 8"
    );
    let mut bytes = deb_with_control(CONTROL);
    bytes[8 + 48] = b'-'; // size field
    assert_eq!(
        deb_err(&bytes),
        "<memory>: malformed ar member header at byte 8"
    );
    let mut bytes = deb_with_control(CONTROL);
    bytes[8 + 48..8 + 58].copy_from_slice(b"9999999999");
    assert_eq!(
        deb_err(&bytes),
        format!(
            "<memory>: truncated: ar member \"debian-binary\" needs 9999999999 bytes at byte 68, the file ends at byte {}",
            bytes.len()
        )
    );
    // Eight bytes of magic and a few of a header.
    assert_eq!(
        deb_err(b"!<arch>\ndebian"),
        "<memory>: malformed ar member header at byte 8"
    );
}

#[test]
fn every_prefix_of_a_real_deb_is_an_error() {
    if !have("dpkg-deb") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for compression in ["xz", "zstd"] {
        let deb = build_deb(dir.path(), "1:20261127.00-g1", compression);
        let bytes = std::fs::read(&deb).unwrap();
        // The last byte may be the final member's padding, which dpkg does
        // not need either.
        for len in 0..bytes.len() - 1 {
            assert!(
                read_deb_bytes(&bytes[..len]).is_err(),
                "{len} bytes read as a package"
            );
        }
        // The message names the file.
        let cut = dir.path().join("cut.deb");
        std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
        let msg = read_deb(&cut).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!(
                "{}: truncated: ar member \"data.tar.",
                cut.display()
            )),
            "{msg}"
        );
    }
}

/// Byte offset of the main header: lead, signature header, its padding.
fn main_header(rpm: &[u8]) -> usize {
    let be = |at: usize| u32::from_be_bytes(rpm[at..at + 4].try_into().unwrap()) as usize;
    let (count, size) = (be(96 + 8), be(96 + 12));
    96 + 16 + count * 16 + size + (8 - size % 8) % 8
}

/// Byte offset of the index entry for `tag` in the header at `header`.
fn entry(rpm: &[u8], header: usize, tag: u32) -> usize {
    let be = |at: usize| u32::from_be_bytes(rpm[at..at + 4].try_into().unwrap());
    (0..be(header + 8) as usize)
        .map(|i| header + 16 + i * 16)
        .find(|&at| be(at) == tag)
        .unwrap()
}

#[test]
fn broken_rpms() {
    if !have("rpmbuild") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (rpm, _) = build_rpms(dir.path(), Some(1), ".el9");
    let good = std::fs::read(&rpm).unwrap();
    let main = main_header(&good);
    let patched = |at: usize, with: &[u8]| {
        let mut b = good.clone();
        b[at..at + with.len()].copy_from_slice(with);
        b
    };
    let name = entry(&good, main, 1000);
    let sig_size = entry(&good, 96, 1000);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty file", vec![]),
        ("a deb", b"!<arch>\ndebian-binary".to_vec()),
        ("lead only", good[..96].to_vec()),
        ("half a lead", good[..50].to_vec()),
        ("signature magic", patched(96, &[0, 0, 0, 0])),
        (
            "signature index count",
            patched(96 + 8, &u32::MAX.to_be_bytes()),
        ),
        (
            "signature store size",
            patched(96 + 12, &0x1000_0000u32.to_be_bytes()),
        ),
        (
            "signature index past the end",
            patched(96 + 8, &0x1000u32.to_be_bytes()),
        ),
        ("main magic", patched(main, b"\x8e\xad\xe8\x02")),
        (
            "huge count for NAME",
            patched(name + 12, &0x7fff_ffffu32.to_be_bytes()),
        ),
        (
            "huge offset for NAME",
            patched(name + 8, &u32::MAX.to_be_bytes()),
        ),
        (
            "zero count for NAME",
            patched(name + 12, &0u32.to_be_bytes()),
        ),
        ("NAME as INT16", patched(name + 4, &3u32.to_be_bytes())),
        ("unknown type", patched(name + 4, &77u32.to_be_bytes())),
        ("no NAME", patched(name, &999u32.to_be_bytes())),
        (
            "SIZE as a string",
            patched(sig_size + 4, &6u32.to_be_bytes()),
        ),
        ("payload cut", good[..good.len() - 100].to_vec()),
        ("headers only", good[..main + 200].to_vec()),
    ];
    let mut report = String::new();
    for (what, bytes) in &cases {
        report.push_str(&format!("{what}: {}\n", rpm_err(bytes)));
    }
    // Sizes and offsets that depend on the rpm version and build host.
    let be = |at: usize| u32::from_be_bytes(good[at..at + 4].try_into().unwrap()) as usize;
    let (sig_count, sig_store) = (be(96 + 8), be(96 + 12));
    let (main_count, main_store) = (be(main + 8), be(main + 12));
    let len = good.len();
    let dynamic = [
        (0x1000 * 16 + sig_store, "[0x1000*16+SIG_STORE]"),
        (main_count * 16 + main_store, "[MAIN_INDEX+MAIN_STORE]"),
        (len - main - 100, "[LEN-MAIN-100]"),
        (len - main, "[LEN-MAIN]"),
        (main + 200, "[MAIN+200]"),
        (main + 16, "[MAIN+16]"),
        (main, "[MAIN]"),
        (len, "[LEN]"),
        (sig_store, "[SIG_STORE]"),
        (main_store, "[MAIN_STORE]"),
        (sig_count, "[SIG_COUNT]"),
    ];
    let filters: Vec<(String, &str)> = dynamic
        .iter()
        .map(|(n, name)| (format!(r"\b{n}\b"), *name))
        .collect();
    insta::with_settings!({ filters => filters.iter().map(|(r, n)| (r.as_str(), *n)) }, {
        insta::assert_snapshot!(report, @r#"
        empty file: <memory>: not an rpm (no ed ab ee db lead magic)
        a deb: <memory>: not an rpm (no ed ab ee db lead magic)
        lead only: <memory>: truncated: the signature header needs 16 bytes at byte 96, the file ends at byte 96
        half a lead: <memory>: truncated: the lead needs 96 bytes at byte 0, the file ends at byte 50
        signature magic: <memory>: no rpm signature header magic (8e ad e8 01) at byte 96
        signature index count: <memory>: rpm signature header is too large: 4294967295 index entries and [SIG_STORE] data bytes (limits: 65535 entries, 268435455 bytes)
        signature store size: <memory>: rpm signature header is too large: [SIG_COUNT] index entries and 268435456 data bytes (limits: 65535 entries, 268435455 bytes)
        signature index past the end: <memory>: truncated: the signature header needs [0x1000*16+SIG_STORE] bytes at byte 112, the file ends at byte [LEN]
        main magic: <memory>: no rpm main header magic (8e ad e8 01) at byte [MAIN]
        huge count for NAME: <memory>: rpm header index out of bounds: main header tag 1000 (type 6, count 2147483647) at offset 2 runs past its [MAIN_STORE]-byte data store
        huge offset for NAME: <memory>: rpm header index out of bounds: main header tag 1000 (type 6, count 1) at offset 4294967295 runs past its [MAIN_STORE]-byte data store
        zero count for NAME: <memory>: rpm main header tag 1000 has a count of 0
        NAME as INT16: <memory>: rpm header tag NAME has type 3, expected a string
        unknown type: <memory>: rpm main header tag 1000 has unknown type 77
        no NAME: <memory>: rpm header has no NAME tag
        SIZE as a string: <memory>: rpm header tag SIGTAG_SIZE has type 6, expected an integer
        payload cut: <memory>: truncated: the signature gives [LEN-MAIN] bytes of header and payload, the file has [LEN-MAIN-100]
        headers only: <memory>: truncated: the main header needs [MAIN_INDEX+MAIN_STORE] bytes at byte [MAIN+16], the file ends at byte [MAIN+200]
        "#);
    });
}

#[test]
fn every_prefix_of_a_real_rpm_is_an_error() {
    if !have("rpmbuild") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (rpm, srpm) = build_rpms(dir.path(), Some(1), ".el9");
    for path in [rpm, srpm] {
        let bytes = std::fs::read(&path).unwrap();
        for len in 0..bytes.len() {
            assert!(
                read_rpm_bytes(&bytes[..len]).is_err(),
                "{len} bytes read as a package"
            );
        }
        let cut = dir.path().join("cut.rpm");
        std::fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
        let msg = read_rpm(&cut).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!("{}: truncated:", cut.display())),
            "{msg}"
        );
    }
}
