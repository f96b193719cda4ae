//! Writing `.goo` files and reading them back: our reader, GNU tar and
//! gzip, reproducibility, no partial files, and a corrupt-input corpus.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use googet::gzip::GzOptions;
use googet::{
    DiskTree, EntryKind, Error, PackOptions, Spec, check_files, map_sources, pack, parse_spec,
    read_package, read_package_from, render,
};
use sha2::{Digest, Sha256};

const MTIME: u64 = 1_700_000_000;

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// The TV1 tree, plus a large file and a long path.
fn tv1_tree(root: &Path) {
    write(root, "stage/demo.exe", b"MZ demo");
    write(root, "stage/demo.pdb", b"symbols");
    write(root, "stage/sub/readme.txt", b"read me\n");
    write(root, "install.ps1", b"Write-Host install\n");
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    write(root, "stage/big.bin", &big);
    let long = format!("stage/{}/{}.txt", "d".repeat(120), "f".repeat(120));
    write(root, &long, b"long");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let exe = root.join("stage/demo.exe");
        std::fs::set_permissions(exe, std::fs::Permissions::from_mode(0o775)).unwrap();
    }
}

fn tv1_spec() -> Spec {
    let vars = BTreeMap::from([("version".to_string(), "20240101.00".to_string())]);
    let text = r#"{"name":"demo","version":"{{.version}}@1","arch":"noarch","description":"Demo",
 "files":{"bin/demo.exe":"<ProgramFiles>/Demo/demo.exe"},"install":{"path":"install.ps1"},
 "sources":[{"root":"stage","include":["**"],"exclude":["**.pdb"],"target":"bin"},{"include":["install.ps1"]}]}"#;
    parse_spec(&render(text, &vars).unwrap()).unwrap()
}

fn opts(threads: usize) -> PackOptions {
    PackOptions {
        mtime: MTIME,
        gzip: GzOptions { level: 6, threads },
    }
}

fn build(root: &Path, out: &Path, threads: usize) -> PathBuf {
    let spec = tv1_spec();
    let tree = DiskTree::new(root, root).unwrap();
    let entries = map_sources(&spec, &tree).unwrap();
    check_files(&spec, &entries).unwrap();
    std::fs::create_dir_all(out).unwrap();
    pack(&spec, tree.work(), &entries, out, &opts(threads))
        .unwrap()
        .file
}

