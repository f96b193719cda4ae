//! render and parse_spec take untrusted text: whatever it is, they return
//! (an error, usually), never panic or run away.

use std::collections::BTreeMap;

use googet::{parse_spec, render};
use proptest::prelude::*;

fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("version".to_string(), "20240101.00".to_string()),
        ("x".to_string(), "\"quoted\" {{not a template}}".to_string()),
    ])
}

/// Pieces that make template and JSON syntax likely.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{{".to_string()),
        Just("}}".to_string()),
        Just("{{-".to_string()),
        Just("-}}".to_string()),
        Just(".version".to_string()),
        Just(".nope".to_string()),
        Just("$v".to_string()),
        Just(":=".to_string()),
        Just("printf \"%s%s\" ".to_string()),
        Just("if ".to_string()),
        Just("range ".to_string()),
        Just("end".to_string()),
        Just("else".to_string()),
        Just("|".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("\"".to_string()),
        Just("{\"name\":\"p\",\"version\":\"1\",\"arch\":\"noarch\"".to_string()),
        Just(",\"sources\":[{\"include\":[\"**\"],\"root\":\"..\"}]".to_string()),
        Just(",\"tags\":{\"k\":\"AAAA\"}".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        "[ -~\\n]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn render_and_parse_never_panic(pieces in proptest::collection::vec(piece(), 0..24)) {
        let text: String = pieces.concat();
        if let Ok(out) = render(&text, &vars()) {
            let _ = parse_spec(&out);
        }
        let _ = parse_spec(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = render(&text, &vars());
        let _ = parse_spec(&text);
    }
}
