#![no_main]
//! The version parser and the next-version rule never panic, and whatever
//! parses prints back to something that parses to the same version.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(v) = calver::Version::parse(s) {
        assert_eq!(calver::Version::parse(&v.to_string()), Ok(v));
    }
    let _ = calver::Day::parse(s);
    let day = calver::Day::parse("20261127").unwrap();
    if let Ok(next) = calver::next_version(s.split('\n'), day) {
        for tag in s.split('\n') {
            if let Ok(v) = calver::Version::parse(tag) {
                assert!(next.version > v);
            }
        }
    }
});
