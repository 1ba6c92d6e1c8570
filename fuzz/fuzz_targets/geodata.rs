//! The zone-file loader on arbitrary text: `geodata::parse_with_notes(name,
//! text)`, and for an accepted file the point index the service builds from it.
//! The invariants are those of `dezone_fuzz::check_geodata` (`src/lib.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Zone files are read with `read_to_string`: text that is not UTF-8 never
    // reaches the parser.
    if let Ok(text) = std::str::from_utf8(data) {
        dezone_fuzz::check_geodata(text);
    }
});
