#![no_main]
//! The binary package readers (.rpm header, .deb ar + control tarball)
//! never panic on hostile bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pkgread::read_rpm_bytes(data);
    let _ = pkgread::read_deb_bytes(data);
});
