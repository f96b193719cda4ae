//! The parsers take untrusted text: whatever it is, they return.

use proptest::prelude::*;

/// Lines that reach the interesting states: fields, continuations, comments,
/// blank lines, PGP armor, CRLF, multi-byte text.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Source: hello".to_string()),
        Just("Package: a".to_string()),
        Just("package: b".to_string()),
        Just(" continued".to_string()),
        Just("\tcontinued".to_string()),
        Just(" .".to_string()),
        Just("# comment".to_string()),
        Just(String::new()),
        Just("  ".to_string()),
        Just("-----BEGIN PGP SIGNED MESSAGE-----".to_string()),
        Just("Hash: SHA256".to_string()),
        Just("-----BEGIN PGP SIGNATURE-----".to_string()),
        Just("-----END PGP SIGNATURE-----".to_string()),
        Just("- Version: 1.0".to_string()),
        Just(": empty".to_string()),
        Just("Files:".to_string()),
        Just("Déjà: vu\r".to_string()),
        "[ -~]{0,20}",
        any::<String>(),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 0..24).prop_map(|ls| ls.join("\n"))
}

fn relations() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("foo".to_string()),
        Just("${misc:Depends}".to_string()),
        Just("(>= 1.0)".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[amd64 !i386]".to_string()),
        Just("[".to_string()),
        Just("<!nocheck>".to_string()),
        Just("<".to_string()),
        Just(",".to_string()),
        Just("|".to_string()),
        Just(" ".to_string()),
        Just("\n ".to_string()),
        Just("é".to_string()),
        any::<String>(),
    ];
    prop::collection::vec(token, 0..16).prop_map(|ts| ts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics(text in document()) {
        if let Ok(ps) = deb822::parse(&text) {
            for p in &ps {
                prop_assert!(!p.fields.is_empty());
            }
        }
    }

    #[test]
    fn parse_never_panics_on_any_string(text in any::<String>()) {
        let _ = deb822::parse(&text);
    }

    #[test]
    fn relations_never_panic(text in relations()) {
        let _ = deb822::parse_relations(&text);
    }

    #[test]
    fn insert_never_panics_and_only_adds(text in document(), index in 0usize..4, field in prop_oneof![Just("Source"), Just("package"), Just("Files")], new_line in prop_oneof![Just("XB-Git: u".to_string()), any::<String>()]) {
        if let Ok(out) = deb822::insert_after_field(&text, index, field, &new_line) {
            let grown = out.len() - text.len() - new_line.len();
            prop_assert!(grown == 1 || grown == 2, "only the line and its ending are added");
            // The result parses, and has the new field in the paragraph.
            let ps = deb822::parse(&out).unwrap();
            let name = new_line.split_once(':').unwrap().0;
            prop_assert!(ps[index].get(name).is_some());
        }
    }
}