fn sha256(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn our_reader_gnu_tar_and_gzip_agree_on_the_package() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    tv1_tree(&src);
    let goo = build(&src, &d.path().join("out"), 2);
    assert_eq!(goo.file_name().unwrap(), "demo.noarch.20240101.00@1.goo");
    let long = format!("bin/{}/{}.txt", "d".repeat(120), "f".repeat(120));

    let pkg = read_package(&goo).unwrap();
    let paths: Vec<&str> = pkg.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "bin/big.bin",
            long.as_str(),
            "bin/demo.exe",
            "bin/sub/readme.txt",
            "install.ps1",
            "demo.pkgspec"
        ]
    );
    assert_eq!(pkg.spec_index, 5);
    // Everything but what drives packing is stored.
    let stored = Spec {
        build: Default::default(),
        sources: vec![],
        ..tv1_spec()
    };
    assert_eq!(pkg.spec, stored);
    assert!(pkg.problems().is_empty(), "{:?}", pkg.problems());
    assert_eq!(pkg.spec_json.len(), 345);
    for e in &pkg.entries {
        assert_eq!((e.uid, e.gid, e.mtime), (0, 0, MTIME as i64), "{}", e.path);
        assert!(e.uname.is_empty() && e.gname.is_empty());
        assert_eq!(e.kind, EntryKind::File);
        let want = if e.path == "bin/demo.exe" {
            0o755
        } else {
            0o644
        };
        assert_eq!(e.mode, want, "{}", e.path);
    }
    assert_eq!(pkg.entries[0].size, 3_000_000);

    // GNU tar lists the same entries, long name included.
    let o = Command::new("tar").arg("-tzf").arg(&goo).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, paths);
    // gzip checks the CRC and length of the one member.
    let o = Command::new("gzip").arg("-t").arg(&goo).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Extracted by tar, the files are the originals.
    let x = d.path().join("x");
    std::fs::create_dir_all(&x).unwrap();
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(&goo)
        .arg("-C")
        .arg(&x)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(
        std::fs::read(x.join("bin/big.bin")).unwrap(),
        std::fs::read(src.join("stage/big.bin")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(x.join("demo.pkgspec")).unwrap(),
        pkg.spec_json
    );
    // The gzip header is goopack's: no name, mtime 0, OS 255.
    let bytes = std::fs::read(&goo).unwrap();
    assert_eq!(&bytes[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    // A single-member reader (not only a multi-member one) reads it all.
    let mut all = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut all)
        .unwrap();
    assert_eq!(all.len() % 512, 0);
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    tv1_tree(&src);
    let a = build(&src, &d.path().join("a"), 1);
    let b = build(&src, &d.path().join("b"), 4);
    assert_eq!(sha256(&a), sha256(&b));
    // Another checkout of the same files, with other disk times: same bytes.
    let src2 = d.path().join("src2");
    tv1_tree(&src2);
    let c = build(&src2, &d.path().join("c"), 2);
    assert_eq!(sha256(&a), sha256(&c));
    // Different content: different bytes.
    write(&src2, "stage/demo.exe", b"MZ demo 2");
    let e = build(&src2, &d.path().join("e"), 2);
    assert_ne!(sha256(&a), sha256(&e));
}

#[test]
fn no_partial_package_is_left_behind() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    tv1_tree(&src);
    let spec = tv1_spec();
    let tree = DiskTree::new(&src, &src).unwrap();
    let entries = map_sources(&spec, &tree).unwrap();
    let out = d.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // A file disappears between listing and packing.
    std::fs::remove_file(src.join("stage/sub/readme.txt")).unwrap();
    let e = pack(&spec, tree.work(), &entries, &out, &opts(2)).unwrap_err();
    assert!(e.to_string().contains("readme.txt"), "{e}");
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    // A file shrinks: refused, nothing left.
    write(&src, "stage/sub/readme.txt", b"read me\n");
    let entries = map_sources(&spec, &tree).unwrap();
    let big = src.join("stage/big.bin");
    let real_size = std::fs::metadata(&big).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&big).unwrap();
    f.set_len(real_size / 2).unwrap();
    let shrunk = pack(&spec, tree.work(), &entries, &out, &opts(2));
    // (the size is read when packing, so a consistent shrink packs fine)
    assert!(shrunk.is_ok());
    std::fs::remove_file(out.join(spec.file_name())).unwrap();
    // The output folder is not writable: a clear error, nothing left.
    #[cfg(unix)]
    if !is_root() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
        let e = pack(&spec, tree.work(), &entries, &out, &opts(2)).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(files_in(&out).is_empty());
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A good package's bytes, for the corruption corpus.
fn good_package() -> Vec<u8> {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    tv1_tree(&src);
    std::fs::remove_file(src.join("stage/big.bin")).unwrap();
    std::fs::read(build(&src, &d.path().join("out"), 1)).unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn tar_of(entries: &[(&str, u8, &[u8])]) -> Vec<u8> {
    // (path, typeflag, data) written by hand, to make what we never write.
    let mut out = Vec::new();
    for (path, flag, data) in entries {
        let mut h = [0u8; 512];
        h[..path.len()].copy_from_slice(path.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = *flag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

const P_SPEC: &[u8] = br#"{"Name":"p","Version":"1","Arch":"noarch"}"#;

#[test]
fn corrupt_and_hostile_packages() {
    let good = good_package();
    let read = |bytes: &[u8]| read_package_from(bytes, Path::new("x.goo"));
    assert!(read(&good).is_ok());
    let mut all = String::new();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 1;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty file", vec![]),
        ("not gzip", b"PK\x03\x04 a zip file".to_vec()),
        ("truncated gzip", good[..good.len() / 2].to_vec()),
        ("a flipped byte", flipped),
        ("bad CRC", bad_crc),
        ("gzip of nothing", gz(b"")),
        (
            "gzip of text",
            gz(b"hello, this is not a tar archive at all, really"),
        ),
        ("no .pkgspec entry", gz(&tar_of(&[("a.txt", b'0', b"x")]))),
        (
            "spec not JSON",
            gz(&tar_of(&[("p.pkgspec", b'0', b"{not json")])),
        ),
        (
            "spec invalid",
            gz(&tar_of(&[(
                "p.pkgspec",
                b'0',
                br#"{"Name":"p","Version":"1","Arch":"x86"}"#,
            )])),
        ),
        ("spec a symlink", gz(&tar_of(&[("p.pkgspec", b'2', b"")]))),
        ("trailing garbage", {
            let mut v = good.clone();
            v.extend_from_slice(b"garbage");
            v
        }),
    ];
    for (name, bytes) in cases {
        let e = read(&bytes).map(|_| ()).expect_err(name);
        assert!(matches!(e, Error::Corrupt { .. }), "{name}: {e:?}");
        all.push_str(&format!("## {name}\n{e}\n"));
    }
    insta::assert_snapshot!(all);

    // Readable, but with problems googet would not notice.
    let hostile = gz(&tar_of(&[
        ("../../etc/evil", b'0', b"x"),
        ("/abs", b'0', b"x"),
        ("link", b'2', b""),
        ("dir/", b'5', b""),
        ("a", b'0', b"1"),
        ("a", b'0', b"2"),
        ("p.pkgspec", b'0', P_SPEC),
        ("second.pkgspec", b'0', P_SPEC),
        ("after", b'0', b""),
    ]));
    let pkg = read(&hostile).unwrap();
    insta::assert_snapshot!(pkg.problems().join("\n"));
}

#[test]
fn an_evil_pkgspec_entry_name_is_a_problem() {
    let pkg = read_package_from(
        &gz(&tar_of(&[("q.pkgspec", b'0', P_SPEC)]))[..],
        Path::new("x.goo"),
    )
    .unwrap();
    assert_eq!(pkg.spec.name, "p");
    assert_eq!(
        pkg.problems(),
        [
            "the spec entry is \"q.pkgspec\", expected \"p.pkgspec\"",
            "the embedded spec is not written as goopack writes it (Go's indented JSON)"
        ]
    );
}

#[test]
fn the_reader_never_panics_on_mutations() {
    let good = good_package();
    // Deterministic pseudo-random mutations of a real package, and of its
    // uncompressed tar (so that the tar parser sees hostile headers).
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&good[..])
        .read_to_end(&mut tar)
        .unwrap();
    let mut seed = 0x9E3779B97F4A7C15u64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..300 {
        let base = if round % 2 == 0 { &good } else { &tar };
        let mut m = base.clone();
        for _ in 0..1 + rnd() % 8 {
            let i = (rnd() as usize) % m.len();
            m[i] = rnd() as u8;
        }
        if rnd() % 5 == 0 {
            m.truncate((rnd() as usize) % m.len());
        }
        let bytes = if round % 2 == 0 { m } else { gz(&m) };
        let _ = read_package_from(&bytes[..], Path::new("m.goo"));
    }
}
