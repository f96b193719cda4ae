//! Builds real packages with the real tools, and hand-made archives for
//! the broken cases the tools would never write.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `tool` is installed. When it is not, the test is skipped with a
/// note, except under CI, where a missing tool must fail loudly rather than
/// hide a missing install step.
pub fn have(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()));
    if !found {
        let msg =
            format!("{tool} is not installed (apt-get install dpkg-dev rpm fakeroot): skipping");
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("{msg}");
    }
    found
}

pub fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `dpkg-deb --build` of a one-file package; `compression` is dpkg-deb's
/// `-Z` value.
pub fn build_deb(dir: &Path, version: &str, compression: &str) -> PathBuf {
    let root = dir.join(format!("root-{compression}"));
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join("usr/share/hello-guest")).unwrap();
    std::fs::write(root.join("usr/share/hello-guest/hi"), "hi\n").unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: hello-guest\nVersion: {version}\nArchitecture: all\nMaintainer: Test <test@example.com>\nDepends: libc6 (>= 2.36)\nDescription: test package\n Built by the pkgread tests.\n"
        ),
    )
    .unwrap();
    let out = dir.join(format!("hello-guest-{compression}.deb"));
    run(Command::new("dpkg-deb")
        .arg("--root-owner-group")
        .arg(format!("-Z{compression}"))
        .arg("--build")
        .arg(&root)
        .arg(&out));
    out
}

/// `rpmbuild -ba` of a tiny noarch spec, the way the rpm builder runs it on
/// a Debian host; gives the binary and the source rpm.
pub fn build_rpms(dir: &Path, epoch: Option<u32>, dist: &str) -> (PathBuf, PathBuf) {
    let top = dir.join("rpmbuild");
    let epoch_line = epoch.map(|e| format!("Epoch: {e}\n")).unwrap_or_default();
    let spec = dir.join("hello-guest.spec");
    std::fs::write(
        &spec,
        format!(
            "Name: hello-guest\n{epoch_line}Version: 20261127.00\nRelease: g1%{{?dist}}\nSummary: test package\nLicense: Apache-2.0\nBuildArch: noarch\n\n%description\nBuilt by the pkgread tests.\n\n%install\nmkdir -p %{{buildroot}}/usr/share/hello-guest\necho hi > %{{buildroot}}/usr/share/hello-guest/hi\n\n%files\n/usr/share/hello-guest/hi\n"
        ),
    )
    .unwrap();
    let define = |k: &str, v: &str| ["--define".to_string(), format!("{k} {v}")];
    let mut cmd = Command::new("rpmbuild");
    cmd.args(["-ba", "--nodeps", "--quiet"])
        .args(define("_topdir", top.to_str().unwrap()))
        .args(define("_tmppath", dir.join("tmp").to_str().unwrap()))
        .args(define("_buildshell", "/bin/bash"));
    // rpm refuses a macro with an empty body; no dist is left undefined.
    if !dist.is_empty() {
        cmd.args(define("dist", dist));
    }
    run(cmd.arg(&spec));
    let nvr = format!("hello-guest-20261127.00-g1{dist}");
    (
        top.join(format!("RPMS/noarch/{nvr}.noarch.rpm")),
        top.join(format!("SRPMS/{nvr}.src.rpm")),
    )
}

/// `dpkg-source -b` of a 3.0 (quilt) source package with an epoch.
pub fn build_dsc(dir: &Path) -> PathBuf {
    let src = dir.join("hello-guest-20261127.00");
    std::fs::create_dir_all(src.join("debian/source")).unwrap();
    std::fs::write(src.join("hello.txt"), "hello\n").unwrap();
    run(Command::new("tar").current_dir(dir).args([
        "--owner=0",
        "--group=0",
        "-czf",
        "hello-guest_20261127.00.orig.tar.gz",
        "hello-guest-20261127.00",
    ]));
    std::fs::write(src.join("debian/source/format"), "3.0 (quilt)\n").unwrap();
    std::fs::write(
        src.join("debian/control"),
        "Source: hello-guest\nMaintainer: Test <test@example.com>\nBuild-Depends: debhelper-compat (= 13)\n\nPackage: hello-guest\nArchitecture: all\nDescription: test package\n Built by the pkgread tests.\n",
    )
    .unwrap();
    std::fs::write(
        src.join("debian/changelog"),
        "hello-guest (1:20261127.00-g1) stable; urgency=medium\n\n  * Debian packaging for hello-guest\n\n -- Test <test@example.com>  Fri, 27 Nov 2026 00:00:00 +0000\n",
    )
    .unwrap();
    std::fs::write(
        src.join("debian/rules"),
        "#!/usr/bin/make -f\n%:\n\tdh $@\n",
    )
    .unwrap();
    run(Command::new("dpkg-source")
        .current_dir(dir)
        .args(["-b", "hello-guest-20261127.00"]));
    dir.join("hello-guest_20261127.00-g1.dsc")
}

/// An ar archive with the given members, as dpkg writes them.
pub fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for (name, data) in members {
        out.extend_from_slice(
            format!(
                "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                name,
                0,
                0,
                0,
                100644,
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

/// A tarball holding `./control` with `text`.
pub fn control_tar(text: impl AsRef<[u8]>) -> Vec<u8> {
    let text = text.as_ref();
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append_data(&mut header, "./control", text).unwrap();
    builder.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A whole .deb made by hand around a control file.
pub fn deb_with_control(text: impl AsRef<[u8]>) -> Vec<u8> {
    ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar.gz", &gzip(&control_tar(text))),
        ("data.tar.gz", &gzip(&control_tar("x"))),
    ])
}
