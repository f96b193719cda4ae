use super::*;

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

proptest::proptest! {
    /// `/etc/os-release` is read as it is: any text gives a host, never a
    /// panic (the fuzz targets cover the spec format, not the host).
    #[test]
    fn any_os_release_gives_a_host(text in "(ID|ID_LIKE|VERSION_ID|NAME)?=?\"?[a-z0-9. \"\n]{0,40}") {
        let host = Host::from_os_release(&text);
        proptest::prop_assert!(host.el_major.is_none() || host.rpm_based);
    }
}
