//! Small real packages, made in pure Rust, for the tagger to read back:
//! the layouts dpkg-deb and rpmbuild write, reduced to what a reader needs
//! (pkgread's module docs describe them).

#![allow(dead_code)] // each test file uses a different part

/// A `.deb`: `debian-binary`, an uncompressed `control.tar` with
/// `./control`, and a `data.tar` holding `payload`.
pub fn deb(name: &str, version: &str, arch: &str, payload: &[u8]) -> Vec<u8> {
    let control = format!(
        "Package: {name}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: T <t@example.com>\nDescription: test\n test package\n"
    );
    let control = tarball(&[("./control", control.as_bytes())]);
    let data = tarball(&[("./usr/share/hello/payload", payload)]);
    let mut out = b"!<arch>\n".to_vec();
    for (member, bytes) in [
        ("debian-binary", b"2.0\n".as_slice()),
        ("control.tar", &control),
        ("data.tar", &data),
    ] {
        out.extend(
            format!(
                "{member:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                0,
                0,
                0,
                100644,
                bytes.len()
            )
            .as_bytes(),
        );
        out.extend(bytes);
        if bytes.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, bytes) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, *bytes).unwrap();
    }
    b.into_inner().unwrap()
}

/// A binary `.rpm`: the lead, an empty signature header, a main header
/// with NAME, VERSION, RELEASE, ARCH and SOURCERPM, then `payload`.
pub fn rpm(name: &str, version: &str, release: &str, arch: &str, payload: &[u8]) -> Vec<u8> {
    let mut lead = vec![0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 0, 0, 1];
    let mut title = format!("{name}-{version}-{release}").into_bytes();
    title.resize(66, 0);
    lead.extend(title);
    lead.extend([0, 1, 0, 5]);
    lead.resize(96, 0);

    let mut out = lead;
    out.extend(header(&[]));
    let source = format!("{name}-{version}-{release}.src.rpm");
    out.extend(header(&[
        (1000, name),
        (1001, version),
        (1002, release),
        (1022, arch),
        (1044, &source),
    ]));
    out.extend(payload);
    out
}

/// An rpm header of string tags.
fn header(tags: &[(u32, &str)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut store = Vec::new();
    for (tag, value) in tags {
        for n in [*tag, 6, store.len() as u32, 1] {
            index.extend(n.to_be_bytes());
        }
        store.extend(value.as_bytes());
        store.push(0);
    }
    let mut out = vec![0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
    out.extend((tags.len() as u32).to_be_bytes());
    out.extend((store.len() as u32).to_be_bytes());
    out.extend(index);
    out.extend(store);
    out
}

#[test]
fn the_packages_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("x.deb");
    std::fs::write(&d, deb("hello", "1:20261127.00-g1", "all", b"x")).unwrap();
    let m = pkgread::read_package(&d).unwrap();
    assert_eq!(
        (m.name.as_str(), m.full_version()),
        ("hello", "1:20261127.00-g1".into())
    );
    let r = dir.path().join("x.rpm");
    std::fs::write(&r, rpm("hello", "20261127.00", "g1.el9", "noarch", b"cpio")).unwrap();
    let m = pkgread::read_package(&r).unwrap();
    assert_eq!(
        (m.name.as_str(), m.full_version(), m.arch.as_str()),
        ("hello", "20261127.00-g1.el9".into(), "noarch")
    );
}
