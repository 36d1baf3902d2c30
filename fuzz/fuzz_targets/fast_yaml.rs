//! The fast YAML reader against saphyr-parser: on any text it either
//! declines (saphyr-parser reads it then) or gives the very events and
//! spans saphyr-parser gives; it never takes a text saphyr-parser refuses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = planton_manifest::__test_support::fast_reader_agrees(text) {
        panic!("the fast reader and saphyr-parser disagree:\n{e}");
    }
});
