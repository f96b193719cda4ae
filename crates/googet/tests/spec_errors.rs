//! Every spec error: goopack's texts (same meaning, with the field named
//! and what to do), JSON errors with line and column, type errors, and the
//! path-traversal corpus. The messages are snapshotted for review.

use std::collections::BTreeMap;

use googet::{Error, parse_spec, render};

/// A valid spec with `extra` fields spliced in (later keys win, as in Go).
fn with(extra: &str) -> String {
    format!(r#"{{"name":"p","version":"1.2.3@1","arch":"noarch"{extra}}}"#)
}

fn err(text: &str) -> Error {
    match parse_spec(text) {
        Ok(s) => panic!("accepted: {text}\n{s:?}"),
        Err(e) => e,
    }
}

/// Whether an error is the expected one.
type Check = fn(&Error) -> bool;

#[test]
fn goopacks_errors_with_the_field_named() {
    let tags11: String = (0..11).map(|i| format!(r#","t{i}":"""#)).collect();
    let cases: Vec<(&str, String, Check)> = vec![
        (
            "no name",
            r#"{"version":"1","arch":"noarch"}"#.into(),
            |e| matches!(e, Error::NoName),
        ),
        ("empty name", with(r#","name":"""#), |e| {
            matches!(e, Error::NoName)
        }),
        (
            "no version",
            r#"{"name":"p","arch":"noarch"}"#.into(),
            |e| matches!(e, Error::EmptyVersion),
        ),
        ("bad architecture", with(r#","arch":"x86""#), |e| {
            matches!(e, Error::InvalidArch { .. })
        }),
        ("bad version", with(r#","version":"1.2.3.4""#), |e| {
            matches!(e, Error::BadVersion { .. })
        }),
        (
            "too many tags",
            with(&format!(r#","tags":{{{}}}"#, &tags11[1..])),
            |e| matches!(e, Error::TooManyTags { count: 11 }),
        ),
        (
            "tag key too large",
            with(&format!(r#","tags":{{"{}":""}}"#, "k".repeat(128))),
            |e| matches!(e, Error::TagKeyTooLarge { len: 128, .. }),
        ),
        (
            "tag too large",
            with(&format!(r#","tags":{{"big":"{}"}}"#, "QUFB".repeat(3414))),
            |e| matches!(e, Error::TagTooLarge { len: 10242, .. }),
        ),
        (
            "tag not base64",
            with(r#","tags":{"k":"not base64!"}"#),
            |e| matches!(e, Error::BadBase64 { .. }),
        ),
        (
            "bad dependency version",
            with(r#","pkgDependencies":{"googet":"v2"}"#),
            |e| matches!(e, Error::BadVersion { field, .. } if field == "pkgDependencies.googet"),
        ),
        (
            "absolute files key",
            with(r#","files":{"/bin/sh":"<ProgramFiles>/x"}"#),
            |e| matches!(e, Error::AbsolutePath { .. }),
        ),
        (
            "absolute install path",
            with(r#","install":{"path":"/bin/sh"}"#),
            |e| matches!(e, Error::AbsolutePath { field, .. } if field == "install.path"),
        ),
        (
            "absolute uninstall path",
            with(r#","uninstall":{"path":"C:\\x.ps1"}"#),
            |e| matches!(e, Error::AbsolutePath { field, .. } if field == "uninstall.path"),
        ),
    ];
    let mut all = String::new();
    for (name, text, check) in cases {
        let e = err(&text);
        assert!(check(&e), "{name}: {e:?}");
        all.push_str(&format!("## {name}\n{e}\n"));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn json_and_type_errors() {
    let vars = BTreeMap::from([("version".to_string(), "1".to_string())]);
    // A value with a quote, inserted raw, breaks the JSON: line and column
    // of the rendered text.
    let rendered = render(
        "{\n  \"name\": \"p\",\n  \"description\": \"{{.d}}\",\n  \"version\": \"{{.version}}\"\n}",
        &BTreeMap::from([
            ("version".to_string(), "1".to_string()),
            ("d".to_string(), "say \"hi\"".to_string()),
        ]),
    )
    .unwrap();
    let mut all = String::new();
    let e = err(&rendered);
    assert!(
        matches!(
            e,
            Error::Json {
                line: 3,
                column: 24,
                ..
            }
        ),
        "{e:?}"
    );
    all.push_str(&format!("## quote in a value\n{e}\n"));
    let cases: Vec<(&str, String)> = vec![
        ("trailing comma", "{\"name\": \"p\",\n}".into()),
        ("not an object", "[1, 2]".into()),
        ("empty", "".into()),
        ("two values", "{} {}".into()),
        ("name a number", with(r#","name":7"#)),
        ("lockArch a string", with(r#","lockArch":"true""#)),
        (
            "args element a number",
            with(r#","install":{"path":"a","args":["x",2]}"#),
        ),
        (
            "exit code a fraction",
            with(r#","install":{"exitCodes":[0,1.5]}"#),
        ),
        (
            "sources not an array",
            with(r#","sources":{"include":["a"]}"#),
        ),
        ("include a string", with(r#","sources":[{"include":"a"}]"#)),
        ("files value a list", with(r#","files":{"a":["b"]}"#)),
        (
            "deep nesting",
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
        ),
    ];
    for (name, text) in cases {
        let e = err(&text);
        all.push_str(&format!("## {name}\n{e}\n"));
    }
    let _ = vars;
    insta::assert_snapshot!(all);
}

#[test]
fn keys_match_case_insensitively_and_unknown_ones_are_kept_for_a_warning() {
    let s = parse_spec(
        r#"{"NAME":"p","Version":"1","ARCH":"noarch","Install":{"PATH":"a.ps1","exitcodes":[1]},
           "name":"q","colour":"blue","sources":[{"Include":["x"],"incldue":["y"]}],
           "build":{"LINUX":"b.sh","linuxargs":["1"],"mac":"no"}}"#,
    )
    .unwrap();
    assert_eq!(s.name, "q", "the last of two keys wins, as in Go");
    assert_eq!(s.install.path, "a.ps1");
    assert_eq!(s.install.exit_codes, [1]);
    assert_eq!(s.sources[0].include, ["x"]);
    assert_eq!(s.build.linux, "b.sh");
    assert_eq!(s.build.linux_args, ["1"]);
    let mut unknown = s.unknown_keys.clone();
    unknown.sort();
    assert_eq!(unknown, ["build.mac", "colour", "sources[0].incldue"]);
    // null leaves a field as it was; null lists stay null.
    let s = parse_spec(&with(
        r#","description":"d","description":null,"replaces":null,"conflicts":[null]"#,
    ))
    .unwrap();
    assert_eq!(s.description, "d");
    assert_eq!(s.replaces, None);
    assert_eq!(s.conflicts, Some(vec![String::new()]));
}

/// Paths that would leave the package, the working folder or a root.
#[test]
fn traversal_corpus() {
    let cases: Vec<(&str, String)> = vec![
        ("name ../evil", with(r#","name":"../evil""#)),
        ("name with a backslash", with(r#","name":"a\\b""#)),
        ("name ..", with(r#","name":"..""#)),
        ("name with a newline", with(r#","name":"a\nb""#)),
        (
            "files key ../x",
            with(r#","files":{"../x":"<ProgramFiles>/x"}"#),
        ),
        ("files key a/../../x", with(r#","files":{"a/../../x":"y"}"#)),
        ("files key ..\\x", with(r#","files":{"..\\x":"y"}"#)),
        ("files key empty", with(r#","files":{"":"y"}"#)),
        (
            "install ../x.ps1",
            with(r#","install":{"path":"../x.ps1"}"#),
        ),
        (
            "uninstall a/../../x.ps1",
            with(r#","uninstall":{"path":"a/../../x.ps1"}"#),
        ),
        ("verify /x.ps1", with(r#","verify":{"path":"/x.ps1"}"#)),
        ("verify ../x.ps1", with(r#","verify":{"path":"../x.ps1"}"#)),
        (
            "root ..",
            with(r#","sources":[{"root":"..","include":["x"]}]"#),
        ),
        (
            "root /etc",
            with(r#","sources":[{"root":"/etc","include":["passwd"]}]"#),
        ),
        (
            "root a/../..",
            with(r#","sources":[{"root":"a/../..","include":["x"]}]"#),
        ),
        (
            "target ../x",
            with(r#","sources":[{"include":["x"],"target":"../x"}]"#),
        ),
        (
            "target /abs",
            with(r#","sources":[{"include":["x"],"target":"/abs"}]"#),
        ),
        (
            "include ../outer/o.txt",
            with(r#","sources":[{"root":"out","include":["../outer/o.txt"]}]"#),
        ),
        (
            "include ../**",
            with(r#","sources":[{"include":["../**"]}]"#),
        ),
        (
            "include /etc/passwd",
            with(r#","sources":[{"include":["/etc/passwd"]}]"#),
        ),
        (
            "exclude ../x",
            with(r#","sources":[{"include":["**"],"exclude":["../x"]}]"#),
        ),
        (
            "malformed glob",
            with(r#","sources":[{"include":["***.exe"]}]"#),
        ),
        ("empty include", with(r#","sources":[{"include":[""]}]"#)),
        (
            "NUL in root",
            with(r#","sources":[{"root":"a\u0000b","include":["x"]}]"#),
        ),
    ];
    let mut all = String::new();
    for (name, text) in cases {
        let e = err(&text);
        assert!(
            matches!(
                e,
                Error::BadName { .. }
                    | Error::PathLeaves { .. }
                    | Error::AbsolutePath { .. }
                    | Error::BadPath { .. }
                    | Error::MalformedGlob { .. }
            ),
            "{name}: {e:?}"
        );
        all.push_str(&format!("## {name}\n{e}\n"));
    }
    insta::assert_snapshot!(all);
    // Inside is fine, including climbing back down.
    let s = parse_spec(&with(
        r#","files":{"a/../b":"x"},"install":{"path":"s/../i.ps1"},"sources":[{"root":"a/..","include":["b/../c"],"target":"t/."}]"#,
    ))
    .unwrap();
    assert_eq!(s.install.path, "i.ps1");
}
