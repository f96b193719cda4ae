#![no_main]
//! The control-file parser, the relation parser and the XB-Git insertion
//! never panic; an insertion keeps the file parseable.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(paras) = deb822::parse(s) {
        for p in &paras {
            for f in &p.fields {
                let _ = deb822::parse_relations(&f.value);
            }
        }
        if let Ok(edited) = deb822::insert_after_field(s, 0, "Source", "XB-Git: https://example.com/x") {
            assert!(deb822::parse(&edited).is_ok(), "insertion broke the file");
        }
    }
    let _ = pkgread::read_dsc_str(s);
});
