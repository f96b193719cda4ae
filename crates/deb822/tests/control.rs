//! debian/control files as Guest OS repositories write them, the errors
//! people see for broken ones, and the `XB-Git:` edit.

use deb822::{insert_after_field, parse, parse_relations};

const CONTROL: &str = "\
# This file is maintained by hand.
Source: google-guest-agent
Maintainer: Google Cloud Team <gc-team@google.com>
Section: misc
Priority: optional
Standards-Version: 4.5.0
Build-Depends: debhelper-compat (= 13),
               dh-golang (>= 1.1) | dh-sequence-golang,
# golang is pinned below
               golang-go [amd64 arm64] <!nocheck>,
Homepage: https://github.com/GoogleCloudPlatform/guest-agent

Package: google-guest-agent
Architecture: any
Depends: ${misc:Depends},
 ${shlibs:Depends}, google-compute-engine-oslogin (>= 1:20231003.00)
Conflicts: python-google-compute-engine, python3-google-compute-engine
Description: Google Compute Engine Guest Agent
 Contains the guest agent and metadata script runner binaries.
 .
 Installed on every Google-provided image.

Package: google-guest-agent-extra
Architecture: all
Depends: google-guest-agent (= ${binary:Version}), ${misc:Depends}
Description: Extra bits
";

#[test]
fn a_source_with_two_binary_packages() {
    let ps = parse(CONTROL).unwrap();
    assert_eq!(ps.len(), 3);
    assert_eq!(ps[0].line, 2);
    assert_eq!(ps[0].get("Source"), Some("google-guest-agent"));
    assert_eq!(ps[0].get("SOURCE"), Some("google-guest-agent"));
    assert_eq!(
        ps[0].get("Build-Depends"),
        Some(
            "debhelper-compat (= 13),\n              dh-golang (>= 1.1) | dh-sequence-golang,\n              golang-go [amd64 arm64] <!nocheck>,"
        )
    );
    assert_eq!(ps[0].field("homepage").unwrap().line, 11);

    let agent = &ps[1];
    assert_eq!(agent.line, 13);
    let names: Vec<_> = agent.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Package",
            "Architecture",
            "Depends",
            "Conflicts",
            "Description"
        ]
    );
    assert_eq!(
        agent.get("description"),
        Some(
            "Google Compute Engine Guest Agent\nContains the guest agent and metadata script runner binaries.\n.\nInstalled on every Google-provided image."
        )
    );
    assert_eq!(ps[2].get("Package"), Some("google-guest-agent-extra"));
    assert_eq!(ps[2].get("Missing"), None);
}

#[test]
fn relations_of_a_real_control_file() {
    let ps = parse(CONTROL).unwrap();
    let bd = parse_relations(ps[0].get("Build-Depends").unwrap()).unwrap();
    let show: Vec<String> = bd
        .iter()
        .map(|r| {
            r.alternatives
                .iter()
                .map(|d| format!("{d:?}"))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    insta::assert_snapshot!(show.join("\n"), @r#"
    Dependency { name: "debhelper-compat", constraint: Some(("=", "13")), arch: None, profiles: None }
    Dependency { name: "dh-golang", constraint: Some((">=", "1.1")), arch: None, profiles: None } | Dependency { name: "dh-sequence-golang", constraint: None, arch: None, profiles: None }
    Dependency { name: "golang-go", constraint: None, arch: Some("amd64 arm64"), profiles: Some("<!nocheck>") }
    "#);

    let deps = parse_relations(ps[1].get("Depends").unwrap()).unwrap();
    let names: Vec<_> = deps
        .iter()
        .map(|r| r.alternatives[0].name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "${misc:Depends}",
            "${shlibs:Depends}",
            "google-compute-engine-oslogin"
        ]
    );
    assert_eq!(
        deps[2].alternatives[0].constraint,
        Some((">=".to_string(), "1:20231003.00".to_string()))
    );
}

#[test]
fn a_binary_package_control_file() {
    let text = "Package: google-guest-agent\nVersion: 1:20261127.00-g1\nArchitecture: amd64\nMaintainer: Google <x@google.com>\nInstalled-Size: 12345\nDescription: agent\n";
    let ps = parse(text).unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].get("version"), Some("1:20261127.00-g1"));
}

