#![no_main]
//! The RPM spec header reader (Name:, the Vcs: insertion, spec stems)
//! never panics.
use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = rpmspec::spec_name(Path::new("fuzz.spec"), s);
    if let Ok(with) = rpmspec::spec_with_vcs(Path::new("fuzz.spec"), s, "https://example.com/x") {
        assert!(with.len() > s.len());
    }
    let _ = rpmspec::spec_stem(s);
});
