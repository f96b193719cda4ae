//! The test vectors of googet.md (goopack's output, version var
//! `20240101.00`): exact `.pkgspec` bytes and entry sets.

use std::collections::BTreeMap;

use googet::{MemoryTree, map_sources, parse_spec, render};
use sha2::{Digest, Sha256};

fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([("version".to_string(), "20240101.00".to_string())])
}

/// Test vector 1 of googet.md: the goospec.
pub const TV1_SPEC: &str = r#"{"name":"demo","version":"{{.version}}@1","arch":"noarch","description":"Demo",
 "files":{"bin/demo.exe":"<ProgramFiles>/Demo/demo.exe"},"install":{"path":"install.ps1"},
 "sources":[{"root":"stage","include":["**"],"exclude":["**.pdb"],"target":"bin"},{"include":["install.ps1"]}]}"#;

const TV1_PKGSPEC: &str = r#"{
  "Name": "demo",
  "Version": "20240101.00@1",
  "Arch": "noarch",
  "Description": "Demo",
  "Replaces": null,
  "Conflicts": null,
  "Provides": null,
  "Install": {
    "Path": "install.ps1"
  },
  "Uninstall": {},
  "Verify": {},
  "Files": {
    "bin/demo.exe": "\u003cProgramFiles\u003e/Demo/demo.exe"
  },
  "ExternalProgramName": ""
}"#;

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[test]
fn tv1_pkgspec_bytes_file_name_and_entries() {
    let spec = parse_spec(&render(TV1_SPEC, &vars()).unwrap()).unwrap();
    assert_eq!(spec.file_name(), "demo.noarch.20240101.00@1.goo");
    let json = spec.pkgspec_json();
    assert_eq!(json, TV1_PKGSPEC);
    assert_eq!(json.len(), 345);
    assert_eq!(
        sha256(&json),
        "20371539d6a305856bcac8c6ce067915d6a3b615aa3d86d1e5116c2a9bd69209"
    );
    let tree = MemoryTree::new([
        "stage/demo.exe",
        "stage/demo.pdb",
        "stage/sub/readme.txt",
        "install.ps1",
    ]);
    let entries = map_sources(&spec, &tree).unwrap();
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["bin/demo.exe", "bin/sub/readme.txt", "install.ps1"]);
    let sources: Vec<&str> = entries.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(
        sources,
        ["stage/demo.exe", "stage/sub/readme.txt", "install.ps1"]
    );
    googet::check_files(&spec, &entries).unwrap();
}

#[test]
fn tv2_a_minimal_spec() {
    let spec = parse_spec(r#"{"name":"p","version":"1.2.3","arch":"noarch"}"#).unwrap();
    assert_eq!(spec.file_name(), "p.noarch.1.2.3.goo");
    let json = spec.pkgspec_json();
    assert_eq!(json.len(), 201);
    insta::assert_snapshot!(json);
    assert!(
        map_sources(&spec, &MemoryTree::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn tv3_cleaned_install_path_and_html_escaping() {
    let spec = parse_spec(
        r#"{"name":"p","version":"1.2.3","arch":"noarch",
        "install":{"path":"./scripts/../install.ps1"},"description":"x <y> & z"}"#,
    )
    .unwrap();
    let json = spec.pkgspec_json();
    assert!(json.contains("\"Path\": \"install.ps1\""), "{json}");
    assert!(
        json.contains(r#""Description": "x \u003cy\u003e \u0026 z""#),
        "{json}"
    );
}

#[test]
fn tv4_root_and_target() {
    let spec = parse_spec(
        r#"{"name":"certgen","version":"1","arch":"x86_64","sources":[
        {"root":"legacy_bin/certgen/legacy_win2012","include":["certgen.exe"],"target":"legacy_bin/certgen/legacy_win2012"},
        {"root":"certgen","include":["install_certgen.ps1"]}]}"#,
    )
    .unwrap();
    let tree = MemoryTree::new([
        "legacy_bin/certgen/legacy_win2012/certgen.exe",
        "certgen/install_certgen.ps1",
    ]);
    let paths: Vec<String> = map_sources(&spec, &tree)
        .unwrap()
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(
        paths,
        [
            "install_certgen.ps1",
            "legacy_bin/certgen/legacy_win2012/certgen.exe"
        ]
    );
}

#[test]
fn every_field_in_goopack_order_and_form() {
    let spec = parse_spec(
        r#"{"name":"full","version":"1.0.0@2","arch":"x86_64","lockArch":true,
        "releaseNotes":["1.0.0 - first", "line\twith\ttabs"],
        "description":"d","license":"Apache-2.0","authors":"a","owners":"o","source":"https://x/y?a=1&b=2",
        "tags":{"zeta":"aGVsbG8=","alpha":"","nil":null},
        "pkgDependencies":{"googet":"2.0.0@1","b-dep":"1"},
        "replaces":[],"conflicts":["old-pkg"],
        "install":{"path":"install.ps1","args":["-a","b"],"exitCodes":[0,3010]},
        "uninstall":{"path":"uninstall.ps1"},
        "verify":{"path":"verify.ps1","args":["x"]},
        "files":{"bin/":"<ProgramFiles>/Full/","z.txt":"<Windir>/z.txt"},
        "externalProgramName":"Full \u2028 ünïcode"}"#,
    )
    .unwrap();
    insta::assert_snapshot!(spec.pkgspec_json());
}
