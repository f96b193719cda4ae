//! Packages built by dpkg-deb, rpmbuild and dpkg-source read back exactly.

mod common;

use common::{build_deb, build_dsc, build_rpms, have};
use pkgread::{
    Format, PackageMeta, Problem, read_deb, read_deb_bytes, read_dsc, read_dsc_files, read_package,
    read_rpm, read_rpm_bytes,
};

fn meta(
    epoch: Option<u32>,
    version: &str,
    release: &str,
    arch: &str,
    format: Format,
) -> PackageMeta {
    PackageMeta {
        name: "hello-guest".into(),
        epoch,
        version: version.into(),
        release: release.into(),
        arch: arch.into(),
        format,
    }
}

#[test]
fn deb_every_compression() {
    if !have("dpkg-deb") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for compression in ["xz", "gzip", "zstd", "none"] {
        let deb = build_deb(dir.path(), "1:20261127.00-g1+deb12", compression);
        let expected = meta(Some(1), "20261127.00", "g1+deb12", "all", Format::Deb);
        assert_eq!(read_deb(&deb).unwrap(), expected, "-Z{compression}");
        assert_eq!(read_package(&deb).unwrap(), expected, "-Z{compression}");
        let bytes = std::fs::read(&deb).unwrap();
        assert_eq!(read_deb_bytes(&bytes).unwrap(), expected);
        assert_eq!(expected.full_version(), "1:20261127.00-g1+deb12");
    }
}

#[test]
fn deb_native_version() {
    if !have("dpkg-deb") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deb = build_deb(dir.path(), "20261127.00", "xz");
    let got = read_deb(&deb).unwrap();
    assert_eq!(got, meta(None, "20261127.00", "", "all", Format::Deb));
    assert_eq!(got.full_version(), "20261127.00");
}

#[test]
fn rpm_with_epoch_binary_and_source() {
    if !have("rpmbuild") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (rpm, srpm) = build_rpms(dir.path(), Some(1), ".el9");

    let bin = meta(Some(1), "20261127.00", "g1.el9", "noarch", Format::Rpm);
    assert_eq!(read_rpm(&rpm).unwrap(), bin);
    assert_eq!(read_package(&rpm).unwrap(), bin);
    assert_eq!(bin.full_version(), "1:20261127.00-g1.el9");

    let src = meta(Some(1), "20261127.00", "g1.el9", "noarch", Format::Srpm);
    assert_eq!(read_rpm(&srpm).unwrap(), src);
    assert_eq!(read_package(&srpm).unwrap(), src);
    assert_eq!(read_rpm_bytes(&std::fs::read(&srpm).unwrap()).unwrap(), src);
}

#[test]
fn rpm_without_epoch_and_dist() {
    if !have("rpmbuild") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (rpm, srpm) = build_rpms(dir.path(), None, "");
    let got = read_rpm(&rpm).unwrap();
    assert_eq!(got, meta(None, "20261127.00", "g1", "noarch", Format::Rpm));
    assert_eq!(got.full_version(), "20261127.00-g1");
    assert_eq!(read_rpm(&srpm).unwrap().format, Format::Srpm);
}

#[test]
fn rpm_file_name_must_match_its_content() {
    if !have("rpmbuild") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (rpm, srpm) = build_rpms(dir.path(), Some(1), ".el9");
    let renamed = dir.path().join("looks-binary.noarch.rpm");
    std::fs::copy(&srpm, &renamed).unwrap();
    let err = read_package(&renamed).unwrap_err();
    assert_eq!(
        err.problem(),
        Some(&Problem::KindMismatch {
            named: Format::Rpm,
            found: Format::Srpm
        })
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: file name says rpm but the content is a srpm",
            renamed.display()
        )
    );
    let renamed = dir.path().join("looks-source.src.rpm");
    std::fs::copy(&rpm, &renamed).unwrap();
    assert!(read_package(&renamed).is_err());
}

#[test]
fn dsc_from_dpkg_source() {
    if !have("dpkg-source") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dsc = build_dsc(dir.path());
    let expected = PackageMeta {
        name: "hello-guest".into(),
        epoch: Some(1),
        version: "20261127.00".into(),
        release: "g1".into(),
        arch: "source".into(),
        format: Format::Dsc,
    };
    assert_eq!(read_dsc(&dsc).unwrap(), expected);
    assert_eq!(read_package(&dsc).unwrap(), expected);

    let files = read_dsc_files(&dsc).unwrap();
    let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "hello-guest_20261127.00.orig.tar.gz",
            "hello-guest_20261127.00-g1.debian.tar.xz"
        ]
    );
    for f in &files {
        let path = dir.path().join(&f.name);
        assert_eq!(
            f.size,
            std::fs::metadata(&path).unwrap().len(),
            "{}",
            f.name
        );
        let out = std::process::Command::new("sha256sum")
            .arg(&path)
            .output()
            .unwrap();
        let sum = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            f.sha256.as_deref(),
            sum.split_whitespace().next(),
            "{}",
            f.name
        );
        assert_eq!(f.md5.len(), 32);
    }
}

#[test]
fn signed_dsc_written_by_hand() {
    let text = "\
-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

Format: 1.0
Source: google-compute-engine
Binary: google-compute-engine
Architecture: all
Version: 1:20261127.00-g1+deb12
Maintainer: Google Cloud Team <gc-team@google.com>
Checksums-Sha256:
 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 1234 google-compute-engine_20261127.00.orig.tar.gz
 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 567 google-compute-engine_20261127.00-g1+deb12.diff.gz
Files:
 0cc175b9c0f1b6a831c399e269772661 1234 google-compute-engine_20261127.00.orig.tar.gz
 92eb5ffee6ae2fec3ad71c777531578f 567 google-compute-engine_20261127.00-g1+deb12.diff.gz
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCAAdFiEEexample
=abcd
-----END PGP SIGNATURE-----
";
    let got = pkgread::read_dsc_str(text).unwrap();
    assert_eq!(got.name, "google-compute-engine");
    assert_eq!(got.full_version(), "1:20261127.00-g1+deb12");
    assert_eq!(got.release, "g1+deb12");
    let files = pkgread::read_dsc_files_str(text).unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[1].size, 567);
    assert_eq!(
        files[1].sha256.as_deref(),
        Some("60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752")
    );
}

#[test]
fn unknown_kind_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let tarball = dir.path().join("x.tar.gz");
    std::fs::write(&tarball, b"").unwrap();
    let err = read_package(&tarball).unwrap_err();
    assert!(matches!(err, pkgread::ReadError::UnknownKind { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: unknown package kind: expected a file name ending in .deb, .rpm, .src.rpm or .dsc",
            tarball.display()
        )
    );
    let missing = dir.path().join("nope.deb");
    let err = read_package(&missing).unwrap_err();
    assert!(matches!(err, pkgread::ReadError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}: ", missing.display())),
        "{err}"
    );
}
