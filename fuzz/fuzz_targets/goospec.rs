#![no_main]
//! goospec rendering (Go text/template semantics) and parsing never panic;
//! a spec that parses serialises to the embedded pkgspec JSON.
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let vars = BTreeMap::from([("version".to_string(), "20261127.00".to_string())]);
    let text = googet::render(s, &vars).unwrap_or_else(|_| s.to_owned());
    if let Ok(spec) = googet::parse_spec(&text) {
        let _ = spec.pkgspec_json();
    }
});
