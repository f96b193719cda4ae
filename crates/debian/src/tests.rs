use std::path::Path;

use super::*;

const CONTROL: &str = "\
# Comments are allowed in debian/control.
Source: guest-hello
Maintainer: Guest OS Team <guest-os@example.com>
Section: admin
Priority: optional
Build-Depends: debhelper-compat (= 13),
 libfoo-dev (>= 1.2) | libbar-dev
Standards-Version: 4.6.2

Package: guest-hello
Architecture: all
Depends: ${misc:Depends}
Description: says hello
 A longer description.
";

#[test]
fn control_fields() {
    let c = parse_control(Path::new("debian/control"), CONTROL).unwrap();
    assert_eq!(c.source, "guest-hello");
    assert_eq!(c.packages, ["guest-hello"]);
    assert_eq!(
        c.maintainer.as_deref(),
        Some("Guest OS Team <guest-os@example.com>")
    );
    assert_eq!(
        c.build_depends,
        [
            "debhelper-compat (= 13)",
            "libfoo-dev (>= 1.2) | libbar-dev"
        ]
    );
}

#[test]
fn control_with_git_line() {
    let c = parse_control(Path::new("debian/control"), CONTROL).unwrap();
    let edited = control_with_git(&c, "https://github.com/GoogleCloudPlatform/guest-hello/tree/0123456789abcdef0123456789abcdef01234567").unwrap();
    insta::assert_snapshot!(edited);
}

#[test]
fn generated_changelog() {
    insta::assert_snapshot!(changelog(
        "guest-hello",
        "1:20261127.00-g1+deb12",
        Some("Guest OS Team <guest-os@example.com>"),
        1_796_227_509
    ));
}

#[test]
fn bad_controls_are_clear_errors() {
    let cases = [
        ("no Source", "Maintainer: x\n\nPackage: a\n"),
        ("empty", ""),
        ("no binary package", "Source: abc\n"),
        ("invalid name", "Source: Bad_Name\n\nPackage: a\n"),
        ("malformed line", "Source: abc\nthis is not a field\n"),
    ];
    let mut all = String::new();
    for (name, text) in cases {
        let e = parse_control(Path::new("packaging/debian/control"), text).unwrap_err();
        all.push_str(&format!("{name}: {e}\n"));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn release_suffix_rule() {
    assert_eq!(release_for(None, 12), "g1");
    assert_eq!(
        release_for(Some("x (1:1-g1) stable; urgency=medium"), 12),
        "g1"
    );
    assert_eq!(
        release_for(Some("x (1:20240101.00-g1+deb12) stable"), 11),
        "g1+deb11"
    );
}

#[test]
fn debian_versions() {
    assert_eq!(parse_debian_version("12.5\n"), Some(12));
    assert_eq!(parse_debian_version("11.9"), Some(11));
    assert_eq!(parse_debian_version("trixie/sid\n"), Some(13));
    assert_eq!(parse_debian_version("bookworm/sid"), Some(12));
    assert_eq!(parse_debian_version("nonsense"), None);
}

#[test]
fn unmet_dependencies_are_listed() {
    let err = "dpkg-checkbuilddeps: error: Unmet build dependencies: debhelper-compat (= 13) libfoo-dev (>= 1.2) | libbar-dev golang-go\n";
    assert_eq!(
        parse_unmet(err),
        [
            "debhelper-compat (= 13)",
            "libfoo-dev (>= 1.2) | libbar-dev",
            "golang-go"
        ]
    );
}
