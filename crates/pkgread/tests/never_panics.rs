//! The readers take hostile bytes: whatever they are given, they return.
//! Inputs are arbitrary bytes, package-shaped structures with random
//! fields, and real packages with random bytes changed or cut off.

mod common;

use std::sync::LazyLock;

use common::{ar, build_deb, build_rpms, control_tar, gzip};
use pkgread::{read_deb_bytes, read_dsc_str, read_rpm_bytes};
use proptest::prelude::*;
use proptest::sample::Index;

const CONTROL: &str =
    "Package: hello-guest\nVersion: 1:20261127.00-g1\nArchitecture: all\nDescription: x\n";

/// Well-formed debs made here, one per control.tar compression, so that
/// the mutations reach every decoder even without dpkg-deb installed.
static HAND_MADE_DEBS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let tarball = control_tar(CONTROL);
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut &tarball[..], &mut xz).unwrap();
    let zst = ruzstd::encoding::compress_to_vec(
        &tarball[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    [
        ("control.tar", tarball.clone()),
        ("control.tar.gz", gzip(&tarball)),
        ("control.tar.xz", xz),
        ("control.tar.zst", zst),
    ]
    .into_iter()
    .map(|(name, data)| {
        let deb = ar(&[
            ("debian-binary", b"2.0\n"),
            (name, &data),
            ("data.tar", &control_tar("x")),
        ]);
        assert!(read_deb_bytes(&deb).is_ok(), "{name}");
        deb
    })
    .collect()
});

/// Debs and rpms built by the real tools, when they are installed.
type Packages = (Vec<Vec<u8>>, Vec<Vec<u8>>);
static REAL: LazyLock<Packages> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let mut debs = Vec::new();
    let mut rpms = Vec::new();
    if common::have("dpkg-deb") {
        for z in ["xz", "gzip", "zstd", "none"] {
            debs.push(std::fs::read(build_deb(dir.path(), "1:2.0-1", z)).unwrap());
        }
    }
    if common::have("rpmbuild") {
        let (rpm, srpm) = build_rpms(dir.path(), Some(1), ".el9");
        rpms.push(std::fs::read(rpm).unwrap());
        rpms.push(std::fs::read(srpm).unwrap());
    }
    (debs, rpms)
});

/// Changes some bytes (often in the first KiB, where the headers are) and
/// maybe cuts the end off.
#[derive(Debug, Clone)]
struct Mutation {
    changes: Vec<(Index, usize, u8)>,
    cut: Option<Index>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::collection::vec((any::<Index>(), 0usize..1024, any::<u8>()), 1..6),
        prop::option::weighted(0.2, any::<Index>()),
    )
        .prop_map(|(changes, cut)| Mutation { changes, cut })
}

impl Mutation {
    fn apply(&self, original: &[u8]) -> Vec<u8> {
        let mut bytes = original.to_vec();
        for (i, (anywhere, early, value)) in self.changes.iter().enumerate() {
            if bytes.is_empty() {
                break;
            }
            let at = if i % 2 == 0 {
                anywhere.index(bytes.len())
            } else {
                early % bytes.len()
            };
            bytes[at] = *value;
        }
        if let Some(cut) = &self.cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        bytes
    }
}

fn be(n: u32) -> [u8; 4] {
    n.to_be_bytes()
}

/// An rpm with a real lead and header magics, and random index entries
/// pointing at random places.
fn rpm_shaped() -> impl Strategy<Value = Vec<u8>> {
    let entry = (
        prop_oneof![
            Just(1000u32),
            Just(1001),
            Just(1002),
            Just(1003),
            Just(1022),
            Just(1044),
            Just(270),
            any::<u32>()
        ],
        prop_oneof![0u32..10, any::<u32>()],
        prop_oneof![0u32..64, any::<u32>()],
        prop_oneof![0u32..4, any::<u32>()],
    );
    let header = (
        prop::collection::vec(entry, 0..8),
        prop::collection::vec(any::<u8>(), 0..96),
        prop::option::weighted(0.1, any::<u32>()),
    )
        .prop_map(|(entries, store, count_lie)| {
            let mut h = vec![0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
            h.extend(be(count_lie.unwrap_or(entries.len() as u32)));
            h.extend(be(store.len() as u32));
            for (tag, kind, offset, count) in entries {
                h.extend(be(tag));
                h.extend(be(kind));
                h.extend(be(offset));
                h.extend(be(count));
            }
            h.extend(store);
            h
        });
    (
        any::<u16>(),
        header.clone(),
        0usize..8,
        header,
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(kind, sig, pad, main, payload)| {
            let mut b = vec![0xed, 0xab, 0xee, 0xdb, 3, 0];
            b.extend(kind.to_be_bytes());
            b.resize(96, 0);
            b.extend(sig);
            b.resize(b.len() + pad, 0);
            b.extend(main);
            b.extend(payload);
            b
        })
}

/// An ar archive of plausible member names with random contents and
/// sometimes lying sizes.
fn deb_shaped() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        Just("debian-binary"),
        Just("control.tar"),
        Just("control.tar.gz"),
        Just("control.tar.xz"),
        Just("control.tar.zst"),
        Just("data.tar.xz"),
        Just("_extra"),
        Just("debian-binary/"),
    ];
    let member = (
        name,
        prop::collection::vec(any::<u8>(), 0..64),
        prop::option::weighted(0.1, "[0-9 ]{10}"),
    );
    prop::collection::vec(member, 0..5).prop_map(|members| {
        let mut b = b"!<arch>\n".to_vec();
        for (name, data, size_lie) in members {
            let size = size_lie.unwrap_or_else(|| format!("{:<10}", data.len()));
            b.extend(format!("{name:<16}{:<12}{:<6}{:<6}{:<8}{size}`\n", 0, 0, 0, 100644).bytes());
            b.extend(&data);
            if data.len() % 2 == 1 {
                b.push(b'\n');
            }
        }
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_deb_bytes(&bytes);
        let _ = read_rpm_bytes(&bytes);
        let _ = read_dsc_str(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn rpm_shaped_bytes(bytes in rpm_shaped()) {
        let _ = read_rpm_bytes(&bytes);
    }

    #[test]
    fn deb_shaped_bytes(bytes in deb_shaped()) {
        let _ = read_deb_bytes(&bytes);
    }

    #[test]
    fn mutated_hand_made_debs(which in any::<Index>(), m in mutation()) {
        let debs = &*HAND_MADE_DEBS;
        let _ = read_deb_bytes(&m.apply(&debs[which.index(debs.len())]));
    }

    #[test]
    fn mutated_real_packages(which in any::<Index>(), m in mutation()) {
        let (debs, rpms) = &*REAL;
        if !debs.is_empty() {
            let _ = read_deb_bytes(&m.apply(&debs[which.index(debs.len())]));
        }
        if !rpms.is_empty() {
            let _ = read_rpm_bytes(&m.apply(&rpms[which.index(rpms.len())]));
        }
    }
}

/// Found by `make fuzz-smoke`: a control.tar.xz whose stream footer gives
/// the largest backward size. lzma-rs computes `(size + 1) << 2` in a
/// u32, which overflows; the workspace builds lzma-rs without overflow
/// checks (as release builds are), so the reader returns an error.
#[test]
fn an_xz_footer_whose_index_size_overflows_is_an_error() {
    let deb = include_bytes!("data/xz-index-size-overflow.deb");
    assert!(read_deb_bytes(deb).is_err());
    let _ = read_rpm_bytes(deb);
}
