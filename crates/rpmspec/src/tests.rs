use std::path::Path;

use super::*;

const SPEC: &str = "\
%global pkg guest-hello
Name: %{pkg}
Epoch: 1
Version: %{_version}
Release: g1%{?dist}
Summary: says hello
License: ASL 2.0
Source0: %{name}_%{version}.orig.tar.gz

%description
Says hello.
";

#[test]
fn stems() {
    assert_eq!(spec_stem("guest-agent.spec"), Some("guest-agent"));
    assert_eq!(spec_stem("guest-agent.el8.spec"), Some("guest-agent"));
    assert_eq!(spec_stem("guest-agent.el10.spec"), Some("guest-agent"));
    assert_eq!(spec_stem("python3.el.spec"), Some("python3.el"));
    assert_eq!(spec_stem("README.md"), None);
}

#[test]
fn name_with_simple_macros() {
    assert_eq!(spec_name(Path::new("x.spec"), SPEC).unwrap(), "guest-hello");
    assert_eq!(
        spec_name(Path::new("x.spec"), "name:   plain\n").unwrap(),
        "plain"
    );
    let e = spec_name(Path::new("packaging/x.spec"), "Version: 1\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "packaging/x.spec: the spec has no Name: tag; add `Name: <package>` to its preamble"
    );
    assert!(spec_name(Path::new("x.spec"), "Name: %{lua: print(1)}\n").is_err());
}

#[test]
fn vcs_after_version() {
    let s = spec_with_vcs(
        Path::new("x.spec"),
        SPEC,
        "https://github.com/o/r/tree/0123456789abcdef0123456789abcdef01234567",
    )
    .unwrap();
    insta::assert_snapshot!(s);
    assert!(spec_with_vcs(Path::new("x.spec"), "Name: x\n", "u").is_err());
}

#[test]
fn build_requires_as_written() {
    let spec = "Name: x\nBuildRequires: gcc make\nbuildrequires: boost-devel >= 1.66, pkgconfig(dracut)\n%if 0%{?rhel} >= 9\nBuildRequires: %{_go}, gcc\n%endif\nRequires: bash\n";
    assert_eq!(
        build_requires(spec),
        [
            "gcc",
            "make",
            "boost-devel >= 1.66",
            "pkgconfig(dracut)",
            "%{_go}"
        ]
    );
    assert!(build_requires("Name: x\n").is_empty());
}
