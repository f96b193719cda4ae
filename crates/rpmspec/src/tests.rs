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
fn selection_prefers_the_el_variant() {
    let d = tempfile::tempdir().unwrap();
    for f in ["a.spec", "a.el8.spec", "b.spec", "c.el7.spec", "notes.txt"] {
        std::fs::write(d.path().join(f), "").unwrap();
    }
    let names = |el| -> Vec<String> {
        select_specs(d.path(), el)
            .unwrap()
            .iter()
            .map(|p| file_name(p))
            .collect()
    };
    assert_eq!(names(8), ["a.el8.spec", "b.spec"]);
    assert_eq!(names(9), ["a.spec", "b.spec"]);
    assert_eq!(names(7), ["a.spec", "b.spec", "c.el7.spec"]);
}

#[test]
fn no_spec_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let e = select_specs(d.path(), 9).unwrap_err();
    assert!(
        e.to_string().contains("no RPM spec to build for el9"),
        "{e}"
    );
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
fn hosts() {
    let el = Host::from_os_release(
        "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n",
    );
    assert_eq!(
        el,
        Host {
            rpm_based: true,
            el_major: Some(9),
            label: Some("el9".into()),
        }
    );
    let deb = Host::from_os_release("ID=debian\nVERSION_ID=\"12\"\n");
    assert_eq!(
        deb,
        Host {
            rpm_based: false,
            el_major: None,
            label: Some("deb12".into()),
        }
    );
    assert_eq!(parse_dist("el8"), Ok(8));
    assert!(parse_dist("centos8").is_err());
    assert!(parse_dist("el").is_err());
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