#[test]
fn a_signed_dsc() {
    let text = "\
-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Format: 3.0 (quilt)
Source: hello
Version: 1:2.0-1
Files:
 d41d8cd98f00b204e9800998ecf8427e 0 hello_2.0.orig.tar.gz
 d41d8cd98f00b204e9800998ecf8427e 0 hello_2.0-1.debian.tar.xz
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEE
=abcd
-----END PGP SIGNATURE-----
";
    let ps = parse(text).unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].line, 4);
    assert_eq!(ps[0].get("Version"), Some("1:2.0-1"));
    assert_eq!(
        ps[0].get("Files"),
        Some(
            "\nd41d8cd98f00b204e9800998ecf8427e 0 hello_2.0.orig.tar.gz\nd41d8cd98f00b204e9800998ecf8427e 0 hello_2.0-1.debian.tar.xz"
        )
    );
}

#[test]
fn malformed_inputs_name_the_line_and_the_problem() {
    let err = |t: &str| parse(t).unwrap_err().to_string();
    insta::assert_snapshot!(err("Source: a\nfoo\n"), @r#"line 2: expected `Field: value`, found "foo""#);
    insta::assert_snapshot!(err("\n\n  continued\n"), @r#"line 3: continuation line before any field: "  continued""#);
    insta::assert_snapshot!(err("A: 1\n\n continued\n"), @r#"line 3: continuation line before any field: " continued""#);
    insta::assert_snapshot!(err("Source: a\n: value\n"), @r#"line 2: empty field name in ": value""#);
    insta::assert_snapshot!(err("Build Depends: a\n"), @r#"line 1: invalid field name "Build Depends""#);
    insta::assert_snapshot!(err("Package: a\nDescription: x\npackage: b\n"), @"line 3: duplicate field `package` (first on line 1)");
    insta::assert_snapshot!(err("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSource: a\n"), @"line 1: PGP signed message has no `-----BEGIN PGP SIGNATURE-----` line");
    insta::assert_snapshot!(err("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n"), @"line 1: PGP signed message has no blank line after its armor headers");
}

#[test]
fn insert_git_url_after_source() {
    let line = "XB-Git: https://github.com/GoogleCloudPlatform/guest-agent/tree/0123456789abcdef0123456789abcdef01234567";
    let out = insert_after_field(CONTROL, 0, "Source", line).unwrap();
    insta::assert_snapshot!(out);
    // Everything else is untouched.
    let added = out.lines().filter(|l| !CONTROL.contains(l)).count();
    assert_eq!(added, 1);
    assert_eq!(out.len(), CONTROL.len() + line.len() + 1);
}

#[test]
fn insert_after_a_field_with_continuation_lines() {
    let out = insert_after_field(CONTROL, 0, "build-depends", "X-Note: after").unwrap();
    insta::assert_snapshot!(out);
}

#[test]
fn insert_in_a_later_paragraph_and_at_end_of_text() {
    let out = insert_after_field(CONTROL, 2, "Description", "X-Tail: yes").unwrap();
    assert!(out.ends_with("Description: Extra bits\nX-Tail: yes\n"));
    // No final newline in, none out.
    let out = insert_after_field("Source: a", 0, "Source", "XB-Git: u").unwrap();
    assert_eq!(out, "Source: a\nXB-Git: u");
}

#[test]
fn insert_errors() {
    let err = |p: usize, f: &str, l: &str| {
        insert_after_field(CONTROL, p, f, l)
            .unwrap_err()
            .to_string()
    };
    insta::assert_snapshot!(err(3, "Source", "X: y"), @"no paragraph 3 to insert into: the text has 3");
    insta::assert_snapshot!(err(1, "Source", "X: y"), @"line 13: paragraph 1 has no `Source` field");
    insta::assert_snapshot!(err(0, "Source", "X: y\nZ: w"), @r#"the inserted line "X: y\nZ: w" is not a single `Field: value` line"#);
    insta::assert_snapshot!(err(0, "Source", "not a field"), @r#"the inserted line "not a field" is not a single `Field: value` line"#);
    insta::assert_snapshot!(err(0, "Source", ""), @r#"the inserted line "" is not a single `Field: value` line"#);
    insta::assert_snapshot!(err(0, "Source", "section: admin"), @"line 4: paragraph 0 already has a `Section` field");
    insta::assert_snapshot!(insert_after_field("A: 1\nbroken\n", 0, "A", "X: y").unwrap_err(), @r#"line 2: expected `Field: value`, found "broken""#);
}
